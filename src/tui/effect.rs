//! Messages in, effects out: the vocabulary of the Elm-style loop.

use std::any::Any;
use std::fmt;
use std::path::PathBuf;
use std::time::Instant;

use ratatui_textarea::TextArea;

use crate::engine::worker::{QueryEvent, RequestId};

/// Everything the main loop receives, from the input thread, the workers and
/// the ticker, on one channel.
pub enum Msg {
    /// A terminal event (key, mouse, resize, paste).
    Input(crossterm::event::Event),
    /// A query worker's event.
    Query(QueryEvent),
    /// DuckDB progress of a task.
    TaskProgress { id: RequestId, percent: f64 },
    /// A task finished.
    Task { id: RequestId, result: TaskResult },
    /// A signal from outside (hang-up, terminate, stop, continue), routed
    /// through the loop so quitting saves and restores as usual.
    Signal(crate::tui::signals::Signal),
    /// The background scheduler's event (a run started or finished, a problem).
    Schedule(crate::scheduler::background::Event),
    /// The schedules and run history read for the Schedules tab ([`ScheduleRequest::Read`]).
    SchedulesRead {
        id: RequestId,
        result: Result<Box<crate::tui::panes::schedules::model::Overview>, String>,
    },
    /// Redraw (elapsed times) while something runs.
    Tick,
}

impl fmt::Debug for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Msg::Input(e) => write!(f, "Input({e:?})"),
            Msg::Query(e) => write!(f, "Query({e:?})"),
            Msg::TaskProgress { id, percent } => write!(f, "TaskProgress({id}, {percent})"),
            Msg::Task { id, result } => write!(f, "Task({id}, {result:?})"),
            Msg::Signal(s) => write!(f, "Signal({})", s.name()),
            Msg::Schedule(e) => write!(f, "Schedule({e:?})"),
            Msg::SchedulesRead { id, result } => {
                write!(f, "SchedulesRead({id}, ok={})", result.is_ok())
            }
            Msg::Tick => f.write_str("Tick"),
        }
    }
}

/// Work run by [`Effect::Task`] on its own connection.
pub type Job =
    Box<dyn FnOnce(&duckdb::Connection) -> Result<Box<dyn Any + Send>, String> + Send + 'static>;

/// How a task ended. `Done` carries the job's value; the pane downcasts it.
pub enum TaskResult {
    Done(Box<dyn Any + Send>),
    Failed(String),
    Cancelled,
}

impl fmt::Debug for TaskResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskResult::Done(_) => f.write_str("Done(..)"),
            TaskResult::Failed(m) => write!(f, "Failed({m})"),
            TaskResult::Cancelled => f.write_str("Cancelled"),
        }
    }
}

/// What `update` asks the runtime to do. Handlers never do I/O themselves.
pub enum Effect {
    /// Run SQL (`engine::worker::spawn_query`).
    Query {
        owner: usize,
        id: RequestId,
        sql: String,
        label: String,
        first_page_rows: usize,
    },
    /// Fetch a page (`engine::worker::spawn_page`).
    Page {
        owner: usize,
        id: RequestId,
        source: String,
        offset: u64,
        limit: usize,
    },
    /// Run a closure on a cloned connection.
    Task {
        owner: usize,
        id: RequestId,
        label: String,
        job: Job,
    },
    /// Interrupt a running request through DuckDB.
    Cancel(RequestId),
    /// Open `sql` in a new buffer of the SQL tab and switch to it; `run` runs it.
    OpenSql {
        sql: String,
        run: bool,
    },
    /// Put text on the clipboard (OSC 52 in a terminal).
    Copy(String),
    Quit,
    /// Give the terminal back and stop the process (Ctrl+Z, SIGTSTP).
    Suspend,
    /// Paint the whole screen again (after the process was stopped and continued).
    Repaint,
    /// Ask the background scheduler for something, or read what the Schedules tab shows.
    Schedule {
        owner: usize,
        request: ScheduleRequest,
    },
}

/// What reaches a pane from the background scheduler ([`Msg::Schedule`]) or from a
/// [`ScheduleRequest::Read`] it asked for ([`Msg::SchedulesRead`]).
pub enum ScheduleUpdate<'a> {
    Event(&'a crate::scheduler::background::Event),
    Read {
        id: RequestId,
        result: Result<Box<crate::tui::panes::schedules::model::Overview>, String>,
    },
}

/// What the Schedules tab asks of the app's background scheduler.
#[derive(Debug, Clone, PartialEq)]
pub enum ScheduleRequest {
    /// Read the schedule files, their state and the run history of `history_of` (a
    /// schedule name; the first schedule when `None`) on a worker; the answer comes back
    /// as [`Msg::SchedulesRead`] with `id`.
    Read {
        id: RequestId,
        history_of: Option<String>,
    },
    /// Run `job` now, recorded as a manual run.
    RunNow {
        job: String,
        params: crate::scheduler::schedule::Params,
    },
    /// Cancel the job the scheduler runs now.
    CancelRunning,
    /// A schedule file was saved: look at the schedules again. `reenabled` names a
    /// schedule whose quarantine is lifted (failures before now stop counting).
    Changed { reenabled: Option<String> },
}

impl fmt::Debug for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Effect::Query { id, sql, .. } => write!(f, "Query({id}, {sql:?})"),
            Effect::Page {
                id, offset, limit, ..
            } => write!(f, "Page({id}, {offset}+{limit})"),
            Effect::Task { id, label, .. } => write!(f, "Task({id}, {label})"),
            Effect::Cancel(id) => write!(f, "Cancel({id})"),
            Effect::OpenSql { sql, run } => write!(f, "OpenSql({sql:?}, run={run})"),
            Effect::Copy(s) => write!(f, "Copy({} chars)", s.len()),
            Effect::Quit => f.write_str("Quit"),
            Effect::Suspend => f.write_str("Suspend"),
            Effect::Repaint => f.write_str("Repaint"),
            Effect::Schedule { request, .. } => write!(f, "Schedule({request:?})"),
        }
    }
}

/// A running request, for the status line and cancellation.
#[derive(Debug, Clone)]
pub struct JobInfo {
    pub owner: usize,
    pub label: String,
    pub started: Instant,
    pub progress: Option<f64>,
}

/// A one-line message in the status bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
}

impl Notice {
    pub fn info(text: impl Into<String>) -> Self {
        Notice {
            text: text.into(),
            error: false,
        }
    }
    pub fn error(text: impl Into<String>) -> Self {
        Notice {
            text: text.into(),
            error: true,
        }
    }
}

/// An item of a picker list.
#[derive(Debug, Clone)]
pub struct PickItem {
    pub label: String,
    pub detail: String,
    /// What the answer carries (SQL text, a path...).
    pub value: String,
}

/// A modal layer over the panes. `token` tells the pane which question an
/// answer belongs to.
pub enum Overlay {
    Help {
        scroll: u16,
    },
    Confirm {
        token: u32,
        title: String,
        message: String,
    },
    Prompt {
        token: u32,
        title: String,
        hint: String,
        input: TextArea<'static>,
    },
    Picker {
        token: u32,
        title: String,
        items: Vec<PickItem>,
        filter: TextArea<'static>,
        selected: usize,
    },
    Viewer {
        title: String,
        text: String,
        scroll: u16,
    },
}

impl Overlay {
    pub fn confirm(token: u32, title: impl Into<String>, message: impl Into<String>) -> Self {
        Overlay::Confirm {
            token,
            title: title.into(),
            message: message.into(),
        }
    }

    pub fn prompt(
        token: u32,
        title: impl Into<String>,
        hint: impl Into<String>,
        initial: &str,
    ) -> Self {
        let mut input = TextArea::new(vec![initial.to_string()]);
        input.move_cursor(ratatui_textarea::CursorMove::End);
        Overlay::Prompt {
            token,
            title: title.into(),
            hint: hint.into(),
            input,
        }
    }

    pub fn picker(token: u32, title: impl Into<String>, items: Vec<PickItem>) -> Self {
        Overlay::Picker {
            token,
            title: title.into(),
            items,
            filter: TextArea::default(),
            selected: 0,
        }
    }

    pub fn viewer(title: impl Into<String>, text: impl Into<String>) -> Self {
        Overlay::Viewer {
            title: title.into(),
            text: text.into(),
            scroll: 0,
        }
    }
}

/// The answer to an overlay, delivered to the pane that opened it.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Yes(u32),
    No(u32),
    Text(u32, String),
    Picked(u32, String),
}

/// Paths the user typed resolve against the workspace; kept here so tests can share it.
pub fn with_extension(path: PathBuf, ext: &str) -> PathBuf {
    if path.extension().is_some() {
        path
    } else {
        path.with_extension(ext)
    }
}
