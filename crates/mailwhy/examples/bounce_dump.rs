//! Prints how mailwhy reads each bounce given on the command line (for working on the rules).
fn main() {
    for f in std::env::args().skip(1) {
        let raw = std::fs::read(&f).expect("readable");
        match mailwhy::bounce::analyze_bytes(&raw) {
            Ok(b) => println!(
                "{f}: {}",
                serde_json::to_string_pretty(&b).unwrap_or_default()
            ),
            Err(e) => println!("{f}: {e}"),
        }
    }
}
