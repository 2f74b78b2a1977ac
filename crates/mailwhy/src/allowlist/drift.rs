//! SPF drift (`allowlist.spf-drift`): the vendor's published IPs against what its own domains'
//! SPF records authorize, in both directions, and [`SpfDriftMemo`], which keeps the comparison
//! for as long as the DNS answers it rests on.
//!
//! The one allowlist check that asks DNS; the SPF evaluation itself is [`crate::spf`]'s.

use serde_json::json;

use crate::check::CheckOutcome;
use crate::finding::{Finding, FindingId};

use super::{shared_service, Entry, EntryKind, Index, SenderProfile};

/// [`spf_drift`] remembered until the first DNS answer it used expires. The comparison is the
/// same for every recipient (it is about the vendor), so a long-running diagnoser runs it once
/// per record TTL instead of once per request, and never longer than the DNS cache would keep
/// the answers it rests on.
#[derive(Debug, Default)]
pub struct SpfDriftMemo(std::sync::Mutex<Option<(std::time::Instant, CheckOutcome)>>);

impl SpfDriftMemo {
    /// The remembered outcome while its answers are fresh, else [`spf_drift`] again.
    pub async fn get(&self, ctx: &crate::check::Context, profile: &SenderProfile) -> CheckOutcome {
        if let Some((expires, outcome)) = &*self.0.lock().expect("spf drift memo lock") {
            if std::time::Instant::now() < *expires {
                return outcome.clone();
            }
        }
        let (dns, watch) = ctx.dns.watched();
        let watched = crate::check::Context { dns, now: ctx.now };
        let outcome = spf_drift(&watched, profile).await;
        if let Some(expires) = watch.earliest() {
            *self.0.lock().expect("spf drift memo lock") = Some((expires, outcome.clone()));
        }
        outcome
    }
}

/// Why the comparison is inconclusive when an SPF evaluation gave temperror: the lookup that
/// failed, named.
fn failed_spf_why(r: &crate::spf::SpfResult, needed_for: &str) -> String {
    match crate::spf::failed_lookup(r) {
        Some((question, outcome)) => {
            crate::check::lookup_failed_why(&question, outcome, needed_for)
        }
        None => {
            format!("{needed_for} could not be checked (SPF temperror): try again in a few minutes")
        }
    }
}

/// `allowlist.spf-drift`: the vendor's published IPs against what its domains' SPF records
/// authorize, both directions. IPs the profile lists that no vendor domain's SPF passes are
/// "listed but not authorized" (mail from them fails SPF at the recipient); networks the vendor's
/// own SPF authorizes that the profile does not list are "authorized but not listed" (mail from
/// them is refused by a gateway that follows the profile). Shared services the vendor names
/// (fastly.net, smtp.sendgrid.net ...) are left out of the second direction: their SPF
/// authorizes every tenant.
pub async fn spf_drift(ctx: &crate::check::Context, profile: &SenderProfile) -> CheckOutcome {
    use crate::spf::{self, Verdict as SpfVerdict};
    let mut c = CheckOutcome::start("spf-drift");
    let own: Vec<&String> = profile
        .domains
        .iter()
        .filter(|d| shared_service(d).is_none())
        .collect();
    // Which own domains publish SPF at all (one probe per domain, answered from the cache later).
    let probes = futures::future::join_all(own.iter().map(|d| async move {
        let r = spf::check_host(
            ctx,
            "192.0.2.1".parse().expect("ip"),
            d,
            &format!("postmaster@{d}"),
            d,
        )
        .await;
        (d.as_str(), r)
    }))
    .await;
    let mut with_spf = Vec::new();
    // Own domains whose SPF could not be looked up: an IP that passes for none of the others
    // may pass for one of these, so "listed but not authorized" cannot be said of any IP.
    let mut unknown = Vec::new();
    for (d, r) in &probes {
        match r.result {
            SpfVerdict::None => {}
            SpfVerdict::TempError => {
                unknown.push(*d);
                c.inconclusive(failed_spf_why(r, &format!("the SPF record of {d}")));
            }
            _ => with_spf.push(*d),
        }
    }
    if with_spf.is_empty() {
        return c.done(if unknown.is_empty() {
            format!("none of {}'s own domains publishes SPF", profile.name)
        } else {
            format!(
                "the SPF of {} could not be looked up; nothing is compared",
                unknown.join(", ")
            )
        });
    }
    // Direction 1: each listed IP must pass SPF for at least one own domain.
    let mut listed_not_authorized = Vec::new();
    for net in &profile.ips {
        let ip = net.network();
        let results = futures::future::join_all(with_spf.iter().map(|d| async move {
            spf::check_host(ctx, ip, d, &format!("postmaster@{d}"), d).await
        }))
        .await;
        if results.iter().any(|r| r.result == SpfVerdict::Pass) {
            continue;
        }
        if let Some(r) = results.iter().find(|r| r.result == SpfVerdict::TempError) {
            c.inconclusive(failed_spf_why(r, &format!("whether {ip} passes SPF")));
        } else if unknown.is_empty() {
            listed_not_authorized.push(net.to_string());
        }
    }
    // Direction 2: what the own domains' SPF authorizes, against the listed IPs.
    let flats = futures::future::join_all(with_spf.iter().map(|d| spf::flatten(ctx, d))).await;
    let listed: Vec<Entry> = profile
        .ips
        .iter()
        .map(|n| Entry {
            line: 0,
            text: n.to_string(),
            kind: EntryKind::Net(*n),
        })
        .collect();
    let listed_ix = Index::new(&listed);
    // The shared services the vendor names: what their SPF authorizes is theirs, not the vendor's.
    let mut shared_bases: Vec<&str> = profile
        .domains
        .iter()
        .filter_map(|d| shared_service(d).map(|(b, _)| b))
        .collect();
    shared_bases.dedup();
    let shared_flats =
        futures::future::join_all(shared_bases.iter().map(|d| spf::flatten(ctx, d))).await;
    let shared: Vec<Entry> = shared_flats
        .iter()
        .flat_map(|f| f.networks.iter())
        .map(|n| Entry {
            line: 0,
            text: n.to_string(),
            kind: EntryKind::Net(*n),
        })
        .collect();
    let shared_ix = Index::new(&shared);
    let mut authorized_not_listed: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    for (d, f) in with_spf.iter().zip(&flats) {
        for n in &f.networks {
            if !listed_ix.coverage(n).fully
                && !shared_ix.coverage(n).fully
                && !authorized_not_listed.contains(&n.to_string())
            {
                authorized_not_listed.push(n.to_string());
            }
        }
        notes.extend(f.notes.iter().map(|n| format!("{d}: {n}")));
    }
    if !listed_not_authorized.is_empty() || !authorized_not_listed.is_empty() {
        let mut parts = Vec::new();
        if !listed_not_authorized.is_empty() {
            parts.push(format!(
                "{} listed IP{} pass{} SPF for none of {}: {}",
                listed_not_authorized.len(),
                if listed_not_authorized.len() == 1 {
                    ""
                } else {
                    "s"
                },
                if listed_not_authorized.len() == 1 {
                    "es"
                } else {
                    ""
                },
                with_spf.join(", "),
                listed_not_authorized.join(", ")
            ));
        }
        if !authorized_not_listed.is_empty() {
            parts.push(format!(
                "their SPF authorizes {} network{} the profile does not list: {}{}",
                authorized_not_listed.len(),
                if authorized_not_listed.len() == 1 {
                    ""
                } else {
                    "s"
                },
                authorized_not_listed
                    .iter()
                    .take(10)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
                if authorized_not_listed.len() > 10 {
                    ", ..."
                } else {
                    ""
                }
            ));
        }
        c.push(
            Finding::new(FindingId::AllowlistSpfDrift,
                format!("{}'s published IPs and its SPF disagree: {}.", profile.name, parts.join("; "))).with_remedy(format!(
                    "Ask {}'s mail admin which list is current{}. Until then, an IP-based allowlist may refuse mail from networks the SPF authorizes, and mail from listed IPs may fail SPF.",
                    profile.name,
                    profile.support.as_deref().map(|s| format!(" ({s})")).unwrap_or_default()
                ))
            .with_evidence(json!({
                "domains_with_spf": with_spf,
                "listed_not_authorized": listed_not_authorized,
                "authorized_not_listed": authorized_not_listed,
                "flatten_notes": notes,
            })),
        );
    }
    c.done(format!(
        "{} listed networks against the SPF of {}",
        profile.ips.len(),
        with_spf.join(", ")
    ))
}
