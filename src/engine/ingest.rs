//! Batch ingest: append a file to a table, stamping every row with a batch
//! id recorded in `clvdesk_meta.ingest_batches`. One transaction: a file that
//! fails to parse loads nothing.

use std::path::Path;

use duckdb::Connection;

use super::sql::{is_plain_name, quote_literal, quote_qualified};
use super::{EngineError, in_transaction};

/// The column every ingested row carries.
pub const BATCH_COLUMN: &str = "_batch_id";

/// What an ingest did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestReport {
    pub batch_id: i64,
    pub table: String,
    pub rows: u64,
    pub created_table: bool,
}

/// The reader expression for a file, by extension (CSV, TSV, Parquet, JSON).
pub fn reader_for(path: &Path) -> Result<String, EngineError> {
    let reader = crate::workspace::data_file_reader(path).ok_or_else(|| {
        EngineError::Invalid(format!(
            "{}: unknown file type; expected .csv, .tsv, .parquet, .json or .jsonl",
            path.display()
        ))
    })?;
    let target = path
        .to_str()
        .ok_or_else(|| EngineError::Invalid(format!("{}: not a UTF-8 path", path.display())))?;
    Ok(format!("{reader}({})", quote_literal(target)))
}

/// Appends `path` to `table` in one transaction.
pub fn ingest_file(
    conn: &Connection,
    path: &Path,
    table: &str,
) -> Result<IngestReport, EngineError> {
    if !path.is_file() {
        return Err(EngineError::io(
            path,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        ));
    }
    let reader = reader_for(path)?;
    let label = path.display().to_string();
    in_transaction(conn, |c| ingest_from(c, &reader, table, &label)).map_err(|e| match e {
        EngineError::Sql(msg) => EngineError::Sql(format!("ingest of {label} failed: {msg}")),
        other => other,
    })
}

/// Appends the rows of a reader expression (e.g. `read_parquet('x')`) to
/// `table` inside the caller's transaction.
pub fn ingest_from(
    conn: &Connection,
    reader: &str,
    table: &str,
    label: &str,
) -> Result<IngestReport, EngineError> {
    if !is_plain_name(table) {
        return Err(EngineError::Invalid(format!(
            "table name {table:?} is not a plain identifier (letters, digits, _; optionally schema.table)"
        )));
    }
    let quoted = quote_qualified(table);
    let batch_id: i64 =
        conn.query_row("SELECT nextval('clvdesk_meta.batch_seq')", [], |r| r.get(0))?;
    let exists = table_exists(conn, table)?;
    let rows = if exists {
        conn.execute(
            &format!(
                "INSERT INTO {quoted} BY NAME SELECT *, {batch_id}::BIGINT AS {BATCH_COLUMN} FROM {reader}"
            ),
            [],
        )? as u64
    } else {
        conn.execute_batch(&format!(
            "CREATE TABLE {quoted} AS SELECT *, {batch_id}::BIGINT AS {BATCH_COLUMN} FROM {reader}"
        ))?;
        let n: i64 = conn.query_row(&format!("SELECT count(*) FROM {quoted}"), [], |r| r.get(0))?;
        n as u64
    };
    conn.execute(
        "INSERT INTO clvdesk_meta.ingest_batches VALUES (?, ?, ?, ?, current_timestamp::TIMESTAMP)",
        duckdb::params![batch_id, table, label, rows as i64],
    )?;
    Ok(IngestReport {
        batch_id,
        table: table.to_string(),
        rows,
        created_table: !exists,
    })
}

/// Whether a table (or view) exists, by `name` or `schema.name`.
pub fn table_exists(conn: &Connection, table: &str) -> Result<bool, EngineError> {
    let (schema, name) = table.split_once('.').unwrap_or(("main", table));
    Ok(conn.query_row(
        "SELECT count(*) > 0 FROM duckdb_tables() WHERE database_name = current_database() AND schema_name ILIKE ? AND table_name ILIKE ?",
        [schema, name],
        |r| r.get(0),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Database;

    #[test]
    fn appends_with_batch_ids_and_rolls_back_broken_files() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open_in_memory_workspace().unwrap();
        let good = dir.path().join("a.csv");
        std::fs::write(&good, "id,name\n1,x\n2,y\n").unwrap();
        let r1 = ingest_file(db.conn(), &good, "people").unwrap();
        assert!(r1.created_table);
        let r2 = ingest_file(db.conn(), &good, "people").unwrap();
        assert_eq!((r2.rows, r2.created_table), (2, false));
        assert!(r2.batch_id > r1.batch_id);
        let bad = dir.path().join("bad.csv");
        std::fs::write(&bad, "id,name\n3,z\nnot-a-number,w\n").unwrap();
        let err = ingest_file(db.conn(), &bad, "people")
            .unwrap_err()
            .to_string();
        assert!(err.contains("bad.csv"), "{err}");
        let n: i64 = db
            .conn()
            .query_row("SELECT count(*) FROM people", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 4);
        let batches: i64 = db
            .conn()
            .query_row(
                "SELECT count(*) FROM clvdesk_meta.ingest_batches",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(batches, 2);
        assert!(ingest_file(db.conn(), &good, "x;drop").is_err());
    }
}
