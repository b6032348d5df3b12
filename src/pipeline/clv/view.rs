//! A fit as others see it: the JSON report (printed by `clvdesk clv`, stored in
//! `clvdesk_meta.clv_fits`) and what the CLV pane shows, the latest recorded fit with the top
//! customers of `clv_predictions` (read on a worker).

use duckdb::{Connection, OptionalExt};
use serde_json::{Value, json};

use super::ClvReport;
use super::save::PREDICTIONS_TABLE;
use crate::analytics::clv::SpendModel;
use crate::engine::EngineError;

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
    /// The report of [`report_json`].
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

/// The report as the JSON object of the CLI contract (plus input counts, standard errors,
/// holdout, tracking and timings).
pub fn report_json(r: &ClvReport) -> Value {
    let finite = |v: f64| if v.is_finite() { json!(v) } else { Value::Null };
    let bgnbd = match &r.bgnbd {
        Ok(f) => json!({
            "r": f.params.r, "alpha": f.params.alpha, "a": f.params.a, "b": f.params.b,
            "log_likelihood": f.log_likelihood,
            "se": {"r": finite(f.se.r), "alpha": finite(f.se.alpha), "a": finite(f.se.a), "b": finite(f.se.b)},
            "iterations": f.iterations,
        }),
        Err(_) => Value::Null,
    };
    let gamma_gamma = match &r.spend {
        SpendModel::Fitted(f) => json!({
            "p": f.params.p, "q": f.params.q, "v": f.params.v,
            "log_likelihood": f.log_likelihood,
            "se": {"p": finite(f.se.p), "q": finite(f.se.q), "v": finite(f.se.v)},
            "customers": f.customers,
            "excluded_without_spend": r.repeat_customers_without_spend,
        }),
        SpendModel::Failed(_) => Value::Null,
    };
    let c = &r.counts;
    let mut out = json!({
        "input": r.input,
        "columns": {"customer": r.columns[0], "date": r.columns[1], "amount": r.columns[2]},
        "customers": r.customers,
        "repeat_customers": r.repeat_customers,
        "repeat_customers_without_spend": r.repeat_customers_without_spend,
        "calibration_end": r.calibration_end.to_string(),
        "observation_end": r.observation_end.map(|d| d.to_string()),
        "time_unit": "weeks",
        "rows": {
            "purchases": c.purchase_rows,
            "purchase_days": c.purchase_days,
            "excluded_missing_customer": c.missing_customer,
            "excluded_unparseable_date": c.unparseable_date,
            "unparseable_date_example": c.unparseable_example,
            "excluded_missing_amount": c.missing_amount,
            "excluded_negative_amount": c.negative_amount,
            "zero_amount_purchases": c.zero_amount,
            "customers_after_calibration": c.first_purchase_after_calibration,
        },
        "bgnbd": bgnbd,
        "gamma_gamma": gamma_gamma,
        "horizon_months": r.horizon.months,
        "discount_monthly": r.horizon.monthly_discount,
        "clv_total": r.clv_total,
        "clv_mean_by_decile": r.clv_deciles,
        "timings_ms": {
            "summary": r.timings.summary_ms, "bgnbd": r.timings.bgnbd_ms,
            "gamma_gamma": r.timings.gamma_gamma_ms, "predict": r.timings.predict_ms,
            "total": r.timings.total_ms,
        },
    });
    if let Err(e) = &r.bgnbd {
        out["bgnbd_error"] = json!(e.to_string());
    }
    if let SpendModel::Failed(e) = &r.spend {
        out["gamma_gamma_error"] = json!(e.to_string());
    }
    if let Some(n) = &r.numeric {
        out["numeric_error"] = json!(n.to_string());
    }
    if let Some(why) = &r.tracking_skipped {
        out["tracking_skipped"] = json!(why);
    }
    if let Some(h) = &r.holdout {
        out["holdout"] = json!({
            "weeks": h.length,
            "actual": h.actual,
            "predicted": h.predicted,
            "by_frequency": h.buckets.iter().map(|b| json!({
                "frequency": if b.open_ended { format!("{}+", b.frequency) } else { b.frequency.to_string() },
                "customers": b.customers,
                "actual": b.actual,
                "predicted": b.predicted,
            })).collect::<Vec<_>>(),
        });
    }
    if let Some(t) = &r.tracking {
        out["tracking"] = json!({
            "start": t.start.to_string(),
            "calibration_week": t.calibration_week,
            "actual_cumulative": t.actual_cumulative,
            "predicted_cumulative": t.predicted_cumulative,
        });
    }
    out
}
