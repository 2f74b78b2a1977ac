//! The email address itself: syntax (RFC 5321/5322, RFC 6531), hidden and look-alike
//! characters, internationalized domains, reserved domains, typo suggestions and role mailboxes.
//!
//! [`parse`] is the pure parser; [`check`] is the `address` check that turns what it sees into
//! findings (it asks DNS only to decide whether a near-miss domain is a typo). Where the
//! recipient's mail goes is [`crate::routing`]'s concern; [`report`] runs both for one address,
//! which is what `mailwhy address` prints.
//!
//! ```
//! use mailwhy::address::{parse, ProblemKind};
//! let a = parse("Jane.Doe@Bücher.FR").unwrap();
//! assert_eq!(a.normalized(), "Jane.Doe@xn--bcher-kva.fr");
//! assert_eq!(a.display(), "Jane.Doe@bücher.fr");
//! let problems = parse("jane@acme .com").unwrap_err();
//! assert_eq!(problems[0].kind, ProblemKind::Syntax);
//! assert_eq!(problems[0].message, "a space after the @ at position 10");
//! ```

pub(crate) mod data;
pub mod hidden;
pub(crate) mod syntax;
pub mod typo;

use serde_json::json;

use crate::check::{CheckOutcome, Context, OutcomeBuilder};
use crate::dns::RecordType;
use crate::finding::Finding;
use crate::finding::FindingId;
use crate::report::{Report, Stats};

pub use data::{Reserved, RoleSource};
pub use hidden::{HiddenChar, HiddenKind};
pub use syntax::{normalize, parse, Address, Domain, Literal, Problem, ProblemKind};

/// The reserved or special-use domain `domain` (lowercase ASCII) falls under, if any.
pub fn reserved(domain: &str) -> Option<&'static Reserved> {
    data::RESERVED_DOMAINS.iter().find(|r| {
        domain == r.suffix
            || (domain.len() > r.suffix.len()
                && domain.ends_with(r.suffix)
                && domain.as_bytes()[domain.len() - r.suffix.len() - 1] == b'.')
    })
}

/// The role-mailbox entry matching the local part, if any (see `ROLE_NAMES`).
pub fn role(local: &str) -> Option<(&'static str, RoleSource)> {
    let base = local.split('+').next().unwrap_or(local);
    let mut key = String::with_capacity(base.len());
    for c in base.chars() {
        let c = match c.to_lowercase().next().unwrap_or(c) {
            'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            c => c,
        };
        if !matches!(c, '.' | '-' | '_') {
            key.push(c);
        }
    }
    data::ROLE_NAMES
        .iter()
        .find(|(name, _)| *name == key)
        .map(|(n, s)| (*n, *s))
}

/// What [`check`] learned, for [`report`] and for `diagnose`.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The outcome of the `address` check.
    pub outcome: CheckOutcome,
    /// The address to route: the parsed input, or, when only hidden characters made it invalid,
    /// the input without them.
    pub address: Option<Address>,
    /// True when `address` is the cleaned-up input rather than the input as given.
    pub cleaned: bool,
}

/// The `address` check: syntax, hidden characters, length, reserved domain, role mailbox,
/// non-ASCII local part and typo suggestion.
pub async fn check(ctx: &Context, input: &str) -> CheckOutcome {
    inspect(ctx, input).await.outcome
}

/// [`check`], also returning the parsed address for routing.
pub async fn inspect(ctx: &Context, input: &str) -> Checked {
    let mut c = CheckOutcome::start("address");
    let found = hidden::scan(input);
    let has_hidden = !found.is_empty();
    let parsed = parse(input);
    let mut cleaned = false;
    let address = match (parsed, found.is_empty()) {
        (Ok(a), true) => Some(a),
        (Ok(a), false) => {
            let fixed = hidden::clean(input, &found);
            c.push(hidden_finding(input, &found, Some(&fixed)));
            Some(a)
        }
        (Err(problems), false) => {
            let fixed = hidden::clean(input, &found);
            let fixed_parse = parse(&fixed);
            c.push(hidden_finding(input, &found, Some(&fixed)));
            match fixed_parse {
                Ok(a) => {
                    cleaned = true;
                    Some(a)
                }
                Err(_) => {
                    push_problems(&mut c, input, &problems);
                    None
                }
            }
        }
        (Err(problems), true) => {
            push_problems(&mut c, input, &problems);
            None
        }
    };
    let Some(addr) = address else {
        let detail = if c.findings_are(&[FindingId::AddressDomainNotRoutable]) {
            "is well-formed, but no mail is delivered to its domain"
        } else {
            "is not a valid address"
        };
        return Checked {
            outcome: c.done(format!("{} {detail}", crate::sanitize::line(input))),
            address: None,
            cleaned,
        };
    };
    let shown = addr.display();
    if addr.local_is_non_ascii() {
        c.push(
            Finding::new(FindingId::AddressNonAsciiLocalPart,
                format!(
                    "The part before the @, \"{}\", has characters outside ASCII; delivering to it needs SMTPUTF8 (RFC 6531).",
                    addr.local
                ))
            .with_evidence(json!({
                "local_part": addr.local,
                "non_ascii": addr.local.chars().filter(|c| !c.is_ascii()).map(|c| format!("U+{:04X}", c as u32)).collect::<Vec<_>>(),
                "rule": "RFC 6531 §3.3",
            })),
        );
    }
    if let Some((name, source)) = role(&addr.local_content()) {
        c.push(
            Finding::new(
                FindingId::AddressRoleAccount,
                format!(
                    "\"{}\" is a department or role mailbox ({}), not one person's mailbox.",
                    addr.local,
                    source.as_str()
                ),
            )
            .with_evidence(
                json!({ "local_part": addr.local, "matched": name, "source": source.as_str() }),
            ),
        );
    }
    if let Some(domain) = addr.domain.name() {
        if let Some(r) = reserved(domain) {
            c.push(
                Finding::new(FindingId::AddressReservedDomain,
                    format!(
                        "The domain {} is under \"{}\", which is reserved for {} ({}); no mailbox there can receive internet mail.",
                        addr.domain.unicode(),
                        r.suffix,
                        r.purpose,
                        r.source
                    ))
                .with_evidence(json!({ "domain": domain, "reserved": r.suffix, "source": r.source, "purpose": r.purpose })),
            );
        } else if let Some(s) = typo::suggest(domain) {
            typo_finding(ctx, &mut c, &addr, domain, &s).await;
        }
    }
    let mut detail = format!("{shown} is a valid address");
    if let Domain::Name {
        ascii,
        unicode: Some(u),
    } = &addr.domain
    {
        detail.push_str(&format!(" (domain {u}, in ASCII {ascii})"));
    }
    if cleaned {
        detail = format!("{shown} is valid once the hidden characters are removed");
    } else if has_hidden {
        // Never "a valid address" beside a look-alike-character error: it reads as "fine".
        detail = format!("{shown} is well-formed but holds hidden or look-alike characters");
    }
    Checked {
        outcome: c.done(detail),
        address: Some(addr),
        cleaned,
    }
}

fn push_problems(c: &mut OutcomeBuilder, input: &str, problems: &[Problem]) {
    // One finding per id, listing every problem of that kind.
    for id in [
        FindingId::AddressSyntaxInvalid,
        FindingId::AddressLengthExceeded,
        FindingId::AddressDomainNotRoutable,
    ] {
        let mine: Vec<&Problem> = problems.iter().filter(|p| p.finding_id() == id).collect();
        if mine.is_empty() {
            continue;
        }
        let words: Vec<String> = mine.iter().map(|p| p.message.clone()).collect();
        let remedy = if id == FindingId::AddressLengthExceeded {
            "Check the address with the person: it is usually pasted twice or has extra text attached. Correct it in the directory."
        } else if id == FindingId::AddressDomainNotRoutable {
            "Ask the person for their full address: the part after the @ is usually cut short (name.com, not com). Correct it in the directory."
        } else {
            "Ask the person for their address again and correct it in the directory."
        };
        c.push(
            Finding::new(id, format!("\"{}\": {}.", input, words.join("; ")))
                .with_remedy(remedy)
                .with_evidence(json!({
                    "input": input,
                    "problems": mine,
                })),
        );
    }
}

fn hidden_finding(input: &str, found: &[HiddenChar], fixed: Option<&str>) -> Finding {
    let list: Vec<String> = found.iter().map(HiddenChar::describe).collect();
    let mut detail = format!("The address contains {}.", list.join("; "));
    if let Some(f) = fixed {
        detail.push_str(&format!(" Without them it reads \"{f}\"."));
    }
    Finding::new(FindingId::AddressHiddenCharacters, detail).with_evidence(json!({
        "input": input,
        "characters": found,
        "without_them": fixed,
    }))
}

/// Adds `address.typo-domain` when the suggestion holds: the typed domain does not receive
/// mail, or it is one edit from a very common mail domain. The MX question is the one the
/// routing check asks too, so the shared cache answers it once.
async fn typo_finding(
    ctx: &Context,
    c: &mut OutcomeBuilder,
    addr: &Address,
    domain: &str,
    s: &typo::Suggestion,
) {
    let receives = match ctx.dns.query(domain, RecordType::MX).await {
        Ok(answer) => {
            if answer.outcome.is_temporary_failure() {
                None
            } else {
                let mx = answer.mx();
                Some(!mx.is_empty() && !mx.iter().all(|(_, h)| h == "."))
            }
        }
        Err(_) => Some(false),
    };
    let why = match receives {
        Some(true) if s.flag_even_if_working() => format!(
            "; it does receive mail, but it is one letter away from {}, one of the most used mail domains, and such look-alike domains are registered to catch mistyped mail",
            s.domain
        ),
        Some(true) => return,
        Some(false) => " and does not receive mail".to_string(),
        None if s.flag_even_if_working() => String::new(),
        None => {
            // Whether it is a typo depends on an answer we could not get.
            if let Ok(answer) = ctx.dns.query(domain, RecordType::MX).await {
                c.dns_failure(&answer, "whether the near-miss domain receives mail");
            }
            return;
        }
    };
    let suggested = format!("{}@{}", addr.local, s.domain);
    c.push(
        Finding::new(
            FindingId::AddressTypoDomain,
            format!(
                "The domain {} looks like a typo of {}{why}. Did the person mean {suggested}?",
                addr.domain.unicode(),
                s.domain
            ),
        )
        .with_remedy(format!(
            "Confirm with the person and correct the address to {suggested} if that is theirs."
        ))
        .with_evidence(json!({
            "domain": domain,
            "suggestion": s.domain,
            "suggested_address": suggested,
            "distance": s.distance,
            "reason": s.reason,
            "region": s.known.map(|k| k.region),
            "typed_domain_receives_mail": receives,
        })),
    );
}

/// What the address check and the recipient-domain check of one address learned, passed
/// typed from the address check to the checks after it (`diagnose` reads the recipient's mail
/// provider from `routing`). Serialized as a report's `data.address` (`input`, `normalized`,
/// `local_part`, `domain`, `cleaned`, `routing`).
#[derive(Debug, Clone)]
pub(crate) struct AddressFacts {
    /// The address as given.
    pub input: String,
    /// The parsed address (the cleaned-up input when only hidden characters made it invalid);
    /// `None` when it is not an address.
    pub address: Option<Address>,
    /// True when `address` is the input without its hidden characters.
    pub cleaned: bool,
    /// Where the domain's mail goes; `None` for an invalid address, a reserved domain or an
    /// address literal.
    pub routing: Option<crate::routing::Routing>,
}

impl AddressFacts {
    /// The recipient's first recognized mail provider (from its MX), if any.
    pub fn provider(&self) -> Option<&'static crate::routing::Provider> {
        self.routing.as_ref()?.providers.first().copied()
    }
}

impl serde::Serialize for AddressFacts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut data = json!({ "input": self.input });
        if let Some(addr) = &self.address {
            data["normalized"] = json!(addr.normalized());
            data["local_part"] = json!(addr.local);
            data["domain"] =
                json!({ "ascii": addr.domain.ascii(), "unicode": addr.domain.unicode() });
            data["cleaned"] = json!(self.cleaned);
        }
        if let Some(r) = &self.routing {
            data["routing"] = serde_json::to_value(r).map_err(serde::ser::Error::custom)?;
        }
        serde::Serialize::serialize(&data, s)
    }
}

/// The full report for one address: the `address` check and, when the address names a domain
/// that can exist, the recipient-domain checks of [`crate::routing`]. Its `stats` are left for
/// the caller (`mailwhy::workflow::address` counts the run's own DNS queries).
pub async fn report(ctx: &Context, input: &str) -> Report {
    let (outcomes, facts) = address_and_domain(ctx, input).await;
    let data = serde_json::to_value(&facts).unwrap_or_default();
    Report::from_outcomes(input.to_string(), outcomes, Stats::default()).with_data(data)
}

/// The `address` check and the recipient-domain check of one address, with what they saw; used
/// by [`report`] and by `diagnose`.
pub(crate) async fn address_and_domain(
    ctx: &Context,
    input: &str,
) -> (Vec<CheckOutcome>, AddressFacts) {
    let checked = inspect(ctx, input).await;
    let mut outcomes = vec![checked.outcome];
    let mut routing = None;
    if let Some(addr) = &checked.address {
        match &addr.domain {
            Domain::Name { ascii, .. } => {
                if let Some(r) = reserved(ascii) {
                    outcomes.push(CheckOutcome::skipped(
                        "domain",
                        format!(
                            "{ascii} is reserved ({}); it has no mail servers to look up",
                            r.source
                        ),
                    ));
                } else {
                    let (outcome, r) = crate::routing::inspect_domain(ctx, ascii).await;
                    routing = Some(r);
                    outcomes.push(outcome);
                }
            }
            Domain::Literal(l) => {
                outcomes.push(crate::routing::check_literal(&l.to_string(), l.ip()))
            }
        }
    } else {
        let unroutable = outcomes.iter().any(|o| {
            o.findings
                .iter()
                .any(|f| f.id == FindingId::AddressDomainNotRoutable)
        });
        outcomes.push(CheckOutcome::skipped(
            "domain",
            if unroutable {
                "no mail is routed to a domain like this one, so it was not looked up"
            } else {
                "the address is not valid, so its domain was not looked up"
            },
        ));
    }
    let facts = AddressFacts {
        input: input.to_string(),
        address: checked.address,
        cleaned: checked.cleaned,
        routing,
    };
    (outcomes, facts)
}
