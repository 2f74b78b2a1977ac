//! The bounce reason vocabulary (Sisimai's, as DESIGN.md fixes it), each reason's `bounce.*`
//! finding id, and the remedy a support agent can act on.

use serde::Serialize;

use crate::finding::FindingId;

/// Whether a bounce is hard or soft (Sisimai's `hard_bounce`), which follows from the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BounceClass {
    /// The address does not exist or accepts no mail: stop sending to it.
    Hard,
    /// The address exists; this message, its sender or the moment was refused.
    Soft,
    /// Not a failure (an auto-reply, a complaint, a delivery notice).
    NotBounce,
}

/// Whether resending the same message can help, which follows from the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Resend {
    /// A temporary condition (a full mailbox, a busy or unreachable server): resending later
    /// can succeed unchanged.
    Later,
    /// Only after something is fixed (the address, the sender's setup, the content, an
    /// allowlisting): resending as is fails the same way.
    AfterFix,
    /// Nothing failed.
    NotNeeded,
}

macro_rules! reasons {
    ($( $variant:ident = $name:literal, $id:ident, $class:ident, $resend:ident, $remedy:literal; )*) => {
        /// Why a message bounced, in the Sisimai vocabulary (`userunknown`, `mailboxfull` ...).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Reason {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )*
        }

        impl Reason {
            /// Every reason, in vocabulary order.
            pub const ALL: &'static [Reason] = &[$(Reason::$variant,)*];

            /// The Sisimai name (`userunknown`).
            pub fn name(self) -> &'static str {
                match self { $(Reason::$variant => $name,)* }
            }

            /// The registered finding id (`bounce.user-unknown`).
            pub fn finding_id(self) -> FindingId {
                match self { $(Reason::$variant => FindingId::$id,)* }
            }

            /// What a support agent should do about it.
            pub fn remedy(self) -> &'static str {
                match self { $(Reason::$variant => $remedy,)* }
            }

            /// Hard (the address itself is wrong or gone), soft (something about this message,
            /// sender or moment), or not a bounce at all: Sisimai's judgement, so results compare.
            pub fn class(self) -> BounceClass {
                match self { $(Reason::$variant => BounceClass::$class,)* }
            }

            /// Whether sending the same message again can succeed, and when.
            pub fn resend(self) -> Resend {
                match self { $(Reason::$variant => Resend::$resend,)* }
            }

            /// The reason with this Sisimai name.
            pub fn from_name(name: &str) -> Option<Reason> {
                match name { $($name => Some(Reason::$variant),)* _ => None }
            }
        }
    };
}

reasons! {
    UserUnknown = "userunknown", BounceUserUnknown, Hard, AfterFix,
        "Check the address for typos with the person (another channel: phone, chat). If it is right, their mail admin must create or restore the mailbox; otherwise correct the address on the account and resend.";
    HostUnknown = "hostunknown", BounceHostUnknown, Hard, AfterFix,
        "The part after @ does not exist in DNS: check it for a typo (run `mailwhy address`), correct the address on the account and resend.";
    MailboxFull = "mailboxfull", BounceMailboxFull, Soft, Later,
        "Ask the person (by another channel) to delete or archive mail, or their admin to raise the quota; then resend.";
    Suspend = "suspend", BounceSuspend, Soft, AfterFix,
        "The mailbox exists but is disabled or suspended: the person or their mail admin must reactivate it, or give a current address.";
    HasMoved = "hasmoved", BounceHasMoved, Hard, AfterFix,
        "The person has moved to a new address (often named in the bounce): update the account's address and resend.";
    Filtered = "filtered", BounceFiltered, Soft, AfterFix,
        "The recipient's server or the person's own rules refused it: ask them to allow the sender (safe senders list or the admin's gateway allowlist) and resend.";
    Rejected = "rejected", BounceRejected, Soft, AfterFix,
        "The receiver refused the sender address: check that the envelope sender domain exists, is not blocked by the recipient, and passes SPF; the recipient's admin may need to allow it.";
    Blocked = "blocked", BounceBlocked, Soft, AfterFix,
        "The sending server's IP is blocked by the receiver: check the IP on public blocklists, and ask the recipient's admin to allowlist the vendor's sending IPs.";
    PolicyViolation = "policyviolation", BouncePolicyViolation, Soft, AfterFix,
        "The recipient organization's policy refused the message (attachments, external senders, lists): their mail admin must allow it or tell what is permitted.";
    SpamDetected = "spamdetected", BounceSpamDetected, Soft, AfterFix,
        "The receiver's filter judged the message spam: ask the recipient's admin to allowlist the sender and release it, and review the sender's authentication and content.";
    VirusDetected = "virusdetected", BounceVirusDetected, Soft, AfterFix,
        "The receiver found malware or a blocked attachment type: resend without the attachment (or as a link) after scanning it.";
    SecurityError = "securityerror", BounceSecurityError, Soft, AfterFix,
        "The receiver refused for a security reason (authentication or TLS required, unauthorized sender): check the sending account's credentials and TLS settings.";
    AuthFailure = "authfailure", BounceAuthFailure, Soft, AfterFix,
        "The message failed SPF, DKIM or DMARC at the receiver: fix the sending domain's SPF record and DKIM signing (run `mailwhy auth DOMAIN`) and resend.";
    BadReputation = "badreputation", BounceBadReputation, Soft, AfterFix,
        "The receiver distrusts the sending IP or domain: check blocklists and the provider's postmaster tools, slow down, and resend later.";
    RequirePtr = "requireptr", BounceRequirePtr, Soft, AfterFix,
        "The sending server's IP needs a reverse DNS (PTR) name that resolves back: the sender's hosting or mail provider must set it.";
    NotCompliantRfc = "notcompliantrfc", BounceNotCompliantRfc, Soft, AfterFix,
        "The message breaks the email format standards (duplicate or malformed headers): the sending application must fix how it builds messages.";
    MesgTooBig = "mesgtoobig", BounceMessageTooBig, Soft, AfterFix,
        "The message exceeds the receiver's size limit: send large files as links or split them, then resend.";
    ExceedLimit = "exceedlimit", BounceExceedLimit, Soft, AfterFix,
        "A receiver limit (size, recipients or messages) was exceeded: send smaller messages or fewer recipients per message.";
    Expired = "expired", BounceExpired, Soft, Later,
        "The sending server gave up after retrying: check that the recipient's mail servers are reachable (run `mailwhy diagnose`) and resend.";
    TooManyConn = "toomanyconn", BounceTooManyConnections, Soft, Later,
        "The receiver limits simultaneous connections: the sending server should open fewer connections and retry later; usually temporary.";
    Speeding = "speeding", BounceSpeeding, Soft, Later,
        "The receiver rate-limits the sender: send more slowly and retry later; usually temporary.";
    NoRelaying = "norelaying", BounceNoRelaying, Soft, AfterFix,
        "The server refused to relay: the recipient domain's MX records or the sender's outgoing server settings point to the wrong server.";
    NetworkError = "networkerror", BounceNetworkError, Soft, Later,
        "A network or DNS problem stopped delivery: check the recipient domain's DNS (run `mailwhy diagnose`) and resend later.";
    SystemError = "systemerror", BounceSystemError, Soft, Later,
        "The receiving mail system failed internally: resend later; if it repeats, the recipient's mail admin must look at their server.";
    SystemFull = "systemfull", BounceSystemFull, Soft, Later,
        "The receiving server is out of storage: resend later; the recipient's mail admin must free space.";
    NotAccept = "notaccept", BounceNotAccept, Hard, AfterFix,
        "The recipient domain accepts no mail (null MX or no mail server): ask the person for an address that receives mail.";
    ContentError = "contenterror", BounceContentError, Soft, AfterFix,
        "The receiver refused the message's content or format: check attachments and encoding in the sending application.";
    SyntaxError = "syntaxerror", BounceSyntaxError, Soft, AfterFix,
        "The receiver rejected an SMTP command: the sending server or application speaks SMTP incorrectly; its operator must fix it.";
    MailerError = "mailererror", BounceMailerError, Soft, AfterFix,
        "The recipient's local delivery program failed: the recipient's mail admin must fix the mailbox's delivery (filters, forwarding scripts).";
    FailedStartTls = "failedstarttls", BounceFailedStartTls, Soft, AfterFix,
        "The servers could not agree on TLS (STARTTLS failed or was required and not offered, or the recipient's MTA-STS or DANE policy refused its MX): `mailwhy transport DOMAIN --probe` checks the recipient domain's MTA-STS policy against its MX, the MX certificates and STARTTLS; the side at fault (the recipient's mail admin for its policy or certificate, the sending server's admin for its TLS setup) fixes it; then resend.";
    Suppressed = "suppressed", BounceSuppressed, Hard, AfterFix,
        "The sending service did not even try: the address is on its suppression list after an earlier hard bounce or complaint. Confirm the address with the person, remove it from the service's suppression list, then resend.";
    OnHold = "onhold", BounceOnHold, Soft, Later,
        "The bounce does not say enough to decide: read its diagnostic text, and resend later or ask the recipient's admin.";
    Undefined = "undefined", BounceUndefined, Soft, Later,
        "The reason could not be determined: read the bounce's text, and ask the recipient's mail admin with the bounce attached.";
    Vacation = "vacation", BounceVacation, NotBounce, NotNeeded,
        "Not a bounce: an automatic out-of-office reply. The message was delivered; nothing to fix.";
    Feedback = "feedback", BounceFeedback, NotBounce, NotNeeded,
        "Not a bounce: the recipient marked the message as spam. Stop sending to them unless they opt in again, and review why it looked unwanted.";
    Delivered = "delivered", BounceDelivered, NotBounce, NotNeeded,
        "Not a bounce: a delivery notification saying the message was delivered.";
}

impl Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_has_a_registered_finding() {
        for r in Reason::ALL {
            assert_eq!(r.finding_id().area(), "bounce", "{}", r.name());
            assert_eq!(Reason::from_name(r.name()), Some(*r));
        }
    }
}
