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
//! SQL pane is); they are checked for a top-level `;` and balanced parentheses and
//! wrapped in parentheses. Every identifier is quoted with [`quote_ident`] and must be
//! checked against the catalog by the runner ([`DecileJob::required_columns`]); dates
//! are emitted as `DATE '...'` literals via [`quote_literal`].

use std::fmt;

use chrono::{Days, Months, NaiveDate};

use crate::engine::sql::{quote_ident, quote_literal};

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

/// Date bounds of one window: rows with `start <= date < end` (no lower bound when
/// `start` is `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowBounds {
    pub window: Window,
    pub start: Option<NaiveDate>,
    pub end: NaiveDate,
}

/// The generated SQL of one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecileSql {
    pub as_of: NaiveDate,
    pub bounds: Vec<WindowBounds>,
    pub long_table: String,
    pub profile_table: String,
    /// The statements to run inside one transaction, in order.
    pub statements: Vec<String>,
}

impl DecileSql {
    /// The whole run as one script (`BEGIN; ...; COMMIT;`), for display, the SQL pane
    /// and running the job outside clvdesk.
    pub fn script(&self, header: &str) -> String {
        let mut out = String::new();
        for line in header.lines() {
            out.push_str("-- ");
            out.push_str(line);
            out.push('\n');
        }
        out.push_str("BEGIN TRANSACTION;\n\n");
        for s in &self.statements {
            out.push_str(s);
            out.push_str(";\n\n");
        }
        out.push_str("COMMIT;\n");
        out
    }
}

/// Window bounds for `as_of` (last day included); see the module docs.
pub fn window_bounds(mode: Mode, as_of: NaiveDate, window: Window) -> WindowBounds {
    let end = as_of.checked_add_days(Days::new(1)).unwrap_or(as_of);
    let back = |n: u32| end.checked_sub_months(Months::new(n)).unwrap_or(end);
    match (window.months(), mode) {
        (None, _) => WindowBounds {
            window,
            start: None,
            end,
        },
        (Some(n), Mode::Window) => WindowBounds {
            window,
            start: Some(back(n)),
            end,
        },
        (Some(n), Mode::Cumulative) => WindowBounds {
            window,
            start: None,
            end: back(n),
        },
    }
}

fn date_lit(d: NaiveDate) -> String {
    format!("DATE {}", quote_literal(&d.format("%Y-%m-%d").to_string()))
}

/// Quotes `table` or `schema.table` part by part.
pub fn quote_table(name: &str) -> String {
    name.split('.')
        .map(quote_ident)
        .collect::<Vec<_>>()
        .join(".")
}

/// Whether `s` is a plain SQL name: ASCII letters, digits and `_`, not starting with
/// a digit.
fn is_plain(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
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

/// Checks a trusted SQL fragment: no top-level `;`, parentheses balanced outside
/// quotes and comments. Returns whether it contains a `--` line comment.
fn check_fragment(key: &'static str, frag: &str) -> Result<bool, SpecError> {
    let b = frag.as_bytes();
    let mut depth: i64 = 0;
    let mut line_comment = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"') => {
                let mut j = i + 1;
                loop {
                    match b.get(j) {
                        None => {
                            return Err(SpecError::new(key, "unterminated quote"));
                        }
                        Some(&c) if c == q => {
                            if b.get(j + 1) == Some(&q) {
                                j += 2;
                                continue;
                            }
                            break;
                        }
                        Some(_) => j += 1,
                    }
                }
                i = j + 1;
                continue;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                line_comment = true;
                i = b[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(b.len(), |p| i + p + 1);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                match frag[i + 2..].find("*/") {
                    Some(p) => i = i + 2 + p + 2,
                    None => return Err(SpecError::new(key, "unterminated /* comment")),
                }
                continue;
            }
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth < 0 {
                    return Err(SpecError::new(key, "unbalanced `)`"));
                }
            }
            b';' => {
                return Err(SpecError::new(
                    key,
                    "must be one expression: `;` is not allowed",
                ));
            }
            _ => {}
        }
        i += 1;
    }
    if depth != 0 {
        return Err(SpecError::new(key, "unbalanced `(`"));
    }
    Ok(line_comment)
}

/// Wraps a checked fragment in parentheses (closing on a new line when it ends in a
/// line comment).
fn wrap(frag: &str, line_comment: bool) -> String {
    let f = frag.trim();
    if line_comment {
        format!("({f}\n)")
    } else {
        format!("({f})")
    }
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
        if !is_plain(&self.output_prefix) || self.output_prefix.len() > 48 {
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
            quote_table(&self.source)
        )
    }

    /// Generates the run's SQL for the resolved `as_of` (last day included).
    pub fn build_sql(&self, as_of: NaiveDate) -> Result<DecileSql, SpecError> {
        self.validate()?;
        let metric_lc = check_fragment("metric", &self.metric)?;
        let bounds: Vec<WindowBounds> = self
            .windows
            .iter()
            .map(|&w| window_bounds(self.mode, as_of, w))
            .collect();
        let end = window_bounds(self.mode, as_of, Window::Lifetime).end;
        let long_table = self.long_table();
        let profile_table = self.profile_table();
        let id = quote_ident(&self.identity);
        let date = quote_ident(&self.date_column);
        let source = quote_table(&self.source);

        // src: the source rows the job counts, before the category is attached.
        let mut src_cols = vec![format!("{id} AS id")];
        if self.category_table.is_none() {
            src_cols.push(format!("{} AS category", quote_ident(&self.category)));
        }
        src_cols.push(format!("{date} AS d"));
        src_cols.push(format!("{} AS v", wrap(&self.metric, metric_lc)));
        let mut conds = vec![
            format!("{id} IS NOT NULL"),
            format!("{date} < {}", date_lit(end)),
        ];
        // In window mode without lifetime, nothing older than the longest window counts.
        let lower = if self.windows.contains(&Window::Lifetime) || self.mode == Mode::Cumulative {
            None
        } else {
            bounds.iter().filter_map(|b| b.start).min()
        };
        if let Some(lo) = lower {
            conds.push(format!("{date} >= {}", date_lit(lo)));
        }
        if let Some(f) = &self.filter {
            let lc = check_fragment("filter", f)?;
            conds.push(wrap(f, lc));
        }
        let src = format!(
            "src AS (\n    SELECT {}\n    FROM {source}\n    WHERE {}\n)",
            src_cols.join(", "),
            conds.join("\n      AND ")
        );

        // agg: one pass, one conditional sum per window.
        let sums: Vec<String> = bounds
            .iter()
            .map(|b| {
                let cond = match (b.start, b.end == end) {
                    (None, true) => None,
                    (Some(s), true) => Some(format!("d >= {}", date_lit(s))),
                    (None, false) => Some(format!("d < {}", date_lit(b.end))),
                    (Some(s), false) => {
                        Some(format!("d >= {} AND d < {}", date_lit(s), date_lit(b.end)))
                    }
                };
                let col = quote_ident(&format!("t_{}", b.window.label()));
                match cond {
                    Some(c) => format!("sum(v) FILTER (WHERE {c}) AS {col}"),
                    None => format!("sum(v) AS {col}"),
                }
            })
            .collect();
        let (agg_from, agg_cols) = match (&self.category_table, &self.category_key) {
            (Some(t), Some(k)) => (
                format!(
                    "src\n    JOIN (SELECT DISTINCT {key} AS id, {cat} AS category FROM {tbl}) AS dim\n      ON dim.id = src.id",
                    key = quote_ident(k),
                    cat = quote_ident(&self.category),
                    tbl = quote_table(t)
                ),
                "src.id, dim.category",
            ),
            _ => ("src".to_string(), "id, category"),
        };
        let agg = format!(
            "agg AS (\n    SELECT {agg_cols},\n        {}\n    FROM {agg_from}\n    WHERE category IS NOT NULL\n    GROUP BY ALL\n)",
            sums.join(",\n        ")
        );
        let long_parts: Vec<String> = self
            .windows
            .iter()
            .map(|w| {
                let col = quote_ident(&format!("t_{}", w.label()));
                format!(
                    "    SELECT id, {} AS lookback, category, {col} AS total FROM agg WHERE {col} IS NOT NULL",
                    quote_literal(w.label())
                )
            })
            .collect();
        let long = format!("windowed AS (\n{}\n)", long_parts.join("\n    UNION ALL\n"));
        let long_sql = format!(
            "CREATE OR REPLACE TABLE {lt} AS\nWITH {src},\n{agg},\n{long}\nSELECT id, lookback, category,\n    NTILE({k}) OVER (PARTITION BY lookback, category ORDER BY total DESC, id) AS bucket,\n    total\nFROM windowed",
            lt = quote_ident(&long_table),
            k = self.buckets,
        );

        // The profile: every identity of the source, one MAP(category -> bucket) per window.
        let map_cols: Vec<String> = self
            .windows
            .iter()
            .map(|w| {
                format!(
                    "map_from_entries(list({{'key': category, 'value': bucket}} ORDER BY category) FILTER (WHERE lookback = {})) AS {}",
                    quote_literal(w.label()),
                    quote_ident(&w.profile_column())
                )
            })
            .collect();
        let out_cols: Vec<String> = self
            .windows
            .iter()
            .map(|w| {
                let c = quote_ident(&w.profile_column());
                format!("coalesce(maps.{c}, MAP {{}}) AS {c}")
            })
            .collect();
        let profile_sql = format!(
            "CREATE OR REPLACE TABLE {pt} AS\nWITH ids AS (\n    SELECT DISTINCT {id} AS id FROM {source} WHERE {id} IS NOT NULL\n),\nmaps AS (\n    SELECT id,\n        {}\n    FROM {lt}\n    GROUP BY id\n)\nSELECT ids.id,\n    {}\nFROM ids LEFT JOIN maps ON maps.id = ids.id",
            map_cols.join(",\n        "),
            out_cols.join(",\n    "),
            pt = quote_ident(&profile_table),
            lt = quote_ident(&long_table),
        );

        Ok(DecileSql {
            as_of,
            bounds,
            long_table,
            profile_table,
            statements: vec![long_sql, profile_sql],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn loyalty() -> DecileJob {
        let mut j = DecileJob::new(
            "loyalty_miles",
            "loyalty_transactions",
            "member_id",
            "miles",
            "loyalty_status",
            "txn_date",
        );
        j.category_table = Some("customers".into());
        j.category_key = Some("customer_id".into());
        j.windows = vec![
            Window::M1,
            Window::M3,
            Window::M6,
            Window::M12,
            Window::Lifetime,
        ];
        j.filter = Some("transaction_type = 'STATUS_MILES'".into());
        j
    }

    #[test]
    fn window_bounds_include_as_of_day() {
        let b = window_bounds(Mode::Window, d("2025-12-31"), Window::M1);
        assert_eq!(b.start, Some(d("2025-12-01")));
        assert_eq!(b.end, d("2026-01-01"));
        let b = window_bounds(Mode::Window, d("2025-12-31"), Window::M12);
        assert_eq!(b.start, Some(d("2025-01-01")));
        let b = window_bounds(Mode::Window, d("2025-12-31"), Window::Lifetime);
        assert_eq!((b.start, b.end), (None, d("2026-01-01")));
    }

    #[test]
    fn window_bounds_mid_month_and_month_end_clamp() {
        let b = window_bounds(Mode::Window, d("2025-06-14"), Window::M3);
        assert_eq!((b.start, b.end), (Some(d("2025-03-15")), d("2025-06-15")));
        // end = 2025-03-31; one month back clamps to the end of February.
        let b = window_bounds(Mode::Window, d("2025-03-30"), Window::M1);
        assert_eq!((b.start, b.end), (Some(d("2025-02-28")), d("2025-03-31")));
    }

    #[test]
    fn cumulative_bounds_move_the_end_back() {
        let b = window_bounds(Mode::Cumulative, d("2025-12-31"), Window::M3);
        assert_eq!((b.start, b.end), (None, d("2025-10-01")));
        let b = window_bounds(Mode::Cumulative, d("2025-12-31"), Window::Lifetime);
        assert_eq!((b.start, b.end), (None, d("2026-01-01")));
    }

    #[test]
    fn labels_round_trip() {
        for w in Window::ALL {
            assert_eq!(Window::from_label(w.label()), Some(w));
        }
        assert_eq!(Window::from_months(9), Some(Window::M9));
        assert_eq!(Window::from_months(2), None);
        assert_eq!(Window::from_label("LIFETIME"), Some(Window::Lifetime));
        assert_eq!(Mode::from_label("Cumulative"), Some(Mode::Cumulative));
    }

    #[test]
    fn validate_buckets() {
        let mut j = loyalty();
        for k in [4, 10, 100] {
            j.buckets = k;
            assert!(j.validate().is_ok());
        }
        j.buckets = 5;
        assert_eq!(j.validate().unwrap_err().key, "buckets");
    }

    #[test]
    fn validate_names_and_fragments() {
        let mut j = loyalty();
        j.name = "bad name".into();
        assert_eq!(j.validate().unwrap_err().key, "name");

        let mut j = loyalty();
        j.metric = "miles; DROP TABLE customers".into();
        assert_eq!(j.validate().unwrap_err().key, "metric");

        let mut j = loyalty();
        j.filter = Some("a = 1) OR (1 = 1".into());
        assert_eq!(j.validate().unwrap_err().key, "filter");

        // `;` and parentheses inside quotes and comments are fine.
        let mut j = loyalty();
        j.filter = Some("details <> 'a;b)' -- (note".into());
        assert!(j.validate().is_ok());

        let mut j = loyalty();
        j.category_key = None;
        assert_eq!(j.validate().unwrap_err().key, "category_key");

        let mut j = loyalty();
        j.output_prefix = "1x".into();
        assert_eq!(j.validate().unwrap_err().key, "output_prefix");

        let mut j = loyalty();
        j.windows = vec![Window::M3, Window::M1];
        assert_eq!(j.validate().unwrap_err().key, "windows");
        j.windows.clear();
        assert_eq!(j.validate().unwrap_err().key, "windows");

        let mut j = loyalty();
        j.source = "a.b.c".into();
        assert_eq!(j.validate().unwrap_err().key, "source");
        j.source = "main.loyalty".into();
        assert!(j.validate().is_ok());
    }

    #[test]
    fn default_prefix_is_a_plain_name() {
        assert_eq!(default_prefix("loyalty-miles"), "loyalty_miles");
        assert_eq!(default_prefix("2024_q1"), "_2024_q1");
        assert!(is_plain(&default_prefix("2024-q1")));
    }

    #[test]
    fn required_columns_follow_the_category_source() {
        let j = loyalty();
        let req = j.required_columns();
        assert_eq!(req.len(), 2);
        assert_eq!(req[0].table, "loyalty_transactions");
        assert_eq!(
            req[0].columns,
            vec![
                ("identity", "member_id".to_string()),
                ("date_column", "txn_date".to_string())
            ]
        );
        assert_eq!(req[1].table, "customers");
        assert_eq!(
            req[1].columns[1],
            ("category", "loyalty_status".to_string())
        );

        let mut j = loyalty();
        j.category_table = None;
        j.category_key = None;
        let req = j.required_columns();
        assert_eq!(req.len(), 1);
        assert_eq!(
            req[0].columns[2],
            ("category", "loyalty_status".to_string())
        );
    }

    #[test]
    fn sql_for_the_starter_job() {
        let sql = loyalty().build_sql(d("2025-12-31")).unwrap();
        assert_eq!(sql.long_table, "loyalty_miles_deciles");
        assert_eq!(sql.profile_table, "loyalty_miles_deciles_profile");
        assert_eq!(sql.statements.len(), 2);
        let long = &sql.statements[0];
        assert!(long.starts_with("CREATE OR REPLACE TABLE \"loyalty_miles_deciles\" AS"));
        assert!(long.contains("FROM \"loyalty_transactions\""));
        assert!(long.contains("\"txn_date\" < DATE '2026-01-01'"));
        assert!(long.contains("(transaction_type = 'STATUS_MILES')"));
        assert!(long.contains(
            "JOIN (SELECT DISTINCT \"customer_id\" AS id, \"loyalty_status\" AS category FROM \"customers\") AS dim"
        ));
        assert!(long.contains("sum(v) FILTER (WHERE d >= DATE '2025-12-01') AS \"t_1m\""));
        assert!(long.contains("sum(v) FILTER (WHERE d >= DATE '2025-01-01') AS \"t_12m\""));
        assert!(long.contains("sum(v) AS \"t_lifetime\""));
        assert!(long.contains(
            "NTILE(10) OVER (PARTITION BY lookback, category ORDER BY total DESC, id) AS bucket"
        ));
        assert!(!long.contains("t_9m"));
        // Lifetime present: no lower bound on the scan.
        assert!(!long.contains("\"txn_date\" >="));
        let profile = &sql.statements[1];
        assert!(
            profile.contains("SELECT DISTINCT \"member_id\" AS id FROM \"loyalty_transactions\"")
        );
        assert!(
            profile.contains("coalesce(maps.\"buckets_lifetime\", MAP {}) AS \"buckets_lifetime\"")
        );
        assert!(profile.contains("FILTER (WHERE lookback = '3m')) AS \"buckets_3m\""));
        let script = sql.script("decile job loyalty_miles\nas_of 2025-12-31");
        assert!(
            script.starts_with(
                "-- decile job loyalty_miles\n-- as_of 2025-12-31\nBEGIN TRANSACTION;"
            )
        );
        assert!(script.trim_end().ends_with("COMMIT;"));
    }

    #[test]
    fn window_mode_without_lifetime_bounds_the_scan() {
        let mut j = loyalty();
        j.windows = vec![Window::M1, Window::M6];
        let sql = j.build_sql(d("2025-12-31")).unwrap();
        assert!(sql.statements[0].contains("\"txn_date\" >= DATE '2025-07-01'"));
    }

    #[test]
    fn cumulative_mode_sums_everything_before_the_cutoff() {
        let mut j = loyalty();
        j.mode = Mode::Cumulative;
        j.windows = vec![Window::M3, Window::Lifetime];
        let sql = j.build_sql(d("2025-12-31")).unwrap();
        let long = &sql.statements[0];
        assert!(long.contains("sum(v) FILTER (WHERE d < DATE '2025-10-01') AS \"t_3m\""));
        assert!(long.contains("sum(v) AS \"t_lifetime\""));
        assert!(!long.contains("d >="));
    }

    #[test]
    fn identifiers_are_quoted_and_category_may_live_in_the_source() {
        let mut j = DecileJob::new("x", "main.we\"ird", "cust id", "amount * 2", "seg\"x", "ts");
        j.buckets = 4;
        j.windows = vec![Window::M9];
        let sql = j.build_sql(d("2024-02-29")).unwrap();
        let long = &sql.statements[0];
        assert!(long.contains("FROM \"main\".\"we\"\"ird\""));
        assert!(long.contains(
            "SELECT \"cust id\" AS id, \"seg\"\"x\" AS category, \"ts\" AS d, (amount * 2) AS v"
        ));
        assert!(long.contains("NTILE(4)"));
        assert!(!long.contains("JOIN"));
        // 2024-03-01 - 9 months
        assert!(long.contains("d >= DATE '2023-06-01'"));
    }

    #[test]
    fn line_comment_in_a_fragment_cannot_swallow_the_rest() {
        let mut j = loyalty();
        j.metric = "miles -- status miles".into();
        let sql = j.build_sql(d("2025-12-31")).unwrap();
        assert!(sql.statements[0].contains("(miles -- status miles\n) AS v"));
    }

    #[test]
    fn latest_date_query() {
        assert_eq!(
            loyalty().latest_date_sql(),
            "SELECT CAST(max(\"txn_date\") AS DATE) FROM \"loyalty_transactions\""
        );
    }
}
