//! RFC 3463 enhanced status codes (`5.1.1`) and RFC 5321 reply codes (`550`): finding them in
//! free text, and what each says about the reason. The code tables live in `data`.

/// Finds the first RFC 3463 code (`class.subject.detail`, class 2, 4 or 5) in `text`.
///
/// A code must stand alone: `#5.1.1`, `(5.1.1)` and `5.1.1:` count, `10.5.1.1` (an IP address
/// or a version) does not.
pub fn find_enhanced(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if matches!(c, b'2' | b'4' | b'5')
            && b.get(i + 1) == Some(&b'.')
            && (i == 0
                || !is_code_char(b[i - 1])
                // "550-5.7.1": the reply code's continuation dash.
                || (b[i - 1] == b'-' && i >= 2 && b[i - 2].is_ascii_digit()))
        {
            if let Some(end) = parse_code_at(b, i) {
                return Some(text[i..end].to_string());
            }
        }
        i += 1;
    }
    None
}

/// The enhanced code the receiver gave with its reply (`550 5.7.1`, `550-'5.7.1`), or else the
/// first one in `text`: when a relay wraps a reply, its own code comes first, the receiver's after.
pub(crate) fn find_receivers(text: &str) -> Option<String> {
    let b = text.as_bytes();
    for i in 0..b.len().saturating_sub(4) {
        if matches!(b[i], b'4' | b'5')
            && b[i + 1].is_ascii_digit()
            && b[i + 2].is_ascii_digit()
            && (i == 0 || !b[i - 1].is_ascii_alphanumeric())
            && matches!(b[i + 3], b' ' | b'-')
        {
            let rest = text[i + 4..].trim_start_matches(['\'', '"', ' ']);
            if let Some(code) = find_enhanced(rest).filter(|c| rest.starts_with(c.as_str())) {
                if code.as_bytes()[0] == b[i] {
                    return Some(code);
                }
            }
        }
    }
    find_enhanced(text)
}

fn is_code_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'.' || c == b'-' || c == b'_'
}

/// Parses `X.Y{1,3}.Z{1,3}` at `i`, returning the end offset.
fn parse_code_at(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 2;
    let digits = |j: &mut usize| {
        let s = *j;
        while *j < b.len() && b[*j].is_ascii_digit() && *j - s < 3 {
            *j += 1;
        }
        *j > s && !(*j < b.len() && b[*j].is_ascii_digit())
    };
    if !digits(&mut j) || b.get(j) != Some(&b'.') {
        return None;
    }
    j += 1;
    if !digits(&mut j) {
        return None;
    }
    // "5.1.1.2" or "5.1.1a" is not a code.
    match b.get(j) {
        Some(&c) if c.is_ascii_alphanumeric() || c == b'_' => None,
        Some(&b'.') if b.get(j + 1).is_some_and(|c| c.is_ascii_digit()) => None,
        _ => Some(j),
    }
}

/// Finds an SMTP reply code (`4xx`/`5xx`, or `2xx` for delivered) at the start of `text` or
/// after a "said:"-like lead: three digits followed by a space, `-`, or the end.
pub fn find_reply_code(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut i = 0;
    while i + 3 <= b.len() {
        if matches!(b[i], b'2' | b'4' | b'5')
            && b[i + 1].is_ascii_digit()
            && b[i + 2].is_ascii_digit()
            && (i == 0 || !is_code_char(b[i - 1]) || b[i - 1] == b'-' && i >= 2 && b[i - 2] == b' ')
            && matches!(
                b.get(i + 3),
                None | Some(b' ' | b'-' | b'\n' | b'\r' | b'\t')
            )
        {
            let code = &text[i..i + 3];
            if code_is_plausible(code) {
                return Some(code.to_string());
            }
        }
        i += 1;
    }
    None
}

/// Reply codes RFC 5321 defines for failures (and 250 for success): keeps "200 messages" or
/// a "599" port number from being read as a reply.
fn code_is_plausible(code: &str) -> bool {
    matches!(
        code,
        "250"
            | "251"
            | "252"
            | "421"
            | "422"
            | "431"
            | "432"
            | "441"
            | "442"
            | "446"
            | "447"
            | "449"
            | "450"
            | "451"
            | "452"
            | "453"
            | "454"
            | "455"
            | "458"
            | "459"
            | "471"
            | "500"
            | "501"
            | "502"
            | "503"
            | "504"
            | "505"
            | "510"
            | "511"
            | "512"
            | "513"
            | "515"
            | "517"
            | "521"
            | "522"
            | "523"
            | "530"
            | "531"
            | "534"
            | "535"
            | "538"
            | "550"
            | "551"
            | "552"
            | "553"
            | "554"
            | "555"
            | "556"
            | "557"
            | "571"
            | "572"
    )
}

/// True when `code` is `2.X.X`, `4.X.X` or `5.X.X` with a general (`X.0.0`) meaning: it says
/// only the class, so the text must decide the reason.
pub(crate) fn is_general(code: &str) -> bool {
    code.ends_with(".0.0")
}

/// The reason an enhanced status code states by itself, from [`super::data::STATUS_REASONS`]:
/// keyed by the whole code where the class changes the meaning, else by `subject.detail`.
pub(crate) fn reason_of(code: &str) -> Option<super::Reason> {
    row(code).map(|(_, r, _)| *r)
}

/// The registry's title of `code` (RFC 3463 and the RFCs that added codes), when it is in the
/// table.
pub(crate) fn meaning(code: &str) -> Option<&'static str> {
    row(code).map(|(_, _, m)| *m)
}

fn row(code: &str) -> Option<&'static (&'static str, super::Reason, &'static str)> {
    let table = super::data::STATUS_REASONS;
    if let Some(r) = table.iter().find(|(c, _, _)| *c == code) {
        return Some(r);
    }
    let tail = code.get(2..)?;
    table.iter().find(|(c, _, _)| *c == tail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enhanced_codes_stand_alone() {
        assert_eq!(
            find_enhanced("550 5.1.1 <a@b>... User unknown").as_deref(),
            Some("5.1.1")
        );
        assert_eq!(
            find_enhanced("over quota (#5.2.2)").as_deref(),
            Some("5.2.2")
        );
        assert_eq!(find_enhanced("host 10.5.1.1 said"), None);
        assert_eq!(find_enhanced("version 5.1.1.2"), None);
        assert_eq!(
            find_enhanced("550-5.7.26 unauthenticated").as_deref(),
            Some("5.7.26")
        );
        assert_eq!(find_enhanced("status 4.4.7"), Some("4.4.7".into()));
    }

    #[test]
    fn reply_codes_need_a_boundary() {
        assert_eq!(
            find_reply_code("said: 550 5.1.1 no").as_deref(),
            Some("550")
        );
        assert_eq!(find_reply_code("550-5.7.1 policy").as_deref(), Some("550"));
        assert_eq!(find_reply_code("port 5500 open"), None);
        assert_eq!(find_reply_code("we sent 200 messages"), None);
    }
}
