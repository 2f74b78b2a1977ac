//! The settings lint: what is wrong with server, port, TLS mode and username before any
//! connection is made. It reads only the settings and the provider table in [`super::data`],
//! so it runs offline and is the same for every caller; the probe says what the server does.

use serde_json::json;

use super::data::{self, Provider, UsernameForm};
use super::{Pop3Settings, TlsMode};
use crate::check::CheckOutcome;
use crate::finding::FindingId;
use crate::finding::{Finding, Severity};
use crate::sanitize;

/// Runs the offline checks: port against TLS mode, and the settings against the provider table.
pub fn lint(settings: &Pop3Settings) -> Vec<CheckOutcome> {
    vec![port_and_tls(settings), provider(settings)]
}

const PORT_FIX: &str = "In the mail fetcher's settings, use port 995 with SSL/TLS on (recommended), or port 110 with STLS (STARTTLS).";

fn port_and_tls(s: &Pop3Settings) -> CheckOutcome {
    let mut c = CheckOutcome::start("port-and-tls");
    let (port, tls) = s.effective();
    let mut evidence = json!({ "port": port, "tls": tls });
    // Say which of the two was not given but derived from the other.
    let derived: Vec<&str> = [("port", s.port.is_none()), ("tls", s.tls.is_none())]
        .into_iter()
        .filter_map(|(k, missing)| missing.then_some(k))
        .collect();
    if !derived.is_empty() {
        evidence["derived"] = json!(derived);
    }
    // RFC 8314, 3.3 and RFC 2595, 4: 995 is TLS from the first byte, 110 starts in plain text.
    let mismatch = match (port, tls) {
        (995, TlsMode::None | TlsMode::Starttls) => Some(format!(
            "Port 995 is POP3 over implicit TLS, but the TLS mode is {}: the server waits for a TLS \
             handshake and never sends the plain-text greeting the client waits for, so the \
             connection hangs until it times out.",
            tls.describe()
        )),
        (110, TlsMode::Implicit) => Some(
            "Port 110 is POP3's plain-text port (STLS upgrades it to TLS), but the TLS mode is \
             implicit TLS: the client opens with a TLS handshake, the server answers with a \
             plain-text +OK greeting, and the connection fails at once."
                .to_string(),
        ),
        _ => None,
    };
    if let Some(detail) = mismatch {
        c.push(
            Finding::new(FindingId::MailboxPortTlsMismatch, detail)
                .with_remedy(PORT_FIX)
                .with_evidence(evidence.clone()),
        );
    }
    if tls == TlsMode::None {
        c.push(
            Finding::new(FindingId::MailboxPlaintextCredentials,
                format!(
                    "With no encryption on port {port}, the username and password cross the network \
                     as plain text at every fetch."
                )).with_remedy(format!(
                    "{PORT_FIX} If the password was already used without encryption, change it."
                ))
            .with_evidence(evidence),
        );
    }
    c.done(format!("port {port} with {}", tls.describe()))
}

/// How the provider was recognized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Recognized {
    /// The server is the provider's POP3 server.
    Server,
    /// The username's domain is one of the provider's mail domains (and the server is not its).
    AddressDomain,
    /// The server is under the provider's DNS domain but is not its POP3 server.
    ServerDomain,
}

/// The provider these settings are for, and how it was recognized. The address domain wins over
/// the server: a gmail.com mailbox lives at Gmail whatever server the fetcher was given.
pub(crate) fn provider_for(s: &Pop3Settings) -> Option<(&'static Provider, Recognized)> {
    let domain = s
        .bare_user()
        .and_then(|u| u.rsplit_once('@'))
        .map(|(_, d)| d);
    let by_host = data::by_host(&s.server);
    let by_domain = domain.and_then(data::by_mail_domain);
    match (by_host, by_domain) {
        (Some(h), Some(d)) if h.name != d.name => Some((d, Recognized::AddressDomain)),
        (Some(h), _) => Some((h, Recognized::Server)),
        (None, Some(d)) => Some((d, Recognized::AddressDomain)),
        (None, None) => data::by_server_suffix(&s.server).map(|p| (p, Recognized::ServerDomain)),
    }
}

fn endpoint_text(p: &Provider) -> String {
    match p.pop {
        Some(e) => format!("server {}, port {}, {}", e.host, e.port, e.tls.describe()),
        None => "no POP3 service".to_string(),
    }
}

fn accepted_text(p: &Provider) -> String {
    let mut combos: Vec<String> = p
        .pop
        .iter()
        .map(|e| format!("port {} with {}", e.port, e.tls.describe()))
        .collect();
    combos.extend(
        p.also
            .iter()
            .map(|(port, tls)| format!("port {port} with {}", tls.describe())),
    );
    combos.join(" or ")
}

fn provider(s: &Pop3Settings) -> CheckOutcome {
    let mut c = CheckOutcome::start("provider");
    let host = data::normalize_host(&s.server);
    let shown_host = sanitize::line(&s.server).into_owned();
    let (port, tls) = s.effective();
    let Some((p, how)) = provider_for(s) else {
        return c.done(format!(
            "{shown_host} is not one of the well-known POP3 services mailwhy knows; port and TLS checked by the rules only"
        ));
    };
    let expected = json!({
        "provider": p.name,
        "server": p.pop.map(|e| e.host),
        "port": p.pop.map(|e| e.port),
        "tls": p.pop.map(|e| e.tls),
        "also": p.also,
        "username": p.username,
    });
    let given = json!({ "server": s.server, "port": port, "tls": tls, "user": s.user });
    let evidence = json!({ "expected": expected, "given": given });

    let Some(ep) = p.pop else {
        c.push(
            Finding::new(
                FindingId::MailboxWrongServer,
                format!(
                    "{} offers no POP3 service, so {shown_host} cannot be fetched by POP3.",
                    p.name
                ),
            )
            .with_remedy(p.note)
            .with_title(format!("{} offers no POP3", p.name))
            .with_evidence(evidence),
        );
        return c.done(format!("{}: no POP3 service", p.name));
    };

    let right_values = format!("Set {} in the fetcher. {}", endpoint_text(p), p.note);
    match how {
        Recognized::Server => {
            if !p.accepts(port, tls) {
                c.push(
                    Finding::new(
                        FindingId::MailboxWrongServer,
                        format!(
                            "{} serves POP3 on {}, not on port {port} with {}.",
                            p.name,
                            accepted_text(p),
                            tls.describe()
                        ),
                    )
                    .with_remedy(right_values.clone())
                    .with_title(format!(
                        "the port or TLS mode is not the one {} uses",
                        p.name
                    ))
                    .with_evidence(evidence.clone()),
                );
            }
        }
        Recognized::AddressDomain => {
            let owner = data::by_host(&host)
                .map(|h| format!(" (it is {}'s)", h.name))
                .unwrap_or_default();
            c.push(
                Finding::new(FindingId::MailboxWrongServer,
                    format!(
                        "The username {} is a {} address, but {shown_host} is not {}'s POP3 server{owner}.",
                        sanitize::line(s.user.as_deref().unwrap_or_default()),
                        p.name,
                        p.name
                    )).with_remedy(right_values.clone())
                .with_evidence(evidence.clone()),
            );
        }
        Recognized::ServerDomain => {
            c.push(
                Finding::new(
                    FindingId::MailboxWrongServer,
                    format!(
                        "{shown_host} belongs to {} but is not its POP3 server (that is {}).",
                        p.name, ep.host
                    ),
                )
                .with_remedy(right_values.clone())
                .with_evidence(evidence.clone()),
            );
        }
    }

    if let (Some(user), Some(bare)) = (s.user.as_deref(), s.bare_user()) {
        username_checks(&mut c, p, user, bare, &evidence);
    }
    c.done(format!(
        "{} expects {}, username {}",
        p.name,
        endpoint_text(p),
        p.username.describe()
    ))
}

fn username_checks(
    c: &mut crate::check::OutcomeBuilder,
    p: &Provider,
    user: &str,
    bare: &str,
    evidence: &serde_json::Value,
) {
    let shown = sanitize::line(user);
    let has_recent = user.len() != bare.len();
    let gmail = p.family == "google";
    let example_domain = p.mail_domains.first().copied().unwrap_or("example.com");
    if has_recent && !gmail {
        c.push(
            Finding::new(
                FindingId::MailboxUsernameFormat,
                format!(
                    "The username {shown} starts with recent:, a prefix only Gmail understands; {} \
                     takes {} and refuses the login.",
                    p.name,
                    p.username.describe()
                ),
            )
            .with_remedy(format!(
                "Set the username to {} (without recent:).",
                sanitize::line(bare)
            ))
            .with_evidence(evidence.clone()),
        );
    }
    let full_bare = match (p.username, bare.split_once('@')) {
        (UsernameForm::FullAddress, None) => {
            let fixed = format!("{bare}@{example_domain}");
            c.push(
                Finding::new(
                    FindingId::MailboxUsernameFormat,
                    format!(
                        "{} expects the full email address as username, but {shown} has no @.",
                        p.name
                    ),
                )
                .with_remedy(format!(
                    "Set the username to the mailbox's full address, for example {}{}.",
                    sanitize::line(&fixed),
                    if gmail {
                        " (or the Google Workspace address)"
                    } else {
                        ""
                    }
                ))
                .with_evidence(evidence.clone()),
            );
            fixed
        }
        (UsernameForm::LocalPart, Some((local, _))) => {
            c.push(
                Finding::new(FindingId::MailboxUsernameFormat,
                    format!(
                        "{} expects only the part before the @ as username, but {shown} is a full address.",
                        p.name
                    )).with_remedy(format!("Set the username to {}.", sanitize::line(local)))
                .with_evidence(evidence.clone()),
            );
            local.to_string()
        }
        _ => bare.to_string(),
    };
    if gmail && !has_recent {
        c.push(
            Finding::new(FindingId::MailboxGmailRecentPrefix,
                format!(
                    "The username {shown} has no recent: prefix. If more than one client fetches \
                     this Gmail mailbox by POP (the CRM and a phone, or two fetchers), Gmail hands \
                     each message only to the first one, and the CRM misses the rest."
                )).with_remedy(format!(
                    "Set the username to recent:{} in the CRM's fetcher. Recent mode fetches the last 30 days of mail whatever the other clients did.",
                    sanitize::line(&full_bare)
                ))
            .with_evidence(evidence.clone())
            .with_severity(Severity::Warning),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(s: &Pop3Settings) -> Vec<String> {
        lint(s)
            .into_iter()
            .flat_map(|o| o.findings)
            .map(|f| f.id.to_string())
            .collect()
    }

    fn settings(
        server: &str,
        port: Option<u16>,
        tls: Option<TlsMode>,
        user: Option<&str>,
    ) -> Pop3Settings {
        Pop3Settings {
            server: server.into(),
            port,
            tls,
            user: user.map(String::from),
            password: None,
        }
    }

    #[test]
    fn gmail_on_110_with_implicit_tls_explains_everything() {
        let s = settings(
            "pop.gmail.com",
            Some(110),
            Some(TlsMode::Implicit),
            Some("me@gmail.com"),
        );
        let outcomes = lint(&s);
        let all: Vec<_> = outcomes.iter().flat_map(|o| &o.findings).collect();
        let ids: Vec<_> = all.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "mailbox.port-tls-mismatch",
                "mailbox.wrong-server",
                "mailbox.gmail-recent-prefix"
            ]
        );
        let wrong = all[1];
        assert!(
            wrong.remedy.contains("pop.gmail.com, port 995, SSL/TLS"),
            "{}",
            wrong.remedy
        );
        assert!(
            all[2].remedy.contains("recent:me@gmail.com"),
            "{}",
            all[2].remedy
        );
    }

    #[test]
    fn right_gmail_settings_are_clean() {
        let s = settings("pop.gmail.com", None, None, Some("recent:me@gmail.com"));
        assert!(ids(&s).is_empty(), "{:?}", ids(&s));
    }

    #[test]
    fn port_995_without_tls_is_a_mismatch_and_plaintext() {
        let s = settings(
            "mail.example.org",
            Some(995),
            Some(TlsMode::None),
            Some("u"),
        );
        assert_eq!(
            ids(&s),
            ["mailbox.port-tls-mismatch", "mailbox.plaintext-credentials"]
        );
        let s = settings("mail.example.org", Some(110), None, Some("u"));
        assert!(ids(&s).is_empty(), "110 alone means STLS");
    }

    #[test]
    fn address_domain_names_the_right_server_and_region() {
        // A zohomail.eu account on the US data center's server.
        let s = settings("pop.zoho.com", None, None, Some("anna@zohomail.eu"));
        let f: Vec<_> = lint(&s).into_iter().flat_map(|o| o.findings).collect();
        assert_eq!(f[0].id, "mailbox.wrong-server");
        assert!(f[0].remedy.contains("pop.zoho.eu"), "{}", f[0].remedy);
        // imap.gmail.com is Google's, but not its POP3 server.
        let s = settings("imap.gmail.com", None, None, None);
        assert_eq!(ids(&s), ["mailbox.wrong-server"]);
    }

    #[test]
    fn username_forms() {
        let s = settings("pop.gmail.com", None, None, Some("recent:me"));
        assert_eq!(ids(&s), ["mailbox.username-format"]);
        let s = settings("pop.free.fr", None, None, Some("jean@free.fr"));
        let f: Vec<_> = lint(&s).into_iter().flat_map(|o| o.findings).collect();
        assert_eq!(f.len(), 1);
        assert!(
            f[0].remedy.contains("Set the username to jean."),
            "{}",
            f[0].remedy
        );
        let s = settings(
            "outlook.office365.com",
            None,
            None,
            Some("recent:me@outlook.com"),
        );
        assert_eq!(ids(&s), ["mailbox.username-format"]);
    }

    #[test]
    fn icloud_has_no_pop3() {
        let s = settings("pop.mail.me.com", None, None, Some("me@icloud.com"));
        let f: Vec<_> = lint(&s).into_iter().flat_map(|o| o.findings).collect();
        assert_eq!(f.len(), 1);
        assert!(f[0].remedy.contains("imap.mail.me.com"));
    }
}
