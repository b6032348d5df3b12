//! The table format, streamed: the first rows are drawn by Arrow's pretty
//! printer (which sizes the columns), every later row is drawn to the same
//! column widths as it arrives, so a result of any size is printed with one
//! batch in memory. A later cell wider than its column is printed whole (the
//! row then sticks out): nothing is cut.

use std::io::Write;

use duckdb::arrow::array::RecordBatch;
use duckdb::arrow::datatypes::SchemaRef;
use duckdb::arrow::error::ArrowError;
use duckdb::arrow::util::display::{ArrayFormatter, FormatOptions};
use duckdb::arrow::util::pretty::pretty_format_batches_with_options;
use unicode_width::UnicodeWidthStr;

/// Rows that size the columns (the default limit, 500, fits: such a table is
/// drawn exactly as Arrow draws it).
pub const SIZING_ROWS: usize = 1000;

const OPTIONS: FormatOptions<'static> = FormatOptions::new().with_null("NULL");

/// Draws a table from batches pushed one at a time.
pub struct TableWriter {
    sizing_rows: usize,
    /// Rows waiting to size the columns.
    head: Vec<RecordBatch>,
    head_rows: usize,
    /// Set once the head is drawn: the column widths and the closing border.
    body: Option<(Vec<usize>, String)>,
}

impl TableWriter {
    pub fn new(sizing_rows: usize) -> Self {
        TableWriter {
            sizing_rows,
            head: Vec::new(),
            head_rows: 0,
            body: None,
        }
    }

    pub fn push(&mut self, batch: &RecordBatch, out: &mut dyn Write) -> Result<(), ArrowError> {
        match &self.body {
            Some((widths, _)) => write_rows(batch, widths, out),
            None => {
                self.head.push(batch.clone());
                self.head_rows += batch.num_rows();
                if self.head_rows >= self.sizing_rows {
                    self.draw_head(out)?;
                }
                Ok(())
            }
        }
    }

    /// Draws what is left and the closing border.
    pub fn finish(mut self, schema: &SchemaRef, out: &mut dyn Write) -> Result<(), ArrowError> {
        if self.body.is_none() {
            if self.head.is_empty() {
                self.head.push(RecordBatch::new_empty(schema.clone()));
            }
            self.draw_head(out)?;
        }
        if let Some((_, border)) = &self.body {
            writeln!(out, "{border}")?;
        }
        Ok(())
    }

    /// The head rows as Arrow draws them, without the closing border, which
    /// is kept (with the widths read from it) for [`TableWriter::finish`].
    fn draw_head(&mut self, out: &mut dyn Write) -> Result<(), ArrowError> {
        let text = pretty_format_batches_with_options(&self.head, &OPTIONS)?.to_string();
        self.head.clear();
        let (top, border) = match text.rsplit_once('\n') {
            Some((top, border)) => (top, border),
            None => ("", text.as_str()),
        };
        writeln!(out, "{top}")?;
        let widths = border
            .trim_matches('+')
            .split('+')
            .map(|dashes| dashes.len().saturating_sub(2))
            .collect();
        self.body = Some((widths, border.to_string()));
        Ok(())
    }
}

/// Rows drawn like Arrow's pretty printer draws them: `| a | b |`, cells
/// left-aligned and padded to the column width, a cell with line breaks
/// spread over several lines.
fn write_rows(
    batch: &RecordBatch,
    widths: &[usize],
    out: &mut dyn Write,
) -> Result<(), ArrowError> {
    let formatters = batch
        .columns()
        .iter()
        .map(|c| ArrayFormatter::try_new(c.as_ref(), &OPTIONS))
        .collect::<Result<Vec<_>, _>>()?;
    let mut line = String::new();
    for row in 0..batch.num_rows() {
        let cells: Vec<String> = formatters
            .iter()
            .map(|f| f.value(row).to_string())
            .collect();
        let height = cells
            .iter()
            .map(|c| c.split('\n').count())
            .max()
            .unwrap_or(1);
        for i in 0..height {
            line.clear();
            line.push('|');
            for (cell, width) in cells.iter().zip(widths) {
                let text = cell.split('\n').nth(i).unwrap_or("");
                line.push(' ');
                line.push_str(text);
                let pad = width.saturating_sub(text.width());
                line.extend(std::iter::repeat_n(' ', pad));
                line.push_str(" |");
            }
            line.push('\n');
            out.write_all(line.as_bytes())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use duckdb::arrow::array::{ArrayRef, Int64Array, StringArray};
    use std::sync::Arc;

    fn batch(ids: &[i64], names: &[Option<&str>]) -> RecordBatch {
        RecordBatch::try_from_iter([
            ("id", Arc::new(Int64Array::from(ids.to_vec())) as ArrayRef),
            (
                "name",
                Arc::new(StringArray::from(names.to_vec())) as ArrayRef,
            ),
        ])
        .unwrap()
    }

    fn whole(batches: &[RecordBatch]) -> String {
        let mut s = pretty_format_batches_with_options(batches, &OPTIONS)
            .unwrap()
            .to_string();
        s.push('\n');
        s
    }

    #[test]
    fn streamed_rows_match_arrows_table() {
        let batches = [
            batch(&[100, 2], &[Some("widest name é"), None]),
            batch(&[3, 4], &[Some("two\nlines"), Some("")]),
            batch(&[5], &[Some("x")]),
        ];
        for sizing in [1, 2, 3, 1000] {
            let mut out = Vec::new();
            let mut w = TableWriter::new(sizing);
            for b in &batches {
                w.push(b, &mut out).unwrap();
            }
            w.finish(&batches[0].schema(), &mut out).unwrap();
            assert_eq!(
                String::from_utf8(out).unwrap(),
                whole(&batches),
                "sizing {sizing}"
            );
        }
    }

    #[test]
    fn an_empty_result_draws_the_header() {
        let b = batch(&[], &[]);
        let mut out = Vec::new();
        TableWriter::new(10).finish(&b.schema(), &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), whole(&[b]));
    }

    #[test]
    fn rows_are_written_before_the_result_ends() {
        let mut out = Vec::new();
        let mut w = TableWriter::new(2);
        w.push(&batch(&[1, 2], &[Some("a"), Some("b")]), &mut out)
            .unwrap();
        let drawn = out.len();
        assert!(drawn > 0, "the head is drawn once the sizing rows are in");
        w.push(&batch(&[3], &[Some("a much wider cell")]), &mut out)
            .unwrap();
        assert!(
            out.len() > drawn,
            "a later batch is drawn at once, not held"
        );
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("| 3  | a much wider cell |"), "{text}");
    }
}
