//! `clvdesk doctor --keys`: raw mode (with the kitty keyboard flags when the
//! terminal has them, as in the app), then one line per key pressed — what
//! the terminal sent as crossterm decodes it, and what the app does with it
//! in each pane — until Esc, q or Ctrl+C. The terminal is restored on every
//! way out (a guard's `Drop`, which also runs when unwinding from a panic).

use std::io::{IsTerminal, Write};

use crossterm::event::{
    Event, KeyCode, KeyEventKind, KeyModifiers, KeyboardEnhancementFlags,
    PopKeyboardEnhancementFlags, PushKeyboardEnhancementFlags,
};
use crossterm::execute;
use crossterm::terminal::{disable_raw_mode, enable_raw_mode};

use crate::cli::exit::CliError;
use crate::config::{self, Config};
use crate::tui::keymap::{Context, KeyChord, Keymap, load_layers};

/// Raw mode (and the kitty flags) for as long as it lives.
struct RawMode {
    kitty: bool,
}

impl RawMode {
    fn enter(kitty: bool) -> std::io::Result<RawMode> {
        enable_raw_mode()?;
        let guard = RawMode { kitty };
        if kitty {
            execute!(
                std::io::stdout(),
                PushKeyboardEnhancementFlags(KeyboardEnhancementFlags::DISAMBIGUATE_ESCAPE_CODES)
            )?;
        }
        Ok(guard)
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        if self.kitty {
            let _ = execute!(std::io::stdout(), PopKeyboardEnhancementFlags);
        }
        let _ = disable_raw_mode();
    }
}

/// What the app does with `chord`, pane by pane.
pub fn describe(keymap: &Keymap, chord: &KeyChord) -> String {
    let uses: Vec<String> = Context::ALL
        .iter()
        .filter_map(|ctx| {
            keymap
                .lookup(*ctx, chord)
                .map(|a| format!("{}: {}", ctx.name(), a.name()))
        })
        .collect();
    if uses.is_empty() {
        "not bound (typed as text in the editor)".into()
    } else {
        uses.join(", ")
    }
}

pub fn run() -> anyhow::Result<()> {
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        return Err(
            CliError::Usage("doctor --keys needs a terminal (stdin and stdout)".into()).into(),
        );
    }
    let dir = config::config_dir();
    let (cfg, _) = Config::load_or_default(dir.as_deref());
    let keys = cfg.keys_toml();
    let cfg_path = dir.as_deref().map(config::path_in).unwrap_or_default();
    let (keymap, _) = load_layers(
        dir.as_deref(),
        keys.as_deref().map(|k| (cfg_path.as_path(), k)),
    );
    let kitty = matches!(
        crossterm::terminal::supports_keyboard_enhancement(),
        Ok(true)
    );
    let _raw = RawMode::enter(kitty)?;
    let mut out = std::io::stdout();
    // Raw mode: lines end in \r\n.
    write!(
        out,
        "clvdesk key test: press keys to see what the terminal sends and what they do in the app.\r\n\
         Kitty keyboard protocol: {}.\r\n\
         Try Ctrl+Enter: shown as plain Enter, it cannot run a statement here (use Ctrl+J or F5).\r\n\
         Esc, q or Ctrl+C ends the test.\r\n\r\n",
        if kitty {
            "on (Ctrl+Enter is distinguishable)"
        } else {
            "not supported"
        }
    )?;
    out.flush()?;
    loop {
        let Event::Key(key) = crossterm::event::read()? else {
            continue;
        };
        if key.kind == KeyEventKind::Release {
            continue;
        }
        let Some(chord) = KeyChord::from_event(&key) else {
            continue;
        };
        let mods = if key.modifiers.is_empty() {
            "no modifiers".to_string()
        } else {
            format!("{:?}", key.modifiers)
        };
        write!(
            out,
            "{:<16} {:?} {mods} {:?}\r\n{:<16} -> {}\r\n",
            chord.to_string(),
            key.code,
            key.kind,
            "",
            describe(&keymap, &chord)
        )?;
        out.flush()?;
        let plain = key.modifiers.difference(KeyModifiers::SHIFT).is_empty();
        let ctrl_c =
            key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
        if (plain && matches!(key.code, KeyCode::Esc | KeyCode::Char('q'))) || ctrl_c {
            break;
        }
    }
    write!(out, "\r\nkey test ended\r\n")?;
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_bindings_per_pane() {
        let km = Keymap::default();
        let f5 = KeyChord::parse("f5").unwrap();
        let text = describe(&km, &f5);
        assert!(text.contains("editor: run"), "{text}");
        let none = KeyChord::parse("ctrl+alt+x").unwrap();
        assert!(describe(&km, &none).starts_with("not bound"));
    }
}
