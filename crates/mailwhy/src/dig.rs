//! `mailwhy dns NAME [TYPE]`: one question through the DNS layer, reported like any check (the
//! `dns` check's outcome, the records as dig prints them, the answer as JSON data).
//!
//! It sits above [`crate::dns`], [`crate::check`] and [`crate::report`] and nothing depends on
//! it: the DNS layer is below the checks and the report, and must not depend on them.

use std::time::Instant;

use crate::check::{CheckOutcome, Context};
use crate::dns::{Outcome, RecordType};
use crate::report::{Report, Stats};

/// `mailwhy dns NAME [TYPE]`: asks one question through the layer and reports the outcome.
/// A PTR question about an IP address asks its reverse name (`98.225.22.137.in-addr.arpa`), as
/// `dig -x` does: nobody means the literal name `137.22.225.98`.
pub async fn report(ctx: &Context, name: &str, rtype: RecordType) -> Report {
    let started = Instant::now();
    let reverse = match name.parse::<std::net::IpAddr>() {
        Ok(ip) if rtype == RecordType::PTR => Some(crate::auth::rdns::reverse_name(ip)),
        _ => None,
    };
    let subject = format!("{name} {rtype}");
    let given = name;
    let name = reverse.as_deref().unwrap_or(name);
    let mut check = CheckOutcome::start("dns");
    let mut lines = Vec::new();
    let mut data = serde_json::Value::Null;
    match ctx.dns.query(name, rtype).await {
        Err(e) => {
            check.inconclusive(e.to_string());
            lines.push(e.to_string());
        }
        Ok(answer) => {
            check.dns_failure(&answer, &format!("the {rtype} records of {}", answer.name));
            match &answer.outcome {
                Outcome::Records(recs) => {
                    for r in recs {
                        lines.push(format!(
                            "{}.  {}  IN  {}  {}",
                            r.name,
                            r.ttl,
                            r.data.rtype(),
                            r.data.presentation()
                        ));
                    }
                }
                Outcome::NoData => lines.push(format!(
                    "{} exists but has no {rtype} record (NODATA)",
                    answer.name
                )),
                Outcome::NxDomain => {
                    lines.push(format!("{} does not exist (NXDOMAIN)", answer.name))
                }
                other => lines.push(format!(
                    "no answer: {}{}",
                    other.kind(),
                    answer
                        .error
                        .as_deref()
                        .map(|e| format!(" ({e})"))
                        .unwrap_or_default()
                )),
            }
            data = serde_json::to_value(&*answer).unwrap_or_default();
        }
    }
    let outcome = check.done(match &reverse {
        Some(r) => format!("{r} {rtype} (the reverse name of {given})"),
        None => subject.clone(),
    });
    Report::from_outcomes(
        subject,
        vec![outcome],
        Stats {
            dns_queries: ctx.dns.queries_sent(),
            duration_ms: started.elapsed().as_millis() as u64,
            ..Default::default()
        },
    )
    .with_data(data)
    .with_section("answer", lines)
}
