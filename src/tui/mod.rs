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
pub mod signals;
pub mod theme;
pub mod widgets;

use std::io::{IsTerminal, Write};
use std::panic::PanicHookInfo;
use std::time::{Duration, Instant};

use crossterm::event::{
    KeyboardEnhancementFlags, PopKeyboardEnhancementFlags, PushKeyboardEnhancementFlags,
};
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, enable_raw_mode};
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

/// Raw mode off, alternate screen left, cursor shown (the results grid hides
/// it), each tried even if another fails. Errors are ignored: after a hang-up
/// the terminal is gone, and reporting that on stderr (gone too) would panic.
fn restore_terminal() {
    let _ = crossterm::terminal::disable_raw_mode();
    let _ = execute!(
        std::io::stdout(),
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
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

/// Clears the screen and makes the next frame draw every cell. Unlike
/// `Terminal::clear` it does not ask the terminal for the cursor position (a
/// query a terminal that is not listening, or gone, leaves unanswered).
fn repaint_all(terminal: &mut DefaultTerminal) -> std::io::Result<()> {
    let size = terminal.size()?;
    terminal.resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))
}

/// Ctrl+Z: give the terminal back, stop, and take it again on `fg`.
fn suspend(
    terminal: &mut DefaultTerminal,
    input: &event::InputThread,
    kitty: bool,
) -> std::io::Result<()> {
    input.pause();
    leave_extras(kitty);
    restore_terminal();
    signals::stop_process();
    // Resumed (SIGCONT).
    enable_raw_mode()?;
    execute!(std::io::stdout(), EnterAlternateScreen)?;
    enter_extras(Some(kitty));
    repaint_all(terminal)?;
    input.resume();
    Ok(())
}

/// The app cannot run without a terminal (cron, CI, `clvdesk < /dev/null`).
#[derive(Debug, thiserror::Error)]
#[error("clvdesk needs a terminal; use a subcommand or --run-schedule")]
pub struct NoTerminal;

/// Whether stdin and stdout are a terminal, as the app needs: it reads keys
/// from stdin and draws on stdout.
pub fn check_terminal() -> Result<(), NoTerminal> {
    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        Ok(())
    } else {
        Err(NoTerminal)
    }
}

/// Installs a panic hook that runs `on_ui_panic` only for a panic on the
/// calling (UI) thread. A worker that panics is reported as a failed job by
/// `engine::worker` and the app keeps running, so its panic must neither
/// restore the terminal under the app nor print over the screen.
pub fn install_panic_hook(on_ui_panic: impl Fn(&PanicHookInfo<'_>) + Send + Sync + 'static) {
    let ui = std::thread::current().id();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() == ui {
            on_ui_panic(info);
        }
    }));
}

/// Run the app until the user quits or a signal ends it. The terminal is
/// restored on exit, on error, on a signal and on a panic of the UI thread;
/// the editor buffers are saved in every case but a panic. Ended by SIGHUP,
/// SIGTERM or SIGINT, it returns [`signals::StoppedBySignal`].
pub fn run(opts: AppOptions) -> anyhow::Result<()> {
    check_terminal()?;
    let t0 = Instant::now();
    let exit_after_first = std::env::var_os(EXIT_AFTER_FIRST_FRAME_ENV).is_some();
    let mut app = App::new(opts);
    let mut signals = signals::spawn(app.sender())
        .map_err(|e| anyhow::anyhow!("cannot listen for signals: {e}"))?;
    let mut terminal = match ratatui::try_init() {
        Ok(t) => t,
        Err(e) => {
            restore_terminal();
            let _ = std::panic::take_hook();
            signals.stop();
            return Err(anyhow::anyhow!("cannot set up the terminal: {e}"));
        }
    };
    let kitty = enter_extras(None);
    // ratatui's hook restores the terminal, then reports the panic.
    let ratatui_hook = std::panic::take_hook();
    install_panic_hook(move |info| {
        leave_extras(kitty);
        ratatui_hook(info);
    });
    let input = event::spawn(app.sender());
    let result = main_loop(&mut terminal, &mut app, &input, kitty, exit_after_first, t0);
    if result.is_err() {
        // A hang-up makes drawing fail; its signal may be a moment behind.
        app.wait(Duration::from_millis(200));
    }
    app.drain();
    if !app.quit {
        // An error ended the loop: save the buffers as quitting does.
        app.request_quit();
    }
    input.stop();
    leave_extras(kitty);
    restore_terminal();
    if terminal.show_cursor().is_err() {
        // The terminal is gone (hung up). Dropping `Terminal` would try to
        // show the cursor again and report the failure with eprintln!, which
        // panics when stderr is that same dead terminal.
        std::mem::forget(terminal);
    }
    app.shutdown(Duration::from_secs(3));
    signals.stop();
    // The terminal is restored: panics report as usual again.
    let _ = std::panic::take_hook();
    if let Some(s) = app.stopped_by {
        return Err(signals::StoppedBySignal(s).into());
    }
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
                Effect::Repaint => {
                    repaint_all(terminal)?;
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
