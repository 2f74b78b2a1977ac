//! The ticket workflow: a [`Diagnoser`] holds what stays the same from ticket to ticket (the DNS
//! layer and its cache, the user directory, the vendor's sender profile, the gateway allowlist)
//! and [`diagnose`] runs every check those inputs allow for one [`DiagnoseRequest`],
//! concurrently, most likely cause first.
//!
//! This module decides only *which* checks run and hands facts from one to the next (the
//! recipient's mail provider, read from the address check's typed [`AddressFacts`], names where
//! allowlist entries go); each check's rules live in the module that owns the concern. When
//! nothing is wrong, the report says what was checked and gives the help articles' next steps:
//! look in junk and quarantine, resend and watch, activate by password reset.
//!
//! A row of a directory export is diagnosed by the same function ([`batch_row`]): only where the
//! account facts come from differs (the row itself instead of a directory lookup).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use crate::address::AddressFacts;
use crate::allowlist::{self, Allowlist, AuditOptions, SenderProfile};
use crate::check::{CheckOutcome, CheckStatus, Context};
use crate::delivery::book::Book;
use crate::delivery::{EventQuery, EventSource, FileSource, ReadOptions, SourceFile};
use crate::directory::{self, ColumnMap, MemoryDirectory, User, UserDirectory};
use crate::dns::{Dns, DnsConfig, Resolving};
use crate::finding::{Finding, FindingId};
use crate::report::{Report, Stats, Verdict};
use crate::Result;

use super::Run;

/// The help articles' next steps when no check found a cause.
const NEXT_STEPS: &[&str] = &[
    "Ask the person to look in their junk or spam folder, and their mail admin to look in the gateway's quarantine, for mail from the vendor's domains.",
    "Resend the email (or re-invite) and watch for it; note the time so the mail admin can search the gateway's logs.",
    "If an invitation never arrives, the person can activate the account by requesting a password reset from the sign-in page.",
];

/// One ticket: the address, and what came with it.
#[derive(Debug, Clone, Default)]
pub struct DiagnoseRequest {
    /// The address from the ticket (angle brackets around it are dropped).
    pub address: String,
    /// "Now" for this diagnosis (invitation reminders); default the diagnoser's, else the clock.
    pub now: Option<SystemTime>,
    /// Bounces or received messages that came with the ticket, each checked against it.
    pub messages: Vec<TicketMessage>,
    /// Delivery evidence that came with the ticket (event exports, webhook dumps, suppression
    /// lists, mail logs; files or uploaded text). When given, these are read instead of the
    /// diagnoser's own [`EventSource`].
    pub events: Vec<SourceFile>,
    /// DMARC aggregate, failure and TLS reports that came with the ticket (files, Maildirs or
    /// uploaded text): those from the recipient's receiver covering the ticket's period are
    /// evidence ([`super::reports_evidence`]).
    pub reports: Vec<SourceFile>,
}

impl DiagnoseRequest {
    /// A request for `address` with nothing else.
    pub fn new(address: impl Into<String>) -> DiagnoseRequest {
        DiagnoseRequest {
            address: address.into(),
            ..DiagnoseRequest::default()
        }
    }
}

/// A bounce or a received message that came with a ticket.
#[derive(Clone)]
pub struct TicketMessage {
    /// What the report calls it (a file name, `pasted message`).
    pub name: String,
    /// The raw message (RFC 5322).
    pub raw: Vec<u8>,
}

impl std::fmt::Debug for TicketMessage {
    // The bytes are a whole message: its name and size say enough in a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TicketMessage")
            .field("name", &self.name)
            .field("bytes", &self.raw.len())
            .finish()
    }
}

impl TicketMessage {
    /// A message named `name`.
    pub fn new(name: impl Into<String>, raw: Vec<u8>) -> TicketMessage {
        TicketMessage {
            name: name.into(),
            raw,
        }
    }

    /// A message from a file (capped at 25 MB), named by its path; bytes that are not mail are
    /// an error naming the file.
    pub fn from_file(path: &Path) -> Result<TicketMessage> {
        let raw = crate::message::read_file(path, crate::message::DEFAULT_MAX_BYTES)?;
        if let Err(e) = crate::message::check_looks_like_mail(crate::message::skip_mbox_line(&raw))
        {
            return Err(crate::Error::Parse {
                file: path.display().to_string(),
                line: 0,
                message: e.to_string(),
            });
        }
        Ok(TicketMessage::new(path.display().to_string(), raw))
    }
}

/// Runs the checks for one ticket at a time; cheap to share across tasks (`Arc` it).
pub struct Diagnoser {
    resolving: Resolving,
    directory: Option<Arc<dyn UserDirectory>>,
    sender: Option<SenderProfile>,
    allowlist: Option<Allowlist>,
    audit_options: AuditOptions,
    gateway_domains: Vec<String>,
    now: Option<SystemTime>,
    spf_drift: allowlist::SpfDriftMemo,
    events: Option<Arc<dyn EventSource>>,
    /// The source answers one address cheaply (an indexed store): batch rows ask it too.
    events_indexed: bool,
    event_options: ReadOptions,
    book: Option<Arc<Book>>,
    blocklists: Vec<crate::blocklist::List>,
    transport: crate::transport::FetchOptions,
    transport_probe: Option<crate::transport::ProbeOptions>,
    /// Report files read for a diagnosis that brings none of its own (`mailwhy serve`'s
    /// config `reports`).
    reports: Vec<SourceFile>,
}

impl std::fmt::Debug for Diagnoser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Diagnoser")
            .field("dns", &self.resolving.dns)
            .field("directory", &self.directory.as_ref().map(|_| "<directory>"))
            .field("directory_problems", &self.directory_problems().len())
            .field("sender", &self.sender.as_ref().map(|s| &s.name))
            .field("allowlist", &self.allowlist.as_ref().map(|l| &l.file))
            .field("audit_options", &self.audit_options)
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Diagnoser`]; every input is optional.
#[derive(Default)]
pub struct DiagnoserBuilder {
    dns: DnsConfig,
    zones: Option<PathBuf>,
    directory: Option<Arc<dyn UserDirectory>>,
    sender: Option<SenderProfile>,
    allowlist: Option<Allowlist>,
    audit_options: AuditOptions,
    gateway_domains: Vec<String>,
    now: Option<SystemTime>,
    events: Option<Arc<dyn EventSource>>,
    /// The source answers one address cheaply (an indexed store): batch rows ask it too.
    events_indexed: bool,
    event_options: ReadOptions,
    book: Option<Arc<Book>>,
    blocklists: Vec<crate::blocklist::List>,
    reports: Vec<SourceFile>,
}

impl std::fmt::Debug for DiagnoserBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiagnoserBuilder")
            .field("dns", &self.dns)
            .field("zones", &self.zones)
            .field("directory", &self.directory.as_ref().map(|_| "<directory>"))
            .field("sender", &self.sender.as_ref().map(|s| &s.name))
            .field("allowlist", &self.allowlist.as_ref().map(|l| &l.file))
            .field("audit_options", &self.audit_options)
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

impl DiagnoserBuilder {
    /// Resolver settings.
    pub fn dns_config(mut self, config: DnsConfig) -> Self {
        self.dns = config;
        self
    }

    /// Serve these zone files on loopback and resolve only from them (offline runs, tests).
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

    /// A directory export file with a column mapping. Rows that cannot be read are kept as
    /// [`directory::RowProblem`]s: a lookup of an address on one says so (`user.row-unreadable`),
    /// and every report lists them (`directory.rows-skipped`).
    pub fn directory_file_with(mut self, path: &Path, columns: &ColumnMap) -> Result<Self> {
        let loaded = directory::load_file(path, columns)?;
        self.directory = Some(Arc::new(MemoryDirectory::from_loaded(loaded)));
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

    /// The recipient domains the gateway allowlist guards (`gateway_domains` in the config).
    /// Empty (the default): every domain except the consumer mailbox providers', whose mail no
    /// company gateway filters. A subdomain of a listed domain is guarded too.
    pub fn gateway_domains<I, S>(mut self, domains: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.gateway_domains = domains
            .into_iter()
            .map(|d| d.as_ref().trim().trim_end_matches('.').to_ascii_lowercase())
            .filter(|d| !d.is_empty())
            .collect();
        self
    }

    /// Where delivery evidence comes from (an event store, an ESP's API): its timeline for the
    /// address becomes the `delivery` check, whose conclusion ranks first.
    pub fn events(mut self, source: Arc<dyn EventSource>) -> Self {
        self.events = Some(source);
        self
    }

    /// The DNS blocklists the vendor's sending IPs and domains are looked up on
    /// (`vendor-blocklist`); empty (the default): mailwhy's default table.
    pub fn blocklists(mut self, lists: Vec<crate::blocklist::List>) -> Self {
        self.blocklists = lists;
        self
    }

    /// An event store (an [`EventSource`] that answers one address with an index lookup):
    /// like [`DiagnoserBuilder::events`], and each batch row asks it too.
    pub fn event_store(mut self, source: Arc<dyn EventSource>) -> Self {
        self.events = Some(source);
        self.events_indexed = true;
        self
    }

    /// Delivery evidence from files, read on each diagnosis ([`FileSource`]); `options` also
    /// read the files that come with a request.
    pub fn event_files(mut self, files: Vec<PathBuf>, options: ReadOptions) -> Self {
        self.event_options = options;
        if !files.is_empty() {
            self.events = Some(Arc::new(FileSource {
                files: files.into_iter().map(SourceFile::Path).collect(),
                options,
            }));
        }
        self
    }

    /// DMARC aggregate, failure and TLS report files (or Maildirs) that every diagnosis without
    /// reports of its own reads as evidence (`mailwhy serve` with the config's `reports`). They
    /// are read at each diagnosis, filtered to the recipient and the ticket's period; here each
    /// path is only checked to exist, so a wrong name fails the start (or the reload) with the
    /// file named rather than every diagnosis.
    pub fn report_files(mut self, files: &[PathBuf]) -> Result<Self> {
        for f in files {
            if let Err(e) = std::fs::metadata(f) {
                return Err(crate::Error::Read {
                    file: f.display().to_string(),
                    source: e,
                });
            }
            self.reports.push(SourceFile::Path(f.clone()));
        }
        Ok(self)
    }

    /// Delivery evidence read once for a whole batch: each row's `delivery` check comes from it.
    pub fn delivery_book(mut self, book: Arc<Book>) -> Self {
        self.book = Some(book);
        self
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
            sender: self.sender,
            allowlist: self.allowlist,
            audit_options: self.audit_options,
            gateway_domains: self.gateway_domains,
            now: self.now,
            spf_drift: Default::default(),
            events: self.events,
            events_indexed: self.events_indexed,
            event_options: self.event_options,
            book: self.book,
            blocklists: self.blocklists,
            reports: self.reports,
            transport: Default::default(),
            transport_probe: None,
        })
    }
}

impl Diagnoser {
    /// The `delivery` check: the timeline of the request's evidence, else of the diagnoser's
    /// source; None when there is neither. A source that fails makes it inconclusive.
    async fn delivery_check(&self, address: &str, files: &[SourceFile]) -> Option<CheckOutcome> {
        let request_source;
        let source: &dyn EventSource = if files.is_empty() {
            self.events.as_deref()?
        } else {
            request_source = FileSource {
                files: files.to_vec(),
                options: self.event_options,
            };
            &request_source
        };
        let query = EventQuery {
            address: address.to_string(),
            window: Default::default(),
        };
        Some(match source.timeline(&query).await {
            Ok(t) => super::delivery_outcome(&t, &self.event_options),
            Err(e) => CheckOutcome::inconclusive(
                "delivery",
                format!("the delivery evidence could not be read: {e}"),
            ),
        })
    }

    /// A builder with default settings and no inputs.
    pub fn builder() -> DiagnoserBuilder {
        DiagnoserBuilder::default()
    }

    /// How the recipient domain's transport check fetches the MTA-STS policy, and, when `probe`
    /// is given, the STARTTLS probe of its MX hosts. The transport check runs when a bounce or
    /// delivery evidence names STARTTLS, MTA-STS, DANE or a certificate, and always with `probe`.
    pub fn with_transport(
        mut self,
        fetch: crate::transport::FetchOptions,
        probe: Option<crate::transport::ProbeOptions>,
    ) -> Diagnoser {
        self.transport = fetch;
        self.transport_probe = probe;
        self
    }

    /// Diagnoses one ticket: [`diagnose`].
    pub async fn diagnose(&self, request: &DiagnoseRequest) -> Report {
        diagnose(self, request).await
    }

    /// The rows of the directory export that could not be read.
    pub fn directory_problems(&self) -> &[directory::RowProblem] {
        self.directory.as_deref().map_or(&[], |d| d.skipped_rows())
    }

    /// The file the directory was read from, when it was read from one.
    pub fn directory_file(&self) -> Option<&str> {
        self.directory.as_deref().and_then(|d| d.source())
    }

    /// The configured DNS blocklists (empty: mailwhy's default table).
    pub fn blocklists(&self) -> &[crate::blocklist::List] {
        &self.blocklists
    }

    /// How the MTA-STS policy is fetched ([`Diagnoser::with_transport`]): the server's
    /// `/v1/transport` fetches with the same port, time limit and roots as `diagnose`.
    pub fn transport_fetch(&self) -> &crate::transport::FetchOptions {
        &self.transport
    }

    /// The DNS layer shared by every diagnosis.
    pub fn dns(&self) -> &Dns {
        &self.resolving.dns
    }

    /// The context of one diagnosis: the shared DNS layer and "now" (fixed, or the clock).
    fn context(&self) -> Context {
        Context {
            dns: self.resolving.dns.clone(),
            now: self.now.unwrap_or_else(SystemTime::now),
        }
    }

    /// The gateway allowlist given to the builder, if any.
    pub fn allowlist(&self) -> Option<&Allowlist> {
        self.allowlist.as_ref()
    }

    /// The vendor's sender profile given to the builder, if any.
    pub fn sender(&self) -> Option<&SenderProfile> {
        self.sender.as_ref()
    }

    /// The invitation reminder schedule: the sender profile's, or the default 3/7/14 days.
    fn reminder_schedule(&self) -> &[u32] {
        self.sender
            .as_ref()
            .map(|s| s.follow_up_days.as_slice())
            .unwrap_or(&allowlist::profile::DEFAULT_FOLLOW_UP_DAYS)
    }

    /// The gateway allowlist audit, with the remedies for the recipient's `provider`; skipped
    /// without both the sender profile and the allowlist.
    fn allowlist_audit(&self, provider: Option<&str>) -> CheckOutcome {
        match (&self.sender, &self.allowlist) {
            (Some(s), Some(l)) => allowlist::audit(s, l, &self.audit_options, provider),
            (None, _) => CheckOutcome::skipped("allowlist", "no sender profile given (--sender)"),
            (_, None) => {
                CheckOutcome::skipped("allowlist", "no gateway allowlist given (--allowlist)")
            }
        }
    }

    /// The vendor's IPs against its SPF records (remembered while the answers are fresh);
    /// skipped without a sender profile.
    async fn spf_drift(&self, ctx: &Context) -> CheckOutcome {
        match &self.sender {
            Some(s) => self.spf_drift.get(ctx, s).await,
            None => CheckOutcome::skipped("spf-drift", "no sender profile given (--sender)"),
        }
    }

    /// The vendor's own SPF: the records of its sending domains and its listed IPs against its
    /// envelope domains; skipped without a sender profile.
    async fn vendor_spf(&self, ctx: &Context) -> CheckOutcome {
        match &self.sender {
            Some(s) => crate::spf::vendor::check(ctx, s).await,
            None => CheckOutcome::skipped("vendor-spf", "no sender profile given (--sender)"),
        }
    }

    /// The vendor's sending IPs and domains on the DNS blocklists; skipped without a sender
    /// profile.
    async fn vendor_blocklist(&self, ctx: &Context) -> CheckOutcome {
        match &self.sender {
            Some(s) => {
                let lists = if self.blocklists.is_empty() {
                    crate::blocklist::List::defaults()
                } else {
                    self.blocklists.clone()
                };
                crate::blocklist::vendor_check(ctx, s, &lists).await
            }
            None => CheckOutcome::skipped("vendor-blocklist", "no sender profile given (--sender)"),
        }
    }

    /// True when the sender authentication checks run ([`Diagnoser::auth_checks`]).
    fn checks_sender_authentication(&self) -> bool {
        self.sender.as_ref().is_some_and(|p| {
            !(p.from_domains.is_empty()
                && p.envelope_domains.is_empty()
                && p.dkim_selectors.is_empty())
        })
    }

    /// Whether the customer's gateway allowlist stands in front of `domain`'s mailboxes: `Ok`
    /// when it does, else why not (the allowlist checks are then skipped, saying so). With
    /// `gateway_domains` configured, exactly those domains and their subdomains. Without, every
    /// domain but the consumer mailbox providers' (gmail.com, outlook.com ...: no company
    /// gateway filters their mail, so an allowlist gap cannot explain it) and those of
    /// `external` accounts (the directory's collaborators and vendors: their mail passes their
    /// own company's gateway, not the customer's).
    pub fn gateway_guards(&self, domain: &str, external: bool) -> std::result::Result<(), String> {
        let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
        if !self.gateway_domains.is_empty() {
            let guarded = self.gateway_domains.iter().any(|g| {
                domain == *g
                    || domain
                        .strip_suffix(g.as_str())
                        .is_some_and(|rest| rest.ends_with('.'))
            });
            return if guarded {
                Ok(())
            } else {
                Err(format!(
                    "{domain} is not a domain the gateway allowlist guards (gateway_domains: {})",
                    self.gateway_domains.join(", ")
                ))
            };
        }
        if crate::address::typo::is_known(&domain) {
            return Err(format!(
                "{domain} is a consumer mailbox provider: no company gateway filters its mail, so the gateway allowlist does not apply"
            ));
        }
        if external {
            return Err(format!(
                "the account is an external collaborator: mail to {domain} passes that company's own gateway, not the one this allowlist is for (list the domains it guards in gateway_domains to say otherwise)"
            ));
        }
        Ok(())
    }

    /// The checks about the vendor alone, the same for every recipient (the SPF drift, the
    /// vendor's own SPF, the sender authentication): what a batch reports once for all rows instead of on each row.
    /// `None` when none of them runs.
    pub(crate) async fn shared_checks(&self) -> Option<Report> {
        // Without a sender profile none of them runs.
        self.sender.as_ref()?;
        let ctx = self.context();
        let run = Run::start(&ctx);
        let mut outcomes = vec![
            self.spf_drift(&run.ctx).await,
            self.vendor_spf(&run.ctx).await,
            self.vendor_blocklist(&run.ctx).await,
        ];
        outcomes.extend(self.auth_checks(&run.ctx).await.0);
        let report = Report::from_outcomes(
            "the vendor, for every recipient",
            outcomes,
            Stats::default(),
        );
        Some(run.finish(report))
    }

    /// The gateway allowlist audit without a recipient's provider: what a batch reports once
    /// for the rows whose domain the gateway guards ([`Diagnoser::gateway_guards`]). `None`
    /// without both the sender profile and the allowlist.
    pub(crate) fn gateway_checks(&self) -> Option<Report> {
        self.sender.as_ref()?;
        self.allowlist.as_ref()?;
        Some(Report::from_outcomes(
            "the gateway, for every recipient behind it",
            vec![self.allowlist_audit(None)],
            Stats::default(),
        ))
    }

    /// The vendor's sender authentication (DMARC policy, DKIM keys of its selectors, predicted
    /// DMARC per sending IP, reverse DNS, the providers' sender rules), per From domain, when the
    /// sender profile names From domains, envelope domains or DKIM selectors; with the DMARC
    /// checks, for the message checks to reuse.
    async fn auth_checks(
        &self,
        ctx: &Context,
    ) -> (Vec<CheckOutcome>, Vec<crate::auth::DmarcChecked>) {
        let Some(p) = self
            .sender
            .as_ref()
            .filter(|_| self.checks_sender_authentication())
        else {
            return Default::default();
        };
        let inputs = crate::auth::AuthInput::from_profile(p);
        let several = inputs.len() > 1;
        let per_domain = crate::auth::checks_each(ctx, &inputs).await;
        let dmarc = per_domain.iter().map(|c| c.dmarc.clone()).collect();
        let outcomes = per_domain
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
            .collect();
        (outcomes, dmarc)
    }
}

/// Where the account facts of one diagnosis come from, and so which checks it runs.
#[derive(Clone, Copy)]
enum Accounts<'a> {
    /// The diagnoser's user directory, asked for the address (`diagnose`): every check.
    Directory,
    /// One row of a directory export (`batch`): the checks about the vendor alone are left to
    /// the batch summary ([`Diagnoser::shared_checks`]), which runs them once for all rows.
    Row(&'a BatchRow),
}

/// One row of a directory export, as `batch` hands it to [`batch_row`].
#[derive(Debug, Clone)]
pub struct BatchRow {
    /// The account on this row.
    pub user: User,
    /// An earlier row with the same address, when there is one.
    pub duplicate_of: Option<EarlierRow>,
}

/// What a batch remembers of an earlier row with the same address: enough to tell which account
/// `diagnose` would take for the address, in a few bytes per address (a batch does not keep the
/// rows it has written out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EarlierRow {
    /// Its 1-based line.
    pub line: usize,
    /// True when `diagnose` would take that account for the address rather than this row's
    /// (active with messages on beats the others, then the first line). This row then reports
    /// only the duplicate: the account the address's mail goes by has its own record.
    pub preferred: bool,
    /// True when no mail is sent for that account (inactive, never invited, or its switch
    /// off): the duplicate is then an error, as in `diagnose`.
    pub blocked: bool,
}

/// Diagnoses one ticket: every check the diagnoser's inputs and the request allow, the most
/// likely cause first.
pub async fn diagnose(d: &Diagnoser, request: &DiagnoseRequest) -> Report {
    let address = request.address.trim_matches(|c: char| c == '<' || c == '>');
    // A ticket that brings reports reads those; otherwise the diagnoser's own (serve's config).
    let reports = if request.reports.is_empty() {
        &d.reports
    } else {
        &request.reports
    };
    run(
        d,
        address,
        request.now,
        Accounts::Directory,
        &request.messages,
        &request.events,
        reports,
    )
    .await
}

/// Diagnoses one row of a directory export with the same function as [`diagnose`]: the account
/// facts are the row's own (and the duplicate it repeats), the rest is the same for the row's
/// address, except the checks about the vendor alone (gateway allowlist audit, SPF drift, the
/// vendor's own SPF, sender authentication). Those are the same for every row: the report lists them as skipped, "once
/// in the batch summary", and the summary runs them once. A row's verdict combined with the
/// summary's is then the verdict [`diagnose`] gives its address, and a row never reports a
/// finding [`diagnose`] would not; it may lack one that needs rows the batch has not read yet
/// (a later duplicate), or the allowlist remedies for its recipient's provider.
pub async fn batch_row(d: &Diagnoser, row: &BatchRow) -> Report {
    run(d, &row.user.email, None, Accounts::Row(row), &[], &[], &[]).await
}

/// The `directory` check of one batch row.
fn row_accounts(row: &BatchRow, schedule: &[u32], now: SystemTime) -> CheckOutcome {
    let user = &row.user;
    let Some(earlier) = row.duplicate_of else {
        return directory::check_accounts(std::slice::from_ref(user), &user.email, schedule, now);
    };
    // As `diagnose` says of every account sharing an address: an error when mail for one of
    // them is not sent, and this row's own switch and status.
    let this_blocked = directory::blocked(user);
    let mut duplicate = Finding::new(
        FindingId::UserDuplicateAddress,
        if earlier.preferred {
            format!(
                "Line {} ({}) has the same address as line {}, the account its mail goes by (that line's record has its findings){}.",
                user.line,
                directory::state(user),
                earlier.line,
                if this_blocked.is_empty() { "" } else { ": no mail is sent for this account" }
            )
        } else {
            format!(
                "Line {} ({}) has the same address as line {}{}.",
                user.line,
                directory::state(user),
                earlier.line,
                if earlier.blocked { ", for which no mail is sent" } else { "" }
            )
        },
    )
    .with_remedy("Merge or deactivate the extra account; messages and invitations may be going to the other account's settings.")
    .with_evidence(serde_json::json!({
        "line": user.line,
        "same_as_line": earlier.line,
        "status": user.status,
        "send_messages": user.send_messages,
    }));
    let other_blocked = if earlier.preferred {
        !this_blocked.is_empty()
    } else {
        earlier.blocked
    };
    if other_blocked {
        duplicate = duplicate.with_severity(crate::finding::Severity::Error);
    }
    if earlier.preferred {
        let mut c = CheckOutcome::start("directory");
        c.push(duplicate);
        return c.done(format!(
            "{}: a second account; line {} is the one in use",
            user.email, earlier.line
        ));
    }
    let mut c = directory::check_accounts(std::slice::from_ref(user), &user.email, schedule, now);
    c.findings.push(duplicate);
    c
}

/// The one diagnosis behind [`diagnose`] and [`batch_row`].
async fn run(
    d: &Diagnoser,
    address: &str,
    now: Option<SystemTime>,
    accounts: Accounts<'_>,
    messages: &[TicketMessage],
    events: &[SourceFile],
    reports: &[SourceFile],
) -> Report {
    let mut ctx = d.context();
    if let Some(n) = now {
        ctx.now = n;
    }
    let run = Run::start(&ctx);
    let ctx = &run.ctx;
    let schedule = d.reminder_schedule();

    let directory_check = async {
        match (accounts, &d.directory) {
            (Accounts::Row(row), _) => row_accounts(row, schedule, ctx.now),
            (Accounts::Directory, Some(dir)) => {
                directory::check(dir.as_ref(), address, schedule, ctx.now).await
            }
            (Accounts::Directory, None) => {
                CheckOutcome::skipped("directory", "no user directory given (--directory)")
            }
        }
    };
    let everything = matches!(accounts, Accounts::Directory);
    let address_checks = crate::address::address_and_domain(ctx, address);
    let auth_checks = async {
        if everything {
            d.auth_checks(ctx).await
        } else if d.checks_sender_authentication() {
            (vec![once_in_summary("auth")], vec![])
        } else {
            Default::default()
        }
    };
    let delivery_check = async {
        if everything || (d.events_indexed && d.book.is_none()) {
            d.delivery_check(address, events).await
        } else {
            d.book
                .as_ref()
                .and_then(|b| b.timeline(address))
                .map(|t| super::delivery_outcome(&t, &d.event_options))
        }
    };
    let (dir_outcome, (mut addr_outcomes, facts), (auth_outcomes, dmarc_checked), delivery) =
        futures::join!(directory_check, address_checks, auth_checks, delivery_check);
    // The gateway allowlist explains a missing email only for recipients behind the gateway.
    let domain = address.rsplit_once('@').map_or("", |(_, d)| d);
    let guarded = d.gateway_guards(domain, is_external(&dir_outcome.findings));
    // A filtering gateway in front of the recipient's mailboxes is where the vendor's allowlist
    // entries belong: the finding the allowlist audit gives for a recipient domain, here when the
    // audit has a list to audit. It is about this recipient, so a batch row has it too.
    if d.sender.is_some() && d.allowlist.is_some() && guarded.is_ok() {
        if let Some(f) = facts
            .routing
            .as_ref()
            .and_then(super::allowlist::gateway_in_front)
        {
            if let Some(domain) = addr_outcomes.iter_mut().find(|o| o.name == "domain") {
                domain.findings.push(f);
            }
        }
    }
    // The recipient's provider (from its MX) tells the admin where allowlist entries go and
    // where filtered mail waits.
    let provider = facts.provider();
    let allow_outcome = match guarded {
        // Not behind the gateway: skipped for that reason, with or without the inputs.
        Err(why) if d.sender.is_some() && d.allowlist.is_some() => {
            CheckOutcome::skipped("allowlist", why)
        }
        // A row leaves the audit to the summary, which runs it once.
        _ if !everything && d.sender.is_some() && d.allowlist.is_some() => {
            once_in_summary("allowlist")
        }
        _ => d.allowlist_audit(provider.map(|p| p.name)),
    };
    let spf_outcome = if everything || d.sender.is_none() {
        d.spf_drift(ctx).await
    } else {
        once_in_summary("spf-drift")
    };
    let vendor_spf_outcome = if everything || d.sender.is_none() {
        d.vendor_spf(ctx).await
    } else {
        once_in_summary("vendor-spf")
    };
    let vendor_blocklist_outcome = if everything || d.sender.is_none() {
        d.vendor_blocklist(ctx).await
    } else {
        once_in_summary("vendor-blocklist")
    };
    // What the recipient's receiver reported of the vendor's mail around the ticket's time.
    let reports_outcome = (!reports.is_empty())
        .then(|| super::reports_evidence(reports, domain, provider, ctx.now, d.sender.as_ref()));
    let mut outcomes: Vec<CheckOutcome> = delivery.into_iter().collect();
    outcomes.extend(reports_outcome);
    outcomes.push(dir_outcome);
    outcomes.extend(addr_outcomes);
    outcomes.push(allow_outcome);
    outcomes.push(spf_outcome);
    outcomes.push(vendor_spf_outcome);
    outcomes.push(vendor_blocklist_outcome);
    outcomes.extend(auth_outcomes);
    outcomes.extend(message_checks(ctx, d, address, messages, dmarc_checked).await);
    // The recipient domain's TLS rules, when the ticket's evidence points at them (or --probe).
    let transport_named = d.transport_probe.is_some()
        || messages
            .iter()
            .any(|m| crate::transport::mentions_transport(&String::from_utf8_lossy(&m.raw)))
        || outcomes.iter().flat_map(|o| &o.findings).any(|f| {
            f.id == FindingId::BounceFailedStartTls
                || (f.id.as_str().starts_with("delivery.")
                    && crate::transport::mentions_transport(&format!(
                        "{} {}",
                        f.detail, f.evidence
                    )))
        });
    if transport_named && !domain.is_empty() {
        let (t, _) =
            crate::transport::checks(ctx, domain, &d.transport, d.transport_probe.as_ref()).await;
        outcomes.extend(t.into_iter().map(|mut o| {
            o.name = format!("transport {}", o.name);
            o
        }));
    }
    let mut report = Report::from_outcomes(address, outcomes, Stats::default());
    if report.verdict != Verdict::ProblemFound {
        report = with_next_steps(report, &facts);
    }
    let report = report.with_data(serde_json::json!({ "address": facts }));
    run.finish(report)
}

/// True when the account checks found an external collaborator (or vendor) account.
pub(crate) fn is_external(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.id == FindingId::UserCollaborator)
}

/// A check a batch row leaves to the summary.
fn once_in_summary(name: &str) -> CheckOutcome {
    CheckOutcome::skipped(
        name,
        "the same for every row: checked once, in the batch summary",
    )
}

/// The checks of the messages that came with the ticket, each named `message <check>`.
async fn message_checks(
    ctx: &Context,
    d: &Diagnoser,
    address: &str,
    messages: &[TicketMessage],
    mut dmarc_checked: Vec<crate::auth::DmarcChecked>,
) -> Vec<CheckOutcome> {
    let opts = crate::message::Options::default();
    let mut outcomes = Vec::new();
    for m in messages {
        match crate::message::Parsed::capped(&m.raw, opts.max_bytes) {
            Ok(msg) => {
                // A DMARC policy already checked (the sender profile's, or an earlier message's)
                // is reused, not reported again.
                let inputs = crate::message::Inputs {
                    ticket_address: Some(address),
                    allowlist: d.allowlist.as_ref(),
                    dmarc_checked: &dmarc_checked,
                };
                let checked = crate::message::check(ctx, &msg, &opts, &inputs).await;
                dmarc_checked.extend(checked.dmarc);
                outcomes.extend(checked.outcomes.into_iter().map(|mut o| {
                    // What this copy shows (its own DMARC result too) is evidence about the
                    // message the person did not get, whatever the id's area.
                    for f in &mut o.findings {
                        f.scope = Some(crate::finding::Scope::Message);
                    }
                    o.name = format!("message {}", o.name);
                    o.detail = format!("{}: {}", m.name, o.detail);
                    o
                }))
            }
            Err(e) => outcomes.push(CheckOutcome::skipped("message", format!("{}: {e}", m.name))),
        }
    }
    outcomes
}

/// The "next steps" block of a report without a problem: what was checked, the help articles'
/// steps, and where the recipient's provider keeps filtered mail.
fn with_next_steps(report: Report, facts: &AddressFacts) -> Report {
    let checked: Vec<&str> = report
        .checks
        .iter()
        .filter(|c| c.status == CheckStatus::Ran)
        .map(|c| c.name.as_str())
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
    if let Some(p) = facts.provider() {
        lines.push(format!(
            "Mail for this domain is handled by {}: filtered mail is in {}.",
            p.name, p.where_filtered_mail_is
        ));
    }
    report.with_section("next steps", lines)
}
