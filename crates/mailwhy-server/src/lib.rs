//! mailwhy over HTTP: the JSON API and the support agent's web page, as an [`axum::Router`] an
//! embedding service can mount in its own app.
//!
//! This crate holds no diagnostic rule: every request is handed to the shared
//! [`mailwhy::diagnose::Diagnoser`] (one DNS cache, TTL-respecting and single-flight, for all
//! requests) and the answer is the same `schema_version 1` report the command line prints.
//! What lives here is HTTP: routing, input validation with JSON errors, the bearer-token rule,
//! limits (body size, deadline, requests in flight), and the embedded page.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! let diagnoser = mailwhy::diagnose::Diagnoser::builder().build().await?;
//! let app = mailwhy_server::router(Arc::new(diagnoser));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8025").await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```

#![deny(missing_docs)]

mod api;
mod auth;
mod page;

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::error_handling::HandleErrorLayer;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use mailwhy::diagnose::Diagnoser;
use tower::ServiceBuilder;

pub use api::ApiError;

/// Limits and access rule of a server.
#[derive(Clone)]
pub struct Options {
    /// The bearer token every `/api/` request must carry (`Authorization: Bearer …`); `None`
    /// lets every request in (only sensible on loopback).
    pub token: Option<String>,
    /// Largest request body accepted (413 beyond it).
    pub max_body_bytes: usize,
    /// Deadline of one request (503 with a JSON error beyond it).
    pub request_timeout: Duration,
    /// Requests handled at once; more are refused with 503 rather than queued without bound.
    pub max_in_flight: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            token: None,
            // The CLI's default cap for a message file.
            max_body_bytes: 25 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            max_in_flight: 256,
        }
    }
}

impl std::fmt::Debug for Options {
    // Hand-written so the token can never reach a log line through `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .field("max_body_bytes", &self.max_body_bytes)
            .field("request_timeout", &self.request_timeout)
            .field("max_in_flight", &self.max_in_flight)
            .finish()
    }
}

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct AppState {
    pub diagnoser: SharedDiagnoser,
}

/// The diagnoser a running server uses, replaceable while it serves: a reload of the input
/// files builds a new [`Diagnoser`] and swaps it in; requests in flight finish on the one they
/// started with.
#[derive(Clone)]
pub struct SharedDiagnoser(Arc<RwLock<Arc<Diagnoser>>>);

impl SharedDiagnoser {
    /// Starts with `diagnoser`.
    pub fn new(diagnoser: Arc<Diagnoser>) -> SharedDiagnoser {
        SharedDiagnoser(Arc::new(RwLock::new(diagnoser)))
    }

    /// The diagnoser for a new request.
    pub fn current(&self) -> Arc<Diagnoser> {
        // A poisoned lock only means a panic elsewhere while swapping an Arc; the value is whole.
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Swaps in a new diagnoser for the requests that start from now on.
    pub fn replace(&self, diagnoser: Arc<Diagnoser>) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = diagnoser;
    }
}

/// The router with default [`Options`] and no token (for loopback or an app that does its own
/// authentication).
pub fn router(diagnoser: Arc<Diagnoser>) -> Router {
    router_with(diagnoser, Options::default())
}

/// The router with explicit limits and access rule.
pub fn router_with(diagnoser: Arc<Diagnoser>, options: Options) -> Router {
    router_shared(SharedDiagnoser::new(diagnoser), options)
}

/// The router over a diagnoser that can be replaced while it serves (reloads).
pub fn router_shared(diagnoser: SharedDiagnoser, options: Options) -> Router {
    let state = AppState { diagnoser };
    let api = api::routes()
        .route_layer(axum::middleware::from_fn_with_state(
            auth::Token::new(options.token.clone()),
            auth::require_token,
        ))
        .with_state(state);
    let limits = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(api::limit_error))
        .load_shed()
        .concurrency_limit(options.max_in_flight)
        .timeout(options.request_timeout);
    Router::new()
        .nest("/api/v1", api)
        .route("/healthz", get(api::health))
        .merge(page::routes())
        .fallback(api::not_found)
        .layer(DefaultBodyLimit::max(options.max_body_bytes))
        .layer(limits)
        .layer(axum::middleware::from_fn(log_request))
}

/// Is `addr` a loopback address (where a server may run without a token)?
pub fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

/// Refuses a configuration that would expose the API without a token.
pub fn check_exposure(addr: &SocketAddr, options: &Options) -> Result<(), String> {
    if !is_loopback(addr) && options.token.as_deref().is_none_or(str::is_empty) {
        return Err(format!(
            "refusing to listen on {addr} without a bearer token: anything but loopback (127.0.0.1, ::1) needs one; put the token in an environment variable and name it with --token-env VAR"
        ));
    }
    Ok(())
}

/// Serves `router` on `listener` until `shutdown` completes, letting requests in flight finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

/// One log line per request: method, path (never the query string, which holds addresses,
/// nor any header, which may hold the token), status, duration.
async fn log_request(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let started = std::time::Instant::now();
    let resp = next.run(req).await;
    let status: StatusCode = resp.status();
    tracing::info!(
        target: "mailwhy_server::request",
        %method,
        path = %mailwhy::sanitize::line(&path),
        status = status.as_u16(),
        ms = started.elapsed().as_millis() as u64,
        "request"
    );
    resp
}
