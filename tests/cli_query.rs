//! The binary: `clvdesk query` and `clvdesk ingest` on temporary workspaces,
//! exit codes provoked for real.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

fn clvdesk(ws: &Path) -> Command {
    let mut cmd = Command::cargo_bin("clvdesk").unwrap();
    cmd.env("CLVDESK_WORKSPACE", ws).env_remove("NO_COLOR");
    cmd
}

fn query_scalar(ws: &Path, sql: &str) -> String {
    let out = clvdesk(ws)
        .args(["query", "-c", sql, "--format", "csv"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap_or_default()
        .to_string()
}

#[test]
fn exit_0_prints_the_last_result() {
    let ws = tempfile::tempdir().unwrap();
    clvdesk(ws.path())
        .args([
            "query",
            "-c",
            "create table t as select 1 as x; insert into t values (2); select sum(x) as total from t",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("total").and(predicate::str::contains("3")));
}

#[test]
fn exit_1_on_bad_sql_with_duckdb_message() {
    let ws = tempfile::tempdir().unwrap();
    clvdesk(ws.path())
        .args(["query", "-c", "select * from no_such_table"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no_such_table"));
}

#[test]
fn exit_2_on_usage_errors() {
    let ws = tempfile::tempdir().unwrap();
    clvdesk(ws.path()).args(["query"]).assert().code(2);
    clvdesk(ws.path())
        .args(["query", "-f", "/definitely/missing.sql"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.sql"));
    clvdesk(ws.path())
        .args(["query", "-c", "select 1", "--format", "xml"])
        .assert()
        .code(2);
}

#[test]
fn exit_3_when_another_process_holds_the_workspace() {
    let ws = tempfile::tempdir().unwrap();
    // Create and seed the workspace first.
    clvdesk(ws.path())
        .args(["query", "-c", "select 1"])
        .assert()
        .success();
    // This test process is the second process holding DuckDB's write lock.
    let holder = duckdb::Connection::open(ws.path().join("warehouse.duckdb")).unwrap();
    clvdesk(ws.path())
        .args(["query", "-c", "select 1"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("locked").and(predicate::str::contains("PID")));
    drop(holder);
    clvdesk(ws.path())
        .args(["query", "-c", "select 1"])
        .assert()
        .success();
}

#[test]
fn seeding_is_idempotent() {
    let ws = tempfile::tempdir().unwrap();
    let counts = "select (select count(*) from customers) || '/' || (select count(*) from loyalty_transactions) || '/' || (select count(*) from email_events) as c";
    let first = query_scalar(ws.path(), counts);
    let second = query_scalar(ws.path(), counts);
    assert_eq!(first, second);
    let customers: u64 = first.split('/').next().unwrap().parse().unwrap();
    assert!(customers >= 1000, "sample has {customers} customers");
}

#[test]
fn file_formats_round_trip_through_duckdb() {
    let ws = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    for fmt in ["csv", "tsv", "json", "jsonl", "parquet"] {
        let path = out.path().join(format!("r.{fmt}"));
        clvdesk(ws.path())
            .args([
                "query",
                "-c",
                "select range as i, 'a,b' as s from range(2500)",
                "--format",
                fmt,
            ])
            .arg("--out")
            .arg(&path)
            .assert()
            .success();
        let reader = match fmt {
            "csv" => "read_csv",
            "tsv" => "read_csv",
            "parquet" => "read_parquet",
            _ => "read_json",
        };
        let n = query_scalar(
            ws.path(),
            &format!(
                "select count(*) || ':' || sum(i) from {reader}('{}')",
                path.display()
            ),
        );
        assert_eq!(n, "2500:3123750", "{fmt}");
    }
}

#[test]
fn truncation_is_always_announced() {
    let ws = tempfile::tempdir().unwrap();
    clvdesk(ws.path())
        .args([
            "query",
            "-c",
            "select * from range(10)",
            "--limit",
            "3",
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("range\n0\n1\n2\n"))
        .stderr(predicate::str::contains("truncated"));
    clvdesk(ws.path())
        .args(["query", "-c", "select * from range(600)"])
        .assert()
        .success()
        .stderr(predicate::str::contains("truncated to the first 500"));
    clvdesk(ws.path())
        .args([
            "query",
            "-c",
            "select * from range(3)",
            "--limit",
            "3",
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("truncated").not());
}

#[test]
fn stdout_csv_and_jsonl_are_streamed_by_duckdb() {
    let ws = tempfile::tempdir().unwrap();
    clvdesk(ws.path())
        .args([
            "query",
            "-c",
            "select 1 as a, 'x' as b",
            "--format",
            "jsonl",
        ])
        .assert()
        .success()
        .stdout("{\"a\":1,\"b\":\"x\"}\n");
    clvdesk(ws.path())
        .args(["query", "-c", "describe select 1 as a", "--format", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::contains("column_name"));
}

#[test]
fn ingest_appends_batches_and_a_broken_file_changes_nothing() {
    let ws = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let good = files.path().join("events.csv");
    std::fs::write(&good, "id,kind\n1,open\n2,click\n").unwrap();
    clvdesk(ws.path())
        .args(["ingest"])
        .arg(&good)
        .args(["--into", "events"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"rows\":2"));
    clvdesk(ws.path())
        .args(["ingest"])
        .arg(&good)
        .args(["--into", "events"])
        .assert()
        .success();
    let broken = files.path().join("broken.csv");
    std::fs::write(&broken, "id,kind\n3,open\n\"4,click\n5,x,y,z\n").unwrap();
    clvdesk(ws.path())
        .args(["ingest"])
        .arg(&broken)
        .args(["--into", "events"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("broken.csv"));
    assert_eq!(
        query_scalar(
            ws.path(),
            "select count(*) || '/' || count(distinct _batch_id) from events"
        ),
        "4/2"
    );
    clvdesk(ws.path())
        .args(["ingest", "/no/such/file.csv", "--into", "events"])
        .assert()
        .code(2);
}
