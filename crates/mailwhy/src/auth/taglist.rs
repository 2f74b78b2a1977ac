//! The tag-list syntax that DKIM key records (RFC 6376 §3.2) and DMARC records (RFC 7489 §6.4)
//! share: `tag-spec *( ";" tag-spec ) [ ";" ]`, each spec `name "=" value` with whitespace around
//! both. This module only splits and checks the names; what a tag means, and whether a duplicate or
//! unknown tag voids the record, is the caller's (the two RFCs differ there).

/// One `;`-separated piece of a tag-list, with byte positions into the record.
pub(crate) enum Spec<'a> {
    /// Nothing but whitespace between two `;` (or after the last one, when `last`).
    Empty { pos: usize, last: bool },
    /// A `name=value` spec, both trimmed.
    Tag {
        name: &'a str,
        name_pos: usize,
        value: &'a str,
        value_pos: usize,
    },
}

/// The span `[a, z)` of `s` without the bytes `space` accepts at either end.
pub(crate) fn trim(s: &str, a: usize, z: usize, space: fn(u8) -> bool) -> (usize, usize) {
    let b = s.as_bytes();
    let (mut a, mut z) = (a, z);
    while a < z && space(b[a]) {
        a += 1;
    }
    while z > a && space(b[z - 1]) {
        z -= 1;
    }
    (a, z)
}

/// A spec, or why it is not one: (position, message).
pub(crate) type SpecResult<'a> = Result<Spec<'a>, (usize, String)>;

/// Splits `record[from..]` at `;` into specs, in order (so a caller reports the first problem
/// in the record, whichever kind it is). A spec without `=`, or whose name is not
/// `ALPHA *(ALPHA / DIGIT / "_")`, is an error. Values may not contain `;` in either grammar
/// (DMARC URIs percent-encode it), so a plain split is exact.
pub(crate) fn split(record: &str, from: usize, space: fn(u8) -> bool) -> Vec<SpecResult<'_>> {
    let b = record.as_bytes();
    let mut bounds = Vec::new();
    let mut start = from;
    for (j, &c) in b.iter().enumerate().skip(from) {
        if c == b';' {
            bounds.push((start, j));
            start = j + 1;
        }
    }
    bounds.push((start, b.len()));
    let last = bounds.len() - 1;
    let mut specs = Vec::with_capacity(bounds.len());
    for (n, &(s, e)) in bounds.iter().enumerate() {
        let (s, e) = trim(record, s, e, space);
        if s == e {
            specs.push(Ok(Spec::Empty {
                pos: s,
                last: n == last,
            }));
            continue;
        }
        let spec = &record[s..e];
        let Some(eq) = spec.find('=') else {
            specs.push(Err((
                s,
                format!(
                    "{:?} is not a tag (expected name=value)",
                    crate::sanitize::line(spec)
                ),
            )));
            continue;
        };
        let (ns, ne) = trim(record, s, s + eq, space);
        let name = &record[ns..ne];
        let nb = name.as_bytes();
        if nb.is_empty()
            || !nb[0].is_ascii_alphabetic()
            || !nb.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
        {
            specs.push(Err((
                ns,
                format!(
                    "{:?} is not a tag name (a letter, then letters, digits or \"_\")",
                    crate::sanitize::line(name)
                ),
            )));
            continue;
        }
        let (vs, ve) = trim(record, s + eq + 1, e, space);
        specs.push(Ok(Spec::Tag {
            name,
            name_pos: ns,
            value: &record[vs..ve],
            value_pos: vs,
        }));
    }
    specs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wsp(b: u8) -> bool {
        b == b' ' || b == b'\t'
    }

    #[test]
    fn splits_trims_and_keeps_positions() {
        let specs: Vec<Spec> = split(" a = 1 ;;b=x y; ", 0, wsp)
            .into_iter()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(specs.len(), 4);
        let Spec::Tag {
            name,
            name_pos,
            value,
            value_pos,
        } = specs[0]
        else {
            panic!()
        };
        assert_eq!((name, name_pos, value, value_pos), ("a", 1, "1", 5));
        assert!(matches!(specs[1], Spec::Empty { last: false, .. }));
        let Spec::Tag { value, .. } = specs[2] else {
            panic!()
        };
        assert_eq!(value, "x y");
        assert!(matches!(specs[3], Spec::Empty { last: true, .. }));
    }

    #[test]
    fn bad_names_and_missing_equals_are_errors_with_positions() {
        let first_err = |r: &str| split(r, 0, wsp).into_iter().find_map(Result::err).unwrap();
        assert_eq!(first_err("a=1; b").0, 5);
        let (pos, msg) = first_err("a=1; 9x=2");
        assert_eq!(pos, 5);
        assert!(msg.contains("is not a tag name"), "{msg}");
    }
}
