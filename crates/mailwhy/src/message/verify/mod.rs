//! The authentication of a received message as we compute it ourselves, set beside what the
//! receivers recorded in their `Authentication-Results`: SPF through our engine for the
//! connecting IP and envelope sender, every DKIM signature verified, the From domain's DMARC
//! policy and the result with alignment; then, per receiver, where its verdict and ours differ
//! and the likely reason (forwarding, a footer added in transit, ARC).
//!
//! One file per job: `headers.rs` reads the envelope and ARC seals from the message
//! ([`envelope`], [`arc_seals`]), `compute.rs` evaluates SPF, DKIM and DMARC ([`check`],
//! through [`crate::spf`] and [`crate::auth`], which know nothing of messages), `compare.rs`
//! sets the results beside each receiver's ([`Difference`]), and `render.rs` writes them as
//! text ([`lines`]). Our results are evaluated *now*: a record changed since delivery is one of
//! the reasons a difference is given.

mod compare;
mod compute;
mod headers;
mod render;

use std::net::IpAddr;

use serde::Serialize;

pub use compare::Difference;
pub use compute::check;
pub use headers::{arc_seals, envelope, Envelope};
pub use render::lines;

use crate::auth::dkim_verify::SignatureResult;
use crate::auth::DmarcChecked;
use crate::check::CheckOutcome;
use crate::message::auth_results::AuthResults;

/// Our SPF result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpfOutcome {
    /// The domain checked: the envelope sender's, or the HELO name for `<>`.
    pub domain: String,
    /// `mail-from` or `helo` (RFC 7208 §2.4).
    pub identity: &'static str,
    /// The IP checked.
    pub ip: IpAddr,
    /// `pass`, `fail`, `softfail`, `neutral`, `none`, `temperror`, `permerror`.
    pub result: &'static str,
    /// For a temperror, the lookup that failed: `("NAME TYPE", outcome)`.
    #[serde(skip)]
    pub failed_lookup: Option<(String, String)>,
}

/// Our DMARC result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DmarcOutcome {
    /// The RFC 5322.From domain.
    pub from_domain: String,
    /// `pass`, `fail`, `none` (no policy applies) or `unknown` (a lookup failed temporarily).
    pub result: &'static str,
    /// The policy that applies to a failure (`none`, `quarantine`, `reject`).
    pub policy: Option<&'static str>,
    /// The DKIM domains that pass and align.
    pub aligned_dkim: Vec<String>,
    /// The SPF domain, when it passes and aligns.
    pub aligned_spf: Option<String>,
}

/// Everything computed for one received message.
#[derive(Debug, Clone, Serialize)]
pub struct Computed {
    /// The envelope read from the headers.
    pub envelope: Envelope,
    /// Our SPF result (`None` when no connecting IP or envelope sender was found).
    pub spf: Option<SpfOutcome>,
    /// Our verification of each DKIM-Signature.
    pub dkim: Vec<SignatureResult>,
    /// Our DMARC result (`None` when the message has no From domain).
    pub dmarc: Option<DmarcOutcome>,
    /// The ARC sets (RFC 8617) on the message: instance and signing domain of each ARC-Seal.
    /// mailwhy does not verify ARC seals.
    pub arc_seals: Vec<(u32, String)>,
    /// Where a receiver's recorded verdict differs from ours.
    pub differences: Vec<Difference>,
}

/// Our authentication of one message ([`check`]).
#[derive(Debug)]
pub struct Verified {
    /// `spf`, `dkim-signatures`, `dmarc`, `dmarc-result` and `receiver-results`.
    pub outcomes: Vec<CheckOutcome>,
    /// What was computed.
    pub computed: Computed,
    /// The From domain's DMARC check, when this message ran it (not when it reused one given
    /// to [`check`]): later messages of the run reuse it.
    pub dmarc: Option<DmarcChecked>,
}

/// True for an Authentication-Results header (not ARC-Authentication-Results or Received-SPF).
fn is_receiver_record(r: &AuthResults) -> bool {
    r.header.eq_ignore_ascii_case("authentication-results")
}

fn is_pass(r: &str) -> bool {
    r == "pass"
}

/// A result that says nothing either way (not evaluated, or a temporary error).
fn indeterminate(r: &str) -> bool {
    matches!(r, "temperror" | "unknown" | "")
}
