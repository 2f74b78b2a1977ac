//! Authentication-Results (RFC 8601), ARC-Authentication-Results (RFC 8617) and Received-SPF
//! (RFC 7208 section 9.1): what the receiving servers concluded about SPF, DKIM, DMARC and ARC.
//!
//! ```text
//! authres-header = "Authentication-Results:" [CFWS] authserv-id
//!                  [ CFWS authres-version ] ( no-result / 1*resinfo ) [CFWS] CRLF
//! resinfo        = [CFWS] ";" methodspec [ CFWS reasonspec ] [ CFWS 1*propspec ]
//! methodspec     = [CFWS] method [CFWS] "=" [CFWS] result
//! reasonspec     = "reason" [CFWS] "=" [CFWS] value
//! propspec       = ptype [CFWS] "." [CFWS] property [CFWS] "=" pvalue
//! ```
//! The parser is lenient (real headers bend the grammar) and never fails: what it cannot read
//! it leaves out.

use std::collections::BTreeMap;

use serde::Serialize;

/// One method's result (`spf=pass smtp.mailfrom=example.com`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MethodResult {
    /// `spf`, `dkim`, `dmarc`, `arc`, `iprev`, `auth` ...
    pub method: String,
    /// `pass`, `fail`, `softfail`, `neutral`, `none`, `temperror`, `permerror`, `policy` ...
    pub result: String,
    /// The `reason=` text, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Properties such as `smtp.mailfrom`, `header.d`, `header.from`, `header.i`.
    pub properties: BTreeMap<String, String>,
}

/// One Authentication-Results header (or ARC-Authentication-Results, or Received-SPF).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthResults {
    /// The header it came from.
    pub header: String,
    /// The server that evaluated (authserv-id).
    pub authserv_id: String,
    /// The ARC instance (`i=`), for ARC-Authentication-Results.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<u32>,
    /// The results.
    pub results: Vec<MethodResult>,
}

/// Removes RFC 5322 comments (nested parentheses) outside quoted strings.
fn strip_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let (mut depth, mut quoted, mut escaped) = (0usize, false, false);
    for c in s.chars() {
        if escaped {
            if depth == 0 {
                out.push(c);
            }
            escaped = false;
            continue;
        }
        match c {
            '\\' => {
                escaped = true;
                if depth == 0 {
                    out.push(c);
                }
            }
            '"' if depth == 0 => {
                quoted = !quoted;
                out.push(c);
            }
            '(' if !quoted => depth += 1,
            ')' if !quoted && depth > 0 => {
                depth -= 1;
                out.push(' ');
            }
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Splits on `sep` outside quoted strings.
fn split_unquoted(s: &str, sep: char) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    for c in s.chars() {
        if c == '"' {
            quoted = !quoted;
        }
        if c == sep && !quoted {
            out.push(String::new());
        } else if let Some(last) = out.last_mut() {
            last.push(c);
        }
    }
    out
}

/// `key=value` tokens separated by whitespace, values possibly quoted; `=` may have spaces.
fn tokens(s: &str) -> Vec<(String, String)> {
    let compact = s.replace(" =", "=").replace("= ", "=");
    let mut out = Vec::new();
    for w in split_unquoted(&compact, ' ') {
        let w = w.trim();
        if w.is_empty() {
            continue;
        }
        match w.split_once('=') {
            Some((k, v)) => out.push((
                k.trim().to_ascii_lowercase(),
                v.trim().trim_matches('"').to_string(),
            )),
            None => out.push((w.to_ascii_lowercase(), String::new())),
        }
    }
    out
}

/// Parses the value of an Authentication-Results header.
pub fn parse_authentication_results(header: &str, value: &str) -> AuthResults {
    let clean = strip_comments(value);
    let mut parts = split_unquoted(&clean, ';').into_iter();
    let mut instance = None;
    let mut first = parts.next().unwrap_or_default();
    // ARC-Authentication-Results: "i=1; authserv-id; ..."
    if let Some(i) = first
        .trim()
        .strip_prefix("i=")
        .and_then(|v| v.trim().parse().ok())
    {
        instance = Some(i);
        first = parts.next().unwrap_or_default();
    }
    let authserv_id = first.split_whitespace().next().unwrap_or("").to_string();
    let mut results = Vec::new();
    for part in parts {
        let toks = tokens(&part);
        let Some(((method, result), rest)) = toks.split_first().map(|(a, r)| (a.clone(), r)) else {
            continue;
        };
        if result.is_empty() || method == "none" {
            continue;
        }
        let method = method.split('/').next().unwrap_or("").to_string();
        let mut r = MethodResult {
            method,
            result: result.to_ascii_lowercase(),
            reason: None,
            properties: BTreeMap::new(),
        };
        for (k, v) in rest {
            if k == "reason" {
                r.reason = Some(v.clone());
            } else if k.contains('.') {
                r.properties.insert(k.clone(), v.clone());
            }
        }
        results.push(r);
    }
    AuthResults {
        header: header.to_string(),
        authserv_id,
        instance,
        results,
    }
}

/// Parses a Received-SPF header: `pass (comment) client-ip=...; envelope-from=...`.
pub fn parse_received_spf(value: &str) -> AuthResults {
    let clean = strip_comments(value);
    let result = clean
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut properties = BTreeMap::new();
    for part in split_unquoted(&clean, ';') {
        for (k, v) in tokens(&part) {
            if !v.is_empty() {
                properties.insert(k, v);
            }
        }
    }
    AuthResults {
        header: "Received-SPF".into(),
        authserv_id: properties.get("receiver").cloned().unwrap_or_default(),
        instance: None,
        results: vec![MethodResult {
            method: "spf".into(),
            result,
            reason: None,
            properties,
        }],
    }
}

/// True for results that mean the check failed.
pub(crate) fn is_failure(r: &MethodResult) -> bool {
    matches!(r.result.as_str(), "fail" | "softfail" | "permerror")
        && matches!(r.method.as_str(), "spf" | "dkim" | "dmarc" | "arc")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8601_example_parses() {
        let a = parse_authentication_results(
            "Authentication-Results",
            "example.com; spf=pass smtp.mailfrom=example.net (sender ok); dkim=fail (bad sig) reason=\"signature; verification failed\" header.d=example.org header.i=@example.org; dmarc=fail header.from=example.org",
        );
        assert_eq!(a.authserv_id, "example.com");
        assert_eq!(a.results.len(), 3);
        assert_eq!(a.results[0].properties["smtp.mailfrom"], "example.net");
        assert_eq!(a.results[1].result, "fail");
        assert_eq!(
            a.results[1].reason.as_deref(),
            Some("signature; verification failed")
        );
        assert_eq!(a.results[2].properties["header.from"], "example.org");
    }

    #[test]
    fn arc_instance_and_received_spf() {
        let a = parse_authentication_results(
            "ARC-Authentication-Results",
            "i=2; mx.example.com; dmarc=pass header.from=a.example",
        );
        assert_eq!(a.instance, Some(2));
        assert_eq!(a.authserv_id, "mx.example.com");
        let s = parse_received_spf("softfail (domain does not designate) client-ip=8.8.8.8; envelope-from=\"x@a.example\"; helo=h.a.example;");
        assert_eq!(s.results[0].result, "softfail");
        assert_eq!(s.results[0].properties["client-ip"], "8.8.8.8");
        assert_eq!(s.results[0].properties["envelope-from"], "x@a.example");
    }

    #[test]
    fn no_result_and_garbage_do_not_panic() {
        assert!(parse_authentication_results("A", "mx.example; none")
            .results
            .is_empty());
        let _ = parse_authentication_results("A", "((((;;;=== \"");
    }
}
