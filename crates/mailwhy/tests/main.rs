//! Property tests of the library (proptest).
//!
//! One test binary per crate: every integration test file is a module here, so the
//! workspace links a handful of test executables instead of dozens (disk and link time in CI).

mod address_props;
mod allowlist_props;
mod auth_props;
mod json_props;
mod message_props;
