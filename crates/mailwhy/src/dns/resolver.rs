//! The resolver: [`Dns`], the one handle every check asks through, with its settings
//! ([`DnsConfig`], [`Upstream`]), counters and query log, timeouts and the overall deadline; and
//! the conversion of hickory's answers and errors into [`super::Outcome`]s.
//!
//! This is the only module that talks to hickory's resolver. What it keeps between questions is
//! in [`super::cache`]; what an answer looks like is [`super::answer`]'s.

use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use futures::future::FutureExt;
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{Name, RData};
use hickory_resolver::TokioResolver;
use serde::Serialize;

use super::cache::{plain_key, Cache, Key, Lookup, Slot};
use super::name::display_name;
use super::{normalize_name, Answer, Data, InvalidName, Outcome, Rec, RecordType};

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
    /// The longest one workflow run (one diagnosis, one request, one batch row) may spend on
    /// DNS, counted from the start of that run; its questions after it answer `Timeout`.
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

/// The DNS layer shared by every check of a run: cheap to clone, safe to share.
#[derive(Clone)]
pub struct Dns {
    inner: Arc<Inner>,
    /// Set on a handle from [`Dns::watched`] only; every other handle pays one branch.
    watch: Option<Arc<ExpiryWatch>>,
    /// Set on a handle from [`Dns::counted`] only: the queries this handle's questions sent.
    counter: Option<Arc<AtomicU64>>,
    /// Set on a handle from [`Dns::counted`] only: the end of its run's overall DNS time. It
    /// lives on the run's handle, not on the layer, because the layer outlives every run (a
    /// server's lasts for its uptime, and a deadline fixed when it was built ran out 30 s later
    /// for every request after).
    deadline: Option<Instant>,
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
    /// The time each run gets (see [`DnsConfig::overall_timeout`]); its deadline is set when
    /// the run's handle is made.
    overall_timeout: Option<Duration>,
    /// The resolvers asked, for the report (see [`Dns::resolvers`]).
    resolvers: Vec<String>,
    /// See [`Dns::is_closed_world`].
    closed_world: bool,
    /// See [`Dns::canary_label`].
    canary: String,
}

/// `mailwhy-canary-` and 16 random hex digits (from the standard library's per-process random
/// hash keys: no extra dependency for one number).
fn canary_label() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(std::process::id().into());
    format!("mailwhy-canary-{:016x}", h.finish())
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

/// The query log keeps at most this many entries.
const QUERY_LOG_CAP: usize = 10_000;
/// Negative answers and failures are kept this long at most.
const NEGATIVE_TTL_CAP: u32 = 300;
/// Temporary failures are kept briefly, so that one run does not hammer a broken server but a
/// long-running server retries soon.
const FAILURE_TTL: Duration = Duration::from_secs(5);

/// The TLS settings handed to hickory: no trusted roots, since mailwhy never uses DNS over TLS.
fn no_dot_tls_config() -> Result<rustls::ClientConfig, ResolverSetupError> {
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ResolverSetupError(e.to_string()))?
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth())
}

impl Dns {
    /// A DNS layer with these settings. Must be called inside a tokio runtime.
    pub fn new(config: &DnsConfig) -> Result<Dns, ResolverSetupError> {
        let provider = TokioRuntimeProvider::default();
        let resolvers: Vec<String>;
        let mut builder = match &config.upstream {
            Upstream::System => {
                // Read the system configuration here rather than through
                // `TokioResolver::builder`, to keep the servers' addresses for the report.
                let (conf, opts) = hickory_resolver::system_conf::read_system_conf()
                    .map_err(|e| ResolverSetupError(e.to_string()))?;
                resolvers = conf
                    .name_servers()
                    .iter()
                    .map(|ns| ns.ip.to_string())
                    .collect();
                let mut b = TokioResolver::builder_with_config(conf, provider);
                *b.options_mut() = opts;
                b
            }
            Upstream::Servers(addrs) => {
                resolvers = addrs.iter().map(|a| a.to_string()).collect();
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
        // mail-auth's `ring` feature turns on hickory's DNS-over-TLS support, and hickory then
        // loads the whole system CA store while building the resolver (about 5 ms, most of a
        // cold `mailwhy address`). mailwhy only speaks plain DNS over UDP/TCP, so an empty
        // root store is given instead: nothing is read, and any DoT connection would fail
        // verification rather than trust something by accident.
        builder = builder.with_tls_config(no_dot_tls_config()?);
        let resolver = builder
            .build()
            .map_err(|e| ResolverSetupError(e.to_string()))?;
        Ok(Dns {
            watch: None,
            counter: None,
            deadline: None,
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
                overall_timeout: config.overall_timeout,
                resolvers,
                closed_world: false,
                canary: canary_label(),
            }),
        })
    }

    /// A layer over zone files served on purpose (the zone server behind `--dns-zones`, a
    /// test's): its zones are the whole world by design, so a name outside them not existing
    /// says nothing about the resolver ([`Dns::is_closed_world`]).
    pub fn closed_world(config: &DnsConfig) -> Result<Dns, ResolverSetupError> {
        let mut dns = Dns::new(config)?;
        if let Some(inner) = Arc::get_mut(&mut dns.inner) {
            inner.closed_world = true;
        }
        Ok(dns)
    }

    /// The resolvers asked (`IP` or `IP:port`), in the order they are tried: what a report
    /// names, so that an answer can be traced to who gave it.
    pub fn resolvers(&self) -> &[String] {
        &self.inner.resolvers
    }

    /// True when the layer resolves from zone files given on purpose (`--dns-zones`) rather
    /// than from a real resolver: there is nothing to distrust.
    pub fn is_closed_world(&self) -> bool {
        self.inner.closed_world
    }

    /// A label no real zone has, the same for the life of the layer (so that the answer about
    /// it is cached like any other): a name under it must not exist, and a resolver that says
    /// it does invents answers.
    pub fn canary_label(&self) -> &str {
        &self.inner.canary
    }

    /// Asks one question. Identical questions in flight at the same time share one query, and
    /// answers are reused until their TTL runs out.
    pub async fn query(&self, name: &str, rtype: RecordType) -> Result<Arc<Answer>, InvalidName> {
        self.inner.asked.fetch_add(1, Ordering::Relaxed);
        if let Some(answer) = self.cached(name, rtype, Instant::now()) {
            return Ok(answer);
        }
        self.query_missed(name, rtype).await
    }

    /// The cache hit path alone, synchronous and counting nothing: the answer to `name`
    /// `rtype` when the cache holds one still valid at `now`. A caller that asks many questions
    /// in a burst (an SPF evaluation) reads the clock once for all of them, tries this first,
    /// falls back to [`Dns::query_missed`], and adds its questions to the count in one go
    /// ([`Dns::add_asked`]): a hit then costs the lock and one reference count.
    pub(crate) fn cached(
        &self,
        name: &str,
        rtype: RecordType,
        now: Instant,
    ) -> Option<Arc<Answer>> {
        // Look the name up as written, without validating it or building a key.
        let lookup = Lookup {
            name: name.strip_suffix('.').unwrap_or(name),
            rtype,
        };
        let cache = self.inner.cache.lock().expect("dns cache lock");
        match cache.map.get(&lookup) {
            Some(Slot::Ready(answer)) if answer.expires > now => {
                let answer = answer.clone();
                drop(cache);
                Some(self.noted(answer))
            }
            _ => None,
        }
    }

    /// Counts `n` questions answered by [`Dns::cached`].
    pub(crate) fn add_asked(&self, n: u64) {
        if n > 0 {
            self.inner.asked.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// [`Dns::query`] after its cache lookup missed; the question is not counted here (the
    /// caller counts it, with [`Dns::add_asked`] when it used [`Dns::cached`]). The cache
    /// is looked at again under the canonical key, so any spelling of a cached name is a hit.
    pub(crate) async fn query_missed(
        &self,
        name: &str,
        rtype: RecordType,
    ) -> Result<Arc<Answer>, InvalidName> {
        let (key, mut fqdn) = match plain_key(name) {
            Some(k) => (Key { name: k, rtype }, None),
            None => {
                let n = normalize_name(name)?;
                let mut k = n.to_ascii().to_ascii_lowercase();
                k.pop(); // the trailing dot of the fully qualified name
                (Key { name: k, rtype }, Some(n))
            }
        };
        // A run past its deadline sends nothing more; its timeout is its own and is not cached,
        // or the next run would read this run's deadline as the server's answer.
        if self.deadline.is_some_and(|d| d <= Instant::now()) {
            let fqdn = match fqdn.take() {
                Some(n) => n,
                None => normalize_name(name)?,
            };
            return Ok(self.noted(past_deadline(&self.inner, &fqdn, rtype)));
        }
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
        // The query is shared with other runs and keeps its own time limit; only this run's
        // wait for it ends at this run's deadline (a later asker drives it on).
        let answer = match self.deadline {
            None => pending.await,
            Some(d) => match tokio::time::timeout_at(d.into(), pending).await {
                Ok(a) => a,
                Err(_) => {
                    let fqdn = normalize_name(name)?;
                    return Ok(self.noted(past_deadline(&self.inner, &fqdn, rtype)));
                }
            },
        };
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
                deadline: self.deadline,
            },
            w,
        )
    }

    /// The handle of one workflow run, on the same layer and cache. It counts the queries its
    /// own questions send, for the `dns_queries` of one report: the layer's total counts every
    /// request a server answers at once, this counts one. A question answered from the cache,
    /// or joined to a query another handle already sent, counts nothing here. And its run's
    /// overall DNS time ([`DnsConfig::overall_timeout`]) starts now (a run started inside
    /// another keeps the outer run's deadline when that comes first).
    pub(crate) fn counted(&self) -> (Dns, QueryCounter) {
        let c = Arc::new(AtomicU64::new(0));
        let own = self.inner.overall_timeout.map(|t| Instant::now() + t);
        let deadline = match (self.deadline, own) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        (
            Dns {
                inner: self.inner.clone(),
                watch: self.watch.clone(),
                counter: Some(c.clone()),
                deadline,
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

async fn run_query(
    inner: Arc<Inner>,
    name: Name,
    rtype: RecordType,
    counter: Option<Arc<AtomicU64>>,
) -> Arc<Answer> {
    let started = Instant::now();
    let limit = started + inner.query_timeout;
    inner.sent.fetch_add(1, Ordering::Relaxed);
    if let Some(c) = &counter {
        c.fetch_add(1, Ordering::Relaxed);
    }
    let lookup = inner.resolver.lookup(name.clone(), rtype);
    let (outcome, ttl, error) = match tokio::time::timeout_at(limit.into(), lookup).await {
        Err(_) => (Outcome::Timeout, None, Some("no answer in time".into())),
        Ok(Ok(lookup)) => {
            let mut recs: Vec<Rec> = lookup.answers().iter().map(convert_record).collect();
            super::answer::canonical_order(&mut recs);
            let ttl = recs.iter().map(|r| r.ttl).min();
            if recs.is_empty() {
                (Outcome::NoData, Some(0), None)
            } else {
                (Outcome::Records(recs), ttl, None)
            }
        }
        Ok(Err(e)) => classify_error(e),
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
    log_answer(&inner, &answer);
    Arc::new(answer)
}

/// The answer of a question asked after its run's deadline: a timeout of that run alone,
/// never put in the shared cache (it says nothing about the server).
fn past_deadline(inner: &Inner, name: &Name, rtype: RecordType) -> Arc<Answer> {
    let answer = Answer {
        name: display_name(name),
        rtype,
        outcome: Outcome::Timeout,
        elapsed: Duration::ZERO,
        // Already expired: nothing may reuse it.
        expires: Instant::now(),
        error: Some("overall DNS deadline passed".to_string()),
        derived: OnceLock::new(),
    };
    log_answer(inner, &answer);
    Arc::new(answer)
}

fn log_answer(inner: &Inner, answer: &Answer) {
    let rtype = answer.rtype;
    let elapsed = answer.elapsed;
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
