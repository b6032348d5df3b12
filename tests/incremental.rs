//! Incremental SQL jobs (batch checkpoints) with the starter fold `response_fold`:
//! three ingested batches with runs between count every event exactly once (checked
//! against a count over the raw table), a failed run does not move the checkpoint, a
//! batch folded again replaces itself, and a bad source names the job file and line.

use std::path::Path;

use clvdesk::engine::Database;
use clvdesk::engine::ingest::ingest_file;
use clvdesk::scheduler::checkpoint::checkpoint;
use clvdesk::scheduler::job::{Cancel, JobError};
use clvdesk::scheduler::registry::Registry;
use clvdesk::scheduler::runlog::RunStatus;
use clvdesk::scheduler::runner::{self, PlannedRun, RunReport};
use clvdesk::scheduler::schedule::{Params, Trigger};
use clvdesk::scheduler::starters::INSIGHTS_FILES;
use duckdb::Connection;

/// A workspace folder holding the starter insights job files, and an in-memory database
/// with the insights schema.
fn setup() -> (tempfile::TempDir, Database) {
    let tmp = tempfile::tempdir().unwrap();
    for (path, text) in INSIGHTS_FILES {
        let p = tmp.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let db = Database::open_in_memory_workspace().unwrap();
    let report = run(tmp.path(), db.conn(), "insights_schema");
    assert_eq!(report.status, RunStatus::Succeeded, "{:?}", report.result);
    (tmp, db)
}

fn run(root: &Path, conn: &Connection, job: &str) -> RunReport {
    let registry = Registry::load(root);
    assert!(registry.errors.is_empty(), "{:?}", registry.errors);
    let planned = PlannedRun {
        job: job.to_string(),
        schedule: None,
        trigger: Trigger::Manual,
        slot: None,
        missed: 0,
        params: Params::new(),
    };
    runner::execute(conn, root, &registry, &planned, &Cancel::new(conn)).unwrap()
}

/// Writes `n` email events as a CSV: campaigns 1-3, days 2026-03-01..03, sends, opens
/// and clicks in a fixed pattern that depends on `seed` (so batches overlap in day and
/// campaign: later batches add to days earlier batches already folded).
fn events_csv(dir: &Path, name: &str, n: usize, seed: usize) -> std::path::PathBuf {
    let mut s = String::from("campaign_id,customer_id,event_type,event_ts\n");
    for i in 0..n {
        let k = i * 7 + seed * 13;
        let kind = ["send", "send", "open", "send", "click", "open"][k % 6];
        s.push_str(&format!(
            "{},{},{kind},2026-03-0{} {:02}:{:02}:00\n",
            1 + k % 3,
            1000 + i,
            1 + (k / 3) % 3,
            k % 24,
            k % 60
        ));
    }
    let path = dir.join(name);
    std::fs::write(&path, s).unwrap();
    path
}

/// (day, campaign, sends, opens, clicks) from the folded facts and independently from
/// the raw events.
type Counts = Vec<(String, i64, i64, i64, i64)>;

fn folded(conn: &Connection) -> Counts {
    rows(
        conn,
        "SELECT CAST(day AS VARCHAR), campaign_id, sum(sends)::BIGINT, sum(opens)::BIGINT,
                sum(clicks)::BIGINT
         FROM insights.campaign_daily GROUP BY ALL ORDER BY ALL",
    )
}

fn raw(conn: &Connection) -> Counts {
    rows(
        conn,
        "SELECT CAST(CAST(event_ts AS DATE) AS VARCHAR) AS d, campaign_id,
                sum(CASE WHEN event_type = 'send' THEN 1 ELSE 0 END)::BIGINT,
                sum(CASE WHEN event_type = 'open' THEN 1 ELSE 0 END)::BIGINT,
                sum(CASE WHEN event_type = 'click' THEN 1 ELSE 0 END)::BIGINT
         FROM email_events GROUP BY d, campaign_id ORDER BY d, campaign_id",
    )
}

fn rows(conn: &Connection, sql: &str) -> Counts {
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn summary(r: &RunReport) -> String {
    match &r.result {
        Ok(o) => o.summary.clone(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn three_batches_with_runs_between_count_every_event_once() {
    let (tmp, db) = setup();
    let conn = db.conn();
    let mut batches = Vec::new();
    for (i, n) in [(0, 500), (1, 300), (2, 700)] {
        let file = events_csv(tmp.path(), &format!("events{i}.csv"), n, i);
        let b = ingest_file(conn, &file, "email_events").unwrap();
        batches.push(b.batch_id);
        let r = run(tmp.path(), conn, "response_fold");
        assert_eq!(r.status, RunStatus::Succeeded, "{}", summary(&r));
        let s = summary(&r);
        assert!(
            s.contains(&format!("batch {} of email_events ({n} rows)", b.batch_id)),
            "{s}"
        );
        assert_eq!(folded(conn), raw(conn), "after batch {i}");
        assert_eq!(
            checkpoint(conn, "response_fold", "email_events").unwrap(),
            Some(b.batch_id)
        );
        // Nothing new: no work, and it says so; the facts stay as they are.
        let idle = run(tmp.path(), conn, "response_fold");
        assert_eq!(idle.status, RunStatus::Succeeded);
        assert!(
            summary(&idle).contains("no new batches"),
            "{}",
            summary(&idle)
        );
        assert_eq!(idle.result.as_ref().unwrap().rows, 0);
        assert_eq!(folded(conn), raw(conn));
    }
    let total = count(conn, "SELECT count(*) FROM email_events");
    assert_eq!(total, 1500);
    assert_eq!(
        count(
            conn,
            "SELECT sum(sends + opens + clicks)::BIGINT FROM insights.fact_campaign_response"
        ),
        total
    );
    // The watermark view shows the checkpoint and nothing pending.
    let (last, pending, folded_rows): (i64, i64, i64) = conn
        .query_row(
            "SELECT last_batch_id, pending_batches, total_rows FROM insights.watermarks
             WHERE job = 'response_fold'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((last, pending, folded_rows), (batches[2], 0, 1500));
}

#[test]
fn two_batches_at_once_are_one_run() {
    let (tmp, db) = setup();
    let conn = db.conn();
    for i in 0..2 {
        let file = events_csv(tmp.path(), &format!("e{i}.csv"), 200, i);
        ingest_file(conn, &file, "email_events").unwrap();
    }
    let r = run(tmp.path(), conn, "response_fold");
    assert!(
        summary(&r).contains("2 batches of email_events (400 rows)"),
        "{}",
        summary(&r)
    );
    assert_eq!(folded(conn), raw(conn));
}

#[test]
fn a_failed_run_does_not_move_the_checkpoint_or_the_facts() {
    let (tmp, db) = setup();
    let conn = db.conn();
    let a = ingest_file(
        conn,
        &events_csv(tmp.path(), "a.csv", 400, 0),
        "email_events",
    )
    .unwrap();
    run(tmp.path(), conn, "response_fold");
    let before = folded(conn);
    // Batch b has an event without a campaign: the fold's DELETE runs, then its INSERT
    // breaks the NOT NULL key of the fact table, and the whole run rolls back.
    let file = events_csv(tmp.path(), "b.csv", 300, 1);
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str(",5,send,2026-03-02 10:00:00\n");
    std::fs::write(&file, text).unwrap();
    let b = ingest_file(conn, &file, "email_events").unwrap();
    let failed = run(tmp.path(), conn, "response_fold");
    assert_eq!(failed.status, RunStatus::Failed, "{}", summary(&failed));
    assert!(matches!(failed.result, Err(JobError::Failed { .. })));
    assert_eq!(
        checkpoint(conn, "response_fold", "email_events").unwrap(),
        Some(a.batch_id),
        "the checkpoint stays at the last good batch"
    );
    assert_eq!(folded(conn), before, "nothing of batch b was folded");
    // Fixed at the source, the next run folds batch b, once.
    conn.execute("DELETE FROM email_events WHERE campaign_id IS NULL", [])
        .unwrap();
    let ok = run(tmp.path(), conn, "response_fold");
    assert_eq!(ok.status, RunStatus::Succeeded, "{}", summary(&ok));
    assert_eq!(
        checkpoint(conn, "response_fold", "email_events").unwrap(),
        Some(b.batch_id)
    );
    assert_eq!(folded(conn), raw(conn));
}

#[test]
fn a_batch_folded_again_replaces_itself() {
    let (tmp, db) = setup();
    let conn = db.conn();
    for i in 0..3 {
        let file = events_csv(tmp.path(), &format!("e{i}.csv"), 250, i);
        ingest_file(conn, &file, "email_events").unwrap();
        run(tmp.path(), conn, "response_fold");
    }
    let once = folded(conn);
    assert_eq!(once, raw(conn));
    // Reset the checkpoint: every batch is folded again, none counted twice.
    conn.execute("DELETE FROM clvdesk_meta.checkpoints", [])
        .unwrap();
    let again = run(tmp.path(), conn, "response_fold");
    assert!(summary(&again).contains("3 batches"), "{}", summary(&again));
    assert_eq!(folded(conn), once);
}

#[test]
fn an_unknown_source_table_or_batch_column_names_the_job_file_and_line() {
    let (tmp, db) = setup();
    let conn = db.conn();
    conn.execute_batch("CREATE TABLE events (id INTEGER, batch VARCHAR)")
        .unwrap();
    let write = |name: &str, keys: &str| {
        std::fs::write(
            tmp.path().join("jobs").join(format!("{name}.toml")),
            format!(
                "# an incremental job\nkind = \"sql\"\noutput = \"as_written\"\n\
                 sql = \"SELECT * FROM events WHERE id > $FROM_BATCH AND id <= $TO_BATCH\"\n{keys}"
            ),
        )
        .unwrap();
    };
    write("no_table", "source_table = \"evnts\"\n");
    write(
        "no_column",
        "source_table = \"events\"\n\nbatch_column = \"_batch\"\n",
    );
    write(
        "text_column",
        "source_table = \"events\"\nbatch_column = \"batch\"\n",
    );
    for (job, line, words) in [
        ("no_table", 5, "no such table"),
        ("no_column", 7, "has no such column (it has: id, batch)"),
        ("text_column", 6, "VARCHAR"),
    ] {
        let r = run(tmp.path(), conn, job);
        assert_eq!(r.status, RunStatus::Failed);
        let Err(JobError::Invalid(f)) = &r.result else {
            panic!("{job}: {:?}", r.result);
        };
        assert_eq!(f.file, tmp.path().join("jobs").join(format!("{job}.toml")));
        assert_eq!(f.line, Some(line), "{job}: {f}");
        assert!(f.reason.contains(words), "{job}: {f}");
    }
    // A job with a source that does not read $TO_BATCH is refused when the file is read.
    std::fs::write(
        tmp.path().join("jobs/no_bound.toml"),
        "kind = \"sql\"\nsql = \"SELECT * FROM events WHERE id > $FROM_BATCH\"\nsource_table = \"events\"\n",
    )
    .unwrap();
    let registry = Registry::load(tmp.path());
    let e = registry
        .errors
        .iter()
        .find(|e| e.file.ends_with("no_bound.toml"))
        .expect("no_bound.toml is refused");
    assert_eq!(e.line, Some(3), "{e}");
    assert!(e.reason.contains("$TO_BATCH"), "{e}");
}
