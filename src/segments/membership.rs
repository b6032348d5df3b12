//! Membership over time: a refresh evaluates a saved segment and records, per identity,
//! whether it `entered`, is `existing` or `exited` compared with the previous refresh,
//! plus one history row per refresh (size over time), all in one transaction.
//!
//! `clvdesk_meta.audience_membership` holds the current state of every audience: members
//! (entered / existing) and those who left at the latest refresh (exited). An identity that
//! exited earlier and still does not qualify is dropped from it; the per-refresh counts stay
//! in `clvdesk_meta.audience_refreshes`. Identities are stored as text so that audiences over
//! tables with different key types share one table.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use duckdb::Connection;

use super::SegmentError;
use super::compile::Compiled;
use crate::engine::in_transaction;
use crate::engine::sql::{execute_one, prepare_one};

/// What a refresh did.
#[derive(Debug, Clone, PartialEq)]
pub struct RefreshSummary {
    pub audience: String,
    pub refresh_id: i64,
    pub refreshed_at: NaiveDateTime,
    pub members: u64,
    pub entered: u64,
    pub existing: u64,
    pub exited: u64,
    pub elapsed: Duration,
}

/// Refreshes segment `name` of the workspace at `root`, stamped with the current time.
pub fn refresh_named(
    conn: &Connection,
    root: &Path,
    name: &str,
) -> Result<RefreshSummary, SegmentError> {
    let (_, compiled) = super::compile_named(conn, root, name)?;
    refresh(conn, name, &compiled, chrono::Utc::now().naive_utc())
}

/// Evaluates `compiled` and records the membership of `audience` as of `now`.
pub fn refresh(
    conn: &Connection,
    audience: &str,
    compiled: &Compiled,
    now: NaiveDateTime,
) -> Result<RefreshSummary, SegmentError> {
    let started = Instant::now();
    in_transaction(conn, |c| -> Result<RefreshSummary, SegmentError> {
        execute_one(
            c,
            &format!(
                "CREATE OR REPLACE TEMP TABLE clvdesk_refresh_current AS\nSELECT DISTINCT CAST(id AS VARCHAR) AS identity FROM (\n{}\n)",
                compiled.sql
            ),
            duckdb::params_from_iter(compiled.params.iter()),
        )?;
        let refresh_id: i64 =
            prepare_one(c, "SELECT nextval('clvdesk_meta.audience_refresh_seq')")?
                .query_row([], |r| r.get(0))?;
        execute_one(
            c,
            "CREATE OR REPLACE TEMP TABLE clvdesk_refresh_next AS
             SELECT CAST($1 AS VARCHAR) AS audience,
                    coalesce(c.identity, o.identity) AS identity,
                    CASE WHEN c.identity IS NOT NULL AND o.status IN ('entered', 'existing') THEN 'existing'
                         WHEN c.identity IS NOT NULL THEN 'entered'
                         ELSE 'exited' END AS status,
                    CASE WHEN c.identity IS NOT NULL AND o.status IN ('entered', 'existing') THEN o.qualified_at
                         WHEN c.identity IS NOT NULL THEN CAST($2 AS TIMESTAMP)
                         ELSE o.qualified_at END AS qualified_at,
                    CAST($2 AS TIMESTAMP) AS refreshed_at,
                    CAST($3 AS BIGINT) AS refresh_id
             FROM temp.clvdesk_refresh_current AS c
             FULL JOIN (SELECT identity, status, qualified_at FROM clvdesk_meta.audience_membership WHERE audience = $1) AS o
               ON o.identity = c.identity
             WHERE c.identity IS NOT NULL OR o.status IN ('entered', 'existing')",
            duckdb::params![audience, now, refresh_id],
        )?;
        execute_one(
            c,
            "DELETE FROM clvdesk_meta.audience_membership WHERE audience = $1",
            [audience],
        )?;
        execute_one(
            c,
            "INSERT INTO clvdesk_meta.audience_membership (audience, identity, status, qualified_at, refreshed_at, refresh_id)
             SELECT audience, identity, status, qualified_at, refreshed_at, refresh_id FROM temp.clvdesk_refresh_next",
            [],
        )?;
        let (entered, existing, exited): (i64, i64, i64) = prepare_one(
            c,
            "SELECT count(*) FILTER (WHERE status = 'entered'), count(*) FILTER (WHERE status = 'existing'),
                    count(*) FILTER (WHERE status = 'exited')
             FROM temp.clvdesk_refresh_next",
        )?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        let elapsed = started.elapsed();
        execute_one(
            c,
            "INSERT INTO clvdesk_meta.audience_refreshes (refresh_id, audience, refreshed_at, members, entered, existing, exited, duration_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            duckdb::params![
                refresh_id,
                audience,
                now,
                entered + existing,
                entered,
                existing,
                exited,
                elapsed.as_secs_f64() * 1000.0
            ],
        )?;
        c.execute_batch(
            "DROP TABLE IF EXISTS temp.clvdesk_refresh_current; DROP TABLE IF EXISTS temp.clvdesk_refresh_next;",
        )?;
        Ok(RefreshSummary {
            audience: audience.to_string(),
            refresh_id,
            refreshed_at: now,
            members: (entered + existing).max(0) as u64,
            entered: entered.max(0) as u64,
            existing: existing.max(0) as u64,
            exited: exited.max(0) as u64,
            elapsed,
        })
    })
}

/// One row of an audience's size over time.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRow {
    pub refresh_id: i64,
    pub refreshed_at: NaiveDateTime,
    pub members: u64,
    pub entered: u64,
    pub exited: u64,
}

/// The refreshes of `audience`, oldest first.
pub fn history(conn: &Connection, audience: &str) -> Result<Vec<HistoryRow>, SegmentError> {
    let mut stmt = prepare_one(
        conn,
        "SELECT refresh_id, refreshed_at, members, entered, exited FROM clvdesk_meta.audience_refreshes
         WHERE audience = $1 ORDER BY refresh_id",
    )?;
    let rows = stmt
        .query_map([audience], |r| {
            Ok(HistoryRow {
                refresh_id: r.get(0)?,
                refreshed_at: r.get(1)?,
                members: r.get::<_, i64>(2)?.max(0) as u64,
                entered: r.get::<_, i64>(3)?.max(0) as u64,
                exited: r.get::<_, i64>(4)?.max(0) as u64,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}
