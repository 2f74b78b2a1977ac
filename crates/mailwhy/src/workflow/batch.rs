//! `mailwhy batch`: every row of a directory export diagnosed by [`batch_row`] (the checks of
//! `diagnose`, with the row as the account facts), with bounded concurrency over one DNS cache,
//! streamed out as each finishes, and a summary.
//!
//! Memory stays bounded whatever the input size: rows are read one at a time, at most `jobs`
//! are in flight, each result is handed to the caller's sink at once and only counted here.
//! What is kept grows with the number of distinct recipient domains and addresses (for the
//! duplicate check, 24 bytes per address: a hash and the preferred account's line and status),
//! not with the reports. A malformed row becomes its own record with its line and the error;
//! nothing aborts the run, so rows in = records out.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};

use super::diagnose::{batch_row, BatchRow, Diagnoser, EarlierRow};
use super::shard::{Shard, ShardInfo};
use crate::check::CheckStatus;
use crate::directory::{RowProblem, User};
use crate::report::{Report, Verdict};
use crate::sanitize;

/// One output record: a report for a row, or the reason a row could not be read.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    /// 1-based position of the row among the data rows.
    pub row: usize,
    /// 1-based line of the row in the file.
    pub line: usize,
    /// The report, for a readable row.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<Report>,
    /// Why the row could not be used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<RowProblem>,
}

/// Counts over a whole run (or one shard of it: [`Summary::shard`]). It reads back from its JSON
/// (`batch --summary FILE`) so that `batch merge` can add shards up.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Summary {
    /// Rows read.
    pub rows: usize,
    /// Records written (equal to `rows` unless the run was stopped).
    pub records: usize,
    /// Rows that could not be read.
    pub malformed: usize,
    /// Users per verdict.
    pub verdicts: BTreeMap<String, usize>,
    /// Users per finding id.
    pub findings: BTreeMap<String, usize>,
    /// Users per delivery state (`delivered`, `suppressed` ...), with `--events`.
    pub delivery: BTreeMap<String, usize>,
    /// Per recipient domain: (users, users with a problem).
    pub domains: HashMap<String, (usize, usize)>,
    /// DNS queries sent.
    pub dns_queries: u64,
    /// Distinct DNS questions asked.
    pub dns_distinct_questions: u64,
    /// Questions answered from mailwhy's own DNS cache (not sent). With `dns_queries`, how much
    /// a warm cache saved; a shared resolver (`--nameserver`) saves what is left across processes.
    #[serde(default)]
    pub dns_cache_hits: u64,
    /// True when the run was stopped before the end (Ctrl-C).
    pub stopped: bool,
    /// Wall time.
    pub duration_ms: u64,
    /// The checks about the vendor alone (SPF drift, sender authentication), run once for all
    /// rows: each row's report lists them as skipped, "once in the batch summary". `None`
    /// without a sender profile (then none of them runs).
    pub shared: Option<Report>,
    /// The gateway allowlist audit, run once for the rows whose domain the gateway guards
    /// (those rows list it as skipped, "once in the batch summary"; the others say why it does
    /// not apply to them). `None` without both a sender profile and an allowlist.
    pub gateway: Option<Report>,
    /// Users whose domain the gateway guards: the rows [`Summary::gateway`] applies to.
    pub behind_gateway: usize,
    /// For a sharded run (`batch --shard I/N`): which shard, of which input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardInfo>,
    /// For a merged summary (`batch merge`): how many shards it adds up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_shards: Option<u32>,
}

impl Summary {
    /// The combined verdict: a problem if any user has one, a row was malformed, or the checks
    /// shared by every row found one, or the gateway audit found one and some user is behind
    /// the gateway.
    pub fn verdict(&self) -> Verdict {
        let rows = if self.malformed > 0 || self.verdicts.contains_key("problem-found") {
            Verdict::ProblemFound
        } else if self.verdicts.contains_key("inconclusive") {
            Verdict::Inconclusive
        } else {
            Verdict::NoProblemFound
        };
        Verdict::combine(
            [rows]
                .into_iter()
                .chain(self.shared.as_ref().map(|r| r.verdict))
                .chain(
                    self.gateway
                        .as_ref()
                        .filter(|_| self.behind_gateway > 0)
                        .map(|r| r.verdict),
                ),
        )
    }

    fn add(&mut self, rec: &Record) {
        self.records += 1;
        match &rec.report {
            None => self.malformed += 1,
            Some(r) => {
                *self
                    .verdicts
                    .entry(r.verdict.as_str().to_string())
                    .or_default() += 1;
                let mut seen: Vec<&str> = Vec::new();
                for f in &r.findings {
                    if !seen.contains(&f.id.as_str()) {
                        seen.push(f.id.as_str());
                        *self.findings.entry(f.id.as_str().to_string()).or_default() += 1;
                    }
                }
                if let Some(f) = r.findings.iter().find(|f| f.id.area() == "delivery") {
                    let state = &f.id.as_str()["delivery.".len()..];
                    *self.delivery.entry(state.to_string()).or_default() += 1;
                }
                let domain = r
                    .subject
                    .rsplit_once('@')
                    .map(|(_, d)| d.trim().to_lowercase())
                    .unwrap_or_default();
                let e = self.domains.entry(domain).or_default();
                e.0 += 1;
                if r.verdict == Verdict::ProblemFound {
                    e.1 += 1;
                }
            }
        }
    }
}

/// Diagnoses every row of `rows` with at most `jobs` in flight; each record goes to `sink` as
/// soon as it is ready. Before taking a new row the run checks `stop`; rows in flight finish.
pub async fn batch<I>(
    diagnoser: &Diagnoser,
    rows: I,
    jobs: usize,
    stop: &AtomicBool,
    sink: impl FnMut(&Record),
) -> Summary
where
    I: Iterator<Item = Result<User, RowProblem>>,
{
    batch_sharded(diagnoser, rows, None, jobs, stop, sink).await
}

/// [`batch`] over the rows of one shard only: every row is read (and keeps its row number in
/// the whole export), the others are skipped; `summary.shard` says which shard and how many
/// rows the export has (the caller fills in the input's name and digest).
pub async fn batch_sharded<I>(
    diagnoser: &Diagnoser,
    rows: I,
    shard: Option<Shard>,
    jobs: usize,
    stop: &AtomicBool,
    mut sink: impl FnMut(&Record),
) -> Summary
where
    I: Iterator<Item = Result<User, RowProblem>>,
{
    let started = Instant::now();
    let before_sent = diagnoser.dns().queries_sent();
    let before_hits = diagnoser.dns().cache_hits();
    let mut input_rows = 0usize;
    let mut summary = Summary {
        shared: diagnoser.shared_checks().await,
        gateway: diagnoser.gateway_checks(),
        ..Default::default()
    };
    // Per address (a 64-bit hash of its lowercase form): the line and preference of the account
    // `diagnose` would take among the rows read so far.
    let hasher = std::collections::hash_map::RandomState::new();
    let mut preferred: HashMap<u64, (usize, (bool, bool), bool)> = HashMap::new();
    let mut rows_read = 0usize;
    let numbered = rows
        .enumerate()
        .map_while(|(i, row)| {
            if stop.load(Ordering::Relaxed) {
                return None;
            }
            input_rows += 1;
            Some((i, row))
        })
        .filter(|(i, row)| match (shard, row) {
            (None, _) => true,
            (Some(s), Ok(user)) => s.takes_address(&user.email),
            (Some(s), Err(_)) => s.takes_malformed(i + 1),
        })
        .map(|(i, row)| {
            rows_read += 1;
            (
                i + 1,
                row.map(|user| {
                    let mut h = hasher.build_hasher();
                    // The key `diagnose`'s lookup compares, so that the same rows are duplicates.
                    h.write(crate::directory::match_key(&user.email).as_bytes());
                    let key = crate::directory::preference(&user);
                    let blocked = !crate::directory::blocked(&user).is_empty();
                    let duplicate_of = match preferred.entry(h.finish()) {
                        std::collections::hash_map::Entry::Occupied(mut e) => {
                            let (line, best, best_blocked) = *e.get();
                            // An earlier line wins a tie: `diagnose` takes the first of equals.
                            let earlier_preferred = best >= key;
                            if !earlier_preferred {
                                e.insert((user.line, key, blocked));
                            }
                            Some(EarlierRow {
                                line,
                                preferred: earlier_preferred,
                                blocked: best_blocked,
                            })
                        }
                        std::collections::hash_map::Entry::Vacant(v) => {
                            v.insert((user.line, key, blocked));
                            None
                        }
                    };
                    BatchRow { user, duplicate_of }
                }),
            )
        });
    let mut results = stream::iter(numbered)
        .map(|(row, item)| async move {
            match item {
                Ok(r) => Record {
                    row,
                    line: r.user.line,
                    report: Some(batch_row(diagnoser, &r).await),
                    error: None,
                },
                Err(problem) => Record {
                    row,
                    line: problem.line,
                    report: None,
                    error: Some(problem),
                },
            }
        })
        .buffer_unordered(jobs.max(1));
    while let Some(rec) = results.next().await {
        summary.add(&rec);
        if let Some(r) = &rec.report {
            let domain = r.subject.rsplit_once('@').map_or("", |(_, d)| d);
            let external = super::diagnose::is_external(&r.findings);
            if diagnoser.gateway_guards(domain, external).is_ok() {
                summary.behind_gateway += 1;
            }
        }
        sink(&rec);
    }
    drop(results);
    summary.rows = rows_read;
    summary.shard = shard.map(|s| ShardInfo {
        index: s.index,
        count: s.count,
        key: super::shard::SHARD_KEY.to_string(),
        input: String::new(),
        input_fnv1a64: String::new(),
        input_rows,
    });
    summary.dns_cache_hits = diagnoser.dns().cache_hits() - before_hits;
    summary.stopped = stop.load(Ordering::Relaxed);
    summary.dns_queries = diagnoser.dns().queries_sent() - before_sent;
    summary.dns_distinct_questions = diagnoser.dns().distinct_questions();
    summary.duration_ms = started.elapsed().as_millis() as u64;
    summary
}

/// `s` unless `n` is 1.
fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The summary as text (`markdown` false) or Markdown.
pub fn render_summary(s: &Summary, markdown: bool, top: usize) -> String {
    let mut out = String::new();
    let h = |t: &str| {
        if markdown {
            format!("\n**{t}**\n\n")
        } else {
            format!("\n{t}\n")
        }
    };
    let item = |t: String| {
        if markdown {
            format!("- {t}\n")
        } else {
            format!("  {t}\n")
        }
    };
    out.push_str(&if markdown {
        "### mailwhy batch summary\n\n".to_string()
    } else {
        "mailwhy batch summary\n".to_string()
    });
    out.push_str(&format!(
        "{}{} row{}, {} record{}, {} malformed{}; {:.1} s\n",
        if markdown { "" } else { "  " },
        s.rows,
        plural(s.rows),
        s.records,
        plural(s.records),
        s.malformed,
        if s.stopped {
            ", STOPPED before the end (partial summary)"
        } else {
            ""
        },
        Duration::from_millis(s.duration_ms).as_secs_f64()
    ));
    out.push_str(&h("users per verdict"));
    for (v, n) in &s.verdicts {
        out.push_str(&item(format!("{v}: {n}")));
    }
    if !s.delivery.is_empty() {
        out.push_str(&h("users per delivery state"));
        for (state, n) in &s.delivery {
            out.push_str(&item(format!("{state}: {n}")));
        }
    }
    // Errors before warnings before notes, then the most users: a note that every user gets
    // (where their mail is hosted) is context, not the top cause.
    let severity = |id: &str| crate::finding::lookup(id).map(|k| k.severity);
    let mut causes: Vec<(&String, &usize)> = s.findings.iter().collect();
    causes.sort_by(|a, b| {
        let (sa, sb) = (severity(a.0), severity(b.0));
        (sa.is_none(), sa)
            .cmp(&(sb.is_none(), sb))
            .then(b.1.cmp(a.1))
            .then(a.0.cmp(b.0))
    });
    out.push_str(&h("top causes (most severe first, then most users)"));
    for (id, n) in causes.iter().take(top) {
        let sev = severity(id).map(|s| s.as_str()).unwrap_or("");
        out.push_str(&item(format!("{id} ({sev}): {n} user{}", plural(**n))));
    }
    if causes.len() > top {
        let more = causes.len() - top;
        out.push_str(&item(format!("... and {more} more id{}", plural(more))));
    }
    let mut domains: Vec<(&String, &(usize, usize))> = s.domains.iter().collect();
    domains.sort_by(|a, b| {
        (b.1)
            .1
            .cmp(&(a.1).1)
            .then((b.1).0.cmp(&(a.1).0))
            .then(a.0.cmp(b.0))
    });
    out.push_str(&h(&format!(
        "recipient domains ({} in all; most problems first)",
        s.domains.len()
    )));
    for (d, (users, problems)) in domains.iter().take(top) {
        out.push_str(&item(format!(
            "{}: {users} user{}, {problems} with a problem",
            sanitize::line(d),
            if *users == 1 { "" } else { "s" }
        )));
    }
    let gateway_title = format!(
        "the gateway allowlist, for the {} user{} behind the gateway, checked once",
        s.behind_gateway,
        if s.behind_gateway == 1 { "" } else { "s" }
    );
    let once = [
        ("the same for every user, checked once", s.shared.as_ref()),
        (gateway_title.as_str(), s.gateway.as_ref()),
    ];
    for (title, report) in once {
        let Some(shared) = report else { continue };
        out.push_str(&h(&format!("{title}: {}", shared.verdict.as_str())));
        for f in &shared.findings {
            out.push_str(&item(format!(
                "{} ({}): {}",
                f.id,
                f.severity.as_str(),
                sanitize::line(&f.detail)
            )));
        }
        for c in shared
            .checks
            .iter()
            .filter(|c| c.status == CheckStatus::Inconclusive)
        {
            out.push_str(&item(format!(
                "{}: inconclusive: {}",
                c.name,
                sanitize::line(&c.detail)
            )));
        }
        if shared.findings.is_empty() {
            out.push_str(&item("no finding".into()));
        }
    }
    out.push_str(&h("dns"));
    out.push_str(&item(format!(
        "{} queries sent for {} distinct questions; {} answered from mailwhy's own cache",
        s.dns_queries, s.dns_distinct_questions, s.dns_cache_hits
    )));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "top causes" led by an info id every user gets, and "1 rows": causes rank by severity,
    /// then users, and every count agrees with its noun.
    #[test]
    fn top_causes_rank_by_severity_then_users_and_counts_take_plurals() {
        let mut s = Summary {
            rows: 1,
            records: 1,
            ..Summary::default()
        };
        for (id, n) in [
            ("domain.mail-provider", 40),
            ("user.inactive", 1),
            ("allowlist.host-bits-set", 2),
            ("user.invite-reminders-exhausted", 5),
        ] {
            s.findings.insert(id.to_string(), n);
        }
        let text = render_summary(&s, false, 10);
        assert!(text.contains("  1 row, 1 record, 0 malformed"), "{text}");
        let order: Vec<&str> = text
            .lines()
            .skip_while(|l| !l.starts_with("top causes"))
            .skip(1)
            .take(4)
            .map(|l| l.trim().split(' ').next().unwrap())
            .collect();
        assert_eq!(
            order,
            [
                "allowlist.host-bits-set",
                "user.inactive",
                "user.invite-reminders-exhausted",
                "domain.mail-provider"
            ],
            "{text}"
        );
        assert!(text.contains("user.inactive (error): 1 user\n"), "{text}");
        assert!(text.contains("(info): 40 users\n"), "{text}");
        let short = render_summary(&s, true, 3);
        assert!(short.contains("... and 1 more id\n"), "{short}");
    }
}
