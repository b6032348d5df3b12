//! The Dashboard tab: the workspace's dashboards (`dashboards/*.toml`), one at
//! a time, drawn by [`crate::dashboard::render`] — the code `clvdesk dashboard
//! render` uses. Widgets refresh on workers, at most four at once; each shows
//! a spinner while it loads and its own error when it fails. Layout changes by
//! keyboard (move, resize, add, duplicate, delete) edit the file through
//! `toml_edit`, so saving keeps what was written by hand.

mod edit;
#[cfg(test)]
mod tests;

use std::any::Any;
use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::Frame;
use ratatui::layout::Rect;

use super::{Ctx, DrawCtx, Pane, PaneInit};
use crate::dashboard::file::{self, LayoutFile};
use crate::dashboard::model::{Dashboard, Slot};
use crate::dashboard::params::Filters;
use crate::dashboard::render::{self, Look, WidgetState};
use crate::dashboard::{self as dash_mod, PARALLEL};
use crate::engine::worker::RequestId;
use crate::tui::action::Action;
use crate::tui::effect::{Answer, TaskResult};
use crate::tui::keymap::{Context, Keymap};

/// The dashboard opened first when the workspace has it (the CLV starter).
const FIRST: &str = "clv";

/// Overlay questions this pane asks.
mod token {
    pub const KIND: u32 = 1;
    pub const SQL: u32 = 2;
    pub const DELETE: u32 = 3;
    pub const DATES: u32 = 4;
    pub const PARAM: u32 = 5;
    pub const INTERVAL: u32 = 6;
    pub const PICK_DASHBOARD: u32 = 7;
}

/// Keyboard layout editing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Moving,
    Resizing,
}

/// A widget query's answer: its state and the SQL it ran (to match tables a job wrote).
struct Loaded {
    state: WidgetState,
    sql: Option<String>,
}

/// What the filters task found.
struct Setup {
    filters: Result<Filters, String>,
    choices: Result<Vec<String>, String>,
}

pub struct DashboardPane {
    root: PathBuf,
    /// `[refresh] dashboard_seconds` of config.toml.
    default_refresh: u32,
    /// (name, path) of every dashboard file.
    pub dashboards: Vec<(String, PathBuf)>,
    pub current: usize,
    pub dash: Option<Dashboard>,
    pub states: Vec<WidgetState>,
    started: Vec<Option<Instant>>,
    sqls: Vec<Option<String>>,
    pub filters: Option<Filters>,
    pub choices: Vec<String>,
    setup: Option<RequestId>,
    pub focus: usize,
    pub mode: Mode,
    pub zoom: bool,
    scroll: u16,
    grid_rows: u16,
    grid: Rect,
    queue: VecDeque<usize>,
    running: HashMap<RequestId, usize>,
    last_refresh: Option<Instant>,
    layout: Option<LayoutFile>,
    pub dirty: bool,
    pending_kind: Option<String>,
    shown: bool,
}

impl DashboardPane {
    pub fn new(init: &PaneInit) -> Self {
        DashboardPane {
            root: init.workspace.root().to_path_buf(),
            default_refresh: init.settings.refresh.dashboard_seconds,
            dashboards: Vec::new(),
            current: 0,
            dash: None,
            states: Vec::new(),
            started: Vec::new(),
            sqls: Vec::new(),
            filters: None,
            choices: Vec::new(),
            setup: None,
            focus: 0,
            mode: Mode::Normal,
            zoom: false,
            scroll: 0,
            grid_rows: 20,
            grid: Rect::default(),
            queue: VecDeque::new(),
            running: HashMap::new(),
            last_refresh: None,
            layout: None,
            dirty: false,
            pending_kind: None,
            shown: false,
        }
    }

    /// Seconds between automatic refreshes of the open dashboard.
    pub fn refresh_seconds(&self) -> u32 {
        self.dash
            .as_ref()
            .and_then(|d| d.refresh_seconds)
            .unwrap_or(self.default_refresh)
    }

    /// Reads the list of dashboard files and opens `current` (by name when it still exists).
    fn reload_list(&mut self, ctx: &mut Ctx) {
        // The first time: the starter CLV dashboard when there is one.
        let name = self
            .dashboards
            .get(self.current)
            .map_or_else(|| FIRST.to_string(), |(n, _)| n.clone());
        self.dashboards = file::list(&self.root);
        self.current = self
            .dashboards
            .iter()
            .position(|(m, _)| *m == name)
            .unwrap_or(0);
        self.open_current(ctx);
    }

    /// Opens dashboard `current`: reads its file (no queries yet) and asks a
    /// worker for its default filters and parameter choices.
    fn open_current(&mut self, ctx: &mut Ctx) {
        self.cancel_all(ctx);
        self.layout = None;
        self.dirty = false;
        self.zoom = false;
        self.mode = Mode::Normal;
        self.focus = 0;
        self.scroll = 0;
        self.filters = None;
        self.choices.clear();
        let Some((_, path)) = self.dashboards.get(self.current) else {
            self.dash = None;
            self.states.clear();
            return;
        };
        let dash = file::load(path);
        self.reset_states(dash.widgets.len());
        let probe = dash.clone();
        self.dash = Some(dash);
        self.setup = Some(ctx.task(
            "dashboard filters",
            Box::new(move |conn| {
                let filters = dash_mod::initial_filters(conn, &probe, None, None, None);
                let choices = dash_mod::param_choices(conn, &probe);
                Ok(Box::new(Setup { filters, choices }) as Box<dyn Any + Send>)
            }),
        ));
    }

    fn reset_states(&mut self, n: usize) {
        self.states = vec![WidgetState::Waiting; n];
        self.started = vec![None; n];
        self.sqls = vec![None; n];
    }

    fn cancel_all(&mut self, ctx: &mut Ctx) {
        for id in self.running.keys() {
            ctx.cancel(*id);
        }
        self.running.clear();
        self.queue.clear();
        if let Some(id) = self.setup.take() {
            ctx.cancel(id);
        }
    }

    /// Queues every widget for a refresh (running ones are cancelled first).
    pub fn refresh_all(&mut self, ctx: &mut Ctx) {
        let Some(dash) = &self.dash else { return };
        if self.filters.is_none() {
            return;
        }
        for id in self.running.keys() {
            ctx.cancel(*id);
        }
        self.running.clear();
        self.queue = (0..dash.widgets.len()).collect();
        self.last_refresh = Some(Instant::now());
        self.pump(ctx);
    }

    /// Queues one widget (if not already queued) and starts what may start.
    fn refresh_one(&mut self, i: usize, ctx: &mut Ctx) {
        if let Some((&id, _)) = self.running.iter().find(|(_, w)| **w == i) {
            ctx.cancel(id);
            self.running.remove(&id);
        }
        if !self.queue.contains(&i) {
            self.queue.push_back(i);
        }
        self.pump(ctx);
    }

    /// Starts queued widgets while fewer than [`PARALLEL`] run.
    fn pump(&mut self, ctx: &mut Ctx) {
        let (Some(dash), Some(filters)) = (&self.dash, &self.filters) else {
            return;
        };
        while self.running.len() < PARALLEL {
            let Some(i) = self.queue.pop_front() else {
                break;
            };
            let Some(Slot::Widget(w)) = dash.widgets.get(i) else {
                continue;
            };
            let (w, root, filters) = (w.clone(), self.root.clone(), filters.clone());
            let id = ctx.task(
                format!("widget {}", w.title),
                Box::new(move |conn| {
                    let sql = crate::dashboard::query::source_sql(&root, &w.source).ok();
                    let state = dash_mod::load_widget(conn, &root, &w, &filters);
                    Ok(Box::new(Loaded { state, sql }) as Box<dyn Any + Send>)
                }),
            );
            self.running.insert(id, i);
            self.started[i] = Some(Instant::now());
            self.states[i] = WidgetState::Loading(Duration::ZERO);
        }
    }

    /// Refreshes everything when the interval has passed since the last refresh.
    fn refresh_if_due(&mut self, ctx: &mut Ctx) {
        let every = Duration::from_secs(u64::from(self.refresh_seconds()));
        if self.shown
            && self.running.is_empty()
            && self.last_refresh.is_some_and(|t| t.elapsed() >= every)
        {
            self.refresh_all(ctx);
        }
    }

    fn widget_count(&self) -> usize {
        self.dash.as_ref().map_or(0, |d| d.widgets.len())
    }

    /// Moves the focus to the nearest widget in a direction (grid positions).
    fn move_focus(&mut self, dx: i32, dy: i32) {
        let Some(dash) = &self.dash else { return };
        let Some(cur) = dash.widgets.get(self.focus).map(Slot::at) else {
            return;
        };
        let center = |p: crate::dashboard::model::Pos| {
            (
                i32::from(p.col) * 2 + i32::from(p.width),
                i32::from(p.row) * 2 + i32::from(p.height),
            )
        };
        let (cx, cy) = center(cur);
        let best = dash
            .widgets
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != self.focus)
            .filter_map(|(i, s)| {
                let (x, y) = center(s.at());
                let (ddx, ddy) = (x - cx, y - cy);
                let along = ddx * dx + ddy * dy;
                (along > 0).then(|| (i, along + 2 * (ddx * dy - ddy * dx).abs()))
            })
            .min_by_key(|(_, cost)| *cost);
        if let Some((i, _)) = best {
            self.focus = i;
        }
    }

    fn keep_focus_visible(&mut self) {
        let Some(pos) = self
            .dash
            .as_ref()
            .and_then(|d| d.widgets.get(self.focus))
            .map(Slot::at)
        else {
            return;
        };
        if pos.row < self.scroll {
            self.scroll = pos.row;
        } else if pos.bottom() > self.scroll + self.grid_rows {
            self.scroll = pos.bottom().saturating_sub(self.grid_rows).min(pos.row);
        }
    }

    fn header(&self) -> String {
        let Some(dash) = &self.dash else {
            return "No dashboards".into();
        };
        let mut h = match &self.filters {
            Some(f) => dash_mod::header(dash, f),
            None => format!("{} · reading the data's date range…", dash.title),
        };
        if self.dashboards.len() > 1 {
            h.push_str(&format!(
                " · {}/{}",
                self.current + 1,
                self.dashboards.len()
            ));
        }
        h.push_str(&format!(" · every {}s", self.refresh_seconds()));
        if self.dirty {
            h.push_str(" · unsaved layout");
        }
        h
    }
}

impl Pane for DashboardPane {
    fn title(&self) -> &str {
        "Dashboard"
    }

    fn contexts(&self) -> Vec<Context> {
        vec![Context::Dashboard]
    }

    fn on_show(&mut self, ctx: &mut Ctx) {
        if !self.shown {
            self.shown = true;
            self.reload_list(ctx);
        } else {
            self.refresh_if_due(ctx);
        }
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        self.refresh_if_due(ctx);
        if self.mode != Mode::Normal {
            return self.on_edit_action(action, ctx);
        }
        let n = self.widget_count();
        match action {
            Action::Up => self.move_focus(0, -1),
            Action::Down => self.move_focus(0, 1),
            Action::Left => self.move_focus(-1, 0),
            Action::Right => self.move_focus(1, 0),
            Action::NextJob | Action::PrevJob if !self.dashboards.is_empty() => {
                self.flush_layout(ctx);
                let len = self.dashboards.len();
                self.current = if action == Action::NextJob {
                    (self.current + 1) % len
                } else {
                    (self.current + len - 1) % len
                };
                self.open_current(ctx);
            }
            Action::Refresh => {
                self.reload_list(ctx);
                ctx.info("dashboard files read again; widgets refresh");
            }
            Action::RunJob => self.refresh_all(ctx),
            Action::ZoomWidget if n > 0 => self.zoom = !self.zoom,
            Action::Cancel if self.zoom => self.zoom = false,
            Action::Cancel if !self.running.is_empty() => {
                for id in self.running.keys() {
                    ctx.cancel(*id);
                }
                ctx.info("widget queries cancelled");
            }
            Action::Sort => self.sort_focused(),
            Action::PickDates => self.ask_dates(ctx),
            Action::PickParam => self.ask_param(ctx),
            Action::RefreshInterval => ctx.open(crate::tui::effect::Overlay::prompt(
                token::INTERVAL,
                "Refresh interval",
                "Seconds between automatic refreshes of this dashboard (1-86400); saved with Ctrl+S",
                &self.refresh_seconds().to_string(),
            )),
            Action::MoveWidget if n > 0 => self.mode = Mode::Moving,
            Action::ResizeWidget if n > 0 => self.mode = Mode::Resizing,
            Action::AddWidget => self.ask_add(ctx),
            Action::DuplicateWidget if n > 0 => self.duplicate(ctx),
            Action::DeleteWidget if n > 0 => ctx.open(crate::tui::effect::Overlay::confirm(
                token::DELETE,
                "Delete widget",
                format!(
                    "Delete \"{}\" from the layout? (Ctrl+S writes the file)",
                    self.dash.as_ref().and_then(|d| d.widgets.get(self.focus)).map_or("", |w| w.title())
                ),
            )),
            Action::Save => self.save(ctx),
            Action::ShowSql => self.show_sql(ctx),
            Action::OpenSql => {
                if let Some(sql) = self.sqls.get(self.focus).cloned().flatten() {
                    ctx.effect(crate::tui::effect::Effect::OpenSql { sql, run: false });
                }
            }
            Action::Select if self.dashboards.len() > 1 => {
                let items = self
                    .dashboards
                    .iter()
                    .map(|(n, p)| crate::tui::effect::PickItem {
                        label: n.clone(),
                        detail: p.display().to_string(),
                        value: n.clone(),
                    })
                    .collect();
                ctx.open(crate::tui::effect::Overlay::picker(token::PICK_DASHBOARD, "Dashboards", items));
            }
            _ => return false,
        }
        self.keep_focus_visible();
        true
    }

    fn on_mouse(&mut self, ev: MouseEvent, _ctx: &mut Ctx) -> bool {
        match ev.kind {
            MouseEventKind::ScrollDown => self.scroll = self.scroll.saturating_add(3),
            MouseEventKind::ScrollUp => self.scroll = self.scroll.saturating_sub(3),
            MouseEventKind::Down(MouseButton::Left) => {
                let Some(dash) = &self.dash else { return false };
                let hit = dash.widgets.iter().position(|s| {
                    render::place(self.grid, s.at(), self.scroll).is_some_and(|r| {
                        ev.column >= r.x
                            && ev.column < r.right()
                            && ev.row >= r.y
                            && ev.row < r.bottom()
                    })
                });
                match hit {
                    Some(i) => self.focus = i,
                    None => return false,
                }
            }
            _ => return false,
        }
        true
    }

    fn on_task(&mut self, id: RequestId, result: TaskResult, ctx: &mut Ctx) {
        if self.setup == Some(id) {
            self.setup = None;
            if let TaskResult::Done(v) = result
                && let Ok(setup) = v.downcast::<Setup>()
            {
                match setup.filters {
                    Ok(f) => self.filters = Some(f),
                    Err(e) => {
                        ctx.error(format!("{e}; using the last 12 months"));
                        self.filters = Some(Filters::last_12_months(
                            chrono::Utc::now().date_naive(),
                            None,
                        ));
                    }
                }
                match setup.choices {
                    Ok(c) => self.choices = c,
                    Err(e) => ctx.error(e),
                }
                self.refresh_all(ctx);
            } else {
                ctx.error("the dashboard's date range could not be read");
            }
            return;
        }
        let Some(i) = self.running.remove(&id) else {
            return;
        };
        if i < self.states.len() {
            self.started[i] = None;
            self.states[i] = match result {
                TaskResult::Done(v) => match v.downcast::<Loaded>() {
                    Ok(l) => {
                        self.sqls[i] = l.sql;
                        l.state
                    }
                    Err(_) => WidgetState::Failed("unexpected worker answer".into()),
                },
                TaskResult::Failed(e) => WidgetState::Failed(e),
                TaskResult::Cancelled => WidgetState::Failed("cancelled (R refreshes)".into()),
            };
        }
        self.pump(ctx);
    }

    fn on_answer(&mut self, answer: Answer, ctx: &mut Ctx) {
        self.on_edit_answer(answer, ctx);
    }

    fn on_schedule(&mut self, update: super::ScheduleUpdate, ctx: &mut Ctx) {
        if let super::ScheduleUpdate::Event(crate::scheduler::background::Event::Finished(report)) =
            update
            && let Ok(outcome) = &report.result
        {
            let stale: Vec<usize> = self
                .sqls
                .iter()
                .enumerate()
                .filter(|(_, s)| {
                    s.as_deref().is_some_and(|sql| {
                        outcome
                            .tables
                            .iter()
                            .any(|t| dash_mod::mentions_table(sql, t))
                    })
                })
                .map(|(i, _)| i)
                .collect();
            for i in stale {
                self.refresh_one(i, ctx);
            }
        }
        self.refresh_if_due(ctx);
    }

    fn on_quit(&mut self, ctx: &mut Ctx) {
        self.flush_layout(ctx);
    }

    fn hints(&self, keymap: &Keymap) -> Vec<(String, &'static str)> {
        let c = Context::Dashboard;
        let items: Vec<(Context, Action)> = match self.mode {
            Mode::Moving | Mode::Resizing => {
                vec![(c, Action::Up), (c, Action::Select), (c, Action::Cancel)]
            }
            Mode::Normal => {
                let mut v = vec![(c, Action::ZoomWidget), (c, Action::PickDates)];
                if self.dash.as_ref().is_some_and(|d| d.param.is_some()) {
                    v.push((c, Action::PickParam));
                }
                if self.dashboards.len() > 1 {
                    v.push((c, Action::NextJob));
                }
                v.extend([
                    (c, Action::MoveWidget),
                    (c, Action::ResizeWidget),
                    (c, Action::AddWidget),
                    (c, Action::Save),
                    (c, Action::RunJob),
                ]);
                v.push((Context::Global, Action::Help));
                v
            }
        };
        keymap.hints(&items)
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, ctx: &DrawCtx) {
        if !super::has_room(f, area, "Dashboard", (40, 8), ctx.theme) {
            return;
        }
        let theme = ctx.theme;
        for (state, started) in self.states.iter_mut().zip(&self.started) {
            if let (WidgetState::Loading(d), Some(t)) = (state, started) {
                *d = t.elapsed();
            }
        }
        let header = self.header();
        let buf = f.buffer_mut();
        let Some(dash) = &self.dash else {
            buf.set_style(area, theme.get(crate::tui::theme::Slot::Base));
            let lines = [
                "No dashboards in this workspace.".to_string(),
                format!(
                    "Write one as {}/NAME.toml (see README, Dashboards), then press R to read the folder again.",
                    self.root.join(file::DIR).display()
                ),
            ];
            for (i, l) in lines.iter().enumerate() {
                render::text_at(
                    buf,
                    area.x + 1,
                    area.y + 1 + i as u16,
                    l,
                    area.width.saturating_sub(2),
                    theme.get(crate::tui::theme::Slot::Base),
                );
            }
            return;
        };
        let (focus, mode) = (self.focus, self.mode);
        let looks = move |i: usize| Look {
            focused: i == focus,
            editing: i == focus && mode != Mode::Normal,
        };
        if self.zoom
            && let Some(slot) = dash.widgets.get(self.focus)
        {
            buf.set_style(area, theme.get(crate::tui::theme::Slot::Base));
            render::text_at(
                buf,
                area.x,
                area.y,
                &format!("{header} · zoomed (Enter: back)"),
                area.width,
                theme.get(crate::tui::theme::Slot::Title),
            );
            let r = Rect {
                y: area.y + 1,
                height: area.height - 1,
                ..area
            };
            let state = self.states.get(self.focus).unwrap_or(&WidgetState::Waiting);
            render::draw_slot(buf, r, slot, state, looks(self.focus), theme);
            return;
        }
        self.grid = render::draw_dashboard(
            buf,
            area,
            dash,
            &self.states,
            &header,
            &looks,
            self.scroll,
            theme,
        );
        self.grid_rows = self.grid.height.max(1);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
