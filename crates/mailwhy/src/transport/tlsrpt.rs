//! The TLS-RPT record at `_smtp._tls.DOMAIN` (RFC 8460 §3): where senders report TLS failures.
//! Parsing only; reading the reports themselves is [`crate::reports`]'s job.

use serde::Serialize;

use super::sts::{parse_tagged, SyntaxError};

/// A parsed TLS-RPT record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TlsRptRecord {
    /// The `rua` URIs, in order.
    pub rua: Vec<String>,
}

/// Parses one `_smtp._tls` TXT record (strings joined without spaces).
///
/// ```text
/// tlsrpt-record = tlsrpt-version 1*(field-delim tlsrpt-field) [field-delim]
/// tlsrpt-version = %s"v=TLSRPTv1"
/// tlsrpt-rua     = %s"rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)   ; mailto: or https:
/// ```
pub fn parse_record(text: &str) -> Result<TlsRptRecord, SyntaxError> {
    let rua: Option<Vec<String>> = parse_tagged(
        text,
        "v=TLSRPTv1",
        |col, name, value, rua: &mut Option<Vec<String>>| {
            if name != "rua" || rua.is_some() {
                return Ok(());
            }
            let mut uris = vec![];
            let mut offset = col + 4;
            for part in value.split(',') {
                let lead = part.len() - part.trim_start_matches([' ', '\t']).len();
                let uri = part.trim_matches([' ', '\t']);
                let at = offset + lead;
                let scheme_ok = uri
                    .get(..7)
                    .is_some_and(|s| s.eq_ignore_ascii_case("mailto:"))
                    && uri.len() > 7
                    || uri
                        .get(..8)
                        .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
                        && uri.len() > 8;
                if !scheme_ok {
                    return Err(SyntaxError {
                        line: 1,
                        column: at,
                        message: format!(
                            "rua must list mailto: or https:// URIs, found {:?}",
                            crate::sanitize::line(uri)
                        ),
                    });
                }
                if let Some(i) = uri.find(|c: char| !(c.is_ascii_graphic()) || c == '!') {
                    return Err(SyntaxError {
                        line: 1,
                        column: at + i,
                        message: "a URI may not contain spaces, controls or an unencoded \"!\""
                            .into(),
                    });
                }
                uris.push(uri.to_string());
                offset += part.len() + 1;
            }
            *rua = Some(uris);
            Ok(())
        },
    )?;
    match rua {
        Some(rua) => Ok(TlsRptRecord { rua }),
        None => Err(SyntaxError {
            line: 1,
            column: text.len() + 1,
            message: "the record has no rua= field".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_parse_strictly() {
        let r = parse_record("v=TLSRPTv1; rua=mailto:reports@example.com").unwrap();
        assert_eq!(r.rua, ["mailto:reports@example.com"]);
        let r = parse_record("v=TLSRPTv1;rua=mailto:a@b.c, https://r.example/v1;").unwrap();
        assert_eq!(r.rua.len(), 2);
        let e = parse_record("v=TLSRPTv1; rua=ftp://x").unwrap_err();
        assert_eq!(e.column, 17, "{e}");
        assert!(parse_record("v=TLSRPTv1;").is_err());
        assert!(parse_record("v=TLSRPTv1; ext=1").is_err());
        assert!(parse_record("v=STSv1; rua=mailto:a@b").is_err());
    }
}
