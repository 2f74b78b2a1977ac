//! Findings: what a check found about the world, and the registry of every finding id.
//!
//! A [`Finding`] is one observation with its evidence and the fix. Every id a check may emit is
//! registered exactly once in the catalog table ([`registry`]), with its default severity, a one-line title and a long
//! explanation under three fixed headings (shown by `mailwhy explain ID`). Checks build findings
//! through [`Finding::new`], which looks the id up, so an unregistered id is a bug caught by tests.
//! Ranking findings into "most likely cause first" is the report's job, not this module's.

mod catalog;

use serde::{Deserialize, Serialize};

/// How bad a finding is.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Mail will not arrive (or a check input is broken) until this is fixed.
    Error,
    /// Mail may be delayed, filtered or lost; worth fixing.
    Warning,
    /// Context that shapes the remedy; not a problem by itself.
    Info,
}

impl Severity {
    /// The lowercase name used in JSON and text output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// The registered description of one finding id.
#[derive(Debug, Clone, Copy)]
pub struct FindingKind {
    /// The stable id, `area.kebab-name`.
    pub id: &'static str,
    /// The severity a finding of this id has unless the check says otherwise.
    pub severity: Severity,
    /// One line naming the problem: lowercase start, no trailing period.
    pub title: &'static str,
    /// The "What it means" paragraph.
    pub what_it_means: &'static str,
    /// The "Why it matters" paragraph.
    pub why_it_matters: &'static str,
    /// The "How to fix it" paragraph.
    pub how_to_fix: &'static str,
}

impl FindingKind {
    /// The long explanation with its three headings, as `mailwhy explain` prints it.
    pub fn explanation(&self) -> String {
        format!(
            "{id} ({sev}): {title}\n\nWhat it means\n{what}\n\nWhy it matters\n{why}\n\nHow to fix it\n{fix}\n",
            id = self.id,
            sev = self.severity.as_str(),
            title = self.title,
            what = self.what_it_means,
            why = self.why_it_matters,
            fix = self.how_to_fix,
        )
    }
}

/// Every registered finding kind, in catalog order.
pub fn registry() -> &'static [FindingKind] {
    catalog::CATALOG
}

/// Looks up a registered finding id.
pub fn lookup(id: &str) -> Option<&'static FindingKind> {
    catalog::CATALOG.iter().find(|k| k.id == id)
}

/// The registered ids closest to `id` (for "did you mean"), best first, at most `max`.
pub fn closest_ids(id: &str, max: usize) -> Vec<&'static str> {
    let mut scored: Vec<(usize, &'static str)> = catalog::CATALOG
        .iter()
        .map(|k| {
            let mut d = crate::text::edit_distance(id, k.id);
            // A typed fragment that is part of an id ("messaging") is a strong hint.
            if !id.is_empty() && k.id.contains(id) {
                d = d.min(1);
            }
            (d, k.id)
        })
        .collect();
    scored.sort();
    let limit = (id.chars().count() / 2).max(3);
    scored
        .into_iter()
        .filter(|(d, _)| *d <= limit)
        .take(max)
        .map(|(_, id)| id)
        .collect()
}

/// One thing a check found, with the evidence behind it and what to do.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The registered id (see [`registry`]).
    pub id: String,
    /// How bad it is.
    pub severity: Severity,
    /// One line naming the problem.
    pub title: String,
    /// What was seen, in plain words.
    pub detail: String,
    /// What to do about it.
    pub remedy: String,
    /// Structured facts behind the finding.
    pub evidence: serde_json::Value,
}

impl Finding {
    /// A finding of a registered id with its registered severity and title.
    ///
    /// # Panics
    /// Panics when `id` is not registered: that is a programming error that the catalog tests
    /// catch, never a property of the input.
    pub fn new(id: &str, detail: impl Into<String>, remedy: impl Into<String>) -> Finding {
        let kind = lookup(id).unwrap_or_else(|| panic!("finding id {id:?} is not registered"));
        Finding {
            id: kind.id.to_string(),
            severity: kind.severity,
            title: kind.title.to_string(),
            detail: detail.into(),
            remedy: remedy.into(),
            evidence: serde_json::Value::Object(Default::default()),
        }
    }

    /// Replaces the evidence with `evidence` (any serializable value; objects are best).
    pub fn with_evidence(mut self, evidence: serde_json::Value) -> Finding {
        self.evidence = evidence;
        self
    }

    /// Overrides the registered severity (e.g. `domain.mx-unresolvable` is a warning when only
    /// some MX hosts fail).
    pub fn with_severity(mut self, severity: Severity) -> Finding {
        self.severity = severity;
        self
    }

    /// Overrides the registered title with a more specific one.
    pub fn with_title(mut self, title: impl Into<String>) -> Finding {
        self.title = title.into();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_id_is_registered_once_with_its_three_headings() {
        let mut seen = HashSet::new();
        for k in registry() {
            assert!(seen.insert(k.id), "{} registered twice", k.id);
            assert!(k.id.contains('.'), "{}: ids are area.name", k.id);
            assert!(
                k.id.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '.' || c == '-'),
                "{}: ids are lowercase kebab",
                k.id
            );
            for (h, text) in [
                ("what it means", k.what_it_means),
                ("why it matters", k.why_it_matters),
                ("how to fix it", k.how_to_fix),
            ] {
                assert!(
                    text.trim().len() >= 40,
                    "{}: '{h}' is missing or too short",
                    k.id
                );
            }
            let first = k.title.chars().next().expect("title");
            assert!(!first.is_uppercase(), "{}: title starts lowercase", k.id);
            assert!(
                !k.title.ends_with('.'),
                "{}: title has no trailing period",
                k.id
            );
            let e = k.explanation();
            for h in ["What it means", "Why it matters", "How to fix it"] {
                assert!(e.contains(h));
            }
        }
    }

    #[test]
    fn closest_ids_suggests_the_near_miss() {
        assert_eq!(
            closest_ids("user.messaging-disable", 3)[0],
            "user.messaging-disabled"
        );
        assert!(closest_ids("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", 3).is_empty());
    }
}
