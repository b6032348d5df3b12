//! Running SQL: the statement to run, confirmation, cancel, worker events,
//! history, catalog reloads.

use super::*;
use crate::engine::EngineError;

impl SqlPane {
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

    pub(super) fn run(&mut self, ctx: &mut Ctx) {
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

    pub(super) fn start(&mut self, sql: String, ctx: &mut Ctx) {
        self.cancel_running(ctx);
        self.drop_sort(ctx);
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
    pub(super) fn cancel_running(&mut self, ctx: &mut Ctx) -> bool {
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

    pub(super) fn record_history(
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

    pub(super) fn query_event(&mut self, ev: QueryEvent, ctx: &mut Ctx) {
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
                    QueryOutcome::Rows(page) => {
                        let mut v = ResultView::new(id, page);
                        v.float_digits = self.float_digits;
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
                        Err(EngineError::Cancelled) => {
                            v.want_bottom = false;
                            v.count_error = Some("cancelled".into());
                        }
                        Err(e) => {
                            v.want_bottom = false;
                            v.count_error = Some(e.to_string());
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
                        Err(EngineError::Cancelled) => {}
                        Err(e) => ctx.error(format!("Fetching rows failed: {e}")),
                    }
                    self.ensure_pages(ctx);
                }
            }
        }
    }

    pub(super) fn task_done(&mut self, id: RequestId, result: TaskResult, ctx: &mut Ctx) {
        if self.sort_task() == Some(id) {
            self.sort_done(result, ctx);
            return;
        }
        if self.catalog_req == Some(id) {
            self.catalog_req = None;
            match result {
                TaskResult::Done(any) => match any.downcast::<crate::engine::catalog::Catalog>() {
                    Ok(cat) => self.catalog.set_catalog(*cat),
                    Err(_) => {
                        self.catalog.state =
                            crate::tui::panes::catalog::CatalogState::Failed("bad catalog".into())
                    }
                },
                TaskResult::Failed(e) => {
                    self.catalog.state = crate::tui::panes::catalog::CatalogState::Failed(e)
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
                        self.show_path(&path)
                    ));
                }
                TaskResult::Failed(e) => {
                    ctx.error(format!("Export to {} failed: {e}", path.display()))
                }
                TaskResult::Cancelled => ctx.info("Export cancelled; no file written."),
            }
        }
    }
}
