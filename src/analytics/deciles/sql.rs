//! SQL generation for a validated [`DecileJob`]: window bounds and the two
//! `CREATE OR REPLACE TABLE` statements of a run.

use chrono::{Days, Months, NaiveDate};

use super::{DecileJob, Mode, SpecError, Window, check_fragment};
use crate::sql::{parenthesize, quote_ident, quote_literal, quote_qualified};

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

impl DecileJob {
    /// Generates the run's SQL for the resolved `as_of` (last day included).
    pub fn build_sql(&self, as_of: NaiveDate) -> Result<DecileSql, SpecError> {
        self.validate()?;
        check_fragment("metric", &self.metric)?;
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
        let source = quote_qualified(&self.source);

        // src: the source rows the job counts, before the category is attached.
        let mut src_cols = vec![format!("{id} AS id")];
        if self.category_table.is_none() {
            src_cols.push(format!("{} AS category", quote_ident(&self.category)));
        }
        src_cols.push(format!("{date} AS d"));
        src_cols.push(format!("{} AS v", parenthesize(&self.metric)));
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
            check_fragment("filter", f)?;
            conds.push(parenthesize(f));
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
                    tbl = quote_qualified(t)
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

        // The profile: every identity of the source, one MAP(category -> bucket) per
        // window. Most identities sit in one category per window: their map is built
        // directly; only the others go through a (sorted) list aggregate, which is the
        // slow part at a million identities. One join per window pivots the maps.
        let joins: Vec<String> = self
            .windows
            .iter()
            .enumerate()
            .map(|(i, w)| {
                format!(
                    "LEFT JOIN (SELECT id, m FROM maps WHERE lookback = {}) AS w{i} ON w{i}.id = ids.id",
                    quote_literal(w.label())
                )
            })
            .collect();
        let out_cols: Vec<String> = self
            .windows
            .iter()
            .enumerate()
            .map(|(i, w)| {
                format!(
                    "coalesce(w{i}.m, MAP {{}}) AS {}",
                    quote_ident(&w.profile_column())
                )
            })
            .collect();
        let profile_sql = format!(
            "CREATE OR REPLACE TABLE {pt} AS\n\
             WITH ids AS (\n    SELECT DISTINCT {id} AS id FROM {source} WHERE {id} IS NOT NULL\n),\n\
             per AS (\n    SELECT id, lookback, count(*) AS n, any_value(category) AS category, any_value(bucket) AS bucket\n    FROM {lt}\n    GROUP BY id, lookback\n),\n\
             multi AS (\n    SELECT l.id, l.lookback, map_from_entries(list_sort(list({{'key': l.category, 'value': l.bucket}}))) AS m\n    FROM {lt} AS l\n    SEMI JOIN (SELECT id, lookback FROM per WHERE n > 1) AS x ON x.id = l.id AND x.lookback = l.lookback\n    GROUP BY l.id, l.lookback\n),\n\
             maps AS (\n    SELECT per.id, per.lookback,\n        CASE WHEN per.n = 1 THEN MAP([per.category], [per.bucket]) ELSE multi.m END AS m\n    FROM per LEFT JOIN multi ON multi.id = per.id AND multi.lookback = per.lookback\n)\n\
             SELECT ids.id,\n    {}\nFROM ids\n{}",
            out_cols.join(",\n    "),
            joins.join("\n"),
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
