//! DKIM public key records (RFC 6376 §3.6.1) published at `<selector>._domainkey.<domain>`:
//! a strict tag-list parser, and the size of an RSA key read from its SubjectPublicKeyInfo DER.
//!
//! Signature verification (canonicalization, RSA) is not here: it belongs to a crate built for it
//! (mail-auth). This module only reads what a key record says.
//!
//! ```text
//! tag-list  =  tag-spec *( ";" tag-spec ) [ ";" ]
//! tag-spec  =  [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
//! tag-name  =  ALPHA *ALNUMPUNC
//! tag-value =  [ tval *( 1*(WSP / FWS) tval ) ]
//! tval      =  1*VALCHAR
//! VALCHAR   =  %x21-3A / %x3C-7E   ; EXCLAMATION to TILDE except SEMICOLON
//!
//! key-v-tag = %x76 [FWS] "=" [FWS] %x44.4B.49.4D.31            ; v=DKIM1, first if present
//! key-h-tag = %x68 [FWS] "=" [FWS] key-h-tag-alg
//!             *( [FWS] ":" [FWS] key-h-tag-alg )               ; sha1 / sha256 / x-...
//! key-k-tag = %x76 [FWS] "=" [FWS] key-k-tag-type              ; rsa (ed25519 by RFC 8463)
//! key-n-tag = %x6e [FWS] "=" [FWS] qp-section                  ; notes for people
//! key-p-tag = %x70 [FWS] "=" [ [FWS] base64string]             ; empty = revoked
//! key-s-tag = %x73 [FWS] "=" [FWS] key-s-tag-type
//!             *( [FWS] ":" [FWS] key-s-tag-type )              ; * / email
//! key-t-tag = %x74 [FWS] "=" [FWS] key-t-tag-flag
//!             *( [FWS] ":" [FWS] key-t-tag-flag )              ; y / s
//! ```
//! RFC 6376 §3.2: "Tags MUST be interpreted in a case-sensitive manner"; "if a tag name does
//! occur more than once, the entire tag-list is invalid"; unrecognized tags MUST be ignored.

use serde::Serialize;

/// The key algorithm (`k=`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyType {
    /// RSA (the default).
    Rsa,
    /// Ed25519 (RFC 8463).
    Ed25519,
}

/// A parsed key record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DkimKey {
    /// The key type (`k=`, default rsa).
    pub key_type: KeyType,
    /// Acceptable hash algorithms (`h=`); empty = any.
    pub hashes: Vec<String>,
    /// Service types (`s=`); empty = `*`.
    pub services: Vec<String>,
    /// Flags (`t=`): `y` testing, `s` no subdomains.
    pub flags: Vec<String>,
    /// Notes (`n=`), as written.
    pub notes: Option<String>,
    /// The decoded public key; empty = revoked.
    pub public_key: Vec<u8>,
    /// The RSA modulus size in bits, when the key is RSA and not revoked.
    pub rsa_bits: Option<usize>,
    /// Unknown tags (ignored), by name.
    pub unknown_tags: Vec<String>,
}

impl DkimKey {
    /// True when `p=` is empty (RFC 6376 §3.6.1: "An empty value means that this public key has
    /// been revoked").
    pub fn revoked(&self) -> bool {
        self.public_key.is_empty()
    }

    /// True for `t=y` (the domain is testing DKIM).
    pub fn testing(&self) -> bool {
        self.flags.iter().any(|f| f == "y")
    }
}

/// A key record that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{}at position {pos}: {message}", tag.as_ref().map(|t| format!("tag {t} ")).unwrap_or_default())]
pub struct KeySyntaxError {
    /// The tag concerned, if any.
    pub tag: Option<String>,
    /// Byte position in the record.
    pub pos: usize,
    /// What is wrong.
    pub message: String,
}

fn is_fws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Splits a colon-separated list, trimming FWS around each item.
fn colon_list(v: &str) -> Vec<String> {
    v.split(':')
        .map(|x| {
            x.trim_matches(|c: char| c.is_ascii_whitespace())
                .to_string()
        })
        .collect()
}

/// Parses a key record (the TXT strings already joined).
pub fn parse(record: &str) -> Result<DkimKey, KeySyntaxError> {
    let err = |tag: Option<&str>, pos: usize, message: String| KeySyntaxError {
        tag: tag.map(str::to_string),
        pos,
        message,
    };
    let specs = super::taglist::split(record, 0, is_fws);
    let mut seen: Vec<String> = Vec::new();
    let mut key = DkimKey {
        key_type: KeyType::Rsa,
        hashes: vec![],
        services: vec![],
        flags: vec![],
        notes: None,
        public_key: vec![],
        rsa_bits: None,
        unknown_tags: vec![],
    };
    let mut p_seen = false;
    let mut p_pos = 0;
    for (n, spec) in specs.into_iter().enumerate() {
        let spec = spec.map_err(|(pos, message)| err(None, pos, message))?;
        let (name, ns, value, vs) = match spec {
            super::taglist::Spec::Empty { last: true, .. } => continue,
            super::taglist::Spec::Empty { pos, .. } => {
                return Err(err(None, pos, "empty tag (\";;\")".into()));
            }
            super::taglist::Spec::Tag {
                name,
                name_pos,
                value,
                value_pos,
            } => (name, name_pos, value, value_pos),
        };
        if seen.iter().any(|t| t == name) {
            return Err(err(
                Some(name),
                ns,
                format!("duplicate tag {name}: the whole record is invalid (RFC 6376 §3.2)"),
            ));
        }
        seen.push(name.to_string());
        if let Some(k) = value
            .bytes()
            .position(|c| !(is_fws(c) || (0x21..=0x7e).contains(&c)))
        {
            return Err(err(
                Some(name),
                vs + k,
                format!("tag {name} holds a character a key record cannot contain"),
            ));
        }
        let tag = Some(name);
        match name {
            "v" => {
                if n != 0 {
                    return Err(err(tag, ns, "v= must be the first tag".into()));
                }
                if value != "DKIM1" {
                    return Err(err(
                        tag,
                        vs,
                        format!(
                            "v={:?}: the only version is DKIM1",
                            crate::sanitize::line(value)
                        ),
                    ));
                }
            }
            "h" => {
                key.hashes = colon_list(value);
                if key.hashes.iter().any(|h| h.is_empty()) {
                    return Err(err(tag, vs, "h= has an empty hash name".into()));
                }
            }
            "k" => {
                key.key_type = match value {
                    "rsa" => KeyType::Rsa,
                    "ed25519" => KeyType::Ed25519,
                    other => {
                        return Err(err(
                            tag,
                            vs,
                            format!(
                                "k={:?} is not a key type verifiers know (rsa, ed25519)",
                                crate::sanitize::line(other)
                            ),
                        ))
                    }
                }
            }
            "n" => key.notes = Some(value.to_string()),
            "s" => key.services = colon_list(value),
            "t" => key.flags = colon_list(value),
            "p" => {
                p_seen = true;
                p_pos = vs;
                key.public_key = base64_decode(value).map_err(|(k, m)| err(tag, vs + k, m))?;
            }
            _ => key.unknown_tags.push(name.to_string()),
        }
    }
    if !p_seen {
        return Err(err(
            Some("p"),
            record.len(),
            "the p tag (the public key) is required".into(),
        ));
    }
    if !key.public_key.is_empty() {
        match key.key_type {
            KeyType::Rsa => {
                key.rsa_bits = Some(rsa_modulus_bits(&key.public_key).ok_or_else(|| {
                    err(
                        Some("p"),
                        p_pos,
                        "p= is not an RSA public key (SubjectPublicKeyInfo or RSAPublicKey DER)"
                            .into(),
                    )
                })?);
            }
            KeyType::Ed25519 => {
                if key.public_key.len() != 32 {
                    return Err(err(
                        Some("p"),
                        p_pos,
                        format!(
                            "an Ed25519 key is 32 bytes, this one is {}",
                            key.public_key.len()
                        ),
                    ));
                }
            }
        }
    }
    Ok(key)
}

/// Decodes base64 (RFC 4648 §4) with whitespace allowed anywhere (FWS, RFC 6376 §2.4).
/// The error carries the byte offset in the input.
pub(crate) fn base64_decode(s: &str) -> Result<Vec<u8>, (usize, String)> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut nbits = 0;
    let mut pad = 0;
    let mut count = 0;
    for (k, c) in s.bytes().enumerate() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                pad += 1;
                count += 1;
                if pad > 2 {
                    return Err((k, "too much base64 padding".into()));
                }
                continue;
            }
            c if is_fws(c) => continue,
            _ => return Err((k, format!("{:?} is not a base64 character", char::from(c)))),
        };
        if pad > 0 {
            return Err((k, "base64 data after the padding".into()));
        }
        count += 1;
        acc = (acc << 6) | u32::from(v);
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((acc >> nbits) as u8);
            acc &= (1 << nbits) - 1;
        }
    }
    if count % 4 != 0 {
        return Err((s.len(), "base64 length is not a multiple of 4".into()));
    }
    Ok(out)
}

/// One DER TLV at the start of `d`: (tag, contents, rest).
fn der(d: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, d) = d.split_first()?;
    let (&l0, mut d) = d.split_first()?;
    let len = if l0 < 0x80 {
        usize::from(l0)
    } else {
        let n = usize::from(l0 & 0x7f);
        if n == 0 || n > 4 || d.len() < n {
            return None;
        }
        let mut len = 0usize;
        for &x in &d[..n] {
            len = (len << 8) | usize::from(x);
        }
        d = &d[n..];
        len
    };
    if d.len() < len {
        return None;
    }
    Some((tag, &d[..len], &d[len..]))
}

/// Bit length of a DER INTEGER's (positive) value.
fn integer_bits(v: &[u8]) -> usize {
    let v = match v.iter().position(|&x| x != 0) {
        Some(i) => &v[i..],
        None => return 0,
    };
    v.len() * 8 - v[0].leading_zeros() as usize
}

/// The modulus size of an RSA public key given as SubjectPublicKeyInfo (what `p=` holds,
/// RFC 6376 §3.6.1) or as a bare PKCS#1 RSAPublicKey (which some signers publish).
///
/// ```text
/// SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
/// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
/// ```
pub fn rsa_modulus_bits(key: &[u8]) -> Option<usize> {
    const RSA_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    let (tag, outer, _) = der(key)?;
    if tag != 0x30 {
        return None;
    }
    let (t1, first, rest) = der(outer)?;
    let rsa_key = match t1 {
        // PKCS#1: the first element is the modulus.
        0x02 => {
            return (der(rest).map(|e| e.0) == Some(0x02)).then(|| integer_bits(first));
        }
        0x30 => {
            let (oid_tag, oid, _) = der(first)?;
            if oid_tag != 0x06 || oid != RSA_OID {
                return None;
            }
            let (bt, bits, _) = der(rest)?;
            if bt != 0x03 || bits.first() != Some(&0) {
                return None;
            }
            &bits[1..]
        }
        _ => return None,
    };
    let (t, seq, _) = der(rsa_key)?;
    if t != 0x30 {
        return None;
    }
    let (mt, modulus, rest) = der(seq)?;
    let (et, _, _) = der(rest)?;
    (mt == 0x02 && et == 0x02).then(|| integer_bits(modulus))
}

#[cfg(test)]
mod tests {
    use super::*;

    // `openssl genrsa 1024 | openssl rsa -pubout` (the s1024 key of fixtures/auth/zones).
    const RSA1024: &str = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDvQdkmhapm2hP6U3HMISBcM5jVS6KlTfHuEmNINYHJDgGTuhlbxsCnOB6vlUmB6T4MqPl1WXltVCPYJ8ELpPMrNFWIc7mGg/FJ78DPeiHfY607ia0HzFQ/UfXr8KsStwamAz2hXyydWLlMuehJE/vO+WEAOy7xPZeBnLP7iUmwHwIDAQAB";

    #[test]
    fn an_opendkim_style_record_parses() {
        let k = parse(&format!("v=DKIM1; h=sha256; k=rsa; p={RSA1024}")).unwrap();
        assert_eq!(k.key_type, KeyType::Rsa);
        assert_eq!(k.hashes, ["sha256"]);
        assert_eq!(k.rsa_bits, Some(1024));
        assert!(!k.revoked() && !k.testing());
    }

    #[test]
    fn an_empty_p_is_revoked_and_t_y_is_testing() {
        let k = parse("v=DKIM1; k=rsa; t=y:s; p=").unwrap();
        assert!(k.revoked() && k.testing());
        assert_eq!(k.rsa_bits, None);
    }

    #[test]
    fn errors_name_the_tag() {
        let e = parse("k=rsa; v=DKIM1; p=").unwrap_err();
        assert_eq!(e.tag.as_deref(), Some("v"));
        let e = parse("v=DKIM1; p=; p=").unwrap_err();
        assert_eq!((e.tag.as_deref(), e.pos), (Some("p"), 13));
        let e = parse("v=DKIM1; p=abc!").unwrap_err();
        assert_eq!(e.tag.as_deref(), Some("p"));
        assert!(parse("v=DKIM1; k=rsa").is_err());
        assert!(parse("v=DKIM1; k=dsa; p=").is_err());
        // Tags are case-sensitive: P= is an unknown tag, so p= is missing.
        assert!(parse("v=DKIM1; P=").is_err());
    }

    #[test]
    fn base64_accepts_folding_whitespace() {
        assert_eq!(base64_decode("aGVs bG8=").unwrap(), b"hello");
        assert!(base64_decode("aGVsbG8").is_err());
        assert!(base64_decode("aG=Vs").is_err());
    }
}
