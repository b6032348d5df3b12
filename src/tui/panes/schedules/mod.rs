//! The Schedules tab: the workspace's schedules (job, kind, frequency in words, next
//! run, last run and its status, enabled / disabled / quarantined), the run history of
//! the selected one from `clvdesk_meta.run_log` with errors readable in full, and the
//! actions: run now, enable / disable (re-enabling lifts a quarantine), edit the
//! frequency inline, cancel the running job.
//!
//! Reading the files and the run log happens on a worker ([`ScheduleRequest::Read`],
//! answered with a typed [`model::Overview`]); the list is read again when the tab is
//! shown and whenever the background scheduler reports a run starting or ending. Run
//! now and cancel go to the app's scheduler thread; file edits are atomic and keep the
//! file's comments ([`freq`], `scheduler::schedule_file::set_enabled`).

use std::any::Any;
use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui_textarea::{CursorMove, TextArea};

use super::{Ctx, DrawCtx, Pane, PaneInit};
use crate::engine::worker::RequestId;
use crate::scheduler::schedule_file;
use crate::tui::action::Action;
use crate::tui::effect::{Overlay, ScheduleRequest, ScheduleUpdate};
use crate::tui::keymap::{Context, Keymap};
use crate::workspace::WorkspaceKind;

mod draw;
pub mod freq;
pub mod model;
#[cfg(test)]
mod tests;

use model::{Overview, Row, RunningJob, State};

/// What the tab shows.
#[derive(Debug)]
pub enum View {
    /// The first read has not answered yet.
    Loading,
    Ready(Box<Overview>),
    /// The run log could not be read (the schedules are not shown without their state).
    Failed(String),
    /// A CSV/Parquet/JSON file opened as the workspace: it has no schedules folder.
    NoFolder,
}

/// Which table the arrow keys move in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    List,
    History,
}

/// The inline frequency editor of one schedule.
pub struct FrequencyEditor {
    pub schedule: String,
    pub file: PathBuf,
    pub input: TextArea<'static>,
    /// Why the last save was refused.
    pub error: Option<String>,
}

pub struct SchedulesPane {
    pub view: View,
    pub focus: Focus,
    /// The selected schedule, by name (kept across reads).
    pub selected: Option<String>,
    /// The selected run of the history (index, newest first).
    pub run_selected: usize,
    /// What the background scheduler runs now.
    pub running: Option<RunningJob>,
    pub editor: Option<FrequencyEditor>,
    read: Option<RequestId>,
    read_again: bool,
    shown: bool,
}

impl SchedulesPane {
    pub fn new(init: &PaneInit) -> Self {
        let mut p = SchedulesPane::empty();
        if matches!(init.workspace.kind(), WorkspaceKind::DataFile { .. }) {
            p.view = View::NoFolder;
        }
        p
    }

    /// A pane before its first read (tests).
    pub fn empty() -> Self {
        SchedulesPane {
            view: View::Loading,
            focus: Focus::List,
            selected: None,
            run_selected: 0,
            running: None,
            editor: None,
            read: None,
            read_again: false,
            shown: false,
        }
    }

    pub fn overview(&self) -> Option<&Overview> {
        match &self.view {
            View::Ready(o) => Some(o),
            _ => None,
        }
    }

    /// The selected schedule's index in the list.
    pub fn selected_index(&self) -> Option<usize> {
        let o = self.overview()?;
        if o.rows.is_empty() {
            return None;
        }
        Some(
            self.selected
                .as_ref()
                .and_then(|n| o.rows.iter().position(|r| &r.name == n))
                .unwrap_or(0),
        )
    }

    pub fn selected_row(&self) -> Option<&Row> {
        let i = self.selected_index()?;
        self.overview()?.rows.get(i)
    }

    /// Reads the schedules and the selected one's history on a worker (once at a time:
    /// a read asked for while one runs follows it).
    pub fn read(&mut self, ctx: &mut Ctx) {
        if matches!(self.view, View::NoFolder) {
            return;
        }
        if self.read.is_some() {
            self.read_again = true;
            return;
        }
        let id = ctx.new_id();
        ctx.schedule(ScheduleRequest::Read {
            id,
            history_of: self.selected.clone(),
        });
        self.read = Some(id);
    }

    fn on_read(&mut self, id: RequestId, result: Result<Box<Overview>, String>, ctx: &mut Ctx) {
        if self.read != Some(id) {
            return;
        }
        self.read = None;
        match result {
            Ok(o) => {
                let history_changed = self
                    .overview()
                    .is_none_or(|old| old.history_of != o.history_of);
                if self.selected.is_none()
                    || !o
                        .rows
                        .iter()
                        .any(|r| Some(&r.name) == self.selected.as_ref())
                {
                    self.selected = o.rows.first().map(|r| r.name.clone());
                }
                if history_changed {
                    self.run_selected = 0;
                }
                self.run_selected = self.run_selected.min(o.history.len().saturating_sub(1));
                self.view = View::Ready(o);
            }
            // The last good list stays; the problem goes to the status line.
            Err(e) if self.overview().is_some() => {
                ctx.error(format!("Schedules not refreshed: {e}"))
            }
            Err(e) => self.view = View::Failed(e),
        }
        if std::mem::take(&mut self.read_again) {
            self.read(ctx);
        }
    }

    fn move_selection(&mut self, delta: i64, ctx: &mut Ctx) {
        let Some(o) = self.overview() else { return };
        match self.focus {
            Focus::List => {
                let n = o.rows.len();
                let Some(i) = self.selected_index() else {
                    return;
                };
                let to = step(i, delta, n);
                if to != i {
                    self.selected = o.rows.get(to).map(|r| r.name.clone());
                    self.run_selected = 0;
                    self.read(ctx);
                }
            }
            Focus::History => {
                self.run_selected = step(self.run_selected, delta, o.history.len());
            }
        }
    }

    fn run_now(&mut self, ctx: &mut Ctx) {
        let Some(row) = self.selected_row() else {
            ctx.info("No schedule to run: the list is empty.");
            return;
        };
        let (job, params) = (row.job.clone(), row.params.clone());
        let after = match &self.running {
            Some(r) => format!(" after {} (running now)", r.job),
            None => String::new(),
        };
        ctx.info(format!(
            "Run now: {job}{after}; it is recorded in the history as a manual run."
        ));
        ctx.schedule(ScheduleRequest::RunNow { job, params });
    }

    /// Enables or disables the selected schedule; enabling (or re-enabling a quarantined
    /// one) lifts its quarantine.
    fn toggle(&mut self, ctx: &mut Ctx) {
        let Some(row) = self.selected_row() else {
            return;
        };
        let (name, file, state, failures) =
            (row.name.clone(), row.file.clone(), row.state, row.failures);
        let shown = file.display().to_string();
        match state {
            State::Quarantined { .. } => {
                ctx.info(format!(
                    "{name} re-enabled: its {failures} failures in a row no longer count."
                ));
                ctx.schedule(ScheduleRequest::Changed {
                    reenabled: Some(name),
                });
            }
            State::Enabled | State::Disabled => {
                let enable = state == State::Disabled;
                if let Err(e) = schedule_file::set_enabled(&file, enable) {
                    ctx.error(format!("Not saved: {e}"));
                    return;
                }
                ctx.info(format!(
                    "{name} {} ({shown} saved).",
                    if enable { "enabled" } else { "disabled" }
                ));
                ctx.schedule(ScheduleRequest::Changed {
                    reenabled: enable.then_some(name),
                });
            }
        }
        self.read(ctx);
    }

    fn start_edit(&mut self, ctx: &mut Ctx) {
        let Some(row) = self.selected_row() else {
            ctx.info("No schedule to edit: the list is empty.");
            return;
        };
        let mut input = TextArea::new(vec![row.frequency.clone()]);
        input.move_cursor(CursorMove::End);
        self.editor = Some(FrequencyEditor {
            schedule: row.name.clone(),
            file: row.file.clone(),
            input,
            error: None,
        });
        ctx.clear_notice();
    }

    fn save_edit(&mut self, ctx: &mut Ctx) {
        let Some(ed) = &mut self.editor else { return };
        let words = ed.input.lines().join(" ");
        match freq::save(&ed.file, &words) {
            Ok(described) => {
                ctx.info(format!(
                    "{} now runs {described} ({} saved).",
                    ed.schedule,
                    ed.file.display()
                ));
                self.editor = None;
                ctx.schedule(ScheduleRequest::Changed { reenabled: None });
                self.read(ctx);
            }
            Err(e) => {
                ctx.error(e.clone());
                ed.error = Some(e);
            }
        }
    }

    fn cancel_running(&mut self, ctx: &mut Ctx) -> bool {
        let Some(r) = &self.running else {
            return false;
        };
        ctx.info(format!("Cancelling {}…", r.job));
        ctx.schedule(ScheduleRequest::CancelRunning);
        true
    }

    /// The selected run, in full, in a viewer.
    fn show_run(&mut self, ctx: &mut Ctx) {
        let Some(o) = self.overview() else { return };
        let Some(r) = o.history.get(self.run_selected) else {
            ctx.info("No run to show: this schedule has not run yet.");
            return;
        };
        ctx.open(Overlay::viewer(
            format!("Run {} of {}", r.id, r.job),
            draw::run_details(r),
        ));
    }
}

/// `i` moved by `delta` within `0..n`.
fn step(i: usize, delta: i64, n: usize) -> usize {
    let last = n.saturating_sub(1) as i64;
    (i as i64 + delta).clamp(0, last.max(0)) as usize
}

impl Pane for SchedulesPane {
    fn title(&self) -> &str {
        "Schedules"
    }

    fn contexts(&self) -> Vec<Context> {
        if self.editor.is_some() {
            vec![Context::Popup]
        } else {
            vec![Context::Schedules]
        }
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        if self.editor.is_some() {
            match action {
                Action::Close => {
                    self.editor = None;
                    ctx.info("Frequency not changed.");
                }
                Action::Select => self.save_edit(ctx),
                Action::Up | Action::Down | Action::PageUp | Action::PageDown => {}
                _ => return false,
            }
            return true;
        }
        match action {
            Action::Up => self.move_selection(-1, ctx),
            Action::Down => self.move_selection(1, ctx),
            Action::PageUp => self.move_selection(-10, ctx),
            Action::PageDown => self.move_selection(10, ctx),
            Action::Top => self.move_selection(i64::MIN / 2, ctx),
            Action::Bottom => self.move_selection(i64::MAX / 2, ctx),
            Action::FocusNext => {
                self.focus = match self.focus {
                    Focus::List => Focus::History,
                    Focus::History => Focus::List,
                }
            }
            Action::Select => match self.focus {
                Focus::List => self.focus = Focus::History,
                Focus::History => self.show_run(ctx),
            },
            Action::RunJob => self.run_now(ctx),
            Action::ToggleSchedule => self.toggle(ctx),
            Action::EditJob => self.start_edit(ctx),
            Action::Cancel => return self.cancel_running(ctx),
            Action::Refresh => self.read(ctx),
            _ => return false,
        }
        true
    }

    fn on_key(&mut self, key: KeyEvent, _ctx: &mut Ctx) -> bool {
        let Some(ed) = &mut self.editor else {
            return false;
        };
        if key.code != KeyCode::Enter {
            ed.input.input(key);
        }
        true
    }

    fn on_paste(&mut self, text: &str, _ctx: &mut Ctx) {
        if let Some(ed) = &mut self.editor {
            ed.input.insert_str(text.replace(['\n', '\r'], " "));
        }
    }

    fn on_show(&mut self, ctx: &mut Ctx) {
        self.shown = true;
        self.read(ctx);
    }

    fn on_schedule(&mut self, update: ScheduleUpdate, ctx: &mut Ctx) {
        match update {
            ScheduleUpdate::Event(ev) => {
                use crate::scheduler::background::Event;
                RunningJob::apply(&mut self.running, ev);
                let changes = matches!(
                    ev,
                    Event::Started(_) | Event::Finished(_) | Event::Recovered(_)
                );
                if changes && self.shown {
                    self.read(ctx);
                }
            }
            ScheduleUpdate::Read { id, result } => self.on_read(id, result, ctx),
        }
    }

    fn hints(&self, keymap: &Keymap) -> Vec<(String, &'static str)> {
        if self.editor.is_some() {
            return keymap.hints(&[
                (Context::Popup, Action::Select),
                (Context::Popup, Action::Close),
            ]);
        }
        let c = Context::Schedules;
        keymap.hints(&[
            (c, Action::RunJob),
            (c, Action::ToggleSchedule),
            (c, Action::EditJob),
            (c, Action::Cancel),
            (c, Action::FocusNext),
            (c, Action::Select),
            (Context::Global, Action::Help),
        ])
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, ctx: &DrawCtx) {
        draw::draw(self, f, area, ctx.theme);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
