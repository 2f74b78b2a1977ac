//! Every answer of the server, reports and errors alike, goes through the library's one JSON
//! writer: text from the request (an address, a pasted bounce, a field name) comes back with its
//! C1 controls, bidi controls and zero-width characters as `\uXXXX`, never raw.

use crate::support;

use mailwhy::report::Report;
use reqwest::StatusCode;
use support::{client, demo_diagnoser, start};

/// An address with a C1 CSI, a right-to-left override and a zero-width space in it.
const HOSTILE_EMAIL: &str = "ja\u{9b}ne\u{202e}moc.\u{200b}@acme-builders.com";

/// The classes the writer escapes, listed here on their own rather than taken from the writer:
/// C0, DEL and C1 controls, bidi controls, zero-width and invisible characters, U+2028/U+2029.
fn must_be_escaped(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1F}' | '\u{7F}'..='\u{9F}' | '\u{061C}' | '\u{200B}'..='\u{200F}'
        | '\u{2028}'..='\u{202E}' | '\u{2060}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Asserts `body` holds no raw character of the escaped classes and is one JSON document;
/// returns it parsed.
fn escaped_json(what: &str, body: &[u8]) -> serde_json::Value {
    let text = std::str::from_utf8(body).unwrap_or_else(|e| panic!("{what}: not UTF-8: {e}"));
    if let Some(c) = text.chars().find(|&c| must_be_escaped(c)) {
        panic!("{what}: raw U+{:04X} in {text}", c as u32);
    }
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{what}: not JSON: {e}: {text}"))
}

/// Guards issue #17 defect 8: every `serve` answer carried U+009B, U+202E and U+200B raw
/// (axum's `Json` serializes with serde_json's defaults).
#[tokio::test]
async fn server_answers_escape_c1_bidi_and_zero_width_characters() {
    let s = start(demo_diagnoser().await, Default::default()).await;
    let c = client();

    // Reports: the address comes back as the subject, equal once parsed.
    let resp = c
        .get(s.url("/v1/address"))
        .query(&[("email", HOSTILE_EMAIL)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let v = escaped_json("GET /v1/address", &resp.bytes().await.unwrap());
    let r: Report = serde_json::from_value(v).unwrap();
    assert_eq!(r.subject, HOSTILE_EMAIL);

    let resp = c
        .post(s.url("/v1/address"))
        .json(&serde_json::json!({ "emails": [HOSTILE_EMAIL, HOSTILE_EMAIL] }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let v = escaped_json("POST /v1/address", &resp.bytes().await.unwrap());
    assert_eq!(v[1]["subject"], HOSTILE_EMAIL);

    // A pasted bounce whose diagnostic carries them.
    let bounce = std::fs::read_to_string(mailwhy_tests::fixture("message/bounce.user-unknown.eml"))
        .unwrap()
        .replace("User unknown", "User \u{9b}2J unknown \u{202e}\u{200b}");
    let resp = c
        .post(s.url("/v1/diagnose"))
        .json(&serde_json::json!({ "email": HOSTILE_EMAIL, "message": bounce }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let v = escaped_json("POST /v1/diagnose", &resp.bytes().await.unwrap());
    assert_eq!(v["subject"], HOSTILE_EMAIL);
    assert!(v.to_string().contains("unknown \u{202e}\u{200b}"), "{v}");

    let resp = c
        .post(s.url("/v1/message"))
        .header("content-type", "message/rfc822")
        .body(bounce)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let v = escaped_json("POST /v1/message", &resp.bytes().await.unwrap());
    assert!(v.to_string().contains("\u{9b}2J unknown"), "{v}");

    // Errors: serde's message names the unknown field as it was sent.
    let resp = c
        .post(s.url("/v1/diagnose"))
        .header("content-type", "application/json")
        .body("{\"email\": \"a@b.example\", \"x\u{9b}\u{202e}\u{200b}\": 1}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let v = escaped_json("bad-json error", &resp.bytes().await.unwrap());
    assert_eq!(v["error"]["code"], "bad-json");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("x\u{9b}\u{202e}\u{200b}"),
        "{v}"
    );
}
