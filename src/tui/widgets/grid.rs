//! A virtualised table: it asks its [`GridSource`] only for the cells it
//! draws, so a result of any length costs the same per frame. Column widths
//! grow to fit what has been seen (never shrink while scrolling, so columns do
//! not jump) and are capped; longer values end in `…` and can be viewed whole.

use std::borrow::Cow;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::StatefulWidget;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::tui::theme::{Slot, Theme};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellKind {
    Text,
    Number,
    Null,
    Spark,
}

/// A formatted cell, ready to draw.
#[derive(Clone, Debug, PartialEq)]
pub struct GridCell {
    pub text: String,
    pub kind: CellKind,
}

impl GridCell {
    pub fn text(text: impl Into<String>) -> Self {
        GridCell {
            text: text.into(),
            kind: CellKind::Text,
        }
    }
    pub fn number(text: impl Into<String>) -> Self {
        GridCell {
            text: text.into(),
            kind: CellKind::Number,
        }
    }
    pub fn null() -> Self {
        GridCell {
            text: "NULL".into(),
            kind: CellKind::Null,
        }
    }
    pub fn right_aligned(&self) -> bool {
        self.kind == CellKind::Number
    }
}

/// What the grid draws from. Implementations page their rows in from
/// somewhere else; `cell` returns `None` for a row not fetched yet.
pub trait GridSource {
    fn column_count(&self) -> usize;
    fn column_name(&self, col: usize) -> &str;
    /// Right-align this column's header (numeric columns).
    fn column_numeric(&self, col: usize) -> bool;
    /// Rows that exist as far as we know (the scroll range).
    fn row_count(&self) -> u64;
    fn cell(&self, row: u64, col: usize) -> Option<GridCell>;
    /// The cells of one column for consecutive rows (what a frame draws).
    /// Sources override this to set up formatting once per column.
    fn column_cells(&self, rows: std::ops::Range<u64>, col: usize) -> Vec<Option<GridCell>> {
        rows.map(|r| self.cell(r, col)).collect()
    }
    /// `Some(true)` ascending, `Some(false)` descending.
    fn sort_marker(&self, _col: usize) -> Option<bool> {
        None
    }
}

/// One column's formatted cells for the rows on screen, with their widths.
type ColumnCells = Vec<Option<(GridCell, u16)>>;

pub const MIN_WIDTH: u16 = 3;
pub const MAX_WIDTH: u16 = 40;

/// Scroll position, selection and learned column widths.
#[derive(Clone, Debug, Default)]
pub struct GridState {
    /// First row drawn.
    pub top: u64,
    /// First column drawn.
    pub left: usize,
    /// Selected cell.
    pub row: u64,
    pub col: usize,
    /// Learned widths (grow only).
    pub widths: Vec<u16>,
    /// Data rows that fit, as of the last draw (for paging keys).
    pub viewport_rows: u16,
    /// Columns drawn in the last frame (for horizontal paging).
    pub visible_cols: usize,
    /// `(column, x, width)` of the columns drawn in the last frame (mouse).
    pub drawn: Vec<(usize, u16, u16)>,
}

impl GridState {
    pub fn reset(&mut self) {
        *self = GridState {
            viewport_rows: self.viewport_rows,
            ..GridState::default()
        };
    }

    /// Move the selection by a signed amount of rows, clamped to `rows`.
    pub fn move_rows(&mut self, delta: i64, rows: u64) {
        let target = if delta < 0 {
            self.row.saturating_sub(delta.unsigned_abs())
        } else {
            self.row.saturating_add(delta as u64)
        };
        self.row = target.min(rows.saturating_sub(1));
        self.follow();
    }

    pub fn move_cols(&mut self, delta: i64, cols: usize) {
        let target = if delta < 0 {
            self.col.saturating_sub(delta.unsigned_abs() as usize)
        } else {
            self.col.saturating_add(delta as usize)
        };
        self.col = target.min(cols.saturating_sub(1));
    }

    /// Keep the selected row inside the viewport.
    pub fn follow(&mut self) {
        let h = u64::from(self.viewport_rows.max(1));
        if self.row < self.top {
            self.top = self.row;
        } else if self.row >= self.top + h {
            self.top = self.row + 1 - h;
        }
    }

    /// The column drawn at screen column `x` in the last frame.
    pub fn column_at(&self, x: u16) -> Option<usize> {
        self.drawn
            .iter()
            .find(|(_, cx, w)| x >= *cx && x < cx + w + 1)
            .map(|(c, _, _)| *c)
    }

    /// Rows the next frame will draw: `top .. top + viewport_rows`.
    pub fn visible_rows(&self) -> std::ops::Range<u64> {
        self.top..self.top + u64::from(self.viewport_rows.max(1))
    }
}

/// The grid widget. Draws a header line, then one line per row, with a row
/// number gutter.
pub struct Grid<'a> {
    pub source: &'a dyn GridSource,
    pub theme: &'a Theme,
    pub focused: bool,
}

/// Fit `s` into `width` cells: cut with `…` if longer, pad to the side.
pub fn fit(s: &str, width: usize, right: bool) -> Cow<'_, str> {
    let w = s.width();
    if w == width {
        return Cow::Borrowed(s);
    }
    if w < width {
        let pad = " ".repeat(width - w);
        return Cow::Owned(if right { pad + s } else { format!("{s}{pad}") });
    }
    if width == 0 {
        return Cow::Borrowed("");
    }
    let mut out = String::with_capacity(width + 3);
    let mut used = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if used + cw > width - 1 {
            break;
        }
        out.push(c);
        used += cw;
    }
    out.push('…');
    used += 1;
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    Cow::Owned(out)
}

/// Replace control characters so one value stays on one line.
pub fn one_line(s: &str) -> Cow<'_, str> {
    if s.chars().any(char::is_control) {
        Cow::Owned(
            s.chars()
                .map(|c| match c {
                    '\n' => '↵',
                    c if c.is_control() => ' ',
                    c => c,
                })
                .collect(),
        )
    } else {
        Cow::Borrowed(s)
    }
}

impl StatefulWidget for Grid<'_> {
    type State = GridState;

    fn render(self, area: Rect, buf: &mut Buffer, state: &mut GridState) {
        let t = self.theme;
        buf.set_style(area, t.get(Slot::Base));
        if area.height < 2 || area.width < 8 {
            return;
        }
        let src = self.source;
        let ncols = src.column_count();
        let nrows = src.row_count();
        state.viewport_rows = area.height - 1;
        if state.widths.len() != ncols {
            state.widths = (0..ncols)
                .map(|c| {
                    let extra = u16::from(src.sort_marker(c).is_some());
                    (src.column_name(c).width() as u16 + extra).clamp(MIN_WIDTH, MAX_WIDTH)
                })
                .collect();
        }
        if ncols == 0 {
            return;
        }
        state.col = state.col.min(ncols - 1);
        state.row = state.row.min(nrows.saturating_sub(1));
        state.follow();
        let last_row = (state.top + u64::from(state.viewport_rows)).min(nrows);
        let rows = state.top..last_row;

        // Row-number gutter sized for the largest number on screen.
        let gutter = (last_row.max(1).to_string().len() as u16).max(3) + 1;
        let avail = area.width.saturating_sub(gutter);

        if state.col < state.left {
            state.left = state.col;
        }

        // Bring the selected column into view from the widths learned so far.
        if state.col >= state.left {
            let mut need = 0u16;
            let mut l = state.col + 1;
            while l > state.left {
                let w = state.widths[l - 1] + 1;
                if need + w > avail && l - 1 < state.col {
                    break;
                }
                need += w;
                l -= 1;
            }
            state.left = l.max(state.left).min(state.col);
        }

        // Format the visible cells column by column until the width is used
        // up (each column once per frame); widths learned here can push the
        // selected column out again, then `left` moves on.
        let mut formatted: Vec<Option<ColumnCells>> = vec![None; ncols];
        let mut columns: Vec<(usize, u16)>;
        loop {
            columns = Vec::new();
            let mut x = 0u16;
            let mut c = state.left;
            while c < ncols && x < avail {
                let cells = formatted[c].get_or_insert_with(|| {
                    src.column_cells(rows.clone(), c)
                        .into_iter()
                        .map(|cell| {
                            cell.map(|cell| {
                                let w = one_line(&cell.text).width() as u16;
                                (cell, w)
                            })
                        })
                        .collect()
                });
                let seen = cells.iter().flatten().map(|(_, w)| *w).max().unwrap_or(0);
                let w = &mut state.widths[c];
                *w = (*w).max(seen.min(MAX_WIDTH));
                let width = (*w).min(avail - x);
                columns.push((c, width));
                x = x.saturating_add(width + 1);
                c += 1;
            }
            let fully_visible = columns
                .iter()
                .any(|(c, w)| *c == state.col && *w == state.widths[*c]);
            if fully_visible || state.left >= state.col {
                break;
            }
            state.left += 1;
        }
        state.visible_cols = columns
            .iter()
            .filter(|(c, w)| *w == state.widths[*c])
            .count()
            .max(1);

        let header_style = t.get(Slot::GridHeader);
        let sep_style = t.get(Slot::Border);
        let y0 = area.y;
        buf.set_stringn(
            area.x,
            y0,
            fit("#", gutter as usize - 1, true),
            gutter as usize,
            t.get(Slot::GridRowNumber),
        );
        let mut x = area.x + gutter;
        state.drawn.clear();
        for (c, w) in &columns {
            state.drawn.push((*c, x, *w));
            let marker = match src.sort_marker(*c) {
                Some(true) => "▲",
                Some(false) => "▼",
                None => "",
            };
            let name = format!("{}{marker}", src.column_name(*c));
            let text = fit(&name, *w as usize, src.column_numeric(*c));
            let style = if *c == state.col && self.focused {
                header_style.patch(t.get(Slot::GridSelectedRow))
            } else {
                header_style
            };
            buf.set_stringn(x, y0, text, *w as usize, style);
            x += w;
            if x < area.right() {
                buf.set_stringn(x, y0, "│", 1, sep_style);
                x += 1;
            }
        }

        for (i, r) in rows.clone().enumerate() {
            let y = y0 + 1 + i as u16;
            let selected_row = r == state.row;
            let row_style = if selected_row {
                t.get(Slot::Base).patch(t.get(Slot::GridSelectedRow))
            } else {
                t.get(Slot::Base)
            };
            if selected_row {
                buf.set_style(Rect::new(area.x, y, area.width, 1), row_style);
            }
            let num = (r + 1).to_string();
            buf.set_stringn(
                area.x,
                y,
                fit(&num, gutter as usize - 1, true),
                gutter as usize - 1,
                row_style.patch(t.get(Slot::GridRowNumber)),
            );
            let mut x = area.x + gutter;
            for (c, w) in &columns {
                let w = *w as usize;
                let cell = formatted[*c].as_ref().and_then(|cells| cells[i].as_ref());
                let (text, style, right) = match cell {
                    None => (Cow::Borrowed("…"), t.get(Slot::Dim), false),
                    Some((cell, tw)) => {
                        let slot = match cell.kind {
                            CellKind::Text => Slot::GridCell,
                            CellKind::Number => Slot::GridNumber,
                            CellKind::Null => Slot::GridNull,
                            CellKind::Spark => Slot::GridSparkline,
                        };
                        let text = one_line(&cell.text);
                        // Fits: drawn in place; too long: a number is shortened
                        // (never cut: see `format::fit_number`), text cut with an ellipsis.
                        let text = if (*tw as usize) <= w {
                            text
                        } else if cell.kind == CellKind::Number {
                            Cow::Owned(crate::engine::format::fit_number(&text, w))
                        } else {
                            Cow::Owned(fit(&text, w, false).into_owned())
                        };
                        let right = cell.right_aligned() && text.width() < w;
                        (text, t.get(slot), right)
                    }
                };
                let mut style = row_style.patch(style);
                if selected_row && *c == state.col {
                    style = style.patch(t.get(Slot::GridSelected));
                    if !self.focused {
                        style = row_style.patch(
                            Style::default().add_modifier(ratatui::style::Modifier::UNDERLINED),
                        );
                    }
                }
                // The cell's background first (selection), then the text.
                buf.set_style(Rect::new(x, y, w as u16, 1), style);
                let tw = text.width().min(w);
                let tx = if right { x + (w - tw) as u16 } else { x };
                buf.set_stringn(tx, y, text, w, style);
                x += w as u16;
                if x < area.right() {
                    buf.set_stringn(x, y, "│", 1, row_style.patch(sep_style));
                    x += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    struct Synthetic {
        rows: u64,
        cols: usize,
        names: Vec<String>,
    }

    impl GridSource for Synthetic {
        fn column_count(&self) -> usize {
            self.cols
        }
        fn column_name(&self, col: usize) -> &str {
            &self.names[col]
        }
        fn column_numeric(&self, col: usize) -> bool {
            col == 0
        }
        fn row_count(&self) -> u64 {
            self.rows
        }
        fn cell(&self, row: u64, col: usize) -> Option<GridCell> {
            Some(match col {
                0 => GridCell::number(format!("{}", row * 1000)),
                1 if row.is_multiple_of(3) => GridCell::null(),
                1 => GridCell::text("a rather long text value that will be cut"),
                _ => GridCell::text(format!("r{row}c{col}")),
            })
        }
    }

    fn synth(rows: u64, cols: usize) -> Synthetic {
        Synthetic {
            rows,
            cols,
            names: (0..cols).map(|c| format!("col{c}")).collect(),
        }
    }

    fn draw(src: &Synthetic, state: &mut GridState, w: u16, h: u16) -> String {
        let theme = Theme::dark();
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        term.draw(|f| {
            f.render_stateful_widget(
                Grid {
                    source: src,
                    theme: &theme,
                    focused: true,
                },
                f.area(),
                state,
            )
        })
        .unwrap();
        let buf = term.backend().buffer().clone();
        (0..h)
            .map(|y| {
                (0..w)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect::<String>()
                    .trim_end()
                    .to_string()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn draws_header_rows_null_and_ellipsis() {
        let src = synth(1_000_000, 4);
        let mut st = GridState::default();
        let out = draw(&src, &mut st, 60, 5);
        let lines: Vec<&str> = out.lines().collect();
        assert!(
            lines[0].contains("col0") && lines[0].contains("col1"),
            "{out}"
        );
        assert!(lines[1].contains("NULL"), "{out}");
        assert!(lines[2].contains('…'), "{out}");
        assert!(lines[2].contains("1000"), "{out}");
        assert_eq!(st.viewport_rows, 4);
    }

    #[test]
    fn jump_to_end_of_a_million_rows() {
        let src = synth(1_000_000, 4);
        let mut st = GridState {
            viewport_rows: 10,
            ..Default::default()
        };
        st.move_rows(i64::MAX, src.rows);
        let out = draw(&src, &mut st, 60, 11);
        assert!(out.lines().last().unwrap().starts_with("1000000"), "{out}");
        assert_eq!(st.top, 1_000_000 - 10);
    }

    #[test]
    fn selected_column_scrolls_into_view() {
        let src = synth(10, 30);
        let mut st = GridState {
            col: 29,
            ..Default::default()
        };
        let out = draw(&src, &mut st, 40, 4);
        assert!(out.lines().next().unwrap().contains("col29"), "{out}");
        assert!(st.left > 0);
    }

    #[test]
    fn fit_pads_and_cuts() {
        assert_eq!(fit("abc", 5, true), "  abc");
        assert_eq!(fit("abc", 5, false), "abc  ");
        assert_eq!(fit("abcdef", 4, false), "abc…");
        assert_eq!(fit("日本語", 4, false), "日… ");
        assert_eq!(one_line("a\nb\tc"), "a↵b c");
    }
}
