//! Our results set beside each receiver's Authentication-Results: per method (SPF, DKIM,
//! DMARC) where a receiver's verdict and ours differ, and the likely reason in plain words
//! (forwarding changed the connecting IP, a footer broke the body hash, a key was rotated, an
//! ARC seal vouched for results that broke on the way).

use std::net::IpAddr;

use serde::Serialize;

use super::{indeterminate, is_pass, is_receiver_record, Computed};
use crate::auth::alignment::organizational_domain;
use crate::auth::dkim_verify::{FailReason, SignatureResult};
use crate::check::CheckOutcome;
use crate::finding::{Finding, FindingId};
use crate::message::auth_results::AuthResults;
use crate::message::received_chain::{self, Hop};
use crate::message::Analysis;
use crate::sanitize;

/// One method where a receiver's verdict and ours differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// `spf`, `dkim` or `dmarc`.
    pub method: &'static str,
    /// The receiver (authserv-id).
    pub receiver: String,
    /// What the receiver recorded.
    pub theirs: String,
    /// What we computed.
    pub ours: String,
    /// The likely reason, in plain words.
    pub reason: String,
}

/// The hop a receiver evaluated: the one whose `by` host is the authserv-id or in its
/// organizational domain, newest first.
pub(super) fn receiver_hop<'h>(hops: &'h [Hop], authserv_id: &str) -> Option<&'h Hop> {
    let id = authserv_id.trim_end_matches('.').to_ascii_lowercase();
    if id.is_empty() {
        return None;
    }
    let exact = hops.iter().rev().find(|h| {
        h.by.as_deref()
            .is_some_and(|b| b.trim_end_matches('.').eq_ignore_ascii_case(&id))
    });
    exact.or_else(|| {
        let org = organizational_domain(&id);
        hops.iter().rev().find(|h| {
            h.by.as_deref()
                .is_some_and(|b| organizational_domain(b) == org)
        })
    })
}

/// What ours-versus-theirs needs to explain a difference.
struct Explain<'a> {
    hops: &'a [Hop],
    our_ip: Option<IpAddr>,
    /// Our SPF result at the IP the receiver saw, when that IP differs from ours.
    spf_at_their_ip: Option<(IpAddr, &'static str)>,
    arc: &'a [(u32, String)],
}

impl Explain<'_> {
    fn external_hops(&self) -> usize {
        self.hops
            .iter()
            .filter(|h| h.from_ip.is_some_and(received_chain::is_global))
            .count()
    }

    fn spf(&self, receiver: &str, their_ip: Option<IpAddr>, theirs_pass: bool) -> String {
        let ours_ip = self
            .our_ip
            .map(|i| i.to_string())
            .unwrap_or_else(|| "?".into());
        match their_ip.filter(|t| Some(*t) != self.our_ip) {
            Some(t) => {
                let confirm = match self.spf_at_their_ip {
                    Some((ip, r)) if ip == t => format!(" (our SPF check at {t} gives {r})"),
                    _ => String::new(),
                };
                if theirs_pass {
                    format!(
                        "{receiver} checked SPF for {t}, the server it received the message from{confirm}; we checked {ours_ip}, the server that handed it to the recipient's systems. The message was forwarded or relayed in between: forwarding changes the connecting IP and breaks SPF, which is why DMARC then depends on DKIM."
                    )
                } else {
                    format!(
                        "{receiver} checked SPF for {t}{confirm}, a forwarder or relay in front of it, which the envelope domain does not authorize; the server that first handed the message over, {ours_ip}, is authorized. Forwarding changes the connecting IP and breaks SPF."
                    )
                }
            }
            None if self.external_hops() > 1 => "The Received chain shows the message passed through more than one outside server (forwarding or a relay), and forwarding changes the connecting IP, which breaks SPF; the receiver may have evaluated another hop than ours. Or the domain's SPF record changed since delivery (ours is evaluated now).".into(),
            None => "The domain's SPF record may have changed since delivery (ours is evaluated now), or the receiver evaluated another IP than the Received chain records.".into(),
        }
    }

    fn dkim(receiver: &str, ours: Option<&SignatureResult>, theirs_pass: bool) -> String {
        match (theirs_pass, ours.and_then(|s| s.reason)) {
            (true, Some(FailReason::BodyChanged)) => format!(
                "The body changed after {receiver} checked it: a gateway or mailing list added a footer or banner (or rewrote links), which breaks the DKIM body hash."
            ),
            (true, Some(FailReason::HeaderChanged)) => format!(
                "A signed header changed after {receiver} checked it (for example a [EXTERNAL] tag added to the Subject), which breaks the DKIM signature."
            ),
            (true, Some(FailReason::KeyNotFound | FailReason::KeyRevoked)) => {
                "The key was removed or revoked in DNS since delivery (a rotated selector); the receiver verified with the key of the day.".into()
            }
            (true, Some(FailReason::Expired)) => {
                "The signature has expired since delivery (its x= time has passed).".into()
            }
            (true, _) => format!(
                "This copy differs from the one {receiver} verified, or the key changed since delivery."
            ),
            (false, _) => format!(
                "{receiver} saw a modified copy (a forwarder, list or gateway changed it before that server) or could not get the key at the time; this copy verifies with the key published now."
            ),
        }
    }

    fn dmarc(&self, theirs_pass: bool) -> String {
        match (theirs_pass, self.arc.first()) {
            (true, Some((i, d))) => format!(
                "ARC-Seal present (i={i}, d={d}): a forwarder vouched for the authentication results it saw, and the receiver may have trusted them in place of the SPF or DKIM that broke on the way (mailwhy does not verify ARC seals)."
            ),
            (true, None) => "It follows from the SPF and DKIM differences: the receiver saw the message before it was forwarded or changed.".into(),
            (false, _) => "It follows from the SPF and DKIM differences: the receiver saw a forwarded or modified copy, or the domain's DNS changed since delivery.".into(),
        }
    }
}

/// Compares one receiver's results with ours.
fn compare(ar: &AuthResults, c: &Computed, ex: &Explain<'_>) -> Vec<Difference> {
    let receiver = if ar.authserv_id.is_empty() {
        "the receiver".to_string()
    } else {
        ar.authserv_id.clone()
    };
    let their_ip = ar
        .results
        .iter()
        .find_map(|r| r.properties.get("client-ip").and_then(|v| v.parse().ok()))
        .or_else(|| receiver_hop(ex.hops, &ar.authserv_id).and_then(|h| h.from_ip));
    let mut out = Vec::new();
    let diff = |method, theirs: &str, ours: String, reason: String| Difference {
        method,
        receiver: receiver.clone(),
        theirs: theirs.to_string(),
        ours,
        reason,
    };
    if let (Some(ours), Some(theirs)) = (&c.spf, ar.results.iter().find(|r| r.method == "spf")) {
        if !indeterminate(ours.result)
            && !indeterminate(&theirs.result)
            && is_pass(ours.result) != is_pass(&theirs.result)
        {
            out.push(diff(
                "spf",
                &theirs.result,
                format!("{} ({} at {})", ours.result, ours.domain, ours.ip),
                ex.spf(&receiver, their_ip, is_pass(&theirs.result)),
            ));
        }
    }
    for theirs in ar.results.iter().filter(|r| r.method == "dkim") {
        // Gmail records the signing identity as header.i=@domain rather than header.d.
        let d = theirs
            .properties
            .get("header.d")
            .cloned()
            .or_else(|| {
                theirs
                    .properties
                    .get("header.i")
                    .and_then(|i| i.rsplit_once('@').map(|(_, d)| d.to_string()))
            })
            .map(|d| d.to_ascii_lowercase());
        let s = theirs
            .properties
            .get("header.s")
            .map(|s| s.to_ascii_lowercase());
        let ours: Vec<&SignatureResult> = c
            .dkim
            .iter()
            .filter(|o| d.as_ref().is_none_or(|d| o.domain.eq_ignore_ascii_case(d)))
            .filter(|o| {
                s.as_ref()
                    .is_none_or(|s| o.selector.eq_ignore_ascii_case(s))
            })
            .collect();
        if ours.is_empty() || indeterminate(&theirs.result) {
            continue;
        }
        let ours_pass = ours.iter().any(|o| is_pass(o.result));
        if ours.iter().any(|o| indeterminate(o.result)) && !ours_pass {
            continue;
        }
        if ours_pass != is_pass(&theirs.result) {
            let o = ours
                .iter()
                .find(|o| is_pass(o.result) == ours_pass)
                .copied();
            out.push(diff(
                "dkim",
                &format!(
                    "{}{}",
                    theirs.result,
                    d.as_ref().map(|d| format!(" (d={d})")).unwrap_or_default()
                ),
                o.map(|o| format!("{} (d={}, s={})", o.result, o.domain, o.selector))
                    .unwrap_or_default(),
                Explain::dkim(&receiver, o, is_pass(&theirs.result)),
            ));
        }
    }
    if let (Some(ours), Some(theirs)) = (&c.dmarc, ar.results.iter().find(|r| r.method == "dmarc"))
    {
        if matches!(ours.result, "pass" | "fail")
            && matches!(theirs.result.as_str(), "pass" | "fail")
            && ours.result != theirs.result
        {
            out.push(diff(
                "dmarc",
                &theirs.result,
                ours.result.to_string(),
                ex.dmarc(is_pass(&theirs.result)),
            ));
        }
    }
    out
}

/// The `receiver-results` check: every receiver's Authentication-Results beside what we
/// computed in `c`, one `message.auth-disagreement` per difference. `spf_at_their_ip` is our SPF
/// result at the IP a receiver saw, when that differs from ours.
pub(super) fn check_receivers(
    a: &Analysis,
    c: &Computed,
    spf_at_their_ip: Option<(IpAddr, &'static str)>,
) -> (CheckOutcome, Vec<Difference>) {
    let mut cmp = CheckOutcome::start("receiver-results");
    let receivers: Vec<&AuthResults> = a
        .authentication
        .iter()
        .filter(|r| is_receiver_record(r))
        .collect();
    let ex = Explain {
        hops: &a.received.hops,
        our_ip: c.envelope.ip,
        spf_at_their_ip,
        arc: &c.arc_seals,
    };
    let mut differences = Vec::new();
    for ar in &receivers {
        differences.extend(compare(ar, c, &ex));
    }
    for d in &differences {
        cmp.push(
            Finding::new(
                FindingId::MessageAuthDisagreement,
                format!(
                    "{} recorded {}={}, we compute {} {}: {}",
                    sanitize::line(&d.receiver),
                    d.method,
                    sanitize::line(&d.theirs),
                    d.method,
                    sanitize::line(&d.ours),
                    d.reason
                ),
            )
            .with_evidence(serde_json::to_value(d).unwrap_or_default()),
        );
    }
    let outcome = if receivers.is_empty() {
        CheckOutcome::skipped(
            "receiver-results",
            "the message has no Authentication-Results header to compare with",
        )
    } else {
        cmp.done(format!(
            "our results beside {} receiver record(s): {} difference(s)",
            receivers.len(),
            differences.len()
        ))
    };
    (outcome, differences)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_spf_difference_names_the_ip_each_side_checked() {
        let ours: IpAddr = "137.22.225.77".parse().unwrap();
        let theirs: IpAddr = "91.198.174.2".parse().unwrap();
        let ex = Explain {
            hops: &[],
            our_ip: Some(ours),
            spf_at_their_ip: Some((theirs, "fail")),
            arc: &[],
        };
        // The receiver says fail, ours passes: it checked a forwarder in front of it.
        let why = ex.spf("mx.example", Some(theirs), false);
        assert!(
            why.contains("checked SPF for 91.198.174.2 (our SPF check at 91.198.174.2 gives fail)"),
            "{why}"
        );
        assert!(
            why.contains("forwarder or relay") && why.contains("137.22.225.77"),
            "{why}"
        );
        // Same IP on both sides: the record changed since delivery.
        assert!(ex
            .spf("mx.example", Some(ours), true)
            .contains("changed since delivery"));
        // DKIM the other way round: the receiver failed what verifies here.
        assert!(Explain::dkim("mx.example", None, false).contains("modified copy"));
        let arc = [(1, "fwd.example".to_string())];
        let ex = Explain { arc: &arc, ..ex };
        assert!(ex
            .dmarc(true)
            .contains("ARC-Seal present (i=1, d=fwd.example)"));
    }
}
