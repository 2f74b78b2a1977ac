//! The ticket workflow: [`Diagnoser`] runs every check its inputs allow for one address,
//! concurrently over one DNS cache, and hands the outcomes to the report, which ranks them.
//!
//! This module decides only *which* checks run (the directory check needs a directory, the
//! allowlist audit a sender profile and an allowlist ...); each check's rules live in the module
//! that owns the concern. When nothing is wrong, the report says what was checked and gives the
//! help articles' next steps: look in junk and quarantine, resend and watch, activate by
//! password reset.
//!
//! ```no_run
//! # async fn demo() -> Result<(), mailwhy::Error> {
//! use mailwhy::diagnose::Diagnoser;
//! use mailwhy::dns::DnsConfig;
//! let diagnoser = Diagnoser::builder()
//!     .dns_config(DnsConfig::default())
//!     .directory_file("users.csv".as_ref())?
//!     .sender_file("fixtures/senders/procore.toml".as_ref())?
//!     .build()
//!     .await?;
//! let report = diagnoser.diagnose("jane@acme-builders.com").await;
//! println!("{}", mailwhy::report::render_markdown(&[report]));
//! # Ok(()) }
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use crate::allowlist::{self, Allowlist, AuditOptions, SenderProfile};
use crate::check::{CheckOutcome, Context};
use crate::directory::{self, ColumnMap, MemoryDirectory, UserDirectory};
use crate::dns::{DnsConfig, Resolving};
use crate::finding::FindingId;
use crate::report::{Report, Stats, Verdict};
use crate::Result;

/// The help articles' next steps when no check found a cause.
pub const NEXT_STEPS: &[&str] = &[
    "Ask the person to look in their junk or spam folder, and their mail admin to look in the gateway's quarantine, for mail from the vendor's domains.",
    "Resend the email (or re-invite) and watch for it; note the time so the mail admin can search the gateway's logs.",
    "If an invitation never arrives, the person can activate the account by requesting a password reset from the sign-in page.",
];

/// Runs the checks for one address at a time; cheap to share across tasks (`Arc` it).
pub struct Diagnoser {
    resolving: Resolving,
    directory: Option<Arc<dyn UserDirectory>>,
    directory_problems: Vec<directory::RowProblem>,
    sender: Option<SenderProfile>,
    allowlist: Option<Allowlist>,
    audit_options: AuditOptions,
    now: Option<SystemTime>,
    messages: Vec<(String, Vec<u8>)>,
    spf_drift: allowlist::SpfDriftMemo,
}

/// Builds a [`Diagnoser`]; every input is optional.
#[derive(Default)]
pub struct DiagnoserBuilder {
    dns: DnsConfig,
    zones: Option<PathBuf>,
    directory: Option<Arc<dyn UserDirectory>>,
    directory_problems: Vec<directory::RowProblem>,
    sender: Option<SenderProfile>,
    allowlist: Option<Allowlist>,
    audit_options: AuditOptions,
    now: Option<SystemTime>,
    messages: Vec<(String, Vec<u8>)>,
}

impl DiagnoserBuilder {
    /// Resolver settings.
    pub fn dns_config(mut self, config: DnsConfig) -> Self {
        self.dns = config;
        self
    }

    /// Serve these zone files on loopback and resolve only from them (`--dns-zones`).
    pub fn dns_zones(mut self, dir: Option<PathBuf>) -> Self {
        self.zones = dir;
        self
    }

    /// A user directory of the embedding service.
    pub fn directory(mut self, dir: Arc<dyn UserDirectory>) -> Self {
        self.directory = Some(dir);
        self
    }

    /// A directory export file (CSV or JSON) with the default column names.
    pub fn directory_file(self, path: &Path) -> Result<Self> {
        self.directory_file_with(path, &ColumnMap::default())
    }

    /// A directory export file with a column mapping.
    pub fn directory_file_with(mut self, path: &Path, columns: &ColumnMap) -> Result<Self> {
        let loaded = directory::load_file(path, columns)?;
        self.directory_problems = loaded.problems;
        self.directory = Some(Arc::new(MemoryDirectory::new(loaded.users)));
        Ok(self)
    }

    /// The vendor's sender profile.
    pub fn sender(mut self, profile: SenderProfile) -> Self {
        self.sender = Some(profile);
        self
    }

    /// The vendor's sender profile from a file.
    pub fn sender_file(self, path: &Path) -> Result<Self> {
        Ok(self.sender(SenderProfile::load(path)?))
    }

    /// The customer's gateway allowlist.
    pub fn allowlist(mut self, list: Allowlist) -> Self {
        self.allowlist = Some(list);
        self
    }

    /// The gateway allowlist from a file (layout from the extension).
    pub fn allowlist_file(self, path: &Path) -> Result<Self> {
        Ok(self.allowlist(Allowlist::load(path, None)?))
    }

    /// Thresholds of the allowlist audit.
    pub fn audit_options(mut self, opts: AuditOptions) -> Self {
        self.audit_options = opts;
        self
    }

    /// A bounce or a received message for the ticket: `name` labels it in the report.
    pub fn message(mut self, name: impl Into<String>, raw: Vec<u8>) -> Self {
        self.messages.push((name.into(), raw));
        self
    }

    /// A bounce or a received message from a file (capped at 25 MB; not mail is an error).
    pub fn message_file(self, path: &Path) -> Result<Self> {
        let raw = crate::message::read_file(path, crate::message::DEFAULT_MAX_BYTES)?;
        if let Err(e) = crate::message::check_looks_like_mail(crate::message::skip_mbox_line(&raw))
        {
            return Err(crate::Error::Parse {
                file: path.display().to_string(),
                line: 0,
                message: e.to_string(),
            });
        }
        Ok(self.message(path.display().to_string(), raw))
    }

    /// A fixed "now" (default: the clock at each diagnosis).
    pub fn now(mut self, now: SystemTime) -> Self {
        self.now = Some(now);
        self
    }

    /// Starts the DNS layer (and the zone server) and returns the diagnoser.
    pub async fn build(self) -> Result<Diagnoser> {
        let resolving = Resolving::start(&self.dns, self.zones.as_deref()).await?;
        Ok(Diagnoser {
            resolving,
            directory: self.directory,
            directory_problems: self.directory_problems,
            sender: self.sender,
            allowlist: self.allowlist,
            audit_options: self.audit_options,
            now: self.now,
            messages: self.messages,
            spf_drift: Default::default(),
        })
    }
}

impl Diagnoser {
    /// A builder with default settings and no inputs.
    pub fn builder() -> DiagnoserBuilder {
        DiagnoserBuilder::default()
    }

    /// The rows of the directory export that could not be read.
    pub fn directory_problems(&self) -> &[directory::RowProblem] {
        &self.directory_problems
    }

    /// The DNS layer shared by every diagnosis.
    pub fn dns(&self) -> &crate::dns::Dns {
        &self.resolving.dns
    }

    /// The gateway allowlist given to the builder, if any.
    pub fn allowlist(&self) -> Option<&Allowlist> {
        self.allowlist.as_ref()
    }

    /// The vendor's sender profile given to the builder, if any.
    pub fn sender(&self) -> Option<&SenderProfile> {
        self.sender.as_ref()
    }

    /// The context of one diagnosis: the shared DNS layer and "now" (fixed, or the clock).
    fn context(&self) -> Context {
        Context {
            dns: self.resolving.dns.clone(),
            now: self.now.unwrap_or_else(SystemTime::now),
        }
    }

    /// The invitation reminder schedule: the sender profile's, or the default 3/7/14 days.
    fn reminder_schedule(&self) -> &[u32] {
        self.sender
            .as_ref()
            .map(|s| s.follow_up_days.as_slice())
            .unwrap_or(&allowlist::profile::DEFAULT_FOLLOW_UP_DAYS)
    }

    /// The vendor's sender authentication (DMARC policy, DKIM keys of its selectors, predicted
    /// DMARC per sending IP, reverse DNS, the providers' sender rules), per From domain, when the
    /// sender profile names From domains, envelope domains or DKIM selectors.
    async fn auth_checks(&self, ctx: &Context) -> Vec<CheckOutcome> {
        let Some(p) = &self.sender else {
            return vec![];
        };
        if p.from_domains.is_empty() && p.envelope_domains.is_empty() && p.dkim_selectors.is_empty()
        {
            return vec![];
        }
        let inputs = crate::auth::AuthInput::from_profile(p);
        let several = inputs.len() > 1;
        let per_domain =
            futures::future::join_all(inputs.iter().map(|i| crate::auth::checks(ctx, i))).await;
        per_domain
            .into_iter()
            .zip(&inputs)
            .flat_map(|(c, i)| {
                c.outcomes.into_iter().map(move |mut o| {
                    o.name = format!("auth {}", o.name);
                    if several {
                        o.detail = format!("{}: {}", i.domain, o.detail);
                    }
                    o
                })
            })
            .collect()
    }

    /// The gateway allowlist audit on its own (the same for every user), when both the sender
    /// profile and the allowlist are given.
    pub fn audit_allowlist(&self) -> Option<CheckOutcome> {
        match (&self.sender, &self.allowlist) {
            (Some(s), Some(l)) => Some(allowlist::audit(s, l, &self.audit_options, None)),
            _ => None,
        }
    }

    /// Diagnoses one row of a directory (batch work): the account checks on that row's own
    /// record, and the address and recipient-domain checks. `duplicate_of` is the line of an
    /// earlier row with the same address. The allowlist audit is the same for every row and is
    /// left to [`Diagnoser::audit_allowlist`].
    pub async fn diagnose_row(
        &self,
        user: &directory::User,
        duplicate_of: Option<usize>,
    ) -> Report {
        let started = Instant::now();
        let queries_before = self.resolving.dns.queries_sent();
        let ctx = self.context();
        let schedule = self.reminder_schedule();
        let mut account =
            directory::check_accounts(std::slice::from_ref(user), &user.email, schedule, ctx.now);
        if let Some(first) = duplicate_of {
            account.findings.push(
                crate::finding::Finding::new(FindingId::UserDuplicateAddress,
                    format!("Line {} has the same address as line {first}.", user.line)).with_remedy("Merge or deactivate the extra account; messages and invitations may be going to the other account's settings.")
                .with_evidence(serde_json::json!({ "line": user.line, "same_as_line": first })),
            );
        }
        let (addr_outcomes, addr_data) =
            crate::address::address_and_domain(&ctx, &user.email).await;
        let mut outcomes = vec![account];
        outcomes.extend(addr_outcomes);
        Report::from_outcomes(
            user.email.clone(),
            outcomes,
            Stats {
                dns_queries: self.resolving.dns.queries_sent() - queries_before,
                duration_ms: started.elapsed().as_millis() as u64,
            },
        )
        .with_data(serde_json::json!({ "address": addr_data }))
    }

    /// Diagnoses one address: every check its inputs allow, concurrently.
    pub async fn diagnose(&self, address: &str) -> Report {
        self.diagnose_with(address, None, &[]).await
    }

    /// [`Diagnoser::diagnose`] with inputs of this one diagnosis (a server's request): `now`
    /// instead of the diagnoser's, and `messages` (name, raw bytes) read in addition to the
    /// builder's, as `diagnose --message` reads them.
    pub async fn diagnose_with(
        &self,
        address: &str,
        now: Option<SystemTime>,
        messages: &[(String, Vec<u8>)],
    ) -> Report {
        let started = Instant::now();
        let queries_before = self.resolving.dns.queries_sent();
        let mut ctx = self.context();
        if let Some(n) = now {
            ctx.now = n;
        }
        let address = address.trim_matches(|c: char| c == '<' || c == '>');
        let schedule = self.reminder_schedule();

        let directory_check = async {
            match &self.directory {
                Some(dir) => directory::check(dir.as_ref(), address, schedule, ctx.now).await,
                None => CheckOutcome::skipped("directory", "no user directory given (--directory)"),
            }
        };
        let address_checks = crate::address::address_and_domain(&ctx, address);
        let auth_checks = self.auth_checks(&ctx);
        let (dir_outcome, (addr_outcomes, addr_data), auth_outcomes) =
            futures::join!(directory_check, address_checks, auth_checks);
        // The recipient's provider (from its MX) tells the admin where allowlist entries go and
        // where filtered mail waits.
        let provider = addr_data
            .pointer("/routing/providers/0/name")
            .and_then(|v| v.as_str())
            .map(str::to_string);
        let where_filtered = addr_data
            .pointer("/routing/providers/0/where_filtered_mail_is")
            .and_then(|v| v.as_str())
            .map(str::to_string);
        let allow_outcome = match (&self.sender, &self.allowlist) {
            (Some(s), Some(l)) => allowlist::audit(s, l, &self.audit_options, provider.as_deref()),
            (None, _) => CheckOutcome::skipped("allowlist", "no sender profile given (--sender)"),
            (_, None) => {
                CheckOutcome::skipped("allowlist", "no gateway allowlist given (--allowlist)")
            }
        };
        let spf_outcome = match &self.sender {
            Some(s) => self.spf_drift.get(&ctx, s).await,
            None => CheckOutcome::skipped("spf-drift", "no sender profile given (--sender)"),
        };
        let mut outcomes = vec![dir_outcome];
        outcomes.extend(addr_outcomes);
        outcomes.push(allow_outcome);
        outcomes.push(spf_outcome);
        outcomes.extend(auth_outcomes);
        let opts = crate::message::Options::default();
        for (name, raw) in self.messages.iter().chain(messages) {
            match crate::message::checks(raw, &opts, address, self.allowlist.as_ref()) {
                Ok((mut msg_outcomes, a)) => {
                    // A received message (not a bounce) is authenticated as its receiver did.
                    if !a.bounce.is_bounce {
                        let (auth, _) = crate::auth::received::check(&ctx, raw, &a).await;
                        msg_outcomes.extend(auth);
                    }
                    outcomes.extend(msg_outcomes.into_iter().map(|mut o| {
                        o.name = format!("message {}", o.name);
                        o.detail = format!("{name}: {}", o.detail);
                        o
                    }))
                }
                Err(e) => outcomes.push(CheckOutcome::skipped("message", format!("{name}: {e}"))),
            }
        }
        dedupe_findings(&mut outcomes);
        let mut report = Report::from_outcomes(
            address,
            outcomes,
            Stats {
                dns_queries: self.resolving.dns.queries_sent() - queries_before,
                duration_ms: started.elapsed().as_millis() as u64,
            },
        );
        if report.verdict != Verdict::ProblemFound {
            let checked: Vec<String> = report
                .checks
                .iter()
                .filter(|c| c.status == "ran")
                .map(|c| c.name.clone())
                .collect();
            let mut lines = vec![format!(
                "Checked: {}.",
                if checked.is_empty() {
                    "nothing".into()
                } else {
                    checked.join(", ")
                }
            )];
            lines.extend(
                NEXT_STEPS
                    .iter()
                    .enumerate()
                    .map(|(i, s)| format!("{}. {s}", i + 1)),
            );
            if let (Some(p), Some(w)) = (&provider, &where_filtered) {
                lines.push(format!(
                    "Mail for this domain is handled by {p}: filtered mail is in {w}."
                ));
            }
            report = report.with_section("next steps", lines);
        }
        report.with_data(serde_json::json!({ "address": addr_data }))
    }
}

/// Drops a finding that an earlier check already reported word for word (the vendor's DMARC
/// policy is checked for the sender profile and again for a received message from it).
fn dedupe_findings(outcomes: &mut [CheckOutcome]) {
    let mut seen = std::collections::HashSet::new();
    for o in outcomes.iter_mut() {
        o.findings.retain(|f| seen.insert((f.id, f.detail.clone())));
    }
}
