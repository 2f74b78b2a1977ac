//! External report destinations (RFC 9990 "Verifying External Destinations", reused by RFC 9991
//! for `ruf`): a `rua`/`ruf` address whose host lies outside the policy domain's organizational
//! domain only receives reports when the host publishes `<policy domain>._report._dmarc.<host>`
//! TXT `v=DMARC1`. Without it receivers MUST ignore the URI, so the domain owner silently gets no
//! reports there; that is the one thing this module checks.
//!
//! "Outside the organizational domain" is decided as RFC 9989 receivers decide it, by the DNS
//! tree walk from the policy domain and from the host (`org_domain`); RFC 7489 receivers decided
//! it by the Public Suffix List. Where only one of the two calls the host external and it does
//! not authorize, the finding says which receivers drop the reports.
//!
//! A wildcard `*._report._dmarc.<host>` is a DNS wildcard, so the resolver answers the exact name
//! through it and no second query is needed. A failed lookup makes the check inconclusive, never
//! "authorized" nor "missing".

use crate::check::{Context, OutcomeBuilder};
use crate::dns::{Outcome, RecordType};
use crate::finding::{Finding, FindingId};
use crate::sanitize;

use super::alignment::{self, OrgDomains};
use super::dmarc::{version_prefix, DmarcRecord};

/// The authorization name for reports about `policy_domain` sent to `host`, or `None` when the
/// name would be longer than DNS allows (then authorization cannot be shown, RFC 9990).
pub(crate) fn authorization_name(policy_domain: &str, host: &str) -> Option<String> {
    let name = format!(
        "{}._report._dmarc.{}",
        policy_domain.trim_end_matches('.').to_ascii_lowercase(),
        host.trim_end_matches('.').to_ascii_lowercase()
    );
    (name.len() <= 253 && name.split('.').all(|l| !l.is_empty() && l.len() <= 63)).then_some(name)
}

/// The host of a `mailto:` URI's address, lowercase, if it has one.
fn mailto_host(address: &str) -> Option<String> {
    let (_, host) = address.rsplit_once('@')?;
    let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
    (!host.is_empty()).then_some(host)
}

/// Checks every `rua` and `ruf` destination of `record` (found at `_dmarc.<policy_domain>`) that
/// lies outside the policy domain's organization, by the tree walk or by the Public Suffix List,
/// adding a `dmarc.report-unauthorized` finding per destination whose host does not authorize it.
pub(crate) async fn check(
    ctx: &Context,
    policy_domain: &str,
    record: &DmarcRecord,
    c: &mut OutcomeBuilder,
) {
    let policy_domain = policy_domain.trim_end_matches('.').to_ascii_lowercase();
    let mut dests: Vec<(&str, &str, String)> = Vec::new();
    for (tag, uri) in record
        .rua
        .iter()
        .map(|u| ("rua", u))
        .chain(record.ruf.iter().map(|u| ("ruf", u)))
    {
        let Some(host) = uri.mailto_address().and_then(mailto_host) else {
            continue; // other schemes are ignored by receivers (RFC 9989 §4.7)
        };
        if !dests.iter().any(|d| d.0 == tag && d.2 == host) {
            dests.push((tag, &uri.uri, host));
        }
    }
    if dests.is_empty() {
        return;
    }
    let orgs = super::org_domain::lookup(
        ctx,
        std::iter::once(policy_domain.clone())
            .chain(dests.iter().map(|d| d.2.clone()))
            .collect(),
        OrgDomains::default(),
        c,
    )
    .await;
    let own = orgs.of(&policy_domain);
    let own_psl = alignment::organizational_domain(&policy_domain);
    for (tag, uri, host) in dests {
        let external = Externality {
            rfc9989: orgs.of(&host) != own,
            rfc7489: alignment::organizational_domain(&host) != own_psl,
            org_domain: own.clone(),
            host_org_domain: orgs.of(&host),
        };
        if !external.rfc9989 && !external.rfc7489 {
            continue;
        }
        let Some(name) = authorization_name(&policy_domain, &host) else {
            c.push(unauthorized(
                tag,
                uri,
                &policy_domain,
                &host,
                None,
                "the authorization name would be longer than DNS allows",
                &external,
            ));
            continue;
        };
        let answer = match ctx.dns.query(&name, RecordType::TXT).await {
            Ok(a) => a,
            Err(e) => {
                c.inconclusive(format!("cannot ask for {name}: {e}"));
                continue;
            }
        };
        if c.dns_failure(
            &answer,
            &format!("the {tag} report authorization of {host}"),
        ) {
            continue;
        }
        let authorized = matches!(answer.outcome, Outcome::Records(_))
            && answer
                .txt()
                .iter()
                .any(|t| version_prefix(&String::from_utf8_lossy(t)).is_some());
        if !authorized {
            c.push(unauthorized(
                tag,
                uri,
                &policy_domain,
                &host,
                Some(&name),
                answer.outcome.kind(),
                &external,
            ));
        }
    }
}

/// Whether a report host is outside the policy domain's organization, for each kind of receiver.
struct Externality {
    /// By the RFC 9989 tree walk.
    rfc9989: bool,
    /// By the Public Suffix List (RFC 7489).
    rfc7489: bool,
    /// The policy domain's organizational domain by the tree walk.
    org_domain: String,
    /// The host's organizational domain by the tree walk.
    host_org_domain: String,
}

fn unauthorized(
    tag: &str,
    uri: &str,
    policy_domain: &str,
    host: &str,
    name: Option<&str>,
    answer: &str,
    ext: &Externality,
) -> Finding {
    let kind = if tag == "rua" { "aggregate" } else { "failure" };
    // Which receivers drop the destination: those that call the host external.
    let who = match (ext.rfc9989, ext.rfc7489) {
        (true, true) => {
            "receivers following RFC 9990 ignore this destination, so no reports arrive there"
                .to_string()
        }
        (true, false) => format!(
            "receivers following RFC 9989 (whose DNS tree walk puts {} in the organization {} and the policy domain in {}) ignore this destination; receivers still on RFC 7489 (Public Suffix List) count it as inside the organization and send, so only their reports arrive",
            sanitize::line(host),
            sanitize::line(&ext.host_org_domain),
            sanitize::line(&ext.org_domain)
        ),
        (false, _) => format!(
            "receivers following RFC 9989 count it as inside the organization {} (DNS tree walk) and send, but receivers still on RFC 7489 (Public Suffix List) call it external and ignore this destination, so their reports never arrive",
            sanitize::line(&ext.org_domain)
        ),
    };
    Finding::new(
        FindingId::DmarcReportUnauthorized,
        format!(
            "The DMARC record of {} sends {kind} reports ({tag}) to {}, outside the domain, but {} does not authorize it ({}: {}); {who}.",
            sanitize::line(policy_domain),
            sanitize::line(uri),
            sanitize::line(host),
            sanitize::line(name.unwrap_or("no valid authorization name")),
            answer
        ),
    )
    .with_evidence(serde_json::json!({
        "external_rfc9989": ext.rfc9989,
        "external_rfc7489": ext.rfc7489,
        "org_domain": ext.org_domain,
        "host_org_domain": ext.host_org_domain,
        "tag": tag,
        "uri": uri,
        "policy_domain": policy_domain,
        "host": host,
        "authorization_name": name,
        "answer": answer,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_names_follow_rfc_9990() {
        assert_eq!(
            authorization_name("blue.example.com", "red.example.net").as_deref(),
            Some("blue.example.com._report._dmarc.red.example.net")
        );
        let long = "a".repeat(63);
        let host = format!("{long}.{long}.{long}.{long}");
        assert_eq!(authorization_name("example.com", &host), None);
        assert_eq!(
            mailto_host("r@Red.Example.NET."),
            Some("red.example.net".into())
        );
        assert_eq!(mailto_host("nohost"), None);
    }
}
