//! The command line end to end: the built `mailwhy` binary run on the fixtures.
//!
//! One test binary per crate: every integration test file is a module here, so the
//! workspace links a handful of test executables instead of dozens (disk and link time in CI).

mod address;
mod allowlist;
mod auth;
mod batch;
mod batch_input;
mod blocklist;
mod cli;
mod events;
mod faults;
mod findings;
mod input;
mod message;
mod pop3;
mod replicas;
mod resolver;
mod serve;
mod shared_resolver;
mod spf;
mod support;
mod tickets;
mod verdicts;
mod words;
mod workflow;
