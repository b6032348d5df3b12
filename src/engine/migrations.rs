//! The `clvdesk_meta` schema, created and migrated by versioned SQL at open.
//!
//! Append new versions at the end; never edit an applied one.

use duckdb::Connection;

use super::{EngineError, database::in_transaction};

/// (version, SQL). Each runs in its own transaction with its version row.
const MIGRATIONS: &[(i32, &str)] = &[
    (
        1,
        "
    CREATE SCHEMA IF NOT EXISTS clvdesk_meta;
    CREATE TABLE clvdesk_meta.workspace_info (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
    CREATE SEQUENCE clvdesk_meta.batch_seq START 1;
    CREATE TABLE clvdesk_meta.ingest_batches (
        batch_id BIGINT PRIMARY KEY,
        table_name VARCHAR NOT NULL,
        file VARCHAR NOT NULL,
        rows BIGINT NOT NULL,
        loaded_at TIMESTAMP NOT NULL
    );
    CREATE SEQUENCE clvdesk_meta.run_seq START 1;
    CREATE TABLE clvdesk_meta.run_log (
        run_id BIGINT PRIMARY KEY,
        job VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        started_at TIMESTAMP NOT NULL,
        finished_at TIMESTAMP,
        status VARCHAR NOT NULL,
        rows BIGINT,
        error VARCHAR,
        parameters VARCHAR
    );
    CREATE TABLE clvdesk_meta.checkpoints (
        job VARCHAR NOT NULL,
        source_table VARCHAR NOT NULL,
        last_batch_id BIGINT NOT NULL,
        updated_at TIMESTAMP NOT NULL,
        PRIMARY KEY (job, source_table)
    );
    ",
    ),
    // CLV fits: one row per `clvdesk clv` / CLV refresh in a workspace (pipeline::clv).
    (
        2,
        "
    CREATE SEQUENCE clvdesk_meta.clv_fit_seq START 1;
    CREATE TABLE clvdesk_meta.clv_fits (
        fit_id BIGINT PRIMARY KEY,
        fitted_at TIMESTAMP NOT NULL,
        input VARCHAR NOT NULL,
        customer_column VARCHAR NOT NULL,
        date_column VARCHAR NOT NULL,
        amount_column VARCHAR NOT NULL,
        calibration_end DATE NOT NULL,
        observation_end DATE,
        horizon_months INTEGER NOT NULL,
        discount_monthly DOUBLE NOT NULL,
        customers BIGINT NOT NULL,
        repeat_customers BIGINT NOT NULL,
        r DOUBLE,
        alpha DOUBLE,
        a DOUBLE,
        b DOUBLE,
        bgnbd_log_likelihood DOUBLE,
        p DOUBLE,
        q DOUBLE,
        v DOUBLE,
        gamma_gamma_log_likelihood DOUBLE,
        clv_total DOUBLE,
        report VARCHAR NOT NULL,
        duration_ms DOUBLE NOT NULL
    );
    ",
    ),
    // Scheduled runs (scheduler::runlog): which schedule and slot a run covered, why it ran,
    // what it wrote; and when a quarantined schedule was re-enabled.
    (
        3,
        "
    ALTER TABLE clvdesk_meta.run_log ADD COLUMN schedule VARCHAR;
    ALTER TABLE clvdesk_meta.run_log ADD COLUMN run_trigger VARCHAR;
    ALTER TABLE clvdesk_meta.run_log ADD COLUMN slot_at TIMESTAMP;
    ALTER TABLE clvdesk_meta.run_log ADD COLUMN tables VARCHAR;
    ALTER TABLE clvdesk_meta.run_log ADD COLUMN summary VARCHAR;
    CREATE TABLE clvdesk_meta.schedule_resets (
        schedule VARCHAR NOT NULL,
        reset_at TIMESTAMP NOT NULL
    );
    ",
    ),
    // Batch checkpoints of incremental SQL jobs (scheduler::checkpoint): which batch column
    // the job reads, and how many source rows the last advance and all advances covered
    // (the insights model's watermark view shows them).
    (
        4,
        "
    ALTER TABLE clvdesk_meta.checkpoints ADD COLUMN batch_column VARCHAR;
    ALTER TABLE clvdesk_meta.checkpoints ADD COLUMN last_rows BIGINT;
    ALTER TABLE clvdesk_meta.checkpoints ADD COLUMN total_rows BIGINT;
    ",
    ),
    // Audiences (segments::membership, segments::activation): the current membership of each
    // audience, one row per refresh (size over time), and one row per export run.
    (
        5,
        "
    CREATE TABLE clvdesk_meta.audience_membership (
        audience VARCHAR NOT NULL,
        identity VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        qualified_at TIMESTAMP,
        refreshed_at TIMESTAMP NOT NULL,
        refresh_id BIGINT NOT NULL
    );
    CREATE SEQUENCE clvdesk_meta.audience_refresh_seq START 1;
    CREATE TABLE clvdesk_meta.audience_refreshes (
        refresh_id BIGINT PRIMARY KEY,
        audience VARCHAR NOT NULL,
        refreshed_at TIMESTAMP NOT NULL,
        members BIGINT NOT NULL,
        entered BIGINT NOT NULL,
        existing BIGINT NOT NULL,
        exited BIGINT NOT NULL,
        duration_ms DOUBLE NOT NULL
    );
    CREATE SEQUENCE clvdesk_meta.export_seq START 1;
    CREATE TABLE clvdesk_meta.export_log (
        export_id BIGINT PRIMARY KEY,
        audience VARCHAR NOT NULL,
        destination VARCHAR NOT NULL,
        started_at TIMESTAMP NOT NULL,
        finished_at TIMESTAMP,
        mode VARCHAR NOT NULL,
        membership_at TIMESTAMP,
        exported BIGINT,
        dropped BIGINT,
        duplicates BIGINT,
        files VARCHAR,
        status VARCHAR NOT NULL,
        error VARCHAR
    );
    ",
    ),
];

/// The newest schema version this build knows.
pub fn latest_version() -> i32 {
    MIGRATIONS.last().map_or(0, |m| m.0)
}

/// The version recorded in the database (0 when the schema is absent).
pub fn current_version(conn: &Connection) -> Result<i32, EngineError> {
    let exists: bool = conn.query_row(
        "SELECT count(*) > 0 FROM duckdb_tables() WHERE schema_name = 'clvdesk_meta' AND table_name = 'schema_version'",
        [],
        |r| r.get(0),
    )?;
    if !exists {
        return Ok(0);
    }
    Ok(conn.query_row(
        "SELECT coalesce(max(version), 0) FROM clvdesk_meta.schema_version",
        [],
        |r| r.get(0),
    )?)
}

/// Applies every migration newer than the database's version.
pub fn apply(conn: &Connection) -> Result<(), EngineError> {
    let current = current_version(conn)?;
    if current > latest_version() {
        return Err(EngineError::Invalid(format!(
            "the workspace database has metadata schema version {current}, newer than this clvdesk ({}); upgrade clvdesk",
            latest_version()
        )));
    }
    for (version, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
        in_transaction(conn, |c| -> Result<(), EngineError> {
            c.execute_batch(
                "CREATE SCHEMA IF NOT EXISTS clvdesk_meta;
                 CREATE TABLE IF NOT EXISTS clvdesk_meta.schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMP NOT NULL);",
            )?;
            c.execute_batch(sql)?;
            c.execute(
                "INSERT INTO clvdesk_meta.schema_version VALUES (?, current_timestamp::TIMESTAMP)",
                [version],
            )?;
            Ok(())
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_apply_once() {
        let conn = Connection::open_in_memory().unwrap();
        apply(&conn).unwrap();
        apply(&conn).unwrap();
        assert_eq!(current_version(&conn).unwrap(), latest_version());
        let n: i64 = conn
            .query_row(
                "SELECT count(*) FROM clvdesk_meta.schema_version",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n as usize, MIGRATIONS.len());
    }
}
