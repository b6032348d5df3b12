//! Layout editing and the filter prompts of the Dashboard tab. Each change
//! goes to the dashboard in memory (drawn at once) and to the file's
//! `toml_edit` document (written by Ctrl+S, or on quit), so untouched widgets
//! and comments stay byte for byte as they were.

use chrono::NaiveDate;

use super::{DashboardPane, Mode, token};
use crate::dashboard::file::{self, LayoutFile};
use crate::dashboard::model::{GRID_COLUMNS, Kind, Pos, Slot};
use crate::dashboard::render::{self, WidgetState};
use crate::tui::action::Action;
use crate::tui::effect::{Answer, Overlay, PickItem};
use crate::tui::panes::Ctx;

/// What "(all)" is called in the parameter picker.
const ALL: &str = "(all)";

impl DashboardPane {
    /// Arrows while moving or resizing; Enter or Esc ends.
    pub(super) fn on_edit_action(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        let (dx, dy): (i32, i32) = match action {
            Action::Up => (0, -1),
            Action::Down => (0, 1),
            Action::Left => (-1, 0),
            Action::Right => (1, 0),
            Action::Select | Action::Cancel | Action::MoveWidget | Action::ResizeWidget => {
                self.mode = Mode::Normal;
                if self.dirty {
                    ctx.info("layout changed; Ctrl+S saves it");
                }
                return true;
            }
            // Everything else waits until the move ends (global keys still work).
            Action::Quit | Action::Help | Action::Suspend => return false,
            _ => return true,
        };
        let Some(slot) = self.dash.as_ref().and_then(|d| d.widgets.get(self.focus)) else {
            return true;
        };
        let p = slot.at();
        let clamp = |v: i32, lo: i32, hi: i32| v.clamp(lo, hi) as u16;
        let new = match self.mode {
            Mode::Moving => Pos {
                col: clamp(i32::from(p.col) + dx, 0, i32::from(GRID_COLUMNS - p.width)),
                row: clamp(i32::from(p.row) + dy, 0, 999),
                ..p
            },
            Mode::Resizing => Pos {
                width: clamp(i32::from(p.width) + dx, 1, i32::from(GRID_COLUMNS - p.col)),
                height: clamp(i32::from(p.height) + dy, i32::from(Pos::MIN_HEIGHT), 200),
                ..p
            },
            Mode::Normal => p,
        };
        if new != p {
            self.set_pos(self.focus, new, ctx);
        }
        self.keep_focus_visible();
        true
    }

    /// The layout document, opened on the first edit. A file that no longer
    /// parses is not edited (the error names file and line).
    fn layout(&mut self, ctx: &mut Ctx) -> Option<&mut LayoutFile> {
        if self.layout.is_none() {
            let path = self.dash.as_ref()?.path.clone();
            match LayoutFile::open(&path) {
                Ok(l) => self.layout = Some(l),
                Err(e) => {
                    ctx.error(e.to_string());
                    return None;
                }
            }
        }
        self.layout.as_mut()
    }

    fn set_pos(&mut self, i: usize, pos: crate::dashboard::model::Pos, ctx: &mut Ctx) {
        let Some(layout) = self.layout(ctx) else {
            return;
        };
        if let Err(e) = layout.set_at(i, pos) {
            ctx.error(e.to_string());
            return;
        }
        if let Some(slot) = self.dash.as_mut().and_then(|d| d.widgets.get_mut(i)) {
            slot.set_at(pos);
        }
        self.dirty = true;
    }

    /// Below every widget: where an added or duplicated widget goes.
    fn free_row(&self) -> u16 {
        self.dash.as_ref().map_or(0, |d| {
            d.widgets.iter().map(|w| w.at().bottom()).max().unwrap_or(0)
        })
    }

    /// Re-reads the dashboard from the edited document (after adding or
    /// removing widgets), keeping the states of widgets that stayed.
    fn reparse(&mut self, keep: impl Fn(usize) -> Option<usize>) {
        let (Some(layout), Some(old)) = (&self.layout, &self.dash) else {
            return;
        };
        let mut dash = file::parse(&old.path, &layout.text());
        dash.name = old.name.clone();
        let n = dash.widgets.len();
        let mut states = vec![WidgetState::Waiting; n];
        let mut sqls = vec![None; n];
        for (i, (st, sq)) in states.iter_mut().zip(sqls.iter_mut()).enumerate() {
            if let Some(j) = keep(i)
                && let Some(s) = self.states.get(j)
            {
                *st = s.clone();
                *sq = self.sqls.get(j).cloned().flatten();
            }
        }
        self.states = states;
        self.sqls = sqls;
        self.started = vec![None; n];
        self.dash = Some(dash);
        self.dirty = true;
    }

    pub(super) fn duplicate(&mut self, ctx: &mut Ctx) {
        let i = self.focus;
        let Some(at) = self
            .dash
            .as_ref()
            .and_then(|d| d.widgets.get(i))
            .map(Slot::at)
        else {
            return;
        };
        let pos = Pos {
            row: self.free_row(),
            ..at
        };
        let Some(layout) = self.layout(ctx) else {
            return;
        };
        match layout.duplicate(i, pos) {
            Ok(new) => {
                let n = self.states.len();
                self.reparse(|k| if k < n { Some(k) } else { Some(i) });
                self.focus = new;
                self.refresh_one(new, ctx);
                ctx.info("widget duplicated below the others; Ctrl+S saves");
            }
            Err(e) => ctx.error(e.to_string()),
        }
    }

    fn delete(&mut self, ctx: &mut Ctx) {
        let i = self.focus;
        // Running queries are numbered by position: drop them all, refresh after.
        for id in self.running.keys() {
            ctx.cancel(*id);
        }
        self.running.clear();
        self.queue.clear();
        let Some(layout) = self.layout(ctx) else {
            return;
        };
        if let Err(e) = layout.remove(i) {
            ctx.error(e.to_string());
            return;
        }
        self.reparse(|k| Some(if k < i { k } else { k + 1 }));
        self.focus = self.focus.min(self.widget_count().saturating_sub(1));
        for (k, s) in self.states.clone().iter().enumerate() {
            if matches!(s, WidgetState::Loading(_) | WidgetState::Waiting) {
                self.refresh_one(k, ctx);
            }
        }
        ctx.info("widget deleted; Ctrl+S saves");
    }

    pub(super) fn ask_add(&mut self, ctx: &mut Ctx) {
        let items = Kind::ALL
            .iter()
            .map(|k| PickItem {
                label: k.name().to_string(),
                detail: match k {
                    Kind::Sparkline => "one line per series (x, y, series)",
                    Kind::Bar => "bars per x, grouped by y columns",
                    Kind::Line => "y over a time axis",
                    Kind::Number => "the last row's value and its change",
                    Kind::Table => "rows, sortable",
                    Kind::Gauge => "a value against max",
                    Kind::Heatmap => "cohort x period (set `column` in the file)",
                }
                .to_string(),
                value: k.name().to_string(),
            })
            .collect();
        ctx.open(Overlay::picker(token::KIND, "New widget: kind", items));
    }

    pub(super) fn ask_dates(&mut self, ctx: &mut Ctx) {
        let now = self
            .filters
            .as_ref()
            .map_or(String::new(), |f| format!("{} {}", f.start, f.end));
        ctx.open(Overlay::prompt(
            token::DATES,
            "Date range",
            "START END as YYYY-MM-DD YYYY-MM-DD (both days included)",
            &now,
        ));
    }

    pub(super) fn ask_param(&mut self, ctx: &mut Ctx) {
        let Some(p) = self.dash.as_ref().and_then(|d| d.param.as_ref()) else {
            ctx.info("this dashboard has no [param]");
            return;
        };
        let label = p.label.clone();
        let items = std::iter::once(ALL.to_string())
            .chain(self.choices.iter().cloned())
            .map(|c| PickItem {
                label: c.clone(),
                detail: String::new(),
                value: c,
            })
            .collect();
        ctx.open(Overlay::picker(token::PARAM, label, items));
    }

    pub(super) fn on_edit_answer(&mut self, answer: Answer, ctx: &mut Ctx) {
        match answer {
            Answer::Picked(token::KIND, kind) => {
                self.pending_kind = Some(kind);
                ctx.open(Overlay::prompt(
                    token::SQL,
                    "New widget: SQL",
                    "one statement; $START_DATE, $END_DATE and $PARAM are bound",
                    "SELECT ",
                ));
            }
            Answer::Text(token::SQL, sql) => {
                let Some(kind) = self.pending_kind.take().and_then(|k| Kind::from_name(&k)) else {
                    return;
                };
                let pos = Pos {
                    col: 0,
                    row: self.free_row(),
                    width: 6,
                    height: 10,
                };
                let n = self.widget_count();
                let Some(layout) = self.layout(ctx) else {
                    return;
                };
                let i = layout.add(&format!("New {}", kind.name()), kind, sql.trim(), pos);
                self.reparse(|k| (k < n).then_some(k));
                self.focus = i;
                self.keep_focus_visible();
                self.refresh_one(i, ctx);
                ctx.info("widget added at the bottom; set its roles in the file; Ctrl+S saves");
            }
            Answer::Yes(token::DELETE) => self.delete(ctx),
            Answer::Text(token::DATES, text) => {
                let parts: Vec<&str> = text.split_whitespace().collect();
                let parsed: Option<Vec<NaiveDate>> = parts
                    .iter()
                    .map(|p| NaiveDate::parse_from_str(p, "%Y-%m-%d").ok())
                    .collect();
                match (parsed.as_deref(), &mut self.filters) {
                    (Some([s, e]), Some(f)) if s <= e => {
                        f.start = *s;
                        f.end = *e;
                        self.refresh_all(ctx);
                    }
                    _ => ctx.error(format!(
                        "{text:?}: write two dates YYYY-MM-DD YYYY-MM-DD, the first not after the second"
                    )),
                }
            }
            Answer::Picked(token::PARAM, value) => {
                if let Some(f) = &mut self.filters {
                    f.param = (value != ALL).then_some(value);
                    self.refresh_all(ctx);
                }
            }
            Answer::Text(token::INTERVAL, text) => match text.trim().parse::<u32>() {
                Ok(n) if (1..=86_400).contains(&n) => {
                    let Some(layout) = self.layout(ctx) else {
                        return;
                    };
                    layout.set_refresh_seconds(n);
                    if let Some(d) = &mut self.dash {
                        d.refresh_seconds = Some(n);
                    }
                    self.dirty = true;
                    ctx.info(format!("refreshes every {n}s; Ctrl+S saves"));
                }
                _ => ctx.error(format!("{text:?}: a whole number of seconds, 1 to 86400")),
            },
            Answer::Picked(token::PICK_DASHBOARD, name) => {
                if let Some(i) = self.dashboards.iter().position(|(n, _)| *n == name) {
                    self.flush_layout(ctx);
                    self.current = i;
                    self.open_current(ctx);
                }
            }
            _ => {}
        }
    }

    /// Writes the layout when it changed (Ctrl+S, switching dashboards, quitting).
    pub(super) fn flush_layout(&mut self, ctx: &mut Ctx) {
        if self.dirty {
            self.save(ctx);
        }
    }

    pub(super) fn save(&mut self, ctx: &mut Ctx) {
        let Some(layout) = self.layout(ctx) else {
            return;
        };
        match layout.save() {
            Ok(()) => {
                self.dirty = false;
                let path = self
                    .dash
                    .as_ref()
                    .map(|d| d.path.display().to_string())
                    .unwrap_or_default();
                ctx.info(format!("saved {path}"));
            }
            Err(e) => ctx.error(e.to_string()),
        }
    }

    pub(super) fn show_sql(&mut self, ctx: &mut Ctx) {
        let Some(slot) = self.dash.as_ref().and_then(|d| d.widgets.get(self.focus)) else {
            return;
        };
        let text = match (slot, self.sqls.get(self.focus).cloned().flatten()) {
            (Slot::Broken { problem, .. }, _) => problem.to_string(),
            (_, Some(sql)) => sql,
            (Slot::Widget(w), None) => match &w.source {
                crate::dashboard::model::Source::Sql(s) => s.clone(),
                crate::dashboard::model::Source::Query(q) => {
                    format!("saved query {q} (not run yet)")
                }
            },
        };
        ctx.open(Overlay::viewer(slot.title().to_string(), text));
    }

    /// A table widget: the next column / direction to sort by (asc, desc, next column).
    pub(super) fn sort_focused(&mut self) {
        let Some(Slot::Widget(w)) = self.dash.as_ref().and_then(|d| d.widgets.get(self.focus))
        else {
            return;
        };
        if w.kind != Kind::Table {
            return;
        }
        if let Some(WidgetState::Ready { data, sorted_by }) = self.states.get_mut(self.focus) {
            let next = match *sorted_by {
                None => (0, false),
                Some((c, false)) => (c, true),
                Some((c, true)) => ((c + 1) % data.columns.len().max(1), false),
            };
            render::sort(data, next.0, next.1);
            *sorted_by = Some(next);
        }
    }
}
