//! SPF (RFC 7208): a strict parser with positions, `check_host()` with macros, limits and a full
//! trace, flattening to networks, and the `spf.*` findings.
//!
//! The submodules own one concern each: [`parse`](mod@parse) the grammar, [`macros`] macro strings, `eval`
//! evaluation with its trace, `flatten` the networks a domain authorizes. This module turns
//! their results into findings ([`check_domain`]) and into the `mailwhy spf` report ([`report`]).
//! Every evaluation goes through the shared DNS layer of the [`Context`], so checking many IPs
//! against one domain asks each DNS question once.
//!
//! ```no_run
//! # async fn demo(ctx: &mailwhy::check::Context) {
//! let r = mailwhy::spf::check_host(ctx, "192.0.2.1".parse().unwrap(), "example.com",
//!     "bounce@example.com", "mail.example.com").await;
//! println!("{} after {} lookups", r.result, r.lookups);
//! # }
//! ```

pub(crate) mod eval;
pub(crate) mod flatten;
pub mod macros;
pub mod parse;
pub(crate) mod vendor;

use std::net::IpAddr;
use std::time::Instant;

use serde_json::json;

use crate::check::{CheckOutcome, Context};
use crate::finding::FindingId;
use crate::finding::{Finding, Severity};
use crate::report::{Report, Stats};

pub use eval::{
    check_host, check_host_with, Identity, Limits, Options, Problem, Question, SpfResult, Step,
    StepOutcome, Trace, Verdict,
};
pub use flatten::{flatten, Flattened};
pub use parse::{parse, Record, SyntaxError};

/// The address used to evaluate a record when no IP is given: from TEST-NET-1 (RFC 5737), which
/// no real sender uses, so evaluation walks the record to its end the way a receiver does for an
/// unauthorized server.
pub(crate) const PROBE_IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));

/// The DNS lookup that made `r` give temperror, as `("NAME TYPE", outcome)`: what a check
/// built on the result names when it becomes inconclusive.
pub(crate) fn failed_lookup(r: &SpfResult) -> Option<(String, &str)> {
    match (&r.problem, r.result) {
        (
            Some(Problem::Dns {
                name,
                rtype,
                outcome,
            }),
            Verdict::TempError,
        ) => Some((format!("{name} {rtype}"), outcome.as_str())),
        _ => None,
    }
}

/// Everything `mailwhy spf` shows about a domain.
#[derive(Debug, Clone)]
pub struct Inspection {
    /// The check outcome with the `spf.*` findings.
    pub outcome: CheckOutcome,
    /// The selected record, when there is exactly one.
    pub record: Option<String>,
    /// The evaluation with `PROBE_IP` (record-level problems).
    pub probe: SpfResult,
    /// One evaluation per IP asked about.
    pub results: Vec<(IpAddr, SpfResult)>,
    /// The networks the domain authorizes.
    pub flattened: Flattened,
}

/// The `spf` check: the domain's record problems and, per IP, whether it may send.
/// `sender` is the MAIL FROM address (default `postmaster@DOMAIN`), `helo` the HELO name (default
/// DOMAIN).
pub async fn check_domain(
    ctx: &Context,
    domain: &str,
    ips: &[IpAddr],
    sender: Option<&str>,
    helo: Option<&str>,
) -> CheckOutcome {
    inspect(ctx, domain, ips, sender, helo).await.outcome
}

/// [`check_domain`] with the trace, the per-IP results and the flattened networks.
pub async fn inspect(
    ctx: &Context,
    domain: &str,
    ips: &[IpAddr],
    sender: Option<&str>,
    helo: Option<&str>,
) -> Inspection {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let default_sender = format!("postmaster@{domain}");
    let sender = sender.unwrap_or(&default_sender);
    let helo = helo.unwrap_or(&domain);
    let mut c = CheckOutcome::start("spf");
    let probe = check_host(ctx, PROBE_IP, &domain, sender, helo).await;
    let record = probe.trace.record.clone();
    record_findings(&mut c, &domain, &probe);
    let mut results = Vec::new();
    for &ip in ips {
        let r = check_host(ctx, ip, &domain, sender, helo).await;
        ip_findings(&mut c, &domain, ip, &r, &probe);
        results.push((ip, r));
    }
    let flattened = if record.is_some() {
        flatten(ctx, &domain).await
    } else {
        Flattened::default()
    };
    let detail = match (&record, probe.result) {
        (None, Verdict::TempError) => format!("SPF of {domain}: lookup failed"),
        (None, _) => format!("SPF of {domain}: no record"),
        (Some(_), v) => format!(
            "SPF of {domain}: {} DNS-querying terms, {} void lookups{}",
            probe.lookups,
            probe.void_lookups,
            match v {
                Verdict::PermError | Verdict::TempError => format!(", {v}"),
                _ => String::new(),
            }
        ),
    };
    Inspection {
        outcome: c.done(detail),
        record,
        probe,
        results,
        flattened,
    }
}

fn trace_json(t: &Trace) -> serde_json::Value {
    serde_json::to_value(t).unwrap_or_default()
}

pub(super) fn record_findings(
    c: &mut crate::check::OutcomeBuilder,
    domain: &str,
    probe: &SpfResult,
) {
    problem_findings(c, domain, probe);
    text_findings(c, domain, probe);
}

/// The finding for what made an evaluation end in permerror or temperror, and `spf.missing`.
fn problem_findings(c: &mut crate::check::OutcomeBuilder, domain: &str, probe: &SpfResult) {
    let rec = probe.trace.record.as_deref();
    match &probe.problem {
        Some(Problem::MultipleRecords { domain: d, records }) => c.push(
            Finding::new(FindingId::SpfMultipleRecords,
                format!("{d} publishes {} SPF records; receivers give permerror.", records.len()))
            .with_evidence(json!({"domain": d, "records": records})),
        ),
        Some(Problem::Syntax { domain: d, record, error }) => c.push(
            Finding::new(FindingId::SpfSyntaxError,
                format!(
                    "The SPF record of {d} does not parse: {} (term {:?} at byte {}).",
                    error.kind, error.term, error.position
                )).with_remedy("Correct the term shown in the evidence, then run `mailwhy spf` again.")
            .with_evidence(json!({"domain": d, "record": record, "term": error.term,
                "position": error.position, "error": error.kind.to_string()})),
        ),
        Some(Problem::NotAscii { domain: d }) => c.push(
            Finding::new(FindingId::SpfSyntaxError,
                format!("The SPF record of {d} contains bytes that are not ASCII text.")).with_remedy("Retype the record in plain ASCII (no smart quotes, no invisible characters).")
            .with_evidence(json!({"domain": d, "record": rec})),
        ),
        Some(Problem::LookupLimit { term, domain: d }) => c.push(
            Finding::new(FindingId::SpfLookupLimitExceeded,
                format!(
                    "Evaluating the SPF record of {domain} needs more than 10 DNS-querying terms; \
                     the limit is reached at {term:?} in the record of {d}."
                ))
            .with_evidence(json!({"domain": domain, "term": term, "in": d,
                "per_include": lookups_per_include(&probe.trace), "trace": trace_json(&probe.trace)})),
        ),
        Some(Problem::VoidLookupLimit { term, domain: d, voids }) => c.push(
            Finding::new(FindingId::SpfVoidLookupLimitExceeded,
                format!(
                    "Evaluating the SPF record of {domain} hits more than 2 lookups that return nothing \
                     (the third at {term:?} in the record of {d})."
                ))
            .with_evidence(json!({"domain": domain, "void_lookups": voids})),
        ),
        Some(Problem::Dns { name, rtype, outcome }) if probe.result == Verdict::TempError => {
            c.push(
                Finding::new(FindingId::SpfTemporaryError,
                    format!("Evaluating the SPF record of {domain} hit a DNS failure: {name} {rtype} gave {outcome}.")).with_remedy("Run the check again later; if it persists, check the name servers of the domain in the evidence.")
                .with_evidence(json!({"domain": domain, "question": format!("{name} {rtype}"), "outcome": outcome})),
            );
            c.inconclusive(crate::check::lookup_failed_why(
                &format!("{name} {rtype}"),
                outcome,
                &format!("the SPF record of {domain}"),
            ));
        }
        Some(p @ (Problem::MxLimit { .. } | Problem::TargetWithoutRecord { .. } | Problem::InvalidTarget { .. })) => {
            let what = match p {
                Problem::MxLimit { domain: d, count } => format!("{d} has {count} MX records; an mx term allows at most 10"),
                Problem::TargetWithoutRecord { via, domain: d } => format!("the {via} target {d} publishes no SPF record"),
                Problem::InvalidTarget { name } => format!("the target {name:?} is not a valid domain name"),
                _ => String::new(),
            };
            c.push(
                Finding::new(FindingId::SpfPermanentError,
                    format!("The SPF record of {domain} gives permerror: {what}."))
                .with_evidence(json!({"domain": domain, "problem": p, "trace": trace_json(&probe.trace)})),
            )
        }
        _ => {}
    }
    if probe.result == Verdict::None {
        let failed = probe
            .trace
            .fetch
            .as_ref()
            .is_some_and(|q| matches!(q.outcome(), "servfail" | "refused" | "timeout"));
        if !failed {
            c.push(
                Finding::new(
                    FindingId::SpfMissing,
                    format!("{domain} publishes no SPF record ({}).", probe.trace.reason),
                )
                .with_evidence(json!({"domain": domain, "lookup": probe.trace.fetch})),
            );
        }
    }
}

/// Findings about the text of every record the evaluation read (`+all`, `ptr`).
fn text_findings(c: &mut crate::check::OutcomeBuilder, domain: &str, probe: &SpfResult) {
    let mut records = vec![];
    collect_records(&probe.trace, &mut records);
    for (d, text) in records {
        let Ok(r) = parse::parse(&text) else { continue };
        for dir in r.directives() {
            let term = r.term_text(dir.span);
            match (&dir.mechanism, dir.qualifier) {
                (parse::Mechanism::All, parse::Qualifier::Pass | parse::Qualifier::Neutral)
                    if d == domain =>
                {
                    c.push(
                        Finding::new(FindingId::SpfPermissiveAll,
                            format!("The SPF record of {domain} ends in {term:?}, so it does not restrict who may send as the domain."))
                        .with_evidence(json!({"domain": domain, "record": text, "term": term, "position": dir.span.start})),
                    );
                }
                (parse::Mechanism::Ptr { .. }, _) => c.push(
                    Finding::new(FindingId::SpfPtrMechanism,
                        format!("The SPF record of {d} uses {term:?}, which RFC 7208 says should not be used."))
                    .with_evidence(json!({"domain": d, "record": text, "term": term, "position": dir.span.start})),
                ),
                _ => {}
            }
        }
    }
}

fn collect_records(t: &Trace, out: &mut Vec<(String, String)>) {
    if let Some(r) = &t.record {
        if !out.iter().any(|(d, _)| *d == t.domain) {
            out.push((t.domain.clone(), r.clone()));
        }
    }
    for s in &t.steps {
        if let Some(child) = &s.target {
            collect_records(child, out);
        }
    }
}

/// DNS-querying terms spent inside each include/redirect of the top record.
fn lookups_per_include(t: &Trace) -> serde_json::Value {
    let mut prev = 0;
    let mut out = serde_json::Map::new();
    for s in &t.steps {
        out.insert(s.term.to_string(), json!(s.lookups - prev));
        prev = s.lookups;
    }
    serde_json::Value::Object(out)
}

fn ip_findings(
    c: &mut crate::check::OutcomeBuilder,
    domain: &str,
    ip: IpAddr,
    r: &SpfResult,
    probe: &SpfResult,
) {
    match r.result {
        Verdict::Fail | Verdict::SoftFail => {
            let mut f = Finding::new(FindingId::SpfIpNotAuthorized,
                format!(
                    "{ip} gets {} from the SPF record of {domain}: {}.",
                    r.result, r.trace.reason
                ))
            .with_evidence(json!({"ip": ip, "result": r.result, "explanation": r.explanation,
                "lookups": r.lookups, "void_lookups": r.void_lookups, "trace": trace_json(&r.trace)}));
            if r.result == Verdict::SoftFail {
                f = f.with_severity(Severity::Warning);
            }
            c.push(f);
        }
        Verdict::TempError => {
            if let Some(Problem::Dns {
                name,
                rtype,
                outcome,
            }) = &r.problem
            {
                if probe.result != Verdict::TempError {
                    c.push(
                        Finding::new(FindingId::SpfTemporaryError,
                            format!("Evaluating SPF for {ip} hit a DNS failure: {name} {rtype} gave {outcome}.")).with_remedy("Run the check again later; if it persists, check the name servers of the domain in the evidence.")
                        .with_evidence(json!({"ip": ip, "question": format!("{name} {rtype}"), "outcome": outcome})),
                    );
                }
                c.inconclusive(crate::check::lookup_failed_why(
                    &format!("{name} {rtype}"),
                    outcome,
                    &format!("whether {ip} may send for {domain} (SPF)"),
                ));
            }
        }
        Verdict::PermError if probe.result != Verdict::PermError => {
            // A permerror reached only for this IP (e.g. a void lookup in a branch the probe
            // did not take): report it like a record problem.
            problem_findings(c, domain, r);
        }
        _ => {}
    }
}

/// Renders a trace as an indented tree, one line per record and per term.
pub fn render_trace(t: &Trace) -> Vec<String> {
    let mut out = vec![];
    render_into(t, 0, &mut out);
    out
}

fn render_into(t: &Trace, depth: usize, out: &mut Vec<String>) {
    let pad = "  ".repeat(depth);
    match &t.record {
        Some(r) => out.push(format!("{pad}{}: \"{r}\" => {}", t.domain, t.result)),
        None => out.push(format!("{pad}{}: {} => {}", t.domain, t.reason, t.result)),
    }
    for s in &t.steps {
        let what = match s.outcome {
            StepOutcome::Match => "match",
            StepOutcome::NoMatch => "no match",
            StepOutcome::TempError => "temperror",
            StepOutcome::PermError => "permerror",
        };
        let mut line = format!(
            "{pad}  {} -> {what}: {} [lookups {}/10, void {}/2]",
            s.term, s.detail, s.lookups, s.void_lookups
        );
        if s.detail.is_empty() {
            line = format!(
                "{pad}  {} -> {what} [lookups {}/10, void {}/2]",
                s.term, s.lookups, s.void_lookups
            );
        }
        if !s.questions.is_empty() {
            let qs: Vec<String> = s
                .questions
                .iter()
                .map(|q| format!("{} {} {}", q.name(), q.rtype(), q.outcome()))
                .collect();
            line.push_str(&format!(" (asked: {})", qs.join("; ")));
        }
        out.push(line);
        if let Some(child) = &s.target {
            render_into(child, depth + 2, out);
        }
    }
    if t.record.is_some() && !t.reason.is_empty() && depth == 0 {
        out.push(format!("{pad}  => {}", t.reason));
    }
}

/// `mailwhy spf DOMAIN [--ip IP]... [--mail-from ADDR] [--helo NAME]`: the report.
pub async fn report(
    ctx: &Context,
    domain: &str,
    ips: &[IpAddr],
    sender: Option<&str>,
    helo: Option<&str>,
) -> Report {
    let started = Instant::now();
    let ins = inspect(ctx, domain, ips, sender, helo).await;
    let mut sections = vec![];
    sections.push((
        "record".to_string(),
        vec![match &ins.record {
            Some(r) => r.clone(),
            None => ins.probe.trace.reason.clone(),
        }],
    ));
    for (ip, r) in &ins.results {
        let mut lines = vec![format!(
            "result: {} ({} DNS-querying terms, {} void lookups)",
            r.result, r.lookups, r.void_lookups
        )];
        if let Some(e) = &r.explanation {
            lines.push(format!("explanation: {e}"));
        }
        lines.extend(render_trace(&r.trace));
        sections.push((format!("{ip}"), lines));
    }
    if ins.results.is_empty() && ins.record.is_some() {
        sections.push((
            "evaluation (no --ip given; an unlisted address)".into(),
            render_trace(&ins.probe.trace),
        ));
    }
    if ins.record.is_some() {
        let mut lines: Vec<String> = ins
            .flattened
            .networks
            .iter()
            .map(|n| n.to_string())
            .collect();
        if lines.is_empty() {
            lines.push("(no networks)".into());
        }
        for n in &ins.flattened.notes {
            lines.push(format!("note: {n}"));
        }
        sections.push(("authorized networks".into(), lines));
    }
    let data = json!({
        "domain": domain.trim_end_matches('.').to_ascii_lowercase(),
        "record": ins.record,
        "lookups": ins.probe.lookups,
        "void_lookups": ins.probe.void_lookups,
        "results": ins.results.iter().map(|(ip, r)| json!({
            "ip": ip, "result": r.result, "explanation": r.explanation,
            "lookups": r.lookups, "void_lookups": r.void_lookups, "problem": r.problem,
            "trace": r.trace,
        })).collect::<Vec<_>>(),
        "flattened": ins.flattened,
    });
    let mut report = Report::from_outcomes(
        domain.to_string(),
        vec![ins.outcome],
        Stats {
            dns_queries: ctx.dns.queries_sent(),
            duration_ms: started.elapsed().as_millis() as u64,
            ..Default::default()
        },
    )
    .with_data(data);
    for (title, lines) in sections {
        report = report.with_section(title, lines);
    }
    report
}
