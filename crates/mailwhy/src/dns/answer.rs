//! The record model: what one question got back ([`Answer`], its [`Outcome`]) and the records in
//! it ([`Rec`], [`Data`]), reduced to what the checks use and kept free of hickory's types.
//!
//! Asking is [`super::resolver`]'s job, keeping answers [`super::cache`]'s; this module only
//! describes them, reads them back (`ips`, `mx`, `txt` ...) and prints them as dig does.

use std::any::Any;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::RecordType;

/// How a DNS question was answered. The variants are never collapsed into one another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", content = "records", rename_all = "lowercase")]
pub enum Outcome {
    /// The name has records of the asked type (CNAMEs followed on the way are included).
    Records(Vec<Rec>),
    /// The name exists but has no record of this type (NOERROR, empty answer).
    NoData,
    /// The name does not exist (NXDOMAIN).
    NxDomain,
    /// The server failed (SERVFAIL, or another error code).
    ServFail,
    /// The server refused to answer (REFUSED).
    Refused,
    /// No answer arrived in time (or the server could not be reached).
    Timeout,
}

impl Outcome {
    /// A short lowercase name: `records`, `nodata`, `nxdomain`, `servfail`, `refused`, `timeout`.
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::Records(_) => "records",
            Outcome::NoData => "nodata",
            Outcome::NxDomain => "nxdomain",
            Outcome::ServFail => "servfail",
            Outcome::Refused => "refused",
            Outcome::Timeout => "timeout",
        }
    }

    /// True for the outcomes that say nothing about the world: SERVFAIL, REFUSED, timeout.
    pub fn is_temporary_failure(&self) -> bool {
        matches!(
            self,
            Outcome::ServFail | Outcome::Refused | Outcome::Timeout
        )
    }
}

/// One resource record of an answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rec {
    /// The owner name, lowercase, without the trailing dot.
    pub name: String,
    /// Time to live in seconds.
    pub ttl: u32,
    /// The record data.
    pub data: Data,
}

/// Record data, reduced to what the checks use. Names are lowercase without the trailing dot
/// (the root is `"."`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "UPPERCASE")]
pub enum Data {
    /// An IPv4 address.
    A {
        /// The address.
        address: Ipv4Addr,
    },
    /// An IPv6 address.
    Aaaa {
        /// The address.
        address: Ipv6Addr,
    },
    /// A mail exchanger.
    Mx {
        /// Lower is preferred.
        preference: u16,
        /// The host name (`"."` for a null MX).
        exchange: String,
    },
    /// Text strings, kept as the raw character-strings (use [`Data::txt_joined`]).
    Txt {
        /// The character-strings in order.
        #[serde(serialize_with = "ser_strings")]
        strings: Vec<Vec<u8>>,
    },
    /// An alias.
    Cname {
        /// The canonical name.
        target: String,
    },
    /// A pointer (reverse DNS).
    Ptr {
        /// The name pointed to.
        target: String,
    },
    /// A name server.
    Ns {
        /// The server's name.
        target: String,
    },
    /// Start of authority.
    Soa {
        /// Primary server.
        mname: String,
        /// Responsible mailbox.
        rname: String,
        /// Serial.
        serial: u32,
        /// Negative-caching TTL.
        minimum: u32,
    },
    /// Any other type, in presentation form.
    Other {
        /// The record type.
        rtype: String,
        /// The presentation form of the data.
        text: String,
    },
}

fn ser_strings<S: serde::Serializer>(v: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = s.serialize_seq(Some(v.len()))?;
    for b in v {
        seq.serialize_element(&String::from_utf8_lossy(b))?;
    }
    seq.end()
}

impl Data {
    /// Whether this data is of type `t` (no allocation: the cache-hit path of every check asks).
    pub fn is_type(&self, t: RecordType) -> bool {
        match self {
            Data::A { .. } => t == RecordType::A,
            Data::Aaaa { .. } => t == RecordType::AAAA,
            Data::Mx { .. } => t == RecordType::MX,
            Data::Txt { .. } => t == RecordType::TXT,
            Data::Cname { .. } => t == RecordType::CNAME,
            Data::Ptr { .. } => t == RecordType::PTR,
            Data::Ns { .. } => t == RecordType::NS,
            Data::Soa { .. } => t == RecordType::SOA,
            Data::Other { rtype, .. } => RecordType::from_str(rtype).is_ok_and(|o| o == t),
        }
    }

    /// The record type of this data.
    pub fn rtype(&self) -> String {
        match self {
            Data::A { .. } => "A".into(),
            Data::Aaaa { .. } => "AAAA".into(),
            Data::Mx { .. } => "MX".into(),
            Data::Txt { .. } => "TXT".into(),
            Data::Cname { .. } => "CNAME".into(),
            Data::Ptr { .. } => "PTR".into(),
            Data::Ns { .. } => "NS".into(),
            Data::Soa { .. } => "SOA".into(),
            Data::Other { rtype, .. } => rtype.clone(),
        }
    }

    /// For TXT: the character-strings concatenated without separator (RFC 7208 §3.3), as bytes.
    pub fn txt_joined(&self) -> Option<Vec<u8>> {
        match self {
            Data::Txt { strings } => Some(strings.concat()),
            _ => None,
        }
    }

    /// Presentation form of the data (as dig prints it), for display after sanitizing.
    pub fn presentation(&self) -> String {
        match self {
            Data::A { address } => address.to_string(),
            Data::Aaaa { address } => address.to_string(),
            Data::Mx {
                preference,
                exchange,
            } => format!("{preference} {}", dotted(exchange)),
            Data::Txt { strings } => strings
                .iter()
                .map(|s| format!("\"{}\"", escape_txt(s)))
                .collect::<Vec<_>>()
                .join(" "),
            Data::Cname { target } | Data::Ptr { target } | Data::Ns { target } => dotted(target),
            Data::Soa {
                mname,
                rname,
                serial,
                minimum,
            } => format!("{} {} {serial} … {minimum}", dotted(mname), dotted(rname)),
            Data::Other { text, .. } => text.clone(),
        }
    }
}

fn dotted(name: &str) -> String {
    if name == "." {
        ".".into()
    } else {
        format!("{name}.")
    }
}

/// Escapes a character-string the way zone files write it (`\"`, `\\`, `\DDD`).
fn escape_txt(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\{b:03}")),
        }
    }
    out
}

/// Puts the records of each RRset (a run of records with one owner and type) in one order:
/// addresses ascending, other records by their presentation text; the runs themselves (a CNAME
/// chain, then the records asked) keep their place. An RRset has no order (RFC 2181 §5) and
/// resolvers rotate it (Unbound's `rrset-roundrobin`), so without this two processes asking
/// one resolver, or one process asking twice, could list an MX host's addresses differently.
pub(super) fn canonical_order(recs: &mut [Rec]) {
    for rrset in recs.chunk_by_mut(|a, b| a.name == b.name && a.data.rtype() == b.data.rtype()) {
        rrset.sort_by(|a, b| match (&a.data, &b.data) {
            (Data::A { address: x }, Data::A { address: y }) => x.cmp(y),
            (Data::Aaaa { address: x }, Data::Aaaa { address: y }) => x.cmp(y),
            (x, y) => x.presentation().cmp(&y.presentation()),
        });
    }
}

/// The answer to one question.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    /// The name asked, lowercase without the trailing dot.
    pub name: String,
    /// The type asked.
    #[serde(serialize_with = "ser_rtype")]
    pub rtype: RecordType,
    /// What came back.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// How long the query took (zero when it was answered from the cache of another question).
    #[serde(skip)]
    pub elapsed: Duration,
    /// When this answer stops being valid (TTL-bounded).
    #[serde(skip)]
    pub expires: Instant,
    /// The resolver's error text for failures (already free of control characters? no:
    /// sanitize before display).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What a consumer derived from this answer (the SPF engine's selected and parsed record),
    /// computed once and dropped with the answer when its TTL runs out.
    #[serde(skip)]
    pub(super) derived: OnceLock<Arc<dyn Any + Send + Sync>>,
}

fn ser_rtype<S: serde::Serializer>(t: &RecordType, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_string())
}

impl Answer {
    /// A value computed from this answer by `derive`, once per cached answer: repeated
    /// evaluations against a warm cache reuse it instead of parsing the records again, and it
    /// goes when the answer's TTL runs out. One type per answer: when a value of another type
    /// is already kept, `derive` runs each time.
    pub fn derived<T: Any + Send + Sync>(&self, derive: impl FnOnce(&Answer) -> T) -> Arc<T> {
        if let Some(Ok(kept)) = self.derived.get().map(|v| Arc::clone(v).downcast::<T>()) {
            return kept;
        }
        let value = Arc::new(derive(self));
        // Kept only when the slot is still empty (another task may have filled it meanwhile).
        let _ = self.derived.set(value.clone());
        value
    }

    /// [`Answer::derived`], borrowed from the answer: no reference count taken or released,
    /// for a hot path that holds the answer anyway. None when the slot already holds a value
    /// of another type (another consumer derived something else from this answer first): the
    /// caller then uses [`Answer::derived`], which computes its own.
    pub fn derived_ref<T: Any + Send + Sync>(
        &self,
        derive: impl FnOnce(&Answer) -> T,
    ) -> Option<&T> {
        if self.derived.get().is_none() {
            let _ = self.derived.set(Arc::new(derive(self)));
        }
        self.derived.get().and_then(|v| v.downcast_ref::<T>())
    }

    /// The records of the asked type (CNAMEs on the way are skipped); empty for failures.
    pub fn records(&self) -> impl Iterator<Item = &Data> {
        let want = self.rtype;
        let recs: &[Rec] = match &self.outcome {
            Outcome::Records(r) => r,
            _ => &[],
        };
        recs.iter()
            .map(|r| &r.data)
            .filter(move |d| d.is_type(want))
    }

    /// The A and AAAA addresses in the answer.
    pub fn ips(&self) -> Vec<IpAddr> {
        self.records()
            .filter_map(|d| match d {
                Data::A { address } => Some(IpAddr::V4(*address)),
                Data::Aaaa { address } => Some(IpAddr::V6(*address)),
                _ => None,
            })
            .collect()
    }

    /// The MX records as `(preference, exchange)`, sorted by preference.
    pub fn mx(&self) -> Vec<(u16, String)> {
        let mut v: Vec<(u16, String)> = self
            .records()
            .filter_map(|d| match d {
                Data::Mx {
                    preference,
                    exchange,
                } => Some((*preference, exchange.clone())),
                _ => None,
            })
            .collect();
        v.sort();
        v
    }

    /// Every TXT record joined into one byte string each (RFC 7208 §3.3).
    pub fn txt(&self) -> Vec<Vec<u8>> {
        self.records().filter_map(Data::txt_joined).collect()
    }

    /// The CNAME chain followed to reach the answer, as `(alias, target)` pairs.
    pub fn cnames(&self) -> Vec<(String, String)> {
        match &self.outcome {
            Outcome::Records(r) => r
                .iter()
                .filter_map(|rec| match &rec.data {
                    Data::Cname { target } => Some((rec.name.clone(), target.clone())),
                    _ => None,
                })
                .collect(),
            _ => vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(name: &str, data: Data) -> Rec {
        Rec {
            name: name.into(),
            ttl: 60,
            data,
        }
    }

    /// A rotated RRset comes out in one order (addresses numerically, not as text), and the
    /// CNAME leading to it stays first.
    #[test]
    fn canonical_order_sorts_within_each_rrset_only() {
        let a = |s: &str| Data::A {
            address: s.parse().unwrap(),
        };
        let cname = rec(
            "www.example",
            Data::Cname {
                target: "host.example".into(),
            },
        );
        let rotated = [
            vec![
                cname.clone(),
                rec("host.example", a("10.0.0.1")),
                rec("host.example", a("9.0.0.1")),
                rec("host.example", a("52.101.73.2")),
            ],
            vec![
                cname.clone(),
                rec("host.example", a("52.101.73.2")),
                rec("host.example", a("10.0.0.1")),
                rec("host.example", a("9.0.0.1")),
            ],
        ];
        for mut recs in rotated {
            canonical_order(&mut recs);
            let order: Vec<String> = recs.iter().map(|r| r.data.presentation()).collect();
            assert_eq!(
                order,
                ["host.example.", "9.0.0.1", "10.0.0.1", "52.101.73.2"]
            );
        }
        let mut txt = vec![
            rec(
                "example",
                Data::Txt {
                    strings: vec![b"v=spf1 -all".to_vec()],
                },
            ),
            rec(
                "example",
                Data::Txt {
                    strings: vec![b"google-site-verification=x".to_vec()],
                },
            ),
        ];
        canonical_order(&mut txt);
        assert_eq!(
            txt[0].data.txt_joined().unwrap(),
            b"google-site-verification=x"
        );
    }
}
