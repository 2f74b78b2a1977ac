//! Reports receivers send about the vendor's mail: DMARC aggregate reports (RFC 9990) and SMTP
//! TLS reports (RFC 8460), read from files as mailed (XML, gzip, zip, JSON, or the report emails
//! themselves in one message or an mbox). Each report is read, folded into a [`Summary`] and
//! dropped, so memory grows with the distinct (reporter, source, domain, outcome) rows, not with
//! the number of reports. A report that cannot be read is listed with its file, its place inside
//! the file and the reason; the others are still read.

pub mod aggregate;
pub mod tlsrpt;
pub mod unpack;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;

use serde::Serialize;

use crate::allowlist::SenderProfile;

/// One row of the aggregate summary: messages with the same reporter, source, From domain and
/// outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct RowKey {
    /// The reporting organization.
    pub org: String,
    /// The sending IP.
    pub source_ip: String,
    /// The From domain.
    pub header_from: String,
    /// Aligned DKIM result.
    pub dkim: String,
    /// Aligned SPF result.
    pub spf: String,
    /// Disposition applied.
    pub disposition: String,
    /// Policy overrides (reason types), joined with `,`.
    pub overrides: String,
}

/// The totals of a [`RowKey`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RowTotals {
    /// Messages.
    pub count: u64,
    /// The earliest report period start (epoch seconds).
    pub first: i64,
    /// The latest report period end (epoch seconds).
    pub last: i64,
    /// DKIM signing domains seen with their raw results (`domain=result`).
    pub dkim_domains: Vec<String>,
}

/// TLS failures at one MX of one policy domain, by result type.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct TlsKey {
    /// The reporting organization.
    pub org: String,
    /// The policy domain (the recipient domain whose MX failed).
    pub policy_domain: String,
    /// The receiving MX (`receiving-mx-hostname`, else the IP, else `?`).
    pub mx: String,
    /// `result-type`.
    pub result_type: String,
}

/// A report (or file) that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unreadable {
    /// The file.
    pub file: String,
    /// Where in it (`message 3/x.xml.gz`), empty for the file itself.
    pub inner: String,
    /// Why.
    pub reason: String,
}

/// Everything read.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Aggregate reports read.
    pub aggregate_reports: u64,
    /// Duplicates dropped (same reporter and report id).
    pub duplicates: u64,
    /// TLS reports read.
    pub tls_reports: u64,
    /// Aggregate rows.
    pub rows: BTreeMap<RowKey, RowTotals>,
    /// TLS sessions per (org, policy domain): (successful, failed).
    pub tls_sessions: BTreeMap<(String, String), (u64, u64)>,
    /// TLS failures.
    pub tls_failures: BTreeMap<TlsKey, u64>,
    /// What could not be read.
    pub unreadable: Vec<Unreadable>,
    seen: std::collections::HashSet<(String, String)>,
}

impl Summary {
    /// Reads one file (a missing file is listed as unreadable, not fatal).
    pub fn read_path(&mut self, path: &Path) {
        let file = path.display().to_string();
        match std::fs::read(path) {
            Ok(bytes) => self.read_bytes(&file, &bytes),
            Err(e) => self.unreadable.push(Unreadable {
                file,
                inner: String::new(),
                reason: format!("cannot be read: {e}"),
            }),
        }
    }

    /// Reads the reports in `bytes`, naming them after `file`.
    pub fn read_bytes(&mut self, file: &str, bytes: &[u8]) {
        let mut payloads = Vec::new();
        unpack::unpack(bytes, "", 0, &mut payloads);
        for p in payloads {
            let bad = |reason: String| Unreadable {
                file: file.to_string(),
                inner: p.inner.clone(),
                reason,
            };
            match p.kind {
                unpack::Kind::Bad(reason) => self.unreadable.push(bad(reason)),
                unpack::Kind::Xml(x) => {
                    // Rows go to a scratch map first: a report broken halfway counts nothing.
                    let mut rows: Vec<(RowKey, u64, Vec<String>)> = Vec::new();
                    match aggregate::read(x.as_slice(), |m, r| rows.push(row(m, r))) {
                        Ok((meta, _)) => {
                            if !self.seen.insert((meta.org.clone(), meta.report_id.clone())) {
                                self.duplicates += 1;
                                continue;
                            }
                            self.aggregate_reports += 1;
                            for (k, n, dk) in rows {
                                let t = self.rows.entry(k).or_insert_with(|| RowTotals {
                                    first: meta.begin,
                                    last: meta.end,
                                    ..RowTotals::default()
                                });
                                t.count += n;
                                t.first = t.first.min(meta.begin);
                                t.last = t.last.max(meta.end);
                                for d in dk {
                                    if !t.dkim_domains.contains(&d) && t.dkim_domains.len() < 10 {
                                        t.dkim_domains.push(d);
                                    }
                                }
                            }
                        }
                        Err(e) => self.unreadable.push(bad(e.0)),
                    }
                }
                unpack::Kind::Json(j) => match tlsrpt::read(&j) {
                    Ok(r) => {
                        if !self
                            .seen
                            .insert((r.organization_name.clone(), r.report_id.clone()))
                            && !r.report_id.is_empty()
                        {
                            self.duplicates += 1;
                            continue;
                        }
                        self.tls_reports += 1;
                        for p in r.policies {
                            let domain = p.policy.policy_domain.to_ascii_lowercase();
                            let s = self
                                .tls_sessions
                                .entry((r.organization_name.clone(), domain.clone()))
                                .or_default();
                            s.0 += p.summary.total_successful_session_count;
                            s.1 += p.summary.total_failure_session_count;
                            for f in p.failure_details {
                                let mx = f
                                    .receiving_mx_hostname
                                    .or(f.receiving_ip)
                                    .unwrap_or_else(|| "(no MX named)".into());
                                *self
                                    .tls_failures
                                    .entry(TlsKey {
                                        org: r.organization_name.clone(),
                                        policy_domain: domain.clone(),
                                        mx: mx.trim_end_matches('.').to_ascii_lowercase(),
                                        result_type: f.result_type.to_ascii_lowercase(),
                                    })
                                    .or_default() += f.failed_session_count;
                            }
                        }
                    }
                    Err(e) => self.unreadable.push(bad(e)),
                },
            }
        }
    }
}

fn row(m: &aggregate::Meta, r: &aggregate::Record) -> (RowKey, u64, Vec<String>) {
    (
        RowKey {
            org: m.org.clone(),
            source_ip: r.source_ip.clone(),
            header_from: r.header_from.clone(),
            dkim: r.dkim.clone(),
            spf: r.spf.clone(),
            disposition: r.disposition.clone(),
            overrides: r.reasons.join(","),
        },
        r.count,
        r.dkim_results
            .iter()
            .map(|(d, res)| format!("{d}={res}"))
            .collect(),
    )
}

/// Whether a source is the vendor's: its IP is in the profile's networks.
pub fn is_vendor_ip(profile: &SenderProfile, ip: &str) -> bool {
    ip.trim()
        .parse::<IpAddr>()
        .map(|ip| profile.ips.iter().any(|n| n.contains(&ip)))
        .unwrap_or(false)
}

/// Whether a From domain is the vendor's (its From domains, or its sending domains and their
/// subdomains).
pub fn is_vendor_domain(profile: &SenderProfile, domain: &str) -> bool {
    profile
        .from_domains
        .iter()
        .chain(profile.domains.iter())
        .any(|d| domain == d || domain.ends_with(&format!(".{d}")))
}
