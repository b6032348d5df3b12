//! The decile table shown by the Deciles pane: per bucket of one window and one
//! category, the customers, total, mean, share of the total, cumulative share,
//! lift over the average, min and max. Pure: the SQL to read a job's long table
//! and the arithmetic on what it returns.

use crate::analytics::deciles::Window;
use crate::sql::{quote_ident, quote_literal};

/// One bucket as read from `<prefix>_deciles` (numbers as f64 for display math).
#[derive(Debug, Clone, PartialEq)]
pub struct BucketRow {
    pub window: Window,
    pub category: String,
    pub bucket: u32,
    pub customers: u64,
    pub total: f64,
    pub min: f64,
    pub max: f64,
}

/// One line of the decile table.
#[derive(Debug, Clone, PartialEq)]
pub struct DecileLine {
    pub bucket: u32,
    pub customers: u64,
    pub total: f64,
    pub mean: f64,
    /// Share of the category's total, 0..=1 (`None` when the total is 0).
    pub share: Option<f64>,
    /// Share of buckets 1..=this one; the last bucket is 1.
    pub cum_share: Option<f64>,
    /// This bucket's mean over the category's mean (`None` when that is 0).
    pub lift: Option<f64>,
    pub min: f64,
    pub max: f64,
}

/// The query that reads everything the pane shows for one job: one row per
/// (lookback, category, bucket) with count, sum, min and max. Columns:
/// `lookback VARCHAR, category VARCHAR, bucket BIGINT, customers BIGINT,
/// total DOUBLE, min DOUBLE, max DOUBLE`. A few hundred rows at most.
pub fn summary_sql(long_table: &str) -> String {
    format!(
        "SELECT lookback, CAST(category AS VARCHAR) AS category, bucket, count(*) AS customers,\n\
         \x20      CAST(sum(total) AS DOUBLE) AS total, CAST(min(total) AS DOUBLE) AS min,\n\
         \x20      CAST(max(total) AS DOUBLE) AS max\n\
         FROM {}\nGROUP BY ALL\nORDER BY lookback, category, bucket",
        quote_ident(long_table)
    )
}

/// The customers of one bucket, best first (the pane's Enter).
pub fn bucket_members_sql(long_table: &str, window: Window, category: &str, bucket: u32) -> String {
    format!(
        "SELECT id, total, bucket, lookback, category\nFROM {}\nWHERE lookback = {} AND CAST(category AS VARCHAR) = {} AND bucket = {bucket}\nORDER BY total DESC, id",
        quote_ident(long_table),
        quote_literal(window.label()),
        quote_literal(category)
    )
}

/// Everything read by [`summary_sql`], with lookups by window and category.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DecileSummary {
    pub rows: Vec<BucketRow>,
}

impl DecileSummary {
    /// Windows present, in window order.
    pub fn windows(&self) -> Vec<Window> {
        let mut w: Vec<Window> = self.rows.iter().map(|r| r.window).collect();
        w.sort();
        w.dedup();
        w
    }

    /// Categories present in `window`, sorted.
    pub fn categories(&self, window: Window) -> Vec<String> {
        let mut c: Vec<String> = self
            .rows
            .iter()
            .filter(|r| r.window == window)
            .map(|r| r.category.clone())
            .collect();
        c.sort();
        c.dedup();
        c
    }

    /// The decile table of one window and category.
    pub fn table(&self, window: Window, category: &str) -> Vec<DecileLine> {
        let mut rows: Vec<&BucketRow> = self
            .rows
            .iter()
            .filter(|r| r.window == window && r.category == category)
            .collect();
        rows.sort_by_key(|r| r.bucket);
        decile_lines(rows.into_iter())
    }
}

/// Turns buckets (in bucket order) into table lines.
pub fn decile_lines<'a>(rows: impl Iterator<Item = &'a BucketRow> + Clone) -> Vec<DecileLine> {
    let total: f64 = rows.clone().map(|r| r.total).sum();
    let customers: u64 = rows.clone().map(|r| r.customers).sum();
    let avg = if customers > 0 {
        total / customers as f64
    } else {
        0.0
    };
    let mut cum = 0.0;
    rows.map(|r| {
        cum += r.total;
        let mean = if r.customers > 0 {
            r.total / r.customers as f64
        } else {
            0.0
        };
        let ratio = |x: f64, of: f64| (of != 0.0).then(|| x / of);
        DecileLine {
            bucket: r.bucket,
            customers: r.customers,
            total: r.total,
            mean,
            share: ratio(r.total, total),
            cum_share: ratio(cum, total),
            lift: ratio(mean, avg),
            min: r.min,
            max: r.max,
        }
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(bucket: u32, customers: u64, total: f64) -> BucketRow {
        BucketRow {
            window: Window::M1,
            category: "Star".into(),
            bucket,
            customers,
            total,
            min: 0.0,
            max: total,
        }
    }

    #[test]
    fn shares_lift_and_cumulative() {
        let rows = [row(1, 2, 60.0), row(2, 2, 30.0), row(3, 1, 10.0)];
        let t = decile_lines(rows.iter());
        assert_eq!(t.len(), 3);
        assert_eq!(t[0].mean, 30.0);
        assert_eq!(t[0].share, Some(0.6));
        assert_eq!(t[1].cum_share, Some(0.9));
        assert_eq!(t[2].cum_share, Some(1.0));
        // average = 100 / 5 = 20; bucket 1 mean 30 -> lift 1.5
        assert_eq!(t[0].lift, Some(1.5));
        assert_eq!(t[2].lift, Some(0.5));
    }

    #[test]
    fn zero_totals_have_no_shares() {
        let rows = [row(1, 2, 0.0), row(2, 2, 0.0)];
        let t = decile_lines(rows.iter());
        assert_eq!(t[0].share, None);
        assert_eq!(t[1].lift, None);
    }

    #[test]
    fn summary_lookups() {
        let mut s = DecileSummary::default();
        s.rows.push(row(1, 1, 5.0));
        let mut r = row(1, 1, 7.0);
        r.window = Window::Lifetime;
        r.category = "Aurora".into();
        s.rows.push(r);
        assert_eq!(s.windows(), vec![Window::M1, Window::Lifetime]);
        assert_eq!(s.categories(Window::Lifetime), vec!["Aurora".to_string()]);
        assert_eq!(s.table(Window::M1, "Star")[0].total, 5.0);
        assert!(s.table(Window::M1, "Aurora").is_empty());
    }

    #[test]
    fn sql_quotes_values() {
        let q = bucket_members_sql("x_deciles", Window::M3, "O'Neil", 2);
        assert!(
            q.contains("lookback = '3m' AND CAST(category AS VARCHAR) = 'O''Neil' AND bucket = 2")
        );
        assert!(summary_sql("a\"b").contains("FROM \"a\"\"b\""));
    }
}
