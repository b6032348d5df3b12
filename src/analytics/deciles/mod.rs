//! Decile jobs: a job spec in, DuckDB SQL out. Pure: no files, no database.
//!
//! A decile job ranks identities (customers) by the sum of a metric within each
//! category, for several lookback windows, into `buckets` equal-count groups with
//! `NTILE(k) OVER (PARTITION BY category ORDER BY total DESC, id)` (bucket 1 = top).
//!
//! # Dates: what `as_of` means
//!
//! `as_of` is the **last day included** (inclusive). By default it is the latest
//! date found in the source table's date column (all rows, before the filter), so a
//! run on fresh data always includes the newest day. Internally the generator works
//! with the exclusive boundary `end = as_of + 1 day`, and a window of N months is the
//! half-open range `[end - N months, end)`. With `as_of = 2025-12-31` the `1m` window
//! is exactly December 2025 (`[2025-12-01, 2026-01-01)`), `3m` is October-December.
//! `lifetime` is everything before `end`. Rows dated after `as_of` are never counted.
//!
//! # Modes
//!
//! * `window` (default): `Nm` sums the rows inside `[end - N months, end)`: recent
//!   activity only, so a customer idle for the last month is absent from `1m`.
//! * `cumulative`: `Nm` sums **all** rows before `end - N months` (the recipe
//!   `date < month_start - N months`): the lifetime totals as they stood N months ago.
//!   With `as_of` on a month end, `end - N months` is a month start, which is the
//!   published recipe exactly. `lifetime` is the same in both modes.
//!
//! # Who is ranked
//!
//! In a window, an identity is ranked in a category when it has at least one row
//! there (after the filter) whose metric is not NULL: SUM ignores NULL metrics, and
//! an identity whose metric is NULL on every row of the window is treated as inactive.
//! Rows with a NULL identity or a NULL category are ignored. Inactive identities are
//! absent from the long table for that window and get an empty map in the profile.
//! The profile holds every distinct identity of the source table (all rows, any date,
//! no filter).
//!
//! # Category from a dimension table
//!
//! The category may live in another table (the loyalty log has no status column):
//! with `category_table = "customers"` and `category_key = "customer_id"` the category
//! is read from `customers` joined on `customer_id = <identity>`. Distinct
//! (key, category) pairs are used, so duplicate dimension rows do not double totals;
//! a key with several categories is ranked in each. The metric and the filter are
//! always evaluated against the source table's columns alone.
//!
//! # Trust
//!
//! The metric and filter are SQL fragments written by the analyst (trusted as their
//! SQL pane is, but a job file can come from elsewhere); they are checked with the one
//! SQL lexer ([`crate::sql::check_fragment`]: fully lexed, no top-level `;`, balanced
//! parentheses) and wrapped in parentheses, and the runner executes each generated
//! statement alone, so a fragment cannot start a second statement. Every identifier is quoted with [`quote_ident`] and must be
//! checked against the catalog by the runner ([`DecileJob::required_columns`]); dates
//! are emitted as `DATE '...'` literals via [`quote_literal`].

use std::fmt;

use chrono::NaiveDate;

use crate::sql::{is_plain_name, quote_ident, quote_qualified};

mod sql;

pub use sql::{DecileSql, WindowBounds, window_bounds};

/// Bucket counts a job may use.
pub const ALLOWED_BUCKETS: [u32; 3] = [4, 10, 100];
/// Default bucket count (deciles).
pub const DEFAULT_BUCKETS: u32 = 10;

/// A lookback window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Window {
    M1,
    M3,
    M6,
    M9,
    M12,
    Lifetime,
}

impl Window {
    /// All windows in display order.
    pub const ALL: [Window; 6] = [
        Window::M1,
        Window::M3,
        Window::M6,
        Window::M9,
        Window::M12,
        Window::Lifetime,
    ];

    /// The `lookback` value in the long table (`1m` ... `12m`, `lifetime`).
    pub fn label(self) -> &'static str {
        match self {
            Window::M1 => "1m",
            Window::M3 => "3m",
            Window::M6 => "6m",
            Window::M9 => "9m",
            Window::M12 => "12m",
            Window::Lifetime => "lifetime",
        }
    }

    /// Length in months, `None` for lifetime.
    pub fn months(self) -> Option<u32> {
        match self {
            Window::M1 => Some(1),
            Window::M3 => Some(3),
            Window::M6 => Some(6),
            Window::M9 => Some(9),
            Window::M12 => Some(12),
            Window::Lifetime => None,
        }
    }

    /// Parses a label (`"3m"`, `"lifetime"`); case-insensitive.
    pub fn from_label(s: &str) -> Option<Window> {
        let s = s.trim().to_ascii_lowercase();
        Window::ALL.into_iter().find(|w| w.label() == s)
    }

    /// The window of `n` months, if `n` is one of 1, 3, 6, 9, 12.
    pub fn from_months(n: i64) -> Option<Window> {
        Window::ALL
            .into_iter()
            .find(|w| w.months().map(i64::from) == Some(n))
    }

    /// Name of the per-window MAP column in the profile table (`buckets_3m`).
    pub fn profile_column(self) -> String {
        format!("buckets_{}", self.label())
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// How a window of N months selects rows; see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// `[end - N months, end)`.
    #[default]
    Window,
    /// `date < end - N months` (everything up to N months ago).
    Cumulative,
}

impl Mode {
    pub fn label(self) -> &'static str {
        match self {
            Mode::Window => "window",
            Mode::Cumulative => "cumulative",
        }
    }

    pub fn from_label(s: &str) -> Option<Mode> {
        match s.trim().to_ascii_lowercase().as_str() {
            "window" => Some(Mode::Window),
            "cumulative" => Some(Mode::Cumulative),
            _ => None,
        }
    }
}

/// The as-of date of a job: the last day included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AsOf {
    /// The latest date in the source's date column, resolved at run time.
    #[default]
    Latest,
    /// A fixed last day.
    Date(NaiveDate),
}

/// A decile job, validated or not; call [`DecileJob::validate`] before generating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecileJob {
    /// Job name (also the definition file's stem).
    pub name: String,
    /// Optional free text shown in the pane.
    pub description: Option<String>,
    /// Source table, optionally `schema.table`.
    pub source: String,
    /// Identity column in the source (e.g. `member_id`).
    pub identity: String,
    /// SQL expression over the source's columns, summed per identity and category.
    pub metric: String,
    /// Category column: in the source, or in `category_table` when that is set.
    pub category: String,
    /// Optional dimension table holding the category.
    pub category_table: Option<String>,
    /// Key column of `category_table` joined to the identity.
    pub category_key: Option<String>,
    /// Date (or timestamp) column in the source.
    pub date_column: String,
    /// Lookback windows, distinct, in [`Window::ALL`] order.
    pub windows: Vec<Window>,
    pub as_of: AsOf,
    /// 4, 10 or 100.
    pub buckets: u32,
    /// Optional SQL condition over the source's columns.
    pub filter: Option<String>,
    /// Output tables are `<prefix>_deciles` and `<prefix>_deciles_profile`.
    pub output_prefix: String,
    pub mode: Mode,
}

/// A problem with a job spec, naming the offending key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{key}`: {message}")]
pub struct SpecError {
    pub key: &'static str,
    pub message: String,
}

impl SpecError {
    pub fn new(key: &'static str, message: impl Into<String>) -> Self {
        SpecError {
            key,
            message: message.into(),
        }
    }
}

/// A table the job reads and the columns it needs from it, each with the spec key
/// that named it (for error messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredTable {
    pub key: &'static str,
    pub table: String,
    pub columns: Vec<(&'static str, String)>,
}

/// Whether `s` is a usable job name (letters, digits, `_` and `-`; it names a file).
pub fn is_valid_job_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !s.starts_with('-')
}

/// The default output prefix for a job name (`-` becomes `_`).
pub fn default_prefix(name: &str) -> String {
    let p: String = name
        .chars()
        .map(|c| if c == '-' { '_' } else { c })
        .collect();
    if p.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{p}")
    } else {
        p
    }
}

/// Checks a trusted SQL fragment with the one lexer ([`crate::sql::check_fragment`]): it must
/// lex completely (every string, quoted name, `$$` string and comment closed), have no
/// top-level `;` and balanced parentheses, so that its parenthesized form is one expression.
pub(super) fn check_fragment(key: &'static str, frag: &str) -> Result<(), SpecError> {
    crate::sql::check_fragment(frag).map_err(|e| SpecError::new(key, e.to_string()))
}

fn check_name(key: &'static str, value: &str, what: &str) -> Result<(), SpecError> {
    if value.trim().is_empty() {
        return Err(SpecError::new(key, format!("missing {what}")));
    }
    if value.contains('\0') {
        return Err(SpecError::new(key, "contains a NUL character"));
    }
    Ok(())
}

fn check_table(key: &'static str, value: &str) -> Result<(), SpecError> {
    check_name(key, value, "table name")?;
    let parts: Vec<&str> = value.split('.').collect();
    if parts.len() > 2 || parts.iter().any(|p| p.is_empty()) {
        return Err(SpecError::new(
            key,
            format!("`{value}` is not a table name (`table` or `schema.table`)"),
        ));
    }
    Ok(())
}

impl DecileJob {
    /// A job with the defaults (all windows, latest date, 10 buckets, window mode) and
    /// the output prefix derived from the name.
    pub fn new(
        name: &str,
        source: &str,
        identity: &str,
        metric: &str,
        category: &str,
        date_column: &str,
    ) -> Self {
        DecileJob {
            name: name.to_string(),
            description: None,
            source: source.to_string(),
            identity: identity.to_string(),
            metric: metric.to_string(),
            category: category.to_string(),
            category_table: None,
            category_key: None,
            date_column: date_column.to_string(),
            windows: Window::ALL.to_vec(),
            as_of: AsOf::Latest,
            buckets: DEFAULT_BUCKETS,
            filter: None,
            output_prefix: default_prefix(name),
            mode: Mode::Window,
        }
    }

    /// `<prefix>_deciles`.
    pub fn long_table(&self) -> String {
        format!("{}_deciles", self.output_prefix)
    }

    /// `<prefix>_deciles_profile`.
    pub fn profile_table(&self) -> String {
        format!("{}_deciles_profile", self.output_prefix)
    }

    /// Checks everything that can be checked without a database. Column existence
    /// is checked by the runner against the catalog ([`Self::required_columns`]).
    pub fn validate(&self) -> Result<(), SpecError> {
        if !is_valid_job_name(&self.name) {
            return Err(SpecError::new(
                "name",
                format!(
                    "`{}` is not a job name (letters, digits, `_`, `-`; at most 64)",
                    self.name
                ),
            ));
        }
        check_table("source", &self.source)?;
        check_name("identity", &self.identity, "identity column")?;
        check_name("category", &self.category, "category column")?;
        check_name("date_column", &self.date_column, "date column")?;
        if self.metric.trim().is_empty() {
            return Err(SpecError::new("metric", "missing metric expression"));
        }
        check_fragment("metric", &self.metric)?;
        if let Some(f) = &self.filter {
            if f.trim().is_empty() {
                return Err(SpecError::new("filter", "empty filter (leave the key out)"));
            }
            check_fragment("filter", f)?;
        }
        match (&self.category_table, &self.category_key) {
            (Some(t), Some(k)) => {
                check_table("category_table", t)?;
                check_name("category_key", k, "key column")?;
            }
            (Some(_), None) => {
                return Err(SpecError::new(
                    "category_key",
                    "required with `category_table` (the column joined to the identity)",
                ));
            }
            (None, Some(_)) => {
                return Err(SpecError::new(
                    "category_table",
                    "`category_key` is set but `category_table` is not",
                ));
            }
            (None, None) => {}
        }
        if self.windows.is_empty() {
            return Err(SpecError::new("windows", "at least one window is required"));
        }
        let mut sorted = self.windows.clone();
        sorted.sort();
        sorted.dedup();
        if sorted != self.windows {
            return Err(SpecError::new(
                "windows",
                "windows must be distinct and in order (1m, 3m, 6m, 9m, 12m, lifetime)",
            ));
        }
        if !ALLOWED_BUCKETS.contains(&self.buckets) {
            return Err(SpecError::new(
                "buckets",
                format!("{} is not allowed (use 4, 10 or 100)", self.buckets),
            ));
        }
        if !is_plain_name(&self.output_prefix)
            || self.output_prefix.contains('.')
            || self.output_prefix.len() > 48
        {
            return Err(SpecError::new(
                "output_prefix",
                format!(
                    "`{}` is not a plain name (letters, digits, `_`; not starting with a digit)",
                    self.output_prefix
                ),
            ));
        }
        Ok(())
    }

    /// Tables and columns the job reads, for the runner's catalog check.
    pub fn required_columns(&self) -> Vec<RequiredTable> {
        let mut src = vec![
            ("identity", self.identity.clone()),
            ("date_column", self.date_column.clone()),
        ];
        let mut out = Vec::new();
        match (&self.category_table, &self.category_key) {
            (Some(t), Some(k)) => out.push(RequiredTable {
                key: "category_table",
                table: t.clone(),
                columns: vec![
                    ("category_key", k.clone()),
                    ("category", self.category.clone()),
                ],
            }),
            _ => src.push(("category", self.category.clone())),
        }
        out.insert(
            0,
            RequiredTable {
                key: "source",
                table: self.source.clone(),
                columns: src,
            },
        );
        out
    }

    /// The query that resolves [`AsOf::Latest`]: one row, one DATE (NULL when the
    /// source has no dated rows).
    pub fn latest_date_sql(&self) -> String {
        format!(
            "SELECT CAST(max({}) AS DATE) FROM {}",
            quote_ident(&self.date_column),
            quote_qualified(&self.source)
        )
    }
}

#[cfg(test)]
mod tests;
