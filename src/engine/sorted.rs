//! A result sorted once, paged many times.
//!
//! Re-running `ORDER BY` for every page of a 100M-row result costs a full sort per page.
//! Instead the whole result is sorted once into a table of a scratch database and pages are
//! read from that table (a table scan with `LIMIT/OFFSET` skips to its row group, so a page
//! costs milliseconds wherever it is).
//!
//! The scratch database is an in-memory DuckDB database attached to the process's database
//! instance, so every worker connection sees it (temp tables would be private to the worker
//! that made them), it never touches the workspace file, and it disappears with the process.
//! Its blocks are managed by DuckDB's buffer manager: above `memory_limit` they are written
//! to DuckDB's temp directory (for a workspace, `<database>.tmp` beside it) like any spill.

use duckdb::Connection;

use super::EngineError;
use super::worker::sorted_source;
use crate::sql::quote_ident;

/// Alias of the attached scratch database.
pub const SCRATCH_DB: &str = "clvdesk_scratch";

/// Attaches the scratch database once per database instance (idempotent).
pub fn ensure_scratch(conn: &Connection) -> Result<(), EngineError> {
    super::sql::execute_one(
        conn,
        &format!("ATTACH IF NOT EXISTS ':memory:' AS {SCRATCH_DB}"),
        [],
    )?;
    Ok(())
}

/// The table `name` of the scratch database, quoted.
fn scratch_table(name: &str) -> String {
    format!("{SCRATCH_DB}.main.{}", quote_ident(name))
}

/// Sorts the whole of `source` by `column` into the scratch table `name` (replacing it) and
/// returns its row count. The table keeps the sorted order (DuckDB preserves insertion order),
/// so [`sorted_table_source`] pages through it in order. Cancellable through the connection's
/// interrupt like any statement.
pub fn sort_into(
    conn: &Connection,
    source: &str,
    column: &str,
    descending: bool,
    name: &str,
) -> Result<u64, EngineError> {
    ensure_scratch(conn)?;
    // Insertion order is what makes the table sorted; a user may have turned it off.
    let preserve: bool = conn.query_row(
        "SELECT current_setting('preserve_insertion_order')",
        [],
        |r| r.get(0),
    )?;
    if !preserve {
        return Err(EngineError::Invalid(
            "sorting needs DuckDB's preserve_insertion_order setting on".into(),
        ));
    }
    let target = scratch_table(name);
    super::sql::execute_one(
        conn,
        &format!(
            "CREATE OR REPLACE TABLE {target} AS {}",
            sorted_source(source, column, descending)
        ),
        [],
    )?;
    let n: i64 = conn.query_row(&format!("SELECT count(*) FROM {target}"), [], |r| r.get(0))?;
    Ok(n.max(0) as u64)
}

/// The query that reads the sorted table `name` in its sorted order.
pub fn sorted_table_source(name: &str) -> String {
    format!("SELECT * FROM {}", scratch_table(name))
}

/// Drops the sorted table `name` (nothing when it is not there).
pub fn drop_sorted(conn: &Connection, name: &str) -> Result<(), EngineError> {
    ensure_scratch(conn)?;
    super::sql::execute_one(
        conn,
        &format!("DROP TABLE IF EXISTS {}", scratch_table(name)),
        [],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Database;
    use crate::engine::worker::fetch_page;

    #[test]
    fn a_sorted_table_pages_in_order_on_any_connection_and_is_dropped() {
        let db = Database::open_in_memory().unwrap();
        let source = "select range as i, (range * 7919) % 10007 as k from range(300000)";
        let n = sort_into(db.conn(), source, "k", true, "sort_1").unwrap();
        assert_eq!(n, 300_000);
        // Another connection (a page worker) sees it.
        let other = db.clone_conn().unwrap();
        let page_source = sorted_table_source("sort_1");
        let mut prev = i64::MAX;
        for offset in [0u64, 1000, 150_000, 299_000] {
            let batch = fetch_page(&other, &page_source, offset, 1000).unwrap();
            assert_eq!(batch.num_rows(), 1000);
            let want = fetch_page(&other, &sorted_source(source, "k", true), offset, 1000)
                .unwrap()
                .column(1)
                .clone();
            let k = batch
                .column(1)
                .as_any()
                .downcast_ref::<duckdb::arrow::array::Int64Array>()
                .unwrap();
            // Same keys as ORDER BY at that offset, in descending order.
            assert_eq!(batch.column(1).as_ref(), want.as_ref());
            for v in k.values().iter() {
                assert!(*v <= prev);
                prev = *v;
            }
        }
        drop_sorted(&other, "sort_1").unwrap();
        assert!(fetch_page(db.conn(), &page_source, 0, 10).is_err());
        // Dropping what is not there is fine.
        drop_sorted(db.conn(), "sort_1").unwrap();
    }
}
