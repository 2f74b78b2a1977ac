//! mailwhy answers one question: **why did this person not get our email?**
//!
//! The library holds every check and every workflow; the `mailwhy` binary and the HTTP server
//! are thin front ends over [`workflow`] (one function per command). A check is an async
//! function of a shared [`check::Context`] (DNS layer, clock) and its input, returning a
//! [`check::CheckOutcome`]; a [`Report`] ranks what the checks found and renders it as text,
//! Markdown or JSON.
//!
//! A service that wants the diagnosis inside its own process builds one [`Diagnoser`] over its
//! own [`UserDirectory`] and asks it a [`DiagnoseRequest`] per ticket. The directory below is a
//! map standing in for a database; when the database is down, the `directory` check says it
//! could not tell (inconclusive, naming the error) instead of "no such account".
//!
//! ```
//! use std::collections::HashMap;
//! use std::sync::atomic::{AtomicBool, Ordering};
//! use std::time::Duration;
//!
//! use mailwhy::check::CheckStatus;
//! use mailwhy::directory::{NearMatch, Status, User};
//! use mailwhy::dns::{DnsConfig, Upstream};
//! use mailwhy::{DiagnoseRequest, Diagnoser, DirectoryError, UserDirectory};
//!
//! /// The product's accounts by lowercase address, and whether its database answers.
//! struct Accounts {
//!     rows: HashMap<String, User>,
//!     up: AtomicBool,
//! }
//!
//! #[async_trait::async_trait]
//! impl UserDirectory for Accounts {
//!     async fn find(&self, email: &str) -> Result<Vec<User>, DirectoryError> {
//!         if !self.up.load(Ordering::Relaxed) {
//!             return Err(DirectoryError::Timeout);
//!         }
//!         Ok(self.rows.get(&email.to_lowercase()).cloned().into_iter().collect())
//!     }
//!
//!     async fn near_matches(&self, _: &str, _: usize) -> Result<Vec<NearMatch>, DirectoryError> {
//!         Ok(vec![])
//!     }
//! }
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let jane = User {
//!     line: 0,
//!     email: "jane@acme.example".into(),
//!     name: Some("Jane".into()),
//!     status: Status::Active,
//!     send_messages: false,
//!     invited_at: None,
//!     last_invited_at: None,
//!     last_login_at: None,
//!     relationship: None,
//! };
//! let accounts = std::sync::Arc::new(Accounts {
//!     rows: HashMap::from([(jane.email.clone(), jane)]),
//!     up: AtomicBool::new(true),
//! });
//! // `.example` is reserved, so this diagnosis asks DNS nothing; a real service keeps the
//! // default resolver settings.
//! let dns = DnsConfig {
//!     upstream: Upstream::Servers(vec!["127.0.0.1:9".parse().unwrap()]),
//!     query_timeout: Duration::from_millis(200),
//!     ..DnsConfig::default()
//! };
//! let diagnoser = Diagnoser::builder()
//!     .dns_config(dns)
//!     .directory(accounts.clone())
//!     .build()
//!     .await?;
//!
//! let report = diagnoser.diagnose(&DiagnoseRequest::new("jane@acme.example")).await;
//! assert!(report.findings.iter().any(|f| f.id == "user.messaging-disabled"));
//!
//! accounts.up.store(false, Ordering::Relaxed);
//! let report = diagnoser.diagnose(&DiagnoseRequest::new("jane@acme.example")).await;
//! let directory = report.checks.iter().find(|c| c.name == "directory").unwrap();
//! assert_eq!(directory.status, CheckStatus::Inconclusive);
//! assert!(directory.detail.contains("did not answer in time"));
//! assert!(report.findings.iter().all(|f| f.id != "user.not-found"));
//! # Ok::<(), mailwhy::Error>(()) }).unwrap();
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations)]

pub mod address;
pub mod allowlist;
pub mod auth;
pub mod blocklist;
pub mod bounce;
pub mod check;
pub mod delivery;
pub(crate) mod dig;
pub mod directory;
pub mod dns;
pub mod error;
pub mod finding;
pub mod json;
pub mod mail;
pub mod mailbox;
pub mod message;
pub mod report;
pub mod reports;
pub mod routing;
pub mod sanitize;
pub mod spf;
#[cfg(feature = "store")]
pub mod store;
pub(crate) mod text;
pub mod transport;
pub mod workflow;

pub use directory::{DirectoryError, UserDirectory};
pub use error::{Error, Result};
pub use finding::{Finding, Severity};
pub use report::{Report, Verdict};
pub use workflow::{DiagnoseRequest, Diagnoser, DiagnoserBuilder, TicketMessage};
