//! mailwhy over HTTP: the JSON API and the support agent's web page, as an [`axum::Router`] an
//! embedding service can mount in its own app.
//!
//! This crate holds no diagnostic rule: every request is handed to the library's workflow for
//! its endpoint ([`mailwhy::workflow`]) over the shared [`mailwhy::Diagnoser`] (one DNS cache,
//! TTL-respecting and single-flight, for all requests), and the answer is the same
//! `schema_version 1` report the command line prints.
//! What lives here is HTTP: routing, input validation with JSON errors, the bearer-token rule,
//! limits (body size, deadline, requests in flight), and the embedded page.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! let diagnoser = mailwhy::Diagnoser::builder().build().await?;
//! let app = mailwhy_server::router(Arc::new(diagnoser));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8025").await?;
//! mailwhy_server::serve(listener, app, std::future::pending()).await?;
//! # Ok(()) }
//! ```

#![deny(missing_docs)]

mod api;
mod auth;
mod conn;
mod errors;
mod metrics;
mod openapi;
mod page;
mod reply;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::error_handling::HandleErrorLayer;
use axum::extract::{DefaultBodyLimit, MatchedPath};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use mailwhy::Diagnoser;
use tower::ServiceBuilder;

pub use api::ApiError;

/// Limits and access rule of a server.
#[derive(Clone)]
pub struct Options {
    /// The bearer token every `/v1/` request must carry (`Authorization: Bearer …`); `None`
    /// lets every request in (only sensible on loopback).
    pub token: Option<String>,
    /// Largest request body accepted (413 beyond it); a raw message for `POST /v1/message` is
    /// the largest body the API takes, hence the CLI's 25 MB message cap.
    pub max_body_bytes: usize,
    /// Deadline of one request (503 with a JSON error beyond it).
    pub request_timeout: Duration,
    /// Requests handled at once, across all routes; more are refused with 503 rather than
    /// queued without bound.
    pub max_in_flight: usize,
    /// How long a client may take to send a request's header, from its first byte (on a new
    /// connection, from the connection); the connection is closed after it.
    pub header_read_timeout: Duration,
    /// How long a kept-alive connection may wait for its next request before it is closed.
    pub idle_timeout: Duration,
    /// After a shutdown is asked for, how long requests in flight may take to finish; then the
    /// server stops and drops the connections still open.
    pub shutdown_grace: Duration,
    /// The port `POST /v1/transport` with `"probe": true` connects to on each MX host: 25, or a
    /// test's SMTP server.
    pub smtp_probe_port: u16,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            token: None,
            // The CLI's default cap for a message file.
            max_body_bytes: 25 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            max_in_flight: 256,
            header_read_timeout: Duration::from_secs(10),
            // Longer than common clients' and proxies' own idle limits (60 s), so they close
            // first and never send a request on a connection the server is closing.
            idle_timeout: Duration::from_secs(75),
            // The request deadline (30 s) and some room to write the answer.
            shutdown_grace: Duration::from_secs(40),
            smtp_probe_port: 25,
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
            .field("header_read_timeout", &self.header_read_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("shutdown_grace", &self.shutdown_grace)
            .field("smtp_probe_port", &self.smtp_probe_port)
            .finish()
    }
}

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct AppState {
    pub diagnoser: SharedDiagnoser,
    pub metrics: metrics::SharedMetrics,
    /// [`Options::smtp_probe_port`].
    pub smtp_probe_port: u16,
}

/// The diagnoser a running server uses, replaceable while it serves: a reload of the input
/// files builds a new [`Diagnoser`] and swaps it in; requests in flight finish on the one they
/// started with.
#[derive(Clone)]
pub struct SharedDiagnoser {
    current: Arc<RwLock<Arc<Diagnoser>>>,
    /// DNS queries sent and cache hits of the diagnosers replaced so far (each had its own
    /// DNS layer), so the metrics' counters never go down on a reload.
    retired: Arc<[AtomicU64; 2]>,
}

impl std::fmt::Debug for SharedDiagnoser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedDiagnoser").finish_non_exhaustive()
    }
}

impl SharedDiagnoser {
    /// Starts with `diagnoser`.
    pub fn new(diagnoser: Arc<Diagnoser>) -> SharedDiagnoser {
        SharedDiagnoser {
            current: Arc::new(RwLock::new(diagnoser)),
            retired: Arc::new([AtomicU64::new(0), AtomicU64::new(0)]),
        }
    }

    /// The diagnoser for a new request.
    pub fn current(&self) -> Arc<Diagnoser> {
        // A poisoned lock only means a panic elsewhere while swapping an Arc; the value is whole.
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Swaps in a new diagnoser for the requests that start from now on.
    pub fn replace(&self, diagnoser: Arc<Diagnoser>) {
        let old = std::mem::replace(
            &mut *self.current.write().unwrap_or_else(|e| e.into_inner()),
            diagnoser,
        );
        // Queries the old layer sends for requests still finishing on it after this are not
        // counted: a reload is rare and those are few.
        self.retired[0].fetch_add(old.dns().queries_sent(), Ordering::Relaxed);
        self.retired[1].fetch_add(old.dns().cache_hits(), Ordering::Relaxed);
    }

    /// DNS queries sent and cache hits since the server started, across reloads.
    pub fn dns_totals(&self) -> (u64, u64) {
        let d = self.current();
        (
            self.retired[0].load(Ordering::Relaxed) + d.dns().queries_sent(),
            self.retired[1].load(Ordering::Relaxed) + d.dns().cache_hits(),
        )
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
    let metrics = Arc::new(metrics::Metrics::new(diagnoser.clone()));
    let state = AppState {
        diagnoser,
        metrics: metrics.clone(),
        smtp_probe_port: options.smtp_probe_port,
    };
    let api = api::routes()
        .route_layer(axum::middleware::from_fn_with_state(
            auth::Token::new(options.token.clone()),
            auth::require_token,
        ))
        .with_state(state.clone());
    // `Router::layer` wraps each route on its own: the cap on requests in flight must be one
    // semaphore for all of them, hence the global limit (a plain `concurrency_limit` would give
    // every route its own cap).
    let limits = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(api::limit_error))
        .load_shed()
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
            options.max_in_flight,
        ))
        .timeout(options.request_timeout);
    Router::new()
        .nest("/v1", api)
        .route("/healthz", get(api::health))
        .route("/metrics", get(api::metrics))
        .route("/openapi.json", get(openapi::document))
        .with_state(state)
        .merge(page::routes())
        .fallback(api::not_found)
        .layer(DefaultBodyLimit::max(options.max_body_bytes))
        .layer(limits)
        // Inside the request log, so the log and the metrics see the answer as sent.
        .layer(axum::middleware::from_fn(errors::json_errors))
        .layer(axum::middleware::from_fn_with_state(metrics, log_request))
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

/// Serves `router` on `listener` until `shutdown` completes, with the default [`Options`]'
/// connection timeouts: see [`serve_with`].
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, router, &Options::default(), shutdown).await
}

/// Serves `router` on `listener` (HTTP/1.1) until `shutdown` completes. A client gets
/// `options.header_read_timeout` to send a request's header and `options.idle_timeout` between
/// requests on a kept-alive connection. On shutdown the listener closes, idle connections are
/// closed, requests in flight finish, and after `options.shutdown_grace` the connections still
/// open are dropped: a stopping server always stops.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    router: Router,
    options: &Options,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = conn::Timeouts {
        header_read: options.header_read_timeout,
        idle: options.idle_timeout,
        shutdown_grace: options.shutdown_grace,
    };
    conn::serve(listener, router, limits, shutdown).await
}

/// One log line per request: method, path (never the query string, which holds addresses,
/// nor any header, which may hold the token, nor a body), status, duration; and the request
/// counted in the metrics under its route template.
async fn log_request(
    axum::extract::State(metrics): axum::extract::State<metrics::SharedMetrics>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    // `Router::layer` runs this after routing, so the matched template is known; anything the
    // router did not match (404s) shares one label.
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string());
    let started = std::time::Instant::now();
    let resp = next.run(req).await;
    let status: StatusCode = resp.status();
    let elapsed = started.elapsed();
    metrics.request(
        route.as_deref().unwrap_or("unmatched"),
        metrics::method_label(&method),
        status.as_u16(),
        elapsed.as_secs_f64(),
    );
    tracing::info!(
        target: "mailwhy_server::request",
        %method,
        path = %mailwhy::sanitize::line(&path),
        status = status.as_u16(),
        ms = elapsed.as_millis() as u64,
        "request"
    );
    resp
}
