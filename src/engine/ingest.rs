//! Batch ingest: append a file to a table, stamping every row with a batch
//! id recorded in `clvdesk_meta.ingest_batches`. One transaction: a file that
//! fails to parse loads nothing.

use std::path::Path;

use duckdb::Connection;

use super::sql::{execute_one, prepare_one};
use super::{EngineError, in_transaction};
use crate::sql::{check_file_path, file_path_literal, is_plain_name, quote_ident, quote_qualified};

/// The column every ingested row carries.
pub const BATCH_COLUMN: &str = "_batch_id";

/// What an ingest did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestReport {
    pub batch_id: i64,
    pub table: String,
    pub rows: u64,
    pub created_table: bool,
    /// The file's own batch column (as the file spells it), replaced by this batch's id.
    pub replaced_column: Option<String>,
}

/// The DuckDB table function that reads a data file, by extension (`.gz` and `.zst` allowed).
pub fn data_file_reader(path: &Path) -> Option<&'static str> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    let name = name
        .strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".zst"))
        .unwrap_or(&name);
    let ext = name.rsplit('.').next()?;
    Some(match ext {
        "csv" | "tsv" | "txt" => "read_csv_auto",
        "parquet" | "pq" => "read_parquet",
        "json" | "jsonl" | "ndjson" => "read_json_auto",
        _ => return None,
    })
}

/// The reader expression for a file, by extension (CSV, TSV, Parquet, JSON). The path is a
/// literal that names this one file even when it contains glob characters (`data[1].csv`).
pub fn reader_for(path: &Path) -> Result<String, EngineError> {
    let reader = data_file_reader(path).ok_or_else(|| {
        EngineError::Invalid(format!(
            "{}: unknown file type; expected .csv, .tsv, .parquet, .json or .jsonl",
            path.display()
        ))
    })?;
    let target = path
        .to_str()
        .ok_or_else(|| EngineError::Invalid(format!("{}: not a UTF-8 path", path.display())))?;
    check_file_path(target).map_err(|m| EngineError::Invalid(format!("{target}: {m}")))?;
    Ok(format!("{reader}({})", file_path_literal(target)))
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
/// `table` inside the caller's transaction. A `_batch_id` column in the input
/// is replaced by this batch's id (the report names it).
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
    let replaced_column = input_columns(conn, reader)?
        .into_iter()
        .find(|c| c.eq_ignore_ascii_case(BATCH_COLUMN));
    let star = match &replaced_column {
        Some(c) => format!("* EXCLUDE ({})", quote_ident(c)),
        None => "*".to_string(),
    };
    let select = format!("SELECT {star}, {batch_id}::BIGINT AS {BATCH_COLUMN} FROM {reader}");
    let exists = table_exists(conn, table)?;
    let rows = if exists {
        execute_one(conn, &format!("INSERT INTO {quoted} BY NAME {select}"), [])? as u64
    } else {
        execute_one(conn, &format!("CREATE TABLE {quoted} AS {select}"), [])?;
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
        replaced_column,
    })
}

/// The column names a reader expression yields.
fn input_columns(conn: &Connection, reader: &str) -> Result<Vec<String>, EngineError> {
    let mut stmt = prepare_one(conn, &format!("DESCRIBE SELECT * FROM {reader}"))?;
    let names = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(names)
}

/// Whether a table exists, by `name` or `schema.name` (current schema by default). Names
/// compare as DuckDB resolves unquoted identifiers: case-insensitively, character for
/// character (`_` and `%` are not wildcards).
pub fn table_exists(conn: &Connection, table: &str) -> Result<bool, EngineError> {
    let (schema, name) = match table.split_once('.') {
        Some((s, n)) => (Some(s), n),
        None => (None, table),
    };
    Ok(conn.query_row(
        "SELECT count(*) > 0 FROM duckdb_tables() WHERE database_name = current_database() \
           AND lower(schema_name) = lower(coalesce(?, current_schema())) \
           AND lower(table_name) = lower(?)",
        duckdb::params![schema, name],
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
