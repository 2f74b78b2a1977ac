//! Sender profiles and gateway allowlists: parse them, match addresses and domains against the
//! list, audit the list against what the vendor publishes, and export what the gateway needs.
//!
//! The audit answers a mail admin's two questions: does my gateway admit everything this vendor
//! sends from (`allowlist.domain-missing`, `allowlist.ip-missing`), and nothing more
//! (`allowlist.overbroad-entry`, `allowlist.shared-infrastructure`, `allowlist.stale-entry`)?
//! Lines that do not parse are findings too (`allowlist.invalid-entry`,
//! `allowlist.host-bits-set`), and the rest of the list is still used. The semantics of each
//! entry form are documented in `list`; matching is in `index`.
//!
//! One file per job: the audit (`audit.rs`), lookups (`lookup.rs`), exports (`export.rs`) and
//! the SPF drift check (`drift.rs`), all re-exported here; this file keeps the table of shared
//! sending services that the audit and the drift check both read.

mod audit;
mod drift;
mod export;
pub(crate) mod index;
pub(crate) mod list;
mod lookup;
pub(crate) mod profile;

pub use audit::{audit, gateway_in_front, where_to_add, AuditOptions};
pub use drift::{spf_drift, SpfDriftMemo};
pub use export::{export, Export, ExportFormat, ExportOptions, LeftOut};
pub use index::{Coverage, Index};
pub use list::{Allowlist, Entry, EntryKind, InvalidLine, ListFormat};
pub use lookup::{lookup, Lookup};
pub use profile::SenderProfile;

/// Shared sending services and CDNs: an entry admitting one of these admits every other tenant
/// of the service, not just the vendor. (domain, service)
pub(crate) const SHARED_SERVICES: &[(&str, &str)] = &[
    ("sendgrid.net", "Twilio SendGrid"),
    ("sendgrid.com", "Twilio SendGrid"),
    ("amazonses.com", "Amazon SES"),
    ("mailgun.org", "Mailgun"),
    ("mailgun.net", "Mailgun"),
    ("sparkpostmail.com", "SparkPost"),
    ("mandrillapp.com", "Mailchimp Transactional (Mandrill)"),
    ("mcsv.net", "Mailchimp"),
    ("mcdlv.net", "Mailchimp"),
    ("rsgsv.net", "Mailchimp"),
    ("fastly.net", "Fastly CDN"),
    ("cloudfront.net", "Amazon CloudFront"),
    ("postmarkapp.com", "Postmark"),
    ("mtasv.net", "Postmark"),
    ("sendinblue.com", "Brevo (Sendinblue)"),
    ("brevo.com", "Brevo"),
    ("mailjet.com", "Mailjet"),
    ("elasticemail.com", "Elastic Email"),
    ("smtp2go.com", "SMTP2GO"),
    ("exacttarget.com", "Salesforce Marketing Cloud"),
    (
        "outbound.protection.outlook.com",
        "Microsoft 365 (every tenant)",
    ),
    ("_spf.google.com", "Google Workspace (every tenant)"),
    ("googlemail.com", "Gmail"),
    ("gmail.com", "Gmail"),
];

/// The shared service a domain belongs to, if any.
pub(crate) fn shared_service(domain: &str) -> Option<(&'static str, &'static str)> {
    let d = domain.trim_end_matches('.').to_ascii_lowercase();
    SHARED_SERVICES
        .iter()
        .find(|(s, _)| d == *s || d.ends_with(&format!(".{s}")))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn procore() -> SenderProfile {
        let p = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fixtures/senders/procore.toml"
        );
        SenderProfile::load(std::path::Path::new(p)).unwrap()
    }
}
