//! The authentication of a received message as we compute it ourselves, set beside what the
//! receivers recorded in their `Authentication-Results`: SPF through our engine for the
//! connecting IP and envelope sender, every DKIM signature verified, the From domain's DMARC
//! policy and the result with alignment; then, per receiver, where its verdict and ours differ
//! and the likely reason (forwarding, a footer added in transit, ARC).
//!
//! The envelope is read from the message: the connecting IP is the first external hop of the
//! Received chain ([`crate::message::received`]), the envelope sender the Return-Path (the
//! receiver's record of MAIL FROM), and for a null reverse-path (`<>`) SPF checks the HELO name
//! of that hop (RFC 7208 §2.4). Our results are evaluated *now*: a record changed since delivery
//! is one of the reasons a difference is given.

use std::net::IpAddr;

use serde::Serialize;

use super::alignment::{aligned, organizational_domain};
use super::dkim_verify::{self, FailReason, SignatureResult};
use super::evaluate::{self, Evaluation, Identifiers};
use super::Discovery;
use crate::check::{CheckOutcome, Context};
use crate::finding::FindingId;
use crate::finding::{Finding, Severity};
use crate::message::auth::AuthResults;
use crate::message::received::Hop;
use crate::message::Analysis;
use crate::sanitize;

/// The SMTP envelope of a received message, as far as its headers tell it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Envelope {
    /// The IP that handed the message to the recipient's systems.
    pub ip: Option<IpAddr>,
    /// The HELO/EHLO name that server gave (the `from` of its Received hop).
    pub helo: Option<String>,
    /// The envelope sender: `Some("")` for the null reverse-path, `None` when unknown.
    pub mail_from: Option<String>,
    /// Where `mail_from` came from: `return-path` or `authentication-results`.
    pub mail_from_source: Option<&'static str>,
}

/// Our SPF result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpfOutcome {
    /// The domain checked: the envelope sender's, or the HELO name for `<>`.
    pub domain: String,
    /// `mail-from` or `helo` (RFC 7208 §2.4).
    pub identity: &'static str,
    /// The IP checked.
    pub ip: IpAddr,
    /// `pass`, `fail`, `softfail`, `neutral`, `none`, `temperror`, `permerror`.
    pub result: &'static str,
}

/// Our DMARC result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DmarcOutcome {
    /// The RFC 5322.From domain.
    pub from_domain: String,
    /// `pass`, `fail`, `none` (no policy applies) or `unknown` (a lookup failed temporarily).
    pub result: &'static str,
    /// The policy that applies to a failure (`none`, `quarantine`, `reject`).
    pub policy: Option<&'static str>,
    /// The DKIM domains that pass and align.
    pub aligned_dkim: Vec<String>,
    /// The SPF domain, when it passes and aligns.
    pub aligned_spf: Option<String>,
}

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

/// Everything computed for one received message.
#[derive(Debug, Clone, Serialize)]
pub struct Computed {
    /// The envelope read from the headers.
    pub envelope: Envelope,
    /// Our SPF result (`None` when no connecting IP or envelope sender was found).
    pub spf: Option<SpfOutcome>,
    /// Our verification of each DKIM-Signature.
    pub dkim: Vec<SignatureResult>,
    /// Our DMARC result (`None` when the message has no From domain).
    pub dmarc: Option<DmarcOutcome>,
    /// The ARC sets (RFC 8617) on the message: instance and signing domain of each ARC-Seal.
    /// mailwhy does not verify ARC seals.
    pub arc_seals: Vec<(u32, String)>,
    /// Where a receiver's recorded verdict differs from ours.
    pub differences: Vec<Difference>,
}

/// The Return-Path of `raw` (the first one: the final delivery adds it), unfolded and without
/// angle brackets; `Some("")` for `<>`.
pub fn return_path(raw: &[u8]) -> Option<String> {
    header_values(raw, "return-path")
        .into_iter()
        .next()
        .map(|v| {
            let v = v.trim();
            let inner = match (v.find('<'), v.rfind('>')) {
                (Some(a), Some(b)) if a < b => &v[a + 1..b],
                _ => v,
            };
            inner.trim().to_string()
        })
}

/// The unfolded values of every header field named `name` (ASCII case-insensitive) in the
/// header section of `raw`, in order.
fn header_values(raw: &[u8], name: &str) -> Vec<String> {
    let raw = crate::message::skip_mbox_line(raw);
    let mut out: Vec<String> = Vec::new();
    let mut current: Option<String> = None;
    for line in raw.split(|b| *b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            if let Some(c) = current.as_mut() {
                c.push(' ');
                c.push_str(String::from_utf8_lossy(line).trim());
            }
            continue;
        }
        if let Some(c) = current.take() {
            out.push(c);
        }
        if let Some(colon) = line.iter().position(|b| *b == b':') {
            if line[..colon].eq_ignore_ascii_case(name.as_bytes()) {
                current = Some(
                    String::from_utf8_lossy(&line[colon + 1..])
                        .trim()
                        .to_string(),
                );
            }
        }
    }
    out.extend(current);
    out
}

/// The hop whose sender is `ip`, newest first (the chain is stored oldest first).
fn hop_from(hops: &[Hop], ip: IpAddr) -> Option<&Hop> {
    hops.iter().rev().find(|h| h.from_ip == Some(ip))
}

/// Reads the envelope from the message's headers.
pub fn envelope(raw: &[u8], a: &Analysis) -> Envelope {
    let ip = a.received.first_external_ip;
    let helo = ip
        .and_then(|ip| hop_from(&a.received.hops, ip))
        .and_then(|h| h.from.clone())
        .filter(|h| h.parse::<IpAddr>().is_err() && h.contains('.'))
        .map(|h| h.trim_end_matches('.').to_ascii_lowercase());
    let (mail_from, mail_from_source) = match return_path(raw) {
        Some(rp) => (Some(rp), Some("return-path")),
        None => {
            // No Return-Path (the copy was saved before final delivery): the receiver's record
            // of the envelope sender, if it wrote one.
            let recorded = a.authentication.iter().find_map(|ar| {
                ar.results
                    .iter()
                    .filter(|r| r.method == "spf")
                    .find_map(|r| r.properties.get("smtp.mailfrom").cloned())
            });
            match recorded {
                Some(m) => (Some(m), Some("authentication-results")),
                None => (None, None),
            }
        }
    };
    Envelope {
        ip,
        helo,
        mail_from,
        mail_from_source,
    }
}

/// The SPF identity to check: `(domain, sender address, identity)`, or why there is none.
fn spf_identity(env: &Envelope) -> Result<(String, String, &'static str), &'static str> {
    match env.mail_from.as_deref() {
        None => Err("the message shows no envelope sender (no Return-Path)"),
        Some("") => match &env.helo {
            Some(h) => Ok((h.clone(), String::new(), "helo")),
            None => Err("the envelope sender is null (<>) and the connecting server's HELO name is not recorded"),
        },
        Some(m) => {
            let domain = m.rsplit_once('@').map(|(_, d)| d).unwrap_or(m);
            let domain = domain.trim_end_matches('.').to_ascii_lowercase();
            if domain.is_empty() {
                return Err("the envelope sender has no domain");
            }
            let sender = if m.contains('@') {
                m.to_string()
            } else {
                format!("postmaster@{domain}")
            };
            Ok((domain, sender, "mail-from"))
        }
    }
}

async fn spf_at(ctx: &Context, ip: IpAddr, domain: &str, sender: &str, helo: &str) -> &'static str {
    crate::spf::check_host(ctx, ip, domain, sender, helo)
        .await
        .result
        .as_str()
}

/// True for an Authentication-Results header (not ARC-Authentication-Results or Received-SPF).
fn is_receiver_record(r: &AuthResults) -> bool {
    r.header.eq_ignore_ascii_case("authentication-results")
}

fn is_pass(r: &str) -> bool {
    r == "pass"
}

/// A result that says nothing either way (not evaluated, or a temporary error).
fn indeterminate(r: &str) -> bool {
    matches!(r, "temperror" | "unknown" | "")
}

/// The hop a receiver evaluated: the one whose `by` host is the authserv-id or in its
/// organizational domain, newest first.
fn receiver_hop<'h>(hops: &'h [Hop], authserv_id: &str) -> Option<&'h Hop> {
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
            .filter(|h| h.from_ip.is_some_and(crate::message::received::is_global))
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

/// The ARC-Seal sets of `raw`: `(i=, d=)` each, by instance.
pub fn arc_seals(raw: &[u8]) -> Vec<(u32, String)> {
    let mut out: Vec<(u32, String)> = header_values(raw, "arc-seal")
        .iter()
        .map(|v| {
            let tag = |t: &str| {
                v.split(';').find_map(|p| {
                    p.trim()
                        .strip_prefix(t)
                        .and_then(|r| r.trim_start().strip_prefix('='))
                        .map(|x| x.trim().to_string())
                })
            };
            (
                tag("i").and_then(|i| i.parse().ok()).unwrap_or(0),
                tag("d").unwrap_or_default(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Authenticates the received message `raw` (already read into `a`): the checks `spf`,
/// `dkim-signatures`, `dmarc` (the From domain's policy), `dmarc-result` and `receiver-results`,
/// and the computed results.
pub async fn check(ctx: &Context, raw: &[u8], a: &Analysis) -> (Vec<CheckOutcome>, Computed) {
    let env = envelope(raw, a);
    let raw = crate::message::skip_mbox_line(raw);
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
        let result = spf_at(ctx, ip, &domain, &sender, &helo).await;
        if result == "temperror" {
            c.push(
                Finding::new(FindingId::SpfTemporaryError,
                    format!(
                        "The SPF check of {} for {ip} hit a temporary DNS error, so the message's SPF result is unknown.",
                        sanitize::line(&domain)
                    )).with_remedy("Run the check again later; if it persists, the domain's DNS admin checks that its name servers answer.")
                .with_evidence(serde_json::json!({"domain": domain, "ip": ip})),
            );
            c.inconclusive(format!("the SPF check of {domain} failed temporarily"));
        }
        // For a receiver that saw another IP (a forwarder in between), SPF at that IP too, so a
        // difference can be explained with a result rather than a guess.
        let theirs = a
            .authentication
            .iter()
            .filter(|r| is_receiver_record(r))
            .filter_map(|r| receiver_hop(&a.received.hops, &r.authserv_id).and_then(|h| h.from_ip))
            .find(|t| *t != ip && crate::message::received::is_global(*t));
        let at_theirs = match theirs {
            Some(t) => Some((t, spf_at(ctx, t, &domain, &sender, &helo).await)),
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
            }),
            at_theirs,
        )
    };
    let dkim_fut = dkim_verify::verify(ctx, raw);
    let dmarc_fut = async {
        match &from_domain {
            Some(d) => {
                let (c, disc) = super::check_dmarc(ctx, d).await;
                (c, Some(disc))
            }
            None => (
                CheckOutcome::skipped("dmarc", "the message has no From domain"),
                None,
            ),
        }
    };
    let ((spf_c, spf, spf_theirs), (dkim_c, dkim), (dmarc_c, discovery)) =
        futures::join!(spf_fut, dkim_fut, dmarc_fut);

    let mut c = CheckOutcome::start("dmarc-result");
    let dmarc = match (&from_domain, &discovery) {
        (Some(from), Some(disc)) => Some(dmarc_result(&mut c, from, disc, spf.as_ref(), &dkim, a)),
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
        arc_seals: arc_seals(raw),
        differences: vec![],
    };
    let mut cmp = CheckOutcome::start("receiver-results");
    let receivers: Vec<&AuthResults> = a
        .authentication
        .iter()
        .filter(|r| is_receiver_record(r))
        .collect();
    let ex = Explain {
        hops: &a.received.hops,
        our_ip: computed.envelope.ip,
        spf_at_their_ip: spf_theirs,
        arc: &computed.arc_seals,
    };
    let mut differences = Vec::new();
    for ar in &receivers {
        differences.extend(compare(ar, &computed, &ex));
    }
    for d in &differences {
        cmp.push(
            Finding::new(FindingId::MessageAuthDisagreement,
                format!(
                    "{} recorded {}={}, we compute {} {}: {}",
                    sanitize::line(&d.receiver),
                    d.method,
                    sanitize::line(&d.theirs),
                    d.method,
                    sanitize::line(&d.ours),
                    d.reason
                )).with_remedy("Nothing to change for this difference itself: it tells where the message changed on the way. Act on the dmarc, dkim or spf findings, if any.")
            .with_evidence(serde_json::to_value(d).unwrap_or_default()),
        );
    }
    let cmp_c = if receivers.is_empty() {
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
    computed.differences = differences;
    (vec![spf_c, dkim_c, dmarc_c, result_c, cmp_c], computed)
}

/// The DMARC result and its findings (`dmarc.fail`, `dmarc.not-aligned`).
fn dmarc_result(
    c: &mut crate::check::OutcomeBuilder,
    from: &str,
    disc: &Discovery,
    spf: Option<&SpfOutcome>,
    dkim: &[SignatureResult],
    a: &Analysis,
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
        },
    );
    // A fail is only certain when nothing that could have passed aligned was left unknown.
    let adkim = record.map(|r| r.dkim_alignment()).unwrap_or_default();
    let aspf = record.map(|r| r.spf_alignment()).unwrap_or_default();
    let unknown = matches!(disc, Discovery::Unknown)
        || (e.result == "fail"
            && (dkim
                .iter()
                .any(|s| s.result == "temperror" && aligned(&s.domain, from, adkim))
                || spf.is_some_and(|s| s.result == "temperror" && aligned(&s.domain, from, aspf))));
    let result: &'static str = if e.result == "pass" {
        "pass"
    } else if unknown {
        "unknown"
    } else {
        e.result
    };
    let policy = e.policy.map(|p| p.as_str());
    let out = DmarcOutcome {
        from_domain: from.to_string(),
        result,
        policy,
        aligned_dkim: e.aligned_dkim.clone(),
        aligned_spf: e.aligned_spf.clone(),
    };
    if result == "unknown" {
        c.inconclusive("a lookup DMARC depends on failed temporarily");
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
            if is_pass(result) && !aligned(domain, from, mode) {
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
            )).with_remedy("The vendor's mail admin makes the mail pass DMARC: sign every message with DKIM for the From domain (d= the From domain or a subdomain, key published under it) and, if possible, use a return-path on the From domain that SPF authorizes for the sending servers. DKIM aligned with From is what survives forwarding.")
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
    let spf_unaligned = spf.filter(|s| is_pass(s.result) && !aligned(&s.domain, from, aspf));
    let dkim_unaligned: Vec<&SignatureResult> = dkim
        .iter()
        .filter(|s| is_pass(s.result) && !aligned(&s.domain, from, adkim))
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
                    if adkim == super::dmarc::AlignmentMode::Strict || aspf == super::dmarc::AlignmentMode::Strict { "strict" } else { "relaxed" }
                )).with_remedy("The vendor's mail admin has its sending service sign with DKIM for the From domain (publish the service's key under SELECTOR._domainkey.FROM-DOMAIN) or use a return-path on the From domain.")
            .with_evidence(serde_json::json!({"from": from, "unaligned_dkim": dkim_unaligned.iter().map(|s| &s.domain).collect::<Vec<_>>(), "unaligned_spf": spf_unaligned.map(|s| &s.domain), "adkim": adkim, "aspf": aspf})),
        );
    }
    out
}

/// Text lines setting our results beside each receiver's.
pub fn lines(c: &Computed, receivers: &[AuthResults]) -> Vec<String> {
    let mut out = Vec::new();
    let env = &c.envelope;
    out.push(format!(
        "envelope: connecting IP {}, HELO {}, envelope sender {}",
        env.ip
            .map(|i| i.to_string())
            .unwrap_or_else(|| "unknown".into()),
        env.helo.as_deref().unwrap_or("unknown"),
        match env.mail_from.as_deref() {
            None => "unknown".to_string(),
            Some("") => "<> (null: SPF checks the HELO name)".to_string(),
            Some(m) => format!(
                "{m} (from the {})",
                env.mail_from_source.unwrap_or("headers")
            ),
        }
    ));
    let theirs = |method: &str| -> String {
        receivers
            .iter()
            .filter(|r| is_receiver_record(r))
            .map(|r| {
                let v: Vec<String> = r
                    .results
                    .iter()
                    .filter(|m| m.method == method)
                    .map(|m| match m.properties.get("header.d") {
                        Some(d) if method == "dkim" => format!("{} (d={d})", m.result),
                        _ => m.result.clone(),
                    })
                    .collect();
                format!(
                    "{}: {}",
                    if r.authserv_id.is_empty() {
                        "receiver"
                    } else {
                        &r.authserv_id
                    },
                    if v.is_empty() {
                        "-".into()
                    } else {
                        v.join(", ")
                    }
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let with = |s: String| {
        if receivers.iter().any(is_receiver_record) {
            s
        } else {
            "no Authentication-Results".into()
        }
    };
    out.push(format!(
        "SPF    ours: {} | {}",
        c.spf
            .as_ref()
            .map(|s| format!("{} ({} {} at {})", s.result, s.identity, s.domain, s.ip))
            .unwrap_or_else(|| "not checkable".into()),
        with(theirs("spf"))
    ));
    out.push(format!(
        "DKIM   ours: {} | {}",
        if c.dkim.is_empty() {
            "no signature".to_string()
        } else {
            c.dkim
                .iter()
                .map(|s| format!("{} (d={}, s={})", s.result, s.domain, s.selector))
                .collect::<Vec<_>>()
                .join(", ")
        },
        with(theirs("dkim"))
    ));
    out.push(format!(
        "DMARC  ours: {} | {}",
        c.dmarc
            .as_ref()
            .map(|d| {
                let mut through = d
                    .aligned_dkim
                    .iter()
                    .map(|x| format!("DKIM {x}"))
                    .collect::<Vec<_>>();
                through.extend(d.aligned_spf.iter().map(|x| format!("SPF {x}")));
                format!(
                    "{} (From {}, p={}{})",
                    d.result,
                    d.from_domain,
                    d.policy.unwrap_or("-"),
                    if through.is_empty() {
                        String::new()
                    } else {
                        format!(", aligned: {}", through.join(", "))
                    }
                )
            })
            .unwrap_or_else(|| "no From domain".into()),
        with(theirs("dmarc"))
    ));
    for (i, d) in &c.arc_seals {
        out.push(format!(
            "ARC    seal i={i} by {d}: a forwarder vouched for the results it saw (seals are not verified by mailwhy)"
        ));
    }
    for d in &c.differences {
        out.push(format!(
            "differs: {} {}={} vs ours {}: {}",
            d.receiver, d.method, d.theirs, d.ours, d.reason
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_path_reads_null_and_folded_values() {
        assert_eq!(
            return_path(b"Received: x\r\nReturn-Path: <>\r\n\r\nbody"),
            Some(String::new())
        );
        assert_eq!(
            return_path(b"return-path:\r\n <b@x.example>\r\nReturn-Path: <old@y.example>\r\n\r\n"),
            Some("b@x.example".into())
        );
        assert_eq!(
            return_path(b"From: a@b.example\r\n\r\nReturn-Path: <x@y>"),
            None
        );
    }

    #[test]
    fn a_null_sender_checks_the_helo_name() {
        let env = Envelope {
            ip: Some("137.22.225.77".parse().unwrap()),
            helo: Some("out.example.com".into()),
            mail_from: Some(String::new()),
            mail_from_source: Some("return-path"),
        };
        assert_eq!(
            spf_identity(&env),
            Ok(("out.example.com".into(), String::new(), "helo"))
        );
        let env = Envelope { helo: None, ..env };
        assert!(spf_identity(&env).is_err());
    }

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

    #[test]
    fn arc_seals_are_listed_by_instance() {
        let raw = b"ARC-Seal: i=2; a=rsa-sha256; cv=pass; d=b.example; s=s\r\nARC-Seal: i=1; cv=none;\r\n d=a.example; s=s\r\n\r\n";
        assert_eq!(
            arc_seals(raw),
            vec![(1, "a.example".to_string()), (2, "b.example".to_string())]
        );
    }
}
