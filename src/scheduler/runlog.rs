//! The run log, `clvdesk_meta.run_log`: one row per run (scheduled, catch-up or manual),
//! written before the job starts (status `running`) and completed when it ends, each in
//! its own statement outside the job's transaction, so a run the process did not survive
//! stays visible and is marked `interrupted` at the next start.
//!
//! Times are UTC, bound from Rust (DuckDB's `current_timestamp` is in the session's
//! time zone).

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use duckdb::{Connection, OptionalExt, params};
use serde::Serialize;

use super::schedule::{Params, Schedule, ScheduleState, Trigger};
use crate::engine::EngineError;

/// How a run ended (or that it has not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Running,
    Succeeded,
    Failed,
    Cancelled,
    /// The process ended (crash, kill, Ctrl+C) while the job ran.
    Interrupted,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
            RunStatus::Interrupted => "interrupted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        use RunStatus::*;
        [Running, Succeeded, Failed, Cancelled, Interrupted]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// One row of the run log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRecord {
    pub id: i64,
    pub job: String,
    pub kind: String,
    pub schedule: Option<String>,
    pub trigger: Trigger,
    #[serde(serialize_with = "rfc3339_opt")]
    pub slot: Option<DateTime<Utc>>,
    #[serde(serialize_with = "rfc3339")]
    pub started: DateTime<Utc>,
    #[serde(serialize_with = "rfc3339_opt")]
    pub finished: Option<DateTime<Utc>>,
    pub status: RunStatus,
    pub rows: Option<i64>,
    pub error: Option<String>,
    pub tables: Vec<String>,
    pub summary: Option<String>,
    /// The parameters the run was given, as JSON.
    pub parameters: Option<serde_json::Value>,
}

/// Instants as RFC 3339 in UTC (chrono is built without its serde feature).
fn rfc3339<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

fn rfc3339_opt<S: serde::Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => rfc3339(t, s),
        None => s.serialize_none(),
    }
}

/// What is known when a run starts.
#[derive(Debug, Clone)]
pub struct RunStart<'a> {
    pub job: &'a str,
    pub kind: &'a str,
    pub schedule: Option<&'a str>,
    pub trigger: Trigger,
    pub slot: Option<DateTime<Utc>>,
    pub parameters: &'a Params,
}

fn utc(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc()
}

/// Records a run as `running`; returns its id.
pub fn begin(conn: &Connection, run: &RunStart<'_>) -> Result<i64, EngineError> {
    let params_json = (!run.parameters.is_empty())
        .then(|| serde_json::to_string(run.parameters).unwrap_or_default());
    Ok(conn.query_row(
        "INSERT INTO clvdesk_meta.run_log
            (run_id, job, kind, started_at, status, parameters, schedule, run_trigger, slot_at)
         VALUES (nextval('clvdesk_meta.run_seq'), ?, ?, ?, 'running', ?, ?, ?, ?)
         RETURNING run_id",
        params![
            run.job,
            run.kind,
            utc(Utc::now()),
            params_json,
            run.schedule,
            run.trigger.as_str(),
            run.slot.map(utc),
        ],
        |r| r.get(0),
    )?)
}

/// How a run ended, for [`finish`].
#[derive(Debug, Clone, Default)]
pub struct RunEnd {
    pub rows: Option<i64>,
    pub error: Option<String>,
    pub tables: Vec<String>,
    pub summary: Option<String>,
}

/// Completes a run's row.
pub fn finish(
    conn: &Connection,
    id: i64,
    status: RunStatus,
    end: &RunEnd,
) -> Result<(), EngineError> {
    let tables = (!end.tables.is_empty()).then(|| end.tables.join(","));
    conn.execute(
        "UPDATE clvdesk_meta.run_log
            SET finished_at = ?, status = ?, rows = ?, error = ?, tables = ?, summary = ?
          WHERE run_id = ?",
        params![
            utc(Utc::now()),
            status.as_str(),
            end.rows,
            end.error,
            tables,
            end.summary,
            id
        ],
    )?;
    Ok(())
}

/// Marks every run still `running` as `interrupted`: called when a runner starts, while
/// it holds the workspace (DuckDB lets one process write), so no other process can
/// still be running them. Returns how many.
pub fn mark_interrupted(conn: &Connection) -> Result<usize, EngineError> {
    Ok(conn.execute(
        "UPDATE clvdesk_meta.run_log
            SET status = 'interrupted', finished_at = ?,
                error = coalesce(error, 'the process ended while the job ran')
          WHERE status = 'running'",
        [utc(Utc::now())],
    )?)
}

/// Records that a quarantined schedule was re-enabled: failures before now no longer count.
pub fn reenable(conn: &Connection, schedule: &str) -> Result<(), EngineError> {
    conn.execute(
        "INSERT INTO clvdesk_meta.schedule_resets VALUES (?, ?)",
        params![schedule, utc(Utc::now())],
    )?;
    Ok(())
}

/// What the run log says about `schedule`: the latest slot covered and the failures in a
/// row (see [`count_failures`]).
pub fn schedule_state(
    conn: &Connection,
    schedule: &Schedule,
) -> Result<ScheduleState, EngineError> {
    let covered: Option<NaiveDateTime> = conn.query_row(
        "SELECT max(slot_at) FROM clvdesk_meta.run_log
          WHERE schedule = ? AND status <> 'interrupted'",
        [&schedule.name],
        |r| r.get(0),
    )?;
    let reset: Option<NaiveDateTime> = conn
        .query_row(
            "SELECT max(reset_at) FROM clvdesk_meta.schedule_resets WHERE schedule = ?",
            [&schedule.name],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    // Enough history to see the threshold through skipped (cancelled, manual) rows.
    let limit = i64::from(schedule.quarantine_after.saturating_mul(4).max(40));
    let mut stmt = conn.prepare(
        "SELECT schedule = ? AS own, status FROM clvdesk_meta.run_log
          WHERE (schedule = ? OR (run_trigger = 'manual' AND job = ?))
            AND (? IS NULL OR started_at > ?)
          ORDER BY run_id DESC LIMIT ?",
    )?;
    let rows = stmt.query_map(
        params![
            schedule.name,
            schedule.name,
            schedule.job,
            reset,
            reset,
            limit
        ],
        |r| {
            Ok((
                r.get::<_, Option<bool>>(0)?.unwrap_or(false),
                r.get::<_, String>(1)?,
            ))
        },
    )?;
    let mut history = Vec::new();
    for row in rows {
        let (own, status) = row?;
        if let Some(status) = RunStatus::parse(&status) {
            history.push((own, status));
        }
    }
    Ok(ScheduleState {
        covered_until: covered.map(|c| Utc.from_utc_datetime(&c)),
        consecutive_failures: count_failures(&history),
    })
}

/// Failures in a row, newest first: `(own, status)` where `own` says the run belongs to
/// the schedule (otherwise it is a manual run of the schedule's job). A success of either
/// ends the streak (a manual run that works shows the job is fixed); failed and
/// interrupted runs of the schedule count; cancelled runs and manual failures are skipped.
pub fn count_failures(newest_first: &[(bool, RunStatus)]) -> u32 {
    let mut n = 0;
    for (own, status) in newest_first {
        match status {
            RunStatus::Succeeded => break,
            RunStatus::Failed | RunStatus::Interrupted if *own => n += 1,
            _ => {}
        }
    }
    n
}

/// The latest `limit` runs, newest first; only those of `schedule` when given.
pub fn history(
    conn: &Connection,
    schedule: Option<&str>,
    limit: usize,
) -> Result<Vec<RunRecord>, EngineError> {
    select(conn, schedule, None, None, limit)
}

/// The latest `limit` runs of `schedule` and the manual runs ("run now") of its `job`,
/// newest first: what the Schedules tab shows as the schedule's history.
pub fn schedule_history(
    conn: &Connection,
    schedule: &str,
    job: &str,
    limit: usize,
) -> Result<Vec<RunRecord>, EngineError> {
    select(conn, Some(schedule), Some(job), None, limit)
}

/// One run, by id.
pub fn run(conn: &Connection, id: i64) -> Result<Option<RunRecord>, EngineError> {
    Ok(select(conn, None, None, Some(id), 1)?.into_iter().next())
}

/// Runs of `schedule` (and, with `manual_job`, manual runs of that job too), or run `id`.
fn select(
    conn: &Connection,
    schedule: Option<&str>,
    manual_job: Option<&str>,
    id: Option<i64>,
    limit: usize,
) -> Result<Vec<RunRecord>, EngineError> {
    let mut stmt = conn.prepare(
        "SELECT run_id, job, kind, schedule, coalesce(run_trigger, 'manual'), slot_at, started_at,
                finished_at, status, rows, error, tables, summary, parameters
           FROM clvdesk_meta.run_log
          WHERE (? IS NULL OR schedule = ?
                 OR (schedule IS NULL AND run_trigger = 'manual' AND job = ?))
            AND (? IS NULL OR run_id = ?)
          ORDER BY run_id DESC LIMIT ?",
    )?;
    let rows = stmt.query_map(
        params![
            schedule,
            schedule,
            manual_job,
            id,
            id,
            i64::try_from(limit).unwrap_or(i64::MAX)
        ],
        |r| {
            let at = |v: Option<NaiveDateTime>| v.map(|t| Utc.from_utc_datetime(&t));
            Ok(RunRecord {
                id: r.get(0)?,
                job: r.get(1)?,
                kind: r.get(2)?,
                schedule: r.get(3)?,
                trigger: Trigger::parse(&r.get::<_, String>(4)?).unwrap_or(Trigger::Manual),
                slot: at(r.get(5)?),
                started: at(Some(r.get(6)?)).unwrap_or_default(),
                finished: at(r.get(7)?),
                status: RunStatus::parse(&r.get::<_, String>(8)?).unwrap_or(RunStatus::Failed),
                rows: r.get(9)?,
                error: r.get(10)?,
                tables: r
                    .get::<_, Option<String>>(11)?
                    .map(|t| t.split(',').map(str::to_string).collect())
                    .unwrap_or_default(),
                summary: r.get(12)?,
                parameters: r
                    .get::<_, Option<String>>(13)?
                    .and_then(|p| serde_json::from_str(&p).ok()),
            })
        },
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}
