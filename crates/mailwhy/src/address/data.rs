//! The data tables of the address checks, kept in one place so that adding a mail domain, a
//! role name or a reserved suffix is a one-line change: common mail domains (typo targets),
//! top-level-domain slips, role and department mailboxes, and special-use domains.

/// A well-known mailbox domain that people mistype.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailDomain {
    /// The domain, lowercase ASCII.
    pub domain: &'static str,
    /// Where it is mostly used (for the evidence: "a common mail domain in France").
    pub region: &'static str,
    /// One of the very largest: a one-edit look-alike is flagged even when it receives mail,
    /// because typo-squatters register exactly those.
    pub very_common: bool,
}

const fn d(domain: &'static str, region: &'static str, very_common: bool) -> MailDomain {
    MailDomain {
        domain,
        region,
        very_common,
    }
}

/// Common mail domains, by region. Kept to consumer mailbox providers: business domains are
/// not typo targets anyone can list.
pub(crate) static MAIL_DOMAINS: &[MailDomain] = &[
    // worldwide
    d("gmail.com", "worldwide", true),
    d("googlemail.com", "worldwide", false),
    d("yahoo.com", "worldwide", true),
    d("hotmail.com", "worldwide", true),
    d("outlook.com", "worldwide", true),
    d("live.com", "worldwide", true),
    d("msn.com", "worldwide", false),
    d("icloud.com", "worldwide", true),
    d("me.com", "worldwide", false),
    d("mac.com", "worldwide", false),
    d("aol.com", "worldwide", true),
    d("protonmail.com", "worldwide", false),
    d("proton.me", "worldwide", false),
    d("zoho.com", "worldwide", false),
    d("gmx.com", "worldwide", false),
    d("mail.com", "worldwide", false),
    d("yandex.com", "worldwide", false),
    d("fastmail.com", "worldwide", false),
    // France
    d("hotmail.fr", "France", true),
    d("outlook.fr", "France", false),
    d("live.fr", "France", false),
    d("yahoo.fr", "France", true),
    d("orange.fr", "France", true),
    d("wanadoo.fr", "France", true),
    d("free.fr", "France", true),
    d("sfr.fr", "France", true),
    d("laposte.net", "France", true),
    d("neuf.fr", "France", false),
    d("bbox.fr", "France", false),
    d("aliceadsl.fr", "France", false),
    d("numericable.fr", "France", false),
    // Germany, Austria, Switzerland
    d("gmx.de", "Germany", true),
    d("web.de", "Germany", true),
    d("t-online.de", "Germany", true),
    d("gmx.net", "Germany", false),
    d("gmx.at", "Austria", false),
    d("yahoo.de", "Germany", false),
    d("hotmail.de", "Germany", false),
    d("freenet.de", "Germany", false),
    d("bluewin.ch", "Switzerland", false),
    // United Kingdom and Ireland
    d("yahoo.co.uk", "United Kingdom", true),
    d("hotmail.co.uk", "United Kingdom", true),
    d("btinternet.com", "United Kingdom", false),
    d("sky.com", "United Kingdom", false),
    d("virginmedia.com", "United Kingdom", false),
    d("live.co.uk", "United Kingdom", false),
    d("eircom.net", "Ireland", false),
    // Benelux
    d("skynet.be", "Belgium", false),
    d("telenet.be", "Belgium", false),
    d("ziggo.nl", "Netherlands", false),
    d("kpnmail.nl", "Netherlands", false),
    // Southern Europe
    d("libero.it", "Italy", false),
    d("virgilio.it", "Italy", false),
    d("tiscali.it", "Italy", false),
    d("hotmail.it", "Italy", false),
    d("yahoo.it", "Italy", false),
    d("hotmail.es", "Spain", false),
    d("yahoo.es", "Spain", false),
    d("sapo.pt", "Portugal", false),
    // Eastern Europe and Russia
    d("mail.ru", "Russia", true),
    d("yandex.ru", "Russia", true),
    d("rambler.ru", "Russia", false),
    d("wp.pl", "Poland", false),
    d("o2.pl", "Poland", false),
    d("seznam.cz", "Czechia", false),
    // Americas
    d("comcast.net", "United States", false),
    d("verizon.net", "United States", false),
    d("att.net", "United States", false),
    d("sbcglobal.net", "United States", false),
    d("cox.net", "United States", false),
    d("shaw.ca", "Canada", false),
    d("rogers.com", "Canada", false),
    d("videotron.ca", "Canada", false),
    d("sympatico.ca", "Canada", false),
    d("uol.com.br", "Brazil", false),
    d("bol.com.br", "Brazil", false),
    d("terra.com.br", "Brazil", false),
    d("yahoo.com.br", "Brazil", false),
    d("hotmail.com.br", "Brazil", false),
    d("prodigy.net.mx", "Mexico", false),
    // Asia and Oceania
    d("qq.com", "China", true),
    d("163.com", "China", true),
    d("126.com", "China", false),
    d("naver.com", "South Korea", false),
    d("daum.net", "South Korea", false),
    d("yahoo.co.jp", "Japan", false),
    d("rediffmail.com", "India", false),
    d("bigpond.com", "Australia", false),
    d("optusnet.com.au", "Australia", false),
    d("xtra.co.nz", "New Zealand", false),
];

/// Top-level domains that do not exist but are one slip of the fingers from one that does.
/// (`.om`, `.co`, `.cm` and `.ne` are real country domains and are left to the edit distance.)
pub(crate) static TLD_SLIPS: &[(&str, &str)] = &[
    ("con", "com"),
    ("cmo", "com"),
    ("ocm", "com"),
    ("vom", "com"),
    ("xom", "com"),
    ("cpm", "com"),
    ("cim", "com"),
    ("comm", "com"),
    ("coom", "com"),
    ("ccom", "com"),
    ("c0m", "com"),
    ("colm", "com"),
    ("nte", "net"),
    ("nett", "net"),
    ("ogr", "org"),
    ("rog", "org"),
    ("frr", "fr"),
    ("fe", "fr"),
    ("dee", "de"),
    ("couk", "co.uk"),
];

/// Where a role name comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleSource {
    /// RFC 2142, "Mailbox names for common services, roles and functions".
    Rfc2142,
    /// A common English department or role name.
    English,
    /// A common French department or role name.
    French,
    /// An address that by convention accepts nothing (no-reply).
    NoReply,
}

impl RoleSource {
    /// Words for the evidence.
    pub fn as_str(self) -> &'static str {
        match self {
            RoleSource::Rfc2142 => "RFC 2142 mailbox name",
            RoleSource::English => "common department or role name (English)",
            RoleSource::French => "common department or role name (French)",
            RoleSource::NoReply => "no-reply address, which usually accepts nothing",
        }
    }
}

/// Role and department mailboxes, matched after lower-casing, dropping a `+tag`, removing
/// `.`, `-` and `_`, and folding French accents (so `Comptabilité`, `no-reply` and
/// `service.client` all match).
pub(crate) static ROLE_NAMES: &[(&str, RoleSource)] = &[
    // RFC 2142 sections 3 to 5
    ("info", RoleSource::Rfc2142),
    ("marketing", RoleSource::Rfc2142),
    ("sales", RoleSource::Rfc2142),
    ("support", RoleSource::Rfc2142),
    ("abuse", RoleSource::Rfc2142),
    ("noc", RoleSource::Rfc2142),
    ("security", RoleSource::Rfc2142),
    ("postmaster", RoleSource::Rfc2142),
    ("hostmaster", RoleSource::Rfc2142),
    ("usenet", RoleSource::Rfc2142),
    ("news", RoleSource::Rfc2142),
    ("webmaster", RoleSource::Rfc2142),
    ("www", RoleSource::Rfc2142),
    ("uucp", RoleSource::Rfc2142),
    ("ftp", RoleSource::Rfc2142),
    // English
    ("admin", RoleSource::English),
    ("administrator", RoleSource::English),
    ("accounts", RoleSource::English),
    ("accounting", RoleSource::English),
    ("accountspayable", RoleSource::English),
    ("billing", RoleSource::English),
    ("finance", RoleSource::English),
    ("invoices", RoleSource::English),
    ("invoice", RoleSource::English),
    ("payroll", RoleSource::English),
    ("hr", RoleSource::English),
    ("humanresources", RoleSource::English),
    ("jobs", RoleSource::English),
    ("careers", RoleSource::English),
    ("recruitment", RoleSource::English),
    ("office", RoleSource::English),
    ("contact", RoleSource::English),
    ("contactus", RoleSource::English),
    ("hello", RoleSource::English),
    ("help", RoleSource::English),
    ("helpdesk", RoleSource::English),
    ("service", RoleSource::English),
    ("customerservice", RoleSource::English),
    ("customercare", RoleSource::English),
    ("team", RoleSource::English),
    ("staff", RoleSource::English),
    ("all", RoleSource::English),
    ("everyone", RoleSource::English),
    ("enquiries", RoleSource::English),
    ("inquiries", RoleSource::English),
    ("maintenance", RoleSource::English),
    ("facilities", RoleSource::English),
    ("reception", RoleSource::English),
    ("frontdesk", RoleSource::English),
    ("legal", RoleSource::English),
    ("compliance", RoleSource::English),
    ("privacy", RoleSource::English),
    ("press", RoleSource::English),
    ("media", RoleSource::English),
    ("orders", RoleSource::English),
    ("purchasing", RoleSource::English),
    ("procurement", RoleSource::English),
    ("it", RoleSource::English),
    ("itsupport", RoleSource::English),
    ("root", RoleSource::English),
    ("sysadmin", RoleSource::English),
    ("operations", RoleSource::English),
    ("projects", RoleSource::English),
    ("estimating", RoleSource::English),
    ("bids", RoleSource::English),
    ("safety", RoleSource::English),
    ("dispatch", RoleSource::English),
    ("shipping", RoleSource::English),
    ("warehouse", RoleSource::English),
    ("feedback", RoleSource::English),
    ("newsletter", RoleSource::English),
    ("notifications", RoleSource::English),
    ("alerts", RoleSource::English),
    ("mailerdaemon", RoleSource::English),
    ("list", RoleSource::English),
    ("listserv", RoleSource::English),
    ("majordomo", RoleSource::English),
    // French
    ("accueil", RoleSource::French),
    ("comptabilite", RoleSource::French),
    ("compta", RoleSource::French),
    ("direction", RoleSource::French),
    ("secretariat", RoleSource::French),
    ("administration", RoleSource::French),
    ("facturation", RoleSource::French),
    ("factures", RoleSource::French),
    ("commercial", RoleSource::French),
    ("ventes", RoleSource::French),
    ("achats", RoleSource::French),
    ("rh", RoleSource::French),
    ("ressourceshumaines", RoleSource::French),
    ("recrutement", RoleSource::French),
    ("emploi", RoleSource::French),
    ("candidature", RoleSource::French),
    ("serviceclient", RoleSource::French),
    ("serviceclients", RoleSource::French),
    ("sav", RoleSource::French),
    ("assistance", RoleSource::French),
    ("informatique", RoleSource::French),
    ("technique", RoleSource::French),
    ("travaux", RoleSource::French),
    ("chantier", RoleSource::French),
    ("chantiers", RoleSource::French),
    ("devis", RoleSource::French),
    ("commande", RoleSource::French),
    ("commandes", RoleSource::French),
    ("bureau", RoleSource::French),
    ("agence", RoleSource::French),
    ("juridique", RoleSource::French),
    ("communication", RoleSource::French),
    ("presse", RoleSource::French),
    ("qualite", RoleSource::French),
    ("securite", RoleSource::French),
    ("logistique", RoleSource::French),
    ("expedition", RoleSource::French),
    ("standard", RoleSource::French),
    ("paie", RoleSource::French),
    ("tresorerie", RoleSource::French),
    ("gestion", RoleSource::French),
    ("entretien", RoleSource::French),
    ("exploitation", RoleSource::French),
    ("mairie", RoleSource::French),
    // no-reply in both languages
    ("noreply", RoleSource::NoReply),
    ("donotreply", RoleSource::NoReply),
    ("dontreply", RoleSource::NoReply),
    ("nepasrepondre", RoleSource::NoReply),
    ("nereponds", RoleSource::NoReply),
    ("bounce", RoleSource::NoReply),
    ("bounces", RoleSource::NoReply),
];

/// A special-use or reserved domain: no mailbox on the internet can exist under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reserved {
    /// The domain; names equal to it or under it match.
    pub suffix: &'static str,
    /// Where it is reserved.
    pub source: &'static str,
    /// What it is for, in plain words.
    pub purpose: &'static str,
}

const fn r(suffix: &'static str, source: &'static str, purpose: &'static str) -> Reserved {
    Reserved {
        suffix,
        source,
        purpose,
    }
}

/// Special-use domain names (IANA registry) and names that are never delegated in the root.
pub(crate) static RESERVED_DOMAINS: &[Reserved] = &[
    r("example", "RFC 2606, RFC 6761", "documentation examples"),
    r(
        "example.com",
        "RFC 2606, RFC 6761",
        "documentation examples",
    ),
    r(
        "example.net",
        "RFC 2606, RFC 6761",
        "documentation examples",
    ),
    r(
        "example.org",
        "RFC 2606, RFC 6761",
        "documentation examples",
    ),
    r("test", "RFC 2606, RFC 6761", "testing"),
    r(
        "invalid",
        "RFC 2606, RFC 6761",
        "names that are meant to be invalid",
    ),
    r(
        "localhost",
        "RFC 2606, RFC 6761",
        "the local computer itself",
    ),
    r("local", "RFC 6762", "multicast DNS on the local network"),
    r("onion", "RFC 7686", "Tor onion services"),
    r("alt", "RFC 9476", "non-DNS name systems"),
    r("home.arpa", "RFC 8375", "home networks"),
    r("arpa", "RFC 3172", "internet infrastructure (reverse DNS)"),
    r(
        "internal",
        "ICANN resolution of 2024-07-29",
        "private networks",
    ),
    r(
        "localdomain",
        "never delegated in the DNS root",
        "a default name for local networks",
    ),
    r(
        "lan",
        "never delegated in the DNS root",
        "a common name for local networks",
    ),
    r(
        "corp",
        "never delegated in the DNS root (ICANN name collision list)",
        "company-internal networks",
    ),
    r(
        "home",
        "never delegated in the DNS root (ICANN name collision list)",
        "home networks",
    ),
    r(
        "intranet",
        "never delegated in the DNS root",
        "company-internal networks",
    ),
];
