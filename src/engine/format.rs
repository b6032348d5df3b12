//! Turning Arrow cells into display text. Only cells that are drawn or
//! printed are formatted; a [`ColumnFormatter`] is built once per column and page.

use duckdb::arrow::array::{Array, ArrayRef, AsArray};
use duckdb::arrow::datatypes::{DataType, Float64Type};
use duckdb::arrow::util::display::{ArrayFormatter, FormatOptions};

/// Horizontal alignment of a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A formatted cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellText {
    pub text: String,
    pub align: Align,
    pub null: bool,
}

/// Whether values of this type are numbers (right-aligned, grouped).
pub fn is_numeric(dt: &DataType) -> bool {
    dt.is_numeric()
}

/// Alignment for a column type.
pub fn align_for(dt: &DataType) -> Align {
    if is_numeric(dt) {
        Align::Right
    } else {
        Align::Left
    }
}

/// Most decimals shown for a float unless configured (`grid.float_digits`).
pub const DEFAULT_FLOAT_DIGITS: u8 = 6;

/// Formats cells of one column.
pub struct ColumnFormatter<'a> {
    array: &'a dyn Array,
    float_digits: u8,
    /// Logical nulls: a NULL-typed column has no validity buffer, yet every value is NULL.
    nulls: Option<duckdb::arrow::buffer::NullBuffer>,
    inner: Option<ArrayFormatter<'a>>,
    align: Align,
    group: bool,
}

const OPTIONS: FormatOptions<'static> = FormatOptions::new().with_display_error(true);

impl<'a> ColumnFormatter<'a> {
    /// `group_thousands` inserts `,` separators into numbers (for display, not for data files).
    pub fn new(array: &'a dyn Array, group_thousands: bool) -> Self {
        let inner = ArrayFormatter::try_new(array, &OPTIONS).ok();
        let align = align_for(array.data_type());
        Self {
            array,
            float_digits: DEFAULT_FLOAT_DIGITS,
            nulls: array.logical_nulls(),
            inner,
            align,
            group: group_thousands && align == Align::Right,
        }
    }

    /// Show floats with at most `digits` decimals (display grouping only).
    pub fn with_float_digits(mut self, digits: u8) -> Self {
        self.float_digits = digits;
        self
    }

    pub fn cell(&self, row: usize) -> CellText {
        if self.nulls.as_ref().is_some_and(|n| n.is_null(row)) {
            return CellText {
                text: "NULL".into(),
                align: self.align,
                null: true,
            };
        }
        if self.group
            && let Some(v) = float_value(self.array, row)
        {
            return CellText {
                text: display_float_digits(v, self.float_digits),
                align: self.align,
                null: false,
            };
        }
        let raw = match &self.inner {
            Some(f) => f.value(row).to_string(),
            None => format!("<{}>", self.array.data_type()),
        };
        CellText {
            text: if self.group {
                group_thousands(&raw)
            } else {
                raw
            },
            align: self.align,
            null: false,
        }
    }
}

/// Formats one cell (convenience; build a [`ColumnFormatter`] for many cells).
pub fn format_cell(array: &ArrayRef, row: usize) -> CellText {
    ColumnFormatter::new(array.as_ref(), true).cell(row)
}

/// A float cell's value (display formatting rounds floats; data files never do).
fn float_value(array: &dyn Array, row: usize) -> Option<f64> {
    use duckdb::arrow::datatypes::Float32Type;
    match array.data_type() {
        DataType::Float64 => Some(array.as_primitive::<Float64Type>().value(row)),
        DataType::Float32 => Some(f64::from(array.as_primitive::<Float32Type>().value(row))),
        _ => None,
    }
}

/// A float for reading on screen: at most six decimals with trailing zeros
/// dropped and thousands grouped (`1379772.1500000039` -> `1,379,772.15`);
/// scientific notation for very small or very large magnitudes.
pub fn display_float(v: f64) -> String {
    display_float_digits(v, DEFAULT_FLOAT_DIGITS)
}

/// [`display_float`] with at most `digits` decimals. A number too small to
/// show a digit at that precision is written in scientific notation rather
/// than as a misleading 0.
pub fn display_float_digits(v: f64, digits: u8) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let d = usize::from(digits);
    let a = v.abs();
    let smallest = 10f64.powi(-i32::from(digits)).max(1e-4);
    if a != 0.0 && !(smallest..1e15).contains(&a) {
        return format!("{v:.d$e}");
    }
    let fixed = format!("{v:.d$}");
    let trimmed = if fixed.contains('.') {
        fixed.trim_end_matches('0').trim_end_matches('.')
    } else {
        &fixed
    };
    let trimmed = if trimmed == "-0" { "0" } else { trimmed };
    group_thousands(trimmed)
}

/// Inserts `,` between groups of three digits of the integer part:
/// `-1234567.891` becomes `-1,234,567.891`. Leaves exponents and non-numbers alone.
pub fn group_thousands(s: &str) -> String {
    if s.contains(['e', 'E']) || s.is_empty() {
        return s.to_string();
    }
    let (sign, rest) = match s.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", s),
    };
    let (int, frac) = match rest.find('.') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    if !int.bytes().all(|b| b.is_ascii_digit()) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + int.len() / 3);
    out.push_str(sign);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out.push_str(frac);
    out
}

/// An amount for reading: `1,234,567` when integral, `1,486.67` otherwise (two
/// decimals), exponent form from 10^15 on.
pub fn amount(v: f64) -> String {
    if !v.is_finite() || v.abs() >= 1e15 {
        return format!("{v:.3e}");
    }
    let text = if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    };
    let text = match text.as_str() {
        "-0" => "0".to_string(),
        "-0.00" => "0.00".to_string(),
        _ => text,
    };
    group_thousands(&text)
}

/// Units of the compact form, largest first.
const COMPACT_UNITS: [(f64, &str); 5] =
    [(1e15, "P"), (1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")];

/// A formatted number split into what [`fit_number`] may shorten.
struct NumberText<'a> {
    value: f64,
    /// The digits part had a fraction (`12.50`) or an exponent (`1.5e-7`).
    fraction: bool,
    exponent: bool,
    /// Trailing unit such as `%` or `x`.
    suffix: &'a str,
}

fn parse_number(text: &str) -> Option<NumberText<'_>> {
    let end = text.rfind(|c: char| c.is_ascii_digit())? + 1;
    let (body, suffix) = text.split_at(end);
    if suffix.chars().count() > 2 || suffix.chars().any(|c| c.is_alphanumeric() && c != 'x') {
        return None;
    }
    let plain: String = body.chars().filter(|c| *c != ',').collect();
    let value: f64 = plain.parse().ok()?;
    if !value.is_finite() {
        return None;
    }
    let exponent = plain.contains(['e', 'E']);
    Some(NumberText {
        value,
        fraction: plain.contains('.') || exponent,
        exponent,
        suffix,
    })
}

fn width(s: &str) -> usize {
    s.chars().count()
}

/// The compact form of `v` with `decimals` (0 or 1): `11.5k`, `3.2M`, `1T`; `None` below 1000.
pub fn compact(v: f64, decimals: usize) -> Option<String> {
    let a = v.abs();
    let i = COMPACT_UNITS.iter().position(|(u, _)| a >= *u)?;
    // Rounding may reach the next unit: 999,960 is 1.0M, not 1000.0k.
    let mut i = i;
    let mut scaled = a / COMPACT_UNITS[i].0;
    if format!("{scaled:.decimals$}").parse::<f64>().ok()? >= 1000.0 && i > 0 {
        i -= 1;
        scaled = a / COMPACT_UNITS[i].0;
    }
    if scaled >= 1000.0 {
        return None;
    }
    let sign = if v < 0.0 { "-" } else { "" };
    Some(format!("{sign}{scaled:.decimals$}{}", COMPACT_UNITS[i].1))
}

/// The forms of a formatted number, from the exact one to the shortest that still
/// shows its magnitude: the text itself, then without decimals (rounded), then
/// compact (`11.5k`, `12k`). A form rounding a non-zero value to zero is left out.
/// Text that is not a number has only itself.
pub fn number_forms(text: &str) -> Vec<String> {
    let mut out = vec![text.to_string()];
    let Some(n) = parse_number(text) else {
        return out;
    };
    if n.fraction {
        let rounded = if n.exponent && n.value.abs() < 1.0 {
            format!("{:.0e}", n.value)
        } else {
            format!("{:.0}", n.value.round())
        };
        let zero_for_nonzero = n.value != 0.0 && rounded.trim_start_matches('-') == "0";
        let rounded = if rounded.contains('e') {
            rounded
        } else {
            group_thousands(&rounded)
        };
        if !zero_for_nonzero {
            out.push(format!("{rounded}{}", n.suffix));
        }
    }
    for decimals in [1, 0] {
        if let Some(c) = compact(n.value, decimals) {
            out.push(format!("{c}{}", n.suffix));
        }
    }
    if n.value.abs() >= 1e18 {
        out.push(format!("{:.0e}{}", n.value, n.suffix));
    }
    out.dedup();
    out
}

/// A formatted number shortened to fit `cols` columns without ever cutting a digit:
/// the first of [`number_forms`] that fits, else `…`. One rule for every table
/// (decile table, CLV panels, results grid).
pub fn fit_number(text: &str, cols: usize) -> String {
    if width(text) <= cols {
        return text.to_string();
    }
    number_forms(text)
        .into_iter()
        .find(|f| width(f) <= cols)
        .unwrap_or_else(|| {
            if cols == 0 {
                String::new()
            } else {
                "…".into()
            }
        })
}

/// The narrowest width at which [`fit_number`] still shows a number (not `…`).
pub fn min_number_width(text: &str) -> usize {
    number_forms(text)
        .iter()
        .map(|f| width(f))
        .min()
        .unwrap_or(0)
}

/// A cell as an unsigned integer (row counts reported by DDL/DML).
pub fn cell_as_u64(array: &ArrayRef, row: usize) -> Option<u64> {
    if array.is_null(row) {
        return None;
    }
    let cast = duckdb::arrow::compute::cast(&array.slice(row, 1), &DataType::Float64).ok()?;
    let v = cast.as_primitive::<Float64Type>().value(0);
    (v >= 0.0).then_some(v as u64)
}

/// The numbers of a LIST cell (for inline sparklines); `None` if the column
/// is not a list of numbers. NULL elements are skipped.
pub fn list_numbers(array: &dyn Array, row: usize) -> Option<Vec<f64>> {
    let values = match array.data_type() {
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _)
            if f.data_type().is_numeric() =>
        {
            if array.is_null(row) {
                return Some(Vec::new());
            }
            match array.data_type() {
                DataType::List(_) => array.as_list::<i32>().value(row),
                DataType::LargeList(_) => array.as_list::<i64>().value(row),
                _ => array.as_fixed_size_list().value(row),
            }
        }
        _ => return None,
    };
    let floats = duckdb::arrow::compute::cast(&values, &DataType::Float64).ok()?;
    let floats = floats.as_primitive::<Float64Type>();
    Some(floats.iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use duckdb::arrow::array::{Float64Array, Int64Array, ListArray, StringArray};
    use duckdb::arrow::datatypes::Int32Type;
    use std::sync::Arc;

    #[test]
    fn groups_thousands() {
        assert_eq!(group_thousands("1234567"), "1,234,567");
        assert_eq!(group_thousands("-1234.5"), "-1,234.5");
        assert_eq!(group_thousands("123"), "123");
        assert_eq!(group_thousands("1e10"), "1e10");
        assert_eq!(group_thousands("NaN"), "NaN");
    }

    #[test]
    fn floats_are_rounded_for_display_only() {
        assert_eq!(display_float(1379772.1500000039), "1,379,772.15");
        assert_eq!(display_float(2.0), "2");
        assert_eq!(display_float(-0.5), "-0.5");
        assert_eq!(display_float(-0.0000000001), "-1.000000e-10");
        assert_eq!(display_float(f64::NAN), "NaN");
        assert_eq!(display_float_digits(1234.56789, 2), "1,234.57");
        assert_eq!(display_float_digits(0.004, 2), "4.00e-3");
        assert_eq!(display_float_digits(2.5, 0), "2");
        assert_eq!(display_float_digits(1230.0, 0), "1,230");
        let f: ArrayRef = Arc::new(Float64Array::from(vec![0.1 + 0.2]));
        assert_eq!(format_cell(&f, 0).text, "0.3");
        assert_eq!(
            ColumnFormatter::new(f.as_ref(), false).cell(0).text,
            "0.30000000000000004"
        );
    }

    #[test]
    fn amounts_are_grouped() {
        assert_eq!(amount(1_234_567.0), "1,234,567");
        assert_eq!(amount(-1_000.0), "-1,000");
        assert_eq!(amount(12.345), "12.35");
        assert_eq!(amount(1486.666), "1,486.67");
        assert_eq!(amount(0.0), "0");
        assert_eq!(amount(-0.001), "0.00");
    }

    #[test]
    fn numbers_shrink_without_losing_digits() {
        // The case: 11,548.75 in a narrow cell.
        assert_eq!(fit_number("11,548.75", 9), "11,548.75");
        assert_eq!(fit_number("11,548.75", 8), "11,549");
        assert_eq!(fit_number("11,548.75", 5), "11.5k");
        assert_eq!(fit_number("11,548.75", 3), "12k");
        assert_eq!(fit_number("11,548.75", 2), "…");
        assert_eq!(fit_number("3,245,000", 6), "3.2M");
        assert_eq!(fit_number("999,960", 5), "1.0M");
        assert_eq!(fit_number("1,000,000,000,000", 5), "1.0T");
        assert_eq!(fit_number("-2,500.5", 6), "-2,501");
        assert_eq!(fit_number("-2,500.5", 5), "-2.5k");
        assert_eq!(fit_number("12.5%", 3), "13%");
        assert_eq!(fit_number("1,234.5%", 5), "1.2k%");
        assert_eq!(fit_number("1.23x", 2), "1x");
        // A small value is never shown as 0.
        assert_eq!(fit_number("0.001", 4), "…");
        assert_eq!(fit_number("0.4", 1), "…");
        assert_eq!(fit_number("1.000000e-10", 6), "1e-10");
        assert_eq!(fit_number("not a number", 4), "…");
        assert_eq!(min_number_width("11,548.75"), 3);
    }

    #[test]
    fn cells_are_typed() {
        let ints: ArrayRef = Arc::new(Int64Array::from(vec![Some(1_000_000), None]));
        let c = format_cell(&ints, 0);
        assert_eq!(
            (c.text.as_str(), c.align, c.null),
            ("1,000,000", Align::Right, false)
        );
        assert!(format_cell(&ints, 1).null);
        let strs: ArrayRef = Arc::new(StringArray::from(vec!["1234"]));
        assert_eq!(format_cell(&strs, 0).text, "1234");
        assert_eq!(format_cell(&strs, 0).align, Align::Left);
        let f: ArrayRef = Arc::new(Float64Array::from(vec![2.5]));
        assert_eq!(cell_as_u64(&f, 0), Some(2));
    }

    #[test]
    fn a_null_typed_column_shows_null() {
        let nulls: ArrayRef = Arc::new(duckdb::arrow::array::NullArray::new(2));
        assert!(format_cell(&nulls, 1).null);
        assert_eq!(format_cell(&nulls, 1).text, "NULL");
    }

    #[test]
    fn list_cells_give_numbers() {
        let list = ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
            Some(vec![Some(1), None, Some(3)]),
            None,
        ]);
        assert_eq!(list_numbers(&list, 0), Some(vec![1.0, 3.0]));
        assert_eq!(list_numbers(&list, 1), Some(vec![]));
        let strs = StringArray::from(vec!["x"]);
        assert_eq!(list_numbers(&strs, 0), None);
    }
}
