//! Exit codes of the CLI contract and the Ctrl+C handling that produces 130.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use duckdb::InterruptHandle;

use crate::engine::EngineError;
use crate::pipeline::clv::ClvJobError;
use crate::workspace::WorkspaceError;

pub const OK: u8 = 0;
pub const FAILED: u8 = 1;
pub const USAGE: u8 = 2;
pub const LOCKED: u8 = 3;
pub const INTERRUPTED: u8 = 130;

/// Errors that carry their own exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad flags, bad configuration, missing input files: exit 2.
    #[error("{0}")]
    Usage(String),
    /// A query or job failed: exit 1.
    #[error("{0}")]
    Failed(String),
}

static INTERRUPTED_FLAG: AtomicBool = AtomicBool::new(false);
static CURRENT: Mutex<Option<Arc<InterruptHandle>>> = Mutex::new(None);

/// Installs the Ctrl+C (and SIGTERM, SIGHUP) handler once: it interrupts the
/// registered DuckDB connection (the command then unwinds and removes its
/// temp files), or, when nothing is running, removes the temp files of
/// writes in progress and exits with 130.
pub fn install_interrupt_handler() {
    let _ = ctrlc::set_handler(|| {
        INTERRUPTED_FLAG.store(true, Ordering::SeqCst);
        let handle = CURRENT.lock().ok().and_then(|g| g.clone());
        match handle {
            Some(h) => h.interrupt(),
            None => {
                crate::atomic::remove_pending();
                std::process::exit(i32::from(INTERRUPTED))
            }
        }
    });
}

/// Routes Ctrl+C to this connection's running query.
pub fn interrupt_on_ctrl_c(conn: &duckdb::Connection) {
    if let Ok(mut g) = CURRENT.lock() {
        *g = Some(conn.interrupt_handle());
    }
}

pub fn was_interrupted() -> bool {
    INTERRUPTED_FLAG.load(Ordering::SeqCst)
}

/// The exit code for an error that reached `main`.
pub fn code_for(err: &anyhow::Error) -> u8 {
    if was_interrupted() {
        return INTERRUPTED;
    }
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<CliError>() {
            return match e {
                CliError::Usage(_) => USAGE,
                CliError::Failed(_) => FAILED,
            };
        }
        if let Some(e) = cause.downcast_ref::<EngineError>() {
            return engine_code(e);
        }
        if let Some(e) = cause.downcast_ref::<ClvJobError>() {
            return match e {
                ClvJobError::Usage(_) => USAGE,
                // A model that cannot be fitted, a numeric failure, nothing to fit, an output
                // table that is not ours: the job failed.
                ClvJobError::NoData(_) | ClvJobError::Fit(_) | ClvJobError::ForeignTable { .. } => {
                    FAILED
                }
                ClvJobError::Engine(e) => engine_code(e),
            };
        }
        if cause.downcast_ref::<crate::sample::SampleError>().is_some() {
            // Bad parameters or an unwritable output folder: configuration.
            return USAGE;
        }
        if let Some(e) = cause.downcast_ref::<WorkspaceError>() {
            return match e {
                WorkspaceError::Engine(e) => engine_code(e),
                WorkspaceError::Seed(_) => FAILED,
                _ => USAGE,
            };
        }
    }
    FAILED
}

fn engine_code(e: &EngineError) -> u8 {
    match e {
        EngineError::Locked { .. } => LOCKED,
        EngineError::Cancelled => INTERRUPTED,
        EngineError::Invalid(_) | EngineError::Io { .. } => USAGE,
        EngineError::Sql(_) => FAILED,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_the_contract() {
        let locked = anyhow::Error::from(EngineError::Locked {
            path: "w".into(),
            holder: "x (PID 1)".into(),
        });
        assert_eq!(code_for(&locked), LOCKED);
        let sql = anyhow::Error::from(EngineError::Sql("Parser Error".into()));
        assert_eq!(code_for(&sql), FAILED);
        let usage = anyhow::Error::from(CliError::Usage("bad".into())).context("while running");
        assert_eq!(code_for(&usage), USAGE);
        let ws = anyhow::Error::from(WorkspaceError::Engine(EngineError::Locked {
            path: "w".into(),
            holder: "h".into(),
        }));
        assert_eq!(code_for(&ws), LOCKED);
    }

    /// A fit that fails (a model, or ₂F₁ after the fits) is a failed job, not a usage error.
    #[test]
    fn clv_fit_failures_are_failed_jobs() {
        use crate::analytics::clv::{BgNbdError, Hyp2f1Error};
        use crate::pipeline::clv::{FitFailure, NumericFailure, NumericStage};
        let numeric = ClvJobError::Fit(FitFailure::Numeric(NumericFailure {
            stage: NumericStage::Holdout,
            error: Hyp2f1Error::Domain(1.0),
        }));
        assert_eq!(code_for(&anyhow::Error::from(numeric)), FAILED);
        let bg = ClvJobError::Fit(FitFailure::BgNbd(BgNbdError::NoRepeatPurchases));
        assert_eq!(code_for(&anyhow::Error::from(bg)), FAILED);
        let usage = ClvJobError::Usage("no column `x`".into());
        assert_eq!(code_for(&anyhow::Error::from(usage)), USAGE);
    }
}
