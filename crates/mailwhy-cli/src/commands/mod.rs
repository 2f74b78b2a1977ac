//! One module per subcommand: each parses its flags, calls the library, and hands the reports
//! to [`crate::output`].

pub mod address;
pub mod allowlist;
pub mod auth;
pub mod batch;
pub mod blocklist;
pub mod bounce;
pub mod diagnose;
pub mod dns;
pub mod events;
pub mod explain;
pub mod message;
pub mod pop3;
pub mod reports;
pub mod serve;
pub mod spf;
pub mod transport;
