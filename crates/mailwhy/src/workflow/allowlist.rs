//! `mailwhy allowlist`: the gateway allowlist audited against the vendor's sender profile
//! ([`allowlist_audit`]), and entries looked up in it ([`allowlist_lookup`], also
//! `POST /v1/allowlist/check`).
//!
//! The audit composes three checks: the list against the profile, where the recipient domain's
//! mail goes (its provider names the place the entries belong, and a filtering gateway in front
//! of the mailboxes is `allowlist.gateway-in-front`), and the vendor's IPs against its own SPF.

use serde::Serialize;

use crate::allowlist::{self, Allowlist, AuditOptions, Index, SenderProfile};
use crate::check::{CheckOutcome, Context};
use crate::report::{Report, Stats};
use crate::routing::Routing;

use super::Run;

/// An audit: which list, against which vendor, and how far to look.
#[derive(Debug, Clone)]
pub struct AllowlistAuditRequest<'a> {
    /// The vendor's sender profile.
    pub profile: &'a SenderProfile,
    /// The gateway allowlist.
    pub list: &'a Allowlist,
    /// Thresholds of the audit.
    pub options: AuditOptions,
    /// The recipient domain: its MX names the mail provider, and each remedy says where that
    /// provider keeps its allowlist.
    pub recipient_domain: Option<String>,
    /// Compare the vendor's IPs with its SPF records (`spf-drift`, needs DNS).
    pub spf_drift: bool,
}

impl AllowlistAuditRequest<'_> {
    /// True when the audit asks DNS (a recipient domain or the SPF comparison).
    pub fn needs_dns(&self) -> bool {
        self.recipient_domain.is_some() || self.spf_drift
    }
}

/// The allowlist report. `ctx` may be `None` when the request [needs no
/// DNS](AllowlistAuditRequest::needs_dns), so an offline audit never sets a resolver up; a check
/// that needs DNS without a context is skipped and says so.
pub async fn allowlist_audit(ctx: Option<&Context>, request: &AllowlistAuditRequest<'_>) -> Report {
    let subject = format!(
        "allowlist {} against {}",
        request.list.file, request.profile.name
    );
    let Some(ctx) = ctx else {
        // No DNS: the audit alone, counted here as a run with nothing asked.
        let started = std::time::Instant::now();
        let mut outcomes = vec![allowlist::audit(
            request.profile,
            request.list,
            &request.options,
            None,
        )];
        if let Some(d) = &request.recipient_domain {
            outcomes.push(CheckOutcome::skipped(
                "domain",
                format!("{d}: no DNS layer to look its MX up"),
            ));
        }
        outcomes.push(spf_drift_skipped(request.spf_drift));
        let stats = Stats {
            dns_queries: 0,
            duration_ms: started.elapsed().as_millis() as u64,
            ..Default::default()
        };
        return Report::from_outcomes(subject, outcomes, stats);
    };
    let run = Run::start(ctx);
    let mut outcomes = Vec::new();
    let mut provider = None;
    if let Some(domain) = &request.recipient_domain {
        let (mut routing_outcome, routing) = crate::routing::inspect_domain(&run.ctx, domain).await;
        provider = routing.providers.first().map(|p| p.name);
        routing_outcome.findings.extend(gateway_in_front(&routing));
        outcomes.push(routing_outcome);
    }
    outcomes.insert(
        0,
        allowlist::audit(request.profile, request.list, &request.options, provider),
    );
    outcomes.push(if request.spf_drift {
        allowlist::spf_drift(&run.ctx, request.profile).await
    } else {
        spf_drift_skipped(false)
    });
    run.finish(Report::from_outcomes(subject, outcomes, Stats::default()))
}

/// The `spf-drift` check when it does not run. Turned off, it says so in the words of the
/// command line's flag, as every skipped check names the input that would run it.
fn spf_drift_skipped(asked: bool) -> CheckOutcome {
    CheckOutcome::skipped(
        "spf-drift",
        if asked {
            "no DNS layer to look the vendor's SPF records up"
        } else {
            "--no-spf"
        },
    )
}

/// `allowlist.gateway-in-front` for the recipient domain whose routing is `routing`, when its
/// MX is a filtering service: the one rule for the allowlist audit and for `diagnose`.
pub fn gateway_in_front(routing: &Routing) -> Option<crate::Finding> {
    allowlist::gateway_in_front(&routing.domain, &routing.providers)
}

/// IPs and domains to look up in a gateway allowlist.
#[derive(Debug, Clone)]
pub struct AllowlistLookupRequest<'a> {
    /// The gateway allowlist.
    pub list: &'a Allowlist,
    /// The vendor's sender profile, to say whether the vendor publishes each entry.
    pub profile: Option<&'a SenderProfile>,
    /// IP addresses or domains, in the order they should be answered.
    pub entries: Vec<String>,
}

/// The answer to an allowlist lookup: one result per entry asked, in order.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LookupAnswer {
    /// The allowlist file asked.
    pub allowlist: String,
    /// True when every entry is listed.
    pub all_listed: bool,
    /// One result per entry, in the order sent.
    pub results: Vec<EntryResult>,
}

/// Is one IP or domain on the allowlist, and by which entry.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryResult {
    /// The entry as asked (trimmed).
    pub query: String,
    /// Whether a line of the allowlist admits it.
    pub listed: bool,
    /// The line that admits it (1-based).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// That line's entry as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    /// Whether the vendor's sender profile publishes it (when a profile is given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor_publishes: Option<bool>,
    /// Why the entry could not be looked up (neither an IP address nor a domain).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl EntryResult {
    /// The result as one line of text: `QUERY: listed by line N: ENTRY`, `QUERY: not listed`,
    /// or why it could not be looked up, with what the vendor publishes.
    pub fn line(&self) -> String {
        let vendor = match self.vendor_publishes {
            Some(true) => " (the vendor publishes it)",
            Some(false) => " (the vendor does not publish it)",
            None => "",
        };
        match (&self.error, self.line, &self.entry) {
            (Some(e), _, _) => e.clone(),
            (None, Some(line), Some(text)) => {
                format!("{}: listed by line {line}: {text}{vendor}", self.query)
            }
            _ => format!("{}: not listed{vendor}", self.query),
        }
    }
}

/// Looks every entry up. No DNS: a domain matches the list's domain entries as written.
pub fn allowlist_lookup(request: &AllowlistLookupRequest<'_>) -> LookupAnswer {
    let ix = Index::new(&request.list.entries);
    let results: Vec<EntryResult> = request
        .entries
        .iter()
        .map(|q| {
            let r = allowlist::lookup(request.list, &ix, request.profile, q);
            EntryResult {
                query: r.query,
                listed: r.entry.is_some(),
                line: r.entry.as_ref().map(|(l, _)| *l),
                entry: r.entry.map(|(_, t)| t),
                vendor_publishes: r.vendor_publishes,
                error: r.error,
            }
        })
        .collect();
    LookupAnswer {
        allowlist: request.list.file.clone(),
        all_listed: results.iter().all(|r| r.listed),
        results,
    }
}
