//! Running effects: spawning DuckDB workers and tasks, cancelling them.

use super::*;

impl App {
    pub(super) fn sink(&self) -> worker::Sink {
        let tx = self.tx.clone();
        Arc::new(move |ev| {
            let _ = tx.send(Msg::Query(ev));
        })
    }

    pub(super) fn register(&mut self, owner: usize, id: RequestId, label: String) {
        self.owners.insert(id, owner);
        self.jobs.insert(
            id,
            JobInfo {
                owner,
                label,
                started: Instant::now(),
                progress: None,
            },
        );
    }

    /// Run the effects queued by the last update.
    pub fn run_effects(&mut self) {
        while !self.effects.is_empty() {
            let effects = std::mem::take(&mut self.effects);
            for e in effects {
                self.run_effect(e);
            }
        }
    }

    pub(super) fn run_effect(&mut self, e: Effect) {
        match e {
            Effect::Query {
                owner,
                id,
                sql,
                label,
                first_page_rows,
            } => {
                self.register(owner, id, label);
                match self.workspace.db().clone_conn() {
                    Ok(conn) => {
                        let opts = QueryOptions {
                            first_page_rows,
                            count_when_truncated: true,
                        };
                        let h = worker::spawn_query(conn, id, sql, opts, self.sink());
                        self.cancellers.insert(id, h);
                    }
                    Err(err) => {
                        let _ = self.tx.send(Msg::Query(QueryEvent::Done {
                            id,
                            outcome: QueryOutcome::Failed(err.to_string()),
                        }));
                    }
                }
            }
            Effect::Page {
                owner,
                id,
                source,
                offset,
                limit,
            } => {
                self.register(owner, id, "fetching rows".into());
                match self.workspace.db().clone_conn() {
                    Ok(conn) => {
                        let h = worker::spawn_page(conn, id, source, offset, limit, self.sink());
                        self.cancellers.insert(id, h);
                    }
                    Err(err) => {
                        let _ = self.tx.send(Msg::Query(QueryEvent::Page {
                            id,
                            offset,
                            result: Err(err),
                        }));
                    }
                }
            }
            Effect::Task {
                owner,
                id,
                label,
                job,
            } => {
                self.register(owner, id, label);
                self.spawn_task(id, job);
            }
            Effect::Cancel(id) => {
                if let Some(c) = self.cancellers.get(&id) {
                    c.cancel();
                }
            }
            Effect::OpenSql { sql, run } => {
                self.switch_tab(0);
                self.sql_mut().editor.new_buffer(&sql, None);
                if run {
                    self.with_pane(0, |p, ctx| {
                        p.on_action(crate::tui::action::Action::Run, ctx)
                    });
                }
            }
            Effect::Copy(text) => {
                self.clipboard = Some(text.clone());
                self.terminal_effects.push(Effect::Copy(text));
            }
            Effect::Quit => self.request_quit(),
            Effect::Suspend => self.terminal_effects.push(Effect::Suspend),
            Effect::Repaint => self.terminal_effects.push(Effect::Repaint),
            Effect::Schedule { owner, request } => self.schedule_effect(owner, request),
        }
    }

    /// Run a job on its own connection, with DuckDB progress polling and an
    /// interrupt handle for cancel.
    pub(super) fn spawn_task(&mut self, id: RequestId, job: Job) {
        let conn = match self.workspace.db().clone_conn() {
            Ok(c) => c,
            Err(e) => {
                let _ = self.tx.send(Msg::Task {
                    id,
                    result: TaskResult::Failed(e.to_string()),
                });
                return;
            }
        };
        let progress_tx = self.tx.clone();
        let panic_tx = self.tx.clone();
        let tx = self.tx.clone();
        let handle = worker::spawn_job(
            conn,
            id,
            move |percent| {
                let _ = progress_tx.send(Msg::TaskProgress { id, percent });
            },
            move |conn, cancelled| {
                // The cancel flag is set before DuckDB is interrupted: an error after it
                // is the cancel; any other error is a failure, whatever it says.
                let result = match job(conn) {
                    Ok(v) => TaskResult::Done(v),
                    Err(_) if cancelled.load(Ordering::SeqCst) => TaskResult::Cancelled,
                    Err(e) => TaskResult::Failed(e),
                };
                let _ = tx.send(Msg::Task { id, result });
            },
            move |message| {
                let _ = panic_tx.send(Msg::Task {
                    id,
                    result: TaskResult::Failed(message),
                });
            },
        );
        self.cancellers.insert(id, handle);
    }
}
