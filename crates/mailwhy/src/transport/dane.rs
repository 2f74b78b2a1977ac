//! DANE for SMTP (RFC 7672): the TLSA records at `_25._tcp.MX`, whether a sender can use them
//! (usage DANE-TA(2) or DANE-EE(3), selector Cert(0) or SPKI(1), matching Full(0), SHA2-256(1)
//! or SHA2-512(2) with the right length), and, with the probe's certificate chain, whether any
//! record matches it.
//!
//! **DNSSEC is not validated here.** DANE applies only to a DNSSEC-secure TLSA RRset, and a
//! bogus answer makes senders defer the mail; mailwhy's resolver does not validate, so the state
//! of every TLSA answer is reported as `unknown` and the check is inconclusive, never "fine".

use serde::Serialize;

/// One TLSA record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tlsa {
    /// Certificate usage (0-3).
    pub usage: u8,
    /// Selector (0 full certificate, 1 SubjectPublicKeyInfo).
    pub selector: u8,
    /// Matching type (0 exact, 1 SHA2-256, 2 SHA2-512).
    pub matching: u8,
    /// The association data, lowercase hex.
    pub data: String,
}

impl Tlsa {
    /// Parses the presentation form `usage selector matching hex...`.
    pub fn parse(text: &str) -> Option<Tlsa> {
        let mut it = text.split_whitespace();
        let usage = it.next()?.parse().ok()?;
        let selector = it.next()?.parse().ok()?;
        let matching = it.next()?.parse().ok()?;
        let data: String = it.collect::<String>().to_ascii_lowercase();
        (!data.is_empty()
            && data.len().is_multiple_of(2)
            && data.bytes().all(|c| c.is_ascii_hexdigit()))
        .then_some(Tlsa {
            usage,
            selector,
            matching,
            data,
        })
    }

    /// Why a sender cannot use this record (RFC 7672 §3.1.3, RFC 6698 §2.1), or `None`.
    pub fn unusable(&self) -> Option<String> {
        match self.usage {
            2 | 3 => {}
            0 | 1 => {
                return Some(format!(
                    "usage {} (PKIX-{}) is not used for SMTP (RFC 7672 §3.1.3): senders ignore it",
                    self.usage,
                    if self.usage == 0 { "TA" } else { "EE" }
                ))
            }
            u => return Some(format!("usage {u} is not defined")),
        }
        if self.selector > 1 {
            return Some(format!("selector {} is not defined", self.selector));
        }
        let want = match self.matching {
            0 => None,
            1 => Some(64),
            2 => Some(128),
            m => return Some(format!("matching type {m} is not defined")),
        };
        match want {
            Some(n) if self.data.len() != n => Some(format!(
                "matching type {} needs {} bytes of data, the record has {}",
                self.matching,
                n / 2,
                self.data.len() / 2
            )),
            _ => None,
        }
    }

    /// True when this record matches `chain` (leaf first, DER).
    pub fn matches(&self, chain: &[Vec<u8>]) -> bool {
        let candidates: Vec<&Vec<u8>> = match self.usage {
            3 => chain.iter().take(1).collect(),
            2 => chain.iter().skip(1).collect(),
            _ => return false,
        };
        candidates.into_iter().any(|der| {
            let selected = match self.selector {
                0 => Some(der.as_slice()),
                1 => spki(der),
                _ => None,
            };
            let Some(bytes) = selected else { return false };
            let digest = match self.matching {
                0 => bytes.to_vec(),
                1 => ring::digest::digest(&ring::digest::SHA256, bytes)
                    .as_ref()
                    .to_vec(),
                2 => ring::digest::digest(&ring::digest::SHA512, bytes)
                    .as_ref()
                    .to_vec(),
                _ => return false,
            };
            hex(&digest) == self.data
        })
    }
}

/// The `3 1 1` record (DANE-EE, SPKI, SHA2-256) to publish for a certificate (DER), or `None`
/// when its key cannot be found.
pub fn record_for(cert: &[u8]) -> Option<String> {
    let key = spki(cert)?;
    Some(format!(
        "3 1 1 {}",
        hex(ring::digest::digest(&ring::digest::SHA256, key).as_ref())
    ))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// One DER TLV at the start of `b`: (tag, the whole TLV, its content).
fn tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *b.first()?;
    let first = *b.get(1)?;
    let (len, head) = if first < 0x80 {
        (first as usize, 2)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | *b.get(2 + i)? as usize;
        }
        (len, 2 + n)
    };
    let end = head.checked_add(len)?;
    Some((tag, b.get(..end)?, b.get(head..end)?))
}

/// The SubjectPublicKeyInfo of a certificate (RFC 5280 §4.1), as DER.
pub fn spki(cert: &[u8]) -> Option<&[u8]> {
    let (_, _, certificate) = tlv(cert)?;
    let (_, _, mut tbs) = tlv(certificate)?;
    // version [0] (optional), serial, signature, issuer, validity, subject, then the key.
    let mut index = 0;
    loop {
        let (tag, whole, _) = tlv(tbs)?;
        if index == 0 && tag != 0xa0 {
            index = 1;
        }
        if index == 6 {
            return (tag == 0x30).then_some(whole);
        }
        tbs = &tbs[whole.len()..];
        index += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_parse_and_unusable_ones_say_why() {
        let r =
            Tlsa::parse("3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6")
                .unwrap();
        assert_eq!((r.usage, r.selector, r.matching), (3, 1, 1));
        assert!(r.unusable().is_none());
        assert!(Tlsa::parse("1 1 1 00ff")
            .unwrap()
            .unusable()
            .unwrap()
            .contains("PKIX-EE"));
        assert!(Tlsa::parse("3 1 1 00ff")
            .unwrap()
            .unusable()
            .unwrap()
            .contains("32 bytes"));
        assert!(Tlsa::parse("3 1 7 00ff").unwrap().unusable().is_some());
        assert!(Tlsa::parse("3 1").is_none());
        assert!(Tlsa::parse("3 1 1 xyz").is_none());
    }
}
