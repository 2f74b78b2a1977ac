//! The live probe behind `--probe`: resolve, connect, TLS (implicit or STLS), greeting, CAPA,
//! login, STAT and QUIT, each step a check with its own duration and timeout.
//!
//! A step that fails becomes a finding (`mailbox.unreachable`, `mailbox.tls-failed`,
//! `mailbox.auth-failed`) quoting the server's reply, sanitized, and the steps after it are
//! listed as skipped, so the report shows how far the conversation got. The password is sent
//! only inside the login step and is blanked out of everything recorded: the conversation shows
//! `PASS <redacted>`, and a server that echoes the password back is quoted with it redacted.
//! Parsing the replies is [`super::reply`]'s job; what the settings should be is the lint's.

use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde::Serialize;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;
use zeroize::Zeroizing;

use super::data::{self, Provider};
use super::reply::{self, Capabilities, LineBuffer, Status};
use super::{Pop3Settings, TlsMode};
use crate::check::{CheckOutcome, Context, OutcomeBuilder};
use crate::dns::{Outcome, RecordType};
use crate::error::Error;
use crate::finding::FindingId;
use crate::finding::{Finding, Severity};
use crate::sanitize;

/// Which certificate authorities the probe trusts.
#[derive(Debug, Clone)]
pub enum Roots {
    /// The operating system's trust store (read with rustls-native-certs).
    System,
    /// Only these certificates (from `--ca-file`, for a private CA or a self-signed server).
    Certificates(Vec<CertificateDer<'static>>),
}

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

/// Why reading or writing on the connection failed.
#[derive(Debug)]
enum Fail {
    Timeout,
    Closed,
    TooLong,
    Io(std::io::Error),
}

impl Fail {
    fn describe(&self, timeout: Duration) -> String {
        match self {
            Fail::Timeout => format!("no reply within {} s", timeout.as_secs_f64()),
            Fail::Closed => "the server closed the connection".into(),
            Fail::TooLong => format!(
                "the server sent a line longer than {} bytes",
                reply::MAX_LINE
            ),
            Fail::Io(e) => format!("the connection failed: {e}"),
        }
    }
}

enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

/// One POP3 connection: the stream, the line buffer and the recorded conversation.
struct Conn {
    stream: Option<Stream>,
    lines: LineBuffer,
    timeout: Duration,
    transcript: Vec<String>,
    secrets: Vec<Zeroizing<String>>,
}

impl Conn {
    fn record(&mut self, who: &str, text: &str) {
        let mut t = redact(text, &self.secrets);
        if t.len() > 300 {
            let mut cut = 300;
            while !t.is_char_boundary(cut) {
                cut -= 1;
            }
            t.truncate(cut);
            t.push_str(" ...");
        }
        self.transcript
            .push(format!("{who}: {}", sanitize::line(&t)));
    }

    async fn read_line(&mut self) -> Result<Vec<u8>, Fail> {
        loop {
            match self.lines.next_line() {
                Ok(Some(l)) => return Ok(l),
                Ok(None) => {}
                Err(_) => return Err(Fail::TooLong),
            }
            let mut chunk = [0u8; 4096];
            let read = async {
                match self.stream.as_mut() {
                    Some(Stream::Plain(s)) => s.read(&mut chunk).await,
                    Some(Stream::Tls(s)) => s.read(&mut chunk).await,
                    None => Ok(0),
                }
            };
            let n = tokio::time::timeout(self.timeout, read)
                .await
                .map_err(|_| Fail::Timeout)?
                .map_err(Fail::Io)?;
            if n == 0 {
                return Err(Fail::Closed);
            }
            self.lines.feed(&chunk[..n]);
        }
    }

    /// Reads a status line; `Err` on I/O, `Ok((line, None))` when it is not POP3.
    async fn status(&mut self) -> Result<(String, Option<Status>), Fail> {
        let line = self.read_line().await?;
        let text = String::from_utf8_lossy(&line).into_owned();
        self.record("S", &text);
        Ok((text, reply::parse_status(&line)))
    }

    async fn send(&mut self, wire: &str, shown: &str) -> Result<(), Fail> {
        self.record("C", shown);
        // The login lines carry the password: wiped once written.
        let bytes = Zeroizing::new(format!("{wire}\r\n"));
        let write = async {
            match self.stream.as_mut() {
                Some(Stream::Plain(s)) => {
                    s.write_all(bytes.as_bytes()).await?;
                    s.flush().await
                }
                Some(Stream::Tls(s)) => {
                    s.write_all(bytes.as_bytes()).await?;
                    s.flush().await
                }
                None => Err(std::io::ErrorKind::NotConnected.into()),
            }
        };
        tokio::time::timeout(self.timeout, write)
            .await
            .map_err(|_| Fail::Timeout)?
            .map_err(Fail::Io)
    }

    /// Sends a command and reads its status line.
    async fn command(&mut self, wire: &str, shown: &str) -> Result<(String, Option<Status>), Fail> {
        self.send(wire, shown).await?;
        self.status().await
    }

    /// Reads a multi-line block up to its `.` line.
    async fn block(&mut self) -> Result<Vec<Vec<u8>>, Fail> {
        let mut out = vec![];
        loop {
            let line = self.read_line().await?;
            match reply::unstuff(&line) {
                None => return Ok(out),
                Some(l) => {
                    if out.len() >= reply::MAX_BLOCK_LINES {
                        return Err(Fail::TooLong);
                    }
                    self.record("S", &String::from_utf8_lossy(l));
                    out.push(l.to_vec());
                }
            }
        }
    }
}

/// Replaces every secret in `text` with `<redacted>`.
fn redact(text: &str, secrets: &[Zeroizing<String>]) -> String {
    let mut out = text.to_string();
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        out = out.replace(s.as_str(), "<redacted>");
    }
    out
}

const AUTH_FIX: &str = "If the mailbox password was changed (in webmail, by an admin, or after a reset), update it in the fetcher too: it keeps trying the old one. If two-factor authentication is on for the account, the normal password no longer works in mail programs: create an app-specific password in the account's security settings and enter that instead. Also check the username form and that POP access is enabled for the mailbox.";

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

    /// Everything after the TCP connection; returns false when a step failed.
    async fn session(&mut self, conn: &mut Conn) -> bool {
        if self.tls == TlsMode::Implicit && !self.handshake("tls", conn).await {
            return false;
        }
        if !self.greeting(conn).await {
            return false;
        }
        let Some(mut caps) = self.capa("capa", conn).await else {
            return false;
        };
        if self.tls == TlsMode::Starttls {
            match self.stls(conn, &caps).await {
                Some(c) => caps = c,
                None => return false,
            }
        }
        self.facts.capabilities = caps
            .lines
            .iter()
            .map(|l| sanitize::line(l).into_owned())
            .collect();
        let logged_in = self.login(conn, &caps).await;
        match logged_in {
            Some(true) => {
                if !self.stat(conn).await {
                    return false;
                }
            }
            Some(false) => {
                self.outcomes.push(CheckOutcome::skipped(
                    "stat",
                    "needs a login, which was not tried",
                ));
            }
            None => return false,
        }
        self.quit(conn).await;
        true
    }

    async fn resolve(&mut self) -> Option<Vec<IpAddr>> {
        let mut c = CheckOutcome::start("resolve");
        if let Ok(ip) = self.host.parse::<IpAddr>() {
            self.finish(c, format!("{ip} is an IP address; nothing to resolve"));
            return Some(vec![ip]);
        }
        let (a, aaaa) = futures::join!(
            self.ctx.dns.query(&self.host, RecordType::A),
            self.ctx.dns.query(&self.host, RecordType::AAAA)
        );
        let (a, aaaa) = match (a, aaaa) {
            (Ok(a), Ok(aaaa)) => (a, aaaa),
            (Err(e), _) | (_, Err(e)) => {
                c.push(self.unreachable(
                    format!(
                        "{} is not a valid server name ({}).",
                        sanitize::line(&self.s.server),
                        sanitize::line(&e.reason)
                    ),
                    self.server_remedy(),
                ));
                self.finish(c, "not a valid host name");
                return None;
            }
        };
        let ips: Vec<IpAddr> = a.ips().into_iter().chain(aaaa.ips()).collect();
        if ips.is_empty() {
            let failed_a = c.dns_failure(&a, "the POP3 server's address");
            let failed_aaaa = c.dns_failure(&aaaa, "the POP3 server's address");
            if !(failed_a || failed_aaaa) {
                let why = if a.outcome == Outcome::NxDomain {
                    "does not exist in the DNS (NXDOMAIN)"
                } else {
                    "has no address (no A or AAAA record)"
                };
                c.push(self.unreachable(
                    format!("The server name {} {why}.", sanitize::line(&self.host)),
                    self.server_remedy(),
                ));
            }
            self.finish(
                c,
                format!("{} has no usable address", sanitize::line(&self.host)),
            );
            return None;
        }
        let shown: Vec<String> = ips.iter().map(|i| i.to_string()).collect();
        self.finish(
            c,
            format!("{} -> {}", sanitize::line(&self.host), shown.join(", ")),
        );
        Some(ips)
    }

    async fn connect(&mut self, ips: &[IpAddr]) -> Option<TcpStream> {
        let mut c = CheckOutcome::start("connect");
        let mut errors = vec![];
        for ip in ips.iter().take(4) {
            let addr = SocketAddr::new(*ip, self.port);
            match tokio::time::timeout(self.opts.step_timeout, TcpStream::connect(addr)).await {
                Ok(Ok(s)) => {
                    self.facts.address = Some(addr.to_string());
                    self.finish(c, format!("connected to {addr}"));
                    return Some(s);
                }
                Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                    errors.push(format!(
                        "{addr}: connection refused (nothing listens on port {})",
                        self.port
                    ))
                }
                Ok(Err(e)) => errors.push(format!("{addr}: {e}")),
                Err(_) => errors.push(format!(
                    "{addr}: no answer within {} s (a firewall may drop the connection)",
                    self.opts.step_timeout.as_secs_f64()
                )),
            }
        }
        c.push(
            self.unreachable(
                format!(
                    "No connection to {} on port {}: {}.",
                    sanitize::line(&self.host),
                    self.port,
                    errors.join("; ")
                ),
                self.server_remedy(),
            )
            .with_evidence(json!({ "server": self.s.server, "port": self.port, "errors": errors })),
        );
        self.finish(c, format!("could not connect to port {}", self.port));
        None
    }

    fn client_config(&self) -> Result<rustls::ClientConfig, String> {
        let mut store = rustls::RootCertStore::empty();
        match &self.opts.roots {
            Roots::System => {
                let found = rustls_native_certs::load_native_certs();
                for cert in found.certs {
                    let _ = store.add(cert);
                }
            }
            Roots::Certificates(certs) => {
                for cert in certs {
                    store
                        .add(cert.clone())
                        .map_err(|e| format!("the certificate in --ca-file cannot be used: {e}"))?;
                }
            }
        }
        if store.is_empty() {
            return Err("no trusted root certificates were found on this system (install ca-certificates, or give --ca-file)".into());
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(
            Arc::new(store),
            provider.clone(),
        )
        .build()
        .map_err(|e| e.to_string())?;
        let pinned = match &self.opts.roots {
            Roots::Certificates(certs) => certs.clone(),
            Roots::System => vec![],
        };
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PinningVerifier { webpki, pinned }))
            .with_no_client_auth();
        Ok(config)
    }

    fn tls_failed(&self, detail: String, remedy: &str) -> Finding {
        Finding::new(FindingId::MailboxTlsFailed, detail)
            .with_remedy(remedy)
            .with_evidence(json!({
                "server": self.s.server, "port": self.port, "tls": self.tls,
            }))
    }

    /// The TLS handshake on `conn`'s plain stream (implicit TLS, or after STLS).
    async fn handshake(&mut self, step: &str, conn: &mut Conn) -> bool {
        let mut c = CheckOutcome::start(step);
        let fix = "Use the exact server name from the provider's documentation (the certificate is issued for it). For a private mail server, give its CA certificate with --ca-file. Otherwise the server's admin renews or fixes the certificate; never turn off certificate checking in the fetcher.";
        let config = match self.client_config() {
            Ok(c) => c,
            Err(why) => {
                c.inconclusive(why.clone());
                self.finish(c, why);
                return false;
            }
        };
        let name = match ServerName::try_from(self.host.clone()) {
            Ok(n) => n,
            Err(_) => {
                c.push(self.tls_failed(
                    format!(
                        "{} cannot be checked against a certificate.",
                        sanitize::line(&self.host)
                    ),
                    fix,
                ));
                self.finish(c, "not a usable TLS server name");
                return false;
            }
        };
        let Some(Stream::Plain(tcp)) = conn.stream.take() else {
            self.finish(c, "no plain connection to upgrade");
            return false;
        };
        let connector = TlsConnector::from(Arc::new(config));
        match tokio::time::timeout(self.opts.step_timeout, connector.connect(name, tcp)).await {
            Ok(Ok(tls)) => {
                let (_, session) = tls.get_ref();
                let version = match session.protocol_version() {
                    Some(rustls::ProtocolVersion::TLSv1_3) => "TLS 1.3",
                    Some(rustls::ProtocolVersion::TLSv1_2) => "TLS 1.2",
                    _ => "TLS",
                };
                let suite = session
                    .negotiated_cipher_suite()
                    .and_then(|s| s.suite().as_str())
                    .unwrap_or("");
                let summary = format!("{version} {suite}").trim().to_string();
                self.facts.tls = Some(summary.clone());
                conn.stream = Some(Stream::Tls(Box::new(tls)));
                self.finish(
                    c,
                    format!(
                        "{summary}, certificate valid for {}",
                        sanitize::line(&self.host)
                    ),
                );
                true
            }
            Ok(Err(e)) => {
                let (detail, remedy) = describe_tls_error(&e, &self.host, self.tls, fix);
                c.push(self.tls_failed(
                    format!(
                        "The TLS handshake with {}:{} failed: {detail}.",
                        sanitize::line(&self.host),
                        self.port
                    ),
                    &remedy,
                ));
                self.finish(c, "handshake failed");
                false
            }
            Err(_) => {
                let detail = format!(
                    "The server did not complete the TLS handshake within {} s; on this port it may expect plain POP3 or STLS instead of implicit TLS.",
                    self.opts.step_timeout.as_secs_f64()
                );
                c.push(self.tls_failed(detail, fix));
                self.finish(c, "handshake timed out");
                false
            }
        }
    }

    async fn greeting(&mut self, conn: &mut Conn) -> bool {
        let mut c = CheckOutcome::start("greeting");
        match conn.status().await {
            Ok((line, Some(st))) if st.ok => {
                self.facts.greeting = Some(sanitize::line(&line).into_owned());
                self.finish(c, format!("greeting {}", self.quote(&line)));
                true
            }
            Ok((line, Some(_))) => {
                c.push(self.unreachable(
                    format!(
                        "The server refused the session at once: {}.",
                        self.quote(&line)
                    ),
                    self.server_remedy(),
                ));
                self.finish(c, "the server answered -ERR");
                false
            }
            Ok((line, None)) => {
                let what = guess_protocol(&line);
                c.push(
                    self.unreachable(
                        format!(
                            "{}:{} is not a POP3 server: its greeting {} is {what}.",
                            sanitize::line(&self.host),
                            self.port,
                            self.quote(&line)
                        ),
                        format!(
                            "Point the fetcher at the POP3 server and port (995 with SSL/TLS, or 110 with STLS); ports 25, 465 and 587 are for sending mail (SMTP), 143 and 993 for IMAP. {}",
                            self.server_remedy()
                        ),
                    )
                    .with_title("the server does not speak POP3"),
                );
                self.finish(c, "not a POP3 greeting");
                false
            }
            Err(Fail::Timeout) if self.tls != TlsMode::Implicit => {
                c.push(
                    self.unreachable(
                        format!(
                            "Connected to {}:{}, but no POP3 greeting arrived within {} s. A server that expects implicit TLS (port 995) waits silently for the client's TLS handshake.",
                            sanitize::line(&self.host),
                            self.port,
                            self.opts.step_timeout.as_secs_f64()
                        ),
                        "If this port is for SSL/TLS (usually 995), set the fetcher's TLS mode to SSL/TLS; otherwise check the server and port.".to_string(),
                    )
                    .with_title("the server sent no POP3 greeting"),
                );
                self.finish(c, "no greeting");
                false
            }
            Err(e) => {
                c.push(self.unreachable(
                    format!(
                        "No POP3 greeting from {}:{}: {}.",
                        sanitize::line(&self.host),
                        self.port,
                        e.describe(self.opts.step_timeout)
                    ),
                    self.server_remedy(),
                ));
                self.finish(c, "no greeting");
                false
            }
        }
    }

    async fn capa(&mut self, step: &str, conn: &mut Conn) -> Option<Capabilities> {
        let mut c = CheckOutcome::start(step);
        let result = async {
            let (line, st) = conn.command("CAPA", "CAPA").await?;
            match st {
                Some(st) if st.ok => Ok(Ok(Capabilities::parse(&conn.block().await?))),
                Some(_) => Ok(Ok(Capabilities::default())),
                None => Ok::<_, Fail>(Err(line)),
            }
        }
        .await;
        match result {
            Ok(Ok(caps)) if caps.lines.is_empty() => {
                self.finish(
                    c,
                    "the server lists no capabilities (CAPA is optional, RFC 2449)",
                );
                Some(caps)
            }
            Ok(Ok(caps)) => {
                let shown: Vec<String> = caps
                    .lines
                    .iter()
                    .map(|l| sanitize::line(l).into_owned())
                    .collect();
                self.finish(c, format!("capabilities: {}", shown.join(", ")));
                Some(caps)
            }
            Ok(Err(line)) => {
                c.push(self.unreachable(
                    format!(
                        "The server answered CAPA with {}, which is not POP3.",
                        self.quote(&line)
                    ),
                    self.server_remedy(),
                ));
                self.finish(c, "not a POP3 reply");
                None
            }
            Err(e) => {
                c.push(self.unreachable(
                    format!(
                        "The connection broke during CAPA: {}.",
                        e.describe(self.opts.step_timeout)
                    ),
                    self.server_remedy(),
                ));
                self.finish(c, "no reply");
                None
            }
        }
    }

    /// STLS, the handshake and a fresh CAPA (RFC 2595, 4: the client must discard what it
    /// learned before TLS). Returns the new capabilities.
    async fn stls(&mut self, conn: &mut Conn, caps: &Capabilities) -> Option<Capabilities> {
        let mut c = CheckOutcome::start("stls");
        let fix = "Use port 995 with SSL/TLS, or ask the mail server's admin to enable STLS (STARTTLS) on port 110.";
        if !caps.lines.is_empty() && !caps.has("STLS") {
            c.push(self.tls_failed(
                format!("{}:{} does not offer STLS (it is not in the CAPA list), so the login would cross the network unencrypted.", sanitize::line(&self.host), self.port),
                fix,
            ));
            self.finish(c, "STLS not offered");
            return None;
        }
        match conn.command("STLS", "STLS").await {
            Ok((_, Some(st))) if st.ok => {}
            Ok((line, _)) => {
                c.push(self.tls_failed(
                    format!("The server refused STLS: {}.", self.quote(&line)),
                    fix,
                ));
                self.finish(c, "STLS refused");
                return None;
            }
            Err(e) => {
                c.push(self.tls_failed(
                    format!("No answer to STLS: {}.", e.describe(self.opts.step_timeout)),
                    fix,
                ));
                self.finish(c, "no answer to STLS");
                return None;
            }
        }
        if !conn.lines.is_empty() {
            c.push(self.tls_failed(
                "The server sent more plain text after accepting STLS, before the TLS handshake; that text could be injected by an attacker on the path, so the probe stopped.".into(),
                fix,
            ));
            self.finish(c, "unexpected plain text after STLS");
            return None;
        }
        self.finish(c, "the server accepted STLS");
        if !self.handshake("tls", conn).await {
            return None;
        }
        self.capa("capa-after-tls", conn).await
    }

    /// `Some(true)` logged in, `Some(false)` not tried (no credentials), `None` refused/failed.
    async fn login(&mut self, conn: &mut Conn, caps: &Capabilities) -> Option<bool> {
        let Some(user) = self.s.user.clone() else {
            self.outcomes
                .push(CheckOutcome::skipped("login", "no username given (--user)"));
            return Some(false);
        };
        let Some(password) = self.s.password.clone() else {
            self.outcomes.push(CheckOutcome::skipped(
                "login",
                "no password given (--password-env VAR, or run on a terminal to be asked)",
            ));
            return Some(false);
        };
        let mut c = CheckOutcome::start("login");
        if user.chars().any(|ch| ch.is_control()) {
            c.inconclusive("the username contains control characters and cannot be sent");
            self.finish(c, "username not sendable");
            return None;
        }
        let plain = caps.sasl_mechanisms().iter().any(|m| m == "PLAIN");
        let pw_has_newline = password.expose().contains(['\r', '\n']);
        let method;
        let result = if plain {
            method = "SASL PLAIN";
            let b64 = reply::base64(format!("\0{user}\0{}", password.expose()).as_bytes());
            conn.command(&format!("AUTH PLAIN {b64}"), "AUTH PLAIN <redacted>")
                .await
        } else if pw_has_newline {
            c.inconclusive("the password contains a line break, which USER/PASS cannot carry, and the server offers no SASL PLAIN");
            self.finish(c, "password not sendable");
            return None;
        } else {
            method = "USER/PASS";
            match conn
                .command(&format!("USER {user}"), &format!("USER {user}"))
                .await
            {
                Ok((_, Some(st))) if st.ok => {
                    let line = Zeroizing::new(format!("PASS {}", password.expose()));
                    conn.command(&line, "PASS <redacted>").await
                }
                other => other,
            }
        };
        self.facts.login_method = Some(method.to_string());
        match result {
            Ok((_, Some(st))) if st.ok => {
                self.finish(
                    c,
                    format!("logged in as {} with {method}", sanitize::line(&user)),
                );
                Some(true)
            }
            Ok((line, st)) => {
                let f = self.auth_failed(&line, st.as_ref(), &user, method);
                if st.as_ref().is_some_and(|s| s.has_code("SYS")) {
                    c.inconclusive("the server reported a temporary problem");
                }
                c.push(f);
                self.finish(c, format!("login refused ({method})"));
                None
            }
            Err(e) => {
                c.push(self.unreachable(
                    format!(
                        "The connection broke during the login: {}.",
                        e.describe(self.opts.step_timeout)
                    ),
                    self.server_remedy(),
                ));
                self.finish(c, "no answer to the login");
                None
            }
        }
    }

    fn auth_failed(&self, line: &str, st: Option<&Status>, user: &str, method: &str) -> Finding {
        let quoted = self.quote(line);
        let user = sanitize::line(user);
        let evidence = json!({
            "server": self.s.server, "port": self.port, "tls": self.tls, "user": self.s.user,
            "method": method, "reply": redact(line, &self.secrets),
            "code": st.and_then(|s| s.code.clone()),
        });
        let provider_note = self
            .provider
            .map(|p| format!(" {}: {}", p.name, p.note))
            .unwrap_or_default();
        let text = st.map(|s| s.text.to_ascii_lowercase()).unwrap_or_default();
        let finding = if st.is_some_and(|s| s.has_code("IN-USE")) {
            Finding::new(FindingId::MailboxAuthFailed,
                format!("The server refused the login for {user} because the mailbox is in use: {quoted}. Another POP3 client (a phone, a second fetcher) holds the mailbox open.")).with_remedy("Close the other POP3 session or wait for it to end, and let only one fetcher poll this mailbox (for Gmail, the recent: prefix lets several clients fetch).")
            .with_title("the mailbox is locked by another POP3 session")
        } else if st.is_some_and(|s| s.has_code("SYS")) {
            Finding::new(FindingId::MailboxAuthFailed,
                format!("The server could not check the login for {user} right now: {quoted}.")).with_remedy("This is the server's temporary problem, not the settings: try again later, and tell the mail admin if it persists.")
            .with_title("the server could not check the login right now")
            .with_severity(Severity::Warning)
        } else if self.tls == TlsMode::None
            && ["plaintext", "ssl", "tls", "secure", "encrypt"]
                .iter()
                .any(|w| text.contains(w))
        {
            Finding::new(FindingId::MailboxAuthFailed,
                format!("The server refuses logins on an unencrypted connection: {quoted}.")).with_remedy("Turn on encryption in the fetcher: port 995 with SSL/TLS (recommended), or port 110 with STLS. The password itself may be right.")
            .with_title("the server refuses logins without TLS")
        } else {
            Finding::new(
                FindingId::MailboxAuthFailed,
                format!("The server refused the login for {user} ({method}): {quoted}."),
            )
            .with_remedy(format!("{AUTH_FIX}{provider_note}"))
        };
        finding.with_evidence(evidence)
    }

    async fn stat(&mut self, conn: &mut Conn) -> bool {
        let mut c = CheckOutcome::start("stat");
        match conn.command("STAT", "STAT").await {
            Ok((line, Some(st))) if st.ok => match reply::parse_stat(&st.text) {
                Some((n, octets)) => {
                    self.facts.messages = Some(n);
                    self.facts.octets = Some(octets);
                    let noun = if n == 1 { "message" } else { "messages" };
                    self.finish(c, format!("{n} {noun} waiting ({octets} octets)"));
                    true
                }
                None => {
                    c.inconclusive(format!(
                        "STAT answered {} without a message count",
                        self.quote(&line)
                    ));
                    self.finish(c, "no message count");
                    true
                }
            },
            Ok((line, _)) => {
                c.inconclusive(format!("STAT was refused: {}", self.quote(&line)));
                self.finish(c, "STAT refused");
                true
            }
            Err(e) => {
                c.inconclusive(format!(
                    "no answer to STAT: {}",
                    e.describe(self.opts.step_timeout)
                ));
                self.finish(c, "no answer");
                false
            }
        }
    }

    async fn quit(&mut self, conn: &mut Conn) {
        let c = CheckOutcome::start("quit");
        match conn.command("QUIT", "QUIT").await {
            Ok((_, Some(st))) if st.ok => self.finish(c, "session closed"),
            Ok((line, _)) => {
                let q = self.quote(&line);
                self.finish(c, format!("QUIT answered {q}"))
            }
            Err(e) => self.finish(
                c,
                format!("no answer to QUIT ({})", e.describe(self.opts.step_timeout)),
            ),
        }
    }
}

/// The normal WebPKI verification, plus one exception: a server certificate that is byte for byte
/// one of the certificates given with `--ca-file` is trusted as is. Self-signed certificates made
/// with `openssl req -x509` carry `CA:TRUE`, which WebPKI refuses as a server certificate
/// (`CaUsedAsEndEntity`); an admin who hands us that exact certificate has pinned it. The
/// handshake signature is still checked against the certificate's key, so only the holder of
/// its private key passes.
#[derive(Debug)]
struct PinningVerifier {
    webpki: Arc<rustls::client::WebPkiServerVerifier>,
    pinned: Vec<CertificateDer<'static>>,
}

impl rustls::client::danger::ServerCertVerifier for PinningVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        match self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Ok(v) => Ok(v),
            Err(_)
                if self
                    .pinned
                    .iter()
                    .any(|c| c.as_ref() == end_entity.as_ref()) =>
            {
                Ok(rustls::client::danger::ServerCertVerified::assertion())
            }
            Err(e) => Err(e),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

/// What a non-POP3 greeting looks like.
fn guess_protocol(line: &str) -> &'static str {
    let l = line.trim_start();
    if l.starts_with("220") || l.starts_with("554") || l.starts_with("421") {
        "an SMTP greeting (a server for sending mail)"
    } else if l.starts_with("* OK") || l.starts_with("* PREAUTH") || l.starts_with("* BYE") {
        "an IMAP greeting"
    } else if l.starts_with("SSH-") {
        "an SSH greeting"
    } else if l.starts_with("HTTP/") {
        "an HTTP response"
    } else if l.as_bytes().first() == Some(&0x16) || l.as_bytes().first() == Some(&0x15) {
        "TLS data (this port expects implicit TLS)"
    } else {
        "not a POP3 greeting (+OK)"
    }
}

/// A readable cause for a failed handshake, and the remedy for it.
fn describe_tls_error(
    e: &std::io::Error,
    host: &str,
    mode: TlsMode,
    fix: &str,
) -> (String, String) {
    use rustls::{CertificateError, Error as TlsError};
    let host = sanitize::line(host);
    let inner = e.get_ref().and_then(|i| i.downcast_ref::<TlsError>());
    let detail = match inner {
        Some(TlsError::InvalidCertificate(ce)) => match ce {
            CertificateError::UnknownIssuer => "the certificate is not issued by an authority this system trusts (a self-signed certificate or a private CA: give its CA certificate with --ca-file)".to_string(),
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                format!("the certificate is not valid for the name {host} (use the server name the certificate was issued for)")
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => "the certificate has expired".to_string(),
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => "the certificate is not valid yet (check the clocks)".to_string(),
            CertificateError::Revoked => "the certificate has been revoked".to_string(),
            CertificateError::Other(o) if format!("{o:?}").contains("CaUsedAsEndEntity") => {
                "the server presents a CA certificate as its own certificate (give exactly that certificate with --ca-file to trust it)".to_string()
            }
            other => format!("the certificate was refused ({other:?})"),
        },
        Some(TlsError::InvalidMessage(_)) if mode == TlsMode::Implicit => {
            return (
                "the server did not answer with TLS; on this port it speaks plain POP3 (use STLS on port 110, or port 995 for SSL/TLS)".to_string(),
                "Set the fetcher to port 995 with SSL/TLS, or keep this port and switch the TLS mode to STLS (STARTTLS).".to_string(),
            );
        }
        Some(TlsError::AlertReceived(a)) => format!("the server ended the handshake with the TLS alert {a:?}"),
        Some(TlsError::PeerIncompatible(p)) => format!("the server and mailwhy share no TLS version or cipher ({p:?})"),
        Some(other) => format!("{other}"),
        None if e.kind() == std::io::ErrorKind::UnexpectedEof => "the server closed the connection during the handshake".to_string(),
        None => e.to_string(),
    };
    (detail, fix.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_blanks_every_secret() {
        let secrets = [
            Zeroizing::new("hunter2".to_string()),
            Zeroizing::new(String::new()),
        ];
        assert_eq!(
            redact("-ERR bad password hunter2 (hunter2)", &secrets),
            "-ERR bad password <redacted> (<redacted>)"
        );
    }

    #[test]
    fn other_protocols_are_named() {
        assert!(guess_protocol("220 mx ESMTP").contains("SMTP"));
        assert!(guess_protocol("* OK [CAPABILITY IMAP4rev1] ready").contains("IMAP"));
        assert!(guess_protocol("SSH-2.0-OpenSSH_9.2").contains("SSH"));
        assert!(guess_protocol("hello").contains("not a POP3 greeting"));
    }
}
