//! The interactive app (`clvdesk [PATH]`).
//!
//! Elm-style: an input thread ([`event`]) and the workers send [`effect::Msg`]s
//! on one channel; the main loop applies them with [`App::update`], runs the
//! effects, and draws once per batch of messages. The terminal is touched only
//! here ([`run`]); everything else runs headless in tests.

pub mod action;
pub mod app;
pub mod effect;
pub mod event;
pub mod headless;
pub mod history;
pub mod keymap;
pub mod overlay;
pub mod panes;
pub mod theme;
pub mod widgets;

use std::io::Write;
use std::time::{Duration, Instant};

use crossterm::event::{
    KeyboardEnhancementFlags, PopKeyboardEnhancementFlags, PushKeyboardEnhancementFlags,
};
use crossterm::terminal::{EnterAlternateScreen, enable_raw_mode};
use crossterm::{execute, queue};
use ratatui::DefaultTerminal;

pub use app::{App, AppOptions};
use effect::Effect;

/// Set to exit right after the first frame is drawn (startup measurements).
pub const EXIT_AFTER_FIRST_FRAME_ENV: &str = "CLVDESK_EXIT_AFTER_FIRST_FRAME";

/// Mouse buttons, drags and wheel (no motion tracking), SGR encoding.
const MOUSE_ON: &str = "\x1b[?1000h\x1b[?1002h\x1b[?1006h";
const MOUSE_OFF: &str = "\x1b[?1006l\x1b[?1002l\x1b[?1000l";

/// Mouse, bracketed paste, and the kitty keyboard flags when the terminal
/// supports them (so Ctrl+Enter is reported). Returns whether flags were pushed.
fn enter_extras(kitty: Option<bool>) -> bool {
    let mut out = std::io::stdout();
    let _ = out.write_all(MOUSE_ON.as_bytes());
    let _ = execute!(out, crossterm::event::EnableBracketedPaste);
    let kitty = kitty.unwrap_or_else(|| {
        matches!(
            crossterm::terminal::supports_keyboard_enhancement(),
            Ok(true)
        )
    });
    if kitty {
        let _ = execute!(
            out,
            PushKeyboardEnhancementFlags(KeyboardEnhancementFlags::DISAMBIGUATE_ESCAPE_CODES)
        );
    }
    kitty
}

fn leave_extras(kitty: bool) {
    let mut out = std::io::stdout();
    if kitty {
        let _ = queue!(out, PopKeyboardEnhancementFlags);
    }
    let _ = queue!(out, crossterm::event::DisableBracketedPaste);
    let _ = out.write_all(MOUSE_OFF.as_bytes());
    let _ = out.flush();
}

/// Put text on the system clipboard through the terminal (OSC 52; works over SSH).
fn osc52(text: &str) {
    let mut out = std::io::stdout();
    let _ = write!(out, "\x1b]52;c;{}\x07", base64(text.as_bytes()));
    let _ = out.flush();
}

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                s.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

/// Ctrl+Z: give the terminal back, stop, and take it again on `fg`.
fn suspend(
    terminal: &mut DefaultTerminal,
    input: &event::InputThread,
    kitty: bool,
) -> std::io::Result<()> {
    input.pause();
    leave_extras(kitty);
    ratatui::restore();
    #[cfg(unix)]
    // SAFETY: raise() with a valid signal number has no memory-safety preconditions.
    unsafe {
        libc::raise(libc::SIGTSTP);
    }
    // Resumed (SIGCONT).
    enable_raw_mode()?;
    execute!(std::io::stdout(), EnterAlternateScreen)?;
    enter_extras(Some(kitty));
    terminal.clear()?;
    input.resume();
    Ok(())
}

/// Run the app until the user quits. The terminal is restored on exit, on
/// error and on panic.
pub fn run(opts: AppOptions) -> anyhow::Result<()> {
    let t0 = Instant::now();
    let exit_after_first = std::env::var_os(EXIT_AFTER_FIRST_FRAME_ENV).is_some();
    let mut app = App::new(opts);
    let mut terminal = ratatui::init();
    let kitty = enter_extras(None);
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        leave_extras(kitty);
        prev(info);
    }));
    let input = event::spawn(app.sender());
    let result = main_loop(&mut terminal, &mut app, &input, kitty, exit_after_first, t0);
    input.stop();
    leave_extras(kitty);
    ratatui::restore();
    app.shutdown(Duration::from_secs(3));
    // Give the panic hook back to ratatui's restore-only hook chain.
    let _ = std::panic::take_hook();
    if exit_after_first && let Ok((ms, at)) = &result {
        eprintln!(
            "first frame drawn {:.1} ms after tui::run started (epoch ms {})",
            ms.as_secs_f64() * 1000.0,
            at.timestamp_millis()
        );
    }
    result.map(|_| ())
}

fn main_loop(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    input: &event::InputThread,
    kitty: bool,
    exit_after_first: bool,
    t0: Instant,
) -> anyhow::Result<(Duration, chrono::DateTime<chrono::Utc>)> {
    let mut first_frame = None;
    loop {
        terminal.draw(|f| app.draw(f))?;
        app.after_draw();
        if first_frame.is_none() {
            first_frame = Some((t0.elapsed(), chrono::Utc::now()));
            if exit_after_first {
                app.request_quit();
            }
        }
        let mut resumed = false;
        for e in std::mem::take(&mut app.terminal_effects) {
            match e {
                Effect::Copy(text) => osc52(&text),
                Effect::Suspend => {
                    suspend(terminal, input, kitty)?;
                    resumed = true;
                }
                _ => {}
            }
        }
        if app.quit {
            return Ok(first_frame.unwrap_or_else(|| (Duration::ZERO, chrono::Utc::now())));
        }
        if resumed {
            continue; // repaint the cleared screen at once
        }
        // Redraw ten times a second while something runs (elapsed time,
        // progress); otherwise sleep until a message arrives.
        let timeout = if app.busy() {
            Duration::from_millis(100)
        } else {
            Duration::from_secs(3600)
        };
        app.wait(timeout);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(super::base64(b""), "");
        assert_eq!(super::base64(b"f"), "Zg==");
        assert_eq!(super::base64(b"fo"), "Zm8=");
        assert_eq!(super::base64(b"foo"), "Zm9v");
        assert_eq!(super::base64(b"foobar"), "Zm9vYmFy");
    }
}
