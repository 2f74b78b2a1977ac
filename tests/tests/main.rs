//! End-to-end scenarios through the loopback zone server, Dovecot and the conformance suites.
//!
//! One test binary per crate: every integration test file is a module here, so the
//! workspace links a handful of test executables instead of dozens (disk and link time in CI).

mod address;
mod auth_checks;
mod batch_stop;
mod bounce_conformance;
mod dkim_verify;
mod dmarc_vectors;
mod dns_deadline;
mod dns_layer;
mod message_fixtures;
mod pop3_dovecot;
mod pop3_lint;
mod received_auth;
mod spf_conformance;
mod spf_findings;
mod spf_properties;
mod transport;
