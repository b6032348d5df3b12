//! Query workers: each request runs on its own thread with its own cloned
//! connection, reports progress, and can be cancelled for real through
//! DuckDB's interrupt handle.
//!
//! Cancellation is typed: [`QueryHandle::cancel`] sets the request's flag before
//! it interrupts DuckDB, and an error that follows a set flag is reported as
//! cancelled ([`QueryOutcome::Cancelled`], [`EngineError::Cancelled`]); any other
//! error is a failure, whatever its words.
//!
//! Nothing here holds a whole result: a query returns its first page (at most
//! `first_page_rows` rows) and, when more exist, the exact total is counted in
//! the background. Later pages are fetched on demand by re-running the query
//! as `SELECT * FROM (source) LIMIT .. OFFSET ..`.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use duckdb::arrow::array::RecordBatch;
use duckdb::arrow::compute::concat_batches;
use duckdb::arrow::datatypes::SchemaRef;
use duckdb::{Connection, InterruptHandle};

use super::EngineError;
use crate::sql::{is_query, leading_keyword, parenthesize, split_statements};

/// Identifies a request; results for a request that is no longer current are dropped by the receiver.
pub type RequestId = u64;

/// Receives worker events (the app forwards them into its message channel).
pub type Sink = Arc<dyn Fn(QueryEvent) + Send + Sync>;

/// What a worker reports.
#[derive(Debug)]
pub enum QueryEvent {
    /// DuckDB's progress estimate, 0..=100.
    Progress { id: RequestId, percent: f64 },
    /// The request finished.
    Done {
        id: RequestId,
        outcome: QueryOutcome,
    },
    /// The exact row count of a result whose first page was truncated
    /// ([`EngineError::Cancelled`] when the count was cancelled).
    Count {
        id: RequestId,
        total: Result<u64, EngineError>,
    },
    /// A page fetched with [`spawn_page`] ([`EngineError::Cancelled`] when cancelled).
    Page {
        id: RequestId,
        offset: u64,
        result: Result<RecordBatch, EngineError>,
    },
}

/// How a request ended.
#[derive(Debug)]
pub enum QueryOutcome {
    Rows(ResultPage),
    /// A statement without a result set (DDL, INSERT ...).
    Executed {
        statement: String,
        rows_changed: Option<u64>,
        elapsed: Duration,
    },
    Failed(String),
    Cancelled,
}

/// How many rows a result has, as far as we know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowCount {
    Exact(u64),
    /// More rows exist than were fetched; the exact count may follow.
    AtLeast(u64),
}

impl RowCount {
    pub fn value(self) -> u64 {
        match self {
            RowCount::Exact(n) | RowCount::AtLeast(n) => n,
        }
    }
}

/// The first rows of a result.
#[derive(Debug, Clone)]
pub struct ResultPage {
    /// The query that produced the rows, re-runnable for paging, sorting and
    /// export; `None` for statements that cannot be wrapped (SHOW, PRAGMA, ...).
    pub source: Option<String>,
    pub schema: SchemaRef,
    /// Rows `0..rows` of the result, as one batch.
    pub batch: RecordBatch,
    pub total: RowCount,
    pub elapsed: Duration,
}

/// Options of a query request.
#[derive(Debug, Clone, Copy)]
pub struct QueryOptions {
    pub first_page_rows: usize,
    /// Count the exact total in the background when the first page is truncated.
    pub count_when_truncated: bool,
}

impl Default for QueryOptions {
    fn default() -> Self {
        Self {
            first_page_rows: 2_000,
            count_when_truncated: true,
        }
    }
}

/// A running request. Dropping it does not cancel; call [`QueryHandle::cancel`].
pub struct QueryHandle {
    pub id: RequestId,
    interrupt: Arc<InterruptHandle>,
    cancelled: Arc<AtomicBool>,
    finished: Arc<AtomicBool>,
}

impl QueryHandle {
    /// Interrupts DuckDB; the worker then reports `Cancelled`.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        self.interrupt.interrupt();
    }

    pub fn is_finished(&self) -> bool {
        self.finished.load(Ordering::SeqCst)
    }
}

/// Starts a worker on `conn` (a clone of the process connection) and returns at once.
pub fn spawn_query(
    conn: Connection,
    id: RequestId,
    sql: String,
    opts: QueryOptions,
    sink: Sink,
) -> QueryHandle {
    let panic_sink = sink.clone();
    spawn_worker(
        conn,
        id,
        sink,
        move |conn, ctx| run_query(conn, id, &sql, opts, ctx),
        // After the first page went out the worker was counting rows, and
        // the receiver waits for the count.
        move |message, answered| {
            panic_sink(if answered {
                QueryEvent::Count {
                    id,
                    total: Err(EngineError::Sql(message)),
                }
            } else {
                QueryEvent::Done {
                    id,
                    outcome: QueryOutcome::Failed(message),
                }
            })
        },
    )
}

/// Fetches rows `offset..offset+limit` of `source` on a worker.
pub fn spawn_page(
    conn: Connection,
    id: RequestId,
    source: String,
    offset: u64,
    limit: usize,
    sink: Sink,
) -> QueryHandle {
    let panic_sink = sink.clone();
    spawn_worker(
        conn,
        id,
        sink,
        move |conn, ctx| {
            let result = fetch_page(conn, &source, offset, limit)
                .map_err(|e| e.or_cancelled(ctx.cancel_requested()));
            (ctx.sink)(QueryEvent::Page { id, offset, result });
        },
        move |message, _| {
            panic_sink(QueryEvent::Page {
                id,
                offset,
                result: Err(EngineError::Sql(message)),
            })
        },
    )
}

/// What a worker body gets besides its connection.
struct WorkerCtx<'a> {
    sink: Sink,
    cancelled: &'a AtomicBool,
    /// Set once `Done` was sent (a panic after it must not send a second one).
    answered: &'a AtomicBool,
}

impl WorkerCtx<'_> {
    /// Whether a cancel was asked for (the flag is set before DuckDB is interrupted).
    fn cancel_requested(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }
}

/// `on_panic` gets the panic's message and whether `Done` was already sent.
fn spawn_worker(
    conn: Connection,
    id: RequestId,
    sink: Sink,
    body: impl FnOnce(&Connection, &WorkerCtx) + Send + 'static,
    on_panic: impl FnOnce(String, bool) + Send + 'static,
) -> QueryHandle {
    let progress_sink = sink.clone();
    let answered = Arc::new(AtomicBool::new(false));
    let answered_at_panic = answered.clone();
    spawn_job(
        conn,
        id,
        move |percent| progress_sink(QueryEvent::Progress { id, percent }),
        move |conn, cancelled| {
            let ctx = WorkerCtx {
                sink,
                cancelled,
                answered: &answered,
            };
            body(conn, &ctx)
        },
        move |message| on_panic(message, answered_at_panic.load(Ordering::SeqCst)),
    )
}

/// Runs any DuckDB work `body` on its own thread with `conn` (a clone of the
/// process connection), reporting DuckDB's progress estimate to `on_progress`
/// and cancellable through the returned handle. `body` is told whether a
/// cancel was requested, so it can report an interrupted statement as cancelled.
///
/// When `body` panics, the panic stops at this thread: `on_panic` gets its
/// message so the request is reported failed (instead of running forever),
/// and the caller keeps running.
pub fn spawn_job(
    conn: Connection,
    id: RequestId,
    on_progress: impl Fn(f64) + Send + 'static,
    body: impl FnOnce(&Connection, &AtomicBool) + Send + 'static,
    on_panic: impl FnOnce(String) + Send + 'static,
) -> QueryHandle {
    let interrupt = conn.interrupt_handle();
    let cancelled = Arc::new(AtomicBool::new(false));
    let finished = Arc::new(AtomicBool::new(false));
    let handle = QueryHandle {
        id,
        interrupt,
        cancelled: cancelled.clone(),
        finished: finished.clone(),
    };
    // Progress tracking is a per-connection client setting; failing to enable it only loses the bar.
    let _ = conn.set_query_progress_tracking(true);
    let progress = conn.progress_handle();
    let poll_done = finished.clone();
    // DuckDB's interrupt only reaches a statement that is running: a cancel that comes
    // before the body's first statement starts, or between two statements, would be
    // lost. While the job runs, a requested cancel is therefore repeated every tick.
    let poll_interrupt = handle.interrupt.clone();
    let poll_cancelled = cancelled.clone();
    thread::spawn(move || {
        let mut last = -1.0;
        while !poll_done.load(Ordering::SeqCst) {
            thread::sleep(Duration::from_millis(100));
            if poll_cancelled.load(Ordering::SeqCst) && !poll_done.load(Ordering::SeqCst) {
                poll_interrupt.interrupt();
                continue;
            }
            if let Some(p) = progress.query_progress().percentage()
                && (p - last).abs() >= 0.5
                && !poll_done.load(Ordering::SeqCst)
            {
                last = p;
                on_progress(p);
            }
        }
    });
    thread::spawn(move || {
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| body(&conn, &cancelled)));
        finished.store(true, Ordering::SeqCst);
        if let Err(payload) = outcome {
            on_panic(panic_message(payload.as_ref()));
        }
    });
    handle
}

/// What a failed request shows for a worker's panic: its message (a `&str`
/// or `String` payload, as `panic!` makes).
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into());
    format!("internal error (the worker panicked): {text}")
}

fn run_query(conn: &Connection, id: RequestId, sql: &str, opts: QueryOptions, ctx: &WorkerCtx) {
    let started = Instant::now();
    let outcome = match execute_script(conn, sql, opts.first_page_rows) {
        Ok(outcome) => outcome,
        Err(_) if ctx.cancel_requested() => QueryOutcome::Cancelled,
        Err(e) => QueryOutcome::Failed(e.to_string()),
    };
    let outcome = with_elapsed(outcome, started.elapsed());
    let count_source = match &outcome {
        QueryOutcome::Rows(page) if matches!(page.total, RowCount::AtLeast(_)) => {
            page.source.clone()
        }
        _ => None,
    };
    ctx.answered.store(true, Ordering::SeqCst);
    (ctx.sink)(QueryEvent::Done { id, outcome });
    if let (Some(source), true) = (count_source, opts.count_when_truncated) {
        let total = count_rows(conn, &source).map_err(|e| e.or_cancelled(ctx.cancel_requested()));
        (ctx.sink)(QueryEvent::Count { id, total });
    }
}

fn with_elapsed(outcome: QueryOutcome, elapsed: Duration) -> QueryOutcome {
    match outcome {
        QueryOutcome::Rows(mut page) => {
            page.elapsed = elapsed;
            QueryOutcome::Rows(page)
        }
        QueryOutcome::Executed {
            statement,
            rows_changed,
            ..
        } => QueryOutcome::Executed {
            statement,
            rows_changed,
            elapsed,
        },
        other => other,
    }
}

/// Runs every statement of `sql`; returns the first page of the last one.
pub fn execute_script(
    conn: &Connection,
    sql: &str,
    first_page_rows: usize,
) -> Result<QueryOutcome, EngineError> {
    let stmts = split_statements(sql);
    let Some((last, before)) = stmts.split_last() else {
        return Err(EngineError::Invalid(
            "nothing to run: the SQL is empty".into(),
        ));
    };
    for stmt in before {
        conn.execute_batch(&stmt.text)?;
    }
    first_page(conn, &last.text, first_page_rows)
}

/// Executes one statement and reads at most `limit` rows of its result.
pub fn first_page(
    conn: &Connection,
    stmt: &str,
    limit: usize,
) -> Result<QueryOutcome, EngineError> {
    let mut prepared = conn.prepare(stmt)?;
    let stream = prepared.stream_arrow([])?;
    let schema = stream.get_schema();
    let mut batches = Vec::new();
    let mut rows = 0usize;
    let mut more = false;
    for batch in stream {
        let batch = batch?;
        if batch.num_rows() == 0 {
            continue;
        }
        if rows >= limit {
            more = true;
            break;
        }
        let take = (limit - rows).min(batch.num_rows());
        rows += take;
        batches.push(batch.slice(0, take));
        if take < batch.num_rows() {
            more = true;
            break;
        }
    }
    if let Some(executed) = executed_outcome(stmt, &schema, batches.first()) {
        return Ok(executed);
    }
    let batch = concat_batches(&schema, &batches).map_err(|e| EngineError::Sql(e.to_string()))?;
    Ok(QueryOutcome::Rows(ResultPage {
        source: is_query(stmt).then(|| stmt.to_string()),
        schema,
        batch,
        total: if more {
            RowCount::AtLeast(rows as u64)
        } else {
            RowCount::Exact(rows as u64)
        },
        elapsed: Duration::ZERO,
    }))
}

/// The outcome of a statement without a result set (DDL, DML), read from its
/// first batch; `None` when `stmt` returns rows.
pub fn executed_outcome(
    stmt: &str,
    schema: &SchemaRef,
    first: Option<&RecordBatch>,
) -> Option<QueryOutcome> {
    if is_query(stmt) || !is_count_only(schema) {
        return None;
    }
    let rows_changed = first
        .filter(|b| b.num_rows() > 0 && schema.field(0).name() == "Count")
        .and_then(|b| super::format::cell_as_u64(b.column(0), 0));
    Some(QueryOutcome::Executed {
        statement: leading_keyword(stmt),
        rows_changed,
        elapsed: Duration::ZERO,
    })
}

/// DDL and DML report a single `Count` column (DuckDB 2.0 answers DROP and
/// some DDL with a single `Success` column), or nothing at all.
fn is_count_only(schema: &SchemaRef) -> bool {
    schema.fields().is_empty()
        || (schema.fields().len() == 1
            && matches!(schema.field(0).name().as_str(), "Count" | "Success"))
}

/// Rows `offset..offset+limit` of `source`, in the source's order.
pub fn fetch_page(
    conn: &Connection,
    source: &str,
    offset: u64,
    limit: usize,
) -> Result<RecordBatch, EngineError> {
    let sql = format!(
        "SELECT * FROM {} AS clvdesk_page LIMIT {limit} OFFSET {offset}",
        parenthesize(source)
    );
    let mut stmt = conn.prepare(&sql)?;
    let stream = stmt.stream_arrow([])?;
    let schema = stream.get_schema();
    let batches = stream.collect::<Result<Vec<_>, _>>()?;
    concat_batches(&schema, &batches).map_err(|e| EngineError::Sql(e.to_string()))
}

/// The exact number of rows `source` returns.
pub fn count_rows(conn: &Connection, source: &str) -> Result<u64, EngineError> {
    let n: i64 = conn.query_row(
        &format!(
            "SELECT count(*) FROM {} AS clvdesk_count",
            parenthesize(source)
        ),
        [],
        |r| r.get(0),
    )?;
    Ok(n.max(0) as u64)
}

/// `source` re-ordered by one column, the whole result sorted by DuckDB.
pub fn sorted_source(source: &str, column: &str, descending: bool) -> String {
    format!(
        "SELECT * FROM {} AS clvdesk_sort ORDER BY {} {} NULLS LAST",
        parenthesize(source),
        crate::sql::quote_ident(column),
        if descending { "DESC" } else { "ASC" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Database;
    use std::sync::mpsc;

    fn channel_sink() -> (Sink, mpsc::Receiver<QueryEvent>) {
        let (tx, rx) = mpsc::channel();
        let tx = std::sync::Mutex::new(tx);
        let sink: Sink = Arc::new(move |ev| {
            if let Ok(tx) = tx.lock() {
                let _ = tx.send(ev);
            }
        });
        (sink, rx)
    }

    fn wait_done(rx: &mpsc::Receiver<QueryEvent>) -> QueryOutcome {
        loop {
            match rx
                .recv_timeout(Duration::from_secs(120))
                .expect("worker answered")
            {
                QueryEvent::Done { outcome, .. } => return outcome,
                _ => continue,
            }
        }
    }

    #[test]
    fn long_query_is_cancelled_through_the_interrupt_handle() {
        let db = Database::open_in_memory().unwrap();
        let (sink, rx) = channel_sink();
        let handle = spawn_query(
            db.clone_conn().unwrap(),
            7,
            "select count(*) from range(1000000000000) t(i) where i % 7 = 3".into(),
            QueryOptions::default(),
            sink,
        );
        std::thread::sleep(Duration::from_millis(300));
        assert!(!handle.is_finished());
        handle.cancel();
        assert!(matches!(wait_done(&rx), QueryOutcome::Cancelled));
        // The connection still works afterwards.
        assert!(count_rows(db.conn(), "select 1").is_ok());
    }

    /// A cancel that arrives before the worker's statement has started is not lost:
    /// the statement is interrupted once it runs (it would run for minutes otherwise).
    #[test]
    fn a_cancel_before_the_statement_starts_still_cancels_it() {
        let db = Database::open_in_memory().unwrap();
        let (tx, rx) = mpsc::channel();
        let handle = spawn_job(
            db.clone_conn().unwrap(),
            8,
            |_| {},
            move |conn, cancelled| {
                // The cancel lands here, before DuckDB has anything to interrupt.
                std::thread::sleep(Duration::from_millis(400));
                let r = count_rows(
                    conn,
                    "select * from range(1000000000000) t(i) where i % 7 = 3",
                )
                .map_err(|e| e.or_cancelled(cancelled.load(Ordering::SeqCst)));
                let _ = tx.send(r);
            },
            |_| {},
        );
        handle.cancel();
        let r = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the statement was interrupted");
        assert!(matches!(r, Err(EngineError::Cancelled)), "{r:?}");
    }

    /// Only a requested cancel makes a cancelled outcome: an error that merely says
    /// "interrupt" (here one raised by the query itself) is a failure with its words.
    #[test]
    fn an_error_mentioning_an_interrupt_is_a_failure_not_a_cancel() {
        let db = Database::open_in_memory().unwrap();
        let (sink, rx) = channel_sink();
        spawn_query(
            db.clone_conn().unwrap(),
            8,
            "select error('INTERRUPT Error: Interrupted!')".into(),
            QueryOptions::default(),
            sink,
        );
        match wait_done(&rx) {
            QueryOutcome::Failed(m) => assert!(m.contains("Interrupted!"), "{m}"),
            other => panic!("a failure expected, got {other:?}"),
        }
    }

    /// A cancelled count arrives as a typed cancel, not as DuckDB's message.
    #[test]
    fn a_cancelled_count_is_typed() {
        let db = Database::open_in_memory().unwrap();
        let (sink, rx) = channel_sink();
        let handle = spawn_query(
            db.clone_conn().unwrap(),
            9,
            "select i from range(1000000000000) t(i) where i % 7 = 3".into(),
            QueryOptions {
                first_page_rows: 10,
                count_when_truncated: true,
            },
            sink,
        );
        assert!(matches!(wait_done(&rx), QueryOutcome::Rows(_)));
        std::thread::sleep(Duration::from_millis(200));
        handle.cancel();
        loop {
            match rx.recv_timeout(Duration::from_secs(60)).unwrap() {
                QueryEvent::Progress { .. } => continue,
                QueryEvent::Count { id: 9, total } => {
                    assert!(matches!(total, Err(EngineError::Cancelled)), "{total:?}");
                    break;
                }
                other => panic!("count expected, got {other:?}"),
            }
        }
    }

    #[test]
    fn a_panicking_job_reports_its_message_and_finishes() {
        let db = Database::open_in_memory().unwrap();
        let (tx, rx) = mpsc::channel();
        let handle = spawn_job(
            db.clone_conn().unwrap(),
            3,
            |_| {},
            |_, _| panic!("the fit blew up"),
            move |message| {
                let _ = tx.send(message);
            },
        );
        let message = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the panic is reported");
        assert!(message.contains("the fit blew up"), "{message}");
        assert!(handle.is_finished());
        // A String payload (panic! with arguments) carries its text too.
        let (tx, rx) = mpsc::channel();
        spawn_job(
            db.clone_conn().unwrap(),
            4,
            |_| {},
            |_, _| panic!("row {} broke", 7),
            move |message| {
                let _ = tx.send(message);
            },
        );
        let message = rx.recv_timeout(Duration::from_secs(60)).unwrap();
        assert!(message.contains("row 7 broke"), "{message}");
    }

    #[test]
    fn first_page_is_bounded_and_counted_then_paged() {
        let db = Database::open_in_memory().unwrap();
        let (sink, rx) = channel_sink();
        let opts = QueryOptions {
            first_page_rows: 100,
            count_when_truncated: true,
        };
        spawn_query(
            db.clone_conn().unwrap(),
            1,
            "select range as i from range(12345)".into(),
            opts,
            sink.clone(),
        );
        let QueryOutcome::Rows(page) = wait_done(&rx) else {
            panic!("rows expected")
        };
        assert_eq!(page.batch.num_rows(), 100);
        assert_eq!(page.total, RowCount::AtLeast(100));
        match rx.recv_timeout(Duration::from_secs(60)).unwrap() {
            QueryEvent::Count { id: 1, total } => assert_eq!(total.unwrap(), 12345),
            other => panic!("count expected, got {other:?}"),
        }
        let source = page.source.unwrap();
        spawn_page(
            db.clone_conn().unwrap(),
            2,
            sorted_source(&source, "i", true),
            12340,
            10,
            sink,
        );
        match rx.recv_timeout(Duration::from_secs(60)).unwrap() {
            QueryEvent::Page {
                id: 2,
                offset: 12340,
                result,
            } => {
                let batch = result.unwrap();
                assert_eq!(batch.num_rows(), 5);
                assert_eq!(
                    crate::engine::format::format_cell(batch.column(0), 0).text,
                    "4"
                );
            }
            other => panic!("page expected, got {other:?}"),
        }
    }

    #[test]
    fn scripts_run_in_order_and_errors_carry_duckdb_messages() {
        let db = Database::open_in_memory().unwrap();
        let out = execute_script(
            db.conn(),
            "create table t(x int); insert into t values (1),(2); select * from t",
            10,
        )
        .unwrap();
        assert!(matches!(out, QueryOutcome::Rows(ref p) if p.total == RowCount::Exact(2)));
        let out = execute_script(db.conn(), "insert into t values (3)", 10).unwrap();
        assert!(matches!(
            out,
            QueryOutcome::Executed {
                rows_changed: Some(1),
                ..
            }
        ));
        let out = execute_script(db.conn(), "drop table if exists nothing_here", 10).unwrap();
        assert!(matches!(out, QueryOutcome::Executed { ref statement, .. } if statement == "DROP"));
        let err = execute_script(db.conn(), "select nope from t", 10).unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
    }
}
