//! Our own SPF, DKIM and DMARC results for a received message, evaluated *now*: SPF through
//! our engine for the envelope, every DKIM signature verified by mail-auth with keys from our
//! DNS layer, the From domain's DMARC policy and the result with alignment. The comparison with
//! the receivers is [`super::compare`]'s.

use std::net::IpAddr;

use super::compare::{self, receiver_hop};
use super::headers::{arc_seals, envelope, spf_identity};
use super::{is_pass, is_receiver_record, Computed, DmarcOutcome, SpfOutcome, Verified};
use crate::auth::alignment::{aligned, OrgDomains};
use crate::auth::dkim_verify::{self, SignatureResult};
use crate::auth::dmarc::AlignmentMode;
use crate::auth::evaluate::{self, Evaluation, Identifiers};
use crate::auth::{Discovery, DmarcChecked};
use crate::check::{lookup_failed_why, CheckOutcome, Context};
use crate::finding::{Finding, FindingId, Severity};
use crate::message::received_chain;
use crate::message::{Analysis, Parsed};
use crate::sanitize;

/// The SPF result at `ip`, and for a temperror the lookup that failed (`("NAME TYPE", outcome)`).
async fn spf_at(
    ctx: &Context,
    ip: IpAddr,
    domain: &str,
    sender: &str,
    helo: &str,
) -> (&'static str, Option<(String, String)>) {
    let r = crate::spf::check_host(ctx, ip, domain, sender, helo).await;
    let failed = crate::spf::failed_lookup(&r).map(|(q, o)| (q, o.to_string()));
    (r.result.as_str(), failed)
}

/// Authenticates the received message `msg` (already read into `a`): the checks `spf`,
/// `dkim-signatures`, `dmarc` (the From domain's policy), `dmarc-result` and `receiver-results`,
/// and the computed results.
///
/// A From domain whose policy is in `dmarc_checked` (checked earlier in the run, e.g. for the
/// sender profile) is not asked or reported again: its discovery is reused, and the `dmarc`
/// check repeats the first one's status without its findings.
pub async fn check(
    ctx: &Context,
    msg: &Parsed<'_>,
    a: &Analysis,
    dmarc_checked: &[DmarcChecked],
) -> Verified {
    let env = envelope(msg, a);
    let from_domain = a.sender.from_domain.clone();
    let spf_fut = async {
        let mut c = CheckOutcome::start("spf");
        let Some(ip) = env.ip else {
            return (
                CheckOutcome::skipped(
                    "spf",
                    "no connecting IP: the Received chain has no public address",
                ),
                None,
                None,
            );
        };
        let (domain, sender, identity) = match spf_identity(&env) {
            Ok(x) => x,
            Err(why) => return (CheckOutcome::skipped("spf", why), None, None),
        };
        let helo = env.helo.clone().unwrap_or_else(|| domain.clone());
        let (result, failed) = spf_at(ctx, ip, &domain, &sender, &helo).await;
        if result == "temperror" {
            c.push(
                Finding::new(FindingId::SpfTemporaryError,
                    format!(
                        "The SPF check of {} for {ip} hit a temporary DNS error, so the message's SPF result is unknown.",
                        sanitize::line(&domain)
                    )).with_remedy("Run the check again later; if it persists, the domain's DNS admin checks that its name servers answer.")
                .with_evidence(serde_json::json!({"domain": domain, "ip": ip})),
            );
            let needed_for = format!("the message's SPF result ({domain} for {ip})");
            match &failed {
                Some((question, outcome)) => {
                    c.inconclusive(lookup_failed_why(question, outcome, &needed_for))
                }
                None => c.inconclusive(format!(
                    "the SPF check of {domain} for {ip} failed temporarily: try again in a few minutes"
                )),
            }
        }
        // For a receiver that saw another IP (a forwarder in between), SPF at that IP too, so a
        // difference can be explained with a result rather than a guess.
        let theirs = a
            .authentication
            .iter()
            .filter(|r| is_receiver_record(r))
            .filter_map(|r| receiver_hop(&a.received.hops, &r.authserv_id).and_then(|h| h.from_ip))
            .find(|t| *t != ip && received_chain::is_global(*t));
        let at_theirs = match theirs {
            Some(t) => Some((t, spf_at(ctx, t, &domain, &sender, &helo).await.0)),
            None => None,
        };
        let via = if identity == "helo" {
            format!(" (null envelope sender: HELO name {domain}, RFC 7208 §2.4)")
        } else {
            String::new()
        };
        (
            c.done(format!(
                "SPF {result} for {} at {ip}{via}",
                sanitize::line(&domain)
            )),
            Some(SpfOutcome {
                domain,
                identity,
                ip,
                result,
                failed_lookup: failed,
            }),
            at_theirs,
        )
    };
    let authenticated = msg.authenticated();
    let dkim_fut = dkim_verify::verify(ctx, &authenticated);
    let dmarc_fut = async {
        let Some(d) = &from_domain else {
            let skipped = CheckOutcome::skipped("dmarc", "the message has no From domain");
            return (skipped, None, None);
        };
        match dmarc_checked.iter().find(|k| k.is_for(d)) {
            Some(known) => (
                known.outcome.repeated(),
                Some(known.discovery.clone()),
                None,
            ),
            None => {
                let (c, disc) = crate::auth::check_dmarc(ctx, d).await;
                let checked = DmarcChecked::new(d, &c, disc.clone());
                (c, Some(disc), Some(checked))
            }
        }
    };
    let ((spf_c, spf, spf_theirs), (dkim_c, dkim), (dmarc_c, discovery, dmarc_checked)) =
        futures::join!(spf_fut, dkim_fut, dmarc_fut);

    let mut c = CheckOutcome::start("dmarc-result");
    let dmarc = match (&from_domain, &discovery) {
        (Some(from), Some(disc)) => {
            // Relaxed alignment compares organizational domains by the RFC 9989 tree walk from
            // each identifier; the From domain's is discovery's.
            let mut known = OrgDomains::default();
            if let Discovery::Found { org_domain, .. } = disc {
                known.insert(from, Some(org_domain.clone()));
            }
            // Collected before the await: a borrowing iterator would not be Send.
            let ids: Vec<String> = std::iter::once(from.clone())
                .chain(spf.iter().map(|s| s.domain.clone()))
                .chain(dkim.iter().map(|s| s.domain.clone()))
                .collect();
            let orgs = crate::auth::org_domain::lookup(ctx, ids, known, &mut c).await;
            Some(dmarc_result(
                &mut c,
                from,
                disc,
                spf.as_ref(),
                &dkim,
                a,
                &orgs,
            ))
        }
        _ => None,
    };
    let detail = match &dmarc {
        Some(d) => format!(
            "DMARC {} for From {}",
            d.result,
            sanitize::line(&d.from_domain)
        ),
        None => "no From domain".to_string(),
    };
    let result_c = c.done(detail);
    // A signature broken in transit costs nothing when DMARC passes all the same (through SPF or
    // another signature): a warning about the modifying gateway, not the cause of a lost email.
    let mut dkim_c = dkim_c;
    if dmarc.as_ref().is_some_and(|d| d.result == "pass") {
        for f in dkim_c
            .findings
            .iter_mut()
            .filter(|f| f.id == FindingId::DkimSignatureFailed)
        {
            f.severity = Severity::Warning;
            f.detail
                .push_str(" DMARC still passes through another aligned result.");
        }
    }

    let mut computed = Computed {
        envelope: env,
        spf,
        dkim,
        dmarc,
        arc_seals: arc_seals(msg),
        differences: vec![],
    };
    let (cmp_c, differences) = compare::check_receivers(a, &computed, spf_theirs);
    computed.differences = differences;
    Verified {
        outcomes: vec![spf_c, dkim_c, dmarc_c, result_c, cmp_c],
        computed,
        dmarc: dmarc_checked,
    }
}

/// The DMARC result and its findings (`dmarc.fail`, `dmarc.not-aligned`).
fn dmarc_result(
    c: &mut crate::check::OutcomeBuilder,
    from: &str,
    disc: &Discovery,
    spf: Option<&SpfOutcome>,
    dkim: &[SignatureResult],
    a: &Analysis,
    orgs: &OrgDomains,
) -> DmarcOutcome {
    let ids: Vec<(String, bool)> = dkim
        .iter()
        .map(|s| (s.domain.to_ascii_lowercase(), is_pass(s.result)))
        .collect();
    let (record, organizational) = match disc {
        Discovery::Found {
            record,
            organizational,
            ..
        } => (Some(record), *organizational),
        _ => (None, false),
    };
    let e: Evaluation = evaluate::evaluate(
        record,
        organizational,
        &Identifiers {
            from,
            dkim: &ids,
            spf: spf.map(|s| (s.domain.as_str(), is_pass(s.result))),
            orgs,
        },
    );
    // A fail is only certain when nothing that could have passed aligned was left unknown.
    let adkim = record.map(|r| r.dkim_alignment()).unwrap_or_default();
    let aspf = record.map(|r| r.spf_alignment()).unwrap_or_default();
    // What was left unknown, named as the lookup that failed.
    let dkim_unknown = dkim
        .iter()
        .find(|s| s.result == "temperror" && aligned(&s.domain, from, adkim, orgs));
    let spf_unknown =
        spf.filter(|s| s.result == "temperror" && aligned(&s.domain, from, aspf, orgs));
    let failed: Option<(String, String)> = match disc.failed_lookup() {
        Some((q, o)) => Some((q, o.to_string())),
        None if e.result != "fail" => None,
        None => match (dkim_unknown, spf_unknown) {
            (Some(s), _) => Some((
                format!("{}._domainkey.{} TXT", s.selector, s.domain),
                "temperror".to_string(),
            )),
            (None, Some(s)) => Some(
                s.failed_lookup
                    .clone()
                    .unwrap_or_else(|| (format!("{} TXT", s.domain), "temperror".to_string())),
            ),
            (None, None) => None,
        },
    };
    let unknown = failed.is_some();
    let result: &'static str = if e.result == "pass" {
        "pass"
    } else if unknown {
        "unknown"
    } else {
        e.result
    };
    // Discovery's policy refines evaluate's with np (From does not exist) and t=y (RFC 9989).
    let policy = match disc.policy_for(from) {
        Some(Ok(p)) => Some(p.as_str()),
        _ => e.policy.map(|p| p.as_str()),
    };
    // A passing identifier that RFC 9989 and RFC 7489 receivers align differently.
    let passing = spf
        .filter(|s| is_pass(s.result))
        .map(|s| ("SPF envelope domain ", s.domain.as_str(), aspf))
        .into_iter()
        .chain(
            dkim.iter()
                .filter(|s| is_pass(s.result))
                .map(|s| ("DKIM d=", s.domain.as_str(), adkim)),
        );
    let mut disagree: Vec<Finding> = Vec::new();
    for (what, id, mode) in passing {
        if let Some(f) = crate::auth::alignment_disagrees(what, id, from, mode, orgs) {
            if !disagree.iter().any(|x| x.detail == f.detail) {
                disagree.push(f);
            }
        }
    }
    for f in disagree {
        c.push(f);
    }
    let out = DmarcOutcome {
        from_domain: from.to_string(),
        result,
        policy,
        aligned_dkim: e.aligned_dkim.clone(),
        aligned_spf: e.aligned_spf.clone(),
    };
    if let (Some((question, outcome)), "unknown") = (&failed, result) {
        c.inconclusive(lookup_failed_why(
            question,
            outcome,
            &format!("the DMARC result of mail from {from}"),
        ));
        return out;
    }
    if result != "fail" {
        return out;
    }
    // "SPF pass for sendgrid.net (not aligned)": a result, and whether a pass counts for DMARC.
    let words = |method: &str, result: &str, domain: &str, mode| {
        format!(
            "{method} {result} for {}{domain}{}",
            if method == "DKIM" { "d=" } else { "" },
            if is_pass(result) && !aligned(domain, from, mode, orgs) {
                " (not aligned)"
            } else {
                ""
            }
        )
    };
    let spf_words = match spf {
        Some(s) => words("SPF", s.result, &s.domain, aspf),
        None => "SPF not checkable".into(),
    };
    let dkim_words = if dkim.is_empty() {
        "no DKIM signature".to_string()
    } else {
        dkim.iter()
            .map(|s| words("DKIM", s.result, &s.domain, adkim))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let receiver_pass = a
        .authentication
        .iter()
        .filter(|r| is_receiver_record(r))
        .flat_map(|r| r.results.iter().map(move |m| (r, m)))
        .find(|(_, m)| m.method == "dmarc" && m.result == "pass")
        .map(|(r, _)| r.authserv_id.clone());
    let accepted = match &receiver_pass {
        Some(r) => format!(
            " {} recorded dmarc=pass all the same (see the receiver-results check for why).",
            sanitize::line(r)
        ),
        None => String::new(),
    };
    let policy_words = policy.unwrap_or("none");
    c.push(
        Finding::new(FindingId::DmarcFail,
            format!(
                "This message fails DMARC for From {}: {spf_words}; {dkim_words}. The domain's policy is p={policy_words}, so receivers {}.{accepted}",
                sanitize::line(from),
                match policy_words {
                    "reject" => "refuse such mail",
                    "quarantine" => "send such mail to spam or quarantine",
                    _ => "only report it, but often treat it as suspicious",
                },
            ))
        .with_severity(if receiver_pass.is_some() { Severity::Warning } else { Severity::Error })
        .with_evidence(serde_json::json!({
            "from": from,
            "policy": policy,
            "spf": spf,
            "dkim": dkim.iter().map(|s| serde_json::json!({"domain": s.domain, "selector": s.selector, "result": s.result})).collect::<Vec<_>>(),
            "adkim": adkim,
            "aspf": aspf,
            "receiver_dmarc_pass": receiver_pass,
        })),
    );
    let spf_unaligned = spf.filter(|s| is_pass(s.result) && !aligned(&s.domain, from, aspf, orgs));
    let dkim_unaligned: Vec<&SignatureResult> = dkim
        .iter()
        .filter(|s| is_pass(s.result) && !aligned(&s.domain, from, adkim, orgs))
        .collect();
    if spf_unaligned.is_some() || !dkim_unaligned.is_empty() {
        let mut passed: Vec<String> = dkim_unaligned
            .iter()
            .map(|s| format!("DKIM d={}", s.domain))
            .collect();
        if let Some(s) = spf_unaligned {
            passed.push(format!("SPF for {}", s.domain));
        }
        c.push(
            Finding::new(FindingId::DmarcNotAligned,
                format!(
                    "{} passed, but for another domain than From {}: DMARC counts only results aligned with the From domain ({} alignment), so the passes do not help.",
                    sanitize::line(&passed.join(" and ")),
                    sanitize::line(from),
                    if adkim == AlignmentMode::Strict || aspf == AlignmentMode::Strict { "strict" } else { "relaxed" }
                )).with_remedy("The vendor's mail admin has its sending service sign with DKIM for the From domain (publish the service's key under SELECTOR._domainkey.FROM-DOMAIN) or use a return-path on the From domain.")
            .with_evidence(serde_json::json!({"from": from, "unaligned_dkim": dkim_unaligned.iter().map(|s| &s.domain).collect::<Vec<_>>(), "unaligned_spf": spf_unaligned.map(|s| &s.domain), "adkim": adkim, "aspf": aspf})),
        );
    }
    out
}
