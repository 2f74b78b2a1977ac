//! The product's user directory: loading exports (CSV, JSON), the [`UserDirectory`] trait an
//! embedding service implements over its own database, and the account checks (`user.*`).
//!
//! The rules come from the help-center articles: a per-user "send messages to this user" switch;
//! statuses active / inactive / invited / not invited; unaccepted invitations are followed by
//! reminders on a schedule (3, 7, 14 days by default) and then nothing until someone re-invites;
//! collaborators reach the admin who can change their account only through the project team.

mod load;
mod split;

use std::collections::HashMap;
use std::time::SystemTime;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;

use crate::check::CheckOutcome;
use crate::finding::FindingId;
use crate::finding::{Finding, Severity};
pub use load::{
    count_csv_rows, load_file, parse_csv, parse_json, parse_json_bytes, parse_time, stream_csv,
    ColumnMap, CsvRows, LoadedDirectory, RowProblem,
};

/// Account status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The user accepted the invitation and can sign in.
    Active,
    /// The account was deactivated.
    Inactive,
    /// Invited, not accepted yet.
    Invited,
    /// In the directory, never invited.
    NotInvited,
}

impl Status {
    /// The status in words, as the product shows it ("not invited"); JSON keeps the kebab-case
    /// value.
    pub fn words(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Inactive => "inactive",
            Status::Invited => "invited",
            Status::NotInvited => "not invited",
        }
    }
}

/// One account of the directory.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    /// Line of the export it came from (0 when it came from elsewhere).
    pub line: usize,
    /// The address as stored.
    pub email: String,
    /// Display name.
    pub name: Option<String>,
    /// Account status.
    pub status: Status,
    /// The "send messages to this user" switch.
    pub send_messages: bool,
    /// When the first invitation went out.
    pub invited_at: Option<DateTime<Utc>>,
    /// When the latest (re-)invitation went out.
    pub last_invited_at: Option<DateTime<Utc>>,
    /// Last sign-in.
    pub last_login_at: Option<DateTime<Utc>>,
    /// `employee`, `collaborator`, ... as the export says.
    pub relationship: Option<String>,
}

impl User {
    /// True for external collaborators (subcontractors, vendors, partners, guests).
    pub fn is_collaborator(&self) -> bool {
        self.relationship.as_deref().is_some_and(|r| {
            let r = r.to_ascii_lowercase();
            [
                "collaborator",
                "external",
                "subcontractor",
                "vendor",
                "partner",
                "guest",
                "contractor",
            ]
            .iter()
            .any(|k| r.contains(k))
        })
    }
}

/// Answers "which accounts have this address" for the checks. The file loader implements it; an
/// embedding service implements it over its own database.
///
/// A lookup that fails returns a [`DirectoryError`]: the `directory` check then says it could
/// not tell (an inconclusive check naming the error), never that the person has no account.
#[async_trait::async_trait]
pub trait UserDirectory: Send + Sync {
    /// Accounts whose address equals `email` case-insensitively.
    async fn find(&self, email: &str) -> Result<Vec<User>, DirectoryError>;
    /// Accounts with addresses close to `email` (for `user.not-found`), best first, at most `max`.
    async fn near_matches(&self, email: &str, max: usize)
        -> Result<Vec<NearMatch>, DirectoryError>;
}

/// Why a [`UserDirectory`] could not answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DirectoryError {
    /// The directory did not answer in time.
    #[error("the user directory did not answer in time")]
    Timeout,
    /// The directory could not be reached, or it refused or failed the lookup; the source says
    /// why (a database error, a closed connection).
    #[error("the user directory could not be asked: {0}")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// An address close to the one asked for, and how it is close.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NearMatch {
    /// The address in the directory.
    pub email: String,
    /// Why it is close: `gmail-dots-or-tag`, `plus-tag`, `same-local-part`, `edit-distance-1` ...
    pub why: String,
}

/// An in-memory directory (from a file export), indexed for lookups.
#[derive(Debug, Clone, Default)]
pub struct MemoryDirectory {
    users: Vec<User>,
    by_email: HashMap<String, Vec<usize>>,
    by_canonical: HashMap<String, Vec<usize>>,
    by_local: HashMap<String, Vec<usize>>,
}

/// Above this many accounts the edit-distance scan for near matches is skipped (it is linear).
const EDIT_SCAN_LIMIT: usize = 200_000;

/// The address with `+tags` removed, and for Gmail the dots of the local part too.
pub(crate) fn canonical_address(email: &str) -> String {
    let e = email.trim().to_lowercase();
    let Some((local, domain)) = e.rsplit_once('@') else {
        return e;
    };
    let local = local.split('+').next().unwrap_or(local);
    let domain = if domain == "googlemail.com" {
        "gmail.com"
    } else {
        domain
    };
    if domain == "gmail.com" {
        format!("{}@{domain}", local.replace('.', ""))
    } else {
        format!("{local}@{domain}")
    }
}

impl MemoryDirectory {
    /// Indexes `users`.
    pub fn new(users: Vec<User>) -> MemoryDirectory {
        let mut d = MemoryDirectory {
            users,
            ..Default::default()
        };
        for (i, u) in d.users.iter().enumerate() {
            let lower = u.email.trim().to_lowercase();
            d.by_canonical
                .entry(canonical_address(&lower))
                .or_default()
                .push(i);
            if let Some((local, _)) = lower.rsplit_once('@') {
                d.by_local.entry(local.to_string()).or_default().push(i);
            }
            d.by_email.entry(lower).or_default().push(i);
        }
        d
    }

    /// Every account.
    pub fn users(&self) -> &[User] {
        &self.users
    }
}

#[async_trait::async_trait]
impl UserDirectory for MemoryDirectory {
    async fn find(&self, email: &str) -> Result<Vec<User>, DirectoryError> {
        Ok(self
            .by_email
            .get(&email.trim().to_lowercase())
            .map(|ix| ix.iter().map(|&i| self.users[i].clone()).collect())
            .unwrap_or_default())
    }

    async fn near_matches(
        &self,
        email: &str,
        max: usize,
    ) -> Result<Vec<NearMatch>, DirectoryError> {
        let lower = email.trim().to_lowercase();
        let mut out: Vec<NearMatch> = Vec::new();
        let push = |email: &str, why: &str, out: &mut Vec<NearMatch>| {
            if email.to_lowercase() != lower && !out.iter().any(|m| m.email == email) {
                out.push(NearMatch {
                    email: email.to_string(),
                    why: why.to_string(),
                });
            }
        };
        let gmail = lower.ends_with("@gmail.com") || lower.ends_with("@googlemail.com");
        for &i in self
            .by_canonical
            .get(&canonical_address(&lower))
            .into_iter()
            .flatten()
        {
            push(
                &self.users[i].email,
                if gmail {
                    "gmail-dots-or-tag"
                } else {
                    "plus-tag"
                },
                &mut out,
            );
        }
        if let Some((local, _)) = lower.rsplit_once('@') {
            for &i in self.by_local.get(local).into_iter().flatten() {
                push(
                    &self.users[i].email,
                    "same-local-part-other-domain",
                    &mut out,
                );
            }
        }
        if self.users.len() <= EDIT_SCAN_LIMIT {
            let mut close: Vec<(usize, &str)> = self
                .users
                .iter()
                .filter_map(|u| {
                    let e = u.email.as_str();
                    // Cheap length filter before the quadratic distance.
                    if e.len().abs_diff(lower.len()) > 2 {
                        return None;
                    }
                    let d = crate::text::edit_distance(&lower, &e.to_lowercase());
                    (d > 0 && d <= 2).then_some((d, e))
                })
                .collect();
            close.sort();
            for (d, e) in close {
                push(e, &format!("edit-distance-{d}"), &mut out);
            }
        }
        out.truncate(max);
        Ok(out)
    }
}

/// The moments reminders of an invitation go out, and which have passed at `now`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReminderState {
    /// When the invitation (or the latest re-invitation) went out.
    pub invited: DateTime<Utc>,
    /// Reminders already sent.
    pub sent: Vec<DateTime<Utc>>,
    /// The next reminder, if any remain.
    pub next: Option<DateTime<Utc>>,
}

/// Reminder bookkeeping from the schedule (days after the latest invitation).
pub fn reminders(invited: DateTime<Utc>, schedule: &[u32], now: DateTime<Utc>) -> ReminderState {
    let mut sent = Vec::new();
    let mut next = None;
    for d in schedule {
        let at = invited + Duration::days(i64::from(*d));
        if at <= now {
            sent.push(at);
        } else if next.is_none() {
            next = Some(at);
        }
    }
    ReminderState {
        invited,
        sent,
        next,
    }
}

fn day(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// The account checks for `email`: `user.*` findings. A directory that cannot answer makes the
/// check inconclusive, naming the error: it never becomes `user.not-found`.
pub async fn check(
    dir: &dyn UserDirectory,
    email: &str,
    schedule: &[u32],
    now: SystemTime,
) -> CheckOutcome {
    let mut c = CheckOutcome::start("directory");
    let accounts = match dir.find(email).await {
        Ok(a) => a,
        Err(e) => {
            c.inconclusive(format!("looking {email} up failed: {e}"));
            return c.done(format!("{email}: not looked up"));
        }
    };
    if accounts.is_empty() {
        // The person has no account (that much is known); the similar addresses are a help, so a
        // failed search for them leaves the finding without them and says so.
        let near = match dir.near_matches(email, 5).await {
            Ok(n) => n,
            Err(e) => {
                c.inconclusive(format!("the search for similar addresses failed: {e}"));
                vec![]
            }
        };
        let detail = if near.is_empty() {
            format!("No account in the directory has the address {email}.")
        } else {
            format!(
                "No account has the address {email}; similar addresses exist: {}.",
                near.iter()
                    .map(|m| m.email.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        c.push(
            Finding::new(FindingId::UserNotFound,
                detail).with_remedy(if near.is_empty() {
                    "Add the person to the directory (only an account in the directory can be invited), then send the invitation."
                } else {
                    "Check with the person which address is theirs; correct the account's address or add a new account, then re-invite."
                })
            .with_evidence(json!({ "address": email, "near_matches": near })),
        );
        return c.done(format!("{email}: no account"));
    }
    check_accounts(&accounts, email, schedule, now)
}

/// Of several accounts sharing an address, the one mail is most likely meant for has the
/// greatest key (an active account with messages on); of equals, the first line.
pub(crate) fn preference(u: &User) -> (bool, bool) {
    (u.status == Status::Active, u.send_messages)
}

/// The account checks over the accounts already found for `email` (at least one): duplicates,
/// the messaging switch, status, invitation reminders, collaborators.
pub(crate) fn check_accounts(
    accounts: &[User],
    email: &str,
    schedule: &[u32],
    now: SystemTime,
) -> CheckOutcome {
    let mut c = CheckOutcome::start("directory");
    let now: DateTime<Utc> = now.into();
    if accounts.is_empty() {
        return c.done(format!("{email}: no account given"));
    }
    if accounts.len() > 1 {
        c.push(
            Finding::new(FindingId::UserDuplicateAddress,
                format!(
                    "{} accounts share the address {email} (lines {}).",
                    accounts.len(),
                    accounts.iter().map(|u| u.line.to_string()).collect::<Vec<_>>().join(", ")
                )).with_remedy("Merge or deactivate the extra accounts; messages and invitations may be going to the other account's settings.")
            .with_evidence(json!({ "accounts": accounts.iter().map(|u| json!({"line": u.line, "email": u.email, "status": u.status})).collect::<Vec<_>>() })),
        );
    }
    // The account most likely meant: an active one with messaging on, else the first.
    let u = accounts
        .iter()
        .max_by_key(|u| (preference(u), std::cmp::Reverse(u.line)))
        .expect("non-empty");
    let who_changes = if u.is_collaborator() {
        "As an external collaborator, ask the project team you work with: their administrator changes your account."
    } else {
        "Ask your company's administrator for the product to change it in the user directory."
    };
    if u.is_collaborator() {
        c.push(
            Finding::new(
                FindingId::UserCollaborator,
                format!(
                    "{} is an external collaborator ({}).",
                    u.email,
                    u.relationship.as_deref().unwrap_or("collaborator")
                ),
            )
            .with_evidence(json!({ "relationship": u.relationship })),
        );
    }
    if !u.send_messages {
        c.push(
            Finding::new(FindingId::UserMessagingDisabled,
                format!("The account {} (line {}) has \"send messages to this user\" turned off: no notification, invitation or password-reset email is sent.", u.email, u.line)).with_remedy(format!("Turn \"send messages to this user\" on in the account. {who_changes}"))
            .with_evidence(json!({ "line": u.line, "send_messages": false })),
        );
    }
    match u.status {
        Status::Inactive => c.push(
            Finding::new(FindingId::UserInactive,
                format!("The account {} is inactive; inactive accounts get no email.", u.email)).with_remedy(format!("Reactivate the account. {who_changes}"))
            .with_evidence(json!({ "line": u.line, "status": "inactive", "last_login_at": u.last_login_at })),
        ),
        Status::NotInvited if u.invited_at.is_none() && u.last_invited_at.is_none() => c.push(
            Finding::new(FindingId::UserNeverInvited,
                format!("The account {} exists but no invitation was ever sent.", u.email)).with_remedy("Send the invitation from the directory (\"Invite\"; it becomes \"Re-invite\" after the first send).")
            .with_evidence(json!({ "line": u.line, "status": "not-invited" })),
        ),
        Status::Invited | Status::NotInvited => {
            if let Some(base) = u.last_invited_at.or(u.invited_at) {
                let r = reminders(base, schedule, now);
                let evidence = json!({
                    "invited_at": u.invited_at.as_ref().map(day),
                    "last_invited_at": u.last_invited_at.as_ref().map(day),
                    "schedule_days": schedule,
                    "reminders_sent": r.sent.iter().map(day).collect::<Vec<_>>(),
                    "next_reminder": r.next.as_ref().map(day),
                    "now": day(&now),
                });
                match r.next {
                    Some(next) => c.push(
                        Finding::new(FindingId::UserInvitePending,
                            format!(
                                "Invited on {}, not accepted yet; {} reminder{} sent, the next on {}.",
                                day(&base),
                                r.sent.len(),
                                if r.sent.len() == 1 { "" } else { "s" },
                                day(&next)
                            ))
                        .with_evidence(evidence),
                    ),
                    None => c.push(
                        Finding::new(FindingId::UserInviteRemindersExhausted,
                            format!(
                                "Invited on {}; the last automated reminder went out on {} and nothing more will be sent.",
                                day(&base),
                                r.sent.last().map(day).unwrap_or_default()
                            ))
                        .with_evidence(evidence),
                    ),
                }
            } else {
                c.push(
                    Finding::new(FindingId::UserNeverInvited,
                        format!("The account {} is marked invited but has no invitation date.", u.email)).with_remedy("Send the invitation again from the directory (\"Re-invite\").")
                    .with_severity(Severity::Warning)
                    .with_evidence(json!({ "line": u.line })),
                );
            }
        }
        Status::Active => {}
    }
    c.done(format!(
        "{}: {}, messages {}",
        u.email,
        u.status.words(),
        if u.send_messages { "on" } else { "off" }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn dir() -> MemoryDirectory {
        let csv = "email,name,status,send_messages,invited_at,last_invited_at,last_login_at,relationship\n\
jane@acme.example,Jane,Active,no,,,,employee\n\
gone@acme.example,Gone,Inactive,yes,,,,\n\
new@acme.example,New,Not invited,yes,,,,\n\
pend@acme.example,Pend,Invited,yes,2026-11-10,,,\n\
old@acme.example,Old,Invited,yes,2026-09-01,,,\n\
re@acme.example,Re,Invited,yes,2026-09-01,2026-11-20,,\n\
dup@acme.example,Dup1,Active,yes,,,,\n\
DUP@acme.example,Dup2,Inactive,yes,,,,\n\
sub@partner.example,Sub,Active,no,,,,Collaborator\n\
john.smith@gmail.com,John,Active,yes,,,,\n\
anna@other.example,Anna,Active,yes,,,,\n";
        MemoryDirectory::new(
            load::parse_csv(csv, "u.csv", &ColumnMap::default())
                .unwrap()
                .users,
        )
    }

    fn now() -> SystemTime {
        Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap().into()
    }

    async fn ids(email: &str) -> (Vec<String>, CheckOutcome) {
        let c = check(&dir(), email, &[3, 7, 14], now()).await;
        (c.findings.iter().map(|f| f.id.to_string()).collect(), c)
    }

    #[tokio::test]
    async fn each_account_case_gives_its_finding() {
        assert_eq!(
            ids("jane@acme.example").await.0,
            vec!["user.messaging-disabled"]
        );
        assert_eq!(ids("gone@acme.example").await.0, vec!["user.inactive"]);
        assert_eq!(ids("new@acme.example").await.0, vec!["user.never-invited"]);
        assert_eq!(
            ids("old@acme.example").await.0,
            vec!["user.invite-reminders-exhausted"]
        );
        assert_eq!(
            ids("dup@acme.example").await.0,
            vec!["user.duplicate-address"]
        );
        let (i, c) = ids("sub@partner.example").await;
        assert_eq!(i, vec!["user.collaborator", "user.messaging-disabled"]);
        assert!(c.findings[1].remedy.contains("project team"));
        assert!(ids("anna@other.example").await.0.is_empty());
    }

    #[tokio::test]
    async fn pending_invitations_know_their_reminders() {
        let (i, c) = ids("pend@acme.example").await;
        assert_eq!(i, vec!["user.invite-pending"]);
        let ev = &c.findings[0].evidence;
        assert_eq!(
            ev["reminders_sent"],
            serde_json::json!(["2026-11-13", "2026-11-17"])
        );
        assert_eq!(ev["next_reminder"], "2026-11-24");
        // A re-invite restarts the schedule.
        let (i, c) = ids("re@acme.example").await;
        assert_eq!(i, vec!["user.invite-pending"]);
        // Re-invited 2026-11-20: the 3-day reminder went out at midnight on the 23rd (before
        // "now", noon), so the next is the 7-day one.
        assert_eq!(
            c.findings[0].evidence["reminders_sent"],
            serde_json::json!(["2026-11-23"])
        );
        assert_eq!(c.findings[0].evidence["next_reminder"], "2026-11-27");
    }

    #[tokio::test]
    async fn not_found_lists_near_matches() {
        let (i, c) = ids("johnsmith+crm@gmail.com").await;
        assert_eq!(i, vec!["user.not-found"]);
        let near = c.findings[0].evidence["near_matches"].as_array().unwrap();
        assert_eq!(near[0]["email"], "john.smith@gmail.com");
        assert_eq!(near[0]["why"], "gmail-dots-or-tag");
        let (_, c) = ids("anna@acme.example").await;
        assert_eq!(
            c.findings[0].evidence["near_matches"][0]["why"],
            "same-local-part-other-domain"
        );
        let (_, c) = ids("jame@acme.example").await;
        assert_eq!(
            c.findings[0].evidence["near_matches"][0]["email"],
            "jane@acme.example"
        );
    }

    /// A directory that cannot answer, as a database that is down.
    struct Down;

    #[async_trait::async_trait]
    impl UserDirectory for Down {
        async fn find(&self, _: &str) -> Result<Vec<User>, DirectoryError> {
            Err(DirectoryError::Unavailable("connection refused".into()))
        }
        async fn near_matches(&self, _: &str, _: usize) -> Result<Vec<NearMatch>, DirectoryError> {
            Err(DirectoryError::Timeout)
        }
    }

    /// Guards "could not tell" against "not found": a failed lookup is an inconclusive check
    /// naming the error, with no `user.not-found`.
    #[tokio::test]
    async fn a_directory_that_cannot_answer_makes_the_check_inconclusive() {
        let c = check(&Down, "jane@acme.example", &[3, 7, 14], now()).await;
        assert_eq!(c.status, crate::check::CheckStatus::Inconclusive);
        assert!(c.findings.is_empty(), "{:?}", c.findings);
        let why = c.why.unwrap();
        assert!(why.contains("connection refused"), "{why}");
    }
}
