//! One address's delivery story: the events for it (matched on the exact local part and the
//! domain without regard to case), ordered by event time, never file order, with copies of one
//! event (a webhook and an export of it) kept once; each message's final state; and the state of
//! the address by the rules of the format reference, section 0 ([`State`]). A [`Collector`]
//! takes every event of every file as it is read and keeps only the address's (plus near misses
//! and the time the files cover), so memory follows the address's events, not the files'.

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Event, FileSummary, Kind};

/// The address, split for matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matcher {
    local: String,
    domain: String,
}

impl Matcher {
    /// None when `address` has no `@`.
    pub fn new(address: &str) -> Option<Matcher> {
        let address = super::unwrap_address(address);
        let (local, domain) = address.rsplit_once('@')?;
        (!local.is_empty() && !domain.is_empty()).then(|| Matcher {
            local: local.to_string(),
            domain: domain.to_ascii_lowercase(),
        })
    }

    /// The address as matched (domain in lowercase).
    pub fn address(&self) -> String {
        format!("{}@{}", self.local, self.domain)
    }

    /// The same address: local part exact, domain in any case.
    pub fn matches(&self, recipient: &str) -> bool {
        recipient
            .rsplit_once('@')
            .is_some_and(|(l, d)| l == self.local && d.eq_ignore_ascii_case(&self.domain))
    }

    /// Not the address, but close: the local part differing only in case or by up to two
    /// edits at the same domain, or the same local part at a domain up to two edits away.
    pub fn is_near(&self, recipient: &str) -> bool {
        let Some((l, d)) = recipient.rsplit_once('@') else {
            return false;
        };
        let same_domain = d.eq_ignore_ascii_case(&self.domain);
        if same_domain {
            l != self.local
                && (l.eq_ignore_ascii_case(&self.local)
                    || (l.len().abs_diff(self.local.len()) <= 2
                        && strsim::levenshtein(l, &self.local) <= 2))
        } else {
            l == self.local
                && d.len().abs_diff(self.domain.len()) <= 2
                && strsim::levenshtein(&d.to_ascii_lowercase(), &self.domain) <= 2
        }
    }
}

/// The period asked about (both ends inclusive; None: open).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Window {
    /// From.
    pub since: Option<DateTime<Utc>>,
    /// Up to.
    pub until: Option<DateTime<Utc>>,
}

impl Window {
    /// True when `t` lies in the window.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t <= u)
    }

    /// True when either end is given.
    pub fn is_set(&self) -> bool {
        self.since.is_some() || self.until.is_some()
    }
}

/// How many near matches are kept.
const MAX_NEAR: usize = 10;

/// Collects, from every event read, what one address's timeline needs.
#[derive(Debug)]
pub struct Collector {
    matcher: Matcher,
    window: Window,
    events: Vec<Event>,
    near: BTreeSet<String>,
    first: Option<DateTime<Utc>>,
    last: Option<DateTime<Utc>>,
    in_window: u64,
    total: u64,
}

impl Collector {
    /// A collector for `matcher`'s address over `window`.
    pub fn new(matcher: Matcher, window: Window) -> Collector {
        Collector {
            matcher,
            window,
            events: Vec::new(),
            near: BTreeSet::new(),
            first: None,
            last: None,
            in_window: 0,
            total: 0,
        }
    }

    /// Takes one event (of any recipient).
    pub fn push(&mut self, e: Event) {
        self.total += 1;
        self.first = Some(self.first.map_or(e.time, |f| f.min(e.time)));
        self.last = Some(self.last.map_or(e.time, |l| l.max(e.time)));
        let in_window = self.window.contains(e.time);
        self.in_window += u64::from(in_window);
        if self.matcher.matches(&e.recipient) {
            // A list record still holds after its time: only `until` bounds it.
            let keep =
                in_window || (e.list_record && self.window.until.is_none_or(|u| e.time <= u));
            if keep {
                self.events.push(e);
            }
        } else if self.near.len() < MAX_NEAR
            && !self.near.contains(&e.recipient)
            && self.matcher.is_near(&e.recipient)
        {
            self.near.insert(e.recipient);
        }
    }

    /// Counts events of other recipients that were not pushed (an indexed store reads only the
    /// address's own): `total` read, `in_window` of them in the period, and their time span.
    pub fn count_others(
        &mut self,
        total: u64,
        in_window: u64,
        first: Option<DateTime<Utc>>,
        last: Option<DateTime<Utc>>,
    ) {
        self.total += total;
        self.in_window += in_window;
        for t in first.into_iter().chain(last) {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
    }

    /// The timeline of what was collected, with the files' summaries.
    pub fn finish(self, files: Vec<FileSummary>) -> Timeline {
        let mut events = self.events;
        events.sort_by(|a, b| a.time.cmp(&b.time).then(a.kind.cmp(&b.kind)));
        let mut seen = HashSet::new();
        let mut duplicates = 0u64;
        events.retain(|e| {
            let fresh = seen.insert(e.dedup_key());
            duplicates += u64::from(!fresh);
            fresh
        });
        let events: Vec<TimelineEvent> = events
            .into_iter()
            .map(|event| TimelineEvent {
                bounce_reason: super::reason::of(&event).map(|r| r.name()),
                event,
            })
            .collect();
        let conclusion = conclude(&events, self.window, self.in_window, self.total);
        Timeline {
            address: self.matcher.address(),
            window: self.window,
            covered: self
                .first
                .zip(self.last)
                .map(|(first, last)| Covered { first, last }),
            events_read: self.total,
            duplicates,
            messages: messages(&events),
            conclusion,
            events,
            near_matches: self.near.into_iter().collect(),
            files,
        }
    }
}

/// The time span of every event read, of any recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Covered {
    /// The earliest event.
    pub first: DateTime<Utc>,
    /// The latest event.
    pub last: DateTime<Utc>,
}

/// An event of the timeline, with the bounce classifier's reason for refusals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineEvent {
    /// The event.
    #[serde(flatten)]
    pub event: Event,
    /// The bounce reason of its reply (`userunknown`, `mailboxfull` ...), for refusals and
    /// delays.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bounce_reason: Option<&'static str>,
}

/// One message's last word.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageState {
    /// The Message-ID, else the service's id of the message.
    pub message: String,
    /// Its subject, where any event gave it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// What happened last.
    pub state: Kind,
    /// When.
    pub at: DateTime<Utc>,
    /// How many events it has.
    pub events: usize,
}

/// The address's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// The receiver accepted the latest message (2xx).
    Delivered,
    /// The latest message bounced permanently.
    Bounced,
    /// The service refuses to send to the address (a suppression list).
    Suppressed,
    /// The latest message is being retried.
    Deferred,
    /// The service gave up on the latest message after temporary failures.
    Expired,
    /// The recipient reported a message as spam.
    Complained,
    /// The recipient unsubscribed.
    Unsubscribed,
    /// The files cover the period, but nothing was sent to the address (or the sending service
    /// refused the request before sending).
    NotSent,
    /// The files cannot tell: they do not cover the period, or hold no outcome.
    NoEvidence,
}

impl State {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Delivered => "delivered",
            State::Bounced => "bounced",
            State::Suppressed => "suppressed",
            State::Deferred => "deferred",
            State::Expired => "expired",
            State::Complained => "complained",
            State::Unsubscribed => "unsubscribed",
            State::NotSent => "not-sent",
            State::NoEvidence => "no-evidence-for-period",
        }
    }
}

/// What the events say about the address, and which of them say it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conclusion {
    /// The state.
    pub state: State,
    /// Since when (UTC): the deciding event's time; for `suppressed` the original bounce or
    /// complaint, else the list record; for `deferred` the first deferral of the pending run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<Utc>>,
    /// The index (in [`Timeline::events`]) of the event that decided it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<usize>,
    /// For `suppressed`: the index of the bounce or complaint that caused it, when the files
    /// have it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<usize>,
    /// For `deferred` and `expired`: the index of the first deferral of the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_deferral: Option<usize>,
    /// Why the files cannot tell, for `no-evidence-for-period`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why_unknown: Option<String>,
}

/// Everything known about one address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Timeline {
    /// The address (domain in lowercase).
    pub address: String,
    /// The period asked about.
    pub window: Window,
    /// The span of all events read (any recipient).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub covered: Option<Covered>,
    /// Events read, of every recipient.
    pub events_read: u64,
    /// Copies of the address's events dropped as duplicates.
    pub duplicates: u64,
    /// The address's events, oldest first.
    pub events: Vec<TimelineEvent>,
    /// Each message's last word, oldest first.
    pub messages: Vec<MessageState>,
    /// The address's state.
    pub conclusion: Conclusion,
    /// Other recipients close to the address (case, a typo).
    pub near_matches: Vec<String>,
    /// What each file gave.
    pub files: Vec<FileSummary>,
}

impl Timeline {
    /// The event at `i`.
    pub fn event(&self, i: Option<usize>) -> Option<&TimelineEvent> {
        i.and_then(|i| self.events.get(i))
    }
}

fn messages(events: &[TimelineEvent]) -> Vec<MessageState> {
    let mut out: Vec<MessageState> = Vec::new();
    for te in events {
        let e = &te.event;
        if e.list_record {
            continue;
        }
        let key = e
            .message_id
            .clone()
            .or_else(|| e.service_message_id.clone())
            .unwrap_or_else(|| "(no message id)".into());
        match out.iter_mut().find(|m| m.message == key) {
            Some(m) => {
                m.events += 1;
                // A later "accepted" (another attempt starting) does not hide an outcome.
                if e.kind != Kind::Accepted || m.state == Kind::Accepted {
                    m.state = e.kind;
                    m.at = e.time;
                }
                if m.subject.is_none() {
                    m.subject = e.subject.clone();
                }
            }
            None => out.push(MessageState {
                message: key,
                subject: e.subject.clone(),
                state: e.kind,
                at: e.time,
                events: 1,
            }),
        }
    }
    out.sort_by_key(|m| m.at);
    out
}

fn conclude(events: &[TimelineEvent], window: Window, in_window: u64, total: u64) -> Conclusion {
    let none = |state, why: Option<String>| Conclusion {
        state,
        since: None,
        decided_by: None,
        cause: None,
        first_deferral: None,
        why_unknown: why,
    };
    let kind = |i: usize| events[i].event.kind;
    if events.is_empty() {
        return if total == 0 {
            none(
                State::NoEvidence,
                Some("the files hold no delivery events at all".into()),
            )
        } else if window.is_set() && in_window == 0 {
            none(
                State::NoEvidence,
                Some("no event in the files falls in the period asked about".into()),
            )
        } else {
            none(State::NotSent, None)
        };
    }
    let last_delivered = (0..events.len())
        .rev()
        .find(|&i| kind(i) == Kind::Delivered);
    let after_delivery = |i: usize| last_delivered.is_none_or(|d| i > d);
    // Explicit suppression evidence wins unless a delivery came later.
    let suppressions: Vec<usize> = (0..events.len())
        .filter(|&i| kind(i) == Kind::Suppressed && after_delivery(i))
        .collect();
    if let (Some(&first), Some(&latest)) = (suppressions.first(), suppressions.last()) {
        let cause = (0..=first).rev().find(|&i| {
            after_delivery(i)
                && matches!(
                    kind(i),
                    Kind::Bounced | Kind::Complained | Kind::Unsubscribed
                )
        });
        let list_record = suppressions
            .iter()
            .copied()
            .find(|&i| events[i].event.list_record);
        let since = cause.or(list_record).unwrap_or(first);
        return Conclusion {
            state: State::Suppressed,
            since: Some(events[since].event.time),
            decided_by: Some(list_record.filter(|_| cause.is_none()).unwrap_or(latest)),
            cause,
            first_deferral: None,
            why_unknown: None,
        };
    }
    let Some(last) = (0..events.len()).rev().find(|&i| kind(i) != Kind::Accepted) else {
        let i = events.len() - 1;
        return Conclusion {
            decided_by: Some(i),
            since: Some(events[i].event.time),
            ..none(
                State::NoEvidence,
                Some(
                    "the service accepted the message, and the files hold no outcome after that"
                        .into(),
                ),
            )
        };
    };
    let first_of_run = |end: usize| {
        let mut first = None;
        for i in (0..=end).rev() {
            match kind(i) {
                Kind::Deferred => first = Some(i),
                Kind::Accepted => {}
                Kind::Expired if i == end => {}
                _ => break,
            }
        }
        first
    };
    let (state, since, first_deferral) = match kind(last) {
        Kind::Delivered => (State::Delivered, last, None),
        Kind::Bounced => (State::Bounced, last, None),
        Kind::Deferred => {
            let first = first_of_run(last).unwrap_or(last);
            (State::Deferred, first, Some(first))
        }
        Kind::Expired => (State::Expired, last, first_of_run(last)),
        Kind::Complained => (State::Complained, last, None),
        Kind::Unsubscribed => (State::Unsubscribed, last, None),
        Kind::Rejected => (State::NotSent, last, None),
        Kind::Suppressed | Kind::Accepted => unreachable!("handled above"),
    };
    Conclusion {
        state,
        since: Some(events[since].event.time),
        decided_by: Some(last),
        cause: None,
        first_deferral,
        why_unknown: None,
    }
}
