//! The HTTP API and the web page over real sockets and a real browser.
//!
//! One test binary per crate: every integration test file is a module here, so the
//! workspace links a handful of test executables instead of dozens (disk and link time in CI).

mod api;
mod browser;
mod endpoints;
mod escaping;
mod limits;
mod robustness;
mod support;
