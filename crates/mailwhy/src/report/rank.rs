//! Ranking: one table of cause classes ([`CAUSE_CLASSES`]) decides the order of a report's
//! findings, and the findings and checks decide its verdict.
//!
//! Errors come first, then by how likely a class of cause is to explain "I never got the email",
//! then in the order the checks found them. An error finding is a problem; otherwise any
//! inconclusive check makes the whole report inconclusive.

use crate::check::CheckStatus;
use crate::finding::Severity;

use super::{Report, Verdict};

/// Cause classes by id prefix, most likely explanation of a missing email first.
/// A bounce is the receiver's own word; the account switch and status are the commonest causes;
/// then the address and the recipient's domain; then the vendor's sender authentication (a
/// failure there loses the mail at every receiver, gateway or not, so it explains more than one
/// customer's allowlist gap); then the gateway, the message verdicts, mailbox fetching, and DNS
/// trouble last (it only makes checks inconclusive).
pub const CAUSE_CLASSES: &[(&str, &str)] = &[
    ("bounce.", "bounce"),
    ("user.", "account"),
    ("address.", "address"),
    ("domain.", "recipient domain"),
    ("spf.", "sender authentication"),
    ("dmarc.", "sender authentication"),
    ("dkim.", "sender authentication"),
    ("sender.", "sender authentication"),
    ("allowlist.", "gateway allowlist"),
    ("message.", "message"),
    ("mailbox.", "mailbox retrieval"),
    ("dns.", "dns"),
];

/// The cause class of a finding id and its rank (lower is more likely).
pub fn cause_class(id: &str) -> (usize, &'static str) {
    CAUSE_CLASSES
        .iter()
        .position(|(p, _)| id.starts_with(p))
        .map(|i| (i, CAUSE_CLASSES[i].1))
        .unwrap_or((CAUSE_CLASSES.len(), "other"))
}

impl Report {
    /// Sorts findings and recomputes the verdict. Errors come first, by cause class; then the
    /// rest by cause class, then severity: an account's pending invitation (info) explains a
    /// missing email better than a warning about the gateway's configuration.
    pub fn rank(&mut self) {
        self.findings.sort_by_key(|f| {
            (
                f.severity != Severity::Error,
                cause_class(f.id.as_str()).0,
                f.severity,
            )
        });
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
}
