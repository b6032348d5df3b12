//! The SQL editor: several buffers of `ratatui-textarea`, SQL highlighting,
//! line numbers, undo/redo, open/save `.sql` files, and a session file so the
//! buffers come back on the next start.

use std::path::{Path, PathBuf};

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};
use ratatui_textarea::{CursorMove, TextArea};
use serde::{Deserialize, Serialize};

use crate::config::DEFAULT_TAB_WIDTH;
use crate::tui::theme::{Slot, Theme};
use crate::tui::widgets::highlight;
use crate::workspace::write_atomic;

pub const PLACEHOLDER: &str =
    "Type SQL. Ctrl+J or F5 runs the statement at the cursor; F1 shows all keys.";

#[derive(Debug)]
pub struct Buffer {
    pub name: String,
    pub path: Option<PathBuf>,
    pub area: TextArea<'static>,
    /// Changed since it was opened or saved.
    pub dirty: bool,
}

impl Buffer {
    fn new(name: String, text: &str, path: Option<PathBuf>, tab_width: u8) -> Self {
        let lines: Vec<String> = if text.is_empty() {
            vec![String::new()]
        } else {
            text.split('\n')
                .map(|l| l.trim_end_matches('\r').to_string())
                .collect()
        };
        let mut area = TextArea::new(lines);
        area.set_tab_length(tab_width);
        area.set_max_histories(200);
        area.set_placeholder_text(PLACEHOLDER);
        Buffer {
            name,
            path,
            area,
            dirty: false,
        }
    }

    pub fn text(&self) -> String {
        self.area.lines().join("\n")
    }

    /// Byte offset of the cursor in [`Buffer::text`].
    pub fn cursor_offset(&self) -> usize {
        let ratatui_textarea::DataCursor(row, col) = self.area.cursor();
        let lines = self.area.lines();
        let before: usize = lines[..row].iter().map(|l| l.len() + 1).sum();
        let line = &lines[row];
        let in_line = line.char_indices().nth(col).map_or(line.len(), |(b, _)| b);
        before + in_line
    }

    /// The selected text, if a non-empty selection exists.
    pub fn selection(&self) -> Option<String> {
        let ((r0, c0), (r1, c1)) = self.area.selection_range()?;
        let lines = self.area.lines();
        let byte = |row: usize, col: usize| {
            let l = &lines[row];
            l.char_indices().nth(col).map_or(l.len(), |(b, _)| b)
        };
        let text = if r0 == r1 {
            lines[r0][byte(r0, c0)..byte(r1, c1)].to_string()
        } else {
            let mut s = lines[r0][byte(r0, c0)..].to_string();
            for l in &lines[r0 + 1..r1] {
                s.push('\n');
                s.push_str(l);
            }
            s.push('\n');
            s.push_str(&lines[r1][..byte(r1, c1)]);
            s
        };
        (!text.trim().is_empty()).then_some(text)
    }
}

#[derive(Debug)]
pub struct Editor {
    pub buffers: Vec<Buffer>,
    pub active: usize,
    next_untitled: usize,
    /// Columns a Tab advances (config.toml `editor.tab_width`).
    tab_width: u8,
}

impl Default for Editor {
    fn default() -> Self {
        Editor {
            buffers: vec![Buffer::new(
                "untitled-1".into(),
                "",
                None,
                DEFAULT_TAB_WIDTH,
            )],
            active: 0,
            next_untitled: 2,
            tab_width: DEFAULT_TAB_WIDTH,
        }
    }
}

#[derive(Serialize, Deserialize, Default)]
struct Session {
    active: usize,
    buffers: Vec<SavedBuffer>,
}

#[derive(Serialize, Deserialize)]
struct SavedBuffer {
    name: String,
    path: Option<PathBuf>,
    text: String,
    cursor: (usize, usize),
    dirty: bool,
}

impl Editor {
    /// Sets the Tab width of every buffer, open and future.
    pub fn set_tab_width(&mut self, width: u8) {
        self.tab_width = width.max(1);
        for b in &mut self.buffers {
            b.area.set_tab_length(self.tab_width);
        }
    }

    pub fn current(&self) -> &Buffer {
        &self.buffers[self.active]
    }

    pub fn current_mut(&mut self) -> &mut Buffer {
        &mut self.buffers[self.active]
    }

    pub fn text(&self) -> String {
        self.current().text()
    }

    /// Replace the current buffer's text (tests, "open in editor").
    pub fn set_text(&mut self, text: &str) {
        let tab_width = self.tab_width;
        let b = self.current_mut();
        let name = b.name.clone();
        let path = b.path.clone();
        *b = Buffer::new(name, text, path, tab_width);
        b.dirty = true;
        b.area.move_cursor(CursorMove::Bottom);
        b.area.move_cursor(CursorMove::End);
    }

    pub fn new_buffer(&mut self, text: &str, path: Option<PathBuf>) {
        let name = match &path {
            Some(p) => p.file_name().map_or_else(
                || p.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
            None => {
                let n = format!("untitled-{}", self.next_untitled);
                self.next_untitled += 1;
                n
            }
        };
        self.buffers
            .push(Buffer::new(name, text, path, self.tab_width));
        self.active = self.buffers.len() - 1;
    }

    /// Close the current buffer; the last one is replaced by an empty buffer.
    pub fn close_current(&mut self) {
        self.buffers.remove(self.active);
        if self.buffers.is_empty() {
            let n = format!("untitled-{}", self.next_untitled);
            self.next_untitled += 1;
            self.buffers.push(Buffer::new(n, "", None, self.tab_width));
        }
        self.active = self.active.min(self.buffers.len() - 1);
    }

    pub fn next(&mut self) {
        self.active = (self.active + 1) % self.buffers.len();
    }

    pub fn prev(&mut self) {
        self.active = (self.active + self.buffers.len() - 1) % self.buffers.len();
    }

    /// Feed a key to the text area. Returns whether the text changed.
    pub fn input(&mut self, key: KeyEvent) -> bool {
        let b = self.current_mut();
        let changed = b.area.input(key);
        b.dirty |= changed;
        changed
    }

    pub fn insert(&mut self, s: &str) {
        let b = self.current_mut();
        b.area.insert_str(s);
        b.dirty = true;
    }

    pub fn undo(&mut self) {
        let b = self.current_mut();
        b.dirty |= b.area.undo();
    }

    pub fn redo(&mut self) {
        let b = self.current_mut();
        b.dirty |= b.area.redo();
    }

    /// Open a file in a new buffer (or switch to it if already open).
    pub fn open(&mut self, path: &Path) -> std::io::Result<()> {
        if let Some(i) = self
            .buffers
            .iter()
            .position(|b| b.path.as_deref() == Some(path))
        {
            self.active = i;
            return Ok(());
        }
        let text = std::fs::read_to_string(path)?;
        // Reuse a pristine empty buffer instead of leaving it behind.
        let b = self.current();
        if b.path.is_none() && !b.dirty && b.text().is_empty() {
            self.buffers.remove(self.active);
        }
        self.new_buffer(&text, Some(path.to_path_buf()));
        Ok(())
    }

    /// Save the current buffer to `path` (atomically) and adopt the path.
    pub fn save_as(&mut self, path: &Path) -> std::io::Result<()> {
        let mut text = self.text();
        if !text.ends_with('\n') {
            text.push('\n');
        }
        write_atomic(path, text.as_bytes())?;
        let b = self.current_mut();
        b.path = Some(path.to_path_buf());
        b.name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        b.dirty = false;
        Ok(())
    }

    /// Write every buffer (text, path, cursor) to the session file.
    pub fn save_session(&self, path: &Path) -> std::io::Result<()> {
        let s = Session {
            active: self.active,
            buffers: self
                .buffers
                .iter()
                .map(|b| SavedBuffer {
                    name: b.name.clone(),
                    path: b.path.clone(),
                    text: b.text(),
                    cursor: (b.area.cursor().0, b.area.cursor().1),
                    dirty: b.dirty,
                })
                .collect(),
        };
        let json = serde_json::to_vec_pretty(&s).map_err(std::io::Error::other)?;
        write_atomic(path, &json)
    }

    /// Restore buffers from the session file. A missing file gives the
    /// default editor; a broken one is an error (the caller reports it).
    pub fn load_session(path: &Path) -> Result<Editor, String> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Editor::default()),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        let s: Session =
            serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        if s.buffers.is_empty() {
            return Ok(Editor::default());
        }
        let mut ed = Editor {
            buffers: Vec::new(),
            active: 0,
            next_untitled: 1,
            tab_width: DEFAULT_TAB_WIDTH,
        };
        for sb in s.buffers {
            if let Some(n) = sb
                .name
                .strip_prefix("untitled-")
                .and_then(|n| n.parse::<usize>().ok())
            {
                ed.next_untitled = ed.next_untitled.max(n + 1);
            }
            let mut b = Buffer::new(sb.name, &sb.text, sb.path, ed.tab_width);
            b.dirty = sb.dirty;
            b.area
                .move_cursor(CursorMove::Jump(sb.cursor.0 as u16, sb.cursor.1 as u16));
            ed.buffers.push(b);
        }
        ed.active = s.active.min(ed.buffers.len() - 1);
        Ok(ed)
    }

    /// Buffer names for the strip above the editor.
    pub fn tabs_line(&self, theme: &Theme) -> Line<'static> {
        let mut spans = Vec::new();
        for (i, b) in self.buffers.iter().enumerate() {
            let label = format!(
                " {}{} ",
                b.name,
                if b.dirty && b.path.is_some() { "*" } else { "" }
            );
            let style = if i == self.active {
                theme.get(Slot::TabActive)
            } else {
                theme.get(Slot::Tab)
            };
            spans.push(Span::styled(label, style));
            spans.push(Span::raw(" "));
        }
        Line::from(spans)
    }

    pub fn draw(
        &mut self,
        f: &mut Frame,
        area: Rect,
        theme: &Theme,
        focused: bool,
        title: Line<'static>,
    ) {
        let border = if focused {
            Slot::BorderFocused
        } else {
            Slot::Border
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.get(border))
            .title(title)
            .style(theme.get(Slot::Base));
        let inner = block.inner(area);
        f.render_widget(block, area);
        if inner.height == 0 || inner.width == 0 {
            return;
        }
        let buf_line = Rect { height: 1, ..inner };
        f.render_widget(self.tabs_line(theme), buf_line);
        let text_area = Rect {
            y: inner.y + 1,
            height: inner.height.saturating_sub(1),
            ..inner
        };
        if text_area.height == 0 {
            return;
        }
        let b = self.current_mut();
        let ta = &mut b.area;
        ta.set_style(theme.get(Slot::Base));
        ta.set_line_number_style(theme.get(Slot::LineNumber));
        ta.set_selection_style(theme.get(Slot::Selection));
        ta.set_placeholder_style(theme.get(Slot::Dim));
        if focused {
            ta.set_cursor_style(theme.get(Slot::Cursor));
            ta.set_cursor_line_style(theme.get(Slot::CursorLine));
        } else {
            ta.set_cursor_style(Style::default());
            ta.set_cursor_line_style(Style::default());
        }
        f.render_widget(&*ta, text_area);
        if ta.is_empty() {
            return;
        }
        let (top_row, top_col) = ta.scroll_offset();
        let view = highlight::View {
            area: text_area,
            top_row: top_row as usize,
            top_col: top_col as usize,
            gutter: ta.line_number_width() as usize,
            tab_len: ta.tab_length() as usize,
        };
        highlight::paint(f.buffer_mut(), ta.lines(), &view, theme);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyModifiers};

    fn key(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    #[test]
    fn typing_undo_redo_and_offsets() {
        let mut ed = Editor::default();
        for c in "select 1;".chars() {
            ed.input(key(c));
        }
        assert_eq!(ed.text(), "select 1;");
        assert_eq!(ed.current().cursor_offset(), 9);
        ed.undo();
        assert_ne!(ed.text(), "select 1;");
        ed.redo();
        assert_eq!(ed.text(), "select 1;");
    }

    #[test]
    fn buffers_cycle_and_close() {
        let mut ed = Editor::default();
        ed.new_buffer("select 2", None);
        assert_eq!(ed.active, 1);
        assert_eq!(ed.current().name, "untitled-2");
        ed.next();
        assert_eq!(ed.active, 0);
        ed.prev();
        assert_eq!(ed.active, 1);
        ed.close_current();
        ed.close_current();
        assert_eq!(ed.buffers.len(), 1);
        assert_eq!(ed.text(), "");
    }

    #[test]
    fn session_round_trip_and_files() {
        let dir = tempfile::tempdir().unwrap();
        let mut ed = Editor::default();
        ed.set_text("select 1;\nselect 2;");
        ed.new_buffer("-- two", None);
        let f = dir.path().join("q.sql");
        ed.save_as(&f).unwrap();
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "-- two\n");
        let s = dir.path().join("session.json");
        ed.save_session(&s).unwrap();
        let back = Editor::load_session(&s).unwrap();
        assert_eq!(back.buffers.len(), 2);
        assert_eq!(back.buffers[0].text(), "select 1;\nselect 2;");
        assert_eq!(back.buffers[1].name, "q.sql");
        assert_eq!(back.active, 1);
        std::fs::write(&s, "{broken").unwrap();
        assert!(
            Editor::load_session(&s)
                .unwrap_err()
                .contains("session.json")
        );
        let mut ed = Editor::default();
        ed.open(&f).unwrap();
        assert_eq!(ed.buffers.len(), 1, "pristine buffer replaced");
        assert_eq!(ed.current().name, "q.sql");
    }

    #[test]
    fn draws_line_numbers_and_highlights_sql() {
        use ratatui::Terminal;
        use ratatui::backend::TestBackend;
        let theme = Theme::dark();
        let mut ed = Editor::default();
        ed.set_text("select 1 as one -- c\nfrom t");
        let mut term = Terminal::new(TestBackend::new(40, 6)).unwrap();
        term.draw(|f| {
            let area = f.area();
            ed.draw(f, area, &theme, true, Line::raw("Editor"));
        })
        .unwrap();
        let buf = term.backend().buffer();
        let row = |y: u16| {
            (0..40)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        };
        assert!(row(1).contains("untitled-1"), "{}", row(1));
        assert!(row(2).contains("1 select 1 as one -- c"), "{}", row(2));
        assert!(row(3).contains("2 from t"), "{}", row(3));
        // Column of a substring, in cells (the border is a multi-byte char).
        let col = |y: u16, pat: &str| {
            let r = row(y);
            r[..r.find(pat).unwrap()].chars().count() as u16
        };
        let x = col(2, "select");
        assert_eq!(buf[(x, 2)].fg, theme.get(Slot::Keyword).fg.unwrap());
        let xn = col(2, " 1 as") + 1;
        assert_eq!(buf[(xn, 2)].fg, theme.get(Slot::Number).fg.unwrap());
        let xc = col(2, "--");
        assert_eq!(buf[(xc, 2)].fg, theme.get(Slot::Comment).fg.unwrap());
    }

    #[test]
    fn selection_text() {
        let mut ed = Editor::default();
        ed.set_text("select 1;\nselect 2;");
        let ta = &mut ed.current_mut().area;
        ta.move_cursor(CursorMove::Top);
        ta.move_cursor(CursorMove::Head);
        ta.start_selection();
        ta.move_cursor(CursorMove::Down);
        ta.move_cursor(CursorMove::WordForward);
        assert_eq!(
            ed.current().selection().as_deref(),
            Some("select 1;\nselect ")
        );
    }
}
