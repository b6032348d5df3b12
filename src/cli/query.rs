//! `clvdesk query (-c SQL | -f FILE) [--format ...] [--limit N] [--out PATH]`.
//!
//! Every statement runs in order; the last one's result is printed. File
//! formats of a query are written by DuckDB's own COPY writers (to `--out`
//! atomically, or streamed into our own stdout handle, so `>> log.csv`
//! appends and a pipe or socket works), so clvdesk adds nothing on top of
//! DuckDB and never holds the result. The table format streams too. A
//! truncated result always says so on stderr; a reader that leaves early
//! (`| head`) ends the output quietly with exit 0.

mod table;

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use duckdb::Connection;
use duckdb::arrow::array::RecordBatch;
use duckdb::arrow::datatypes::SchemaRef;

use super::exit::{CliError, interrupt_on_ctrl_c};
use super::{Cli, open_workspace};
use crate::atomic::AtomicFile;
use crate::engine::export::{ExportFormat, Streamed, copy_to, copy_to_stream};
use crate::engine::worker::{QueryOutcome, executed_outcome};
use crate::engine::{Database, EngineError};
use crate::sql::{is_query, parenthesize, split_statements};

/// Rows shown by the table format unless `--limit` says otherwise.
pub const DEFAULT_TABLE_LIMIT: u64 = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Csv,
    Tsv,
    Json,
    Jsonl,
    Parquet,
}

impl OutputFormat {
    fn export(self) -> Option<ExportFormat> {
        Some(match self {
            Self::Table => return None,
            Self::Csv => ExportFormat::Csv,
            Self::Tsv => ExportFormat::Tsv,
            Self::Json => ExportFormat::Json,
            Self::Jsonl => ExportFormat::Jsonl,
            Self::Parquet => ExportFormat::Parquet,
        })
    }
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("input").required(true).args(["sql", "file"]))]
pub struct QueryArgs {
    /// SQL to run (several statements separated by `;`).
    #[arg(short = 'c', long = "command", value_name = "SQL")]
    pub sql: Option<String>,
    /// File of SQL to run.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Maximum rows to output (default 500 for table, all for file formats; 0 = all).
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
    /// Write the result here instead of stdout (written atomically).
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
}

pub fn run(cli: &Cli, args: &QueryArgs) -> anyhow::Result<()> {
    let sql = match (&args.sql, &args.file) {
        (Some(sql), _) => sql.clone(),
        (None, Some(file)) => std::fs::read_to_string(file)
            .map_err(|e| CliError::Usage(format!("{}: {e}", file.display())))?,
        (None, None) => return Err(CliError::Usage("give -c SQL or -f FILE".into()).into()),
    };
    let stmts = split_statements(&sql);
    let Some((last, before)) = stmts.split_last() else {
        return Err(CliError::Usage("the SQL is empty".into()).into());
    };
    if args.format == OutputFormat::Parquet && args.out.is_none() && std::io::stdout().is_terminal()
    {
        return Err(
            CliError::Usage("parquet is binary: use --out FILE or redirect stdout".into()).into(),
        );
    }
    let ws = open_workspace(cli)?;
    let db: &Database = ws.db();
    let conn = db.conn();
    interrupt_on_ctrl_c(conn);
    for stmt in before {
        conn.execute_batch(&stmt.text).map_err(EngineError::from)?;
    }
    let limit = match args.limit {
        Some(0) => None,
        Some(n) => Some(n),
        None if args.format == OutputFormat::Table => Some(DEFAULT_TABLE_LIMIT),
        None => None,
    };
    let out = args.out.as_deref();
    quiet_when_reader_left(match args.format.export() {
        Some(format) if is_query(&last.text) => copy_query(conn, &last.text, format, limit, out),
        Some(format) => stream_statement(conn, &last.text, format, limit, out),
        None => print_table(conn, &last.text, limit, out),
    })
}

/// A query in a file format: DuckDB writes it (COPY), to `--out` atomically,
/// or into this process's own stdout handle (see [`copy_to_stream`]).
fn copy_query(
    conn: &Connection,
    stmt: &str,
    format: ExportFormat,
    limit: Option<u64>,
    out: Option<&Path>,
) -> anyhow::Result<()> {
    let source = match limit {
        Some(n) => format!(
            "SELECT * FROM {} AS clvdesk_q LIMIT {n}",
            parenthesize(stmt)
        ),
        None => stmt.to_string(),
    };
    let written = match out {
        Some(path) => copy_to(conn, &source, path, format)?,
        None => match copy_to_stream(conn, &source, format, stdout_handle()?)? {
            Streamed::Rows(n) => n,
            Streamed::ReaderClosed => return Ok(()),
        },
    };
    if let Some(n) = limit
        && written == n
        && has_row_beyond(conn, stmt, n)?
    {
        truncation_notice(n);
    }
    if let Some(path) = out {
        eprintln!("wrote {written} rows to {}", path.display());
    }
    Ok(())
}

/// This process's stdout as a file handle: a duplicate of descriptor 1, so
/// it shares the open file (a pipe, a socket, a file opened with `>>` keeps
/// appending). Whatever Rust's own stdout buffered is flushed first.
fn stdout_handle() -> anyhow::Result<File> {
    let stdout = std::io::stdout();
    stdout.lock().flush()?;
    Ok(File::from(stdout.as_fd().try_clone_to_owned()?))
}

/// Whether `stmt` returns more than `n` rows (reads at most one row past `n`).
fn has_row_beyond(conn: &Connection, stmt: &str, n: u64) -> Result<bool, EngineError> {
    Ok(conn.query_row(
        &format!(
            "SELECT count(*) > 0 FROM (SELECT 1 FROM {} AS clvdesk_q LIMIT 1 OFFSET {n})",
            parenthesize(stmt)
        ),
        [],
        |r| r.get(0),
    )?)
}

fn truncation_notice(n: u64) {
    eprintln!(
        "clvdesk: output truncated to the first {n} rows; the result has more (use --limit N, or --limit 0 for all)"
    );
}

/// Statements that are not wrappable queries (SHOW, DESCRIBE, PRAGMA,
/// INSERT ... RETURNING): their rows are streamed through Arrow writers,
/// batch by batch.
fn stream_statement(
    conn: &Connection,
    stmt: &str,
    format: ExportFormat,
    limit: Option<u64>,
    out: Option<&Path>,
) -> anyhow::Result<()> {
    use duckdb::arrow::{csv, json};
    if format == ExportFormat::Parquet {
        return Err(CliError::Usage(
            "parquet output needs a query (SELECT, WITH, FROM, VALUES, TABLE)".into(),
        )
        .into());
    }
    let mut output = Output::open(out)?;
    let w = &mut output;
    let end = match format {
        ExportFormat::Csv | ExportFormat::Tsv => {
            let delimiter = if format == ExportFormat::Tsv {
                b'\t'
            } else {
                b','
            };
            let mut w = csv::WriterBuilder::new()
                .with_header(true)
                .with_delimiter(delimiter)
                .build(w);
            let end = stream_rows(conn, stmt, limit, &mut |b| Ok(w.write(b)?))?;
            if let End::Rows {
                rows: 0, schema, ..
            } = &end
            {
                // The header, even without rows.
                w.write(&RecordBatch::new_empty(schema.clone()))?;
            }
            end
        }
        ExportFormat::Json => {
            let mut w = json::ArrayWriter::new(w);
            let end = stream_rows(conn, stmt, limit, &mut |b| Ok(w.write(b)?))?;
            w.finish()?;
            end
        }
        ExportFormat::Jsonl => {
            let mut w = json::LineDelimitedWriter::new(w);
            let end = stream_rows(conn, stmt, limit, &mut |b| Ok(w.write(b)?))?;
            w.finish()?;
            end
        }
        ExportFormat::Parquet => unreachable!("rejected above"),
    };
    finish(end, output, limit, false)
}

/// The table format, drawn as a text table. At most `limit` rows; with
/// `--limit 0` every row, streamed: column widths come from the first rows
/// (see [`table::TableWriter`]).
fn print_table(
    conn: &Connection,
    stmt: &str,
    limit: Option<u64>,
    out: Option<&Path>,
) -> anyhow::Result<()> {
    let mut output = Output::open(out)?;
    let mut table = table::TableWriter::new(table::SIZING_ROWS);
    let end = stream_rows(conn, stmt, limit, &mut |b| {
        table.push(b, &mut output)?;
        Ok(())
    })?;
    if let End::Rows { schema, .. } = &end {
        table.finish(schema, &mut output)?;
    }
    finish(end, output, limit, true)
}

/// How [`stream_rows`] ended.
enum End {
    Rows {
        schema: SchemaRef,
        rows: u64,
        truncated: bool,
    },
    /// A statement without a result set (DDL, DML).
    Executed(QueryOutcome),
}

/// Runs `stmt` once and hands its rows to `each`, batch by batch, at most
/// `limit` of them; nothing is held beyond one batch.
fn stream_rows(
    conn: &Connection,
    stmt: &str,
    limit: Option<u64>,
    each: &mut dyn FnMut(&RecordBatch) -> anyhow::Result<()>,
) -> anyhow::Result<End> {
    let mut prepared = conn.prepare(stmt).map_err(EngineError::from)?;
    let stream = prepared.stream_arrow([]).map_err(EngineError::from)?;
    let schema = stream.get_schema();
    let mut batches = stream.filter(|b| !matches!(b, Ok(b) if b.num_rows() == 0));
    let first = batches.next().transpose().map_err(EngineError::from)?;
    if let Some(executed) = executed_outcome(stmt, &schema, first.as_ref()) {
        return Ok(End::Executed(executed));
    }
    let cap = limit.unwrap_or(u64::MAX);
    let (mut rows, mut truncated) = (0u64, false);
    for batch in first.map(Ok).into_iter().chain(batches) {
        let batch = batch.map_err(EngineError::from)?;
        if rows == cap {
            truncated = true;
            break;
        }
        let take = (cap - rows).min(batch.num_rows() as u64);
        each(&batch.slice(0, take as usize))?;
        rows += take;
        if take < batch.num_rows() as u64 {
            truncated = true;
            break;
        }
    }
    Ok(End::Rows {
        schema,
        rows,
        truncated,
    })
}

/// Commits the output and narrates the truncation (and, for the table, the row count).
fn finish(end: End, output: Output, limit: Option<u64>, count: bool) -> anyhow::Result<()> {
    match end {
        End::Rows {
            rows, truncated, ..
        } => {
            output.finish()?;
            if truncated && let Some(n) = limit {
                truncation_notice(n);
            } else if count {
                eprintln!("{rows} row{}", if rows == 1 { "" } else { "s" });
            }
        }
        End::Executed(QueryOutcome::Executed {
            statement,
            rows_changed,
            ..
        }) => match rows_changed {
            Some(n) => eprintln!("{statement} ok, {n} rows"),
            None => eprintln!("{statement} ok"),
        },
        End::Executed(_) => {}
    }
    Ok(())
}

/// Where a streamed result goes: stdout, or a file written atomically.
enum Output {
    Stdout(BufWriter<std::io::Stdout>),
    File(BufWriter<AtomicFile>),
}

impl Output {
    fn open(out: Option<&Path>) -> anyhow::Result<Self> {
        Ok(match out {
            Some(path) => Output::File(BufWriter::with_capacity(
                1 << 16,
                AtomicFile::new(path).map_err(|e| EngineError::io(path, e))?,
            )),
            None => Output::Stdout(BufWriter::with_capacity(1 << 16, std::io::stdout())),
        })
    }

    /// Flushes stdout, or moves the finished file into place.
    fn finish(self) -> anyhow::Result<()> {
        match self {
            Output::Stdout(mut w) => w.flush()?,
            Output::File(w) => {
                let file = w.into_inner().map_err(|e| e.into_error())?;
                let target = file.target().to_path_buf();
                file.commit().map_err(|e| EngineError::io(target, e))?;
            }
        }
        Ok(())
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Output::Stdout(w) => w.write(buf),
            Output::File(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush(),
            Output::File(w) => w.flush(),
        }
    }
}

/// A reader that stops early (`clvdesk query ... | head -1`) is not a
/// failure: it has what it wanted. The output ends quietly with exit 0, like
/// `ripgrep` or `git log`, rather than an error on stderr.
fn quiet_when_reader_left(result: anyhow::Result<()>) -> anyhow::Result<()> {
    match result {
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            Ok(())
        }
        other => other,
    }
}
