//! Findings: what a check found about the world, and the registry of every finding id.
//!
//! A [`Finding`] is one observation with its evidence and the fix. Every id a check may emit is
//! declared exactly once in the catalog table, which generates the [`FindingId`] enum beside
//! each id's default severity, one-line title and long explanation under three fixed headings
//! (shown by `mailwhy explain ID`). Checks build findings through [`Finding::new`] with a
//! `FindingId`, so an unregistered id does not compile, and the remedy defaults to the catalog's.
//! Ranking findings into "most likely cause first" is the report's job, not this module's.

mod catalog;

pub use catalog::FindingId;

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

/// The registered description of one finding id: what `mailwhy explain`, `GET /v1/findings/ID`
/// and the docs show. One serializable type, rendered as text or Markdown here and as JSON by
/// serde, so every front end says the same thing.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize)]
pub struct FindingKind {
    /// The id.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "user.messaging-disabled"))]
    pub id: FindingId,
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

    /// The same explanation as Markdown, for a ticket.
    pub fn explanation_markdown(&self) -> String {
        format!(
            "### `{}` ({}): {}\n\n**What it means**\n\n{}\n\n**Why it matters**\n\n{}\n\n**How to fix it**\n\n{}\n",
            self.id,
            self.severity.as_str(),
            self.title,
            self.what_it_means,
            self.why_it_matters,
            self.how_to_fix
        )
    }
}

impl FindingId {
    /// The registered kind of this id: severity, title and explanation.
    pub fn kind(self) -> &'static FindingKind {
        // CATALOG is generated in the order of the enum's variants.
        &catalog::CATALOG[self as usize]
    }

    /// The area of the id (`user`, `spf`, `bounce` ...): the part before the dot.
    pub fn area(self) -> &'static str {
        let s = self.as_str();
        &s[..s.find('.').unwrap_or(s.len())]
    }

    /// The id whose string form is `id`, if one is registered.
    pub fn parse(id: &str) -> Option<FindingId> {
        FindingId::ALL.iter().copied().find(|f| f.as_str() == id)
    }
}

impl std::fmt::Display for FindingId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Compares with the string form, as JSON shows it (`id == "user.not-found"`).
impl PartialEq<&str> for FindingId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Compares with the string form, as JSON shows it.
impl PartialEq<str> for FindingId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl Serialize for FindingId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for FindingId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<FindingId, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        FindingId::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown finding id {s:?}")))
    }
}

/// Every registered finding kind, in catalog order.
pub fn registry() -> &'static [FindingKind] {
    catalog::CATALOG
}

/// Looks up a registered finding id by its string form.
pub fn lookup(id: &str) -> Option<&'static FindingKind> {
    FindingId::parse(id).map(FindingId::kind)
}

/// The registered ids closest to `id` (for "did you mean"), best first, at most `max`: ids that
/// contain what was typed, then near spellings, within the area typed (`user.`) before others;
/// only those about as close as the best (a near match is not padded with unrelated ids).
pub fn closest_ids(id: &str, max: usize) -> Vec<&'static str> {
    let typed_area = id.split_once('.').map(|(a, _)| a);
    let known_area = typed_area.filter(|a| FindingId::ALL.iter().any(|k| k.area() == *a));
    let mut scored: Vec<(usize, &'static str)> = FindingId::ALL
        .iter()
        .map(|k| {
            let name = k.as_str();
            let mut d = crate::text::edit_distance(id, name);
            // A typed fragment that is part of an id ("messaging") is a strong hint.
            if !id.is_empty() && name.contains(id) {
                d = d.min(1);
            }
            // `user.x` means an id of the user area: another area's id is a worse guess.
            if known_area.is_some_and(|a| a != k.area()) {
                d += 3;
            }
            (d, name)
        })
        .collect();
    scored.sort();
    let limit = (id.chars().count() / 2).max(3);
    let best = scored.first().map_or(0, |(d, _)| *d);
    scored
        .into_iter()
        .filter(|(d, _)| *d <= limit && *d <= best + 2)
        .take(max)
        .map(|(_, id)| id)
        .collect()
}

/// One thing a check found, with the evidence behind it and what to do.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The registered id (see [`registry`]).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: FindingId,
    /// How bad it is.
    pub severity: Severity,
    /// One line naming the problem.
    pub title: String,
    /// What was seen, in plain words.
    pub detail: String,
    /// What to do about it: the catalog's "How to fix it" unless the check knows better.
    pub remedy: String,
    /// Structured facts behind the finding.
    pub evidence: serde_json::Value,
    /// How far the cause reaches: set by the check when it knows better than the id's area (a
    /// DMARC failure computed from the message the person did not get is about that message),
    /// and by ranking for every finding of a report. JSON: `"scope": "account"` etc.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
}

/// How far the cause a finding names reaches: the first four are about this one person, the
/// others about everyone the vendor mails (or everyone behind this customer's gateway).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// This message: the receiver's own word (a bounce), the received copy, the service's events.
    Message,
    /// This person's account in the product's directory.
    Account,
    /// This address as written.
    Address,
    /// This recipient's mail domain (its MX, its provider).
    RecipientDomain,
    /// The customer's gateway: every recipient behind it.
    Gateway,
    /// The vendor's sending setup: every recipient anywhere.
    Vendor,
    /// The run itself (DNS trouble, a POP3 mailbox's settings): explains nothing by itself.
    Run,
}

impl Scope {
    /// About this person rather than about everyone the vendor or the gateway handles.
    pub fn is_specific(self) -> bool {
        self <= Scope::RecipientDomain
    }

    /// The words for a cause of this reach when it is not about this person alone.
    pub fn reach(self) -> &'static str {
        match self {
            Scope::Gateway => "affects every recipient behind this gateway",
            Scope::Vendor => "affects every recipient of the vendor's mail",
            _ => "is about this recipient",
        }
    }
}

impl Finding {
    /// A finding of `id` with its registered severity, title and remedy; `detail` says what was
    /// seen. A check that knows a more specific fix adds it with [`Finding::with_remedy`].
    pub fn new(id: FindingId, detail: impl Into<String>) -> Finding {
        let kind = id.kind();
        Finding {
            id,
            severity: kind.severity,
            title: kind.title.to_string(),
            detail: detail.into(),
            remedy: kind.how_to_fix.to_string(),
            evidence: serde_json::Value::Object(Default::default()),
            scope: None,
        }
    }

    /// Says how far the cause reaches when the check knows better than the id's area.
    pub fn with_scope(mut self, scope: Scope) -> Finding {
        self.scope = Some(scope);
        self
    }

    /// Replaces the catalog's remedy with one specific to what the check saw.
    pub fn with_remedy(mut self, remedy: impl Into<String>) -> Finding {
        self.remedy = remedy.into();
        self
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
        for (i, k) in registry().iter().enumerate() {
            assert_eq!(
                FindingId::ALL[i],
                k.id,
                "the enum and the catalog are in step"
            );
            assert_eq!(FindingId::parse(k.id.as_str()), Some(k.id));
            let k_id = k.id.as_str();
            assert!(seen.insert(k_id), "{} registered twice", k.id);
            assert!(k_id.contains('.'), "{}: ids are area.name", k.id);
            assert!(
                k_id.chars()
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
        // A fragment of one id suggests that id, not spf.missing or dmarc.missing.
        assert_eq!(
            closest_ids("user.messaging", 3),
            ["user.messaging-disabled"]
        );
        assert_eq!(closest_ids("spf.mising", 3)[0], "spf.missing");
        assert_eq!(closest_ids("user.not-fond", 3)[0], "user.not-found");
    }
}
