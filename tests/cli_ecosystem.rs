//! The binary among the terminal tools: completion scripts, man pages,
//! `--version`, `doctor` (healthy, broken definition, locked workspace),
//! `config --example`, and the config's settings taking effect in the app.

use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use clap::CommandFactory;
use clvdesk::cli::Cli;
use clvdesk::config::Config;

/// A user with an empty home: config and data folders inside `home`.
struct User {
    home: tempfile::TempDir,
}

impl User {
    fn new() -> Self {
        User {
            home: tempfile::tempdir().unwrap(),
        }
    }

    fn config_dir(&self) -> PathBuf {
        self.home.path().join("config/clvdesk")
    }

    fn workspace(&self) -> PathBuf {
        self.home.path().join("ws")
    }

    fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("clvdesk").unwrap();
        self.isolate(&mut cmd);
        cmd
    }

    fn isolate<C: EnvLike>(&self, cmd: &mut C) {
        let h = self.home.path();
        cmd.env_set("HOME", h);
        cmd.env_set("XDG_CONFIG_HOME", &h.join("config"));
        cmd.env_set("XDG_DATA_HOME", &h.join("data"));
        for (k, _) in std::env::vars() {
            if k.starts_with("CLVDESK_") || k == "NO_COLOR" {
                cmd.env_unset(&k);
            }
        }
    }

    /// A seeded workspace (the first command that opens it seeds it).
    fn seeded(&self) -> PathBuf {
        let ws = self.workspace();
        self.cmd()
            .args(["query", "-c", "select 1", "--workspace"])
            .arg(&ws)
            .assert()
            .success();
        ws
    }

    fn doctor(&self, ws: &Path) -> (i32, String) {
        let out = self
            .cmd()
            .args(["doctor", "--workspace"])
            .arg(ws)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        (out.status.code().unwrap_or(-1), text)
    }
}

trait EnvLike {
    fn env_set(&mut self, k: &str, v: &Path);
    fn env_unset(&mut self, k: &str);
}
impl EnvLike for Command {
    fn env_set(&mut self, k: &str, v: &Path) {
        self.env(k, v);
    }
    fn env_unset(&mut self, k: &str) {
        self.env_remove(k);
    }
}
impl EnvLike for Process {
    fn env_set(&mut self, k: &str, v: &Path) {
        self.env(k, v);
    }
    fn env_unset(&mut self, k: &str) {
        self.env_remove(k);
    }
}

/// The visible subcommands of the CLI.
fn subcommands() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| s.get_name().to_string())
        .collect()
}

#[test]
fn every_completion_script_names_every_subcommand() {
    let user = User::new();
    let subs = subcommands();
    assert!(subs.len() >= 9, "{subs:?}");
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = user.cmd().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(script.len() > 500, "{shell}: {script}");
        for sub in &subs {
            assert!(script.contains(sub.as_str()), "{shell} script lacks {sub}");
        }
        // Names of the workspace: `ingest --into` completes tables through `__complete`.
        let slot = match shell {
            "bash" | "zsh" => Some("\"$prev\" == --into ]]; then echo tables"),
            "fish" => Some("-l into -x -a '(__clvdesk_names tables)'"),
            _ => None,
        };
        if let Some(slot) = slot {
            assert!(script.contains("clvdesk __complete"), "{shell}");
            assert!(script.contains(slot), "{shell}: {script}");
        }
    }
}

#[test]
fn bash_completes_table_and_job_names_from_the_workspace() {
    if Process::new("bash").arg("--version").output().is_err() {
        eprintln!("no bash: skipped");
        return;
    }
    let user = User::new();
    let ws = user.seeded();
    let script = user.home.path().join("clvdesk.bash");
    let out = user.cmd().args(["completions", "bash"]).output().unwrap();
    std::fs::write(&script, out.stdout).unwrap();
    let path = path_with_binary();
    let complete = |words: &str, cword: usize| {
        let mut p = Process::new("bash");
        user.isolate(&mut p);
        let out = p
            .env("PATH", &path)
            .arg("-c")
            .arg(format!(
                "source {}; COMP_WORDS=({words}); COMP_CWORD={cword}; \
                 _clvdesk_names clvdesk \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; \
                 printf '%s\\n' \"${{COMPREPLY[@]}}\"",
                script.display()
            ))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let typed = format!(
        "clvdesk ingest new.csv --workspace '{}' --into loy",
        ws.display()
    );
    let tables = complete(&typed, 6);
    assert!(
        tables.lines().any(|l| l == "loyalty_transactions"),
        "{tables}"
    );
    assert!(tables.lines().all(|l| l.starts_with("loy")), "{tables}");
    let typed = format!(
        "clvdesk clv --workspace '{}' --transactions ''",
        ws.display()
    );
    let all = complete(&typed, 5);
    for t in ["customers", "email_events", "loyalty_transactions"] {
        assert!(all.lines().any(|l| l == t), "{t} in {all}");
    }
    assert!(!all.contains("clvdesk_meta"), "{all}");
    // Not a name slot: clap's own completion (subcommands) answers.
    let subs = complete("clvdesk ''", 1);
    assert!(subs.contains("doctor") && subs.contains("query"), "{subs}");
    // The hidden lister itself.
    let out = user
        .cmd()
        .args(["__complete", "deciles", "--workspace"])
        .arg(&ws)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "loyalty_miles");
}

/// PATH with the built binary first, so scripts can call `clvdesk`.
fn path_with_binary() -> String {
    let bin = assert_cmd::cargo::cargo_bin("clvdesk");
    format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

fn has(shell: &str) -> bool {
    Process::new(shell)
        .args(["-c", "exit 0"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn zsh_and_fish_complete_names_where_installed() {
    let user = User::new();
    let ws = user.seeded();
    let run = |shell: &str, script_text: &str| {
        let mut p = Process::new(shell);
        user.isolate(&mut p);
        let out = p
            .env("PATH", path_with_binary())
            .arg("-c")
            .arg(script_text)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{shell}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let save = |shell: &str| {
        let file = user.home.path().join(format!("clvdesk.{shell}"));
        let out = user.cmd().args(["completions", shell]).output().unwrap();
        std::fs::write(&file, out.stdout).unwrap();
        file
    };
    let ws_text = ws.display().to_string();
    if has("zsh") {
        // compadd and compdef stubbed: the completion system itself needs a terminal.
        let file = save("zsh");
        let out = run(
            "zsh",
            &format!(
                "compdef() {{}}; compadd() {{ shift; print -l -- ${{(P)1}} }}; source {}; \
                 words=(clvdesk ingest x.csv --workspace '{ws_text}' --into ''); CURRENT=7; _clvdesk_names",
                file.display()
            ),
        );
        assert!(
            out.lines().any(|l| l == "loyalty_transactions"),
            "zsh: {out}"
        );
    } else {
        eprintln!("no zsh: skipped");
    }
    if has("fish") {
        let file = save("fish");
        let out = run(
            "fish",
            &format!(
                "source {}; complete -C 'clvdesk clv --workspace {ws_text} --transactions cus'",
                file.display()
            ),
        );
        assert_eq!(out.trim(), "customers", "fish");
    } else {
        eprintln!("no fish: skipped");
    }
}

#[test]
fn man_pages_render_for_the_command_and_every_subcommand() {
    let user = User::new();
    let out_dir = user.home.path().join("man1");
    user.cmd()
        .args(["man", "--out"])
        .arg(&out_dir)
        .assert()
        .success();
    let mut pages = vec![("clvdesk.1".to_string(), "clvdesk".to_string())];
    pages.extend(
        subcommands()
            .into_iter()
            .map(|s| (format!("clvdesk-{s}.1"), format!("clvdesk-{s}"))),
    );
    // Nested subcommands (`segment list`, ...) get a page each too.
    for s in Cli::command()
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
    {
        for n in s.get_subcommands().filter(|n| !n.is_hide_set()) {
            let name = format!("clvdesk-{}-{}", s.get_name(), n.get_name());
            pages.push((format!("{name}.1"), name));
        }
    }
    let written = std::fs::read_dir(&out_dir).unwrap().count();
    // Nested subcommands (`dashboard list`, `dashboard render`) get pages too.
    fn all(c: &clap::Command) -> usize {
        c.get_subcommands()
            .filter(|s| !s.is_hide_set())
            .map(|s| 1 + all(s))
            .sum()
    }
    assert!(pages.len() <= 1 + all(&Cli::command()));
    assert_eq!(
        written,
        1 + all(&Cli::command()),
        "one page each, none for hidden commands"
    );
    let has_man = Process::new("man")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    for (file, name) in &pages {
        let path = out_dir.join(file);
        let roff = std::fs::read_to_string(&path).unwrap();
        // Structure: a title line naming the page, NAME and SYNOPSIS sections.
        assert!(roff.starts_with(".ie") || roff.contains(".TH"), "{file}");
        assert!(roff.contains(&format!(".TH {name} 1")), "{file}: {roff}");
        assert!(
            roff.contains(".SH NAME") && roff.contains(".SH SYNOPSIS"),
            "{file}"
        );
        if has_man {
            let out = Process::new("man")
                .env("MANWIDTH", "80")
                .env("MANPAGER", "cat")
                .env("PAGER", "cat")
                .args(["-l"])
                .arg(&path)
                .stdin(Stdio::null())
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "man -l {file}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                text.contains("NAME") && text.contains("SYNOPSIS"),
                "{file}: {text}"
            );
            assert!(text.contains(name.as_str()), "{file}: {text}");
        }
    }
    let main = std::fs::read_to_string(out_dir.join("clvdesk.1")).unwrap();
    assert!(main.contains("EXIT STATUS") && main.contains("CLVDESK_WORKSPACE"));
    // Without --out the main page goes to stdout.
    let out = user.cmd().arg("man").output().unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), main);
}

#[test]
fn version_names_clvdesk_duckdb_and_extensions() {
    let user = User::new();
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let duckdb_version: String = conn
        .query_row("select version()", [], |r| r.get(0))
        .unwrap();
    let text = user.cmd().arg("--version").output().unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.starts_with(&format!("clvdesk {}\n", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
    assert!(
        text.contains(&format!("DuckDB {duckdb_version} (")),
        "{text}"
    );
    assert!(text.contains("parquet") && text.contains("json"), "{text}");
    let out = user
        .cmd()
        .args(["version", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["clvdesk"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["duckdb"]["version"], duckdb_version.as_str());
    let exts = v["duckdb"]["extensions"].as_array().unwrap();
    let parquet = exts
        .iter()
        .find(|e| e["name"] == "parquet")
        .expect("parquet listed");
    assert_eq!(parquet["loaded"], true);
    assert_eq!(parquet["install_mode"], "STATICALLY_LINKED");
}

#[test]
fn doctor_passes_on_a_healthy_workspace() {
    let user = User::new();
    let ws = user.seeded();
    let (code, out) = user.doctor(&ws);
    assert_eq!(code, 0, "{out}");
    for section in ["Terminal", "Workspace", "Config", "Scheduler"] {
        assert!(out.contains(&format!("\n{section}\n")), "{section}: {out}");
    }
    assert!(out.contains("deciles/: 1 decile job file parses"), "{out}");
    assert!(
        out.contains("metadata schema version") && out.contains("(current)"),
        "{out}"
    );
    assert!(out.contains("not locked"), "{out}");
    assert!(out.contains("--run-schedule --workspace"), "{out}");
    assert!(!out.contains("FAIL"), "{out}");
    assert!(out.contains(" 0 fail"), "{out}");
}

#[test]
fn doctor_names_a_broken_definition_file_and_line_and_exits_1() {
    let user = User::new();
    let ws = user.seeded();
    std::fs::write(
        ws.join("deciles/broken.toml"),
        "source = \"loyalty_transactions\"\nidentity = \"member_id\"\nmetric = = \"miles\"\n",
    )
    .unwrap();
    let starter = std::fs::read_to_string(ws.join("deciles/loyalty_miles.toml")).unwrap();
    let bad = starter.replace("buckets = 10", "buckets = 7");
    let bad_line = bad.lines().position(|l| l == "buckets = 7").unwrap() + 1;
    std::fs::write(ws.join("deciles/seven.toml"), &bad).unwrap();
    std::fs::create_dir_all(ws.join("segments")).unwrap();
    std::fs::write(ws.join("segments/vip.toml"), "[rule\n").unwrap();
    let (code, out) = user.doctor(&ws);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAIL  deciles/broken.toml:3: "), "{out}");
    assert!(
        out.contains(&format!("FAIL  deciles/seven.toml:{bad_line}: `buckets`")),
        "{out}"
    );
    assert!(out.contains("FAIL  segments/vip.toml:1: "), "{out}");
    assert!(out.contains("deciles/: 1 decile job file parses"), "{out}");
}

#[test]
fn doctor_names_the_process_holding_the_workspace() {
    let user = User::new();
    let ws = user.seeded();
    let bin = assert_cmd::cargo::cargo_bin("clvdesk");
    let mut holder = Process::new(&bin);
    user.isolate(&mut holder);
    let mut child = holder
        .args(["query", "--workspace"])
        .arg(&ws)
        .args(["-c", "select sum(range) from range(1000000000000::bigint)"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    // Wait until the holder has the database open (no timing is asserted).
    let started = Instant::now();
    let mut last = String::new();
    while started.elapsed() < Duration::from_secs(120) {
        let (_, out) = user.doctor(&ws);
        if out.contains("locked by") {
            last = out;
            break;
        }
        last = out;
        std::thread::sleep(Duration::from_millis(200));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(last.contains(&format!("(PID {pid})")), "{last}");
    assert!(
        last.contains("locked by") && last.contains("clvdesk"),
        "{last}"
    );
}

#[test]
fn config_example_parses_back_into_the_defaults() {
    let user = User::new();
    let out = user.cmd().args(["config", "--example"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let cfg = Config::parse(Path::new("config.toml"), &text).unwrap();
    assert_eq!(cfg, Config::default());
    for s in clvdesk::config::SETTINGS {
        assert!(
            text.contains(&format!("{} = ", s.key)),
            "{} documented",
            s.key
        );
    }
    // Installed as is, doctor reads it.
    std::fs::create_dir_all(user.config_dir()).unwrap();
    std::fs::write(user.config_dir().join("config.toml"), &text).unwrap();
    let ws = user.seeded();
    let (code, report) = user.doctor(&ws);
    assert_eq!(code, 0, "{report}");
    assert!(report.contains("config.toml parses"), "{report}");
}

#[test]
fn a_bad_config_key_is_an_error_naming_file_and_line() {
    let user = User::new();
    std::fs::create_dir_all(user.config_dir()).unwrap();
    let file = user.config_dir().join("config.toml");
    std::fs::write(&file, "theme = \"light\"\n[grid]\nfloat_digit = 3\n").unwrap();
    // A command that needs the default workspace reads the config: usage error.
    let out = user
        .cmd()
        .args(["query", "-c", "select 1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{}:3:", file.display())) && err.contains("float_digit"),
        "{err}"
    );
    let ws = user.seeded();
    let (code, report) = user.doctor(&ws);
    assert_eq!(code, 1, "{report}");
    assert!(
        report.contains(&format!("FAIL  {}:3:", file.display())),
        "{report}"
    );
}

#[test]
fn default_workspace_from_the_config_is_used() {
    let user = User::new();
    let ws = user.seeded();
    std::fs::create_dir_all(user.config_dir()).unwrap();
    std::fs::write(
        user.config_dir().join("config.toml"),
        format!("default_workspace = {:?}\n", ws.display().to_string()),
    )
    .unwrap();
    let out = user.cmd().args(["__complete", "jobs"]).output().unwrap();
    // The starter jobs (what --job accepts), not the schedules that run them.
    let jobs = String::from_utf8_lossy(&out.stdout);
    let jobs: Vec<&str> = jobs.lines().collect();
    for job in [
        "clv_refit",
        "loyalty_miles",
        "response_fold",
        "insights_refresh",
    ] {
        assert!(jobs.contains(&job), "{jobs:?}");
    }
    assert!(!jobs.contains(&"daily_deciles"), "{jobs:?}");
    let out = user
        .cmd()
        .args([
            "query",
            "-c",
            "select count(*) as n from customers",
            "--format",
            "csv",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, report) = user.doctor_default();
    assert!(
        report.contains("(default_workspace in config.toml)"),
        "{report}"
    );
}

impl User {
    fn doctor_default(&self) -> (i32, String) {
        let out = self.cmd().arg("doctor").output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    }
}

#[test]
fn config_settings_take_effect_in_the_app() {
    use clvdesk::tui::action::Action;
    use clvdesk::tui::keymap::{Context, KeyChord};
    use crossterm::event::{KeyCode, KeyModifiers};

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        "theme = \"light\"\n[editor]\ntab_width = 2\n[grid]\nfloat_digits = 2\n\
         [keys.editor]\n\"f9\" = \"run\"\n\"f5\" = \"none\"\n",
    )
    .unwrap();
    let ws =
        clvdesk::workspace::Workspace::open_database_file(&dir.path().join("t.duckdb")).unwrap();
    let app = clvdesk::tui::App::new(clvdesk::tui::AppOptions {
        workspace: ws,
        theme: None,
        config_dir: Some(config),
    });
    assert!(
        app.notice.is_none(),
        "no warnings: {:?}",
        app.notice.as_ref().map(|n| &n.text)
    );
    assert_eq!(app.theme.name, "light");
    let f9 = KeyChord::parse("f9").unwrap();
    let f5 = KeyChord::parse("f5").unwrap();
    assert_eq!(app.keymap.lookup(Context::Editor, &f9), Some(Action::Run));
    assert_eq!(app.keymap.lookup(Context::Editor, &f5), None);
    assert_eq!(app.sql().editor.current().area.tab_length(), 2);
    let mut h = clvdesk::tui::headless::Headless::new(app, 100, 30);
    h.app
        .sql_mut()
        .editor
        .set_text("select 1234.56789::double as x, 0.5::double as y");
    h.app.key(KeyCode::F(9), KeyModifiers::NONE);
    let screen = h.settle();
    assert!(screen.contains("1,234.57"), "{screen}");
    assert!(!screen.contains("1,234.56789"), "{screen}");
}
