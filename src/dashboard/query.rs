//! Running a widget's SQL: the saved query or inline text, filters bound, one
//! statement, at most [`MAX_ROWS`] rows kept (a dashboard draws a few hundred
//! cells; a bigger result is a query to aggregate, and the widget says so).

use std::path::Path;

use duckdb::Connection;
use duckdb::arrow::array::{Array, AsArray};
use duckdb::arrow::compute::cast;
use duckdb::arrow::datatypes::{DataType, Date32Type, Float64Type};

use super::model::Source;
use super::params::{Filters, bind};
use crate::engine::format::ColumnFormatter;

/// Rows kept of a widget's result.
pub const MAX_ROWS: usize = 20_000;

/// What a column holds, for choosing axes and alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColKind {
    Number,
    /// A date or timestamp: `nums` holds days since 1970-01-01.
    Time,
    Text,
}

/// One result column: values as numbers (where they are) and as display text.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub kind: ColKind,
    pub nums: Vec<Option<f64>>,
    /// `None` is SQL NULL.
    pub text: Vec<Option<String>>,
}

/// A widget's rows, column by column.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Data {
    pub columns: Vec<Column>,
    pub rows: usize,
    /// More rows existed than [`MAX_ROWS`].
    pub truncated: bool,
}

impl Data {
    pub fn column(&self, name: &str) -> Result<&Column, String> {
        self.columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                format!(
                    "no column `{name}` in the result (columns: {})",
                    self.columns
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
    }

    /// Builds data from literal columns (tests, starters' checks).
    pub fn from_columns(columns: Vec<Column>) -> Data {
        let rows = columns.first().map_or(0, |c| c.nums.len());
        Data {
            columns,
            rows,
            truncated: false,
        }
    }
}

impl Column {
    /// A numeric column (tests).
    pub fn numbers(name: &str, values: &[Option<f64>]) -> Column {
        Column {
            name: name.into(),
            kind: ColKind::Number,
            nums: values.to_vec(),
            text: values
                .iter()
                .map(|v| v.map(crate::engine::format::display_float))
                .collect(),
        }
    }

    /// A text column (tests).
    pub fn texts(name: &str, values: &[Option<&str>]) -> Column {
        Column {
            name: name.into(),
            kind: ColKind::Text,
            nums: vec![None; values.len()],
            text: values.iter().map(|v| v.map(str::to_string)).collect(),
        }
    }
}

/// The SQL text of a widget: inline, or read from `queries/NAME.sql`.
pub fn source_sql(root: &Path, source: &Source) -> Result<String, String> {
    match source {
        Source::Sql(s) => Ok(s.clone()),
        Source::Query(name) => {
            let path = root
                .join(crate::workspace::paths::folders::QUERIES)
                .join(format!("{name}.sql"));
            std::fs::read_to_string(&path)
                .map(|s| s.trim().trim_end_matches(';').to_string())
                .map_err(|e| format!("saved query `{name}` ({}): {e}", path.display()))
        }
    }
}

/// Runs `sql` with the filters bound and returns its first [`MAX_ROWS`] rows.
pub fn fetch(conn: &Connection, sql: &str, filters: &Filters) -> Result<Data, String> {
    let bound = bind(sql)?;
    let values = bound.values(filters);
    let mut stmt = crate::engine::sql::prepare_one(conn, &bound.sql).map_err(|e| e.to_string())?;
    let arrow = stmt
        .query_arrow(duckdb::params_from_iter(values.iter()))
        .map_err(|e| e.to_string())?;
    let schema = arrow.get_schema();
    let mut data = Data {
        columns: schema
            .fields()
            .iter()
            .map(|f| Column {
                name: f.name().clone(),
                kind: kind_of(f.data_type()),
                nums: Vec::new(),
                text: Vec::new(),
            })
            .collect(),
        rows: 0,
        truncated: false,
    };
    for batch in arrow {
        let take = batch.num_rows().min(MAX_ROWS - data.rows);
        for (col, array) in data.columns.iter_mut().zip(batch.columns()) {
            append(col, array.as_ref(), take)?;
        }
        data.rows += take;
        if take < batch.num_rows() {
            data.truncated = true;
            break;
        }
    }
    Ok(data)
}

/// The first column of the first row as text (`[dates] data_end_sql`, choices).
pub fn fetch_texts(conn: &Connection, sql: &str, limit: usize) -> Result<Vec<String>, String> {
    let mut stmt = crate::engine::sql::prepare_one(conn, sql).map_err(|e| e.to_string())?;
    let mut rows = stmt.query([]).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(|e| e.to_string())? {
        if out.len() >= limit {
            break;
        }
        let v: duckdb::types::Value = row.get(0).map_err(|e| e.to_string())?;
        let text = match v {
            duckdb::types::Value::Null => continue,
            duckdb::types::Value::Text(s) => s,
            duckdb::types::Value::Date32(d) => (chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
                .unwrap_or_default()
                + chrono::Duration::days(i64::from(d)))
            .to_string(),
            other => format!("{other:?}"),
        };
        out.push(text);
    }
    Ok(out)
}

/// The last day of the data: `data_end_sql`'s value as a date.
pub fn data_end(conn: &Connection, sql: &str) -> Result<Option<chrono::NaiveDate>, String> {
    let wrapped = format!(
        "SELECT CAST({} AS DATE)",
        crate::sql::parenthesize(sql.trim().trim_end_matches(';'))
    );
    let mut stmt = crate::engine::sql::prepare_one(conn, &wrapped).map_err(|e| e.to_string())?;
    stmt.query_row([], |r| r.get::<_, Option<chrono::NaiveDate>>(0))
        .map_err(|e| e.to_string())
}

fn kind_of(dt: &DataType) -> ColKind {
    match dt {
        DataType::Date32 | DataType::Date64 | DataType::Timestamp(..) => ColKind::Time,
        d if d.is_numeric() => ColKind::Number,
        _ => ColKind::Text,
    }
}

fn append(col: &mut Column, array: &dyn Array, take: usize) -> Result<(), String> {
    let fmt = ColumnFormatter::new(array, true);
    for i in 0..take {
        let cell = fmt.cell(i);
        col.text.push((!cell.null).then_some(cell.text));
    }
    match col.kind {
        ColKind::Number => {
            let f = cast(array, &DataType::Float64).map_err(|e| e.to_string())?;
            let f = f.as_primitive::<Float64Type>();
            col.nums
                .extend((0..take).map(|i| (!f.is_null(i)).then(|| f.value(i))));
        }
        ColKind::Time => {
            let d = cast(array, &DataType::Date32).map_err(|e| e.to_string())?;
            let d = d.as_primitive::<Date32Type>();
            col.nums
                .extend((0..take).map(|i| (!d.is_null(i)).then(|| f64::from(d.value(i)))));
        }
        ColKind::Text => col.nums.extend(std::iter::repeat_n(None, take)),
    }
    Ok(())
}
