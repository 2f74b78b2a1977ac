//! Mail providers recognized from MX host names: one table, used here for the
//! `domain.mail-provider` finding and by later checks to tailor remedies (where the junk folder
//! and the quarantine are, who to ask).

use serde::Serialize;

/// What a provider does with inbound mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProviderKind {
    /// Hosts the mailboxes themselves.
    Mailbox,
    /// A filtering gateway in front of the real mailboxes (often Microsoft 365 or Google).
    Gateway,
}

/// A mail provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Provider {
    /// Stable id (`google`, `microsoft365`, `proofpoint` ...).
    pub id: &'static str,
    /// Display name.
    pub name: &'static str,
    /// Mailbox host or filtering gateway.
    pub kind: ProviderKind,
    /// MX host name suffixes that identify it (matched on label boundaries).
    #[serde(skip)]
    pub mx_suffixes: &'static [&'static str],
    /// Where held or filtered mail is, in the provider's words.
    pub where_filtered_mail_is: &'static str,
}

const fn p(
    id: &'static str,
    name: &'static str,
    kind: ProviderKind,
    mx_suffixes: &'static [&'static str],
    where_filtered_mail_is: &'static str,
) -> Provider {
    Provider {
        id,
        name,
        kind,
        mx_suffixes,
        where_filtered_mail_is,
    }
}

use ProviderKind::{Gateway, Mailbox};

/// Every known provider.
#[rustfmt::skip]
pub static PROVIDERS: &[Provider] = &[
    p("google", "Google Workspace / Gmail", Mailbox, &["google.com", "googlemail.com", "smtp.google.com"], "the user's Spam folder in Gmail; admins search Email Log Search and the admin quarantine in the Google Admin console"),
    p("microsoft365", "Microsoft 365 / Exchange Online", Mailbox, &["mail.protection.outlook.com", "mail.protection.partner.outlook.cn", "mx.microsoft"], "the user's Junk Email folder; admins check message trace and the quarantine in the Microsoft Defender portal"),
    p("outlook-consumer", "Outlook.com / Hotmail", Mailbox, &["olc.protection.outlook.com", "hotmail.com"], "the Junk Email folder in Outlook.com"),
    p("proofpoint", "Proofpoint", Gateway, &["pphosted.com", "ppe-hosted.com", "proofpoint.com"], "the Proofpoint quarantine (end-user digest), released by the mail admin"),
    p("mimecast", "Mimecast", Gateway, &["mimecast.com", "mimecast.co.za", "mimecast-offshore.com"], "the Mimecast held queue and the user's on-hold digest"),
    p("barracuda", "Barracuda Email Security", Gateway, &["barracudanetworks.com", "barracuda.com"], "the Barracuda message log and quarantine"),
    p("cisco", "Cisco Secure Email (IronPort)", Gateway, &["iphmx.com"], "the Cisco Secure Email spam quarantine and message tracking"),
    p("zoho", "Zoho Mail", Mailbox, &["zoho.com", "zoho.eu", "zoho.in", "zoho.com.au", "zohomail.com"], "the Spam folder in Zoho Mail; admins check the quarantine in the Zoho Mail admin console"),
    p("yahoo", "Yahoo Mail", Mailbox, &["yahoodns.net", "yahoo.com"], "the Spam folder in Yahoo Mail"),
    p("icloud", "iCloud Mail", Mailbox, &["icloud.com", "me.com"], "the Junk folder in iCloud Mail"),
    p("fastmail", "Fastmail", Mailbox, &["messagingengine.com", "fastmail.com"], "the Spam folder in Fastmail"),
    p("ovh", "OVHcloud", Mailbox, &["ovh.net", "ovh.com"], "the spam folder of the OVHcloud mailbox (Outlook Web App or Roundcube)"),
    p("gandi", "Gandi Mail", Mailbox, &["gandi.net"], "the Spam folder of the Gandi webmail"),
    p("godaddy", "GoDaddy Email", Mailbox, &["secureserver.net"], "the Bulk or Spam folder of the GoDaddy webmail"),
    p("amazon-workmail", "Amazon WorkMail / SES inbound", Mailbox, &["amazonaws.com", "awsapps.com"], "the Junk folder in WorkMail; admins check the organization's inbound rules"),
    p("trend-micro", "Trend Micro Email Security", Gateway, &["tmes.trendmicro.com", "tmes.trendmicro.eu", "tmes-anz.trendmicro.com", "trendmicro.com"], "the Trend Micro Email Security quarantine"),
    p("sophos", "Sophos Email", Gateway, &["hydra.sophos.com", "sophos.com"], "the Sophos Central email quarantine"),
    p("hornetsecurity", "Hornetsecurity", Gateway, &["hornetsecurity.com"], "the Hornetsecurity Control Panel quarantine"),
    p("forcepoint", "Forcepoint Email Security", Gateway, &["mailcontrol.com"], "the Forcepoint message quarantine"),
    p("broadcom", "Symantec Email Security.cloud", Gateway, &["messagelabs.com"], "the Email Security.cloud quarantine"),
    p("ionos", "IONOS", Mailbox, &["ionos.com", "ionos.de", "ionos.fr", "kundenserver.de", "1and1.com"], "the Spam folder of the IONOS webmail"),
    p("orange", "Orange", Mailbox, &["orange.fr", "wanadoo.fr"], "the Courrier indésirable (spam) folder of the Orange webmail"),
    p("free", "Free", Mailbox, &["free.fr"], "the spam folder of the Free webmail (Zimbra)"),
    p("infomaniak", "Infomaniak", Mailbox, &["infomaniak.ch", "infomaniak.com"], "the Spam folder of Infomaniak Mail"),
    p("proton", "Proton Mail", Mailbox, &["protonmail.ch", "proton.me"], "the Spam folder in Proton Mail"),
    p("yandex", "Yandex Mail", Mailbox, &["yandex.net", "yandex.ru"], "the Spam folder in Yandex Mail"),
    p("gmx", "GMX / WEB.DE", Mailbox, &["gmx.net", "gmx.com", "web.de"], "the Spam folder (Spamverdacht) in GMX or WEB.DE"),
    p("rackspace", "Rackspace Email", Mailbox, &["emailsrvr.com"], "the Spam folder of Rackspace webmail"),
];

/// Mail domains of the providers above that every working resolver knows, with the provider
/// that hosts them: if a resolver says they do not exist, or have no mail server, it is the
/// resolver that is wrong (a captive portal, a filter, no network), and what it says about any
/// other domain cannot be believed either. Two, so that one provider's outage is not read as a
/// lie.
pub(crate) static WELL_KNOWN_MAIL_DOMAINS: &[(&str, &str)] =
    &[("gmail.com", "google"), ("outlook.com", "outlook-consumer")];

/// The provider whose MX host name this is, if known. Matching is on label boundaries and the
/// longest suffix wins (`olc.protection.outlook.com` before a shorter one).
///
/// ```
/// let p = mailwhy::routing::detect_provider("acme-fr.mail.protection.outlook.com").unwrap();
/// assert_eq!(p.id, "microsoft365");
/// assert!(mailwhy::routing::detect_provider("mail.acme.fr").is_none());
/// ```
pub fn detect_provider(mx_host: &str) -> Option<&'static Provider> {
    let host = mx_host.trim_end_matches('.').to_ascii_lowercase();
    let mut best: Option<(usize, &'static Provider)> = None;
    for prov in PROVIDERS {
        for suffix in prov.mx_suffixes {
            let hit = host == *suffix
                || (host.len() > suffix.len()
                    && host.ends_with(suffix)
                    && host.as_bytes()[host.len() - suffix.len() - 1] == b'.');
            if hit && best.is_none_or(|(l, _)| suffix.len() > l) {
                best = Some((suffix.len(), prov));
            }
        }
    }
    best.map(|(_, p)| p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_suffix_on_label_boundaries() {
        let id = |h: &str| detect_provider(h).map(|p| p.id);
        assert_eq!(id("aspmx.l.google.com."), Some("google"));
        assert_eq!(
            id("acme-fr.mail.protection.outlook.com"),
            Some("microsoft365")
        );
        assert_eq!(
            id("hotmail-com.olc.protection.outlook.com"),
            Some("outlook-consumer")
        );
        assert_eq!(id("mx0a-001234.pphosted.com"), Some("proofpoint"));
        assert_eq!(id("eu-smtp-inbound-1.mimecast.com"), Some("mimecast"));
        assert_eq!(id("mx1.hc1234-56.iphmx.com"), Some("cisco"));
        assert_eq!(
            id("inbound-smtp.eu-west-1.amazonaws.com"),
            Some("amazon-workmail")
        );
        assert_eq!(id("notgoogle.com"), None);
        assert_eq!(id("mail.acme.fr"), None);
        assert!(PROVIDERS.len() >= 15);
    }
}
