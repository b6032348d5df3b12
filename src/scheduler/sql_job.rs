//! Saved SQL jobs: a query whose result replaces a table or is appended to one, or a
//! script run as written. `$NAME` placeholders are DuckDB named parameters: DuckDB's
//! parser finds them, values are bound, never pasted. Everything runs in one transaction
//! on the job's connection; a missing parameter is found when its statement is prepared,
//! before that statement runs, and rolls back whatever the job had done.

use std::path::PathBuf;

use duckdb::{Connection, ToSql};

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
        Ok(())
    }

    /// Runs the job in one transaction.
    pub fn run(&self, name: &str, ctx: &JobContext<'_>) -> Result<JobOutcome, JobError> {
        self.validate()?;
        let conn = ctx.conn;
        let fail = |e: duckdb::Error| ctx.cancel.classify(name, e);
        let tx = conn.unchecked_transaction().map_err(fail)?;
        let outcome = self.run_in(name, ctx)?;
        tx.commit().map_err(fail)?;
        Ok(outcome)
    }

    fn run_in(&self, name: &str, ctx: &JobContext<'_>) -> Result<JobOutcome, JobError> {
        let conn = ctx.conn;
        let fail = |e: duckdb::Error| ctx.cancel.classify(name, e);
        match &self.output {
            Output::AsWritten => {
                let mut rows = 0u64;
                let stmts = split_statements(&self.sql);
                for s in &stmts {
                    rows += self.execute(conn, &s.text, ctx.params, name, ctx)? as u64;
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
                    ctx.params,
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
                let changed = self.execute(conn, &sql, ctx.params, name, ctx)?;
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

/// `schema.table` or `table`, each part quoted.
fn quote_table(name: &str) -> String {
    name.split('.')
        .map(quote_ident)
        .collect::<Vec<_>>()
        .join(".")
}
