//! The app's placeholder tabs name CLI commands; each must exist with the flags
//! shown. The check lives here because `tui/` must not use `cli/`.

use clap::CommandFactory;

use crate::tui::panes::Pane;
use crate::tui::panes::placeholder::{schedules, segments};

fn has_flag(cmd: &clap::Command, flag: &str) -> bool {
    cmd.get_arguments().any(|a| {
        a.get_long().is_some_and(|l| format!("--{l}") == flag)
            || a.get_short().is_some_and(|s| format!("-{s}") == flag)
    })
}

#[test]
fn named_commands_exist() {
    let cli = super::Cli::command();
    for p in [segments(), schedules()] {
        for line in p.commands() {
            let mut words = line.split_whitespace().peekable();
            // A line is either `SUBCOMMAND [flags…]` or top-level flags (`--run-schedule …`).
            let cmd = match words.peek() {
                Some(w) if !w.starts_with('-') => {
                    let name = words.next().unwrap_or_default();
                    cli.find_subcommand(name)
                        .unwrap_or_else(|| panic!("{}: `clvdesk {name}` does not exist", p.title()))
                }
                _ => &cli,
            };
            for flag in words.filter(|w| w.starts_with('-')) {
                assert!(
                    has_flag(cmd, flag),
                    "{}: `clvdesk {line}` has no {flag}",
                    p.title()
                );
            }
        }
    }
}
