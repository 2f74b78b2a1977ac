//! SMTP TLS reports (RFC 8460) as JSON: per policy domain the successful and failed session
//! counts and the failure details (result type, receiving MX). Fields RFC 8460 marks optional
//! are optional here too (Microsoft omits `policy-string`, Google's `no-policy-found` entries
//! carry only the success count); unknown fields are ignored.

use serde::Deserialize;

/// One report.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub struct TlsReport {
    /// `organization-name`.
    pub organization_name: String,
    /// `date-range`.
    pub date_range: DateRange,
    /// `report-id`.
    #[serde(default)]
    pub report_id: String,
    /// `policies`.
    #[serde(default)]
    pub policies: Vec<PolicyEntry>,
}

/// `date-range`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub struct DateRange {
    /// `start-datetime` (RFC 3339).
    pub start_datetime: String,
    /// `end-datetime` (RFC 3339).
    pub end_datetime: String,
}

/// One entry of `policies`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub struct PolicyEntry {
    /// `policy`.
    pub policy: Policy,
    /// `summary`.
    pub summary: Summary,
    /// `failure-details`.
    #[serde(default)]
    pub failure_details: Vec<FailureDetail>,
}

/// `policy`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub struct Policy {
    /// `policy-type`: `sts`, `tlsa` or `no-policy-found`.
    pub policy_type: String,
    /// `policy-domain`.
    pub policy_domain: String,
    /// `mx-host`.
    #[serde(default)]
    pub mx_host: Vec<String>,
}

/// `summary`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub struct Summary {
    /// `total-successful-session-count`.
    #[serde(default)]
    pub total_successful_session_count: u64,
    /// `total-failure-session-count`.
    #[serde(default)]
    pub total_failure_session_count: u64,
}

/// One entry of `failure-details`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub struct FailureDetail {
    /// `result-type` (`certificate-expired`, `starttls-not-supported` ...).
    pub result_type: String,
    /// `receiving-mx-hostname`.
    #[serde(default)]
    pub receiving_mx_hostname: Option<String>,
    /// `receiving-ip`.
    #[serde(default)]
    pub receiving_ip: Option<String>,
    /// `failed-session-count`.
    #[serde(default)]
    pub failed_session_count: u64,
    /// `failure-reason-code`.
    #[serde(default)]
    pub failure_reason_code: Option<String>,
}

/// Reads one TLS report; the error names the line and column serde_json stopped at.
pub fn read(json: &[u8]) -> Result<TlsReport, String> {
    serde_json::from_slice(json).map_err(|e| format!("not a TLS report (RFC 8460 JSON): {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_fields_may_be_missing() {
        let r = read(br#"{"organization-name":"Google Inc.","date-range":{"start-datetime":"2026-11-20T00:00:00Z","end-datetime":"2026-11-20T23:59:59Z"},"policies":[{"policy":{"policy-type":"no-policy-found","policy-domain":"a.example"},"summary":{"total-successful-session-count":4}}]}"#).unwrap();
        assert_eq!(r.policies[0].summary.total_successful_session_count, 4);
        assert!(read(b"{\"policies\":[]}")
            .unwrap_err()
            .contains("organization-name"));
    }
}
