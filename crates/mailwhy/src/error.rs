//! "Could not run": the errors that stop a command before it can check anything (an unreadable
//! file, a bad config, a zone file that does not parse). What a check finds about the world is
//! a finding or an inconclusive check, never one of these.

/// Why mailwhy could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read.
    #[error("{file}: cannot read: {source}")]
    Read {
        /// The file.
        file: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file was read but its content is not what was expected.
    #[error("{file}:{line}: {message}")]
    Parse {
        /// The file.
        file: String,
        /// 1-based line (0 when not known).
        line: usize,
        /// What was wrong and what was expected.
        message: String,
    },
    /// An input file is not what the command reads (not a mail message, over the size cap).
    #[error("{file}: {message}")]
    Input {
        /// The file.
        file: String,
        /// What is wrong with it.
        message: String,
    },
    /// The DNS resolver could not be set up.
    #[error(transparent)]
    Resolver(#[from] crate::dns::ResolverSetupError),
    /// The DNS layer could not start: its resolver, or the zone server for `--dns-zones`.
    #[error(transparent)]
    DnsStart(#[from] crate::dns::StartError),
}

/// Result with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// The 1-based line of byte offset `pos` in `text`.
pub fn line_of(text: &str, pos: usize) -> usize {
    text.as_bytes()[..pos.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
