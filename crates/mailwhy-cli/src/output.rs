//! Writing to stdout and stderr: rendering in the chosen format, the DNS query log for `-v`,
//! and treating a closed pipe as a normal end.

use std::io::{ErrorKind, Write};

use mailwhy::dns::Dns;
use mailwhy::report::{render, Report, Verdict};

use crate::{CliError, Settings};

/// Writes `text` to stdout. A closed pipe is not an error (the reader has what it wanted).
pub fn print(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Renders `reports`, prints them, prints the query log with `-v`, returns the exit code.
pub fn emit(settings: &Settings, reports: &[Report], dns: Option<&Dns>) -> Result<u8, CliError> {
    let text = render(reports, settings.format, settings.color);
    if settings.verbose > 0 {
        if let Some(dns) = dns {
            print_query_log(dns);
        }
    }
    print_or_fail(&text)?;
    Ok(Verdict::combine(reports.iter().map(|r| r.verdict)).exit_code())
}

/// Writes `text` to stdout; a write that fails (other than a closed pipe) stops the command.
pub fn print_or_fail(text: &str) -> Result<(), CliError> {
    print(text).map_err(|e| CliError::Io(format!("cannot write the output: {e}")))
}

/// The query log on stderr.
pub fn print_query_log(dns: &Dns) {
    let log = dns.query_log();
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "dns: {} queries sent for {} questions",
        dns.queries_sent(),
        dns.questions_asked()
    );
    for q in log {
        let _ = writeln!(
            err,
            "dns: {} {} -> {} ({} records, {} ms)",
            mailwhy::sanitize::line(&q.name),
            q.rtype,
            q.outcome,
            q.records,
            q.elapsed_ms
        );
    }
}
