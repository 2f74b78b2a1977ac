//! The message path never panics, whatever the bytes: mail-parser, the Received chain,
//! Authentication-Results, spam verdicts, the bounce reader and the report, and the envelope
//! (connecting IP, HELO, Return-Path) and ARC seals that mailwhy's own authentication reads.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = mailwhy::message::Options::default();
    let _ = mailwhy::message::report("fuzz.eml", data, &opts, Some("jane@acme-corp.com"));
    if let Ok(msg) = mailwhy::message::parse(data) {
        let a = mailwhy::message::analyze(&msg);
        let _ = mailwhy::auth::received::envelope(data, &a);
    }
    let _ = mailwhy::auth::received::return_path(data);
    let _ = mailwhy::auth::received::arc_seals(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = mailwhy::bounce::dsn::parse(text);
        let _ = mailwhy::message::auth::parse_authentication_results("Authentication-Results", text);
        let _ = mailwhy::message::auth::parse_received_spf(text);
        let _ = mailwhy::bounce::classify::classify(&mailwhy::bounce::classify::Evidence {
            diagnostic: text,
            ..Default::default()
        });
    }
});
