//! The app's scheduler thread (`scheduler::background`) on a connection clone: it runs
//! what is due while another connection keeps querying, runs a job on request, and
//! cancels a running job through DuckDB's interrupt.

use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use clvdesk::engine::Database;
use clvdesk::scheduler::background::{self, Event};
use clvdesk::scheduler::job::JobError;
use clvdesk::scheduler::runlog::{self, RunStatus};
use clvdesk::scheduler::schedule::{Params, Trigger};

fn write(root: &std::path::Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// The next Started/Finished event, skipping Idle and Progress.
fn next(rx: &Receiver<Event>) -> Event {
    loop {
        match rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the scheduler went quiet")
        {
            Event::Idle | Event::Progress { .. } => continue,
            e => return e,
        }
    }
}

#[test]
fn runs_due_jobs_in_the_background_runs_now_and_cancels() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let db = Database::open_in_memory_workspace().unwrap();
    db.conn()
        .execute_batch("CREATE TABLE src AS SELECT range AS x FROM range(10)")
        .unwrap();
    write(
        root,
        "jobs/copy.toml",
        "kind = \"sql\"\noutput = \"replace\"\ntable = \"copy\"\nsql = \"SELECT * FROM src\"\n",
    );
    write(
        root,
        "jobs/slow.toml",
        "kind = \"sql\"\noutput = \"replace\"\ntable = \"src\"\n\
         sql = \"SELECT sum(a.range * b.range) AS x FROM range(200000) a, range(1000000) b\"\n",
    );
    // Due since 2020: one catch-up run as soon as the thread starts.
    write(
        root,
        "schedules/daily_copy.toml",
        "job = \"copy\"\nfrequency = \"daily\"\nat = \"00:00\"\nstart = 2020-01-01\n",
    );
    let (tx, rx) = channel();
    let handle = background::spawn(
        db.clone_conn().unwrap(),
        root.to_path_buf(),
        Duration::from_secs(3600),
        move |e| {
            let _ = tx.send(e);
        },
    );
    match next(&rx) {
        Event::Started(run) => {
            assert_eq!((run.job.as_str(), run.trigger), ("copy", Trigger::CatchUp));
        }
        other => panic!("{other:?}"),
    }
    // The app's own connection keeps working meanwhile.
    let n: i64 = db
        .conn()
        .query_row("SELECT count(*) FROM src", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 10);
    match next(&rx) {
        Event::Finished(r) => assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.result),
        other => panic!("{other:?}"),
    }
    let copied: i64 = db
        .conn()
        .query_row("SELECT count(*) FROM copy", [], |r| r.get(0))
        .unwrap();
    assert_eq!(copied, 10);

    handle.run_now("slow", Params::new());
    assert!(matches!(next(&rx), Event::Started(r) if r.job == "slow"));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(handle.running_job().as_deref(), Some("slow"));
    handle.cancel_running();
    match next(&rx) {
        Event::Finished(r) => {
            assert_eq!(r.status, RunStatus::Cancelled);
            assert_eq!(r.result.unwrap_err(), JobError::Cancelled);
        }
        other => panic!("{other:?}"),
    }
    // Cancelled: the table is as it was, and the log says so.
    let n: i64 = db
        .conn()
        .query_row("SELECT count(*) FROM src", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 10);
    let history = runlog::history(db.conn(), None, 10).unwrap();
    let statuses: Vec<(&str, RunStatus)> =
        history.iter().map(|r| (r.job.as_str(), r.status)).collect();
    assert_eq!(
        statuses,
        [
            ("slow", RunStatus::Cancelled),
            ("copy", RunStatus::Succeeded)
        ]
    );
    // After a cancel the next run is not cancelled too.
    handle.run_now("copy", Params::new());
    assert!(matches!(next(&rx), Event::Started(_)));
    assert!(matches!(next(&rx), Event::Finished(r) if r.status == RunStatus::Succeeded));
}
