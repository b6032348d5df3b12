//! Keys -> actions, per context. Built-in defaults merged with an optional
//! TOML file (`<config dir>/keymap.toml`):
//!
//! ```toml
//! [editor]
//! "ctrl+enter" = "run"     # add a binding
//! "f5" = "none"            # remove one
//! [global]
//! "ctrl+q" = "quit"
//! ```
//!
//! A file that does not parse, or names an unknown context, key or action, is
//! reported (with its path) and the defaults are used unchanged.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::action::Action;

/// Where a key is looked up. The focused context is tried first, then
/// `Global`. A new pane adds a context here (and its name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    Global,
    Editor,
    Results,
    Catalog,
    Popup,
    Deciles,
    Clv,
    Dashboard,
    Segments,
    Schedules,
}

impl Context {
    pub const ALL: &'static [Context] = &[
        Context::Global,
        Context::Editor,
        Context::Results,
        Context::Catalog,
        Context::Popup,
        Context::Deciles,
        Context::Clv,
        Context::Dashboard,
        Context::Segments,
        Context::Schedules,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Editor => "editor",
            Context::Results => "results",
            Context::Catalog => "catalog",
            Context::Popup => "popup",
            Context::Deciles => "deciles",
            Context::Clv => "clv",
            Context::Dashboard => "dashboard",
            Context::Segments => "segments",
            Context::Schedules => "schedules",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::Editor => "SQL editor",
            Context::Results => "Results grid",
            Context::Catalog => "Catalog",
            Context::Popup => "Lists and prompts",
            Context::Deciles => "Deciles",
            Context::Clv => "CLV",
            Context::Dashboard => "Dashboard",
            Context::Segments => "Segments",
            Context::Schedules => "Schedules",
        }
    }

    pub fn from_name(s: &str) -> Option<Context> {
        Context::ALL.iter().copied().find(|c| c.name() == s)
    }
}

/// A key with modifiers, normalised so that `shift+a` and `A` are the same
/// chord and BackTab carries no shift.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyChord {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl KeyChord {
    pub fn new(code: KeyCode, mods: KeyModifiers) -> Self {
        let mut code = code;
        let mut mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        match code {
            KeyCode::Char(c) if mods.contains(KeyModifiers::SHIFT) => {
                // Terminals report shifted letters as uppercase, with or
                // without SHIFT; fold both to "uppercase, no SHIFT".
                code = KeyCode::Char(c.to_ascii_uppercase());
                if c.is_alphabetic() || !c.is_ascii() || c.is_ascii_punctuation() {
                    mods.remove(KeyModifiers::SHIFT);
                }
            }
            KeyCode::BackTab => mods.remove(KeyModifiers::SHIFT),
            _ => {}
        }
        if let KeyCode::Char(c) = code {
            // Ctrl+letter arrives lowercase in legacy mode; keep it lowercase.
            if mods.contains(KeyModifiers::CONTROL) && c.is_ascii_uppercase() {
                code = KeyCode::Char(c.to_ascii_lowercase());
                mods.insert(KeyModifiers::SHIFT);
            }
        }
        KeyChord { code, mods }
    }

    pub fn from_event(ev: &KeyEvent) -> Option<Self> {
        if ev.kind == KeyEventKind::Release {
            return None;
        }
        Some(Self::new(ev.code, ev.modifiers))
    }

    /// Parse `"ctrl+shift+f5"`, `"alt+enter"`, `"G"`, `"pagedown"`, `"space"`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut mods = KeyModifiers::empty();
        let parts: Vec<&str> = if s == "+" {
            vec!["+"]
        } else {
            s.split('+').collect()
        };
        let (key, modifiers) = parts.split_last().ok_or("empty key")?;
        for m in modifiers {
            match m.to_ascii_lowercase().as_str() {
                "ctrl" | "control" | "c" => mods |= KeyModifiers::CONTROL,
                "alt" | "meta" | "m" => mods |= KeyModifiers::ALT,
                "shift" | "s" => mods |= KeyModifiers::SHIFT,
                other => return Err(format!("unknown modifier {other:?} in {s:?}")),
            }
        }
        let lower = key.to_ascii_lowercase();
        let code = match lower.as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "insert" | "ins" => KeyCode::Insert,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" | "pgup" => KeyCode::PageUp,
            "pagedown" | "pgdn" => KeyCode::PageDown,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "space" => KeyCode::Char(' '),
            f if f.len() > 1
                && f.starts_with('f')
                && f[1..].chars().all(|c| c.is_ascii_digit()) =>
            {
                let n: u8 = f[1..]
                    .parse()
                    .map_err(|_| format!("bad function key {key:?}"))?;
                if !(1..=24).contains(&n) {
                    return Err(format!("bad function key {key:?}"));
                }
                KeyCode::F(n)
            }
            _ => {
                let mut chars = key.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => KeyCode::Char(c),
                    _ => return Err(format!("unknown key {key:?} in {s:?}")),
                }
            }
        };
        Ok(KeyChord::new(code, mods))
    }
}

impl fmt::Display for KeyChord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl+")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("Alt+")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("Shift+")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c)
                if self.mods.contains(KeyModifiers::CONTROL)
                    || self.mods.contains(KeyModifiers::ALT) =>
            {
                write!(f, "{}", c.to_ascii_uppercase())
            }
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "F{n}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift+Tab"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::Insert => f.write_str("Ins"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            other => write!(f, "{other:?}"),
        }
    }
}

use Action as A;
use Context as C;

/// The built-in bindings. Ctrl+Enter is seen only where the terminal reports
/// it (kitty keyboard protocol); Ctrl+J and F5 always work.
pub const DEFAULTS: &[(Context, &str, Action)] = &[
    (C::Global, "f1", A::Help),
    (C::Global, "ctrl+q", A::Quit),
    (C::Global, "ctrl+z", A::Suspend),
    (C::Global, "ctrl+c", A::Cancel),
    (C::Global, "f6", A::FocusNext),
    (C::Global, "shift+f6", A::FocusPrev),
    (C::Global, "ctrl+pagedown", A::NextTab),
    (C::Global, "ctrl+pageup", A::PrevTab),
    (C::Global, "alt+1", A::Tab1),
    (C::Global, "alt+2", A::Tab2),
    (C::Global, "alt+3", A::Tab3),
    (C::Global, "alt+4", A::Tab4),
    (C::Global, "alt+5", A::Tab5),
    (C::Global, "alt+6", A::Tab6),
    (C::Global, "alt+e", A::FocusEditor),
    (C::Global, "alt+r", A::FocusResults),
    (C::Global, "alt+c", A::FocusCatalog),
    (C::Editor, "ctrl+enter", A::Run),
    (C::Editor, "ctrl+j", A::Run),
    (C::Editor, "f5", A::Run),
    (C::Editor, "esc", A::Cancel),
    (C::Editor, "ctrl+n", A::NewBuffer),
    (C::Editor, "ctrl+w", A::CloseBuffer),
    (C::Editor, "alt+right", A::NextBuffer),
    (C::Editor, "alt+left", A::PrevBuffer),
    (C::Editor, "ctrl+o", A::Open),
    (C::Editor, "ctrl+s", A::Save),
    (C::Editor, "f2", A::SaveQuery),
    (C::Editor, "f4", A::SavedQueries),
    (C::Editor, "f3", A::History),
    (C::Editor, "ctrl+u", A::Undo),
    (C::Editor, "ctrl+r", A::Redo),
    (C::Results, "f5", A::Run),
    (C::Results, "ctrl+j", A::Run),
    (C::Results, "esc", A::Cancel),
    (C::Results, "up", A::Up),
    (C::Results, "k", A::Up),
    (C::Results, "down", A::Down),
    (C::Results, "j", A::Down),
    (C::Results, "left", A::Left),
    (C::Results, "h", A::Left),
    (C::Results, "right", A::Right),
    (C::Results, "l", A::Right),
    (C::Results, "pageup", A::PageUp),
    (C::Results, "pagedown", A::PageDown),
    (C::Results, "space", A::PageDown),
    (C::Results, "shift+left", A::PageLeft),
    (C::Results, "shift+right", A::PageRight),
    (C::Results, "ctrl+home", A::Top),
    (C::Results, "g", A::Top),
    (C::Results, "ctrl+end", A::Bottom),
    (C::Results, "G", A::Bottom),
    (C::Results, "home", A::LineStart),
    (C::Results, "0", A::LineStart),
    (C::Results, "end", A::LineEnd),
    (C::Results, "$", A::LineEnd),
    (C::Results, "s", A::Sort),
    (C::Results, "enter", A::ViewCell),
    (C::Results, "y", A::CopyCell),
    (C::Results, "Y", A::CopyRow),
    (C::Results, "e", A::Export),
    (C::Catalog, "up", A::Up),
    (C::Catalog, "k", A::Up),
    (C::Catalog, "down", A::Down),
    (C::Catalog, "j", A::Down),
    (C::Catalog, "left", A::Left),
    (C::Catalog, "h", A::Left),
    (C::Catalog, "right", A::Right),
    (C::Catalog, "l", A::Right),
    (C::Catalog, "pageup", A::PageUp),
    (C::Catalog, "pagedown", A::PageDown),
    (C::Catalog, "home", A::Top),
    (C::Catalog, "end", A::Bottom),
    (C::Catalog, "enter", A::Select),
    (C::Catalog, "r", A::Refresh),
    (C::Catalog, "f5", A::Refresh),
    (C::Deciles, "w", A::NextWindow),
    (C::Deciles, "right", A::NextWindow),
    (C::Deciles, "l", A::NextWindow),
    (C::Deciles, "W", A::PrevWindow),
    (C::Deciles, "left", A::PrevWindow),
    (C::Deciles, "h", A::PrevWindow),
    (C::Deciles, "c", A::NextCategory),
    (C::Deciles, "tab", A::NextCategory),
    (C::Deciles, "C", A::PrevCategory),
    (C::Deciles, "]", A::NextJob),
    (C::Deciles, "[", A::PrevJob),
    (C::Deciles, "up", A::Up),
    (C::Deciles, "k", A::Up),
    (C::Deciles, "down", A::Down),
    (C::Deciles, "j", A::Down),
    (C::Deciles, "pageup", A::PageUp),
    (C::Deciles, "pagedown", A::PageDown),
    (C::Deciles, "home", A::Top),
    (C::Deciles, "g", A::Top),
    (C::Deciles, "end", A::Bottom),
    (C::Deciles, "G", A::Bottom),
    (C::Deciles, "enter", A::Select),
    (C::Deciles, "r", A::RunJob),
    (C::Deciles, "f5", A::RunJob),
    (C::Deciles, "ctrl+j", A::RunJob),
    (C::Deciles, "esc", A::Cancel),
    (C::Deciles, "s", A::ShowSql),
    (C::Deciles, "o", A::OpenSql),
    (C::Deciles, "e", A::EditJob),
    (C::Deciles, "n", A::NewJob),
    (C::Deciles, "R", A::Refresh),
    (C::Clv, "r", A::RunJob),
    (C::Clv, "f5", A::RunJob),
    (C::Clv, "ctrl+j", A::RunJob),
    (C::Clv, "esc", A::Cancel),
    (C::Clv, "e", A::EditJob),
    (C::Clv, "h", A::NextWindow),
    (C::Clv, "o", A::OpenSql),
    (C::Clv, "R", A::Refresh),
    (C::Clv, "up", A::Up),
    (C::Clv, "k", A::Up),
    (C::Clv, "down", A::Down),
    (C::Clv, "j", A::Down),
    (C::Clv, "pageup", A::PageUp),
    (C::Clv, "pagedown", A::PageDown),
    (C::Clv, "home", A::Top),
    (C::Clv, "end", A::Bottom),
    (C::Schedules, "up", A::Up),
    (C::Schedules, "k", A::Up),
    (C::Schedules, "down", A::Down),
    (C::Schedules, "j", A::Down),
    (C::Schedules, "pageup", A::PageUp),
    (C::Schedules, "pagedown", A::PageDown),
    (C::Schedules, "home", A::Top),
    (C::Schedules, "g", A::Top),
    (C::Schedules, "end", A::Bottom),
    (C::Schedules, "G", A::Bottom),
    (C::Schedules, "tab", A::FocusNext),
    (C::Schedules, "enter", A::Select),
    (C::Schedules, "r", A::RunJob),
    (C::Schedules, "f5", A::RunJob),
    (C::Schedules, "space", A::ToggleSchedule),
    (C::Schedules, "e", A::EditJob),
    (C::Schedules, "x", A::Cancel),
    (C::Schedules, "R", A::Refresh),
    (C::Segments, "up", A::Up),
    (C::Segments, "k", A::Up),
    (C::Segments, "down", A::Down),
    (C::Segments, "j", A::Down),
    (C::Segments, "left", A::Left),
    (C::Segments, "h", A::Left),
    (C::Segments, "right", A::Right),
    (C::Segments, "l", A::Right),
    (C::Segments, "tab", A::FocusNext),
    (C::Segments, "pageup", A::PageUp),
    (C::Segments, "pagedown", A::PageDown),
    (C::Segments, "home", A::Top),
    (C::Segments, "end", A::Bottom),
    (C::Segments, "enter", A::Select),
    (C::Segments, "e", A::EditJob),
    (C::Segments, "a", A::AddCondition),
    (C::Segments, "x", A::ToggleExclude),
    (C::Segments, "d", A::DeleteItem),
    (C::Segments, "delete", A::DeleteItem),
    (C::Segments, "n", A::NewJob),
    (C::Segments, "m", A::RenameItem),
    (C::Segments, "c", A::DuplicateItem),
    (C::Segments, "s", A::ShowSql),
    (C::Segments, "o", A::OpenSql),
    (C::Segments, "r", A::RunJob),
    (C::Segments, "X", A::ExactCount),
    (C::Segments, "R", A::Refresh),
    (C::Segments, "esc", A::Cancel),
    (C::Dashboard, "up", A::Up),
    (C::Dashboard, "k", A::Up),
    (C::Dashboard, "down", A::Down),
    (C::Dashboard, "j", A::Down),
    (C::Dashboard, "left", A::Left),
    (C::Dashboard, "h", A::Left),
    (C::Dashboard, "right", A::Right),
    (C::Dashboard, "l", A::Right),
    (C::Dashboard, "]", A::NextJob),
    (C::Dashboard, "[", A::PrevJob),
    (C::Dashboard, "enter", A::Select),
    (C::Dashboard, "z", A::ZoomWidget),
    (C::Dashboard, "esc", A::Cancel),
    (C::Dashboard, "r", A::RunJob),
    (C::Dashboard, "f5", A::RunJob),
    (C::Dashboard, "R", A::Refresh),
    (C::Dashboard, "ctrl+s", A::Save),
    (C::Dashboard, "s", A::Sort),
    (C::Dashboard, "v", A::ShowSql),
    (C::Dashboard, "o", A::OpenSql),
    (C::Dashboard, "m", A::MoveWidget),
    (C::Dashboard, "+", A::ResizeWidget),
    (C::Dashboard, "a", A::AddWidget),
    (C::Dashboard, "D", A::DuplicateWidget),
    (C::Dashboard, "x", A::DeleteWidget),
    (C::Dashboard, "delete", A::DeleteWidget),
    (C::Dashboard, "t", A::PickDates),
    (C::Dashboard, "p", A::PickParam),
    (C::Dashboard, "i", A::RefreshInterval),
    (C::Popup, "esc", A::Close),
    (C::Popup, "enter", A::Select),
    (C::Popup, "up", A::Up),
    (C::Popup, "down", A::Down),
    (C::Popup, "pageup", A::PageUp),
    (C::Popup, "pagedown", A::PageDown),
];

/// The merged keymap.
#[derive(Clone, Debug)]
pub struct Keymap {
    map: HashMap<(Context, KeyChord), Action>,
}

impl Default for Keymap {
    fn default() -> Self {
        let mut map = HashMap::new();
        for (ctx, key, action) in DEFAULTS {
            // Defaults are checked by a unit test; a bad one is skipped, never a panic.
            if let Ok(chord) = KeyChord::parse(key) {
                map.insert((*ctx, chord), *action);
            }
        }
        Keymap { map }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct KeymapError {
    pub path: String,
    pub message: String,
}

impl Keymap {
    /// Defaults merged with `path` if it exists. On any error the defaults are
    /// returned with the error to show.
    pub fn load(path: Option<&Path>) -> (Keymap, Option<KeymapError>) {
        let mut km = Keymap::default();
        let Some(path) = path else { return (km, None) };
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (km, None),
            Err(e) => {
                return (
                    km,
                    Some(KeymapError {
                        path: path.display().to_string(),
                        message: e.to_string(),
                    }),
                );
            }
        };
        match km.merge_toml(&text) {
            Ok(()) => (km, None),
            Err(message) => (
                Keymap::default(),
                Some(KeymapError {
                    path: path.display().to_string(),
                    message,
                }),
            ),
        }
    }

    /// Apply overrides from TOML text. All-or-nothing: on error `self` may be
    /// partly changed, so callers start again from the defaults.
    pub fn merge_toml(&mut self, text: &str) -> Result<(), String> {
        let table: BTreeMap<String, BTreeMap<String, String>> =
            toml::from_str(text).map_err(|e| e.to_string())?;
        for (section, bindings) in table {
            let ctx = Context::from_name(&section).ok_or_else(|| {
                format!(
                    "unknown section [{section}] (known: {})",
                    Context::ALL
                        .iter()
                        .map(|c| c.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
            for (key, action) in bindings {
                let chord = KeyChord::parse(&key).map_err(|e| format!("[{section}] {e}"))?;
                if action == "none" {
                    self.map.remove(&(ctx, chord));
                    continue;
                }
                let action = Action::from_name(&action).ok_or_else(|| {
                    format!("[{section}] {key:?}: unknown action {action:?} (see F1 for names)")
                })?;
                self.map.insert((ctx, chord), action);
            }
        }
        Ok(())
    }

    pub fn lookup(&self, ctx: Context, chord: &KeyChord) -> Option<Action> {
        self.map.get(&(ctx, *chord)).copied()
    }

    /// Try each context in order (most specific first).
    pub fn resolve(&self, contexts: &[Context], chord: &KeyChord) -> Option<Action> {
        contexts.iter().find_map(|c| self.lookup(*c, chord))
    }

    /// Keys bound to `action` in `ctx`, for hints ("Ctrl+J/F5").
    pub fn keys_for(&self, ctx: Context, action: Action) -> Vec<KeyChord> {
        let mut keys: Vec<KeyChord> = self
            .map
            .iter()
            .filter(|((c, _), a)| *c == ctx && **a == action)
            .map(|((_, k), _)| *k)
            .collect();
        keys.sort_by_key(|k| (k.to_string().len(), k.to_string()));
        keys
    }

    /// A compact hint: the shortest key for the action, if bound.
    pub fn hint(&self, ctx: Context, action: Action) -> Option<String> {
        self.keys_for(ctx, action).first().map(|k| k.to_string())
    }

    /// Status-line hints for `(context, action)` pairs: the shortest key bound to
    /// each and the action's meaning in that context (the same text F1 lists).
    /// Actions without a key are left out.
    pub fn hints(&self, items: &[(Context, Action)]) -> Vec<(String, &'static str)> {
        items
            .iter()
            .filter_map(|(ctx, action)| {
                self.hint(*ctx, *action)
                    .map(|k| (k, action.desc(*ctx).hint))
            })
            .collect()
    }

    /// Every chord bound anywhere whose display text is `text` (reverse of a hint's key).
    pub fn chords_shown_as(&self, text: &str) -> Vec<KeyChord> {
        let mut out: Vec<KeyChord> = self
            .map
            .keys()
            .map(|(_, k)| *k)
            .filter(|k| k.to_string() == text)
            .collect();
        out.sort_by_key(|k| format!("{k:?}"));
        out.dedup();
        out
    }

    /// Every binding of a context grouped by action, in action order: what
    /// the help screen lists.
    pub fn bindings(&self, ctx: Context) -> Vec<(Action, Vec<KeyChord>)> {
        let mut by_action: BTreeMap<Action, Vec<KeyChord>> = BTreeMap::new();
        for ((c, k), a) in &self.map {
            if *c == ctx {
                by_action.entry(*a).or_default().push(*k);
            }
        }
        by_action
            .into_iter()
            .map(|(a, mut keys)| {
                keys.sort_by_key(|k| (k.to_string().len(), k.to_string()));
                (a, keys)
            })
            .collect()
    }
}

/// `<config dir>/keymap.toml`.
pub fn keymap_path(config_dir: &Path) -> std::path::PathBuf {
    config_dir.join("keymap.toml")
}

/// The keys the app uses: the defaults, `<config dir>/keymap.toml` over them,
/// then `overrides` — (file, keymap.toml-style text), i.e. config.toml's
/// `[keys]` — over those. A layer with an error is skipped whole and reported.
pub fn load_layers(
    config_dir: Option<&Path>,
    overrides: Option<(&Path, &str)>,
) -> (Keymap, Vec<KeymapError>) {
    let (km, err) = Keymap::load(config_dir.map(keymap_path).as_deref());
    let mut errors: Vec<KeymapError> = err.into_iter().collect();
    let Some((origin, text)) = overrides else {
        return (km, errors);
    };
    let mut merged = km.clone();
    match merged.merge_toml(text) {
        Ok(()) => (merged, errors),
        Err(message) => {
            errors.push(KeymapError {
                path: format!("{} [keys]", origin.display()),
                message,
            });
            (km, errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_all_parse() {
        for (_, key, _) in DEFAULTS {
            KeyChord::parse(key).unwrap_or_else(|e| panic!("{key}: {e}"));
        }
        assert_eq!(
            Keymap::default().map.len(),
            DEFAULTS.len(),
            "no duplicate defaults"
        );
    }

    #[test]
    fn every_context_meaning_describes_a_default_binding() {
        let km = Keymap::default();
        for (ctx, action, _, _) in crate::tui::action::IN_CONTEXT {
            assert!(
                !km.keys_for(*ctx, *action).is_empty(),
                "{action:?} is described in {ctx:?} but not bound there"
            );
        }
    }

    #[test]
    fn chords_normalise() {
        let a = KeyChord::parse("G").unwrap();
        let b = KeyChord::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        let c = KeyChord::new(KeyCode::Char('g'), KeyModifiers::SHIFT);
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(
            KeyChord::parse("ctrl+j").unwrap(),
            KeyChord::new(KeyCode::Char('j'), KeyModifiers::CONTROL)
        );
        assert_eq!(
            KeyChord::new(KeyCode::BackTab, KeyModifiers::SHIFT),
            KeyChord::parse("backtab").unwrap()
        );
        assert_eq!(
            KeyChord::parse("ctrl+enter").unwrap().to_string(),
            "Ctrl+Enter"
        );
        assert_eq!(KeyChord::parse("f5").unwrap().to_string(), "F5");
        assert!(KeyChord::parse("hyper+x").is_err());
        assert!(KeyChord::parse("f99").is_err());
    }

    #[test]
    fn run_is_bound_three_ways() {
        let km = Keymap::default();
        for k in ["ctrl+enter", "ctrl+j", "f5"] {
            let chord = KeyChord::parse(k).unwrap();
            assert_eq!(
                km.resolve(&[C::Editor, C::Global], &chord),
                Some(A::Run),
                "{k}"
            );
        }
    }

    #[test]
    fn override_adds_and_removes() {
        let mut km = Keymap::default();
        km.merge_toml("[editor]\n\"f5\" = \"none\"\n\"f9\" = \"run\"\n")
            .unwrap();
        let f5 = KeyChord::parse("f5").unwrap();
        let f9 = KeyChord::parse("f9").unwrap();
        assert_eq!(km.lookup(C::Editor, &f5), None);
        assert_eq!(km.lookup(C::Editor, &f9), Some(A::Run));
    }

    #[test]
    fn bad_file_reports_path_and_keeps_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("keymap.toml");
        std::fs::write(&p, "[editor]\n\"f5\" = \"fly\"\n").unwrap();
        let (km, err) = Keymap::load(Some(&p));
        let err = err.expect("error");
        assert!(err.to_string().contains("keymap.toml"));
        assert!(err.to_string().contains("fly"));
        let f5 = KeyChord::parse("f5").unwrap();
        assert_eq!(km.lookup(C::Editor, &f5), Some(A::Run));

        std::fs::write(&p, "[nowhere]\n\"x\" = \"run\"\n").unwrap();
        assert!(
            Keymap::load(Some(&p))
                .1
                .unwrap()
                .message
                .contains("nowhere")
        );
        std::fs::write(&p, "this is not toml = = =").unwrap();
        assert!(Keymap::load(Some(&p)).1.is_some());
        assert!(
            Keymap::load(Some(&dir.path().join("missing.toml")))
                .1
                .is_none()
        );
    }
}
