//! Fetching an MTA-STS policy the way RFC 8461 §3.3 tells a sender to: one HTTPS GET of
//! `https://mta-sts.DOMAIN/.well-known/mta-sts.txt`, SNI and a WebPKI certificate check for
//! that name, HTTP 200 only (a redirect is refused, not followed), `text/plain`, at most 64 KB,
//! within a time limit. The host's address comes from the project's DNS layer (so a test's
//! zone server decides where it is); the port is 443 unless a test overrides it.
//!
//! A small HTTP/1.1 reader instead of a client library: one request, `Connection: close`, and
//! the answer read with a byte cap, so nothing (redirect following, caching, decompression) can
//! happen that the RFC forbids a sender.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::check::Context;
use crate::dns::{Outcome, RecordType};

/// The body cap RFC 8461 §3.3 suggests.
pub const MAX_BODY: usize = 64 * 1024;

/// Why a fetch gave no policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// `mta-sts.DOMAIN` has no address (NXDOMAIN or no A/AAAA).
    NoHost,
    /// The address lookup failed (SERVFAIL, REFUSED, timeout).
    Dns(String),
    /// No connection could be made (refused, unreachable).
    Connect(String),
    /// A step took longer than the limit.
    Timeout(&'static str),
    /// The TLS handshake failed (certificate name, expiry, trust ...).
    Tls(String),
    /// A 3xx answer, which senders must not follow.
    Redirect(u16, String),
    /// HTTP 404: no policy at the well-known URL.
    NotFound,
    /// Any other status but 200.
    Status(u16),
    /// A media type other than `text/plain`.
    ContentType(String),
    /// The body exceeds [`MAX_BODY`].
    TooLarge,
    /// Not an HTTP answer, or a truncated one.
    Malformed(String),
}

impl FetchError {
    /// True when the cause is about our view (DNS, network, time), not a fact about the host:
    /// the check is then inconclusive.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            FetchError::Dns(_) | FetchError::Connect(_) | FetchError::Timeout(_)
        )
    }

    /// One line for a report.
    pub fn describe(&self) -> String {
        match self {
            FetchError::NoHost => "the policy host has no address (no A or AAAA record)".into(),
            FetchError::Dns(e) => format!("looking up the policy host failed ({e})"),
            FetchError::Connect(e) => format!("could not connect: {e}"),
            FetchError::Timeout(step) => format!("no answer in time during the {step} step"),
            FetchError::Tls(e) => format!("the TLS handshake failed: {e}"),
            FetchError::Redirect(s, to) => format!(
                "HTTP {s} redirect to {} (RFC 8461 §3.3: senders must not follow redirects)",
                crate::sanitize::line(to)
            ),
            FetchError::NotFound => "HTTP 404: there is no policy at the well-known URL".into(),
            FetchError::Status(s) => format!("HTTP {s} (only 200 is a policy)"),
            FetchError::ContentType(t) => format!(
                "the media type is {:?}, not text/plain",
                crate::sanitize::line(t)
            ),
            FetchError::TooLarge => format!("the body is larger than {} KB", MAX_BODY / 1024),
            FetchError::Malformed(e) => format!("not a valid HTTP answer: {e}"),
        }
    }
}

/// How the fetch is made.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// The HTTPS port (443; tests override it to reach their own server).
    pub port: u16,
    /// The time limit for each step (connect, handshake, reading the answer).
    pub timeout: Duration,
    /// Trusted roots: the system's when empty, else only these (`--ca-file`, for tests and
    /// private CAs).
    pub roots: Vec<CertificateDer<'static>>,
    /// Where the previous fetch of each domain's policy is remembered (`--sts-cache DIR`,
    /// [`super::cache`]); `None` remembers nothing and cannot see `transport.sts-id-unchanged`.
    pub sts_cache: Option<std::path::PathBuf>,
}

impl Default for FetchOptions {
    fn default() -> FetchOptions {
        FetchOptions {
            port: 443,
            timeout: Duration::from_secs(60),
            roots: vec![],
            sts_cache: None,
        }
    }
}

impl FetchOptions {
    /// Trusts only the PEM certificates in `path` (a test CA, a private CA). An unreadable file or
    /// one without a certificate is a "could not run" error.
    pub fn with_ca_file(mut self, path: &std::path::Path) -> crate::Result<FetchOptions> {
        use rustls::pki_types::pem::PemObject;
        let file = path.display().to_string();
        let pem = std::fs::read(path).map_err(|source| crate::Error::Read {
            file: file.clone(),
            source,
        })?;
        let certs = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| crate::Error::Parse {
                file: file.clone(),
                line: 0,
                message: format!("not a PEM certificate file: {e}"),
            })?;
        if certs.is_empty() {
            return Err(crate::Error::Parse {
                file,
                line: 0,
                message: "no PEM certificate (-----BEGIN CERTIFICATE-----) in the file".into(),
            });
        }
        self.roots = certs;
        Ok(self)
    }
}

fn client_config(roots: &[CertificateDer<'static>]) -> Result<rustls::ClientConfig, String> {
    let mut store = rustls::RootCertStore::empty();
    if roots.is_empty() {
        for cert in rustls_native_certs::load_native_certs().certs {
            let _ = store.add(cert);
        }
    } else {
        for cert in roots {
            store
                .add(cert.clone())
                .map_err(|e| format!("a trusted certificate cannot be used: {e}"))?;
        }
    }
    if store.is_empty() {
        return Err("no trusted root certificates on this system (install ca-certificates)".into());
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| e.to_string())?
        .with_root_certificates(store)
        .with_no_client_auth())
}

/// The addresses of `host` through the DNS layer.
async fn addresses(ctx: &Context, host: &str) -> Result<Vec<IpAddr>, FetchError> {
    let mut ips = vec![];
    let mut failed = None;
    for rtype in [RecordType::A, RecordType::AAAA] {
        match ctx.dns.query(host, rtype).await {
            Ok(a) if a.outcome.is_temporary_failure() => {
                failed = Some(format!("{host} {rtype}: {}", a.outcome.kind()))
            }
            Ok(a) => {
                if let Outcome::Records(_) = a.outcome {
                    ips.extend(a.ips());
                }
            }
            Err(e) => return Err(FetchError::Malformed(e.to_string())),
        }
    }
    match (ips.is_empty(), failed) {
        (false, _) => Ok(ips),
        (true, Some(f)) => Err(FetchError::Dns(f)),
        (true, None) => Err(FetchError::NoHost),
    }
}

/// Fetches `https://mta-sts.DOMAIN/.well-known/mta-sts.txt`; the body on success.
pub async fn fetch_policy(
    ctx: &Context,
    domain: &str,
    opts: &FetchOptions,
) -> Result<String, FetchError> {
    let host = format!("mta-sts.{domain}");
    let ips = addresses(ctx, &host).await?;
    let mut last = FetchError::NoHost;
    let mut tcp = None;
    for ip in ips {
        let addr = SocketAddr::new(ip, opts.port);
        match tokio::time::timeout(opts.timeout, TcpStream::connect(addr)).await {
            Ok(Ok(s)) => {
                tcp = Some(s);
                break;
            }
            Ok(Err(e)) => last = FetchError::Connect(format!("{addr}: {e}")),
            Err(_) => last = FetchError::Timeout("connect"),
        }
    }
    let Some(tcp) = tcp else { return Err(last) };
    let config = client_config(&opts.roots).map_err(FetchError::Tls)?;
    let name = ServerName::try_from(host.clone())
        .map_err(|_| FetchError::Tls(format!("{host} is not a TLS server name")))?;
    let mut tls = match tokio::time::timeout(
        opts.timeout,
        TlsConnector::from(Arc::new(config)).connect(name, tcp),
    )
    .await
    {
        Ok(Ok(t)) => t,
        Ok(Err(e)) => return Err(FetchError::Tls(tls_cause(&e))),
        Err(_) => return Err(FetchError::Timeout("TLS handshake")),
    };
    let request = format!(
        "GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: {host}\r\nUser-Agent: mailwhy\r\nAccept: text/plain\r\nConnection: close\r\n\r\n"
    );
    let read = async {
        tls.write_all(request.as_bytes()).await?;
        tls.flush().await?;
        let mut buf = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            if let Some(done) = complete(&buf) {
                return Ok(done);
            }
            // Headers, plus the body cap, plus one byte to see that it is exceeded.
            if buf.len() > MAX_BODY + 16 * 1024 + 1 {
                return Ok(Err(FetchError::TooLarge));
            }
            match tls.read(&mut chunk).await {
                Ok(0) => return Ok(finish(&buf, true)),
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                // A server that closes without TLS close_notify: what arrived still counts.
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    return Ok(finish(&buf, true))
                }
                Err(e) => return Err(e),
            }
        }
    };
    match tokio::time::timeout(opts.timeout, read).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => Err(FetchError::Connect(e.to_string())),
        Err(_) => Err(FetchError::Timeout("HTTP answer")),
    }
}

/// The answer, once `buf` holds all of it (by Content-Length); `None` while more is needed.
fn complete(buf: &[u8]) -> Option<Result<String, FetchError>> {
    let end = find(buf, b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&buf[..end]);
    let length = head.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| v.trim().parse::<usize>().ok())?
    });
    match length {
        Some(n) if n > MAX_BODY => Some(Err(FetchError::TooLarge)),
        Some(n) if buf.len() >= end + 4 + n => Some(finish(&buf[..end + 4 + n], false)),
        // Not a body-bearing answer: the status decides.
        _ if !head.starts_with("HTTP/1.1 200") && !head.starts_with("HTTP/1.0 200") => {
            Some(finish(buf, false))
        }
        _ => None,
    }
}

fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

/// Reads a whole answer: status, headers, body (Content-Length, chunked, or to the close).
fn finish(buf: &[u8], closed: bool) -> Result<String, FetchError> {
    let Some(end) = find(buf, b"\r\n\r\n") else {
        return Err(FetchError::Malformed(if buf.is_empty() {
            "the server closed the connection without answering".into()
        } else {
            "the headers did not end".into()
        }));
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.splitn(3, ' ');
    let (Some(proto), Some(code)) = (parts.next(), parts.next()) else {
        return Err(FetchError::Malformed("no status line".into()));
    };
    if !proto.starts_with("HTTP/1.") {
        return Err(FetchError::Malformed(format!(
            "not HTTP/1.x: {:?}",
            crate::sanitize::line(proto)
        )));
    }
    let code: u16 = code
        .parse()
        .map_err(|_| FetchError::Malformed("no status code".into()))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    match code {
        200 => {}
        300..=399 => {
            return Err(FetchError::Redirect(
                code,
                header("location").unwrap_or_default(),
            ))
        }
        404 => return Err(FetchError::NotFound),
        _ => return Err(FetchError::Status(code)),
    }
    let media = header("content-type").unwrap_or_default();
    let essence = media.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("text/plain") {
        return Err(FetchError::ContentType(media));
    }
    let raw = &buf[end + 4..];
    let body = if header("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
        dechunk(raw)?
    } else if let Some(n) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        if raw.len() < n {
            return Err(FetchError::Malformed(
                "the body is shorter than Content-Length".into(),
            ));
        }
        raw[..n].to_vec()
    } else if closed {
        raw.to_vec()
    } else {
        return Err(FetchError::Malformed("no body length".into()));
    };
    if body.len() > MAX_BODY {
        return Err(FetchError::TooLarge);
    }
    String::from_utf8(body).map_err(|_| FetchError::Malformed("the policy is not UTF-8".into()))
}

fn dechunk(mut raw: &[u8]) -> Result<Vec<u8>, FetchError> {
    let mut out = vec![];
    loop {
        let line_end =
            find(raw, b"\r\n").ok_or_else(|| FetchError::Malformed("truncated chunk".into()))?;
        let size_text = String::from_utf8_lossy(&raw[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| FetchError::Malformed("bad chunk size".into()))?;
        raw = &raw[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        if raw.len() < size || out.len() + size > MAX_BODY {
            return Err(if raw.len() < size {
                FetchError::Malformed("truncated chunk".into())
            } else {
                FetchError::TooLarge
            });
        }
        out.extend_from_slice(&raw[..size]);
        raw = raw.get(size + 2..).unwrap_or(&[]);
    }
}

/// A readable cause for a failed handshake.
fn tls_cause(e: &std::io::Error) -> String {
    use rustls::{CertificateError, Error as TlsError};
    match e.get_ref().and_then(|i| i.downcast_ref::<TlsError>()) {
        Some(TlsError::InvalidCertificate(ce)) => match ce {
            CertificateError::UnknownIssuer => {
                "the certificate is not issued by a trusted authority".into()
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                "the certificate is not valid for the policy host's name".into()
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "the certificate has expired".into()
            }
            other => format!(
                "the certificate was refused ({})",
                crate::text::camel_words(&format!("{other:?}"))
            ),
        },
        Some(other) => other.to_string(),
        None => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_by_status_type_and_length() {
        let ok = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 5\r\n\r\nhello";
        assert_eq!(complete(ok).unwrap().unwrap(), "hello");
        assert!(complete(&ok[..ok.len() - 1]).is_none());
        let moved = b"HTTP/1.1 301 Moved\r\nLocation: https://x/\r\nContent-Length: 0\r\n\r\n";
        assert!(matches!(
            complete(moved),
            Some(Err(FetchError::Redirect(301, _)))
        ));
        let html = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1\r\n\r\nx";
        assert!(matches!(
            complete(html),
            Some(Err(FetchError::ContentType(_)))
        ));
        let big = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 70000\r\n\r\n";
        assert!(matches!(complete(big), Some(Err(FetchError::TooLarge))));
        let chunked = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        assert_eq!(finish(chunked, true).unwrap(), "abcde");
        assert!(matches!(finish(b"", true), Err(FetchError::Malformed(_))));
    }
}
