//! `mailwhy batch FILE`: every user of a directory export, streamed out as JSON Lines, with a
//! summary at the end (text, Markdown, or JSON with `--format json`) and a progress bar on a
//! terminal.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use clap::Args;
use mailwhy::directory::{self, RowProblem, User};
use mailwhy::workflow::{self, Record};

use crate::inputs::InputArgs;
use crate::{CliError, Settings};

/// Arguments of `mailwhy batch`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BatchArgs {
    #[command(subcommand)]
    action: Option<BatchAction>,
    /// The directory export (CSV with a header row, or JSON); default: --directory, or the
    /// config file's `directory`
    #[arg(conflicts_with = "directory")]
    file: Option<PathBuf>,
    #[command(flatten)]
    inputs: InputArgs,
    /// How many users are diagnosed at once
    #[arg(long, default_value_t = 64)]
    jobs: usize,
    /// Write the JSON Lines here (the summary then goes to stdout) instead of stdout
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// How many causes and domains the summary lists
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// Delivery evidence (ESP event exports, suppression lists, mail logs), read once and
    /// joined to every user: each record gets a `delivery` check, the summary counts users per
    /// delivery state
    #[arg(long, value_name = "FILE", num_args = 1..)]
    events: Vec<PathBuf>,
    /// Take only the rows of shard I of N (I from 0): FNV-1a 64 of the address's match key
    /// (lower case, hidden characters and spaces dropped) mod N; malformed rows by (row-1) mod N
    #[arg(long, value_name = "I/N")]
    shard: Option<workflow::Shard>,
    /// Also write the summary as JSON to FILE (what `batch merge` reads)
    #[arg(long, value_name = "FILE")]
    summary: Option<PathBuf>,
}

/// `mailwhy batch merge`.
#[derive(Debug, clap::Subcommand)]
enum BatchAction {
    /// Combine the --summary files of every shard of one sharded run into the summary of the
    /// whole export (refuses other inputs, another N, a missing or duplicate shard)
    Merge(MergeArgs),
}

/// Arguments of `mailwhy batch merge`.
#[derive(Debug, Args)]
struct MergeArgs {
    /// The shards' summary files (`batch --shard I/N --summary FILE`)
    #[arg(required = true, value_name = "SUMMARY")]
    summaries: Vec<PathBuf>,
    /// How many causes and domains the summary lists
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// Also write the merged summary as JSON to FILE
    #[arg(long, value_name = "FILE")]
    summary: Option<PathBuf>,
}

fn merge(settings: &Settings, args: MergeArgs) -> Result<u8, CliError> {
    let mut parts = Vec::new();
    for p in &args.summaries {
        let file = p.display().to_string();
        let text = std::fs::read_to_string(p).map_err(|source| mailwhy::Error::Read {
            file: file.clone(),
            source,
        })?;
        let s: workflow::Summary = serde_json::from_str(&text).map_err(|e| {
            CliError::Run(mailwhy::Error::Input {
                file: file.clone(),
                message: format!(
                    "line {}, column {}: not a batch summary ({e}); expected the JSON of batch --summary FILE",
                    e.line(),
                    e.column()
                ),
            })
        })?;
        parts.push((file, s));
    }
    let merged = workflow::merge_summaries(&parts)
        .map_err(|e| CliError::Usage(format!("batch merge: {e}")))?;
    write_summary(settings, &merged, args.top, args.summary.as_deref(), true)?;
    Ok(merged.verdict().exit_code())
}

/// The summary: as JSON to `file` when given, and rendered (JSON with --format json) on stdout
/// (`to_stdout`) or stderr.
fn write_summary(
    settings: &Settings,
    summary: &workflow::Summary,
    top: usize,
    file: Option<&std::path::Path>,
    to_stdout: bool,
) -> Result<(), CliError> {
    if let Some(p) = file {
        let json = mailwhy::json::to_string_pretty(summary).expect("the summary serializes") + "\n";
        std::fs::write(p, json)
            .map_err(|e| CliError::Io(format!("{}: cannot write the summary: {e}", p.display())))?;
    }
    let text = match settings.format {
        // JSON for scripts: the counts, and the report of the checks shared by every row.
        mailwhy::report::Format::Json | mailwhy::report::Format::Jsonl => {
            mailwhy::json::to_string_pretty(summary).expect("the summary serializes") + "\n"
        }
        format => {
            workflow::render_summary(summary, format == mailwhy::report::Format::Markdown, top)
        }
    };
    if to_stdout {
        crate::output::print(&text).ok();
    } else if !settings.quiet {
        eprint!("{text}");
    }
    Ok(())
}

/// FNV-1a 64 of a file's bytes, as 16 hex digits: names the input in a shard's summary.
fn file_digest(path: &std::path::Path) -> Result<String, CliError> {
    use std::io::Read;
    let mut f = File::open(path).map_err(|source| mailwhy::Error::Read {
        file: path.display().to_string(),
        source,
    })?;
    let mut h = workflow::Fnv1a64::default();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(|source| mailwhy::Error::Read {
            file: path.display().to_string(),
            source,
        })?;
        if n == 0 {
            break;
        }
        h.write(&buf[..n]);
    }
    Ok(format!("{:016x}", h.finish()))
}

pub fn run(settings: &Settings, args: BatchArgs) -> Result<u8, CliError> {
    if let Some(BatchAction::Merge(m)) = args.action {
        return merge(settings, m);
    }
    let mut inputs = args.inputs.resolve(settings)?;
    if !args.events.is_empty() {
        let files: Vec<_> = args
            .events
            .iter()
            .cloned()
            .map(mailwhy::delivery::SourceFile::Path)
            .collect();
        let book = mailwhy::delivery::book::Book::read(&files, &Default::default()).map_err(
            |e| match e {
                mailwhy::delivery::SourceError::Unreadable { file, message } => {
                    CliError::Run(mailwhy::Error::Input { file, message })
                }
                other => CliError::Usage(format!("--events: {other}")),
            },
        )?;
        inputs.book = Some(Arc::new(book));
    }
    let path = args
        .file
        .or_else(|| inputs.directory.clone())
        .ok_or_else(|| {
            CliError::Usage(
            "batch needs the directory export: FILE, --directory FILE, or `directory` in --config"
                .into(),
        )
        })?;
    let columns = &inputs.columns;
    let file = path.display().to_string();
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    // CSV streams row by row; a JSON export is read whole (it is one document).
    let notes: Vec<String>;
    let rows: Box<dyn Iterator<Item = Result<User, RowProblem>> + Send> = if is_json {
        let loaded = directory::load_file(&path, columns)?;
        notes = loaded.notes;
        let mut all: Vec<Result<User, RowProblem>> = loaded
            .users
            .into_iter()
            .map(Ok)
            .chain(loaded.problems.into_iter().map(Err))
            .collect();
        all.sort_by_key(|r| match r {
            Ok(u) => u.line,
            Err(p) => p.line,
        });
        Box::new(all.into_iter())
    } else {
        let f = File::open(&path).map_err(|source| mailwhy::Error::Read {
            file: file.clone(),
            source,
        })?;
        let rows = directory::stream_csv(std::io::BufReader::new(f), &file, columns)?;
        notes = rows.notes().to_vec();
        Box::new(rows)
    };
    if !settings.quiet {
        for n in &notes {
            eprintln!("mailwhy: {n}");
        }
    }
    let total = if is_json {
        None
    } else {
        count_data_rows(&path)
    };
    let mut out: Box<dyn Write> = match &args.output {
        Some(p) => Box::new(BufWriter::new(File::create(p).map_err(|source| {
            mailwhy::Error::Read {
                file: p.display().to_string(),
                source,
            }
        })?)),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    let show_progress = !settings.quiet && std::io::stderr().is_terminal();
    let bar = if show_progress {
        let b = indicatif::ProgressBar::new(total.unwrap_or(0));
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} users  {per_sec}  ETA {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(b)
    } else {
        None
    };
    let stop = Arc::new(AtomicBool::new(false));
    let mut summary = crate::runtime().block_on(async {
        // The rows are the directory: the diagnoser gets none of its own.
        let d = inputs.diagnoser(settings, false).await?;
        let s2 = stop.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                s2.store(true, Ordering::Relaxed);
            }
        });
        let mut write_failed = false;
        let summary =
            workflow::batch_sharded(&d, rows, args.shard, args.jobs, &stop, |rec: &Record| {
                if !write_failed {
                    let line = mailwhy::json::to_string(rec).expect("record serializes");
                    if writeln!(out, "{line}").is_err() {
                        // The reader went away (a closed pipe): stop taking rows, finish quietly.
                        write_failed = true;
                        stop.store(true, Ordering::Relaxed);
                    }
                }
                if let (Some(p), false) = (&rec.error, settings.quiet) {
                    // Each malformed row also on stderr, where a person reads it: file:line: why.
                    let column = p
                        .column
                        .as_deref()
                        .map(|c| format!("column {c}: "))
                        .unwrap_or_default();
                    let note = mailwhy::sanitize::line(&format!(
                    "mailwhy: {file}:{}: malformed row (row {}, counted as malformed): {column}{}",
                    p.line, rec.row, p.message
                ))
                    .into_owned();
                    match &bar {
                        Some(b) => b.println(note),
                        None => eprintln!("{note}"),
                    }
                }
                if let Some(b) = &bar {
                    b.inc(1);
                }
            })
            .await;
        let _ = out.flush();
        if settings.verbose > 0 {
            crate::output::print_query_log(d.dns());
        }
        Ok::<_, CliError>(summary)
    })?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if let Some(info) = summary.shard.as_mut() {
        info.input = file.clone();
        info.input_fnv1a64 = file_digest(&path)?;
    }
    write_summary(
        settings,
        &summary,
        args.top,
        args.summary.as_deref(),
        args.output.is_some(),
    )?;
    let expected = match &summary.shard {
        // A shard writes fewer records than the file has rows: it is complete when it read them all.
        Some(info) => total.map(|t| (t as usize == info.input_rows).then_some(summary.records)),
        None => total.map(|t| Some(t as usize)),
    }
    .flatten()
    .unwrap_or(usize::MAX);
    if summary.stopped && summary.records < expected {
        return Ok(130);
    }
    Ok(summary.verdict().exit_code())
}

/// Data rows in a CSV file, counted over its bytes with the loader's own row splitting, so
/// the count is the number of records a complete run writes (a run that stopped short of it
/// exits 130); a line that is not UTF-8 is one row like any other, not the end of the count.
fn count_data_rows(path: &std::path::Path) -> Option<u64> {
    let f = File::open(path).ok()?;
    Some(directory::count_csv_rows(std::io::BufReader::new(f)))
}
