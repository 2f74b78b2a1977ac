//! The message path never panics, whatever the bytes: mail-parser, the Received chain,
//! Authentication-Results, spam verdicts, the bounce reader, the envelope (connecting IP, HELO,
//! Return-Path) and ARC seals that mailwhy's own authentication reads, and the whole report.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailwhy::check::Context;
use mailwhy::dns::{Dns, DnsConfig, Upstream};
use mailwhy::message::{self, Inputs, Options, Parsed};

thread_local! {
    /// A runtime, and a context whose DNS layer has no server:
    /// every lookup answers "timeout" at once, so the report runs offline.
    static OFFLINE: (tokio::runtime::Runtime, Context) = (
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime"),
        Context::new(
            Dns::new(&DnsConfig {
                upstream: Upstream::Servers(vec![]),
                ..DnsConfig::default()
            })
            .expect("dns"),
        ),
    );
}

fuzz_target!(|data: &[u8]| {
    if let Ok(msg) = Parsed::new(data) {
        let a = message::analyze(&msg);
        let _ = message::verify::envelope(&msg, &a);
        let _ = message::verify::arc_seals(&msg);
        let _ = msg.return_path();
        let inputs = Inputs {
            ticket_address: Some("jane@acme-corp.com"),
            ..Inputs::default()
        };
        OFFLINE.with(|(rt, ctx)| {
            rt.block_on(message::report(ctx, "fuzz.eml", &msg, &Options::default(), &inputs))
        });
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = mailwhy::bounce::dsn::parse(text);
        let _ = message::auth_results::parse_authentication_results("Authentication-Results", text);
        let _ = message::auth_results::parse_received_spf(text);
        let _ = mailwhy::bounce::classify::classify(&mailwhy::bounce::classify::Evidence {
            diagnostic: text,
            ..Default::default()
        });
    }
});
