//! `check_host()` of RFC 7208 §4–§6: fetches and selects the record, evaluates its terms with the
//! real DNS layer, enforces the processing limits (§4.6.4), follows `include` and `redirect`,
//! and computes the `exp=` explanation (§6.2). Every step is written into a [`Trace`] tree.
//!
//! This module owns evaluation only. The grammar is `parse`'s, macro expansion `macros`'; turning
//! results into findings is done in the parent module. DNS failures are results (`temperror`),
//! never `Err`; the [`Problem`] says what caused a `permerror` or `temperror`, for the findings.

use std::borrow::Cow;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use futures::future::{BoxFuture, FutureExt};
use serde::Serialize;

use super::macros::{MacroEnv, MacroString};
use super::parse::{self, Mechanism, Qualifier, Record, SyntaxError};
use crate::check::Context;
use crate::dns::{Answer, Outcome, RecordType};

/// The result of `check_host()` (RFC 7208 §2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// No SPF record, or no usable domain.
    None,
    /// The domain makes no assertion (`?` or no match).
    Neutral,
    /// The client is authorized.
    Pass,
    /// The client is not authorized.
    Fail,
    /// The client is probably not authorized.
    SoftFail,
    /// A transient DNS error.
    TempError,
    /// The record is broken.
    PermError,
}

impl Verdict {
    /// The lowercase name used by RFC 7208 and in `Received-SPF`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::None => "none",
            Verdict::Neutral => "neutral",
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::SoftFail => "softfail",
            Verdict::TempError => "temperror",
            Verdict::PermError => "permerror",
        }
    }

    fn of(q: Qualifier) -> Verdict {
        match q {
            Qualifier::Pass => Verdict::Pass,
            Qualifier::Fail => Verdict::Fail,
            Qualifier::SoftFail => Verdict::SoftFail,
            Qualifier::Neutral => Verdict::Neutral,
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The processing limits of RFC 7208 §4.6.4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// DNS-querying terms (`include`, `a`, `mx`, `ptr`, `exists`, `redirect`): 10.
    pub dns_terms: u32,
    /// Lookups answering NXDOMAIN or no records: 2.
    pub void_lookups: u32,
    /// MX records per `mx` term: 10 (more is a permerror).
    pub mx_names: usize,
    /// PTR names considered per `ptr` term or `%{p}`: 10 (the rest are ignored).
    pub ptr_names: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            dns_terms: 10,
            void_lookups: 2,
            mx_names: 10,
            ptr_names: 10,
        }
    }
}

/// What caused a `permerror` or `temperror`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Problem {
    /// Several SPF records at one name (§4.5).
    MultipleRecords {
        /// The name.
        domain: String,
        /// The records found.
        records: Vec<String>,
    },
    /// A record that does not parse (§4.6).
    Syntax {
        /// The name whose record it is.
        domain: String,
        /// The record text.
        record: String,
        /// The error with the term and its position.
        error: SyntaxError,
    },
    /// A record that is not 7-bit ASCII text.
    NotAscii {
        /// The name whose record it is.
        domain: String,
    },
    /// More than 10 DNS-querying terms.
    LookupLimit {
        /// The term that went over the limit.
        term: String,
        /// The domain whose record holds it.
        domain: String,
    },
    /// More than 2 void lookups.
    VoidLookupLimit {
        /// The term whose lookup went over the limit.
        term: String,
        /// The domain whose record holds it.
        domain: String,
        /// Every void lookup of the evaluation, as `name TYPE outcome`.
        voids: Vec<String>,
    },
    /// An `mx` term whose domain has more than 10 MX records.
    MxLimit {
        /// The domain queried.
        domain: String,
        /// How many MX records it has.
        count: usize,
    },
    /// An `include` or `redirect` target without an SPF record.
    TargetWithoutRecord {
        /// `include` or `redirect`.
        via: String,
        /// The target domain.
        domain: String,
    },
    /// A `redirect=` target that is not a valid domain name after expansion.
    InvalidTarget {
        /// The expanded name.
        name: String,
    },
    /// A DNS lookup failed (SERVFAIL, REFUSED, timeout): temperror.
    Dns {
        /// The name asked.
        name: String,
        /// The type asked.
        rtype: String,
        /// `servfail`, `refused` or `timeout`.
        outcome: String,
    },
}

/// One DNS question asked during evaluation. It holds the cached answer itself (an `Arc`), so
/// recording it in the trace copies nothing; the name, outcome and answers are read from it
/// when the trace is shown or serialized.
#[derive(Debug, Clone)]
pub struct Question(Asked);

#[derive(Debug, Clone)]
enum Asked {
    Answered(Arc<Answer>),
    InvalidName { name: String, rtype: RecordType },
}

/// At most this many answers of one question are shown in a trace.
const ANSWERS_SHOWN: usize = 32;

impl Question {
    /// The question for an answer from the DNS layer.
    pub fn answered(answer: Arc<Answer>) -> Question {
        Question(Asked::Answered(answer))
    }

    /// The name asked.
    pub fn name(&self) -> &str {
        match &self.0 {
            Asked::Answered(a) => &a.name,
            Asked::InvalidName { name, .. } => name,
        }
    }

    /// The type asked.
    pub fn rtype(&self) -> &'static str {
        type_name(match &self.0 {
            Asked::Answered(a) => a.rtype,
            Asked::InvalidName { rtype, .. } => *rtype,
        })
    }

    /// `records`, `nodata`, `nxdomain`, `servfail`, `refused`, `timeout` or `invalid-name`.
    pub fn outcome(&self) -> &'static str {
        match &self.0 {
            Asked::Answered(a) => a.outcome.kind(),
            Asked::InvalidName { .. } => "invalid-name",
        }
    }

    /// The answers in presentation form (at most 32). TXT answers are left out: the selected
    /// record is in the trace, and the other TXT records are not SPF.
    pub fn answers(&self) -> Vec<String> {
        match &self.0 {
            Asked::Answered(a) if a.rtype != RecordType::TXT => a
                .records()
                .take(ANSWERS_SHOWN)
                .map(|d| d.presentation())
                .collect(),
            _ => vec![],
        }
    }
}

impl PartialEq for Question {
    fn eq(&self, other: &Question) -> bool {
        self.name() == other.name()
            && self.rtype() == other.rtype()
            && self.outcome() == other.outcome()
            && self.answers() == other.answers()
    }
}

impl Serialize for Question {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let answers = self.answers();
        let mut st = s.serialize_struct("Question", 4)?;
        st.serialize_field("name", self.name())?;
        st.serialize_field("rtype", self.rtype())?;
        st.serialize_field("outcome", self.outcome())?;
        if answers.is_empty() {
            st.skip_field("answers")?;
        } else {
            st.serialize_field("answers", &answers)?;
        }
        st.end()
    }
}

/// What a term did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepOutcome {
    /// The mechanism matched: its qualifier is the result.
    Match,
    /// The mechanism did not match; evaluation went on.
    NoMatch,
    /// The term ended evaluation with a temperror.
    TempError,
    /// The term ended evaluation with a permerror.
    PermError,
}

/// One evaluated term.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// The term as written.
    #[serde(serialize_with = "ser_shared_str")]
    pub term: Arc<str>,
    /// Its byte position in the record.
    pub position: usize,
    /// What it did.
    pub outcome: StepOutcome,
    /// Why, in one line.
    pub detail: Cow<'static, str>,
    /// The DNS questions it asked.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub questions: Vec<Question>,
    /// DNS-querying terms counted so far (after this term).
    pub lookups: u32,
    /// Void lookups counted so far (after this term).
    pub void_lookups: u32,
    /// The evaluation of an `include` or `redirect` target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<Box<Trace>>,
}

fn ser_shared_str<S: serde::Serializer>(text: &Arc<str>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(text)
}

/// The evaluation of one domain's record: the root of the trace tree, or an include/redirect.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trace {
    /// The domain whose record was evaluated.
    pub domain: String,
    /// The record, when one was selected.
    pub record: Option<String>,
    /// The TXT question that fetched it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fetch: Option<Question>,
    /// Each term evaluated, in order (terms after a match or an error are not evaluated).
    pub steps: Vec<Step>,
    /// The result for this domain.
    pub result: Verdict,
    /// Why, in one line.
    pub reason: String,
}

/// The answer of [`check_host`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpfResult {
    /// The result.
    pub result: Verdict,
    /// For `fail`: the expanded `exp=` text, when the domain publishes a usable one.
    pub explanation: Option<String>,
    /// The full trace.
    pub trace: Trace,
    /// DNS-querying terms counted (limit 10).
    pub lookups: u32,
    /// Void lookups counted (limit 2).
    pub void_lookups: u32,
    /// What caused a permerror or temperror.
    pub problem: Option<Problem>,
}

/// The identities of one check (RFC 7208 §2.4, §4.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Local part of the sender (`postmaster` when the reverse-path is empty or has none).
    pub local: String,
    /// Domain of the sender (the HELO name for an empty reverse-path).
    pub domain: String,
}

impl Identity {
    /// The identity for `MAIL FROM:<mail_from>` after `HELO helo`: an empty reverse-path checks
    /// `postmaster@helo`; a missing local part becomes `postmaster` (§4.3).
    pub fn from_mail_from(mail_from: &str, helo: &str) -> Identity {
        let (local, domain) = identity_parts(mail_from, helo);
        Identity {
            local: local.to_string(),
            domain: domain.to_string(),
        }
    }
}

/// The local part and domain of [`Identity::from_mail_from`], borrowed (an evaluation copies
/// no input).
fn identity_parts<'a>(mail_from: &'a str, helo: &'a str) -> (&'a str, &'a str) {
    let (local, domain) = match mail_from.rsplit_once('@') {
        _ if mail_from.is_empty() => ("", helo),
        Some((l, d)) => (l, d),
        None => ("", mail_from),
    };
    (
        if local.is_empty() {
            "postmaster"
        } else {
            local
        },
        domain,
    )
}

/// Options of an evaluation.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The processing limits.
    pub limits: Limits,
    /// The receiving host for `%{r}` (`unknown` when not set).
    pub receiver: Option<String>,
    /// Record every term in the [`Trace`] (on by default). Without it the trace holds only the
    /// top domain, its record and the result: for callers that evaluate many addresses and
    /// need only the verdicts.
    pub no_trace: bool,
}

/// `check_host(<ip>, <domain>, <sender>)` with `helo` for `%{h}`; `sender` is the MAIL FROM
/// address (empty for the null reverse-path).
pub async fn check_host(
    ctx: &Context,
    ip: IpAddr,
    domain: &str,
    sender: &str,
    helo: &str,
) -> SpfResult {
    check_host_with(ctx, ip, domain, sender, helo, &Options::default()).await
}

/// [`check_host`] with explicit [`Options`].
pub async fn check_host_with(
    ctx: &Context,
    ip: IpAddr,
    domain: &str,
    sender: &str,
    helo: &str,
    options: &Options,
) -> SpfResult {
    // An IPv4-mapped IPv6 client is an IPv4 client (§5: mechanisms compare by family).
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    };
    let (local, sender_domain) = identity_parts(sender, helo);
    let mut ev = Eval {
        ctx,
        ip,
        local,
        sender_domain,
        helo,
        receiver: options.receiver.as_deref().unwrap_or("unknown"),
        limits: options.limits,
        lookups: 0,
        voids: 0,
        void_log: vec![],
        ptr_name: None,
        problem: None,
        trace: !options.no_trace,
        depth: 0,
        now: Instant::now(),
        asked: 0,
    };
    let domain = domain.trim_end_matches('.');
    // Lowercased only when it is not already (the usual case copies nothing).
    let domain: Cow<str> = if domain.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(domain.to_ascii_lowercase())
    } else {
        Cow::Borrowed(domain)
    };
    let (result, trace, explanation) = if !is_valid_domain(&domain) {
        let trace = Trace {
            domain: domain.to_string(),
            record: None,
            fetch: None,
            steps: vec![],
            result: Verdict::None,
            reason: "not a valid multi-label domain name (RFC 7208 §4.3)".into(),
        };
        (Verdict::None, trace, None)
    } else {
        ev.evaluate(&domain, true).await
    };
    ctx.dns.add_asked(ev.asked);
    SpfResult {
        result,
        explanation,
        trace,
        lookups: ev.lookups,
        void_lookups: ev.voids,
        problem: ev.problem,
    }
}

/// A name check_host() may query: ASCII labels of 1..=63 octets, at least two labels, at most
/// 253 octets, no domain literal.
pub(crate) fn is_valid_domain(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.len() > 253 || name.starts_with('[') {
        return false;
    }
    let mut label = 0usize;
    let mut dots = 0usize;
    for &b in name.as_bytes() {
        if b == b'.' {
            if label == 0 {
                return false;
            }
            dots += 1;
            label = 0;
        } else if b.is_ascii_graphic() {
            label += 1;
            if label > 63 {
                return false;
            }
        } else {
            return false;
        }
    }
    dots > 0 && label > 0
}

/// Truncates an expanded name from the left, label by label, to at most 253 octets (§7.3).
fn truncate_name(name: &str) -> &str {
    let mut n = name.strip_suffix('.').unwrap_or(name);
    while n.len() > 253 {
        match n.find('.') {
            Some(i) => n = &n[i + 1..],
            None => break,
        }
    }
    n
}

/// Writes a step's detail, formatting it only when the trace is kept: an evaluation without
/// a trace formats nothing for terms that do not end it.
macro_rules! note {
    // Pieces joined with one allocation (the common no-match details).
    ($this:expr, $step:expr; [$($piece:expr),+]) => {
        if $this.trace {
            $step.detail = Cow::Owned([$($piece),+].concat());
        }
    };
    ($this:expr, $step:expr, $($fmt:tt)*) => {
        if $this.trace {
            $step.detail = Cow::Owned(format!($($fmt)*));
        }
    };
}

struct Eval<'c> {
    ctx: &'c Context,
    ip: IpAddr,
    local: &'c str,
    sender_domain: &'c str,
    helo: &'c str,
    receiver: &'c str,
    limits: Limits,
    lookups: u32,
    voids: u32,
    void_log: Vec<String>,
    /// `%{p}` resolved once per evaluation.
    ptr_name: Option<Option<String>>,
    problem: Option<Problem>,
    /// Whether steps and questions are recorded.
    trace: bool,
    /// Nesting level of the record being evaluated (1 = the top).
    depth: u32,
    /// The clock read once per evaluation: cached answers are valid when they expire after it.
    now: Instant,
    /// Questions asked, added to the DNS layer's count once at the end.
    asked: u64,
}

/// What a term found while it was evaluated: made into a trace [`Step`] only when the trace
/// is kept, so that an untraced evaluation builds no step (and clones no term text).
#[derive(Default)]
struct Work {
    detail: Cow<'static, str>,
    questions: Vec<Question>,
    target: Option<Box<Trace>>,
}

impl Work {
    fn into_step(self, term: Arc<str>, position: usize, outcome: StepOutcome, ev: &Eval) -> Step {
        Step {
            term,
            position,
            outcome,
            detail: self.detail,
            questions: self.questions,
            lookups: ev.lookups,
            void_lookups: ev.voids,
            target: self.target,
        }
    }
}

/// How a term ended evaluation early.
enum Stop {
    Temp(String),
    Perm(String),
}

type Evaluated = (Verdict, Trace, Option<String>);

/// The types SPF asks, as static strings (no allocation per question in the trace).
fn type_name(t: RecordType) -> &'static str {
    match t {
        RecordType::A => "A",
        RecordType::AAAA => "AAAA",
        RecordType::MX => "MX",
        RecordType::TXT => "TXT",
        RecordType::PTR => "PTR",
        _ => "other",
    }
}

impl<'c> Eval<'c> {
    fn set_problem(&mut self, p: Problem) {
        if self.problem.is_none() {
            self.problem = Some(p);
        }
    }

    fn env<'a>(&'a self, domain: &'a str) -> MacroEnv<'a> {
        MacroEnv {
            local: self.local,
            sender_domain: self.sender_domain,
            domain,
            ip: self.ip,
            helo: self.helo,
            ptr: self.ptr_name.as_ref().and_then(|p| p.as_deref()),
            receiver: self.receiver,
            now: self
                .ctx
                .now
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        }
    }

    async fn query(
        &mut self,
        name: &str,
        rtype: RecordType,
        qs: &mut Vec<Question>,
    ) -> Option<Arc<Answer>> {
        let answer = self.ask(name, rtype).await;
        qs.extend(self.asked(name, rtype, &answer));
        answer.ok()
    }

    /// One question: from the cache at the evaluation's clock reading, else from the DNS layer.
    async fn ask(
        &mut self,
        name: &str,
        rtype: RecordType,
    ) -> Result<Arc<Answer>, crate::dns::InvalidName> {
        self.asked += 1;
        match self.ctx.dns.cached(name, rtype, self.now) {
            Some(a) => Ok(a),
            None => self.ctx.dns.query_missed(name, rtype).await,
        }
    }

    /// What the trace records of one question: an invalid name always (it explains a
    /// non-match), an answer only when the trace is kept.
    fn asked(
        &self,
        name: &str,
        rtype: RecordType,
        answer: &Result<Arc<Answer>, crate::dns::InvalidName>,
    ) -> Option<Question> {
        match answer {
            Ok(a) => self.trace.then(|| Question::answered(a.clone())),
            Err(_) => Some(Question(Asked::InvalidName {
                name: name.to_string(),
                rtype,
            })),
        }
    }

    /// Counts a void lookup; Err when it goes over the limit.
    fn void(&mut self, answer: &Answer, term: &str, domain: &str) -> Result<(), Stop> {
        self.voids += 1;
        self.void_log.push(format!(
            "{} {} {}",
            answer.name,
            answer.rtype,
            answer.outcome.kind()
        ));
        if self.voids > self.limits.void_lookups {
            self.set_problem(Problem::VoidLookupLimit {
                term: term.to_string(),
                domain: domain.to_string(),
                voids: self.void_log.clone(),
            });
            return Err(Stop::Perm(format!(
                "more than {} void lookups (RFC 7208 §4.6.4)",
                self.limits.void_lookups
            )));
        }
        Ok(())
    }

    fn temp(&mut self, answer: &Answer) -> Stop {
        self.set_problem(Problem::Dns {
            name: answer.name.clone(),
            rtype: answer.rtype.to_string(),
            outcome: answer.outcome.kind().to_string(),
        });
        Stop::Temp(format!(
            "DNS lookup {} {} failed ({})",
            answer.name,
            answer.rtype,
            answer.outcome.kind()
        ))
    }

    /// Expands a domain-spec (resolving `%{p}` first when used) and truncates it to 253 octets.
    async fn expand(&mut self, ms: &MacroString, domain: &str) -> String {
        if ms.uses_ptr() && self.ptr_name.is_none() {
            let mut scratch = vec![];
            let name = self.validated_ptr(domain, &mut scratch).await;
            self.ptr_name = Some(name);
        }
        let out = ms.expand(&self.env(domain));
        truncate_name(&out).to_ascii_lowercase()
    }

    /// The validated reverse names of the client (§5.5), at most `ptr_names` of them checked;
    /// the first equal to or under `domain` is preferred.
    async fn validated_names(&mut self, qs: &mut Vec<Question>) -> Vec<String> {
        let rev = reverse_name(self.ip);
        let Some(ptr) = self.query(&rev, RecordType::PTR, qs).await else {
            return vec![];
        };
        let names: Vec<String> = ptr
            .records()
            .filter_map(|d| match d {
                crate::dns::Data::Ptr { target } => Some(target.clone()),
                _ => None,
            })
            .take(self.limits.ptr_names)
            .collect();
        let rtype = match self.ip {
            IpAddr::V4(_) => RecordType::A,
            IpAddr::V6(_) => RecordType::AAAA,
        };
        let mut out = vec![];
        for n in names {
            if let Some(a) = self.query(&n, rtype, qs).await {
                if a.ips().contains(&self.ip) {
                    out.push(n);
                }
            }
        }
        out
    }

    async fn validated_ptr(&mut self, domain: &str, qs: &mut Vec<Question>) -> Option<String> {
        let names = self.validated_names(qs).await;
        names
            .iter()
            .find(|n| name_under(n, domain))
            .or(names.first())
            .cloned()
    }

    fn evaluate<'d>(&'d mut self, domain: &'d str, want_exp: bool) -> BoxFuture<'d, Evaluated> {
        async move {
            self.depth += 1;
            let out = self.evaluate_record(domain, want_exp).await;
            self.depth -= 1;
            out
        }
        .boxed()
    }

    /// An included record that is already cached and asks no DNS (only `ip4`, `ip6` and `all`
    /// terms, no `redirect=`), evaluated synchronously: no future is built for it. Most includes
    /// of large senders are such lists of networks. None for any other record, which
    /// [`Eval::evaluate`] then evaluates (with the same result and trace).
    fn evaluate_local(&mut self, domain: &str) -> Option<Evaluated> {
        let answer = self.ctx.dns.cached(domain, RecordType::TXT, self.now)?;
        if !matches!(answer.outcome, Outcome::Records(_)) {
            return None;
        }
        let Selection::One(Ok(record)) = answer.derived_ref(Selection::of)? else {
            return None;
        };
        let local = |t: &parse::Term| match t {
            parse::Term::Directive(d) => matches!(
                d.mechanism,
                Mechanism::All | Mechanism::Ip4 { .. } | Mechanism::Ip6 { .. }
            ),
            parse::Term::Modifier(m) => !matches!(m.kind, parse::ModifierKind::Redirect { .. }),
        };
        if !record.terms.iter().all(local) {
            return None;
        }
        self.asked += 1;
        self.depth += 1;
        let keep = self.keep_text();
        let mut trace = Trace {
            domain: if keep {
                domain.to_string()
            } else {
                String::new()
            },
            record: keep.then(|| record.text.clone()),
            fetch: self.trace.then(|| Question::answered(answer.clone())),
            steps: vec![],
            result: Verdict::Neutral,
            reason: String::new(),
        };
        let mut result = None;
        for d in record.directives() {
            let mut work = Work::default();
            let hit = self.match_local(&d.mechanism, &mut work);
            if self.trace {
                let (outcome, default) = if hit {
                    (StepOutcome::Match, "matches")
                } else {
                    (StepOutcome::NoMatch, "does not match")
                };
                if work.detail.is_empty() {
                    work.detail = Cow::Borrowed(default);
                }
                let step = work.into_step(d.text.clone(), d.span.start, outcome, self);
                trace.steps.push(step);
            }
            if hit {
                let v = Verdict::of(d.qualifier);
                if keep {
                    trace.reason = [record.term_text(d.span), " matched: ", v.as_str()].concat();
                }
                result = Some(v);
                break;
            }
        }
        let result = result.unwrap_or_else(|| {
            if keep {
                trace.reason = "no mechanism matched: neutral (RFC 7208 §4.7)".into();
            }
            Verdict::Neutral
        });
        trace.result = result;
        self.depth -= 1;
        Some((result, trace, None))
    }

    /// Whether this level's record text and reason are kept: always with a trace, and for the
    /// top level (the findings quote them) without one.
    fn keep_text(&self) -> bool {
        self.trace || self.depth == 1
    }

    async fn evaluate_record(&mut self, domain: &str, want_exp: bool) -> Evaluated {
        {
            let mut trace = Trace {
                // Without a trace only the top level's is shown.
                domain: if self.keep_text() {
                    domain.to_string()
                } else {
                    String::new()
                },
                record: None,
                fetch: None,
                steps: vec![],
                result: Verdict::None,
                reason: String::new(),
            };
            // The fetched answer holds the parsed record (see `Selection`): it is borrowed
            // from there, so a warm evaluation neither copies nor reference-counts it.
            let mut held = None;
            let mut own = None;
            let record = match self.fetch(domain, &mut trace, &mut held, &mut own).await {
                Ok(Some(r)) => r,
                Ok(None) => {
                    trace.result = Verdict::None;
                    return (Verdict::None, trace, None);
                }
                Err(v) => {
                    trace.result = v;
                    return (v, trace, None);
                }
            };
            if self.trace {
                trace.steps.reserve_exact(record.terms.len());
            }
            let mut result = None;
            for d in record.directives() {
                let text = record.term_text(d.span);
                let mut work = Work::default();
                // The terms that ask no DNS are decided here, without building the (large)
                // future of `mechanism`: most terms of real records are ip4/ip6.
                let r = match &d.mechanism {
                    Mechanism::All | Mechanism::Ip4 { .. } | Mechanism::Ip6 { .. } => {
                        Ok(self.match_local(&d.mechanism, &mut work))
                    }
                    m => match self.count_term(text, domain) {
                        Ok(()) => self.mechanism(m, domain, text, &mut work).await,
                        Err(e) => Err(e),
                    },
                };
                match r {
                    Ok(true) => {
                        let v = Verdict::of(d.qualifier);
                        if self.keep_text() {
                            trace.reason = [text, " matched: ", v.as_str()].concat();
                        }
                        if self.trace {
                            if work.detail.is_empty() {
                                work.detail = Cow::Borrowed("matches");
                            }
                            let step = work.into_step(
                                d.text.clone(),
                                d.span.start,
                                StepOutcome::Match,
                                self,
                            );
                            trace.steps.push(step);
                        }
                        result = Some(v);
                        break;
                    }
                    Ok(false) => {
                        if self.trace {
                            if work.detail.is_empty() {
                                work.detail = Cow::Borrowed("does not match");
                            }
                            let step = work.into_step(
                                d.text.clone(),
                                d.span.start,
                                StepOutcome::NoMatch,
                                self,
                            );
                            trace.steps.push(step);
                        }
                    }
                    Err(stop) => {
                        let (outcome, verdict, why) = match stop {
                            Stop::Temp(why) => (StepOutcome::TempError, Verdict::TempError, why),
                            Stop::Perm(why) => (StepOutcome::PermError, Verdict::PermError, why),
                        };
                        trace.reason = format!("{text}: {why}");
                        if self.trace {
                            work.detail = Cow::Owned(why);
                            let step = work.into_step(d.text.clone(), d.span.start, outcome, self);
                            trace.steps.push(step);
                        }
                        trace.result = verdict;
                        return (verdict, trace, None);
                    }
                }
            }
            let has_all = record
                .directives()
                .any(|d| matches!(d.mechanism, Mechanism::All));
            let result = match result {
                Some(v) => v,
                None => match record.redirect() {
                    Some(target) if !has_all => {
                        let (v, exp) = self
                            .redirect(record, target, domain, &mut trace, want_exp)
                            .await;
                        trace.result = v;
                        return (v, trace, exp);
                    }
                    _ => {
                        if self.keep_text() {
                            trace.reason = "no mechanism matched: neutral (RFC 7208 §4.7)".into();
                        }
                        Verdict::Neutral
                    }
                },
            };
            trace.result = result;
            let explanation = if result == Verdict::Fail && want_exp {
                match record.exp() {
                    Some(exp) => self.explanation(exp, domain).await,
                    None => None,
                }
            } else {
                None
            };
            (result, trace, explanation)
        }
    }

    fn count_term(&mut self, text: &str, domain: &str) -> Result<(), Stop> {
        self.lookups += 1;
        if self.lookups > self.limits.dns_terms {
            self.set_problem(Problem::LookupLimit {
                term: text.to_string(),
                domain: domain.to_string(),
            });
            return Err(Stop::Perm(format!(
                "more than {} DNS-querying terms (RFC 7208 §4.6.4)",
                self.limits.dns_terms
            )));
        }
        Ok(())
    }

    async fn redirect(
        &mut self,
        record: &Record,
        target: &MacroString,
        domain: &str,
        trace: &mut Trace,
        want_exp: bool,
    ) -> (Verdict, Option<String>) {
        let span = record
            .terms
            .iter()
            .find(|t| matches!(t, parse::Term::Modifier(m) if matches!(m.kind, parse::ModifierKind::Redirect { .. })))
            .map(|t| t.span())
            .unwrap_or(parse::Span { start: 0, end: 0 });
        let text = record.term_text(span).to_string();
        let mut step = Step {
            term: Arc::from(text.as_str()),
            position: span.start,
            outcome: StepOutcome::Match,
            detail: Cow::Borrowed(""),
            questions: vec![],
            lookups: 0,
            void_lookups: 0,
            target: None,
        };
        let finish = |mut step: Step, trace: &mut Trace, this: &Self, outcome, detail: String| {
            step.outcome = outcome;
            step.detail = Cow::Owned(detail.clone());
            step.lookups = this.lookups;
            step.void_lookups = this.voids;
            trace.reason = format!("{}: {detail}", step.term);
            if this.trace {
                trace.steps.push(step);
            }
        };
        if let Err(Stop::Perm(why)) | Err(Stop::Temp(why)) = self.count_term(&text, domain) {
            finish(step, trace, self, StepOutcome::PermError, why);
            return (Verdict::PermError, None);
        }
        let name = self.expand(target, domain).await;
        if !is_valid_domain(&name) {
            self.set_problem(Problem::InvalidTarget { name: name.clone() });
            finish(
                step,
                trace,
                self,
                StepOutcome::PermError,
                format!("{name:?} is not a valid domain name"),
            );
            return (Verdict::PermError, None);
        }
        let (v, child, exp) = self.evaluate(&name, want_exp).await;
        if self.trace {
            step.target = Some(Box::new(child));
        }
        if v == Verdict::None {
            self.set_problem(Problem::TargetWithoutRecord {
                via: "redirect".into(),
                domain: name.clone(),
            });
            finish(
                step,
                trace,
                self,
                StepOutcome::PermError,
                format!("{name} has no SPF record: permerror (RFC 7208 §6.1)"),
            );
            return (Verdict::PermError, None);
        }
        let outcome = match v {
            Verdict::TempError => StepOutcome::TempError,
            Verdict::PermError => StepOutcome::PermError,
            _ => StepOutcome::Match,
        };
        finish(step, trace, self, outcome, format!("{name} gives {v}"));
        (v, exp)
    }

    /// Fetches and selects the record of `domain`: Ok(None) for "no record" (result none).
    /// The answer is kept in `held` and the record borrowed from it; `own` holds the selection
    /// only when the answer could not keep it.
    async fn fetch<'h>(
        &mut self,
        domain: &str,
        trace: &mut Trace,
        held: &'h mut Option<Arc<Answer>>,
        own: &'h mut Option<Arc<Selection>>,
    ) -> Result<Option<&'h Record>, Verdict> {
        let answer = self.ask(domain, RecordType::TXT).await;
        trace.fetch = self.asked(domain, RecordType::TXT, &answer);
        let answer = answer.ok();
        let Some(answer) = answer else {
            trace.reason = "not a valid domain name: none".into();
            return Ok(None);
        };
        match &answer.outcome {
            Outcome::NxDomain => {
                trace.reason = "the domain does not exist: none".into();
                return Ok(None);
            }
            Outcome::NoData => {
                trace.reason = "no TXT records: none".into();
                return Ok(None);
            }
            o if o.is_temporary_failure() => {
                let (Stop::Temp(why) | Stop::Perm(why)) = self.temp(&answer);
                trace.reason = format!("{why}: temperror");
                return Err(Verdict::TempError);
            }
            _ => {}
        }
        let answer: &'h Answer = held.insert(answer);
        let selection: &'h Selection = match answer.derived_ref(Selection::of) {
            Some(s) => s,
            None => own.insert(answer.derived(Selection::of)),
        };
        match selection {
            Selection::NoRecord => {
                trace.reason = "no TXT record starts with v=spf1: none".into();
                Ok(None)
            }
            Selection::NotAscii { lossy } => {
                trace.record = Some(lossy.clone());
                self.set_problem(Problem::NotAscii {
                    domain: domain.to_string(),
                });
                trace.reason = "the record is not ASCII text: permerror".into();
                Err(Verdict::PermError)
            }
            Selection::One(Ok(record)) => {
                if self.keep_text() {
                    trace.record = Some(record.text.clone());
                }
                Ok(Some(record))
            }
            Selection::One(Err((text, e))) => {
                trace.record = Some(text.clone());
                trace.reason = format!("syntax error: {e}: permerror");
                self.set_problem(Problem::Syntax {
                    domain: domain.to_string(),
                    record: text.clone(),
                    error: e.clone(),
                });
                Err(Verdict::PermError)
            }
            Selection::Multiple(records) => {
                trace.reason = format!("{} SPF records: permerror (RFC 7208 §4.5)", records.len());
                self.set_problem(Problem::MultipleRecords {
                    domain: domain.to_string(),
                    records: records.clone(),
                });
                Err(Verdict::PermError)
            }
        }
    }

    fn family_type(&self) -> RecordType {
        match self.ip {
            IpAddr::V4(_) => RecordType::A,
            IpAddr::V6(_) => RecordType::AAAA,
        }
    }

    fn in_prefix(&self, addr: IpAddr, cidr: parse::DualCidr) -> bool {
        match (self.ip, addr) {
            (IpAddr::V4(me), IpAddr::V4(a)) => ipnet::Ipv4Net::new(a, cidr.v4)
                .map(|n| n.contains(&me))
                .unwrap_or(false),
            (IpAddr::V6(me), IpAddr::V6(a)) => ipnet::Ipv6Net::new(a, cidr.v6)
                .map(|n| n.contains(&me))
                .unwrap_or(false),
            _ => false,
        }
    }

    /// The domain a term applies to: its expanded domain-spec or the current domain. A literal
    /// domain-spec (the usual case) is borrowed, not copied.
    async fn target<'m>(&mut self, spec: Option<&'m MacroString>, domain: &'m str) -> Cow<'m, str> {
        match spec {
            Some(ms) => match ms.literal() {
                Some(lit) => Cow::Borrowed(truncate_name(lit)),
                None => Cow::Owned(self.expand(ms, domain).await),
            },
            None => Cow::Borrowed(domain),
        }
    }

    /// `all`, `ip4` and `ip6`: decided from the client address alone.
    fn match_local(&self, mech: &Mechanism, step: &mut Work) -> bool {
        let net = match (mech, self.ip) {
            (Mechanism::All, _) => {
                step.detail = Cow::Borrowed("all always matches");
                return true;
            }
            (Mechanism::Ip4 { net }, IpAddr::V4(me)) if net.contains(&me) => ipnet::IpNet::V4(*net),
            (Mechanism::Ip6 { net }, IpAddr::V6(me)) if net.contains(&me) => ipnet::IpNet::V6(*net),
            _ => return false,
        };
        note!(self, step, "{} is in {net}", self.ip);
        true
    }

    async fn mechanism(
        &mut self,
        mech: &Mechanism,
        domain: &str,
        text: &str,
        step: &mut Work,
    ) -> Result<bool, Stop> {
        match mech {
            Mechanism::All | Mechanism::Ip4 { .. } | Mechanism::Ip6 { .. } => {
                Ok(self.match_local(mech, step))
            }
            Mechanism::A { domain: spec, cidr } => {
                let target = self.target(spec.as_ref(), domain).await;
                self.match_a(&target, *cidr, text, domain, step, true).await
            }
            Mechanism::Mx { domain: spec, cidr } => {
                let target = self.target(spec.as_ref(), domain).await;
                let answer = self
                    .query(&target, RecordType::MX, &mut step.questions)
                    .await;
                let Some(answer) = answer else {
                    note!(
                        self,
                        step,
                        "{target:?} is not a valid domain name: no match"
                    );
                    return Ok(false);
                };
                match &answer.outcome {
                    Outcome::NxDomain | Outcome::NoData => {
                        note!(self, step, "{target} has no MX records");
                        self.void(&answer, text, domain)?;
                        return Ok(false);
                    }
                    o if o.is_temporary_failure() => return Err(self.temp(&answer)),
                    _ => {}
                }
                // Sorted once per cached answer, not per evaluation.
                let hosts = answer.derived(Answer::mx);
                if hosts.len() > self.limits.mx_names {
                    self.set_problem(Problem::MxLimit {
                        domain: target.to_string(),
                        count: hosts.len(),
                    });
                    return Err(Stop::Perm(format!(
                        "{target} has {} MX records, more than {} (RFC 7208 §4.6.4)",
                        hosts.len(),
                        self.limits.mx_names
                    )));
                }
                for (_, host) in hosts.iter() {
                    if host == "." {
                        continue;
                    }
                    if self.match_a(host, *cidr, text, domain, step, false).await? {
                        note!(self, step, "{} is an address of MX host {host}", self.ip);
                        return Ok(true);
                    }
                }
                note!(self, step; ["not an address of any MX host of ", &target]);
                Ok(false)
            }
            Mechanism::Ptr { domain: spec } => {
                let target = self.target(spec.as_ref(), domain).await;
                let names = self.validated_names(&mut step.questions).await;
                match names.iter().find(|n| name_under(n, &target)) {
                    Some(n) => {
                        note!(self, step, "validated reverse name {n} is under {target}");
                        Ok(true)
                    }
                    None => {
                        note!(self, step, "no validated reverse name under {target}");
                        Ok(false)
                    }
                }
            }
            Mechanism::Exists { domain: spec } => {
                let target = self.target(Some(spec), domain).await;
                let answer = self
                    .query(&target, RecordType::A, &mut step.questions)
                    .await;
                let Some(answer) = answer else {
                    note!(
                        self,
                        step,
                        "{target:?} is not a valid domain name: no match"
                    );
                    return Ok(false);
                };
                match &answer.outcome {
                    Outcome::Records(_) if answer.records().next().is_some() => {
                        note!(self, step, "{target} exists");
                        Ok(true)
                    }
                    o if o.is_temporary_failure() => Err(self.temp(&answer)),
                    _ => {
                        note!(self, step, "{target} has no A record");
                        self.void(&answer, text, domain)?;
                        Ok(false)
                    }
                }
            }
            Mechanism::Include { domain: spec } => {
                let target = self.target(Some(spec), domain).await;
                if !is_valid_domain(&target) {
                    let why = format!("{target:?} is not a valid domain name");
                    self.set_problem(Problem::InvalidTarget {
                        name: target.into_owned(),
                    });
                    return Err(Stop::Perm(why));
                }
                let (v, child, _) = match self.evaluate_local(&target) {
                    Some(evaluated) => evaluated,
                    None => self.evaluate(&target, false).await,
                };
                if self.trace {
                    step.target = Some(Box::new(child));
                }
                match v {
                    Verdict::Pass => {
                        note!(self, step; [&target, " gives pass"]);
                        Ok(true)
                    }
                    Verdict::Fail | Verdict::SoftFail | Verdict::Neutral => {
                        note!(self, step; [&target, " gives ", v.as_str(), ": no match"]);
                        Ok(false)
                    }
                    Verdict::TempError => Err(Stop::Temp(format!("{target} gives temperror"))),
                    Verdict::PermError => Err(Stop::Perm(format!("{target} gives permerror"))),
                    Verdict::None => {
                        self.set_problem(Problem::TargetWithoutRecord {
                            via: "include".into(),
                            domain: target.to_string(),
                        });
                        Err(Stop::Perm(format!(
                            "{target} has no SPF record: permerror (RFC 7208 §5.2)"
                        )))
                    }
                }
            }
        }
    }

    /// Looks up the addresses of `target` in the client's family and compares them under `cidr`.
    /// `count_void`: whether an empty answer counts as a void lookup (the `a` term's own lookup).
    async fn match_a(
        &mut self,
        target: &str,
        cidr: parse::DualCidr,
        text: &str,
        domain: &str,
        step: &mut Work,
        count_void: bool,
    ) -> Result<bool, Stop> {
        let answer = self
            .query(target, self.family_type(), &mut step.questions)
            .await;
        let Some(answer) = answer else {
            note!(
                self,
                step,
                "{target:?} is not a valid domain name: no match"
            );
            return Ok(false);
        };
        match &answer.outcome {
            o if o.is_temporary_failure() => Err(self.temp(&answer)),
            Outcome::NxDomain | Outcome::NoData => {
                note!(self, step, "{target} has no {} records", answer.rtype);
                if count_void {
                    self.void(&answer, text, domain)?;
                }
                Ok(false)
            }
            _ => {
                let mut ips = answer.records().filter_map(|d| match d {
                    crate::dns::Data::A { address } => Some(IpAddr::V4(*address)),
                    crate::dns::Data::Aaaa { address } => Some(IpAddr::V6(*address)),
                    _ => None,
                });
                let mut any = false;
                let hit = ips.find(|a| {
                    any = true;
                    self.in_prefix(*a, cidr)
                });
                if !any && count_void {
                    self.void(&answer, text, domain)?;
                }
                if let Some(hit) = hit {
                    note!(self, step, "{} is within {hit} of {target}", self.ip);
                    Ok(true)
                } else {
                    note!(self, step; ["not an address of ", target]);
                    Ok(false)
                }
            }
        }
    }

    /// The `exp=` explanation (§6.2): any failure gives the default (None).
    async fn explanation(&mut self, exp: &MacroString, domain: &str) -> Option<String> {
        let name = self.expand(exp, domain).await;
        if !is_valid_domain(&name) {
            return None;
        }
        let answer = self.ctx.dns.query(&name, RecordType::TXT).await.ok()?;
        let txt = answer.txt();
        if txt.len() != 1 {
            return None;
        }
        let text = String::from_utf8(txt.into_iter().next()?).ok()?;
        if !text.is_ascii() {
            return None;
        }
        let ms = MacroString::parse(&text, true).ok()?;
        if ms.uses_ptr() && self.ptr_name.is_none() {
            let mut scratch = vec![];
            let n = self.validated_ptr(domain, &mut scratch).await;
            self.ptr_name = Some(n);
        }
        Some(ms.expand(&self.env(domain)))
    }
}

/// The SPF record selected from one TXT answer (RFC 7208 §4.5), already parsed. It is kept on
/// the cached answer ([`Answer::derived`]), so evaluations against a warm cache neither join
/// character-strings nor parse again, and it expires with the answer's TTL.
enum Selection {
    /// No TXT record starts with `v=spf1`: result none.
    NoRecord,
    /// Exactly one: its parse, or the text and the syntax error.
    One(Result<Arc<Record>, (String, SyntaxError)>),
    /// One SPF record that is not UTF-8 text (shown lossily).
    NotAscii {
        /// The record with invalid bytes replaced.
        lossy: String,
    },
    /// Several SPF records: permerror.
    Multiple(Vec<String>),
}

impl Selection {
    fn of(answer: &Answer) -> Selection {
        // Only SPF records are joined (the others, often many, are only looked at).
        let mut spf: Vec<Vec<u8>> = answer
            .records()
            .filter_map(|d| match d {
                crate::dns::Data::Txt { strings } => {
                    let mut head = [0u8; 7];
                    let mut n = 0;
                    for (slot, b) in head.iter_mut().zip(strings.iter().flatten()) {
                        *slot = *b;
                        n += 1;
                    }
                    parse::is_spf_record(&head[..n]).then(|| strings.concat())
                }
                _ => None,
            })
            .collect();
        match spf.len() {
            0 => Selection::NoRecord,
            1 => {
                let bytes = spf.pop().unwrap_or_default();
                match String::from_utf8(bytes) {
                    Ok(text) => Selection::One(match parse::parse(&text) {
                        Ok(r) => Ok(Arc::new(r)),
                        Err(e) => Err((text, e)),
                    }),
                    Err(e) => Selection::NotAscii {
                        lossy: String::from_utf8_lossy(e.as_bytes()).into_owned(),
                    },
                }
            }
            _ => Selection::Multiple(
                spf.iter()
                    .map(|r| String::from_utf8_lossy(r).into_owned())
                    .collect(),
            ),
        }
    }
}

fn name_under(name: &str, domain: &str) -> bool {
    let name = name.trim_end_matches('.');
    let domain = domain.trim_end_matches('.');
    name.eq_ignore_ascii_case(domain)
        || (name.len() > domain.len()
            && name.as_bytes()[name.len() - domain.len() - 1] == b'.'
            && name[name.len() - domain.len()..].eq_ignore_ascii_case(domain))
}

/// The reverse-DNS name of an address (`in-addr.arpa` / `ip6.arpa`).
pub(crate) fn reverse_name(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.{}.in-addr.arpa", o[3], o[2], o[1], o[0])
        }
        IpAddr::V6(_) => {
            let d = super::macros::dotted_ip(ip);
            let mut parts: Vec<&str> = d.split('.').collect();
            parts.reverse();
            format!("{}.ip6.arpa", parts.join("."))
        }
    }
}
