//! Typo suggestions for the domain: the closest common mail domain (`MAIL_DOMAINS`)
//! by edit distance with transpositions, and top-level-domain slips (`.con`, `.cmo`).
//!
//! This module only proposes a candidate. Whether it is shown depends on the DNS (a domain that
//! receives mail is not a typo unless it is one edit from a very common one), which the check in
//! [`super`] decides.

use super::data::{MailDomain, MAIL_DOMAINS, TLD_SLIPS};

/// A proposed correction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// The domain the person probably meant.
    pub domain: String,
    /// Edits between the typed and the suggested domain (Damerau: a swap counts once).
    pub distance: usize,
    /// The table entry, when the suggestion is a common mail domain.
    pub known: Option<&'static MailDomain>,
    /// Why: `edit distance`, `top-level domain slip` or `same name, other top-level domain`.
    pub reason: &'static str,
}

impl Suggestion {
    /// True when the typed domain should be flagged even if it receives mail: one edit from a
    /// very common mail domain (where typo-squatters register their look-alikes).
    pub fn flag_even_if_working(&self) -> bool {
        self.distance == 1 && self.known.is_some_and(|k| k.very_common)
    }
}

/// Edits between two domains: the optimal string alignment distance (Levenshtein plus adjacent
/// transpositions, so `gmial` is one edit from `gmail`), in characters, which for the ASCII
/// domains compared here are bytes.
fn distance(a: &str, b: &str) -> usize {
    strsim::osa_distance(a, b)
}

/// Is `domain` (lowercase ASCII) one of the common mail domains?
pub(crate) fn is_known(domain: &str) -> bool {
    MAIL_DOMAINS.iter().any(|d| d.domain == domain)
}

/// The best correction for `domain` (lowercase ASCII), if any.
pub fn suggest(domain: &str) -> Option<Suggestion> {
    if is_known(domain) {
        return None;
    }
    // A top-level domain that does not exist: fix it, then look again.
    if let Some((base, tld)) = domain.rsplit_once('.') {
        if let Some((_, fixed)) = TLD_SLIPS.iter().find(|(slip, _)| *slip == tld) {
            let corrected = format!("{base}.{fixed}");
            let better = if is_known(&corrected) {
                None
            } else {
                closest(&corrected).filter(|s| s.distance <= 1)
            };
            return Some(match better {
                Some(s) => Suggestion {
                    distance: distance(domain, &s.domain),
                    reason: "top-level domain slip",
                    ..s
                },
                None => Suggestion {
                    known: MAIL_DOMAINS.iter().find(|d| d.domain == corrected),
                    distance: distance(domain, &corrected),
                    domain: corrected,
                    reason: "top-level domain slip",
                },
            });
        }
    }
    if let Some(s) = closest(domain) {
        return Some(s);
    }
    // gmail.fr, hotmail.con.fr...: the name of a very common domain under another TLD.
    let name = domain.split('.').next().unwrap_or(domain);
    MAIL_DOMAINS
        .iter()
        .find(|d| d.very_common && d.domain.split('.').next() == Some(name) && name.len() >= 4)
        .map(|d| Suggestion {
            domain: d.domain.to_string(),
            distance: distance(domain, d.domain),
            known: Some(d),
            reason: "same name, other top-level domain",
        })
}

/// The nearest table domain within the allowed distance: 1 edit, or 2 when both names have
/// eight characters or more (short names are too close to each other for more).
fn closest(domain: &str) -> Option<Suggestion> {
    let mut best: Option<(usize, bool, &'static MailDomain)> = None;
    for d in MAIL_DOMAINS {
        let max = if domain.len().min(d.domain.len()) >= 8 {
            2
        } else {
            1
        };
        // The lengths alone rule most of the table out, without computing a distance.
        if domain.len().abs_diff(d.domain.len()) > max {
            continue;
        }
        let dist = distance(domain, d.domain);
        if dist == 0 || dist > max {
            continue;
        }
        let key = (dist, !d.very_common);
        if best.is_none_or(|(bd, bv, _)| key < (bd, !bv)) {
            best = Some((dist, d.very_common, d));
        }
    }
    best.map(|(distance, _, d)| Suggestion {
        domain: d.domain.to_string(),
        distance,
        known: Some(d),
        reason: "edit distance",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_count_a_swap_once() {
        assert_eq!(distance("gmial.com", "gmail.com"), 1);
        assert_eq!(distance("gmai.com", "gmail.com"), 1);
        assert_eq!(distance("abc", "abc"), 0);
        assert_eq!(distance("abcdef", "uvwxyz"), 6);
    }

    #[test]
    fn suggestions() {
        let s = |d: &str| suggest(d).map(|s| s.domain);
        assert_eq!(s("gmial.com").as_deref(), Some("gmail.com"));
        assert_eq!(s("hotmial.fr").as_deref(), Some("hotmail.fr"));
        assert_eq!(s("gmail.con").as_deref(), Some("gmail.com"));
        assert_eq!(s("acme.cmo").as_deref(), Some("acme.com"));
        assert_eq!(s("yahoo.co.uk"), None);
        assert_eq!(s("oragne.fr").as_deref(), Some("orange.fr"));
        assert_eq!(s("gmail.fr").as_deref(), Some("gmail.com"));
        assert_eq!(s("acme.com"), None);
        assert!(suggest("gmai.com").unwrap().flag_even_if_working());
        assert!(!suggest("gmx.fr").is_some_and(|s| s.flag_even_if_working()));
    }
}
