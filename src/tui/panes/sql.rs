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

use super::catalog::CatalogTree;
use super::editor::Editor;
use super::results::{self, PAGE_ROWS, ResultView, ResultsState};
use super::{Ctx, DrawCtx, Pane, PaneInit, Paths, hint};
use crate::engine::export::ExportFormat;
use crate::engine::sql::{is_destructive, leading_keyword, split_statements, statement_at};
use crate::engine::worker::{QueryEvent, QueryOutcome, RequestId, RowCount};
use crate::tui::action::Action;
use crate::tui::effect::{Answer, Effect, Overlay, PickItem, TaskResult};
use crate::tui::history::{self, Entry, History};
use crate::tui::keymap::{Context, Keymap};
use crate::tui::theme::Slot;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    Editor,
    Results,
    Catalog,
}

// Overlay tokens: which question an answer belongs to.
const CONFIRM_RUN: u32 = 1;
const PROMPT_SAVE_AS: u32 = 2;
const PROMPT_SAVE_QUERY: u32 = 3;
const PROMPT_OPEN: u32 = 4;
const PICK_HISTORY: u32 = 5;
const PICK_QUERY: u32 = 6;
const PROMPT_EXPORT: u32 = 7;
const CONFIRM_CLOSE: u32 = 8;

/// Areas of the last frame, for the mouse.
#[derive(Default, Clone, Copy)]
struct Areas {
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
}

impl SqlPane {
    pub fn new(init: &PaneInit) -> Self {
        let editor = match Editor::load_session(&init.paths.session) {
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
        }
    }

    /// The SQL that Run would execute: the selection, or the statement under the cursor.
    pub fn sql_to_run(&self) -> Option<String> {
        let b = self.editor.current();
        if let Some(sel) = b.selection() {
            return Some(sel);
        }
        let text = b.text();
        statement_at(&text, b.cursor_offset())
            .map(|s| s.text)
            .filter(|s| !s.trim().is_empty())
    }

    pub fn running_id(&self) -> Option<RequestId> {
        match &self.results {
            ResultsState::Running { id, .. } => Some(*id),
            _ => None,
        }
    }

    fn run(&mut self, ctx: &mut Ctx) {
        let Some(sql) = self.sql_to_run() else {
            ctx.info("Nothing to run: the buffer is empty here.");
            return;
        };
        let destructive: Vec<String> = split_statements(&sql)
            .into_iter()
            .filter(|s| is_destructive(&s.text))
            .map(|s| s.text.lines().next().unwrap_or_default().to_string())
            .collect();
        if !destructive.is_empty() {
            self.pending_run = Some(sql);
            ctx.open(Overlay::confirm(
                CONFIRM_RUN,
                "Run a destructive statement?",
                format!(
                    "{}\n\nThis changes or deletes data. Run it? (y/n)",
                    destructive.join("\n")
                ),
            ));
            return;
        }
        self.start(sql, ctx);
    }

    fn start(&mut self, sql: String, ctx: &mut Ctx) {
        self.cancel_running(ctx);
        if let ResultsState::Ready(v) = &mut self.results {
            for id in v.inflight.keys() {
                ctx.cancel(*id);
            }
        }
        ctx.clear_notice();
        let id = ctx.query(sql.clone(), "query", PAGE_ROWS);
        self.results = ResultsState::Running {
            id,
            sql,
            started: Instant::now(),
            progress: None,
        };
    }

    /// Cancel the running query; true if there was one.
    fn cancel_running(&mut self, ctx: &mut Ctx) -> bool {
        if let Some(id) = self.running_id() {
            ctx.cancel(id);
            return true;
        }
        false
    }

    pub fn load_catalog(&mut self, ctx: &mut Ctx) {
        if let Some(old) = self.catalog_req.take() {
            ctx.cancel(old);
        }
        let id = ctx.task(
            "loading catalog",
            Box::new(|conn| {
                crate::engine::catalog::load(conn)
                    .map(|c| Box::new(c) as Box<dyn Any + Send>)
                    .map_err(|e| e.to_string())
            }),
        );
        self.catalog_req = Some(id);
    }

    fn record_history(
        &mut self,
        sql: &str,
        outcome: &QueryOutcome,
        started: Instant,
        ctx: &mut Ctx,
    ) {
        let (status, rows) = results::outcome_status(outcome);
        let entry = Entry {
            at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            sql: sql.trim().to_string(),
            status: status.to_string(),
            ms: started.elapsed().as_millis() as u64,
            rows,
        };
        if let Err(e) = self.history.push(entry) {
            ctx.error(format!(
                "history not saved: {}: {e}",
                self.paths.history.display()
            ));
        }
    }

    /// Fetch pages the view needs; cancel fetches it no longer needs.
    fn ensure_pages(&mut self, ctx: &mut Ctx) {
        let ResultsState::Ready(v) = &mut self.results else {
            return;
        };
        for id in v.stale_fetches() {
            v.inflight.remove(&id);
            ctx.cancel(id);
        }
        let Some(source) = v.source() else { return };
        for p in v.missing_pages() {
            let id = ctx.page(source.clone(), p * PAGE_ROWS as u64, PAGE_ROWS);
            v.inflight.insert(id, p);
        }
    }

    fn grid_action(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        let ResultsState::Ready(v) = &mut self.results else {
            return matches!(
                action,
                Action::Up
                    | Action::Down
                    | Action::Left
                    | Action::Right
                    | Action::PageUp
                    | Action::PageDown
                    | Action::Top
                    | Action::Bottom
                    | Action::LineStart
                    | Action::LineEnd
                    | Action::PageLeft
                    | Action::PageRight
                    | Action::Sort
                    | Action::ViewCell
                    | Action::CopyCell
                    | Action::CopyRow
                    | Action::Export
            );
        };
        let rows = v.rows_known();
        let cols = v.schema.fields().len();
        let page = i64::from(v.grid.viewport_rows.max(1));
        match action {
            Action::Up => v.grid.move_rows(-1, rows),
            Action::Down => v.grid.move_rows(1, rows),
            Action::Left => v.grid.move_cols(-1, cols),
            Action::Right => v.grid.move_cols(1, cols),
            Action::PageUp => {
                v.grid.move_rows(-page, rows);
                v.grid.top = v.grid.top.saturating_sub(page as u64);
                v.grid.follow();
            }
            Action::PageDown => {
                v.grid.move_rows(page, rows);
                v.grid.top = (v.grid.top + page as u64)
                    .min(rows.saturating_sub(page as u64))
                    .max(v.grid.top);
                v.grid.follow();
            }
            Action::PageLeft => v.grid.move_cols(-(v.grid.visible_cols.max(1) as i64), cols),
            Action::PageRight => v.grid.move_cols(v.grid.visible_cols.max(1) as i64, cols),
            Action::Top => {
                v.grid.row = 0;
                v.grid.top = 0;
            }
            Action::Bottom => {
                if matches!(v.total, RowCount::AtLeast(_))
                    && v.base_source.is_some()
                    && v.count_error.is_none()
                {
                    v.want_bottom = true;
                    ctx.info("Counting rows; jumping to the end when the count arrives…");
                }
                v.grid.move_rows(i64::MAX, rows);
            }
            Action::LineStart => v.grid.col = 0,
            Action::LineEnd => v.grid.col = cols.saturating_sub(1),
            Action::Sort => return self.sort(ctx),
            Action::ViewCell => {
                let (r, c) = (v.grid.row, v.grid.col);
                match v.full_text(r, c) {
                    Some(text) => ctx.open(Overlay::viewer(
                        format!(
                            "{} · row {}",
                            v.schema.field(c).name(),
                            results::group(r + 1)
                        ),
                        text,
                    )),
                    None => ctx.info("That row is still loading."),
                }
            }
            Action::CopyCell => match v.full_text(v.grid.row, v.grid.col) {
                Some(text) => {
                    ctx.info(format!(
                        "Copied the cell ({} characters).",
                        text.chars().count()
                    ));
                    ctx.effect(Effect::Copy(text));
                }
                None => ctx.info("That row is still loading."),
            },
            Action::CopyRow => match v.row_text(v.grid.row) {
                Some(text) => {
                    ctx.info(format!(
                        "Copied row {} (tab separated).",
                        results::group(v.grid.row + 1)
                    ));
                    ctx.effect(Effect::Copy(text));
                }
                None => ctx.info("That row is still loading."),
            },
            Action::Export => {
                if v.base_source.is_none() {
                    ctx.error("This result cannot be exported: the statement is not a query DuckDB can re-run.");
                } else {
                    let name = format!(
                        "exports/result-{}.csv",
                        chrono::Local::now().format("%Y%m%d-%H%M%S")
                    );
                    ctx.open(Overlay::prompt(
                        PROMPT_EXPORT,
                        "Export the whole result",
                        "File name (.csv, .tsv, .json, .jsonl or .parquet; relative to the workspace)",
                        &name,
                    ));
                }
            }
            _ => return false,
        }
        self.ensure_pages(ctx);
        true
    }

    fn sort(&mut self, ctx: &mut Ctx) -> bool {
        let ResultsState::Ready(v) = &mut self.results else {
            return true;
        };
        if v.base_source.is_none() {
            ctx.error(
                "This result cannot be sorted: the statement is not a query DuckDB can re-run.",
            );
            return true;
        }
        let col = v.grid.col;
        v.sort = match v.sort {
            Some((c, false)) if c == col => Some((col, true)),
            Some((c, true)) if c == col => None,
            _ => Some((col, false)),
        };
        for id in v.inflight.keys() {
            ctx.cancel(*id);
        }
        v.inflight.clear();
        v.clear_pages();
        v.grid.row = 0;
        v.grid.top = 0;
        match v.sort {
            Some((c, desc)) => ctx.info(format!(
                "Sorted by {} {} (by DuckDB, over the whole result).",
                v.schema.field(c).name(),
                if desc { "descending" } else { "ascending" }
            )),
            None => ctx.info("Sort removed."),
        }
        self.ensure_pages(ctx);
        true
    }

    fn catalog_action(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        let page = self.catalog.viewport.max(1) as isize;
        match action {
            Action::Up => self.catalog.move_by(-1),
            Action::Down => self.catalog.move_by(1),
            Action::PageUp => self.catalog.move_by(-page),
            Action::PageDown => self.catalog.move_by(page),
            Action::Top => self.catalog.top_bottom(false),
            Action::Bottom => self.catalog.top_bottom(true),
            Action::Right => self.catalog.expand(true),
            Action::Left => self.catalog.expand(false),
            Action::Refresh => {
                self.load_catalog(ctx);
                ctx.info("Reloading the catalog…");
            }
            Action::Select => {
                if let Some(text) = self.catalog.insert_text() {
                    self.editor.insert(&text);
                    self.focus = Focus::Editor;
                }
            }
            _ => return false,
        }
        true
    }

    fn editor_action(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        match action {
            Action::NewBuffer => self.editor.new_buffer("", None),
            Action::CloseBuffer => {
                let b = self.editor.current();
                if b.dirty && !b.text().trim().is_empty() {
                    ctx.open(Overlay::confirm(
                        CONFIRM_CLOSE,
                        "Close buffer?",
                        format!("{} has unsaved changes. Close it anyway? (y/n)", b.name),
                    ));
                } else {
                    self.editor.close_current();
                }
            }
            Action::NextBuffer => self.editor.next(),
            Action::PrevBuffer => self.editor.prev(),
            Action::Undo => self.editor.undo(),
            Action::Redo => self.editor.redo(),
            Action::Open => ctx.open(Overlay::prompt(
                PROMPT_OPEN,
                "Open a .sql file",
                "Path (relative to the workspace, or absolute, or ~/...)",
                "queries/",
            )),
            Action::Save => match self.editor.current().path.clone() {
                Some(p) => self.save_to(&p, ctx),
                None => ctx.open(Overlay::prompt(
                    PROMPT_SAVE_AS,
                    "Save buffer as",
                    "Path of the .sql file (relative to the workspace)",
                    "queries/",
                )),
            },
            Action::SaveQuery => ctx.open(Overlay::prompt(
                PROMPT_SAVE_QUERY,
                "Save as a named query",
                format!("Name (stored as {}/NAME.sql)", self.paths.queries.display()),
                "",
            )),
            Action::SavedQueries => {
                let items: Vec<PickItem> = history::saved_queries(&self.paths.queries)
                    .into_iter()
                    .map(|(name, path)| PickItem {
                        detail: std::fs::read_to_string(&path)
                            .map(|t| first_line(&t))
                            .unwrap_or_default(),
                        label: name,
                        value: path.display().to_string(),
                    })
                    .collect();
                if items.is_empty() {
                    ctx.info(format!(
                        "No saved queries yet in {} (F2 saves the buffer as one).",
                        self.paths.queries.display()
                    ));
                } else {
                    ctx.open(Overlay::picker(
                        PICK_QUERY,
                        "Saved queries (Enter opens)",
                        items,
                    ));
                }
            }
            Action::History => {
                let items: Vec<PickItem> = self
                    .history
                    .search("")
                    .into_iter()
                    .map(|e| PickItem {
                        label: first_line(&e.sql),
                        detail: format!(
                            "{} · {} · {} ms{}",
                            e.at.get(..16).unwrap_or(&e.at).replace('T', " "),
                            e.status,
                            e.ms,
                            e.rows
                                .map(|r| format!(" · {} rows", results::group(r)))
                                .unwrap_or_default()
                        ),
                        value: e.sql.clone(),
                    })
                    .collect();
                if items.is_empty() {
                    ctx.info("No history yet: queries you run are kept here.");
                } else {
                    ctx.open(Overlay::picker(
                        PICK_HISTORY,
                        "History (type to search, Enter inserts)",
                        items,
                    ));
                }
            }
            _ => return false,
        }
        true
    }

    fn save_to(&mut self, path: &std::path::Path, ctx: &mut Ctx) {
        match self.editor.save_as(path) {
            Ok(()) => ctx.info(format!("Saved {}.", path.display())),
            Err(e) => ctx.error(format!("{}: {e}", path.display())),
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

/// The answer of a statement without a result set that DuckDB reports as a
/// single `Success` boolean column (DROP, ATTACH, ...).
fn is_success_only(page: &crate::engine::worker::ResultPage) -> bool {
    page.source.is_none()
        && page.batch.num_rows() == 0
        && page.schema.fields().len() == 1
        && page.schema.field(0).name() == "Success"
}

fn first_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default()
        .to_string()
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
            && matches!(self.catalog.state, super::catalog::CatalogState::Loading)
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
        let (x, y) = (ev.column, ev.row);
        let a = self.areas;
        let target = if contains(a.editor, x, y) {
            Focus::Editor
        } else if contains(a.results, x, y) {
            Focus::Results
        } else if a.catalog.is_some_and(|c| contains(c, x, y)) {
            Focus::Catalog
        } else {
            return false;
        };
        match ev.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                self.focus = target;
                match target {
                    Focus::Editor => {
                        // Inner area: border (1) + buffer strip (1).
                        let ta = &mut self.editor.current_mut().area;
                        let (top, left) = ta.scroll_offset();
                        let row = y.saturating_sub(a.editor.y + 2) as usize + top as usize;
                        let col = (x.saturating_sub(a.editor.x + 1) as usize + left as usize)
                            .saturating_sub(ta.line_number_width() as usize);
                        let pos = ta.screen_to_data(row, col);
                        ta.move_cursor(CursorMove::Jump(pos.0 as u16, pos.1 as u16));
                    }
                    Focus::Results => {
                        if let ResultsState::Ready(v) = &mut self.results {
                            let inner_y = a.results.y + 2; // border + header
                            if y >= inner_y {
                                let r = v.grid.top + u64::from(y - inner_y);
                                if r < v.rows_known() {
                                    v.grid.row = r;
                                }
                            }
                            if let Some(c) = v.grid.column_at(x) {
                                v.grid.col = c;
                            }
                        }
                    }
                    Focus::Catalog => {
                        if let Some(c) = a.catalog {
                            self.catalog.click(y.saturating_sub(c.y + 1) as usize);
                        }
                    }
                }
                true
            }
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let delta: i64 = if ev.kind == MouseEventKind::ScrollDown {
                    3
                } else {
                    -3
                };
                match target {
                    Focus::Editor => self.editor.current_mut().area.scroll(Scrolling::Delta {
                        rows: delta as i16,
                        cols: 0,
                    }),
                    Focus::Results => {
                        if let ResultsState::Ready(v) = &mut self.results {
                            let rows = v.rows_known();
                            v.grid.move_rows(delta, rows);
                        }
                        self.ensure_pages(ctx);
                    }
                    Focus::Catalog => self.catalog.move_by(delta as isize),
                }
                true
            }
            _ => false,
        }
    }

    fn on_query(&mut self, ev: QueryEvent, ctx: &mut Ctx) {
        match ev {
            QueryEvent::Progress { id, percent } => {
                if let ResultsState::Running {
                    id: rid, progress, ..
                } = &mut self.results
                    && *rid == id
                {
                    *progress = Some(percent);
                }
            }
            QueryEvent::Done { id, outcome } => {
                let (sql, started) = match &self.results {
                    ResultsState::Running {
                        id: rid,
                        sql,
                        started,
                        ..
                    } if *rid == id => (sql.clone(), *started),
                    _ => return, // an old request
                };
                self.record_history(&sql, &outcome, started, ctx);
                let ddl = split_statements(&sql).iter().any(|s| {
                    matches!(
                        leading_keyword(&s.text).as_str(),
                        "CREATE"
                            | "DROP"
                            | "ALTER"
                            | "ATTACH"
                            | "DETACH"
                            | "USE"
                            | "IMPORT"
                            | "INSERT"
                            | "DELETE"
                            | "UPDATE"
                            | "TRUNCATE"
                    )
                });
                self.results = match outcome {
                    // DuckDB answers DROP and similar with one `Success` column and no rows.
                    QueryOutcome::Rows(page) if is_success_only(&page) => ResultsState::Executed {
                        statement: split_statements(&sql)
                            .last()
                            .map(|s| leading_keyword(&s.text))
                            .unwrap_or_default(),
                        rows_changed: None,
                        elapsed: page.elapsed,
                    },
                    QueryOutcome::Rows(page) => {
                        let mut v = ResultView::new(id, page);
                        v.grid.viewport_rows = self.areas.results.height.saturating_sub(3).max(1);
                        ResultsState::Ready(Box::new(v))
                    }
                    QueryOutcome::Executed {
                        statement,
                        rows_changed,
                        elapsed,
                    } => ResultsState::Executed {
                        statement,
                        rows_changed,
                        elapsed,
                    },
                    QueryOutcome::Failed(message) => ResultsState::Failed { sql, message },
                    QueryOutcome::Cancelled => ResultsState::Cancelled {
                        sql,
                        elapsed: started.elapsed(),
                    },
                };
                if ddl {
                    self.load_catalog(ctx);
                }
            }
            QueryEvent::Count { id, total } => {
                if let ResultsState::Ready(v) = &mut self.results
                    && v.query_id == id
                {
                    match total {
                        Ok(n) => {
                            v.total = RowCount::Exact(n);
                            if v.want_bottom {
                                v.want_bottom = false;
                                v.grid.move_rows(i64::MAX, n);
                            }
                        }
                        Err(e) => {
                            v.want_bottom = false;
                            v.count_error =
                                Some(if e.contains("INTERRUPT") || e.contains("nterrupt") {
                                    "cancelled".into()
                                } else {
                                    e
                                });
                        }
                    }
                    self.ensure_pages(ctx);
                }
            }
            QueryEvent::Page { id, offset, result } => {
                if let ResultsState::Ready(v) = &mut self.results
                    && let Some(page) = v.inflight.remove(&id)
                {
                    match result {
                        Ok(batch) if page * PAGE_ROWS as u64 == offset => {
                            v.insert_page(page, batch)
                        }
                        Ok(_) => {}
                        Err(e) if e == "cancelled" => {}
                        Err(e) => ctx.error(format!("Fetching rows failed: {e}")),
                    }
                    self.ensure_pages(ctx);
                }
            }
        }
    }

    fn on_task(&mut self, id: RequestId, result: TaskResult, ctx: &mut Ctx) {
        if self.catalog_req == Some(id) {
            self.catalog_req = None;
            match result {
                TaskResult::Done(any) => match any.downcast::<crate::engine::catalog::Catalog>() {
                    Ok(cat) => self.catalog.set_catalog(*cat),
                    Err(_) => {
                        self.catalog.state =
                            super::catalog::CatalogState::Failed("bad catalog".into())
                    }
                },
                TaskResult::Failed(e) => {
                    self.catalog.state = super::catalog::CatalogState::Failed(e)
                }
                TaskResult::Cancelled => {}
            }
            return;
        }
        if let Some((eid, path)) = &self.export_req
            && *eid == id
        {
            let path = path.clone();
            self.export_req = None;
            match result {
                TaskResult::Done(any) => {
                    let n = any.downcast::<u64>().map(|n| *n).unwrap_or(0);
                    ctx.info(format!(
                        "Exported {} rows to {}.",
                        results::group(n),
                        path.display()
                    ));
                }
                TaskResult::Failed(e) => {
                    ctx.error(format!("Export to {} failed: {e}", path.display()))
                }
                TaskResult::Cancelled => ctx.info("Export cancelled; no file written."),
            }
        }
    }

    fn on_answer(&mut self, answer: Answer, ctx: &mut Ctx) {
        match answer {
            Answer::Yes(CONFIRM_RUN) => {
                if let Some(sql) = self.pending_run.take() {
                    self.start(sql, ctx);
                }
            }
            Answer::No(CONFIRM_RUN) => {
                self.pending_run = None;
                ctx.info("Not run.");
            }
            Answer::Yes(CONFIRM_CLOSE) => self.editor.close_current(),
            Answer::Text(PROMPT_SAVE_AS, text) => {
                if text.trim().is_empty() || text.trim().ends_with('/') {
                    ctx.error("Give a file name.");
                    return;
                }
                let p = crate::tui::effect::with_extension(self.paths.resolve(&text), "sql");
                self.save_to(&p, ctx);
            }
            Answer::Text(PROMPT_SAVE_QUERY, name) => match history::query_file_name(&name) {
                Some(file) => {
                    let p = self.paths.queries.join(file);
                    self.save_to(&p, ctx);
                }
                None => ctx.error(format!("{name:?} is not a usable query name.")),
            },
            Answer::Text(PROMPT_OPEN, text) => {
                let p = self.paths.resolve(&text);
                match self.editor.open(&p) {
                    Ok(()) => {
                        self.focus = Focus::Editor;
                        ctx.info(format!("Opened {}.", p.display()));
                    }
                    Err(e) => ctx.error(format!("{}: {e}", p.display())),
                }
            }
            Answer::Picked(PICK_QUERY, path) => {
                let p = PathBuf::from(path);
                match self.editor.open(&p) {
                    Ok(()) => self.focus = Focus::Editor,
                    Err(e) => ctx.error(format!("{}: {e}", p.display())),
                }
            }
            Answer::Picked(PICK_HISTORY, sql) => {
                let b = self.editor.current();
                let line = &b.area.lines()[b.area.cursor().0];
                let text = if line.trim().is_empty() {
                    sql
                } else {
                    format!("\n{sql}")
                };
                self.editor.insert(&text);
                self.focus = Focus::Editor;
            }
            Answer::Text(PROMPT_EXPORT, text) => self.export(&text, ctx),
            _ => {}
        }
    }

    fn on_quit(&mut self, ctx: &mut Ctx) {
        if let Err(e) = self.editor.save_session(&self.paths.session) {
            ctx.error(format!("{}: {e}", self.paths.session.display()));
        }
    }

    fn hints(&self, keymap: &Keymap) -> Vec<(String, &'static str)> {
        let items: &[(Context, Action, &'static str)] = match self.focus {
            Focus::Editor => &[
                (Context::Editor, Action::Run, "run"),
                (Context::Editor, Action::History, "history"),
                (Context::Editor, Action::NewBuffer, "new"),
                (Context::Global, Action::FocusNext, "focus"),
                (Context::Global, Action::Help, "help"),
            ],
            Focus::Results => &[
                (Context::Results, Action::Sort, "sort"),
                (Context::Results, Action::ViewCell, "view"),
                (Context::Results, Action::CopyCell, "copy"),
                (Context::Results, Action::Export, "export"),
                (Context::Global, Action::FocusNext, "focus"),
                (Context::Global, Action::Help, "help"),
            ],
            Focus::Catalog => &[
                (Context::Catalog, Action::Select, "insert"),
                (Context::Catalog, Action::Right, "expand"),
                (Context::Catalog, Action::Refresh, "refresh"),
                (Context::Global, Action::FocusNext, "focus"),
                (Context::Global, Action::Help, "help"),
            ],
        };
        items
            .iter()
            .filter_map(|(ctx, a, what)| hint(keymap, *ctx, *a, what))
            .collect()
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

impl SqlPane {
    fn export(&mut self, text: &str, ctx: &mut Ctx) {
        let ResultsState::Ready(v) = &self.results else {
            return;
        };
        let Some(source) = v.source() else { return };
        let path = self.paths.resolve(text);
        let Some(format) = ExportFormat::from_path(&path) else {
            ctx.error(format!(
                "{}: unknown format; end the name with .csv, .tsv, .json, .jsonl or .parquet",
                path.display()
            ));
            return;
        };
        let target = path.clone();
        let id = ctx.task(
            format!("exporting to {}", path.display()),
            Box::new(move |conn| {
                if let Some(dir) = target.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                }
                crate::engine::export::copy_to(conn, &source, &target, format)
                    .map(|n| Box::new(n) as Box<dyn Any + Send>)
                    .map_err(|e| e.to_string())
            }),
        );
        ctx.info(format!("Exporting to {}…", path.display()));
        self.export_req = Some((id, path));
    }
}
