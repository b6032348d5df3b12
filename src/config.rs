//! The one user config file: `<config dir>/clvdesk/config.toml`.
//!
//! Every key is optional and has a default; [`SETTINGS`] is the single list
//! of keys, their defaults, environment overrides and documentation, from
//! which `clvdesk config --example` prints a commented file. Unknown keys and
//! values out of range are errors naming the file and the line. `CLVDESK_*`
//! environment variables override the file. Keymap overrides (`[keys.CONTEXT]`)
//! are kept as written and merged by the app's keymap loader, the same code
//! that reads `keymap.toml`; the theme name goes to the theme loader.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::workspace::definitions::{key_line, toml_error_line};

/// The file name inside the config folder.
pub const FILE: &str = "config.toml";

/// Settings, with the defaults documented in [`SETTINGS`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Colour theme: a built-in name or a file in `<config dir>/themes/`.
    pub theme: String,
    /// Workspace opened when none is named on the command line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_workspace: Option<PathBuf>,
    pub editor: EditorSettings,
    pub grid: GridSettings,
    pub refresh: RefreshSettings,
    /// Keymap overrides: context -> key -> action (or "none"), as in keymap.toml.
    pub keys: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EditorSettings {
    pub tab_width: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GridSettings {
    pub float_digits: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RefreshSettings {
    pub dashboard_seconds: u32,
    pub scheduler_seconds: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            theme: "dark".into(),
            default_workspace: None,
            editor: EditorSettings::default(),
            grid: GridSettings::default(),
            refresh: RefreshSettings::default(),
            keys: BTreeMap::new(),
        }
    }
}

/// Columns a Tab advances in the editor unless configured.
pub const DEFAULT_TAB_WIDTH: u8 = 4;

impl Default for EditorSettings {
    fn default() -> Self {
        EditorSettings {
            tab_width: DEFAULT_TAB_WIDTH,
        }
    }
}

impl Default for GridSettings {
    fn default() -> Self {
        GridSettings {
            float_digits: crate::engine::format::DEFAULT_FLOAT_DIGITS,
        }
    }
}

impl Default for RefreshSettings {
    fn default() -> Self {
        RefreshSettings {
            dashboard_seconds: 300,
            scheduler_seconds: 60,
        }
    }
}

/// One documented key of the file.
pub struct Setting {
    /// Table the key is in (`""` for the top level).
    pub section: &'static str,
    pub key: &'static str,
    /// The default as TOML (`None`: unset by default; the example shows `sample` commented out).
    pub default: Option<&'static str>,
    /// A value to show when there is no default.
    pub sample: &'static str,
    /// Environment variable that overrides it.
    pub env: Option<&'static str>,
    /// Allowed range for numbers.
    pub range: Option<(u32, u32)>,
    pub doc: &'static str,
}

/// Every key of config.toml. The example file, the range checks and the
/// environment overrides all come from this list.
pub const SETTINGS: &[Setting] = &[
    Setting {
        section: "",
        key: "theme",
        default: Some("\"dark\""),
        sample: "",
        env: Some("CLVDESK_THEME"),
        range: None,
        doc: "Colour theme: dark, light, high-contrast, or NAME for <config dir>/clvdesk/themes/NAME.toml.\n\
              `--theme` and a workspace's own setting (.clvdesk/app.toml) win over it. NO_COLOR gives monochrome.",
    },
    Setting {
        section: "",
        key: "default_workspace",
        default: None,
        sample: "\"~/clv/workspace\"",
        env: None,
        range: None,
        doc: "Workspace folder used when no PATH, --workspace or CLVDESK_WORKSPACE is given\n\
              (unset: <data dir>/clvdesk/default). `~/` is your home folder.",
    },
    Setting {
        section: "editor",
        key: "tab_width",
        default: Some("4"),
        sample: "",
        env: Some("CLVDESK_EDITOR_TAB_WIDTH"),
        range: Some((1, 16)),
        doc: "Columns a Tab advances in the SQL editor (1-16).",
    },
    Setting {
        section: "grid",
        key: "float_digits",
        default: Some("6"),
        sample: "",
        env: Some("CLVDESK_GRID_FLOAT_DIGITS"),
        range: Some((0, 15)),
        doc: "Most decimals shown for floating-point numbers in the results grid (0-15); trailing\n\
              zeros are dropped. Exports and copied values are never rounded.",
    },
    Setting {
        section: "refresh",
        key: "dashboard_seconds",
        default: Some("300"),
        sample: "",
        env: Some("CLVDESK_REFRESH_DASHBOARD_SECONDS"),
        range: Some((1, 86_400)),
        doc: "Seconds between automatic refreshes of an open dashboard's widgets (1-86400).",
    },
    Setting {
        section: "refresh",
        key: "scheduler_seconds",
        default: Some("60"),
        sample: "",
        env: Some("CLVDESK_REFRESH_SCHEDULER_SECONDS"),
        range: Some((1, 86_400)),
        doc: "Seconds between the app's background checks for due scheduled jobs (1-86400).",
    },
];

/// A config file or override that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{}:{}{message}", path.display(), line.map(|l| format!("{l}: ")).unwrap_or_else(|| " ".into()))]
    Invalid {
        path: PathBuf,
        line: Option<usize>,
        message: String,
    },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("environment variable {var}={value:?}: {message}")]
    Env {
        var: &'static str,
        value: String,
        message: String,
    },
}

/// `<config dir>/config.toml`.
pub fn path_in(config_dir: &Path) -> PathBuf {
    config_dir.join(FILE)
}

/// Where the user's config folder is (keymap.toml, config.toml, themes/).
pub fn config_dir() -> Option<PathBuf> {
    crate::workspace::paths::config_dir()
}

impl Config {
    /// Reads `<config_dir>/config.toml` (defaults when the folder or file is
    /// missing) and applies the `CLVDESK_*` environment overrides.
    pub fn load(config_dir: Option<&Path>) -> Result<Config, ConfigError> {
        let mut cfg = match config_dir.map(path_in) {
            Some(path) => match std::fs::read_to_string(&path) {
                Ok(text) => Config::parse(&path, &text)?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Config::default(),
                Err(source) => return Err(ConfigError::Io { path, source }),
            },
            None => Config::default(),
        };
        cfg.apply_env(|var| std::env::var(var).ok())?;
        Ok(cfg)
    }

    /// Like [`Config::load`] for the app: a broken file gives the defaults
    /// (environment overrides still applied where they are valid) and the
    /// message to show; the app keeps running.
    pub fn load_or_default(config_dir: Option<&Path>) -> (Config, Option<ConfigError>) {
        match Config::load(config_dir) {
            Ok(c) => (c, None),
            Err(e) => {
                let mut cfg = Config::default();
                let _ = cfg.apply_env(|var| std::env::var(var).ok());
                (cfg, Some(e))
            }
        }
    }

    /// Parses a config file's text; `path` names the file in errors.
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let cfg: Config = toml::from_str(text).map_err(|e| ConfigError::Invalid {
            path: path.to_path_buf(),
            line: toml_error_line(text, &e),
            message: e.message().trim().to_string(),
        })?;
        cfg.validate().map_err(|(setting, message)| {
            let key: Vec<&str> = [setting.section, setting.key]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect();
            ConfigError::Invalid {
                path: path.to_path_buf(),
                line: key_line(text, &key),
                message: format!("{}: {message}", key.join(".")),
            }
        })?;
        Ok(cfg)
    }

    fn number(&self, key: &str) -> Option<u32> {
        match key {
            "tab_width" => Some(u32::from(self.editor.tab_width)),
            "float_digits" => Some(u32::from(self.grid.float_digits)),
            "dashboard_seconds" => Some(self.refresh.dashboard_seconds),
            "scheduler_seconds" => Some(self.refresh.scheduler_seconds),
            _ => None,
        }
    }

    fn set_number(&mut self, key: &str, v: u32) {
        let small = |v: u32| u8::try_from(v).unwrap_or(u8::MAX);
        match key {
            "tab_width" => self.editor.tab_width = small(v),
            "float_digits" => self.grid.float_digits = small(v),
            "dashboard_seconds" => self.refresh.dashboard_seconds = v,
            "scheduler_seconds" => self.refresh.scheduler_seconds = v,
            _ => {}
        }
    }

    /// Range checks of [`SETTINGS`]: the first setting out of range.
    fn validate(&self) -> Result<(), (&'static Setting, String)> {
        for s in SETTINGS {
            if let (Some((lo, hi)), Some(v)) = (s.range, self.number(s.key))
                && !(lo..=hi).contains(&v)
            {
                return Err((s, format!("{v} is out of range ({lo}-{hi})")));
            }
        }
        if self.theme.trim().is_empty() {
            return Err((&SETTINGS[0], "must name a theme".into()));
        }
        Ok(())
    }

    /// Applies `CLVDESK_*` overrides read through `get` (the environment).
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        for s in SETTINGS {
            let Some(var) = s.env else { continue };
            let Some(value) = get(var).filter(|v| !v.is_empty()) else {
                continue;
            };
            if s.key == "theme" {
                self.theme = value;
                continue;
            }
            let (lo, hi) = s.range.unwrap_or((0, u32::MAX));
            match value.trim().parse::<u32>() {
                Ok(v) if (lo..=hi).contains(&v) => self.set_number(s.key, v),
                _ => {
                    return Err(ConfigError::Env {
                        var,
                        value,
                        message: format!("expected a whole number from {lo} to {hi}"),
                    });
                }
            }
        }
        Ok(())
    }

    /// The default workspace with `~/` expanded.
    pub fn default_workspace(&self) -> Option<PathBuf> {
        let p = self.default_workspace.as_ref()?;
        if let Ok(rest) = p.strip_prefix("~")
            && let Some(home) = directories::BaseDirs::new()
        {
            return Some(home.home_dir().join(rest));
        }
        Some(p.clone())
    }

    /// The keymap overrides as keymap.toml text (for the keymap loader).
    pub fn keys_toml(&self) -> Option<String> {
        if self.keys.is_empty() {
            return None;
        }
        let mut doc = toml_edit::DocumentMut::new();
        for (ctx, bindings) in &self.keys {
            let mut table = toml_edit::Table::new();
            for (key, action) in bindings {
                table.insert(key, toml_edit::value(action.as_str()));
            }
            doc.insert(ctx, toml_edit::Item::Table(table));
        }
        Some(doc.to_string())
    }
}

/// The commented example printed by `clvdesk config --example`: every key
/// with its default; parsing it gives [`Config::default`].
pub fn example() -> String {
    let mut out = String::from(
        "# clvdesk configuration: <config dir>/clvdesk/config.toml\n\
         # (~/.config/clvdesk/config.toml on Linux; `clvdesk doctor` shows the path).\n\
         # Every key is optional; the values below are the defaults. Unknown keys are an\n\
         # error. Environment variables named beside a key override the file.\n",
    );
    let mut section = "";
    for s in SETTINGS {
        if s.section != section {
            section = s.section;
            out.push_str(&format!("\n[{section}]\n"));
        } else {
            out.push('\n');
        }
        for line in s.doc.lines() {
            out.push_str(&format!("# {}\n", line.trim()));
        }
        if let Some(var) = s.env {
            out.push_str(&format!("# Environment: {var}\n"));
        }
        match s.default {
            Some(v) => out.push_str(&format!("{} = {v}\n", s.key)),
            None => out.push_str(&format!("# {} = {}\n", s.key, s.sample)),
        }
    }
    out.push_str(
        "\n# Keymap overrides, merged over the built-in keys and keymap.toml (F1 in the app lists\n\
         # contexts, keys and action names). \"none\" removes a binding. For example:\n\
         # [keys.editor]\n\
         # \"ctrl+enter\" = \"run\"\n\
         # \"f5\" = \"none\"\n\
         # [keys.global]\n\
         # \"ctrl+q\" = \"quit\"\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_parses_back_into_the_defaults() {
        let text = example();
        let cfg = Config::parse(Path::new("config.toml"), &text).unwrap();
        assert_eq!(cfg, Config::default());
        // Every key of the struct is documented: the defaults serialised name no key
        // the example leaves out.
        let defaults = toml::to_string(&Config::default()).unwrap();
        let table: toml::Table = toml::from_str(&defaults).unwrap();
        for (k, v) in &table {
            match v {
                toml::Value::Table(t) if k != "keys" => {
                    for sub in t.keys() {
                        assert!(
                            text.contains(&format!("[{k}]"))
                                && text.contains(&format!("\n{sub} = ")),
                            "{k}.{sub} missing from the example"
                        );
                    }
                }
                _ => assert!(text.contains(&format!("{k} ")), "{k} missing"),
            }
        }
    }

    #[test]
    fn unknown_keys_name_file_and_line() {
        let err = Config::parse(
            Path::new("/c/config.toml"),
            "theme = \"light\"\n\n[editor]\ntab_widht = 2\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("/c/config.toml:4:"), "{err}");
        assert!(err.contains("tab_widht"), "{err}");
        let err = Config::parse(Path::new("c.toml"), "[grid]\nfloat_digits = 40\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("c.toml:2: grid.float_digits: 40"), "{err}");
    }

    #[test]
    fn environment_overrides_the_file() {
        let mut cfg = Config::parse(Path::new("c.toml"), "[editor]\ntab_width = 2\n").unwrap();
        cfg.apply_env(|v| match v {
            "CLVDESK_EDITOR_TAB_WIDTH" => Some("8".into()),
            "CLVDESK_THEME" => Some("light".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!((cfg.editor.tab_width, cfg.theme.as_str()), (8, "light"));
        let err = cfg
            .apply_env(|v| (v == "CLVDESK_GRID_FLOAT_DIGITS").then(|| "many".into()))
            .unwrap_err();
        assert!(
            err.to_string().contains("CLVDESK_GRID_FLOAT_DIGITS"),
            "{err}"
        );
    }

    #[test]
    fn key_overrides_become_keymap_text() {
        let cfg = Config::parse(
            Path::new("c.toml"),
            "[keys.editor]\n\"f9\" = \"run\"\n\"f5\" = \"none\"\n",
        )
        .unwrap();
        let text = cfg.keys_toml().unwrap();
        let back: BTreeMap<String, BTreeMap<String, String>> = toml::from_str(&text).unwrap();
        assert_eq!(back, cfg.keys);
        assert!(Config::default().keys_toml().is_none());
    }
}
