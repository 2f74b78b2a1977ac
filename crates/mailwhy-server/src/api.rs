//! The JSON endpoints under `/v1`: input validation, the call into the library's workflow for
//! the endpoint (the function the CLI command calls, over the shared [`mailwhy::Diagnoser`]'s
//! DNS layer and inputs), and JSON errors with a status code. Reports are the CLI's `schema_version 1` JSON; the Markdown
//! rendering is the CLI's `--format markdown`. Each handler carries its `#[utoipa::path]`, and
//! the request and answer types derive their schema: `/openapi.json` is built from them.

use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
// `Json` only reads request bodies; every answer is a `JsonReply` (the library's JSON writer).
use axum::{Json, Router};
use mailwhy::check::Context;
use mailwhy::report::{render_markdown, Report};
use mailwhy::workflow::{
    self, AddressRequest, AllowlistLookupRequest, BlocklistRequest, LookupAnswer, MessageRequest,
    SpfRequest, TransportRequest,
};
use mailwhy::{DiagnoseRequest, TicketMessage};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::reply::JsonReply;
use crate::AppState;

/// Longest address accepted (RFC 5321 4.5.3.1.3: a path is at most 256 octets); anything
/// longer is refused before it reaches a check.
const MAX_ADDRESS_LEN: usize = 320;

/// Most addresses in one `POST /v1/address` (a bigger list is a batch job: `mailwhy batch`).
const MAX_ADDRESSES: usize = 100;

/// Most IPs in one `POST /v1/spf`.
const MAX_IPS: usize = 64;

/// Most IPs and domains in one `POST /v1/blocklist` (each is asked of every list).
const MAX_TARGETS: usize = 64;

/// Most entries in one `POST /v1/allowlist/check`.
const MAX_ENTRIES: usize = 1000;

/// The name a pasted message carries in a report.
const PASTED: &str = "pasted message";

/// An error answer: a status code, a machine-readable code and a message for a person, sent as
/// the JSON error body `{"error": {"status", "code", "message", "field"?}}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    field: Option<&'static str>,
}

/// The JSON body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ErrorBody {
    error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ErrorDetail {
    /// The HTTP status code, repeated.
    #[schema(example = 400)]
    status: u16,
    /// Machine-readable: `missing-field`, `invalid-field`, `bad-json`, `not-mail`,
    /// `no-allowlist`, `too-large`, `unsupported-media-type`, `unauthorized`, `not-found`,
    /// `unknown-finding`, `method-not-allowed`, `bad-request`, `overloaded`, `timeout`,
    /// `internal`.
    #[schema(example = "missing-field")]
    code: &'static str,
    /// For a person: what was wrong and what was expected.
    message: String,
    /// The request field at fault, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "email")]
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
        let body = ErrorBody {
            error: ErrorDetail {
                status: self.status.as_u16(),
                code: self.code,
                message: self.message,
                field: self.field,
            },
        };
        JsonReply::with_status(self.status, body).into_response()
    }
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/health", get(health_v1))
        .route("/diagnose", get(diagnose_get).post(diagnose_post))
        .route(
            "/diagnose.md",
            get(diagnose_markdown).post(diagnose_markdown_post),
        )
        .route("/address", get(address_get).post(address_post))
        .route("/spf", post(spf_post))
        .route("/blocklist", post(blocklist_post))
        .route("/transport", post(transport_post))
        .route("/allowlist/check", post(allowlist_check))
        .route("/message", post(message_post))
        .route("/findings/{id}", get(finding))
}

/// The liveness answer.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Health {
    /// Always `ok`.
    #[schema(example = "ok")]
    status: &'static str,
    /// The server's version.
    version: &'static str,
}

/// Is the server up? (`/healthz` needs no token and says nothing about the data; `/v1/health`
/// does when one is set.)
#[utoipa::path(get, path = "/healthz", tag = "service",
    responses((status = 200, description = "The server is up", body = Health)))]
pub(crate) async fn health() -> JsonReply<Health> {
    JsonReply::ok(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// The liveness answer with the state of the loaded data.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct HealthV1 {
    /// Always `ok`.
    #[schema(example = "ok")]
    status: &'static str,
    /// The server's version.
    version: &'static str,
    /// The user directory read from a file, when one was (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    directory: Option<DirectoryHealth>,
}

/// The directory export the server answers from, and the rows of it that could not be read.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DirectoryHealth {
    /// The file, as the server was given it.
    #[schema(example = "fixtures/demo/users.csv")]
    file: String,
    /// How many rows were skipped (every report lists them too, as `directory.rows-skipped`).
    skipped_rows: usize,
    /// The skipped rows, at most 100 of them, in file order.
    skipped: Vec<SkippedRow>,
}

/// One skipped row of the directory export.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SkippedRow {
    /// 1-based line of the file.
    line: usize,
    /// The column at fault, when one is.
    column: Option<String>,
    /// What was wrong and what was expected.
    message: String,
}

/// Skipped rows listed by `/v1/health` (`skipped_rows` counts them all).
const MAX_SKIPPED_LISTED: usize = 100;

/// Is the server up, does the token work, and which directory rows could not be read?
#[utoipa::path(get, path = "/v1/health", tag = "service", security(("bearer" = [])),
    responses((status = 200, description = "The server is up", body = HealthV1),
              (status = 401, description = "A token is set and was not sent", body = ErrorBody)))]
pub(crate) async fn health_v1(State(state): State<AppState>) -> JsonReply<HealthV1> {
    let d = state.diagnoser.current();
    let directory = d.directory_file().map(|file| {
        let skipped = d.directory_problems();
        DirectoryHealth {
            file: file.to_string(),
            skipped_rows: skipped.len(),
            skipped: skipped
                .iter()
                .take(MAX_SKIPPED_LISTED)
                .map(|p| SkippedRow {
                    line: p.line,
                    column: p.column.clone(),
                    message: p.message.clone(),
                })
                .collect(),
        }
    });
    JsonReply::ok(HealthV1 {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        directory,
    })
}

/// The query string of the address endpoints.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct EmailQuery {
    /// The address from the ticket.
    #[param(example = "jane.doe@acme-builders.com")]
    email: Option<String>,
}

/// The body of `POST /v1/diagnose` (and `POST /v1/diagnose.md`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DiagnoseBody {
    /// The address from the ticket.
    #[schema(example = "jane.doe@acme-builders.com")]
    email: Option<String>,
    /// The time to diagnose at (RFC 3339), e.g. for invitation reminders; default: the
    /// server's `--now` or its clock.
    #[schema(example = "2026-11-23T12:00:00Z")]
    now: Option<String>,
    /// A bounce or the headers of a received message, pasted as text (RFC 5322: it begins
    /// with header fields); read as `mailwhy diagnose --message` reads a file.
    message: Option<String>,
    /// Delivery evidence as uploaded text, one string per file: an ESP's event export or
    /// webhook dump, a suppression list, or a mail log; read as `mailwhy diagnose --events`
    /// reads a file (the report names them `uploaded events 1`, `2` ...).
    #[serde(default)]
    events: Vec<String>,
    /// DMARC aggregate reports (XML), failure reports or report emails (an mbox), and TLS
    /// reports (JSON) as uploaded text, one string per file; read as `mailwhy diagnose
    /// --reports` reads a file (named `uploaded report 1`, `2` ...). Those from the recipient's
    /// receiver covering the 14 days before `now` are evidence.
    #[serde(default)]
    reports: Vec<String>,
}

impl DiagnoseBody {
    /// The request, checked.
    fn request(self) -> Result<DiagnoseRequest, ApiError> {
        let email = email_param(self.email)?;
        let now = self.now.as_deref().map(now_param).transpose()?;
        let messages = match self.message {
            Some(m) if !m.trim().is_empty() => {
                let raw = m.into_bytes();
                mailwhy::message::check_looks_like_mail(mailwhy::message::skip_mbox_line(&raw))
                    .map_err(|e| {
                        ApiError::new(
                            StatusCode::BAD_REQUEST,
                            "not-mail",
                            format!("`message`: {e}; paste the whole bounce or the message's headers, starting with a header line such as \"Received:\" or \"From:\""),
                        )
                        .field("message")
                    })?;
                vec![TicketMessage::new(PASTED, raw)]
            }
            _ => vec![],
        };
        let events = self
            .events
            .into_iter()
            .enumerate()
            .map(|(i, text)| mailwhy::delivery::SourceFile::Text {
                name: format!("uploaded events {}", i + 1),
                text: text.into_bytes().into(),
            })
            .collect();
        let reports = self
            .reports
            .into_iter()
            .enumerate()
            .map(|(i, text)| mailwhy::delivery::SourceFile::Text {
                name: format!("uploaded report {}", i + 1),
                text: text.into_bytes().into(),
            })
            .collect();
        Ok(DiagnoseRequest {
            now,
            messages,
            events,
            reports,
            ..DiagnoseRequest::new(email)
        })
    }
}

fn now_param(raw: &str) -> Result<SystemTime, ApiError> {
    // The CLI's `--now` accepts the same forms (RFC 3339, or a date at midnight UTC).
    match mailwhy::directory::parse_time(raw) {
        Ok(Some(t)) => Ok(SystemTime::from(t)),
        _ => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid-field",
            format!(
                "`now` is {:?}; expected an RFC 3339 time such as 2026-11-23T12:00:00Z",
                mailwhy::sanitize::line(raw)
            ),
        )
        .field("now")),
    }
}

fn email_param(raw: Option<String>) -> Result<String, ApiError> {
    let email = raw.unwrap_or_default();
    // Only ASCII whitespace, the form's and the query string's noise: a no-break space or a
    // zero-width character pasted with the address is what the address check must see (the
    // command line reports it; `str::trim` would have removed it here).
    let email = email.trim_ascii();
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

/// Every check the server's inputs allow for one address, the most likely cause first.
#[utoipa::path(get, path = "/v1/diagnose", tag = "diagnose", params(EmailQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "The report (schema_version 1)", body = Report),
              (status = 400, description = "No address, or not one", body = ErrorBody),
              (status = 401, description = "Token missing or wrong", body = ErrorBody),
              (status = 503, description = "Overloaded or past the deadline", body = ErrorBody)))]
pub(crate) async fn diagnose_get(
    State(st): State<AppState>,
    q: Result<Query<EmailQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<JsonReply<Report>, ApiError> {
    let email = email_param(query_or_400(q)?)?;
    let report = st
        .diagnoser
        .current()
        .diagnose(&DiagnoseRequest::new(email))
        .await;
    st.metrics.report(&report);
    Ok(JsonReply::ok(report))
}

/// [`diagnose_get`] with a JSON body: the address, a `now`, and a pasted bounce or headers.
#[utoipa::path(post, path = "/v1/diagnose", tag = "diagnose", request_body = DiagnoseBody,
    security(("bearer" = [])),
    responses((status = 200, description = "The report (schema_version 1)", body = Report),
              (status = 400, description = "A field is missing or malformed (`field` names it)", body = ErrorBody),
              (status = 401, description = "Token missing or wrong", body = ErrorBody),
              (status = 413, description = "Body over the cap", body = ErrorBody),
              (status = 415, description = "Not `application/json`", body = ErrorBody),
              (status = 503, description = "Overloaded or past the deadline", body = ErrorBody)))]
pub(crate) async fn diagnose_post(
    State(st): State<AppState>,
    body: JsonBody<DiagnoseBody>,
) -> Result<JsonReply<Report>, ApiError> {
    let report = diagnose_body(&st, body).await?;
    Ok(JsonReply::ok(report))
}

async fn diagnose_body(st: &AppState, body: JsonBody<DiagnoseBody>) -> Result<Report, ApiError> {
    let body = json_or_400(
        body,
        r#"{"email": "jane@example.com", "now"?: "2026-11-23T12:00:00Z", "message"?: "Received: ..."}"#,
    )?;
    let request = body.request()?;
    let report = st.diagnoser.current().diagnose(&request).await;
    st.metrics.report(&report);
    Ok(report)
}

fn markdown(report: Report) -> Response {
    (
        [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
        render_markdown(&[report]),
    )
        .into_response()
}

/// The Markdown rendering of the diagnosis, for pasting into a ticket.
#[utoipa::path(get, path = "/v1/diagnose.md", tag = "diagnose", params(EmailQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "The CLI's Markdown report", body = String, content_type = "text/markdown"),
              (status = 400, description = "No address, or not one", body = ErrorBody)))]
pub(crate) async fn diagnose_markdown(
    State(st): State<AppState>,
    q: Result<Query<EmailQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let email = email_param(query_or_400(q)?)?;
    let report = st
        .diagnoser
        .current()
        .diagnose(&DiagnoseRequest::new(email))
        .await;
    st.metrics.report(&report);
    Ok(markdown(report))
}

/// The Markdown rendering of `POST /v1/diagnose` (same body).
#[utoipa::path(post, path = "/v1/diagnose.md", tag = "diagnose", request_body = DiagnoseBody,
    security(("bearer" = [])),
    responses((status = 200, description = "The CLI's Markdown report", body = String, content_type = "text/markdown"),
              (status = 400, description = "A field is missing or malformed", body = ErrorBody)))]
pub(crate) async fn diagnose_markdown_post(
    State(st): State<AppState>,
    body: JsonBody<DiagnoseBody>,
) -> Result<Response, ApiError> {
    Ok(markdown(diagnose_body(&st, body).await?))
}

/// The address and recipient-domain checks alone.
#[utoipa::path(get, path = "/v1/address", tag = "address", params(EmailQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "The address report", body = Report),
              (status = 400, description = "No address, or not one", body = ErrorBody)))]
pub(crate) async fn address_get(
    State(st): State<AppState>,
    q: Result<Query<EmailQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<JsonReply<Report>, ApiError> {
    let email = email_param(query_or_400(q)?)?;
    let ctx = Context::new(st.diagnoser.current().dns().clone());
    let request = AddressRequest {
        addresses: vec![email],
    };
    let report = workflow::address(&ctx, &request)
        .await
        .pop()
        .expect("one report per address");
    st.metrics.report(&report);
    Ok(JsonReply::ok(report))
}

/// The body of `POST /v1/address`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AddressBody {
    /// 1 to 100 addresses.
    #[schema(example = json!(["jane.doe@acme-builders.com", "someone@gmial.com"]))]
    emails: Vec<String>,
}

/// One address report per address, in order, over the shared cache.
#[utoipa::path(post, path = "/v1/address", tag = "address", request_body = AddressBody,
    security(("bearer" = [])),
    responses((status = 200, description = "One report per address, in order", body = Vec<Report>),
              (status = 400, description = "`emails` empty, too long, or holding a blank", body = ErrorBody)))]
pub(crate) async fn address_post(
    State(st): State<AppState>,
    body: JsonBody<AddressBody>,
) -> Result<JsonReply<Vec<Report>>, ApiError> {
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
    let ctx = Context::new(st.diagnoser.current().dns().clone());
    // Concurrent over the shared cache, in the order of the input.
    let reports = workflow::address(&ctx, &AddressRequest { addresses: emails }).await;
    reports.iter().for_each(|r| st.metrics.report(r));
    Ok(JsonReply::ok(reports))
}

/// The body of `POST /v1/spf`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SpfBody {
    /// The domain whose SPF policy is evaluated.
    #[schema(example = "procore.com")]
    domain: String,
    /// Sending IPs to evaluate (IPv4 or IPv6), at most 64.
    #[serde(default)]
    #[schema(value_type = Vec<String>, example = json!(["167.89.22.86"]))]
    ips: Vec<std::net::IpAddr>,
    /// The envelope sender (MAIL FROM), for macros.
    mail_from: Option<String>,
    /// The HELO name, for macros.
    helo: Option<String>,
}

/// The SPF report for a domain and sending IPs, with the evaluation trace.
#[utoipa::path(post, path = "/v1/spf", tag = "spf", request_body = SpfBody,
    security(("bearer" = [])),
    responses((status = 200, description = "The SPF report", body = Report),
              (status = 400, description = "Bad domain or IPs", body = ErrorBody)))]
pub(crate) async fn spf_post(
    State(st): State<AppState>,
    body: JsonBody<SpfBody>,
) -> Result<JsonReply<Report>, ApiError> {
    let body = json_or_400(
        body,
        r#"{"domain": "example.com", "ips": ["192.0.2.1"], "mail_from"?: "...", "helo"?: "..."}"#,
    )?;
    // The CLI's rule (`mailwhy spf 'bad domain!'` exits 2): a name that is not a host name is
    // a bad request, not a lookup whose NXDOMAIN would read as "no SPF record".
    let domain = mailwhy::dns::host_name(body.domain.trim()).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid-field",
            format!("`domain` must be a domain name: {}", e.reason),
        )
        .field("domain")
    })?;
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
    let request = SpfRequest {
        domain,
        ips: body.ips,
        mail_from: body.mail_from,
        helo: body.helo,
    };
    let ctx = Context::new(st.diagnoser.current().dns().clone());
    let report = workflow::spf(&ctx, &request).await;
    st.metrics.report(&report);
    Ok(JsonReply::ok(report))
}

/// The body of `POST /v1/blocklist`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BlocklistBody {
    /// IP addresses (IPv4 or IPv6) and domains to look up, at most 64.
    #[schema(example = json!(["167.89.22.86", "procore.com"]))]
    targets: Vec<String>,
    /// Blocklist zones to ask instead of the server's (`ZONE` for an IP list, `domain:ZONE` for
    /// a domain list).
    #[serde(default)]
    #[schema(example = json!(["zen.spamhaus.org", "dbl.spamhaus.org"]))]
    lists: Vec<String>,
}

/// IPs and domains on DNS blocklists, return codes decoded per list: `mailwhy blocklist`.
#[utoipa::path(post, path = "/v1/blocklist", tag = "blocklist", request_body = BlocklistBody,
    security(("bearer" = [])),
    responses((status = 200, description = "The blocklist report", body = Report),
              (status = 400, description = "Bad targets or lists", body = ErrorBody)))]
pub(crate) async fn blocklist_post(
    State(st): State<AppState>,
    body: JsonBody<BlocklistBody>,
) -> Result<JsonReply<Report>, ApiError> {
    let body = json_or_400(
        body,
        r#"{"targets": ["192.0.2.1", "example.com"], "lists"?: ["zen.spamhaus.org"]}"#,
    )?;
    let bad = |field: &'static str, message: String| {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid-field", message).field(field)
    };
    if body.targets.is_empty() || body.targets.len() > MAX_TARGETS {
        return Err(bad(
            "targets",
            format!(
                "`targets` has {} entries; send 1 to {MAX_TARGETS}",
                body.targets.len()
            ),
        ));
    }
    let targets = body
        .targets
        .iter()
        .map(|t| mailwhy::blocklist::Target::parse(t.trim()).map_err(|m| bad("targets", m)))
        .collect::<Result<Vec<_>, _>>()?;
    let lists = body
        .lists
        .iter()
        .map(|z| mailwhy::blocklist::List::parse(z).map_err(|m| bad("lists", m)))
        .collect::<Result<Vec<_>, _>>()?;
    let diagnoser = st.diagnoser.current();
    let request = BlocklistRequest {
        targets,
        lists: if lists.is_empty() {
            diagnoser.blocklists().to_vec()
        } else {
            lists
        },
    };
    let ctx = Context::new(diagnoser.dns().clone());
    let report = workflow::blocklist(&ctx, &request).await;
    st.metrics.report(&report);
    Ok(JsonReply::ok(report))
}

/// The body of `POST /v1/transport`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TransportBody {
    /// The recipient domain whose MTA-STS, TLS-RPT and DANE records are checked.
    #[schema(example = "acme-builders.com")]
    domain: String,
    /// Also probe each MX host (connect on port 25, EHLO, STARTTLS, TLS handshake and
    /// certificate, QUIT; no mail is sent), as `mailwhy transport --probe`. Off by default:
    /// without it the server connects to no MX.
    #[serde(default)]
    probe: bool,
}

/// The recipient domain's transport rules, as `mailwhy transport DOMAIN [--probe]`: the
/// MTA-STS record and policy against every MX host, TLS-RPT, the MX hosts' TLSA records, and
/// with `probe` a STARTTLS probe of each MX. The policy is fetched with the server's
/// `--ca-file` and `--https-port`.
#[utoipa::path(post, path = "/v1/transport", tag = "transport", request_body = TransportBody,
    security(("bearer" = [])),
    responses((status = 200, description = "The transport report", body = Report),
              (status = 400, description = "`domain` is not a domain name", body = ErrorBody),
              (status = 503, description = "Overloaded or past the deadline", body = ErrorBody)))]
pub(crate) async fn transport_post(
    State(st): State<AppState>,
    body: JsonBody<TransportBody>,
) -> Result<JsonReply<Report>, ApiError> {
    let body = json_or_400(body, r#"{"domain": "example.com", "probe"?: false}"#)?;
    // The CLI's rule (`mailwhy transport 'bad domain!'` exits 2).
    let domain = mailwhy::dns::host_name(body.domain.trim()).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid-field",
            format!("`domain` must be a domain name: {}", e.reason),
        )
        .field("domain")
    })?;
    let d = st.diagnoser.current();
    let fetch = d.transport_fetch().clone();
    // As the CLI's `--probe`: the policy fetch's time limit and trusted roots.
    let probe = body.probe.then(|| mailwhy::transport::ProbeOptions {
        port: st.smtp_probe_port,
        timeout: fetch.timeout,
        roots: fetch.roots.clone(),
    });
    let request = TransportRequest {
        domain,
        fetch,
        probe,
    };
    let ctx = Context::new(d.dns().clone());
    let report = workflow::transport(&ctx, &request).await;
    st.metrics.report(&report);
    Ok(JsonReply::ok(report))
}

/// The body of `POST /v1/allowlist/check`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AllowlistCheckBody {
    /// IP addresses or domains to look up, 1 to 1000.
    #[schema(example = json!(["167.89.22.86", "mail.procore.com"]))]
    entries: Vec<String>,
}

/// Looks IPs and domains up in the server's gateway allowlist, as `mailwhy allowlist --check`.
#[utoipa::path(post, path = "/v1/allowlist/check", tag = "allowlist",
    request_body = AllowlistCheckBody, security(("bearer" = [])),
    responses((status = 200, description = "One result per entry, in order", body = LookupAnswer),
              (status = 400, description = "No allowlist configured (`no-allowlist`), or an entry that is neither an IP nor a domain", body = ErrorBody)))]
pub(crate) async fn allowlist_check(
    State(st): State<AppState>,
    body: JsonBody<AllowlistCheckBody>,
) -> Result<JsonReply<LookupAnswer>, ApiError> {
    let body = json_or_400(body, r#"{"entries": ["192.0.2.1", "mail.example.com"]}"#)?;
    let d = st.diagnoser.current();
    let Some(list) = d.allowlist() else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "no-allowlist",
            "this server has no gateway allowlist to check `entries` against; start it with --allowlist FILE (or `allowlist` in --config)",
        )
        .field("entries"));
    };
    if body.entries.is_empty() || body.entries.len() > MAX_ENTRIES {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid-field",
            format!(
                "`entries` has {} items; send 1 to {MAX_ENTRIES} IP addresses or domains",
                body.entries.len()
            ),
        )
        .field("entries"));
    }
    let answer = workflow::allowlist_lookup(&AllowlistLookupRequest {
        list,
        profile: d.sender(),
        entries: body.entries,
    });
    // An entry that is neither an IP nor a domain is a bad request, not an unlisted entry.
    if let Some((i, e)) = answer
        .results
        .iter()
        .enumerate()
        .find_map(|(i, r)| r.error.as_ref().map(|e| (i, e)))
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid-field",
            format!("`entries[{i}]`: {}", mailwhy::sanitize::line(e)),
        )
        .field("entries"));
    }
    Ok(JsonReply::ok(answer))
}

/// The query string of `POST /v1/message`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct MessageQuery {
    /// The address from the ticket: report when the message went elsewhere.
    ticket_address: Option<String>,
    /// Report hops that held the message longer than this many seconds (default 900).
    hop_delay: Option<i64>,
}

/// The full report on one received message or bounce, as `mailwhy message FILE`: the
/// Received chain with hop delays, authentication results, spam verdicts, the bounce reading,
/// the sender against the server's allowlist (or its sender profile), and for a received
/// message its SPF, DKIM and DMARC computed by mailwhy beside the receivers' results.
#[utoipa::path(post, path = "/v1/message", tag = "message", params(MessageQuery),
    request_body(content = String, content_type = "message/rfc822",
        description = "The raw message or bounce (RFC 5322), up to the body cap (25 MB by default)"),
    security(("bearer" = [])),
    responses((status = 200, description = "The message report", body = Report),
              (status = 400, description = "Empty, or not a mail message", body = ErrorBody),
              (status = 413, description = "Over the body cap", body = ErrorBody)))]
pub(crate) async fn message_post(
    State(st): State<AppState>,
    q: Result<Query<MessageQuery>, axum::extract::rejection::QueryRejection>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<JsonReply<Report>, ApiError> {
    let Query(q) =
        q.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad-query", e.body_text()))?;
    let raw = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "the message is over this server's body cap (25 MB unless configured otherwise)",
            )
        } else {
            ApiError::new(e.status(), "bad-body", e.body_text())
        }
    })?;
    let ticket = q
        .ticket_address
        .map(|t| email_param(Some(t)).map_err(|e| e.field("ticket_address")))
        .transpose()?;
    let options = mailwhy::message::Options {
        hop_delay_threshold_secs: q
            .hop_delay
            .unwrap_or(mailwhy::message::Options::default().hop_delay_threshold_secs),
        ..Default::default()
    };
    let d = st.diagnoser.current();
    // As the CLI: the allowlist when there is one, else what the vendor's profile publishes.
    let from_profile = d.sender().map(mailwhy::allowlist::Allowlist::from_profile);
    let request = MessageRequest {
        name: "message".into(),
        raw: &raw,
        options,
        ticket_address: ticket,
        allowlist: d.allowlist().or(from_profile.as_ref()),
    };
    let ctx = Context::new(d.dns().clone());
    let report = workflow::message(&ctx, &request)
        .await
        .map_err(|e| match e {
            mailwhy::message::NotMail::TooLarge { .. } => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too-large", e.to_string())
            }
            _ => ApiError::new(
                StatusCode::BAD_REQUEST,
                "not-mail",
                format!("the body is not a mail message: {e}"),
            )
            .field("body"),
        })?;
    st.metrics.report(&report);
    Ok(JsonReply::ok(report))
}

/// What a finding id means, why it matters and how to fix it (`mailwhy explain ID`).
#[utoipa::path(get, path = "/v1/findings/{id}", tag = "findings",
    params(("id" = String, Path, description = "A finding id, e.g. `user.messaging-disabled`")),
    security(("bearer" = [])),
    responses((status = 200, description = "The explanation", body = mailwhy::finding::FindingKind),
              (status = 404, description = "No such id (the message suggests close ones)", body = ErrorBody)))]
pub(crate) async fn finding(
    Path(id): Path<String>,
) -> Result<JsonReply<&'static mailwhy::finding::FindingKind>, ApiError> {
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
    Ok(JsonReply::ok(k))
}

/// Counters and a latency histogram for Prometheus (no token: they hold no addresses).
#[utoipa::path(get, path = "/metrics", tag = "service",
    responses((status = 200, description = "OpenMetrics text: requests by route and status, latency, DNS queries sent, cache hits, inconclusive checks",
        body = String, content_type = "application/openmetrics-text")))]
pub(crate) async fn metrics(State(st): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)],
        st.metrics.encode(),
    )
        .into_response()
}

/// Anything else: a JSON 404.
pub(crate) async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not-found",
        format!(
            "no such endpoint: {}; the endpoints are listed in /openapi.json",
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
