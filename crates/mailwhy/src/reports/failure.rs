//! DMARC failure reports (RFC 9991, formerly "forensic" reports): one email per message that
//! failed, in the Abuse Reporting Format (RFC 5965): a `multipart/report;
//! report-type=feedback-report` whose `message/feedback-report` part holds header-like fields,
//! and a copy of the failed message's header (`text/rfc822-headers`) or of the whole message
//! (`message/rfc822`). This module reads the fields; finding the part is [`super::unpack`]'s.
//!
//! ```text
//! Feedback-Type: auth-failure          (RFC 6591 §3.1: the ARF type of every failure report)
//! Auth-Failure: dkim | spf | dmarc | adsp | bodyhash | revoked | signature
//! Identity-Alignment: none | spf | dkim | dkim, spf   (RFC 9991 §3.2: which ones aligned)
//! Source-IP: 192.0.2.1
//! Reported-Domain: example.com
//! Arrival-Date: Thu, 19 Nov 2026 10:11:12 +0000
//! Delivery-Result: delivered | spam | policy | reject | other
//! Incidents: 3
//! ```
//!
//! Unknown fields are skipped; fields may be folded over lines and appear in any case.

/// One failure report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FailureReport {
    /// `Feedback-Type` (lower case); `auth-failure` for DMARC.
    pub feedback_type: String,
    /// `Auth-Failure` (lower case): which mechanism failed.
    pub auth_failure: String,
    /// `Identity-Alignment` (lower case, spaces removed): which identifiers aligned.
    pub identity_alignment: String,
    /// `Source-IP`.
    pub source_ip: String,
    /// `Reported-Domain` (lower case), else the From domain of the attached header.
    pub reported_domain: String,
    /// `Delivery-Result` (lower case).
    pub delivery_result: String,
    /// `Arrival-Date` as epoch seconds, when it could be read.
    pub arrival: Option<i64>,
    /// `Incidents` (1 when absent).
    pub incidents: u64,
    /// `Reporting-MTA` (the host name after `dns;`).
    pub reporting_mta: String,
    /// `DKIM-Domain`.
    pub dkim_domain: String,
    /// Who sent the report: the domain of the report email's From (set by the caller), else
    /// the reporting MTA.
    pub reporter: String,
    /// What makes this report the same as another copy of it: a hash of its feedback fields
    /// (names lower-cased, values unfolded and trimmed, in order) and of the failed message's
    /// `Message-ID` (else its whole attached header). The same report mailed twice, or kept in
    /// both an mbox and a Maildir, has the same fingerprint; two incidents differ in
    /// `Arrival-Date` or in the message.
    pub fingerprint: u64,
}

/// Reads the `message/feedback-report` part's fields. `original` is the attached header or
/// message, read for its From domain when `Reported-Domain` is missing.
pub fn read(fields: &[u8], original: Option<&[u8]>) -> Result<FailureReport, String> {
    let mut r = FailureReport {
        incidents: 1,
        ..FailureReport::default()
    };
    use std::hash::{Hash, Hasher};
    // SipHash with fixed keys: the same on every run (as the aggregate reports' key).
    #[allow(deprecated)]
    let mut h = std::hash::SipHasher::new();
    let fields = header_fields(fields);
    for (name, value) in &fields {
        name.to_ascii_lowercase().hash(&mut h);
        value.trim().hash(&mut h);
    }
    match original {
        Some(o) => {
            let headers = header_fields(o);
            match headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("message-id"))
            {
                Some((_, id)) => id.trim().hash(&mut h),
                None => headers.hash(&mut h),
            }
        }
        None => 0u8.hash(&mut h),
    }
    r.fingerprint = h.finish();
    for (name, value) in fields {
        let v = value.trim();
        match name.to_ascii_lowercase().as_str() {
            "feedback-type" => r.feedback_type = v.to_ascii_lowercase(),
            "auth-failure" => r.auth_failure = v.to_ascii_lowercase(),
            "identity-alignment" => {
                r.identity_alignment = v.to_ascii_lowercase().replace(char::is_whitespace, "")
            }
            "source-ip" => r.source_ip = v.to_string(),
            "reported-domain" => r.reported_domain = v.trim_end_matches('.').to_ascii_lowercase(),
            "delivery-result" => r.delivery_result = v.to_ascii_lowercase(),
            "arrival-date" | "received-date" => {
                r.arrival = mail_parser::DateTime::parse_rfc822(v).map(|d| d.to_timestamp())
            }
            "incidents" => {
                r.incidents = v.parse().map_err(|_| {
                    format!("Incidents: {:?} is not a number", crate::sanitize::line(v))
                })?
            }
            "reporting-mta" => {
                r.reporting_mta = v
                    .split_once(';')
                    .map_or(v, |(_, h)| h)
                    .trim()
                    .to_ascii_lowercase()
            }
            "dkim-domain" => r.dkim_domain = v.to_ascii_lowercase(),
            _ => {}
        }
    }
    if r.feedback_type.is_empty() {
        return Err("no Feedback-Type field in the feedback report (RFC 5965 §3.1)".into());
    }
    if r.reported_domain.is_empty() {
        if let Some(o) = original {
            r.reported_domain = header_fields(o)
                .into_iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("from"))
                .and_then(|(_, v)| {
                    let v = v.trim().trim_end_matches('>').to_string();
                    v.rsplit_once('@')
                        .map(|(_, d)| d.trim().to_ascii_lowercase())
                })
                .unwrap_or_default();
        }
    }
    Ok(r)
}

/// The header fields of `b` (up to its first empty line), unfolded. Lines that are not fields
/// are skipped: a report is read for what it says, not rejected for a stray line.
fn header_fields(b: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(b);
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if out.is_empty() {
                continue;
            }
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some(last) = out.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
            continue;
        }
        if let Some((n, v)) = line.split_once(':') {
            let n = n.trim();
            if !n.is_empty() && n.bytes().all(|c| c.is_ascii_graphic()) {
                out.push((n.to_string(), v.trim().to_string()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_rfc_9991_fields_and_falls_back_to_the_header_from() {
        let f = b"Feedback-Type: auth-failure\r\nUser-Agent: x/1\r\nVersion: 1\r\nAuth-Failure: DKIM\r\nIdentity-Alignment: spf\r\nSource-IP: 167.89.22.86\r\nArrival-Date: Fri, 20 Nov 2026 09:30:00\r\n +0000\r\nDelivery-Result: spam\r\n";
        let r = read(
            f,
            Some(b"From: Procore <no-reply@procore.com>\r\nSubject: x\r\n\r\n"),
        )
        .unwrap();
        assert_eq!(r.auth_failure, "dkim");
        assert_eq!(r.identity_alignment, "spf");
        assert_eq!(r.source_ip, "167.89.22.86");
        assert_eq!(r.reported_domain, "procore.com");
        assert_eq!(r.delivery_result, "spam");
        assert_eq!(r.arrival, Some(1_795_167_000));
        assert_eq!(r.incidents, 1);
        // Another copy (CRLF or LF, same message) has the same fingerprint; another arrival
        // (a second incident) or another message does not.
        let lf = String::from_utf8_lossy(f).replace("\r\n", "\n");
        let orig = b"From: <no-reply@procore.com>\r\nMessage-ID: <a@procore.com>\r\n\r\n";
        let one = read(f, Some(orig)).unwrap().fingerprint;
        assert_eq!(read(lf.as_bytes(), Some(orig)).unwrap().fingerprint, one);
        let later = lf.replace("09:30:00", "09:31:00");
        assert_ne!(read(later.as_bytes(), Some(orig)).unwrap().fingerprint, one);
        let other = b"From: <no-reply@procore.com>\r\nMessage-ID: <b@procore.com>\r\n\r\n";
        assert_ne!(read(f, Some(other)).unwrap().fingerprint, one);
    }

    #[test]
    fn a_part_without_feedback_type_or_with_a_bad_count_is_an_error() {
        assert!(read(b"Auth-Failure: dkim\r\n", None).is_err());
        let e = read(b"Feedback-Type: auth-failure\r\nIncidents: many\r\n", None).unwrap_err();
        assert!(e.contains("Incidents"), "{e}");
    }
}
