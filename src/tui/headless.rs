//! Driving the whole app without a terminal: draw into a `TestBackend`, let
//! the workers finish, read the screen. Tests of every pane use this, so
//! "what a user sees" is asserted the same way everywhere.

use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use super::App;
use super::keymap::Keymap;
use super::panes::{DrawCtx, Pane};
use super::theme::Theme;

/// How long [`Headless::settle`] waits for workers before failing.
pub const WAIT: Duration = Duration::from_secs(120);

/// The app and a fixed-size in-memory screen.
pub struct Headless {
    pub app: App,
    term: Terminal<TestBackend>,
}

impl Headless {
    pub fn new(app: App, width: u16, height: u16) -> Self {
        let term = Terminal::new(TestBackend::new(width, height))
            .unwrap_or_else(|e| panic!("a TestBackend cannot fail to start: {e}"));
        Self { app, term }
    }

    /// Draws, lets the workers finish (drawing between, so panes know their
    /// size and ask for what they show), and returns the final screen.
    ///
    /// Panics when the workers do not finish within [`WAIT`]: this is a test aid.
    pub fn settle(&mut self) -> String {
        for _ in 0..20 {
            self.draw();
            assert!(self.app.pump_until_idle(WAIT), "workers did not finish");
            self.draw();
            if !self.app.busy() {
                break;
            }
        }
        self.draw()
    }

    /// Draws one frame and returns the screen.
    pub fn draw(&mut self) -> String {
        let app = &mut self.app;
        if let Err(e) = self.term.draw(|f| app.draw(f)) {
            panic!("drawing into a TestBackend failed: {e}");
        }
        app.after_draw();
        self.screen()
    }

    /// The last drawn screen, one line per row, trailing blanks trimmed.
    pub fn screen(&self) -> String {
        buffer_text(self.term.backend().buffer())
    }
}

/// A buffer as text: one line per row, trailing blanks trimmed.
pub fn buffer_text(buf: &Buffer) -> String {
    let area = buf.area;
    (0..area.height)
        .map(|y| {
            (0..area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Draws one pane alone (dark theme, default keys) at `width` x `height` and returns the screen.
pub fn draw_pane(pane: &mut dyn Pane, width: u16, height: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(width, height))
        .unwrap_or_else(|e| panic!("a TestBackend cannot fail to start: {e}"));
    let (theme, keymap) = (Theme::dark(), Keymap::default());
    let ctx = DrawCtx {
        theme: &theme,
        keymap: &keymap,
    };
    if let Err(e) = term.draw(|f| {
        let area = f.area();
        pane.draw(f, area, &ctx)
    }) {
        panic!("drawing into a TestBackend failed: {e}");
    }
    buffer_text(term.backend().buffer())
}

/// The text of one grid cell as the screen shows it: column `column` (its
/// header, a sort marker allowed), `row` rows below the header (0 = the first
/// visible data row), trimmed. `None` when no header names the column.
///
/// Columns are told apart by the `│` lines the grid draws; the row-number
/// gutter (under `#`) is not part of the first column. This reads the grid,
/// not the editor: text the user typed never matches a cell.
pub fn grid_cell(screen: &str, column: &str, row: usize) -> Option<String> {
    let lines: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
    for (y, line) in lines.iter().enumerate() {
        for (start, end) in segments(line) {
            let text: String = line[start..end].iter().collect();
            let skip = text.find('#').map_or(0, |i| text[..i].chars().count() + 1);
            let name = text.chars().skip(skip).collect::<String>();
            let name = name.trim().trim_end_matches(['▲', '▼']);
            if name != column {
                continue;
            }
            let cells = lines.get(y + 1 + row)?;
            let from = (start + skip).min(cells.len());
            let to = end.min(cells.len());
            return Some(
                cells[from..to]
                    .iter()
                    .collect::<String>()
                    .trim()
                    .to_string(),
            );
        }
    }
    None
}

/// The `[start, end)` character ranges between `│` separators of a line.
fn segments(line: &[char]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in line.iter().enumerate() {
        if *c == '│' {
            out.push((start, i));
            start = i + 1;
        }
    }
    out.push((start, line.len()));
    out
}

/// The status line (the screen's last line), trimmed.
pub fn status_line(screen: &str) -> &str {
    screen.lines().last().unwrap_or("").trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCREEN: &str = "\
│▸ clvdesk_meta ││ select 'row 0' as label │
│               │┌ Results ────────────────┐
│               ││  #   n│label│nothing▼│
│               ││  1   0│row 0│NULL    │
│               ││  2  17│row 1│        │
 clvdesk   F5 run";

    #[test]
    fn grid_cells_are_read_by_header_and_row() {
        assert_eq!(grid_cell(SCREEN, "n", 0).as_deref(), Some("0"));
        assert_eq!(grid_cell(SCREEN, "n", 1).as_deref(), Some("17"));
        assert_eq!(grid_cell(SCREEN, "label", 1).as_deref(), Some("row 1"));
        assert_eq!(grid_cell(SCREEN, "nothing", 0).as_deref(), Some("NULL"));
        assert_eq!(grid_cell(SCREEN, "nothing", 1).as_deref(), Some(""));
        assert_eq!(grid_cell(SCREEN, "missing", 0), None);
        assert_eq!(grid_cell(SCREEN, "label", 5), None);
        assert_eq!(status_line(SCREEN), "clvdesk   F5 run");
    }
}
