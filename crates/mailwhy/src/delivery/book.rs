//! Delivery evidence for many addresses at once (`mailwhy batch --events`): one pass over the
//! files keeps, per distinct recipient, only the few events its conclusion can rest on (the
//! latest delivery, suppression, bounce/complaint/unsubscribe, outcome and acceptance, and the
//! first and last deferral), so memory follows the number of recipients, not of events. An
//! address's [`Timeline`] is then built from those events by the same rules as `mailwhy events`.
//! One difference, from keeping no history: a deferred address's "since" is its earliest
//! deferral only when no other outcome came after it, else its latest deferral.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::timeline::{Collector, Covered, Matcher, Timeline, Window};
use super::{Event, FileSummary, Kind, ReadOptions, SourceError, SourceFile};

/// The kept events of one recipient.
#[derive(Debug, Default, Clone)]
struct Kept {
    delivered: Option<Event>,
    suppression: Option<Event>,
    list_record: Option<Event>,
    cause: Option<Event>,
    outcome: Option<Event>,
    accepted: Option<Event>,
    first_deferral: Option<Event>,
}

fn keep_latest(slot: &mut Option<Event>, e: &Event) {
    if slot.as_ref().is_none_or(|s| e.time > s.time) {
        *slot = Some(e.clone());
    }
}

fn keep_earliest(slot: &mut Option<Event>, e: &Event) {
    if slot.as_ref().is_none_or(|s| e.time < s.time) {
        *slot = Some(e.clone());
    }
}

/// The kept events of every recipient read.
#[derive(Debug, Default)]
pub struct Book {
    by_address: HashMap<String, Kept>,
    first: Option<DateTime<Utc>>,
    last: Option<DateTime<Utc>>,
    read: u64,
    /// What each file gave.
    pub files: Vec<FileSummary>,
}

/// `local@domain` with the domain in lowercase: the key addresses match on.
fn key(address: &str) -> Option<String> {
    Matcher::new(address).map(|m| m.address())
}

impl Book {
    /// Reads every file once into a book.
    pub fn read(files: &[SourceFile], options: &ReadOptions) -> Result<Book, SourceError> {
        let mut book = Book::default();
        for f in files {
            let summary = f.read(options, &mut |e| book.push(e))?;
            book.files.push(summary);
        }
        Ok(book)
    }

    /// Takes one event.
    pub fn push(&mut self, e: Event) {
        self.read += 1;
        self.first = Some(self.first.map_or(e.time, |f| f.min(e.time)));
        self.last = Some(self.last.map_or(e.time, |l| l.max(e.time)));
        let Some(k) = key(&e.recipient) else {
            return;
        };
        let kept = self.by_address.entry(k).or_default();
        match e.kind {
            Kind::Delivered => keep_latest(&mut kept.delivered, &e),
            Kind::Suppressed if e.list_record => keep_earliest(&mut kept.list_record, &e),
            Kind::Suppressed => keep_latest(&mut kept.suppression, &e),
            Kind::Accepted => keep_latest(&mut kept.accepted, &e),
            Kind::Deferred => keep_earliest(&mut kept.first_deferral, &e),
            Kind::Bounced | Kind::Complained | Kind::Unsubscribed => {
                keep_latest(&mut kept.cause, &e)
            }
            _ => {}
        }
        if e.kind != Kind::Accepted && !e.list_record {
            keep_latest(&mut kept.outcome, &e);
        }
    }

    /// How many distinct recipients were seen.
    pub fn recipients(&self) -> usize {
        self.by_address.len()
    }

    /// `address`'s timeline from the kept events.
    pub fn timeline(&self, address: &str) -> Option<Timeline> {
        let matcher = Matcher::new(address)?;
        let mut c = Collector::new(matcher.clone(), Window::default());
        if let Some(k) = self.by_address.get(&matcher.address()) {
            let mut first_deferral = k.first_deferral.clone();
            // A deferral before another outcome does not start the pending run.
            if let (Some(d), Some(o)) = (&first_deferral, &k.outcome) {
                if o.kind != Kind::Deferred && o.time > d.time {
                    first_deferral = None;
                }
            }
            for e in [
                &k.delivered,
                &k.suppression,
                &k.list_record,
                &k.cause,
                &k.outcome,
                &k.accepted,
                &first_deferral,
            ]
            .into_iter()
            .flatten()
            {
                c.push(e.clone());
            }
        }
        let mut t = c.finish(vec![]);
        t.events_read = self.read;
        t.covered = self
            .first
            .zip(self.last)
            .map(|(first, last)| Covered { first, last });
        if t.events.is_empty() && self.read > 0 {
            // The address has no event while others have: the files cover it, nothing was sent.
            t.conclusion.state = super::timeline::State::NotSent;
            t.conclusion.why_unknown = None;
        }
        Some(t)
    }
}
