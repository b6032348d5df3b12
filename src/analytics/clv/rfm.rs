//! The RFM summary in DuckDB SQL (Fader & Hardie conventions), built as text: pure, no I/O.
//!
//! Three statements, run in order by the CLV job:
//! 1. [`RfmQuery::days_sql`] reads the transaction log once into a temp table of purchase days
//!    (all purchases of a customer on one calendar day collapse into one row, amounts summed),
//!    and keeps one counted row per kind of excluded input (missing customer, unparseable date,
//!    missing amount, negative amount) so they can be reported.
//!
//! A purchase is a purchase whatever its amount: a zero-amount row (a free first order, a
//! voucher) counts for frequency, recency and T like any other, as in Fader & Hardie's summary;
//! the amount only matters for the monetary value (a free repeat day lowers the mean spend).
//! Zero-amount rows are counted so they can be reported. Negative amounts are refunds, not
//! purchases: they are left out of the purchase days and counted.
//! 2. [`STATS_SQL`] counts what was kept and excluded and finds the last purchase date (the
//!    default calibration end).
//! 3. [`RfmQuery::summary_sql`] summarises every customer in one aggregate (calibration
//!    summary, holdout purchase days, first purchase) into a temp table of all customers;
//!    [`RFM_TABLE`] holds those whose first purchase is within the calibration period
//!    and [`late_customers_sql`] counts the others from the same table.
//!
//! The summary costs about as much as one plain DuckDB aggregate of the log: categories are
//! small integer codes (not strings) in the one `GROUP BY` over the source, and the per-customer
//! pass is a single hash aggregate — no window function, no join. The mean repeat spend is the
//! calibration total less the first day's total (`arg_min(total, d)`; days are unique per
//! customer) over the repeat days, summed in `DECIMAL(38, 10)`: exact, so the first day's
//! amount cannot leak into the repeat spend through rounding (a free first purchase gives the
//! very same spend model as a paid one). A total that does not fit (±10²⁸) gives no spend.
//!
//! Dates may be DATE, TIMESTAMP or text: the column is cast with `TRY_CAST` to DATE, then via
//! TIMESTAMP (for text such as `2024-03-01 10:15:00`); what neither parses is excluded and
//! counted. Identifiers are quoted, file paths and dates are literals.

use chrono::NaiveDate;

use crate::sql::{file_path_literal, quote_ident, quote_literal, quote_qualified};

/// Temp table of purchase days and excluded-row counts.
pub const DAYS_TABLE: &str = "clv_days";
/// Temp table of every customer's summary, late customers (first purchase after the
/// calibration end) included.
pub const CUSTOMERS_TABLE: &str = "clv_customers";
/// Temp table of the per-customer summary of the calibration customers (`rn` orders
/// customers; predictions join on it).
pub const RFM_TABLE: &str = "clv_rfm";

/// Where the transactions come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxnSource {
    /// A table or view of the database (optionally `schema.table`).
    Table(String),
    /// A file read by a DuckDB table function such as `read_csv_auto`.
    File { reader: &'static str, path: String },
}

impl TxnSource {
    /// The relation as it appears after FROM.
    pub fn relation_sql(&self) -> String {
        match self {
            TxnSource::Table(name) => quote_qualified(name),
            TxnSource::File { reader, path } => format!("{reader}({})", file_path_literal(path)),
        }
    }
}

/// Columns and periods of an RFM summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RfmQuery {
    pub source: TxnSource,
    pub customer: String,
    pub date: String,
    pub amount: String,
}

/// Categories of input rows in [`DAYS_TABLE`] (a `UTINYINT` code: integer keys group faster
/// than strings in the pass over the source).
pub const KEPT: u8 = 0;
pub const MISSING_CUSTOMER: u8 = 1;
pub const UNPARSEABLE_DATE: u8 = 2;
pub const MISSING_AMOUNT: u8 = 3;
/// Refunds: rows with a negative amount.
pub const NEGATIVE_AMOUNT: u8 = 4;

/// One row: kept rows, purchase days, excluded rows per reason, first and last purchase date,
/// kept rows whose amount is zero.
pub const STATS_SQL: &str = "SELECT
    coalesce(sum(n) FILTER (WHERE category = 0), 0)::BIGINT AS purchase_rows,
    count(*) FILTER (WHERE category = 0) AS purchase_days,
    coalesce(sum(n) FILTER (WHERE category = 1), 0)::BIGINT AS missing_customer,
    coalesce(sum(n) FILTER (WHERE category = 2), 0)::BIGINT AS unparseable_date,
    coalesce(sum(n) FILTER (WHERE category = 3), 0)::BIGINT AS missing_amount,
    coalesce(sum(n) FILTER (WHERE category = 4), 0)::BIGINT AS negative_amount,
    min(d) FILTER (WHERE category = 0) AS first_purchase,
    max(d) FILTER (WHERE category = 0) AS last_purchase,
    coalesce(sum(zero_rows) FILTER (WHERE category = 0), 0)::BIGINT AS zero_amount
FROM clv_days";

impl RfmQuery {
    /// `CREATE TEMP TABLE clv_days`: one pass over the source.
    pub fn days_sql(&self) -> String {
        let c = quote_ident(&self.customer);
        let d = quote_ident(&self.date);
        let a = quote_ident(&self.amount);
        let rel = self.source.relation_sql();
        let date = date_expr(&d);
        format!(
            "CREATE OR REPLACE TEMP TABLE {DAYS_TABLE} AS
WITH src AS (
    SELECT {c} AS customer_id,
           {date} AS d,
           TRY_CAST({a} AS DOUBLE) AS amount
    FROM {rel}
), classified AS (
    SELECT *, CASE
        WHEN customer_id IS NULL THEN {MISSING_CUSTOMER}
        WHEN d IS NULL THEN {UNPARSEABLE_DATE}
        WHEN amount IS NULL OR isnan(amount) THEN {MISSING_AMOUNT}
        WHEN amount < 0 THEN {NEGATIVE_AMOUNT}
        ELSE {KEPT} END::UTINYINT AS category
    FROM src
)
SELECT CASE WHEN category = {KEPT} THEN customer_id END AS customer_id,
       CASE WHEN category = {KEPT} THEN d END AS d,
       category,
       count(*) AS n,
       sum(amount) FILTER (WHERE category = {KEPT}) AS total,
       count(*) FILTER (WHERE category = {KEPT} AND amount = 0) AS zero_rows
FROM classified
GROUP BY ALL"
        )
    }

    /// One date value that does not parse (for the message), read again from the source: only
    /// asked when [`STATS_SQL`] counted some (carrying the raw column through the main pass
    /// made it ~40% slower).
    pub fn unparseable_example_sql(&self) -> String {
        let d = quote_ident(&self.date);
        format!(
            "SELECT CAST({d} AS VARCHAR) FROM {} WHERE {d} IS NOT NULL AND {} IS NULL LIMIT 1",
            self.source.relation_sql(),
            date_expr(&d)
        )
    }

    /// The per-customer summary, two statements to run in order: `CREATE TEMP TABLE
    /// clv_customers` (every customer: frequency, recency and T in weeks, monetary value — mean
    /// of the repeat days' totals, zero-amount days included, 0 without repeats — first
    /// purchase date, holdout purchase days in (calibration_end, observation_end], 0 without
    /// an observation end) and `CREATE TEMP TABLE clv_rfm` of the customers whose first
    /// purchase is on or before `calibration_end`, numbered by `rn` in customer order.
    pub fn summary_sql(
        calibration_end: NaiveDate,
        observation_end: Option<NaiveDate>,
    ) -> [String; 2] {
        let cal = date_literal(calibration_end);
        let holdout = match observation_end {
            Some(obs) => format!(
                "count(*) FILTER (WHERE d > {cal} AND d <= {})",
                date_literal(obs)
            ),
            None => "0".to_string(),
        };
        let in_cal = format!("FILTER (WHERE d <= {cal})");
        [
            format!(
                "CREATE OR REPLACE TEMP TABLE {CUSTOMERS_TABLE} AS
WITH per_customer AS (
    SELECT customer_id,
           count(*) {in_cal} AS cal_days,
           min(d) AS first_purchase,
           max(d) {in_cal} AS last_cal_purchase,
           sum(TRY_CAST(total AS DECIMAL(38, 10))) {in_cal} AS cal_total,
           TRY_CAST(arg_min(total, d) AS DECIMAL(38, 10)) AS first_total,
           {holdout} AS holdout_purchases
    FROM {DAYS_TABLE} WHERE category = {KEPT}
    GROUP BY customer_id
)
SELECT customer_id,
       (cal_days - 1)::BIGINT AS frequency,
       (date_diff('day', first_purchase, last_cal_purchase) / 7.0)::DOUBLE AS recency,
       (date_diff('day', first_purchase, {cal}) / 7.0)::DOUBLE AS \"T\",
       CASE WHEN cal_days > 1 THEN (cal_total - first_total)::DOUBLE / (cal_days - 1) ELSE 0.0 END
           AS monetary_value,
       first_purchase,
       holdout_purchases::BIGINT AS holdout_purchases
FROM per_customer"
            ),
            format!(
                "CREATE OR REPLACE TEMP TABLE {RFM_TABLE} AS
SELECT (row_number() OVER (ORDER BY customer_id) - 1)::BIGINT AS rn, *
FROM {CUSTOMERS_TABLE} WHERE first_purchase <= {cal}"
            ),
        ]
    }
}

/// Customers whose first purchase lies after the calibration end are not in [`RFM_TABLE`];
/// this counts them (they are reported, not modelled).
pub fn late_customers_sql(calibration_end: NaiveDate) -> String {
    format!(
        "SELECT count(*) FROM {CUSTOMERS_TABLE} WHERE first_purchase > {}",
        date_literal(calibration_end)
    )
}

/// Weekly repeat purchases of the calibration customers, for the tracking chart: week index
/// since the earliest first purchase, repeat purchase days in that week.
pub fn weekly_repeats_sql(start: NaiveDate, end: NaiveDate) -> String {
    format!(
        "SELECT (date_diff('day', {s}, d.d) // 7)::BIGINT AS week, count(*)::BIGINT AS repeats
FROM {DAYS_TABLE} d JOIN {RFM_TABLE} r ON d.customer_id = r.customer_id
WHERE d.category = {KEPT} AND d.d > r.first_purchase AND d.d <= {e}
GROUP BY ALL ORDER BY week",
        s = date_literal(start),
        e = date_literal(end)
    )
}

/// Calibration cohorts: customers per first-purchase day, as days since `start`.
pub fn cohorts_sql(start: NaiveDate) -> String {
    format!(
        "SELECT date_diff('day', {}, first_purchase)::BIGINT AS day, count(*)::BIGINT AS customers
FROM {RFM_TABLE} GROUP BY ALL ORDER BY day",
        date_literal(start)
    )
}

/// A quoted date column as DATE: directly, or via TIMESTAMP for text with a time; NULL when
/// neither parses.
fn date_expr(quoted: &str) -> String {
    format!(
        "coalesce(TRY_CAST({quoted} AS DATE), TRY_CAST(TRY_CAST({quoted} AS TIMESTAMP) AS DATE))"
    )
}

/// `DATE 'YYYY-MM-DD'`.
pub fn date_literal(d: NaiveDate) -> String {
    format!("DATE {}", quote_literal(&d.format("%Y-%m-%d").to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query() -> RfmQuery {
        RfmQuery {
            source: TxnSource::File {
                reader: "read_csv_auto",
                path: "/tmp/it's.csv".into(),
            },
            customer: "member\"id".into(),
            date: "txn_date".into(),
            amount: "amount".into(),
        }
    }

    #[test]
    fn identifiers_are_quoted_and_paths_are_literals() {
        let sql = query().days_sql();
        assert!(sql.contains("\"member\"\"id\" AS customer_id"), "{sql}");
        assert!(sql.contains("read_csv_auto('/tmp/it''s.csv')"), "{sql}");
        assert!(sql.contains("TRY_CAST(\"txn_date\" AS DATE)"));
        let t = TxnSource::Table("main.loyalty_transactions".into());
        assert_eq!(t.relation_sql(), "\"main\".\"loyalty_transactions\"");
    }

    #[test]
    fn summary_uses_the_given_dates() {
        let cal = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
        let obs = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
        let [table, view] = RfmQuery::summary_sql(cal, Some(obs));
        assert!(table.contains("d <= DATE '2025-06-30'"));
        assert!(table.contains("d > DATE '2025-06-30' AND d <= DATE '2025-12-31'"));
        assert!(view.contains("first_purchase <= DATE '2025-06-30'"));
        assert!(!RfmQuery::summary_sql(cal, None)[0].contains("2025-12-31"));
    }
}
