//! DKIM signature verification of a received message, with the reason for a failure in words a
//! support agent understands (body changed in transit, header changed, key not found, signature
//! expired, algorithm too weak).
//!
//! Canonicalization and the RSA/Ed25519 arithmetic are mail-auth's (never hand-written here).
//! Its key lookups are answered through *our* DNS layer: before verifying, every
//! `<s>._domainkey.<d>` named by a `DKIM-Signature` is asked through [`crate::dns::Dns`] (so it is
//! cached, counted and shown in the query log) and handed to mail-auth as a pre-filled TXT cache;
//! mail-auth's own resolver points nowhere.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use mail_auth::common::crypto::CryptoError;
use mail_auth::common::parse::TxtRecordParser;
use mail_auth::common::verify::DomainKey;
use mail_auth::dkim::DkimError;
use mail_auth::hickory_resolver::config::{ResolverConfig, ResolverOpts};
use mail_auth::{
    AuthenticatedMessage, DkimResult, DnsError, Error, MessageAuthenticator, Parameters,
    ResolverCache, Txt,
};
use serde::Serialize;

use crate::check::{CheckOutcome, Context};
use crate::dns::{Outcome, RecordType};
use crate::finding::Finding;
use crate::finding::FindingId;
use crate::sanitize;

/// Why a signature did not verify, as a support agent would say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailReason {
    /// The body hash does not match: the body changed after signing (a footer, rewritten links).
    BodyChanged,
    /// The header hash does not match: a signed header (Subject, From ...) changed, or the key
    /// does not belong to the signature.
    HeaderChanged,
    /// No key is published for the selector.
    KeyNotFound,
    /// The key record is revoked (empty `p=`).
    KeyRevoked,
    /// The key record or the signature does not parse.
    Malformed,
    /// The signature's `x=` is in the past.
    Expired,
    /// The algorithm or key type is not accepted (rsa-sha1, a key too short).
    WeakAlgorithm,
    /// The key lookup failed temporarily.
    DnsTemporary,
    /// Another reason (the detail says which).
    Other,
}

impl FailReason {
    /// The reason in words.
    pub fn words(self) -> &'static str {
        match self {
            FailReason::BodyChanged => "the body changed in transit (a gateway or list added a footer, a disclaimer or rewrote links)",
            FailReason::HeaderChanged => "a signed header changed in transit (for example the Subject was tagged), or the published key does not match the signing key",
            FailReason::KeyNotFound => "the signing key was not found in DNS (unknown or deleted selector)",
            FailReason::KeyRevoked => "the signing key has been revoked (empty p= in DNS)",
            FailReason::Malformed => "the signature or its key record is malformed",
            FailReason::Expired => "the signature has expired (its x= time has passed)",
            FailReason::WeakAlgorithm => "the algorithm or key is too weak or not supported (rsa-sha1, or a key under 1024 bits)",
            FailReason::DnsTemporary => "the key could not be looked up (temporary DNS failure)",
            FailReason::Other => "the signature does not verify",
        }
    }
}

/// The verification of one `DKIM-Signature`.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureResult {
    /// The signing domain (`d=`).
    pub domain: String,
    /// The selector (`s=`).
    pub selector: String,
    /// `pass`, `fail`, `neutral`, `permerror`, `temperror`.
    pub result: &'static str,
    /// Why it failed, when it did.
    pub reason: Option<FailReason>,
    /// mail-auth's own error text.
    pub detail: Option<String>,
}

/// A TXT cache for mail-auth, filled from our DNS layer before verification.
struct Prefilled(Mutex<HashMap<Box<str>, Txt>>);

impl ResolverCache<Box<str>, Txt> for Prefilled {
    fn get<Q>(&self, key: &Q) -> Option<Txt>
    where
        Box<str>: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.lock().expect("cache lock").get(key).cloned()
    }

    fn remove<Q>(&self, key: &Q) -> Option<Txt>
    where
        Box<str>: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.lock().expect("cache lock").remove(key)
    }

    fn insert(&self, key: Box<str>, value: Txt, _valid_until: std::time::Instant) {
        self.0.lock().expect("cache lock").insert(key, value);
    }
}

/// mail-auth's authenticator with a resolver that has no server: every lookup it would make is
/// answered from the pre-filled cache.
fn authenticator() -> Arc<MessageAuthenticator> {
    static AUTH: std::sync::OnceLock<Arc<MessageAuthenticator>> = std::sync::OnceLock::new();
    AUTH.get_or_init(|| {
        Arc::new(
            MessageAuthenticator::new(
                ResolverConfig::from_parts(None, vec![], vec![]),
                ResolverOpts::default(),
            )
            .expect("a resolver without servers builds"),
        )
    })
    .clone()
}

fn classify(r: &DkimResult) -> (&'static str, Option<FailReason>, Option<String>) {
    let reason = |e: &Error| match e {
        Error::Dkim(DkimError::FailedBodyHashMatch) => FailReason::BodyChanged,
        Error::Crypto(CryptoError::FailedVerification) => FailReason::HeaderChanged,
        Error::Dkim(DkimError::RevokedPublicKey) => FailReason::KeyRevoked,
        Error::Dkim(DkimError::SignatureExpired) => FailReason::Expired,
        Error::Dkim(
            DkimError::UnsupportedAlgorithm
            | DkimError::UnsupportedKeyType
            | DkimError::UnsupportedVersion
            | DkimError::UnsupportedCanonicalization,
        )
        | Error::Crypto(CryptoError::IncompatibleAlgorithms) => FailReason::WeakAlgorithm,
        Error::Dns(DnsError::Resolver(_)) => FailReason::DnsTemporary,
        Error::Dns(_) => FailReason::KeyNotFound,
        Error::ParseError | Error::Base64 | Error::MissingParameters => FailReason::Malformed,
        _ => FailReason::Other,
    };
    match r {
        DkimResult::Pass => ("pass", None, None),
        // mail-auth reports a body hash mismatch as neutral; RFC 6376 §6.1.3 makes it a
        // failure ("body hash did not verify"), and receivers record dkim=fail.
        DkimResult::Neutral(e @ Error::Dkim(DkimError::FailedBodyHashMatch)) => {
            ("fail", Some(reason(e)), Some(e.to_string()))
        }
        DkimResult::Neutral(e) => ("neutral", Some(reason(e)), Some(e.to_string())),
        DkimResult::Fail(e) => ("fail", Some(reason(e)), Some(e.to_string())),
        DkimResult::PermError(e) => ("permerror", Some(reason(e)), Some(e.to_string())),
        DkimResult::TempError(e) => ("temperror", Some(reason(e)), Some(e.to_string())),
        DkimResult::None => ("none", None, None),
    }
}

/// Verifies every `DKIM-Signature` of `msg` (mail-auth's view of the message, which
/// [`crate::message::Parsed::authenticated`] builds from the one parse). Adds one
/// `dkim.signature-failed` per signature that does not pass; a temporary DNS failure makes the
/// check inconclusive instead.
pub async fn verify(
    ctx: &Context,
    msg: &AuthenticatedMessage<'_>,
) -> (CheckOutcome, Vec<SignatureResult>) {
    let mut c = CheckOutcome::start("dkim-signatures");
    // Ask our DNS layer for every key the signatures name, and hand the answers to mail-auth.
    let cache = Prefilled(Mutex::new(HashMap::new()));
    let far = std::time::Instant::now() + std::time::Duration::from_secs(3600);
    for h in &msg.dkim_headers {
        let name = format!("{}._domainkey.{}", h.header.s, h.header.d).to_ascii_lowercase();
        let key: Box<str> = format!("{name}.").into_boxed_str();
        if cache.get::<str>(&key).is_some() {
            continue;
        }
        let value = match ctx.dns.query(&name, RecordType::TXT).await {
            Err(_) => Txt::Error(Error::Dns(DnsError::InvalidRecordType)),
            Ok(a) => {
                if c.dns_failure(&a, &format!("the DKIM key {name}")) {
                    Txt::Error(Error::Dns(DnsError::Resolver(a.outcome.kind().into())))
                } else {
                    match a.txt().first() {
                        Some(t) => match DomainKey::parse(t) {
                            Ok(k) => Txt::DomainKey(Arc::new(k)),
                            Err(e) => Txt::Error(e),
                        },
                        None => Txt::Error(Error::Dns(DnsError::RecordNotFound(match a.outcome {
                            Outcome::NxDomain => {
                                mail_auth::hickory_resolver::proto::op::ResponseCode::NXDomain
                            }
                            _ => mail_auth::hickory_resolver::proto::op::ResponseCode::NoError,
                        }))),
                    }
                }
            }
        };
        cache.insert(key, value, far);
    }
    let outputs = authenticator()
        .verify_dkim(Parameters::new(msg).with_txt_cache(&cache))
        .await;
    let mut results = Vec::new();
    for o in &outputs {
        let (result, reason, detail) = classify(o.result());
        let (domain, selector) = o
            .signature()
            .map(|s| (s.d.clone(), s.s.clone()))
            .unwrap_or_default();
        let r = SignatureResult {
            domain,
            selector,
            result,
            reason,
            detail,
        };
        if let Some(why) = r.reason.filter(|w| *w != FailReason::DnsTemporary) {
            c.push(
                Finding::new(FindingId::DkimSignatureFailed,
                    format!(
                        "The DKIM signature of {} (selector {}) does not verify: {}.",
                        sanitize::line(&r.domain),
                        sanitize::line(&r.selector),
                        why.words()
                    )).with_remedy(match why {
                        FailReason::BodyChanged | FailReason::HeaderChanged => "The recipient's admin finds the gateway or list that modified the message (footer, disclaimer, link rewriting, subject tagging) and exempts this sender from it; otherwise the sender checks that the published key matches its signing key.",
                        FailReason::KeyNotFound | FailReason::KeyRevoked => "The vendor's mail admin publishes the selector's key (or signs with a selector that is published).",
                        _ => "The vendor's mail admin fixes its DKIM signing (a current rsa-sha256 or ed25519 key of at least 2048 bits, no past x= expiry).",
                    })
                .with_evidence(serde_json::json!({"domain": r.domain, "selector": r.selector, "result": r.result, "reason": r.reason, "detail": r.detail})),
            );
        }
        results.push(r);
    }
    let passed = results.iter().filter(|r| r.result == "pass").count();
    let detail = if results.is_empty() {
        "the message has no DKIM signature".to_string()
    } else {
        format!("{passed} of {} DKIM signatures verify", results.len())
    };
    (c.done(detail), results)
}
