//! The opt-in STARTTLS probe of an MX host (`--probe`): connect, banner, EHLO, STARTTLS, TLS
//! handshake, QUIT, each step a check with its own duration and timeout, as the POP3 probe does.
//! No envelope is ever sent: the probe ends with QUIT right after the handshake.
//!
//! The handshake completes even when the certificate would not pass (the verifier records the
//! WebPKI verdict for the MX name instead of aborting), so the report can say both "TLS 1.3 works"
//! and "the certificate expired". Signatures are still checked. What the verdict means for the
//! domain (an error under an `enforce` MTA-STS policy, a warning otherwise) is [`super`]'s call.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use serde::Serialize;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::check::{CheckOutcome, Context};
use crate::dns::RecordType;
use crate::sanitize;

/// How the probe connects.
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    /// The SMTP port (25; tests give their server's port).
    pub port: u16,
    /// The time limit of each step.
    pub timeout: Duration,
    /// Trusted roots: the system's when empty, else only these (`--ca-file`).
    pub roots: Vec<CertificateDer<'static>>,
}

/// What the probe saw at one MX host.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MxProbe {
    /// The MX host name.
    pub host: String,
    /// The address connected to.
    pub address: Option<String>,
    /// The 220 banner (sanitized).
    pub banner: Option<String>,
    /// Whether EHLO listed STARTTLS.
    pub starttls_offered: Option<bool>,
    /// TLS version and cipher suite, once the handshake completed.
    pub tls: Option<String>,
    /// `None` when the certificate is valid for the host name and chains to a trusted root;
    /// else why not (expired, another name, untrusted issuer ...).
    pub certificate_problem: Option<String>,
    /// The step that could not be completed (connect, banner, ehlo, starttls, tls), if any.
    pub failed_step: Option<String>,
    /// The conversation (sanitized), `C:` and `S:` lines.
    pub transcript: Vec<String>,
    /// The certificate chain presented (DER, leaf first), for DANE matching.
    #[serde(skip)]
    pub chain: Vec<Vec<u8>>,
}

/// Records WebPKI's verdict instead of failing the handshake.
#[derive(Debug)]
struct Recording {
    webpki: Arc<rustls::client::WebPkiServerVerifier>,
    verdict: Mutex<Option<Result<(), rustls::Error>>>,
    chain: Mutex<Vec<Vec<u8>>>,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let r = self
            .webpki
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
            .map(|_| ());
        if let Ok(mut v) = self.verdict.lock() {
            *v = Some(r);
        }
        if let Ok(mut c) = self.chain.lock() {
            *c = std::iter::once(end_entity)
                .chain(intermediates)
                .map(|d| d.as_ref().to_vec())
                .collect();
        }
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &rustls::DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(m, c, d)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &rustls::DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(m, c, d)
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

fn cert_problem(e: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(ce) => match ce {
            C::Expired | C::ExpiredContext { .. } => "the certificate has expired".into(),
            C::NotValidYet | C::NotValidYetContext { .. } => {
                "the certificate is not valid yet".into()
            }
            C::NotValidForName | C::NotValidForNameContext { .. } => {
                "the certificate does not name this MX host".into()
            }
            C::UnknownIssuer => "the certificate does not chain to a trusted root".into(),
            other => format!(
                "the certificate was refused ({})",
                crate::text::camel_words(&format!("{other:?}"))
            ),
        },
        other => other.to_string(),
    }
}

struct Session<'a> {
    outcomes: &'a mut Vec<CheckOutcome>,
    facts: &'a mut MxProbe,
    timeout: Duration,
}

impl Session<'_> {
    fn fail(&mut self, step: &str, why: String) {
        self.facts.failed_step = Some(step.to_string());
        self.outcomes.push(CheckOutcome::inconclusive(
            &format!("smtp-{step} {}", self.facts.host),
            format!(
                "the {step} step with {} failed: {why}",
                sanitize::line(&self.facts.host)
            ),
        ));
    }
    fn ok(&mut self, step: &str, started: std::time::Instant, detail: String) {
        let mut o = CheckOutcome::start(&format!("smtp-{step} {}", self.facts.host)).done(detail);
        o.duration = started.elapsed();
        self.outcomes.push(o);
    }
}

/// Reads one SMTP reply (all its lines); the code and the text of the lines.
async fn reply<R: tokio::io::AsyncBufRead + Unpin>(
    r: &mut R,
    transcript: &mut Vec<String>,
    timeout: Duration,
) -> Result<(u16, Vec<String>), String> {
    let mut lines = vec![];
    loop {
        let mut line = String::new();
        let n = tokio::time::timeout(timeout, r.read_line(&mut line))
            .await
            .map_err(|_| format!("no reply within {} s", timeout.as_secs_f64()))?
            .map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("the server closed the connection".into());
        }
        if lines.len() > 100 || line.len() > 2000 {
            return Err("the reply is too long".into());
        }
        let line = line.trim_end().to_string();
        transcript.push(format!("S: {}", sanitize::line(&line)));
        let code = line.get(..3).and_then(|c| c.parse::<u16>().ok());
        let more = line.as_bytes().get(3) == Some(&b'-');
        lines.push(line.get(4..).unwrap_or("").to_string());
        if !more {
            return code
                .map(|c| (c, lines))
                .ok_or_else(|| "not an SMTP reply".into());
        }
    }
}

/// Probes MX `host` (address from DNS, port from `opts`). One outcome per step, and the facts.
pub async fn probe_mx(
    ctx: &Context,
    host: &str,
    opts: &ProbeOptions,
) -> (Vec<CheckOutcome>, MxProbe) {
    let mut outcomes = vec![];
    let mut facts = MxProbe {
        host: host.to_string(),
        ..MxProbe::default()
    };
    let mut s = Session {
        outcomes: &mut outcomes,
        facts: &mut facts,
        timeout: opts.timeout,
    };
    run(ctx, host, opts, &mut s).await;
    (outcomes, facts)
}

async fn run(ctx: &Context, host: &str, opts: &ProbeOptions, s: &mut Session<'_>) {
    // Connect.
    let t = std::time::Instant::now();
    let mut ips = vec![];
    for rtype in [RecordType::A, RecordType::AAAA] {
        if let Ok(a) = ctx.dns.query(host, rtype).await {
            ips.extend(a.ips());
        }
    }
    let Some(ip) = ips.first().copied() else {
        return s.fail(
            "connect",
            "the MX host has no address (or its lookup failed)".into(),
        );
    };
    let addr = SocketAddr::new(ip, opts.port);
    s.facts.address = Some(addr.to_string());
    let tcp = match tokio::time::timeout(s.timeout, TcpStream::connect(addr)).await {
        Ok(Ok(t)) => t,
        Ok(Err(e)) => return s.fail("connect", format!("{addr}: {e}")),
        Err(_) => {
            return s.fail(
                "connect",
                format!("{addr}: no answer within {} s", s.timeout.as_secs_f64()),
            )
        }
    };
    s.ok("connect", t, format!("connected to {addr}"));

    // Banner.
    let t = std::time::Instant::now();
    let mut plain = BufReader::new(tcp);
    match reply(&mut plain, &mut s.facts.transcript, s.timeout).await {
        Ok((220, lines)) => {
            let b = sanitize::line(&lines.join(" ")).into_owned();
            s.facts.banner = Some(b.clone());
            s.ok("banner", t, format!("220 {b}"));
        }
        Ok((code, lines)) => {
            return s.fail(
                "banner",
                format!(
                    "the server greeted with {code} {}",
                    sanitize::line(&lines.join(" "))
                ),
            )
        }
        Err(e) => return s.fail("banner", e),
    }

    // EHLO.
    let t = std::time::Instant::now();
    s.facts.transcript.push("C: EHLO mailwhy.invalid".into());
    if let Err(e) = plain.get_mut().write_all(b"EHLO mailwhy.invalid\r\n").await {
        return s.fail("ehlo", e.to_string());
    }
    let offered = match reply(&mut plain, &mut s.facts.transcript, s.timeout).await {
        Ok((250, lines)) => lines
            .iter()
            .any(|l| l.trim().eq_ignore_ascii_case("starttls")),
        Ok((code, _)) => return s.fail("ehlo", format!("EHLO was answered {code}")),
        Err(e) => return s.fail("ehlo", e),
    };
    s.facts.starttls_offered = Some(offered);
    s.ok(
        "ehlo",
        t,
        if offered {
            "STARTTLS offered".into()
        } else {
            "STARTTLS not offered".into()
        },
    );
    if !offered {
        quit(plain.get_mut(), &mut s.facts.transcript).await;
        return;
    }

    // STARTTLS.
    let t = std::time::Instant::now();
    s.facts.transcript.push("C: STARTTLS".into());
    if let Err(e) = plain.get_mut().write_all(b"STARTTLS\r\n").await {
        return s.fail("starttls", e.to_string());
    }
    match reply(&mut plain, &mut s.facts.transcript, s.timeout).await {
        Ok((220, _)) => s.ok("starttls", t, "220, ready to start TLS".into()),
        Ok((code, lines)) => {
            return s.fail(
                "starttls",
                format!(
                    "STARTTLS was answered {code} {}",
                    sanitize::line(&lines.join(" "))
                ),
            )
        }
        Err(e) => return s.fail("starttls", e),
    }

    // TLS handshake.
    let t = std::time::Instant::now();
    let mut store = rustls::RootCertStore::empty();
    if opts.roots.is_empty() {
        for c in rustls_native_certs::load_native_certs().certs {
            let _ = store.add(c);
        }
    } else {
        for c in &opts.roots {
            let _ = store.add(c.clone());
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let webpki = match rustls::client::WebPkiServerVerifier::builder_with_provider(
        Arc::new(store),
        provider.clone(),
    )
    .build()
    {
        Ok(w) => w,
        Err(e) => return s.fail("tls", format!("no usable trusted roots: {e}")),
    };
    let verifier = Arc::new(Recording {
        webpki,
        verdict: Mutex::new(None),
        chain: Mutex::new(vec![]),
    });
    let config = match rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
    {
        Ok(b) => b
            .dangerous()
            .with_custom_certificate_verifier(verifier.clone())
            .with_no_client_auth(),
        Err(e) => return s.fail("tls", e.to_string()),
    };
    let Ok(name) = ServerName::try_from(host.to_string()) else {
        return s.fail("tls", "the MX name is not a TLS server name".into());
    };
    let tcp = plain.into_inner();
    let mut tls = match tokio::time::timeout(
        s.timeout,
        TlsConnector::from(Arc::new(config)).connect(name, tcp),
    )
    .await
    {
        Ok(Ok(t)) => t,
        Ok(Err(e)) => return s.fail("tls", format!("the TLS handshake failed: {e}")),
        Err(_) => {
            return s.fail(
                "tls",
                format!("no TLS handshake within {} s", s.timeout.as_secs_f64()),
            )
        }
    };
    let (_, session) = tls.get_ref();
    let version = match session.protocol_version() {
        Some(rustls::ProtocolVersion::TLSv1_3) => "TLS 1.3",
        Some(rustls::ProtocolVersion::TLSv1_2) => "TLS 1.2",
        _ => "TLS",
    };
    let suite = session
        .negotiated_cipher_suite()
        .and_then(|c| c.suite().as_str())
        .unwrap_or("");
    let summary = format!("{version} {suite}").trim().to_string();
    s.facts.tls = Some(summary.clone());
    let verdict = verifier.verdict.lock().ok().and_then(|mut v| v.take());
    s.facts.chain = verifier.chain.lock().map(|c| c.clone()).unwrap_or_default();
    s.facts.certificate_problem = match verdict {
        Some(Ok(())) => None,
        Some(Err(e)) => Some(cert_problem(&e)),
        None => Some("the server presented no certificate".into()),
    };
    let detail = match &s.facts.certificate_problem {
        None => format!("{summary}, certificate valid for {}", sanitize::line(host)),
        Some(p) => format!("{summary}, but {p}"),
    };
    s.ok("tls", t, detail);
    s.facts.transcript.push("C: QUIT".into());
    let _ = tls.write_all(b"QUIT\r\n").await;
    let _ = tls.shutdown().await;
}

async fn quit(tcp: &mut TcpStream, transcript: &mut Vec<String>) {
    transcript.push("C: QUIT".into());
    let _ = tcp.write_all(b"QUIT\r\n").await;
}
