//! The CLV job: RFM summary in DuckDB, BG/NBD + Gamma-Gamma fits, predictions, holdout check
//! and tracking; optionally written to a file, the `clv_predictions` table and the fit log.
//!
//! Shared by `clvdesk clv`, the seeding of a new workspace, the CLV pane and the scheduler:
//! one implementation of [`fit_and_predict`]. The math lives in `analytics::clv` (pure).

use std::path::Path;
use std::time::Instant;

use chrono::NaiveDate;
use duckdb::arrow::array::{Array, Float64Array, Int64Array};
use duckdb::{Connection, OptionalExt};
use serde_json::Value;

use super::EngineError;
use super::export::{ExportFormat, copy_to};
use crate::analytics::clv::rfm::{self, RfmQuery, TxnSource};
use crate::analytics::clv::{
    self as math, BgNbdFit, HoldoutCheck, Horizon, Prediction, Rfm, SpendModel, bgnbd,
};

/// What to fit and predict.
#[derive(Debug, Clone, PartialEq)]
pub struct ClvSpec {
    pub source: TxnSource,
    pub customer: String,
    pub date: String,
    pub amount: String,
    /// End of the calibration period; the last purchase date when `None`.
    pub calibration_end: Option<NaiveDate>,
    /// End of the holdout period; with a calibration end and no observation end, the last
    /// purchase date.
    pub observation_end: Option<NaiveDate>,
    pub horizon: Horizon,
}

impl ClvSpec {
    /// The input as a human reads it (file path or table name).
    pub fn input_label(&self) -> String {
        match &self.source {
            TxnSource::Table(t) => t.clone(),
            TxnSource::File { path, .. } => path.clone(),
        }
    }
}

/// Rows of the input that were kept or excluded, by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InputCounts {
    pub purchase_rows: u64,
    pub purchase_days: u64,
    pub missing_customer: u64,
    pub unparseable_date: u64,
    pub unparseable_example: Option<String>,
    pub missing_amount: u64,
    pub non_positive_amount: u64,
    /// Customers whose first purchase is after the calibration end (not modelled).
    pub first_purchase_after_calibration: u64,
}

/// Cumulative repeat purchases per week since the first purchase in the data: actual and
/// predicted by the fitted model (the "tracking" chart of Fader, Hardie & Lee).
#[derive(Debug, Clone, PartialEq)]
pub struct Tracking {
    pub start: NaiveDate,
    /// Week index of the calibration end.
    pub calibration_week: usize,
    pub actual_cumulative: Vec<f64>,
    pub predicted_cumulative: Vec<f64>,
}

/// Wall-clock time of each stage (milliseconds).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timings {
    pub summary_ms: f64,
    pub bgnbd_ms: f64,
    pub gamma_gamma_ms: f64,
    pub predict_ms: f64,
    pub total_ms: f64,
}

/// Everything a fit produced. Predictions stay in the temp table [`PRED_TABLE`] of the
/// connection (joined with the summary by [`predictions_sql`]), not in memory.
#[derive(Debug, Clone)]
pub struct ClvReport {
    pub input: String,
    pub calibration_end: NaiveDate,
    pub observation_end: Option<NaiveDate>,
    pub horizon: Horizon,
    pub counts: InputCounts,
    pub customers: usize,
    pub repeat_customers: usize,
    pub bgnbd: Result<BgNbdFit, String>,
    pub spend: SpendModel,
    pub holdout: Option<HoldoutCheck>,
    pub tracking: Option<Tracking>,
    /// Total predicted CLV over the horizon and CLV per decile (1 = top), when both models fit.
    pub clv_total: Option<f64>,
    pub clv_deciles: Vec<f64>,
    pub timings: Timings,
    /// Per-customer predictions in summary (`rn`) order; empty when BG/NBD failed.
    pub predictions: Vec<Prediction>,
    /// Whether [`PRED_TABLE`] holds `predictions` on the connection that made the report.
    stored: std::cell::Cell<bool>,
}

/// Why the job could not run at all (model failures are in the report instead).
#[derive(Debug, thiserror::Error)]
pub enum ClvJobError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The input cannot be used as given (missing columns, bad dates): a usage error.
    #[error("{0}")]
    Usage(String),
    /// The input has nothing to fit (empty file, no purchases).
    #[error("{0}")]
    NoData(String),
}

/// Stages reported to a progress callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Summary,
    FitPurchases,
    FitSpend,
    Predict,
    Done,
}

/// Temp table of per-customer predictions (keyed by the summary's `rn`).
pub const PRED_TABLE: &str = "clv_pred";
/// The workspace table the predictions are saved to.
pub const PREDICTIONS_TABLE: &str = "clv_predictions";

/// One row per customer as the CLI contract lists the columns.
pub fn predictions_sql() -> String {
    format!(
        "SELECT s.customer_id, s.frequency, s.recency, s.\"T\", s.monetary_value,
       p.p_alive, p.expected_purchases, p.expected_avg_spend, p.clv
FROM {} s JOIN {PRED_TABLE} p ON s.rn = p.rn ORDER BY s.rn",
        rfm::RFM_TABLE
    )
}

/// Build the summary, fit both models, predict, and check the holdout.
pub fn fit_and_predict(
    conn: &Connection,
    spec: &ClvSpec,
    progress: &mut dyn FnMut(Stage),
) -> Result<ClvReport, ClvJobError> {
    let t0 = Instant::now();
    progress(Stage::Summary);
    check_input(conn, spec)?;
    let query = RfmQuery {
        source: spec.source.clone(),
        customer: spec.customer.clone(),
        date: spec.date.clone(),
        amount: spec.amount.clone(),
    };
    conn.execute_batch(&query.days_sql())
        .map_err(EngineError::from_duckdb)?;
    let (mut counts, first, last) = read_counts(conn)?;
    if counts.unparseable_date > 0 {
        counts.unparseable_example = conn
            .query_row(&query.unparseable_example_sql(), [], |r| r.get(0))
            .optional()
            .map_err(EngineError::from_duckdb)?;
    }
    let (Some(first), Some(last)) = (first, last) else {
        return Err(ClvJobError::NoData(no_purchases_message(
            &spec.input_label(),
            &counts,
        )));
    };
    let calibration_end = spec.calibration_end.unwrap_or(last);
    if calibration_end < first {
        return Err(ClvJobError::Usage(format!(
            "the calibration end {calibration_end} is before the first purchase ({first})"
        )));
    }
    let observation_end = match (spec.calibration_end, spec.observation_end) {
        (_, Some(obs)) if obs <= calibration_end => {
            return Err(ClvJobError::Usage(format!(
                "the observation end {obs} must be after the calibration end {calibration_end}"
            )));
        }
        (_, Some(obs)) => Some(obs),
        (Some(_), None) if last > calibration_end => Some(last),
        _ => None,
    };
    conn.execute_batch(&RfmQuery::summary_sql(calibration_end, observation_end))
        .map_err(EngineError::from_duckdb)?;
    counts.first_purchase_after_calibration = conn
        .query_row(&rfm::late_customers_sql(calibration_end), [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(EngineError::from_duckdb)? as u64;
    let (rows, holdout_actual) = read_summary(conn)?;
    let summary_ms = ms(t0);

    progress(Stage::FitPurchases);
    let t = Instant::now();
    let bg = bgnbd::fit(&rows).map_err(|e| e.to_string());
    let bgnbd_ms = ms(t);
    progress(Stage::FitSpend);
    let t = Instant::now();
    let spend = math::gamma_gamma::fit(&rows);
    let gamma_gamma_ms = ms(t);

    progress(Stage::Predict);
    let t = Instant::now();
    let gg = spend.fitted().map(|f| f.params);
    let (preds, holdout, tracking) = match &bg {
        Ok(fit) => {
            let preds = math::predict(&fit.params, gg.as_ref(), &rows, spec.horizon)
                .map_err(|e| EngineError::Invalid(format!("prediction failed: {e}")))?;
            let holdout = match observation_end {
                Some(obs) => {
                    let weeks = (obs - calibration_end).num_days() as f64 / 7.0;
                    Some(
                        math::holdout_check(&fit.params, &rows, &holdout_actual, weeks).map_err(
                            |e| EngineError::Invalid(format!("holdout check failed: {e}")),
                        )?,
                    )
                }
                None => None,
            };
            let end = observation_end.unwrap_or(calibration_end);
            let tracking = tracking(conn, &fit.params, first, calibration_end, end)?;
            (preds, holdout, Some(tracking))
        }
        Err(_) => (Vec::new(), None, None),
    };
    let (clv_total, clv_deciles) = clv_summary(&preds);
    let predict_ms = ms(t);
    progress(Stage::Done);

    Ok(ClvReport {
        input: spec.input_label(),
        calibration_end,
        observation_end,
        horizon: spec.horizon,
        counts,
        customers: rows.len(),
        repeat_customers: rows.iter().filter(|c| c.x > 0).count(),
        bgnbd: bg,
        spend,
        holdout,
        tracking,
        clv_total,
        clv_deciles,
        timings: Timings {
            summary_ms,
            bgnbd_ms,
            gamma_gamma_ms,
            predict_ms,
            total_ms: ms(t0),
        },
        predictions: preds,
        stored: std::cell::Cell::new(false),
    })
}

fn ms(t: Instant) -> f64 {
    (t.elapsed().as_secs_f64() * 1e5).round() / 100.0
}

/// Clear errors before DuckDB's: an empty file, a column that is not there.
fn check_input(conn: &Connection, spec: &ClvSpec) -> Result<(), ClvJobError> {
    if let TxnSource::File { path, .. } = &spec.source {
        match std::fs::metadata(path) {
            Ok(m) if m.len() == 0 => {
                return Err(ClvJobError::NoData(format!("{path}: the file is empty")));
            }
            Ok(_) => {}
            Err(e) => return Err(ClvJobError::Usage(format!("{path}: {e}"))),
        }
    }
    let describe = format!("DESCRIBE SELECT * FROM {}", spec.source.relation_sql());
    let mut stmt = conn.prepare(&describe).map_err(|e| input_error(spec, e))?;
    let columns: Vec<String> = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .and_then(|rows| rows.collect())
        .map_err(|e| input_error(spec, e))?;
    let missing: Vec<&str> = [&spec.customer, &spec.date, &spec.amount]
        .into_iter()
        .filter(|c| !columns.iter().any(|have| have.eq_ignore_ascii_case(c)))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(ClvJobError::Usage(format!(
            "{}: no column {} (columns: {})",
            spec.input_label(),
            missing
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", "),
            columns.join(", ")
        )));
    }
    Ok(())
}

fn input_error(spec: &ClvSpec, e: duckdb::Error) -> ClvJobError {
    let msg = e.to_string();
    match &spec.source {
        // A file DuckDB cannot read as a table at all: nothing to fit.
        TxnSource::File { path, .. } => ClvJobError::NoData(format!("{path}: {msg}")),
        TxnSource::Table(t) if msg.contains("does not exist") => {
            ClvJobError::Usage(format!("no table `{t}` in the workspace: {msg}"))
        }
        TxnSource::Table(_) => ClvJobError::Engine(EngineError::from_duckdb(e)),
    }
}

fn no_purchases_message(input: &str, c: &InputCounts) -> String {
    let excluded =
        c.missing_customer + c.unparseable_date + c.missing_amount + c.non_positive_amount;
    if excluded == 0 {
        format!("{input}: no transactions to summarise")
    } else {
        format!(
            "{input}: no usable purchases ({excluded} rows excluded: {} without customer, {} with unparseable dates, {} without amount, {} with zero or negative amounts)",
            c.missing_customer, c.unparseable_date, c.missing_amount, c.non_positive_amount
        )
    }
}

fn read_counts(
    conn: &Connection,
) -> Result<(InputCounts, Option<NaiveDate>, Option<NaiveDate>), EngineError> {
    conn.query_row(rfm::STATS_SQL, [], |r| {
        let u = |i: usize| r.get::<_, i64>(i).map(|v| v.max(0) as u64);
        Ok((
            InputCounts {
                purchase_rows: u(0)?,
                purchase_days: u(1)?,
                missing_customer: u(2)?,
                unparseable_date: u(3)?,
                missing_amount: u(4)?,
                non_positive_amount: u(5)?,
                unparseable_example: None,
                first_purchase_after_calibration: 0,
            },
            r.get(6)?,
            r.get(7)?,
        ))
    })
    .map_err(EngineError::from_duckdb)
}

/// The summary in `rn` order, and holdout purchases per customer.
fn read_summary(conn: &Connection) -> Result<(Vec<Rfm>, Vec<u32>), EngineError> {
    let sql = format!(
        "SELECT frequency, recency, \"T\", monetary_value, holdout_purchases FROM {} ORDER BY rn",
        rfm::RFM_TABLE
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = Vec::new();
    let mut holdout = Vec::new();
    for batch in stmt.query_arrow([])? {
        let col = |i: usize| batch.column(i).clone();
        let (f, r, t, m, h) = (col(0), col(1), col(2), col(3), col(4));
        let bad = || EngineError::Invalid("unexpected column types in the RFM summary".into());
        let f = f.as_any().downcast_ref::<Int64Array>().ok_or_else(bad)?;
        let r = r.as_any().downcast_ref::<Float64Array>().ok_or_else(bad)?;
        let t = t.as_any().downcast_ref::<Float64Array>().ok_or_else(bad)?;
        let m = m.as_any().downcast_ref::<Float64Array>().ok_or_else(bad)?;
        let h = h.as_any().downcast_ref::<Int64Array>().ok_or_else(bad)?;
        for i in 0..batch.num_rows() {
            rows.push(Rfm {
                x: u32::try_from(f.value(i)).unwrap_or(u32::MAX),
                t_x: r.value(i),
                t: t.value(i),
                monetary: if m.is_null(i) { 0.0 } else { m.value(i) },
            });
            holdout.push(u32::try_from(h.value(i)).unwrap_or(u32::MAX));
        }
    }
    Ok((rows, holdout))
}

/// Loads the report's predictions into [`PRED_TABLE`] with DuckDB's appender, once (only
/// outputs need them: a plain JSON report does not pay for it). Without a purchase model the
/// table has the customers with NULL predictions.
pub fn store_predictions(conn: &Connection, report: &ClvReport) -> Result<(), EngineError> {
    if report.stored.get() {
        return Ok(());
    }
    let (preds, customers) = (&report.predictions, report.customers);
    conn.execute_batch(&format!(
        "CREATE OR REPLACE TEMP TABLE {PRED_TABLE} (rn BIGINT, p_alive DOUBLE, expected_purchases DOUBLE, expected_avg_spend DOUBLE, clv DOUBLE)"
    ))?;
    let mut app = conn.appender_to_catalog_and_db(PRED_TABLE, "temp", "main")?;
    for i in 0..customers {
        let p = preds.get(i);
        app.append_row(duckdb::params![
            i as i64,
            p.map(|p| p.p_alive),
            p.map(|p| p.expected_purchases),
            p.and_then(|p| p.expected_spend),
            p.and_then(|p| p.clv),
        ])?;
    }
    app.flush()?;
    report.stored.set(true);
    Ok(())
}

/// Total CLV and mean CLV per decile (1 = top 10%).
fn clv_summary(preds: &[Prediction]) -> (Option<f64>, Vec<f64>) {
    let mut v: Vec<f64> = preds.iter().filter_map(|p| p.clv).collect();
    if v.is_empty() {
        return (None, Vec::new());
    }
    v.sort_unstable_by(|a, b| b.total_cmp(a));
    let n = v.len();
    let deciles = (0..10)
        .map(|d| {
            let (lo, hi) = (d * n / 10, (d + 1) * n / 10);
            if hi > lo {
                v[lo..hi].iter().sum::<f64>() / (hi - lo) as f64
            } else {
                0.0
            }
        })
        .collect();
    (Some(v.iter().sum()), deciles)
}

/// Actual vs expected cumulative repeat purchases per week from the first purchase to `end`.
fn tracking(
    conn: &Connection,
    bg: &math::BgNbdParams,
    start: NaiveDate,
    calibration_end: NaiveDate,
    end: NaiveDate,
) -> Result<Tracking, EngineError> {
    let query_pairs = |sql: &str| -> Result<Vec<(i64, i64)>, EngineError> {
        let mut stmt = conn.prepare(sql)?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    };
    let weekly = query_pairs(&rfm::weekly_repeats_sql(start, end))?;
    let cohorts = query_pairs(&rfm::cohorts_sql(start))?;
    let days = (end - start).num_days().max(0) as usize;
    let weeks = days.div_ceil(7).max(1);
    let mut actual = vec![0.0; weeks];
    for (w, n) in weekly {
        if let Some(slot) = usize::try_from(w).ok().and_then(|w| actual.get_mut(w)) {
            *slot += n as f64;
        }
    }
    for w in 1..weeks {
        actual[w] += actual[w - 1];
    }
    // Dates are whole days: a first purchase on day s happened at s + ½ on average, and a week
    // w ends at 7(w+1). E[X] is evaluated once per half day and summed over the cohorts.
    let half_days = weeks * 14;
    let ex: Vec<f64> = (0..=half_days)
        .map(|h| bgnbd::expected_purchases(bg, h as f64 / 14.0))
        .collect::<Result<_, _>>()
        .map_err(|e| EngineError::Invalid(format!("tracking failed: {e}")))?;
    let predicted = (0..weeks)
        .map(|w| {
            let week_end = 2 * 7 * (w + 1);
            cohorts
                .iter()
                .filter_map(|&(day, n)| {
                    let start_half = 2 * usize::try_from(day).ok()? + 1;
                    let elapsed = week_end.checked_sub(start_half)?;
                    Some(n as f64 * ex[elapsed.min(half_days)])
                })
                .sum()
        })
        .collect();
    Ok(Tracking {
        start,
        calibration_week: ((calibration_end - start).num_days().max(0) as usize) / 7,
        actual_cumulative: actual,
        predicted_cumulative: predicted,
    })
}

/// The transaction log of the sample data (`loyalty_transactions`) with the periods of its
/// `truth.json`: calibration and observation end, a 12-month horizon at 1% a month.
pub fn sample_spec(truth_json: &str) -> Result<ClvSpec, ClvJobError> {
    let truth: Value = serde_json::from_str(truth_json)
        .map_err(|e| ClvJobError::Usage(format!("sample truth.json: {e}")))?;
    let date = |key: &str| -> Result<NaiveDate, ClvJobError> {
        truth[key]
            .as_str()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| ClvJobError::Usage(format!("sample truth.json: no date `{key}`")))
    };
    Ok(ClvSpec {
        source: TxnSource::Table("loyalty_transactions".into()),
        customer: "member_id".into(),
        date: "txn_date".into(),
        amount: "amount".into(),
        calibration_end: Some(date("calibration_end")?),
        observation_end: Some(date("observation_end")?),
        horizon: Horizon {
            months: 12,
            monthly_discount: 0.01,
        },
    })
}

/// Fit, predict and save to the workspace (table and fit log): what a refresh does.
pub fn run_and_save(conn: &Connection, spec: &ClvSpec) -> Result<(ClvReport, i64), ClvJobError> {
    let report = fit_and_predict(conn, spec, &mut |_| {})?;
    let id = save_to_workspace(conn, spec, &report)?;
    Ok((report, id))
}

/// Writes the per-customer predictions to a CSV or Parquet file (by extension) with COPY.
pub fn write_predictions_file(
    conn: &Connection,
    report: &ClvReport,
    path: &Path,
) -> Result<u64, ClvJobError> {
    let format = match ExportFormat::from_path(path) {
        Some(f @ (ExportFormat::Csv | ExportFormat::Parquet)) => f,
        _ => {
            return Err(ClvJobError::Usage(format!(
                "{}: --out must end in .csv or .parquet",
                path.display()
            )));
        }
    };
    store_predictions(conn, report)?;
    Ok(copy_to(conn, &predictions_sql(), path, format)?)
}

/// Saves the predictions as table `clv_predictions` and records the fit in
/// `clvdesk_meta.clv_fits`, in one transaction. Returns the fit id.
pub fn save_to_workspace(
    conn: &Connection,
    spec: &ClvSpec,
    report: &ClvReport,
) -> Result<i64, EngineError> {
    store_predictions(conn, report)?;
    super::in_transaction(conn, |c| -> Result<i64, EngineError> {
        c.execute_batch(&format!(
            "CREATE OR REPLACE TABLE main.{PREDICTIONS_TABLE} AS {}",
            predictions_sql()
        ))?;
        let (bg, gg) = (report.bgnbd.as_ref().ok(), report.spend.fitted());
        let id: i64 = c.query_row(
            "INSERT INTO clvdesk_meta.clv_fits VALUES (
                nextval('clvdesk_meta.clv_fit_seq'), current_timestamp::TIMESTAMP, ?, ?, ?, ?, ?, ?,
                ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING fit_id",
            duckdb::params![
                report.input,
                spec.customer,
                spec.date,
                spec.amount,
                report.calibration_end,
                report.observation_end,
                report.horizon.months,
                report.horizon.monthly_discount,
                report.customers as i64,
                report.repeat_customers as i64,
                bg.map(|f| f.params.r),
                bg.map(|f| f.params.alpha),
                bg.map(|f| f.params.a),
                bg.map(|f| f.params.b),
                bg.map(|f| f.log_likelihood),
                gg.map(|f| f.params.p),
                gg.map(|f| f.params.q),
                gg.map(|f| f.params.v),
                gg.map(|f| f.log_likelihood),
                report.clv_total,
                super::clv_view::report_json(report).to_string(),
                report.timings.total_ms,
            ],
            |r| r.get(0),
        )?;
        Ok(id)
    })
}
