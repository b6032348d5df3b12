//! `clvdesk doctor`: checks the terminal, the workspace, the config and the
//! scheduler, one line each — ok, warn or fail — with the fix beneath. Exits
//! 1 when a check fails. `clvdesk doctor --keys` is the interactive key test.
//!
//! Doctor only looks: it never creates, migrates or seeds a workspace, and it
//! opens the database without applying migrations.

mod keys;
mod scheduler;
mod terminal;

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;

use super::Cli;
use super::exit::CliError;
use crate::config::{self, Config};
use crate::engine::info::file_header;
use crate::engine::{Database, EngineError, migrations};
use crate::tui::keymap::{Keymap, keymap_path, load_layers};
use crate::tui::theme::Theme;
use crate::workspace::definitions;
use crate::workspace::paths::{self, DATABASE_FILE};

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Interactive key test: show what the terminal sends for each key you press (Esc or q ends).
    #[arg(long)]
    pub keys: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

/// One line of the report.
#[derive(Debug, Clone)]
pub struct Check {
    pub status: Status,
    pub what: String,
    /// How to fix it (or what to do with it); may span lines.
    pub fix: Option<String>,
}

impl Check {
    pub fn ok(what: impl Into<String>) -> Check {
        Check {
            status: Status::Ok,
            what: what.into(),
            fix: None,
        }
    }
    pub fn warn(what: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            status: Status::Warn,
            what: what.into(),
            fix: Some(fix.into()),
        }
    }
    pub fn fail(what: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            status: Status::Fail,
            what: what.into(),
            fix: Some(fix.into()),
        }
    }
    fn with_note(mut self, note: impl Into<String>) -> Check {
        self.fix = Some(note.into());
        self
    }
}

/// A titled group of checks.
pub struct Section {
    pub title: &'static str,
    pub checks: Vec<Check>,
}

pub fn run(cli: &Cli, args: &DoctorArgs) -> anyhow::Result<()> {
    if args.keys {
        return keys::run();
    }
    let sections = collect(cli);
    let colour = std::io::stdout().is_terminal() && !crate::tui::theme::no_color_requested();
    print!("{}", render(&sections, colour));
    let failed = sections
        .iter()
        .flat_map(|s| &s.checks)
        .filter(|c| c.status == Status::Fail)
        .count();
    if failed > 0 {
        return Err(CliError::Failed(format!(
            "doctor: {failed} check{} failed",
            if failed == 1 { "" } else { "s" }
        ))
        .into());
    }
    Ok(())
}

/// Runs every check.
pub fn collect(cli: &Cli) -> Vec<Section> {
    let config_dir = config::config_dir();
    let (cfg, keymap, config_checks) = check_config(config_dir.as_deref());
    let target = resolve_workspace(cli, &cfg);
    vec![
        Section {
            title: "Terminal",
            checks: terminal::checks(&keymap),
        },
        Section {
            title: "Workspace",
            checks: check_workspace(&target),
        },
        Section {
            title: "Config",
            checks: config_checks,
        },
        Section {
            title: "Scheduler",
            checks: scheduler::checks(&target.root),
        },
    ]
}

/// Plain text, with coloured status words when `colour`.
pub fn render(sections: &[Section], colour: bool) -> String {
    let mut out = format!("clvdesk doctor {}\n", env!("CARGO_PKG_VERSION"));
    let mut counts = [0usize; 3];
    for s in sections {
        let _ = writeln!(out, "\n{}", s.title);
        for c in &s.checks {
            counts[c.status as usize] += 1;
            let (word, code) = match c.status {
                Status::Ok => ("ok  ", "32"),
                Status::Warn => ("warn", "33"),
                Status::Fail => ("FAIL", "31;1"),
            };
            let word = if colour {
                format!("\x1b[{code}m{word}\x1b[0m")
            } else {
                word.to_string()
            };
            let _ = writeln!(out, "  {word}  {}", c.what);
            if let Some(fix) = &c.fix {
                for (i, line) in fix.lines().enumerate() {
                    let lead = if i == 0 && c.status != Status::Ok {
                        "fix: "
                    } else {
                        "     "
                    };
                    let _ = writeln!(out, "        {lead}{line}");
                }
            }
        }
    }
    let _ = writeln!(
        out,
        "\n{} ok, {} warn, {} fail",
        counts[0], counts[1], counts[2]
    );
    out
}

/// Where the workspace is and how it was chosen.
pub struct Target {
    /// The folder holding the database and the definition files.
    pub root: PathBuf,
    pub database: PathBuf,
    pub source: &'static str,
}

fn resolve_workspace(cli: &Cli, cfg: &Config) -> Target {
    let (path, source) = match (&cli.workspace, cfg.default_workspace()) {
        (Some(p), _) => (p.clone(), "--workspace / CLVDESK_WORKSPACE"),
        (None, Some(p)) => (p, "default_workspace in config.toml"),
        (None, None) => (
            paths::default_workspace_dir().unwrap_or_else(|| PathBuf::from(".")),
            "the default",
        ),
    };
    let path = std::path::absolute(&path).unwrap_or(path);
    let is_db_file = path.is_file() || path.extension().is_some_and(|e| e == "duckdb");
    if is_db_file {
        Target {
            root: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            database: path,
            source,
        }
    } else {
        Target {
            database: path.join(DATABASE_FILE),
            root: path,
            source,
        }
    }
}

fn check_workspace(t: &Target) -> Vec<Check> {
    let mut out = Vec::new();
    let shown = t.root.display();
    if !t.root.is_dir() {
        out.push(
            Check::ok(format!("{shown} ({}) does not exist yet", t.source))
                .with_note("`clvdesk` creates it and seeds it with the sample data on first run"),
        );
        return out;
    }
    out.push(Check::ok(format!("{shown} ({})", t.source)));
    out.extend(check_database(&t.database));
    for report in definitions::check_all(&t.root) {
        let def = report.folder;
        if report.files == 0 && report.problems.is_empty() {
            continue;
        }
        let good = report.files.saturating_sub(report.problems.len());
        if good > 0 {
            out.push(Check::ok(format!(
                "{}/: {good} {} file{} parse{}",
                def.folder,
                def.what,
                if good == 1 { "" } else { "s" },
                if good == 1 { "s" } else { "" }
            )));
        }
        for p in report.problems {
            let file = p
                .file
                .strip_prefix(&t.root)
                .unwrap_or(&p.file)
                .to_path_buf();
            let shown = definitions::Problem { file, ..p };
            out.push(Check::fail(
                format!("{shown}"),
                format!(
                    "edit {}: the app and scheduled runs skip this {} until it parses",
                    shown.file.display(),
                    def.what
                ),
            ));
        }
    }
    let empty: Vec<&str> = definitions::FOLDERS
        .iter()
        .filter(|d| definitions::files(&t.root, d).is_ok_and(|f| f.is_empty()))
        .map(|d| d.folder)
        .collect();
    if !empty.is_empty() {
        out.push(Check::ok(format!(
            "no definitions yet in: {}",
            empty.join(", ")
        )));
    }
    out
}

fn check_database(db_path: &Path) -> Vec<Check> {
    let mut out = Vec::new();
    let shown = db_path.display();
    if !db_path.is_file() {
        out.push(
            Check::ok(format!("{shown}: no database yet"))
                .with_note("created (with the metadata schema) the first time the workspace opens"),
        );
        return out;
    }
    let embedded = crate::cli::version::collect()
        .map(|v| v.duckdb.version)
        .unwrap_or_else(|_| "?".into());
    match file_header(db_path) {
        Ok(Some(h)) => out.push(Check::ok(format!(
            "database created by DuckDB {} (this clvdesk embeds DuckDB {embedded})",
            if h.written_by.is_empty() {
                "(unknown version)"
            } else {
                &h.written_by
            }
        ))),
        Ok(None) => {
            out.push(Check::fail(
                format!("{shown} is not a DuckDB database"),
                "move it away; clvdesk creates a new warehouse.duckdb when the workspace opens",
            ));
            return out;
        }
        Err(e) => {
            out.push(Check::fail(e.to_string(), "check the file's permissions"));
            return out;
        }
    }
    let db = match Database::open_file(db_path) {
        Ok(db) => db,
        Err(EngineError::Locked { holder, .. }) => {
            out.push(Check::warn(
                format!("locked by {holder}"),
                "another process (the app, or a running `clvdesk` command) has the database open;\n\
                 headless commands exit 3 until it closes; the app runs due schedules itself.\n\
                 Close it or wait for it to finish; schema checks were skipped",
            ));
            return out;
        }
        Err(e) => {
            out.push(Check::fail(
                format!("cannot open the database: {e}"),
                "if a newer DuckDB wrote it, upgrade clvdesk; otherwise restore it from a backup",
            ));
            return out;
        }
    };
    out.push(Check::ok("not locked by another process"));
    let latest = migrations::latest_version();
    match migrations::current_version(db.conn()) {
        Ok(v) if v == latest => {
            out.push(Check::ok(format!("metadata schema version {v} (current)")))
        }
        Ok(0) => out.push(Check::ok(format!(
            "no clvdesk metadata schema yet: version {latest} is created on first open"
        ))),
        Ok(v) if v < latest => out.push(Check::ok(format!(
            "metadata schema version {v}: migrated to {latest} on next open"
        ))),
        Ok(v) => out.push(Check::fail(
            format!("metadata schema version {v} is newer than this clvdesk knows ({latest})"),
            "upgrade clvdesk (cargo install --path . in a newer checkout)",
        )),
        Err(e) => out.push(Check::fail(
            format!("cannot read the metadata schema version: {e}"),
            "restore warehouse.duckdb from a backup",
        )),
    }
    out
}

/// Loads config.toml for doctor: the checks and the settings to use (defaults on error).
fn check_config(config_dir: Option<&Path>) -> (Config, Keymap, Vec<Check>) {
    let mut out = Vec::new();
    let Some(dir) = config_dir else {
        out.push(Check::warn(
            "no config folder: no home directory found",
            "set HOME (or XDG_CONFIG_HOME)",
        ));
        return (Config::default(), Keymap::default(), out);
    };
    out.push(Check::ok(format!("config folder {}", dir.display())));
    let path = config::path_in(dir);
    let (cfg, err) = Config::load_or_default(Some(dir));
    match err {
        None if path.is_file() => out.push(Check::ok(format!("{} parses", path.display()))),
        None => out.push(Check::ok(format!("{}: not found, defaults apply", path.display())).with_note(
            format!("start one with `clvdesk config --example > {}`", path.display()),
        )),
        Some(e) => out.push(Check::fail(
            e.to_string(),
            "correct it (`clvdesk config --example` lists every key); until then the defaults apply",
        )),
    }
    for s in config::SETTINGS {
        if let Some(var) = s.env
            && let Ok(v) = std::env::var(var)
            && !v.is_empty()
        {
            out.push(Check::ok(format!("{var}={v} overrides {}", s.key)));
        }
    }
    let km_path = keymap_path(dir);
    let keys = cfg.keys_toml();
    let (keymap, errors) = load_layers(Some(dir), keys.as_deref().map(|k| (path.as_path(), k)));
    if km_path.is_file()
        && !errors
            .iter()
            .any(|e| e.path == km_path.display().to_string())
    {
        out.push(Check::ok(format!("{} parses", km_path.display())));
    } else if !km_path.is_file() {
        out.push(Check::ok(format!(
            "{}: not found, default keys",
            km_path.display()
        )));
    }
    for e in errors {
        out.push(Check::fail(
            e.to_string(),
            "correct it (F1 in the app lists contexts, keys and actions); until then it is ignored",
        ));
    }
    match Theme::load(&cfg.theme, Some(dir)) {
        Ok(_) => out.push(Check::ok(format!("theme {:?} loads", cfg.theme))),
        Err(e) => out.push(Check::fail(
            e.to_string(),
            "pick a built-in theme (dark, light, high-contrast) or fix the file; the app falls back to dark",
        )),
    }
    let themes_dir = dir.join("themes");
    if let Ok(entries) = std::fs::read_dir(&themes_dir) {
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        for f in files {
            match Theme::load(&f.to_string_lossy(), Some(dir)) {
                Ok(_) => out.push(Check::ok(format!("{} parses", f.display()))),
                Err(e) => out.push(Check::fail(e.to_string(), "fix the theme file")),
            }
        }
    }
    (cfg, keymap, out)
}
