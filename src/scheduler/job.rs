//! The typed job model: every kind of job the workspace can run, its typed outcome and
//! its typed error. The one place a new job kind is added.
//!
//! Kinds:
//! - a saved SQL job (`jobs/<name>.toml`, `kind = "sql"`): replace a table, append to a
//!   table, or run as written; `$NAME` parameters bound by DuckDB ([`super::sql_job`]);
//! - a decile job (`deciles/<name>.toml`, run by [`super::jobs::run_decile_job`]);
//! - a CLV refit (`jobs/<name>.toml`, `kind = "clv"`, run by `pipeline::clv`);
//! - a chain (`jobs/<name>.toml`, `kind = "chain"`): other jobs in order, stopping at the
//!   first that does not succeed.
//!
//! - a segment refresh (`jobs/<name>.toml`, `kind = "segment_refresh"`) and an audience
//!   export (`kind = "audience_export"`), run by `segments::membership` / `segments::activation`.
//!
//! Cancellation never looks at error text: a [`Cancel`] sets its own flag before it
//! interrupts DuckDB, and a job that fails after its flag was set was cancelled.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use duckdb::{Connection, InterruptHandle};

use super::definition::InvalidFile;
use super::schedule::Params;
use super::sql_job::SqlJob;
use crate::analytics::deciles::DecileJob;
use crate::pipeline::clv::ClvSpec;

/// A job of the workspace.
#[derive(Debug, Clone)]
pub struct Job {
    /// Unique across kinds (the file stem).
    pub name: String,
    /// The definition file.
    pub file: PathBuf,
    pub description: Option<String>,
    pub kind: JobKind,
    /// Defaults for `$NAME` parameters; a schedule's or the caller's parameters win.
    pub parameters: Params,
}

/// What a job does.
#[derive(Debug, Clone)]
pub enum JobKind {
    Sql(SqlJob),
    Deciles(Box<DecileJob>),
    Clv(Box<ClvSpec>),
    /// Job names, run in order.
    Chain(Vec<String>),
    /// Refreshes a segment's membership (`segments::membership`).
    SegmentRefresh(String),
    /// Exports an audience to a destination (`segments::activation`); `full` overrides the
    /// destination's mode.
    AudienceExport {
        audience: String,
        destination: String,
        full: Option<bool>,
    },
}

impl JobKind {
    /// The kind's name, as stored in the run log.
    pub fn label(&self) -> &'static str {
        match self {
            JobKind::Sql(_) => "sql",
            JobKind::Deciles(_) => "deciles",
            JobKind::Clv(_) => "clv",
            JobKind::Chain(_) => "chain",
            JobKind::SegmentRefresh(_) => "segment_refresh",
            JobKind::AudienceExport { .. } => "audience_export",
        }
    }
}

/// What a successful run did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobOutcome {
    /// Rows written (inserted, or in the replaced tables).
    pub rows: u64,
    /// Tables written, in order.
    pub tables: Vec<String>,
    /// One line for run lines, notifications and the run log.
    pub summary: String,
}

/// Why a run did not succeed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JobError {
    /// Stopped on request (or by Ctrl+C); nothing was written.
    #[error("cancelled")]
    Cancelled,
    /// The definition cannot run as written (found before any data was touched).
    #[error(transparent)]
    Invalid(#[from] InvalidFile),
    /// The job ran and failed; its transaction was rolled back.
    #[error("job `{job}` failed: {reason}")]
    Failed { job: String, reason: String },
}

impl JobError {
    pub fn failed(job: &str, reason: impl std::fmt::Display) -> Self {
        JobError::Failed {
            job: job.to_string(),
            reason: reason.to_string(),
        }
    }
}

/// Cancels a running job: sets the flag, then interrupts the connection's query. Clones
/// share the flag.
#[derive(Clone)]
pub struct Cancel {
    flag: Arc<AtomicBool>,
    handle: Arc<InterruptHandle>,
    /// A process-wide interrupt (Ctrl+C of the headless runner), checked as well.
    process: Option<fn() -> bool>,
}

impl std::fmt::Debug for Cancel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cancel")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

impl Cancel {
    /// A token for jobs running on `conn`.
    pub fn new(conn: &Connection) -> Self {
        Cancel {
            flag: Arc::new(AtomicBool::new(false)),
            handle: conn.interrupt_handle(),
            process: None,
        }
    }

    /// Also counts as cancelled when `interrupted()` says the process was interrupted
    /// (the headless runner's Ctrl+C handler interrupts DuckDB itself).
    pub fn with_process_interrupt(mut self, interrupted: fn() -> bool) -> Self {
        self.process = Some(interrupted);
        self
    }

    /// Stops the running job.
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::SeqCst);
        self.handle.interrupt();
    }

    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::SeqCst) || self.is_process_interrupt()
    }

    /// Whether the process itself was interrupted (not one job cancelled).
    pub fn is_process_interrupt(&self) -> bool {
        self.process.is_some_and(|f| f())
    }

    /// Clears a job-level cancel so the next job can run.
    pub fn reset(&self) {
        self.flag.store(false, Ordering::SeqCst);
    }

    /// The error for a failure of `job`: [`JobError::Cancelled`] when the token was set.
    pub fn classify(&self, job: &str, reason: impl std::fmt::Display) -> JobError {
        if self.is_cancelled() {
            JobError::Cancelled
        } else {
            JobError::failed(job, reason)
        }
    }
}

/// Everything a job needs to run.
pub struct JobContext<'a> {
    pub conn: &'a Connection,
    /// The workspace folder (definition files are read relative to it).
    pub root: &'a Path,
    /// Parameters of this run (the job's defaults already merged under them).
    pub params: &'a Params,
    pub cancel: &'a Cancel,
}

/// Job parameters: the job's defaults, overridden by the run's.
pub fn merge_params(defaults: &Params, run: &Params) -> Params {
    let mut out = defaults.clone();
    out.extend(run.iter().map(|(k, v)| (k.clone(), v.clone())));
    out
}
