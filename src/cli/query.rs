//! `clvdesk query (-c SQL | -f FILE) [--format ...] [--limit N] [--out PATH]`.
//!
//! Every statement runs in order; the last one's result is printed. File
//! formats of a query are written by DuckDB's own COPY writers (to `--out` or
//! straight to stdout), so clvdesk adds nothing on top of DuckDB and never
//! holds the result. A truncated result always says so on stderr.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use duckdb::Connection;
use duckdb::arrow::array::RecordBatch;
use duckdb::arrow::util::display::FormatOptions;
use duckdb::arrow::util::pretty::pretty_format_batches_with_options;

use super::exit::{CliError, interrupt_on_ctrl_c};
use super::{Cli, open_workspace};
use crate::engine::export::{ExportFormat, copy_to, copy_to_unchecked};
use crate::engine::sql::{is_query, split_statements};
use crate::engine::worker::{QueryOutcome, RowCount, first_page};
use crate::engine::{Database, EngineError};
use crate::workspace::write_atomic;

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
    match args.format.export() {
        Some(format) if is_query(&last.text) => {
            copy_query(conn, &last.text, format, limit, args.out.as_deref())
        }
        Some(format) => stream_statement(conn, &last.text, format, limit, args.out.as_deref()),
        None => print_table(conn, &last.text, limit, args.out.as_deref()),
    }
}

/// A query in a file format: DuckDB writes it (COPY), to `--out` or stdout.
fn copy_query(
    conn: &Connection,
    stmt: &str,
    format: ExportFormat,
    limit: Option<u64>,
    out: Option<&Path>,
) -> anyhow::Result<()> {
    let source = match limit {
        Some(n) => format!("SELECT * FROM ({stmt}) AS clvdesk_q LIMIT {n}"),
        None => stmt.to_string(),
    };
    let written = match out {
        Some(path) => copy_to(conn, &source, path, format)?,
        None => {
            std::io::stdout().flush()?;
            copy_to_unchecked(conn, &source, Path::new("/dev/stdout"), format)?
        }
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

/// Whether `stmt` returns more than `n` rows (reads at most one row past `n`).
fn has_row_beyond(conn: &Connection, stmt: &str, n: u64) -> Result<bool, EngineError> {
    Ok(conn.query_row(
        &format!(
            "SELECT count(*) > 0 FROM (SELECT 1 FROM ({stmt}) AS clvdesk_q LIMIT 1 OFFSET {n})"
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

/// Statements that are not wrappable queries (SHOW, DESCRIBE, PRAGMA, INSERT ...):
/// their (small) results are streamed through Arrow writers.
fn stream_statement(
    conn: &Connection,
    stmt: &str,
    format: ExportFormat,
    limit: Option<u64>,
    out: Option<&Path>,
) -> anyhow::Result<()> {
    if format == ExportFormat::Parquet {
        return Err(CliError::Usage(
            "parquet output needs a query (SELECT, WITH, FROM, VALUES, TABLE)".into(),
        )
        .into());
    }
    let cap = limit.map_or(usize::MAX, |n| n as usize);
    let (batches, truncated) = match first_page(conn, stmt, cap)? {
        QueryOutcome::Rows(page) => (vec![page.batch], matches!(page.total, RowCount::AtLeast(_))),
        QueryOutcome::Executed {
            statement,
            rows_changed,
            ..
        } => {
            narrate_executed(&statement, rows_changed);
            return Ok(());
        }
        QueryOutcome::Failed(msg) => return Err(EngineError::Sql(msg).into()),
        QueryOutcome::Cancelled => return Err(EngineError::Cancelled.into()),
    };
    let mut buf = Vec::new();
    write_batches(&mut buf, &batches, format)?;
    emit(&buf, out)?;
    if truncated && let Some(n) = limit {
        truncation_notice(n);
    }
    Ok(())
}

fn write_batches(
    buf: &mut Vec<u8>,
    batches: &[RecordBatch],
    format: ExportFormat,
) -> anyhow::Result<()> {
    use duckdb::arrow::{csv, json};
    match format {
        ExportFormat::Csv | ExportFormat::Tsv => {
            let delimiter = if format == ExportFormat::Tsv {
                b'\t'
            } else {
                b','
            };
            let mut w = csv::WriterBuilder::new()
                .with_header(true)
                .with_delimiter(delimiter)
                .build(buf);
            for b in batches {
                w.write(b)?;
            }
        }
        ExportFormat::Json => {
            let mut w = json::ArrayWriter::new(buf);
            for b in batches {
                w.write(b)?;
            }
            w.finish()?;
        }
        ExportFormat::Jsonl => {
            let mut w = json::LineDelimitedWriter::new(buf);
            for b in batches {
                w.write(b)?;
            }
            w.finish()?;
        }
        ExportFormat::Parquet => unreachable!("rejected by the caller"),
    }
    Ok(())
}

/// The table format: at most `limit` rows, drawn as a text table.
fn print_table(
    conn: &Connection,
    stmt: &str,
    limit: Option<u64>,
    out: Option<&Path>,
) -> anyhow::Result<()> {
    let cap = limit.map_or(usize::MAX, |n| n as usize);
    match first_page(conn, stmt, cap)? {
        QueryOutcome::Rows(page) => {
            let opts = FormatOptions::default().with_null("NULL");
            let table =
                pretty_format_batches_with_options(std::slice::from_ref(&page.batch), &opts)?;
            let mut text = table.to_string();
            text.push('\n');
            emit(text.as_bytes(), out)?;
            let shown = page.batch.num_rows();
            match page.total {
                RowCount::AtLeast(_) => truncation_notice(shown as u64),
                RowCount::Exact(n) => eprintln!("{n} row{}", if n == 1 { "" } else { "s" }),
            }
        }
        QueryOutcome::Executed {
            statement,
            rows_changed,
            ..
        } => narrate_executed(&statement, rows_changed),
        QueryOutcome::Failed(msg) => return Err(EngineError::Sql(msg).into()),
        QueryOutcome::Cancelled => return Err(EngineError::Cancelled.into()),
    }
    Ok(())
}

fn narrate_executed(statement: &str, rows_changed: Option<u64>) {
    match rows_changed {
        Some(n) => eprintln!("{statement} ok, {n} rows"),
        None => eprintln!("{statement} ok"),
    }
}

fn emit(bytes: &[u8], out: Option<&Path>) -> anyhow::Result<()> {
    match out {
        Some(path) => write_atomic(path, bytes).map_err(|e| EngineError::io(path, e))?,
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(bytes)?;
            stdout.flush()?;
        }
    }
    Ok(())
}
