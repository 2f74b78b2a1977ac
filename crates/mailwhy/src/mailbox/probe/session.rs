//! The POP3 conversation once connected: greeting, CAPA, STLS, login (USER/PASS or SASL
//! PLAIN), STAT and QUIT (RFC 1939, RFC 2449, RFC 2595), each a step with its own outcome, and
//! what a refused login most likely means.
//!
//! The lines travel through [`super::conn::Conn`]; parsing the replies is
//! [`super::super::reply`]'s job.

use serde_json::json;
use zeroize::Zeroizing;

use super::super::reply::{self, Capabilities, Status};
use super::super::TlsMode;
use super::conn::{redact, Fail};
use super::{Conn, Run};
use crate::check::CheckOutcome;
use crate::finding::{Finding, FindingId, Severity};
use crate::sanitize;

const AUTH_FIX: &str = "If the mailbox password was changed (in webmail, by an admin, or after a reset), update it in the fetcher too: it keeps trying the old one. If two-factor authentication is on for the account, the normal password no longer works in mail programs: create an app-specific password in the account's security settings and enter that instead. Also check the username form and that POP access is enabled for the mailbox.";

impl Run<'_> {
    /// Everything after the TCP connection; returns false when a step failed.
    pub(super) async fn session(&mut self, conn: &mut Conn) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_protocols_are_named() {
        assert!(guess_protocol("220 mx ESMTP").contains("SMTP"));
        assert!(guess_protocol("* OK [CAPABILITY IMAP4rev1] ready").contains("IMAP"));
        assert!(guess_protocol("SSH-2.0-OpenSSH_9.2").contains("SSH"));
        assert!(guess_protocol("hello").contains("not a POP3 greeting"));
    }
}
