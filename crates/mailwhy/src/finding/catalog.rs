//! The registry of every finding id: one entry per id, with its explanation.
//! Kept as one table so that `mailwhy explain`, the docs and the tests read the same text.

use super::{FindingKind, Severity::*};

/// Declares every finding id once: the [`FindingId`] enum and the [`CATALOG`] of kinds, in the
/// same order (so an id's kind is an index, never a search).
macro_rules! catalog {
    ($( $name:ident = $id:literal, $sev:ident, $title:literal,
        what: $what:literal, why: $why:literal, fix: $fix:literal; )*) => {
        /// Every finding mailwhy can report, one variant per registered id.
        ///
        /// The variant's [`kind`](FindingId::kind) carries the stable string id (`area.kebab-name`,
        /// what JSON shows), the default severity, the title and the three-part explanation.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum FindingId {
            $( #[doc = concat!("`", $id, "`: ", $title, ".")] $name, )*
        }

        impl FindingId {
            /// Every id, in catalog order.
            pub const ALL: &'static [FindingId] = &[ $( FindingId::$name, )* ];

            /// The stable string id (`area.kebab-name`).
            pub const fn as_str(self) -> &'static str {
                match self { $( FindingId::$name => $id, )* }
            }
        }

        /// Every registered finding kind, in the order of [`FindingId`].
        pub(super) static CATALOG: &[FindingKind] = &[
            $( FindingKind { id: FindingId::$name, severity: $sev, title: $title,
                             what_it_means: $what, why_it_matters: $why, how_to_fix: $fix }, )*
        ];
    };
}

catalog! {
    // ---- user: the account in the directory -------------------------------------------------

    UserNotFound = "user.not-found", Error, "no account with this address in the directory",
        what: "No account in the user directory has this email address. Accounts that differ only \
               in letter case, dots or a few characters are listed in the evidence as near matches.",
        why: "Only people with an account receive notifications, invitations and password resets. \
              If the account is stored under a slightly different address, every email goes there \
              instead, or nowhere.",
        fix: "Compare the address in the ticket with the near matches in the evidence. If one of them \
              is the same person, correct the address on that account; otherwise the company admin \
              (for employees) or the project team (for collaborators) adds the person and invites them.";

    UserMessagingDisabled = "user.messaging-disabled", Error, "\"send messages to this user\" is off",
        what: "The account exists in the user directory, but its \"send messages to this user\" \
               switch is off.",
        why: "While the switch is off, no notification, invitation or password-reset email is sent \
              to this person at all, so nothing will ever reach their inbox or spam folder.",
        fix: "Employees ask their company admin to turn \"send messages to this user\" on in the \
              account settings. Collaborators (subcontractors, vendors) ask the project team, whose \
              admin changes it. Then resend the email or re-invite.";

    UserInactive = "user.inactive", Error, "the account is inactive",
        what: "The account is in the directory but its status is inactive, so the product treats \
               the person as no longer taking part.",
        why: "Inactive accounts receive no notifications, invitations or password-reset emails, \
              whatever their address and messaging setting say.",
        fix: "If the person should have access again, the company admin (for employees) or the \
              project team's admin (for collaborators) reactivates the account, then re-invites \
              the person or resends the email.";

    UserNeverInvited = "user.never-invited", Error, "the account was never invited",
        what: "The account exists in the directory, but no invitation email has ever been sent to \
               it (its status is \"not invited\").",
        why: "The person cannot activate the account or get in until an invitation is sent, and \
              there is no earlier email for them to find in their inbox or spam folder.",
        fix: "An admin opens the account in the directory and clicks \"Invite\" (it becomes \
              \"Re-invite\" after the first send). Ask the person to watch their inbox and their \
              spam/junk folder for it.";

    UserInvitePending = "user.invite-pending", Info, "the invitation was sent but not yet accepted",
        what: "The person was invited but has not accepted yet. The evidence lists the reminders \
               already sent and the date of the next one (reminders go out after 3, 7 and 14 days).",
        why: "The invitation did go out, so the question is usually where it landed, not whether \
              it was sent. An unaccepted invitation keeps the account from being used.",
        fix: "Ask the person to search their inbox and spam/junk folder for the invitation and \
              accept it. If it cannot be found, an admin clicks \"Re-invite\"; activating through \
              a password reset is the fallback.";

    UserInviteRemindersExhausted = "user.invite-reminders-exhausted", Warning, "the last invitation reminder has passed",
        what: "The invitation was never accepted and the last automated reminder (normally the \
               one after 14 days) has already been sent.",
        why: "After the last reminder nothing more is sent until someone re-invites the person, \
              so waiting will not produce another email.",
        fix: "An admin clicks \"Re-invite\" on the account. Ask the person to check spam/junk for \
              the new invitation; if it still does not arrive, check the address and the other \
              findings in this report.";

    UserDuplicateAddress = "user.duplicate-address", Warning, "several accounts share this address",
        what: "More than one account in the directory has this address, when compared without \
               regard to letter case. The evidence lists the accounts.",
        why: "Emails, invitations and password resets may be sent for a different account than \
              the one the person uses, or one account's settings (messaging off, inactive) may \
              block mail the other should get.",
        fix: "The company admin (or the project team for collaborators) decides which account is \
              the real one, merges or deactivates the others, and checks that the remaining \
              account is active with \"send messages to this user\" on.";

    UserCollaborator = "user.collaborator", Info, "the person is an external collaborator",
        what: "The account belongs to an external collaborator (a subcontractor or vendor), not to \
               an employee of the company that owns the directory.",
        why: "Collaborators cannot change their own account settings through their company admin; \
              changes go through the project team that invited them, whose admin makes them.",
        fix: "Send the person to the project team that invited them. That team's admin changes the \
              account (messaging switch, status, address, re-invite); the person's own IT \
              department handles only their mailbox and spam filter.";

    UserRowUnreadable = "user.row-unreadable", Warning, "the person's row in the directory export could not be read",
        what: "A row of the directory export carries this address but could not be read (a value \
               that is not a status, a quote left open, bytes that are not text ...), so it was \
               skipped. The evidence names the file, the line and what was wrong.",
        why: "The account on that row may be inactive, never invited or have messages off: nothing \
              about it can be told from the export. Saying the person has no account would be \
              wrong, and would send the agent to re-add someone who is there.",
        fix: "Correct the line (or export the directory again) and run the diagnosis again. Until \
              then, look the account up in the product's admin to see its status and its \
              \"send messages to this user\" switch.";

    UserStoredAddressMalformed = "user.stored-address-malformed", Error, "the account's stored address is not the address looked up",
        what: "The account was found only because the lookup ignores hidden characters, look-alike \
               letters, spaces and letter case: the address stored on the account has a \
               no-break space, a zero-width character, a letter from another alphabet, a space \
               or another case. The evidence shows the stored address with each such character \
               as <U+XXXX>.",
        why: "The product sends every email to the address as stored. With a hidden or \
              look-alike character in it, that is a different address from the person's, which \
              no mailbox receives, while it looks right on screen. (A difference in letter case \
              alone is reported as a note: mail servers nearly always ignore it.)",
        fix: "Retype the address on the account in the directory (do not paste it from a \
              spreadsheet or a signature), then resend the email or re-invite the person.";

    // ---- directory: the directory export as a whole -----------------------------------------

    DirectoryRowsSkipped = "directory.rows-skipped", Info, "rows of the directory export were skipped",
        what: "Some rows of the directory export could not be read and were left out: the \
               evidence gives the file, how many rows, and each row's line and what was wrong.",
        why: "Accounts on those rows are not part of any diagnosis: a person on one of them is \
              reported as user.row-unreadable, and the rest of the directory is unaffected.",
        fix: "Correct the listed lines of the file (or export the directory again), then run \
              again; `mailwhy batch` on the file lists every skipped row too.";

    // ---- address: the email address itself ------------------------------------------------

    AddressSyntaxInvalid = "address.syntax-invalid", Error, "the address is not a valid email address",
        what: "The address breaks the email address syntax of RFC 5321 and RFC 5322. The evidence \
               names the rule and the position of the first bad character.",
        why: "Mail servers refuse to send to an invalid address, so every email to it fails before \
              it leaves, or bounces at once.",
        fix: "Ask the person for their address again and correct it in the directory. Common \
              mistakes are a missing @, two @ signs, a comma instead of a dot, a trailing dot, or \
              spaces.";

    AddressDomainNotRoutable = "address.domain-not-routable", Error, "no mail is delivered to this domain in practice",
        what: "The part after the @ is well-formed but is a top-level domain alone (a@io, no dot) \
               or ends in an all-digit label (a@iana.123). RFC 5321 lets the grammar through; the \
               evidence names the rule (RFC 5321 §2.3.5, RFC 3696 §2).",
        why: "No mail server accepts or routes such a domain on the internet: top-level domains \
              publish no mail servers, and no top-level domain is all digits. Every email to the \
              address is lost, though it looks nearly right.",
        fix: "Ask the person for their full address; the domain was usually cut short (name.io, \
              not io). Correct it in the directory, then re-invite or resend.";

    AddressHiddenCharacters = "address.hidden-characters", Error, "the address contains hidden or look-alike characters",
        what: "The address contains characters you cannot see or that only look like normal ones: \
               spaces, zero-width or control characters, text-direction marks, or letters from \
               another alphabet (such as a Cyrillic letter that looks exactly like a Latin \"a\"). The evidence names each one and its position.",
        why: "The address looks right on screen but is a different address to a mail server, so \
              mail goes nowhere or bounces. These characters usually come from copying the address \
              out of a PDF, spreadsheet or chat.",
        fix: "Retype the address by hand in the directory (do not paste it), save, and run the \
              check again. If the list was imported, clean the source file too.";

    AddressLengthExceeded = "address.length-exceeded", Error, "a part of the address is too long",
        what: "A part of the address is longer than the limits allow: the part before the @ may be \
               at most 64 octets and the whole address at most 254 (RFC 5321), and each dot-separated \
               part of the domain at most 63 (RFC 1035).",
        why: "Servers are entitled to refuse longer addresses, and most do, so mail to it bounces \
              or is never sent.",
        fix: "Check the address with the person; it is usually pasted twice or has extra text \
              attached. Correct it in the directory. A real address this long needs a shorter alias \
              from the person's mail admin.";

    AddressReservedDomain = "address.reserved-domain", Error, "the domain is reserved and cannot receive mail",
        what: "The domain is a reserved or special-use name such as example.com, .test, .invalid, \
               .localhost or .local (RFC 2606, RFC 6761), which can never be a real mailbox on the \
               internet.",
        why: "No mail can ever be delivered there. Such addresses are usually placeholders typed \
              during setup or testing.",
        fix: "Ask the person for their real address and replace the placeholder in the directory, \
              then re-invite or resend.";

    AddressTypoDomain = "address.typo-domain", Warning, "the domain looks like a typo of a common mail domain",
        what: "The domain is very close to a well-known mail domain (for example gmial.com instead \
               of gmail.com). The suggested correction is in the evidence.",
        why: "Mail to a mistyped domain bounces, or worse, is delivered to a stranger who owns the \
              look-alike domain.",
        fix: "Confirm the address with the person. If the suggestion is right, correct the address \
              in the directory and re-invite or resend; if the odd domain is real, ignore this finding.";

    AddressRoleAccount = "address.role-account", Warning, "the address is a department or role mailbox",
        what: "The address is a department or role mailbox (maintenance@, info@, office@, noreply@, \
               and the RFC 2142 names such as postmaster@), not one person's mailbox.",
        why: "Accounts for department addresses are refused by the product. Such mailboxes are often \
              distribution lists, shared inboxes or heavily filtered, and noreply@ addresses usually \
              accept nothing at all.",
        fix: "Use the person's own address for their account. If a team really needs the mail, the \
              team's mail admin checks that the role mailbox exists, accepts outside mail and is not \
              filtering it.";

    AddressNonAsciiLocalPart = "address.non-ascii-local-part", Warning, "the address has non-ASCII characters before the @",
        what: "The part before the @ contains characters outside plain ASCII (accented letters, \
               other scripts). Delivering to it needs the SMTPUTF8 extension of RFC 6531.",
        why: "Many mail servers and sending services do not support SMTPUTF8 and refuse or bounce \
              such mail, even when the recipient's own server would accept it.",
        fix: "Ask the person whether they have a plain ASCII alias (most providers offer one) and \
              use that in the directory. Otherwise their mail admin confirms that their server \
              supports SMTPUTF8.";

    // ---- domain: where the recipient's mail goes -------------------------------------------

    DomainNotFound = "domain.not-found", Error, "the recipient's domain does not exist",
        what: "The DNS says the domain after the @ does not exist at all (NXDOMAIN).",
        why: "Mail has nowhere to go: every message to this address bounces with \"host unknown\". \
              Usually the domain is misspelled, or it expired and was not renewed.",
        fix: "Check the spelling with the person and correct the address. If the domain is right, \
              the domain owner renews it or fixes its DNS registration with their registrar.";

    DomainNullMx = "domain.null-mx", Error, "the domain declares that it accepts no mail",
        what: "The domain publishes a \"null MX\" record (MX 0 .), the RFC 7505 way of saying that \
               it never receives email.",
        why: "Sending servers stop at once and bounce every message; nothing will ever arrive at \
              any address in this domain.",
        fix: "Ask the person for an address that receives mail. If the domain should receive mail, \
              its owner removes the null MX record and publishes MX records for their mail servers.";

    DomainNoMailHost = "domain.no-mail-host", Error, "the domain has no mail server",
        what: "The domain exists, but publishes neither MX records nor an address (A/AAAA) that \
               mail could fall back to (RFC 5321 section 5.1).",
        why: "Sending servers have no host to deliver to, so every message to this domain bounces.",
        fix: "Check that the address is right. If it is, the domain owner's admin publishes MX \
              records pointing to their mail provider (the provider's setup page gives the exact \
              records).";

    DomainImplicitMx = "domain.implicit-mx", Warning, "the domain has no MX record; mail goes to its web address",
        what: "The domain has no MX record, so by RFC 5321 section 5.1 senders deliver to the \
               host named by its A/AAAA record instead, which is often a web server.",
        why: "A web server rarely accepts mail, so messages time out or bounce. Some senders refuse \
              to use this fallback at all.",
        fix: "If the domain receives mail, its admin publishes MX records for the mail provider. \
              If it should not, they publish a null MX (RFC 7505) and the person uses another address.";

    DomainMxUnresolvable = "domain.mx-unresolvable", Error, "the mail server named in MX has no address",
        what: "An MX record names a mail server host, but that host name has no address (A/AAAA) \
               in DNS. It is an error when every MX host fails and a warning when only some do.",
        why: "Senders cannot connect to a server they cannot find; when all MX hosts fail, mail \
              bounces or sits in the queue until it expires.",
        fix: "The recipient domain's admin fixes the MX record to name the correct host, or adds \
              the missing A/AAAA record for it. The evidence lists which host names failed.";

    DomainMxInvalidTarget = "domain.mx-invalid-target", Warning, "an MX record points to an IP address or an alias",
        what: "An MX record names an IP address literal or a CNAME alias instead of a host name \
               with its own address; RFC 5321 section 5.1 and RFC 2181 section 10.3 forbid both.",
        why: "Many senders work around it, but some refuse to deliver, so mail from some senders \
              bounces while mail from others arrives.",
        fix: "The recipient domain's admin changes the MX record to the mail server's real host \
              name (the one with the A/AAAA record), as the mail provider's setup page shows.";

    DomainMxPrivateAddress = "domain.mx-private-address", Error, "the mail server resolves to a private or reserved address",
        what: "The MX host resolves only to addresses that cannot be reached from the internet: \
               loopback (127.0.0.1), private networks (10.x, 192.168.x, 172.16-31.x) or other \
               reserved ranges.",
        why: "Outside senders cannot connect to such addresses, so all mail from the internet \
              bounces or expires. This is usually an internal DNS record published by mistake.",
        fix: "The recipient domain's admin publishes the mail server's public address in the \
              public DNS (split DNS often causes this) and checks it from outside their network.";

    DomainMailProvider = "domain.mail-provider", Info, "the domain's mail is hosted by a known provider",
        what: "The MX records show which provider handles this domain's mail, such as Google \
               Workspace, Microsoft 365, Proofpoint or Mimecast. The evidence names it.",
        why: "Each provider has its own spam folder, quarantine and allowlist screens, so the right \
              place to look depends on the provider.",
        fix: "Follow the provider-specific steps in the other findings: the user checks the junk \
              folder, and the mail admin checks the quarantine and the allowlist in that provider's \
              admin console.";

    DomainParked = "domain.parked", Warning, "the domain neither sends nor receives mail",
        what: "The domain has no MX record and an SPF record of \"v=spf1 -all\": its owner has \
               declared that it sends no mail and set up nothing to receive it.",
        why: "Mail to addresses in this domain will not be delivered. It is usually a parked, \
              retired or typo domain rather than the person's real one.",
        fix: "Confirm the address with the person; they most likely use another domain. Correct \
              the address in the directory and re-invite or resend.";

    // ---- dns: the lookups the checks depend on ---------------------------------------------

    DnsTemporaryFailure = "dns.temporary-failure", Warning, "a DNS lookup failed temporarily",
        what: "A DNS question got no usable answer: the server failed (SERVFAIL), refused, or did \
               not answer in time. The evidence names the question and the outcome.",
        why: "The checks that depended on this answer could not decide anything, so they are \
              marked inconclusive; this report cannot say that part is fine.",
        fix: "Run the check again in a few minutes. If it keeps failing, the domain's DNS admin \
              checks their name servers (are they all up and answering?); try another resolver \
              with --nameserver to rule out a local problem.";

    DnsResolverUntrustworthy = "dns.resolver-untrustworthy", Warning, "the DNS resolver's answers cannot be believed",
        what: "The resolver asked says that well-known mail domains (gmail.com, outlook.com) do \
               not exist or receive no mail, or it gives an address for a made-up name. The \
               evidence names the resolver and each test question with its answer.",
        why: "A captive portal, a filtering or offline DNS answers like this. Its \"does not \
              exist\" for the recipient's domain says nothing about the domain, so the domain \
              checks are marked inconclusive instead of blaming the address.",
        fix: "Run the check again on a network with working DNS, or name a resolver that answers \
              normally with --nameserver (your company's resolver, or a public one). Do not tell \
              the person that their address is wrong on the strength of this report.";

    // ---- spf: who may send for a domain (RFC 7208) -----------------------------------------

    SpfMissing = "spf.missing", Warning, "the sending domain publishes no SPF record",
        what: "The domain has no SPF record (a TXT record starting with v=spf1, RFC 7208), so it \
               does not say which servers may send mail for it.",
        why: "Receivers cannot confirm that mail from this domain is genuine, so it is more often \
              sent to spam or rejected; Gmail and Yahoo require SPF or DKIM for all senders.",
        fix: "The domain's DNS admin publishes one TXT record listing its senders, for example \
              \"v=spf1 include:_spf.example-provider.com -all\", using the include value each \
              sending service documents.";

    SpfMultipleRecords = "spf.multiple-records", Error, "the domain has more than one SPF record",
        what: "The domain publishes several TXT records that start with v=spf1. RFC 7208 section \
               4.5 says this is a permanent error (permerror).",
        why: "Receivers treat the domain as having a broken SPF policy, so SPF fails for every \
              message, which hurts DMARC and delivery even from legitimate servers.",
        fix: "The domain's DNS admin merges the records into one: one v=spf1, all the mechanisms \
              from each record, and one all at the end. Then delete the extra records.";

    SpfSyntaxError = "spf.syntax-error", Error, "the SPF record does not parse",
        what: "The SPF record contains a term that is not valid under RFC 7208 (a typo, a missing \
               colon, an unknown mechanism). The evidence shows the term and its position.",
        why: "A syntax error is a permanent error (permerror): receivers treat SPF as broken, so \
              mail from the domain loses SPF and often DMARC.",
        fix: "The domain's DNS admin corrects the term shown in the evidence in the TXT record, \
              then runs `mailwhy spf DOMAIN` again to confirm it parses.";

    SpfLookupLimitExceeded = "spf.lookup-limit-exceeded", Error, "the SPF record needs more than 10 DNS lookups",
        what: "Evaluating the SPF record takes more than 10 terms that query DNS (include, a, mx, \
               ptr, exists, redirect), the limit in RFC 7208 section 4.6.4. The evidence shows the count per include.",
        why: "Receivers stop at the limit and return a permanent error (permerror), so SPF fails \
              for mail from every server, including the legitimate ones.",
        fix: "The domain's DNS admin removes includes for services no longer used, replaces a and \
              mx with ip4/ip6 ranges where possible, or uses a sending service's narrower include, \
              until the count is 10 or less.";

    SpfVoidLookupLimitExceeded = "spf.void-lookup-limit-exceeded", Error, "the SPF record has more than 2 empty lookups",
        what: "More than two DNS lookups made while evaluating the SPF record returned nothing \
               (no such name, or no records); RFC 7208 section 4.6.4 limits these to two.",
        why: "Receivers return a permanent error (permerror), so SPF fails for all mail from the \
              domain. It usually means includes point at names that no longer exist.",
        fix: "The domain's DNS admin removes or corrects the include, a, mx or exists terms listed \
              in the evidence as returning nothing.";

    SpfIpNotAuthorized = "spf.ip-not-authorized", Error, "the sending server is not allowed by the domain's SPF",
        what: "Evaluating the domain's SPF record for the sending IP address gives fail or softfail: \
               the domain does not list that server as allowed to send for it. The evidence holds \
               the full trace.",
        why: "Receivers send such mail to spam or reject it, and it fails DMARC unless DKIM passes \
              and aligns.",
        fix: "If the server is a legitimate sender, the domain's DNS admin adds it to the SPF record \
              (an ip4/ip6 range or the service's include). If not, mail is coming from the wrong \
              server and the sender's admin fixes their outgoing route.";

    SpfPermissiveAll = "spf.permissive-all", Warning, "the SPF record lets anyone send as this domain",
        what: "The SPF record ends in +all (everyone passes) or ?all (no opinion), so it does not \
               restrict who may send mail for the domain.",
        why: "Anyone can forge mail from the domain, and receivers that notice give the domain's \
              mail less trust, which pushes it toward spam.",
        fix: "The domain's DNS admin lists every real sender in the record and ends it with -all \
              (or ~all while testing).";

    SpfPtrMechanism = "spf.ptr-mechanism", Warning, "the SPF record uses the deprecated ptr mechanism",
        what: "The SPF record contains a ptr term, which RFC 7208 section 5.5 says should not be \
               used: it is slow, unreliable and costs extra DNS lookups.",
        why: "Some receivers ignore ptr or time out on it, so servers authorized only through ptr \
              may fail SPF at some receivers.",
        fix: "The domain's DNS admin replaces the ptr term with the ip4/ip6 ranges or the includes \
              of the servers it was meant to cover.";

    SpfTemporaryError = "spf.temporary-error", Warning, "the SPF check hit a temporary DNS error",
        what: "Evaluating the SPF record ended in a temporary error (temperror, RFC 7208 section \
               2.6.6) because a DNS lookup failed or timed out.",
        why: "The result could not be decided; receivers in the same situation may defer the mail \
              or treat it as unauthenticated.",
        fix: "Run the check again later. If it persists, the DNS admin of the domain named in the \
              evidence checks that its name servers answer reliably.";

    SpfPermanentError = "spf.permanent-error", Error, "the SPF record gives a permanent error",
        what: "Evaluating the SPF record ends in a permanent error (permerror, RFC 7208 section \
               2.6.7) for a reason other than syntax or the lookup limits: an include or redirect \
               names a domain without an SPF record, an mx term finds more than 10 MX records, or \
               a redirect target is not a valid domain name. The evidence names the cause.",
        why: "Receivers treat the domain's SPF as broken, so SPF fails for mail from every \
              server, which hurts DMARC and delivery.",
        fix: "The domain's DNS admin corrects the term named in the evidence: remove the include of \
              a domain that publishes no SPF record, or point it at the name the sending service \
              documents.";

    // ---- allowlist: the recipient's gateway and the vendor's published list ------------------

    AllowlistDomainMissing = "allowlist.domain-missing", Error, "a vendor sending domain is missing from the allowlist",
        what: "The vendor publishes a sending domain that none of the entries in the recipient's \
               gateway allowlist covers. The evidence names the domain.",
        why: "Mail from that domain is filtered like any unknown sender, so it may be quarantined, \
              sent to spam or rejected by the recipient's gateway.",
        fix: "The recipient's mail admin adds the missing domain to the gateway allowlist (the \
              --export output gives lines ready to paste), then asks the person to check spam/junk \
              and the quarantine for mail already held.";

    AllowlistIpMissing = "allowlist.ip-missing", Error, "a vendor sending IP is missing from the allowlist",
        what: "The vendor publishes a sending IP address or range that no entry in the recipient's \
               gateway allowlist covers. The evidence names it.",
        why: "Mail sent from that address is filtered like any unknown sender and may be quarantined \
              or rejected, so some emails arrive and others do not.",
        fix: "The recipient's mail admin adds the missing IP address or range to the gateway \
              allowlist exactly as the vendor publishes it (use --export), then releases held mail \
              from the quarantine.";

    AllowlistOverbroadEntry = "allowlist.overbroad-entry", Warning, "an allowlist entry covers far more than the vendor needs",
        what: "An allowlist entry covers a network much wider than anything the vendor publishes, \
               or everything (0.0.0.0/0). The evidence shows the entry and what the vendor needs.",
        why: "Everything from that range skips the spam and virus filters, including mail from \
              strangers who happen to send from it.",
        fix: "The recipient's mail admin replaces the wide entry with the vendor's published \
              ranges and domains (use --export) and removes the wide one.";

    AllowlistSharedInfrastructure = "allowlist.shared-infrastructure", Warning, "an allowlist entry admits a shared sending service",
        what: "An entry allowlists a shared sending service (such as sendgrid.net, amazonses.com or \
               fastly.net) that many companies use, not just this vendor.",
        why: "Allowlisting shared infrastructure lets every other tenant of that service past the \
              filters too, including spammers and phishers.",
        fix: "The recipient's mail admin replaces the shared entry with something specific to the \
              vendor: the vendor's own sending domains, or a rule that also requires the vendor's \
              From domain and passing DKIM.";

    AllowlistStaleEntry = "allowlist.stale-entry", Info, "an allowlist entry matches nothing the vendor publishes",
        what: "An entry in the gateway allowlist matches none of the domains or IP addresses the \
               vendor publishes today.",
        why: "It no longer helps the vendor's mail, and it may let through whoever uses that address \
              or domain now.",
        fix: "The recipient's mail admin confirms the entry is not needed for another sender and \
              removes it; compare with the vendor's current published allowlist.";

    AllowlistInvalidEntry = "allowlist.invalid-entry", Error, "an allowlist line does not parse",
        what: "A line of the allowlist file is not a valid domain, wildcard, IP address or CIDR \
               range. The evidence gives the line number and the text.",
        why: "Gateways usually skip or reject such a line, so whatever it was meant to allow is not \
              allowed, and the whole file may fail to load.",
        fix: "The recipient's mail admin corrects the line shown in the evidence (common causes: a \
              stray character, a missing prefix length, a URL instead of a domain) and reloads the allowlist.";

    AllowlistSpfDrift = "allowlist.spf-drift", Warning, "the vendor's allowlist and its SPF record disagree",
        what: "The vendor's published IP list and its SPF record do not match: an address is listed \
               but not authorized by SPF, or authorized by SPF but not listed.",
        why: "One of the two is out of date. Mail from an unlisted address is filtered by the \
              gateway; mail from an address SPF does not allow may fail authentication.",
        fix: "Report the differences in the evidence to the vendor's admin so they update their \
              published list or SPF. Meanwhile the recipient's mail admin may add the SPF-authorized \
              addresses to the allowlist.";

    AllowlistGatewayInFront = "allowlist.gateway-in-front", Warning, "a filtering gateway sits in front of the mailboxes",
        what: "The recipient domain's MX points to a filtering service (Proofpoint, Mimecast, Barracuda ...) that receives mail before the mailbox provider does.",
        why: "An allowlist kept in the mailbox provider (Microsoft 365, Google Workspace) sees the filter's IP addresses, not the vendor's, so vendor IP entries there never match; the filter itself may still hold the mail.",
        fix: "Add the vendor's domains and IPs in the filtering service's allowlist, and in the mailbox provider trust the filter's IPs (Microsoft 365: enhanced filtering for connectors; Google: inbound gateway setting) instead of listing the vendor there.";

    AllowlistSenderNotListed = "allowlist.sender-not-listed", Error, "the server that sent the message is not on the allowlist",
        what: "The IP address or domain that actually delivered the message (seen in its headers) \
               is not covered by the recipient's gateway allowlist.",
        why: "The gateway filtered this message like any unknown sender, which explains why it was \
              quarantined, sent to spam or delayed.",
        fix: "The recipient's mail admin adds the sender shown in the evidence to the allowlist, if \
              it is one the vendor publishes, and releases the message from the quarantine.";

    AllowlistHostBitsSet = "allowlist.host-bits-set", Error, "a CIDR allowlist entry has host bits set",
        what: "A CIDR range in the allowlist has bits set after its prefix, such as 10.0.0.1/24 \
               instead of 10.0.0.0/24.",
        why: "Gateways read such entries differently: some widen them to the network, some treat \
              them as one address, some reject them, so what is really allowed is unclear.",
        fix: "The recipient's mail admin rewrites the entry as the network it was meant to be \
              (10.0.0.0/24) or as a single address (10.0.0.1/32), matching the vendor's list.";

    // ---- message: headers of a received message ---------------------------------------------

    MessageAuthFailed = "message.auth-failed", Error, "the message failed SPF, DKIM or DMARC at the receiver",
        what: "The Authentication-Results header (RFC 8601) added by the receiving server records \
               a fail for SPF, DKIM or DMARC. The evidence shows each verdict.",
        why: "Receivers send such mail to spam, quarantine it or reject it, depending on the \
              sender's DMARC policy and their own rules.",
        fix: "The sender's admin fixes the failing method: authorize the sending server in SPF, \
              sign with a DKIM key published in DNS, and align both with the From domain. See the \
              spf, dkim and dmarc findings for details.";

    MessageSpamVerdict = "message.spam-verdict", Warning, "the receiving filter marked the message as spam",
        what: "A header added by the receiving filter (such as X-Spam-Status or \
               X-Microsoft-Antispam) shows that it classified the message as spam.",
        why: "The message was delivered to the junk folder or the quarantine, not to the inbox, \
              so the person did not see it.",
        fix: "The user looks in the spam/junk folder and marks the message \"not spam\". The mail \
              admin checks the quarantine and, if the vendor's mail is often caught, adds the \
              vendor to the allowlist.";

    MessageHopDelay = "message.hop-delay", Warning, "a mail server held the message for a long time",
        what: "The Received headers show that one server on the way held the message longer than \
               the threshold before passing it on. The evidence names the hop and the delay.",
        why: "The email arrived late, often because of greylisting (the receiver asks senders to \
              retry later) or a busy queue, so the person may have looked before it arrived.",
        fix: "If the delay is at the recipient's side, their mail admin checks greylisting and \
              queue settings (allowlisting the vendor skips greylisting). If it is at the sender's \
              side, report the hop to the vendor's admin.";

    MessageRecipientMismatch = "message.recipient-mismatch", Error, "the message went to a different address than the ticket's",
        what: "The message was addressed to, or delivered for, another address than the one named \
               in the ticket. The evidence shows both.",
        why: "The person is looking in the wrong mailbox, or the account has an outdated or \
              mistyped address.",
        fix: "Check which address the account really uses and correct it in the directory if \
              needed; otherwise tell the person which mailbox the email went to.";

    MessageAuthDisagreement = "message.auth-disagreement", Info, "a receiver's authentication result differs from ours",
        what: "mailwhy computed SPF, DKIM and DMARC for the received message itself and one of \
               them differs from what a receiver recorded in its Authentication-Results header. \
               The evidence names the method, both results and the likely reason.",
        why: "A difference shows where the message changed on its way: forwarding changes the \
              connecting IP and breaks SPF, a gateway or mailing list footer breaks the DKIM body \
              hash, an ARC seal means a forwarder vouched for the original results.",
        fix: "Nothing to change for the difference itself. Act on the dmarc, dkim or spf findings; \
              if a gateway of the recipient modifies the vendor's mail, its admin exempts the \
              vendor from footers and link rewriting.";

    MessageUnparseableReceived = "message.unparseable-received", Info, "a Received header could not be parsed",
        what: "One of the message's Received headers does not follow the usual form (RFC 5322, RFC \
               5321 section 4.4), so its server names or time could not be read. It is kept raw in \
               the evidence.",
        why: "The delay of that hop and the server it names may be missing from the report, so \
              the path of the message is less certain.",
        fix: "No action is usually needed. If the delay matters, read the raw header in the \
              evidence yourself; attach it to the ticket if the report seems wrong.";

    // ---- mailbox: POP3 retrieval -----------------------------------------------------------

    MailboxPortTlsMismatch = "mailbox.port-tls-mismatch", Error, "the POP3 port and TLS setting do not match",
        what: "The port and the encryption mode disagree: port 995 expects TLS from the start \
               (implicit TLS, RFC 8314), port 110 expects plain text or STLS (RFC 2595).",
        why: "The connection hangs or fails at once, so the mailbox is never fetched and no new \
              mail shows up in the CRM.",
        fix: "In the mail fetcher's settings, use port 995 with SSL/TLS on, or port 110 with STLS \
              (STARTTLS). Port 995 with SSL is the recommended choice.";

    MailboxUnreachable = "mailbox.unreachable", Error, "the POP3 server cannot be reached",
        what: "No connection could be opened to the POP3 server at the given name and port: the \
               name does not resolve, the connection is refused, or it times out.",
        why: "Nothing can be fetched while the server is unreachable, so mail piles up in the \
              mailbox and never reaches the CRM.",
        fix: "Check the server name and port against the provider's published settings. If they \
              are right, the mail admin checks that POP3 is enabled for the mailbox and that no \
              firewall blocks the port.";

    MailboxTlsFailed = "mailbox.tls-failed", Error, "the secure connection to the POP3 server failed",
        what: "The TLS handshake with the POP3 server failed: the certificate is expired, does not \
               match the server name, is not trusted, or the two sides share no protocol version.",
        why: "The fetcher refuses to log in over a connection it cannot trust, so no mail is fetched.",
        fix: "Use the exact server name from the provider's documentation (the certificate is \
              issued for it). If it still fails, the mail server's admin renews or fixes the \
              certificate; never turn off certificate checking.";

    MailboxAuthFailed = "mailbox.auth-failed", Error, "the POP3 server refused the login",
        what: "The POP3 server rejected the username or password.",
        why: "Mail is not fetched until the login works. The most common causes are a password \
              changed in the mailbox but not in the fetcher, and two-factor authentication, which \
              requires an app-specific password.",
        fix: "If the mailbox password was changed, update it in the fetcher too. If two-factor \
              authentication is on, create an app-specific password in the account's security \
              settings and use it instead. Check the username format and that POP access is \
              enabled for the mailbox.";

    MailboxGmailRecentPrefix = "mailbox.gmail-recent-prefix", Warning, "username lacks Gmail's recent: prefix for several POP clients",
        what: "The mailbox is a Gmail account fetched by POP from more than one client, but the \
               username does not start with recent: (for example recent:me@gmail.com).",
        why: "Without recent mode, Gmail hands each message to only the first client that fetches \
              it, so the CRM misses mail that a phone or another program downloaded first.",
        fix: "In the CRM's fetcher settings, change the username to recent: followed by the full \
              Gmail address. Recent mode fetches the last 30 days of mail whatever other clients did.";

    MailboxPlaintextCredentials = "mailbox.plaintext-credentials", Warning, "the password would cross the network unencrypted",
        what: "The settings use POP3 without TLS (port 110 without STLS), so the username and \
               password are sent as plain text.",
        why: "Anyone on the network path can read the password. Many providers also refuse plain \
              text logins, which then look like a wrong password.",
        fix: "Switch the fetcher to port 995 with SSL/TLS, or to port 110 with STLS, and change the \
              password if it has already been used without encryption.";

    MailboxWrongServer = "mailbox.wrong-server", Error, "the POP3 server or port differs from the provider's",
        what: "The mailbox belongs to a well-known mail service (recognized from the server name or \
               the address domain), but the server name, port or TLS mode differs from what that \
               service publishes, or the service offers no POP3 at all. The remedy names the right \
               values.",
        why: "The fetcher connects to a server that does not hold the mailbox, or to a port the \
              provider does not serve, so nothing is ever fetched and new mail never reaches the CRM.",
        fix: "Copy the server, port and TLS mode from the remedy into the fetcher's settings. For a \
              service without POP3, fetch by IMAP or forward the mail to a mailbox that offers POP3.";

    MailboxUsernameFormat = "mailbox.username-format", Warning, "the POP3 username has the wrong form for this provider",
        what: "The provider expects a particular form of username (the full email address, or only \
               the part before the @) and the configured username has the other form, or carries a \
               prefix the provider does not know.",
        why: "The server refuses the login, which looks exactly like a wrong password, so the \
              fetcher stops and mail piles up unfetched.",
        fix: "Set the username to the form given in the remedy, keep the password, and fetch again.";

    // ---- dmarc: the From domain's policy (RFC 7489) ----------------------------------------

    DmarcMissing = "dmarc.missing", Warning, "the From domain publishes no DMARC policy",
        what: "Neither the From domain nor its organizational domain has a DMARC record (a TXT \
               record at _dmarc.DOMAIN starting with v=DMARC1, RFC 7489).",
        why: "Gmail and Yahoo require a DMARC record from bulk senders and may send their mail to \
              spam or reject it; anyone can also forge the domain without consequence.",
        fix: "The sender domain's DNS admin publishes a TXT record at _dmarc.DOMAIN, starting with \
              \"v=DMARC1; p=none; rua=mailto:dmarc-reports@DOMAIN\", and tightens p= once reports \
              show all mail passes.";

    DmarcSyntaxError = "dmarc.syntax-error", Error, "the DMARC record does not parse",
        what: "The DMARC record breaks the rules of RFC 7489: v=DMARC1 is not first, a tag is \
               unknown or has a bad value. The evidence shows the tag and its position.",
        why: "Receivers may ignore the whole record, so the domain's policy and reports do not \
              take effect.",
        fix: "The domain's DNS admin corrects the tag shown in the evidence in the TXT record at \
              _dmarc.DOMAIN, then runs `mailwhy auth DOMAIN` again.";

    DmarcMultipleRecords = "dmarc.multiple-records", Error, "the domain has more than one DMARC record",
        what: "Several TXT records at _dmarc.DOMAIN start with v=DMARC1.",
        why: "RFC 7489 section 6.6.3 tells receivers to apply no DMARC policy at all in this case, \
              so the domain is unprotected and reports stop.",
        fix: "The domain's DNS admin keeps one DMARC record, merging the wanted tags into it, and \
              deletes the others.";

    DmarcPolicyNone = "dmarc.policy-none", Info, "the DMARC policy is monitoring only (p=none)",
        what: "The domain's DMARC record has p=none: receivers report on failing mail but do not \
               act on it.",
        why: "This is fine while setting up, but it does not stop forged mail, and failing \
              legitimate mail is still judged by the receiver's own spam filters.",
        fix: "No action is needed for delivery. The domain's admin reads the aggregate reports \
              and, once all legitimate mail passes, moves to p=quarantine and then p=reject.";

    DmarcNotAligned = "dmarc.not-aligned", Error, "neither SPF nor DKIM aligns with the From domain",
        what: "Neither the domain checked by SPF (the envelope sender) nor any DKIM signature's \
               d= domain matches the domain in the From header, as RFC 7489 section 3.1 requires.",
        why: "The message fails DMARC even if SPF and DKIM pass for some other domain, so receivers \
              apply the From domain's policy: spam, quarantine or rejection.",
        fix: "The sender's admin configures the sending service to sign with DKIM for the From \
              domain (publish the service's DKIM key under that domain) or to use a return-path on \
              that domain.";

    DmarcPredictedFail = "dmarc.predicted-fail", Error, "mail from a sending IP would fail DMARC",
        what: "Judged from DNS alone (the DKIM keys of the sender's selectors, the SPF records of \
               its envelope domains), mail from the sending IPs in the evidence can pass DMARC \
               neither through an aligned DKIM signature nor through an aligned SPF pass. An \
               error where the From domain's policy is p=reject or p=quarantine; a warning where \
               it is p=none or no policy applies.",
        why: "Receivers apply the From domain's policy to such mail: p=reject refuses it, \
              p=quarantine sends it to spam or quarantine, at every receiver that checks DMARC.",
        fix: "The vendor's mail admin authorizes the IPs in the SPF record of an envelope domain \
              aligned with the From domain, or signs the mail with a published DKIM key at the \
              From domain (or a subdomain of it); the spf and dkim findings name what is missing.";

    DmarcFail = "dmarc.fail", Error, "the message fails DMARC",
        what: "The message fails DMARC: no SPF or DKIM result both passes and aligns with the From \
               domain. The evidence shows the computed result and what the receiver reported.",
        why: "Receivers follow the domain's policy (p=quarantine sends it to spam, p=reject \
              refuses it), and many treat failing mail as suspicious even with p=none.",
        fix: "The vendor's mail admin makes the mail pass DMARC: sign every message with DKIM for \
              the From domain (d= the From domain or a subdomain, key published under it) and, if \
              possible, use a return-path on the From domain that SPF authorizes for the sending \
              servers. DKIM aligned with From is what survives forwarding; see the spf, dkim and \
              dmarc.not-aligned findings.";

    DmarcReportUnauthorized = "dmarc.report-unauthorized", Warning, "a DMARC report address outside the domain is not authorized",
        what: "The DMARC record sends rua (aggregate) or ruf (failure) reports to an address whose \
               domain belongs to another organization, and that domain publishes no TXT record \
               v=DMARC1 at POLICYDOMAIN._report._dmarc.REPORTDOMAIN (RFC 9990, RFC 9991).",
        why: "Receivers must ignore such an address, so the domain owner gets no reports there and \
              cannot see which mail fails DMARC before tightening the policy.",
        fix: "The report service (or whoever runs the report address's domain) publishes TXT \
              \"v=DMARC1\" at the name shown in the evidence, or the domain's DNS admin points \
              rua/ruf at an address inside the domain.";

    DmarcObsoleteTag = "dmarc.obsolete-tag", Info, "the DMARC record uses a tag RFC 9989 removed",
        what: "The DMARC record has pct=, rf= or ri=. RFC 9989 removed these tags; receivers that \
               follow it ignore them, receivers still on RFC 7489 may honour them.",
        why: "The record means different things to different receivers: pct=0 downgrades the \
              policy at old receivers only. t=y replaces pct=0, and reporting intervals and \
              formats are no longer asked for.",
        fix: "The domain's DNS admin removes pct, rf and ri from the record, using t=y instead of \
              pct below 100 while testing.";

    DmarcTestingMode = "dmarc.testing-mode", Info, "the DMARC record is in testing mode (t=y)",
        what: "The DMARC record has t=y. RFC 9989 receivers then apply one step less than the \
               published policy: reject becomes quarantine, quarantine becomes none.",
        why: "Failing mail is treated more leniently than the record's p= suggests; reports \
              still arrive as usual.",
        fix: "No action is needed for delivery. Once the reports show all legitimate mail passes, \
              the domain's DNS admin removes t=y (or sets t=n) to enforce the policy.";

    DmarcNonexistentDomain = "dmarc.nonexistent-domain", Error, "the From domain does not exist and np= asks receivers to act",
        what: "The From domain has no DNS records at all (NXDOMAIN) and the DMARC record above it \
               has np=quarantine or np=reject (or sp/p, which np defaults to): RFC 9989 receivers \
               apply that policy to mail from the non-existent subdomain.",
        why: "Mail from a sending service configured with a subdomain nobody created is \
              quarantined or rejected, even if SPF and DKIM pass for the service's own domain.",
        fix: "The vendor's DNS admin creates the subdomain (at least the SPF TXT record and DKIM \
              key the sending service asks for), or the sending service is set to send from an \
              existing domain.";

    DmarcOrgDomainDisagrees = "dmarc.org-domain-disagrees", Warning, "the DNS tree walk and the Public Suffix List find different organizational domains",
        what: "RFC 9989 finds the organizational domain by walking up the DNS tree; RFC 7489 used \
               the Public Suffix List. For this From domain the two give different names, so \
               receivers that have moved to RFC 9989 and those that have not use different DMARC \
               records; or, for an SPF or DKIM domain, relaxed alignment with the From domain \
               (which compares organizational domains) comes out differently.",
        why: "The same mail can be accepted by one receiver and quarantined or rejected by \
              another: a different policy applies, or an authenticated domain counts for DMARC \
              at one kind of receiver and not at the other.",
        fix: "The domain's DNS admin publishes a record at the From domain itself, or psd=n on \
              the intended organizational domain's record, so that both kinds of receiver find \
              the same policy; for alignment, the sender signs (DKIM d=) and bounces (envelope \
              domain) with the From domain itself or a name both ways put in its organization.";

    // ---- dkim: signing keys and signatures (RFC 6376) --------------------------------------

    DkimKeyMissing = "dkim.key-missing", Error, "no DKIM key is published for the selector",
        what: "There is no DKIM key record at SELECTOR._domainkey.DOMAIN, where RFC 6376 says \
               receivers look for the key named in a signature.",
        why: "Signatures using that selector cannot be verified, so DKIM fails, and DMARC fails \
              too unless SPF passes and aligns.",
        fix: "The domain's DNS admin publishes the TXT (or CNAME) record the sending service gives \
              for this selector, exactly as shown in the service's setup page.";

    DkimKeyRevoked = "dkim.key-revoked", Error, "the DKIM key has been revoked",
        what: "The key record exists but its p= tag is empty, which RFC 6376 section 3.6.1 defines \
               as a revoked key.",
        why: "Every signature with this selector fails, so mail still signed with it loses DKIM \
              and possibly DMARC.",
        fix: "The sender's admin switches signing to a current selector, or publishes a new key \
              for this one in DNS.";

    DkimKeyWeak = "dkim.key-weak", Warning, "the DKIM key is too short",
        what: "The DKIM key is RSA with 1024 bits; below 1024 bits this is an error. RFC 8301 \
               requires at least 1024 bits and recommends 2048.",
        why: "Receivers increasingly treat short keys as no signature at all, and keys under 1024 \
              bits are ignored outright, so DKIM may not count.",
        fix: "The sender's admin generates a 2048-bit key, publishes it under a new selector, \
              switches signing to it, and later removes the old key.";

    DkimKeySyntaxError = "dkim.key-syntax-error", Error, "the DKIM key record does not parse",
        what: "The record at SELECTOR._domainkey.DOMAIN is not a valid DKIM key record (RFC 6376 \
               section 3.6.1): a tag is malformed or the key data is broken.",
        why: "Receivers cannot use the key, so every signature with this selector fails.",
        fix: "The domain's DNS admin republishes the record exactly as the signing tool or service \
              produced it. Long keys split into several quoted strings are a common cause of damage.";

    DkimTestingMode = "dkim.testing-mode", Info, "the DKIM key is in testing mode (t=y)",
        what: "The DKIM key record contains t=y, which tells receivers the domain is still testing \
               DKIM (RFC 6376 section 3.6.1).",
        why: "Receivers may treat failing signatures as if the mail were unsigned, so DKIM problems \
              go unnoticed.",
        fix: "Once signing works, the domain's DNS admin removes t=y from the key record.";

    DkimSelectorUnknown = "dkim.selector-unknown", Warning, "the sender's DKIM selectors are not known",
        what: "No DKIM selector of the sender was given (--selector, or dkim_selectors in the \
               sender profile), and the DMARC result of its mail depends on DKIM: SPF does not \
               pass for an aligned envelope domain, or was not evaluated.",
        why: "Without the selector no key can be looked up, so mailwhy cannot tell whether the \
              sender's mail passes DMARC. The report is inconclusive, never \"no problem found\".",
        fix: "Find the selector in the DKIM-Signature header (s=) of a message from the sender, or \
              in the sending service's domain-authentication page, and give it with --selector \
              (or dkim_selectors in the sender profile); then run the check again.";

    DkimSignatureFailed = "dkim.signature-failed", Error, "a DKIM signature does not verify",
        what: "A DKIM-Signature header on the message does not verify against the published key. \
               The evidence says why: body changed, header changed, signature expired, or key mismatch.",
        why: "The message loses DKIM and may fail DMARC; a changed body or header usually means a \
              forwarder, mailing list or gateway altered the message after signing.",
        fix: "If a gateway or list on the way rewrites messages (footers, banners, subject tags), \
              its admin stops that for this sender. If the key does not match, the sender's admin \
              republishes the key the signer actually uses.";

    // ---- sender: the sending server ---------------------------------------------------------

    SenderNoReverseDns = "sender.no-reverse-dns", Warning, "the sending server has no valid reverse DNS",
        what: "The sending IP address has no PTR (reverse DNS) record, or its PTR name does not \
               resolve back to the same address.",
        why: "Gmail and many other receivers require forward-confirmed reverse DNS and send such \
              mail to spam or reject it.",
        fix: "The sender's admin asks whoever owns the IP address (hosting provider or ISP) to set \
              a PTR record to a host name whose A/AAAA record points back to the same address.";

    SenderProviderRequirements = "sender.provider-requirements", Error, "the sender misses mailbox provider sender rules",
        what: "Gmail, Yahoo and Microsoft publish rules for senders (SPF and DKIM, DMARC, \
               alignment, reverse DNS, TLS, one-click unsubscribe per RFC 8058, low spam rates). \
               The evidence lists which are met and which are not. A rule not met is an error: \
               the provider that sets it rejects or junks such mail.",
        why: "Mail from senders that miss these rules is sent to spam or rejected by the largest \
              mailbox providers.",
        fix: "The sender's admin works through the unmet points in the evidence; each one points \
              to the spf, dkim, dmarc or sender finding with the details.";

    // ---- bounce: one id per bounce reason (Sisimai vocabulary; RFC 3464, RFC 3463) -----------

    BounceUserUnknown = "bounce.user-unknown", Error, "the recipient's mailbox does not exist",
        what: "The receiving server said the address does not exist there (reason userunknown, \
               usually 550 5.1.1, RFC 3463).",
        why: "Every message to this address will bounce the same way; retrying does not help.",
        fix: "Check the address with the person and correct it in the directory. If it is right, \
              the person's mail admin checks that the mailbox exists and is not a removed account \
              or a misspelled alias.";

    BounceHostUnknown = "bounce.host-unknown", Error, "the recipient's domain cannot be found",
        what: "The domain after the @ does not exist or has no mail server (reason hostunknown, \
               usually 5.1.2, RFC 3463).",
        why: "No mail can be delivered to any address in this domain until that changes.",
        fix: "Check the domain's spelling with the person and correct the address. If the domain \
              is right, its owner renews it or fixes its MX records.";

    BounceMailboxFull = "bounce.mailbox-full", Error, "the recipient's mailbox is full",
        what: "The receiving server refused the message because the mailbox is over its storage \
               quota (reason mailboxfull, usually 5.2.2 or 4.2.2, RFC 3463).",
        why: "No new mail arrives until space is freed, and mail sent meanwhile is returned.",
        fix: "The person deletes or archives mail (including the trash and large attachments), or \
              their mail admin raises the quota. Then resend the email.";

    BounceSuspend = "bounce.suspend", Error, "the recipient's mailbox is suspended",
        what: "The receiving server said the mailbox is disabled or suspended, for example for an \
               unpaid or long-unused account (reason suspend).",
        why: "Mail is refused until the mailbox is reactivated; the person may not read it any more.",
        fix: "Ask the person, by another channel, for an address they use. If the mailbox should be \
              active, their mail admin or provider reactivates it.";

    BounceHasMoved = "bounce.has-moved", Error, "the recipient has moved to another address",
        what: "The receiving server said the person no longer receives mail at this address and may \
               name a new one (reason hasmoved, usually 551 or 5.1.6, RFC 3463).",
        why: "Mail to the old address will keep bouncing.",
        fix: "Update the address in the directory to the new one given in the bounce (confirm it \
              with the person first), then re-invite or resend.";

    BounceFiltered = "bounce.filtered", Error, "the recipient's settings or filter refused the message",
        what: "The message was refused by a filter on the recipient's side after the server looked at \
               its headers or content: the person's or the domain's rules allow only certain senders or \
               content (reason filtered).",
        why: "Mail from this sender keeps being refused while the rule is in place.",
        fix: "The person checks their blocked senders and mail rules; their mail admin checks the \
              gateway filters and adds the vendor to the allowlist.";

    BounceRejected = "bounce.rejected", Error, "the receiving server refused the sender address",
        what: "The receiving server rejected the envelope sender (the MAIL FROM address) rather than \
               the recipient (reason rejected): the sender's domain is blocked, unknown or distrusted.",
        why: "Every message from this sender address is refused by that server.",
        fix: "The recipient's mail admin checks their sender blocklist and adds the vendor's sending \
              domain to the allowlist; the vendor's admin checks that the sender domain exists and \
              has valid MX and SPF records.";

    BounceBlocked = "bounce.blocked", Error, "the sending server's IP address is blocked",
        what: "The receiving server refused the connection or the message because of the sending \
               server's IP address or host name (reason blocked), often because it is on a blocklist.",
        why: "Everything sent from that server to this receiver is refused, not just this message.",
        fix: "The recipient's mail admin adds the vendor's sending IPs to the allowlist. The vendor's \
              admin checks the IP on public blocklists and requests delisting.";

    BouncePolicyViolation = "bounce.policy-violation", Error, "the message broke the recipient organization's policy",
        what: "The receiving organization refused the message under its own policy (reason \
               policyviolation), for example no mail from outside, blocked attachment types or \
               data loss prevention rules.",
        why: "The same kind of message will be refused again until the policy or the message changes.",
        fix: "The recipient's mail admin reads the policy named in the bounce and makes an exception \
              for the vendor, or tells the vendor what to change in the message.";

    BounceSpamDetected = "bounce.spam-detected", Error, "the receiver rejected the message as spam",
        what: "The receiving server's spam filter judged the message content to be spam and \
               refused it (reason spamdetected).",
        why: "Similar messages will be refused too, and repeated rejections harm the sender's \
              reputation.",
        fix: "The recipient's mail admin checks the filter's log and allowlists the vendor. The \
              vendor's admin checks SPF, DKIM and DMARC, since authenticated mail is judged more kindly.";

    BounceVirusDetected = "bounce.virus-detected", Error, "the receiver found a virus in the message",
        what: "The receiving server's virus scanner found malware in the message or an attachment \
               and refused it (reason virusdetected).",
        why: "The message will not be delivered, and a real infection on the sending side may \
              affect other mail too.",
        fix: "The vendor's admin scans the sending system and the attachment. If it is a false \
              alarm, the recipient's mail admin reports it to their scanner vendor and releases the mail.";

    BounceSecurityError = "bounce.security-error", Error, "the receiver refused the message for a security reason",
        what: "The receiving server refused the message because a security requirement was not met \
               (reason securityerror), such as required TLS encryption or required login.",
        why: "Delivery keeps failing until the sending side meets the requirement.",
        fix: "The vendor's admin reads the requirement in the bounce's diagnostic text (for example \
              TLS required) and configures the sending server to meet it; the recipient's mail \
              admin can confirm what they enforce.";

    BounceAuthFailure = "bounce.auth-failure", Error, "the receiver rejected the message for failing SPF, DKIM or DMARC",
        what: "The receiving server refused the message because sender authentication failed: SPF \
               (RFC 7208), DKIM (RFC 6376) or DMARC (RFC 7489) (reason authfailure).",
        why: "All mail from the sender fails the same way until authentication is fixed.",
        fix: "The sender's admin fixes SPF, DKIM and DMARC alignment for the From domain; run \
              `mailwhy auth DOMAIN` to see what fails.";

    BounceBadReputation = "bounce.bad-reputation", Error, "the receiver refused the sender for poor reputation",
        what: "The receiving server refused the message because the sending IP address or domain \
               has a poor reputation with it (reason badreputation).",
        why: "The receiver keeps refusing or throttling mail from this sender until the reputation \
              improves.",
        fix: "The vendor's admin checks the provider's sender tools (such as Google Postmaster \
              Tools), cuts complaint and bounce rates, and authenticates all mail. The recipient's \
              mail admin can allowlist the vendor meanwhile.";

    BounceRequirePtr = "bounce.require-ptr", Error, "the receiver requires reverse DNS for the sending server",
        what: "The receiving server refused the message because the sending IP address has no \
               valid reverse DNS (PTR) record (reason requireptr).",
        why: "That receiver refuses all mail from the server until reverse DNS is set up.",
        fix: "The vendor's admin asks the owner of the sending IP (hosting provider or ISP) to set a \
              PTR record whose name resolves back to the same address.";

    BounceNotCompliantRfc = "bounce.not-compliant-rfc", Error, "the message does not follow the email format standard",
        what: "The receiving server refused the message because its format breaks RFC 5322, for \
               example a missing or duplicated From, Date or Message-ID header (reason notcompliantrfc).",
        why: "Every message built the same way will be refused by that receiver.",
        fix: "The vendor's admin or developers fix how the message is built, following the header \
              named in the bounce's diagnostic text.";

    BounceMessageTooBig = "bounce.message-too-big", Error, "the message is too large for the receiver",
        what: "The message, with its attachments, is larger than the receiving server accepts \
               (reason mesgtoobig, usually 552 or 5.3.4, RFC 3463).",
        why: "The message will never be accepted at this size.",
        fix: "Send a smaller message: share large files as links instead of attachments. The \
              recipient's mail admin can raise the size limit if needed.";

    BounceExceedLimit = "bounce.exceed-limit", Error, "the message exceeds a limit set by the receiver",
        what: "The message exceeded an administrative limit on the receiving side, such as the size \
               limit for this mailbox (reason exceedlimit, usually 5.2.3, RFC 3463).",
        why: "The message will not be accepted until it fits within the limit.",
        fix: "Resend the message smaller (links instead of attachments). The recipient's mail admin \
              can say which limit was hit and raise it if appropriate.";

    BounceExpired = "bounce.expired", Warning, "delivery was given up after retrying too long",
        what: "The sending server kept retrying but could not deliver before its time limit ran \
               out, and gave up (reason expired, usually 4.4.7, RFC 3463).",
        why: "This message was not delivered. The cause is usually a receiving server that was \
              unreachable, greylisting or deferring mail for days.",
        fix: "Resend the email. If it happens again, the recipient's mail admin checks that their \
              mail server is reachable and is not deferring the vendor's servers; see the domain \
              findings for the MX hosts.";

    BounceTooManyConnections = "bounce.too-many-connections", Warning, "the receiver refused because of too many connections",
        what: "The receiving server temporarily refused the connection because the sender had too \
               many connections open to it (reason toomanyconn).",
        why: "Delivery is delayed; the sending server normally retries and the mail arrives later.",
        fix: "Usually wait: the sender retries. If it keeps happening, the vendor's admin lowers \
              concurrent connections to that receiver, or the recipient's mail admin raises the limit.";

    BounceFailedStartTls = "bounce.failed-starttls", Error, "the servers could not set up the TLS the receiver requires",
        what: "The receiving server requires an encrypted (STARTTLS) connection and the TLS \
               handshake failed or was not offered (reason failedstarttls).",
        why: "The message was not delivered; every message between these servers fails the same \
              way until TLS works.",
        fix: "The vendor's mail admin checks that their server offers STARTTLS with a current \
              certificate and protocol the receiver accepts; then resend.";

    BounceSuppressed = "bounce.suppressed", Error, "the sending service refused to send to a suppressed address",
        what: "The sending service (Amazon SES, SendGrid, Postmark ...) did not attempt delivery: \
               the address is on its suppression list (reason suppressed).",
        why: "Every message to this address is dropped by the sender's own service until the \
              address is removed from the list, whatever the receiver would say.",
        fix: "Find the original cause (an earlier hard bounce or a complaint), confirm the address \
              with the person, remove it from the service's suppression list, then resend.";

    BounceSpeeding = "bounce.speeding", Warning, "the receiver is rate-limiting the sender",
        what: "The receiving server temporarily refused mail because the sender was sending too \
               many messages too fast (reason speeding).",
        why: "Delivery is delayed; the sending server retries, but mail may expire if the rate \
              limit persists.",
        fix: "Usually wait for the retry. If it repeats, the vendor's admin slows the sending rate \
              to that receiver; the recipient's mail admin can exempt the vendor from rate limits.";

    BounceNoRelaying = "bounce.no-relaying", Error, "the receiving server refused to relay the message",
        what: "The server that got the message does not handle mail for the recipient's domain and \
               refused to pass it on (reason norelaying, often 554 5.7.1 \"relaying denied\").",
        why: "The message went to the wrong server; retrying there will not help.",
        fix: "The recipient domain's admin checks that their MX records point to the right mail \
              servers and that those servers accept mail for the domain; the vendor's admin checks \
              their outgoing routing.";

    BounceNetworkError = "bounce.network-error", Warning, "a network or DNS problem prevented delivery",
        what: "Delivery failed because of a network or DNS problem between the servers, such as a \
               failed lookup, a refused connection or a mail loop (reason networkerror).",
        why: "It is often temporary, but if it persists the message expires undelivered.",
        fix: "Resend later. If it repeats, the recipient domain's admin checks their MX records and \
              that their mail servers are reachable from the internet.";

    BounceSystemError = "bounce.system-error", Error, "the receiving mail system reported an internal error",
        what: "The receiving server reported an error in its own system or configuration (reason \
               systemerror), not a problem with this message or address.",
        why: "The message was not delivered, and others to the same domain may fail too until the \
              fault is fixed.",
        fix: "Resend later. If it repeats, the recipient's mail admin looks up the error in the \
              bounce's diagnostic text in their server logs.";

    BounceSystemFull = "bounce.system-full", Warning, "the receiving mail system is out of storage",
        what: "The receiving server has run out of disk space or another system resource (reason \
               systemfull, usually 4.3.1, RFC 3463).",
        why: "Mail is delayed or refused until the receiver frees space; it may expire undelivered.",
        fix: "The recipient's mail admin frees storage on their mail system. Resend once it is fixed.";

    BounceNotAccept = "bounce.not-accept", Error, "the recipient's domain accepts no mail",
        what: "The receiving domain does not accept mail at all, for example because it publishes a \
               null MX (RFC 7505) or its server refuses every message (reason notaccept).",
        why: "No mail to any address in this domain can be delivered.",
        fix: "Ask the person for an address that receives mail. If the domain should receive mail, \
              its admin fixes the MX records.";

    BounceContentError = "bounce.content-error", Error, "the receiver refused the message's content or format",
        what: "The receiving server refused the message because of its content format, such as \
               invalid headers, broken MIME structure or wrong encoding (reason contenterror).",
        why: "Every message built the same way will be refused.",
        fix: "The vendor's admin or developers fix how the message is built, using the bounce's \
              diagnostic text to find the broken part.";

    BounceSyntaxError = "bounce.syntax-error", Error, "the receiver rejected an SMTP command",
        what: "The receiving server rejected an SMTP command as malformed or out of order (reason \
               syntaxerror, reply codes 500-504, RFC 5321).",
        why: "The sending software is not speaking SMTP the way the receiver expects; delivery \
              keeps failing.",
        fix: "The vendor's admin checks the sending software and any gateway in between for the \
              command named in the bounce; the recipient's admin can confirm it in their logs.";

    BounceMailerError = "bounce.mailer-error", Error, "the receiving mail program failed",
        what: "The program that delivers mail into the mailbox on the receiving side failed, for \
               example a local delivery or filtering program exited with an error (reason mailererror).",
        why: "The message was not delivered, and other mail to this mailbox may fail the same way.",
        fix: "The recipient's mail admin checks the delivery program and the mailbox's forwarding \
              or filter rules named in the bounce.";

    BounceOnHold = "bounce.on-hold", Warning, "the bounce's reason could not be decided yet",
        what: "The bounce has a status code, but its meaning is ambiguous, so the reason is on hold \
               (reason onhold).",
        why: "The message was probably not delivered, but the cause is unclear from this bounce alone.",
        fix: "Read the diagnostic text in the evidence, and check the other findings (address, \
              domain, authentication) for a clearer cause; resend later to see if it repeats.";

    BounceUndefined = "bounce.undefined", Warning, "the bounce's reason could not be determined",
        what: "The message looks like a bounce, but no known reason matches its status code or text \
               (reason undefined).",
        why: "The message was probably not delivered, and the cause must be read from the bounce \
              itself.",
        fix: "Read the diagnostic text in the evidence and search for it in the receiver's help \
              pages; check the other findings in this report for a likely cause.";

    BounceVacation = "bounce.vacation", Info, "the reply is an automatic out-of-office message",
        what: "The reply is an automatic vacation or out-of-office message, not a delivery failure \
               (reason vacation).",
        why: "The email was delivered; the person is away and may not read it soon.",
        fix: "No delivery fix is needed. Wait for the person's return date, or contact the \
              alternative named in the automatic reply.";

    BounceFeedback = "bounce.feedback", Info, "the recipient reported the message as spam",
        what: "This is a feedback-loop report (ARF, RFC 5965): the recipient or their provider \
               reported the message as spam (reason feedback).",
        why: "The email was delivered, but complaints hurt the sender's reputation and can lead to \
              future mail being filtered.",
        fix: "The vendor's admin checks why the person complained and whether they still want the \
              emails; the person can mark the sender as \"not spam\" if it was a mistake.";

    BounceDelivered = "bounce.delivered", Info, "the message was delivered",
        what: "This delivery status notification reports successful delivery (reason delivered, \
               action delivered, 2.x.x status, RFC 3464).",
        why: "The email reached the receiving server, so the problem, if any, is after delivery: \
              the spam/junk folder, a quarantine or a mailbox rule.",
        fix: "The user checks the spam/junk folder and mail rules; the mail admin checks the \
              quarantine. Activating the account by password reset is a fallback.";

    // ---- delivery: what the sending service's events or the MTA's log say happened -----------

    DeliveryDelivered = "delivery.delivered", Info, "the receiving server accepted the message",
        what: "The sending service's events (or the mail log) show that the recipient's mail server \
               answered 250 for this address: the message was handed over. The detail gives the \
               time and the server's own reply.",
        why: "Once the receiving server has the message, the sender can do nothing more: a missing \
              email was then filtered or sorted on the recipient's side (spam or junk folder, a \
              quarantine, a mailbox rule, another folder or tab).",
        fix: "Ask the person to search all folders, including spam or junk, for the time given; \
              their mail admin searches the gateway's quarantine and message trace for it. The \
              detail names where to look for the person's mail provider.";

    DeliveryBounced = "delivery.bounced", Error, "the receiving server refused the message",
        what: "The sending service's events show a permanent refusal (a hard bounce or a policy \
               block) for this address. The detail gives the time, the receiver's reply code, \
               enhanced status and text, and the bounce reason read from them.",
        why: "The message was never delivered, and sending again gives the same refusal until its \
              cause is fixed; many services then suppress the address.",
        fix: "Act on the bounce reason in the detail: correct a mistyped or removed address, ask \
              the recipient's admin to allow the sender for a policy or spam block, then resend.";

    DeliverySuppressed = "delivery.suppressed", Error, "the sending service refuses to send to this address",
        what: "The address is on the sending service's suppression list (or the service dropped \
               the message for that reason): it does not even try to deliver to it. The detail \
               gives the list, since when, and the bounce or complaint that put it there.",
        why: "Every email to the address is silently dropped by the sender's own service, however \
              correct the address and the recipient's mail system are now.",
        fix: "Fix the original cause first (a mailbox that did not exist, a full mailbox, a spam \
              complaint the person now withdraws), then remove the address from the list with the \
              steps in the detail for that service, and resend.";

    DeliveryDeferred = "delivery.deferred", Error, "delivery to this address is being retried",
        what: "The sending service's latest events for this address are temporary failures (4xx): \
               it keeps retrying. The detail says since when, the last reply, and its likely cause \
               (greylisting, a rate limit, a full mailbox, TLS).",
        why: "The message has not arrived yet and may never arrive: services give up after one to \
              five days and then report it expired.",
        fix: "Wait for the next retries if the cause is greylisting or a rate limit. A full mailbox \
              needs the person to make room; a TLS or connection failure needs the recipient's \
              admin. Resend after the cause is fixed if the service gives up.";

    DeliveryExpired = "delivery.expired", Error, "the sending service gave up after repeated temporary failures",
        what: "The sending service retried the message for this address and then stopped (its \
               queue lifetime ran out). The detail says how long it tried and the last reply.",
        why: "The message was never delivered and will not be retried again.",
        fix: "Act on the last reply in the detail (a full mailbox, a receiving server that does \
              not answer, a TLS failure, a rate limit), then resend the email.";

    DeliveryComplained = "delivery.complained", Error, "the recipient reported the sender's email as spam",
        what: "The sending service recorded a spam complaint for this address (a feedback-loop \
               report from the recipient's provider, or the person's \"report spam\").",
        why: "After a complaint most services stop sending to the address, and the recipient's \
              provider files later messages from the sender as spam.",
        fix: "Ask the person whether they still want the emails; if so, they mark the sender as \
              \"not spam\" and the sender removes the address from the service's complaint or \
              suppression list, then resends.";

    DeliveryUnsubscribed = "delivery.unsubscribed", Error, "the recipient unsubscribed from the sender's email",
        what: "The sending service recorded an unsubscribe for this address (globally or for a \
               group of emails).",
        why: "The service no longer sends that kind of email to the address, so the person gets \
              none of it.",
        fix: "If the person wants the emails again, they resubscribe (or the sender removes the \
              address from the unsubscribe list with the person's consent), then resend.";

    DeliveryNotSent = "delivery.not-sent", Error, "nothing was sent to this address in the period",
        what: "The sending service's events or the mail log cover the period, but hold no message \
               for this address (or the service refused the request before sending it). Addresses \
               that differ in case or by a typo are listed as near matches.",
        why: "The email never left the product: no filter or mailbox on the recipient's side can be \
              the cause.",
        fix: "Check on the sender's side why it was not sent: the account's \"send messages\" \
              switch and status, the address stored on the account (compare the near matches), \
              and whether the sending job ran.";

    DeliveryNoEvidenceForPeriod = "delivery.no-evidence-for-period", Warning, "the delivery logs do not cover the time asked about",
        what: "The files given as delivery evidence hold no event in the period asked about (or no \
               outcome after the service accepted the message), so they cannot say what happened.",
        why: "Without events for the period, \"nothing was sent\" and \"it was delivered\" cannot \
              be told apart: concluding either would be a guess.",
        fix: "Export the sending service's events or the mail log for the period of the missing \
              email (the detail gives the span the files cover) and run again.";

    // ---- blocklist: DNSBLs and RHSBLs (RFC 5782), decoded per list ---------------------------

    BlocklistListed = "blocklist.listed", Error, "the IP or domain is on a blocklist",
        what: "A DNS blocklist answered with one of its listing codes for this sending IP or \
               domain. The detail names the list, the code and what the list says it means; the \
               evidence has the delisting page.",
        why: "Receivers that use the list refuse or junk mail from a listed IP or domain, so \
              every recipient behind such a receiver misses the vendor's mail.",
        fix: "Find and stop what caused the listing (a compromised account, a purchased list, an \
              open relay), then request removal on the list's delisting page. A PBL listing is not \
              a spam verdict: send through the provider's smarthost instead.";

    BlocklistQueryRefused = "blocklist.query-refused", Warning, "a blocklist refused the query, so the result is unknown",
        what: "The list answered with an error code instead of a listing (Spamhaus 127.255.255.254: \
               query via a public or open resolver; 127.255.255.255: rate limited; 127.255.255.252: \
               a typo in the zone name; URIBL 127.0.0.1; DBL 127.0.1.255: an IP asked on a domain \
               list). The list did not look the address up.",
        why: "An error code is neither a listing nor a clean result: reading it as \"listed\" \
              blames a clean sender, reading it as \"not listed\" hides a real listing.",
        fix: "Query through your own recursive resolver (not 8.8.8.8, 1.1.1.1 or 9.9.9.9, which \
              Spamhaus refuses), stay within the list's free-use limits or use its subscription \
              service (Spamhaus DQS), then run again.";

    BlocklistNotListed = "blocklist.not-listed", Info, "not listed on the blocklists that answered",
        what: "Every list that gave a usable answer said the IP or domain is not listed \
               (NXDOMAIN). Lists that refused or failed are named and are not counted.",
        why: "A sending IP or domain that is on no widely used list is not why receivers refuse \
              the mail; look at the receiver's own filtering instead.",
        fix: "Nothing to do about blocklists. If a bounce still says \"blocked using\" a list \
              that shows no listing here, the receiver's DNSBL setup is at fault.";

    BlocklistReceiverMisconfigured = "blocklist.receiver-misconfigured", Error, "the receiver's own blocklist lookups are broken",
        what: "The bounce says the message was blocked by a DNS blocklist, but in words that show \
               the receiver's own queries were refused (\"open resolver\", \"public resolver\", \
               \"query refused\", an error code 127.255.255.x). Spamhaus answers such queries \
               with an error code, and a receiver that reads any answer as a listing blocks every \
               sender.",
        why: "The sender is not listed; the receiver rejects everyone's mail the same way until \
              its mail admin fixes the server. Changing anything on the sender's side does not help.",
        fix: "Send the bounce to the recipient's mail admin: their server must query the \
              blocklist through its own recursive resolver (not a public one such as 8.8.8.8) or \
              through the list's subscription service, and treat 127.255.255.x answers as errors, \
              not listings. `mailwhy blocklist IP` shows whether the sending IP is really listed.";

    // ---- reports: DMARC aggregate and TLS reports from receivers ----------------------------

    ReportsDkimFailing = "reports.dkim-failing", Error, "receivers report the vendor's mail failing DKIM alignment",
        what: "DMARC aggregate reports from a receiver count messages from the vendor's sending IPs \
               (or, without a sender profile, from any source) whose DKIM result was not an aligned \
               pass. The evidence names the reporter, the source IP, the From domain, the count, \
               the disposition and the reporting period.",
        why: "Without an aligned DKIM pass, DMARC rests on SPF alone; where that fails too (mail \
              forwarded, a shared envelope domain) the receiver quarantines or rejects the message \
              under the domain's policy, and the recipient never sees it.",
        fix: "Check the vendor's DKIM setup for the From domain (the selectors' CNAMEs to the \
              sending service, `mailwhy auth`), and that the service signs with d= the From domain \
              rather than its own; then watch the next day's reports.";

    ReportsUnknownSource = "reports.unknown-source", Warning, "mail in the vendor's name from an IP not in its sender profile",
        what: "Aggregate reports count messages with one of the vendor's From domains sent from an \
               IP that is not in the sender profile's list.",
        why: "Either the vendor sends from infrastructure the profile (and customers' allowlists) \
              lack, so that mail is held back, or someone else is sending in its name.",
        fix: "Find out whose IP it is (reverse DNS, the sending service's IP list). If it is the \
              vendor's, add it to the sender profile and tell customers to allowlist it; if not, \
              keep DMARC enforcing.";

    ReportsTlsFailures = "reports.tls-failures", Warning, "receivers report TLS failures delivering to an MX",
        what: "SMTP TLS reports (RFC 8460) count sessions that failed TLS negotiation or policy \
               validation (certificate expired, STARTTLS not offered, MTA-STS policy not fetched \
               ...) at a receiving MX. The evidence names the MX and the result types.",
        why: "Senders that enforce MTA-STS or DANE do not deliver over a failed TLS session: mail to \
              that domain is delayed and eventually bounced.",
        fix: "The domain's mail admin fixes the MX named in the evidence (renew the certificate, \
              enable STARTTLS, publish a reachable MTA-STS policy) and watches the next reports.";

    ReportsUnreadable = "reports.unreadable", Warning, "a report could not be read",
        what: "A report file, or a report inside an archive or mailbox, could not be read. The \
               evidence names the file, where inside it, and why.",
        why: "Whatever that report said is not in the totals: a failure it counted is not seen, \
              so the totals are not the whole picture.",
        fix: "Look at the named report (re-download the attachment, check it is complete) and run \
              again.";

    ReportsFailureReported = "reports.failure-reported", Error, "receivers sent failure reports for the vendor's mail",
        what: "DMARC failure reports (RFC 9991, in the Abuse Reporting Format of RFC 5965) from a \
               receiver describe messages in the vendor's name, from its sending IPs (or any source \
               without a sender profile), that failed authentication: which mechanism failed, which \
               identifiers aligned, and what the receiver did with the message.",
        why: "A receiver sends a failure report for a message that failed DMARC: under a quarantine \
              or reject policy that message went to spam or was refused, so the recipient did not \
              see it.",
        fix: "Read the Auth-Failure and Identity-Alignment in the evidence: for dkim, check the \
              selector's key and that the service signs with d= the From domain; for spf, add the \
              source IP's service to the SPF record of the envelope domain; then watch the next \
              reports.";
    // ---- transport: the recipient domain's TLS rules (MTA-STS RFC 8461, TLS-RPT RFC 8460) ----

    TransportMxNotCovered = "transport.mx-not-covered", Error, "an MX host is not covered by the domain's MTA-STS policy",
        what: "The domain publishes an MTA-STS policy, and at least one of its MX hosts matches none \
               of the policy's mx patterns (a pattern is a full name or \"*.\" plus a suffix, where \
               \"*\" stands for exactly one left-most label). The evidence lists the patterns, the \
               MX hosts and those not covered. An error in enforce mode, a warning in testing mode.",
        why: "In enforce mode a sender that applies the policy never delivers to an MX the policy \
              does not list (RFC 8461 §5): after an MX migration that forgot the policy, every \
              message to the domain queues and bounces days later (\"MTA-STS validation failed\").",
        fix: "Add an mx: line for each MX host to the policy file, publish it, and change the id= in \
              the _mta-sts record so senders fetch the new policy; or point the MX back to a host \
              the policy lists.";

    TransportStsRecordInvalid = "transport.sts-record-invalid", Warning, "the MTA-STS record does not parse",
        what: "The TXT record at _mta-sts.DOMAIN does not follow RFC 8461 §3.1 (\"v=STSv1; id=...\", \
               the id 1 to 32 letters and digits), or there is more than one record beginning \
               with v=STSv1. The detail names the column where the record stops matching.",
        why: "Senders treat an invalid or duplicated record as no policy at all: the domain loses \
              its MTA-STS protection, and senders that cached an older policy keep applying it \
              without ever seeing a new id.",
        fix: "Publish exactly one record of the form \"v=STSv1; id=20260101T000000;\" at \
              _mta-sts.DOMAIN, with a new id whenever the policy changes.";

    TransportStsRecordMissing = "transport.sts-record-missing", Warning, "an MTA-STS policy is served but no record announces it",
        what: "https://mta-sts.DOMAIN/.well-known/mta-sts.txt serves a valid policy, but there is \
               no v=STSv1 TXT record at _mta-sts.DOMAIN.",
        why: "Senders look for the record first and fetch the policy only when it exists (RFC 8461 \
              §3), so the policy has no effect; if the record was removed on purpose, cached \
              policies still apply until their max_age runs out.",
        fix: "Publish \"v=STSv1; id=...\" at _mta-sts.DOMAIN if the policy should apply, or take \
              the policy down if MTA-STS was meant to be removed (mode: none first).";

    TransportStsPolicyMissing = "transport.sts-policy-missing", Warning, "the MTA-STS record announces a policy that is not there",
        what: "_mta-sts.DOMAIN has a valid record, but mta-sts.DOMAIN has no address or answers \
               HTTP 404 at /.well-known/mta-sts.txt.",
        why: "A sender without a cached policy delivers as if there were no MTA-STS; a sender that \
              cached an earlier enforce policy keeps applying it, so a stale policy can block mail \
              with no way for the domain to update it.",
        fix: "Serve the policy at https://mta-sts.DOMAIN/.well-known/mta-sts.txt (text/plain, HTTP \
              200, a certificate valid for mta-sts.DOMAIN), or remove the _mta-sts record.";

    TransportStsFetchFailed = "transport.sts-fetch-failed", Error, "the MTA-STS policy could not be fetched",
        what: "The record announces a policy, but fetching it failed: a certificate not valid for \
               mta-sts.DOMAIN, a redirect (senders must not follow it), a status other than 200, a \
               media type other than text/plain, a body over 64 KB (an error), or a timeout or \
               refused connection (a warning, and the check is inconclusive).",
        why: "Senders cannot refresh the policy: those with a cached enforce policy keep applying \
              the old one, and the others deliver without MTA-STS and report \
              sts-policy-fetch-error through TLS-RPT.",
        fix: "Fix the policy host: a certificate for mta-sts.DOMAIN from a public CA, the policy \
              served directly (no redirect) with HTTP 200 and Content-Type text/plain.";

    TransportStsPolicyInvalid = "transport.sts-policy-invalid", Warning, "the MTA-STS policy does not parse",
        what: "The policy file was fetched but does not follow RFC 8461 §3.2: version STSv1, mode \
               enforce/testing/none, max_age, and mx lines, one key: value per line. The detail \
               names the line and column.",
        why: "Senders discard an invalid policy: the domain has no MTA-STS protection, and senders \
              with a cached policy keep the old one.",
        fix: "Correct the line named in the detail, publish the file, and change the id= in the \
              _mta-sts record.";

    TransportStsMaxAgeOutOfRange = "transport.sts-max-age-out-of-range", Warning, "the MTA-STS max_age is too short or too long",
        what: "The policy's max_age is under one day (86400 s) or above RFC 8461's maximum of \
               one year (31557600 s).",
        why: "A short max_age lets the policy lapse between refreshes, so an attacker who blocks \
              the policy host removes the protection; a value over the maximum is out of the \
              standard, and senders may reject the policy or cap it.",
        fix: "Use a max_age of one to several weeks (604800 to 2419200) once the policy is stable; \
              a day while testing.";

    TransportTlsRptMissing = "transport.tls-rpt-missing", Info, "the domain enforces MTA-STS without TLS reporting",
        what: "The domain's MTA-STS policy is in enforce mode, but there is no v=TLSRPTv1 record \
               at _smtp._tls.DOMAIN.",
        why: "Senders that refuse delivery under the policy tell nobody: the domain learns of a \
              broken policy or certificate only from missing mail.",
        fix: "Publish \"v=TLSRPTv1; rua=mailto:tlsrpt@DOMAIN\" at _smtp._tls.DOMAIN and read the \
              reports (`mailwhy reports`).";

    TransportTlsRptInvalid = "transport.tls-rpt-invalid", Warning, "the TLS-RPT record does not parse",
        what: "The TXT record at _smtp._tls.DOMAIN does not follow RFC 8460 §3 (\"v=TLSRPTv1; \
               rua=mailto:... or https://...\"), or there is more than one. The detail names the \
               column.",
        why: "Senders send no TLS reports for the domain, so delivery failures under MTA-STS or \
              DANE go unseen.",
        fix: "Publish exactly one record of the form \"v=TLSRPTv1; rua=mailto:tlsrpt@DOMAIN\".";

    TransportStarttlsMissing = "transport.starttls-missing", Warning, "an MX host does not offer STARTTLS",
        what: "The STARTTLS probe (--probe) connected to the MX host, and its EHLO answer did not \
               list STARTTLS. An error when the domain's MTA-STS policy is in enforce mode, a \
               warning otherwise.",
        why: "Senders that require TLS to this domain (its enforce MTA-STS policy, DANE, or their \
              own rules such as Exchange Online's 5.7.321 starttls-not-supported) queue the mail \
              and eventually bounce it.",
        fix: "The domain's mail admin enables STARTTLS on the MX (Postfix: smtpd_tls_security_level \
              = may with a certificate and key), or points the MX at a host that offers it.";

    TransportMxCertificateInvalid = "transport.mx-certificate-invalid", Warning, "an MX host's certificate does not pass validation",
        what: "After STARTTLS, the MX host presented a certificate that is expired, not valid yet, \
               does not name the MX host, or does not chain to a trusted root. An error when the \
               domain's MTA-STS policy is in enforce mode, a warning otherwise.",
        why: "Senders that validate certificates for this domain (MTA-STS enforce, DANE-TA, \
              Exchange Online's 5.7.322 certificate-expired) refuse the host: mail queues and \
              bounces, while senders doing opportunistic TLS still deliver.",
        fix: "Renew the MX certificate, or issue it for the MX host name the domain publishes, from \
              a CA that senders trust; include the intermediate certificates.";

    TransportTlsaUnusable = "transport.tlsa-unusable", Warning, "a DANE TLSA record of an MX host cannot be used",
        what: "A TLSA record at _25._tcp.MX has a usage other than DANE-TA(2) or DANE-EE(3) (PKIX-TA(0) \
               and PKIX-EE(1) are not used for SMTP, RFC 7672 §3.1.3), an undefined selector or \
               matching type, data of the wrong length, or does not parse.",
        why: "Senders ignore unusable records; when every record of the host is unusable, DANE \
              senders still require TLS but authenticate nothing, and a key rollover planned on \
              these records will not protect anything.",
        fix: "Publish \"3 1 1 <SHA-256 of the MX key's SubjectPublicKeyInfo>\" (and a second record \
              for the next key before a rollover), in a DNSSEC-signed zone.";

    TransportTlsaMismatch = "transport.tlsa-mismatch", Error, "no DANE TLSA record matches the MX certificate",
        what: "The STARTTLS probe (--probe) saw the MX host's certificate chain, and none of the \
               host's usable TLSA records at _25._tcp.MX matches it (DANE-EE against the leaf, \
               DANE-TA against the issuers).",
        why: "In a DNSSEC-signed zone, DANE-validating senders (Exchange Online, Postfix with dane, \
              many providers) refuse the host and queue the mail (5.7.323 tlsa-invalid) until it \
              expires: typically after a certificate renewal with a new key.",
        fix: "Publish a TLSA record for the key the MX presents now (3 1 1 <SHA-256 of its \
              SubjectPublicKeyInfo>) and wait for the old record's TTL, or put the previous key \
              back; publish the next key's record before each rollover.";

    TransportStsIdUnchanged = "transport.sts-id-unchanged", Warning, "the MTA-STS policy changed but its id did not",
        what: "The policy served now differs (mode, mx patterns or max_age) from the one mailwhy \
               fetched earlier under the same id in the _mta-sts record. Seen only with \
               --sts-cache DIR, which remembers each domain's previous fetch. An error when the \
               earlier policy is enforce and leaves out a current MX host.",
        why: "Senders fetch a policy again only when the id changes (RFC 8461 §3.1, §5.1): those \
              that hold the earlier policy keep applying it until its max_age runs out. After an \
              MX migration whose policy was fixed but whose id was not, they keep refusing the \
              new MX hosts (\"MTA-STS validation failed\") for up to max_age.",
        fix: "Publish a new id in the _mta-sts record (for example the date and time of the \
              change, 20261206T120000) whenever the policy file changes.";
}
