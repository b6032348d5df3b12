//! `clvdesk ingest PATH --into TABLE`.

use std::path::PathBuf;

use clap::Args;

use super::{Cli, exit::CliError, open_workspace};
use crate::engine::ingest::ingest_file;

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// CSV, TSV, Parquet or JSON file to append.
    pub path: PathBuf,
    /// Table to append to (created when missing).
    #[arg(long, value_name = "TABLE")]
    pub into: String,
}

pub fn run(cli: &Cli, args: &IngestArgs) -> anyhow::Result<()> {
    if !args.path.is_file() {
        return Err(CliError::Usage(format!("{}: no such file", args.path.display())).into());
    }
    let ws = open_workspace(cli)?;
    super::exit::interrupt_on_ctrl_c(ws.db().conn());
    let report = ingest_file(ws.db().conn(), &args.path, &args.into)?;
    if let Some(column) = &report.replaced_column {
        eprintln!(
            "note: {} has its own `{column}` column; its values were replaced by this batch's id",
            args.path.display()
        );
    }
    eprintln!(
        "ingested {} rows from {} into {}{} (batch {})",
        report.rows,
        args.path.display(),
        report.table,
        if report.created_table {
            " (new table)"
        } else {
            ""
        },
        report.batch_id
    );
    println!(
        "{}",
        serde_json::json!({
            "batch_id": report.batch_id,
            "table": report.table,
            "file": args.path.display().to_string(),
            "rows": report.rows,
            "created_table": report.created_table,
        })
    );
    Ok(())
}
