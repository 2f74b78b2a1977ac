//! The answer cache: questions keyed by name and type, single-flight for questions in flight,
//! TTL-bounded reuse, and eviction so that a long-running server does not keep every answer it
//! ever got.
//!
//! [`super::resolver::Dns::query`] is the only user: it looks questions up here first and parks
//! its query futures here while they run.

use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Instant;

use futures::future::{BoxFuture, Shared};

use super::{Answer, RecordType};

pub(super) type Pending = Shared<BoxFuture<'static, Arc<Answer>>>;

/// A cache key: the lowercase name without its trailing dot (presentation form, `\DDD`
/// escapes for odd octets) and the type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Key {
    pub(super) name: String,
    pub(super) rtype: RecordType,
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write(self.name.as_bytes());
        state.write_u16(u16::from(self.rtype));
    }
}

/// A question as the caller wrote it (trailing dot removed), looked up without building a
/// [`Key`]: it finds the entry when written as the key is, lowercase, which is how checks
/// pass names on. Any other spelling misses here and takes the full path (validation,
/// canonical key), which finds the same entry, so a question is never asked twice.
pub(super) struct Lookup<'a> {
    pub(super) name: &'a str,
    pub(super) rtype: RecordType,
}

impl Hash for Lookup<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write(self.name.as_bytes());
        state.write_u16(u16::from(self.rtype));
    }
}

impl hashbrown::Equivalent<Key> for Lookup<'_> {
    fn equivalent(&self, key: &Key) -> bool {
        key.rtype == self.rtype && key.name == self.name
    }
}

/// A cache entry: a finished answer (the hot path: one `Arc` clone), or a query in flight that
/// every asker of the same question awaits (single-flight).
pub(super) enum Slot {
    Ready(Arc<Answer>),
    Pending(Pending),
}

impl Slot {
    /// When the answer expires; None while the query is in flight.
    fn expires(&self) -> Option<Instant> {
        match self {
            Slot::Ready(a) => Some(a.expires),
            Slot::Pending(f) => f.peek().map(|a| a.expires),
        }
    }
}

/// The answers by question, and when to next drop the expired ones.
///
/// A run of the command line ends before the map matters, but a long-running server asks about
/// new names all day: without eviction the map would keep every answer it ever got. Expired
/// entries are dropped on insert (never on the hit path) once the map reaches `sweep_at`, which
/// then doubles from what is left, so the sweeps cost O(1) per insert on average. Should the
/// map still hold [`CACHE_MAX_ENTRIES`] live answers, the ones that expire soonest go first.
/// Queries still in flight are never dropped (single-flight holds while they run).
pub(super) struct Cache {
    pub(super) map: hashbrown::HashMap<Key, Slot>,
    sweep_at: usize,
    sweep_min: usize,
    max: usize,
}

impl Cache {
    pub(super) fn new() -> Cache {
        Cache::with_limits(CACHE_SWEEP_MIN, CACHE_MAX_ENTRIES)
    }

    fn with_limits(sweep_min: usize, max: usize) -> Cache {
        Cache {
            map: hashbrown::HashMap::new(),
            sweep_at: sweep_min,
            sweep_min,
            max,
        }
    }

    /// Inserts a new query's future, sweeping first when the map has grown to `sweep_at`.
    /// True when the key was not in the map.
    pub(super) fn insert(&mut self, key: Key, f: Slot, now: Instant) -> bool {
        if self.map.len() >= self.sweep_at {
            self.sweep(now);
        }
        self.map.insert(key, f).is_none()
    }

    /// Drops expired answers, then, above the cap, the live answers that expire soonest.
    fn sweep(&mut self, now: Instant) {
        self.map.retain(|_, f| f.expires().is_none_or(|e| e > now));
        if self.map.len() >= self.max {
            let keep = self.max * 3 / 4;
            let mut expiries: Vec<Instant> = self.map.values().filter_map(Slot::expires).collect();
            let drop = self.map.len().saturating_sub(keep).min(expiries.len());
            if drop > 0 {
                let (_, cutoff, _) = expiries.select_nth_unstable(drop - 1);
                let cutoff = *cutoff;
                self.map
                    .retain(|_, f| f.expires().is_none_or(|e| e > cutoff));
            }
        }
        self.sweep_at = (self.map.len() * 2).clamp(self.sweep_min, self.max);
    }
}

/// The cache size at which expired entries are first looked for.
const CACHE_SWEEP_MIN: usize = 4096;
/// The most answers the cache keeps (about 1 KB each: ~100 MB at worst).
const CACHE_MAX_ENTRIES: usize = 100_000;

/// The cache key of a plain host name (letters, digits, `-`, `_`; valid label and name
/// lengths): the lowercase name without its trailing dot, exactly what `normalize_name(name)
/// .to_ascii()` lowercased gives without its dot. None for anything else, which takes the
/// general path.
pub(super) fn plain_key(name: &str) -> Option<String> {
    let trimmed = name.strip_suffix('.').unwrap_or(name);
    if trimmed.is_empty() || trimmed.len() > 253 {
        return None;
    }
    let mut label = 0usize;
    for b in trimmed.bytes() {
        match b {
            b'.' if label == 0 => return None,
            b'.' => label = 0,
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' => {
                label += 1;
                if label > 63 {
                    return None;
                }
            }
            _ => return None,
        }
    }
    if label == 0 {
        return None;
    }
    let mut key = trimmed.to_string();
    key.make_ascii_lowercase();
    Some(key)
}

#[cfg(test)]
mod plain_key_tests {
    use super::*;
    use crate::dns::normalize_name;

    /// Guards the cache fast path: a plain name's key equals the general path's key.
    #[test]
    fn plain_key_matches_normalize() {
        for n in [
            "Example.COM",
            "a.b.c.",
            "_spf.google.com",
            "x-1.y_2.example",
            "com",
        ] {
            let slow = normalize_name(n).unwrap().to_ascii().to_ascii_lowercase();
            let slow = slow.strip_suffix('.').unwrap();
            assert_eq!(plain_key(n).as_deref(), Some(slow), "{n}");
        }
        for n in ["", ".", "a..b", "a b.c", "é.example", &"a".repeat(64)] {
            assert_eq!(plain_key(n), None, "{n:?}");
        }
    }
}

#[cfg(test)]
mod cache_tests {
    use std::sync::OnceLock;
    use std::time::Duration;

    use futures::FutureExt;

    use super::*;
    use crate::dns::Outcome;

    fn key(i: usize) -> Key {
        Key {
            name: format!("n{i}.example"),
            rtype: RecordType::A,
        }
    }

    /// A finished query future whose answer expires at `expires`.
    fn done(expires: Instant) -> Slot {
        Slot::Ready(Arc::new(Answer {
            name: "n.example".into(),
            rtype: RecordType::A,
            outcome: Outcome::NoData,
            elapsed: Duration::ZERO,
            expires,
            error: None,
            derived: OnceLock::new(),
        }))
    }

    fn pending() -> Slot {
        Slot::Pending(futures::future::pending::<Arc<Answer>>().boxed().shared())
    }

    #[test]
    fn expired_answers_are_dropped_when_the_map_grows() {
        let t0 = Instant::now();
        let mut c = Cache::with_limits(8, 1000);
        // Eight entries: four expired by t0 + 10 s, two live, two still in flight.
        for i in 0..4 {
            assert!(c.insert(key(i), done(t0 + Duration::from_secs(5)), t0));
        }
        for i in 4..6 {
            c.insert(key(i), done(t0 + Duration::from_secs(3600)), t0);
        }
        for i in 6..8 {
            c.insert(key(i), pending(), t0);
        }
        assert_eq!(c.map.len(), 8, "no sweep below the bound");
        // The ninth insert, later, sweeps first: the expired four go, the rest stay.
        let later = t0 + Duration::from_secs(10);
        assert!(c.insert(key(8), done(later + Duration::from_secs(60)), later));
        assert_eq!(c.map.len(), 5);
        for i in 0..4 {
            assert!(!c.map.contains_key(&key(i)), "{i} expired");
        }
        for i in 4..9 {
            assert!(c.map.contains_key(&key(i)), "{i} kept");
        }
        // The next sweep waits until the map doubles from what was left (amortized cost).
        assert_eq!(c.sweep_at, 8);
        // Re-asking an expired question replaces it and is not a new key.
        assert!(!c.insert(key(4), done(later + Duration::from_secs(1)), later));
    }

    #[test]
    fn above_the_cap_the_soonest_to_expire_go_first() {
        let t0 = Instant::now();
        let mut c = Cache::with_limits(4, 8);
        // Eight live answers expiring at t0 + 100 s .. t0 + 800 s, and one in flight.
        for i in 0..8 {
            c.insert(
                key(i),
                done(t0 + Duration::from_secs(100 * (i as u64 + 1))),
                t0,
            );
        }
        c.insert(key(99), pending(), t0);
        assert!(c.map.len() <= 8, "{}", c.map.len());
        // Whatever was dropped expired sooner than whatever was kept; in flight is kept.
        assert!(c.map.contains_key(&key(99)));
        let kept: Vec<usize> = (0..8).filter(|i| c.map.contains_key(&key(*i))).collect();
        let dropped: Vec<usize> = (0..8).filter(|i| !c.map.contains_key(&key(*i))).collect();
        assert!(!dropped.is_empty());
        assert!(
            dropped.iter().max() < kept.iter().min(),
            "{dropped:?} {kept:?}"
        );
    }
}
