//! Every error answer is the JSON error body: the answers the router makes on its own (a `405`
//! for a method a route does not take, which axum sends with an empty body, or a rejection
//! in plain text from an extractor no handler turned into an [`ApiError`]) are rewritten here,
//! keeping their status and headers (`Allow` on a 405), so a client never has to parse anything
//! but JSON on an error.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::api::ApiError;

/// The longest plain-text error body kept as the message (axum's rejections are one line).
const MESSAGE_CAP: usize = 2048;

/// Middleware: a non-JSON error answer becomes the JSON error body.
pub(crate) async fn json_errors(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let resp = next.run(req).await;
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(&resp) {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let text = match axum::body::to_bytes(body, MESSAGE_CAP).await {
        Ok(b) => mailwhy::sanitize::line(&String::from_utf8_lossy(&b)).to_string(),
        Err(_) => String::new(),
    };
    let (code, message) = describe(status, &method, parts.headers.get(header::ALLOW), text);
    let json = ApiError::new(status, code, message).into_response();
    let (json_parts, json_body) = json.into_parts();
    // The original headers stay (Allow, WWW-Authenticate ...); the body's own are replaced.
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in json_parts.headers.iter() {
        parts.headers.insert(name.clone(), value.clone());
    }
    Response::from_parts(parts, Body::new(json_body))
}

fn is_json(resp: &Response) -> bool {
    resp.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// The code and message of an answer the router made without a handler's words.
fn describe(
    status: StatusCode,
    method: &axum::http::Method,
    allow: Option<&HeaderValue>,
    text: String,
) -> (&'static str, String) {
    let said = |fallback: &str| {
        if text.is_empty() {
            fallback.to_string()
        } else {
            text.clone()
        }
    };
    match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            let allowed = allow.and_then(|v| v.to_str().ok()).unwrap_or("");
            (
                "method-not-allowed",
                format!(
                    "{} is not allowed on this endpoint; allowed: {}",
                    mailwhy::sanitize::line(method.as_str()),
                    if allowed.is_empty() { "none" } else { allowed }
                ),
            )
        }
        StatusCode::NOT_FOUND => ("not-found", said("no such endpoint")),
        StatusCode::PAYLOAD_TOO_LARGE => ("too-large", said("the request body is too large")),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ("unsupported-media-type", said("unsupported content type"))
        }
        StatusCode::UNAUTHORIZED => ("unauthorized", said("a bearer token is needed")),
        s if s.is_client_error() => ("bad-request", said("the request could not be read")),
        _ => (
            "internal",
            "the server could not handle this request".to_string(),
        ),
    }
}
