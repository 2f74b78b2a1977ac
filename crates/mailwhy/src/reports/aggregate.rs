//! DMARC aggregate reports (RFC 9990, and RFC 7489 Appendix C) read as a stream: each
//! `<record>` is handed to the caller as soon as its end tag is read, so a report of a million
//! rows takes the memory of one. Element names are matched on their local name, so the
//! `dmarc-2.0` namespace (GMX), a prefixed one or none at all (Google, Outlook.com) read alike;
//! values are trimmed and lower-cased where the format enumerates them, and unknown values are
//! kept (receivers write `Pass`, `hardfail`, empty reasons). quick-xml expands no DTD and no
//! entity beyond the five predefined ones, which is what RFC 9990 asks against XML bombs.

use quick_xml::events::Event;
use quick_xml::Reader;

/// The report's metadata and published policy: what every record of it shares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meta {
    /// `org_name` (the email's domain when empty).
    pub org: String,
    /// `email`.
    pub email: String,
    /// `report_id`.
    pub report_id: String,
    /// `date_range/begin`, epoch seconds.
    pub begin: i64,
    /// `date_range/end`, epoch seconds.
    pub end: i64,
    /// `policy_published/domain`.
    pub policy_domain: String,
    /// `policy_published/p`.
    pub policy: String,
}

/// One `<record>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    /// `row/source_ip`.
    pub source_ip: String,
    /// `row/count`.
    pub count: u64,
    /// `policy_evaluated/disposition`.
    pub disposition: String,
    /// `policy_evaluated/dkim`: the aligned DKIM result.
    pub dkim: String,
    /// `policy_evaluated/spf`: the aligned SPF result.
    pub spf: String,
    /// `policy_evaluated/reason/type`s (policy overrides).
    pub reasons: Vec<String>,
    /// `identifiers/header_from`.
    pub header_from: String,
    /// `auth_results/dkim` as (domain, result).
    pub dkim_results: Vec<(String, String)>,
    /// `auth_results/spf` as (domain, result).
    pub spf_results: Vec<(String, String)>,
}

/// Why a report could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

/// Reads one aggregate report from `xml`, calling `on_record` per record with the metadata
/// read so far (RFC 9990 puts metadata and policy before the records). Returns the metadata
/// and the number of records.
pub fn read(
    xml: &[u8],
    mut on_record: impl FnMut(&Meta, &Record),
) -> Result<(Meta, u64), ParseError> {
    // A slice reader hands out events borrowed from the input: no copy of each element into a
    // buffer (the report is in memory anyway, decompressed or read whole).
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().trim_text(true);
    // The path of local names from <feedback> down, as one `/`-joined string with the length
    // before each element: matching a path is a string compare, and an element costs no
    // allocation (a report is tens of elements per record, and there are millions of records).
    let mut path = String::new();
    let mut marks: Vec<usize> = Vec::new();
    let mut meta = Meta::default();
    let mut rec = Record::default();
    let mut text = String::new();
    let mut pending_auth: (String, String) = Default::default();
    let mut records = 0u64;
    let mut saw_feedback = false;
    loop {
        let ev = reader.read_event().map_err(|e| {
            ParseError(format!(
                "not well-formed XML at byte {}: {e}",
                reader.buffer_position()
            ))
        })?;
        match ev {
            Event::Start(s) => {
                let local = s.local_name();
                // Element names are ASCII in every report seen: the plain check, not the
                // lossy decoder (which walks the bytes in chunks), unless one is not.
                let name = match std::str::from_utf8(local.as_ref()) {
                    Ok(n) => std::borrow::Cow::Borrowed(n),
                    Err(_) => String::from_utf8_lossy(local.as_ref()),
                };
                if marks.is_empty() {
                    if name != "feedback" {
                        // A stray element before <feedback> (IKEA's unclosed xs:schema) is
                        // skipped rather than fatal.
                        if name == "schema" {
                            continue;
                        }
                        return Err(ParseError(format!(
                            "expected a <feedback> root element, found <{}>",
                            crate::sanitize::line(&name)
                        )));
                    }
                    saw_feedback = true;
                }
                if name == "record" && marks.len() == 1 {
                    rec.source_ip.clear();
                    rec.count = 0;
                    rec.disposition.clear();
                    rec.dkim.clear();
                    rec.spf.clear();
                    rec.reasons.clear();
                    rec.header_from.clear();
                    rec.dkim_results.clear();
                    rec.spf_results.clear();
                }
                marks.push(path.len());
                if !path.is_empty() {
                    path.push('/');
                }
                path.push_str(&name);
                text.clear();
            }
            Event::Empty(_) => {}
            Event::Text(t) => {
                // Most values hold no entity: read them as they are (still checked UTF-8),
                // and unescape only those with a `&`.
                match std::str::from_utf8(&t) {
                    Ok(plain) if !plain.contains('&') => text.push_str(plain),
                    _ => {
                        let s = t
                            .unescape()
                            .map_err(|e| ParseError(format!("bad text in <{path}>: {e}")))?;
                        text.push_str(&s);
                    }
                }
            }
            Event::CData(t) => text.push_str(&String::from_utf8_lossy(&t)),
            Event::End(_) => {
                let value = text.trim();
                match path.as_str() {
                    "feedback/report_metadata/org_name" => meta.org = value.to_string(),
                    "feedback/report_metadata/email" => meta.email = value.to_string(),
                    "feedback/report_metadata/report_id" => meta.report_id = value.to_string(),
                    "feedback/report_metadata/date_range/begin" => {
                        meta.begin = int(value, "begin")?
                    }
                    "feedback/report_metadata/date_range/end" => meta.end = int(value, "end")?,
                    "feedback/policy_published/domain" => {
                        meta.policy_domain = value.to_ascii_lowercase()
                    }
                    "feedback/policy_published/p" => meta.policy = lower(value),
                    "feedback/report_metadata" if meta.org.is_empty() => {
                        meta.org = meta
                            .email
                            .rsplit_once('@')
                            .map(|(_, d)| d.to_string())
                            .unwrap_or_default();
                    }
                    "feedback/record/row/source_ip" => set(&mut rec.source_ip, value, false),
                    "feedback/record/row/count" => {
                        rec.count = value.parse().map_err(|_| {
                            ParseError(format!(
                                "record {}: <count> {:?} is not a number",
                                records + 1,
                                crate::sanitize::line(value)
                            ))
                        })?
                    }
                    "feedback/record/row/policy_evaluated/disposition" => {
                        set(&mut rec.disposition, value, true)
                    }
                    "feedback/record/row/policy_evaluated/dkim" => set(&mut rec.dkim, value, true),
                    "feedback/record/row/policy_evaluated/spf" => set(&mut rec.spf, value, true),
                    "feedback/record/row/policy_evaluated/reason/type" if !value.is_empty() => {
                        rec.reasons.push(lower(value))
                    }
                    // `identities` is a misspelling some reporters use.
                    "feedback/record/identifiers/header_from"
                    | "feedback/record/identities/header_from" => {
                        set(&mut rec.header_from, value, true)
                    }
                    "feedback/record/auth_results/dkim/domain"
                    | "feedback/record/auth_results/spf/domain" => {
                        set(&mut pending_auth.0, value, true)
                    }
                    "feedback/record/auth_results/dkim/result"
                    | "feedback/record/auth_results/spf/result" => {
                        set(&mut pending_auth.1, value, true)
                    }
                    "feedback/record/auth_results/dkim" => {
                        rec.dkim_results.push(std::mem::take(&mut pending_auth))
                    }
                    "feedback/record/auth_results/spf" => {
                        rec.spf_results.push(std::mem::take(&mut pending_auth))
                    }
                    "feedback/record" => {
                        records += 1;
                        if rec.source_ip.is_empty() {
                            return Err(ParseError(format!("record {records}: no <source_ip>")));
                        }
                        on_record(&meta, &rec);
                    }
                    _ => {}
                }
                text.clear();
                if let Some(m) = marks.pop() {
                    path.truncate(m);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_feedback {
        return Err(ParseError(
            "no <feedback> element: not a DMARC aggregate report".into(),
        ));
    }
    if !marks.is_empty() {
        return Err(ParseError(format!(
            "the report ends inside <{}>",
            crate::sanitize::line(&path)
        )));
    }
    Ok((meta, records))
}

/// Overwrites `dst` with `value` (ASCII lower-cased when `fold`), reusing its buffer.
fn set(dst: &mut String, value: &str, fold: bool) {
    dst.clear();
    dst.push_str(value);
    if fold {
        dst.make_ascii_lowercase();
    }
}

fn lower(s: &str) -> String {
    s.trim().to_ascii_lowercase()
}

fn int(s: &str, what: &str) -> Result<i64, ParseError> {
    s.parse().map_err(|_| {
        ParseError(format!(
            "<{what}> {:?} is not epoch seconds",
            crate::sanitize::line(s)
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_namespaced_and_plain_alike() {
        let plain = "<feedback><report_metadata><org_name>google.com</org_name><report_id>1</report_id><date_range><begin>10</begin><end>20</end></date_range></report_metadata><policy_published><domain>A.example</domain><p>Reject</p></policy_published><record><row><source_ip>192.0.2.1</source_ip><count>3</count><policy_evaluated><disposition>Reject</disposition><dkim>fail</dkim><spf>pass</spf></policy_evaluated></row><identifiers><header_from>a.example</header_from></identifiers><auth_results><dkim><domain>x.example</domain><result>pass</result></dkim></auth_results></record></feedback>";
        let ns = plain
            .replace(
                "<feedback>",
                "<d:feedback xmlns:d=\"urn:ietf:params:xml:ns:dmarc-2.0\">",
            )
            .replace("</feedback>", "</d:feedback>");
        for xml in [plain.to_string(), ns] {
            let mut got = vec![];
            let (meta, n) = read(xml.as_bytes(), |_, r| got.push(r.clone())).unwrap();
            assert_eq!(n, 1);
            assert_eq!(meta.policy, "reject");
            assert_eq!(meta.policy_domain, "a.example");
            assert_eq!(got[0].count, 3);
            assert_eq!(got[0].disposition, "reject");
            assert_eq!(
                got[0].dkim_results,
                vec![("x.example".into(), "pass".into())]
            );
        }
    }

    #[test]
    fn truncated_and_bad_counts_are_errors() {
        assert!(read("<feedback><record>".as_bytes(), |_, _| {}).is_err());
        let bad = "<feedback><record><row><source_ip>1.2.3.4</source_ip><count>x</count></row></record></feedback>";
        let e = read(bad.as_bytes(), |_, _| {}).unwrap_err();
        assert!(e.0.contains("<count>"), "{e:?}");
        assert!(read("<html/>".as_bytes(), |_, _| {}).is_err());
    }
}
