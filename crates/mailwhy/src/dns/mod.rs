//! The DNS layer: one resolver for every check, with explicit outcomes, a shared cache with
//! single-flight, a query counter and log, timeouts and an overall deadline.
//!
//! Checks never talk to hickory directly. They ask [`Dns::query`] and get an [`Answer`] whose
//! [`Outcome`] keeps every kind of failure apart (`NxDomain` is a fact about the world, `Timeout`
//! is a fact about our view of it), so that a check can say "inconclusive" instead of guessing.
//! Two checks asking the same question at the same time send one query; answers are kept for their
//! TTL. The zone-file server behind `--dns-zones` lives in [`server`], the master-file parser in
//! [`zonefile`].

pub mod server;
pub mod zonefile;

use std::any::Any;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use futures::future::{BoxFuture, FutureExt, Shared};
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{Name, RData};
use hickory_resolver::TokioResolver;
use serde::Serialize;

pub use hickory_resolver::proto::rr::RecordType;

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
    derived: OnceLock<Arc<dyn Any + Send + Sync>>,
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

/// A name that cannot be asked about (too long, empty label, bad characters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid DNS name: {name:?} ({reason})")]
pub struct InvalidName {
    /// The name as given.
    pub name: String,
    /// Why it is not valid.
    pub reason: String,
}

/// Where questions go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Upstream {
    /// The system's resolver configuration (`/etc/resolv.conf`).
    #[default]
    System,
    /// Only these servers (each with its port).
    Servers(Vec<SocketAddr>),
}

/// Settings of the DNS layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsConfig {
    /// Where questions go.
    pub upstream: Upstream,
    /// How long one try of one query may take.
    pub query_timeout: Duration,
    /// How many extra tries after the first (hickory's `attempts`, 0 = one try).
    pub retries: usize,
    /// The longest a whole run may spend on DNS; questions after it answer `Timeout`.
    pub overall_timeout: Option<Duration>,
}

impl Default for DnsConfig {
    fn default() -> Self {
        DnsConfig {
            upstream: Upstream::System,
            query_timeout: Duration::from_secs(3),
            retries: 1,
            overall_timeout: Some(Duration::from_secs(30)),
        }
    }
}

/// One entry of the query log.
#[derive(Debug, Clone, Serialize)]
pub struct QueryLogEntry {
    /// The name asked.
    pub name: String,
    /// The type asked.
    pub rtype: String,
    /// The outcome kind (`records`, `nxdomain`, ...).
    pub outcome: &'static str,
    /// How many records came back.
    pub records: usize,
    /// Milliseconds the query took.
    pub elapsed_ms: u64,
}

type Pending = Shared<BoxFuture<'static, Arc<Answer>>>;

/// A cache key: the lowercase name without its trailing dot (presentation form, `\DDD`
/// escapes for odd octets) and the type.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    name: String,
    rtype: RecordType,
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
struct Lookup<'a> {
    name: &'a str,
    rtype: RecordType,
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
enum Slot {
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

/// The DNS layer shared by every check of a run: cheap to clone, safe to share.
#[derive(Clone)]
pub struct Dns {
    inner: Arc<Inner>,
    /// Set on a handle from [`Dns::watched`] only; every other handle pays one branch.
    watch: Option<Arc<ExpiryWatch>>,
    /// Set on a handle from [`Dns::counted`] only: the queries this handle's questions sent.
    counter: Option<Arc<AtomicU64>>,
}

/// The queries sent for the questions of one [`Dns::counted`] handle (and of the handles
/// derived from it).
#[derive(Debug, Clone)]
pub(crate) struct QueryCounter(Arc<AtomicU64>);

impl QueryCounter {
    /// Queries sent so far.
    pub(crate) fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// The earliest expiry of the answers handed out through a [`Dns::watched`] handle: a result
/// computed from those answers stays true until then (what lets a long-running diagnoser
/// reuse a vendor-wide comparison without outliving a record's TTL).
#[derive(Debug, Default)]
pub struct ExpiryWatch {
    earliest: Mutex<Option<Instant>>,
}

impl ExpiryWatch {
    fn note(&self, expires: Instant) {
        let mut e = self.earliest.lock().expect("expiry watch lock");
        if e.is_none_or(|t| expires < t) {
            *e = Some(expires);
        }
    }

    /// When the first answer seen expires (None when no answer was handed out).
    pub fn earliest(&self) -> Option<Instant> {
        *self.earliest.lock().expect("expiry watch lock")
    }
}

struct Inner {
    resolver: TokioResolver,
    cache: Mutex<Cache>,
    sent: AtomicU64,
    asked: AtomicU64,
    /// Questions that started a query future (cache misses); hits are `asked - misses`, so the
    /// hit path pays for no counter of its own.
    misses: AtomicU64,
    /// Keys put into a cache that did not hold them.
    distinct: AtomicU64,
    log: Mutex<Vec<QueryLogEntry>>,
    query_timeout: Duration,
    deadline: Option<Instant>,
}

impl fmt::Debug for Dns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dns")
            .field("queries_sent", &self.queries_sent())
            .finish()
    }
}

/// The resolver could not be set up (e.g. an unreadable `/etc/resolv.conf`).
#[derive(Debug, thiserror::Error)]
#[error("cannot set up the DNS resolver: {0}")]
pub struct ResolverSetupError(String);

/// The answers by question, and when to next drop the expired ones.
///
/// A run of the command line ends before the map matters, but a long-running server asks about
/// new names all day: without eviction the map would keep every answer it ever got. Expired
/// entries are dropped on insert (never on the hit path) once the map reaches `sweep_at`, which
/// then doubles from what is left, so the sweeps cost O(1) per insert on average. Should the
/// map still hold [`CACHE_MAX_ENTRIES`] live answers, the ones that expire soonest go first.
/// Queries still in flight are never dropped (single-flight holds while they run).
struct Cache {
    map: hashbrown::HashMap<Key, Slot>,
    sweep_at: usize,
    sweep_min: usize,
    max: usize,
}

impl Cache {
    fn new() -> Cache {
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
    fn insert(&mut self, key: Key, f: Slot, now: Instant) -> bool {
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

/// The query log keeps at most this many entries.
const QUERY_LOG_CAP: usize = 10_000;
/// Negative answers and failures are kept this long at most.
const NEGATIVE_TTL_CAP: u32 = 300;
/// Temporary failures are kept briefly, so that one run does not hammer a broken server but a
/// long-running server retries soon.
const FAILURE_TTL: Duration = Duration::from_secs(5);

impl Dns {
    /// A DNS layer with these settings. Must be called inside a tokio runtime.
    pub fn new(config: &DnsConfig) -> Result<Dns, ResolverSetupError> {
        let provider = TokioRuntimeProvider::default();
        let mut builder = match &config.upstream {
            Upstream::System => {
                TokioResolver::builder(provider).map_err(|e| ResolverSetupError(e.to_string()))?
            }
            Upstream::Servers(addrs) => {
                let servers = addrs
                    .iter()
                    .map(|a| {
                        let mut ns = NameServerConfig::udp_and_tcp(a.ip());
                        let mut udp = ConnectionConfig::udp();
                        udp.port = a.port();
                        let mut tcp = ConnectionConfig::tcp();
                        tcp.port = a.port();
                        ns.connections = vec![udp, tcp];
                        ns
                    })
                    .collect();
                TokioResolver::builder_with_config(
                    ResolverConfig::from_parts(None, vec![], servers),
                    provider,
                )
            }
        };
        let mut opts: ResolverOpts = builder.options_mut().clone();
        opts.timeout = config.query_timeout;
        opts.attempts = config.retries;
        opts.ndots = 0;
        opts.preserve_intermediates = true;
        opts.recursion_desired = true;
        // Our own cache sits in front and honours TTLs; hickory's would only hide queries from
        // the counter.
        opts.cache_size = 0;
        *builder.options_mut() = opts;
        let resolver = builder
            .build()
            .map_err(|e| ResolverSetupError(e.to_string()))?;
        Ok(Dns {
            watch: None,
            counter: None,
            inner: Arc::new(Inner {
                resolver,
                cache: Mutex::new(Cache::new()),
                sent: AtomicU64::new(0),
                asked: AtomicU64::new(0),
                misses: AtomicU64::new(0),
                distinct: AtomicU64::new(0),
                log: Mutex::new(Vec::new()),
                query_timeout: config.query_timeout * (config.retries as u32 + 1)
                    + Duration::from_millis(500),
                deadline: config.overall_timeout.map(|d| Instant::now() + d),
            }),
        })
    }

    /// Asks one question. Identical questions in flight at the same time share one query, and
    /// answers are reused until their TTL runs out.
    pub async fn query(&self, name: &str, rtype: RecordType) -> Result<Arc<Answer>, InvalidName> {
        self.inner.asked.fetch_add(1, Ordering::Relaxed);
        // Cache hits are the hot path (an SPF evaluation asks the same few questions again and
        // again): look the name up as written, without validating it or building a key.
        let lookup = Lookup {
            name: name.strip_suffix('.').unwrap_or(name),
            rtype,
        };
        {
            let cache = self.inner.cache.lock().expect("dns cache lock");
            if let Some(Slot::Ready(answer)) = cache.map.get(&lookup) {
                if answer.expires > Instant::now() {
                    let answer = answer.clone();
                    drop(cache);
                    return Ok(self.noted(answer));
                }
            }
        }
        let (key, mut fqdn) = match plain_key(name) {
            Some(k) => (Key { name: k, rtype }, None),
            None => {
                let n = normalize_name(name)?;
                let mut k = n.to_ascii().to_ascii_lowercase();
                k.pop(); // the trailing dot of the fully qualified name
                (Key { name: k, rtype }, Some(n))
            }
        };
        let pending = {
            let mut cache = self.inner.cache.lock().expect("dns cache lock");
            let now = Instant::now();
            match cache.map.get(&key) {
                Some(Slot::Ready(answer)) if answer.expires > now => {
                    let answer = answer.clone();
                    drop(cache);
                    return Ok(self.noted(answer));
                }
                Some(Slot::Pending(f)) if f.peek().is_none_or(|a| a.expires > now) => f.clone(),
                _ => {
                    let fqdn = match fqdn.take() {
                        Some(n) => n,
                        None => normalize_name(name)?,
                    };
                    let f = run_query(self.inner.clone(), fqdn, rtype, self.counter.clone())
                        .boxed()
                        .shared();
                    self.inner.misses.fetch_add(1, Ordering::Relaxed);
                    if cache.insert(key.clone(), Slot::Pending(f.clone()), now) {
                        self.inner.distinct.fetch_add(1, Ordering::Relaxed);
                    }
                    f
                }
            }
        };
        let answer = pending.await;
        // The first asker to see the answer makes it a ready entry (unless a newer query for
        // the same question has replaced it meanwhile).
        {
            let mut cache = self.inner.cache.lock().expect("dns cache lock");
            if let Some(slot) = cache.map.get_mut(&key) {
                if matches!(slot, Slot::Pending(f) if f.peek().is_some_and(|a| Arc::ptr_eq(a, &answer)))
                {
                    *slot = Slot::Ready(answer.clone());
                }
            }
        }
        Ok(self.noted(answer))
    }

    /// Notes the answer's expiry on a watched handle (see [`Dns::watched`]).
    fn noted(&self, answer: Arc<Answer>) -> Arc<Answer> {
        if let Some(w) = &self.watch {
            w.note(answer.expires);
        }
        answer
    }

    /// A handle on the same layer and cache that also notes when the first answer it hands
    /// out expires.
    pub fn watched(&self) -> (Dns, Arc<ExpiryWatch>) {
        let w = Arc::new(ExpiryWatch::default());
        (
            Dns {
                inner: self.inner.clone(),
                watch: Some(w.clone()),
                counter: self.counter.clone(),
            },
            w,
        )
    }

    /// A handle on the same layer and cache that also counts the queries its own questions
    /// send, for the `dns_queries` of one report: the layer's total counts every request a
    /// server answers at once, this counts one. A question answered from the cache, or joined
    /// to a query another handle already sent, counts nothing here.
    pub(crate) fn counted(&self) -> (Dns, QueryCounter) {
        let c = Arc::new(AtomicU64::new(0));
        (
            Dns {
                inner: self.inner.clone(),
                watch: self.watch.clone(),
                counter: Some(c.clone()),
            },
            QueryCounter(c),
        )
    }

    /// How many queries were sent (distinct questions that missed the cache).
    pub fn queries_sent(&self) -> u64 {
        self.inner.sent.load(Ordering::Relaxed)
    }

    /// How many questions the checks asked (including those answered by the cache).
    pub fn questions_asked(&self) -> u64 {
        self.inner.asked.load(Ordering::Relaxed)
    }

    /// How many questions were answered from the cache (or joined a query already in flight).
    pub fn cache_hits(&self) -> u64 {
        let asked = self.inner.asked.load(Ordering::Relaxed);
        asked.saturating_sub(self.inner.misses.load(Ordering::Relaxed))
    }

    /// How many distinct questions (name and type) have been asked so far. A question asked
    /// again after its expired answer was dropped from the cache counts again.
    pub fn distinct_questions(&self) -> u64 {
        self.inner.distinct.load(Ordering::Relaxed)
    }

    /// How many answers the cache holds now (expired ones included until they are dropped).
    pub fn cache_len(&self) -> usize {
        self.inner.cache.lock().expect("dns cache lock").map.len()
    }

    /// The queries sent so far, in the order they completed.
    pub fn query_log(&self) -> Vec<QueryLogEntry> {
        self.inner.log.lock().expect("dns log lock").clone()
    }
}

/// The cache key of a plain host name (letters, digits, `-`, `_`; valid label and name
/// lengths): the lowercase name without its trailing dot, exactly what `normalize_name(name)
/// .to_ascii()` lowercased gives without its dot. None for anything else, which takes the
/// general path.
fn plain_key(name: &str) -> Option<String> {
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

/// Validates a name and makes it fully qualified.
pub fn normalize_name(name: &str) -> Result<Name, InvalidName> {
    let bad = |reason: &str| InvalidName {
        name: name.to_string(),
        reason: reason.to_string(),
    };
    let trimmed = name.strip_suffix('.').unwrap_or(name);
    if trimmed.is_empty() {
        return Err(bad("empty name"));
    }
    if trimmed.len() > 253 {
        return Err(bad("longer than 253 octets"));
    }
    for label in trimmed.split('.') {
        if label.is_empty() {
            return Err(bad("empty label"));
        }
        if label.len() > 63 {
            return Err(bad("a label longer than 63 octets"));
        }
        if !label.is_ascii() {
            return Err(bad("not ASCII (convert IDN names to A-labels first)"));
        }
    }
    // Labels may hold any octet (RFC 2181 §11); SPF macros can produce `:`, `/` or spaces, which
    // the presentation-format parser rejects, so such names are built from their raw labels.
    let mut n = Name::from_ascii(trimmed)
        .or_else(|e| match raw_labels(trimmed) {
            Some(labels) => Name::from_labels(labels),
            None => Err(e),
        })
        .map_err(|e| bad(&e.to_string()))?;
    n.set_fqdn(true);
    Ok(n)
}

/// Splits a presentation-form name into raw labels, decoding `\X` and `\DDD` escapes (the form
/// [`display_name`] writes). None for a malformed escape.
fn raw_labels(text: &str) -> Option<Vec<Vec<u8>>> {
    let b = text.as_bytes();
    let mut labels = vec![];
    let mut cur = vec![];
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => {
                let d = b.get(i + 1..i + 4);
                if let Some(d) = d.filter(|d| d.iter().all(u8::is_ascii_digit)) {
                    let v = d.iter().fold(0u32, |a, x| a * 10 + u32::from(x - b'0'));
                    cur.push(u8::try_from(v).ok()?);
                    i += 4;
                } else {
                    cur.push(*b.get(i + 1)?);
                    i += 2;
                }
            }
            b'.' => {
                labels.push(std::mem::take(&mut cur));
                i += 1;
            }
            c => {
                cur.push(c);
                i += 1;
            }
        }
    }
    labels.push(cur);
    Some(labels)
}

fn display_name(n: &Name) -> String {
    let s = n.to_ascii().to_ascii_lowercase();
    match s.strip_suffix('.') {
        Some("") | None if s == "." => ".".into(),
        Some(t) => t.to_string(),
        None => s,
    }
}

async fn run_query(
    inner: Arc<Inner>,
    name: Name,
    rtype: RecordType,
    counter: Option<Arc<AtomicU64>>,
) -> Arc<Answer> {
    let started = Instant::now();
    let mut limit = started + inner.query_timeout;
    if let Some(d) = inner.deadline {
        limit = limit.min(d);
    }
    let (outcome, ttl, error) = if limit <= started {
        (
            Outcome::Timeout,
            None,
            Some("overall DNS deadline passed".to_string()),
        )
    } else {
        inner.sent.fetch_add(1, Ordering::Relaxed);
        if let Some(c) = &counter {
            c.fetch_add(1, Ordering::Relaxed);
        }
        let lookup = inner.resolver.lookup(name.clone(), rtype);
        match tokio::time::timeout_at(limit.into(), lookup).await {
            Err(_) => (Outcome::Timeout, None, Some("no answer in time".into())),
            Ok(Ok(lookup)) => {
                let recs: Vec<Rec> = lookup.answers().iter().map(convert_record).collect();
                let ttl = recs.iter().map(|r| r.ttl).min();
                if recs.is_empty() {
                    (Outcome::NoData, Some(0), None)
                } else {
                    (Outcome::Records(recs), ttl, None)
                }
            }
            Ok(Err(e)) => classify_error(e),
        }
    };
    let elapsed = started.elapsed();
    let keep = match (&outcome, ttl) {
        (o, _) if o.is_temporary_failure() => FAILURE_TTL,
        (Outcome::Records(_), Some(t)) => Duration::from_secs(u64::from(t)),
        (_, Some(t)) => Duration::from_secs(u64::from(t.min(NEGATIVE_TTL_CAP))),
        (_, None) => Duration::from_secs(u64::from(NEGATIVE_TTL_CAP)),
    };
    let answer = Answer {
        name: display_name(&name),
        rtype,
        outcome,
        elapsed,
        expires: Instant::now() + keep,
        error,
        derived: OnceLock::new(),
    };
    let mut log = inner.log.lock().expect("dns log lock");
    // The log is for `-v` and debugging; a whole-directory run must not grow it without bound.
    if log.len() < QUERY_LOG_CAP {
        log.push(QueryLogEntry {
            name: answer.name.clone(),
            rtype: rtype.to_string(),
            outcome: answer.outcome.kind(),
            records: match &answer.outcome {
                Outcome::Records(r) => r.len(),
                _ => 0,
            },
            elapsed_ms: elapsed.as_millis() as u64,
        });
    }
    drop(log);
    Arc::new(answer)
}

fn classify_error(e: NetError) -> (Outcome, Option<u32>, Option<String>) {
    let text = Some(e.to_string());
    match e {
        NetError::Dns(DnsError::NoRecordsFound(nr)) => {
            let ttl = nr.negative_ttl;
            if nr.response_code == ResponseCode::NXDomain {
                (Outcome::NxDomain, ttl, None)
            } else {
                (Outcome::NoData, ttl, None)
            }
        }
        NetError::Dns(DnsError::ResponseCode(rc)) => match rc {
            ResponseCode::NXDomain => (Outcome::NxDomain, None, None),
            ResponseCode::Refused => (Outcome::Refused, None, text),
            _ => (Outcome::ServFail, None, text),
        },
        NetError::Timeout | NetError::NoConnections | NetError::Io(_) | NetError::Busy => {
            (Outcome::Timeout, None, text)
        }
        _ => (Outcome::ServFail, None, text),
    }
}

fn convert_record(r: &hickory_resolver::proto::rr::Record) -> Rec {
    let data = match &r.data {
        RData::A(a) => Data::A { address: a.0 },
        RData::AAAA(a) => Data::Aaaa { address: a.0 },
        RData::MX(mx) => Data::Mx {
            preference: mx.preference,
            exchange: display_name(&mx.exchange),
        },
        RData::TXT(t) => Data::Txt {
            strings: t.txt_data.iter().map(|s| s.to_vec()).collect(),
        },
        RData::CNAME(c) => Data::Cname {
            target: display_name(&c.0),
        },
        RData::PTR(p) => Data::Ptr {
            target: display_name(&p.0),
        },
        RData::NS(n) => Data::Ns {
            target: display_name(&n.0),
        },
        RData::SOA(s) => Data::Soa {
            mname: display_name(&s.mname),
            rname: display_name(&s.rname),
            serial: s.serial,
            minimum: s.minimum,
        },
        other => Data::Other {
            rtype: other.record_type().to_string(),
            text: other.to_string(),
        },
    };
    Rec {
        name: display_name(&r.name),
        ttl: r.ttl,
        data,
    }
}

/// A ready DNS layer together with the zone server it may resolve from (for `--dns-zones`).
/// Keep it alive for as long as the layer is used: dropping it stops the zone server.
#[derive(Debug)]
pub struct Resolving {
    /// The DNS layer.
    pub dns: Dns,
    /// The loopback zone server, when zones are served.
    pub zone_server: Option<server::ZoneServer>,
}

impl Resolving {
    /// Sets up the layer: with `zones_dir`, a loopback zone server from its `*.zone` files is
    /// started and is the only upstream (any `config.upstream` is ignored).
    pub async fn start(
        config: &DnsConfig,
        zones_dir: Option<&std::path::Path>,
    ) -> Result<Resolving, crate::Error> {
        let mut config = config.clone();
        let zone_server = match zones_dir {
            Some(dir) => {
                let s = server::ZoneServer::start_dir(dir).await?;
                config.upstream = Upstream::Servers(vec![s.addr()]);
                Some(s)
            }
            None => None,
        };
        Ok(Resolving {
            dns: Dns::new(&config)?,
            zone_server,
        })
    }
}

/// `mailwhy dns NAME [TYPE]`: asks one question through the layer and reports the outcome.
pub async fn dig(
    ctx: &crate::check::Context,
    name: &str,
    rtype: RecordType,
) -> crate::report::Report {
    use crate::check::CheckOutcome;
    let started = Instant::now();
    let mut check = CheckOutcome::start("dns");
    let mut lines = Vec::new();
    let mut data = serde_json::Value::Null;
    match ctx.dns.query(name, rtype).await {
        Err(e) => {
            check.inconclusive(e.to_string());
            lines.push(e.to_string());
        }
        Ok(answer) => {
            check.dns_failure(&answer, &format!("the {rtype} records of {}", answer.name));
            match &answer.outcome {
                Outcome::Records(recs) => {
                    for r in recs {
                        lines.push(format!(
                            "{}.  {}  IN  {}  {}",
                            r.name,
                            r.ttl,
                            r.data.rtype(),
                            r.data.presentation()
                        ));
                    }
                }
                Outcome::NoData => lines.push(format!(
                    "{} exists but has no {rtype} record (NODATA)",
                    answer.name
                )),
                Outcome::NxDomain => {
                    lines.push(format!("{} does not exist (NXDOMAIN)", answer.name))
                }
                other => lines.push(format!(
                    "no answer: {}{}",
                    other.kind(),
                    answer
                        .error
                        .as_deref()
                        .map(|e| format!(" ({e})"))
                        .unwrap_or_default()
                )),
            }
            data = serde_json::to_value(&*answer).unwrap_or_default();
        }
    }
    let outcome = check.done(format!("{name} {rtype}"));
    crate::report::Report::from_outcomes(
        format!("{name} {rtype}"),
        vec![outcome],
        crate::report::Stats {
            dns_queries: ctx.dns.queries_sent(),
            duration_ms: started.elapsed().as_millis() as u64,
        },
    )
    .with_data(data)
    .with_section("answer", lines)
}

#[cfg(test)]
mod plain_key_tests {
    use super::*;

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
    use super::*;

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
