//! The runner shared by `clvdesk --run-schedule` and the app's scheduler thread: what is
//! due at an instant (from the schedule files and the run log), and running it with a run
//! log row per run.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use duckdb::Connection;

use super::definition::InvalidFile;
use super::job::{Cancel, JobContext, JobError, JobOutcome};
use super::kinds;
use super::registry::Registry;
use super::runlog::{self, RunEnd, RunStart, RunStatus};
use super::schedule::{Due, Params, Schedule, Trigger};
use super::schedule_file;
use crate::engine::EngineError;
use crate::workspace::paths::folders;

/// The workspace's definitions as the runner sees them.
#[derive(Debug)]
pub struct Definitions {
    pub registry: Registry,
    pub schedules: Vec<Schedule>,
    /// Schedule files that could not be read.
    pub schedule_errors: Vec<InvalidFile>,
}

impl Definitions {
    pub fn load(root: &Path) -> Self {
        let (schedules, schedule_errors) =
            schedule_file::load_schedules(&root.join(folders::SCHEDULES));
        Definitions {
            registry: Registry::load(root),
            schedules,
            schedule_errors,
        }
    }
}

/// A configuration problem that stops the runner before it runs anything.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<InvalidFile>),
    #[error("{0}")]
    UnknownJob(String),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// One run the runner will make.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRun {
    pub job: String,
    pub schedule: Option<String>,
    pub trigger: Trigger,
    pub slot: Option<DateTime<Utc>>,
    /// Slots this run covers (1 unless catching up).
    pub missed: u32,
    pub params: Params,
}

/// What to run.
#[derive(Debug, Default)]
pub struct Plan {
    pub runs: Vec<PlannedRun>,
    /// Schedules stopped after too many failures: (schedule, failures).
    pub quarantined: Vec<(String, u32)>,
    /// Broken job files no planned run needs (reported, not fatal).
    pub warnings: Vec<InvalidFile>,
}

/// What was asked: all due schedules, or only `jobs` (and with `force`, those jobs even
/// when none of their schedules is due).
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub jobs: Vec<String>,
    pub force: bool,
}

/// Decides what runs at `now`. A broken schedule file, or a job that is needed and unknown
/// or broken, is a [`ConfigError`].
pub fn plan(
    conn: &Connection,
    defs: &Definitions,
    now: DateTime<Utc>,
    req: &Request,
) -> Result<Plan, ConfigError> {
    if !defs.schedule_errors.is_empty() {
        return Err(ConfigError::Invalid(defs.schedule_errors.clone()));
    }
    let needed = |name: &str| -> Result<(), ConfigError> {
        if defs.registry.find(name).is_some() {
            return Ok(());
        }
        let broken: Vec<InvalidFile> = defs
            .registry
            .errors
            .iter()
            .filter(|e| e.file.file_stem().is_some_and(|s| s == name))
            .cloned()
            .collect();
        if broken.is_empty() {
            Err(ConfigError::UnknownJob(defs.registry.unknown(name)))
        } else {
            Err(ConfigError::Invalid(broken))
        }
    };
    for j in &req.jobs {
        needed(j)?;
    }
    let mut plan = Plan::default();
    for s in &defs.schedules {
        if !req.jobs.is_empty() && !req.jobs.contains(&s.job) {
            continue;
        }
        needed(&s.job).map_err(|e| match e {
            ConfigError::UnknownJob(msg) => {
                ConfigError::Invalid(vec![InvalidFile::new(&s.file, None, msg)])
            }
            other => other,
        })?;
        let state = runlog::schedule_state(conn, s)?;
        match s.due_at(now, &state) {
            Due::Run {
                slot,
                trigger,
                missed,
            } => plan.runs.push(PlannedRun {
                job: s.job.clone(),
                schedule: Some(s.name.clone()),
                trigger,
                slot: Some(slot),
                missed,
                params: s.parameters.clone(),
            }),
            Due::Quarantined { failures } => plan.quarantined.push((s.name.clone(), failures)),
            Due::NotDue { .. } | Due::Disabled => {}
        }
    }
    if req.force {
        for j in &req.jobs {
            if !plan.runs.iter().any(|r| &r.job == j) {
                plan.runs.push(PlannedRun {
                    job: j.clone(),
                    schedule: None,
                    trigger: Trigger::Manual,
                    slot: None,
                    missed: 0,
                    params: Params::new(),
                });
            }
        }
    }
    let stems: Vec<&str> = plan.runs.iter().map(|r| r.job.as_str()).collect();
    plan.warnings = defs
        .registry
        .errors
        .iter()
        .filter(|e| {
            !e.file
                .file_stem()
                .and_then(|s| s.to_str())
                .is_some_and(|s| stems.contains(&s))
        })
        .cloned()
        .collect();
    Ok(plan)
}

/// What one run did.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub id: i64,
    pub run: PlannedRun,
    pub status: RunStatus,
    pub result: Result<JobOutcome, JobError>,
    pub elapsed: Duration,
}

/// Runs one planned run: a `running` row, the job, the row completed. An error writing
/// the run log itself is returned as is (the job's own errors are in the report).
pub fn execute(
    conn: &Connection,
    root: &Path,
    registry: &Registry,
    run: &PlannedRun,
    cancel: &Cancel,
) -> Result<RunReport, EngineError> {
    let started = Instant::now();
    let kind = registry
        .find(&run.job)
        .map_or("unknown", |j| j.kind.label());
    let id = runlog::begin(
        conn,
        &RunStart {
            job: &run.job,
            kind,
            schedule: run.schedule.as_deref(),
            trigger: run.trigger,
            slot: run.slot,
            parameters: &run.params,
        },
    )?;
    let result = match registry.find(&run.job) {
        Some(job) => kinds::run(
            job,
            registry,
            &JobContext {
                conn,
                root,
                params: &run.params,
                cancel,
            },
        ),
        None => Err(JobError::failed(&run.job, registry.unknown(&run.job))),
    };
    let (status, end) = match &result {
        Ok(o) => (
            RunStatus::Succeeded,
            RunEnd {
                rows: i64::try_from(o.rows).ok(),
                error: None,
                tables: o.tables.clone(),
                summary: Some(o.summary.clone()),
            },
        ),
        Err(e) => (
            match e {
                JobError::Cancelled if cancel.is_process_interrupt() => RunStatus::Interrupted,
                JobError::Cancelled => RunStatus::Cancelled,
                _ => RunStatus::Failed,
            },
            RunEnd {
                error: Some(e.to_string()),
                ..RunEnd::default()
            },
        ),
    };
    runlog::finish(conn, id, status, &end)?;
    Ok(RunReport {
        id,
        run: run.clone(),
        status,
        result,
        elapsed: started.elapsed(),
    })
}

/// One line describing a finished run (stderr of the headless runner, notifications).
pub fn run_line(r: &RunReport) -> String {
    let why = match (&r.run.schedule, r.run.trigger) {
        (Some(s), Trigger::CatchUp) => {
            format!("schedule {s}, catch-up for {} missed slots", r.run.missed)
        }
        (Some(s), t) => format!("schedule {s}, {}", t.as_str()),
        (None, t) => t.as_str().to_string(),
    };
    let what = match &r.result {
        Ok(o) => o.summary.clone(),
        Err(e) => e.to_string(),
    };
    format!(
        "run {} {} {} ({why}) in {:.1}s: {what}",
        r.id,
        r.status.as_str(),
        r.run.job,
        r.elapsed.as_secs_f64()
    )
}
