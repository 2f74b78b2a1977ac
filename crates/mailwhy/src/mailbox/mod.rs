//! POP3 mailbox settings: the lint of server, port, TLS mode and username against the rules of
//! POP3 and the table of well-known services (no network), and the live probe that connects,
//! upgrades to TLS, logs in and counts the waiting messages (`--probe`).
//!
//! CRMs and helpdesks fetch a shared mailbox by POP3; when the settings are wrong, "we never got
//! the email" means the fetcher never picked it up. The lint ([`lint`]) says what is wrong with
//! the settings themselves; the probe ([`probe`]) says what the server does with them, one check
//! per protocol step, each with its duration. The password lives in a [`Password`], which never
//! reaches any output. The provider table is `data`; the wire format is [`reply`].

pub(crate) mod data;
mod lint;
mod probe;
pub mod reply;
mod secret;

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::check::{CheckOutcome, Context};
use crate::report::{Report, Stats};

pub use lint::lint;
pub use probe::{probe, ProbeFacts, ProbeOptions, Roots};
pub use secret::Password;

/// How the connection is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// TLS from the first byte (port 995, "SSL/TLS", RFC 8314).
    Implicit,
    /// Plain text first, then the `STLS` command upgrades to TLS (port 110, RFC 2595).
    Starttls,
    /// No encryption at all.
    None,
}

impl TlsMode {
    /// `implicit`, `starttls` or `none` (the `--tls` values).
    pub fn as_str(self) -> &'static str {
        match self {
            TlsMode::Implicit => "implicit",
            TlsMode::Starttls => "starttls",
            TlsMode::None => "none",
        }
    }

    /// How mail programs label it.
    pub fn describe(self) -> &'static str {
        match self {
            TlsMode::Implicit => "SSL/TLS (implicit TLS)",
            TlsMode::Starttls => "STLS (STARTTLS)",
            TlsMode::None => "no encryption",
        }
    }

    /// The standard port for this mode: 995 for implicit TLS, 110 otherwise.
    pub fn default_port(self) -> u16 {
        match self {
            TlsMode::Implicit => 995,
            TlsMode::Starttls | TlsMode::None => 110,
        }
    }
}

/// The settings a mail fetcher holds for one POP3 mailbox.
#[derive(Debug, Clone, Serialize)]
pub struct Pop3Settings {
    /// The server name (or IP address).
    pub server: String,
    /// The port, if given.
    pub port: Option<u16>,
    /// The TLS mode, if given.
    pub tls: Option<TlsMode>,
    /// The username, if given (may carry Gmail's `recent:` prefix).
    pub user: Option<String>,
    /// The password, if any. Never serialized.
    #[serde(skip)]
    pub password: Option<Password>,
}

impl Pop3Settings {
    /// Settings for `server` with everything else left to the defaults.
    pub fn new(server: impl Into<String>) -> Pop3Settings {
        Pop3Settings {
            server: server.into(),
            port: None,
            tls: None,
            user: None,
            password: None,
        }
    }

    /// The port and TLS mode that will be used: what was given, the other one derived from it
    /// (995 means implicit TLS, any other port STLS; implicit TLS means 995, the others 110), and
    /// 995 with implicit TLS when neither was given, since that is what providers recommend.
    pub fn effective(&self) -> (u16, TlsMode) {
        match (self.port, self.tls) {
            (Some(p), Some(t)) => (p, t),
            (Some(995), None) => (995, TlsMode::Implicit),
            (Some(p), None) => (p, TlsMode::Starttls),
            (None, Some(t)) => (t.default_port(), t),
            (None, None) => (995, TlsMode::Implicit),
        }
    }

    /// The username without Gmail's `recent:` prefix.
    pub fn bare_user(&self) -> Option<&str> {
        self.user.as_deref().map(strip_recent)
    }
}

/// `user` without a leading `recent:` (any case).
pub(crate) fn strip_recent(user: &str) -> &str {
    match user.get(..7) {
        Some(p) if p.eq_ignore_ascii_case("recent:") => &user[7..],
        _ => user,
    }
}

/// Lints `settings` and, when `probe_opts` is given, probes the server; returns the report.
pub async fn diagnose(
    ctx: &Context,
    settings: &Pop3Settings,
    probe_opts: Option<&ProbeOptions>,
) -> Report {
    let started = Instant::now();
    let (port, tls) = settings.effective();
    let mut outcomes: Vec<CheckOutcome> = lint(settings);
    let provider = lint::provider_for(settings).map(|(p, _)| p);
    let mut data = serde_json::json!({
        "server": settings.server,
        "port": port,
        "tls": tls,
        "user": settings.user,
        "password_given": settings.password.is_some(),
        "provider": provider,
        "probed": probe_opts.is_some(),
    });
    let mut sections = vec![];
    match probe_opts {
        Some(opts) => {
            let (probe_outcomes, facts) = probe(ctx, settings, opts, provider).await;
            outcomes.extend(probe_outcomes);
            if !facts.transcript.is_empty() {
                sections.push(("POP3 conversation".to_string(), facts.transcript.clone()));
            }
            data["probe"] = serde_json::to_value(&facts).unwrap_or_default();
        }
        None => outcomes.push(CheckOutcome::skipped(
            "probe",
            "not asked for: the settings were checked without touching the network (add --probe to connect)",
        )),
    }
    let stats = Stats {
        dns_queries: ctx.dns.queries_sent(),
        duration_ms: started.elapsed().as_millis() as u64,
        ..Default::default()
    };
    let subject = format!(
        "pop3 {}:{port} ({})",
        data::normalize_host(&settings.server),
        tls.as_str()
    );
    let mut report = Report::from_outcomes(subject, outcomes, stats).with_data(data);
    for (title, lines) in sections {
        report = report.with_section(title, lines);
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_and_tls_are_derived_from_each_other() {
        let mut s = Pop3Settings::new("pop.example.org");
        assert_eq!(s.effective(), (995, TlsMode::Implicit));
        s.port = Some(110);
        assert_eq!(s.effective(), (110, TlsMode::Starttls));
        s.port = Some(995);
        assert_eq!(s.effective(), (995, TlsMode::Implicit));
        s.port = None;
        s.tls = Some(TlsMode::None);
        assert_eq!(s.effective(), (110, TlsMode::None));
    }

    #[test]
    fn recent_prefix_is_stripped_in_any_case() {
        assert_eq!(strip_recent("Recent:me@gmail.com"), "me@gmail.com");
        assert_eq!(strip_recent("recent"), "recent");
        assert_eq!(strip_recent("récent:x"), "récent:x");
    }

    #[test]
    fn settings_never_serialize_the_password() {
        let mut s = Pop3Settings::new("pop.example.org");
        s.password = Some(Password::new("p4ss-w0rd-xyz"));
        let json = serde_json::to_string(&s).unwrap();
        assert!(!json.contains("p4ss"), "{json}");
        assert!(!format!("{s:?}").contains("p4ss"));
    }
}
