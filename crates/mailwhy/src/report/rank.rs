//! Ranking: one table ([`CAUSE_CLASSES`]) says, for each area of finding ids, its cause class
//! and how far it reaches ([`Scope`]); the order of a report's findings and its verdict follow.
//!
//! "The most likely cause for this person first": a finding about this person (the message they
//! did not get, their account, their address, their mail domain) explains a missing email better
//! than one that would affect every recipient (the customer's gateway, the vendor's sending
//! setup), whatever the severities; within each reach, errors before warnings, then the cause
//! class, then the order the checks found them. Notes that only give context (where the domain's
//! mail is hosted, that the person is a collaborator) come last. An error finding anywhere makes
//! the verdict "problem found"; otherwise any inconclusive check makes it "inconclusive".

use crate::check::CheckStatus;
use crate::finding::{Finding, FindingId, Scope, Severity};

use super::{Report, Verdict};

/// Cause classes by id prefix, most likely explanation of a missing email first, each with its
/// reach. A bounce is the receiver's own word; the account switch and status are the commonest
/// causes; then the address and the recipient's domain; then the vendor's sender authentication
/// (a failure there loses the mail at every receiver, gateway or not, so it explains more than
/// one customer's allowlist gap); then the gateway, the message verdicts, mailbox fetching, and
/// DNS trouble last (it only makes checks inconclusive). The order of the rows decides only
/// within one reach and severity.
#[rustfmt::skip]
pub const CAUSE_CLASSES: &[(&str, &str, Scope)] = &[
    // What the sending service's own events say happened to the message: direct evidence.
    ("delivery.", "delivery", Scope::Message),
    // A bounce whose DNSBL block is the receiver's own broken lookup (refused queries read
    // as listings): it explains the bounce beside it, so it goes first.
    ("blocklist.receiver-", "receiver blocklist setup", Scope::Message),
    // The recipient domain's TLS rules (MTA-STS, STARTTLS, certificates): a finding here is why
    // a bounce says "MTA-STS validation failed" or "TLS is required", so, like the receiver's
    // broken blocklist lookup above, it goes before the bounce it explains.
    ("transport.", "recipient transport", Scope::RecipientDomain),
    // The receiver's own word about this person's message: nothing explains it better.
    ("bounce.", "bounce", Scope::Message),
    // The account decides whether the product sends at all (switch, status, invitation):
    // the commonest cause of "I never got it", and only the directory knows it.
    ("user.", "account", Scope::Account),
    // The address as typed or stored: a typo or hidden character sends mail elsewhere.
    ("address.", "address", Scope::Address),
    // The recipient's domain: no MX, null MX, a dead domain lose every message to it.
    ("domain.", "recipient domain", Scope::RecipientDomain),
    // The vendor's authentication: a failure loses its mail at every receiver, gateway or not,
    // so it explains more than one customer's allowlist gap.
    ("spf.", "sender authentication", Scope::Vendor),
    ("dmarc.", "sender authentication", Scope::Vendor),
    ("dkim.", "sender authentication", Scope::Vendor),
    ("sender.", "sender authentication", Scope::Vendor),
    // The vendor's sending IP or domain on a DNSBL: refused at every receiver using the list.
    ("blocklist.", "sender reputation", Scope::Vendor),
    // Within the gateway: a vendor IP or domain the list lacks holds back the vendor's mail
    // today; the other lints (host bits, overbroad or stale entries) only may.
    ("allowlist.ip-missing", "gateway allowlist", Scope::Gateway),
    ("allowlist.domain-missing", "gateway allowlist", Scope::Gateway),
    ("allowlist.", "gateway allowlist", Scope::Gateway),
    // What the receivers said of this copy of the message (spam verdicts, a failed DMARC seen
    // in its Authentication-Results): evidence about this message.
    ("message.", "message", Scope::Message),
    // Fetching mail from a mailbox (POP3 settings): a cause only for mail fetched that way.
    ("mailbox.", "mailbox retrieval", Scope::Run),
    // DNS trouble makes checks inconclusive; it is never itself why mail did not arrive.
    ("dns.", "dns", Scope::Run),
    // Rows of the directory export that were skipped: a note on what the run did not see (a
    // person on such a row gets `user.row-unreadable`, about their account).
    ("directory.", "directory export", Scope::Run),
    // What receivers' DMARC and TLS reports say of the vendor's mail: direct evidence for the
    // recipients at that receiver, about every message they reported.
    // A report that could not be read only says what the totals lack.
    ("reports.unreadable", "receiver reports", Scope::Run),
    ("reports.", "receiver reports", Scope::RecipientDomain),
];

/// Notes (severity info) that are a cause for this person, not context: an invitation not yet
/// accepted is why a new user has had no mail but the invitation.
const CAUSAL_NOTES: &[FindingId] = &[FindingId::UserInvitePending];

/// The cause class of a finding id and its rank (lower is more likely).
pub fn cause_class(id: &str) -> (usize, &'static str) {
    CAUSE_CLASSES
        .iter()
        .position(|(p, _, _)| id.starts_with(p))
        .map(|i| (i, CAUSE_CLASSES[i].1))
        .unwrap_or((CAUSE_CLASSES.len(), "other"))
}

/// How far the cause a finding names reaches: what its check said, else its id's area.
pub fn scope(f: &Finding) -> Scope {
    f.scope.unwrap_or_else(|| {
        let id = f.id.as_str();
        CAUSE_CLASSES
            .iter()
            .find(|(p, _, _)| id.starts_with(p))
            .map_or(Scope::Run, |(_, _, s)| *s)
    })
}

/// Context rather than a cause: a note that explains nothing by itself.
pub fn is_context(f: &Finding) -> bool {
    f.severity == Severity::Info && !CAUSAL_NOTES.contains(&f.id)
}

/// The sort key of a finding: causes about this person, then causes that reach further, then
/// context; within each, severity, then cause class.
fn rank_key(f: &Finding) -> (u8, Severity, usize) {
    let tier = if is_context(f) {
        2
    } else if scope(f).is_specific() {
        0
    } else {
        1
    };
    (tier, f.severity, cause_class(f.id.as_str()).0)
}

impl Report {
    /// Sorts findings (stable: equal keys keep the order the checks found them), says each
    /// one's scope, and recomputes the verdict.
    pub fn rank(&mut self) {
        for f in &mut self.findings {
            f.scope = Some(scope(f));
        }
        self.findings.sort_by_key(rank_key);
        self.verdict = if self.findings.iter().any(|f| f.severity == Severity::Error) {
            Verdict::ProblemFound
        } else if self
            .checks
            .iter()
            .any(|c| c.status == CheckStatus::Inconclusive)
        {
            Verdict::Inconclusive
        } else {
            Verdict::NoProblemFound
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::CheckOutcome;
    use crate::report::tests::sample;
    use crate::report::Stats;

    #[test]
    fn errors_rank_first_and_decide_the_verdict() {
        let r = sample();
        assert_eq!(r.findings[0].id, "user.messaging-disabled");
        assert_eq!(r.verdict, Verdict::ProblemFound);
        assert_eq!(r.verdict.exit_code(), 1);
    }

    #[test]
    fn inconclusive_without_errors() {
        let mut dns = CheckOutcome::start("mx");
        dns.inconclusive("timeout");
        let r = Report::from_outcomes("x", vec![dns.done("mx")], Stats::default());
        assert_eq!(r.verdict, Verdict::Inconclusive);
        assert_eq!(r.verdict.exit_code(), 3);
    }

    fn ranked(findings: Vec<Finding>) -> Vec<String> {
        let mut c = CheckOutcome::start("x");
        for f in findings {
            c.push(f);
        }
        let r = Report::from_outcomes("x", vec![c.done("x")], Stats::default());
        r.findings
            .iter()
            .map(|f| f.id.as_str().to_string())
            .collect()
    }

    /// The demo's Omar: a vendor-wide gateway error must not hide the one thing about him.
    #[test]
    fn a_cause_about_this_person_outranks_a_gateway_error() {
        let ids = ranked(vec![
            Finding::new(FindingId::AllowlistHostBitsSet, "x"),
            Finding::new(FindingId::DomainMailProvider, "x"),
            Finding::new(FindingId::UserInviteRemindersExhausted, "x"),
            Finding::new(FindingId::AllowlistSharedInfrastructure, "x"),
        ]);
        assert_eq!(
            ids,
            [
                "user.invite-reminders-exhausted",
                "allowlist.host-bits-set",
                "allowlist.shared-infrastructure",
                "domain.mail-provider"
            ]
        );
    }

    #[test]
    fn a_pending_invitation_is_a_cause_and_a_provider_note_is_context() {
        let ids = ranked(vec![
            Finding::new(FindingId::DomainMailProvider, "x"),
            Finding::new(FindingId::AllowlistSharedInfrastructure, "x"),
            Finding::new(FindingId::UserInvitePending, "x"),
        ]);
        assert_eq!(
            ids,
            [
                "user.invite-pending",
                "allowlist.shared-infrastructure",
                "domain.mail-provider"
            ]
        );
    }

    #[test]
    fn within_a_reach_errors_come_before_warnings() {
        let ids = ranked(vec![
            Finding::new(FindingId::AddressRoleAccount, "x"),
            Finding::new(FindingId::UserInactive, "x"),
        ]);
        assert_eq!(ids, ["user.inactive", "address.role-account"]);
    }

    /// A DMARC failure computed from the message the person did not get is about that message.
    #[test]
    fn a_check_can_say_its_finding_is_about_this_message() {
        let ids = ranked(vec![
            Finding::new(FindingId::AllowlistHostBitsSet, "x"),
            Finding::new(FindingId::DmarcFail, "x").with_scope(Scope::Message),
        ]);
        assert_eq!(ids, ["dmarc.fail", "allowlist.host-bits-set"]);
    }

    #[test]
    fn every_area_has_a_reach() {
        for id in FindingId::ALL {
            assert_ne!(cause_class(id.as_str()).1, "other", "{}", id.as_str());
        }
    }
}
