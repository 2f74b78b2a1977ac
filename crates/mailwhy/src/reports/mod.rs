//! Reports receivers send about the vendor's mail: DMARC aggregate reports (RFC 9990) and SMTP
//! TLS reports (RFC 8460), read from files as mailed (XML, gzip, zip, JSON, or the report emails
//! themselves in one message or an mbox). Each report is read, folded into a [`Summary`] and
//! dropped, so memory grows with the distinct (reporter, source, domain, outcome) rows, not with
//! the number of reports. A report that cannot be read is listed with its file, its place inside
//! the file and the reason; the others are still read.

pub mod aggregate;
pub mod failure;
pub mod tlsrpt;
pub mod unpack;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

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

/// Failure reports with the same reporter, source, domain and outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct FailureKey {
    /// Who sent the reports (the report email's From domain).
    pub reporter: String,
    /// `Source-IP`.
    pub source_ip: String,
    /// `Reported-Domain`.
    pub reported_domain: String,
    /// `Auth-Failure`: the mechanism that failed.
    pub auth_failure: String,
    /// `Identity-Alignment`: which identifiers aligned (`none`, `spf`, `dkim` ...).
    pub identity_alignment: String,
    /// `Delivery-Result`.
    pub delivery_result: String,
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

/// Which reports count, for `diagnose`: those from the recipient's receiver covering the
/// ticket's period. The others are read and dropped (counted in [`Summary::out_of_scope`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Reporter domains that count (the recipient's domain, its provider's reporting domains),
    /// each with its subdomains. Empty: every reporter.
    pub reporters: Vec<String>,
    /// TLS reports count when their policy domain is this (the recipient's domain). `None`:
    /// every TLS report.
    pub policy_domain: Option<String>,
    /// Epoch seconds `[from, to]`: a report counts when its period overlaps it.
    pub window: Option<(i64, i64)>,
}

impl Filter {
    fn period(&self, begin: i64, end: i64) -> bool {
        self.window
            .is_none_or(|(from, to)| begin <= to && end >= from)
    }

    fn reporter(&self, meta: &aggregate::Meta) -> bool {
        if self.reporters.is_empty() {
            return true;
        }
        let email = meta
            .email
            .rsplit_once('@')
            .map(|(_, d)| d.trim_end_matches('.').to_ascii_lowercase());
        let org = meta.org.trim_end_matches('.').to_ascii_lowercase();
        let org = org.contains('.').then_some(org);
        email.iter().chain(org.iter()).any(|d| {
            self.reporters
                .iter()
                .any(|r| d == r || d.ends_with(&format!(".{r}")))
        })
    }
}

/// Everything read.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Aggregate reports read.
    pub aggregate_reports: u64,
    /// Duplicates dropped: aggregate reports with the same reporter and report id, failure
    /// reports with the same reporter and content ([`failure::FailureReport::fingerprint`]).
    pub duplicates: u64,
    /// TLS reports read.
    pub tls_reports: u64,
    /// Reports read but left out by the [`Filter`] (another reporter, another period).
    pub out_of_scope: u64,
    /// Aggregate rows.
    pub rows: BTreeMap<RowKey, RowTotals>,
    /// TLS sessions per (org, policy domain): (successful, failed).
    pub tls_sessions: BTreeMap<(String, String), (u64, u64)>,
    /// TLS failures.
    pub tls_failures: BTreeMap<TlsKey, u64>,
    /// Failure reports read.
    pub failure_reports: u64,
    /// Failure reports summed: incidents, first and last arrival (epoch seconds, 0 unknown).
    pub failures: BTreeMap<FailureKey, RowTotals>,
    /// What could not be read.
    pub unreadable: Vec<Unreadable>,
    /// Which reports count (all without one).
    pub filter: Option<Filter>,
    // (reporter, report id) of the aggregate reports read, and (reporter, fingerprint) of the
    // failure reports, hashed: 8 bytes a report rather than its strings, so dropping
    // duplicates costs little memory however many reports there are.
    seen: std::collections::HashSet<u64>,
}

/// One input: a file or directory on disk, or text already in memory (an upload).
pub type Input = crate::delivery::SourceFile;

/// What one report of a file turned into, before it is folded into the totals.
enum Parsed {
    Aggregate {
        meta: aggregate::Meta,
        rows: Vec<(RowKey, u64, Vec<String>)>,
    },
    Tls(tlsrpt::TlsReport),
    Failure(failure::FailureReport),
    Bad(Unreadable),
}

/// The files a path names: itself, or the messages of a Maildir (`cur/` and `new/`, sorted).
fn expand(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    if !path.is_dir() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut found = false;
    for sub in ["cur", "new"] {
        let dir = path.join(sub);
        if !dir.is_dir() {
            continue;
        }
        found = true;
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        out.extend(files);
    }
    if found {
        Ok(())
    } else {
        Err("a directory but not a Maildir (expected cur/ or new/ inside)".into())
    }
}

/// Reads one file's reports, as a worker does.
fn parse(file: &str, bytes: std::borrow::Cow<'_, [u8]>) -> Vec<Parsed> {
    let mut payloads = Vec::new();
    unpack::unpack_cow(bytes, "", 0, &mut payloads);
    let mut out = Vec::with_capacity(payloads.len());
    for p in payloads {
        let bad = |reason: String| {
            Parsed::Bad(Unreadable {
                file: file.to_string(),
                inner: p.inner.clone(),
                reason,
            })
        };
        out.push(match &p.kind {
            unpack::Kind::Bad(reason) => bad(reason.clone()),
            unpack::Kind::Failure(r) => Parsed::Failure(r.as_ref().clone()),
            unpack::Kind::Xml(x) => {
                // Rows go to a scratch list first: a report broken halfway counts nothing.
                let mut rows: Vec<(RowKey, u64, Vec<String>)> = Vec::new();
                match aggregate::read(x.as_slice(), |m, r| push_row(&mut rows, m, r)) {
                    Ok((meta, _)) => Parsed::Aggregate { meta, rows },
                    Err(e) => bad(e.0),
                }
            }
            unpack::Kind::Json(j) => match tlsrpt::read(j) {
                Ok(r) => Parsed::Tls(r),
                Err(e) => bad(e),
            },
        });
    }
    out
}

fn read_input(input: &Input) -> Vec<Parsed> {
    match input {
        Input::Path(p) => {
            let file = p.display().to_string();
            match std::fs::read(p) {
                Ok(bytes) => parse(&file, bytes.into()),
                Err(e) => vec![Parsed::Bad(Unreadable {
                    file,
                    inner: String::new(),
                    reason: format!("cannot be read: {e}"),
                })],
            }
        }
        Input::Text { name, text } => parse(name, (&text[..]).into()),
    }
}

fn seen_key(org: &str, id: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    // SipHash with fixed keys: the same on every run, so which copy is kept is deterministic.
    #[allow(deprecated)]
    let mut h = std::hash::SipHasher::new();
    org.hash(&mut h);
    id.hash(&mut h);
    h.finish()
}

impl Summary {
    /// A summary that keeps only what `filter` lets through.
    pub fn filtered(filter: Filter) -> Summary {
        Summary {
            filter: Some(filter),
            ..Summary::default()
        }
    }

    /// Reads one file, or the messages of a Maildir (a missing file is listed as unreadable,
    /// not fatal).
    pub fn read_path(&mut self, path: &Path) {
        self.read_all(&[Input::Path(path.to_path_buf())], 1);
    }

    /// Reads the reports in `bytes`, naming them after `file`.
    pub fn read_bytes(&mut self, file: &str, bytes: &[u8]) {
        for p in parse(file, bytes.into()) {
            self.fold(p);
        }
    }

    /// Reads every input on up to `threads` threads (0: one per core). Workers parse whole
    /// files; this thread folds their reports into the totals in the inputs' order, so the
    /// result does not depend on the number of threads, and memory holds the totals plus the
    /// few files in flight.
    pub fn read_all(&mut self, inputs: &[Input], threads: usize) {
        let mut files: Vec<Input> = Vec::with_capacity(inputs.len());
        for i in inputs {
            match i {
                Input::Path(p) => {
                    let mut paths = Vec::new();
                    match expand(p, &mut paths) {
                        Ok(()) => files.extend(paths.into_iter().map(Input::Path)),
                        Err(reason) => self.unreadable.push(Unreadable {
                            file: p.display().to_string(),
                            inner: String::new(),
                            reason,
                        }),
                    }
                }
                text => files.push(text.clone()),
            }
        }
        let threads = match threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
        .min(files.len())
        .max(1);
        if threads == 1 {
            for f in &files {
                for p in read_input(f) {
                    self.fold(p);
                }
            }
            return;
        }
        let next = std::sync::atomic::AtomicUsize::new(0);
        let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, Vec<Parsed>)>(threads * 4);
        std::thread::scope(|scope| {
            for _ in 0..threads {
                let tx = tx.clone();
                let (next, files) = (&next, &files);
                scope.spawn(move || loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(f) = files.get(i) else { break };
                    if tx.send((i, read_input(f))).is_err() {
                        break;
                    }
                });
            }
            drop(tx);
            // Files finish out of order; fold them in order (a duplicate report keeps the
            // copy in the earlier file, as when read one by one).
            let mut pending: BTreeMap<usize, Vec<Parsed>> = BTreeMap::new();
            let mut want = 0;
            for (i, parsed) in rx {
                pending.insert(i, parsed);
                while let Some(ps) = pending.remove(&want) {
                    for p in ps {
                        self.fold(p);
                    }
                    want += 1;
                }
            }
        });
    }

    fn fold(&mut self, p: Parsed) {
        match p {
            Parsed::Bad(u) => self.unreadable.push(u),
            Parsed::Aggregate { meta, rows } => {
                if let Some(f) = &self.filter {
                    if !f.reporter(&meta) || !f.period(meta.begin, meta.end) {
                        self.out_of_scope += 1;
                        return;
                    }
                }
                if !self.seen.insert(seen_key(&meta.org, &meta.report_id)) {
                    self.duplicates += 1;
                    return;
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
            Parsed::Tls(r) => self.fold_tls(r),
            Parsed::Failure(r) => self.fold_failure(r),
        }
    }

    fn fold_failure(&mut self, r: failure::FailureReport) {
        if let Some(f) = &self.filter {
            let reporter = !f.reporters.is_empty()
                && ![&r.reporter, &r.reporting_mta].iter().any(|d| {
                    f.reporters
                        .iter()
                        .any(|x| *d == x || d.ends_with(&format!(".{x}")))
                });
            let period = r.arrival.is_some_and(|t| !f.period(t, t));
            if reporter || period {
                self.out_of_scope += 1;
                return;
            }
        }
        // The same report mailed twice (or kept in two mailboxes) counts once, as aggregate
        // reports do; the prefix keeps the key apart from the aggregate reports' ids.
        let key = format!("arf:{:016x}", r.fingerprint);
        if !self.seen.insert(seen_key(&r.reporter, &key)) {
            self.duplicates += 1;
            return;
        }
        self.failure_reports += 1;
        let t = self
            .failures
            .entry(FailureKey {
                reporter: r.reporter,
                source_ip: r.source_ip,
                reported_domain: r.reported_domain,
                auth_failure: r.auth_failure,
                identity_alignment: r.identity_alignment,
                delivery_result: r.delivery_result,
            })
            .or_default();
        t.count += r.incidents;
        if let Some(a) = r.arrival {
            t.first = if t.first == 0 { a } else { t.first.min(a) };
            t.last = t.last.max(a);
        }
        if !r.dkim_domain.is_empty()
            && !t.dkim_domains.contains(&r.dkim_domain)
            && t.dkim_domains.len() < 10
        {
            t.dkim_domains.push(r.dkim_domain);
        }
    }

    fn fold_tls(&mut self, r: tlsrpt::TlsReport) {
        if let Some(f) = &self.filter {
            let t = |s: &str| {
                chrono::DateTime::parse_from_rfc3339(s.trim())
                    .map(|d| d.timestamp())
                    .ok()
            };
            let in_period = match (
                t(&r.date_range.start_datetime),
                t(&r.date_range.end_datetime),
            ) {
                (Some(b), Some(e)) => f.period(b, e),
                // A period that cannot be read is not a reason to drop the report.
                _ => true,
            };
            let domain = |p: &tlsrpt::PolicyEntry| {
                f.policy_domain.as_deref().is_none_or(|d| {
                    p.policy
                        .policy_domain
                        .trim_end_matches('.')
                        .eq_ignore_ascii_case(d)
                })
            };
            if !in_period || !r.policies.iter().any(domain) {
                self.out_of_scope += 1;
                return;
            }
        }
        if !r.report_id.is_empty()
            && !self
                .seen
                .insert(seen_key(&r.organization_name, &r.report_id))
        {
            self.duplicates += 1;
            return;
        }
        self.tls_reports += 1;
        let policy_domain = self.filter.as_ref().and_then(|f| f.policy_domain.clone());
        for p in r.policies {
            let domain = p
                .policy
                .policy_domain
                .trim_end_matches('.')
                .to_ascii_lowercase();
            if policy_domain
                .as_ref()
                .is_some_and(|d| !d.eq_ignore_ascii_case(&domain))
            {
                continue;
            }
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
}

/// Adds a record to a report's rows.
fn push_row(
    rows: &mut Vec<(RowKey, u64, Vec<String>)>,
    m: &aggregate::Meta,
    r: &aggregate::Record,
) {
    rows.push(row(m, r));
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

/// The domains a mailbox provider's DMARC and TLS reports come from (the `email` of
/// `report_metadata`, or `org_name` when it is a domain), by provider id
/// ([`crate::routing::PROVIDERS`]): a report from one of these speaks for every domain whose MX
/// the provider hosts. Taken from the reports the providers send.
#[rustfmt::skip]
pub const PROVIDER_REPORTERS: &[(&str, &[&str])] = &[
    // noreply-dmarc-support@google.com, org_name "google.com"; TLS: "Google Inc."
    ("google", &["google.com"]),
    // dmarcreport@microsoft.com, org_name "Outlook.com" or "Enterprise Outlook"
    ("microsoft365", &["microsoft.com", "outlook.com", "protection.outlook.com"]),
    ("outlook-consumer", &["microsoft.com", "outlook.com", "hotmail.com"]),
    // dmarchelp@yahooinc.com (formerly yahoo-inc.com), org_name "Yahoo"
    ("yahoo", &["yahooinc.com", "yahoo-inc.com", "yahoo.com", "aol.com"]),
    // noreply-dmarc@gmx.net, web.de's from the same 1&1 platform
    ("gmx", &["gmx.net", "gmx.de", "web.de"]),
    ("zoho", &["zoho.com", "zohomail.com"]),
    ("icloud", &["icloud.com", "apple.com"]),
    ("fastmail", &["fastmail.com", "messagingengine.com"]),
    ("yandex", &["yandex.ru", "yandex.net"]),
    ("proton", &["proton.me", "protonmail.com", "protonmail.ch"]),
    ("proofpoint", &["proofpoint.com"]),
    ("mimecast", &["mimecast.org", "mimecast.com"]),
    ("orange", &["orange.fr"]),
    ("free", &["free.fr"]),
    ("ionos", &["ionos.com", "ionos.de", "1and1.com"]),
];

/// The reporting domains of a provider (by id), empty when unknown.
pub fn reporter_domains(provider_id: &str) -> &'static [&'static str] {
    PROVIDER_REPORTERS
        .iter()
        .find(|(id, _)| *id == provider_id)
        .map_or(&[], |(_, d)| d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixtures() -> Vec<Input> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/reports");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        files.into_iter().map(Input::Path).collect()
    }

    // Guards the parallel reader: workers finish out of order, the totals must not show it.
    #[test]
    fn many_threads_give_the_totals_of_one() {
        let inputs = fixtures();
        let mut one = Summary::default();
        one.read_all(&inputs, 1);
        let mut many = Summary::default();
        many.read_all(&inputs, 4);
        // Three failure report emails, one of them twice (the .eml and its Maildir copy).
        assert!(one.aggregate_reports >= 5 && one.failure_reports >= 2 && one.tls_reports >= 2);
        assert_eq!(
            (
                one.aggregate_reports,
                one.duplicates,
                one.tls_reports,
                one.failure_reports
            ),
            (
                many.aggregate_reports,
                many.duplicates,
                many.tls_reports,
                many.failure_reports
            )
        );
        assert_eq!(one.rows, many.rows);
        assert_eq!(one.tls_failures, many.tls_failures);
        assert_eq!(one.failures, many.failures);
        assert_eq!(one.unreadable, many.unreadable);
    }

    /// Issue #22: a failure report mailed twice (the same email read twice, or a copy in
    /// another mailbox with its own envelope) counts once, as aggregate reports do; a second
    /// incident of the same failure (another Arrival-Date) still counts.
    #[test]
    fn a_failure_report_mailed_twice_counts_once() {
        let eml = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../fixtures/reports/failure-google-2026-11-20.eml"),
        )
        .unwrap();
        let text = String::from_utf8(eml.clone()).unwrap();
        let mut s = Summary::default();
        s.read_bytes("a.eml", &eml);
        assert_eq!((s.failure_reports, s.duplicates), (1, 0));
        let incidents: u64 = s.failures.values().map(|t| t.count).sum();
        // The same report re-sent: a new Message-ID and Date on the report email itself.
        let resent = text
            .replacen("Message-ID:", "X-Old-Message-ID:", 1)
            .replacen("\n", "\nMessage-ID: <resent-1@google.com>\n", 1);
        s.read_bytes("b.eml", resent.as_bytes());
        s.read_bytes("a.eml", &eml);
        assert_eq!((s.failure_reports, s.duplicates), (1, 2));
        assert_eq!(s.failures.values().map(|t| t.count).sum::<u64>(), incidents);
        // Another incident: the failed message arrived at another time.
        let arrival = text
            .lines()
            .find(|l| l.starts_with("Arrival-Date:"))
            .expect("the fixture has an Arrival-Date");
        let second = text.replace(arrival, "Arrival-Date: Fri, 20 Nov 2026 11:59:59 +0000");
        s.read_bytes("c.eml", second.as_bytes());
        assert_eq!((s.failure_reports, s.duplicates), (2, 2));
    }

    #[test]
    fn the_filter_keeps_one_receiver_and_period() {
        let google = Filter {
            reporters: vec!["google.com".into()],
            policy_domain: Some("acme-builders.com".into()),
            // 2026-11-10 to 2026-11-23.
            window: Some((1_794_268_800, 1_795_392_000)),
        };
        let mut s = Summary::filtered(google.clone());
        s.read_all(&fixtures(), 2);
        assert!(!s.rows.is_empty());
        assert!(
            s.rows.keys().all(|k| k.org == "google.com"),
            "{:?}",
            s.rows.keys()
        );
        assert!(s.failures.keys().all(|k| k.reporter == "google.com"));
        assert!(s.tls_sessions.keys().all(|(_, d)| d == "acme-builders.com"));
        assert!(s.out_of_scope > 0);
        // The same reports a month later: nothing in the period.
        let later = Filter {
            window: Some((1_797_984_000, 1_799_193_600)),
            ..google
        };
        let mut s = Summary::filtered(later);
        s.read_all(&fixtures(), 2);
        assert_eq!(s.aggregate_reports + s.failure_reports + s.tls_reports, 0);
    }
}
