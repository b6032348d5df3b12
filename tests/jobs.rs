//! The job model and the runner against real DuckDB (in memory, with the metadata
//! schema) and definition files in a temporary workspace folder.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use clvdesk::engine::Database;
use clvdesk::scheduler::job::{Cancel, JobError};
use clvdesk::scheduler::runlog::{self, RunStatus};
use clvdesk::scheduler::runner::{self, ConfigError, Definitions, PlannedRun, Request};
use clvdesk::scheduler::schedule::{ParamValue, Params, Trigger};
use duckdb::Connection;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn setup() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open_in_memory_workspace().unwrap();
    db.conn()
        .execute_batch(
            "CREATE TABLE events AS SELECT i AS id, i % 7 AS grp, i * 10 AS amount FROM range(1, 1001) t(i);
             CREATE TABLE target AS SELECT 'old' AS marker;",
        )
        .unwrap();
    (dir, db)
}

fn manual(job: &str, params: Params) -> PlannedRun {
    PlannedRun {
        job: job.into(),
        schedule: None,
        trigger: Trigger::Manual,
        slot: None,
        missed: 0,
        params,
    }
}

fn scalar(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn sql_replace_job_binds_parameters_and_logs_the_run() {
    let (dir, db) = setup();
    let root = dir.path();
    write(
        root,
        "jobs/big_groups.toml",
        "kind = \"sql\"\noutput = \"replace\"\ntable = \"big\"\n\
         sql = \"SELECT grp, sum(amount) AS total FROM events WHERE amount >= $MIN AND $LABEL <> '' GROUP BY grp\"\n\
         [parameters]\nMIN = 0\nLABEL = \"default\"\n",
    );
    let defs = Definitions::load(root);
    assert!(
        defs.registry.errors.is_empty(),
        "{:?}",
        defs.registry.errors
    );
    let mut params = Params::new();
    // A value that would break the SQL if it were pasted: it is bound.
    params.insert("MIN".into(), ParamValue::Integer(5000));
    params.insert(
        "LABEL".into(),
        ParamValue::Text("x'); DROP TABLE events; --".into()),
    );
    let cancel = Cancel::new(db.conn());
    let r = runner::execute(
        db.conn(),
        root,
        &defs.registry,
        &manual("big_groups", params),
        &cancel,
    )
    .unwrap();
    let outcome = r.result.unwrap();
    assert_eq!(r.status, RunStatus::Succeeded);
    assert_eq!(outcome.tables, ["big"]);
    assert_eq!(outcome.rows, 7);
    // Independent computation of the same totals.
    assert_eq!(
        scalar(db.conn(), "SELECT sum(total)::BIGINT FROM big"),
        scalar(
            db.conn(),
            "SELECT sum(i * 10)::BIGINT FROM range(500, 1001) t(i)"
        )
    );
    let rec = runlog::run(db.conn(), r.id).unwrap().unwrap();
    assert_eq!(
        (rec.status, rec.trigger, rec.rows),
        (RunStatus::Succeeded, Trigger::Manual, Some(7))
    );
    assert_eq!(rec.parameters.unwrap()["MIN"], 5000);
    assert!(rec.finished.is_some());
}

#[test]
fn a_missing_parameter_fails_before_touching_data() {
    let (dir, db) = setup();
    let root = dir.path();
    // The first statement would change `target`; the second needs $CUTOFF, which is missing.
    write(
        root,
        "jobs/two_steps.toml",
        "kind = \"sql\"\nsql = \"\"\"\nDELETE FROM target;\nINSERT INTO target SELECT 'new' WHERE $CUTOFF > 0;\n\"\"\"\n",
    );
    let defs = Definitions::load(root);
    let cancel = Cancel::new(db.conn());
    let r = runner::execute(
        db.conn(),
        root,
        &defs.registry,
        &manual("two_steps", Params::new()),
        &cancel,
    )
    .unwrap();
    assert_eq!(r.status, RunStatus::Failed);
    match r.result.unwrap_err() {
        JobError::Invalid(e) => {
            assert!(e.reason.contains("$CUTOFF"), "{e}");
            assert!(e.file.ends_with("jobs/two_steps.toml"), "{e}");
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    let marker: String = db
        .conn()
        .query_row("SELECT string_agg(marker) FROM target", [], |r| r.get(0))
        .unwrap();
    assert_eq!(marker, "old");
    let rec = runlog::run(db.conn(), r.id).unwrap().unwrap();
    assert!(rec.error.unwrap().contains("CUTOFF"));
}

#[test]
fn append_creates_then_appends_and_chains_run_in_order() {
    let (dir, db) = setup();
    let root = dir.path();
    write(
        root,
        "jobs/snap.toml",
        "kind = \"sql\"\noutput = \"append\"\ntable = \"snaps\"\nsql = \"SELECT count(*) AS n FROM events\"\n",
    );
    write(
        root,
        "jobs/grow.toml",
        "kind = \"sql\"\nsql = \"INSERT INTO events SELECT 5000, 1, 1\"\n",
    );
    write(
        root,
        "jobs/both.toml",
        "kind = \"chain\"\nsteps = [\"snap\", \"grow\", \"snap\"]\n",
    );
    let defs = Definitions::load(root);
    assert!(
        defs.registry.errors.is_empty(),
        "{:?}",
        defs.registry.errors
    );
    let cancel = Cancel::new(db.conn());
    let r = runner::execute(
        db.conn(),
        root,
        &defs.registry,
        &manual("both", Params::new()),
        &cancel,
    )
    .unwrap();
    let o = r.result.unwrap();
    assert_eq!(o.tables, ["snaps", "snaps"]);
    let ns: String = db
        .conn()
        .query_row(
            "SELECT string_agg(n::VARCHAR, ',' ORDER BY n) FROM snaps",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(ns, "1000,1001");
}

#[test]
fn a_failing_chain_step_stops_the_chain() {
    let (dir, db) = setup();
    let root = dir.path();
    write(
        root,
        "jobs/bad.toml",
        "kind = \"sql\"\nsql = \"SELECT * FROM no_such_table\"\n",
    );
    write(
        root,
        "jobs/mark.toml",
        "kind = \"sql\"\nsql = \"UPDATE target SET marker = 'ran'\"\n",
    );
    write(
        root,
        "jobs/c.toml",
        "kind = \"chain\"\nsteps = [\"bad\", \"mark\"]\n",
    );
    let defs = Definitions::load(root);
    let cancel = Cancel::new(db.conn());
    let r = runner::execute(
        db.conn(),
        root,
        &defs.registry,
        &manual("c", Params::new()),
        &cancel,
    )
    .unwrap();
    assert_eq!(r.status, RunStatus::Failed);
    match r.result.unwrap_err() {
        JobError::Failed { job, reason } => {
            assert_eq!(job, "c");
            assert!(
                reason.contains("step `bad`") && reason.contains("no_such_table"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
    let marker: String = db
        .conn()
        .query_row("SELECT marker FROM target", [], |r| r.get(0))
        .unwrap();
    assert_eq!(marker, "old");
}

#[test]
fn cancel_stops_a_running_job_and_keeps_the_table() {
    let (dir, db) = setup();
    let root = dir.path();
    write(
        root,
        "jobs/slow.toml",
        "kind = \"sql\"\noutput = \"replace\"\ntable = \"target\"\n\
         sql = \"SELECT sum(a.range * b.range)::VARCHAR AS marker FROM range(100000) a, range(1000000) b\"\n",
    );
    let defs = Definitions::load(root);
    let conn = db.clone_conn().unwrap();
    let cancel = Cancel::new(&conn);
    let canceller = cancel.clone();
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        canceller.cancel();
    });
    let r = runner::execute(
        &conn,
        root,
        &defs.registry,
        &manual("slow", Params::new()),
        &cancel,
    )
    .unwrap();
    stopper.join().unwrap();
    assert_eq!(r.result.unwrap_err(), JobError::Cancelled);
    assert_eq!(r.status, RunStatus::Cancelled);
    let marker: String = db
        .conn()
        .query_row("SELECT marker FROM target", [], |r| r.get(0))
        .unwrap();
    assert_eq!(marker, "old");
    assert_eq!(
        runlog::run(db.conn(), r.id).unwrap().unwrap().status,
        RunStatus::Cancelled
    );
}

#[test]
fn job_names_are_unique_across_kinds_and_chains_are_checked() {
    let (dir, _db) = setup();
    let root = dir.path();
    write(
        root,
        "deciles/dup.toml",
        "source = \"events\"\nidentity = \"id\"\nmetric = \"amount\"\ncategory = \"grp\"\ndate_column = \"d\"\n",
    );
    write(
        root,
        "jobs/dup.toml",
        "kind = \"sql\"\nsql = \"SELECT 1\"\n",
    );
    write(
        root,
        "jobs/loop.toml",
        "kind = \"chain\"\nsteps = [\"loop2\"]\n",
    );
    write(
        root,
        "jobs/loop2.toml",
        "kind = \"chain\"\nsteps = [\"loop\"]\n",
    );
    write(
        root,
        "jobs/typo.toml",
        "kind = \"sql\"\nsql = \"SELECT 1\"\noutptu = \"replace\"\n",
    );
    let reg = Definitions::load(root).registry;
    let msgs: Vec<String> = reg.errors.iter().map(|e| e.to_string()).collect();
    assert!(
        msgs.iter()
            .any(|m| m.contains("jobs/dup.toml") && m.contains("unique")),
        "{msgs:?}"
    );
    assert!(msgs.iter().any(|m| m.contains("runs itself")), "{msgs:?}");
    assert!(
        msgs.iter()
            .any(|m| m.contains("jobs/typo.toml:3") && m.contains("outptu")),
        "{msgs:?}"
    );
    assert!(reg.find("loop").is_none());
}

#[test]
fn plan_runs_due_schedules_once_and_quarantines_after_failures() {
    let (dir, db) = setup();
    let root = dir.path();
    let conn = db.conn();
    write(
        root,
        "jobs/fails.toml",
        "kind = \"sql\"\nsql = \"SELECT * FROM missing_table\"\n",
    );
    write(
        root,
        "schedules/hourly_fail.toml",
        "job = \"fails\"\nfrequency = \"hourly\"\nminute = 0\nstart = 2026-01-01T00:00:00Z\nquarantine_after = 3\n",
    );
    let defs = Definitions::load(root);
    let cancel = Cancel::new(conn);
    let req = Request::default();
    let mut hour = t("2026-01-01T00:30:00Z");
    for i in 0..3 {
        let plan = runner::plan(conn, &defs, hour, &req).unwrap();
        assert_eq!(plan.runs.len(), 1, "hour {i}");
        let r = runner::execute(conn, root, &defs.registry, &plan.runs[0], &cancel).unwrap();
        assert_eq!(r.status, RunStatus::Failed);
        // The same instant again: that slot is covered, nothing is due.
        assert!(
            runner::plan(conn, &defs, hour, &req)
                .unwrap()
                .runs
                .is_empty()
        );
        hour += chrono::Duration::hours(1);
    }
    let plan = runner::plan(conn, &defs, hour, &req).unwrap();
    assert!(plan.runs.is_empty());
    assert_eq!(plan.quarantined, [("hourly_fail".to_string(), 3)]);
    // Re-enabled: due again (one catch-up run for the slots it missed while quarantined).
    runlog::reenable(conn, "hourly_fail").unwrap();
    let plan = runner::plan(conn, &defs, hour + chrono::Duration::hours(2), &req).unwrap();
    assert_eq!(plan.runs.len(), 1);
    assert_eq!(plan.runs[0].trigger, Trigger::CatchUp);
}

#[test]
fn unknown_jobs_and_broken_schedules_are_configuration_errors() {
    let (dir, db) = setup();
    let root = dir.path();
    write(
        root,
        "schedules/s.toml",
        "job = \"nope\"\nfrequency = \"hourly\"\nminute = 0\n",
    );
    let defs = Definitions::load(root);
    let e = runner::plan(
        db.conn(),
        &defs,
        t("2026-01-01T00:00:00Z"),
        &Request::default(),
    )
    .unwrap_err();
    assert!(
        matches!(&e, ConfigError::Invalid(v) if v[0].file.ends_with("schedules/s.toml")),
        "{e}"
    );
    assert!(e.to_string().contains("no job `nope`"), "{e}");
    let e = runner::plan(
        db.conn(),
        &defs,
        t("2026-01-01T00:00:00Z"),
        &Request {
            jobs: vec!["x".into()],
            force: true,
        },
    )
    .unwrap_err();
    assert!(matches!(e, ConfigError::UnknownJob(_)));
}

#[test]
fn runs_left_running_are_marked_interrupted_and_owe_their_slot() {
    let (dir, db) = setup();
    let root = dir.path();
    let conn = db.conn();
    write(root, "jobs/ok.toml", "kind = \"sql\"\nsql = \"SELECT 1\"\n");
    write(
        root,
        "schedules/daily.toml",
        "job = \"ok\"\nfrequency = \"daily\"\nat = \"03:00\"\nstart = 2026-01-01\n",
    );
    let defs = Definitions::load(root);
    let now = t("2026-01-01T04:00:00Z");
    let plan = runner::plan(conn, &defs, now, &Request::default()).unwrap();
    // A process began the run and died.
    let id = runlog::begin(
        conn,
        &runlog::RunStart {
            job: "ok",
            kind: "sql",
            schedule: Some("daily"),
            trigger: plan.runs[0].trigger,
            slot: plan.runs[0].slot,
            parameters: &Params::new(),
        },
    )
    .unwrap();
    assert_eq!(runlog::mark_interrupted(conn).unwrap(), 1);
    assert_eq!(
        runlog::run(conn, id).unwrap().unwrap().status,
        RunStatus::Interrupted
    );
    assert_eq!(runlog::mark_interrupted(conn).unwrap(), 0);
    // The interrupted run did not cover its slot: it is still due.
    assert_eq!(
        runner::plan(conn, &defs, now, &Request::default())
            .unwrap()
            .runs
            .len(),
        1
    );
}
