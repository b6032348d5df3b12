//! Batch checkpoints: what makes a SQL job incremental.
//!
//! A SQL job file may name a source table and its batch column (`_batch_id`, stamped by
//! `clvdesk ingest`). Each run then reads only the batches it has not processed:
//!
//! - `$FROM_BATCH` is the last batch id already processed (exclusive; 0 before the first
//!   run) and `$TO_BATCH` the newest batch id in the source (inclusive), so the job's SQL
//!   filters `_batch_id > $FROM_BATCH AND _batch_id <= $TO_BATCH`;
//! - both are read inside the job's transaction, so the range is the transaction's own
//!   snapshot: a batch ingested while the job runs is left for the next run;
//! - the checkpoint (`clvdesk_meta.checkpoints`, one row per job and source table) moves to
//!   `$TO_BATCH` in that same transaction, after the job's statements: a failed or
//!   cancelled run rolls back its writes and its checkpoint together;
//! - with no batch after the checkpoint the job runs none of its statements and its outcome
//!   says so. The batch column's zone maps let DuckDB skip every row group, so this costs
//!   a catalog lookup and one `max()`.
//!
//! Two runs of the same job on one database (the app's scheduler and a manual run) both
//! update the checkpoint row; DuckDB's write-write conflict check fails the later commit,
//! so a batch is never folded twice.

use std::path::PathBuf;

use chrono::Utc;
use duckdb::{Connection, OptionalExt, params};

use super::definition::InvalidFile;

/// Parameter name of the exclusive lower bound (the checkpoint).
pub const FROM_BATCH: &str = "FROM_BATCH";
/// Parameter name of the inclusive upper bound (the newest batch).
pub const TO_BATCH: &str = "TO_BATCH";
/// The batch column when the job file does not name one.
pub const DEFAULT_BATCH_COLUMN: &str = "_batch_id";

/// The source table an incremental job reads, as declared in its job file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchSource {
    /// `table` or `schema.table`, a plain name.
    pub table: String,
    /// A plain column name.
    pub column: String,
    /// The job file and the lines of its `source_table` / `batch_column` keys (for errors).
    pub file: PathBuf,
    pub table_line: usize,
    pub column_line: usize,
}

/// The batches a run processes: `from < batch <= to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchRange {
    pub from: i64,
    pub to: i64,
    /// Distinct batch ids and source rows in the range.
    pub batches: u64,
    pub rows: u64,
}

/// What a run has to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    /// No batch after the checkpoint (`last` is the checkpoint, 0 before the first run).
    Nothing {
        last: i64,
    },
    Batches(BatchRange),
}

impl BatchSource {
    /// The checkpoint key of the source: the table name as DuckDB resolves it (lower case).
    pub fn key(&self) -> String {
        self.table.to_ascii_lowercase()
    }

    /// Checks the source table and batch column against the catalog; the error names the
    /// job file and the line of the offending key.
    pub fn validate(&self, conn: &Connection) -> Result<(), SourceError> {
        let (schema, name) = match self.table.split_once('.') {
            Some((s, n)) => (Some(s), n),
            None => (None, self.table.as_str()),
        };
        let mut stmt = conn.prepare(
            "SELECT column_name, data_type FROM duckdb_columns()
             WHERE database_name = current_database()
               AND lower(schema_name) = lower(coalesce(?, current_schema()))
               AND lower(table_name) = lower(?)
             ORDER BY column_index",
        )?;
        let columns: Vec<(String, String)> = stmt
            .query_map(params![schema, name], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        if columns.is_empty() {
            return Err(SourceError::Invalid(InvalidFile::new(
                &self.file,
                Some(self.table_line),
                format!(
                    "source_table `{}`: no such table or view in the workspace",
                    self.table
                ),
            )));
        }
        let Some((_, ty)) = columns
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(&self.column))
        else {
            let names: Vec<&str> = columns.iter().map(|(c, _)| c.as_str()).collect();
            return Err(SourceError::Invalid(InvalidFile::new(
                &self.file,
                Some(self.column_line),
                format!(
                    "batch_column `{}`: source table `{}` has no such column (it has: {}); \
                     `clvdesk ingest` adds `{DEFAULT_BATCH_COLUMN}`",
                    self.column,
                    self.table,
                    names.join(", ")
                ),
            )));
        };
        let integer = [
            "TINYINT",
            "SMALLINT",
            "INTEGER",
            "BIGINT",
            "UTINYINT",
            "USMALLINT",
            "UINTEGER",
            "UBIGINT",
            "HUGEINT",
        ];
        if !integer.contains(&ty.as_str()) {
            return Err(SourceError::Invalid(InvalidFile::new(
                &self.file,
                Some(self.column_line),
                format!(
                    "batch_column `{}` is {ty}; a batch column holds integer batch ids",
                    self.column
                ),
            )));
        }
        Ok(())
    }

    /// The batches after `job`'s checkpoint, read on `conn` (inside the job's transaction).
    pub fn pending(&self, conn: &Connection, job: &str) -> duckdb::Result<Pending> {
        let last = checkpoint(conn, job, &self.key())?.unwrap_or(0);
        let c = crate::sql::quote_ident(&self.column);
        let t = crate::sql::quote_qualified(&self.table);
        // The common case, nothing new, is one max() that the zone maps answer.
        let newest: Option<i64> = crate::engine::sql::prepare_one(
            conn,
            &format!("SELECT max({c})::BIGINT FROM {t} WHERE {c} > ?"),
        )?
        .query_row([last], |r| r.get(0))?;
        let Some(to) = newest else {
            return Ok(Pending::Nothing { last });
        };
        let (batches, rows): (i64, i64) = crate::engine::sql::prepare_one(
            conn,
            &format!(
                "SELECT count(DISTINCT {c})::BIGINT, count(*)::BIGINT FROM {t} WHERE {c} > ? AND {c} <= ?"
            ),
        )?
        .query_row([last, to], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(Pending::Batches(BatchRange {
            from: last,
            to,
            batches: batches.max(0) as u64,
            rows: rows.max(0) as u64,
        }))
    }

    /// Moves `job`'s checkpoint to `range.to`, on `conn` inside the job's transaction.
    pub fn advance(&self, conn: &Connection, job: &str, range: &BatchRange) -> duckdb::Result<()> {
        let now = Utc::now().naive_utc();
        let rows = i64::try_from(range.rows).unwrap_or(i64::MAX);
        let changed = conn.execute(
            "UPDATE clvdesk_meta.checkpoints
             SET last_batch_id = ?, updated_at = ?, batch_column = ?, last_rows = ?,
                 total_rows = coalesce(total_rows, 0) + ?
             WHERE job = ? AND source_table = ?",
            params![range.to, now, self.column, rows, rows, job, self.key()],
        )?;
        if changed == 0 {
            conn.execute(
                "INSERT INTO clvdesk_meta.checkpoints
                    (job, source_table, last_batch_id, updated_at, batch_column, last_rows, total_rows)
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
                params![job, self.key(), range.to, now, self.column, rows, rows],
            )?;
        }
        Ok(())
    }
}

/// `job`'s checkpoint on `source` (a lower-case table name): the last batch id processed.
pub fn checkpoint(conn: &Connection, job: &str, source: &str) -> duckdb::Result<Option<i64>> {
    conn.query_row(
        "SELECT last_batch_id FROM clvdesk_meta.checkpoints WHERE job = ? AND source_table = ?",
        params![job, source],
        |r| r.get(0),
    )
    .optional()
}

/// Why a source could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error(transparent)]
    Invalid(InvalidFile),
    #[error(transparent)]
    Sql(#[from] duckdb::Error),
}

/// The `$NAME` parameters a SQL text uses (as written, in order of first use), found with
/// the one lexer, so a `$FROM_BATCH` inside a string or comment does not count.
pub fn named_params(sql: &str) -> Vec<String> {
    use crate::sql::Kind;
    let toks: Vec<crate::sql::Token> = crate::sql::tokens(sql).collect();
    let mut out: Vec<String> = Vec::new();
    for w in toks.windows(2) {
        let (dollar, word) = (&w[0], &w[1]);
        if dollar.kind == Kind::Operator
            && &sql[dollar.start..dollar.end] == "$"
            && word.kind == Kind::Word
            && word.start == dollar.end
        {
            let name = &sql[word.start..word.end];
            if !out.iter().any(|n| n == name) {
                out.push(name.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_params_skip_strings_and_comments() {
        let sql = "SELECT '$X' -- $Y\n, $FROM_BATCH, $to_batch, $FROM_BATCH /* $Z */";
        assert_eq!(named_params(sql), ["FROM_BATCH", "to_batch"]);
    }
}
