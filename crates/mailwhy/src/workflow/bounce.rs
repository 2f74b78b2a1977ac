//! `mailwhy bounce`: files read as bounces; per recipient the reason, status, reply code,
//! diagnostic and remote server. Unlike the other commands the answer is not a [`Report`](
//! crate::Report) but DESIGN.md's bounce shape, which lives here with its renderers and its
//! exit-code rule so no front end has its own copy.

use std::path::PathBuf;

use serde::Serialize;

use crate::bounce::{self, Bounce, Reason};
use crate::finding::Severity;
use crate::report::Format;
use crate::sanitize;

/// The files to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BounceRequest {
    /// Bounce messages (RFC 5322).
    pub files: Vec<PathBuf>,
    /// Files larger than this are refused.
    pub max_bytes: u64,
}

/// One file read as a bounce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BounceFile {
    /// The file, as given.
    pub file: String,
    /// What it says.
    pub bounce: Bounce,
}

impl BounceFile {
    /// True when a recipient of this file bounced (an error finding).
    fn has_problem(&self) -> bool {
        bounce::findings(&self.bounce)
            .iter()
            .any(|f| f.severity == Severity::Error)
    }
}

/// DESIGN.md's JSON of one file: `schema_version`, `file`, `is_bounce`, and per recipient
/// `address`, `action`, `status`, `reply_code`, `reason`, `hard_bounce`, `resend`, `rule` (what
/// decided the reason), `diagnostic`, `remote_mta`.
impl Serialize for BounceFile {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct FileOut<'a> {
            schema_version: u32,
            file: &'a str,
            is_bounce: bool,
            recipients: Vec<RecipientOut<'a>>,
        }
        #[derive(Serialize)]
        struct RecipientOut<'a> {
            address: &'a str,
            action: Option<&'a str>,
            status: Option<&'a str>,
            reply_code: Option<&'a str>,
            reason: &'a str,
            hard_bounce: Option<bool>,
            resend: bounce::Resend,
            rule: &'a bounce::Rule,
            diagnostic: Option<&'a str>,
            remote_mta: Option<&'a str>,
        }
        FileOut {
            schema_version: crate::report::SCHEMA_VERSION,
            file: &self.file,
            is_bounce: self.bounce.is_bounce,
            recipients: self
                .bounce
                .recipients
                .iter()
                .map(|r| RecipientOut {
                    address: &r.address,
                    action: r.action.as_deref(),
                    status: r.status.as_deref(),
                    reply_code: r.reply_code.as_deref(),
                    reason: r.reason.name(),
                    hard_bounce: match r.reason.class() {
                        bounce::BounceClass::Hard => Some(true),
                        bounce::BounceClass::Soft => Some(false),
                        bounce::BounceClass::NotBounce => None,
                    },
                    resend: r.reason.resend(),
                    rule: &r.rule,
                    diagnostic: r.diagnostic.as_deref(),
                    remote_mta: r.remote_mta.as_deref(),
                })
                .collect(),
        }
        .serialize(s)
    }
}

/// What the files said, and the files that could not be read.
#[derive(Debug)]
pub struct BounceResults {
    /// The files read, in the order given.
    pub files: Vec<BounceFile>,
    /// Files that could not be read (missing, over the size cap, not mail).
    pub errors: Vec<crate::Error>,
    /// How many files were asked for: one file asked gives one JSON object, several an array.
    pub asked: usize,
}

impl BounceResults {
    /// 2 when a file could not be read, else 1 when a recipient bounced, else 0.
    pub fn exit_code(&self) -> u8 {
        if !self.errors.is_empty() {
            2
        } else if self.files.iter().any(BounceFile::has_problem) {
            1
        } else {
            0
        }
    }

    /// The files in `format`: JSON (an object for one file asked, else an array), JSON Lines,
    /// text, or Markdown. The errors are not part of it.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Json => {
                let json = if self.files.len() == 1 && self.asked == 1 {
                    crate::json::to_string_pretty(&self.files[0])
                } else {
                    crate::json::to_string_pretty(&self.files)
                };
                format!("{}\n", json.expect("bounce files serialize"))
            }
            Format::Jsonl => self
                .files
                .iter()
                .map(|f| crate::json::to_string(f).expect("a bounce file serializes") + "\n")
                .collect(),
            Format::Text => self.text(false),
            Format::Markdown => self.text(true),
        }
    }

    fn text(&self, markdown: bool) -> String {
        let item = |l: &str| {
            if markdown {
                format!("- {l}\n")
            } else {
                format!("  {l}\n")
            }
        };
        let mut out = String::new();
        for (i, f) in self.files.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            let head = format!(
                "{}: {}",
                sanitize::line(&f.file),
                if f.bounce.is_bounce {
                    "bounce"
                } else {
                    "not a bounce"
                }
            );
            if markdown {
                out.push_str(&format!("## {head}\n\n"));
            } else {
                out.push_str(&head);
                out.push('\n');
            }
            for l in crate::message::bounce_lines(&f.bounce) {
                out.push_str(&item(&sanitize::line(&l)));
            }
            // A DNSBL block that is the receiver's own refused lookup: its remedy, not the
            // sender's "check the IP on public blocklists".
            if let Some(finding) = f
                .bounce
                .recipients
                .iter()
                .find_map(bounce::receiver_dnsbl_refused)
            {
                out.push_str(&item(&format!(
                    "the receiver's own DNSBL setup is broken ({}): {}",
                    finding.id.as_str(),
                    finding.id.kind().how_to_fix
                )));
                continue;
            }
            // The remedy of the first recipient that was not delivered.
            if let Some(r) = f
                .bounce
                .recipients
                .iter()
                .find(|r| r.reason != Reason::Delivered)
            {
                out.push_str(&item(&format!(
                    "what to do ({}): {}",
                    r.reason,
                    r.reason.remedy()
                )));
            }
        }
        out
    }
}

/// Reads every file of the request as a bounce; a file that cannot be read is an error beside
/// the others' results, not the end of the run.
pub fn bounce(request: &BounceRequest) -> BounceResults {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in &request.files {
        let name = path.display().to_string();
        let read = crate::message::read_file(path, request.max_bytes).and_then(|raw| {
            bounce::analyze_bytes(&raw).map_err(|e| crate::Error::Input {
                file: name.clone(),
                message: e.to_string(),
            })
        });
        match read {
            Ok(bounce) => files.push(BounceFile { file: name, bounce }),
            Err(e) => errors.push(e),
        }
    }
    BounceResults {
        files,
        errors,
        asked: request.files.len(),
    }
}
