//! Panes: one per tab. A pane owns its state, turns actions and worker
//! results into new state plus [`Effect`]s (never doing I/O itself), and
//! draws itself.
//!
//! ## Adding a pane
//! 1. Write `panes/NAME.rs` with a type implementing [`Pane`].
//! 2. Add it to [`registry`] (the one registration place).
//! 3. Add a `keymap::Context` for it and its default keys in
//!    `keymap::DEFAULTS` (and new `Action`s in `action.rs` if needed); where an
//!    action means something of its own in the pane, describe it in
//!    `action::IN_CONTEXT` (F1 and the status line read it from there).
//! 4. Draw tables with `widgets::table::FitTable` (numbers shorten, never cut),
//!    and start `draw` with [`has_room`] naming the size the pane needs.
//!
//! Background work goes through [`Ctx`]: `ctx.query(..)` runs SQL on a worker
//! (results come back in [`Pane::on_query`]), `ctx.task(..)` runs any closure
//! on a cloned connection (results come back in [`Pane::on_task`]). Requests
//! carry ids; a pane drops results for ids it no longer waits for.

pub mod catalog;
pub mod clv;
pub mod dashboard;
pub mod deciles;
pub mod editor;
pub mod help;
pub mod results;
pub mod schedules;
pub mod segments;
pub mod sql;
#[cfg(test)]
pub(crate) mod test_harness;

use std::any::Any;
use std::path::PathBuf;

use crossterm::event::{KeyEvent, MouseEvent};
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::engine::worker::{QueryEvent, RequestId};
use crate::tui::action::Action;
use crate::tui::effect::{
    Effect, Job, Notice, Overlay, ScheduleRequest, ScheduleUpdate, TaskResult,
};
use crate::tui::keymap::{Context, Keymap};
use crate::tui::theme::Theme;

/// Where the app keeps its files for a workspace.
#[derive(Clone, Debug)]
pub struct Paths {
    pub root: PathBuf,
    /// `.clvdesk/`: app state (session, history), safe to delete.
    pub state: PathBuf,
    pub session: PathBuf,
    pub history: PathBuf,
    /// Saved queries, one `.sql` file each.
    pub queries: PathBuf,
    /// Default folder for exports.
    pub exports: PathBuf,
}

impl Paths {
    pub fn new(root: PathBuf) -> Self {
        use crate::workspace::paths::folders;
        let state = root.join(folders::STATE);
        Paths {
            session: state.join("session.json"),
            history: state.join("history.jsonl"),
            queries: root.join(folders::QUERIES),
            exports: root.join("exports"),
            state,
            root,
        }
    }

    /// Resolve a path typed by the user: `~/` is the home folder, a relative
    /// path is relative to the workspace.
    pub fn resolve(&self, typed: &str) -> PathBuf {
        let typed = typed.trim();
        if let Some(rest) = typed.strip_prefix("~/")
            && let Some(home) = directories::BaseDirs::new()
        {
            return home.home_dir().join(rest);
        }
        let p = PathBuf::from(typed);
        if p.is_absolute() {
            p
        } else {
            self.root.join(p)
        }
    }
}

/// What a pane gets while handling something: a way to ask for effects,
/// show notices and open overlays.
pub struct Ctx<'a> {
    pub(crate) owner: usize,
    pub(crate) effects: &'a mut Vec<Effect>,
    pub(crate) next_id: &'a mut RequestId,
    pub(crate) notice: &'a mut Option<Notice>,
    pub(crate) overlay: &'a mut Option<(usize, Overlay)>,
    pub paths: &'a Paths,
    pub keymap: &'a Keymap,
}

impl Ctx<'_> {
    pub fn new_id(&mut self) -> RequestId {
        *self.next_id += 1;
        *self.next_id
    }

    /// Run SQL on a worker; events arrive in [`Pane::on_query`].
    pub fn query(
        &mut self,
        sql: String,
        label: impl Into<String>,
        first_page_rows: usize,
    ) -> RequestId {
        let id = self.new_id();
        self.effects.push(Effect::Query {
            owner: self.owner,
            id,
            sql,
            label: label.into(),
            first_page_rows,
        });
        id
    }

    /// Fetch rows `offset..offset+limit` of `source`; arrives in [`Pane::on_query`] as `Page`.
    pub fn page(&mut self, source: String, offset: u64, limit: usize) -> RequestId {
        let id = self.new_id();
        self.effects.push(Effect::Page {
            owner: self.owner,
            id,
            source,
            offset,
            limit,
        });
        id
    }

    /// Run `job` on a worker thread with its own connection; the result
    /// arrives in [`Pane::on_task`]. DuckDB progress is shown in the status
    /// line and Esc/Ctrl+C interrupts it.
    pub fn task(&mut self, label: impl Into<String>, job: Job) -> RequestId {
        let id = self.new_id();
        self.effects.push(Effect::Task {
            owner: self.owner,
            id,
            label: label.into(),
            job,
        });
        id
    }

    pub fn cancel(&mut self, id: RequestId) {
        self.effects.push(Effect::Cancel(id));
    }

    /// Ask the app's background scheduler (run now, cancel, read schedules); a read's
    /// answer arrives in [`Pane::on_schedule`].
    pub fn schedule(&mut self, request: ScheduleRequest) {
        self.effects.push(Effect::Schedule {
            owner: self.owner,
            request,
        });
    }

    pub fn effect(&mut self, e: Effect) {
        self.effects.push(e);
    }

    pub fn info(&mut self, text: impl Into<String>) {
        *self.notice = Some(Notice::info(text));
    }

    pub fn error(&mut self, text: impl Into<String>) {
        *self.notice = Some(Notice::error(text));
    }

    pub fn clear_notice(&mut self) {
        *self.notice = None;
    }

    /// Open an overlay whose answer comes back to this pane in [`Pane::on_answer`].
    pub fn open(&mut self, overlay: Overlay) {
        *self.overlay = Some((self.owner, overlay));
    }
}

/// Everything drawing needs besides the pane itself.
pub struct DrawCtx<'a> {
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
}

/// A tab of the app.
pub trait Pane {
    /// The tab label.
    fn title(&self) -> &str;

    /// Keymap contexts while this pane is shown, most specific first; the app
    /// tries `Global` after them.
    fn contexts(&self) -> Vec<Context>;

    /// Handle an action. Return `false` to let the app handle it (global keys).
    fn on_action(&mut self, action: Action, ctx: &mut Ctx) -> bool;

    /// A key no binding claimed (text input). Return whether it was used.
    fn on_key(&mut self, _key: KeyEvent, _ctx: &mut Ctx) -> bool {
        false
    }

    /// Pasted text (bracketed paste).
    fn on_paste(&mut self, _text: &str, _ctx: &mut Ctx) {}

    fn on_mouse(&mut self, _ev: MouseEvent, _ctx: &mut Ctx) -> bool {
        false
    }

    /// A worker event for a request this pane started.
    fn on_query(&mut self, _ev: QueryEvent, _ctx: &mut Ctx) {}

    /// The result of a [`Ctx::task`] this pane started.
    fn on_task(&mut self, _id: RequestId, _result: TaskResult, _ctx: &mut Ctx) {}

    /// The background scheduler's events (every pane gets them) and the answer to a
    /// [`ScheduleRequest::Read`] this pane asked for.
    fn on_schedule(&mut self, _update: ScheduleUpdate, _ctx: &mut Ctx) {}

    /// The answer to an overlay this pane opened.
    fn on_answer(&mut self, _answer: crate::tui::effect::Answer, _ctx: &mut Ctx) {}

    /// Called after each frame: a pane whose drawing revealed missing data
    /// (rows scrolled into view by a resize) asks for it here.
    fn after_draw(&mut self, _ctx: &mut Ctx) {}

    /// The tab became visible (e.g. load data the first time).
    fn on_show(&mut self, _ctx: &mut Ctx) {}

    /// The app is about to quit: save state.
    fn on_quit(&mut self, _ctx: &mut Ctx) {}

    /// Key hints for the status line: (key, what). Build them with
    /// [`Keymap::hints`] so each says what its key does in that context, in the
    /// words F1 uses (a test walks every pane to check).
    fn hints(&self, keymap: &Keymap) -> Vec<(String, &'static str)>;

    fn draw(&mut self, f: &mut Frame, area: Rect, ctx: &DrawCtx);

    /// For tests and downcasting by the app (e.g. the SQL pane).
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

/// The one registration place: every tab, in order.
pub fn registry(init: &PaneInit) -> Vec<Box<dyn Pane>> {
    vec![
        Box::new(sql::SqlPane::new(init)),
        Box::new(deciles::DecilesPane::new(init)),
        Box::new(clv::ClvPane::new(init)),
        Box::new(dashboard::DashboardPane::new(init)),
        Box::new(segments::SegmentsPane::new(init)),
        Box::new(schedules::SchedulesPane::new(init)),
    ]
}

/// What a pane may read when it is created.
pub struct PaneInit<'a> {
    pub paths: &'a Paths,
    pub workspace: &'a crate::workspace::Workspace,
    /// The user's settings (config.toml with CLVDESK_* overrides).
    pub settings: &'a crate::config::Config,
    /// Messages for the status line found while loading (bad files).
    pub warnings: std::cell::RefCell<Vec<String>>,
}

/// Rows the app draws around every pane: the tab bar above, the status line below.
pub const CHROME_ROWS: u16 = 2;

/// Whether `area` has room for a pane that needs `need` = (columns, rows). If not,
/// draws a one-line note naming the terminal size the pane needs (as the app does
/// for the whole frame) and returns `false`; the pane then draws nothing else.
pub fn has_room(f: &mut Frame, area: Rect, pane: &str, need: (u16, u16), theme: &Theme) -> bool {
    if area.width >= need.0 && area.height >= need.1 {
        return true;
    }
    let note = format!(
        "{pane} needs at least {}×{} (this terminal: {}×{})",
        need.0,
        need.1 + CHROME_ROWS,
        area.width,
        area.height + CHROME_ROWS
    );
    f.buffer_mut()
        .set_style(area, theme.get(crate::tui::theme::Slot::Base));
    let width = usize::from(area.width.max(1));
    let lines = unicode_width::UnicodeWidthStr::width(note.as_str()).div_ceil(width);
    let lines = lines.min(usize::from(area.height)) as u16;
    let para = ratatui::widgets::Paragraph::new(note)
        .style(theme.get(crate::tui::theme::Slot::Warning))
        .alignment(ratatui::layout::Alignment::Center)
        .wrap(ratatui::widgets::Wrap { trim: true });
    let r = Rect {
        y: area.y + area.height.saturating_sub(lines) / 2,
        height: lines,
        ..area
    };
    f.render_widget(para, r);
    false
}

#[cfg(test)]
mod keys_tests;
#[cfg(test)]
mod numbers_tests;
