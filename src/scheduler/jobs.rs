//! Job runners shared by the app and `clvdesk --run-schedule`.
//!
//! [`run_decile_job`] is the one implementation of a decile run: the Deciles pane
//! (on a worker connection, cancelled with the connection's interrupt handle) and
//! the headless schedule runner both call it. Whether a failed run was cancelled is
//! not read from its error: the caller that cancelled knows (its cancel flag).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use duckdb::Connection;

use crate::analytics::decile_table::{BucketRow, DecileSummary, summary_sql};
use crate::analytics::deciles::{AsOf, DecileJob, DecileSql, SpecError, Window};
use crate::engine::sql::{execute_one, prepare_one};
use crate::sql::{quote_ident, quote_literal};
use crate::workspace::decile_jobs::{self, DecileJobFileError};

/// What a decile run did.
#[derive(Debug, Clone, PartialEq)]
pub struct DecileRunSummary {
    pub job: String,
    /// The resolved as-of date (last day included).
    pub as_of: NaiveDate,
    pub long_table: String,
    pub profile_table: String,
    /// Rows written to `<prefix>_deciles`.
    pub long_rows: u64,
    /// Rows written to `<prefix>_deciles_profile` (identities of the source).
    pub profile_rows: u64,
    /// (window, ranked identity-category pairs) in window order.
    pub ranked: Vec<(Window, u64)>,
    pub elapsed: Duration,
    /// The script that ran (also stored as the long table's comment).
    pub sql: String,
}

/// Why a decile run failed. Nothing is written when a run fails.
#[derive(Debug, thiserror::Error)]
pub enum DecileRunError {
    #[error("decile job `{job}`: {source}")]
    Spec { job: String, source: SpecError },
    #[error("decile job `{job}`: `{key}`: {message}")]
    Catalog {
        job: String,
        key: &'static str,
        message: String,
    },
    #[error("decile job `{job}`: {source}")]
    Sql { job: String, source: duckdb::Error },
    #[error(transparent)]
    File(#[from] DecileJobFileError),
}

impl DecileRunError {
    fn sql(job: &DecileJob) -> impl FnOnce(duckdb::Error) -> DecileRunError + '_ {
        move |source| DecileRunError::Sql {
            job: job.name.clone(),
            source,
        }
    }
}

/// A table's columns as the catalog spells them, with their types.
fn table_columns(conn: &Connection, table: &str) -> Result<Vec<(String, String)>, duckdb::Error> {
    let (schema, name) = match table.split_once('.') {
        Some((s, n)) => (Some(s), n),
        None => (None, table),
    };
    let sql = "SELECT column_name, data_type FROM information_schema.columns \
               WHERE table_catalog = current_database() \
                 AND lower(table_name) = lower(?) \
                 AND lower(table_schema) = lower(coalesce(?, current_schema())) \
               ORDER BY ordinal_position";
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map(duckdb::params![name, schema], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    rows.collect()
}

/// Checks every table and column the job names against the catalog.
pub fn check_catalog(conn: &Connection, job: &DecileJob) -> Result<(), DecileRunError> {
    let catalog = |key, message| DecileRunError::Catalog {
        job: job.name.clone(),
        key,
        message,
    };
    let outputs = [job.long_table(), job.profile_table()];
    let mut inputs = vec![job.source.as_str()];
    inputs.extend(job.category_table.as_deref());
    for input in inputs {
        let bare = input.rsplit('.').next().unwrap_or(input);
        if outputs.iter().any(|o| o.eq_ignore_ascii_case(bare)) {
            return Err(catalog(
                "output_prefix",
                format!("the output would replace the input table `{input}`"),
            ));
        }
    }
    check_outputs_are_ours(conn, job)?;
    for req in job.required_columns() {
        let cols = table_columns(conn, &req.table).map_err(DecileRunError::sql(job))?;
        if cols.is_empty() {
            return Err(catalog(req.key, format!("table `{}` not found", req.table)));
        }
        for (key, col) in &req.columns {
            let Some((_, ty)) = cols.iter().find(|(c, _)| c.eq_ignore_ascii_case(col)) else {
                let names: Vec<&str> = cols.iter().map(|(c, _)| c.as_str()).collect();
                return Err(catalog(
                    key,
                    format!(
                        "column `{col}` not found in `{}` (columns: {})",
                        req.table,
                        names.join(", ")
                    ),
                ));
            };
            let ty = ty.to_ascii_uppercase();
            if *key == "date_column" && !(ty.starts_with("DATE") || ty.starts_with("TIMESTAMP")) {
                return Err(catalog(
                    key,
                    format!("`{col}` is {ty}, not a DATE or TIMESTAMP"),
                ));
            }
        }
    }
    Ok(())
}

/// A run replaces `<prefix>_deciles` and `<prefix>_deciles_profile`; it may only replace
/// tables a decile run wrote. Both tables carry a comment starting `-- decile job `
/// (the long one the run's whole script). A profile table written before profiles were
/// marked has no comment; it is ours when the long table is, since both are written in
/// one transaction. A table of the user's with either name is never replaced; a table
/// of ours whose partner was dropped is still ours.
fn check_outputs_are_ours(conn: &Connection, job: &DecileJob) -> Result<(), DecileRunError> {
    let comment_of = |table: &str| -> Result<Option<Option<String>>, duckdb::Error> {
        let mut stmt = conn.prepare(
            "SELECT comment FROM duckdb_tables() WHERE database_name = current_database()
               AND schema_name = current_schema() AND lower(table_name) = lower(?)
             UNION ALL
             SELECT '' FROM duckdb_views() WHERE database_name = current_database()
               AND schema_name = current_schema() AND lower(view_name) = lower(?)",
        )?;
        let mut rows = stmt.query([table, table])?;
        match rows.next()? {
            Some(r) => Ok(Some(r.get::<_, Option<String>>(0)?)),
            None => Ok(None),
        }
    };
    let marked = |c: &Option<Option<String>>| {
        c.as_ref()
            .is_some_and(|c| c.as_deref().is_some_and(|c| c.starts_with(DECILE_MARK)))
    };
    let (long, profile) = (job.long_table(), job.profile_table());
    let long_comment = comment_of(&long).map_err(DecileRunError::sql(job))?;
    let profile_comment = comment_of(&profile).map_err(DecileRunError::sql(job))?;
    let long_is_ours = marked(&long_comment);
    let foreign = if long_comment.is_some() && !long_is_ours {
        Some(long)
    } else if profile_comment.is_some() && !marked(&profile_comment) && !long_is_ours {
        Some(profile)
    } else {
        None
    };
    match foreign {
        Some(table) => Err(DecileRunError::Catalog {
            job: job.name.clone(),
            key: "output_prefix",
            message: format!(
                "table `{table}` exists and was not written by a decile job; it is never replaced (choose another output_prefix)"
            ),
        }),
        None => Ok(()),
    }
}

/// How the comments of a decile run's output tables start.
const DECILE_MARK: &str = "-- decile job ";

/// The as-of date the job would use now (resolving [`AsOf::Latest`] from the data).
pub fn resolve_as_of(conn: &Connection, job: &DecileJob) -> Result<NaiveDate, DecileRunError> {
    match job.as_of {
        AsOf::Date(d) => Ok(d),
        AsOf::Latest => {
            let latest: Option<NaiveDate> = prepare_one(conn, &job.latest_date_sql())
                .and_then(|mut s| s.query_row([], |r| r.get(0)))
                .map_err(DecileRunError::sql(job))?;
            latest.ok_or_else(|| DecileRunError::Catalog {
                job: job.name.clone(),
                key: "as_of",
                message: format!(
                    "`{}` has no dates in `{}`, so the latest date is unknown; set `as_of`",
                    job.source, job.date_column
                ),
            })
        }
    }
}

/// Validates the job against the catalog, resolves `as_of` and generates the SQL,
/// without running it (the pane's "show SQL").
pub fn plan_decile_job(conn: &Connection, job: &DecileJob) -> Result<DecileSql, DecileRunError> {
    let spec = |source| DecileRunError::Spec {
        job: job.name.clone(),
        source,
    };
    job.validate().map_err(spec)?;
    check_catalog(conn, job)?;
    let as_of = resolve_as_of(conn, job)?;
    job.build_sql(as_of).map_err(spec)
}

/// The comment header of a job's script.
pub fn script_header(job: &DecileJob, plan: &DecileSql) -> String {
    let as_of = match job.as_of {
        AsOf::Latest => format!("{} (latest {}.{})", plan.as_of, job.source, job.date_column),
        AsOf::Date(d) => d.to_string(),
    };
    let windows: Vec<&str> = job.windows.iter().map(|w| w.label()).collect();
    format!(
        "decile job {name} ({dir}/{name}.toml)\nas_of {as_of}, last day included; windows {}, mode {}, {} buckets",
        windows.join(" "),
        job.mode.label(),
        job.buckets,
        name = job.name,
        dir = decile_jobs::DIR,
    )
}

/// Runs a decile job: validates it against the catalog, resolves `as_of`, and
/// replaces `<prefix>_deciles` and `<prefix>_deciles_profile` in one transaction.
/// On any error (including an interrupt) the transaction is rolled back and the
/// previous tables stay as they were.
pub fn run_decile_job(
    conn: &Connection,
    job: &DecileJob,
) -> Result<DecileRunSummary, DecileRunError> {
    let started = Instant::now();
    let plan = plan_decile_job(conn, job)?;
    let script = plan.script(&script_header(job, &plan));
    let err = DecileRunError::sql(job);
    if !conn.is_autocommit() {
        return Err(DecileRunError::Catalog {
            job: job.name.clone(),
            key: "source",
            message: "the connection is inside a transaction already".into(),
        });
    }
    let tx = conn
        .unchecked_transaction()
        .map_err(DecileRunError::sql(job))?;
    let run = || -> Result<(Vec<(Window, u64)>, u64), duckdb::Error> {
        // One statement at a time: a generated statement that somehow held a second one
        // fails here instead of running it.
        for stmt in &plan.statements {
            execute_one(&tx, stmt, [])?;
        }
        let long = quote_ident(&plan.long_table);
        let profile = quote_ident(&plan.profile_table);
        execute_one(
            &tx,
            &format!("COMMENT ON TABLE {long} IS {}", quote_literal(&script)),
            [],
        )?;
        let profile_mark = format!("{DECILE_MARK}{} (profile table)", job.name);
        execute_one(
            &tx,
            &format!(
                "COMMENT ON TABLE {profile} IS {}",
                quote_literal(&profile_mark)
            ),
            [],
        )?;
        let mut stmt = prepare_one(
            &tx,
            &format!("SELECT lookback, count(*) FROM {long} GROUP BY lookback"),
        )?;
        let counts: Vec<(String, i64)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let ranked: Vec<(Window, u64)> = job
            .windows
            .iter()
            .map(|w| {
                let n = counts
                    .iter()
                    .find(|(l, _)| l == w.label())
                    .map_or(0, |(_, n)| *n);
                (*w, u64::try_from(n).unwrap_or(0))
            })
            .collect();
        let profile_rows: i64 = prepare_one(&tx, &format!("SELECT count(*) FROM {profile}"))?
            .query_row([], |r| r.get(0))?;
        Ok((ranked, u64::try_from(profile_rows).unwrap_or(0)))
    };
    let (ranked, profile_rows) = run().map_err(DecileRunError::sql(job))?;
    let long_rows = ranked.iter().map(|(_, n)| n).sum();
    tx.commit().map_err(err)?;
    Ok(DecileRunSummary {
        job: job.name.clone(),
        as_of: plan.as_of,
        long_table: plan.long_table,
        profile_table: plan.profile_table,
        long_rows,
        profile_rows,
        ranked,
        elapsed: started.elapsed(),
        sql: script,
    })
}

/// Loads `<dir>/<name>.toml` and runs it (what `--run-schedule --job NAME` does for a
/// decile job).
pub fn run_decile_job_file(
    conn: &Connection,
    dir: &Path,
    name: &str,
) -> Result<DecileRunSummary, DecileRunError> {
    let job = decile_jobs::find_job(dir, name)?;
    run_decile_job(conn, &job)
}

/// The seeding starter (`scheduler::starters::STARTERS`): writes the starter decile jobs
/// into the workspace's `deciles/` folder and runs them, so the Deciles pane has data
/// on first launch.
pub fn seed_starter_deciles(ws: &crate::workspace::Workspace) -> anyhow::Result<()> {
    seed_starter_deciles_in(
        ws.db().conn(),
        &ws.path(crate::workspace::paths::folders::DECILES),
    )?;
    Ok(())
}

/// Writes the starter decile jobs into `dir` and runs them. An existing file is kept
/// as it is (the analyst may have edited it) and run as it is.
pub fn seed_starter_deciles_in(
    conn: &Connection,
    dir: &Path,
) -> Result<Vec<DecileRunSummary>, DecileRunError> {
    let mut out = Vec::new();
    for (name, text) in decile_jobs::STARTER_JOBS {
        let path: PathBuf = decile_jobs::job_path(dir, name);
        if !path.exists() {
            std::fs::create_dir_all(dir).map_err(|source| DecileJobFileError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
            crate::workspace::atomic::write_atomic(&path, text.as_bytes()).map_err(|source| {
                DecileJobFileError::Io {
                    path: path.clone(),
                    source,
                }
            })?;
        }
        out.push(run_decile_job_file(conn, dir, name)?);
    }
    Ok(out)
}

/// Reads what the Deciles pane shows for `job` from its long table: `None` when the
/// job has not been run yet (no table).
pub fn read_decile_summary(
    conn: &Connection,
    job: &DecileJob,
) -> Result<Option<DecileSummary>, DecileRunError> {
    let err = DecileRunError::sql(job);
    let long = job.long_table();
    let exists: bool = conn
        .query_row(
            "SELECT count(*) > 0 FROM duckdb_tables() \
             WHERE database_name = current_database() AND schema_name = current_schema() \
               AND lower(table_name) = lower(?)",
            [&long],
            |r| r.get(0),
        )
        .map_err(DecileRunError::sql(job))?;
    if !exists {
        return Ok(None);
    }
    let read = || -> Result<DecileSummary, duckdb::Error> {
        let mut stmt = conn.prepare(&summary_sql(&long))?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, Option<f64>>(4)?,
                r.get::<_, Option<f64>>(5)?,
                r.get::<_, Option<f64>>(6)?,
            ))
        })?;
        let mut summary = DecileSummary::default();
        for row in rows {
            let (lookback, category, bucket, customers, total, min, max) = row?;
            let Some(window) = Window::from_label(&lookback) else {
                continue;
            };
            summary.rows.push(BucketRow {
                window,
                category: category.unwrap_or_default(),
                bucket: u32::try_from(bucket).unwrap_or(0),
                customers: u64::try_from(customers).unwrap_or(0),
                total: total.unwrap_or(0.0),
                min: min.unwrap_or(0.0),
                max: max.unwrap_or(0.0),
            });
        }
        Ok(summary)
    };
    read().map(Some).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_db() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data");
        conn.execute_batch(&format!(
            "CREATE TABLE loyalty_transactions AS SELECT * FROM read_parquet('{dir}/loyalty_transactions.parquet');
             CREATE TABLE customers AS SELECT * FROM read_parquet('{dir}/customers.parquet');"
        ))
        .unwrap();
        conn
    }

    /// A table of the user's named like a decile job's output is never replaced (issue 8: the
    /// starter job's outputs are `loyalty_miles_deciles(_profile)`); the job's own tables are.
    #[test]
    fn a_run_never_replaces_a_table_it_did_not_write() {
        let (name, text) = decile_jobs::STARTER_JOBS[0];
        let job = decile_jobs::parse_job(Path::new(name), text).unwrap();
        for user_table in [job.long_table(), job.profile_table()] {
            let conn = sample_db();
            conn.execute_batch(&format!(
                "CREATE TABLE {user_table} (z DOUBLE); INSERT INTO {user_table} VALUES (0.5);"
            ))
            .unwrap();
            let err = run_decile_job(&conn, &job).unwrap_err();
            assert!(
                matches!(&err, DecileRunError::Catalog { key: "output_prefix", message, .. } if message.contains(user_table.as_str())),
                "{err}"
            );
            let z: f64 = conn
                .query_row(&format!("SELECT sum(z) FROM {user_table}"), [], |r| {
                    r.get(0)
                })
                .unwrap();
            assert_eq!(z, 0.5);
        }
        let conn = sample_db();
        run_decile_job(&conn, &job).unwrap();
        // Its own tables are replaced on the next run.
        run_decile_job(&conn, &job).unwrap();
    }

    /// Dropping one of a run's two tables leaves the other still the job's: the next
    /// run replaces it instead of refusing it as the user's.
    #[test]
    fn a_run_replaces_its_own_table_when_the_partner_was_dropped() {
        let (name, text) = decile_jobs::STARTER_JOBS[0];
        let job = decile_jobs::parse_job(Path::new(name), text).unwrap();
        for dropped in [job.long_table(), job.profile_table()] {
            let conn = sample_db();
            run_decile_job(&conn, &job).unwrap();
            conn.execute_batch(&format!("DROP TABLE {dropped}"))
                .unwrap();
            let summary = run_decile_job(&conn, &job).unwrap();
            assert!(summary.long_rows > 0 && summary.profile_rows > 0);
        }
    }
}
