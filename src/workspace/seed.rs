//! First-run seeding of a workspace from the sample data embedded in the binary.
//!
//! Two steps, each idempotent and recorded in `clvdesk_meta.workspace_info`:
//! 1. the sample tables, loaded in one transaction (a crash half-way leaves
//!    nothing, and the next open loads them again);
//! 2. the starter definitions (decile jobs, CLV fit, dashboards, ...), each
//!    recorded under its own key once it has run, so a failed starter is
//!    retried on the next open without reloading the data.

use std::path::Path;

use duckdb::Connection;

use super::{Workspace, WorkspaceError};
use crate::engine::ingest::ingest_from;
use crate::engine::{EngineError, in_transaction, sql::quote_literal};

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
];

/// Fits BG/NBD + Gamma-Gamma on the sample transactions, so the CLV pane and the dashboard
/// have predictions (`clv_predictions`) on first launch.
fn starter_clv_fit(ws: &Workspace) -> anyhow::Result<()> {
    let spec = crate::engine::clv_job::sample_spec(SAMPLE_TRUTH)?;
    crate::engine::clv_job::run_and_save(ws.db().conn(), &spec)?;
    Ok(())
}

const SAMPLE_KEY: &str = "sample_data";

/// What seeding did on this open.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeedReport {
    pub loaded_tables: Vec<(String, u64)>,
    pub starters_run: Vec<String>,
    pub starter_errors: Vec<String>,
}

/// Seeds the workspace if it has not been seeded yet; runs pending starters.
/// A failing starter does not stop the workspace from opening: it is reported
/// and retried on the next open.
pub fn ensure_seeded(ws: &Workspace) -> Result<SeedReport, WorkspaceError> {
    let conn = ws.db().conn();
    let mut report = SeedReport::default();
    if info(conn, SAMPLE_KEY)?.is_none() {
        report.loaded_tables = load_sample_tables(conn)?;
    }
    for (name, starter) in STARTERS {
        let key = format!("starter:{name}");
        if info(conn, &key)?.is_some() {
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

fn load_sample_tables(conn: &Connection) -> Result<Vec<(String, u64)>, WorkspaceError> {
    let dir = tempfile::tempdir().map_err(|e| WorkspaceError::io(std::env::temp_dir(), e))?;
    let mut files = Vec::new();
    for t in SAMPLE_TABLES {
        let path = dir.path().join(format!("{}.parquet", t.name));
        std::fs::write(&path, t.parquet).map_err(|e| WorkspaceError::io(&path, e))?;
        files.push((t.name, path));
    }
    let loaded = in_transaction(conn, |c| -> Result<_, EngineError> {
        let mut loaded = Vec::new();
        for (name, path) in &files {
            let reader = format!("read_parquet({})", quote_literal(&path.to_string_lossy()));
            c.execute_batch(&format!(
                "DROP TABLE IF EXISTS {}",
                crate::engine::sql::quote_ident(name)
            ))?;
            let r = ingest_from(c, &reader, name, &format!("sample-data/{name}.parquet"))?;
            loaded.push((name.to_string(), r.rows));
        }
        set_info_in(c, SAMPLE_KEY, "loaded")?;
        Ok(loaded)
    })?;
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
