//! The table of well-known POP3 services: where their POP3 server is, which port and TLS mode it
//! takes, what the username must look like, and the provider-specific fact a remedy should
//! mention (POP switched off by default, app passwords, OAuth only).
//!
//! Facts come from the providers' own help pages on mail-client settings. Where a provider
//! accepts either form of username, or its help pages disagree, the row says
//! [`UsernameForm::Either`] so the lint never reports a guess as a fact.

use super::TlsMode;

/// What a provider expects as the POP3 username.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum UsernameForm {
    /// The full email address (`me@example.com`).
    FullAddress,
    /// Only the part before the `@`.
    LocalPart,
    /// Either is accepted (or the provider's documentation is not definite).
    Either,
}

impl UsernameForm {
    /// How a remedy describes it.
    pub fn describe(self) -> &'static str {
        match self {
            UsernameForm::FullAddress => "the full email address",
            UsernameForm::LocalPart => "the part of the address before the @",
            UsernameForm::Either => "the address or the login name",
        }
    }
}

/// Where a provider's POP3 service listens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Endpoint {
    /// The server name to configure.
    pub host: &'static str,
    /// The port.
    pub port: u16,
    /// The TLS mode on that port.
    pub tls: TlsMode,
}

/// One well-known POP3 service.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Provider {
    /// Its name as users know it.
    pub name: &'static str,
    /// Rows with the same family are one company's regional or branded variants (Zoho's data
    /// centers, GMX's .net and .com): a mismatch between them is a wrong server, not an unknown one.
    pub family: &'static str,
    /// The mail domains whose mailboxes it hosts (custom domains cannot be listed).
    pub mail_domains: &'static [&'static str],
    /// The recommended POP3 endpoint; `None` when the service offers no POP3 at all.
    pub pop: Option<Endpoint>,
    /// Other host names that reach the same service.
    pub aliases: &'static [&'static str],
    /// Other port and TLS combinations the service accepts.
    pub also: &'static [(u16, TlsMode)],
    /// DNS suffixes of the provider's servers: a host under them that is not its POP3 server
    /// (imap.gmail.com, smtp.gmail.com) is a wrong server for POP3.
    pub server_suffixes: &'static [&'static str],
    /// What the username must be.
    pub username: UsernameForm,
    /// The provider-specific fact to mention in remedies.
    pub note: &'static str,
}

const IMPLICIT: TlsMode = TlsMode::Implicit;

const fn pop995(host: &'static str) -> Option<Endpoint> {
    Some(Endpoint {
        host,
        port: 995,
        tls: IMPLICIT,
    })
}

/// Zoho: one row per data center; an account must use the servers of the data center that hosts
/// it. Organization (custom-domain) accounts use the `poppro.` host of the same data center.
const ZOHO_NOTE: &str = "POP access must be enabled in Zoho Mail's settings (Mail Accounts > POP/IMAP access). Use the server of the data center that hosts the account (pop.zoho.eu for the EU, pop.zoho.in for India ...); organization accounts with their own domain use poppro.zoho.<region>. With two-factor authentication on, sign in with an application-specific password.";

/// Every known POP3 service.
#[rustfmt::skip]
pub static PROVIDERS: &[Provider] = &[
    Provider { name: "Gmail", family: "google", mail_domains: &["gmail.com", "googlemail.com"], pop: pop995("pop.gmail.com"), aliases: &["pop.googlemail.com"], also: &[], server_suffixes: &["gmail.com", "googlemail.com", "google.com"], username: UsernameForm::FullAddress, note: "POP must be enabled in Gmail's settings (Forwarding and POP/IMAP). With 2-Step Verification on, Gmail refuses the account password: sign in with an app password. When several clients fetch the mailbox, prefix the username with recent:." },
    Provider { name: "Outlook.com / Microsoft 365", family: "microsoft", mail_domains: &["outlook.com", "hotmail.com", "live.com", "msn.com", "outlook.fr", "hotmail.fr", "live.fr", "hotmail.co.uk", "live.co.uk", "outlook.de", "hotmail.de"], pop: pop995("outlook.office365.com"), aliases: &["pop-mail.outlook.com", "outlook.office.com"], also: &[], server_suffixes: &["outlook.com", "office365.com", "office.com", "hotmail.com", "live.com"], username: UsernameForm::FullAddress, note: "POP must be turned on for the mailbox (Outlook.com settings, or the Exchange admin for Microsoft 365). Microsoft has retired password (basic) authentication for POP: a fetcher that only knows a username and password is refused and must sign in with OAuth 2.0 (modern authentication)." },
    Provider { name: "Yahoo Mail", family: "yahoo", mail_domains: &["yahoo.com", "yahoo.fr", "yahoo.co.uk", "yahoo.de", "yahoo.es", "yahoo.it", "ymail.com", "rocketmail.com"], pop: pop995("pop.mail.yahoo.com"), aliases: &[], also: &[], server_suffixes: &["yahoo.com"], username: UsernameForm::FullAddress, note: "Yahoo refuses the account password in mail programs: generate an app password in the account's security settings and use it." },
    Provider { name: "AOL Mail", family: "aol", mail_domains: &["aol.com", "aim.com"], pop: pop995("pop.aol.com"), aliases: &[], also: &[], server_suffixes: &["aol.com"], username: UsernameForm::FullAddress, note: "AOL refuses the account password in mail programs: generate an app password in the account's security settings and use it." },
    Provider { name: "Zoho Mail (US data center)", family: "zoho", mail_domains: &["zoho.com", "zohomail.com"], pop: pop995("pop.zoho.com"), aliases: &["poppro.zoho.com"], also: &[], server_suffixes: &["zoho.com"], username: UsernameForm::FullAddress, note: ZOHO_NOTE },
    Provider { name: "Zoho Mail (EU data center)", family: "zoho", mail_domains: &["zoho.eu", "zohomail.eu"], pop: pop995("pop.zoho.eu"), aliases: &["poppro.zoho.eu"], also: &[], server_suffixes: &["zoho.eu"], username: UsernameForm::FullAddress, note: ZOHO_NOTE },
    Provider { name: "Zoho Mail (India data center)", family: "zoho", mail_domains: &["zoho.in", "zohomail.in"], pop: pop995("pop.zoho.in"), aliases: &["poppro.zoho.in"], also: &[], server_suffixes: &["zoho.in"], username: UsernameForm::FullAddress, note: ZOHO_NOTE },
    Provider { name: "Zoho Mail (Australia data center)", family: "zoho", mail_domains: &["zohomail.com.au"], pop: pop995("pop.zoho.com.au"), aliases: &["poppro.zoho.com.au"], also: &[], server_suffixes: &["zoho.com.au"], username: UsernameForm::FullAddress, note: ZOHO_NOTE },
    Provider { name: "Zoho Mail (Japan data center)", family: "zoho", mail_domains: &["zoho.jp", "zohomail.jp"], pop: pop995("pop.zoho.jp"), aliases: &["poppro.zoho.jp"], also: &[], server_suffixes: &["zoho.jp"], username: UsernameForm::FullAddress, note: ZOHO_NOTE },
    Provider { name: "Zoho Mail (Canada data center)", family: "zoho", mail_domains: &["zohocloud.ca"], pop: pop995("pop.zohocloud.ca"), aliases: &["poppro.zohocloud.ca"], also: &[], server_suffixes: &["zohocloud.ca"], username: UsernameForm::FullAddress, note: ZOHO_NOTE },
    Provider { name: "iCloud Mail", family: "apple", mail_domains: &["icloud.com", "me.com", "mac.com"], pop: None, aliases: &[], also: &[], server_suffixes: &["me.com", "icloud.com", "mac.com"], username: UsernameForm::Either, note: "iCloud Mail offers IMAP only (imap.mail.me.com, port 993, SSL/TLS, with an app-specific password), no POP3. Fetch it by IMAP, or forward its mail to a mailbox the CRM can fetch." },
    Provider { name: "GMX (gmx.net, gmx.de)", family: "gmx", mail_domains: &["gmx.net", "gmx.de", "gmx.at", "gmx.ch"], pop: pop995("pop.gmx.net"), aliases: &[], also: &[(110, TlsMode::Starttls)], server_suffixes: &["gmx.net", "gmx.de"], username: UsernameForm::FullAddress, note: "POP3 access is off by default: turn on \"POP3 & IMAP\" access in the GMX mail settings first." },
    Provider { name: "GMX (gmx.com)", family: "gmx", mail_domains: &["gmx.com", "gmx.us", "gmx.co.uk", "gmx.fr", "gmx.es"], pop: pop995("pop.gmx.com"), aliases: &[], also: &[(110, TlsMode::Starttls)], server_suffixes: &["gmx.com"], username: UsernameForm::FullAddress, note: "POP3 access is off by default: turn on POP3/IMAP access in the GMX mail settings first." },
    Provider { name: "WEB.DE", family: "webde", mail_domains: &["web.de"], pop: pop995("pop3.web.de"), aliases: &[], also: &[(110, TlsMode::Starttls)], server_suffixes: &["web.de"], username: UsernameForm::Either, note: "POP3 access is off by default: turn on \"POP3/IMAP Abruf\" in the WEB.DE mail settings first." },
    Provider { name: "Orange", family: "orange", mail_domains: &["orange.fr", "wanadoo.fr"], pop: pop995("pop.orange.fr"), aliases: &[], also: &[(110, TlsMode::None)], server_suffixes: &["orange.fr", "wanadoo.fr"], username: UsernameForm::FullAddress, note: "Orange mailboxes are fetched with the full Orange address as username and the mailbox password." },
    Provider { name: "Free", family: "free", mail_domains: &["free.fr"], pop: pop995("pop.free.fr"), aliases: &[], also: &[(110, TlsMode::None)], server_suffixes: &["free.fr"], username: UsernameForm::LocalPart, note: "Free's username is the identifier before @free.fr, not the full address." },
    Provider { name: "La Poste", family: "laposte", mail_domains: &["laposte.net"], pop: pop995("pop.laposte.net"), aliases: &[], also: &[], server_suffixes: &["laposte.net"], username: UsernameForm::Either, note: "La Poste mailboxes must allow access from mail programs in the mailbox settings." },
    Provider { name: "SFR", family: "sfr", mail_domains: &["sfr.fr", "neuf.fr"], pop: pop995("pop.sfr.fr"), aliases: &[], also: &[], server_suffixes: &["sfr.fr"], username: UsernameForm::FullAddress, note: "SFR mailboxes are fetched with the full SFR address as username." },
    Provider { name: "Fastmail", family: "fastmail", mail_domains: &["fastmail.com", "fastmail.fm"], pop: pop995("pop.fastmail.com"), aliases: &[], also: &[], server_suffixes: &["fastmail.com"], username: UsernameForm::FullAddress, note: "Fastmail requires an app password for mail programs (Settings > Privacy & Security > App passwords)." },
    Provider { name: "Yandex Mail", family: "yandex", mail_domains: &["yandex.com", "yandex.ru", "ya.ru"], pop: pop995("pop.yandex.com"), aliases: &["pop.yandex.ru"], also: &[], server_suffixes: &["yandex.com", "yandex.ru"], username: UsernameForm::Either, note: "Mail-program access must be allowed in Yandex Mail's settings, and an app password is required." },
];

/// Normalizes a host name for comparison: lowercase, no trailing dot, no IPv6 brackets.
pub(crate) fn normalize_host(host: &str) -> String {
    host.trim()
        .trim_end_matches('.')
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase()
}

/// The provider whose POP3 server (or an alias of it) is `host`.
pub(crate) fn by_host(host: &str) -> Option<&'static Provider> {
    let h = normalize_host(host);
    PROVIDERS
        .iter()
        .find(|p| p.pop.is_some_and(|e| e.host == h) || p.aliases.contains(&h.as_str()))
}

/// The provider hosting mailboxes of `domain` (gmail.com, zohomail.eu ...).
pub(crate) fn by_mail_domain(domain: &str) -> Option<&'static Provider> {
    let d = normalize_host(domain);
    PROVIDERS
        .iter()
        .find(|p| p.mail_domains.contains(&d.as_str()))
}

/// The provider whose servers live under a DNS suffix that `host` is in.
pub(crate) fn by_server_suffix(host: &str) -> Option<&'static Provider> {
    let h = normalize_host(host);
    PROVIDERS.iter().find(|p| {
        p.server_suffixes
            .iter()
            .any(|s| h == *s || h.strip_suffix(s).is_some_and(|rest| rest.ends_with('.')))
    })
}

impl Provider {
    /// True when `port` with `tls` is one of the combinations the provider accepts.
    pub fn accepts(&self, port: u16, tls: TlsMode) -> bool {
        self.pop.is_some_and(|e| e.port == port && e.tls == tls) || self.also.contains(&(port, tls))
    }

    /// True when `host` is its POP3 server or an alias.
    pub fn serves(&self, host: &str) -> bool {
        let h = normalize_host(host);
        self.pop.is_some_and(|e| e.host == h) || self.aliases.contains(&h.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_consistent() {
        let mut domains = std::collections::HashSet::new();
        for p in PROVIDERS {
            for d in p.mail_domains {
                assert!(domains.insert(*d), "{d} listed twice");
                assert_eq!(*d, d.to_ascii_lowercase());
            }
            if let Some(e) = p.pop {
                assert_eq!(by_host(e.host).map(|x| x.name), Some(p.name));
                assert!(p.accepts(e.port, e.tls));
                assert!(
                    by_server_suffix(e.host).is_some(),
                    "{}: its own host is under a listed suffix",
                    p.name
                );
            }
            assert!(p.note.len() > 20 && p.note.ends_with('.'), "{}", p.name);
        }
    }

    #[test]
    fn lookups() {
        assert_eq!(by_host("POP.Gmail.com.").unwrap().name, "Gmail");
        assert_eq!(
            by_mail_domain("zohomail.eu").unwrap().pop.unwrap().host,
            "pop.zoho.eu"
        );
        assert_eq!(by_server_suffix("imap.gmail.com").unwrap().name, "Gmail");
        assert!(by_server_suffix("notgmail.com").is_none());
        assert!(by_mail_domain("icloud.com").unwrap().pop.is_none());
    }
}
