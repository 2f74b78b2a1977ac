//! The POP3 probe against a real Dovecot on loopback (RFC 1939 sessions, STLS per RFC 2595,
//! implicit TLS per RFC 8314): good logins with the waiting messages counted, a wrong password,
//! a server that refuses passwords without TLS, a port where nothing listens, a server that is
//! not POP3, an untrusted certificate, and a name resolved through the DNS layer.
//!
//! The tests that start Dovecot are `#[ignore = "needs dovecot-pop3d (apt)"]`: run them with
//! `cargo test -- --ignored` once `dovecot-pop3d` is installed (`.ci/run` does).

use std::time::Duration;

use mailwhy::check::{CheckStatus, Context};
use mailwhy::dns::server::ZoneServer;
use mailwhy::dns::zonefile::Zone;
use mailwhy::mailbox::{diagnose, Password, Pop3Settings, ProbeOptions, TlsMode};
use mailwhy::report::{Report, Verdict};
use mailwhy_tests::dns_for;
use mailwhy_tests::dovecot::{
    scripted_server, write_unrelated_ca, CertKind, Dovecot, CERT_NAME, PASSWORD, USER,
};

fn settings(server: &str, port: u16, tls: TlsMode, password: &str) -> Pop3Settings {
    Pop3Settings {
        server: server.into(),
        port: Some(port),
        tls: Some(tls),
        user: Some(USER.into()),
        password: Some(Password::new(password)),
    }
}

fn opts(d: Option<&Dovecot>) -> ProbeOptions {
    let o = ProbeOptions::new(Duration::from_secs(5));
    match d {
        Some(d) => o.with_ca_file(&d.ca_file()).expect("ca file"),
        None => o,
    }
}

/// A DNS layer nobody answers (no test here needs a lookup unless it starts a zone server).
fn ctx() -> Context {
    Context::new(dns_for("127.0.0.1:9".parse().unwrap()))
}

async fn run(s: &Pop3Settings, o: &ProbeOptions) -> Report {
    diagnose(&ctx(), s, Some(o)).await
}

fn ids(r: &Report) -> Vec<&str> {
    r.findings.iter().map(|f| f.id.as_str()).collect()
}

fn status(r: &Report, check: &str) -> Option<CheckStatus> {
    r.checks.iter().find(|c| c.name == check).map(|c| c.status)
}

fn dump(r: &Report) -> String {
    serde_json::to_string_pretty(r).unwrap() + &format!("\n{:?}", r.sections)
}

#[tokio::test]
#[ignore = "needs dovecot-pop3d (apt)"]
async fn good_login_over_implicit_tls_counts_the_waiting_messages() {
    let d = Dovecot::start(3);
    let r = run(
        &settings("127.0.0.1", d.tls_port, TlsMode::Implicit, PASSWORD),
        &opts(Some(&d)),
    )
    .await;
    assert_eq!(
        r.verdict,
        Verdict::NoProblemFound,
        "{}\n{}",
        dump(&r),
        d.logs()
    );
    for step in [
        "resolve", "connect", "tls", "greeting", "capa", "login", "stat", "quit",
    ] {
        assert_eq!(
            status(&r, step),
            Some(CheckStatus::Ran),
            "{step}: {}",
            dump(&r)
        );
    }
    assert_eq!(r.data["probe"]["messages"], 3, "{}", dump(&r));
    assert_eq!(r.data["probe"]["login_method"], "SASL PLAIN");
    assert!(
        r.data["probe"]["tls"]
            .as_str()
            .unwrap()
            .starts_with("TLS 1."),
        "{}",
        dump(&r)
    );
    let stat = r.checks.iter().find(|c| c.name == "stat").unwrap();
    assert!(
        stat.detail.starts_with("3 messages waiting"),
        "{}",
        stat.detail
    );
}

#[tokio::test]
#[ignore = "needs dovecot-pop3d (apt)"]
async fn good_login_after_stls_upgrade() {
    let d = Dovecot::start(2);
    let r = run(
        &settings("127.0.0.1", d.plain_port, TlsMode::Starttls, PASSWORD),
        &opts(Some(&d)),
    )
    .await;
    assert_eq!(
        r.verdict,
        Verdict::NoProblemFound,
        "{}\n{}",
        dump(&r),
        d.logs()
    );
    for step in [
        "greeting",
        "capa",
        "stls",
        "tls",
        "capa-after-tls",
        "login",
        "stat",
        "quit",
    ] {
        assert_eq!(
            status(&r, step),
            Some(CheckStatus::Ran),
            "{step}: {}",
            dump(&r)
        );
    }
    assert_eq!(r.data["probe"]["messages"], 2);
    // The capabilities after TLS are the ones kept (RFC 2595, 4): SASL PLAIN is offered only there.
    let caps = r.data["probe"]["capabilities"].as_array().unwrap();
    assert!(caps.iter().any(|c| c == "SASL PLAIN"), "{caps:?}");
}

#[tokio::test]
#[ignore = "needs dovecot-pop3d (apt)"]
async fn wrong_password_is_auth_failed_with_the_servers_reply_and_the_usual_causes() {
    let d = Dovecot::start(1);
    let r = run(
        &settings(
            "127.0.0.1",
            d.tls_port,
            TlsMode::Implicit,
            "not-the-password",
        ),
        &opts(Some(&d)),
    )
    .await;
    assert_eq!(r.verdict, Verdict::ProblemFound, "{}", dump(&r));
    assert_eq!(ids(&r), ["mailbox.auth-failed"], "{}", dump(&r));
    let f = &r.findings[0];
    assert!(f.detail.contains("-ERR"), "quotes the reply: {}", f.detail);
    assert!(f.detail.contains("Authentication failed"), "{}", f.detail);
    assert!(f.remedy.contains("app-specific password"), "{}", f.remedy);
    assert!(f.remedy.contains("password was changed"), "{}", f.remedy);
    assert_eq!(status(&r, "stat"), Some(CheckStatus::Skipped));
}

#[tokio::test]
#[ignore = "needs dovecot-pop3d (apt)"]
async fn server_refuses_a_password_without_tls() {
    let d = Dovecot::start(1);
    let r = run(
        &settings("127.0.0.2", d.insecure_port, TlsMode::None, PASSWORD),
        &opts(Some(&d)),
    )
    .await;
    assert_eq!(r.verdict, Verdict::ProblemFound, "{}", dump(&r));
    assert_eq!(
        ids(&r),
        ["mailbox.auth-failed", "mailbox.plaintext-credentials"],
        "{}",
        dump(&r)
    );
    assert_eq!(r.findings[0].title, "the server refuses logins without TLS");
    assert!(
        r.findings[0]
            .detail
            .contains("Plaintext authentication disallowed"),
        "{}",
        r.findings[0].detail
    );
}

#[tokio::test]
async fn nothing_listening_is_unreachable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let r = run(
        &settings("127.0.0.1", port, TlsMode::Implicit, PASSWORD),
        &opts(None),
    )
    .await;
    assert_eq!(ids(&r), ["mailbox.unreachable"], "{}", dump(&r));
    assert!(
        r.findings[0].detail.contains("connection refused"),
        "{}",
        r.findings[0].detail
    );
    assert_eq!(status(&r, "tls"), Some(CheckStatus::Skipped));
}

#[tokio::test]
async fn a_server_that_is_not_pop3_is_named() {
    let port = scripted_server(
        "220 smtp.example.org ESMTP ready\r\n",
        |_| "502 no\r\n".into(),
        1,
    );
    let r = run(
        &settings("127.0.0.1", port, TlsMode::Starttls, PASSWORD),
        &opts(None),
    )
    .await;
    assert_eq!(ids(&r), ["mailbox.unreachable"], "{}", dump(&r));
    assert_eq!(r.findings[0].title, "the server does not speak POP3");
    assert!(
        r.findings[0].detail.contains("SMTP"),
        "{}",
        r.findings[0].detail
    );
    assert!(
        r.findings[0].detail.contains("220 smtp.example.org"),
        "{}",
        r.findings[0].detail
    );
}

#[tokio::test]
#[ignore = "needs dovecot-pop3d (apt)"]
async fn a_certificate_from_an_unknown_ca_is_tls_failed() {
    let d = Dovecot::start(1);
    // System roots: the test CA is not among them.
    let r = run(
        &settings("127.0.0.1", d.tls_port, TlsMode::Implicit, PASSWORD),
        &opts(None),
    )
    .await;
    assert_eq!(ids(&r), ["mailbox.tls-failed"], "{}", dump(&r));
    assert!(
        r.findings[0].detail.contains("--ca-file"),
        "{}",
        r.findings[0].detail
    );
    // A private CA file that did not issue it: the same, and deterministic on any machine.
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other-ca.pem");
    write_unrelated_ca(&other);
    let o = ProbeOptions::new(Duration::from_secs(5))
        .with_ca_file(&other)
        .unwrap();
    let r = run(
        &settings("127.0.0.1", d.tls_port, TlsMode::Implicit, PASSWORD),
        &o,
    )
    .await;
    assert_eq!(ids(&r), ["mailbox.tls-failed"], "{}", dump(&r));
    assert!(
        r.findings[0].detail.contains("not issued by an authority"),
        "{}",
        r.findings[0].detail
    );
}

#[tokio::test]
#[ignore = "needs dovecot-pop3d (apt)"]
async fn implicit_tls_on_the_plain_port_says_the_server_speaks_plain_pop3() {
    let d = Dovecot::start(1);
    let r = run(
        &settings("127.0.0.1", d.plain_port, TlsMode::Implicit, PASSWORD),
        &opts(Some(&d)),
    )
    .await;
    assert_eq!(ids(&r), ["mailbox.tls-failed"], "{}", dump(&r));
    assert!(
        r.findings[0].detail.contains("plain POP3"),
        "{}",
        r.findings[0].detail
    );
}

#[tokio::test]
#[ignore = "needs dovecot-pop3d (apt)"]
async fn plain_pop3_on_the_tls_port_times_out_waiting_for_a_greeting() {
    let d = Dovecot::start(1);
    let o = ProbeOptions::new(Duration::from_millis(800));
    let r = run(
        &settings("127.0.0.1", d.tls_port, TlsMode::None, PASSWORD),
        &o,
    )
    .await;
    assert_eq!(ids(&r)[0], "mailbox.unreachable", "{}", dump(&r));
    assert_eq!(r.findings[0].title, "the server sent no POP3 greeting");
}

#[tokio::test]
#[ignore = "needs dovecot-pop3d (apt)"]
async fn the_server_name_is_resolved_through_the_dns_layer_and_checked_against_the_certificate() {
    let d = Dovecot::start(4);
    let mut zone = Zone::new("mailwhy.test.").unwrap();
    zone.add(&format!("{CERT_NAME}."), 300, "A", "127.0.0.1")
        .unwrap();
    let server = ZoneServer::start(vec![zone], "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let ctx = Context::new(dns_for(server.addr()));
    let s = settings(CERT_NAME, d.tls_port, TlsMode::Implicit, PASSWORD);
    let r = diagnose(&ctx, &s, Some(&opts(Some(&d)))).await;
    assert_eq!(r.verdict, Verdict::NoProblemFound, "{}", dump(&r));
    assert_eq!(r.data["probe"]["messages"], 4);
    assert!(r.stats.dns_queries >= 1);
    // And a name that does not exist is unreachable, not a crash or a hang.
    let s = settings("nope.mailwhy.test", d.tls_port, TlsMode::Implicit, PASSWORD);
    let r = diagnose(&ctx, &s, Some(&opts(Some(&d)))).await;
    assert_eq!(ids(&r), ["mailbox.unreachable"], "{}", dump(&r));
    assert!(r.findings[0].detail.contains("NXDOMAIN"));
}

/// Regression: a self-signed certificate made by `openssl req -x509` has CA:TRUE, which WebPKI
/// refuses as a server certificate (CaUsedAsEndEntity) even when given with --ca-file.
#[tokio::test]
#[ignore = "needs dovecot-pop3d (apt)"]
async fn a_self_signed_certificate_given_with_ca_file_is_trusted() {
    let d = Dovecot::start_with(2, CertKind::SelfSignedCa);
    let s = settings("127.0.0.1", d.tls_port, TlsMode::Implicit, PASSWORD);
    let r = run(&s, &opts(Some(&d))).await;
    assert_eq!(r.verdict, Verdict::NoProblemFound, "{}", dump(&r));
    assert_eq!(r.data["probe"]["messages"], 2);
    // Without it, the same server is refused.
    let r = run(&s, &opts(None)).await;
    assert_eq!(ids(&r), ["mailbox.tls-failed"], "{}", dump(&r));
}
