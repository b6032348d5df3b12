//! Issue 8, items 7 and 8: user SQL wrapped as a subquery survives a trailing `--` comment;
//! paths with glob characters name exactly one file everywhere a path reaches DuckDB; the
//! ingest's table check is exact; a file that has its own `_batch_id` can be ingested.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use clvdesk::engine::Database;
use clvdesk::engine::export::{ExportFormat, copy_to};
use clvdesk::engine::format::format_cell;
use clvdesk::engine::ingest::{BATCH_COLUMN, ingest_file, table_exists};
use clvdesk::engine::worker::{count_rows, fetch_page, sorted_source};
use clvdesk::workspace::Workspace;
use duckdb::Connection;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

fn strings(conn: &Connection, sql: &str) -> Vec<String> {
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Files whose names are globs that also match a decoy beside them; each holds its own marker.
/// Reading the path must give the file's marker and nothing else.
fn glob_named_files(dir: &Path) -> Vec<(PathBuf, &'static str)> {
    let files = [
        ("data[1].csv", "bracket"),
        ("data1.csv", "decoy-1"),
        ("a*b.csv", "star"),
        ("axb.csv", "decoy-axb"),
        ("q?.csv", "question"),
        ("qq.csv", "decoy-qq"),
        ("dir[x]/in.csv", "bracket-dir"),
        ("dirx/in.csv", "decoy-dirx"),
        ("back\\slash.csv", "backslash"),
        ("~home.csv", "tilde"),
    ];
    let mut out = Vec::new();
    for (name, marker) in files {
        let p = write(dir, name, &format!("marker,n\n{marker},1\n"));
        if !marker.starts_with("decoy") {
            out.push((p, marker));
        }
    }
    out
}

#[test]
fn ingest_reads_exactly_the_named_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open_in_memory_workspace().unwrap();
    for (i, (path, marker)) in glob_named_files(dir.path()).into_iter().enumerate() {
        let table = format!("t{i}");
        let r = ingest_file(db.conn(), &path, &table)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(r.rows, 1, "{}", path.display());
        let got = strings(db.conn(), &format!("SELECT marker FROM {table}"));
        assert_eq!(got, vec![marker.to_string()], "{}", path.display());
    }
}

/// DuckDB splits a globbed path at `\\` too, so a path with both cannot be read: a clear
/// error, never another file.
#[test]
fn a_path_duckdb_cannot_read_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "back\\slash[2].csv", "marker\nx\n");
    let db = Database::open_in_memory_workspace().unwrap();
    let err = ingest_file(db.conn(), &path, "t").unwrap_err().to_string();
    assert!(
        err.contains("cannot read a file whose path has both"),
        "{err}"
    );
    let err = Workspace::open_path(Some(&path))
        .err()
        .expect("refused")
        .to_string();
    assert!(
        err.contains("cannot read a file whose path has both"),
        "{err}"
    );
}

#[test]
fn a_data_file_opened_as_a_workspace_is_exactly_that_file() {
    let dir = tempfile::tempdir().unwrap();
    for (path, marker) in glob_named_files(dir.path()) {
        let ws =
            Workspace::open_path(Some(&path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let clvdesk::workspace::WorkspaceKind::DataFile { view } = ws.kind().clone() else {
            panic!("a data file workspace")
        };
        let got = strings(
            ws.db().conn(),
            &format!("SELECT marker FROM {}", clvdesk::sql::quote_ident(&view)),
        );
        assert_eq!(got, vec![marker.to_string()], "{}", path.display());
    }
}

/// `clvdesk clv --transactions 'data[1].csv'` reads that file, not `data1.csv` beside it.
#[test]
fn clv_reads_exactly_the_named_file() {
    let dir = tempfile::tempdir().unwrap();
    let log = |customers: u32| {
        let mut csv = String::from("member_id,txn_date,amount\n");
        for c in 0..customers {
            csv.push_str(&format!(
                "{c},2024-01-0{},10\n{c},2024-03-1{},12\n",
                1 + c % 9,
                c % 10
            ));
        }
        csv
    };
    let named = write(dir.path(), "data[1].csv", &log(40));
    write(dir.path(), "data1.csv", &log(7));
    let out = Command::cargo_bin("clvdesk")
        .unwrap()
        .env_remove("CLVDESK_WORKSPACE")
        .arg("clv")
        .arg("--transactions")
        .arg(&named)
        .args([
            "--customer",
            "member_id",
            "--date",
            "txn_date",
            "--amount",
            "amount",
        ])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("no report: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(report["customers"].as_u64(), Some(40), "{report}");
}

#[test]
fn exports_write_to_a_path_with_glob_characters() {
    let dir = tempfile::tempdir().unwrap();
    let conn = Connection::open_in_memory().unwrap();
    let out = dir.path().join("out[1]*.csv");
    assert_eq!(
        copy_to(&conn, "SELECT 1 AS a", &out, ExportFormat::Csv).unwrap(),
        1
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "a\n1\n");
}

/// The existence check compares names exactly (case-insensitively): with `axb` present,
/// `a_b` does not exist, so ingesting into it creates it.
#[test]
fn table_existence_is_exact() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open_in_memory_workspace().unwrap();
    db.conn()
        .execute_batch("CREATE TABLE axb(x INT); CREATE TABLE \"MiXed\"(x INT)")
        .unwrap();
    assert!(!table_exists(db.conn(), "a_b").unwrap());
    assert!(!table_exists(db.conn(), "a%").unwrap());
    assert!(table_exists(db.conn(), "AXB").unwrap());
    assert!(table_exists(db.conn(), "mixed").unwrap());
    assert!(table_exists(db.conn(), "main.axb").unwrap());
    let csv = write(dir.path(), "rows.csv", "id\n1\n2\n");
    let r = ingest_file(db.conn(), &csv, "a_b").unwrap();
    assert!(r.created_table);
    assert_eq!(r.rows, 2);
}

/// A file that carries its own `_batch_id` (an export of an ingested table, say) is ingested:
/// its column is replaced by this batch's id, and the report says so.
#[test]
fn a_file_with_its_own_batch_column_is_stamped_with_ours() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open_in_memory_workspace().unwrap();
    let csv = write(
        dir.path(),
        "export.csv",
        "id,_BATCH_ID,name\n1,77,x\n2,77,y\n",
    );
    let first = ingest_file(db.conn(), &csv, "people").unwrap();
    assert_eq!(first.replaced_column.as_deref(), Some("_BATCH_ID"));
    let again = ingest_file(db.conn(), &csv, "people").unwrap();
    assert!(!again.created_table);
    let per_batch = strings(
        db.conn(),
        &format!(
            "SELECT concat({BATCH_COLUMN}, ':', string_agg(name, ',' ORDER BY id)) \
             FROM people GROUP BY {BATCH_COLUMN} ORDER BY {BATCH_COLUMN}"
        ),
    );
    assert_eq!(
        per_batch,
        vec![
            format!("{}:x,y", first.batch_id),
            format!("{}:x,y", again.batch_id)
        ]
    );
    let plain = write(dir.path(), "plain.csv", "id,name\n3,z\n");
    assert_eq!(
        ingest_file(db.conn(), &plain, "people")
            .unwrap()
            .replaced_column,
        None
    );
}

/// Item 7: every wrap of user SQL survives a statement that ends in a `--` comment.
#[test]
fn wrapped_statements_may_end_in_a_line_comment() {
    let dir = tempfile::tempdir().unwrap();
    let conn = Connection::open_in_memory().unwrap();
    let source = "select range AS i from range(5) -- five rows";
    assert_eq!(count_rows(&conn, source).unwrap(), 5);
    let page = fetch_page(&conn, source, 3, 10).unwrap();
    assert_eq!(page.num_rows(), 2);
    let sorted = sorted_source(source, "i", true);
    let top = fetch_page(&conn, &sorted, 0, 1).unwrap();
    assert_eq!(format_cell(top.column(0), 0).text, "4");
    let out = dir.path().join("five.csv");
    assert_eq!(copy_to(&conn, source, &out, ExportFormat::Csv).unwrap(), 5);
}

/// Item 7 through the binary: `query --format csv` with and without `--limit`.
#[test]
fn query_output_of_a_statement_ending_in_a_comment() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "d.csv", "n\n1\n2\n3\n");
    for extra in [&["--limit", "2"][..], &[][..]] {
        let out = Command::cargo_bin("clvdesk")
            .unwrap()
            .env("CLVDESK_WORKSPACE", &data)
            .args([
                "query",
                "-c",
                "select n from d order by n -- the rows",
                "--format",
                "csv",
            ])
            .args(extra)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{extra:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let want = if extra.is_empty() {
            "n\n1\n2\n3\n"
        } else {
            "n\n1\n2\n"
        };
        assert_eq!(String::from_utf8_lossy(&out.stdout), want, "{extra:?}");
    }
}
