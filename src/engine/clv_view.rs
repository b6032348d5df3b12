//! What the CLV pane shows: the latest recorded fit (its JSON report from
//! `clvdesk_meta.clv_fits`) and the top customers of `clv_predictions`. Read on a worker.

use duckdb::{Connection, OptionalExt};
use serde_json::Value;

use super::EngineError;
use super::clv_job::PREDICTIONS_TABLE;

/// One row of the top-customers table.
#[derive(Debug, Clone, PartialEq)]
pub struct TopCustomer {
    pub customer: String,
    pub frequency: i64,
    pub p_alive: Option<f64>,
    pub expected_purchases: Option<f64>,
    pub expected_spend: Option<f64>,
    pub clv: Option<f64>,
}

/// The latest fit with its top customers.
#[derive(Debug, Clone, PartialEq)]
pub struct ClvView {
    pub fit_id: i64,
    pub fitted_at: String,
    /// The report of `clv_job::report_json`.
    pub report: Value,
    pub top: Vec<TopCustomer>,
}

/// The latest fit and the `top_n` customers by CLV; `None` when nothing was fitted yet.
pub fn load_latest(conn: &Connection, top_n: usize) -> Result<Option<ClvView>, EngineError> {
    let has_log: bool = conn.query_row(
        "SELECT count(*) > 0 FROM duckdb_tables() WHERE schema_name = 'clvdesk_meta' AND table_name = 'clv_fits'",
        [],
        |r| r.get(0),
    )?;
    if !has_log {
        return Ok(None);
    }
    let latest = conn
        .query_row(
            "SELECT fit_id, strftime(fitted_at, '%Y-%m-%d %H:%M:%S'), report
             FROM clvdesk_meta.clv_fits ORDER BY fit_id DESC LIMIT 1",
            [],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            },
        )
        .optional()?;
    let Some((fit_id, fitted_at, text)) = latest else {
        return Ok(None);
    };
    let report = serde_json::from_str(&text)
        .map_err(|e| EngineError::Invalid(format!("clv fit #{fit_id}: bad report: {e}")))?;
    Ok(Some(ClvView {
        fit_id,
        fitted_at,
        report,
        top: top_customers(conn, top_n)?,
    }))
}

fn top_customers(conn: &Connection, n: usize) -> Result<Vec<TopCustomer>, EngineError> {
    let exists: bool = conn.query_row(
        "SELECT count(*) > 0 FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = ?",
        [PREDICTIONS_TABLE],
        |r| r.get(0),
    )?;
    if !exists {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare(&format!(
        "SELECT CAST(customer_id AS VARCHAR), frequency, p_alive, expected_purchases,
                expected_avg_spend, clv
         FROM main.{PREDICTIONS_TABLE} ORDER BY clv DESC NULLS LAST, customer_id LIMIT ?"
    ))?;
    let rows = stmt.query_map([n as i64], |r| {
        Ok(TopCustomer {
            customer: r.get::<_, Option<String>>(0)?.unwrap_or_default(),
            frequency: r.get(1)?,
            p_alive: r.get(2)?,
            expected_purchases: r.get(3)?,
            expected_spend: r.get(4)?,
            clv: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
