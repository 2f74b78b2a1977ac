//! One module per subcommand: each parses its flags, calls the library, and hands the reports
//! to [`crate::output`].

pub mod allowlist;
pub mod auth;
pub mod dns;
pub mod explain;
