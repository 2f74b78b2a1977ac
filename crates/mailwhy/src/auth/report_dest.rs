//! External report destinations (RFC 9990 "Verifying External Destinations", reused by RFC 9991
//! for `ruf`): a `rua`/`ruf` address whose host lies outside the policy domain's organizational
//! domain only receives reports when the host publishes `<policy domain>._report._dmarc.<host>`
//! TXT `v=DMARC1`. Without it receivers MUST ignore the URI, so the domain owner silently gets no
//! reports there; that is the one thing this module checks.
//!
//! A wildcard `*._report._dmarc.<host>` is a DNS wildcard, so the resolver answers the exact name
//! through it and no second query is needed. A failed lookup makes the check inconclusive, never
//! "authorized" nor "missing".

use crate::check::{Context, OutcomeBuilder};
use crate::dns::{Outcome, RecordType};
use crate::finding::{Finding, FindingId};
use crate::sanitize;

use super::alignment;
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
/// lies outside the policy domain's organization, adding a `dmarc.report-unauthorized` finding per
/// destination whose host does not authorize it.
pub(crate) async fn check(
    ctx: &Context,
    policy_domain: &str,
    record: &DmarcRecord,
    c: &mut OutcomeBuilder,
) {
    let own_org = alignment::organizational_domain(policy_domain);
    let mut seen = Vec::new();
    for (tag, uri) in record
        .rua
        .iter()
        .map(|u| ("rua", u))
        .chain(record.ruf.iter().map(|u| ("ruf", u)))
    {
        let Some(host) = uri.mailto_address().and_then(mailto_host) else {
            continue; // other schemes are ignored by receivers (RFC 9989 §4.7)
        };
        if alignment::organizational_domain(&host) == own_org || seen.contains(&(tag, host.clone()))
        {
            continue;
        }
        seen.push((tag, host.clone()));
        let Some(name) = authorization_name(policy_domain, &host) else {
            c.push(unauthorized(
                tag,
                &uri.uri,
                policy_domain,
                &host,
                None,
                "the authorization name would be longer than DNS allows",
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
                &uri.uri,
                policy_domain,
                &host,
                Some(&name),
                answer.outcome.kind(),
            ));
        }
    }
}

fn unauthorized(
    tag: &str,
    uri: &str,
    policy_domain: &str,
    host: &str,
    name: Option<&str>,
    answer: &str,
) -> Finding {
    let kind = if tag == "rua" { "aggregate" } else { "failure" };
    Finding::new(
        FindingId::DmarcReportUnauthorized,
        format!(
            "The DMARC record of {} sends {kind} reports ({tag}) to {}, outside the domain, but {} does not authorize it ({}: {}); receivers following RFC 9990 ignore this destination, so no reports arrive there.",
            sanitize::line(policy_domain),
            sanitize::line(uri),
            sanitize::line(host),
            sanitize::line(name.unwrap_or("no valid authorization name")),
            answer
        ),
    )
    .with_evidence(serde_json::json!({
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
