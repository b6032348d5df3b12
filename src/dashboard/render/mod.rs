//! Drawing dashboards into a ratatui [`Buffer`]: one code path for the app's
//! Dashboard tab and `clvdesk dashboard render`. A widget draws in its own box:
//! its chart, a spinner while it loads, or its error (a broken definition
//! names file and line); nothing one widget does reaches another's box.

mod ansi;
mod charts;
mod other;
pub mod series;

use std::time::Duration;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Span, Text};
use ratatui::widgets::{Block, Borders, Paragraph, Widget as _, Wrap};
use unicode_width::UnicodeWidthStr;

pub use ansi::to_ansi;
pub use other::sort;

use super::model::{Dashboard, GRID_COLUMNS, Kind, Pos, Slot as DefSlot, Widget};
use super::query::Data;
use crate::tui::theme::{Slot, Theme};

/// What a widget has to show.
#[derive(Debug, Clone, PartialEq)]
pub enum WidgetState {
    /// Not asked for yet.
    Waiting,
    /// Its query runs (for how long, for the spinner).
    Loading(Duration),
    Ready {
        data: Data,
        /// Table: the column sorted by and whether descending.
        sorted_by: Option<(usize, bool)>,
    },
    Failed(String),
    /// Nothing to show yet, and why (a table it needs does not exist).
    Empty(String),
}

/// How one widget is drawn this frame.
#[derive(Debug, Clone, Copy, Default)]
pub struct Look {
    pub focused: bool,
    /// Being moved or resized by keyboard.
    pub editing: bool,
}

const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/// Writes `text` at (x, y), at most `width` cells, in `style`.
pub fn text_at(buf: &mut Buffer, x: u16, y: u16, text: &str, width: u16, style: Style) {
    let area = buf.area;
    if y < area.y || y >= area.bottom() || x >= area.right() {
        return;
    }
    let width = width.min(area.right() - x);
    buf.set_stringn(x, y, text, usize::from(width), style);
}

/// Writes `text` centred on row `y` of `area`.
pub(crate) fn center_at(buf: &mut Buffer, area: Rect, y: u16, text: &str, style: Style) {
    let w = (text.width() as u16).min(area.width);
    text_at(buf, area.x + (area.width - w) / 2, y, text, w, style);
}

/// The style of series `i` (colours from the theme's slots, so themes apply).
pub(crate) fn series_style(theme: &Theme, i: usize) -> Style {
    const PALETTE: [Slot; 6] = [
        Slot::Number,
        Slot::String,
        Slot::Keyword,
        Slot::Function,
        Slot::Success,
        Slot::Warning,
    ];
    theme.get(PALETTE[i % PALETTE.len()])
}

/// The screen rectangle of a grid position inside `area`, `scroll` rows down;
/// `None` when none of it is visible.
pub fn place(area: Rect, pos: Pos, scroll: u16) -> Option<Rect> {
    let col_x =
        |c: u16| area.x + (u32::from(c) * u32::from(area.width) / u32::from(GRID_COLUMNS)) as u16;
    let x = col_x(pos.col);
    let right = col_x(pos.col + pos.width);
    let top = i32::from(area.y) + i32::from(pos.row) - i32::from(scroll);
    let bottom = top + i32::from(pos.height);
    let top_c = top.max(i32::from(area.y));
    let bottom_c = bottom.min(i32::from(area.bottom()));
    if bottom_c <= top_c || right <= x {
        return None;
    }
    Some(Rect {
        x,
        y: top_c as u16,
        width: right - x,
        height: (bottom_c - top_c) as u16,
    })
}

/// Rows a dashboard needs: the header line plus its lowest widget.
pub fn content_height(dash: &Dashboard) -> u16 {
    1 + dash.problems.len() as u16
        + dash
            .widgets
            .iter()
            .map(|w| w.at().bottom())
            .max()
            .unwrap_or(0)
}

/// Draws a whole dashboard: its header (title, filters, file problems) and
/// every widget in `states` (same order as `dash.widgets`). Returns the area
/// the grid was drawn in (for mouse hits and scrolling).
#[allow(clippy::too_many_arguments)]
pub fn draw_dashboard(
    buf: &mut Buffer,
    area: Rect,
    dash: &Dashboard,
    states: &[WidgetState],
    header: &str,
    looks: &dyn Fn(usize) -> Look,
    scroll: u16,
    theme: &Theme,
) -> Rect {
    buf.set_style(area, theme.get(Slot::Base));
    if area.height == 0 {
        return area;
    }
    text_at(
        buf,
        area.x,
        area.y,
        header,
        area.width,
        theme.get(Slot::Title),
    );
    let mut y = area.y + 1;
    for p in &dash.problems {
        if y >= area.bottom() {
            break;
        }
        text_at(
            buf,
            area.x,
            y,
            &format!("⚠ {p}"),
            area.width,
            theme.get(Slot::Error),
        );
        y += 1;
    }
    let grid = Rect {
        y,
        height: area.bottom().saturating_sub(y),
        ..area
    };
    // The focused widget last: one moved onto another is drawn on top.
    let focused = (0..dash.widgets.len()).find(|i| looks(*i).focused);
    let order = (0..dash.widgets.len())
        .filter(|i| Some(*i) != focused)
        .chain(focused);
    for i in order {
        let slot = &dash.widgets[i];
        let Some(r) = place(grid, slot.at(), scroll) else {
            continue;
        };
        let state = states.get(i).unwrap_or(&WidgetState::Waiting);
        draw_slot(buf, r, slot, state, looks(i), theme);
    }
    grid
}

/// Draws one widget (or a broken definition) in its box.
pub fn draw_slot(
    buf: &mut Buffer,
    area: Rect,
    slot: &DefSlot,
    state: &WidgetState,
    look: Look,
    theme: &Theme,
) {
    let border = if look.editing {
        theme.get(Slot::Warning)
    } else if look.focused {
        theme.get(Slot::BorderFocused)
    } else {
        theme.get(Slot::Border)
    };
    let mut title = format!(" {} ", slot.title());
    if look.editing {
        title.push_str("· moving ");
    }
    // A title wider than the box ends in `…` instead of being cut by the border.
    let room = usize::from(area.width.saturating_sub(2));
    if unicode_width::UnicodeWidthStr::width(title.as_str()) > room {
        title = crate::tui::widgets::grid::fit(&title, room, false).into_owned();
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(border)
        .title(Span::styled(title, theme.get(Slot::Title)))
        .style(theme.get(Slot::Base));
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let widget = match slot {
        DefSlot::Broken { problem, .. } => {
            message(buf, inner, &format!("✗ {problem}"), theme.get(Slot::Error));
            return;
        }
        DefSlot::Widget(w) => w,
    };
    match state {
        WidgetState::Waiting => message(buf, inner, "waiting…", theme.get(Slot::Dim)),
        WidgetState::Loading(elapsed) => {
            let frame = (elapsed.as_millis() / 100) as usize % SPINNER.len();
            let t = format!("{} loading {:.1}s", SPINNER[frame], elapsed.as_secs_f64());
            center_at(
                buf,
                inner,
                inner.y + inner.height / 2,
                &t,
                theme.get(Slot::Dim),
            );
        }
        WidgetState::Failed(e) => message(buf, inner, &format!("✗ {e}"), theme.get(Slot::Error)),
        WidgetState::Empty(why) => message(buf, inner, why, theme.get(Slot::Dim)),
        WidgetState::Ready { data, sorted_by } => {
            // The bottom line is the legend note when there is room for both.
            let chart = if inner.height >= 4 {
                Rect {
                    height: inner.height - 1,
                    ..inner
                }
            } else {
                inner
            };
            match draw_kind(buf, chart, widget, data, *sorted_by, theme) {
                Ok(note) => {
                    let mut note = note.unwrap_or_default();
                    if data.truncated {
                        if !note.is_empty() {
                            note.push_str(" · ");
                        }
                        note.push_str(&format!("first {} rows", data.rows));
                    }
                    if chart.height < inner.height && !note.is_empty() {
                        text_at(
                            buf,
                            inner.x,
                            inner.bottom() - 1,
                            &note,
                            inner.width,
                            theme.get(Slot::Dim),
                        );
                    }
                }
                Err(e) => {
                    buf.set_style(inner, theme.get(Slot::Base));
                    for y in inner.top()..inner.bottom() {
                        for x in inner.left()..inner.right() {
                            buf[(x, y)].set_char(' ');
                        }
                    }
                    message(buf, inner, &format!("✗ {e}"), theme.get(Slot::Error));
                }
            }
        }
    }
}

fn draw_kind(
    buf: &mut Buffer,
    area: Rect,
    w: &Widget,
    data: &Data,
    sorted_by: Option<(usize, bool)>,
    theme: &Theme,
) -> Result<Option<String>, String> {
    if data.columns.is_empty() {
        return Err("the query returned no columns".into());
    }
    if data.rows == 0 {
        center_at(
            buf,
            area,
            area.y + area.height / 2,
            "no rows for these filters",
            theme.get(Slot::Dim),
        );
        return Ok(None);
    }
    match w.kind {
        Kind::Sparkline => charts::sparklines(buf, area, w, data, theme),
        Kind::Bar => charts::bars(buf, area, w, data, theme),
        Kind::Line => charts::lines(buf, area, w, data, theme),
        Kind::Number => other::number(buf, area, w, data, theme),
        Kind::Table => other::table(buf, area, w, data, sorted_by, theme),
        Kind::Gauge => other::gauge(buf, area, w, data, theme),
        Kind::Heatmap => other::heatmap(buf, area, w, data, theme),
    }
}

/// A message that keeps its own line breaks (DuckDB errors point at the SQL
/// on a second line) and wraps the rest.
fn message(buf: &mut Buffer, area: Rect, text: &str, style: Style) {
    Paragraph::new(Text::styled(text.to_string(), style))
        .wrap(Wrap { trim: true })
        .render(area, buf);
}

#[cfg(test)]
mod tests;
