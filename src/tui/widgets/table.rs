//! A small table that fits its width honestly: every number goes through
//! [`format::fit_number`] (decimals dropped, then `11.5k`, then `…`; digits are
//! never cut), headers abbreviate when their column is narrow, and columns that
//! do not fit are dropped from the right with a `+N›` marker in the header.
//! The decile table and the CLV panels draw with it; the results grid uses the
//! same [`format::fit_number`] for its number cells.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Widget};
use unicode_width::UnicodeWidthStr;

use super::grid::fit;
use crate::engine::format;
use crate::tui::theme::{Slot, Theme};

/// What a column holds; decides alignment and how it may shrink.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Left-aligned text, cut with `…` below its natural width, never below `min`.
    Text { min: u16 },
    /// Right-aligned formatted numbers, shortened by [`format::fit_number`].
    Number,
    /// A share bar (0..=1) that takes what room is left, between `min` and `max`.
    Bar { min: u16, max: u16 },
}

/// A column: its header, a short header for narrow widths, and its kind.
#[derive(Clone, Copy, Debug)]
pub struct Column {
    pub header: &'static str,
    pub short: &'static str,
    pub kind: Kind,
}

impl Column {
    pub const fn text(header: &'static str, min: u16) -> Self {
        Column {
            header,
            short: header,
            kind: Kind::Text { min },
        }
    }
    pub const fn number(header: &'static str, short: &'static str) -> Self {
        Column {
            header,
            short,
            kind: Kind::Number,
        }
    }
    pub const fn bar(header: &'static str, min: u16, max: u16) -> Self {
        Column {
            header,
            short: header,
            kind: Kind::Bar { min, max },
        }
    }
}

/// One cell. Numbers arrive fully formatted; the table shortens them.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Number(String),
    /// A share in 0..=1, drawn as a bar.
    Bar(f64),
    Blank,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Self {
        Cell::Text(s.into())
    }
    pub fn number(s: impl Into<String>) -> Self {
        Cell::Number(s.into())
    }
    /// A number or `–` when there is none.
    pub fn opt_number(s: Option<String>) -> Self {
        s.map_or(Cell::Text("–".into()), Cell::Number)
    }
}

/// Where each shown column went.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TableLayout {
    /// `(column, x offset from the table's left, width)` of the columns drawn.
    pub columns: Vec<(usize, u16, u16)>,
    /// Columns left out on the right.
    pub dropped: usize,
}

/// The table widget.
pub struct FitTable<'a> {
    pub columns: &'a [Column],
    pub rows: &'a [Vec<Cell>],
    pub theme: &'a Theme,
    /// Highlighted row, kept in view.
    pub selected: Option<usize>,
    pub block: Option<Block<'a>>,
}

/// A share bar of `width` cells in eighths.
pub fn share_bar(share: f64, width: usize) -> String {
    let eighths = (share.clamp(0.0, 1.0) * width as f64 * 8.0).round() as usize;
    let mut out = "█".repeat(eighths / 8);
    if !eighths.is_multiple_of(8) {
        out.push([' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'][eighths % 8]);
    }
    out
}

fn cell_width(cell: &Cell) -> u16 {
    match cell {
        Cell::Text(s) | Cell::Number(s) => s.width() as u16,
        Cell::Bar(_) | Cell::Blank => 0,
    }
}

fn cell_min(cell: &Cell) -> u16 {
    match cell {
        Cell::Number(s) => format::min_number_width(s) as u16,
        Cell::Text(s) => s.width().min(1) as u16,
        Cell::Bar(_) | Cell::Blank => 0,
    }
}

impl<'a> FitTable<'a> {
    pub fn new(columns: &'a [Column], rows: &'a [Vec<Cell>], theme: &'a Theme) -> Self {
        FitTable {
            columns,
            rows,
            theme,
            selected: None,
            block: None,
        }
    }

    pub fn selected(mut self, row: Option<usize>) -> Self {
        self.selected = row;
        self
    }

    pub fn block(mut self, block: Block<'a>) -> Self {
        self.block = Some(block);
        self
    }

    fn cells(&self, col: usize) -> impl Iterator<Item = &Cell> {
        self.rows.iter().filter_map(move |r| r.get(col))
    }

    /// The columns' widths for `width` cells: natural widths when they fit;
    /// otherwise the widest number and text columns give way, down to the
    /// narrowest width that still shows every value; then columns are dropped
    /// from the right (the first one always stays).
    pub fn layout(&self, width: u16) -> TableLayout {
        let n = self.columns.len();
        let natural: Vec<u16> = (0..n)
            .map(|c| {
                let col = &self.columns[c];
                match col.kind {
                    Kind::Bar { min, .. } => min,
                    _ => self
                        .cells(c)
                        .map(cell_width)
                        .max()
                        .unwrap_or(0)
                        .max(col.header.width() as u16),
                }
            })
            .collect();
        let least: Vec<u16> = (0..n)
            .map(|c| {
                let col = &self.columns[c];
                match col.kind {
                    Kind::Bar { min, .. } => min,
                    Kind::Number => self
                        .cells(c)
                        .map(cell_min)
                        .max()
                        .unwrap_or(0)
                        .max(col.short.width() as u16)
                        .max(1),
                    Kind::Text { min } => min.min(natural[c]).max(1),
                }
            })
            .collect();
        for keep in (1..=n).rev() {
            let dropped = n - keep;
            let marker = if dropped > 0 {
                format!("+{dropped}›").width() as u16 + 1
            } else {
                0
            };
            let room = width.saturating_sub(marker);
            let mut w: Vec<u16> = natural[..keep].to_vec();
            let total = |w: &[u16]| w.iter().sum::<u16>() + w.len().saturating_sub(1) as u16;
            // Shrink the column with the most slack above its least width, one cell at a time.
            while total(&w) > room {
                let Some(c) = (0..keep)
                    .filter(|&c| w[c] > least[c])
                    .max_by_key(|&c| (w[c] - least[c], c))
                else {
                    break;
                };
                w[c] -= 1;
            }
            if total(&w) > room && keep > 1 {
                continue;
            }
            // Bars take what is left, up to their maximum.
            let spare = room.saturating_sub(total(&w));
            let bar = (0..keep).find_map(|c| match self.columns[c].kind {
                Kind::Bar { max, .. } => Some((c, max)),
                _ => None,
            });
            if let Some((c, max)) = bar {
                w[c] = (w[c] + spare).min(max.max(w[c]));
            }
            let mut x = 0u16;
            let mut columns = Vec::with_capacity(keep);
            for (c, cw) in w.iter().enumerate() {
                let cw = (*cw).min(width.saturating_sub(x));
                columns.push((c, x, cw));
                x = x.saturating_add(cw + 1);
            }
            return TableLayout { columns, dropped };
        }
        TableLayout::default()
    }

    /// The text drawn for a cell at `w` columns, and whether it is right-aligned.
    pub fn cell_text(cell: &Cell, w: u16) -> (String, bool) {
        let w = usize::from(w);
        match cell {
            Cell::Number(s) => (format::fit_number(s, w), true),
            Cell::Text(s) => (fit(s, w, false).trim_end().to_string(), false),
            Cell::Bar(share) => (share_bar(*share, w), false),
            Cell::Blank => (String::new(), false),
        }
    }
}

impl Widget for FitTable<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let area = match &self.block {
            Some(b) => {
                let inner = b.inner(area);
                b.clone().render(area, buf);
                inner
            }
            None => area,
        };
        if area.height == 0 || area.width == 0 {
            return;
        }
        let layout = self.layout(area.width);
        let header_style = t.get(Slot::GridHeader);
        for &(c, x, w) in &layout.columns {
            let col = &self.columns[c];
            let name = if col.header.width() <= usize::from(w) {
                col.header
            } else {
                col.short
            };
            let right = col.kind == Kind::Number;
            let text = fit(name, usize::from(w), right);
            buf.set_stringn(area.x + x, area.y, text, usize::from(w), header_style);
        }
        if layout.dropped > 0 {
            let marker = format!("+{}›", layout.dropped);
            let mw = marker.width() as u16;
            buf.set_stringn(
                area.right().saturating_sub(mw),
                area.y,
                marker,
                usize::from(mw),
                t.get(Slot::Dim),
            );
        }
        let body = area.height.saturating_sub(1) as usize;
        let top = match self.selected {
            Some(s) if s >= body => s + 1 - body,
            _ => 0,
        };
        for (i, row) in self.rows.iter().enumerate().skip(top).take(body) {
            let y = area.y + 1 + (i - top) as u16;
            let selected = self.selected == Some(i);
            if selected {
                buf.set_style(
                    Rect::new(area.x, y, area.width, 1),
                    t.get(Slot::GridSelected),
                );
            }
            for &(c, x, w) in &layout.columns {
                let Some(cell) = row.get(c) else { continue };
                let (text, right) = Self::cell_text(cell, w);
                let slot = match cell {
                    Cell::Number(_) => Slot::GridNumber,
                    Cell::Bar(_) => Slot::GridSparkline,
                    Cell::Text(_) | Cell::Blank => Slot::GridCell,
                };
                let mut style = t.get(slot);
                if selected {
                    style = style.patch(t.get(Slot::GridSelected));
                }
                let tw = (text.width() as u16).min(w);
                let tx = if right { x + w - tw } else { x };
                buf.set_stringn(area.x + tx, y, text, usize::from(w), style);
            }
        }
    }
}

/// `parts` joined by `sep` as far as they fit in `width`; a part that does not fit is
/// left out whole (never cut in the middle of a number), and `…` says so. Only a
/// first part too long for the line on its own is cut, with `…`.
pub fn fit_parts(parts: &[String], sep: &str, width: usize) -> String {
    if parts.first().is_some_and(|p| p.width() > width) {
        return fit(&parts[0], width, false).trim_end().to_string();
    }
    let mut out = String::new();
    for (i, p) in parts.iter().enumerate() {
        let candidate = if out.is_empty() {
            p.clone()
        } else {
            format!("{out}{sep}{p}")
        };
        let more = i + 1 < parts.len();
        let need = candidate.width() + if more { 2 } else { 0 };
        if need <= width || (!more && candidate.width() <= width) {
            out = candidate;
        } else {
            if out.is_empty() {
                if width > 0 {
                    out.push('…');
                }
            } else if out.width() + 2 <= width {
                out.push_str(" …");
            }
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    const COLS: [Column; 4] = [
        Column::number("bucket", "#"),
        Column::number("customers", "custs"),
        Column::number("mean", "mean"),
        Column::bar("share", 4, 20),
    ];

    fn rows() -> Vec<Vec<Cell>> {
        vec![
            vec![
                Cell::number("1"),
                Cell::number("1,200"),
                Cell::number("11,548.75"),
                Cell::Bar(0.5),
            ],
            vec![
                Cell::number("2"),
                Cell::number("800"),
                Cell::number("3,245,000.5"),
                Cell::Bar(0.25),
            ],
        ]
    }

    fn draw(w: u16) -> String {
        let theme = Theme::dark();
        let rows = rows();
        let mut term = Terminal::new(TestBackend::new(w, 3)).unwrap();
        term.draw(|f| f.render_widget(FitTable::new(&COLS, &rows, &theme), f.area()))
            .unwrap();
        crate::tui::headless::buffer_text(term.backend().buffer())
    }

    #[test]
    fn wide_tables_show_everything_and_narrow_ones_shorten_numbers() {
        let wide = draw(60);
        assert!(
            wide.contains("customers") && wide.contains("11,548.75"),
            "{wide}"
        );
        assert!(wide.contains("3,245,000.5"), "{wide}");
        let mid = draw(26);
        assert!(mid.contains("11,549") && mid.contains("3.2M"), "{mid}");
        assert!(!mid.contains(",548.75"), "{mid}");
        let narrow = draw(20);
        assert!(
            narrow.contains("3.2M") && !narrow.contains("3,245"),
            "{narrow}"
        );
        assert!(narrow.contains("custs"), "{narrow}");
        // Narrower: the mean shortens to its compact form; every column stays.
        let narrower = draw(17);
        assert!(
            narrower.contains("12k") && narrower.contains("3.2M"),
            "{narrower}"
        );
        assert!(!narrower.contains('›'), "{narrower}");
    }

    #[test]
    fn columns_that_do_not_fit_are_dropped_with_a_marker() {
        let s = draw(12);
        assert!(s.contains("+2›"), "{s}");
        assert!(!s.contains("11"), "{s}");
    }

    #[test]
    fn parts_are_dropped_whole() {
        let parts = [
            "fit #3".to_string(),
            "4,000 customers".into(),
            "523 ms".into(),
        ];
        assert_eq!(
            fit_parts(&parts, " · ", 80),
            "fit #3 · 4,000 customers · 523 ms"
        );
        assert_eq!(fit_parts(&parts, " · ", 26), "fit #3 · 4,000 customers …");
        assert_eq!(fit_parts(&parts, " · ", 12), "fit #3 …");
        assert_eq!(fit_parts(&parts, " · ", 3), "fi…");
    }
}
