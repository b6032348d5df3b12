//! stdout is a stream, not a file: `>>` appends, a pipe or a socket works, a
//! reader that leaves early ends the output quietly; files are written
//! atomically and a signal leaves no temp file behind.

use std::io::{BufRead, BufReader, Read};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_clvdesk"))
}

fn clvdesk(ws: &Path) -> Command {
    let mut cmd = Command::new(bin());
    cmd.env("CLVDESK_WORKSPACE", ws);
    cmd
}

/// Creates (and seeds) the workspace once, so later runs are quick.
fn workspace() -> tempfile::TempDir {
    let ws = tempfile::tempdir().unwrap();
    let st = clvdesk(ws.path())
        .args(["query", "-c", "select 1"])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    ws
}

#[test]
fn appending_stdout_to_a_file_keeps_what_was_there() {
    let ws = workspace();
    let dir = tempfile::tempdir().unwrap();
    for (fmt, one) in [
        ("csv", "a\n1\n"),
        ("tsv", "a\n1\n"),
        ("jsonl", "{\"a\":1}\n"),
        ("json", "[\n\t{\"a\":1}\n]\n"),
    ] {
        let log = dir.path().join(format!("log.{fmt}"));
        std::fs::write(&log, "earlier\n").unwrap();
        for _ in 0..2 {
            let script = format!(
                "'{}' query -c 'select 1 as a' --format {fmt} >> '{}'",
                bin().display(),
                log.display()
            );
            let out = Command::new("sh")
                .args(["-c", &script])
                .env("CLVDESK_WORKSPACE", ws.path())
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert_eq!(
            std::fs::read_to_string(&log).unwrap(),
            format!("earlier\n{one}{one}"),
            "{fmt}"
        );
    }
}

/// Reads one line of the output, then closes the pipe while the command is still writing.
fn leave_early(ws: &Path, args: &[&str]) -> (std::process::ExitStatus, String, String) {
    let mut child = clvdesk(ws)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // The reader is dropped here: the pipe is closed.
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (child.wait().unwrap(), first, err)
}

#[test]
fn a_reader_that_leaves_early_ends_the_output_quietly() {
    let ws = workspace();
    for (args, first) in [
        (
            &[
                "query",
                "-c",
                "select * from range(100000000)",
                "--format",
                "csv",
            ][..],
            "range\n",
        ),
        (
            &[
                "query",
                "-c",
                "select * from range(100000000)",
                "--format",
                "jsonl",
            ][..],
            "{\"range\":0}\n",
        ),
        (
            &[
                "query",
                "-c",
                "select * from range(100000000)",
                "--limit",
                "0",
            ][..],
            "+-------+\n",
        ),
    ] {
        let (status, got, err) = leave_early(ws.path(), args);
        assert_eq!(got, first, "{args:?}");
        assert_eq!(status.code(), Some(0), "{args:?}: {err}");
        assert!(
            !err.contains("panic") && !err.contains("Broken pipe"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn stdout_may_be_a_socket() {
    let ws = workspace();
    let (ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
    let mut child = clvdesk(ws.path())
        .args([
            "query",
            "-c",
            "select range as i from range(3)",
            "--format",
            "csv",
        ])
        .stdout(Stdio::from(OwnedFd::from(theirs)))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut got = String::new();
    let reader = std::thread::spawn(move || {
        let mut ours = ours;
        ours.read_to_string(&mut got).unwrap();
        got
    });
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(child.wait().unwrap().success(), "{err}");
    drop(child);
    assert_eq!(reader.join().unwrap(), "i\n0\n1\n2\n");
}

#[test]
fn stdout_is_byte_identical_to_the_out_file() {
    let ws = workspace();
    let dir = tempfile::tempdir().unwrap();
    let sql = "select range as i, case when range % 3 = 0 then null else 'x,\"y\"' || chr(10) || range end as s, \
               date '2024-01-01' + range::int as d, timestamp '2024-01-01 10:00:00' + to_seconds(range) as ts, \
               (range / 7)::decimal(12,3) as dec, range / 3 as f, [range, null] as l, {'k': range} as st \
               from range(5000)";
    for fmt in ["csv", "tsv", "json", "jsonl", "parquet"] {
        let file = dir.path().join(format!("r.{fmt}"));
        let st = clvdesk(ws.path())
            .args(["query", "-c", sql, "--format", fmt, "--out"])
            .arg(&file)
            .status()
            .unwrap();
        assert!(st.success(), "{fmt}");
        let out = clvdesk(ws.path())
            .args(["query", "-c", sql, "--format", fmt])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{fmt}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout == std::fs::read(&file).unwrap(), "{fmt} differs");
    }
}

#[test]
fn the_table_with_limit_0_prints_every_row() {
    let ws = workspace();
    let out = clvdesk(ws.path())
        .args([
            "query",
            "-c",
            "select range as i from range(5000)",
            "--limit",
            "0",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5000 + 4, "3 borders and the header");
    // Widths come from the first batch (DuckDB's 2048 rows): 4 digits.
    assert_eq!(lines[3], "| 0    |");
    assert_eq!(lines[5002], "| 4999 |");
    assert_eq!(lines[5003], "+------+");
    assert!(String::from_utf8_lossy(&out.stderr).contains("5000 rows"));
}

/// Hidden entries: temp files and folders are named `.something`.
fn temp_leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

/// Waits until one of `dirs` holds a temp file or folder.
fn wait_for_temp(dirs: &[&Path]) {
    let started = Instant::now();
    while dirs.iter().all(|d| temp_leftovers(d).is_empty()) {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no temp appeared"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Sends `sig` and waits for the exit; a child that ignores it is killed.
fn signal_and_wait(child: &mut std::process::Child, sig: i32) -> std::process::ExitStatus {
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(child.id() as i32, sig) }, 0);
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("signal {sig} did not stop the command");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_signal_during_an_export_leaves_the_old_file_and_no_temp() {
    let ws = workspace();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("big.csv");
    std::fs::write(&target, "old\n").unwrap();
    for sig in [libc::SIGTERM, libc::SIGINT] {
        let mut child = clvdesk(ws.path())
            .args([
                "query",
                "-c",
                "select * from range(10000000000)",
                "--format",
                "csv",
                "--out",
            ])
            .arg(&target)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        wait_for_temp(&[dir.path()]);
        let status = signal_and_wait(&mut child, sig);
        assert_eq!(status.code(), Some(130), "{sig}");
        assert_eq!(temp_leftovers(dir.path()), Vec::<String>::new(), "{sig}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old\n");
    }
}

#[test]
fn a_signal_during_sample_leaves_the_old_set_and_no_temp() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("sample");
    let st = Command::new(bin())
        .args(["sample", "--customers", "50", "--seed", "1", "--out"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(st.success());
    let before = std::fs::read(out.join("customers.csv")).unwrap();
    for sig in [libc::SIGTERM, libc::SIGINT] {
        let mut child = Command::new(bin())
            .args(["sample", "--customers", "100000000", "--seed", "2", "--out"])
            .arg(&out)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        wait_for_temp(&[root.path(), &out]);
        std::thread::sleep(Duration::from_millis(100));
        let status = signal_and_wait(&mut child, sig);
        assert_eq!(status.code(), Some(130), "{sig}");
        assert_eq!(temp_leftovers(root.path()), Vec::<String>::new(), "{sig}");
        assert_eq!(temp_leftovers(&out), Vec::<String>::new(), "{sig}");
        let mut names: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "customers.csv",
                "email_campaigns.csv",
                "email_events.csv",
                "loyalty_transactions.csv",
                "truth.json"
            ]
        );
        assert!(std::fs::read(out.join("customers.csv")).unwrap() == before);
    }
}

#[test]
fn the_table_with_limit_0_streams_in_bounded_memory() {
    let ws = workspace();
    // Far more rows than 2 GB of address space could hold: only a streamed
    // table gets its first lines out.
    let script = format!(
        "ulimit -v 2000000; exec '{}' query -c 'select * from range(1000000000000)' --limit 0",
        bin().display()
    );
    let mut child = Command::new("sh")
        .args(["-c", &script])
        .env("CLVDESK_WORKSPACE", ws.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let head: Vec<String> = lines.by_ref().take(4).map(Result::unwrap).collect();
    drop(lines);
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(
        head,
        ["+-------+", "| range |", "+-------+", "| 0     |"],
        "{err}"
    );
    assert_eq!(status.code(), Some(0), "{err}");
}
