//! The `--config FILE` settings of the command line (TOML): name servers, zone directory, timeouts, and the default
//! directory, sender profile and allowlist files. Command-line flags override every field.
//!
//! ```toml
//! nameservers = ["192.0.2.53", "192.0.2.54:5353"]
//! dns_zones = "fixtures/zones"   # serve these zones on loopback and resolve only from them
//! timeout = 3                    # seconds per DNS query
//! overall_timeout = 30           # seconds for all DNS of one run
//! directory = "users.csv"
//! sender = "fixtures/senders/procore.toml"
//! allowlist = "gateway.txt"
//! gateway_domains = ["acme-builders.com"]   # the recipient domains the allowlist's gateway guards
//! events = ["sendgrid-events.jsonl", "/var/log/mail.log"]   # delivery evidence for `diagnose`
//! reports = ["dmarc-reports.mbox", "Maildir/.DMARC"]       # DMARC/TLS reports for `diagnose`
//!
//! [directory_columns]            # when the export's headers differ from the field names
//! email = "E-mail address"
//! send_messages = "Send messages"
//! ```
//! Relative paths are taken relative to the config file's folder.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use mailwhy::error::line_of;
use mailwhy::{Error, Result};

/// Settings read from a config file. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Name servers (`IP` or `IP:PORT`) to use instead of the system resolver.
    #[serde(default)]
    pub nameservers: Vec<String>,
    /// A directory of `*.zone` files to serve on loopback and resolve from.
    pub dns_zones: Option<PathBuf>,
    /// Seconds one DNS query may take.
    pub timeout: Option<f64>,
    /// Seconds all DNS of one run may take.
    pub overall_timeout: Option<f64>,
    /// The default user directory file.
    pub directory: Option<PathBuf>,
    /// The default sender profile file.
    pub sender: Option<PathBuf>,
    /// The default gateway allowlist file.
    pub allowlist: Option<PathBuf>,
    /// The recipient domains the gateway allowlist guards (default: every domain but the
    /// consumer mailbox providers').
    #[serde(default)]
    pub gateway_domains: Vec<String>,
    /// Delivery evidence files `diagnose` reads (ESP event exports, suppression lists, mail
    /// logs); `--events` replaces them.
    #[serde(default)]
    pub events: Vec<PathBuf>,
    /// DMARC aggregate, failure and TLS report files or Maildirs `diagnose` reads;
    /// `--reports` replaces them.
    #[serde(default)]
    pub reports: Vec<PathBuf>,
    /// Column headers of the directory export for fields whose column has another name,
    /// e.g. `email = "E-mail address"`.
    #[serde(default)]
    pub directory_columns: std::collections::BTreeMap<String, String>,
    /// DNS blocklist zones `blocklist` and `diagnose` query (`ZONE` for an IP list,
    /// `domain:ZONE` for a domain list); empty means mailwhy's default table.
    #[serde(default)]
    pub blocklists: Vec<String>,
    /// The delivery event store (`sqlite:PATH`, relative to the config's folder) that
    /// `events`, `diagnose`, `batch` and `serve` read; `--store` replaces it.
    pub store: Option<String>,
}

impl Config {
    /// Reads and checks a config file; paths inside it become relative to its folder.
    pub fn load(path: &Path) -> Result<Config> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            file: file.clone(),
            source,
        })?;
        let mut cfg = Config::parse(&text, &file)?;
        let base = path.parent().unwrap_or(Path::new("."));
        for p in [
            &mut cfg.dns_zones,
            &mut cfg.directory,
            &mut cfg.sender,
            &mut cfg.allowlist,
        ]
        .into_iter()
        .flatten()
        .chain(cfg.events.iter_mut())
        .chain(cfg.reports.iter_mut())
        {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        if let Some(url) = cfg.store.as_mut() {
            if let Some(p) = url.strip_prefix("sqlite:") {
                if Path::new(p).is_relative() {
                    *url = format!("sqlite:{}", base.join(p).display());
                }
            }
        }
        Ok(cfg)
    }

    /// Parses config text; `file` labels errors.
    pub fn parse(text: &str, file: &str) -> Result<Config> {
        let err = |at: usize, message: String| Error::Parse {
            file: file.to_string(),
            line: line_of(text, at),
            message,
        };
        let cfg: Config = toml::from_str(text).map_err(|e| {
            // The TOML parser leaves some syntax errors (e.g. `key=` with nothing after it)
            // without words; the user still gets what was expected.
            let message = match e.message().trim() {
                "" => "invalid TOML here (expected key = value, a [table] header or a comment)"
                    .to_string(),
                m => m.to_string(),
            };
            err(e.span().map_or(0, |s| s.start), message)
        })?;
        // The text parsed as a `Config`, so it parses as `Places`, which only adds positions.
        let places: Places = toml::from_str(text).unwrap_or_default();
        for (field, col) in &places.directory_columns {
            let one = std::collections::BTreeMap::from([(field.get_ref().clone(), col.clone())]);
            mailwhy::directory::ColumnMap::with_overrides(&one)
                .map_err(|message| err(field.span().start, message))?;
        }
        for d in &places.gateway_domains {
            mailwhy::dns::normalize_name(d.get_ref()).map_err(|e| {
                err(
                    d.span().start,
                    format!("gateway_domains: {e} (expected a domain such as acme.example)"),
                )
            })?;
        }
        for z in &places.blocklists {
            mailwhy::blocklist::List::parse(z.get_ref())
                .map_err(|m| err(z.span().start, format!("blocklists: {m}")))?;
        }
        for ns in &places.nameservers {
            parse_nameserver(ns.get_ref()).map_err(|message| err(ns.span().start, message))?;
        }
        for (name, v) in [
            ("timeout", places.timeout),
            ("overall_timeout", places.overall_timeout),
        ] {
            if let Some(v) = v {
                if !(*v.get_ref() > 0.0 && *v.get_ref() <= 3600.0) {
                    return Err(err(
                        v.span().start,
                        format!(
                            "{name} must be a number of seconds between 0 and 3600, found {}",
                            v.get_ref()
                        ),
                    ));
                }
            }
        }
        Ok(cfg)
    }
}

/// Where the values [`Config::parse`] checks beyond their type are in the text, so an error
/// names their own line (a search for the text would miss a value written with a TOML escape,
/// or find it on an earlier line).
#[derive(Default, Deserialize)]
struct Places {
    #[serde(default)]
    nameservers: Vec<Spanned<String>>,
    #[serde(default)]
    gateway_domains: Vec<Spanned<String>>,
    timeout: Option<Spanned<f64>>,
    overall_timeout: Option<Spanned<f64>>,
    #[serde(default)]
    directory_columns: std::collections::BTreeMap<Spanned<String>, String>,
    #[serde(default)]
    blocklists: Vec<Spanned<String>>,
}

/// Parses `IP`, `IP:PORT` or `[IPv6]:PORT` (port 53 by default).
pub fn parse_nameserver(s: &str) -> std::result::Result<SocketAddr, String> {
    if let Ok(ip) = s.parse::<std::net::IpAddr>() {
        return Ok(SocketAddr::new(ip, 53));
    }
    s.parse::<SocketAddr>().map_err(|_| {
        format!("{s:?} is not a name server address (expected IP, IP:PORT or [IPv6]:PORT)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gateway_domain_that_is_not_a_domain_names_its_line() {
        let e = Config::parse(
            "timeout = 2\ngateway_domains = [\n  \"acme.example\",\n  \"bad..name\",\n]\n",
            "c.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("c.toml:4") && e.contains("gateway_domains"),
            "{e}"
        );
    }

    #[test]
    fn full_config_parses() {
        let c = Config::parse(
            "nameservers = [\"192.0.2.1\", \"[2001:db8::1]:5353\"]\ntimeout = 2\ndirectory = \"u.csv\"\n",
            "c.toml",
        )
        .unwrap();
        assert_eq!(c.nameservers.len(), 2);
        assert_eq!(c.timeout, Some(2.0));
    }

    /// Found by the config fuzz target: `Ji=` gave an error with an empty message.
    #[test]
    fn a_toml_error_without_words_still_says_what_was_expected() {
        let Err(Error::Parse { line, message, .. }) = Config::parse("Ji=", "c.toml") else {
            panic!("not a parse error");
        };
        assert_eq!(line, 1);
        assert!(message.contains("expected"), "{message}");
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = Config::parse("timeout = 2\nnameserver = [\"x\"]\n", "c.toml").unwrap_err();
        let s = e.to_string();
        assert!(s.starts_with("c.toml:2:"), "{s}");
        let e = Config::parse("\n\nnameservers = [\"nope\"]\n", "c.toml").unwrap_err();
        assert!(e.to_string().starts_with("c.toml:3:"), "{e}");
        let e = Config::parse("timeout = -1\n", "c.toml").unwrap_err();
        assert!(e.to_string().contains("timeout"), "{e}");
    }

    #[test]
    fn blocklist_zones_are_checked_with_their_line() {
        let c = Config::parse(
            "blocklists = [\"zen.spamhaus.org\", \"domain:rhs.example\"]\n",
            "c.toml",
        )
        .unwrap();
        assert_eq!(c.blocklists.len(), 2);
        let e = Config::parse("timeout = 2\n\nblocklists = [\"nodot\"]\n", "c.toml").unwrap_err();
        assert!(e.to_string().starts_with("c.toml:3: blocklists:"), "{e}");
    }

    #[test]
    fn nameserver_forms() {
        assert_eq!(parse_nameserver("127.0.0.1").unwrap().port(), 53);
        assert_eq!(parse_nameserver("127.0.0.1:5300").unwrap().port(), 5300);
        assert!(parse_nameserver("[::1]:53").is_ok());
        assert!(parse_nameserver("dns.example").is_err());
    }

    /// Guards the config's error lines: they were found by searching the text for the bad
    /// value, so one written with a TOML escape, or set in an inline table, gave line 0, and
    /// one whose text appears earlier gave that earlier line.
    #[test]
    fn a_bad_value_names_its_own_line() {
        for (text, line) in [
            ("\nnameservers = [\"192.0.2.1\", \"n\\u006Fpe\"]\n", 2),
            ("directory = \"nope\"\n\nnameservers = [\"nope\"]\n", 3),
            ("\ndirectory_columns = { emial = \"E-mail\" }\n", 2),
            (
                "[directory_columns]\nemail = \"E-mail\"\n\nemial = \"x\"\n",
                4,
            ),
            ("# timeout\n\ntimeout = 0\n", 3),
        ] {
            let e = Config::parse(text, "c.toml").unwrap_err().to_string();
            assert!(e.starts_with(&format!("c.toml:{line}:")), "{text:?}: {e}");
        }
    }
}
