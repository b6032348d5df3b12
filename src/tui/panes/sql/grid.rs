//! The results grid's keys: moving, paging rows in, sort, copy, export.

use super::*;

impl SqlPane {
    /// Fetch pages the view needs; cancel fetches it no longer needs.
    pub(super) fn ensure_pages(&mut self, ctx: &mut Ctx) {
        let ResultsState::Ready(v) = &mut self.results else {
            return;
        };
        for id in v.stale_fetches() {
            v.inflight.remove(&id);
            ctx.cancel(id);
        }
        // One fetch at a time, the page nearest the top of the view first: a
        // fetch re-runs the source, so parallel fetches would only compete for
        // the same cores. A sorted result pages from its sorted table once the
        // sort is done (no page while sorting).
        if !v.inflight.is_empty() {
            return;
        }
        let Some(source) = v.page_source() else {
            return;
        };
        if let Some(p) = v.missing_pages().first() {
            let id = ctx.page(source, p * PAGE_ROWS as u64, PAGE_ROWS);
            v.inflight.insert(id, *p);
        }
    }

    /// Esc while rows are being fetched: stop. A sort that has not shown a
    /// single page yet is undone (the unsorted rows come back quickly).
    pub(super) fn cancel_fetches(&mut self, ctx: &mut Ctx) -> bool {
        let ResultsState::Ready(v) = &mut self.results else {
            return false;
        };
        if let SortTable::Sorting { task, .. } = &v.sorted {
            // Undone when the task reports Cancelled (the unsorted rows come back).
            ctx.cancel(*task);
            ctx.info("Cancelling the sort…");
            return true;
        }
        if v.inflight.is_empty() {
            return false;
        }
        for id in v.inflight.keys() {
            ctx.cancel(*id);
        }
        v.inflight.clear();
        if v.sort.is_some() && v.pages_cached() == 0 {
            v.sort = None;
            ctx.info("Sort cancelled.");
        } else {
            ctx.info("Fetching cancelled.");
        }
        true
    }

    pub(super) fn grid_action(&mut self, action: Action, ctx: &mut Ctx) -> bool {
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

    pub(super) fn sort(&mut self, ctx: &mut Ctx) -> bool {
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
        drop_sort_table(v, ctx);
        match v.sort {
            Some((c, desc)) => {
                // Sorted once, on a worker, into a scratch table; pages come from it.
                let (Some(base), column) =
                    (v.base_source.clone(), v.schema.field(c).name().clone())
                else {
                    return true;
                };
                v.sort_seq += 1;
                let table = format!("sort_{}_{}", v.query_id, v.sort_seq);
                let name = table.clone();
                let task = ctx.task(
                    format!("sorting by {column}"),
                    Box::new(move |conn| {
                        crate::engine::sorted::sort_into(conn, &base, &column, desc, &name)
                            .map(|n| Box::new(n) as Box<dyn Any + Send>)
                            .map_err(|e| e.to_string())
                    }),
                );
                v.sorted = SortTable::Sorting { task, table };
                ctx.info(format!(
                    "Sorting by {} {} (by DuckDB, over the whole result)…",
                    v.schema.field(c).name(),
                    if desc { "descending" } else { "ascending" }
                ));
            }
            None => ctx.info("Sort removed."),
        }
        self.ensure_pages(ctx);
        true
    }

    /// The task sorting the current result, if one is running.
    pub(super) fn sort_task(&self) -> Option<RequestId> {
        match &self.results {
            ResultsState::Ready(v) => match &v.sorted {
                SortTable::Sorting { task, .. } => Some(*task),
                _ => None,
            },
            _ => None,
        }
    }

    /// The sort task finished: page from its table, or fall back to the unsorted rows.
    pub(super) fn sort_done(&mut self, result: TaskResult, ctx: &mut Ctx) {
        let ResultsState::Ready(v) = &mut self.results else {
            return;
        };
        let SortTable::Sorting { table, .. } = &v.sorted else {
            return;
        };
        let table = table.clone();
        match result {
            TaskResult::Done(_) => {
                v.sorted = SortTable::Ready { table };
                v.clear_pages();
                if let Some((c, desc)) = v.sort {
                    ctx.info(format!(
                        "Sorted by {} {} (by DuckDB, over the whole result).",
                        v.schema.field(c).name(),
                        if desc { "descending" } else { "ascending" }
                    ));
                }
            }
            TaskResult::Failed(e) => {
                v.sorted = SortTable::None;
                v.sort = None;
                ctx.error(format!("Sorting failed: {e}"));
            }
            TaskResult::Cancelled => {
                v.sorted = SortTable::None;
                v.sort = None;
                ctx.info("Sort cancelled.");
            }
        }
        self.ensure_pages(ctx);
    }

    /// Drops the scratch table of the current result's sort (a new query replaces it).
    pub(super) fn drop_sort(&mut self, ctx: &mut Ctx) {
        if let ResultsState::Ready(v) = &mut self.results {
            drop_sort_table(v, ctx);
        }
    }

    pub(super) fn export(&mut self, text: &str, ctx: &mut Ctx) {
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
            format!("exporting to {}", self.show_path(&path)),
            Box::new(move |conn| {
                if let Some(dir) = target.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                }
                crate::engine::export::copy_to(conn, &source, &target, format)
                    .map(|n| Box::new(n) as Box<dyn Any + Send>)
                    .map_err(|e| e.to_string())
            }),
        );
        ctx.info(format!("Exporting to {}…", self.show_path(&path)));
        self.export_req = Some((id, path));
    }

    pub(super) fn mouse(&mut self, ev: MouseEvent, ctx: &mut Ctx) -> bool {
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
}

/// Cancels a sort still running and drops its scratch table, on a worker.
fn drop_sort_table(v: &mut ResultView, ctx: &mut Ctx) {
    if let Some((table, running)) = v.take_sort_table() {
        if let Some(task) = running {
            ctx.cancel(task);
        }
        ctx.task(
            "dropping a sorted result",
            Box::new(move |conn| {
                crate::engine::sorted::drop_sorted(conn, &table)
                    .map(|()| Box::new(()) as Box<dyn Any + Send>)
                    .map_err(|e| e.to_string())
            }),
        );
    }
}
