//! The DMARC policy record (RFC 7489 §6.3–6.4, plus the DMARCbis tags `np`, `psd` and `t`): a
//! strict parser that keeps byte positions, the choice of the one record among the TXT answers
//! at `_dmarc.<domain>`, and policy discovery (the From domain, then its organizational domain).
//!
//! What the record *means* for a received message (alignment, the DMARC result) is left to
//! `alignment` and to the message checks; this module only says which policy a domain
//! publishes and what is wrong with it.
//!
//! ## The reading of the RFC we follow
//! - Validity of the record as a whole is decided by `v` and `p` as RFC 9989 has them: `v=DMARC1`
//!   first, then the tags in any order (§4.7, §4.8); `p` is RECOMMENDED, no longer required.
//!   A misplaced `p` is read, with a note that RFC 7489 receivers ("v and p MUST appear in that
//!   order", §6.3) may discard the record. A missing `p` with a valid `rua` is `p=none` (§4.7;
//!   a note, not an error). An invalid `p`, `sp` or `np` makes the record act as `p=none` when
//!   `rua` holds a valid URI (§4.10.1 step 6, RFC 7489 §6.6.3), and voids it otherwise. A record
//!   with neither `p` nor a valid `rua` is void: §4.10.1 says "no DMARC processing" where §4.7
//!   says `p=none`; both mean no policy is applied, and we report it as a record without one.
//! - A bad value in any tag still defined (`adkim aspf fo rua ruf psd t`) is a syntax
//!   error: a receiver cannot know what the publisher meant.
//! - `pct`, `ri` and `rf` were removed by DMARCbis; receivers that implement it ignore them, and
//!   RFC 7489 §6.3 itself says "syntax errors in the remainder of the record SHOULD be discarded
//!   in favor of default values". A bad value there is a [`NoteKind::InvalidRemovedTag`] note
//!   (reported as a warning), not a void record.
//! - Whitespace is accepted around every separator (`=`, `;`, `,`, `:`, `!`); the RFC's ABNF
//!   allows it around most of them and is inconsistent about `:` and `!`. An empty tag (`;;`) is
//!   accepted with a note. Tag names and keyword values are case-insensitive (RFC 5234 quoted
//!   strings); the version `DMARC1` is case-sensitive (it is written `%x44 %x4d ...`).

use std::fmt;

use serde::Serialize;

/// A requested mail handling policy (`p`, `sp`, `np`).
///
/// ```text
/// dmarc-request = "p" *WSP "=" *WSP ( "none" / "quarantine" / "reject" )
/// dmarc-srequest = "sp" *WSP "=" *WSP ( "none" / "quarantine" / "reject" )
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    /// Monitoring only.
    None,
    /// Treat failing mail as suspicious (spam folder).
    Quarantine,
    /// Reject failing mail during the SMTP transaction.
    Reject,
}

impl Policy {
    fn parse(v: &str) -> Option<Policy> {
        match v.to_ascii_lowercase().as_str() {
            "none" => Some(Policy::None),
            "quarantine" => Some(Policy::Quarantine),
            "reject" => Some(Policy::Reject),
            _ => None,
        }
    }

    /// What an RFC 9989 receiver applies under `t=y` (testing): one step lower, reject →
    /// quarantine → none (RFC 9989 §4.7).
    pub fn testing_step(self) -> Policy {
        match self {
            Policy::Reject => Policy::Quarantine,
            Policy::Quarantine | Policy::None => Policy::None,
        }
    }

    /// `none`, `quarantine` or `reject`.
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::None => "none",
            Policy::Quarantine => "quarantine",
            Policy::Reject => "reject",
        }
    }
}

/// Identifier alignment mode (`adkim`, `aspf`).
///
/// ```text
/// dmarc-adkim = "adkim" *WSP "=" *WSP ( "r" / "s" )
/// dmarc-aspf = "aspf" *WSP "=" *WSP ( "r" / "s" )
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AlignmentMode {
    /// Organizational domains must match (the default).
    #[default]
    Relaxed,
    /// The domains must be identical.
    Strict,
}

/// Failure reporting options (`fo`).
///
/// ```text
/// dmarc-fo = "fo" *WSP "=" *WSP ( "0" / "1" / "d" / "s" )
///            *(*WSP ":" *WSP ( "0" / "1" / "d" / "s" ))
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FailureOption {
    /// `0`: report when all mechanisms fail to produce an aligned pass (the default).
    #[serde(rename = "0")]
    All,
    /// `1`: report when any mechanism fails.
    #[serde(rename = "1")]
    Any,
    /// `d`: report DKIM failures.
    #[serde(rename = "d")]
    Dkim,
    /// `s`: report SPF failures.
    #[serde(rename = "s")]
    Spf,
}

/// Public suffix domain flag (`psd`, DMARCbis).
///
/// ```text
/// dmarc-psd = "psd" *WSP "=" *WSP ( "y" / "n" / "u" )
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Psd {
    /// The domain is a public suffix domain.
    Y,
    /// The domain is an organizational domain.
    N,
    /// Unspecified (the default).
    U,
}

/// A reporting URI (`rua`, `ruf`) with its optional size limit.
///
/// ```text
/// dmarc-uri = URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ]
///             ; "URI" is imported from [RFC3986]; commas (ASCII
///             ; 0x2C) and exclamation points (ASCII 0x21)
///             ; MUST be encoded; the numeric portion MUST fit
///             ; within an unsigned 64-bit integer
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportUri {
    /// The URI as written (`mailto:dmarc@example.com`).
    pub uri: String,
    /// The size limit as written, lowercase (`10m`), if any.
    pub max_size: Option<String>,
    /// The size limit in bytes (k/m/g/t as powers of 1024), if any and if it fits.
    pub max_size_bytes: Option<u64>,
    /// Byte position of the URI in the record.
    pub pos: usize,
}

impl ReportUri {
    /// The address of a `mailto:` URI (without the scheme), if it is one.
    pub fn mailto_address(&self) -> Option<&str> {
        let (scheme, rest) = self.uri.split_once(':')?;
        scheme
            .eq_ignore_ascii_case("mailto")
            .then(|| rest.split('?').next().unwrap_or(rest))
    }
}

/// What a note is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoteKind {
    /// An unknown tag, ignored (RFC 7489 §6.3: "Unknown tags MUST be ignored").
    UnknownTag,
    /// An empty tag (`;;`), ignored.
    EmptyTag,
    /// A tag that DMARCbis removed (`pct`, `ri`, `rf`).
    RemovedInDmarcbis,
    /// A value that RFC 7489 does not allow in a tag that DMARCbis removed; ignored.
    InvalidRemovedTag,
    /// `p` invalid (or `sp`/`np` invalid) with a valid `rua`: the record acts as `p=none`
    /// (RFC 9989 §4.10.1 step 6, RFC 7489 §6.6.3).
    PolicyFallback,
    /// `fo` lists an option another one already implies (`0` with `1`).
    RedundantFailureOption,
    /// `sp=none` under a stricter `p`: subdomains are not protected.
    WeakSubdomainPolicy,
    /// A report format other than `afrf`.
    UnknownReportFormat,
    /// No `p` but a valid `rua`: `p=none` (RFC 9989 §4.7 makes `p` RECOMMENDED, not required).
    PolicyMissing,
    /// `p` after another tag: fine under RFC 9989 (tag order after `v` is free), but RFC 7489
    /// §6.3 receivers may discard the record.
    PolicyNotFirst,
}

impl NoteKind {
    /// True for notes that deserve a warning in a report (the record is not as published).
    pub fn is_problem(self) -> bool {
        matches!(
            self,
            NoteKind::InvalidRemovedTag
                | NoteKind::PolicyFallback
                | NoteKind::WeakSubdomainPolicy
                | NoteKind::PolicyNotFirst
        )
    }
}

/// Something worth saying about a record that parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    /// What it is about.
    pub kind: NoteKind,
    /// The tag concerned (lowercase).
    pub tag: String,
    /// Byte position in the record.
    pub pos: usize,
    /// A sentence for people.
    pub message: String,
}

/// A record that does not parse: receivers apply no DMARC policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyntaxError {
    /// The tag where parsing failed (lowercase), if the error is inside one.
    pub tag: Option<String>,
    /// Byte position in the record.
    pub pos: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.tag {
            Some(t) => write!(f, "tag {t} at position {}: {}", self.pos, self.message),
            None => write!(f, "at position {}: {}", self.pos, self.message),
        }
    }
}

impl std::error::Error for SyntaxError {}

/// A parsed DMARC record. Fields hold what was written (`None` = absent); the methods give the
/// effective values with the defaults of RFC 7489 §6.3 and DMARCbis.
///
/// ```text
/// dmarc-record    = dmarc-version dmarc-sep
///                   [dmarc-request]
///                   [dmarc-sep dmarc-srequest]
///                   [dmarc-sep dmarc-auri]
///                   [dmarc-sep dmarc-furi]
///                   [dmarc-sep dmarc-adkim]
///                   [dmarc-sep dmarc-aspf]
///                   [dmarc-sep dmarc-ainterval]
///                   [dmarc-sep dmarc-fo]
///                   [dmarc-sep dmarc-rfmt]
///                   [dmarc-sep dmarc-percent]
///                   [dmarc-sep]
///                   ; components other than dmarc-version and
///                   ; dmarc-request may appear in any order
/// dmarc-version   = "v" *WSP "=" *WSP %x44 %x4d %x41 %x52 %x43 %x31
/// dmarc-sep       = *WSP %x3b *WSP
/// dmarc-auri      = "rua" *WSP "=" *WSP dmarc-uri *(*WSP "," *WSP dmarc-uri)
/// dmarc-furi      = "ruf" *WSP "=" *WSP dmarc-uri *(*WSP "," *WSP dmarc-uri)
/// dmarc-ainterval = "ri" *WSP "=" *WSP 1*DIGIT
/// dmarc-rfmt      = "rf"  *WSP "=" *WSP Keyword *(*WSP ":" Keyword)
/// dmarc-percent   = "pct" *WSP "=" *WSP 1*3DIGIT
/// ; DMARCbis adds np (like sp), psd (y / n / u) and t (y / n)
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DmarcRecord {
    /// The policy applied: as written, or `none` after the §6.6.3 fall-back.
    pub p: Policy,
    /// True when `p` is `none` because `p`, `sp` or `np` is invalid and `rua` is valid (RFC 9989
    /// §4.10.1 step 6; see the notes). A missing `p` is not a fall-back: it means `none` (§4.7).
    pub p_fallback: bool,
    /// Subdomain policy as written.
    pub sp: Option<Policy>,
    /// Non-existent subdomain policy as written (DMARCbis).
    pub np: Option<Policy>,
    /// DKIM alignment mode as written.
    pub adkim: Option<AlignmentMode>,
    /// SPF alignment mode as written.
    pub aspf: Option<AlignmentMode>,
    /// Failure reporting options as written.
    pub fo: Option<Vec<FailureOption>>,
    /// Report formats as written (lowercase).
    pub rf: Option<Vec<String>>,
    /// Aggregate report interval in seconds as written.
    pub ri: Option<u32>,
    /// Percentage of failing mail the policy applies to, as written.
    pub pct: Option<u8>,
    /// Aggregate report URIs.
    pub rua: Vec<ReportUri>,
    /// Failure report URIs.
    pub ruf: Vec<ReportUri>,
    /// Public suffix domain flag as written (DMARCbis).
    pub psd: Option<Psd>,
    /// Testing flag as written (DMARCbis `t=y`).
    pub t: Option<bool>,
    /// Unknown tags, removed tags, the fall-back and other remarks, in record order.
    pub notes: Vec<Note>,
}

impl DmarcRecord {
    /// The policy for subdomains (`sp`, else `p`).
    pub fn subdomain_policy(&self) -> Policy {
        self.sp.unwrap_or(self.p)
    }

    /// The policy for non-existent subdomains (`np`, else `sp`, else `p`).
    pub fn nonexistent_policy(&self) -> Policy {
        self.np.or(self.sp).unwrap_or(self.p)
    }

    /// DKIM alignment mode (default relaxed).
    pub fn dkim_alignment(&self) -> AlignmentMode {
        self.adkim.unwrap_or(AlignmentMode::Relaxed)
    }

    /// SPF alignment mode (default relaxed).
    pub fn spf_alignment(&self) -> AlignmentMode {
        self.aspf.unwrap_or(AlignmentMode::Relaxed)
    }

    /// Percentage (default 100).
    pub fn percent(&self) -> u8 {
        self.pct.unwrap_or(100)
    }

    /// Report interval (default 86400 seconds).
    pub fn report_interval(&self) -> u32 {
        self.ri.unwrap_or(86400)
    }

    /// Failure options (default `0`).
    pub fn failure_options(&self) -> Vec<FailureOption> {
        self.fo.clone().unwrap_or_else(|| vec![FailureOption::All])
    }

    /// Report formats (default `afrf`).
    pub fn report_formats(&self) -> Vec<String> {
        self.rf.clone().unwrap_or_else(|| vec!["afrf".into()])
    }

    /// Public suffix flag (default `u`).
    pub fn public_suffix(&self) -> Psd {
        self.psd.unwrap_or(Psd::U)
    }

    /// True for `t=y`.
    pub fn testing(&self) -> bool {
        self.t == Some(true)
    }
}

fn is_wsp(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Length of the version prefix `"v" *WSP "=" *WSP "DMARC1"` at the start of `s`, if present.
/// This is also the test of RFC 7489 §6.6.3 step 2: "Records that do not start with a "v=" tag
/// that identifies the current version of DMARC are discarded."
pub(crate) fn version_prefix(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    if !matches!(b.first(), Some(b'v' | b'V')) {
        return None;
    }
    i += 1;
    while i < b.len() && is_wsp(b[i]) {
        i += 1;
    }
    if b.get(i) != Some(&b'=') {
        return None;
    }
    i += 1;
    while i < b.len() && is_wsp(b[i]) {
        i += 1;
    }
    b[i..].starts_with(b"DMARC1").then_some(i + 6)
}

/// Parses one DMARC record (the TXT strings already joined).
pub fn parse(record: &str) -> Result<DmarcRecord, SyntaxError> {
    let err = |tag: Option<&str>, pos: usize, message: String| SyntaxError {
        tag: tag.map(str::to_string),
        pos,
        message,
    };
    let b = record.as_bytes();
    let Some(vend) = version_prefix(record) else {
        return Err(err(
            Some("v"),
            0,
            "a DMARC record must start with v=DMARC1 (the version is case-sensitive)".into(),
        ));
    };
    let mut i = vend;
    while i < b.len() && is_wsp(b[i]) {
        i += 1;
    }
    if i >= b.len() {
        return Err(err(
            Some("v"),
            i,
            "v=DMARC1 must be followed by \";\" and the p tag".into(),
        ));
    }
    if b[i] != b';' {
        return Err(err(
            Some("v"),
            i,
            format!(
                "unexpected {:?} after v=DMARC1 (tags are separated by \";\")",
                char_at(record, i)
            ),
        ));
    }
    i += 1;

    let specs = super::taglist::split(record, i, is_wsp);

    let mut rec = DmarcRecord {
        p: Policy::None,
        p_fallback: false,
        sp: None,
        np: None,
        adkim: None,
        aspf: None,
        fo: None,
        rf: None,
        ri: None,
        pct: None,
        rua: vec![],
        ruf: vec![],
        psd: None,
        t: None,
        notes: vec![],
    };
    let mut seen: Vec<&str> = vec!["v"];
    // Why the published p cannot be used, if it cannot (position, message).
    let mut p_problem: Option<(usize, String)> = None;
    let mut p_value: Option<Policy> = None;
    let mut sp_problem: Option<(usize, String)> = None;
    let mut np_problem: Option<(usize, String)> = None;
    // Index among the non-empty tag-specs: p must be the first (RFC 7489 §6.3).
    let mut n_tag = 0usize;
    for spec in specs {
        let (name_raw, ns, value, vs) = match spec.map_err(|(pos, m)| err(None, pos, m))? {
            super::taglist::Spec::Empty { last: true, .. } => continue,
            super::taglist::Spec::Empty { pos, .. } => {
                rec.notes.push(Note {
                    kind: NoteKind::EmptyTag,
                    tag: String::new(),
                    pos,
                    message: "an empty tag (\";;\") is ignored".into(),
                });
                continue;
            }
            super::taglist::Spec::Tag {
                name,
                name_pos,
                value,
                value_pos,
            } => (name, name_pos, value, value_pos),
        };
        n_tag += 1;
        let name = name_raw.to_ascii_lowercase();
        const KNOWN: [&str; 14] = [
            "v", "p", "sp", "np", "adkim", "aspf", "fo", "rf", "ri", "pct", "rua", "ruf", "psd",
            "t",
        ];
        let Some(known) = KNOWN.iter().find(|k| **k == name) else {
            rec.notes.push(Note {
                kind: NoteKind::UnknownTag,
                tag: name.clone(),
                pos: ns,
                message: format!(
                    "unknown tag {:?} is ignored (RFC 7489 §6.3)",
                    crate::sanitize::line(&name)
                ),
            });
            continue;
        };
        if seen.contains(known) {
            return Err(err(
                Some(known),
                ns,
                format!("duplicate tag {known} (each tag may appear once)"),
            ));
        }
        seen.push(known);
        let tag = Some(*known);
        let bad = |what: &str| {
            err(
                tag,
                vs,
                format!(
                    "{}={:?} is not valid: {what}",
                    known,
                    crate::sanitize::line(value)
                ),
            )
        };
        match *known {
            "v" => unreachable!("v is in `seen` from the start"),
            "p" => {
                if n_tag != 1 {
                    rec.notes.push(Note {
                        kind: NoteKind::PolicyNotFirst,
                        tag: "p".into(),
                        pos: ns,
                        message: "the p tag does not immediately follow the v tag: RFC 9989 allows any order, but receivers still on RFC 7489 (\"v and p MUST appear in that order\") may discard the record".into(),
                    });
                }
                match Policy::parse(value) {
                    Some(p) => p_value = Some(p),
                    None => {
                        p_problem = Some((
                            vs,
                            format!(
                                "p={:?} is not none, quarantine or reject",
                                crate::sanitize::line(value)
                            ),
                        ))
                    }
                }
            }
            "sp" => match Policy::parse(value) {
                Some(p) => rec.sp = Some(p),
                None => {
                    sp_problem = Some((
                        vs,
                        format!(
                            "sp={:?} is not none, quarantine or reject",
                            crate::sanitize::line(value)
                        ),
                    ))
                }
            },
            // RFC 9989 §4.10.1 step 6 treats an invalid np like an invalid sp.
            "np" => match Policy::parse(value) {
                Some(p) => rec.np = Some(p),
                None => {
                    np_problem = Some((
                        vs,
                        format!(
                            "np={:?} is not none, quarantine or reject",
                            crate::sanitize::line(value)
                        ),
                    ))
                }
            },
            "adkim" | "aspf" => {
                let m = match value.to_ascii_lowercase().as_str() {
                    "r" => AlignmentMode::Relaxed,
                    "s" => AlignmentMode::Strict,
                    _ => return Err(bad("expected r (relaxed) or s (strict)")),
                };
                if *known == "adkim" {
                    rec.adkim = Some(m);
                } else {
                    rec.aspf = Some(m);
                }
            }
            "fo" => {
                let mut v = Vec::new();
                for part in value.split(':') {
                    let o = match part.trim_matches(|c| c == ' ' || c == '\t') {
                        "0" => FailureOption::All,
                        "1" => FailureOption::Any,
                        "d" | "D" => FailureOption::Dkim,
                        "s" | "S" => FailureOption::Spf,
                        _ => return Err(bad("expected 0, 1, d or s, separated by \":\"")),
                    };
                    v.push(o);
                }
                if v.contains(&FailureOption::All) && v.contains(&FailureOption::Any) {
                    rec.notes.push(Note {
                        kind: NoteKind::RedundantFailureOption,
                        tag: "fo".into(),
                        pos: vs,
                        message: "fo lists 0 and 1: 1 (report any failure) already covers 0, so 0 is redundant".into(),
                    });
                }
                rec.fo = Some(v);
            }
            "rf" | "ri" | "pct" => {
                rec.notes.push(Note {
                    kind: NoteKind::RemovedInDmarcbis,
                    tag: known.to_string(),
                    pos: ns,
                    message: format!(
                        "the {known} tag was removed in DMARCbis; receivers that implement it ignore {known}"
                    ),
                });
                let problem = match *known {
                    "rf" => {
                        let parts: Vec<&str> = value
                            .split(':')
                            .map(|p| p.trim_matches(|c| c == ' ' || c == '\t'))
                            .collect();
                        if parts.iter().all(|p| is_keyword(p)) {
                            let v: Vec<String> =
                                parts.iter().map(|p| p.to_ascii_lowercase()).collect();
                            if let Some(other) = v.iter().find(|f| *f != "afrf") {
                                rec.notes.push(Note {
                                    kind: NoteKind::UnknownReportFormat,
                                    tag: "rf".into(),
                                    pos: vs,
                                    message: format!(
                                        "report format {:?} is not registered (only afrf is)",
                                        crate::sanitize::line(other)
                                    ),
                                });
                            }
                            rec.rf = Some(v);
                            None
                        } else {
                            Some("expected report format keywords (afrf) separated by \":\"")
                        }
                    }
                    "ri" => match parse_digits(value).and_then(|n| u32::try_from(n).ok()) {
                        Some(n) => {
                            rec.ri = Some(n);
                            None
                        }
                        None => Some("expected a number of seconds"),
                    },
                    _ => match (value.len() <= 3)
                        .then(|| parse_digits(value))
                        .flatten()
                        .filter(|n| *n <= 100)
                    {
                        Some(n) => {
                            rec.pct = Some(n as u8);
                            None
                        }
                        None => Some("expected a whole number from 0 to 100"),
                    },
                };
                if let Some(why) = problem {
                    rec.notes.push(Note {
                        kind: NoteKind::InvalidRemovedTag,
                        tag: known.to_string(),
                        pos: vs,
                        message: format!(
                            "{known}={:?} is not valid under RFC 7489 ({why}); receivers that follow DMARCbis ignore it, but an RFC 7489 receiver may discard the whole record",
                            crate::sanitize::line(value)
                        ),
                    });
                }
            }
            "rua" | "ruf" => {
                let uris = parse_uris(record, vs, vs + value.len())
                    .map_err(|(pos, m)| err(tag, pos, m))?;
                if *known == "rua" {
                    rec.rua = uris;
                } else {
                    rec.ruf = uris;
                }
            }
            "psd" => {
                rec.psd = Some(match value.to_ascii_lowercase().as_str() {
                    "y" => Psd::Y,
                    "n" => Psd::N,
                    "u" => Psd::U,
                    _ => return Err(bad("expected y, n or u")),
                })
            }
            "t" => {
                rec.t = Some(match value.to_ascii_lowercase().as_str() {
                    "y" => true,
                    "n" => false,
                    _ => return Err(bad("expected y or n")),
                })
            }
            _ => unreachable!("every known tag has an arm"),
        }
    }

    if p_value.is_none() && p_problem.is_none() {
        if rec.rua.is_empty() {
            // RFC 9989 §4.7 reads a missing p as p=none, §4.10.1 step 6 as "no DMARC
            // processing" when no rua is valid either: no policy is applied on both readings.
            return Err(err(
                Some("p"),
                b.len(),
                "the record has no p tag and no valid rua, so receivers apply no DMARC policy (RFC 9989 §4.10.1 step 6; §4.7 reads it as p=none): publish p=none|quarantine|reject".into(),
            ));
        }
        rec.notes.push(Note {
            kind: NoteKind::PolicyMissing,
            tag: "p".into(),
            pos: b.len(),
            message: "no p tag: with a valid rua the record means p=none (RFC 9989 §4.7; a missing p tag is equivalent to p=none)".into(),
        });
    }
    // RFC 9989 §4.10.1 step 6 (RFC 7489 §6.6.3): a record with an invalid p, sp or np acts as
    // p=none when rua holds a valid URI, and is discarded otherwise.
    let problem = p_problem
        .clone()
        .map(|p| ("p", p))
        .or(sp_problem.map(|p| ("sp", p)))
        .or(np_problem.map(|p| ("np", p)));
    if let Some((tag, (pos, why))) = problem {
        if rec.rua.is_empty() {
            return Err(err(Some(tag), pos, why));
        }
        rec.p = Policy::None;
        rec.p_fallback = true;
        rec.sp = None;
        rec.np = None;
        rec.notes.push(Note {
            kind: NoteKind::PolicyFallback,
            tag: tag.into(),
            pos,
            message: format!(
                "{why}; because rua is valid, receivers act as if p=none was published (RFC 9989 §4.10.1 step 6)"
            ),
        });
    } else if let Some(p) = p_value {
        rec.p = p;
    }
    if rec.sp == Some(Policy::None) && rec.p != Policy::None {
        rec.notes.push(Note {
            kind: NoteKind::WeakSubdomainPolicy,
            tag: "sp".into(),
            pos: 0,
            message: format!(
                "the sp tag value of none leaves subdomains unprotected while p={}",
                rec.p.as_str()
            ),
        });
    }
    Ok(rec)
}

fn char_at(s: &str, i: usize) -> char {
    s[i..].chars().next().unwrap_or(' ')
}

/// `1*DIGIT` as a u64 (None when empty, not all digits, or too large).
fn parse_digits(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// RFC 5321 `Keyword = Ldh-str = Let-dig [ Ldh-str ]`: letters, digits and inner hyphens.
fn is_keyword(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

/// True for a character an RFC 3986 URI may contain here: unreserved, reserved except the
/// delimiters `,` and `!` that RFC 7489 requires to be encoded, or `%` (checked separately).
fn uri_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"-._~:/?#[]@$&'()*+=%".contains(&c)
}

/// Parses `dmarc-uri *(*WSP "," *WSP dmarc-uri)` in `record[s..e]`.
fn parse_uris(record: &str, s: usize, e: usize) -> Result<Vec<ReportUri>, (usize, String)> {
    let b = record.as_bytes();
    let mut out = Vec::new();
    let mut start = s;
    loop {
        let end = (start..e).find(|&j| b[j] == b',').unwrap_or(e);
        let (us, ue) = super::taglist::trim(record, start, end, is_wsp);
        if us == ue {
            return Err((
                us,
                "a report URI is empty (expected e.g. mailto:dmarc@example.com)".into(),
            ));
        }
        // URI, then optionally "!" size.
        let bang = (us..ue).find(|&j| b[j] == b'!');
        let (uri_end, size) = match bang {
            Some(k) => {
                let (zs, ze) = super::taglist::trim(record, k + 1, ue, is_wsp);
                (k, Some((zs, ze)))
            }
            None => (ue, None),
        };
        let (us, uri_end) = super::taglist::trim(record, us, uri_end, is_wsp);
        let uri = &record[us..uri_end];
        check_uri(uri).map_err(|m| (us, m))?;
        let (max_size, max_size_bytes) = match size {
            None => (None, None),
            Some((zs, ze)) => {
                let z = &record[zs..ze];
                let digits = z.bytes().take_while(|c| c.is_ascii_digit()).count();
                let (num, unit) = z.split_at(digits);
                let mult: u64 = match unit.to_ascii_lowercase().as_str() {
                    "" => 1,
                    "k" => 1 << 10,
                    "m" => 1 << 20,
                    "g" => 1 << 30,
                    "t" => 1 << 40,
                    _ => {
                        return Err((
                            zs,
                            format!(
                            "size limit {:?} is not a number with an optional unit k, m, g or t",
                            crate::sanitize::line(z)
                        ),
                        ))
                    }
                };
                let n = parse_digits(num).ok_or_else(|| {
                    (
                        zs,
                        format!(
                            "size limit {:?} must be digits that fit in 64 bits, then an optional k, m, g or t",
                            crate::sanitize::line(z)
                        ),
                    )
                })?;
                (Some(z.to_ascii_lowercase()), n.checked_mul(mult))
            }
        };
        out.push(ReportUri {
            uri: uri.to_string(),
            max_size,
            max_size_bytes,
            pos: us,
        });
        if end >= e {
            break;
        }
        start = end + 1;
    }
    Ok(out)
}

/// An absolute URI: `scheme ":" rest` (RFC 3986 §3), with the characters allowed here.
fn check_uri(uri: &str) -> Result<(), String> {
    let shown = crate::sanitize::line(uri);
    let Some((scheme, rest)) = uri.split_once(':') else {
        return Err(format!(
            "{shown:?} is not a URI: a scheme is missing (write mailto:{shown})"
        ));
    };
    let sb = scheme.as_bytes();
    if sb.is_empty()
        || !sb[0].is_ascii_alphabetic()
        || !sb
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || b"+-.".contains(c))
    {
        return Err(format!(
            "{shown:?} is not a URI: the scheme {:?} is not valid",
            crate::sanitize::line(scheme)
        ));
    }
    if rest.is_empty() {
        return Err(format!(
            "{shown:?} is not a URI: nothing follows the scheme"
        ));
    }
    let rb = rest.as_bytes();
    for (k, &c) in rb.iter().enumerate() {
        if !uri_char(c) {
            return Err(format!(
                "{shown:?} contains {:?}, which a URI cannot hold unencoded",
                char_at(rest, k)
            ));
        }
        if c == b'%'
            && !(rb.len() > k + 2 && rb[k + 1].is_ascii_hexdigit() && rb[k + 2].is_ascii_hexdigit())
        {
            return Err(format!(
                "{shown:?} has a % that is not followed by two hex digits"
            ));
        }
    }
    if scheme.eq_ignore_ascii_case("mailto") && !rest.contains('@') {
        return Err(format!("{shown:?} is a mailto URI without an address"));
    }
    Ok(())
}

/// Which TXT answers at `_dmarc.<domain>` are DMARC records (RFC 7489 §6.6.3 steps 2 and 5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// No record starts with `v=DMARC1`; `near_misses` holds records that look like DMARC but
    /// are discarded (leading space, lowercase `dmarc1`).
    None {
        /// Discarded DMARC look-alikes.
        near_misses: Vec<String>,
    },
    /// Exactly one DMARC record (other TXT records are ignored).
    One(String),
    /// Several DMARC records: receivers apply no policy.
    Multiple(Vec<String>),
}

/// Chooses the DMARC record among the TXT strings at `_dmarc.<domain>`.
pub fn select(txts: &[Vec<u8>]) -> Selection {
    let mut found = Vec::new();
    let mut near = Vec::new();
    for t in txts {
        let s = String::from_utf8_lossy(t).into_owned();
        if version_prefix(&s).is_some() {
            found.push(s);
        } else if s
            .trim_start()
            .to_ascii_lowercase()
            .replace([' ', '\t'], "")
            .starts_with("v=dmarc")
        {
            near.push(s);
        }
    }
    match found.len() {
        0 => Selection::None { near_misses: near },
        1 => Selection::One(found.remove(0)),
        _ => Selection::Multiple(found),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_record_parses_with_effective_defaults() {
        let r = parse("v=DMARC1; p=reject; rua=mailto:d@example.com!10m; adkim=s").unwrap();
        assert_eq!(r.p, Policy::Reject);
        assert_eq!(r.subdomain_policy(), Policy::Reject);
        assert_eq!(r.dkim_alignment(), AlignmentMode::Strict);
        assert_eq!(r.spf_alignment(), AlignmentMode::Relaxed);
        assert_eq!(r.rua[0].max_size_bytes, Some(10 << 20));
        assert_eq!(r.rua[0].mailto_address(), Some("d@example.com"));
        assert_eq!(r.percent(), 100);
    }

    #[test]
    fn errors_name_the_tag_and_position() {
        let e = parse("v=DMARC1; p=reject; adkim=x").unwrap_err();
        assert_eq!(e.tag.as_deref(), Some("adkim"));
        assert_eq!(e.pos, 26);
        let e = parse("v=DMARC1; p=reject; p=none").unwrap_err();
        assert_eq!((e.tag.as_deref(), e.pos), (Some("p"), 20));
    }

    #[test]
    fn an_invalid_p_with_a_valid_rua_acts_as_none() {
        let r = parse("v=DMARC1; p=foo; rua=mailto:a@b.example").unwrap();
        assert!(r.p_fallback);
        assert_eq!(r.p, Policy::None);
        assert!(parse("v=DMARC1; p=foo").is_err());
    }

    /// RFC 9989 §4.7: "p" is RECOMMENDED, not required; a record with a valid rua and no p is
    /// p=none (format note vector 11), with a note but no fall-back and no problem.
    #[test]
    fn rfc9989_p_is_optional_with_rua() {
        let r = parse("v=DMARC1; rua=mailto:d@example.com").unwrap();
        assert_eq!(r.p, Policy::None);
        assert!(!r.p_fallback);
        let n = r.notes.iter().find(|n| n.kind == NoteKind::PolicyMissing);
        assert!(n.is_some_and(|n| !n.kind.is_problem()));
        // Neither p nor rua (vector 12): §4.10.1 step 6 applies no DMARC processing.
        let e = parse("v=DMARC1;").unwrap_err();
        assert_eq!(e.tag.as_deref(), Some("p"));
        assert!(e.message.contains("no p tag"), "{}", e.message);
    }

    /// RFC 9989 §4.8: after v=DMARC1 the tags come in any order; RFC 7489 wanted p second, so
    /// a misplaced p is read and noted as a problem for older receivers.
    #[test]
    fn rfc9989_p_may_follow_other_tags() {
        let r = parse("v=DMARC1; sp=none; p=reject").unwrap();
        assert_eq!(r.p, Policy::Reject);
        assert_eq!(r.subdomain_policy(), Policy::None);
        assert!(r
            .notes
            .iter()
            .any(|n| n.kind == NoteKind::PolicyNotFirst && n.kind.is_problem() && n.pos == 19));
        // v must still be first: a record with v later is not DMARC at all (§4.7).
        assert!(parse("p=reject; v=DMARC1").is_err());
    }

    /// RFC 9989 §4.10.1 step 6: an invalid sp or np makes the record act as p=none when a valid
    /// rua is present, and voids it otherwise.
    #[test]
    fn rfc9989_invalid_np_falls_back_like_sp() {
        let r = parse("v=DMARC1; p=reject; np=maybe; rua=mailto:d@example.com").unwrap();
        assert!(r.p_fallback);
        assert_eq!(
            (r.p, r.subdomain_policy(), r.nonexistent_policy()),
            (Policy::None, Policy::None, Policy::None)
        );
        assert!(r
            .notes
            .iter()
            .any(|n| n.kind == NoteKind::PolicyFallback && n.tag == "np"));
        let e = parse("v=DMARC1; p=reject; np=maybe").unwrap_err();
        assert_eq!(e.tag.as_deref(), Some("np"));
    }

    /// RFC 9989 §4.7: np defaults to sp, sp to p; np applies only to non-existent subdomains.
    #[test]
    fn rfc9989_np_inherits_sp_then_p() {
        let r = parse("v=DMARC1; p=reject; sp=quarantine; np=none").unwrap();
        assert_eq!(r.nonexistent_policy(), Policy::None);
        let r = parse("v=DMARC1; p=reject; sp=quarantine").unwrap();
        assert_eq!(r.nonexistent_policy(), Policy::Quarantine);
        let r = parse("v=DMARC1; p=reject").unwrap();
        assert_eq!(
            (r.subdomain_policy(), r.nonexistent_policy()),
            (Policy::Reject, Policy::Reject)
        );
    }

    /// RFC 9989 §4.7: psd is y, n or u (default u); t=y lowers the policy one step and does
    /// nothing to none; unknown tags MUST be ignored.
    #[test]
    fn rfc9989_psd_t_and_unknown_tags() {
        let r = parse("v=DMARC1; p=reject; psd=y; t=y; future=1").unwrap();
        assert_eq!(r.public_suffix(), Psd::Y);
        assert!(r.testing());
        assert_eq!(r.p.testing_step(), Policy::Quarantine);
        assert_eq!(Policy::Quarantine.testing_step(), Policy::None);
        assert_eq!(Policy::None.testing_step(), Policy::None);
        assert!(r.notes.iter().any(|n| n.kind == NoteKind::UnknownTag));
        assert_eq!(parse("v=DMARC1; p=none").unwrap().public_suffix(), Psd::U);
        assert!(parse("v=DMARC1; p=none; psd=x").is_err());
    }

    /// RFC 9989 Appendix C: pct, rf and ri are removed; receivers ignore them, so pct=0 no
    /// longer lowers p (vector 13). We keep the value and note it.
    #[test]
    fn rfc9989_removed_tags_are_notes() {
        let r = parse("v=DMARC1; p=reject; pct=0; rf=afrf; ri=3600").unwrap();
        assert_eq!(r.p, Policy::Reject);
        let removed: Vec<&str> = r
            .notes
            .iter()
            .filter(|n| n.kind == NoteKind::RemovedInDmarcbis)
            .map(|n| n.tag.as_str())
            .collect();
        assert_eq!(removed, ["pct", "rf", "ri"]);
    }

    #[test]
    fn a_bad_pct_is_a_note_not_a_void_record() {
        let r = parse("v=DMARC1; p=reject; pct=150").unwrap();
        assert!(r
            .notes
            .iter()
            .any(|n| n.kind == NoteKind::InvalidRemovedTag));
        assert_eq!(r.pct, None);
    }

    #[test]
    fn selection_ignores_other_txt_and_flags_several() {
        let t = |v: &[&str]| v.iter().map(|s| s.as_bytes().to_vec()).collect::<Vec<_>>();
        assert_eq!(
            select(&t(&["v=spf1 -all", "v=DMARC1; p=none"])),
            Selection::One("v=DMARC1; p=none".into())
        );
        assert!(matches!(
            select(&t(&["v=DMARC1; p=none", "v=DMARC1; p=reject"])),
            Selection::Multiple(_)
        ));
        assert_eq!(
            select(&t(&[" v=DMARC1; p=none"])),
            Selection::None {
                near_misses: vec![" v=DMARC1; p=none".into()]
            }
        );
    }
}
