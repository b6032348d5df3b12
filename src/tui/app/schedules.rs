//! The app's background scheduler: started with the app on a clone of the workspace
//! connection, it runs due schedules while the analyst works (the same runner as
//! `clvdesk --run-schedule`, so both agree on what is due and record runs alike), and
//! its typed events become notices in the status line.

use std::time::Duration;

use crate::scheduler::background::{self, Event, Handle};
use crate::scheduler::runner::run_line;
use crate::tui::effect::{Msg, Notice};
use crate::workspace::{Workspace, WorkspaceKind};

/// Starts the scheduler for a workspace folder or a `.duckdb` file opened directly
/// (definitions live beside it); a CSV/Parquet/JSON file opened as a workspace has
/// no schedules. `poll` is `[refresh] scheduler_seconds` of config.toml.
pub fn start(
    workspace: &Workspace,
    poll: Duration,
    tx: std::sync::mpsc::Sender<Msg>,
) -> Result<Option<Handle>, String> {
    if matches!(workspace.kind(), WorkspaceKind::DataFile { .. }) {
        return Ok(None);
    }
    let conn = workspace
        .db()
        .clone_conn()
        .map_err(|e| format!("the background scheduler did not start: {e}"))?;
    let root = workspace.root().to_path_buf();
    Ok(Some(background::spawn(conn, root, poll, move |ev| {
        let _ = tx.send(Msg::Schedule(ev));
    })))
}

/// What the status line says about a scheduler event (`None`: nothing worth saying).
pub fn notice(ev: &Event) -> Option<Notice> {
    match ev {
        Event::Recovered(n) => Some(Notice::info(format!(
            "scheduler: {n} run(s) left running by an earlier process marked interrupted"
        ))),
        Event::Started(run) => Some(Notice::info(match &run.schedule {
            Some(s) => format!("scheduler: running {} (schedule {s})…", run.job),
            None => format!("scheduler: running {}…", run.job),
        })),
        Event::Finished(report) => {
            let line = format!("scheduler: {}", run_line(report));
            Some(if report.result.is_ok() {
                Notice::info(line)
            } else {
                Notice::error(line)
            })
        }
        Event::Problem(p) => Some(Notice::error(format!("scheduler: {p}"))),
        Event::Idle => None,
    }
}
