//! `mailwhy address` through the real binary: one report per address, a JSON array for
//! several, exit codes, and hidden characters shown, not passed through.

use std::process::{Command, Output};

use mailwhy_tests::workspace;

fn mailwhy(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mailwhy"))
        .args(["--dns-zones", "fixtures/address/zones"])
        .args(args)
        .current_dir(workspace())
        .env_remove("NO_COLOR")
        .output()
        .expect("run mailwhy")
}

#[test]
fn several_addresses_give_a_json_array_and_the_worst_exit_code() {
    let o = mailwhy(&[
        "address",
        "jane@initech.fr",
        "jane@nomail.fr",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("strict JSON");
    let arr = v.as_array().expect("an array of reports");
    assert_eq!(arr.len(), 2);
    assert_eq!(arr[0]["subject"], "jane@initech.fr");
    assert_eq!(arr[0]["verdict"], "no-problem-found");
    assert_eq!(arr[0]["data"]["routing"]["providers"][0]["id"], "google");
    assert_eq!(arr[1]["verdict"], "problem-found");
    assert_eq!(arr[1]["findings"][0]["id"], "domain.null-mx");
}

#[test]
fn one_good_address_exits_0_and_one_report_is_an_object() {
    let o = mailwhy(&["address", "jane@globex.fr", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["data"]["normalized"], "jane@globex.fr");
}

#[test]
fn text_output_names_the_hidden_character_and_never_prints_it_raw() {
    let o = mailwhy(&["address", "jane\u{200B}@initech.fr", "--color", "never"]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("ZERO WIDTH SPACE (U+200B)"), "{out}");
    assert!(
        !out.contains('\u{200B}'),
        "the raw character reached the terminal: {out}"
    );
}

#[test]
fn no_address_is_a_usage_error() {
    let o = mailwhy(&["address"]);
    assert_eq!(o.status.code(), Some(2));
}
