//! The CLV job: RFM summary in DuckDB, BG/NBD + Gamma-Gamma fits, predictions, holdout check
//! and tracking; optionally written to a file, the `clv_predictions` table and the fit log.
//!
//! Shared by `clvdesk clv`, the seeding of a new workspace, the CLV pane and the scheduler:
//! one implementation of [`fit_and_predict`]. The math lives in `analytics::clv` (pure).

use std::time::Instant;

use chrono::NaiveDate;
use duckdb::arrow::array::{Array, Float64Array, Int64Array};
use duckdb::{Connection, OptionalExt};
use serde_json::Value;

pub mod save;
pub mod tracking;
pub mod view;

use crate::analytics::clv::rfm::{self, RfmQuery, TxnSource};
use crate::analytics::clv::{
    self as math, BgNbdError, BgNbdFit, GammaGammaError, HoldoutCheck, Horizon, Hyp2f1Error,
    Prediction, Rfm, SpendModel, bgnbd,
};
use crate::engine::EngineError;
use crate::engine::sql::execute_one;

pub use save::{
    PREDICTIONS_TABLE, REPORT_BUDGET_BYTES, check_predictions_table, prune_reports,
    save_to_workspace, save_to_workspace_and_file, store_predictions, write_predictions_file,
};
use tracking::tracking;
pub use tracking::{MAX_TRACKING_WEEKS, Tracking, tracking_weeks};

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

impl InputCounts {
    /// Rows left out of the purchases, for every reason.
    pub fn excluded(&self) -> u64 {
        self.missing_customer + self.unparseable_date + self.missing_amount + self.negative_amount
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
    /// Refunds: rows with a negative amount, not purchases.
    pub negative_amount: u64,
    /// Kept rows (purchases) whose amount is zero.
    pub zero_amount: u64,
    /// Customers whose first purchase is after the calibration end (not modelled).
    pub first_purchase_after_calibration: u64,
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
    /// The customer, date and amount columns read from the input.
    pub columns: [String; 3],
    pub calibration_end: NaiveDate,
    pub observation_end: Option<NaiveDate>,
    pub horizon: Horizon,
    pub counts: InputCounts,
    pub customers: usize,
    pub repeat_customers: usize,
    /// Repeat customers whose mean repeat spend is not positive (every repeat purchase free):
    /// left out of the Gamma-Gamma fit and predicted with the population mean spend.
    pub repeat_customers_without_spend: usize,
    pub bgnbd: Result<BgNbdFit, BgNbdError>,
    pub spend: SpendModel,
    /// A numeric failure after the fits (prediction, holdout check or tracking): what was
    /// fitted is kept in the report, but the job failed.
    pub numeric: Option<NumericFailure>,
    pub holdout: Option<HoldoutCheck>,
    pub tracking: Option<Tracking>,
    /// Why there is no tracking series although BG/NBD fitted (a span over the limit).
    pub tracking_skipped: Option<String>,
    /// Total predicted CLV over the horizon and CLV per decile (1 = top), when both models fit.
    pub clv_total: Option<f64>,
    pub clv_deciles: Vec<f64>,
    pub timings: Timings,
    /// Per-customer predictions in summary (`rn`) order; empty when BG/NBD failed.
    pub predictions: Vec<Prediction>,
    /// Whether [`PRED_TABLE`] holds `predictions` on the connection that made the report.
    pub(super) stored: std::cell::Cell<bool>,
}

impl ClvReport {
    /// Why this fit must not be used (nor saved): a model that could not be fitted or a
    /// numeric failure after the fits. `None` when every customer has a full prediction.
    pub fn failure(&self) -> Option<FitFailure> {
        if let Err(e) = &self.bgnbd {
            return Some(FitFailure::BgNbd(e.clone()));
        }
        if let Some(n) = &self.numeric {
            return Some(FitFailure::Numeric(n.clone()));
        }
        if let SpendModel::Failed(e) = &self.spend {
            return Some(FitFailure::GammaGamma(e.clone()));
        }
        None
    }
}

/// The stage after the fits that failed numerically.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumericStage {
    Prediction,
    Holdout,
    Tracking,
}

impl std::fmt::Display for NumericStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NumericStage::Prediction => "the prediction",
            NumericStage::Holdout => "the holdout check",
            NumericStage::Tracking => "the tracking series",
        })
    }
}

/// A numeric failure after the fits (₂F₁ did not converge or left its domain).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{stage} failed: {error}")]
pub struct NumericFailure {
    pub stage: NumericStage,
    pub error: Hyp2f1Error,
}

/// Why a fit gives no usable predictions: the job failed (exit 1), nothing is written, and
/// the report (printed by `clvdesk clv`) keeps what was fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitFailure {
    #[error("BG/NBD could not be fitted: {0}")]
    BgNbd(BgNbdError),
    #[error("Gamma-Gamma could not be fitted: {0}")]
    GammaGamma(GammaGammaError),
    #[error("{0}")]
    Numeric(NumericFailure),
}

/// Why the job failed.
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
    /// A model could not be fitted or a later stage failed numerically: nothing was written,
    /// the previous predictions and their fit record are unchanged.
    #[error("{0}; the previous predictions (if any) are unchanged")]
    Fit(FitFailure),
    /// The output table exists and was not written by clvdesk: it is never replaced.
    #[error(
        "table `{table}` exists and was not written by a clvdesk CLV fit; clvdesk will not replace it (rename or drop it to save predictions)"
    )]
    ForeignTable { table: String },
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
    execute_one(conn, &query.days_sql(), []).map_err(EngineError::from_duckdb)?;
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
    for sql in RfmQuery::summary_sql(calibration_end, observation_end) {
        execute_one(conn, &sql, []).map_err(EngineError::from_duckdb)?;
    }
    counts.first_purchase_after_calibration = conn
        .query_row(&rfm::late_customers_sql(calibration_end), [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(EngineError::from_duckdb)? as u64;
    let (rows, holdout_actual) = read_summary(conn)?;
    let summary_ms = ms(t0);

    progress(Stage::FitPurchases);
    let t = Instant::now();
    let bg = bgnbd::fit(&rows);
    let bgnbd_ms = ms(t);
    progress(Stage::FitSpend);
    let t = Instant::now();
    let spend = math::gamma_gamma::fit(&rows);
    let gamma_gamma_ms = ms(t);

    progress(Stage::Predict);
    let t = Instant::now();
    let after = match &bg {
        Ok(fit) => after_fits(
            conn,
            &fit.params,
            &spend,
            &rows,
            &holdout_actual,
            Periods {
                first,
                last,
                calibration_end,
                observation_end,
                horizon: spec.horizon,
            },
        )?,
        Err(_) => AfterFits::default(),
    };
    let (clv_total, clv_deciles) = clv_summary(&after.predictions);
    let predict_ms = ms(t);
    progress(Stage::Done);

    Ok(ClvReport {
        input: spec.input_label(),
        columns: [
            spec.customer.clone(),
            spec.date.clone(),
            spec.amount.clone(),
        ],
        calibration_end,
        observation_end,
        horizon: spec.horizon,
        counts,
        customers: rows.len(),
        repeat_customers: rows.iter().filter(|c| c.x > 0).count(),
        repeat_customers_without_spend: rows
            .iter()
            .filter(|c| c.x > 0 && !math::gamma_gamma::usable_for_spend(c))
            .count(),
        bgnbd: bg,
        spend,
        numeric: after.numeric,
        holdout: after.holdout,
        tracking: after.tracking,
        tracking_skipped: after.tracking_skipped,
        clv_total,
        clv_deciles,
        timings: Timings {
            summary_ms,
            bgnbd_ms,
            gamma_gamma_ms,
            predict_ms,
            total_ms: ms(t0),
        },
        predictions: after.predictions,
        stored: std::cell::Cell::new(false),
    })
}

/// The dates a fit works with.
#[derive(Debug, Clone, Copy)]
pub struct Periods {
    /// First and last purchase day in the data.
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub calibration_end: NaiveDate,
    pub observation_end: Option<NaiveDate>,
    pub horizon: Horizon,
}

/// What the stages after the fits produced; a numeric failure stops at its stage and keeps
/// what came before it.
#[derive(Debug, Default)]
pub struct AfterFits {
    pub predictions: Vec<Prediction>,
    pub holdout: Option<HoldoutCheck>,
    pub tracking: Option<Tracking>,
    pub tracking_skipped: Option<String>,
    pub numeric: Option<NumericFailure>,
}

/// Predictions, holdout check and tracking for fitted BG/NBD parameters. ₂F₁ failures are
/// recorded (typed) in the result, not returned as errors: only DuckDB errors are.
pub fn after_fits(
    conn: &Connection,
    bg: &math::BgNbdParams,
    spend: &SpendModel,
    rows: &[Rfm],
    holdout_actual: &[u32],
    p: Periods,
) -> Result<AfterFits, EngineError> {
    let mut out = AfterFits::default();
    let fail = |stage, error| Some(NumericFailure { stage, error });
    let gg = spend.fitted().map(|f| f.params);
    match math::predict(bg, gg.as_ref(), rows, p.horizon) {
        Ok(preds) => out.predictions = preds,
        Err(e) => {
            out.numeric = fail(NumericStage::Prediction, e);
            return Ok(out);
        }
    }
    if let Some(obs) = p.observation_end {
        let weeks = (obs - p.calibration_end).num_days() as f64 / 7.0;
        match math::holdout_check(bg, rows, holdout_actual, weeks) {
            Ok(h) => out.holdout = Some(h),
            Err(e) => {
                out.numeric = fail(NumericStage::Holdout, e);
                return Ok(out);
            }
        }
    }
    let end = p.observation_end.unwrap_or(p.calibration_end).min(p.last);
    let weeks = tracking_weeks(p.first, end);
    if weeks > MAX_TRACKING_WEEKS {
        out.tracking_skipped = Some(format!(
            "the purchases span {weeks} weeks ({} to {end}); tracking is drawn for at most {MAX_TRACKING_WEEKS}",
            p.first
        ));
        return Ok(out);
    }
    match tracking(conn, bg, p.first, p.calibration_end, end)? {
        Ok(t) => out.tracking = Some(t),
        Err(e) => out.numeric = fail(NumericStage::Tracking, e),
    }
    Ok(out)
}

fn ms(t: Instant) -> f64 {
    (t.elapsed().as_secs_f64() * 1e5).round() / 100.0
}

/// Clear errors before DuckDB's: an empty file, a column that is not there.
fn check_input(conn: &Connection, spec: &ClvSpec) -> Result<(), ClvJobError> {
    if let TxnSource::File { path, .. } = &spec.source {
        crate::sql::check_file_path(path)
            .map_err(|m| ClvJobError::Usage(format!("{path}: {m}")))?;
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
    let excluded = c.excluded();
    if excluded == 0 {
        format!("{input}: no transactions to summarise")
    } else {
        format!(
            "{input}: no usable purchases ({excluded} rows excluded: {} without customer, {} with unparseable dates, {} without amount, {} refunds (negative amounts))",
            c.missing_customer, c.unparseable_date, c.missing_amount, c.negative_amount
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
                negative_amount: u(5)?,
                zero_amount: u(8)?,
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

/// Fit, predict and save to the workspace (table and fit log): what a refresh does. A fit
/// that failed (see [`ClvReport::failure`]) writes nothing and is an error; so is a table
/// `clv_predictions` that clvdesk did not write (checked before the work starts).
pub fn run_and_save(conn: &Connection, spec: &ClvSpec) -> Result<(ClvReport, i64), ClvJobError> {
    check_predictions_table(conn)?;
    let report = fit_and_predict(conn, spec, &mut |_| {})?;
    let id = save_to_workspace(conn, spec, &report)?;
    Ok((report, id))
}
