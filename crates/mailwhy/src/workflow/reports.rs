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

/// Reads the files and reports what they say.
pub fn reports(request: &ReportsRequest) -> Report {
    let started = std::time::Instant::now();
    let mut s = Summary::default();
    for f in &request.files {
        s.read_path(f);
    }
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
        "{} aggregate and {} TLS report(s) from {} file(s)",
        s.aggregate_reports,
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
                        "{} reported {} message(s) from {} for {} failing DKIM alignment, disposition {}{} ({} to {})",
                        crate::sanitize::line(&k.org),
                        t.count,
                        crate::sanitize::line(&k.source_ip),
                        crate::sanitize::line(&k.header_from),
                        crate::sanitize::line(&k.disposition),
                        if k.overrides.is_empty() { String::new() } else { format!(", override {}", crate::sanitize::line(&k.overrides)) },
                        day(t.first),
                        day(t.last)
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
    let read = s.aggregate_reports + s.tls_reports;
    let detail = format!(
        "{} aggregate report(s), {} TLS report(s), {} duplicate(s) dropped, {} unreadable",
        s.aggregate_reports,
        s.tls_reports,
        s.duplicates,
        s.unreadable.len()
    );
    if read == 0 {
        c.inconclusive("no report could be read");
    }
    c.done(detail)
}
