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
//!
//! [directory_columns]            # when the export's headers differ from the field names
//! email = "E-mail address"
//! send_messages = "Send messages"
//! ```
//! Relative paths are taken relative to the config file's folder.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

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
    /// Column headers of the directory export for fields whose column has another name,
    /// e.g. `email = "E-mail address"`.
    #[serde(default)]
    pub directory_columns: std::collections::BTreeMap<String, String>,
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
        {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        Ok(cfg)
    }

    /// Parses config text; `file` labels errors.
    pub fn parse(text: &str, file: &str) -> Result<Config> {
        let cfg: Config = toml::from_str(text).map_err(|e| Error::Parse {
            file: file.to_string(),
            line: e.span().map(|s| line_of(text, s.start)).unwrap_or(0),
            message: e.message().trim().to_string(),
        })?;
        if let Err(message) = mailwhy::directory::ColumnMap::with_overrides(&cfg.directory_columns)
        {
            return Err(Error::Parse {
                file: file.to_string(),
                line: text
                    .find("[directory_columns]")
                    .map(|p| line_of(text, p))
                    .unwrap_or(0),
                message,
            });
        }
        for ns in &cfg.nameservers {
            parse_nameserver(ns).map_err(|message| Error::Parse {
                file: file.to_string(),
                line: text
                    .find(ns.as_str())
                    .map(|p| line_of(text, p))
                    .unwrap_or(0),
                message,
            })?;
        }
        for (name, v) in [
            ("timeout", cfg.timeout),
            ("overall_timeout", cfg.overall_timeout),
        ] {
            if let Some(v) = v {
                if !(v > 0.0 && v <= 3600.0) {
                    return Err(Error::Parse {
                        file: file.to_string(),
                        line: text.find(name).map(|p| line_of(text, p)).unwrap_or(0),
                        message: format!(
                            "{name} must be a number of seconds between 0 and 3600, found {v}"
                        ),
                    });
                }
            }
        }
        Ok(cfg)
    }
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
    fn full_config_parses() {
        let c = Config::parse(
            "nameservers = [\"192.0.2.1\", \"[2001:db8::1]:5353\"]\ntimeout = 2\ndirectory = \"u.csv\"\n",
            "c.toml",
        )
        .unwrap();
        assert_eq!(c.nameservers.len(), 2);
        assert_eq!(c.timeout, Some(2.0));
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
    fn nameserver_forms() {
        assert_eq!(parse_nameserver("127.0.0.1").unwrap().port(), 53);
        assert_eq!(parse_nameserver("127.0.0.1:5300").unwrap().port(), 5300);
        assert!(parse_nameserver("[::1]:53").is_ok());
        assert!(parse_nameserver("dns.example").is_err());
    }
}
