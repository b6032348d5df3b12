//! First-run seeding of a workspace from the sample data embedded in the binary.
//!
//! Two steps, each idempotent and recorded in `clvdesk_meta.workspace_info`:
//! 1. the sample tables, loaded in one transaction (a crash half-way leaves
//!    nothing, and the next open loads them again) — but only into a database that
//!    has no tables or views of its own. A `warehouse.duckdb` that came from
//!    elsewhere (or was first opened directly as a `.duckdb` file) is never
//!    written over: it is recorded as not seeded, with the reason;
//! 2. the starter definitions (decile jobs, CLV fit, dashboards, ...), each
//!    recorded under its own key once it has run, so a failed starter is
//!    retried on the next open without reloading the data. In a workspace that
//!    was not seeded the starters (which read the sample tables) are skipped,
//!    recorded as skipped with the reason, and reported.

use std::path::Path;

use duckdb::Connection;

use super::{Workspace, WorkspaceError};
use crate::engine::ingest::{ingest_from, reader_for};
use crate::engine::{EngineError, in_transaction};

/// One embedded sample table.
pub struct SampleTable {
    pub name: &'static str,
    pub parquet: &'static [u8],
}

macro_rules! sample_table {
    ($name:literal) => {
        SampleTable {
            name: $name,
            parquet: include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/sample-data/",
                $name,
                ".parquet"
            )),
        }
    };
}

/// The sample tables, in load order.
pub const SAMPLE_TABLES: &[SampleTable] = &[
    sample_table!("customers"),
    sample_table!("loyalty_transactions"),
    sample_table!("email_campaigns"),
    sample_table!("email_events"),
];

/// The truth parameters the sample data was generated with.
pub const SAMPLE_TRUTH: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/sample-data/truth.json"
));

/// A starter: writes definition files and/or runs a first job on a freshly seeded workspace.
pub type Starter = fn(&Workspace) -> anyhow::Result<()>;

/// Starters in the order they run. Each part of the product registers its own here.
pub const STARTERS: &[(&str, Starter)] = &[
    ("clv_fit", starter_clv_fit),
    ("deciles", crate::scheduler::jobs::seed_starter_deciles),
    (
        "schedules",
        crate::scheduler::starters::seed_starter_schedules,
    ),
    (
        "dashboards",
        crate::dashboard::seed::seed_starter_dashboards,
    ),
];

/// Fits BG/NBD + Gamma-Gamma on the sample transactions, so the CLV pane and the dashboard
/// have predictions (`clv_predictions`) on first launch.
fn starter_clv_fit(ws: &Workspace) -> anyhow::Result<()> {
    let spec = crate::engine::clv_job::sample_spec(SAMPLE_TRUTH)?;
    crate::engine::clv_job::run_and_save(ws.db().conn(), &spec)?;
    Ok(())
}

/// `workspace_info` key of the seeding decision: [`LOADED`] or [`NOT_SEEDED`].
pub const SAMPLE_KEY: &str = "sample_data";
/// `workspace_info` key of why the sample data was not loaded.
pub const NOT_SEEDED_REASON_KEY: &str = "sample_data_reason";
const LOADED: &str = "loaded";
const NOT_SEEDED: &str = "not_seeded";

/// Whether the sample data was loaded into the workspace database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeedState {
    /// Not decided yet (a new or never-opened-as-folder database).
    Pending,
    /// The sample tables were loaded by clvdesk.
    Loaded,
    /// The database had tables of its own; nothing was loaded.
    NotSeeded { reason: String },
}

/// What seeding did on this open.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeedReport {
    pub loaded_tables: Vec<(String, u64)>,
    /// Set on the open that found tables of the user's and so did not seed.
    pub not_seeded: Option<String>,
    pub starters_run: Vec<String>,
    /// Starters skipped on this open because the workspace was not seeded.
    pub starters_skipped: Vec<String>,
    pub starter_errors: Vec<String>,
}

impl SeedReport {
    /// What the user should be told about this open (empty when nothing noteworthy happened):
    /// the CLI prints these on stderr, the app shows them in the status line.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if let Some(reason) = &self.not_seeded {
            notes.push(format!(
                "workspace not seeded with the sample data: {reason}; its tables were left as they are"
            ));
        }
        if !self.starters_skipped.is_empty() {
            notes.push(format!(
                "starters skipped ({}): they need the sample tables, which this workspace does not have",
                self.starters_skipped.join(", ")
            ));
        }
        notes.extend(self.starter_errors.iter().cloned());
        notes
    }
}

/// The recorded seeding decision.
pub fn seed_state(conn: &Connection) -> Result<SeedState, EngineError> {
    Ok(match info(conn, SAMPLE_KEY)?.as_deref() {
        None => SeedState::Pending,
        Some(LOADED) => SeedState::Loaded,
        Some(_) => SeedState::NotSeeded {
            reason: info(conn, NOT_SEEDED_REASON_KEY)?
                .unwrap_or_else(|| "the database had tables of its own".into()),
        },
    })
}

/// Seeds the workspace if it has not been decided yet; runs pending starters.
/// A failing starter does not stop the workspace from opening: it is reported
/// and retried on the next open.
pub fn ensure_seeded(ws: &Workspace) -> Result<SeedReport, WorkspaceError> {
    let conn = ws.db().conn();
    let mut report = SeedReport::default();
    let state = match seed_state(conn)? {
        SeedState::Pending => {
            let state = seed_if_empty(conn, &mut report)?;
            if let SeedState::NotSeeded { reason } = &state {
                report.not_seeded = Some(reason.clone());
            }
            state
        }
        state => state,
    };
    for (name, starter) in STARTERS {
        let key = format!("starter:{name}");
        if info(conn, &key)?.is_some() {
            continue;
        }
        if let SeedState::NotSeeded { reason } = &state {
            set_info(conn, &key, &format!("skipped: not seeded ({reason})"))?;
            report.starters_skipped.push(name.to_string());
            continue;
        }
        match starter(ws) {
            Ok(()) => {
                set_info(conn, &key, "done")?;
                report.starters_run.push(name.to_string());
            }
            Err(e) => report.starter_errors.push(format!("starter {name}: {e:#}")),
        }
    }
    Ok(report)
}

/// Tables and views of the database that are not clvdesk's metadata (`schema.name`).
pub fn user_relations(conn: &Connection) -> Result<Vec<String>, EngineError> {
    let mut stmt = conn.prepare(
        "SELECT schema_name || '.' || table_name AS name FROM duckdb_tables()
         WHERE database_name = current_database() AND NOT temporary AND schema_name <> 'clvdesk_meta'
         UNION ALL
         SELECT schema_name || '.' || view_name FROM duckdb_views()
         WHERE database_name = current_database() AND NOT temporary AND NOT internal
           AND schema_name <> 'clvdesk_meta'
         ORDER BY name",
    )?;
    let names = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(names.collect::<Result<_, _>>()?)
}

/// Loads the sample tables when the database has no tables of its own; otherwise records
/// that it is not seeded, and why. (The process holds the database's write lock, so nothing
/// else can add a table between the check and the load.)
fn seed_if_empty(conn: &Connection, report: &mut SeedReport) -> Result<SeedState, WorkspaceError> {
    let existing = user_relations(conn)?;
    if !existing.is_empty() {
        let shown: Vec<&str> = existing.iter().take(5).map(String::as_str).collect();
        let more = existing.len() - shown.len();
        let reason = format!(
            "the database already has {} table(s) or view(s) of its own ({}{})",
            existing.len(),
            shown.join(", "),
            if more > 0 {
                format!(", and {more} more")
            } else {
                String::new()
            }
        );
        in_transaction(conn, |c| -> Result<(), EngineError> {
            set_info_in(c, SAMPLE_KEY, NOT_SEEDED)?;
            set_info_in(c, NOT_SEEDED_REASON_KEY, &reason)
        })?;
        return Ok(SeedState::NotSeeded { reason });
    }
    let (_dir, files) = write_sample_files()?;
    report.loaded_tables = in_transaction(conn, |c| -> Result<_, EngineError> {
        let loaded = load_sample_tables(c, &files)?;
        set_info_in(c, SAMPLE_KEY, LOADED)?;
        Ok(loaded)
    })?;
    Ok(SeedState::Loaded)
}

type SampleFiles = (
    crate::atomic::ScratchDir,
    Vec<(&'static str, std::path::PathBuf)>,
);

/// The embedded Parquet files written to a scratch folder, removed when the
/// guard drops and, being registered, also when Ctrl+C or SIGTERM ends the
/// process while the workspace is being seeded.
fn write_sample_files() -> Result<SampleFiles, WorkspaceError> {
    let dir = crate::atomic::ScratchDir::new()
        .map_err(|e| WorkspaceError::io(std::env::temp_dir(), e))?;
    let mut files = Vec::new();
    for t in SAMPLE_TABLES {
        let path = dir.path().join(format!("{}.parquet", t.name));
        std::fs::write(&path, t.parquet).map_err(|e| WorkspaceError::io(&path, e))?;
        files.push((t.name, path));
    }
    Ok((dir, files))
}

/// Creates the sample tables inside the caller's transaction. Never drops anything: the
/// caller has checked that the database has no tables of its own.
fn load_sample_tables(
    c: &Connection,
    files: &[(&'static str, std::path::PathBuf)],
) -> Result<Vec<(String, u64)>, EngineError> {
    let mut loaded = Vec::new();
    for (name, path) in files {
        let reader = reader_for(path)?;
        let r = ingest_from(c, &reader, name, &format!("sample-data/{name}.parquet"))?;
        loaded.push((name.to_string(), r.rows));
    }
    Ok(loaded)
}

/// Reads a `clvdesk_meta.workspace_info` value.
pub fn info(conn: &Connection, key: &str) -> Result<Option<String>, EngineError> {
    let mut stmt = conn.prepare("SELECT value FROM clvdesk_meta.workspace_info WHERE key = ?")?;
    let mut rows = stmt.query([key])?;
    Ok(match rows.next()? {
        Some(r) => Some(r.get(0)?),
        None => None,
    })
}

/// Sets a `clvdesk_meta.workspace_info` value.
pub fn set_info(conn: &Connection, key: &str, value: &str) -> Result<(), EngineError> {
    set_info_in(conn, key, value)
}

fn set_info_in(conn: &Connection, key: &str, value: &str) -> Result<(), EngineError> {
    conn.execute(
        "INSERT OR REPLACE INTO clvdesk_meta.workspace_info VALUES (?, ?)",
        [key, value],
    )?;
    Ok(())
}

/// Whether `dir` already holds a workspace database.
pub fn is_workspace(dir: &Path) -> bool {
    dir.join(super::paths::DATABASE_FILE).is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ctrl+C or SIGTERM while a workspace is seeded runs the headless handler, which
    /// removes registered temps; the sample files' folder must be one of them.
    #[test]
    fn sample_files_are_registered_for_signal_cleanup_and_removed_after() {
        let (dir, files) = write_sample_files().unwrap();
        let path = dir.path().to_path_buf();
        assert!(
            crate::atomic::is_pending(&path),
            "a signal while seeding would leave {path:?} behind"
        );
        assert!(
            files
                .iter()
                .all(|(_, p)| p.starts_with(&path) && p.exists())
        );
        drop(dir);
        assert!(!path.exists());
        assert!(!crate::atomic::is_pending(&path));
    }

    /// A `warehouse.duckdb` made elsewhere, holding `customers(x)` and tables named like the
    /// starters' outputs.
    fn foreign_warehouse(dir: &Path) -> std::path::PathBuf {
        let file = dir.join(crate::workspace::paths::DATABASE_FILE);
        let conn = Connection::open(&file).unwrap();
        conn.execute_batch(
            "CREATE TABLE customers (x INTEGER);
             INSERT INTO customers VALUES (1), (2), (3);
             CREATE TABLE clv_predictions (y VARCHAR);
             INSERT INTO clv_predictions VALUES ('mine');
             CREATE TABLE loyalty_miles_deciles (z DOUBLE);
             INSERT INTO loyalty_miles_deciles VALUES (0.5);",
        )
        .unwrap();
        file
    }

    fn assert_untouched(conn: &Connection) {
        let got: (String, i64, i64) = conn
            .query_row(
                "SELECT string_agg(column_name, ','),
                        (SELECT sum(x) FROM customers), (SELECT count(*) FROM customers)
                 FROM duckdb_columns() WHERE table_name = 'customers'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(got, ("x".to_string(), 6, 3));
        let y: String = conn
            .query_row("SELECT string_agg(y) FROM clv_predictions", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(y, "mine");
        let z: f64 = conn
            .query_row("SELECT sum(z) FROM loyalty_miles_deciles", [], |r| r.get(0))
            .unwrap();
        assert_eq!(z, 0.5);
        let sample: i64 = conn
            .query_row(
                "SELECT count(*) FROM duckdb_tables() WHERE table_name IN ('loyalty_transactions', 'email_campaigns', 'email_events')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(sample, 0, "no sample table is added beside the user's");
    }

    #[test]
    fn a_database_with_tables_of_its_own_is_not_seeded_and_its_tables_stay() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("ws");
        std::fs::create_dir_all(&root).unwrap();
        foreign_warehouse(&root);
        let ws = Workspace::open_folder(&root).unwrap();
        assert_untouched(ws.db().conn());
        assert!(matches!(
            seed_state(ws.db().conn()).unwrap(),
            SeedState::NotSeeded { reason } if reason.contains("main.customers")
        ));
        let report = ws.seed_report();
        assert!(report.loaded_tables.is_empty() && report.starters_run.is_empty());
        assert_eq!(
            report.starters_skipped,
            ["clv_fit", "deciles", "schedules", "dashboards"]
        );
        let notes = report.notes().join("\n");
        assert!(
            notes.contains("not seeded") && notes.contains("starters skipped"),
            "{notes}"
        );
        drop(ws);
        // The decision is recorded: the next open says nothing and still changes nothing.
        let ws = Workspace::open_folder(&root).unwrap();
        assert_untouched(ws.db().conn());
        assert!(ws.seed_report().notes().is_empty());
    }

    #[test]
    fn a_database_first_opened_directly_is_not_seeded_later() {
        let tmp = tempfile::tempdir().unwrap();
        let file = foreign_warehouse(tmp.path());
        let ws = Workspace::open_path(Some(&file)).unwrap();
        assert_eq!(ws.kind(), &super::super::WorkspaceKind::DatabaseFile);
        assert_untouched(ws.db().conn());
        drop(ws);
        let ws = Workspace::open_folder(tmp.path()).unwrap();
        assert_untouched(ws.db().conn());
    }

    #[test]
    fn an_empty_database_is_seeded_once() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("ws");
        let ws = Workspace::open_folder(&root).unwrap();
        assert_eq!(seed_state(ws.db().conn()).unwrap(), SeedState::Loaded);
        let report = ws.seed_report().clone();
        assert_eq!(report.loaded_tables.len(), SAMPLE_TABLES.len());
        assert!(report.starter_errors.is_empty(), "{report:?}");
        assert_eq!(
            report.starters_run,
            ["clv_fit", "deciles", "schedules", "dashboards"]
        );
        drop(ws);
        let ws = Workspace::open_folder(&root).unwrap();
        assert!(ws.seed_report().loaded_tables.is_empty());
        assert!(ws.seed_report().notes().is_empty());
    }
}
