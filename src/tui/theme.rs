//! Themes: named style slots read from TOML.
//!
//! The built-in themes live in `themes/*.toml` at the repository root and are
//! embedded in the binary, so the app looks the same wherever it runs. A user
//! theme is `<config dir>/themes/NAME.toml` (or a path to a `.toml` file); it
//! may set only some slots and inherits the rest from `extends` (default
//! `dark`). `NO_COLOR` (any non-empty value) strips every colour and keeps
//! only modifiers (bold, reverse, underline, ...), so the UI stays legible in
//! monochrome.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

macro_rules! slots {
    ($($variant:ident => $name:literal, $mono:expr;)*) => {
        /// A named style slot. Theme files set slots by these names.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Slot { $($variant),* }

        impl Slot {
            pub const ALL: &'static [Slot] = &[$(Slot::$variant),*];

            pub fn name(self) -> &'static str {
                match self { $(Slot::$variant => $name),* }
            }

            pub fn from_name(name: &str) -> Option<Slot> {
                match name { $($name => Some(Slot::$variant),)* _ => None }
            }

            /// Modifiers that keep the slot distinguishable without colour.
            fn mono_modifiers(self) -> Modifier {
                match self { $(Slot::$variant => $mono),* }
            }
        }
    };
}

slots! {
    Base => "base", Modifier::empty();
    Dim => "dim", Modifier::DIM;
    Border => "border", Modifier::empty();
    BorderFocused => "border_focused", Modifier::BOLD;
    Title => "title", Modifier::BOLD;
    Tab => "tab", Modifier::empty();
    TabActive => "tab_active", Modifier::REVERSED.union(Modifier::BOLD);
    Status => "status", Modifier::REVERSED;
    StatusKey => "status_key", Modifier::REVERSED.union(Modifier::BOLD);
    StatusError => "status_error", Modifier::BOLD;
    StatusBusy => "status_busy", Modifier::REVERSED.union(Modifier::BOLD);
    Keyword => "keyword", Modifier::BOLD;
    String => "string", Modifier::empty();
    Number => "number", Modifier::empty();
    Comment => "comment", Modifier::DIM.union(Modifier::ITALIC);
    Operator => "operator", Modifier::empty();
    Function => "function", Modifier::empty();
    LineNumber => "line_number", Modifier::DIM;
    CursorLine => "cursor_line", Modifier::empty();
    Cursor => "cursor", Modifier::REVERSED;
    Selection => "selection", Modifier::REVERSED;
    GridHeader => "grid_header", Modifier::BOLD.union(Modifier::UNDERLINED);
    GridCell => "grid_cell", Modifier::empty();
    GridNumber => "grid_number", Modifier::empty();
    GridNull => "grid_null", Modifier::DIM.union(Modifier::ITALIC);
    GridSelected => "grid_selected", Modifier::REVERSED;
    GridSelectedRow => "grid_selected_row", Modifier::BOLD;
    GridSparkline => "grid_sparkline", Modifier::empty();
    GridRowNumber => "grid_row_number", Modifier::DIM;
    CatalogSchema => "catalog_schema", Modifier::BOLD;
    CatalogTable => "catalog_table", Modifier::empty();
    CatalogView => "catalog_view", Modifier::ITALIC;
    CatalogColumn => "catalog_column", Modifier::empty();
    CatalogType => "catalog_type", Modifier::DIM;
    Error => "error", Modifier::BOLD;
    Warning => "warning", Modifier::BOLD;
    Success => "success", Modifier::empty();
    Popup => "popup", Modifier::empty();
    PopupBorder => "popup_border", Modifier::BOLD;
    HelpKey => "help_key", Modifier::BOLD;
    HelpSection => "help_section", Modifier::BOLD.union(Modifier::UNDERLINED);
}

/// The built-in themes, embedded from `themes/`.
pub const BUILTIN: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
];

pub const DEFAULT_THEME: &str = "dark";

#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("theme {name:?} not found (built-in: dark, light, high-contrast; user themes: {dir})")]
    NotFound { name: String, dir: String },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// A resolved theme: one `Style` per slot.
#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    pub name: String,
    styles: Vec<Style>,
    pub monochrome: bool,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct RawTheme {
    name: Option<String>,
    extends: Option<String>,
    #[serde(default)]
    styles: BTreeMap<String, RawStyle>,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(deny_unknown_fields)]
struct RawStyle {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    underline: bool,
    #[serde(default)]
    reversed: bool,
    #[serde(default)]
    dim: bool,
}

impl RawStyle {
    fn to_style(&self, slot: &str) -> Result<Style, String> {
        let mut style = Style::default();
        if let Some(fg) = &self.fg {
            style = style.fg(parse_color(fg).map_err(|e| format!("styles.{slot}.fg: {e}"))?);
        }
        if let Some(bg) = &self.bg {
            style = style.bg(parse_color(bg).map_err(|e| format!("styles.{slot}.bg: {e}"))?);
        }
        let mut m = Modifier::empty();
        for (on, flag) in [
            (self.bold, Modifier::BOLD),
            (self.italic, Modifier::ITALIC),
            (self.underline, Modifier::UNDERLINED),
            (self.reversed, Modifier::REVERSED),
            (self.dim, Modifier::DIM),
        ] {
            if on {
                m |= flag;
            }
        }
        Ok(style.add_modifier(m))
    }
}

fn parse_color(s: &str) -> Result<Color, String> {
    Color::from_str(s.trim()).map_err(|_| {
        format!("{s:?} is not a colour (use a name like \"blue\", \"#rrggbb\" or an index 0-255)")
    })
}

impl Theme {
    pub fn get(&self, slot: Slot) -> Style {
        self.styles[slot as usize]
    }

    /// Parse a theme file's text. `base` supplies the slots the file leaves out.
    fn parse(text: &str, origin: &str, base: Option<&Theme>) -> Result<Theme, ThemeError> {
        let invalid = |message: String| ThemeError::Invalid {
            path: origin.to_string(),
            message,
        };
        let raw: RawTheme = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let mut styles = match base {
            Some(b) => b.styles.clone(),
            None => vec![Style::default(); Slot::ALL.len()],
        };
        for (key, value) in &raw.styles {
            let slot = Slot::from_name(key).ok_or_else(|| {
                invalid(format!(
                    "unknown style slot {key:?} (known: {})",
                    Slot::ALL
                        .iter()
                        .map(|s| s.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
            styles[slot as usize] = value.to_style(key).map_err(invalid)?;
        }
        Ok(Theme {
            name: raw.name.unwrap_or_else(|| origin.to_string()),
            styles,
            monochrome: false,
        })
    }

    /// The built-in dark theme (always valid: checked by a unit test).
    pub fn dark() -> Theme {
        Self::builtin(DEFAULT_THEME).unwrap_or_else(|_| Theme {
            name: DEFAULT_THEME.into(),
            styles: vec![Style::default(); Slot::ALL.len()],
            monochrome: false,
        })
    }

    fn builtin(name: &str) -> Result<Theme, ThemeError> {
        let (_, text) =
            BUILTIN
                .iter()
                .find(|(n, _)| *n == name)
                .ok_or_else(|| ThemeError::NotFound {
                    name: name.into(),
                    dir: String::new(),
                })?;
        // Built-ins other than dark inherit from dark for slots they skip.
        let base = if name == DEFAULT_THEME {
            None
        } else {
            Some(Self::builtin(DEFAULT_THEME)?)
        };
        Self::parse(text, &format!("themes/{name}.toml"), base.as_ref())
    }

    /// Load a theme by name (built-in or `<config_dir>/themes/NAME.toml`) or by
    /// path to a `.toml` file.
    pub fn load(name: &str, config_dir: Option<&Path>) -> Result<Theme, ThemeError> {
        let user_path: Option<PathBuf> = if name.ends_with(".toml") {
            Some(PathBuf::from(name))
        } else {
            config_dir.map(|d| d.join("themes").join(format!("{name}.toml")))
        };
        if let Some(path) = user_path.as_ref().filter(|p| p.is_file()) {
            let text = std::fs::read_to_string(path).map_err(|source| ThemeError::Io {
                path: path.display().to_string(),
                source,
            })?;
            let origin = path.display().to_string();
            let extends = toml::from_str::<RawTheme>(&text)
                .ok()
                .and_then(|r| r.extends)
                .unwrap_or_else(|| DEFAULT_THEME.to_string());
            let base = Self::builtin(&extends).map_err(|_| ThemeError::Invalid {
                path: origin.clone(),
                message: format!("extends unknown built-in theme {extends:?}"),
            })?;
            return Self::parse(&text, &origin, Some(&base));
        }
        Self::builtin(name).map_err(|_| ThemeError::NotFound {
            name: name.into(),
            dir: config_dir
                .map(|d| d.join("themes").display().to_string())
                .unwrap_or_else(|| "(no config dir)".into()),
        })
    }

    /// Drop every colour, keep (and add) modifiers so slots stay distinct.
    pub fn monochrome(mut self) -> Theme {
        for slot in Slot::ALL {
            let s = self.styles[*slot as usize];
            let mods = s.add_modifier | slot.mono_modifiers();
            self.styles[*slot as usize] = Style::default().add_modifier(mods);
        }
        self.monochrome = true;
        self
    }
}

/// `NO_COLOR` is set to a non-empty value (see no-color.org).
pub fn no_color_requested() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Pick the theme: explicit choice (flag) > workspace setting > config
/// setting > dark. A broken or unknown theme falls back to dark and returns
/// the message to show.
pub fn resolve(
    choices: &[Option<String>],
    config_dir: Option<&Path>,
    no_color: bool,
) -> (Theme, Option<String>) {
    let chosen = choices.iter().flatten().next().cloned();
    let (theme, warning) = match chosen {
        None => (Theme::dark(), None),
        Some(name) => match Theme::load(&name, config_dir) {
            Ok(t) => (t, None),
            Err(e) => (Theme::dark(), Some(format!("{e}; using the dark theme"))),
        },
    };
    if no_color {
        (theme.monochrome(), warning)
    } else {
        (theme, warning)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_parse_and_set_every_slot() {
        for (name, text) in BUILTIN {
            let raw: RawTheme = toml::from_str(text).expect(name);
            let t = Theme::builtin(name).expect(name);
            assert_eq!(t.styles.len(), Slot::ALL.len());
            if *name == "dark" {
                for slot in Slot::ALL {
                    assert!(
                        raw.styles.contains_key(slot.name()),
                        "dark theme must set {}",
                        slot.name()
                    );
                }
            }
        }
    }

    #[test]
    fn unknown_slot_names_file_and_slot() {
        let err = Theme::parse("[styles]\nkeywrd = { fg = \"red\" }", "x.toml", None).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("x.toml") && msg.contains("keywrd"), "{msg}");
    }

    #[test]
    fn bad_colour_is_reported() {
        let err = Theme::parse("[styles]\nbase = { fg = \"nope\" }", "y.toml", None).unwrap_err();
        assert!(err.to_string().contains("styles.base.fg"), "{err}");
    }

    #[test]
    fn user_theme_extends_builtin() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("themes")).unwrap();
        std::fs::write(
            dir.path().join("themes/mine.toml"),
            "extends = \"light\"\n[styles]\nkeyword = { fg = \"#ff0000\", bold = true }\n",
        )
        .unwrap();
        let t = Theme::load("mine", Some(dir.path())).unwrap();
        let light = Theme::load("light", None).unwrap();
        assert_eq!(t.get(Slot::Keyword).fg, Some(Color::Rgb(255, 0, 0)));
        assert_eq!(t.get(Slot::Base), light.get(Slot::Base));
    }

    #[test]
    fn monochrome_has_no_colours() {
        let t = Theme::dark().monochrome();
        for slot in Slot::ALL {
            let s = t.get(*slot);
            assert!(s.fg.is_none() && s.bg.is_none(), "{}", slot.name());
        }
        assert!(
            t.get(Slot::GridSelected)
                .add_modifier
                .contains(Modifier::REVERSED)
        );
    }

    #[test]
    fn resolve_falls_back_with_message() {
        let (t, w) = resolve(&[Some("nosuch".into())], None, false);
        assert_eq!(t.name, "dark");
        assert!(w.unwrap().contains("nosuch"));
        let (t, w) = resolve(&[None, Some("light".into())], None, false);
        assert_eq!(t.name, "light");
        assert!(w.is_none());
    }
}
