//! The binary: `clvdesk segment ...` and `clvdesk activate ...` on a seeded workspace, with
//! the contract's exit codes (2 for an unknown segment or destination, or an invalid rule).

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

fn clvdesk(ws: &Path) -> Command {
    let mut cmd = Command::cargo_bin("clvdesk").unwrap();
    cmd.env("CLVDESK_WORKSPACE", ws).env_remove("NO_COLOR");
    cmd
}

fn seeded() -> tempfile::TempDir {
    let ws = tempfile::tempdir().unwrap();
    clvdesk(ws.path())
        .args(["segment", "list"])
        .assert()
        .success();
    ws
}

#[test]
fn list_show_preview_refresh_members() {
    let ws = seeded();
    let p = ws.path();
    clvdesk(p)
        .args(["segment", "list"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("aurora_top_miles")
                .and(predicate::str::contains("high_clv_at_risk")),
        );
    let out = clvdesk(p)
        .args(["segment", "list", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v.as_array().unwrap().iter().all(|s| s["valid"] == true),
        "{v}"
    );
    clvdesk(p)
        .args(["segment", "show", "aurora_top_miles"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("\"loyalty_miles_deciles\"")
                .and(predicate::str::contains("$1 = ")),
        );
    let out = clvdesk(p)
        .args(["segment", "preview", "aurora_top_miles", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let count = v["count"].as_u64().unwrap();
    assert!(count > 0 && v["estimated"] == false, "{v}");
    assert_eq!(v["population"], 4000);
    let out = clvdesk(p)
        .args(["segment", "refresh", "aurora_top_miles", "--format", "json"])
        .output()
        .unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["members"].as_u64(), Some(count));
    assert_eq!(r["entered"].as_u64(), Some(count));
    let file = p.join("members.csv");
    clvdesk(p)
        .args(["segment", "members", "aurora_top_miles", "--out"])
        .arg(&file)
        .assert()
        .success()
        .stderr(predicate::str::contains(format!("{count} members")));
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text.lines().count() as u64, count + 1);
    assert!(text.starts_with("customer_id,email,"));
    // Members on stdout as CSV.
    let out = clvdesk(p)
        .args(["segment", "members", "aurora_top_miles", "--format", "csv"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count() as u64,
        count + 1
    );
}

#[test]
fn activate_writes_files_and_logs() {
    let ws = seeded();
    let p = ws.path();
    let out = clvdesk(p)
        .args(["activate", "aurora_top_miles", "--destination", "email_csv"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let (file, rows) = stdout.lines().next().unwrap().split_once('\t').unwrap();
    assert!(Path::new(file).is_file());
    assert!(rows.parse::<u64>().unwrap() > 0);
    assert!(String::from_utf8_lossy(&out.stderr).contains("incremental"));
    // Again: nobody new.
    clvdesk(p)
        .args(["activate", "aurora_top_miles", "--destination", "email_csv"])
        .assert()
        .success()
        .stderr(predicate::str::contains(" 0 exported"));
    clvdesk(p)
        .args([
            "activate",
            "aurora_top_miles",
            "--destination",
            "email_csv",
            "--full",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("(full)"));
    // The seeded jobs run from --run-schedule.
    clvdesk(p)
        .args([
            "--run-schedule",
            "--job",
            "refresh_aurora_top_miles",
            "--force",
        ])
        .assert()
        .success();
}

#[test]
fn unknown_names_and_invalid_rules_exit_2() {
    let ws = seeded();
    let p = ws.path();
    for args in [
        vec!["segment", "show", "nope"],
        vec!["segment", "preview", "nope"],
        vec!["segment", "refresh", "nope"],
        vec!["segment", "members", "nope"],
        vec!["activate", "nope", "--destination", "email_csv"],
        vec!["activate", "aurora_top_miles", "--destination", "nope"],
    ] {
        clvdesk(p)
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("nope"));
    }
    std::fs::write(
        p.join("segments/broken.toml"),
        "[rule]\ntype = \"all\"\n[[rule.conditions]]\ntype = \"attribute\"\ncolumn = \"shoe_size\"\nop = \"greater\"\nvalue = 42\n",
    )
    .unwrap();
    clvdesk(p)
        .args(["segment", "preview", "broken"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("broken.toml")
                .and(predicate::str::contains("rule.1"))
                .and(predicate::str::contains("shoe_size")),
        );
    clvdesk(p)
        .args(["segment", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("INVALID"));
}
