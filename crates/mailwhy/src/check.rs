//! The one shape every check has: a plain async function of a shared [`Context`] and its input,
//! returning a [`CheckOutcome`] (name, status, findings, duration).
//!
//! The module that owns a concern owns its checks; `diagnose` only decides which checks run, and
//! the report ranks what they found. A check never returns `Err` for something it found about the
//! world: a DNS timeout is an [`CheckStatus::Inconclusive`] outcome with a `dns.temporary-failure`
//! finding, never "no problem".

use std::time::{Duration, Instant, SystemTime};

use serde::{Deserialize, Serialize};

use crate::dns::{Answer, Dns};
use crate::finding::Finding;
use crate::finding::FindingId;
use crate::sanitize;

/// What every check shares: the DNS layer and the clock.
#[derive(Debug, Clone)]
pub struct Context {
    /// The DNS layer (one cache for the whole run).
    pub dns: Dns,
    /// "Now" for every time-based rule (injected so tests and `--now` are deterministic).
    pub now: SystemTime,
}

impl Context {
    /// A context over `dns` with the wall clock as "now".
    pub fn new(dns: Dns) -> Context {
        Context {
            dns,
            now: SystemTime::now(),
        }
    }
}

/// Whether a check ran to the end: `ran`, `skipped` or `inconclusive` in a report's JSON.
///
/// The same enum is a [`CheckOutcome`]'s status and a report's check entry's status; why a check
/// was skipped or inconclusive is [`CheckOutcome::why`] beside it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    /// The check ran; its findings are complete.
    Ran,
    /// The check did not run (its input was not given).
    Skipped,
    /// The check could not complete (a DNS failure, an unreachable server).
    Inconclusive,
}

impl CheckStatus {
    /// `ran`, `skipped` or `inconclusive`.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Ran => "ran",
            CheckStatus::Skipped => "skipped",
            CheckStatus::Inconclusive => "inconclusive",
        }
    }
}

impl std::fmt::Display for CheckStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The result of one check.
#[derive(Debug, Clone)]
pub struct CheckOutcome {
    /// Short name of the check (`directory`, `address`, `mx`, ...).
    pub name: String,
    /// Whether it completed.
    pub status: CheckStatus,
    /// Why it was skipped or could not complete (`None` when it ran).
    pub why: Option<String>,
    /// One line on what was checked (outside text already sanitized or to be sanitized on output).
    pub detail: String,
    /// What it found.
    pub findings: Vec<Finding>,
    /// How long it took.
    pub duration: Duration,
}

impl CheckOutcome {
    /// Starts an outcome for check `name`, timing from now; finish with [`OutcomeBuilder::done`].
    pub fn start(name: &str) -> OutcomeBuilder {
        OutcomeBuilder {
            name: name.to_string(),
            started: Instant::now(),
            findings: vec![],
            inconclusive: None,
        }
    }

    /// The same check made again later in a run, on the same input: this one's status and
    /// detail, without its findings (this one reports them, once).
    pub fn repeated(&self) -> CheckOutcome {
        CheckOutcome {
            findings: vec![],
            duration: Duration::ZERO,
            ..self.clone()
        }
    }

    /// A check that did not run, and why.
    pub fn skipped(name: &str, why: impl Into<String>) -> CheckOutcome {
        let why = why.into();
        CheckOutcome {
            name: name.to_string(),
            status: CheckStatus::Skipped,
            detail: why.clone(),
            why: Some(why),
            findings: vec![],
            duration: Duration::ZERO,
        }
    }

    /// A check that could not run at all, and why (an error from an outside system it needed).
    pub fn inconclusive(name: &str, why: impl Into<String>) -> CheckOutcome {
        let mut c = CheckOutcome::start(name);
        let why = why.into();
        c.inconclusive(why.clone());
        c.done(why)
    }
}

/// Collects the findings of a running check.
#[derive(Debug)]
pub struct OutcomeBuilder {
    name: String,
    started: Instant,
    findings: Vec<Finding>,
    inconclusive: Option<String>,
}

impl OutcomeBuilder {
    /// Adds a finding.
    pub fn push(&mut self, f: Finding) {
        self.findings.push(f);
    }

    /// True when every finding so far has one of `ids` (and there is at least one).
    pub fn findings_are(&self, ids: &[FindingId]) -> bool {
        !self.findings.is_empty() && self.findings.iter().all(|f| ids.contains(&f.id))
    }

    /// Marks the check inconclusive (the first reason given is kept).
    pub fn inconclusive(&mut self, why: impl Into<String>) {
        if self.inconclusive.is_none() {
            self.inconclusive = Some(why.into());
        }
    }

    /// Records a temporary DNS failure: a `dns.temporary-failure` finding (once per question)
    /// and the check becomes inconclusive. Returns true when `answer` was such a failure.
    pub fn dns_failure(&mut self, answer: &Answer, needed_for: &str) -> bool {
        if !answer.outcome.is_temporary_failure() {
            return false;
        }
        self.lookup_failed(
            &format!("{} {}", answer.name, answer.rtype),
            answer.outcome.kind(),
            answer.error.as_deref(),
            needed_for,
        );
        true
    }

    /// [`OutcomeBuilder::dns_failure`] for a failure known by its question (`NAME TYPE`) and
    /// outcome (`servfail`, `refused`, `timeout`) rather than by its answer, as the SPF engine
    /// reports the lookup that made it give temperror.
    pub(crate) fn lookup_failed(
        &mut self,
        question: &str,
        outcome: &str,
        error: Option<&str>,
        needed_for: &str,
    ) {
        let already = self.findings.iter().any(|f| {
            f.id == FindingId::DnsTemporaryFailure
                && f.evidence.get("question").and_then(|q| q.as_str()) == Some(question)
        });
        if !already {
            self.findings
                .push(failure_finding(question, outcome, error, needed_for));
        }
        self.inconclusive(lookup_failed_why(question, outcome, needed_for));
    }

    /// Finishes the check with `detail` as its one-line summary.
    pub fn done(self, detail: impl Into<String>) -> CheckOutcome {
        CheckOutcome {
            name: self.name,
            status: match self.inconclusive {
                Some(_) => CheckStatus::Inconclusive,
                None => CheckStatus::Ran,
            },
            why: self.inconclusive,
            detail: detail.into(),
            findings: self.findings,
            duration: self.started.elapsed(),
        }
    }
}

/// Why a check is inconclusive when the lookup `question` (`NAME TYPE`) failed: it names the
/// lookup, what it was needed for, and says to try again (a temporary failure is not a fact
/// about the domain).
pub(crate) fn lookup_failed_why(question: &str, outcome: &str, needed_for: &str) -> String {
    format!(
        "DNS lookup of {question} failed ({outcome}); {needed_for} could not be checked: try again in a few minutes"
    )
}

/// The `dns.temporary-failure` finding for a failed lookup.
fn failure_finding(
    question: &str,
    outcome: &str,
    error: Option<&str>,
    needed_for: &str,
) -> Finding {
    let what = match outcome {
        "servfail" => "the DNS server answered SERVFAIL",
        "refused" => "the DNS server refused to answer (REFUSED)",
        "timeout" => "no DNS answer arrived in time",
        _ => "the lookup failed",
    };
    Finding::new(FindingId::DnsTemporaryFailure,
        format!(
            "Looking up {}: {what}, so {needed_for} could not be checked.",
            sanitize::line(question),
        )).with_remedy("Try again in a few minutes. If it persists, check the domain's name servers (they may be down or misconfigured) or the resolver given with --nameserver.")
    .with_evidence(serde_json::json!({
        "question": question,
        "outcome": outcome,
        "error": error,
    }))
}
