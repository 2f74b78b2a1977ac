//! mailwhy answers one question: **why did this person not get our email?**
//!
//! The library holds every check; the `mailwhy` binary and the HTTP server are thin front ends.
//! A check is an async function of a shared [`check::Context`] (DNS layer, clock) and its
//! input, returning a [`check::CheckOutcome`]; a [`report::Report`] ranks what the checks found
//! and renders it as text, Markdown or JSON.
//!
//! ```no_run
//! # async fn demo() -> Result<(), mailwhy::Error> {
//! use mailwhy::{check::Context, dns::{Dns, DnsConfig, RecordType}};
//! let dns = Dns::new(&DnsConfig::default())?;
//! let ctx = Context::new(dns);
//! let report = mailwhy::dig::report(&ctx, "example.com", RecordType::MX).await;
//! println!("{}", mailwhy::report::render_text(&[report], false));
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod address;
pub mod allowlist;
pub mod auth;
pub mod batch;
pub mod bounce;
pub mod check;
pub mod config;
pub mod diagnose;
pub mod dig;
pub mod directory;
pub mod dns;
pub mod error;
pub mod finding;
pub mod mailbox;
pub mod message;
pub mod report;
pub mod routing;
pub mod sanitize;
pub mod spf;
pub mod text;

pub use error::{Error, Result};
pub use finding::{Finding, Severity};
pub use report::{Report, Verdict};
