//! The SQL tab: editor, results grid and catalog, with history, saved
//! queries, export and confirmation of destructive statements.

use std::any::Any;
use std::path::PathBuf;
use std::time::Instant;

use crossterm::event::{KeyEvent, MouseButton, MouseEvent, MouseEventKind};
use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui_textarea::{CursorMove, Scrolling};

use crate::engine::export::ExportFormat;
use crate::engine::worker::{QueryEvent, QueryOutcome, RequestId, RowCount};
use crate::sql::{is_destructive, leading_keyword, split_statements, statement_at};
use crate::tui::action::Action;
use crate::tui::effect::{Answer, Effect, Overlay, PickItem, TaskResult};
use crate::tui::history::{self, Entry, History};
use crate::tui::keymap::{Context, Keymap};
use crate::tui::panes::catalog::CatalogTree;
use crate::tui::panes::editor::Editor;
use crate::tui::panes::results::{self, PAGE_ROWS, ResultView, ResultsState, SortTable};
use crate::tui::panes::{Ctx, DrawCtx, Pane, PaneInit, Paths};
use crate::tui::theme::Slot;

mod files;
mod grid;
mod run;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    Editor,
    Results,
    Catalog,
}

// Overlay tokens: which question an answer belongs to.
pub(super) const CONFIRM_RUN: u32 = 1;
pub(super) const PROMPT_SAVE_AS: u32 = 2;
pub(super) const PROMPT_SAVE_QUERY: u32 = 3;
pub(super) const PROMPT_OPEN: u32 = 4;
pub(super) const PICK_HISTORY: u32 = 5;
pub(super) const PICK_QUERY: u32 = 6;
pub(super) const PROMPT_EXPORT: u32 = 7;
pub(super) const CONFIRM_CLOSE: u32 = 8;

/// Areas of the last frame, for the mouse.
#[derive(Default, Clone, Copy)]
pub(super) struct Areas {
    editor: Rect,
    results: Rect,
    catalog: Option<Rect>,
}

pub struct SqlPane {
    pub editor: Editor,
    pub results: ResultsState,
    pub catalog: CatalogTree,
    pub focus: Focus,
    pub history: History,
    paths: Paths,
    catalog_req: Option<RequestId>,
    export_req: Option<(RequestId, PathBuf)>,
    /// SQL waiting for the destructive-statement confirmation.
    pending_run: Option<String>,
    areas: Areas,
    /// Most decimals shown for floats in the grid (config.toml `grid.float_digits`).
    float_digits: u8,
}

impl SqlPane {
    pub fn new(init: &PaneInit) -> Self {
        let mut editor = match Editor::load_session(&init.paths.session) {
            Ok(ed) => ed,
            Err(e) => {
                // Keep the unreadable file for the user instead of overwriting it on quit.
                let aside = init.paths.session.with_extension("json.bad");
                let kept = match std::fs::rename(&init.paths.session, &aside) {
                    Ok(()) => format!("kept as {}", aside.display()),
                    Err(_) => "left in place".to_string(),
                };
                init.warnings
                    .borrow_mut()
                    .push(format!("{e} (buffers start empty; the old file is {kept})"));
                Editor::default()
            }
        };
        editor.set_tab_width(init.settings.editor.tab_width);
        SqlPane {
            editor,
            results: ResultsState::Idle,
            catalog: CatalogTree::default(),
            focus: Focus::Editor,
            history: History::load(&init.paths.history),
            paths: init.paths.clone(),
            catalog_req: None,
            export_req: None,
            pending_run: None,
            areas: Areas::default(),
            float_digits: init.settings.grid.float_digits,
        }
    }

    fn layout(&self, area: Rect) -> Areas {
        let show_catalog = area.width >= 100 || self.focus == Focus::Catalog;
        let (cat, main) = if show_catalog && area.width >= 40 {
            let w = if area.width >= 100 {
                30
            } else {
                (area.width / 2).min(30)
            };
            let cols = Layout::default()
                .direction(Direction::Horizontal)
                .constraints([Constraint::Length(w), Constraint::Min(10)])
                .split(area);
            (Some(cols[0]), cols[1])
        } else {
            (None, area)
        };
        let editor_h = (main.height * 2 / 5)
            .max(5)
            .min(main.height.saturating_sub(4));
        let rows = Layout::default()
            .direction(Direction::Vertical)
            .constraints([Constraint::Length(editor_h), Constraint::Min(3)])
            .split(main);
        Areas {
            editor: rows[0],
            results: rows[1],
            catalog: cat,
        }
    }
}

fn contains(r: Rect, col: u16, row: u16) -> bool {
    col >= r.x && col < r.right() && row >= r.y && row < r.bottom()
}

impl Pane for SqlPane {
    fn title(&self) -> &str {
        "SQL"
    }

    fn contexts(&self) -> Vec<Context> {
        vec![match self.focus {
            Focus::Editor => Context::Editor,
            Focus::Results => Context::Results,
            Focus::Catalog => Context::Catalog,
        }]
    }

    fn on_show(&mut self, ctx: &mut Ctx) {
        if self.catalog_req.is_none()
            && matches!(
                self.catalog.state,
                crate::tui::panes::catalog::CatalogState::Loading
            )
        {
            self.load_catalog(ctx);
        }
    }

    fn after_draw(&mut self, ctx: &mut Ctx) {
        self.ensure_pages(ctx);
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        let order = [Focus::Editor, Focus::Results, Focus::Catalog];
        match action {
            Action::FocusNext | Action::FocusPrev => {
                let i = order.iter().position(|f| *f == self.focus).unwrap_or(0);
                let step = if action == Action::FocusNext { 1 } else { 2 };
                self.focus = order[(i + step) % 3];
                return true;
            }
            Action::FocusEditor => {
                self.focus = Focus::Editor;
                return true;
            }
            Action::FocusResults => {
                self.focus = Focus::Results;
                return true;
            }
            Action::FocusCatalog => {
                self.focus = Focus::Catalog;
                return true;
            }
            Action::Run => {
                self.run(ctx);
                return true;
            }
            Action::Cancel => {
                if self.cancel_running(ctx) {
                    ctx.info("Cancelling…");
                } else if self.cancel_fetches(ctx) {
                } else if let Some((id, _)) = self.export_req.take() {
                    ctx.cancel(id);
                    ctx.info("Cancelling the export…");
                } else if let ResultsState::Ready(v) = &mut self.results
                    && matches!(v.total, RowCount::AtLeast(_))
                    && v.count_error.is_none()
                    && v.base_source.is_some()
                {
                    ctx.cancel(v.query_id);
                    v.want_bottom = false;
                    ctx.info("Cancelling the row count…");
                } else if self.focus == Focus::Editor && self.editor.current().area.is_selecting() {
                    self.editor.current_mut().area.cancel_selection();
                } else if self.focus != Focus::Editor {
                    self.focus = Focus::Editor;
                } else {
                    ctx.info("Nothing is running. Ctrl+Q quits.");
                }
                return true;
            }
            _ => {}
        }
        match self.focus {
            Focus::Editor => self.editor_action(action, ctx),
            Focus::Results => self.grid_action(action, ctx),
            Focus::Catalog => self.catalog_action(action, ctx),
        }
    }

    fn on_key(&mut self, key: KeyEvent, _ctx: &mut Ctx) -> bool {
        if self.focus == Focus::Editor {
            self.editor.input(key);
            return true;
        }
        false
    }

    fn on_paste(&mut self, text: &str, _ctx: &mut Ctx) {
        self.focus = Focus::Editor;
        self.editor
            .insert(&text.replace("\r\n", "\n").replace('\r', "\n"));
    }

    fn on_mouse(&mut self, ev: MouseEvent, ctx: &mut Ctx) -> bool {
        self.mouse(ev, ctx)
    }

    fn on_query(&mut self, ev: QueryEvent, ctx: &mut Ctx) {
        self.query_event(ev, ctx)
    }

    fn on_task(&mut self, id: RequestId, result: TaskResult, ctx: &mut Ctx) {
        self.task_done(id, result, ctx)
    }

    fn on_answer(&mut self, answer: Answer, ctx: &mut Ctx) {
        self.answer(answer, ctx)
    }

    fn on_quit(&mut self, ctx: &mut Ctx) {
        if let Err(e) = self.editor.save_session(&self.paths.session) {
            ctx.error(format!("{}: {e}", self.paths.session.display()));
        }
    }

    fn hints(&self, keymap: &Keymap) -> Vec<(String, &'static str)> {
        let items: &[(Context, Action)] = match self.focus {
            Focus::Editor => &[
                (Context::Editor, Action::Run),
                (Context::Editor, Action::History),
                (Context::Editor, Action::NewBuffer),
                (Context::Global, Action::FocusNext),
                (Context::Global, Action::Help),
            ],
            Focus::Results => &[
                (Context::Results, Action::Sort),
                (Context::Results, Action::ViewCell),
                (Context::Results, Action::CopyCell),
                (Context::Results, Action::Export),
                (Context::Global, Action::FocusNext),
                (Context::Global, Action::Help),
            ],
            Focus::Catalog => &[
                (Context::Catalog, Action::Select),
                (Context::Catalog, Action::Right),
                (Context::Catalog, Action::Refresh),
                (Context::Global, Action::FocusNext),
                (Context::Global, Action::Help),
            ],
        };
        keymap.hints(items)
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, ctx: &DrawCtx) {
        let areas = self.layout(area);
        self.areas = areas;
        let t = ctx.theme;
        if let Some(c) = areas.catalog {
            self.catalog.draw(f, c, t, self.focus == Focus::Catalog);
        }
        let b = self.editor.current();
        let title = Line::from(vec![
            Span::styled(" Editor ", t.get(Slot::Title)),
            Span::styled(
                b.path
                    .as_ref()
                    .map(|p| format!("{} ", p.display()))
                    .unwrap_or_else(|| "(not saved to a file; kept between sessions) ".into()),
                t.get(Slot::Dim),
            ),
        ]);
        self.editor
            .draw(f, areas.editor, t, self.focus == Focus::Editor, title);
        results::draw(
            f,
            areas.results,
            &mut self.results,
            t,
            self.focus == Focus::Results,
        );
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
