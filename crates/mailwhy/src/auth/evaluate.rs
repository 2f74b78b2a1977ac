//! The DMARC result of one message (RFC 7489 §4.2, §6.6.2): pass when SPF or any DKIM signature
//! both passes and aligns with the From domain, in the modes the policy sets; the disposition
//! then follows the policy (`p`, or `sp`/`np` for subdomains found through the organizational
//! domain). Pure: the message checks supply the verified identifiers.

use serde::Serialize;

use super::alignment::{aligned, OrgDomains};
use super::dmarc::{DmarcRecord, Policy};

/// The DMARC result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Evaluation {
    /// `pass`, `fail` or `none` (no policy).
    pub result: &'static str,
    /// The DKIM `d=` domains that pass and align.
    pub aligned_dkim: Vec<String>,
    /// The SPF domain, when it passes and aligns.
    pub aligned_spf: Option<String>,
    /// The policy receivers apply to a failure (`None` without a policy).
    pub policy: Option<Policy>,
}

/// What the message's authentication produced.
#[derive(Debug, Clone, Default)]
pub(crate) struct Identifiers<'a> {
    /// The RFC 5322.From domain.
    pub from: &'a str,
    /// `(d=, passed)` per DKIM signature.
    pub dkim: &'a [(String, bool)],
    /// `(MAIL FROM domain, passed)` from SPF, when evaluated.
    pub spf: Option<(&'a str, bool)>,
    /// The organizational domains of these names by the tree walk (relaxed alignment).
    pub orgs: &'a OrgDomains,
}

/// Computes the DMARC result. `record` is the policy found by discovery and `organizational`
/// says whether it came from the organizational domain (then `sp` applies to a subdomain).
pub fn evaluate(
    record: Option<&DmarcRecord>,
    organizational: bool,
    ids: &Identifiers<'_>,
) -> Evaluation {
    let Some(r) = record else {
        return Evaluation {
            result: "none",
            aligned_dkim: vec![],
            aligned_spf: None,
            policy: None,
        };
    };
    let aligned_dkim: Vec<String> = ids
        .dkim
        .iter()
        .filter(|(d, ok)| *ok && aligned(d, ids.from, r.dkim_alignment(), ids.orgs))
        .map(|(d, _)| d.clone())
        .collect();
    let aligned_spf = ids
        .spf
        .filter(|(d, ok)| *ok && aligned(d, ids.from, r.spf_alignment(), ids.orgs))
        .map(|(d, _)| d.to_string());
    // A record found above the From domain (it has none of its own) gives `sp` (RFC 9989
    // §4.10.1 step 3); discovery refines it with `np` and `t=y` (`Discovery::policy_for`).
    let policy = if organizational {
        r.subdomain_policy()
    } else {
        r.p
    };
    Evaluation {
        result: if aligned_dkim.is_empty() && aligned_spf.is_none() {
            "fail"
        } else {
            "pass"
        },
        aligned_dkim,
        aligned_spf,
        policy: Some(policy),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::dmarc::parse;

    /// Evaluates `record` for a message from `from` with these signatures and SPF result.
    fn run(
        record: &str,
        subdomain: bool,
        from: &str,
        dkim: &[(&str, bool)],
        spf: (&str, bool),
    ) -> Evaluation {
        let r = parse(record).unwrap();
        let dkim: Vec<(String, bool)> = dkim.iter().map(|(d, ok)| (d.to_string(), *ok)).collect();
        let ids = Identifiers {
            from,
            dkim: &dkim,
            spf: Some(spf),
            ..Default::default()
        };
        evaluate(Some(&r), subdomain, &ids)
    }

    #[test]
    fn a_passing_aligned_dkim_signature_is_enough() {
        let dkim = [("sendgrid.net", true), ("em.procore.com", true)];
        let e = run(
            "v=DMARC1; p=reject",
            false,
            "procore.com",
            &dkim,
            ("sendgrid.net", true),
        );
        assert_eq!(e.result, "pass");
        assert_eq!(e.aligned_dkim, ["em.procore.com"]);
        assert_eq!(e.aligned_spf, None);
    }

    #[test]
    fn strict_modes_and_failed_signatures_fail() {
        let record = "v=DMARC1; p=quarantine; sp=reject; adkim=s; aspf=s";
        let dkim = [("em.procore.com", true), ("procore.com", false)];
        let e = run(
            record,
            true,
            "news.procore.com",
            &dkim,
            ("procore.com", true),
        );
        assert_eq!(e.result, "fail");
        assert_eq!(e.policy, Some(Policy::Reject));
        assert_eq!(
            evaluate(None, false, &Identifiers::default()).result,
            "none"
        );
    }
}
