//! The JSON endpoints under `/api/v1`: input validation, the call into the shared
//! [`mailwhy::diagnose::Diagnoser`], and JSON errors with a status code. Reports are the CLI's
//! `schema_version 1` JSON; the Markdown rendering is the CLI's `--format markdown`.

use std::time::Instant;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use mailwhy::check::Context;
use mailwhy::report::{render_markdown, Report};
use serde::Deserialize;

use crate::AppState;

/// Longest address accepted (RFC 5321 4.5.3.1.3: a path is at most 256 octets); anything
/// longer is refused before it reaches a check.
const MAX_ADDRESS_LEN: usize = 320;

/// Most addresses in one `POST /api/v1/address` (a bigger list is a batch job: `mailwhy batch`).
const MAX_ADDRESSES: usize = 100;

/// Most IPs in one `POST /api/v1/spf`.
const MAX_IPS: usize = 64;

/// A JSON error body: `{"error": {"status", "code", "message", "field"?}}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    field: Option<&'static str>,
}

impl ApiError {
    /// An error with a status, a machine-readable code and a message for a person.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
        }
    }

    fn field(mut self, field: &'static str) -> ApiError {
        self.field = Some(field);
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = serde_json::json!({
            "status": self.status.as_u16(),
            "code": self.code,
            "message": self.message,
        });
        if let Some(f) = self.field {
            error["field"] = f.into();
        }
        let body = serde_json::json!({ "error": error });
        (self.status, Json(body)).into_response()
    }
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/diagnose", get(diagnose_get).post(diagnose_post))
        .route("/diagnose.md", get(diagnose_markdown))
        .route("/address", get(address_get).post(address_post))
        .route("/spf", axum::routing::post(spf_post))
        .route("/findings/{id}", get(finding))
}

/// `GET /api/v1/health`, `GET /healthz`.
pub(crate) async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

/// The query string of the address endpoints.
#[derive(Debug, Deserialize)]
pub(crate) struct EmailQuery {
    email: Option<String>,
}

/// The body of `POST /api/v1/diagnose`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DiagnoseBody {
    email: Option<String>,
}

fn email_param(raw: Option<String>) -> Result<String, ApiError> {
    let email = raw.unwrap_or_default();
    let email = email.trim();
    if email.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "missing-field",
            "`email` is required: the address from the ticket, e.g. jane@example.com",
        )
        .field("email"));
    }
    if email.len() > MAX_ADDRESS_LEN {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid-field",
            format!(
                "`email` is {} bytes long; an address has at most {MAX_ADDRESS_LEN}",
                email.len()
            ),
        )
        .field("email"));
    }
    Ok(email.to_string())
}

type JsonBody<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

/// A JSON body or the JSON error for it: 413 and 415 as they are, anything else 400.
fn json_or_400<T>(body: JsonBody<T>, expected: &str) -> Result<T, ApiError> {
    body.map(|Json(b)| b).map_err(|e| {
        // 413 and 415 say what is wrong with the request as a whole; a body that is not the
        // expected JSON object (axum's 422 included) is bad input: 400 with serde's reason.
        let (status, code) = match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => (StatusCode::PAYLOAD_TOO_LARGE, "too-large"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type")
            }
            _ => (StatusCode::BAD_REQUEST, "bad-json"),
        };
        ApiError::new(
            status,
            code,
            format!("{} (expected {expected})", e.body_text()),
        )
    })
}

fn query_or_400(
    q: Result<Query<EmailQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Option<String>, ApiError> {
    match q {
        Ok(Query(q)) => Ok(q.email),
        Err(e) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad-query",
            e.body_text(),
        )),
    }
}

async fn diagnose_get(
    State(st): State<AppState>,
    q: Result<Query<EmailQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Report>, ApiError> {
    let email = email_param(query_or_400(q)?)?;
    Ok(Json(st.diagnoser.current().diagnose(&email).await))
}

async fn diagnose_post(
    State(st): State<AppState>,
    body: JsonBody<DiagnoseBody>,
) -> Result<Json<Report>, ApiError> {
    let body = json_or_400(body, r#"{"email": "jane@example.com"}"#)?;
    let email = email_param(body.email)?;
    Ok(Json(st.diagnoser.current().diagnose(&email).await))
}

/// `GET /api/v1/diagnose.md?email=`: the Markdown rendering, for pasting into a ticket.
async fn diagnose_markdown(
    State(st): State<AppState>,
    q: Result<Query<EmailQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let email = email_param(query_or_400(q)?)?;
    let report = st.diagnoser.current().diagnose(&email).await;
    Ok((
        [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
        render_markdown(&[report]),
    )
        .into_response())
}

/// `GET /api/v1/address?email=`: the address and recipient-domain checks alone.
async fn address_get(
    State(st): State<AppState>,
    q: Result<Query<EmailQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Report>, ApiError> {
    let email = email_param(query_or_400(q)?)?;
    let ctx = Context::new(st.diagnoser.current().dns().clone());
    Ok(Json(address_report(&ctx, &email).await))
}

/// The body of `POST /api/v1/address`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AddressBody {
    emails: Vec<String>,
}

/// `POST /api/v1/address` `{"emails": [...]}`: one report per address, in order, over the
/// shared cache.
async fn address_post(
    State(st): State<AppState>,
    body: JsonBody<AddressBody>,
) -> Result<Json<Vec<Report>>, ApiError> {
    let body = json_or_400(body, r#"{"emails": ["jane@example.com", ...]}"#)?;
    if body.emails.is_empty() || body.emails.len() > MAX_ADDRESSES {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid-field",
            format!(
                "`emails` has {} addresses; send 1 to {MAX_ADDRESSES}",
                body.emails.len()
            ),
        )
        .field("emails"));
    }
    let emails = body
        .emails
        .into_iter()
        .map(|e| email_param(Some(e)).map_err(|e| e.field("emails")))
        .collect::<Result<Vec<_>, _>>()?;
    let d = st.diagnoser.current();
    let ctx = Context::new(d.dns().clone());
    // Concurrent over the shared cache; join_all keeps the order of the input.
    let reports = futures::future::join_all(emails.iter().map(|e| address_report(&ctx, e))).await;
    Ok(Json(reports))
}

/// The address report with this request's own counters (the shared layer counts every
/// request's queries; the report counts those asked while it ran, so with several addresses
/// at once a count can include questions asked for the others).
async fn address_report(ctx: &Context, email: &str) -> Report {
    let before = ctx.dns.queries_sent();
    let started = Instant::now();
    let mut report = mailwhy::address::report(ctx, email).await;
    report.stats.dns_queries = ctx.dns.queries_sent().saturating_sub(before);
    report.stats.duration_ms = started.elapsed().as_millis() as u64;
    report
}

/// The body of `POST /api/v1/spf`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SpfBody {
    domain: String,
    #[serde(default)]
    ips: Vec<std::net::IpAddr>,
    mail_from: Option<String>,
    helo: Option<String>,
}

/// `POST /api/v1/spf` `{"domain", "ips"?, "mail_from"?, "helo"?}`: the SPF report with its trace.
async fn spf_post(
    State(st): State<AppState>,
    body: JsonBody<SpfBody>,
) -> Result<Json<Report>, ApiError> {
    let body = json_or_400(
        body,
        r#"{"domain": "example.com", "ips": ["192.0.2.1"], "mail_from"?: "...", "helo"?: "..."}"#,
    )?;
    let domain = body.domain.trim();
    if domain.is_empty() || domain.len() > 253 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid-field",
            "`domain` must be a domain name (1 to 253 characters)",
        )
        .field("domain"));
    }
    if body.ips.len() > MAX_IPS {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid-field",
            format!(
                "`ips` has {} addresses; send at most {MAX_IPS}",
                body.ips.len()
            ),
        )
        .field("ips"));
    }
    let d = st.diagnoser.current();
    let ctx = Context::new(d.dns().clone());
    let before = ctx.dns.queries_sent();
    let mut report = mailwhy::spf::report(
        &ctx,
        domain,
        &body.ips,
        body.mail_from.as_deref(),
        body.helo.as_deref(),
    )
    .await;
    report.stats.dns_queries = ctx.dns.queries_sent().saturating_sub(before);
    Ok(Json(report))
}

/// `GET /api/v1/findings/{id}`: the catalog's explanation of a finding id.
async fn finding(Path(id): Path<String>) -> Result<Json<serde_json::Value>, ApiError> {
    let Some(k) = mailwhy::finding::lookup(&id) else {
        let close = mailwhy::finding::closest_ids(&id, 3);
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown-finding",
            if close.is_empty() {
                "no finding has this id".to_string()
            } else {
                format!("no finding has this id; did you mean {}?", close.join(", "))
            },
        )
        .field("id"));
    };
    Ok(Json(serde_json::json!({
        "id": k.id,
        "severity": k.severity,
        "title": k.title,
        "what_it_means": k.what_it_means,
        "why_it_matters": k.why_it_matters,
        "how_to_fix": k.how_to_fix,
    })))
}

/// Anything else: a JSON 404.
pub(crate) async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not-found",
        format!(
            "no such endpoint: {}; see /api/v1/health, /api/v1/diagnose?email=, /api/v1/address?email=",
            mailwhy::sanitize::line(uri.path())
        ),
    )
}

/// Errors of the tower limit layers: the deadline and the cap on requests in flight.
pub(crate) async fn limit_error(err: tower::BoxError) -> ApiError {
    if err.is::<tower::timeout::error::Elapsed>() {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            "the request took longer than the server's deadline; try again",
        )
    } else if err.is::<tower::load_shed::error::Overloaded>() {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            "the server is handling as many requests as it allows; try again shortly",
        )
    } else {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server could not handle this request",
        )
    }
}
