//! The bearer-token rule of the API: `Authorization: Bearer <token>`, compared in constant time
//! so the comparison's duration says nothing about how much of a guess was right. The token is
//! never logged or echoed.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use crate::api::ApiError;

/// The expected token, if any.
#[derive(Clone)]
pub(crate) struct Token(Option<Arc<[u8]>>);

impl Token {
    pub fn new(token: Option<String>) -> Token {
        Token(
            token
                .filter(|t| !t.is_empty())
                .map(|t| Arc::from(t.into_bytes())),
        )
    }

    /// Does `presented` match? `ct_eq` on slices of different lengths is false without looking
    /// at the bytes; only the length can leak, which the token's owner chooses.
    fn accepts(&self, presented: Option<&[u8]>) -> bool {
        match (&self.0, presented) {
            (None, _) => true,
            (Some(want), Some(got)) => bool::from(want.as_ref().ct_eq(got)),
            (Some(_), None) => false,
        }
    }
}

/// The credentials of a `Bearer` authorization: the scheme's name is case-insensitive (RFC 9110
/// §11.1, so `bearer` and `BEARER` are the same scheme) and is followed by one or more spaces.
fn bearer_credentials(value: &[u8]) -> Option<&[u8]> {
    let (scheme, rest) = value.split_at_checked(6)?;
    if !scheme.eq_ignore_ascii_case(b"bearer") || rest.first() != Some(&b' ') {
        return None;
    }
    Some(rest.trim_ascii())
}

/// Middleware: 401 with a JSON error unless the request carries the token.
pub(crate) async fn require_token(
    State(token): State<Token>,
    req: Request,
    next: Next,
) -> Response {
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| bearer_credentials(v.as_bytes()));
    if token.accepts(presented) {
        return next.run(req).await;
    }
    let mut resp = ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "this server needs a bearer token: send `Authorization: Bearer <token>`",
    )
    .into_response();
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer realm=\"mailwhy\""),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_rule() {
        let none = Token::new(None);
        assert!(none.accepts(None));
        let empty = Token::new(Some(String::new()));
        assert!(empty.accepts(None), "an empty token means no token");
        let t = Token::new(Some("s3cret".into()));
        assert!(t.accepts(Some(b"s3cret")));
        assert!(!t.accepts(Some(b"s3cre")));
        assert!(!t.accepts(Some(b"s3cret!")));
        assert!(!t.accepts(Some(b"")));
        assert!(!t.accepts(None));
    }

    /// Guards the scheme's case: `Authorization: bearer x` was refused, though an
    /// authentication scheme's name is case-insensitive (RFC 9110 §11.1).
    #[test]
    fn bearer_scheme_is_case_insensitive() {
        for v in [
            "Bearer s3cret",
            "bearer s3cret",
            "BEARER  s3cret",
            "bEaReR s3cret ",
        ] {
            assert_eq!(
                bearer_credentials(v.as_bytes()),
                Some(&b"s3cret"[..]),
                "{v}"
            );
        }
        for v in ["Bearers3cret", "Basic s3cret", "Bearer", "Bear s3cret", ""] {
            assert_eq!(bearer_credentials(v.as_bytes()), None, "{v}");
        }
    }
}
