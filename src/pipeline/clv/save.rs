//! Saving a CLV fit in the workspace: the table `clv_predictions` and a row of
//! `clvdesk_meta.clv_fits`, in one transaction, and never at the expense of what is there:
//!
//! * a fit that failed (a model that could not be fitted, a numeric failure) is not saved, so
//!   good predictions are never replaced by NULLs and their fit record stays the latest;
//! * `clv_predictions` is replaced only when clvdesk wrote it (its table comment says so; a
//!   table from before the comment existed is recognised by its exact columns). A table of the
//!   user's with that name is never dropped;
//! * the stored reports are bounded: the newest are kept whole while they fit in
//!   [`REPORT_BUDGET_BYTES`], older ones lose their bulky tracking series.

use std::path::Path;

use duckdb::{Connection, OptionalExt};

use super::{ClvJobError, ClvReport, ClvSpec, PRED_TABLE, predictions_sql};
use crate::engine::EngineError;
use crate::engine::export::{ExportFormat, copy_to};
use crate::engine::sql::execute_one;

/// The workspace table the predictions are saved to.
pub const PREDICTIONS_TABLE: &str = "clv_predictions";
/// Columns of [`PREDICTIONS_TABLE`], in order (the CLI contract's `--out` columns).
pub const PREDICTION_COLUMNS: [&str; 9] = [
    "customer_id",
    "frequency",
    "recency",
    "T",
    "monetary_value",
    "p_alive",
    "expected_purchases",
    "expected_avg_spend",
    "clv",
];
/// Start of the table comment that marks [`PREDICTIONS_TABLE`] as written by a fit.
const OWNED_COMMENT: &str = "clvdesk clv fit #";
/// Total size of the whole reports kept in `clv_fits` (the newest is always kept whole).
pub const REPORT_BUDGET_BYTES: i64 = 4 * 1024 * 1024;

/// Whether [`PREDICTIONS_TABLE`] may be replaced: absent, or written by a clvdesk fit.
pub fn check_predictions_table(conn: &Connection) -> Result<(), ClvJobError> {
    let found: Option<(String, Option<String>)> = conn
        .query_row(
            "SELECT kind, comment FROM (
                 SELECT 'table' AS kind, comment, table_name AS name FROM duckdb_tables()
                 WHERE database_name = current_database() AND schema_name = 'main' AND NOT temporary
                 UNION ALL
                 SELECT 'view', comment, view_name FROM duckdb_views()
                 WHERE database_name = current_database() AND schema_name = 'main' AND NOT temporary
             ) WHERE lower(name) = lower(?) LIMIT 1",
            [PREDICTIONS_TABLE],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(EngineError::from_duckdb)?;
    let foreign = || ClvJobError::ForeignTable {
        table: PREDICTIONS_TABLE.to_string(),
    };
    let Some((kind, comment)) = found else {
        return Ok(());
    };
    if kind != "table" {
        return Err(foreign());
    }
    match comment.as_deref().filter(|c| !c.is_empty()) {
        Some(c) if c.starts_with(OWNED_COMMENT) => Ok(()),
        Some(_) => Err(foreign()),
        // Written before fits marked their table: recognised by its exact columns.
        None => {
            let read = || -> Result<Vec<String>, duckdb::Error> {
                let mut stmt = conn.prepare(
                    "SELECT column_name FROM duckdb_columns()
                     WHERE database_name = current_database() AND schema_name = 'main'
                       AND lower(table_name) = lower(?) ORDER BY column_index",
                )?;
                let rows = stmt.query_map([PREDICTIONS_TABLE], |r| r.get(0))?;
                rows.collect()
            };
            let columns = read().map_err(EngineError::from_duckdb)?;
            if columns.iter().map(String::as_str).eq(PREDICTION_COLUMNS) {
                Ok(())
            } else {
                Err(foreign())
            }
        }
    }
}

/// Saves the predictions as table `clv_predictions` and records the fit in
/// `clvdesk_meta.clv_fits`, in one transaction. Returns the fit id. A failed fit and a
/// `clv_predictions` that clvdesk did not write are errors, and nothing is written.
pub fn save_to_workspace(
    conn: &Connection,
    spec: &ClvSpec,
    report: &ClvReport,
) -> Result<i64, ClvJobError> {
    save_to_workspace_and_file(conn, spec, report, None).map(|(id, _)| id)
}

/// [`save_to_workspace`], and the same rows written to `out` (CSV or Parquet by extension)
/// from the saved table: the summary and the predictions are joined once, not once per
/// output. The file is written inside the transaction: when it fails, nothing is saved.
/// Returns the fit id and the rows written to `out`.
pub fn save_to_workspace_and_file(
    conn: &Connection,
    spec: &ClvSpec,
    report: &ClvReport,
    out: Option<&Path>,
) -> Result<(i64, Option<u64>), ClvJobError> {
    if let Some(failure) = report.failure() {
        return Err(ClvJobError::Fit(failure));
    }
    let out_format = out.map(file_format).transpose()?;
    check_predictions_table(conn)?;
    store_predictions(conn, report)?;
    let saved =
        crate::engine::in_transaction(conn, |c| -> Result<(i64, Option<u64>), ClvJobError> {
            // Checked again inside the transaction: the table cannot change under us now.
            check_predictions_table(c)?;
            let (bg, gg) = (report.bgnbd.as_ref().ok(), report.spend.fitted());
            let id: i64 = c
                .query_row(
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
                        super::view::report_json(report).to_string(),
                        report.timings.total_ms,
                    ],
                    |r| r.get(0),
                )
                .map_err(EngineError::from_duckdb)?;
            execute_one(
                c,
                &format!(
                    "CREATE OR REPLACE TABLE main.{PREDICTIONS_TABLE} AS {}",
                    predictions_sql()
                ),
                [],
            )
            .map_err(EngineError::from_duckdb)?;
            execute_one(
                c,
                &format!("COMMENT ON TABLE main.{PREDICTIONS_TABLE} IS '{OWNED_COMMENT}{id}'"),
                [],
            )
            .map_err(EngineError::from_duckdb)?;
            prune_reports(c, REPORT_BUDGET_BYTES)?;
            let written = match (out, out_format) {
                // The table keeps the summary's order (DuckDB preserves insertion order).
                (Some(path), Some(format)) => Some(copy_to(
                    c,
                    &format!("SELECT * FROM main.{PREDICTIONS_TABLE}"),
                    path,
                    format,
                )?),
                _ => None,
            };
            Ok((id, written))
        })?;
    Ok(saved)
}

/// CSV or Parquet, by the file's extension; anything else is a usage error.
fn file_format(path: &Path) -> Result<ExportFormat, ClvJobError> {
    match ExportFormat::from_path(path) {
        Some(f @ (ExportFormat::Csv | ExportFormat::Parquet)) => Ok(f),
        _ => Err(ClvJobError::Usage(format!(
            "{}: --out must end in .csv or .parquet",
            path.display()
        ))),
    }
}

/// Bounds the reports stored in `clvdesk_meta.clv_fits`: going from the newest fit back, whole
/// reports are kept while their total size is within `budget_bytes` (the newest always);
/// older reports lose their tracking series (the only part that grows with the data) and
/// are marked `"report_pruned": true`. Returns how many reports were pruned.
pub fn prune_reports(conn: &Connection, budget_bytes: i64) -> Result<usize, EngineError> {
    let n = conn.execute(
        "UPDATE clvdesk_meta.clv_fits
         SET report = CAST(json_merge_patch(report, '{\"tracking\": null, \"report_pruned\": true}') AS VARCHAR)
         WHERE fit_id IN (
             SELECT fit_id FROM (
                 SELECT fit_id, report,
                        row_number() OVER (ORDER BY fit_id DESC) AS k,
                        sum(strlen(report)) OVER (ORDER BY fit_id DESC ROWS UNBOUNDED PRECEDING) AS total
                 FROM clvdesk_meta.clv_fits
             ) WHERE k > 1 AND total > ? AND json_exists(report, '$.tracking')
         )",
        [budget_bytes],
    )?;
    Ok(n)
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

/// Writes the per-customer predictions to a CSV or Parquet file (by extension) with COPY.
pub fn write_predictions_file(
    conn: &Connection,
    report: &ClvReport,
    path: &Path,
) -> Result<u64, ClvJobError> {
    let format = file_format(path)?;
    if let Some(failure) = report.failure() {
        return Err(ClvJobError::Fit(failure));
    }
    store_predictions(conn, report)?;
    Ok(copy_to(conn, &predictions_sql(), path, format)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::clv::{BgNbdParams, Horizon, Rfm, SpendModel};
    use crate::engine::Database;
    use crate::pipeline::clv::{FitFailure, NumericStage, Periods, after_fits, fit_and_predict};

    /// A fit record with a report of about `kb` kilobytes of tracking series.
    fn insert_fit(conn: &Connection, kb: usize) {
        let report = serde_json::json!({
            "customers": 1,
            "tracking": {"actual_cumulative": vec![1.5f64; kb * 1024 / 4]},
        })
        .to_string();
        conn.execute(
            "INSERT INTO clvdesk_meta.clv_fits (fit_id, fitted_at, input, customer_column,
                 date_column, amount_column, calibration_end, horizon_months, discount_monthly,
                 customers, repeat_customers, report, duration_ms)
             VALUES (nextval('clvdesk_meta.clv_fit_seq'), current_timestamp::TIMESTAMP, 't',
                 'c', 'd', 'a', DATE '2025-01-01', 12, 0.01, 1, 1, ?, 1.0)",
            [report],
        )
        .unwrap();
    }

    #[test]
    fn stored_reports_are_pruned_to_the_budget_newest_first() {
        let db = Database::open_in_memory_workspace().unwrap();
        let conn = db.conn();
        for _ in 0..10 {
            insert_fit(conn, 100);
        }
        let budget = 350 * 1024;
        assert_eq!(prune_reports(conn, budget).unwrap(), 7);
        let (whole, total, newest): (i64, i64, bool) = conn
            .query_row(
                "SELECT count(*) FILTER (WHERE json_exists(report, '$.tracking')),
                        sum(strlen(report)),
                        bool_and(json_exists(report, '$.tracking')) FILTER (WHERE fit_id = (SELECT max(fit_id) FROM clvdesk_meta.clv_fits))
                 FROM clvdesk_meta.clv_fits",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(whole, 3);
        assert!(newest, "the newest report stays whole");
        assert!(total <= budget + 7 * 1024, "{total}");
        let pruned: String = conn
            .query_row(
                "SELECT report FROM clvdesk_meta.clv_fits ORDER BY fit_id LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let pruned: serde_json::Value = serde_json::from_str(&pruned).unwrap();
        assert_eq!(pruned["customers"], 1);
        assert_eq!(pruned["report_pruned"], true);
        // A report bigger than the budget on its own is still kept when it is the newest.
        insert_fit(conn, 500);
        prune_reports(conn, budget).unwrap();
        let whole: i64 = conn
            .query_row(
                "SELECT count(*) FROM clvdesk_meta.clv_fits WHERE json_exists(report, '$.tracking')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(whole, 1);
    }

    /// A ₂F₁ failure after the fits (here: α so small that z rounds to 1 for a customer with
    /// T = 0) is a typed numeric failure of its stage, and what came before is kept.
    #[test]
    fn a_numeric_failure_is_typed_and_keeps_what_was_fitted() {
        let db = Database::open_in_memory().unwrap();
        let bg = BgNbdParams {
            r: 0.5,
            alpha: 1e-300,
            a: 0.8,
            b: 2.5,
        };
        let rows = [Rfm {
            x: 0,
            t_x: 0.0,
            t: 0.0,
            monetary: 0.0,
        }];
        let day = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        let out = after_fits(
            db.conn(),
            &bg,
            &SpendModel::Failed(crate::analytics::clv::GammaGammaError::TooFewCustomers(0)),
            &rows,
            &[0],
            Periods {
                first: day,
                last: day,
                calibration_end: day,
                observation_end: None,
                horizon: Horizon {
                    months: 12,
                    monthly_discount: 0.01,
                },
            },
        )
        .unwrap();
        let failure = out.numeric.expect("a numeric failure");
        assert_eq!(failure.stage, NumericStage::Prediction);
        let err = ClvJobError::Fit(FitFailure::Numeric(failure));
        assert!(err.to_string().contains("the prediction failed"), "{err}");
    }

    /// A workspace's good predictions survive a failed refit: the failed report is refused
    /// by `save_to_workspace` itself, so no caller can write it.
    #[test]
    fn save_refuses_a_failed_fit() {
        let db = Database::open_in_memory_workspace().unwrap();
        let conn = db.conn();
        conn.execute_batch(
            "CREATE TABLE once AS SELECT i AS member_id, DATE '2024-01-01' + i::INTEGER AS txn_date,
                 10.0 AS amount FROM range(40) t(i)",
        )
        .unwrap();
        let spec = ClvSpec {
            source: crate::analytics::clv::rfm::TxnSource::Table("once".into()),
            customer: "member_id".into(),
            date: "txn_date".into(),
            amount: "amount".into(),
            calibration_end: None,
            observation_end: None,
            horizon: Horizon {
                months: 12,
                monthly_discount: 0.01,
            },
        };
        let report = fit_and_predict(conn, &spec, &mut |_| {}).unwrap();
        assert!(matches!(report.failure(), Some(FitFailure::BgNbd(_))));
        let err = save_to_workspace(conn, &spec, &report).unwrap_err();
        assert!(
            matches!(err, ClvJobError::Fit(FitFailure::BgNbd(_))),
            "{err}"
        );
        let tables: i64 = conn
            .query_row(
                "SELECT (SELECT count(*) FROM duckdb_tables() WHERE table_name = 'clv_predictions')
                      + (SELECT count(*) FROM clvdesk_meta.clv_fits)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 0);
    }
}
