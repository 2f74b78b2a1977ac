//! The delivery event store: events read once by the [`crate::delivery`] readers and kept in an
//! embedded SQLite database (`sqlite:PATH`), indexed by recipient and time, so that one
//! address's timeline is an index lookup however many events are stored.
//!
//! Importing is idempotent: each event is keyed by [`Event::dedup_key`] (the source's event id
//! with the recipient and kind, or what the event says where the source has no id), and a key
//! already stored is skipped, so re-importing a file or an overlapping export adds nothing.
//! Suppression-list records do not go into the events: they update a per-address suppression
//! table (added, removed, reason, source). A file that holds records of one service's list is
//! taken as that list's whole export: an address the table holds as suppressed on that list and
//! absent from the file is marked removed, and a removed suppression is no longer reported.
//! A CSV export without a `list` column counts as the service's one unnamed list.
//! The database runs in WAL mode so that `serve` reads while an import writes.
//!
//! Only SQLite is implemented; a `postgres://` URL is refused with a message saying so.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::delivery::timeline::{Collector, Matcher, Timeline};
use crate::delivery::{
    Event, EventQuery, EventSource, FileSummary, Kind, Location, ReadOptions, Reply, Service,
    SourceError, SourceFile,
};

/// Why the store could not be opened or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The URL names no engine this build has.
    #[error("{0:?} is not a store URL this build supports (expected sqlite:PATH)")]
    Url(String),
    /// The database failed.
    #[error("{path}: {message}")]
    Database {
        /// The database file.
        path: String,
        /// What failed.
        message: String,
    },
    /// An input file could not be read.
    #[error("{0}")]
    Source(#[from] SourceError),
}

/// What one import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportSummary {
    /// Per file, what reading it gave.
    pub files: Vec<FileSummary>,
    /// Events read.
    pub events_read: u64,
    /// Events newly stored.
    pub events_added: u64,
    /// Events already stored (skipped).
    pub events_known: u64,
    /// Suppressions newly added (or re-added after a removal).
    pub suppressions_added: u64,
    /// Suppressions marked removed (absent from a later export of their list).
    pub suppressions_removed: u64,
}

/// An SQLite event store.
#[derive(Clone)]
pub struct SqliteStore {
    path: PathBuf,
    conn: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish()
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
    dedup TEXT PRIMARY KEY,
    recipient_key TEXT NOT NULL,
    time_ns INTEGER NOT NULL,
    recipient TEXT NOT NULL,
    kind TEXT NOT NULL,
    service TEXT NOT NULL,
    message_id TEXT,
    service_message_id TEXT,
    subject TEXT,
    reply_code INTEGER,
    reply_status TEXT,
    reply_text TEXT,
    mx_host TEXT,
    attempt INTEGER,
    reason TEXT,
    event_id TEXT,
    file TEXT NOT NULL,
    line INTEGER,
    record INTEGER
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS events_recipient_time ON events (recipient_key, time_ns);
CREATE INDEX IF NOT EXISTS events_time ON events (time_ns);
CREATE TABLE IF NOT EXISTS suppressions (
    recipient_key TEXT NOT NULL,
    service TEXT NOT NULL,
    list TEXT NOT NULL,
    recipient TEXT NOT NULL,
    added_ns INTEGER NOT NULL,
    removed_ns INTEGER,
    reason TEXT,
    reply_text TEXT,
    source TEXT NOT NULL,
    PRIMARY KEY (recipient_key, service, list)
) WITHOUT ROWID;
-- Counting a million rows takes SQLite a scan; the timeline needs the total on every lookup.
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT OR IGNORE INTO counters (name, value) SELECT 'events', count(*) FROM events;
";

/// The key an address is stored and looked up under: local part exact, domain in lower case
/// (what [`Matcher`] compares).
fn key_of(address: &str) -> Option<String> {
    Matcher::new(address).map(|m| m.address())
}

fn kind_from(s: &str) -> Option<Kind> {
    Some(match s {
        "accepted" => Kind::Accepted,
        "delivered" => Kind::Delivered,
        "deferred" => Kind::Deferred,
        "bounced" => Kind::Bounced,
        "suppressed" => Kind::Suppressed,
        "complained" => Kind::Complained,
        "unsubscribed" => Kind::Unsubscribed,
        "expired" => Kind::Expired,
        "rejected" => Kind::Rejected,
        _ => return None,
    })
}

/// A time as stored, clamped to the range nanoseconds cover.
fn ns(t: DateTime<Utc>) -> i64 {
    t.timestamp_nanos_opt().unwrap_or(if t.timestamp() < 0 {
        i64::MIN
    } else {
        i64::MAX
    })
}

/// Times are stored in nanoseconds (1677 to 2262): some sources give them, and the timeline
/// orders events by them.
fn time_of(ns: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(ns)
}

impl SqliteStore {
    /// Opens (creating) the store a `sqlite:PATH` URL names.
    pub fn open_url(url: &str) -> Result<SqliteStore, StoreError> {
        match url.strip_prefix("sqlite:") {
            Some(p) if !p.is_empty() => SqliteStore::open(Path::new(p)),
            _ => Err(StoreError::Url(crate::sanitize::line(url).into_owned())),
        }
    }

    /// Opens (creating) the store at `path`, in WAL mode, with its schema.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let db = |e: rusqlite::Error| StoreError::Database {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        let conn = Connection::open(path).map_err(db)?;
        // WAL: readers (serve) see the last committed import while an import writes.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(db)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(db)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(db)?;
        conn.execute_batch(SCHEMA).map_err(db)?;
        Ok(SqliteStore {
            path: path.to_path_buf(),
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    fn db(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        move |e| StoreError::Database {
            path: self.path.display().to_string(),
            message: e.to_string(),
        }
    }

    /// Reads `files` and stores their events; one transaction per file, so an import stopped
    /// half-way leaves whole files stored and running it again completes it.
    pub fn import(
        &self,
        files: &[SourceFile],
        options: &ReadOptions,
        now: DateTime<Utc>,
    ) -> Result<ImportSummary, StoreError> {
        let mut out = ImportSummary::default();
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        for f in files {
            let tx = conn.transaction().map_err(self.db())?;
            let mut lists: HashMap<(String, String), BTreeSet<String>> = HashMap::new();
            let mut failed: Option<rusqlite::Error> = None;
            let added_here: u64;
            let summary = {
                let mut insert = tx
                    .prepare_cached(
                        "INSERT OR IGNORE INTO events (dedup, recipient_key, time_ns, recipient, kind, service, message_id, service_message_id, subject, reply_code, reply_status, reply_text, mx_host, attempt, reason, event_id, file, line, record) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
                    )
                    .map_err(self.db())?;
                let mut suppress = tx
                    .prepare_cached(
                        "INSERT INTO suppressions (recipient_key, service, list, recipient, added_ns, removed_ns, reason, reply_text, source) VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6, ?7, ?8)
                         ON CONFLICT (recipient_key, service, list) DO UPDATE SET removed_ns = NULL, added_ns = CASE WHEN removed_ns IS NULL THEN added_ns ELSE excluded.added_ns END, reason = excluded.reason, reply_text = excluded.reply_text, source = CASE WHEN removed_ns IS NULL THEN source ELSE excluded.source END",
                    )
                    .map_err(self.db())?;
                let mut state = tx
                    .prepare_cached("SELECT removed_ns FROM suppressions WHERE recipient_key = ?1 AND service = ?2 AND list = ?3")
                    .map_err(self.db())?;
                let mut added = 0u64;
                let mut known = 0u64;
                let mut s_added = 0u64;
                let s = f.read(options, &mut |e: Event| {
                    if failed.is_some() {
                        return;
                    }
                    let Some(key) = key_of(&e.recipient) else {
                        return;
                    };
                    if e.list_record {
                        // A CSV export without a list column is named after its file by the
                        // reader; in the store it is the service's one unnamed list, so that
                        // the next export (another file name) replaces it.
                        let list = match e.list.as_deref() {
                            Some(l) if !l.starts_with("suppression export ") => l.to_string(),
                            _ => String::new(),
                        };
                        lists
                            .entry((e.service.as_str().to_string(), list.clone()))
                            .or_default()
                            .insert(key.clone());
                        // None: not on the list; Some(None): on it; Some(Some(t)): removed at t.
                        let before = state
                            .query_row(params![key, e.service.as_str(), list], |r| {
                                r.get::<_, Option<i64>>(0)
                            })
                            .optional();
                        let r = before.and_then(|before| {
                            suppress
                                .execute(params![
                                    key,
                                    e.service.as_str(),
                                    list,
                                    e.recipient,
                                    ns(e.time),
                                    e.reason,
                                    e.reply.text,
                                    e.location.file.as_ref(),
                                ])
                                .map(|_| before)
                        });
                        match r {
                            Ok(None) | Ok(Some(Some(_))) => s_added += 1,
                            Ok(Some(None)) => {}
                            Err(err) => failed = Some(err),
                        }
                        return;
                    }
                    let r = insert.execute(params![
                        e.dedup_key(),
                        key,
                        ns(e.time),
                        e.recipient,
                        e.kind.as_str(),
                        e.service.as_str(),
                        e.message_id,
                        e.service_message_id,
                        e.subject,
                        e.reply.code,
                        e.reply.status,
                        e.reply.text,
                        e.mx_host,
                        e.attempt,
                        e.reason,
                        e.event_id,
                        e.location.file.as_ref(),
                        e.location.line.map(|l| l as i64),
                        e.location.record.map(|l| l as i64),
                    ]);
                    match r {
                        Ok(1) => added += 1,
                        Ok(_) => known += 1,
                        Err(err) => failed = Some(err),
                    }
                });
                added_here = added;
                out.events_added += added;
                out.events_known += known;
                out.suppressions_added += s_added;
                s
            };
            let summary = summary?;
            if let Some(e) = failed {
                return Err(self.db()(e));
            }
            // A file with a list's records is that list's whole export: the addresses it no
            // longer holds were removed from the list.
            for ((service, list), present) in &lists {
                let mut stmt = tx
                    .prepare_cached("SELECT recipient_key FROM suppressions WHERE service = ?1 AND list = ?2 AND removed_ns IS NULL")
                    .map_err(self.db())?;
                let active: Vec<String> = stmt
                    .query_map(params![service, list], |r| r.get(0))
                    .map_err(self.db())?
                    .collect::<Result<_, _>>()
                    .map_err(self.db())?;
                let mut remove = tx
                    .prepare_cached("UPDATE suppressions SET removed_ns = ?1, source = ?2 WHERE recipient_key = ?3 AND service = ?4 AND list = ?5")
                    .map_err(self.db())?;
                for k in active.iter().filter(|k| !present.contains(*k)) {
                    remove
                        .execute(params![ns(now), summary.file, k, service, list])
                        .map_err(self.db())?;
                    out.suppressions_removed += 1;
                }
            }
            tx.execute(
                "UPDATE counters SET value = value + ?1 WHERE name = 'events'",
                params![added_here as i64],
            )
            .map_err(self.db())?;
            tx.commit().map_err(self.db())?;
            out.events_read += summary.events;
            out.files.push(summary);
        }
        Ok(out)
    }

    /// Deletes the events older than `before` (suppressions stay: they hold until removed).
    pub fn prune(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn.transaction().map_err(self.db())?;
        let n = tx
            .execute("DELETE FROM events WHERE time_ns < ?1", params![ns(before)])
            .map_err(self.db())?;
        tx.execute(
            "UPDATE counters SET value = value - ?1 WHERE name = 'events'",
            params![n as i64],
        )
        .map_err(self.db())?;
        tx.commit().map_err(self.db())?;
        Ok(n as u64)
    }

    /// The timeline of `query`'s address from the store: its events over the period (an index
    /// range on (recipient, time)) and its active suppressions.
    pub fn timeline_blocking(&self, query: &EventQuery) -> Result<Timeline, SourceError> {
        let matcher = Matcher::new(&query.address)
            .ok_or_else(|| SourceError::BadAddress(query.address.clone()))?;
        let unavailable = |e: rusqlite::Error| {
            SourceError::Unavailable(format!("the event store {}: {e}", self.path.display()))
        };
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let key = matcher.address();
        let (total, first, last): (i64, Option<i64>, Option<i64>) = conn
            .query_row(
                "SELECT (SELECT value FROM counters WHERE name = 'events'), (SELECT min(time_ns) FROM events), (SELECT max(time_ns) FROM events)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .map_err(unavailable)?;
        let since = query.window.since.map_or(i64::MIN, ns);
        let until = query.window.until.map_or(i64::MAX, ns);
        let in_window: i64 = if query.window.is_set() {
            conn.query_row(
                "SELECT count(*) FROM events WHERE time_ns BETWEEN ?1 AND ?2",
                params![since, until],
                |r| r.get(0),
            )
            .map_err(unavailable)?
        } else {
            total
        };
        let mut collector = Collector::new(matcher, query.window);
        let file: Arc<str> = Arc::from(format!("sqlite:{}", self.path.display()));
        let mut stmt = conn
            .prepare_cached(
                "SELECT time_ns, recipient, kind, service, message_id, service_message_id, subject, reply_code, reply_status, reply_text, mx_host, attempt, reason, event_id, file, line, record
                 FROM events WHERE recipient_key = ?1 AND time_ns BETWEEN ?2 AND ?3 ORDER BY time_ns",
            )
            .map_err(unavailable)?;
        let rows = stmt
            .query_map(params![key, since, until], |r| {
                let kind: String = r.get(2)?;
                let service: String = r.get(3)?;
                let file: String = r.get(14)?;
                let mut e = Event::new(
                    time_of(r.get(0)?),
                    r.get::<_, String>(1)?,
                    kind_from(&kind).unwrap_or(Kind::Accepted),
                    Service::from_name(&service).unwrap_or(Service::Sendgrid),
                    Location {
                        file: Arc::from(file),
                        line: r.get::<_, Option<i64>>(15)?.map(|l| l as u64),
                        record: r.get::<_, Option<i64>>(16)?.map(|l| l as u64),
                    },
                );
                e.message_id = r.get(4)?;
                e.service_message_id = r.get(5)?;
                e.subject = r.get(6)?;
                e.reply = Reply {
                    code: r.get(7)?,
                    status: r.get(8)?,
                    text: r.get(9)?,
                };
                e.mx_host = r.get(10)?;
                e.attempt = r.get(11)?;
                e.reason = r.get(12)?;
                e.event_id = r.get(13)?;
                Ok(e)
            })
            .map_err(unavailable)?;
        let mut matched = 0i64;
        for e in rows {
            let e = e.map_err(unavailable)?;
            matched += 1;
            collector.push(e);
        }
        let mut stmt = conn
            .prepare_cached(
                "SELECT recipient, service, list, added_ns, reason, reply_text, source FROM suppressions WHERE recipient_key = ?1 AND removed_ns IS NULL",
            )
            .map_err(unavailable)?;
        let rows = stmt
            .query_map(params![key], |r| {
                let service: String = r.get(1)?;
                let source: String = r.get(6)?;
                let mut e = Event::new(
                    time_of(r.get(3)?),
                    r.get::<_, String>(0)?,
                    Kind::Suppressed,
                    Service::from_name(&service).unwrap_or(Service::Sendgrid),
                    Location {
                        file: Arc::from(source),
                        line: None,
                        record: None,
                    },
                );
                let list: String = r.get(2)?;
                e.list = (!list.is_empty()).then_some(list);
                e.reason = r.get(4)?;
                e.reply = Reply {
                    text: r.get(5)?,
                    ..Reply::default()
                };
                e.list_record = true;
                Ok(e)
            })
            .map_err(unavailable)?;
        for e in rows {
            collector.push(e.map_err(unavailable)?);
        }
        // The other recipients' events count towards what the store covers, as a file's do.
        collector.count_others(
            (total - matched).max(0) as u64,
            (in_window - matched).max(0) as u64,
            first.map(time_of),
            last.map(time_of),
        );
        let summary = FileSummary {
            file: file.to_string(),
            events: total as u64,
            records: total as u64,
            ..FileSummary::default()
        };
        Ok(collector.finish(vec![summary]))
    }

    /// Events and active suppressions stored.
    pub fn counts(&self) -> Result<(u64, u64), StoreError> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        conn.query_row(
            "SELECT (SELECT value FROM counters WHERE name = 'events'), (SELECT count(*) FROM suppressions WHERE removed_ns IS NULL)",
            [],
            |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)),
        )
        .optional()
        .map_err(self.db())
        .map(|o| o.unwrap_or_default())
    }
}

#[async_trait::async_trait]
impl EventSource for SqliteStore {
    async fn timeline(&self, query: &EventQuery) -> Result<Timeline, SourceError> {
        let me = self.clone();
        let query = query.clone();
        tokio::task::spawn_blocking(move || me.timeline_blocking(&query))
            .await
            .map_err(|e| SourceError::Unavailable(format!("the store task failed: {e}")))?
    }
}
