//! The bounce data tables, in one place: the MTAs' general wording for each reason, the
//! RFC 3463 code meanings, and the words that mark a message as a bounce, an auto-reply, or the
//! start of the returned copy.
//!
//! Patterns are lowercase; `*` stands for any run of characters on the same line. They are the
//! wording that mail servers use in general (Postfix, Sendmail, Exim, qmail, Exchange, Gmail,
//! Yahoo and the large providers), much of it as collected by the Sisimai project (BSD-2-Clause),
//! never text taken from one particular sample. Order matters: the first reason whose pattern
//! matches wins, so the narrow reasons (a full mailbox, a missing PTR) come before the broad
//! ones (blocked, security error) whose wording is vaguer.

use super::Reason::{self, *};
use Strength::*;

/// How much a pattern entry says: a broad entry ("blocked", "security", "timed out") gives way
/// to an enhanced status code that names a narrower reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strength {
    /// The wording names the reason by itself.
    Specific,
    /// The wording is generic; a specific status code wins over it.
    Broad,
}

/// Reasons and their wording, most specific first.
///
/// Each row: the reason, how much its wording says, where the wording comes from (the MTAs and
/// providers that use it; shown as the evidence of a decision), and the phrases.
#[rustfmt::skip]
pub(crate) const PATTERNS: &[(Reason, Strength, &str, &[&str])] = &[
    // A sending service's own notice that it did not try at all: before every receiver wording,
    // since these notices quote the earlier bounce that put the address on the list.
    (Suppressed, Specific, "ESP suppression notices: Amazon SES, SendGrid drops, Postmark inactive recipients, Mailgun, SparkPost, Resend (../shared/formats/delivery-evidence.md)", &[
        "amazon ses has suppressed sending to this address", "on the account-level suppression list",
        "on the suppression list", "onaccountsuppressionlist", "onsuppressionlist",
        "address is suppressed", "address suppressed", "recipient is suppressed",
        "bounced address", "unsubscribed address", "spam reporting address",
        "inactive recipient", "have been marked as inactive", "has been marked as inactive",
        "suppress-bounce", "suppress-complaint", "suppress-unsubscribe",
        "not delivering to previously bounced address",
    ]),
    // The TLS handshake itself failed, or the required STARTTLS was not offered (Sisimai 5's
    // failedstarttls): before the generic "tls required" of the security wording.
    (FailedStartTls, Specific, "STARTTLS failures: Postfix 'TLS is required, but was not offered', 'Cannot start TLS: handshake failure', Exim 'TLS session failure', Sendmail STARTTLS=client", &[
        "tls is required, but was not offered", "tls is required, but our tls engine is unavailable",
        "cannot start tls", "tls handshake failed", "tls negotiation failed", "starttls failed",
        "tls session failure", "tls error on connection", "failed to start tls",
        "starttls is required to send mail", "tls required but not supported",
        "could not complete the tls handshake",
        // Exchange Online's MTA-STS and DANE refusals (MS Learn NDR table 5.4.8, 5.7.5,
        // 5.7.321-5.7.325; formats/transport-security.md §4): `mailwhy transport` checks them.
        "failed mta-sts validation", "mta-sts validation failed", "starttls-not-supported",
        "certificate-expired:", "certificate-host-mismatch", "tlsa-invalid", "dnssec-invalid",
        "failed dane validation",
    ]),
    (MailerError, Specific, "local delivery agents (Postfix pipe/local, Sendmail prog, procmail, maildrop)", &[
        "mailer error", "mailer-error", "procmail", "maildrop", "command failed",
        "command died with status", "command output", "pipe to |", "exit status", "exited with",
        "x-unix;", "unix;", "local delivery failed", "delivery program", "program failed",
    ]),
    (RequirePtr, Specific, "Sisimai RequirePtr; Postfix reject_unknown_client_hostname, Sendmail, Gmail 550-5.7.25, Yahoo, Outlook", &[
        "no ptr record", "ptr record", "reverse dns", "reverse lookup", "rdns",
        "cannot find your hostname", "cannot resolve your address", "can't resolve your hostname",
        "ip name lookup failed", "no reverse", "reverse-dns", "reverse name",
        "client host rejected: cannot find your", "unresolvable relay host name",
        "have a valid reverse", "ptr lookup", "hosts with dynamic ip", "fix reverse dns",
        "mismatches client ip", "lookup of your ip", "ips with missing ptr",
    ]),
    (AuthFailure, Specific, "Sisimai AuthFailure; RFC 7372 wording; Gmail 5.7.26/5.7.27, Microsoft 5.7.509, Yahoo", &[
        "spf check", "bad spf", "spf fail", "spf: fail", "spf=fail", "sender policy framework", "spf softfail",
        "spf validation", "failed spf", "fails spf", "not permitted by spf",
        "is not allowed to send mail from", "not allowed to send from", "unauthenticated email",
        "dmarc", "dkim", "authentication checks", "sender authentication",
        "did not pass authentication",
        "is not authorized to send",
    ]),
    (BadReputation, Specific, "Sisimai BadReputation; Gmail 421-4.7.0 reputation, Yahoo TSS04/TS03, Microsoft", &[
        "reputation", "poor sender", "sender score", "low trust", "senderscore",
        "temporarily deferred due to user complaints",
        "temporarily deferred due to unexpected volume",
        "has been temporarily rate limited due to ip reputation", "ip is not trusted",
    ]),
    (MailboxFull, Specific, "Sisimai MailboxFull; Postfix virtual, Exim appendfile, Dovecot, qmail, Gmail 4.2.2/5.2.2, Yahoo, Orange, GMX", &[
        "mailbox full", "mailbox is full", "mailbox full", "over quota", "overquota",
        "quota exceeded", "exceeded storage", "exceeds quota", "exceeding its mailbox quota",
        "exceeded its quota", "exceeded the quota", "mailbox size limit", "insufficient storage",
        "not enough storage", "mailfolder is full", "full mailbox", "disk quota", "quota violation",
        "mail quota", "user's space has been used up", "does not have enough space",
        "boite du destinataire pleine", "would exceed the maximum allowed storage",
        "mailbox has exceeded", "is over the allowed quota", "out of storage", "too much mail data",
        "too many messages on the server", "inbox is full", "recipient's mailbox is full",
        "exceeding receiving limits", "storage allocation", "mailbox would exceed", "quota full",
        "over the quota", "mailbox exceeded",
    ]),
    (MesgTooBig, Specific, "Sisimai MesgTooBig; Postfix 'message file too big', Exim, Gmail 5.3.4, Microsoft 5.3.4, Orange", &[
        "message too big", "message too large", "message is too large", "message is too big",
        "message size exceeds", "size exceeds", "message length exceeds",
        "exceeded maximum inbound message size", "max message size", "maximum message size",
        "message file too big", "size limit", "line limit exceeded",
        "message exceeds the maximum size", "too large for this", "exceeds the size limit",
        "larger than the current system limit", "message size", "mail size",
        "taille limite du message", "message exceeded maximum size",
        "recipsizelimit",
    ]),
    (ExceedLimit, Specific, "Sisimai ExceedLimit; Postfix header_size_limit, Exim recipients_max, Exchange", &[
        "message header size exceeds limit", "too many recipients", "recipient limit",
        "exceeded the limit", "limit exceeded", "exceeds the limit", "exceeded the maximum number",
    ]),
    (Suspend, Specific, "Sisimai Suspend; Gmail 'account ... is disabled', Yahoo 'user ... is inactive', Orange, iCloud, au/docomo", &[
        "is currently suspended", "has been suspended", "account suspended", "account is suspended",
        "mailbox suspended", "mailbox is suspended", "user suspended", "mailbox currently suspended",
        "is disabled", "been disabled", "account disabled", "mailbox disabled",
        "deactivated", "inactive user", "inactive account", "account is inactive", "is inactive",
        "temporarily inactive", "mailbox is frozen", "is frozen", "account locked",
        "mailbox locked", "temporary locked", "temporarily locked", "is locked",
        "account has expired", "account expired", "not active", "discontinued", "no longer active",
        "boite du destinataire archivee", "user is terminated", "account has been terminated",
        "mailbox unavailable or access denied", "closed account", "account closed", "account is blocked", "compte du destinataire est bloque",
        "expired account", "blocked account",
    ]),
    (HasMoved, Specific, "Sisimai HasMoved; Sendmail 551 'user has moved', Exchange", &[
        "has been replaced by", "has moved", "user has moved", "changed address",
        "address has changed", "mailbox has moved", "no longer used", "forwarding address",
        "moved to",
    ]),
    (NoRelaying, Specific, "Sisimai NoRelaying; Postfix 'Relay access denied', Exim 'relay not permitted', qmail rcpthosts, Exchange 5.7.54", &[
        "relay access denied", "relaying denied", "relay denied", "relay not permitted",
        "unable to relay", "not permitted to relay", "not allowed to relay", "relaying mail to",
        "relay prohibited", "insecure mail relay", "not an open relay", "we don't relay",
        "we do not relay", "as a relay", "relaying not allowed",
        "isn't in my list of allowed rcpthosts", "not a gateway",
        "this system is not configured to relay", "relay attempt", "no relaying",
        "relaying disallowed", "we don't handle mail for",
    ]),
    (VirusDetected, Specific, "Sisimai VirusDetected; amavis, ClamAV milters, Mimecast, Proofpoint, Exchange", &[
        "virus", "malware", "infected", "potentially executable attachment",
        "executable attachment", "used by recent viruses", "dangerous attachment", "malicious",
    ]),
    (NotAccept, Specific, "Sisimai NotAccept; RFC 7505 null MX wording, Postfix 'does not accept mail (nullMX)'", &[
        "does not accept mail", "no smtp service", "null mx", "nullmx", "accepts no mail",
        "does not receive mail", "no mx record found", "domain does not accept",
        "not accepting mail", "not accept mail",
    ]),
    (Rejected, Specific, "Sisimai Rejected (the envelope sender refused); Postfix 'Sender address rejected', Exim sender verify, Sendmail, mailing lists", &[
        "sender rejected", "sender address rejected", "sender verify failed", "sender verification",
        "invalid sender", "sender is in my black list", "sender address has been blacklisted",
        "domain of sender address", "sender domain", "empty envelope sender", "null sender",
        "mail from not owned by user", "unroutable sender", "sender not pre-approved",
        "sender is spammer", "bogus mail from", "sender email address rejected", "batv",
        "returned mail not accepted here", "you are not allowed to post",
        "not subscribed to this group", "your access to submit messages",
        "fully qualified email address required", "administrative prohibition", "sender denied",
        "access denied (sender", "envelope blocked", "not accept mail from",
        "from: domain is invalid", "sender address", "sender unknown", "unknown sender",
        "sender blocked", "blocked sender", "email address is not verified",
        "this server does not accept mail from",
        "you are not a member", "are not member", "not a member of this", "non-member",
    ]),
    (HostUnknown, Specific, "Sisimai HostUnknown; Postfix 'Host or domain name not found', Sendmail 'Host unknown', Exim 'unrouteable address'", &[
        "host unknown", "unknown host", "host not found", "domain not found", "no such domain",
        "domain does not exist", "domain is not reachable", "domain must exist", "unknown domain",
        "host or domain name not found", "name or service not known", "unroutable address",
        "mail domain mentioned in email address is unknown", "domain name not found",
        "host unreachable", "no route to host", "nxdomain", "domain unknown", "invalid domain",
        "unrouteable address", "all relevant mx records point to non-existent hosts", "couldn't find any host named", "couldn't find any host by that name",
    ]),
    (UserUnknown, Specific, "Sisimai UserUnknown; Postfix local/virtual, Sendmail, Exim, qmail, Exchange RESOLVER.ADR.RecipNotFound, Gmail 5.1.1, Domino", &[
        "user unknown", "unknown user", "no such user", "no such mailbox", "no such recipient",
        "no such person", "no such address", "no such local user", "user not found",
        "recipient not found", "recipient unknown", "unknown recipient", "unknown address",
        "address unknown", "invalid recipient", "invalid mailbox", "invalid address",
        "invalid user", "bad recipient", "bad address", "bad destination mailbox",
        "mailbox not found", "mailbox unavailable",
        "mailbox does not exist", "mailbox not present", "mailbox is unavailable",
        "mailbox invalid", "address does not exist", "does not exist", "doesn't exist",
        "not a valid mailbox", "not a known user", "unknown or illegal alias",
        "unknown local part", "no mailbox here", "no mailbox by that name",
        "no mailbox", "not our customer", "user doesn't have a", "account does not exist",
        "account unavailable", "no account by that name", "recipient rejected",
        "no valid recipients", "addressee unknown", "name is not recognized",
        "not listed in domino directory", "undeliverable address",
        "unknown or invalid", "user invalid", "user doesn't exist", "nonexistent user",
        "non-existent user", "non existent user", "user not exist", "could not be found",
        "mailbox is inactive", "name is not recognized", "not recognized", "address invalid",
        "invalid-recipient", "recipientnotfound", "archived recipient", "not a local address",
        "could not deliver mail to this user", "destination addresses were unknown", "not our user",
        "is not an active address", "no account", "can't accept user", "unknown recipient",
        "recipient address unknown",
        "recipnotfound", "no mailbox here by that name",
        "is not a valid mailbox", "is not a valid recipient", "is not a valid user", "is not a valid address", "not listed in public", "recipient is not local",
    ]),
    (Filtered, Specific, "Sisimai Filtered (the recipient's own rules); Exchange RESOLVER.RST, Gmail 'recipient preferences', Yahoo", &[
        "filtered", "refused due to recipient preferences", "recipient preferences",
        "only accepting mail from specific", "not accepting any mail", "user reject",
        "rejected by recipient", "blocked by the recipient", "resolver.rst.notauthorized",
        "this account is protected by", "message rejected due to user rules",
        "refuse to receive mail", "has restricted",
        "new mail is not currently being accepted for this mailbox",
    ]),
    (NotCompliantRfc, Specific, "Sisimai NotCompliantRfc; Gmail 5.7.1 RFC 5322 wording, Microsoft, Postfix strict checks", &[
        "multiple addresses in from", "rfc 5322", "rfc5322", "rfc 2822", "rfc2822", "rfc 822",
        "rfc822", "not rfc compliant", "rfc compliant", "multiple from", "duplicate header",
        "message-id header", "missing date", "malformed header", "invalid header",
        "header is malformed", "bare lf", "not compliant",
    ]),
    // Exim's loop guard names the header, not the network.
    (ContentError, Specific, "Exim's loop guard (the header count, not the network)", &["too many \"received\" headers"]),
    // Wording that says authentication or TLS was required, before the broad "not allowed".
    (SecurityError, Specific, "Sisimai SecurityError; SMTP AUTH and STARTTLS requirements (RFC 4954, RFC 3207 wording)", &[
        "unauthenticated senders", "authentication required", "must authenticate",
        "must issue a starttls", "tls required", "authentication failed", "authentication failure",
        "authentication credentials invalid", "encryption required",
        "authrequired",
        "was not authenticated", "authentication is required for",
    ]),
    // Policy refusals worded as such (the X.7.x code alone would say "security").
    (PolicyViolation, Specific, "policy refusals worded as such (Exchange transport rules, Mimecast, Proofpoint)", &[
        "not accepted for policy reasons", "rejected for policy reasons", "denied by policy",
        "local policy violation", "organizational settings", "organization policy",
        "violates our policy", "policy violation",
    ]),
    // Listed URLs in the content are spam verdicts, not IP blocks.
    (SpamDetected, Specific, "URI blocklists in the content (SURBL, URIBL): spam verdicts, not IP blocks", &["blacklisted url", "blacklisted link", "uribl", "surbl"]),
    // Blocklist names contain "spam" but say the sending IP is listed, not the content.
    (Blocked, Specific, "IP blocklists (Spamhaus, SpamCop, Barracuda BRBL): the sending IP is listed", &[
        "spamhaus", "spamcop", "blocklist", "blacklist", "block list", "black list", "dnsbl",
        "barracudacentral", "listed at", "listed in", "rbl",
    ]),
    (SpamDetected, Specific, "Sisimai SpamDetected; SpamAssassin, rspamd, Gmail 5.7.1 'likely unsolicited', Mimecast, Proofpoint, Barracuda", &[
        "spam", "unsolicited", "bulk mail", "bulk email", "junk mail", "content filter",
        "content rejected", "message filtered", "message content rejected",
        "rejected due to content", "unacceptable content", "looks like spam", "probable spam",
        "high probability of", "message refused by", "banned content", "mail content denied",
        "uribl", "surbl", "phishing",
    ]),
    (PolicyViolation, Broad, "Sisimai PolicyViolation (generic policy wording)", &[
        "policy", "not accepted for policy reasons", "denied by policy", "organizational settings",
        "organization policy", "illegal attachment", "members-only list", "closed mailing list",
        "protocol violation", "header error", "header are not accepted", "attachment not allowed",
        "restricted",
    ]),
    (TooManyConn, Specific, "Sisimai TooManyConn; Postfix smtpd_client_connection_count_limit, Exim, Orange, Yahoo 421", &[
        "too many connections", "too many concurrent", "connection limit", "connections limit",
        "too many sessions", "too many smtp sessions", "maximum connection",
        "too many simultaneous", "trop de connexions", "frequency limited", "connection rate limit",
        "too many errors from your ip", "numerous attempts to deliver",
    ]),
    (Speeding, Broad, "Sisimai Speeding; Gmail 4.7.28 rate limit, Yahoo TS01, Microsoft throttling", &[
        "rate limit", "ratelimit", "rate-limit", "too fast", "too many messages", "sending rate",
        "throttl", "slow down", "temporarily deferred", "exceeded the rate",
        "too much mail", "too many emails", "message rate",
    ]),
    (Blocked, Broad, "Sisimai Blocked (the client IP or host refused); Postfix client/helo restrictions, Sendmail, Exchange", &[
        "blocked", "blacklist", "blocklist", "block list", "black list", "denylist", "listed at",
        "listed in", "rbl", "dnsbl", "spamhaus", "spamcop", "barracudacentral", "banned",
        "connection refused", "not allowed to connect", "client host rejected",
        "helo command rejected", "go away", "ip address rejected", "your ip", "dynamic ip",
        "dial-up", "dialup", "residential", "refused to talk to me", "connection dropped",
        "connection reset", "sender ip", "ip address", "mismatches client ip", "not allowed",
        "rejected", "access from ip",
    ]),
    (SecurityError, Broad, "Sisimai SecurityError (generic authorization wording)", &[
        "authentication required", "authentication failed", "authentication failure",
        "authentication credentials invalid", "must authenticate", "unauthenticated",
        "tls required", "starttls", "encryption required", "must issue a starttls",
        "verification failure", "security", "not authorized", "unauthorized", "certificate",
        "access denied",
    ]),
    (Expired, Broad, "Sisimai Expired; Postfix 'delivery temporarily suspended ... expired', Exim retry timeout, Sendmail, Exchange", &[
        "retry timeout exceeded", "retry time not reached", "delivery time expired",
        "message expired", "expired", "timed out", "timeout", "giving up", "gave up",
        "has been delayed", "have been failing for a long time", "in the queue too long",
        "could not be delivered for more than", "unable to deliver message after multiple retries",
        "was not reachable within the allowed queue period", "delivery attempts will continue",
        "could not find a gateway for", "too long in queue", "server did not respond",
        "connection timed out", "not reachable",
        "could not be delivered for", "cannot send message for",
        // Greylisting (RFC 6647): a deliberate temporary refusal; in a failure report, the
        // queue lifetime ran out against it (Postgrey, Orange, GMX, Mimecast wording).
        "greylisted", "greylisting", "graylisted", "graylisting",
    ]),
    (NetworkError, Broad, "Sisimai NetworkError; DNS and routing wording (Postfix, Exim, Sendmail)", &[
        "network", "dns", "name server", "nameserver", "host name lookup failure", "lookup failure",
        "mail loop", "routing loop", "forwarding loop", "too many hops", "hop count exceeded",
        "message looping", "unable to resolve route", "unrouteable mail domain",
        "host is unreachable", "could not connect", "connection failed", "could not be reached",
        "cannot connect", "unable to connect",
    ]),
    (SystemFull, Specific, "Sisimai SystemFull; the receiving system's disk", &[
        "mail system full", "system full", "disk full", "no space left",
        "insufficient system storage", "out of disk", "file system full",
    ]),
    (SystemError, Broad, "Sisimai SystemError; Postfix 'mail system configuration error', Sendmail, Exchange", &[
        "system error", "ldap", "internal error", "internal server error", "local error",
        "server error", "configuration error", "config error", "temporary local problem",
        "queue file write error", "interrupted system call", "loops back to myself",
        "loop was found", "mail loop", "service currently unavailable", "service unavailable",
        "service not available", "temporarily unavailable", "transaction failed", "local problem",
        "error while being processed", "can't create user output file",
        "remote server is misconfigured", "system problem", "system not available",
        "resources temporarily unavailable", "try later",
    ]),
    (ContentError, Broad, "Sisimai ContentError; MIME and encoding refusals", &[
        "content", "mime", "8-bit data", "8bit", "header size exceeds", "base64", "binary content",
        "encoding", "too many received", "charset",
    ]),
    (SyntaxError, Broad, "Sisimai SyntaxError; RFC 5321 500-504 wording", &[
        "syntax error", "command unrecognized", "unrecognized command", "command not recognized",
        "bad sequence of commands", "command not implemented", "parameter not implemented",
        "line too long", "invalid command", "unknown command", "syntax",
    ]),
];

/// Wording that says an auto-reply is an out-of-office message (RFC 3834 replies, and the
/// common vacation programs that do not set `Auto-Submitted`).
#[rustfmt::skip]
pub(crate) const VACATION_WORDING: &[&str] = &[
    "out of the office", "out of office", "on vacation", "i am away", "i'm away",
    "away from the office", "away until", "on leave", "auto-reply", "autoreply",
    "automatic reply", "auto reply", "abwesend", "abwesenheit", "absence", "en vacances",
    "vacation", "will be back", "auto reply",
];

/// Meaning of RFC 3463 codes (with the registry's title, shown as evidence), keyed by the whole code or by `subject.detail` (the class only says permanent or
/// temporary). Codes left out say too little (`X.0.0`, `X.1.0`, `X.3.0`, `X.4.0`, `X.7.1`): the text
/// decides.
/// RFC 7372 added the authentication codes X.7.20–X.7.26, RFC 7505 X.1.10 for a null MX.
#[rustfmt::skip]
pub(crate) const STATUS_REASONS: &[(&str, Reason, &str)] = &[
    // Whole codes whose meaning depends on the class.
    ("4.2.1", Suspend, "mailbox disabled, not accepting messages (temporary: Sisimai reads suspend)"),
    ("4.4.4", NetworkError, "unable to route (temporary: a lookup failed)"),
    ("4.7.1", Blocked, "delivery not authorized, message refused (temporary: the sending host is being refused)"),
    ("5.3.0", SystemError, "other or undefined mail system status (permanent)"),
    ("1.1", UserUnknown, "bad destination mailbox address"),
    ("1.2", HostUnknown, "bad destination system address"),
    ("1.3", UserUnknown, "bad destination mailbox address syntax"),
    ("1.4", Filtered, "destination mailbox address ambiguous"),
    ("1.6", HasMoved, "destination mailbox has moved, no forwarding address"),
    ("1.7", Rejected, "bad sender's mailbox address syntax"),
    ("1.8", Rejected, "bad sender's system address"),
    ("1.9", SystemError, "message relayed to non-compliant mailer"),
    ("1.10", NotAccept, "recipient address has null MX (RFC 7505)"),
    ("2.0", Filtered, "other or undefined mailbox status"),
    ("2.1", Filtered, "mailbox disabled, not accepting messages"),
    ("2.2", MailboxFull, "mailbox full"),
    ("2.3", ExceedLimit, "message length exceeds administrative limit"),
    ("2.4", Filtered, "mailing list expansion problem"),
    ("3.1", SystemFull, "mail system full"),
    ("3.2", NotAccept, "system not accepting network messages"),
    ("3.3", SystemError, "system not capable of selected features"),
    ("3.4", MesgTooBig, "message too big for system"),
    ("3.5", SystemError, "system incorrectly configured"),
    ("4.1", Expired, "no answer from host"),
    ("4.2", NetworkError, "bad connection"),
    ("4.3", SystemError, "directory server failure"),
    ("4.4", HostUnknown, "unable to route"),
    ("4.5", SystemFull, "mail system congestion"),
    ("4.6", NetworkError, "routing loop detected"),
    ("4.7", Expired, "delivery time expired"),
    ("5.0", SyntaxError, "other or undefined protocol status"),
    ("5.1", SyntaxError, "invalid command"),
    ("5.2", SyntaxError, "syntax error"),
    ("5.3", TooManyConn, "too many recipients"),
    ("5.4", SyntaxError, "invalid command arguments"),
    ("5.5", SystemError, "wrong protocol version"),
    ("5.6", SecurityError, "authentication exchange line is too long (RFC 4954)"),
    ("6.0", ContentError, "other or undefined media error"),
    ("6.1", ContentError, "media not supported"),
    ("6.2", ContentError, "conversion required and prohibited"),
    ("6.3", ContentError, "conversion required but not supported"),
    ("6.5", ContentError, "conversion failed"),
    ("6.6", ContentError, "message content not available"),
    ("6.7", ContentError, "non-ASCII addresses not permitted (RFC 6531)"),
    ("6.8", ContentError, "UTF-8 string reply is required (RFC 6531)"),
    ("6.9", ContentError, "UTF-8 header message cannot be transferred (RFC 6531)"),
    ("7.2", PolicyViolation, "mailing list expansion prohibited"),
    ("7.3", SecurityError, "security conversion required but not possible"),
    ("7.4", SecurityError, "security features not supported"),
    ("7.5", SecurityError, "cryptographic failure"),
    ("7.6", SecurityError, "cryptographic algorithm not supported"),
    ("7.7", SecurityError, "message integrity failure"),
    ("7.8", SecurityError, "authentication credentials invalid (RFC 4954)"),
    ("7.9", SecurityError, "authentication mechanism is too weak (RFC 4954)"),
    ("7.10", SecurityError, "encryption needed (RFC 5248)"),
    ("7.11", SecurityError, "encryption required for requested authentication mechanism (RFC 4954)"),
    ("7.13", Suspend, "user account disabled (RFC 5248)"),
    ("7.14", SecurityError, "trust relationship required (RFC 5248)"),
    ("7.15", SecurityError, "priority level is too low (RFC 6710)"),
    ("7.16", MesgTooBig, "message is too big for the specified priority (RFC 6710)"),
    ("7.17", HasMoved, "mailbox owner has changed (RFC 7293)"),
    ("7.18", HasMoved, "domain owner has changed (RFC 7293)"),
    ("7.19", SecurityError, "RRVS test cannot be completed (RFC 7293)"),
    ("7.20", AuthFailure, "no passing DKIM signature found (RFC 7372)"),
    ("7.21", AuthFailure, "no acceptable DKIM signature found (RFC 7372)"),
    ("7.22", AuthFailure, "no valid author-matched DKIM signature found (RFC 7372)"),
    ("7.23", AuthFailure, "SPF validation failed (RFC 7372)"),
    ("7.24", AuthFailure, "SPF validation error (RFC 7372)"),
    ("7.25", RequirePtr, "reverse DNS validation failed (RFC 7372)"),
    ("7.26", AuthFailure, "multiple authentication checks failed (RFC 7372)"),
    ("7.27", NotAccept, "sender address has null MX (RFC 7505)"),
    ("7.28", SpamDetected, "mail flood detected (RFC 8689 registry)"),
    ("7.29", AuthFailure, "ARC validation failure (RFC 8617)"),
    ("7.30", SecurityError, "REQUIRETLS support required (RFC 8689)"),
];

/// Sender local parts of bounce messages (`MAILER-DAEMON@`, `postmaster@`).
#[rustfmt::skip]
pub(crate) const BOUNCE_SENDERS: &[&str] = &[
    "mailer-daemon", "postmaster", "mail delivery", "mail-delivery", "maildelivery",
    "mailerdaemon", "mail administrator", "mail delivery subsystem", "mail delivery system",
    "bounce", "noreply-dmarc", "mdaemon", "nobody", "mailer daemon", "mail system",
    "post_master",
    // Mailing-list managers answer from the list's administrative address (RFC 2142, 2369).
    "-admin@", "-owner@", "owner-",
];

/// Subjects of bounce messages.
#[rustfmt::skip]
pub(crate) const BOUNCE_SUBJECTS: &[&str] = &[
    "undeliver", "undelivered", "delivery status notification", "delivery failure",
    "delivery failed", "delivery has failed", "failure notice", "returned mail",
    "mail delivery failed", "delivery notification", "could not be delivered", "non remis",
    "nondeliverable", "non-deliverable", "mail system error", "returned to sender",
    "delivery problem", "warning: could not send", "undeliverable", "failed delivery",
    "delivery report", "message not delivered", "rejected", "mail failure", "error sending",
    "permanent error", "delivery error", "bounce", "notification d'état de la distribution",
    "unzustellbar", "nicht zustellbar", "delivery final failure", "delivery unsuccessful",
    "delayed mail", "delivery delayed", "mail could not be delivered", "message you sent",
    "nondelivery", "non-delivery",
];

/// Wording in a bounce's text that says delivery failed; used to find where the error
/// explanation begins in a bounce that has no DSN part.
#[rustfmt::skip]
pub(crate) const FAILURE_WORDING: &[&str] = &[
    "could not be delivered", "couldn't be delivered", "wasn't able to deliver",
    "was not able to deliver", "delivery to the following recipient", "permanent fatal error",
    "following address", "following recipient", "delivery has failed", "undeliverable",
    "failed permanently", "permanent error", "unable to deliver", "could not deliver",
    "did not reach", "delivery failed", "not be delivered", "this is the mail system",
    "message was not delivered", "returned to you", "rejected your message", "delivery attempt",
    "not delivered", "transcript of session follows", "failed to deliver", "failed:",
    "error occurred", "delivery problem", "cannot be delivered", "your message to",
    "mail delivery failed", "was undeliverable", "was rejected", "your message could not",
    "message could not", "could not be sent", "couldn't be sent", "delivery of your message",
    "bounced",
];

/// Lines that begin the returned copy of the original message in a plain-text bounce; the
/// explanation is above them.
#[rustfmt::skip]
pub(crate) const ORIGINAL_MARKERS: &[&str] = &[
    "--- below this line is a copy of the message", "------ this is a copy of the message",
    "----- original message -----", "original message follows",
    "----- unsent message follows -----", "------ original message",
    "----- message header follows", "--- the header of the original message is following",
    "--- original message ---", "-----original message-----", "original message headers:",
    "this is a copy of the headers", "------- returned message --------",
    "----- the header of the original message", "this is a copy of your message",
    "below is a copy of the original message", "---------- forwarded message",
    "content-type: message/rfc822", "content-type: text/rfc822-headers",
];

/// Wording that says the SMTP transaction was in its DATA phase (after the recipients were
/// accepted): a recipient refusal then is the recipient's filter speaking, not a missing mailbox.
#[rustfmt::skip]
pub(crate) const DATA_PHASE: &[&str] = &[
    "end of data", "after data", "data command", "after end of data", ">>> data",
    "in reply to data", "after the message", "after message", "end of message",
];

/// Wording that says the refusal came at RCPT TO.
#[rustfmt::skip]
pub(crate) const RCPT_PHASE: &[&str] = &["rcpt to", "rcpt command", "after rcpt", "in reply to rcpt"];

/// Wording that says the refusal came at MAIL FROM.
#[rustfmt::skip]
pub(crate) const MAIL_PHASE: &[&str] = &[
    "mail from command", "after mail from", "in reply to mail from", ">>> mail from",
];

/// Words that put an X.7.x refusal on the envelope sender's address (reason `rejected`), when no
/// phrase of the table explained it (Postfix "Sender address rejected", Exim "sender verify",
/// Microsoft "550 5.7.1 ... sender", Proofpoint/Mimecast "sender" policies).
#[rustfmt::skip]
pub(crate) const SENDER_ADDRESS_WORDS: &[&str] = &[
    "sender", "mail from", "envelope from", "from address", "return-path", "return path",
];

/// Words that put an X.7.x refusal on the sending host (reason `blocked`): its IP, its name, the
/// connection (Postfix "Client host rejected", Exchange "your IP", Gmail 4.7.0 "IP", Barracuda).
#[rustfmt::skip]
pub(crate) const SENDER_HOST_WORDS: &[&str] = &[
    "client host", "your ip", "ip address", "sending ip", "sender ip", "connecting ip", "your host",
    "helo", "ehlo", "client ", "connection from", "[ip]",
];

/// Reply codes (RFC 5321 section 4.2.3) that say a reason by themselves when nothing else did.
/// 550/554 and most others only say "refused" and are left to the wording.
#[rustfmt::skip]
pub(crate) const REPLY_REASONS: &[(&str, Reason, &str)] = &[
    ("500", SyntaxError, "syntax error, command unrecognized"),
    ("501", SyntaxError, "syntax error in parameters or arguments"),
    ("502", SyntaxError, "command not implemented"),
    ("503", SyntaxError, "bad sequence of commands"),
    ("504", SyntaxError, "command parameter not implemented"),
    ("551", HasMoved, "user not local; please try <forward-path>"),
    ("552", MailboxFull, "requested mail action aborted: exceeded storage allocation"),
    ("452", SystemFull, "requested action not taken: insufficient system storage"),
];

/// Words that show a DNSBL block was the receiver's own broken lookup, not a listing: its
/// blocklist queries were refused (Spamhaus refuses public and open resolvers and answers
/// 127.255.255.254; a domain list asked for an IP answers 127.0.1.255), and it read the error
/// code as a listing (`shared/formats/dnsbl.md`, "Diagnostic traps"). Matched on the lowercased
/// diagnostic of a `blocked` bounce.
pub(crate) const RECEIVER_DNSBL_REFUSED: &[&str] = &[
    "open resolver",
    "public resolver",
    "open dns resolver",
    "public dns resolver",
    "query refused",
    "queries refused",
    "query was refused",
    "127.255.255.252",
    "127.255.255.254",
    "127.255.255.255",
    "127.0.1.255",
    "no ip queries",
];
