//! Terminal checks: size, colours, whether Ctrl+Enter can be told apart
//! (kitty keyboard protocol) and which fallback keys run a statement, OSC 52
//! clipboard, mouse, and how wide the terminal draws the sparkline glyphs.
//! Queries that need an answer from the terminal run only when both stdin and
//! stdout are a terminal.

use std::io::{IsTerminal, Write};

use crossterm::event::KeyCode;

use super::Check;
use crate::tui::action::Action;
use crate::tui::app::{MIN_HEIGHT, MIN_WIDTH};
use crate::tui::keymap::{Context, KeyChord, Keymap};
use crate::tui::widgets::sparkline::BARS;

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

pub fn checks(keymap: &Keymap) -> Vec<Check> {
    let interactive = std::io::stdout().is_terminal() && std::io::stdin().is_terminal();
    let mut out = Vec::new();
    let term = env("TERM");
    match term.as_deref() {
        None | Some("dumb") => out.push(Check::warn(
            format!("TERM is {}", term.as_deref().unwrap_or("not set")),
            "run the app in a terminal emulator that sets TERM (xterm-256color, tmux-256color, ...)",
        )),
        Some(t) => out.push(Check::ok(format!("TERM={t}"))),
    }
    if interactive {
        out.push(size());
    } else {
        out.push(Check::warn(
            "not a terminal: size, keyboard protocol and glyph widths were not measured",
            "run `clvdesk doctor` directly in the terminal you use the app in",
        ));
    }
    out.push(colours(term.as_deref()));
    out.extend(run_keys(keymap, interactive));
    out.push(clipboard(term.as_deref()));
    out.push(mouse(term.as_deref()));
    out.push(locale());
    if interactive {
        out.push(glyph_width());
    }
    out
}

fn size() -> Check {
    match crossterm::terminal::size() {
        Ok((w, h)) if w >= MIN_WIDTH && h >= MIN_HEIGHT => Check::ok(format!(
            "size {w}×{h} (the app needs at least {MIN_WIDTH}×{MIN_HEIGHT})"
        )),
        Ok((w, h)) => Check::warn(
            format!("size {w}×{h}: smaller than the app's {MIN_WIDTH}×{MIN_HEIGHT}"),
            "enlarge the window; below that size the app shows a note instead of the panes",
        ),
        Err(e) => Check::warn(format!("size unknown: {e}"), "run doctor in a terminal"),
    }
}

fn colours(term: Option<&str>) -> Check {
    if crate::tui::theme::no_color_requested() {
        return Check::ok(
            "colours: NO_COLOR is set, the app is monochrome (bold/reverse/underline)",
        )
        .with_note("unset NO_COLOR for colours");
    }
    let colorterm = env("COLORTERM").unwrap_or_default().to_ascii_lowercase();
    let term = term.unwrap_or("");
    if colorterm == "truecolor" || colorterm == "24bit" {
        Check::ok("colours: truecolor (COLORTERM)")
    } else if term.contains("256color") || term.contains("kitty") || term.contains("direct") {
        Check::warn(
            format!("colours: 256 (TERM={term}); COLORTERM does not announce truecolor"),
            "the built-in dark and light themes use #rrggbb colours; if they look wrong, set\n\
             COLORTERM=truecolor (when your terminal has it) or use --theme high-contrast",
        )
    } else {
        Check::warn(
            format!("colours: 16 or fewer (TERM={term})"),
            "use --theme high-contrast (named colours only), or a terminal with 256/true colours",
        )
    }
}

/// Ctrl+Enter (kitty keyboard protocol) and the keys that run a statement without it.
fn run_keys(keymap: &Keymap, interactive: bool) -> Vec<Check> {
    let mut out = Vec::new();
    let bound = keymap.keys_for(Context::Editor, Action::Run);
    let is_ctrl_enter = |k: &KeyChord| {
        k.code == KeyCode::Enter && k.mods.contains(crossterm::event::KeyModifiers::CONTROL)
    };
    let fallbacks: Vec<String> = bound
        .iter()
        .filter(|k| !is_ctrl_enter(k))
        .map(|k| k.to_string())
        .collect();
    if interactive {
        match crossterm::terminal::supports_keyboard_enhancement() {
            Ok(true) => out.push(Check::ok(
                "keyboard: kitty keyboard protocol supported, Ctrl+Enter is distinguishable",
            )),
            _ => {
                let in_tmux = env("TMUX").is_some();
                out.push(Check::warn(
                    "keyboard: no kitty keyboard protocol, Ctrl+Enter arrives as plain Enter",
                    if in_tmux {
                        "tmux does not pass the kitty protocol on; run statements with the keys below,\n\
                         or run the app outside tmux in kitty, WezTerm, foot, Ghostty or Alacritty"
                    } else {
                        "run statements with the keys below, or use a terminal with the kitty keyboard\n\
                         protocol (kitty, WezTerm, foot, Ghostty, Alacritty, iTerm2 3.5+)"
                    },
                ));
            }
        }
    }
    if fallbacks.is_empty() {
        out.push(Check::fail(
            "keyboard: no key except Ctrl+Enter runs a statement in the editor",
            "bind one in keymap.toml or config.toml: [editor] \"f5\" = \"run\"",
        ));
    } else {
        out.push(
            Check::ok(format!(
                "keyboard: {} run{} a statement in every terminal",
                fallbacks.join(" and "),
                if fallbacks.len() == 1 { "s" } else { "" }
            ))
            .with_note("`clvdesk doctor --keys` shows what your terminal sends for each key"),
        );
    }
    out
}

/// OSC 52: the app copies cells and rows through the terminal (works over SSH).
fn clipboard(term: Option<&str>) -> Check {
    if env("TMUX").is_some() {
        let setting = std::process::Command::new("tmux")
            .args(["show-options", "-gv", "set-clipboard"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
        return match setting.as_deref() {
            Some("on") | Some("external") => Check::ok(format!(
                "clipboard: tmux set-clipboard is {}, OSC 52 copies reach the system clipboard",
                setting.as_deref().unwrap_or_default()
            )),
            Some(v) => Check::warn(
                format!("clipboard: tmux set-clipboard is {v}, copies (y / Y) stay inside the app"),
                "add `set -g set-clipboard on` to ~/.tmux.conf and run `tmux source ~/.tmux.conf`",
            ),
            None => Check::warn(
                "clipboard: cannot read tmux's set-clipboard option",
                "make sure `set -g set-clipboard on` is in ~/.tmux.conf",
            ),
        };
    }
    let program = env("TERM_PROGRAM").unwrap_or_default();
    let term = term.unwrap_or("");
    let known = [
        "kitty",
        "WezTerm",
        "iTerm.app",
        "ghostty",
        "Alacritty",
        "vscode",
        "foot",
    ];
    let by_term = ["kitty", "alacritty", "foot", "wezterm", "ghostty"];
    if known.iter().any(|k| program.eq_ignore_ascii_case(k))
        || by_term.iter().any(|t| term.contains(t))
    {
        let via = if program.is_empty() {
            term
        } else {
            program.as_str()
        };
        Check::ok(format!(
            "clipboard: {via} accepts OSC 52, y / Y in the grid copy to the system clipboard"
        ))
    } else if term == "linux" {
        Check::warn(
            "clipboard: the Linux console has no OSC 52 clipboard",
            "copies (y / Y) stay inside the app; export the result instead",
        )
    } else {
        Check::warn(
            format!(
                "clipboard: cannot tell whether {} accepts OSC 52",
                if program.is_empty() {
                    term
                } else {
                    program.as_str()
                }
            ),
            "press y on a grid cell and paste elsewhere to try; xterm needs\n\
             `XTerm*disallowedWindowOps: 20,21,SetXprop` in ~/.Xresources",
        )
    }
}

fn mouse(term: Option<&str>) -> Check {
    if term == Some("linux") {
        return Check::warn(
            "mouse: the Linux console reports no mouse",
            "use the keys (F1 lists them)",
        );
    }
    Check::ok("mouse: SGR mouse reporting is requested (click tabs, scroll the grid)")
        .with_note("hold Shift while dragging to select text with the terminal instead")
}

fn locale() -> Check {
    let lang = ["LC_ALL", "LC_CTYPE", "LANG"].iter().find_map(|v| env(v));
    match lang {
        Some(l) if l.to_ascii_uppercase().replace('-', "").contains("UTF8") => {
            Check::ok(format!("locale {l} (UTF-8)"))
        }
        Some(l) => Check::warn(
            format!("locale {l} is not UTF-8: box lines and sparklines may show as ?"),
            "export LANG=en_US.UTF-8 (or another UTF-8 locale listed by `locale -a`)",
        ),
        None => Check::warn(
            "no locale set (LANG, LC_CTYPE, LC_ALL)",
            "export LANG=C.UTF-8 (or another UTF-8 locale listed by `locale -a`)",
        ),
    }
}

/// Prints the sparkline glyphs, asks the terminal where the cursor went, and
/// erases them again.
fn glyph_width() -> Check {
    let glyphs: String = BARS.iter().collect();
    let expected = unicode_width::UnicodeWidthStr::width(glyphs.as_str());
    let mut stdout = std::io::stdout();
    let measured = (|| -> std::io::Result<u16> {
        write!(stdout, "\r{glyphs}")?;
        stdout.flush()?;
        let (col, _) = crossterm::cursor::position()?;
        write!(stdout, "\r\x1b[2K")?;
        stdout.flush()?;
        Ok(col)
    })();
    match measured {
        Ok(w) if usize::from(w) == expected => Check::ok(format!(
            "sparkline glyphs {glyphs} are one cell wide each, as the app draws them"
        )),
        Ok(w) => Check::warn(
            format!("sparkline glyphs {glyphs} take {w} cells here, the app expects {expected}"),
            "the terminal treats East Asian ambiguous-width characters as wide; set them to\n\
             narrow (iTerm2: Profiles > Text; VTE/GNOME: Preferences > Compatibility; tmux follows\n\
             the outer terminal)",
        ),
        Err(e) => Check::warn(
            format!("sparkline glyph width not measured: {e}"),
            "the terminal did not answer the cursor position query",
        ),
    }
}
