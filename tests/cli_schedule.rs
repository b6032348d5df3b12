//! The binary: `clvdesk --run-schedule` on temporary workspaces with `--now`; exit codes
//! 0, 1, 2, 3 and 130 provoked for real (3 by a second process holding the workspace,
//! 130 by SIGINT), and a SIGKILL in the middle of a replace-table job.

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use predicates::prelude::*;

fn clvdesk(ws: &Path) -> Command {
    let mut cmd = Command::cargo_bin("clvdesk").unwrap();
    cmd.env("CLVDESK_WORKSPACE", ws).env_remove("NO_COLOR");
    cmd
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn query(ws: &Path, sql: &str) -> String {
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
        .skip(1)
        .collect::<Vec<_>>()
        .join("\n")
}

/// A seeded workspace with a small SQL job scheduled daily at 03:00 from 2020-01-01.
fn workspace() -> tempfile::TempDir {
    let ws = tempfile::tempdir().unwrap();
    clvdesk(ws.path())
        .args(["--run-schedule"])
        .assert()
        .success();
    write(
        ws.path(),
        "jobs/status_counts.toml",
        "kind = \"sql\"\noutput = \"replace\"\ntable = \"status_counts\"\n\
         sql = \"SELECT loyalty_status, count(*) AS n FROM customers GROUP BY ALL\"\n",
    );
    write(
        ws.path(),
        "schedules/nightly_counts.toml",
        "# counts every night\njob = \"status_counts\"\nfrequency = \"daily\"\nat = \"03:00\"\nstart = 2020-01-01T00:00:00Z\n",
    );
    ws
}

#[test]
fn a_fresh_workspace_has_starter_schedules_and_nothing_due() {
    let ws = tempfile::tempdir().unwrap();
    clvdesk(ws.path())
        .args(["--run-schedule"])
        .assert()
        .success()
        .stderr(predicate::str::contains("0 run(s)").and(predicate::str::contains("nothing due")));
    for f in [
        "schedules/daily_deciles.toml",
        "schedules/weekly_clv_refit.toml",
        "jobs/clv_refit.toml",
    ] {
        assert!(ws.path().join(f).is_file(), "{f}");
    }
    // The starters are real jobs: both run.
    clvdesk(ws.path())
        .args([
            "--run-schedule",
            "--job",
            "loyalty_miles",
            "--job",
            "clv_refit",
            "--force",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("2 run(s): 2 succeeded"));
}

#[test]
fn due_runs_and_not_due_does_not() {
    let ws = workspace();
    clvdesk(ws.path())
        .args(["--run-schedule", "--now", "2020-01-01T02:59:00Z"])
        .assert()
        .success()
        .stderr(predicate::str::contains("0 run(s)"));
    assert_eq!(
        query(
            ws.path(),
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'status_counts'"
        ),
        "0"
    );
    let out = clvdesk(ws.path())
        .args([
            "--run-schedule",
            "--now",
            "2020-01-01T03:05:00Z",
            "--format",
            "json",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "succeeded status_counts (schedule nightly_counts, scheduled)",
        ))
        .get_output()
        .stdout
        .clone();
    let runs: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(runs.as_array().unwrap().len(), 1);
    assert_eq!(runs[0]["status"], "succeeded");
    assert_eq!(runs[0]["trigger"], "scheduled");
    assert_eq!(runs[0]["schedule"], "nightly_counts");
    assert_eq!(runs[0]["tables"][0], "status_counts");
    assert_eq!(
        query(ws.path(), "SELECT sum(n) FROM status_counts"),
        query(ws.path(), "SELECT count(*) FROM customers")
    );
    // Same instant again: already covered.
    clvdesk(ws.path())
        .args(["--run-schedule", "--now", "2020-01-01T03:06:00Z"])
        .assert()
        .success()
        .stderr(predicate::str::contains("0 run(s)"));
    // A week later: one catch-up run, not seven.
    clvdesk(ws.path())
        .args(["--run-schedule", "--now", "2020-01-08T12:00:00Z"])
        .assert()
        .success()
        .stderr(
            predicate::str::contains("catch-up for 7 missed slots")
                .and(predicate::str::contains("1 run(s)")),
        );
    assert_eq!(
        query(
            ws.path(),
            "SELECT count(*) FROM clvdesk_meta.run_log WHERE schedule = 'nightly_counts'"
        ),
        "2"
    );
}

#[test]
fn job_force_runs_a_job_that_is_not_due() {
    let ws = workspace();
    clvdesk(ws.path())
        .args([
            "--run-schedule",
            "--now",
            "2020-01-01T01:00:00Z",
            "--job",
            "status_counts",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("0 run(s)"));
    clvdesk(ws.path())
        .args([
            "--run-schedule",
            "--now",
            "2020-01-01T01:00:00Z",
            "--job",
            "status_counts",
            "--force",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("succeeded status_counts (manual)"));
    assert_eq!(
        query(
            ws.path(),
            "SELECT run_trigger, status FROM clvdesk_meta.run_log WHERE job = 'status_counts'"
        ),
        "manual,succeeded"
    );
}

#[test]
fn exit_1_when_a_job_fails() {
    let ws = workspace();
    write(
        ws.path(),
        "jobs/broken.toml",
        "kind = \"sql\"\nsql = \"SELECT * FROM no_such_table\"\n",
    );
    clvdesk(ws.path())
        .args(["--run-schedule", "--job", "broken", "--force"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("failed broken")
                .and(predicate::str::contains("no_such_table")),
        );
    assert_eq!(
        query(
            ws.path(),
            "SELECT status FROM clvdesk_meta.run_log WHERE job = 'broken'"
        ),
        "failed"
    );
}

#[test]
fn exit_2_on_a_malformed_cron_naming_file_and_line_and_on_unknown_jobs() {
    let ws = workspace();
    write(
        ws.path(),
        "schedules/bad.toml",
        "job = \"status_counts\"\nfrequency = \"cron\"\ncron = \"0 25 * * *\"\n",
    );
    clvdesk(ws.path())
        .args(["--run-schedule"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("schedules/bad.toml:3:")
                .and(predicate::str::contains("0 25 * * *")),
        );
    std::fs::remove_file(ws.path().join("schedules/bad.toml")).unwrap();
    clvdesk(ws.path())
        .args(["--run-schedule", "--job", "no_such_job", "--force"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("no job `no_such_job`")
                .and(predicate::str::contains("loyalty_miles")),
        );
    clvdesk(ws.path())
        .args(["--run-schedule", "--force"])
        .assert()
        .code(2);
    clvdesk(ws.path())
        .args(["--run-schedule", "--now", "tomorrow"])
        .assert()
        .code(2);
}

/// A job that writes `marker` as soon as it starts, then computes for a long time.
fn slow_job(ws: &Path, marker: &Path) {
    write(
        ws,
        "jobs/mark.toml",
        &format!(
            "kind = \"sql\"\nsql = \"COPY (SELECT 1 AS started) TO '{}'\"\n",
            marker.display()
        ),
    );
    write(
        ws,
        "jobs/slow_replace.toml",
        "kind = \"sql\"\noutput = \"replace\"\ntable = \"customers\"\n\
         sql = \"SELECT * FROM customers, (SELECT sum(a.range * b.range) AS s FROM range(200000) a, range(1000000) b)\"\n",
    );
    write(
        ws,
        "jobs/slow.toml",
        "kind = \"chain\"\nsteps = [\"mark\", \"slow_replace\"]\n",
    );
}

fn spawn_slow(ws: &Path, marker: &Path) -> Child {
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("clvdesk"))
        .args(["--run-schedule", "--job", "slow", "--force"])
        .env("CLVDESK_WORKSPACE", ws)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !marker.exists() {
        assert!(Instant::now() < deadline, "the slow job never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
    child
}

#[test]
fn exit_3_while_another_process_holds_the_workspace_then_130_on_sigint() {
    let ws = workspace();
    let marker = ws.path().join("started.csv");
    slow_job(ws.path(), &marker);
    let before = query(ws.path(), "SELECT count(*) FROM customers");
    let child = spawn_slow(ws.path(), &marker);
    clvdesk(ws.path())
        .args(["--run-schedule"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("locked"));
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted slow"), "{stderr}");
    assert_eq!(query(ws.path(), "SELECT count(*) FROM customers"), before);
    assert_eq!(
        query(
            ws.path(),
            "SELECT status FROM clvdesk_meta.run_log WHERE job = 'slow'"
        ),
        "interrupted"
    );
}

#[test]
fn sigkill_in_a_replace_job_keeps_the_table_and_the_next_start_marks_the_run_interrupted() {
    let ws = workspace();
    let marker = ws.path().join("started.csv");
    slow_job(ws.path(), &marker);
    let before = query(
        ws.path(),
        "SELECT count(*), sum(hash(customer_id)) FROM customers",
    );
    let mut child = spawn_slow(ws.path(), &marker);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        query(
            ws.path(),
            "SELECT count(*), sum(hash(customer_id)) FROM customers"
        ),
        before
    );
    clvdesk(ws.path())
        .args(["--run-schedule", "--now", "2020-01-01T00:00:00Z"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "1 run(s) left running by an earlier process marked interrupted",
        ));
    assert_eq!(
        query(
            ws.path(),
            "SELECT status FROM clvdesk_meta.run_log WHERE job = 'slow'"
        ),
        "interrupted"
    );
}
