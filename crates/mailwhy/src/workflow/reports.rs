//! `mailwhy reports FILE...`: DMARC aggregate and TLS reports summed per reporter, source IP and
//! From domain, the vendor's own sources marked (with a sender profile), and the findings they
//! support: the vendor's mail failing DKIM, unknown sources in its name, TLS failures per MX, and
//! the reports that could not be read. Reading is [`crate::reports`]'s; this puts it in a
//! [`Report`].

use std::path::PathBuf;

use chrono::DateTime;
use serde_json::json;

use crate::allowlist::SenderProfile;
use crate::check::CheckOutcome;
use crate::finding::{Finding, FindingId};
use crate::report::{Report, Stats};
use crate::reports::{is_vendor_domain, is_vendor_ip, Summary};

/// The files and the sender profile.
#[derive(Debug, Clone, Default)]
pub struct ReportsRequest {
    /// Report files (XML, gz, zip, JSON, report emails or an mbox of them).
    pub files: Vec<PathBuf>,
    /// The vendor's sending IPs and domains.
    pub sender: Option<SenderProfile>,
}

fn day(t: i64) -> String {
    DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| t.to_string())
}

fn or_unknown(s: &str) -> String {
    if s.is_empty() {
        "(not given)".into()
    } else {
        crate::sanitize::line(s).to_string()
    }
}

/// "on DAY", or "from DAY to DAY" for a longer period.
fn period(first: i64, last: i64) -> String {
    let (a, b) = (day(first), day(last));
    if a == b {
        format!("on {a}")
    } else {
        format!("from {a} to {b}")
    }
}

/// Reads the files and reports what they say.
pub fn reports(request: &ReportsRequest) -> Report {
    let started = std::time::Instant::now();
    let mut s = Summary::default();
    let inputs: Vec<_> = request
        .files
        .iter()
        .map(|f| crate::reports::Input::Path(f.clone()))
        .collect();
    // Files are parsed on every core; the totals do not depend on how many.
    s.read_all(&inputs, 0);
    let outcome = outcome(&s, request.sender.as_ref());
    let sp = request.sender.as_ref();
    let rows: Vec<_> = s
        .rows
        .iter()
        .map(|(k, t)| {
            json!({
                "org": k.org, "source_ip": k.source_ip, "header_from": k.header_from,
                "count": t.count, "dkim": k.dkim, "spf": k.spf, "disposition": k.disposition,
                "overrides": if k.overrides.is_empty() { vec![] } else { k.overrides.split(',').collect::<Vec<_>>() },
                "dkim_domains": t.dkim_domains,
                "first": day(t.first), "last": day(t.last),
                "vendor_source": sp.map(|p| is_vendor_ip(p, &k.source_ip)),
            })
        })
        .collect();
    let tls: Vec<_> = s
        .tls_failures
        .iter()
        .map(|(k, n)| json!({"org": k.org, "policy_domain": k.policy_domain, "mx": k.mx, "result_type": k.result_type, "failed_sessions": n}))
        .collect();
    let sessions: Vec<_> = s
        .tls_sessions
        .iter()
        .map(|((org, d), (ok, bad))| json!({"org": org, "policy_domain": d, "successful": ok, "failed": bad}))
        .collect();
    let failures: Vec<_> = s
        .failures
        .iter()
        .map(|(k, t)| json!({
            "reporter": k.reporter, "source_ip": k.source_ip, "reported_domain": k.reported_domain,
            "auth_failure": k.auth_failure, "identity_alignment": k.identity_alignment,
            "delivery_result": k.delivery_result, "incidents": t.count,
            "dkim_domains": t.dkim_domains,
            "first": (t.first != 0).then(|| day(t.first)), "last": (t.last != 0).then(|| day(t.last)),
            "vendor_source": sp.map(|p| is_vendor_ip(p, &k.source_ip)),
        }))
        .collect();
    let mut lines = Vec::new();
    for (k, t) in &s.rows {
        let mark = match sp {
            Some(p) if is_vendor_ip(p, &k.source_ip) => "  [vendor]",
            Some(_) => "  [unknown source]",
            None => "",
        };
        lines.push(format!(
            "{}  {}  from {}  {} msg  dkim={} spf={} disposition={}{}{}",
            crate::sanitize::line(&k.org),
            crate::sanitize::line(&k.source_ip),
            crate::sanitize::line(&k.header_from),
            t.count,
            crate::sanitize::line(&k.dkim),
            crate::sanitize::line(&k.spf),
            crate::sanitize::line(&k.disposition),
            if k.overrides.is_empty() {
                String::new()
            } else {
                format!(" override={}", crate::sanitize::line(&k.overrides))
            },
            mark
        ));
    }
    let mut tls_lines = Vec::new();
    for (k, n) in &s.tls_failures {
        tls_lines.push(format!(
            "{}  {}  MX {}  {} x {}",
            crate::sanitize::line(&k.org),
            crate::sanitize::line(&k.policy_domain),
            crate::sanitize::line(&k.mx),
            n,
            crate::sanitize::line(&k.result_type)
        ));
    }
    let subject = format!(
        "{} aggregate, {} failure and {} TLS report(s) from {} file(s)",
        s.aggregate_reports,
        s.failure_reports,
        s.tls_reports,
        request.files.len()
    );
    let mut report = Report::from_outcomes(
        subject,
        vec![outcome],
        Stats {
            dns_queries: 0,
            duration_ms: started.elapsed().as_millis() as u64,
            resolvers: Vec::new(),
        },
    )
    .with_data(json!({
        "aggregate_reports": s.aggregate_reports,
        "tls_reports": s.tls_reports,
        "duplicates": s.duplicates,
        "rows": rows,
        "tls_sessions": sessions,
        "tls_failures": tls,
        "failure_reports": s.failure_reports,
        "failures": failures,
        "unreadable": s.unreadable,
    }));
    if !lines.is_empty() {
        report = report.with_section("DMARC aggregate", lines);
    }
    if !tls_lines.is_empty() {
        report = report.with_section("TLS failures", tls_lines);
    }
    report
}

/// The `reports` check: one finding per failing source, unknown source, failing MX and
/// unreadable report. Inconclusive when nothing could be read.
pub fn outcome(s: &Summary, sender: Option<&SenderProfile>) -> CheckOutcome {
    let mut c = CheckOutcome::start("reports");
    for (k, t) in &s.rows {
        let vendor_ip = sender.map(|p| is_vendor_ip(p, &k.source_ip));
        if k.dkim != "pass" && vendor_ip != Some(false) {
            c.push(
                Finding::new(
                    FindingId::ReportsDkimFailing,
                    format!(
                        "{} reported {} message(s) from {} for {} failing DKIM alignment{}{} {}",
                        crate::sanitize::line(&k.org),
                        t.count,
                        crate::sanitize::line(&k.source_ip),
                        crate::sanitize::line(&k.header_from),
                        match k.disposition.as_str() {
                            "quarantine" => " and quarantined".to_string(),
                            "reject" => " and rejected".to_string(),
                            d => format!(", disposition {}", crate::sanitize::line(d)),
                        },
                        if k.overrides.is_empty() { String::new() } else { format!(", override {}", crate::sanitize::line(&k.overrides)) },
                        period(t.first, t.last)
                    ),
                )
                .with_evidence(json!({"org": k.org, "source_ip": k.source_ip, "header_from": k.header_from, "count": t.count, "dkim": k.dkim, "spf": k.spf, "disposition": k.disposition, "dkim_domains": t.dkim_domains, "first": day(t.first), "last": day(t.last)})),
            );
        }
        if let Some(p) = sender {
            if vendor_ip == Some(false) && is_vendor_domain(p, &k.header_from) {
                c.push(
                    Finding::new(
                        FindingId::ReportsUnknownSource,
                        format!(
                            "{} reported {} message(s) from {} for {}, an IP not in {}'s sender profile",
                            crate::sanitize::line(&k.org),
                            t.count,
                            crate::sanitize::line(&k.source_ip),
                            crate::sanitize::line(&k.header_from),
                            crate::sanitize::line(&p.name)
                        ),
                    )
                    .with_evidence(json!({"org": k.org, "source_ip": k.source_ip, "header_from": k.header_from, "count": t.count, "dkim": k.dkim, "spf": k.spf})),
                );
            }
        }
    }
    for (k, t) in &s.failures {
        let vendor_ip = sender.map(|p| is_vendor_ip(p, &k.source_ip));
        if vendor_ip == Some(false) {
            if let Some(p) = sender.filter(|p| is_vendor_domain(p, &k.reported_domain)) {
                c.push(
                    Finding::new(
                        FindingId::ReportsUnknownSource,
                        format!(
                            "{} sent {} failure report(s) of mail from {} for {}, an IP not in {}'s sender profile",
                            crate::sanitize::line(&k.reporter),
                            t.count,
                            crate::sanitize::line(&k.source_ip),
                            crate::sanitize::line(&k.reported_domain),
                            crate::sanitize::line(&p.name)
                        ),
                    )
                    .with_evidence(json!({"reporter": k.reporter, "source_ip": k.source_ip, "header_from": k.reported_domain, "count": t.count, "auth_failure": k.auth_failure})),
                );
            }
            continue;
        }
        let when = if t.last == 0 {
            String::new()
        } else {
            format!(" {}", period(t.first, t.last))
        };
        c.push(
            Finding::new(
                FindingId::ReportsFailureReported,
                format!(
                    "{} reported {} message(s) from {} for {} failing {} (aligned: {}), delivery result {}{}",
                    crate::sanitize::line(&k.reporter),
                    t.count,
                    crate::sanitize::line(&k.source_ip),
                    crate::sanitize::line(&k.reported_domain),
                    or_unknown(&k.auth_failure),
                    or_unknown(&k.identity_alignment),
                    or_unknown(&k.delivery_result),
                    when
                ),
            )
            .with_evidence(json!({"reporter": k.reporter, "source_ip": k.source_ip, "reported_domain": k.reported_domain, "incidents": t.count, "auth_failure": k.auth_failure, "identity_alignment": k.identity_alignment, "delivery_result": k.delivery_result, "dkim_domains": t.dkim_domains, "first": (t.first != 0).then(|| day(t.first)), "last": (t.last != 0).then(|| day(t.last))})),
        );
    }
    for (k, n) in &s.tls_failures {
        c.push(
            Finding::new(
                FindingId::ReportsTlsFailures,
                format!(
                    "{} reported {} failed TLS session(s) to MX {} of {}: {}",
                    crate::sanitize::line(&k.org),
                    n,
                    crate::sanitize::line(&k.mx),
                    crate::sanitize::line(&k.policy_domain),
                    crate::sanitize::line(&k.result_type)
                ),
            )
            .with_evidence(json!({"org": k.org, "policy_domain": k.policy_domain, "mx": k.mx, "result_type": k.result_type, "failed_sessions": n})),
        );
    }
    for u in &s.unreadable {
        let at = if u.inner.is_empty() {
            crate::sanitize::line(&u.file).to_string()
        } else {
            format!(
                "{} ({})",
                crate::sanitize::line(&u.file),
                crate::sanitize::line(&u.inner)
            )
        };
        c.push(
            Finding::new(
                FindingId::ReportsUnreadable,
                format!("{at}: {}", crate::sanitize::line(&u.reason)),
            )
            .with_evidence(json!(u)),
        );
    }
    let read = s.aggregate_reports + s.tls_reports + s.failure_reports;
    let detail = format!(
        "{} aggregate report(s), {} TLS report(s), {} failure report(s), {} duplicate(s) dropped, {} unreadable",
        s.aggregate_reports,
        s.tls_reports,
        s.failure_reports,
        s.duplicates,
        s.unreadable.len()
    );
    if read == 0 {
        c.inconclusive("no report could be read");
    }
    c.done(detail)
}

/// How far back from the ticket a report still covers "the ticket's period": a person usually
/// writes within days of the email they did not get, and receivers send one report a day.
pub const TICKET_WINDOW_DAYS: i64 = 14;

/// The `reports` check of `diagnose`: the reports from the recipient's receiver (its own
/// domain, or the provider hosting its MX) whose period overlaps the [`TICKET_WINDOW_DAYS`]
/// before the ticket. What they say of the vendor's mail is direct evidence for this recipient;
/// reports from other receivers or other days are left out (and counted in the detail). When
/// none is left, the check is skipped: reports about other receivers say nothing of this one.
pub fn diagnose_outcome(
    inputs: &[crate::reports::Input],
    recipient_domain: &str,
    provider: Option<&crate::routing::Provider>,
    now: std::time::SystemTime,
    sender: Option<&SenderProfile>,
) -> CheckOutcome {
    let domain = recipient_domain.trim_end_matches('.').to_ascii_lowercase();
    let mut reporters = vec![domain.clone()];
    if let Some(p) = provider {
        reporters.extend(
            crate::reports::reporter_domains(p.id)
                .iter()
                .map(|d| d.to_string()),
        );
    }
    let to = now
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let from = to - TICKET_WINDOW_DAYS * 86_400;
    let mut s = Summary::filtered(crate::reports::Filter {
        reporters,
        policy_domain: Some(domain.clone()),
        window: Some((from, to)),
    });
    // Uploads are parsed on the caller's thread (a server request); files on every core.
    let threads = if inputs
        .iter()
        .all(|i| matches!(i, crate::reports::Input::Text { .. }))
    {
        1
    } else {
        0
    };
    s.read_all(inputs, threads);
    let receiver = match provider {
        Some(p) => format!("{domain} or {}", p.name),
        None => domain.clone(),
    };
    let period = format!("{} to {}", day(from), day(to));
    if s.aggregate_reports + s.tls_reports + s.failure_reports == 0 {
        if s.unreadable.is_empty() {
            return CheckOutcome::skipped(
                "reports",
                format!(
                    "{} report(s) read, none from {receiver} covering {period}",
                    s.out_of_scope
                ),
            );
        }
        // Unreadable reports may have been this receiver's: say so, and list them.
        let mut c = outcome(&s, sender);
        c.detail = format!(
            "no readable report from {receiver} covering {period}; {} unreadable",
            s.unreadable.len()
        );
        return c;
    }
    let mut c = outcome(&s, sender);
    c.detail = format!(
        "{} aggregate, {} failure and {} TLS report(s) from {receiver} covering {period} ({} from other receivers or days left out)",
        s.aggregate_reports, s.failure_reports, s.tls_reports, s.out_of_scope
    );
    c
}
