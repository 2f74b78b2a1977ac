//! The MTA-STS policy cache behind `transport.sts-id-unchanged`: what mailwhy saw at its previous
//! fetch of a domain's policy, kept the way a sender keeps it (RFC 8461 §5.1).
//!
//! A sender refetches a policy only when the `_mta-sts` record's `id` changes; a domain that
//! edits its policy and forgets the id keeps every sender on the old one until `max_age` runs
//! out. That can only be seen by remembering an earlier fetch, so `--sts-cache DIR` keeps one
//! small JSON file per domain, `DIR/DOMAIN.json`:
//! `{"id": "...", "policy": {"mode", "mx", "max_age"}, "fetched": "RFC 3339"}`. Like a sender's
//! cache, an entry is written when there is none or when the id changes, never when the id
//! stays the same: a policy changed under an unchanged id is reported on every run until the id
//! changes, as it keeps affecting senders until then. Writes go through a temporary file and a
//! rename, so a reader never sees half an entry.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Policy;

/// One domain's remembered fetch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The `_mta-sts` record's id at that fetch.
    pub id: String,
    /// The policy fetched then.
    pub policy: Policy,
    /// When (RFC 3339, the run's "now").
    pub fetched: String,
}

/// A cache directory.
#[derive(Debug, Clone)]
pub struct StsCache {
    dir: PathBuf,
}

impl StsCache {
    /// The cache in `dir` (created on the first write).
    pub fn new(dir: &Path) -> StsCache {
        StsCache {
            dir: dir.to_path_buf(),
        }
    }

    /// `DIR/DOMAIN.json`, or `None` for a name that must not become a file name (only
    /// lowercase letters, digits, `-`, `_` and inner dots are; the domain comes from a ticket).
    pub fn path(&self, domain: &str) -> Option<PathBuf> {
        let ok = !domain.is_empty()
            && domain.len() <= 253
            && !domain.starts_with('.')
            && !domain.contains("..")
            && domain
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b));
        ok.then(|| self.dir.join(format!("{domain}.json")))
    }

    /// The entry for `domain`: `Ok(None)` when there is none, `Err` naming the file and what
    /// was wrong when it cannot be read or is not an entry.
    pub fn read(&self, domain: &str) -> Result<Option<Entry>, String> {
        let Some(path) = self.path(domain) else {
            return Ok(None);
        };
        let text = match std::fs::read(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        serde_json::from_slice(&text).map(Some).map_err(|e| {
            format!(
                "{}: line {}, column {}: {e} (expected {{\"id\", \"policy\": {{\"mode\", \"mx\", \"max_age\"}}, \"fetched\"}})",
                path.display(),
                e.line(),
                e.column()
            )
        })
    }

    /// Writes `entry` for `domain` (a temporary file renamed over the old one).
    pub fn write(&self, domain: &str, entry: &Entry) -> Result<(), String> {
        let Some(path) = self.path(domain) else {
            return Ok(());
        };
        let fail = |e: std::io::Error| format!("{}: {e}", path.display());
        std::fs::create_dir_all(&self.dir).map_err(fail)?;
        // Unique per process and write: `batch` may check the same domain twice at once.
        static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = self
            .dir
            .join(format!(".{domain}.{}.{n}.tmp", std::process::id()));
        let json = serde_json::to_vec_pretty(entry).map_err(|e| e.to_string())?;
        std::fs::write(&tmp, json).map_err(fail)?;
        std::fs::rename(&tmp, &path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            fail(e)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::Mode;

    fn entry(id: &str) -> Entry {
        Entry {
            id: id.into(),
            policy: Policy {
                mode: Mode::Enforce,
                mx: vec!["mx.example.com".into()],
                max_age: 86400,
            },
            fetched: "2026-12-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn entries_round_trip_and_bad_files_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let cache = StsCache::new(&dir.path().join("sub"));
        assert_eq!(cache.read("example.com").unwrap(), None);
        cache.write("example.com", &entry("1")).unwrap();
        assert_eq!(cache.read("example.com").unwrap(), Some(entry("1")));
        std::fs::write(dir.path().join("sub/bad.example.json"), "{\"id\": 1}").unwrap();
        let e = cache.read("bad.example").unwrap_err();
        assert!(
            e.contains("bad.example.json") && e.contains("line 1"),
            "{e}"
        );
    }

    #[test]
    fn names_that_are_not_plain_domains_get_no_file() {
        let cache = StsCache::new(Path::new("/tmp/c"));
        for bad in ["", "../etc", "a/b", ".hidden", "a..b", "UPPER.example"] {
            assert_eq!(cache.path(bad), None, "{bad}");
        }
        assert_eq!(
            cache.path("mx-1.example.com"),
            Some(PathBuf::from("/tmp/c/mx-1.example.com.json"))
        );
    }
}
