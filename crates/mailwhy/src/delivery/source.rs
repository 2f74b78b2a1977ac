//! Where delivery evidence comes from, for an embedding service: an [`EventSource`] answers "what
//! happened to mail for this address in this period" from wherever it keeps events (its own
//! event store, an ESP's API). It is async and fallible: a source that is down makes the
//! `delivery` check inconclusive, never "nothing was sent". [`FileSource`], reading exports,
//! webhook dumps and logs, is the implementation the command line and the server use.

use std::path::PathBuf;
use std::sync::Arc;

use super::timeline::{Collector, Matcher, Timeline, Window};
use super::{Event, FileSummary, ReadOptions};

/// The question asked of a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventQuery {
    /// The address.
    pub address: String,
    /// The period.
    pub window: Window,
}

/// Why a source could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// A file could not be opened or read.
    #[error("{file}: {message}")]
    Unreadable {
        /// The file.
        file: String,
        /// Why.
        message: String,
    },
    /// The address cannot be matched (no `@`).
    #[error("{0:?} is not an email address")]
    BadAddress(String),
    /// The source's system failed (an outage, a timeout).
    #[error("{0}")]
    Unavailable(String),
}

/// Answers delivery questions for an address.
#[async_trait::async_trait]
pub trait EventSource: Send + Sync {
    /// The address's timeline over the query's period.
    async fn timeline(&self, query: &EventQuery) -> Result<Timeline, SourceError>;
}

/// One input of a [`FileSource`].
#[derive(Clone, PartialEq, Eq)]
pub enum SourceFile {
    /// A file on disk, read as a stream.
    Path(PathBuf),
    /// Text already in memory (an upload), with the name the report gives it.
    Text {
        /// The name.
        name: String,
        /// The content.
        text: Arc<[u8]>,
    },
}

impl std::fmt::Debug for SourceFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SourceFile::Path(p) => f.debug_tuple("Path").field(p).finish(),
            SourceFile::Text { name, text } => f
                .debug_struct("Text")
                .field("name", name)
                .field("bytes", &text.len())
                .finish(),
        }
    }
}

impl SourceFile {
    /// The name the report gives it.
    pub fn name(&self) -> String {
        match self {
            SourceFile::Path(p) => p.display().to_string(),
            SourceFile::Text { name, .. } => name.clone(),
        }
    }

    /// Reads it once, each event to `sink`; what it gave, or why it could not be opened.
    pub fn read(
        &self,
        options: &ReadOptions,
        sink: &mut dyn FnMut(Event),
    ) -> Result<FileSummary, SourceError> {
        let name = self.name();
        Ok(match self {
            SourceFile::Path(p) => {
                let file = std::fs::File::open(p).map_err(|e| SourceError::Unreadable {
                    file: name.clone(),
                    message: format!("cannot open: {e}"),
                })?;
                super::read(&name, file, options, sink)
            }
            SourceFile::Text { text, .. } => super::read(&name, &text[..], options, sink),
        })
    }
}

/// Delivery evidence from files (exports, webhook dumps, mail logs), read on each question.
#[derive(Debug, Clone, Default)]
pub struct FileSource {
    /// The files.
    pub files: Vec<SourceFile>,
    /// How to read them.
    pub options: ReadOptions,
}

impl FileSource {
    /// Reads every file once, synchronously, collecting `query`'s timeline.
    pub fn read_blocking(&self, query: &EventQuery) -> Result<Timeline, SourceError> {
        let matcher = Matcher::new(&query.address)
            .ok_or_else(|| SourceError::BadAddress(query.address.clone()))?;
        let mut collector = Collector::new(matcher, query.window);
        let mut summaries = Vec::new();
        for f in &self.files {
            summaries.push(f.read(&self.options, &mut |e| collector.push(e))?);
        }
        Ok(collector.finish(summaries))
    }
}

#[async_trait::async_trait]
impl EventSource for FileSource {
    async fn timeline(&self, query: &EventQuery) -> Result<Timeline, SourceError> {
        // Reading a large file blocks: off the async workers.
        let me = self.clone();
        let query = query.clone();
        tokio::task::spawn_blocking(move || me.read_blocking(&query))
            .await
            .map_err(|e| SourceError::Unavailable(format!("the reading task failed: {e}")))?
    }
}
