//! The command line: clap definitions of the public CLI contract and the
//! dispatch to one file per headless command. Commands are thin: parse, call
//! the domain, print. stdout is data, stderr is narration.

pub mod clv;
pub mod exit;
pub mod ingest;
pub mod query;
pub mod sample;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::workspace::{Workspace, paths::WORKSPACE_ENV};

/// clvdesk: customer-lifetime-value workbench on embedded DuckDB.
#[derive(Debug, Parser)]
#[command(
    name = "clvdesk",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// Workspace folder, .duckdb file, or CSV/Parquet/JSON file to open in the app.
    pub path: Option<PathBuf>,

    /// Workspace folder (default: the platform data directory, or $CLVDESK_WORKSPACE).
    #[arg(long, global = true, env = WORKSPACE_ENV, value_name = "DIR")]
    pub workspace: Option<PathBuf>,

    /// Colour theme for the app: dark, light, high-contrast, or a theme file name.
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run SQL against the workspace and print the last statement's result.
    Query(query::QueryArgs),
    /// Append a CSV, Parquet or JSON file to a table, stamping rows with a batch id.
    Ingest(ingest::IngestArgs),
    /// Write synthetic sample data with known BG/NBD + Gamma-Gamma parameters.
    Sample(sample::SampleArgs),
    /// Fit BG/NBD + Gamma-Gamma to a transaction log and predict CLV per customer.
    Clv(clv::ClvArgs),
}

/// Runs the parsed command line; the caller maps errors to exit codes.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    exit::install_interrupt_handler();
    match &cli.command {
        Some(Command::Query(args)) => query::run(&cli, args),
        Some(Command::Ingest(args)) => ingest::run(&cli, args),
        Some(Command::Clv(args)) => clv::run(&cli, args),
        Some(Command::Sample(args)) => sample::run(args),
        None => app_entry(&cli),
    }
}

/// Opens the workspace named by `--workspace` / `$CLVDESK_WORKSPACE`, or the default.
pub fn open_workspace(cli: &Cli) -> anyhow::Result<Workspace> {
    Ok(Workspace::open_path(cli.workspace.as_deref())?)
}

/// `clvdesk [PATH]`: the interactive app.
fn app_entry(cli: &Cli) -> anyhow::Result<()> {
    let target = cli.path.as_deref().or(cli.workspace.as_deref());
    let ws = Workspace::open_path(target)?;
    crate::tui::run(crate::tui::AppOptions::new(ws).theme(cli.theme.clone()))
}
