//! `clvdesk completions SHELL` prints a completion script generated from the
//! clap definitions (clap_complete). For bash, zsh and fish it adds a small
//! function that completes workspace names — tables, decile jobs, segments,
//! dashboards, schedules, destinations — by calling the hidden
//! `clvdesk __complete KIND [--workspace DIR]`, which prints one name a line.
//! Elvish and PowerShell get the static script (flags and subcommands).
//!
//! Which argument takes which kind of name is one list, [`NAME_SLOTS`]; a slot
//! whose subcommand or flag does not exist (yet) is left out of the script, so
//! a command added later completes names as soon as it appears in the CLI.

use std::path::Path;

use clap::{Args, CommandFactory, ValueEnum};
use clap_complete::Shell;

use super::Cli;
use crate::engine::{Database, catalog};
use crate::scheduler::registry::Registry;
use crate::workspace::definitions::{self, DefinitionFolder};
use crate::workspace::paths;

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, Args)]
pub struct CompleteArgs {
    /// What to list.
    #[arg(value_enum)]
    pub kind: NameKind,
}

/// Kinds of names a workspace defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NameKind {
    /// Tables and views of the workspace database (`schema.name` outside `main`).
    Tables,
    /// Jobs `--run-schedule --job` accepts: every job of the job registry
    /// (decile jobs, job files, and whatever kinds the registry learns).
    Jobs,
    Deciles,
    Queries,
    Segments,
    Dashboards,
    Schedules,
    Destinations,
}

impl NameKind {
    /// The name on the command line (`__complete NAME`); also the folder name.
    pub fn name(self) -> &'static str {
        match self {
            NameKind::Tables => "tables",
            NameKind::Jobs => "jobs",
            NameKind::Deciles => "deciles",
            NameKind::Queries => "queries",
            NameKind::Segments => "segments",
            NameKind::Dashboards => "dashboards",
            NameKind::Schedules => "schedules",
            NameKind::Destinations => "destinations",
        }
    }

    /// The definition folders this kind lists.
    fn folders(self) -> Vec<&'static DefinitionFolder> {
        let names: &[&str] = match self {
            NameKind::Tables | NameKind::Jobs => &[],
            other => return definitions::folder(other.name()).into_iter().collect(),
        };
        names
            .iter()
            .filter_map(|n| definitions::folder(n))
            .collect()
    }
}

/// An argument that takes a workspace name.
pub struct NameSlot {
    /// Subcommand path (`[]` = the top level).
    pub command: &'static [&'static str],
    /// The flag taking the name, or `None` for the first positional after the path.
    pub flag: Option<&'static str>,
    pub kind: NameKind,
}

/// Every argument of the CLI contract that names something in the workspace.
pub const NAME_SLOTS: &[NameSlot] = &[
    NameSlot {
        command: &["ingest"],
        flag: Some("--into"),
        kind: NameKind::Tables,
    },
    NameSlot {
        command: &["clv"],
        flag: Some("--transactions"),
        kind: NameKind::Tables,
    },
    NameSlot {
        command: &[],
        flag: Some("--job"),
        kind: NameKind::Jobs,
    },
    NameSlot {
        command: &["segment", "show"],
        flag: None,
        kind: NameKind::Segments,
    },
    NameSlot {
        command: &["segment", "preview"],
        flag: None,
        kind: NameKind::Segments,
    },
    NameSlot {
        command: &["segment", "refresh"],
        flag: None,
        kind: NameKind::Segments,
    },
    NameSlot {
        command: &["segment", "members"],
        flag: None,
        kind: NameKind::Segments,
    },
    NameSlot {
        command: &["activate"],
        flag: None,
        kind: NameKind::Segments,
    },
    NameSlot {
        command: &["activate"],
        flag: Some("--destination"),
        kind: NameKind::Destinations,
    },
    NameSlot {
        command: &["dashboard", "render"],
        flag: None,
        kind: NameKind::Dashboards,
    },
];

/// The slots whose subcommand (and flag) the CLI has today.
pub fn active_slots(cmd: &clap::Command) -> Vec<&'static NameSlot> {
    NAME_SLOTS
        .iter()
        .filter(|slot| {
            let mut c = cmd;
            for name in slot.command {
                match c.find_subcommand(name) {
                    Some(sub) => c = sub,
                    None => return false,
                }
            }
            match slot.flag {
                None => true,
                Some(flag) => {
                    let long = flag.trim_start_matches("--");
                    c.get_arguments().any(|a| a.get_long() == Some(long))
                }
            }
        })
        .collect()
}

pub fn run(args: &CompletionsArgs) -> anyhow::Result<()> {
    print!("{}", script(args.shell));
    Ok(())
}

/// The whole completion script for `shell`.
pub fn script(shell: Shell) -> String {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "clvdesk", &mut buf);
    let generated = String::from_utf8_lossy(&buf).into_owned();
    let slots = active_slots(&Cli::command());
    match shell {
        Shell::Bash => format!("{generated}\n{}", bash(&slots)),
        Shell::Zsh => zsh(&generated, &slots),
        Shell::Fish => format!("{generated}\n{}", fish(&slots)),
        _ => generated,
    }
}

/// A `[[ ... ]]` test choosing `slot` (bash and zsh share the syntax);
/// `$words_so_far` holds the subcommand words typed so far, each followed by
/// a space. (Not `path`: in zsh that is the array tied to `PATH`.)
fn sh_test(slot: &NameSlot) -> String {
    let path: String = slot.command.iter().map(|w| format!("{w} ")).collect();
    match slot.flag {
        Some(flag) => {
            format!("[[ \"$words_so_far\" == \"{path}\"* && \"$prev\" == {flag} ]]")
        }
        None => format!("[[ \"$words_so_far\" == \"{path}\" && \"$cur\" != -* ]]"),
    }
}

/// Shell function printing the name kind for the word being completed.
fn sh_kind_function(slots: &[&NameSlot]) -> String {
    let mut f = String::from(
        "_clvdesk_name_kind() {\n    local words_so_far=\"$1\" prev=\"$2\" cur=\"$3\"\n",
    );
    for slot in slots {
        f.push_str(&format!(
            "    if {}; then echo {}; return; fi\n",
            sh_test(slot),
            slot.kind.name()
        ));
    }
    f.push_str("}\n");
    f
}

const BASH_WRAPPER: &str = r#"# Workspace names (tables, jobs, segments, ...) come from `clvdesk __complete KIND`.
_clvdesk_names() {
    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"
    local words_so_far="" ws="" skip="" w i
    for (( i = 1; i < COMP_CWORD; i++ )); do
        w="${COMP_WORDS[i]}"
        if [[ -n "$skip" ]]; then skip=""; continue; fi
        if [[ "$w" == --workspace ]]; then ws="${COMP_WORDS[i+1]}"; skip=1; continue; fi
        [[ "$w" == -* ]] || words_so_far+="$w "
    done
    local kind
    kind="$(_clvdesk_name_kind "$words_so_far" "$prev" "$cur")"
    if [[ -n "$kind" ]]; then
        local IFS=$'\n'
        local -a wsarg=()
        [[ -n "$ws" ]] && wsarg=(--workspace "$ws")
        COMPREPLY=( $(compgen -W "$(clvdesk __complete "$kind" "${wsarg[@]}" 2>/dev/null)" -- "$cur") )
        return 0
    fi
    _clvdesk "$@"
}
if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _clvdesk_names -o nosort -o bashdefault -o default clvdesk
else
    complete -F _clvdesk_names -o bashdefault -o default clvdesk
fi
"#;

fn bash(slots: &[&NameSlot]) -> String {
    format!("{}{BASH_WRAPPER}", sh_kind_function(slots))
}

const ZSH_WRAPPER: &str = r#"# Workspace names (tables, jobs, segments, ...) come from `clvdesk __complete KIND`.
_clvdesk_names() {
    local cur="${words[CURRENT]}" prev="${words[CURRENT-1]}"
    local words_so_far="" ws="" skip="" w i
    for (( i = 2; i < CURRENT; i++ )); do
        w="${words[i]}"
        if [[ -n "$skip" ]]; then skip=""; continue; fi
        if [[ "$w" == --workspace ]]; then ws="${words[i+1]}"; skip=1; continue; fi
        [[ "$w" == -* ]] || words_so_far+="$w "
    done
    local kind
    kind="$(_clvdesk_name_kind "$words_so_far" "$prev" "$cur")"
    if [[ -n "$kind" ]]; then
        # zsh does not split ${ws:+...}: pass --workspace DIR as an array.
        local -a names wsarg
        [[ -n "$ws" ]] && wsarg=(--workspace "$ws")
        names=( ${(f)"$(clvdesk __complete "$kind" "${wsarg[@]}" 2>/dev/null)"} )
        compadd -a names
        return
    fi
    _clvdesk "$@"
}
"#;

const ZSH_DISPATCH: &str = r#"if [ "$funcstack[1]" = "_clvdesk" ]; then
    compdef _clvdesk_names clvdesk
    _clvdesk_names "$@"
else
    compdef _clvdesk_names clvdesk
fi
"#;

/// zsh: the generated script ends by calling or registering `_clvdesk`;
/// that tail is replaced so `_clvdesk_names` (which falls back to it) runs.
fn zsh(generated: &str, slots: &[&NameSlot]) -> String {
    let tail = "if [ \"$funcstack[1]\" = \"_clvdesk\" ]; then";
    let head = match generated.rfind(tail) {
        Some(i) => &generated[..i],
        None => generated,
    };
    format!(
        "{head}{}{ZSH_WRAPPER}{ZSH_DISPATCH}",
        sh_kind_function(slots)
    )
}

const FISH_HELPERS: &str = r#"# Workspace names (tables, jobs, segments, ...) come from `clvdesk __complete KIND`.
function __clvdesk_path
    set -l toks (commandline -opc)
    set -l words_so_far
    set -l skip 0
    for t in $toks[2..-1]
        if test $skip = 1
            set skip 0
            continue
        end
        if test "$t" = --workspace
            set skip 1
            continue
        end
        string match -q -- '-*' $t; and continue
        set -a words_so_far $t
    end
    string join ' ' $words_so_far
end
function __clvdesk_names
    set -l toks (commandline -opc)
    set -l ws
    if set -l i (contains -i -- --workspace $toks)
        set ws --workspace $toks[(math $i + 1)]
    end
    clvdesk __complete $argv[1] $ws 2>/dev/null
end
"#;

fn fish(slots: &[&NameSlot]) -> String {
    let mut out = String::from(FISH_HELPERS);
    for slot in slots {
        let path = slot.command.join(" ");
        let names = format!("(__clvdesk_names {})", slot.kind.name());
        match slot.flag {
            Some(flag) => {
                let cond = if path.is_empty() {
                    "true".to_string()
                } else {
                    format!("string match -q -- '{path}*' (__clvdesk_path)")
                };
                out.push_str(&format!(
                    "complete -c clvdesk -n \"{cond}\" -l {} -x -a '{names}'\n",
                    flag.trim_start_matches("--")
                ));
            }
            None => out.push_str(&format!(
                "complete -c clvdesk -n \"test (__clvdesk_path) = '{path}'\" -f -a '{names}'\n"
            )),
        }
    }
    out
}

/// `clvdesk __complete KIND`: one name a line, nothing on any error (a
/// completion must never print an error into the command line).
pub fn complete(cli: &Cli, args: &CompleteArgs) -> anyhow::Result<()> {
    let Ok(Some(root)) = super::workspace_target(cli)
        .map(|t| t.or_else(paths::default_workspace_dir))
        .map(|t| t.map(|p| workspace_root(&p)))
    else {
        return Ok(());
    };
    for name in names(&root, args.kind) {
        println!("{name}");
    }
    Ok(())
}

/// A workspace folder, or the folder holding a `.duckdb` file.
fn workspace_root(target: &Path) -> std::path::PathBuf {
    if target.is_file() {
        target
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| ".".into())
    } else {
        target.to_path_buf()
    }
}

/// The names of `kind` in the workspace at `root`, sorted, without duplicates.
pub fn names(root: &Path, kind: NameKind) -> Vec<String> {
    let mut out = match kind {
        NameKind::Tables => table_names(root),
        NameKind::Jobs => Registry::load(root)
            .jobs
            .into_iter()
            .map(|j| j.name)
            .collect(),
        _ => kind
            .folders()
            .into_iter()
            .flat_map(|f| definitions::names(root, f))
            .collect(),
    };
    out.sort();
    out.dedup();
    out
}

/// Tables and views of the workspace database, without creating, migrating
/// or seeding anything; none when it is missing or locked.
fn table_names(root: &Path) -> Vec<String> {
    let file = root.join(paths::DATABASE_FILE);
    if !file.is_file() {
        return Vec::new();
    }
    let Ok(db) = Database::open_file(&file) else {
        return Vec::new();
    };
    let Ok(cat) = catalog::load(db.conn()) else {
        return Vec::new();
    };
    cat.schemas
        .iter()
        .filter(|s| s.name != "clvdesk_meta")
        .flat_map(|s| {
            s.relations.iter().map(move |r| {
                if s.name == "main" {
                    r.name.clone()
                } else {
                    format!("{}.{}", s.name, r.name)
                }
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_of_todays_commands_are_active() {
        let cmd = Cli::command();
        let active = active_slots(&cmd);
        assert!(
            active
                .iter()
                .any(|s| s.command == ["ingest"] && s.flag == Some("--into"))
        );
        assert!(active.iter().all(|s| s.command.first() != Some(&"nosuch")));
    }

    #[test]
    fn jobs_are_the_registry_jobs_not_schedules() {
        let dir = tempfile::tempdir().unwrap();
        let decile = crate::workspace::decile_jobs::STARTER_JOBS[0].1;
        for (f, text) in [
            ("deciles/miles.toml", decile),
            (
                "jobs/nightly.toml",
                "kind = \"chain\"\nsteps = [\"miles\"]\n",
            ),
            ("schedules/every_day.toml", ""),
            ("segments/s.toml", ""),
        ] {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        assert_eq!(names(dir.path(), NameKind::Jobs), ["miles", "nightly"]);
        assert_eq!(names(dir.path(), NameKind::Segments), ["s"]);
        assert!(names(dir.path(), NameKind::Tables).is_empty());
    }
}
