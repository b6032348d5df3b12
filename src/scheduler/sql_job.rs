//! Saved SQL jobs: a query whose result replaces a table or is appended to one, or a
//! script run as written. `$NAME` placeholders are DuckDB named parameters: DuckDB's
//! parser finds them, values are bound, never pasted. Everything runs in one transaction
//! on the job's connection; a missing parameter is found when its statement is prepared,
//! before that statement runs, and rolls back whatever the job had done.
//!
//! Incremental jobs name a source table and its batch column: the run binds `$FROM_BATCH`
//! (exclusive) and `$TO_BATCH` (inclusive) from the checkpoint and moves the checkpoint in
//! the same transaction ([`super::checkpoint`]). A job may also name tables it cannot do
//! without yet (`skip_without`): until they exist a run does nothing and says so (the
//! insights jobs over the audiences feature's tables use this).

use std::path::PathBuf;

use duckdb::{Connection, ToSql};

use super::checkpoint::{BatchRange, BatchSource, FROM_BATCH, Pending, SourceError, TO_BATCH};
use super::definition::InvalidFile;
use super::job::{JobContext, JobError, JobOutcome};
use super::schedule::{ParamValue, Params};
use crate::engine::sql::prepare_one;
use crate::sql::{is_plain_name, is_query, quote_ident, split_statements};

/// Where a SQL job's result goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// `CREATE OR REPLACE TABLE <table> AS <query>`.
    Replace(String),
    /// `INSERT INTO <table> <query>` (created from the query when missing).
    Append(String),
    /// Every statement as written.
    AsWritten,
}

/// A saved SQL job.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlJob {
    pub sql: String,
    /// The file the SQL came from (the job file, or the `sql_file` it names), for errors.
    pub source: PathBuf,
    pub output: Output,
    /// The source table whose new batches each run reads (an incremental job).
    pub batches: Option<BatchSource>,
    /// Tables (`schema.table`) the job needs; while one is missing a run does nothing.
    pub skip_without: Vec<String>,
}

impl SqlJob {
    /// Checks what can be checked without the database: there is SQL, the output table is
    /// a plain name, a replace/append job is one query.
    pub fn validate(&self) -> Result<(), InvalidFile> {
        let stmts = split_statements(&self.sql);
        let invalid = |reason: String| InvalidFile::new(&self.source, None, reason);
        if stmts.is_empty() {
            return Err(invalid("the job has no SQL".into()));
        }
        if let Output::Replace(t) | Output::Append(t) = &self.output {
            if !is_plain_name(t) {
                return Err(invalid(format!(
                    "table `{t}` is not a plain name (letters, digits, `_`, optionally schema.table)"
                )));
            }
            if stmts.len() != 1 || !is_query(&stmts[0].text) {
                return Err(invalid(
                    "a job that replaces or appends to a table is one query (SELECT/WITH/FROM ...); \
                     use output = \"as_written\" for a script"
                        .into(),
                ));
            }
        }
        if let Some(src) = &self.batches {
            let used = super::checkpoint::named_params(&self.sql);
            let missing: Vec<&str> = [FROM_BATCH, TO_BATCH]
                .into_iter()
                .filter(|p| !used.iter().any(|u| u.eq_ignore_ascii_case(p)))
                .collect();
            if !missing.is_empty() {
                return Err(InvalidFile::new(
                    &src.file,
                    Some(src.table_line),
                    format!(
                        "source_table `{}`: the SQL must read only the new batches, \
                         `{col} > $FROM_BATCH AND {col} <= $TO_BATCH`, but it does not use ${}",
                        src.table,
                        missing.join(" or $"),
                        col = src.column
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Checks the job against the catalog as well: its source table and batch column.
    pub fn validate_in(&self, name: &str, conn: &Connection) -> Result<(), JobError> {
        self.validate()?;
        if let Some(src) = &self.batches
            && missing_tables(conn, &self.skip_without)
                .map_err(|e| JobError::failed(name, e))?
                .is_empty()
        {
            src.validate(conn).map_err(|e| match e {
                SourceError::Invalid(f) => JobError::Invalid(f),
                SourceError::Sql(e) => JobError::failed(name, e),
            })?;
        }
        Ok(())
    }

    /// Runs the job in one transaction: for an incremental job, only when there are new
    /// batches, with the checkpoint moved in the same transaction.
    pub fn run(&self, name: &str, ctx: &JobContext<'_>) -> Result<JobOutcome, JobError> {
        self.validate()?;
        let conn = ctx.conn;
        let fail = |e: duckdb::Error| ctx.cancel.classify(name, e);
        let missing = missing_tables(conn, &self.skip_without).map_err(fail)?;
        if !missing.is_empty() {
            return Ok(JobOutcome {
                rows: 0,
                tables: Vec::new(),
                summary: format!("nothing to do: {} does not exist yet", missing.join(", ")),
            });
        }
        if let Some(src) = &self.batches {
            if let Some(p) = ctx
                .params
                .keys()
                .find(|k| k.eq_ignore_ascii_case(FROM_BATCH) || k.eq_ignore_ascii_case(TO_BATCH))
            {
                return Err(InvalidFile::new(
                    &src.file,
                    Some(src.table_line),
                    format!("parameter `{p}` is set by the job's checkpoint, not by a schedule"),
                )
                .into());
            }
            src.validate(conn).map_err(|e| match e {
                SourceError::Invalid(f) => JobError::Invalid(f),
                SourceError::Sql(e) => fail(e),
            })?;
        }
        let tx = conn.unchecked_transaction().map_err(fail)?;
        let Some(src) = &self.batches else {
            let outcome = self.run_in(name, ctx, ctx.params)?;
            tx.commit().map_err(fail)?;
            return Ok(outcome);
        };
        let range = match src.pending(conn, name).map_err(fail)? {
            Pending::Nothing { last } => {
                // Nothing written: the transaction only read.
                drop(tx);
                return Ok(JobOutcome {
                    rows: 0,
                    tables: Vec::new(),
                    summary: format!(
                        "no new batches in {} after batch {last}; nothing to do",
                        src.table
                    ),
                });
            }
            Pending::Batches(range) => range,
        };
        let mut params = ctx.params.clone();
        params.insert(FROM_BATCH.into(), ParamValue::Integer(range.from));
        params.insert(TO_BATCH.into(), ParamValue::Integer(range.to));
        let mut outcome = self.run_in(name, ctx, &params)?;
        src.advance(conn, name, &range).map_err(fail)?;
        tx.commit().map_err(fail)?;
        outcome.summary = format!("{}; {}", batch_summary(&src.table, &range), outcome.summary);
        Ok(outcome)
    }

    fn run_in(
        &self,
        name: &str,
        ctx: &JobContext<'_>,
        params: &Params,
    ) -> Result<JobOutcome, JobError> {
        let conn = ctx.conn;
        let fail = |e: duckdb::Error| ctx.cancel.classify(name, e);
        match &self.output {
            Output::AsWritten => {
                let mut rows = 0u64;
                let stmts = split_statements(&self.sql);
                for s in &stmts {
                    rows += self.execute(conn, &s.text, params, name, ctx)? as u64;
                }
                Ok(JobOutcome {
                    rows,
                    tables: Vec::new(),
                    summary: format!("{} statement(s), {rows} row(s) changed", stmts.len()),
                })
            }
            Output::Replace(table) => {
                let q = quote_table(table);
                let query = split_statements(&self.sql).remove(0).text;
                self.execute(
                    conn,
                    &format!("CREATE OR REPLACE TABLE {q} AS {query}"),
                    params,
                    name,
                    ctx,
                )?;
                let rows: i64 = conn
                    .query_row(&format!("SELECT count(*) FROM {q}"), [], |r| r.get(0))
                    .map_err(fail)?;
                Ok(JobOutcome {
                    rows: rows.max(0) as u64,
                    tables: vec![table.clone()],
                    summary: format!("replaced {table}: {rows} row(s)"),
                })
            }
            Output::Append(table) => {
                let q = quote_table(table);
                let query = split_statements(&self.sql).remove(0).text;
                let exists: bool = conn
                    .query_row(
                        "SELECT count(*) > 0 FROM duckdb_tables() WHERE database_name = current_database() \
                           AND lower(schema_name) = lower(coalesce(?, current_schema())) AND lower(table_name) = lower(?)",
                        duckdb::params![table.split_once('.').map(|(s, _)| s), table.rsplit('.').next()],
                        |r| r.get(0),
                    )
                    .map_err(fail)?;
                let sql = if exists {
                    format!("INSERT INTO {q} {query}")
                } else {
                    format!("CREATE TABLE {q} AS {query}")
                };
                let changed = self.execute(conn, &sql, params, name, ctx)?;
                let rows = if exists {
                    i64::try_from(changed).unwrap_or(i64::MAX)
                } else {
                    conn.query_row(&format!("SELECT count(*) FROM {q}"), [], |r| r.get(0))
                        .map_err(fail)?
                };
                Ok(JobOutcome {
                    rows: rows.max(0) as u64,
                    tables: vec![table.clone()],
                    summary: format!("appended {rows} row(s) to {table}"),
                })
            }
        }
    }

    /// Prepares one statement, binds its named parameters from `params` (a missing one is
    /// an error before the statement runs), executes it; returns rows changed.
    fn execute(
        &self,
        conn: &Connection,
        sql: &str,
        params: &Params,
        name: &str,
        ctx: &JobContext<'_>,
    ) -> Result<usize, JobError> {
        let fail = |e: duckdb::Error| ctx.cancel.classify(name, e);
        let mut stmt = prepare_one(conn, sql).map_err(fail)?;
        for i in 1..=stmt.parameter_count() {
            let pname = stmt.parameter_name(i).map_err(fail)?;
            let value = params
                .get(&pname)
                .or_else(|| params.iter().find(|(k, _)| k.eq_ignore_ascii_case(&pname)).map(|(_, v)| v))
                .ok_or_else(|| {
                    let known: Vec<&str> = params.keys().map(String::as_str).collect();
                    InvalidFile::new(
                        &self.source,
                        None,
                        format!(
                            "the SQL uses ${pname} but the run has no parameter `{pname}` (given: {})",
                            if known.is_empty() { "none".to_string() } else { known.join(", ") }
                        ),
                    )
                })?;
            bind(&mut stmt, i, value).map_err(fail)?;
        }
        stmt.raw_execute().map_err(fail)
    }
}

fn bind(stmt: &mut duckdb::Statement<'_>, i: usize, v: &ParamValue) -> duckdb::Result<()> {
    let value: &dyn ToSql = match v {
        ParamValue::Text(s) => s,
        ParamValue::Integer(n) => n,
        ParamValue::Float(x) => x,
        ParamValue::Bool(b) => b,
        ParamValue::Date(d) => d,
    };
    stmt.raw_bind_parameter(i, value)
}

/// What an incremental run covered, for its summary line.
fn batch_summary(table: &str, r: &BatchRange) -> String {
    let rows = crate::engine::format::group_thousands(&r.rows.to_string());
    if r.batches == 1 {
        format!(
            "batch {} of {table} ({rows} rows), checkpoint {} -> {}",
            r.to, r.from, r.to
        )
    } else {
        format!(
            "{} batches of {table} ({rows} rows), checkpoint {} -> {}",
            r.batches, r.from, r.to
        )
    }
}

/// The names in `tables` that do not exist as a table or view.
fn missing_tables(conn: &Connection, tables: &[String]) -> duckdb::Result<Vec<String>> {
    let mut missing = Vec::new();
    for t in tables {
        let (schema, name) = match t.split_once('.') {
            Some((s, n)) => (Some(s), n),
            None => (None, t.as_str()),
        };
        let found: bool = conn.query_row(
            "SELECT count(*) > 0 FROM duckdb_columns() WHERE database_name = current_database()
               AND lower(schema_name) = lower(coalesce(?, current_schema()))
               AND lower(table_name) = lower(?)",
            duckdb::params![schema, name],
            |r| r.get(0),
        )?;
        if !found {
            missing.push(t.clone());
        }
    }
    Ok(missing)
}

/// `schema.table` or `table`, each part quoted.
fn quote_table(name: &str) -> String {
    name.split('.')
        .map(quote_ident)
        .collect::<Vec<_>>()
        .join(".")
}
