//! The app's background scheduler: started with the app on a clone of the workspace
//! connection, it runs due schedules while the analyst works (the same runner as
//! `clvdesk --run-schedule`, so both agree on what is due and record runs alike), and
//! its typed events become notices in the status line, the running job's progress in
//! the status line, and updates of the Schedules tab (which asks it to run a job now,
//! cancel the running one, or read the schedules on a worker).

use std::time::Duration;

use crate::engine::worker::{self, RequestId};
use crate::scheduler::background::{self, Event, Handle};
use crate::scheduler::runlog;
use crate::scheduler::runner::run_line;
use crate::tui::effect::{Msg, Notice, ScheduleRequest, ScheduleUpdate};
use crate::tui::panes::schedules::model::{self, RunningJob};
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
        Event::Progress { .. } | Event::Idle => None,
    }
}

/// The Schedules tab's requests, events routed to the panes, and the running job in the
/// status line.
impl super::App {
    /// Runs a [`ScheduleRequest`] of pane `owner`.
    pub(super) fn schedule_effect(&mut self, owner: usize, request: ScheduleRequest) {
        match request {
            ScheduleRequest::Read { id, history_of } => self.read_schedules(owner, id, history_of),
            ScheduleRequest::RunNow { job, params } => match &self.scheduler {
                Some(s) => s.run_now(&job, params),
                None => self.notice = Some(Notice::error(NO_SCHEDULER)),
            },
            ScheduleRequest::CancelRunning => match &self.scheduler {
                Some(s) => s.cancel_running(),
                None => self.notice = Some(Notice::error(NO_SCHEDULER)),
            },
            ScheduleRequest::Changed { reenabled } => {
                // One small insert on the app's connection: cheap and bounded.
                if let Some(name) = reenabled
                    && let Err(e) = runlog::reenable(self.workspace.db().conn(), &name)
                {
                    self.notice = Some(Notice::error(format!(
                        "{name}: its quarantine could not be lifted: {e}"
                    )));
                }
                if let Some(s) = &self.scheduler {
                    s.wake();
                }
            }
        }
    }

    /// Reads what the Schedules tab shows on a worker connection; the answer arrives as
    /// [`Msg::SchedulesRead`].
    fn read_schedules(&mut self, owner: usize, id: RequestId, history_of: Option<String>) {
        self.register(owner, id, "reading schedules".into());
        let conn = match self.workspace.db().clone_conn() {
            Ok(c) => c,
            Err(e) => {
                let _ = self.tx.send(Msg::SchedulesRead {
                    id,
                    result: Err(e.to_string()),
                });
                return;
            }
        };
        let root = self.workspace.root().to_path_buf();
        let (tx, panic_tx) = (self.tx.clone(), self.tx.clone());
        let handle = worker::spawn_job(
            conn,
            id,
            |_| {},
            move |conn, _| {
                let result = model::read(conn, &root, history_of.as_deref(), chrono::Utc::now())
                    .map(Box::new)
                    .map_err(|e| e.to_string());
                let _ = tx.send(Msg::SchedulesRead { id, result });
            },
            move |message| {
                let _ = panic_tx.send(Msg::SchedulesRead {
                    id,
                    result: Err(message),
                });
            },
        );
        self.cancellers.insert(id, handle);
    }

    /// A scheduler event: the status line's running job, a notice, and every pane told.
    pub(super) fn on_schedule_event(&mut self, ev: Event) {
        RunningJob::apply(&mut self.background, &ev);
        if let Some(n) = notice(&ev) {
            self.notice = Some(n);
        }
        for i in 0..self.panes.len() {
            self.with_pane(i, |p, ctx| p.on_schedule(ScheduleUpdate::Event(&ev), ctx));
        }
    }

    /// The answer to a [`ScheduleRequest::Read`], for the pane that asked.
    pub(super) fn on_schedules_read(
        &mut self,
        id: RequestId,
        result: Result<Box<model::Overview>, String>,
    ) {
        self.finish_job(id);
        if let Some(owner) = self.owners.remove(&id) {
            self.with_pane(owner, |p, ctx| {
                p.on_schedule(ScheduleUpdate::Read { id, result }, ctx)
            });
        }
    }

    /// What the status line says about the job the scheduler runs now.
    pub(super) fn background_status(&self) -> Option<String> {
        self.background.as_ref().map(|r| {
            let what = match (&r.schedule, r.trigger) {
                (Some(s), _) => format!("schedule {s}"),
                (None, t) => t.as_str().to_string(),
            };
            format!("⏵ {} ({what})", r.describe())
        })
    }
}

const NO_SCHEDULER: &str =
    "No background scheduler runs for this workspace (a data file has no schedules).";
