//! The command line's `--config` file (TOML) never panics when parsed; an error names the file
//! and a line that is in the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailwhy_cli::config::Config;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let last_line = text.bytes().filter(|&b| b == b'\n').count() + 1;
    match Config::parse(text, "fuzz.toml") {
        Ok(c) => {
            for ns in &c.nameservers {
                assert!(mailwhy_cli::config::parse_nameserver(ns).is_ok(), "{ns:?} kept");
            }
            for t in [c.timeout, c.overall_timeout].into_iter().flatten() {
                assert!(t > 0.0 && t <= 3600.0, "timeout {t} kept");
            }
        }
        Err(mailwhy::Error::Parse { file, line, message }) => {
            assert_eq!(file, "fuzz.toml");
            assert!((1..=last_line).contains(&line), "line {line} of {last_line}: {message}");
            assert!(!message.trim().is_empty());
        }
        Err(e) => panic!("not a parse error: {e}"),
    }
});
