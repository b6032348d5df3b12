//! Running effects: spawning DuckDB workers and tasks, cancelling them.

use super::*;

pub(super) enum Canceller {
    Query(QueryHandle),
    Task {
        interrupt: Arc<duckdb::InterruptHandle>,
        cancelled: Arc<AtomicBool>,
    },
}

impl Canceller {
    pub(super) fn cancel(&self) {
        match self {
            Canceller::Query(h) => h.cancel(),
            Canceller::Task {
                interrupt,
                cancelled,
            } => {
                cancelled.store(true, Ordering::SeqCst);
                interrupt.interrupt();
            }
        }
    }
}

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
                        self.cancellers.insert(id, Canceller::Query(h));
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
                        self.cancellers.insert(id, Canceller::Query(h));
                    }
                    Err(err) => {
                        let _ = self.tx.send(Msg::Query(QueryEvent::Page {
                            id,
                            offset,
                            result: Err(err.to_string()),
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
        let interrupt = conn.interrupt_handle();
        let cancelled = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicBool::new(false));
        self.cancellers.insert(
            id,
            Canceller::Task {
                interrupt,
                cancelled: cancelled.clone(),
            },
        );
        // Losing progress tracking only loses the percentage.
        let _ = conn.set_query_progress_tracking(true);
        let progress = conn.progress_handle();
        let ptx = self.tx.clone();
        let pdone = done.clone();
        std::thread::spawn(move || {
            let mut last = -1.0;
            while !pdone.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(100));
                if let Some(p) = progress.query_progress().percentage()
                    && (p - last).abs() >= 0.5
                    && !pdone.load(Ordering::SeqCst)
                {
                    last = p;
                    let _ = ptx.send(Msg::TaskProgress { id, percent: p });
                }
            }
        });
        let tx = self.tx.clone();
        std::thread::spawn(move || {
            let result = match job(&conn) {
                Ok(v) => TaskResult::Done(v),
                Err(_) if cancelled.load(Ordering::SeqCst) => TaskResult::Cancelled,
                Err(e) if e.contains("INTERRUPT") || e.contains("query cancelled") => {
                    TaskResult::Cancelled
                }
                Err(e) => TaskResult::Failed(e),
            };
            done.store(true, Ordering::SeqCst);
            let _ = tx.send(Msg::Task { id, result });
        });
    }
}
