//! The transport under the probe: resolving the server name, connecting to one of its
//! addresses, and [`Conn`], one POP3 connection (plain or TLS) that reads and writes lines with a
//! timeout per step and records the conversation with every secret redacted.
//!
//! Upgrading the stream to TLS is [`super::tls`]'s job; what is said on it is
//! [`super::session`]'s.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use zeroize::Zeroizing;

use super::super::reply::{self, LineBuffer, Status};
use super::Run;
use crate::check::CheckOutcome;
use crate::dns::{Outcome, RecordType};
use crate::sanitize;

/// Why reading or writing on the connection failed.
#[derive(Debug)]
pub(super) enum Fail {
    Timeout,
    Closed,
    TooLong,
    Io(std::io::Error),
}

impl Fail {
    pub(super) fn describe(&self, timeout: Duration) -> String {
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

pub(super) enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

/// One POP3 connection: the stream, the line buffer and the recorded conversation.
pub(super) struct Conn {
    pub(super) stream: Option<Stream>,
    pub(super) lines: LineBuffer,
    pub(super) timeout: Duration,
    pub(super) transcript: Vec<String>,
    pub(super) secrets: Vec<Zeroizing<String>>,
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
    pub(super) async fn status(&mut self) -> Result<(String, Option<Status>), Fail> {
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
    pub(super) async fn command(
        &mut self,
        wire: &str,
        shown: &str,
    ) -> Result<(String, Option<Status>), Fail> {
        self.send(wire, shown).await?;
        self.status().await
    }

    /// Reads a multi-line block up to its `.` line.
    pub(super) async fn block(&mut self) -> Result<Vec<Vec<u8>>, Fail> {
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
pub(super) fn redact(text: &str, secrets: &[Zeroizing<String>]) -> String {
    let mut out = text.to_string();
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        out = out.replace(s.as_str(), "<redacted>");
    }
    out
}

impl Run<'_> {
    pub(super) async fn resolve(&mut self) -> Option<Vec<IpAddr>> {
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

    pub(super) async fn connect(&mut self, ips: &[IpAddr]) -> Option<TcpStream> {
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
}
