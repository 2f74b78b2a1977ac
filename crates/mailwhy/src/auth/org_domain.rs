//! The RFC 9989 §4.10 DNS tree walk, and the organizational domains it gives (§4.10.2) for the
//! names a DMARC evaluation compares: the From domain, the SPF domain, each DKIM `d=`. Policy
//! discovery (`discover`) walks from the From domain; alignment walks from each identifier,
//! since relaxed alignment compares organizational domains and RFC 9989 no longer takes them
//! from the Public Suffix List (which [`super::alignment::OrgDomains`] keeps beside them).
//!
//! One walk: `_dmarc.<name>` TXT for each name of [`super::walk_names`] (at most 8), keeping the
//! names that hold exactly one record starting `v=DMARC1`; a record with `psd=y` or `psd=n` stops
//! it. Several records at a name count as none (the walk goes on). A failed lookup stops the walk
//! and is reported on the check (`dns.temporary-failure`), never read as "no record".

use crate::check::{Context, OutcomeBuilder};
use crate::dns::RecordType;

use super::alignment::OrgDomains;
use super::dmarc::{self, Psd, Selection};

/// What one tree walk saw.
#[derive(Debug, Clone, Default)]
pub(crate) struct Walk {
    /// The names queried, `_dmarc.<name>`, in order.
    pub asked: Vec<String>,
    /// `(name, record text, psd)` of every name with exactly one DMARC record, longest first.
    pub found: Vec<(String, String, Option<Psd>)>,
    /// The records at the starting name when there were several.
    pub multiple_at_start: Option<Vec<String>>,
    /// TXT records that look like DMARC but are discarded (leading space, `dmarc1`).
    pub near_misses: Vec<String>,
    /// The query that failed (`_dmarc.<name>`) and how (`servfail`, `timeout`, `invalid-name`),
    /// which stopped the walk.
    pub failed: Option<(String, String)>,
}

impl Walk {
    /// The organizational domain of `start` by RFC 9989 §4.10.2, when the walk completed.
    pub fn org_domain(&self, start: &str) -> Option<String> {
        if self.failed.is_some() {
            return None;
        }
        let with_psd: Vec<(String, Option<Psd>)> =
            self.found.iter().map(|f| (f.0.clone(), f.2)).collect();
        Some(super::organizational_domain(start, &with_psd))
    }
}

/// Walks the DNS tree from `start` (lowercase, no trailing dot). A failed lookup is reported on
/// `c` as needed for `needed_for` and ends the walk.
pub(crate) async fn walk(
    ctx: &Context,
    start: &str,
    needed_for: &str,
    c: &mut OutcomeBuilder,
) -> Walk {
    let mut w = Walk::default();
    for (i, d) in super::walk_names(start).into_iter().enumerate() {
        let at = format!("_dmarc.{d}");
        let answer = match ctx.dns.query(&at, RecordType::TXT).await {
            Ok(a) => a,
            Err(e) => {
                c.inconclusive(format!("cannot ask for {at}: {e}"));
                w.failed = Some((at, "invalid-name".into()));
                return w;
            }
        };
        if c.dns_failure(&answer, needed_for) {
            w.failed = Some((at, answer.outcome.kind().into()));
            return w;
        }
        w.asked.push(at);
        match dmarc::select(&answer.txt()) {
            Selection::One(text) => {
                let psd = dmarc::parse(&text).ok().and_then(|r| r.psd);
                w.found.push((d, text, psd));
                if matches!(psd, Some(Psd::Y | Psd::N)) {
                    break; // RFC 9989 §4.10: psd=y or psd=n stops the walk
                }
            }
            // RFC 9989 §4.10: several records count as none and the walk goes on.
            Selection::Multiple(records) if i == 0 => w.multiple_at_start = Some(records),
            Selection::Multiple(_) => {}
            Selection::None { near_misses } => w.near_misses.extend(near_misses),
        }
    }
    w
}

/// The organizational domains of `names` by the tree walk (and the Public Suffix List beside
/// them), starting from `known` (names already walked, such as the From domain by discovery).
/// A walk that fails leaves its name's tree-walk answer unknown and is reported on `c`.
pub(crate) async fn lookup(
    ctx: &Context,
    names: Vec<String>,
    known: OrgDomains,
    c: &mut OutcomeBuilder,
) -> OrgDomains {
    let mut orgs = known;
    for name in names {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        if name.is_empty() || orgs.contains(&name) {
            continue;
        }
        let w = walk(
            ctx,
            &name,
            &format!(
                "the organizational domain of {name} (RFC 9989 tree walk, for DMARC alignment)"
            ),
            c,
        )
        .await;
        orgs.insert(&name, w.org_domain(&name));
    }
    orgs
}
