//! The product's user directory: loading exports (CSV, JSON), the [`UserDirectory`] trait an
//! embedding service implements over its own database, and the account checks (`user.*`).
//!
//! The rules come from the help-center articles: a per-user "send messages to this user" switch;
//! statuses active / inactive / invited / not invited; unaccepted invitations are followed by
//! reminders on a schedule (3, 7, 14 days by default) and then nothing until someone re-invites;
//! collaborators reach the admin who can change their account only through the project team.
//!
//! The directory is checked as the product stores it: an address is found whatever hidden
//! characters, look-alike letters, spaces or letter case its stored form has ([`match_key`]), and
//! a stored form that differs from the address looked up says so (the product sends to the
//! stored text); a row the loader skipped that carries the address says that the person's row
//! could not be read, never that they have no account; every account sharing the address is
//! reported with its switch and status.

mod load;
mod split;

use std::collections::HashMap;
use std::time::SystemTime;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;

use crate::address::hidden;
use crate::check::{CheckOutcome, OutcomeBuilder};
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
    /// Accounts whose address equals `email` case-insensitively (the file directory compares
    /// [`match_key`]s, so that a stored address with a hidden character is found and reported).
    async fn find(&self, email: &str) -> Result<Vec<User>, DirectoryError>;
    /// Accounts with addresses close to `email` (for `user.not-found`), best first, at most `max`.
    async fn near_matches(&self, email: &str, max: usize)
        -> Result<Vec<NearMatch>, DirectoryError>;
    /// Where the accounts were read from (a file name), for the findings that name it.
    /// Default: nothing to name.
    fn source(&self) -> Option<&str> {
        None
    }
    /// The rows of the source that could not be read, in source order. Default: none (a
    /// database has no unreadable rows).
    fn skipped_rows(&self) -> &[RowProblem] {
        &[]
    }
    /// The skipped rows whose address, as far as it could be read, has `email`'s [`match_key`]:
    /// the person's account may be on one of them.
    fn unreadable_rows(&self, email: &str) -> Vec<&RowProblem> {
        let key = match_key(email);
        self.skipped_rows()
            .iter()
            .filter(|p| p.address.as_deref().is_some_and(|a| match_key(a) == key))
            .collect()
    }
}

/// What two addresses share when they are the same mailbox as a person would type it: letter
/// case folded, hidden characters dropped, look-alike and full-width letters replaced by the
/// ASCII they imitate ([`hidden::clean`]), and every space removed.
pub fn match_key(email: &str) -> String {
    let found = hidden::scan(email);
    let cleaned = if found.is_empty() {
        std::borrow::Cow::Borrowed(email)
    } else {
        std::borrow::Cow::Owned(hidden::clean(email, &found))
    };
    cleaned
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
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
    file: Option<String>,
    skipped: Vec<RowProblem>,
    skipped_by_key: HashMap<String, Vec<usize>>,
    by_email: HashMap<String, Vec<usize>>,
    by_canonical: HashMap<String, Vec<usize>>,
    by_local: HashMap<String, Vec<usize>>,
}

/// Above this many accounts the edit-distance scan for near matches is skipped (it is linear).
const EDIT_SCAN_LIMIT: usize = 200_000;

/// The address with `+tags` removed, and for Gmail the dots of the local part too.
pub(crate) fn canonical_address(email: &str) -> String {
    let e = match_key(email);
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
            let lower = match_key(&u.email);
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

    /// The accounts of a loaded export, with the rows it skipped (a lookup of an address on
    /// one of them says so) and the file's name.
    pub fn from_loaded(loaded: LoadedDirectory) -> MemoryDirectory {
        let mut d = MemoryDirectory::new(loaded.users);
        for (i, p) in loaded.problems.iter().enumerate() {
            if let Some(a) = &p.address {
                d.skipped_by_key.entry(match_key(a)).or_default().push(i);
            }
        }
        d.skipped = loaded.problems;
        d.file = Some(loaded.file);
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
            .get(&match_key(email))
            .map(|ix| ix.iter().map(|&i| self.users[i].clone()).collect())
            .unwrap_or_default())
    }

    fn source(&self) -> Option<&str> {
        self.file.as_deref()
    }

    fn skipped_rows(&self) -> &[RowProblem] {
        &self.skipped
    }

    fn unreadable_rows(&self, email: &str) -> Vec<&RowProblem> {
        self.skipped_by_key
            .get(&match_key(email))
            .map(|ix| ix.iter().map(|&i| &self.skipped[i]).collect())
            .unwrap_or_default()
    }

    async fn near_matches(
        &self,
        email: &str,
        max: usize,
    ) -> Result<Vec<NearMatch>, DirectoryError> {
        let lower = match_key(email);
        let mut out: Vec<NearMatch> = Vec::new();
        let push = |email: &str, why: &str, out: &mut Vec<NearMatch>| {
            if match_key(email) != lower && !out.iter().any(|m| m.email == email) {
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
/// check inconclusive, naming the error: it never becomes `user.not-found`, and neither does an
/// address on a row the loader skipped (`user.row-unreadable`). A stored address that matches
/// only once normalized gives `user.stored-address-malformed`; rows skipped anywhere in the
/// source are listed once (`directory.rows-skipped`).
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
    let file = dir.source().unwrap_or("the directory export");
    let unreadable = dir.unreadable_rows(email);
    for u in &accounts {
        if let Some(f) = stored_address_finding(u, email) {
            c.push(f);
        }
    }
    let mut detail = if !accounts.is_empty() {
        account_findings(&mut c, &accounts, email, schedule, now)
    } else if !unreadable.is_empty() {
        format!("{email}: only on a row that could not be read")
    } else {
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
        format!("{email}: no account")
    };
    for p in &unreadable {
        c.push(row_unreadable_finding(file, p, !accounts.is_empty()));
    }
    if let Some(first) = unreadable.first() {
        // What the skipped row holds (status, switch) is unknown: the account check cannot
        // finish, whatever the readable rows say.
        c.inconclusive(format!(
            "{file}:{}: the row with this address could not be read",
            first.line
        ));
    }
    let skipped = dir.skipped_rows();
    if !skipped.is_empty() {
        detail.push_str(&format!(
            "; {} of {file} skipped",
            plural(skipped.len(), "row", "rows")
        ));
        c.push(rows_skipped_finding(file, skipped));
    }
    c.done(detail)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// At most this many skipped rows are listed in the evidence; the count says how many there are.
const SKIPPED_LISTED: usize = 20;

/// `directory.rows-skipped`: the rows of `file` the loader could not use, so that a report says
/// which part of the directory it did not see (a person on one of them is not "not found").
fn rows_skipped_finding(file: &str, skipped: &[RowProblem]) -> Finding {
    let lines: Vec<String> = skipped
        .iter()
        .take(SKIPPED_LISTED)
        .map(|p| p.line.to_string())
        .collect();
    let more = skipped.len().saturating_sub(SKIPPED_LISTED);
    Finding::new(
        FindingId::DirectoryRowsSkipped,
        format!(
            "{} of {file} could not be read and {} not part of this diagnosis (line{} {}{}).",
            plural(skipped.len(), "row", "rows"),
            if skipped.len() == 1 { "is" } else { "are" },
            if skipped.len() == 1 { "" } else { "s" },
            lines.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ),
    )
    .with_evidence(json!({
        "file": file,
        "count": skipped.len(),
        "rows": skipped.iter().take(SKIPPED_LISTED).collect::<Vec<_>>(),
    }))
}

/// `user.row-unreadable`: a skipped row carries the address looked up.
fn row_unreadable_finding(file: &str, p: &RowProblem, also_readable: bool) -> Finding {
    let what = match &p.column {
        Some(col) => format!("column {col}: {}", p.message),
        None => p.message.clone(),
    };
    Finding::new(
        FindingId::UserRowUnreadable,
        format!(
            "{} {file}, line {}, has this address but could not be read, so it was skipped: {what}. Whether that account is active and has \"send messages to this user\" on cannot be told from the export.",
            if also_readable { "Another account's row," } else { "The person's row," },
            p.line
        ),
    )
    .with_remedy(format!(
        "Correct line {} of {file} (or export the directory again) and run the diagnosis again; meanwhile look the account up in the product's admin to see its status and its \"send messages to this user\" switch.",
        p.line
    ))
    .with_evidence(json!({
        "file": file,
        "line": p.line,
        "column": p.column,
        "problem": p.message,
        "address_as_read": p.address,
    }))
}

/// The stored address with each hidden or look-alike character shown as `<U+00A0>`.
fn visible(stored: &str, found: &[hidden::HiddenChar]) -> String {
    stored
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if found.iter().any(|h| h.position == i + 1) {
                format!("<U+{:04X}>", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// `user.stored-address-malformed` when account `u` was found for `looked_up` only because
/// lookups normalize, and its stored address is not one a person would type: hidden or
/// look-alike characters, spaces, or (a note) another letter case before the @. The product
/// sends to the address as stored.
fn stored_address_finding(u: &User, looked_up: &str) -> Option<Finding> {
    let stored = u.email.as_str();
    if stored == looked_up {
        // Both are the same text: the address check of the looked-up address sees what the
        // product sends to.
        return None;
    }
    let found = hidden::scan(stored);
    let spaces: Vec<usize> = stored
        .trim()
        .chars()
        .enumerate()
        .filter(|(_, c)| *c == ' ')
        .map(|(i, _)| i + 1 + (stored.chars().count() - stored.trim_start().chars().count()))
        .collect();
    let mut problems: Vec<String> = found.iter().map(hidden::HiddenChar::describe).collect();
    problems.extend(spaces.iter().map(|p| format!("a space at position {p}")));
    let local = |a: &str| a.rsplit_once('@').map(|(l, _)| l.to_string());
    let case_only = problems.is_empty()
        && match (local(stored.trim()), local(looked_up.trim())) {
            (Some(a), Some(b)) => a != b && a.to_lowercase() == b.to_lowercase(),
            _ => false,
        };
    if problems.is_empty() && !case_only {
        return None;
    }
    let shown = visible(stored, &found);
    let f = if case_only {
        Finding::new(
            FindingId::UserStoredAddressMalformed,
            format!(
                "The account on line {} stores the address as \"{shown}\", in other letter case than {looked_up}: the product sends to \"{shown}\". Nearly every mail server ignores the case of the part before the @, though RFC 5321 lets it matter.",
                u.line
            ),
        )
        .with_severity(Severity::Info)
        .with_remedy("Nothing to do unless mail for this account bounces as an unknown user; then store the address in the case the person gives.")
    } else {
        Finding::new(
            FindingId::UserStoredAddressMalformed,
            format!(
                "The account on line {} stores the address as \"{shown}\", not {looked_up}: it matched only once {} ignored. The product sends to the address as stored, which is not the person's mailbox: {}.",
                u.line,
                if spaces.is_empty() { "hidden characters were" } else { "spaces and hidden characters were" },
                problems.join("; ")
            ),
        )
        .with_remedy(format!(
            "Correct the account's address to {looked_up} in the directory (retype it rather than paste it), then resend the email or re-invite."
        ))
    };
    Some(f.with_evidence(json!({
        "line": u.line,
        "stored": stored,
        "stored_visible": shown,
        "looked_up": looked_up,
        "hidden_characters": found,
        "space_positions": spaces,
        "case_only": case_only,
    })))
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
    if accounts.is_empty() {
        return c.done(format!("{email}: no account given"));
    }
    let detail = account_findings(&mut c, accounts, email, schedule, now);
    c.done(detail)
}

/// Why no mail is sent for account `u`, if none is: its switch off, inactive, never invited.
pub(crate) fn blocked(u: &User) -> Vec<&'static str> {
    let mut why = Vec::new();
    match u.status {
        Status::Inactive => why.push("inactive"),
        Status::NotInvited if u.invited_at.is_none() && u.last_invited_at.is_none() => {
            why.push("never invited")
        }
        _ => {}
    }
    if !u.send_messages {
        why.push("\"send messages to this user\" off");
    }
    why
}

/// One account's status and switch in words: `inactive, messages off`.
pub(crate) fn state(u: &User) -> String {
    format!(
        "{}, messages {}",
        u.status.words(),
        if u.send_messages { "on" } else { "off" }
    )
}

/// `user.duplicate-address` over every account sharing `email`, each with its switch and status;
/// an error when mail for one of them is not sent (an inactive or switched-off second account
/// is why some of the person's mail never comes), a warning otherwise.
fn duplicate_finding(accounts: &[User], in_use: &User, email: &str) -> Finding {
    let each: Vec<String> = accounts
        .iter()
        .map(|u| {
            let why = blocked(u);
            let mut s = format!("line {} ({})", u.line, state(u));
            if std::ptr::eq(u, in_use) {
                s.push_str(", the one its mail most likely goes by");
            }
            if !why.is_empty() {
                s.push_str(": no mail is sent for this account");
            }
            s
        })
        .collect();
    let others_blocked: Vec<&User> = accounts
        .iter()
        .filter(|u| !std::ptr::eq(*u, in_use) && !blocked(u).is_empty())
        .collect();
    let f = Finding::new(
        FindingId::UserDuplicateAddress,
        format!(
            "{} accounts share the address {email}: {}.",
            accounts.len(),
            each.join("; ")
        ),
    )
    .with_remedy(if others_blocked.is_empty() {
        "Merge or deactivate the extra accounts; messages and invitations may be going to the other account's settings.".to_string()
    } else {
        format!(
            "Merge the accounts into one that is active with \"send messages to this user\" on: mail the product sends for the account on line {} is not sent, so some of this person's mail never comes.",
            others_blocked.iter().map(|u| u.line.to_string()).collect::<Vec<_>>().join(", ")
        )
    })
    .with_evidence(json!({ "accounts": accounts.iter().map(|u| json!({
        "line": u.line,
        "email": u.email,
        "status": u.status,
        "send_messages": u.send_messages,
        "in_use": std::ptr::eq(u, in_use),
        "mail_sent": blocked(u).is_empty(),
    })).collect::<Vec<_>>() }));
    if others_blocked.is_empty() {
        f
    } else {
        f.with_severity(Severity::Error)
    }
}

/// The switch and status of `other`, an account sharing the address with `in_use` (the one its
/// mail most likely goes by): mail the product sends for `other` (its projects, its
/// invitations) follows `other`'s settings, so each one that stops it is reported.
fn other_account_findings(c: &mut OutcomeBuilder, other: &User, in_use: &User) {
    let merge = format!(
        "Merge it into the account on line {} (or deactivate it and move its projects there); if both are needed, ",
        in_use.line
    );
    let label = format!(
        "The other account with this address, line {} ({})",
        other.line, other.email
    );
    let evidence = json!({ "line": other.line, "status": other.status, "send_messages": other.send_messages, "in_use_line": in_use.line });
    match other.status {
        Status::Inactive => c.push(
            Finding::new(
                FindingId::UserInactive,
                format!("{label}, is inactive: no mail is sent for it."),
            )
            .with_remedy(format!("{merge}reactivate it."))
            .with_evidence(evidence.clone()),
        ),
        Status::NotInvited if other.invited_at.is_none() && other.last_invited_at.is_none() => c
            .push(
                Finding::new(
                    FindingId::UserNeverInvited,
                    format!("{label}, was never invited."),
                )
                .with_remedy(format!("{merge}invite it."))
                .with_evidence(evidence.clone()),
            ),
        _ => {}
    }
    if !other.send_messages {
        c.push(
            Finding::new(
                FindingId::UserMessagingDisabled,
                format!("{label}, has \"send messages to this user\" turned off: no notification, invitation or password-reset email is sent for it."),
            )
            .with_remedy(format!("{merge}turn \"send messages to this user\" on in it."))
            .with_evidence(evidence),
        );
    }
}

/// The account findings of [`check_accounts`] pushed to `c`; returns the check's detail line.
fn account_findings(
    c: &mut OutcomeBuilder,
    accounts: &[User],
    email: &str,
    schedule: &[u32],
    now: SystemTime,
) -> String {
    let now: DateTime<Utc> = now.into();
    // The account most likely meant: an active one with messaging on, else the first.
    let u = accounts
        .iter()
        .max_by_key(|u| (preference(u), std::cmp::Reverse(u.line)))
        .expect("non-empty");
    if accounts.len() > 1 {
        c.push(duplicate_finding(accounts, u, email));
    }
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
    for other in accounts.iter().filter(|o| !std::ptr::eq(*o, u)) {
        other_account_findings(c, other, u);
    }
    let mut detail = format!(
        "{}: {}, messages {}",
        u.email,
        u.status.words(),
        if u.send_messages { "on" } else { "off" }
    );
    for other in accounts.iter().filter(|o| !std::ptr::eq(*o, u)) {
        detail.push_str(&format!("; line {}: {}", other.line, state(other)));
    }
    detail
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
        // Every account sharing the address is checked: the second one is inactive, so the
        // duplicate is an error and the other account's status is reported; its stored address
        // differs in case only (a note).
        let (i, c) = ids("dup@acme.example").await;
        assert_eq!(
            i,
            vec![
                "user.stored-address-malformed",
                "user.duplicate-address",
                "user.inactive"
            ]
        );
        assert_eq!(c.findings[0].severity, Severity::Info);
        assert_eq!(c.findings[1].severity, Severity::Error);
        assert!(
            c.findings[2].detail.contains("line 9"),
            "{}",
            c.findings[2].detail
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

    fn loaded(csv: &str) -> MemoryDirectory {
        MemoryDirectory::from_loaded(
            load::parse_csv(csv, "users.csv", &ColumnMap::default()).unwrap(),
        )
    }

    /// Issue #16: a row skipped for a bad status made its person "not found".
    #[tokio::test]
    async fn an_address_on_a_skipped_row_is_unreadable_not_not_found() {
        let d = loaded(
            "email,status,send_messages\nann@x.example,Active,yes\nZoe@x.example,Sleeping,yes\nbo@x.example,\"Active,yes\n",
        );
        for (who, line, what) in [
            ("zoe@x.example", 3, "column status"),
            ("bo@x.example", 4, "a quote opened"),
        ] {
            let c = check(&d, who, &[3, 7, 14], now()).await;
            let ids: Vec<&str> = c.findings.iter().map(|f| f.id.as_str()).collect();
            assert_eq!(
                ids,
                ["user.row-unreadable", "directory.rows-skipped"],
                "{who}"
            );
            let f = &c.findings[0];
            assert_eq!(f.evidence["file"], "users.csv");
            assert_eq!(f.evidence["line"], line);
            assert!(f.detail.contains(what), "{}", f.detail);
            assert_eq!(c.status, crate::check::CheckStatus::Inconclusive);
            assert_eq!(c.findings[1].evidence["count"], 2);
        }
        // Anyone else: found or not found as before, with the skipped rows listed once.
        let c = check(&d, "ann@x.example", &[3, 7, 14], now()).await;
        let ids: Vec<&str> = c.findings.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["directory.rows-skipped"]);
        assert!(
            c.detail.contains("2 rows of users.csv skipped"),
            "{}",
            c.detail
        );
        let c = check(&d, "nobody@x.example", &[3, 7, 14], now()).await;
        assert_eq!(c.findings[0].id, FindingId::UserNotFound);
    }

    /// Issue #16: a stored address with a hidden character was matched after trimming and
    /// nothing said that the product sends to the broken address.
    #[tokio::test]
    async fn a_stored_address_that_matches_only_once_normalized_says_so() {
        let d = loaded(
            "email,status\nkenji@x.example\u{a0},Active\nzw@x.ex\u{200b}ample,Active\nan\u{0430}@x.example,Active\n\"jo doe@x.example\",Active\nMixed@x.example,Active\nok@x.example,Active\n",
        );
        for (who, needle, severity) in [
            (
                "kenji@x.example",
                "NO-BREAK SPACE (U+00A0)",
                Severity::Error,
            ),
            ("zw@x.example", "ZERO WIDTH SPACE (U+200B)", Severity::Error),
            ("ana@x.example", "looks like \"a\"", Severity::Error),
            ("jodoe@x.example", "a space at position 3", Severity::Error),
            ("mixed@x.example", "other letter case", Severity::Info),
        ] {
            let c = check(&d, who, &[3, 7, 14], now()).await;
            assert_eq!(c.findings.len(), 1, "{who}: {:?}", c.findings);
            let f = &c.findings[0];
            assert_eq!(f.id, FindingId::UserStoredAddressMalformed, "{who}");
            assert_eq!(f.severity, severity, "{who}");
            assert!(f.detail.contains(needle), "{who}: {}", f.detail);
        }
        let c = check(&d, "kenji@x.example", &[3, 7, 14], now()).await;
        assert_eq!(
            c.findings[0].evidence["stored_visible"],
            "kenji@x.example<U+00A0>"
        );
        // The stored address typed exactly, or a clean one: nothing to say about the storage.
        assert!(check(&d, "ok@x.example", &[3, 7, 14], now())
            .await
            .findings
            .is_empty());
        assert!(check(&d, "kenji@x.example\u{a0}", &[3, 7, 14], now())
            .await
            .findings
            .is_empty());
    }

    /// Issue #16: of two accounts sharing an address only the preferred one's switch was
    /// checked; a second account with the switch off was invisible.
    #[tokio::test]
    async fn every_account_sharing_the_address_is_reported() {
        let d = loaded(
            "email,status,send_messages\nsam@x.example,Active,no\nsam@x.example,Active,yes\n",
        );
        let c = check(&d, "sam@x.example", &[3, 7, 14], now()).await;
        let ids: Vec<&str> = c.findings.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["user.duplicate-address", "user.messaging-disabled"]);
        let dup = &c.findings[0];
        assert_eq!(dup.severity, Severity::Error);
        assert!(
            dup.detail
                .contains("line 2 (active, messages off): no mail is sent"),
            "{}",
            dup.detail
        );
        assert!(
            dup.detail.contains("line 3 (active, messages on), the one"),
            "{}",
            dup.detail
        );
        assert_eq!(dup.evidence["accounts"][0]["send_messages"], false);
        assert_eq!(dup.evidence["accounts"][1]["in_use"], true);
        assert!(
            c.findings[1].detail.contains("line 2"),
            "{}",
            c.findings[1].detail
        );
        assert!(
            c.detail.contains("line 2: active, messages off"),
            "{}",
            c.detail
        );
        // Both fine: the duplicate stays a warning.
        let d = loaded("email,status\nsam@x.example,Active\nsam@x.example,Active\n");
        let c = check(&d, "sam@x.example", &[3, 7, 14], now()).await;
        assert_eq!(c.findings.len(), 1);
        assert_eq!(c.findings[0].severity, Severity::Warning);
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
