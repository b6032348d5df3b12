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
