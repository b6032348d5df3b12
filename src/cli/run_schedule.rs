//! `clvdesk --run-schedule [--workspace DIR] [--job NAME]... [--now RFC3339] [--force]
//! [--format text|json]`: run what is due (or the named jobs), one line per run on
//! stderr and a summary; `--format json` prints the runs on stdout.
//!
//! Exit codes: 0 every run succeeded (or nothing was due), 1 a job failed, 2 a schedule
//! or job file is broken or a job name is unknown, 3 the workspace is open in another
//! process, 130 interrupted (the run is recorded as interrupted and runs again next time).

use chrono::{DateTime, Utc};
use clap::{Args, ValueEnum};

use super::exit::{CliError, interrupt_on_ctrl_c, was_interrupted};
use super::{Cli, open_workspace};
use crate::scheduler::job::Cancel;
use crate::scheduler::runlog::{self, RunStatus};
use crate::scheduler::runner::{self, ConfigError, Definitions, Request};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScheduleFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Default, Args)]
pub struct RunScheduleArgs {
    /// Run the jobs that are due (or the --job names), then exit: for cron and CI.
    #[arg(long = "run-schedule", conflicts_with = "path")]
    pub run_schedule: bool,
    /// Only this job (repeatable): a decile job, a jobs/*.toml job or a chain.
    #[arg(long = "job", value_name = "NAME", requires = "run_schedule")]
    pub jobs: Vec<String>,
    /// The instant to decide what is due at (default: now), e.g. 2026-12-03T03:00:00Z.
    #[arg(long, value_name = "RFC3339", requires = "run_schedule")]
    pub now: Option<String>,
    /// Run the --job names even when none of their schedules is due.
    #[arg(long, requires = "run_schedule")]
    pub force: bool,
    /// text: narration on stderr only; json: also the runs as JSON on stdout.
    #[arg(
        long = "format",
        value_enum,
        value_name = "FORMAT",
        requires = "run_schedule"
    )]
    pub format: Option<ScheduleFormat>,
}

pub fn run(cli: &Cli, args: &RunScheduleArgs) -> anyhow::Result<()> {
    if args.force && args.jobs.is_empty() {
        return Err(CliError::Usage("--force needs at least one --job NAME".into()).into());
    }
    let now = match &args.now {
        Some(s) => DateTime::parse_from_rfc3339(s.trim())
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| {
                CliError::Usage(format!(
                    "--now `{s}`: {e} (use RFC 3339, e.g. 2026-12-03T03:00:00Z)"
                ))
            })?,
        None => Utc::now(),
    };
    let ws = open_workspace(cli)?;
    let conn = ws.db().conn();
    let interrupted = runlog::mark_interrupted(conn)?;
    if interrupted > 0 {
        eprintln!(
            "clvdesk: {interrupted} run(s) left running by an earlier process marked interrupted"
        );
    }
    let defs = Definitions::load(ws.root());
    let request = Request {
        jobs: args.jobs.clone(),
        force: args.force,
    };
    let plan = runner::plan(conn, &defs, now, &request).map_err(|e| match e {
        ConfigError::Engine(e) => anyhow::Error::from(e),
        other => CliError::Usage(other.to_string()).into(),
    })?;
    for w in &plan.warnings {
        eprintln!("clvdesk: warning: {w}");
    }
    for (s, failures) in &plan.quarantined {
        eprintln!(
            "clvdesk: schedule {s} is quarantined after {failures} failures in a row; fix the job and run it with --job --force, or re-enable it in the app"
        );
    }
    interrupt_on_ctrl_c(conn);
    let cancel = Cancel::new(conn).with_process_interrupt(was_interrupted);
    let mut reports = Vec::new();
    for planned in &plan.runs {
        let report = runner::execute(conn, ws.root(), &defs.registry, planned, &cancel)?;
        eprintln!("clvdesk: {}", runner::run_line(&report));
        let stop = report.status == RunStatus::Interrupted;
        reports.push(report);
        if stop {
            break;
        }
    }
    let count = |s: RunStatus| reports.iter().filter(|r| r.status == s).count();
    let failed = count(RunStatus::Failed);
    eprintln!(
        "clvdesk: {} run(s): {} succeeded, {failed} failed{}",
        reports.len(),
        count(RunStatus::Succeeded),
        if plan.runs.is_empty() {
            " (nothing due)"
        } else {
            ""
        }
    );
    if args.format == Some(ScheduleFormat::Json) {
        let mut records = Vec::new();
        for r in &reports {
            records.extend(runlog::run(conn, r.id)?);
        }
        println!("{}", serde_json::to_string_pretty(&records)?);
    }
    if was_interrupted() || count(RunStatus::Interrupted) > 0 {
        return Err(CliError::Failed("interrupted".into()).into());
    }
    if failed > 0 {
        return Err(
            CliError::Failed(format!("{failed} of {} run(s) failed", reports.len())).into(),
        );
    }
    Ok(())
}
