//! Activation: exporting an audience to a file destination — field mapping, split at N rows
//! (names and totals), mandatory-field and email drops, dedupe, incremental exports of new
//! entrants only, the manifest, the export log, and an unwritable folder.

use std::path::Path;

use clvdesk::engine::Database;
use clvdesk::segments::activation::export;
use clvdesk::segments::{self, SegmentError};

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// 10 profiles: 1-6 Gold with valid distinct emails, 7 Gold without email, 8 Gold with a
/// broken email, 9 Gold with 1's email (a duplicate), 10 Silver.
fn setup() -> (tempfile::TempDir, Database) {
    let tmp = tempfile::tempdir().unwrap();
    let db = Database::open_in_memory_workspace().unwrap();
    db.conn()
        .execute_batch(
            "CREATE TABLE customers (customer_id BIGINT, email VARCHAR, first_name VARCHAR, tier VARCHAR);
             INSERT INTO customers SELECT range, 'p' || range || '@example.com', 'First' || range, 'Gold' FROM range(1, 7);
             INSERT INTO customers VALUES (7, NULL, 'Seven', 'Gold'), (8, 'not-an-email', 'Eight', 'Gold'),
                                          (9, 'P1@example.com ', 'Nine', 'Gold'), (10, 'p10@example.com', 'Ten', 'Silver');",
        )
        .unwrap();
    write(
        tmp.path(),
        "segments/gold.toml",
        "profile = \"customers\"\nidentity = \"customer_id\"\n[rule]\ntype = \"all\"\n[[rule.conditions]]\ntype = \"attribute\"\ncolumn = \"tier\"\nop = \"equals\"\nvalue = \"Gold\"\n",
    );
    write(
        tmp.path(),
        "destinations/crm.toml",
        "# test destination\nformat = \"csv\"\nfolder = \"out\"\nfile_name = \"{destination}_{audience}_{timestamp}.csv\"\nsplit_every = 2\n\
         email_field = \"mail\"\nmandatory = [\"mail\", \"name\"]\ndedupe_by = \"mail\"\nmode = \"incremental\"\n\n[fields]\nmail = \"email\"\nname = \"first_name\"\n",
    );
    (tmp, db)
}

fn files(dir: &Path, suffix: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|n| n.ends_with(suffix))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn a_full_export_maps_splits_drops_and_dedupes() {
    let (tmp, db) = setup();
    let conn = db.conn();
    let r = export(conn, tmp.path(), "gold", "crm", Some(true)).unwrap();
    // 9 Gold: 7 (no email) missing, 8 invalid email, 9 duplicate of 1 -> 6 exported.
    assert_eq!(r.selected, 9);
    assert_eq!(
        (
            r.dropped_missing,
            r.dropped_invalid_email,
            r.duplicates,
            r.exported
        ),
        (1, 1, 1, 6)
    );
    let out = tmp.path().join("out");
    let csvs = files(&out, ".csv");
    assert_eq!(csvs.len(), 3, "{csvs:?}");
    for (i, name) in csvs.iter().enumerate() {
        assert!(
            name.starts_with("crm_gold_") && name.ends_with(&format!("_part{}.csv", i + 1)),
            "{name}"
        );
    }
    let mut rows = Vec::new();
    for name in &csvs {
        let text = std::fs::read_to_string(out.join(name)).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("mail,name"), "{name}: {text}");
        let body: Vec<String> = lines.map(str::to_string).collect();
        assert_eq!(body.len(), 2, "{name}");
        rows.extend(body);
    }
    assert_eq!(rows[0], "p1@example.com,First1");
    assert_eq!(rows.len(), 6);
    assert!(
        !rows
            .iter()
            .any(|r| r.contains("Nine") || r.contains("Seven") || r.contains("Eight"))
    );
    assert_eq!(r.files.iter().map(|f| f.1).sum::<u64>(), 6);
    // The manifest: written last, totals and checksums of the files.
    let manifests = files(&out, ".manifest.json");
    assert_eq!(manifests.len(), 1);
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join(&manifests[0])).unwrap()).unwrap();
    assert_eq!(m["rows"], 6);
    assert_eq!(m["dropped_missing_mandatory"], 1);
    assert_eq!(m["files"].as_array().unwrap().len(), 3);
    assert_eq!(m["files"][0]["rows"], 2);
    assert_eq!(m["files"][0]["sha256"].as_str().unwrap().len(), 64);
    // The export log.
    let (exported, dropped, dups, status, nfiles): (i64, i64, i64, String, String) = conn
        .query_row(
            "SELECT exported, dropped, duplicates, status, files FROM clvdesk_meta.export_log",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    assert_eq!((exported, dropped, dups, status.as_str()), (6, 2, 1, "ok"));
    assert_eq!(nfiles.lines().count(), 3);
    // No temp files left.
    assert!(
        files(&out, "")
            .iter()
            .all(|n| !n.starts_with(".clvdesk-tmp"))
    );
}

#[test]
fn an_incremental_export_writes_only_new_entrants() {
    let (tmp, db) = setup();
    let conn = db.conn();
    let first = export(conn, tmp.path(), "gold", "crm", None).unwrap();
    assert!(!first.full);
    assert_eq!(first.exported, 6);
    // Nothing changed: nothing new.
    let again = export(conn, tmp.path(), "gold", "crm", None).unwrap();
    assert_eq!((again.selected, again.exported), (0, 0));
    // Ten turns Gold: only Ten is exported.
    conn.execute_batch("UPDATE customers SET tier = 'Gold' WHERE customer_id = 10")
        .unwrap();
    let third = export(conn, tmp.path(), "gold", "crm", None).unwrap();
    assert_eq!((third.selected, third.exported), (1, 1));
    let text = std::fs::read_to_string(&third.files[0].0).unwrap();
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        ["mail,name", "p10@example.com,Ten"]
    );
    // --full: everyone again.
    let full = export(conn, tmp.path(), "gold", "crm", Some(true)).unwrap();
    assert_eq!(full.exported, 7);
}

#[test]
fn an_unwritable_folder_is_a_clear_error_and_leaves_no_file() {
    let (tmp, db) = setup();
    let conn = db.conn();
    // The folder's parent is a file: nothing can be created under it (even as root).
    write(tmp.path(), "blocked", "a file, not a folder");
    write(
        tmp.path(),
        "destinations/blocked.toml",
        "folder = \"blocked/out\"\n[fields]\nemail = \"email\"\n",
    );
    let e = export(conn, tmp.path(), "gold", "blocked", Some(true)).unwrap_err();
    assert!(e.to_string().contains("blocked/out"), "{e}");
    assert!(!tmp.path().join("blocked/out").exists());
    let status: String = conn
        .query_row("SELECT status FROM clvdesk_meta.export_log", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(status, "failed");
}

#[test]
fn bad_destinations_are_usage_errors() {
    let (tmp, db) = setup();
    let conn = db.conn();
    match export(conn, tmp.path(), "gold", "nope", None) {
        Err(e @ SegmentError::Unknown { .. }) => assert!(e.to_string().contains("crm"), "{e}"),
        other => panic!("{other:?}"),
    }
    write(
        tmp.path(),
        "destinations/noemail.toml",
        "[fields]\nname = \"first_name\"\n",
    );
    let e = export(conn, tmp.path(), "gold", "noemail", None).unwrap_err();
    assert!(e.is_usage() && e.to_string().contains("email"), "{e}");
    write(
        tmp.path(),
        "destinations/badcol.toml",
        "[fields]\nemail = \"e_mail\"\n",
    );
    let e = export(conn, tmp.path(), "gold", "badcol", None).unwrap_err();
    assert!(e.is_usage() && e.to_string().contains("e_mail"), "{e}");
    write(
        tmp.path(),
        "destinations/badfmt.toml",
        "format = \"xlsx\"\n[fields]\nemail = \"email\"\n",
    );
    let e = export(conn, tmp.path(), "gold", "badfmt", None).unwrap_err();
    assert!(e.to_string().contains("badfmt.toml:1"), "{e}");
    let n: i64 = conn
        .query_row("SELECT count(*) FROM clvdesk_meta.export_log", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(n, 0, "nothing ran");
    let _ = segments::list(tmp.path());
}

#[test]
fn tsv_and_one_file() {
    let (tmp, db) = setup();
    write(
        tmp.path(),
        "destinations/tsv.toml",
        "format = \"tsv\"\nfolder = \"t\"\nfile_name = \"{audience}.tsv\"\n[fields]\nemail = \"email\"\ntier = \"tier\"\n",
    );
    let r = export(db.conn(), tmp.path(), "gold", "tsv", None).unwrap();
    assert_eq!(r.files.len(), 1);
    assert!(r.files[0].0.ends_with("t/gold.tsv"));
    let text = std::fs::read_to_string(&r.files[0].0).unwrap();
    assert_eq!(text.lines().next(), Some("email\ttier"));
    // No dedupe key: one row per identity; 7 lacks an email (email is always checked), 8's is broken.
    assert_eq!(r.exported, 7);
}
