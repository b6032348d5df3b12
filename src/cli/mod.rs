//! The command line: clap definitions of the public CLI contract and the
//! dispatch to one file per headless command. Commands are thin: parse, call
//! the domain, print. stdout is data, stderr is narration.

pub mod activate;
pub mod clv;
pub mod completions;
pub mod config;
pub mod dashboard;
pub mod doctor;
pub mod exit;
pub mod ingest;
pub mod man;
pub mod query;
pub mod run_schedule;
pub mod sample;
pub mod segment;
pub mod version;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::workspace::{Workspace, paths::WORKSPACE_ENV};

/// clvdesk: customer-lifetime-value workbench on embedded DuckDB.
#[derive(Debug, Parser)]
#[command(
    name = "clvdesk",
    version,
    about,
    args_conflicts_with_subcommands = true,
    disable_version_flag = true
)]
pub struct Cli {
    /// Print clvdesk's version, the embedded DuckDB version and its extensions.
    #[arg(short = 'V', long = "version")]
    pub show_version: bool,

    /// Workspace folder, .duckdb file, or CSV/Parquet/JSON file to open in the app.
    pub path: Option<PathBuf>,

    /// Workspace folder (default: the platform data directory, or $CLVDESK_WORKSPACE).
    #[arg(long, global = true, env = WORKSPACE_ENV, value_name = "DIR")]
    pub workspace: Option<PathBuf>,

    /// Colour theme for the app: dark, light, high-contrast, or a theme file name.
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,

    #[command(flatten)]
    pub schedule: run_schedule::RunScheduleArgs,

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
    /// Saved segments (audiences): list, show, preview, refresh membership, list members.
    Segment(segment::SegmentArgs),
    /// Export an audience to a file destination (new entrants, or --full).
    Activate(activate::ActivateArgs),
    /// List dashboards, or draw one as text (for cron mail or diffs).
    Dashboard(dashboard::DashboardArgs),
    /// Print a shell completion script (workspace names complete in bash, zsh and fish).
    Completions(completions::CompletionsArgs),
    /// Write man pages for clvdesk and every subcommand.
    Man(man::ManArgs),
    /// Check the terminal, keys, workspace, config and scheduler; say how to fix what is wrong.
    Doctor(doctor::DoctorArgs),
    /// The config file: `config --example` prints every key with its default.
    Config(config::ConfigArgs),
    /// Print clvdesk's version, the embedded DuckDB version and its extensions.
    Version(version::VersionArgs),
    /// List names for shell completion (tables, deciles, jobs, segments, ...).
    #[command(name = "__complete", hide = true)]
    Complete(completions::CompleteArgs),
}

/// Runs the parsed command line; the caller maps errors to exit codes.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    exit::install_interrupt_handler();
    if cli.show_version {
        return version::print_text();
    }
    if cli.schedule.run_schedule {
        return run_schedule::run(&cli, &cli.schedule);
    }
    match &cli.command {
        Some(Command::Query(args)) => query::run(&cli, args),
        Some(Command::Ingest(args)) => ingest::run(&cli, args),
        Some(Command::Clv(args)) => clv::run(&cli, args),
        Some(Command::Segment(args)) => segment::run(&cli, args),
        Some(Command::Activate(args)) => activate::run(&cli, args),
        Some(Command::Sample(args)) => sample::run(args),
        Some(Command::Dashboard(args)) => dashboard::run(&cli, args),
        Some(Command::Completions(args)) => completions::run(args),
        Some(Command::Man(args)) => man::run(args),
        Some(Command::Doctor(args)) => doctor::run(&cli, args),
        Some(Command::Config(args)) => config::run(args),
        Some(Command::Version(args)) => version::run(args),
        Some(Command::Complete(args)) => completions::complete(&cli, args),
        None => app_entry(&cli),
    }
}

/// The workspace a command means: `--workspace` / `$CLVDESK_WORKSPACE`, then
/// `default_workspace` of config.toml; `None` is the platform default. The
/// config file is read only when no workspace was named, so a broken config
/// never stops a cron job that names its workspace.
pub fn workspace_target(cli: &Cli) -> anyhow::Result<Option<PathBuf>> {
    if let Some(ws) = &cli.workspace {
        return Ok(Some(ws.clone()));
    }
    let cfg = crate::config::Config::load(crate::config::config_dir().as_deref())
        .map_err(|e| exit::CliError::Usage(e.to_string()))?;
    Ok(cfg.default_workspace())
}

/// Opens the workspace named by `--workspace` / `$CLVDESK_WORKSPACE`, the
/// config's `default_workspace`, or the default; what seeding decided on this
/// open (not seeded, starters skipped or failed) goes to stderr.
pub fn open_workspace(cli: &Cli) -> anyhow::Result<Workspace> {
    let ws = crate::scheduler::starters::open_path(workspace_target(cli)?.as_deref())?;
    for note in ws.seed_report().notes() {
        eprintln!("clvdesk: {note}");
    }
    Ok(ws)
}

/// `clvdesk [PATH]`: the interactive app.
fn app_entry(cli: &Cli) -> anyhow::Result<()> {
    // Say so before opening (and seeding) a workspace for nothing.
    crate::tui::check_terminal().map_err(|e| exit::CliError::Usage(e.to_string()))?;
    let target = cli.path.clone().or(cli.workspace.clone()).or_else(|| {
        // A broken config.toml is reported inside the app, which starts on the defaults.
        crate::config::Config::load_or_default(crate::config::config_dir().as_deref())
            .0
            .default_workspace()
    });
    let ws = crate::scheduler::starters::open_path(target.as_deref())?;
    crate::tui::run(crate::tui::AppOptions::new(ws).theme(cli.theme.clone()))
}
