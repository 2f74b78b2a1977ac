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
#[rustfmt::skip]
pub(crate) const PATTERNS: &[(Reason, Strength, &[&str])] = &[
    (MailerError, Specific, &[
        "mailer error", "mailer-error", "procmail", "maildrop", "command failed",
        "command died with status", "command output", "pipe to |", "exit status", "exited with",
        "x-unix;", "unix;", "local delivery failed", "delivery program", "program failed",
    ]),
    (RequirePtr, Specific, &[
        "no ptr record", "ptr record", "reverse dns", "reverse lookup", "rdns",
        "cannot find your hostname", "cannot resolve your address", "can't resolve your hostname",
        "ip name lookup failed", "no reverse", "reverse-dns", "reverse name",
        "client host rejected: cannot find your", "unresolvable relay host name",
        "have a valid reverse", "ptr lookup", "hosts with dynamic ip", "fix reverse dns",
        "mismatches client ip", "lookup of your ip", "ips with missing ptr",
    ]),
    (AuthFailure, Specific, &[
        "spf check", "bad spf", "spf fail", "spf: fail", "spf=fail", "sender policy framework", "spf softfail",
        "spf validation", "failed spf", "fails spf", "not permitted by spf",
        "is not allowed to send mail from", "not allowed to send from", "unauthenticated email",
        "dmarc", "dkim", "authentication checks", "sender authentication",
        "did not pass authentication",
        "is not authorized to send",
    ]),
    (BadReputation, Specific, &[
        "reputation", "poor sender", "sender score", "low trust", "senderscore",
        "temporarily deferred due to user complaints",
        "temporarily deferred due to unexpected volume",
        "has been temporarily rate limited due to ip reputation", "ip is not trusted",
    ]),
    (MailboxFull, Specific, &[
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
    (MesgTooBig, Specific, &[
        "message too big", "message too large", "message is too large", "message is too big",
        "message size exceeds", "size exceeds", "message length exceeds",
        "exceeded maximum inbound message size", "max message size", "maximum message size",
        "message file too big", "size limit", "line limit exceeded",
        "message exceeds the maximum size", "too large for this", "exceeds the size limit",
        "larger than the current system limit", "message size", "mail size",
        "taille limite du message", "message exceeded maximum size",
        "recipsizelimit",
    ]),
    (ExceedLimit, Specific, &[
        "message header size exceeds limit", "too many recipients", "recipient limit",
        "exceeded the limit", "limit exceeded", "exceeds the limit", "exceeded the maximum number",
    ]),
    (Suspend, Specific, &[
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
    (HasMoved, Specific, &[
        "has been replaced by", "has moved", "user has moved", "changed address",
        "address has changed", "mailbox has moved", "no longer used", "forwarding address",
        "moved to",
    ]),
    (NoRelaying, Specific, &[
        "relay access denied", "relaying denied", "relay denied", "relay not permitted",
        "unable to relay", "not permitted to relay", "not allowed to relay", "relaying mail to",
        "relay prohibited", "insecure mail relay", "not an open relay", "we don't relay",
        "we do not relay", "as a relay", "relaying not allowed",
        "isn't in my list of allowed rcpthosts", "not a gateway",
        "this system is not configured to relay", "relay attempt", "no relaying",
        "relaying disallowed", "we don't handle mail for",
    ]),
    (VirusDetected, Specific, &[
        "virus", "malware", "infected", "potentially executable attachment",
        "executable attachment", "used by recent viruses", "dangerous attachment", "malicious",
    ]),
    (NotAccept, Specific, &[
        "does not accept mail", "no smtp service", "null mx", "nullmx", "accepts no mail",
        "does not receive mail", "no mx record found", "domain does not accept",
        "not accepting mail", "not accept mail",
    ]),
    (Rejected, Specific, &[
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
    (HostUnknown, Specific, &[
        "host unknown", "unknown host", "host not found", "domain not found", "no such domain",
        "domain does not exist", "domain is not reachable", "domain must exist", "unknown domain",
        "host or domain name not found", "name or service not known", "unroutable address",
        "mail domain mentioned in email address is unknown", "domain name not found",
        "host unreachable", "no route to host", "nxdomain", "domain unknown", "invalid domain",
        "unrouteable address", "all relevant mx records point to non-existent hosts", "couldn't find any host named", "couldn't find any host by that name",
    ]),
    (UserUnknown, Specific, &[
        "user unknown", "unknown user", "no such user", "no such mailbox", "no such recipient",
        "no such person", "no such address", "no such local user", "user not found",
        "recipient not found", "recipient unknown", "unknown recipient", "unknown address",
        "address unknown", "invalid recipient", "invalid mailbox", "invalid address",
        "invalid user", "bad recipient", "bad address", "bad destination mailbox",
        "recipient address rejected", "mailbox not found", "mailbox unavailable",
        "mailbox does not exist", "mailbox not present", "mailbox is unavailable",
        "mailbox invalid", "address does not exist", "does not exist", "doesn't exist",
        "not a valid mailbox", "not a known user", "unknown or illegal alias",
        "unknown local part", "no mailbox here", "no mailbox by that name",
        "no mailbox", "not our customer", "user doesn't have a", "account does not exist",
        "account unavailable", "no account by that name", "recipient rejected",
        "no valid recipients", "address rejected", "addressee unknown", "name is not recognized",
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
    (Filtered, Specific, &[
        "filtered", "refused due to recipient preferences", "recipient preferences",
        "only accepting mail from specific", "not accepting any mail", "user reject",
        "rejected by recipient", "blocked by the recipient", "resolver.rst.notauthorized",
        "this account is protected by", "message rejected due to user rules",
        "refuse to receive mail", "has restricted",
        "new mail is not currently being accepted for this mailbox", "bounced address",
    ]),
    (NotCompliantRfc, Specific, &[
        "multiple addresses in from", "rfc 5322", "rfc5322", "rfc 2822", "rfc2822", "rfc 822",
        "rfc822", "not rfc compliant", "rfc compliant", "multiple from", "duplicate header",
        "message-id header", "missing date", "malformed header", "invalid header",
        "header is malformed", "bare lf", "not compliant",
    ]),
    // Exim's loop guard names the header, not the network.
    (ContentError, Specific, &["too many \"received\" headers"]),
    // Wording that says authentication or TLS was required, before the broad "not allowed".
    (SecurityError, Specific, &[
        "unauthenticated senders", "authentication required", "must authenticate",
        "must issue a starttls", "tls required", "authentication failed", "authentication failure",
        "authentication credentials invalid", "encryption required",
        "authrequired",
        "was not authenticated", "authentication is required for",
    ]),
    // Policy refusals worded as such (the X.7.x code alone would say "security").
    (PolicyViolation, Specific, &[
        "not accepted for policy reasons", "rejected for policy reasons", "denied by policy",
        "local policy violation", "organizational settings", "organization policy",
        "violates our policy", "policy violation",
    ]),
    // Listed URLs in the content are spam verdicts, not IP blocks.
    (SpamDetected, Specific, &["blacklisted url", "blacklisted link", "uribl", "surbl"]),
    // Blocklist names contain "spam" but say the sending IP is listed, not the content.
    (Blocked, Specific, &[
        "spamhaus", "spamcop", "blocklist", "blacklist", "block list", "black list", "dnsbl",
        "barracudacentral", "listed at", "listed in", "rbl",
    ]),
    (SpamDetected, Specific, &[
        "spam", "unsolicited", "bulk mail", "bulk email", "junk mail", "content filter",
        "content rejected", "message filtered", "message content rejected",
        "rejected due to content", "unacceptable content", "looks like spam", "probable spam",
        "high probability of", "message refused by", "banned content", "mail content denied",
        "uribl", "surbl", "phishing",
    ]),
    (PolicyViolation, Broad, &[
        "policy", "not accepted for policy reasons", "denied by policy", "organizational settings",
        "organization policy", "illegal attachment", "members-only list", "closed mailing list",
        "protocol violation", "header error", "header are not accepted", "attachment not allowed",
        "restricted",
    ]),
    (TooManyConn, Specific, &[
        "too many connections", "too many concurrent", "connection limit", "connections limit",
        "too many sessions", "too many smtp sessions", "maximum connection",
        "too many simultaneous", "trop de connexions", "frequency limited", "connection rate limit",
        "too many errors from your ip", "numerous attempts to deliver",
    ]),
    (Speeding, Broad, &[
        "rate limit", "ratelimit", "rate-limit", "too fast", "too many messages", "sending rate",
        "throttl", "slow down", "temporarily deferred", "exceeded the rate",
        "too much mail", "too many emails", "message rate",
    ]),
    (Blocked, Broad, &[
        "blocked", "blacklist", "blocklist", "block list", "black list", "denylist", "listed at",
        "listed in", "rbl", "dnsbl", "spamhaus", "spamcop", "barracudacentral", "banned",
        "connection refused", "not allowed to connect", "client host rejected",
        "helo command rejected", "go away", "ip address rejected", "your ip", "dynamic ip",
        "dial-up", "dialup", "residential", "refused to talk to me", "connection dropped",
        "connection reset", "sender ip", "ip address", "mismatches client ip", "not allowed",
        "rejected", "access from ip",
    ]),
    (SecurityError, Broad, &[
        "authentication required", "authentication failed", "authentication failure",
        "authentication credentials invalid", "must authenticate", "unauthenticated",
        "tls required", "starttls", "encryption required", "must issue a starttls",
        "verification failure", "security", "not authorized", "unauthorized", "certificate",
        "access denied",
    ]),
    (Expired, Broad, &[
        "retry timeout exceeded", "retry time not reached", "delivery time expired",
        "message expired", "expired", "timed out", "timeout", "giving up", "gave up",
        "has been delayed", "have been failing for a long time", "in the queue too long",
        "could not be delivered for more than", "unable to deliver message after multiple retries",
        "was not reachable within the allowed queue period", "delivery attempts will continue",
        "could not find a gateway for", "too long in queue", "server did not respond",
        "connection timed out", "not reachable",
        "could not be delivered for", "cannot send message for",
    ]),
    (NetworkError, Broad, &[
        "network", "dns", "name server", "nameserver", "host name lookup failure", "lookup failure",
        "mail loop", "routing loop", "forwarding loop", "too many hops", "hop count exceeded",
        "message looping", "unable to resolve route", "unrouteable mail domain",
        "host is unreachable", "could not connect", "connection failed", "could not be reached",
        "cannot connect", "unable to connect",
    ]),
    (SystemFull, Specific, &[
        "mail system full", "system full", "disk full", "no space left",
        "insufficient system storage", "out of disk", "file system full",
    ]),
    (SystemError, Broad, &[
        "system error", "ldap", "internal error", "internal server error", "local error",
        "server error", "configuration error", "config error", "temporary local problem",
        "queue file write error", "interrupted system call", "loops back to myself",
        "loop was found", "mail loop", "service currently unavailable", "service unavailable",
        "service not available", "temporarily unavailable", "transaction failed", "local problem",
        "error while being processed", "can't create user output file",
        "remote server is misconfigured", "system problem", "system not available",
        "resources temporarily unavailable", "try later",
    ]),
    (ContentError, Broad, &[
        "content", "mime", "8-bit data", "8bit", "header size exceeds", "base64", "binary content",
        "encoding", "too many received", "charset",
    ]),
    (SyntaxError, Broad, &[
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

/// Meaning of RFC 3463 codes, keyed by the whole code or by `subject.detail` (the class only says permanent or
/// temporary). Codes left out say too little (`X.0.0`, `X.1.0`, `X.3.0`, `X.4.0`, `X.7.1`): the text
/// decides.
/// RFC 7372 added the authentication codes X.7.20–X.7.26, RFC 7505 X.1.10 for a null MX.
#[rustfmt::skip]
pub(crate) const STATUS_REASONS: &[(&str, Reason)] = &[
    // Whole codes whose meaning depends on the class.
    ("5.3.0", SystemError),
    ("1.1", UserUnknown),
    ("1.2", HostUnknown),
    ("1.3", UserUnknown),
    ("1.4", Filtered),
    ("1.6", HasMoved),
    ("1.7", Rejected),
    ("1.8", Rejected),
    ("1.9", SystemError),
    ("1.10", NotAccept),
    ("2.0", Filtered),
    ("2.1", Filtered),
    ("2.2", MailboxFull),
    ("2.3", ExceedLimit),
    ("2.4", Filtered),
    ("3.1", SystemFull),
    ("3.2", NotAccept),
    ("3.3", SystemError),
    ("3.4", MesgTooBig),
    ("3.5", SystemError),
    ("4.1", Expired),
    ("4.2", NetworkError),
    ("4.3", SystemError),
    ("4.4", HostUnknown),
    ("4.5", SystemFull),
    ("4.6", NetworkError),
    ("4.7", Expired),
    ("5.0", SyntaxError),
    ("5.1", SyntaxError),
    ("5.2", SyntaxError),
    ("5.3", TooManyConn),
    ("5.4", SyntaxError),
    ("5.5", SystemError),
    ("5.6", SecurityError),
    ("6.0", ContentError),
    ("6.1", ContentError),
    ("6.2", ContentError),
    ("6.3", ContentError),
    ("6.5", ContentError),
    ("6.6", ContentError),
    ("6.7", ContentError),
    ("6.8", ContentError),
    ("6.9", ContentError),
    ("7.2", PolicyViolation),
    ("7.3", SecurityError),
    ("7.4", SecurityError),
    ("7.5", SecurityError),
    ("7.6", SecurityError),
    ("7.7", SecurityError),
    ("7.8", SecurityError),
    ("7.9", SecurityError),
    ("7.10", SecurityError),
    ("7.11", SecurityError),
    ("7.13", Suspend),
    ("7.14", SecurityError),
    ("7.15", SecurityError),
    ("7.16", MesgTooBig),
    ("7.17", HasMoved),
    ("7.18", HasMoved),
    ("7.19", SecurityError),
    ("7.20", AuthFailure),
    ("7.21", AuthFailure),
    ("7.22", AuthFailure),
    ("7.23", AuthFailure),
    ("7.24", AuthFailure),
    ("7.25", RequirePtr),
    ("7.26", AuthFailure),
    ("7.27", NotAccept),
    ("7.28", SpamDetected),
    ("7.29", AuthFailure),
    ("7.30", SecurityError),
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
