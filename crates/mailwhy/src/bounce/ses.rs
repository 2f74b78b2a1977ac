//! Amazon SES notifications delivered by email (through SNS): a JSON document with
//! `notificationType` `Bounce`, `Complaint` or `Delivery`, documented by AWS as the SES
//! notification content. Read here because such a "bounce" has no DSN part and no MTA wording.

use serde_json::Value;

use super::{classify, dsn, status, Bounce, Kind, Reason, Recipient};

/// Reads an SES notification from `text`, if it holds one.
pub fn read(text: &str) -> Option<Bounce> {
    let start = text.find("{\"notificationType\"")?;
    let mut de = serde_json::Deserializer::from_str(&text[start..]).into_iter::<Value>();
    let v = de.next()?.ok()?;
    let kind = v.get("notificationType")?.as_str()?;
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    match kind {
        "Bounce" => {
            let b = v.get("bounce")?;
            let transient = s(b, "bounceType").as_deref() == Some("Transient");
            let reporting = s(b, "reportingMTA").map(|m| dsn::strip_type(&m).1.to_string());
            let mut recipients = Vec::new();
            for r in b.get("bouncedRecipients")?.as_array()? {
                let address = s(r, "emailAddress").unwrap_or_default();
                let diag = s(r, "diagnosticCode").unwrap_or_default();
                let (dtype, diag_text) = dsn::strip_type(&diag);
                let st = s(r, "status").or_else(|| status::find_receivers(diag_text));
                let reply = status::find_reply_code(diag_text);
                let action = s(r, "action").unwrap_or_else(|| {
                    if transient {
                        "delayed".into()
                    } else {
                        "failed".into()
                    }
                });
                // SES's own suppression: it did not try, whatever the quoted diagnostic says.
                let sub_type = s(b, "bounceSubType").unwrap_or_default();
                let suppressed =
                    matches!(sub_type.as_str(), "Suppressed" | "OnAccountSuppressionList");
                let decision = if suppressed {
                    classify::Decision {
                        reason: Reason::Suppressed,
                        rule: classify::Rule::field(format!("bounceSubType: {sub_type}")),
                    }
                } else {
                    classify::decide(&classify::Evidence {
                        diagnostic: diag_text,
                        context: "",
                        status: st.as_deref(),
                        reply_code: reply.as_deref(),
                        action: Some(&action),
                        diagnostic_type: Some(dtype),
                        phase_hint: None,
                    })
                };
                recipients.push(Recipient {
                    address,
                    action: Some(action),
                    status: st,
                    reply_code: reply,
                    reason: decision.reason,
                    rule: decision.rule,
                    diagnostic: Some(diag_text.to_string()).filter(|d| !d.is_empty()),
                    remote_mta: s(b, "remoteMtaIp"),
                });
            }
            Some(Bounce {
                kind: Kind::Dsn,
                is_bounce: true,
                recipients,
                feedback_type: None,
                reporting_mta: reporting,
            })
        }
        "Complaint" => {
            let c = v.get("complaint")?;
            let feedback_type = s(c, "complaintFeedbackType").or(Some("abuse".into()));
            let address = c
                .get("complainedRecipients")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .and_then(|r| s(r, "emailAddress"))
                .unwrap_or_default();
            Some(Bounce {
                kind: Kind::Feedback,
                is_bounce: false,
                recipients: vec![Recipient {
                    address,
                    action: None,
                    status: None,
                    reply_code: None,
                    reason: Reason::Feedback,
                    rule: classify::Rule::field("an Amazon SES Complaint notification"),
                    diagnostic: feedback_type.clone(),
                    remote_mta: None,
                }],
                feedback_type,
                reporting_mta: None,
            })
        }
        "Delivery" => {
            let d = v.get("delivery")?;
            let smtp = s(d, "smtpResponse").unwrap_or_default();
            let recipients = d
                .get("recipients")?
                .as_array()?
                .iter()
                .filter_map(Value::as_str)
                .map(|a| Recipient {
                    address: a.to_string(),
                    action: Some("delivered".into()),
                    status: status::find_receivers(&smtp),
                    reply_code: status::find_reply_code(&smtp),
                    reason: Reason::Delivered,
                    rule: classify::Rule::field("an Amazon SES Delivery notification"),
                    diagnostic: Some(smtp.clone()).filter(|x| !x.is_empty()),
                    remote_mta: s(d, "reportingMTA"),
                })
                .collect();
            Some(Bounce {
                kind: Kind::Delivered,
                is_bounce: false,
                recipients,
                feedback_type: None,
                reporting_mta: s(d, "reportingMTA"),
            })
        }
        _ => None,
    }
}
