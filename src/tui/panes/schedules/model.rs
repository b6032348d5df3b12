//! What the Schedules tab shows, read on a worker connection (never on the UI thread):
//! the schedule files with their state from the run log (next run, last run, quarantine)
//! and the run history of one schedule. Bounded: a few small queries per schedule and at
//! most [`HISTORY_ROWS`] runs.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use duckdb::Connection;

use crate::engine::EngineError;
use crate::scheduler::definition::InvalidFile;
use crate::scheduler::runlog::{self, RunRecord};
use crate::scheduler::runner::Definitions;
use crate::scheduler::schedule::{Due, Params};
use crate::workspace::paths::folders;

/// Runs of the selected schedule read for its history.
pub const HISTORY_ROWS: usize = 200;

/// Whether a schedule runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Enabled,
    Disabled,
    /// Stopped after `failures` failed runs in a row, until re-enabled.
    Quarantined {
        failures: u32,
    },
}

/// When a schedule runs next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    At(DateTime<Utc>),
    /// A slot is owed: the scheduler runs it when it next looks.
    DueNow,
    /// Its end has passed: no slot is left.
    Never,
    /// Disabled or quarantined.
    Stopped,
}

/// One schedule file, as the list shows it.
#[derive(Debug, Clone)]
pub struct Row {
    pub name: String,
    pub file: PathBuf,
    pub job: String,
    /// The job's kind (`sql`, `deciles`, `clv`, `chain`), or `?` for a job not found.
    pub kind: String,
    /// The frequency in words, as the inline editor reads it back.
    pub frequency: String,
    pub state: State,
    /// Failed runs in a row (counted since the last success or re-enable).
    pub failures: u32,
    pub quarantine_after: u32,
    pub next: Next,
    /// The latest run of the schedule (or a manual run of its job).
    pub last: Option<RunRecord>,
    pub params: Params,
}

/// Everything the tab shows, read at `read_at`.
#[derive(Debug, Clone)]
pub struct Overview {
    /// The workspace's `schedules/` folder.
    pub dir: PathBuf,
    pub rows: Vec<Row>,
    /// Schedule files that could not be read (file, line, reason); the others still show.
    pub errors: Vec<InvalidFile>,
    /// The workspace's job names (the empty state says which jobs a schedule can run).
    pub jobs: Vec<String>,
    /// Whose history `history` is.
    pub history_of: Option<String>,
    pub history: Vec<RunRecord>,
    pub read_at: DateTime<Utc>,
}

/// Reads the schedules of the workspace at `root` and the history of `history_of` (the
/// first schedule when it names none that exists).
pub fn read(
    conn: &Connection,
    root: &Path,
    history_of: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Overview, EngineError> {
    let defs = Definitions::load(root);
    let mut rows = Vec::with_capacity(defs.schedules.len());
    for s in &defs.schedules {
        let state = runlog::schedule_state(conn, s)?;
        let (run_state, next) = match s.due_at(now, &state) {
            Due::Run { .. } => (State::Enabled, Next::DueNow),
            Due::NotDue { next: Some(t) } => (State::Enabled, Next::At(t)),
            Due::NotDue { next: None } => (State::Enabled, Next::Never),
            Due::Disabled => (State::Disabled, Next::Stopped),
            Due::Quarantined { failures } => (State::Quarantined { failures }, Next::Stopped),
        };
        let last = runlog::schedule_history(conn, &s.name, &s.job, 1)?
            .into_iter()
            .next();
        rows.push(Row {
            name: s.name.clone(),
            file: s.file.clone(),
            job: s.job.clone(),
            kind: defs
                .registry
                .find(&s.job)
                .map_or("?", |j| j.kind.label())
                .to_string(),
            frequency: s.frequency.describe(),
            state: run_state,
            failures: state.consecutive_failures,
            quarantine_after: s.quarantine_after,
            next,
            last,
            params: s.parameters.clone(),
        });
    }
    let chosen = history_of
        .and_then(|n| rows.iter().find(|r| r.name == n))
        .or(rows.first());
    let (history_of, history) = match chosen {
        Some(r) => (
            Some(r.name.clone()),
            runlog::schedule_history(conn, &r.name, &r.job, HISTORY_ROWS)?,
        ),
        None => (None, Vec::new()),
    };
    Ok(Overview {
        dir: root.join(folders::SCHEDULES),
        rows,
        errors: defs.schedule_errors,
        jobs: defs.registry.jobs.iter().map(|j| j.name.clone()).collect(),
        history_of,
        history,
        read_at: now,
    })
}

/// The job the background scheduler runs now, as its events tell it: for the status
/// line and the list's "running" state. One place folds the events, for both.
#[derive(Debug, Clone, PartialEq)]
pub struct RunningJob {
    pub job: String,
    /// The schedule it runs for (`None`: run now).
    pub schedule: Option<String>,
    pub trigger: crate::scheduler::schedule::Trigger,
    pub started: std::time::Instant,
    /// DuckDB's estimate for the statement running now, 0..=100.
    pub percent: Option<f64>,
}

impl RunningJob {
    /// Folds a scheduler event into what runs now.
    pub fn apply(running: &mut Option<RunningJob>, ev: &crate::scheduler::background::Event) {
        use crate::scheduler::background::Event;
        match ev {
            Event::Started(run) => {
                *running = Some(RunningJob {
                    job: run.job.clone(),
                    schedule: run.schedule.clone(),
                    trigger: run.trigger,
                    started: std::time::Instant::now(),
                    percent: None,
                })
            }
            Event::Progress { job, percent } => {
                if let Some(r) = running.as_mut().filter(|r| &r.job == job) {
                    r.percent = *percent;
                }
            }
            Event::Finished(_) => *running = None,
            Event::Recovered(_) | Event::Problem(_) | Event::Idle => {}
        }
    }

    /// Whether this run belongs to `row`: a run of its schedule, or a run now of its job.
    pub fn is_for(&self, row: &Row) -> bool {
        match &self.schedule {
            Some(s) => *s == row.name,
            None => self.job == row.job,
        }
    }

    /// `loyalty_miles 12.3s 45%`.
    pub fn describe(&self) -> String {
        let pct = self
            .percent
            .map(|p| format!(" {p:.0}%"))
            .unwrap_or_default();
        format!(
            "{} {:.1}s{pct}",
            self.job,
            self.started.elapsed().as_secs_f64()
        )
    }
}
