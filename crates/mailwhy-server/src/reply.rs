//! The JSON answer of every endpoint, errors included: the body serialized by the library's one
//! JSON writer ([`mailwhy::json`]), never by `axum::Json`. A report carries text from outside
//! (an address, a pasted bounce, a TXT record), and serde_json would pass C1 controls, bidi
//! overrides and zero-width characters through raw; the writer escapes them as `\uXXXX`, so
//! the page, a log viewer or a terminal that shows the answer cannot be steered by them.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// What a body that failed to serialize is replaced with (the types here always serialize;
/// this keeps a failure a JSON 500 rather than a panic).
const SERIALIZE_FAILED: &str = r#"{"error":{"status":500,"code":"internal","message":"the answer could not be written as JSON"}}"#;

/// A `200 OK` (or [`JsonReply::with_status`]) answer whose body is `T` as JSON.
#[derive(Debug)]
pub(crate) struct JsonReply<T> {
    status: StatusCode,
    body: T,
}

impl<T> JsonReply<T> {
    /// `body` with status 200.
    pub(crate) fn ok(body: T) -> Self {
        JsonReply {
            status: StatusCode::OK,
            body,
        }
    }

    /// `body` with `status`.
    pub(crate) fn with_status(status: StatusCode, body: T) -> Self {
        JsonReply { status, body }
    }
}

impl<T: Serialize> IntoResponse for JsonReply<T> {
    fn into_response(self) -> Response {
        let json = HeaderValue::from_static("application/json");
        match mailwhy::json::to_vec(&self.body) {
            Ok(bytes) => (self.status, [(header::CONTENT_TYPE, json)], bytes).into_response(),
            Err(e) => {
                tracing::error!("an answer could not be serialized: {e}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    [(header::CONTENT_TYPE, json)],
                    SERIALIZE_FAILED,
                )
                    .into_response()
            }
        }
    }
}
