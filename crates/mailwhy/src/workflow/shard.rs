//! Sharded batch: which rows of a directory export shard `I` of `N` takes, and how the
//! summaries of the `N` shards combine into the summary of one run.
//!
//! The split must be the same on every machine and every mailwhy version, so that N processes
//! started anywhere (a Kubernetes Indexed Job, GNU parallel, Slurm) cover the export exactly
//! once: a row's shard is **FNV-1a 64** of the UTF-8 bytes of its address's match key
//! ([`crate::directory::match_key`]: lower case, hidden characters and spaces dropped) modulo N.
//! FNV-1a is fixed by its definition (offset basis 0xcbf29ce484222325, prime 0x100000001b3), not
//! by a library's choice, and the match key is what the duplicate-account check compares, so
//! every row of one address lands in the same shard and a shard flags the same duplicates a
//! single run does. A malformed row has no address: it goes to shard `(row - 1) mod N`.
//!
//! Merging is exact for every count (rows, records, malformed, verdicts, findings, delivery
//! states, domains, users behind the gateway) because each row is counted by exactly one shard.
//! The checks about the vendor alone run in every shard; merging takes them once and refuses
//! shards that disagree about them. DNS figures are per process (each shard warms its own cache
//! unless they share a resolver): the merged summary adds them up.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::batch::Summary;

/// Shard `index` of `count` (`index` counts from 0, like a Kubernetes Indexed Job's
/// `JOB_COMPLETION_INDEX`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This shard, `0..count`.
    pub index: u32,
    /// How many shards split the export.
    pub count: u32,
}

/// Why `I/N` is not a shard.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a shard (expected I/N with 0 <= I < N, e.g. 0/4 ... 3/4)")]
pub struct ShardSyntax(pub String);

impl std::str::FromStr for Shard {
    type Err = ShardSyntax;
    fn from_str(s: &str) -> Result<Shard, ShardSyntax> {
        let bad = || ShardSyntax(crate::sanitize::line(s).into_owned());
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// FNV-1a 64 of `bytes`.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// An FNV-1a 64 hasher fed in pieces (for a whole input file).
#[derive(Debug, Clone, Copy)]
pub struct Fnv1a64(u64);

impl Default for Fnv1a64 {
    fn default() -> Fnv1a64 {
        Fnv1a64(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a64 {
    /// Feeds `bytes`.
    pub fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
    /// The hash so far.
    pub fn finish(&self) -> u64 {
        self.0
    }
}

impl Shard {
    /// Whether the row with this address belongs to this shard.
    pub fn takes_address(&self, email: &str) -> bool {
        let key = crate::directory::match_key(email);
        fnv1a64(key.as_bytes()) % u64::from(self.count) == u64::from(self.index)
    }
    /// Whether the malformed row `row` (1-based) belongs to this shard.
    pub fn takes_malformed(&self, row: usize) -> bool {
        (row as u64 - 1) % u64::from(self.count) == u64::from(self.index)
    }
}

/// What a shard's summary says about the shard and its input, so that `batch merge` can refuse
/// summaries that do not belong together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardInfo {
    /// This shard, from 0.
    pub index: u32,
    /// Shards in all.
    pub count: u32,
    /// How rows are assigned, spelled out (`fnv1a64(match_key(email)) mod N; malformed: (row-1) mod N`).
    pub key: String,
    /// The directory export's file name, as given.
    pub input: String,
    /// FNV-1a 64 of the export's bytes, 16 hex digits: the same file on every machine.
    pub input_fnv1a64: String,
    /// Data rows of the whole export (each shard reads them all to pick its own).
    pub input_rows: usize,
}

/// The assignment rule, as [`ShardInfo::key`] states it.
pub const SHARD_KEY: &str = "fnv1a64(match_key(email)) mod N; malformed rows: (row - 1) mod N";

/// Why summaries cannot be merged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MergeError {
    /// No summary given.
    #[error("no summary to merge")]
    Empty,
    /// A summary of a run that was not sharded.
    #[error("{file}: not the summary of a sharded run (no `shard`; write it with batch --shard I/N --summary FILE)")]
    NotSharded {
        /// The summary file.
        file: String,
    },
    /// Two summaries of different inputs, shard counts or assignment rules.
    #[error("{file}: {what} differs from {first}'s ({theirs} against {ours}): the summaries are not of one sharded run")]
    Mismatch {
        /// The summary that differs.
        file: String,
        /// The first summary.
        first: String,
        /// What differs.
        what: &'static str,
        /// Its value in `file`.
        theirs: String,
        /// Its value in `first`.
        ours: String,
    },
    /// The same shard twice.
    #[error("shard {shard} given twice: {a} and {b}")]
    Duplicate {
        /// The shard, `I/N`.
        shard: String,
        /// The first file.
        a: String,
        /// The second file.
        b: String,
    },
    /// Shards missing.
    #[error("missing shard{} {} of {count}: the merged summary would not cover the whole export", if .missing.len() == 1 { "" } else { "s" }, .missing.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", "))]
    Missing {
        /// The missing indexes.
        missing: Vec<u32>,
        /// Shards in all.
        count: u32,
    },
    /// A shard stopped before the end.
    #[error("{file}: shard {shard} was stopped before the end (Ctrl-C): run it again")]
    Stopped {
        /// The summary file.
        file: String,
        /// The shard.
        shard: String,
    },
}

/// Combines the summaries of every shard of one sharded run (each with its file name, for the
/// errors) into the summary one unsharded run gives: counts added, the vendor checks taken once.
pub fn merge_summaries(parts: &[(String, Summary)]) -> Result<Summary, MergeError> {
    let (first_file, first) = parts.first().ok_or(MergeError::Empty)?;
    let info0 = first.shard.as_ref().ok_or_else(|| MergeError::NotSharded {
        file: first_file.clone(),
    })?;
    let mut seen: BTreeMap<u32, &str> = BTreeMap::new();
    let mut out = Summary {
        shared: first.shared.clone(),
        gateway: first.gateway.clone(),
        ..Summary::default()
    };
    for (file, s) in parts {
        let info = s
            .shard
            .as_ref()
            .ok_or_else(|| MergeError::NotSharded { file: file.clone() })?;
        let mismatch = |what, theirs: String, ours: String| MergeError::Mismatch {
            file: file.clone(),
            first: first_file.clone(),
            what,
            theirs,
            ours,
        };
        if info.count != info0.count {
            return Err(mismatch(
                "the shard count",
                info.count.to_string(),
                info0.count.to_string(),
            ));
        }
        if info.key != info0.key {
            return Err(mismatch(
                "the row assignment",
                info.key.clone(),
                info0.key.clone(),
            ));
        }
        if info.input_fnv1a64 != info0.input_fnv1a64 || info.input_rows != info0.input_rows {
            return Err(mismatch(
                "the input (FNV-1a 64 of the export, rows)",
                format!(
                    "{} {}, {} rows",
                    info.input, info.input_fnv1a64, info.input_rows
                ),
                format!(
                    "{} {}, {} rows",
                    info0.input, info0.input_fnv1a64, info0.input_rows
                ),
            ));
        }
        // The vendor checks are the same in every shard of one run; findings only, since
        // durations and DNS counts differ from process to process.
        let findings =
            |r: &Option<crate::report::Report>| r.as_ref().map(|r| (r.verdict, r.findings.clone()));
        for (what, a, b) in [
            ("the vendor checks (shared)", &s.shared, &first.shared),
            ("the gateway audit (gateway)", &s.gateway, &first.gateway),
        ] {
            if findings(a) != findings(b) {
                let show = |r: &Option<crate::report::Report>| {
                    r.as_ref().map_or("none".to_string(), |r| {
                        format!("{}, {} findings", r.verdict.as_str(), r.findings.len())
                    })
                };
                return Err(mismatch(what, show(a), show(b)));
            }
        }
        if let Some(other) = seen.insert(info.index, file) {
            return Err(MergeError::Duplicate {
                shard: format!("{}/{}", info.index, info.count),
                a: other.to_string(),
                b: file.clone(),
            });
        }
        if s.stopped {
            return Err(MergeError::Stopped {
                file: file.clone(),
                shard: format!("{}/{}", info.index, info.count),
            });
        }
        out.rows += s.rows;
        out.records += s.records;
        out.malformed += s.malformed;
        for (k, v) in &s.verdicts {
            *out.verdicts.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &s.findings {
            *out.findings.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &s.delivery {
            *out.delivery.entry(k.clone()).or_default() += v;
        }
        for (k, (u, p)) in &s.domains {
            let e = out.domains.entry(k.clone()).or_default();
            e.0 += u;
            e.1 += p;
        }
        out.behind_gateway += s.behind_gateway;
        out.dns_queries += s.dns_queries;
        out.dns_distinct_questions += s.dns_distinct_questions;
        out.dns_cache_hits += s.dns_cache_hits;
        out.duration_ms = out.duration_ms.max(s.duration_ms);
    }
    let missing: Vec<u32> = (0..info0.count).filter(|i| !seen.contains_key(i)).collect();
    if !missing.is_empty() {
        return Err(MergeError::Missing {
            missing,
            count: info0.count,
        });
    }
    out.merged_shards = Some(info0.count);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The published FNV-1a 64 test vectors: the split must never change with a library.
    #[test]
    fn fnv1a64_matches_the_reference_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a64(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x85944171f73967e8);
        let mut h = Fnv1a64::default();
        h.write(b"foo");
        h.write(b"bar");
        assert_eq!(h.finish(), 0x85944171f73967e8);
    }

    #[test]
    fn shard_syntax_is_checked() {
        assert_eq!(
            "1/4".parse::<Shard>().unwrap(),
            Shard { index: 1, count: 4 }
        );
        for bad in ["4/4", "0/0", "1", "a/4", "-1/4", "1/4/5"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    /// Case and hidden characters do not move an address to another shard (the duplicate check
    /// compares the same key).
    #[test]
    fn one_address_one_shard_whatever_its_case() {
        for n in 1..8 {
            let pick = |e: &str| {
                (0..n).find(|i| {
                    Shard {
                        index: *i,
                        count: n,
                    }
                    .takes_address(e)
                })
            };
            assert_eq!(pick("Jane.Doe@Example.COM"), pick("jane.doe@example.com"));
            assert_eq!(
                pick("jane.doe@example.com\u{200b}"),
                pick("jane.doe@example.com")
            );
        }
    }
}
