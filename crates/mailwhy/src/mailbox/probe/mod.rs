//! The live probe behind `--probe`: resolve, connect, TLS (implicit or STLS), greeting, CAPA,
//! login, STAT and QUIT, each step a check with its own duration and timeout.
//!
//! A step that fails becomes a finding (`mailbox.unreachable`, `mailbox.tls-failed`,
//! `mailbox.auth-failed`) quoting the server's reply, sanitized, and the steps after it are
//! listed as skipped, so the report shows how far the conversation got. The password is sent
//! only inside the login step and is blanked out of everything recorded: the conversation shows
//! `PASS <redacted>`, and a server that echoes the password back is quoted with it redacted.
//! Parsing the replies is [`super::reply`]'s job; what the settings should be is the lint's.
//!
//! The steps are methods of one [`Run`] spread over three files: `conn.rs` (resolving,
//! connecting, reading and writing lines with timeouts), `tls.rs` (the trust roots, the
//! handshake and the certificate pinning behind `--ca-file`) and `session.rs` (the POP3
//! conversation from the greeting to QUIT). This file holds the options, the facts and the plan.

mod conn;
mod session;
mod tls;

use std::path::Path;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use serde::Serialize;
use serde_json::json;
use zeroize::Zeroizing;

use super::data::{self, Provider};
use super::reply::{self, LineBuffer};
use super::{Pop3Settings, TlsMode};
use crate::check::{CheckOutcome, Context, OutcomeBuilder};
use crate::error::Error;
use crate::finding::FindingId;
use crate::finding::{Finding, Severity};
use crate::sanitize;

use conn::{redact, Conn, Stream};

pub use tls::Roots;

/// How the probe behaves.
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    /// How long each step (connect, handshake, one reply) may take.
    pub step_timeout: Duration,
    /// The trusted certificate authorities.
    pub roots: Roots,
}

impl ProbeOptions {
    /// System roots and `step_timeout` per step.
    pub fn new(step_timeout: Duration) -> ProbeOptions {
        ProbeOptions {
            step_timeout,
            roots: Roots::System,
        }
    }

    /// Trusts only the PEM certificates in `path` (a private CA, or a self-signed server
    /// certificate). An unreadable file or one without a certificate cannot be used: that is a
    /// "could not run" error, not a finding about the server.
    pub fn with_ca_file(mut self, path: &Path) -> crate::Result<ProbeOptions> {
        let file = path.display().to_string();
        let pem = std::fs::read(path).map_err(|source| Error::Read {
            file: file.clone(),
            source,
        })?;
        let certs = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::Parse {
                file: file.clone(),
                line: 0,
                message: format!("not a PEM certificate file: {e}"),
            })?;
        if certs.is_empty() {
            return Err(Error::Parse {
                file,
                line: 0,
                message: "no PEM certificate (-----BEGIN CERTIFICATE-----) in the file".into(),
            });
        }
        self.roots = Roots::Certificates(certs);
        Ok(self)
    }
}

/// What the probe saw, for the report's data (never the password).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ProbeFacts {
    /// The address connected to.
    pub address: Option<String>,
    /// The TLS version and cipher suite, once TLS is up.
    pub tls: Option<String>,
    /// The server's greeting (sanitized).
    pub greeting: Option<String>,
    /// The capabilities CAPA listed (sanitized), after STLS when it was used.
    pub capabilities: Vec<String>,
    /// `USER/PASS` or `SASL PLAIN`, when a login was tried.
    pub login_method: Option<String>,
    /// Messages waiting (STAT).
    pub messages: Option<u64>,
    /// Their size in octets (STAT).
    pub octets: Option<u64>,
    /// The conversation, `C:` for the client and `S:` for the server, sanitized and with the
    /// password redacted.
    pub transcript: Vec<String>,
}

/// Probes the server in `settings`. `provider` (from the lint) adds its facts to remedies.
/// Returns one outcome per step and the facts seen.
pub async fn probe(
    ctx: &Context,
    settings: &Pop3Settings,
    opts: &ProbeOptions,
    provider: Option<&'static Provider>,
) -> (Vec<CheckOutcome>, ProbeFacts) {
    let (port, tls) = settings.effective();
    let plan: &[&str] = match tls {
        TlsMode::Implicit => &[
            "resolve", "connect", "tls", "greeting", "capa", "login", "stat", "quit",
        ],
        TlsMode::Starttls => &[
            "resolve",
            "connect",
            "greeting",
            "capa",
            "stls",
            "tls",
            "capa-after-tls",
            "login",
            "stat",
            "quit",
        ],
        TlsMode::None => &[
            "resolve", "connect", "greeting", "capa", "login", "stat", "quit",
        ],
    };
    let mut secrets = vec![];
    if let Some(p) = settings.password.as_ref().filter(|p| !p.is_empty()) {
        secrets.push(Zeroizing::new(p.expose().to_string()));
        if let Some(u) = &settings.user {
            let plain = Zeroizing::new(format!("\0{u}\0{}", p.expose()));
            secrets.push(Zeroizing::new(reply::base64(plain.as_bytes())));
        }
    }
    let mut run = Run {
        ctx,
        s: settings,
        opts,
        provider,
        port,
        tls,
        host: data::normalize_host(&settings.server),
        outcomes: vec![],
        facts: ProbeFacts::default(),
        secrets,
    };
    run.go().await;
    let Run {
        mut outcomes,
        facts,
        ..
    } = run;
    let failed = outcomes
        .iter()
        .rev()
        .find(|o| {
            o.findings.iter().any(|f| f.severity == Severity::Error)
                || o.status == crate::check::CheckStatus::Inconclusive
        })
        .map(|o| o.name.clone());
    for step in plan {
        if !outcomes.iter().any(|o| o.name == *step) {
            let why = match &failed {
                Some(f) => format!("not reached: the {f} step did not succeed"),
                None => "not reached".to_string(),
            };
            outcomes.push(CheckOutcome::skipped(step, why));
        }
    }
    outcomes.sort_by_key(|o| plan.iter().position(|p| *p == o.name).unwrap_or(usize::MAX));
    (outcomes, facts)
}

/// One probe run: what it was asked to do, and the outcomes and facts of the steps so far.
struct Run<'a> {
    ctx: &'a Context,
    s: &'a Pop3Settings,
    opts: &'a ProbeOptions,
    provider: Option<&'static Provider>,
    port: u16,
    tls: TlsMode,
    host: String,
    outcomes: Vec<CheckOutcome>,
    facts: ProbeFacts,
    secrets: Vec<Zeroizing<String>>,
}

impl Run<'_> {
    fn quote(&self, reply: &str) -> String {
        let r = redact(reply.trim(), &self.secrets);
        let r: String = r.chars().take(300).collect();
        format!("\"{}\"", sanitize::line(&r))
    }

    fn finish(&mut self, c: OutcomeBuilder, detail: impl Into<String>) {
        self.outcomes.push(c.done(detail));
    }

    fn unreachable(&self, detail: String, remedy: String) -> Finding {
        Finding::new(FindingId::MailboxUnreachable, detail)
            .with_remedy(remedy)
            .with_evidence(json!({
                "server": self.s.server, "port": self.port, "tls": self.tls,
            }))
    }

    fn server_remedy(&self) -> String {
        let provider = self
            .provider
            .and_then(|p| p.pop.map(|e| (p.name, e)))
            .map(|(name, e)| {
                format!(
                    " {name} publishes server {}, port {}, {}.",
                    e.host,
                    e.port,
                    e.tls.describe()
                )
            })
            .unwrap_or_default();
        format!(
            "Check the server name and port against the provider's published POP3 settings (usually port 995 with SSL/TLS, or 110 with STLS).{provider} If they are right, the mail admin checks that POP3 is enabled for the mailbox and that no firewall blocks the port."
        )
    }

    async fn go(&mut self) {
        let Some(addrs) = self.resolve().await else {
            return;
        };
        let Some(tcp) = self.connect(&addrs).await else {
            return;
        };
        let mut conn = Conn {
            stream: Some(Stream::Plain(tcp)),
            lines: LineBuffer::new(),
            timeout: self.opts.step_timeout,
            transcript: vec![],
            secrets: self.secrets.clone(),
        };
        // How far the session got is in the outcomes; the conversation is kept either way.
        self.session(&mut conn).await;
        self.facts.transcript = std::mem::take(&mut conn.transcript);
    }
}
