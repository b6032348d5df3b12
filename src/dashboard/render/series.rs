//! From a result and the widget's column roles to what charts draw: categories
//! (the x values, in order) and one aligned value list per series. Also the
//! downsampling that puts many points into few cells.

use super::super::model::{Roles, ValueFormat};
use super::super::query::{ColKind, Column, Data};

/// Series over shared categories.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesSet {
    /// Text of each x value, in order of first appearance.
    pub categories: Vec<String>,
    /// Numeric x of each category (dates as days), when the x column has numbers.
    pub xs: Vec<Option<f64>>,
    pub x_kind: ColKind,
    /// (name, one value per category).
    pub series: Vec<(String, Vec<Option<f64>>)>,
}

impl SeriesSet {
    /// All finite values, for scales.
    pub fn range(&self) -> Option<(f64, f64)> {
        let mut it = self
            .series
            .iter()
            .flat_map(|(_, v)| v.iter().flatten().copied())
            .filter(|v| v.is_finite());
        let first = it.next()?;
        Some(it.fold((first, first), |(lo, hi), v| (lo.min(v), hi.max(v))))
    }
}

/// The x column: the `x` role, else the first column.
pub fn x_column<'a>(data: &'a Data, roles: &Roles) -> Result<&'a Column, String> {
    match &roles.x {
        Some(x) => data.column(x),
        None => data
            .columns
            .first()
            .ok_or_else(|| "the query returned no columns".to_string()),
    }
}

/// The value columns: the `y` role, else every numeric column other than `skip`.
pub fn value_columns<'a>(
    data: &'a Data,
    roles: &Roles,
    skip: &[&str],
) -> Result<Vec<&'a Column>, String> {
    if !roles.y.is_empty() {
        return roles.y.iter().map(|y| data.column(y)).collect();
    }
    let cols: Vec<&Column> = data
        .columns
        .iter()
        .filter(|c| {
            c.kind == ColKind::Number && !skip.iter().any(|s| s.eq_ignore_ascii_case(&c.name))
        })
        .collect();
    if cols.is_empty() {
        return Err(format!(
            "no numeric column to draw (columns: {}); name one with `y`",
            data.columns
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(cols)
}

/// Categories × series from the roles: wide (several `y` columns) or long
/// (a `series` column whose values name the series).
pub fn series_set(data: &Data, roles: &Roles) -> Result<SeriesSet, String> {
    let x = x_column(data, roles)?;
    let mut categories: Vec<String> = Vec::new();
    let mut xs: Vec<Option<f64>> = Vec::new();
    let mut index = std::collections::HashMap::new();
    let mut cat_of_row = Vec::with_capacity(data.rows);
    for r in 0..data.rows {
        let text = x.text[r].clone().unwrap_or_else(|| "NULL".into());
        let i = *index.entry(text.clone()).or_insert_with(|| {
            categories.push(text);
            xs.push(x.nums[r]);
            categories.len() - 1
        });
        cat_of_row.push(i);
    }
    let n = categories.len();
    let series = match &roles.series {
        Some(s) => {
            let scol = data.column(s)?;
            let skip = [x.name.as_str(), scol.name.as_str()];
            let v = value_columns(data, roles, &skip)?[0];
            let mut out: Vec<(String, Vec<Option<f64>>)> = Vec::new();
            for (r, &cat) in cat_of_row.iter().enumerate() {
                let name = scol.text[r].clone().unwrap_or_else(|| "NULL".into());
                let pos = match out.iter().position(|(n2, _)| *n2 == name) {
                    Some(p) => p,
                    None => {
                        out.push((name, vec![None; n]));
                        out.len() - 1
                    }
                };
                out[pos].1[cat] = v.nums[r];
            }
            out
        }
        None => {
            let cols = value_columns(data, roles, &[x.name.as_str()])?;
            cols.iter()
                .map(|c| {
                    let mut vals = vec![None; n];
                    for r in 0..data.rows {
                        vals[cat_of_row[r]] = c.nums[r];
                    }
                    (c.name.clone(), vals)
                })
                .collect()
        }
    };
    let mut set = SeriesSet {
        categories,
        xs,
        x_kind: x.kind,
        series,
    };
    // Long data whose x is a number or date: series may start at different
    // x values, so order the categories by x (wide data keeps the query's order).
    if roles.series.is_some() && x.kind != ColKind::Text && set.xs.iter().all(Option::is_some) {
        let mut order: Vec<usize> = (0..set.categories.len()).collect();
        order.sort_by(|a, b| {
            set.xs[*a]
                .partial_cmp(&set.xs[*b])
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        set.categories = order.iter().map(|&i| set.categories[i].clone()).collect();
        set.xs = order.iter().map(|&i| set.xs[i]).collect();
        for (_, v) in &mut set.series {
            *v = order.iter().map(|&i| v[i]).collect();
        }
    }
    Ok(set)
}

/// One cell's worth of points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    pub min: f64,
    pub max: f64,
    pub mean: f64,
}

/// Splits `values` into `cells` consecutive buckets (the first ones one point
/// longer when it does not divide); `None` for a bucket with no finite value.
/// With fewer values than cells each value is its own bucket.
pub fn downsample(values: &[Option<f64>], cells: usize) -> Vec<Option<Bucket>> {
    if cells == 0 {
        return Vec::new();
    }
    let n = values.len();
    let buckets = n.min(cells);
    (0..buckets)
        .map(|i| {
            let lo = i * n / buckets;
            let hi = ((i + 1) * n / buckets).max(lo + 1);
            let vals: Vec<f64> = values[lo..hi]
                .iter()
                .flatten()
                .copied()
                .filter(|v| v.is_finite())
                .collect();
            if vals.is_empty() {
                return None;
            }
            let (min, max) = vals
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                    (a.min(*v), b.max(*v))
                });
            Some(Bucket {
                min,
                max,
                mean: vals.iter().sum::<f64>() / vals.len() as f64,
            })
        })
        .collect()
}

/// A value as text for a label: a percentage, or an amount (`1,234.50`).
pub fn value_text(v: f64, format: ValueFormat) -> String {
    match format {
        ValueFormat::Percent => format!("{:.1}%", v * 100.0),
        ValueFormat::Number => {
            if v.abs() >= 1.0 || v == 0.0 {
                crate::engine::format::amount(v)
            } else {
                format!("{v:.3}")
            }
        }
    }
}

/// `value_text` shortened to `cols` (never cut: `12.3k`, then `…`).
pub fn fit_value(v: f64, format: ValueFormat, cols: usize) -> String {
    crate::engine::format::fit_number(&value_text(v, format), cols)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downsampling_keeps_extremes_and_means() {
        let v: Vec<Option<f64>> = (0..1000).map(|i| Some(i as f64)).collect();
        let b = downsample(&v, 20);
        assert_eq!(b.len(), 20);
        let first = b[0].unwrap();
        assert_eq!((first.min, first.max, first.mean), (0.0, 49.0, 24.5));
        let last = b[19].unwrap();
        assert_eq!((last.min, last.max), (950.0, 999.0));
        // A spike survives as a max even when the mean hides it.
        let mut spiky = vec![Some(0.0); 1000];
        spiky[500] = Some(1e6);
        let b = downsample(&spiky, 20);
        assert_eq!(b[10].unwrap().max, 1e6);
        assert!(b[10].unwrap().mean < 1e6 / 10.0);
        // Fewer points than cells: one each; NULLs stay gaps.
        let b = downsample(&[Some(1.0), None, Some(-2.0)], 20);
        assert_eq!(b.len(), 3);
        assert!(b[1].is_none());
        assert_eq!(b[2].unwrap().min, -2.0);
        assert!(downsample(&[], 5).is_empty());
    }

    #[test]
    fn long_and_wide_series() {
        let data = Data::from_columns(vec![
            Column::texts("m", &[Some("a"), Some("a"), Some("b"), Some("b")]),
            Column::texts("s", &[Some("x"), Some("y"), Some("x"), Some("y")]),
            Column::numbers("v", &[Some(1.0), Some(2.0), Some(3.0), None]),
        ]);
        let roles = Roles {
            series: Some("s".into()),
            ..Roles::default()
        };
        let s = series_set(&data, &roles).unwrap();
        assert_eq!(s.categories, ["a", "b"]);
        assert_eq!(s.series[0], ("x".into(), vec![Some(1.0), Some(3.0)]));
        assert_eq!(s.series[1], ("y".into(), vec![Some(2.0), None]));
        let wide = series_set(&data, &Roles::default()).unwrap();
        assert_eq!(wide.series.len(), 1);
        let err = series_set(
            &data,
            &Roles {
                y: vec!["nope".into()],
                ..Roles::default()
            },
        )
        .unwrap_err();
        assert!(
            err.contains("nope") && err.contains("columns: m, s, v"),
            "{err}"
        );
    }
}
