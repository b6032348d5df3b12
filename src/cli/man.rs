//! `clvdesk man [--out DIR]`: man pages (clap_mangen) for clvdesk and every
//! subcommand. With `--out` each page is written (atomically) to
//! `DIR/clvdesk.1`, `DIR/clvdesk-query.1`, ...; without it the main page
//! goes to stdout (`clvdesk man | man -l -`).

use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory};
use clap_mangen::Man;

use super::Cli;
use super::exit::CliError;
use crate::workspace::write_atomic;

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Folder to write every page into (e.g. ~/.local/share/man/man1); created if missing.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Sections the main page adds after clap's: the contract scripts rely on.
const MAIN_EXTRA: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
ok
.TP
\fB1\fR
a query or job failed (doctor: a check failed)
.TP
\fB2\fR
usage or configuration error (unknown name, invalid definition or config file)
.TP
\fB3\fR
the workspace is locked by another process; retry later
.TP
\fB130\fR
interrupted (SIGINT)
.SH ENVIRONMENT
.TP
\fBCLVDESK_WORKSPACE\fR
workspace folder used when \fB\-\-workspace\fR is not given
.TP
\fBCLVDESK_THEME\fR, \fBCLVDESK_EDITOR_TAB_WIDTH\fR, \fBCLVDESK_GRID_FLOAT_DIGITS\fR, \fBCLVDESK_REFRESH_DASHBOARD_SECONDS\fR, \fBCLVDESK_REFRESH_SCHEDULER_SECONDS\fR
override the keys of config.toml (see \fBclvdesk config \-\-example\fR)
.TP
\fBNO_COLOR\fR
any non-empty value gives a monochrome interface
.SH FILES
.TP
\fI<config dir>/clvdesk/config.toml\fR
settings; \fBclvdesk config \-\-example\fR prints every key with its default
.TP
\fI<config dir>/clvdesk/keymap.toml\fR, \fI<config dir>/clvdesk/themes/\fR
key bindings and colour themes
.TP
\fI<workspace>/warehouse.duckdb\fR
the workspace database; definition files live in \fIdeciles/\fR, \fIqueries/\fR, \fIsegments/\fR, \fIdashboards/\fR, \fIschedules/\fR, \fIdestinations/\fR
.SH "SEE ALSO"
\fBclvdesk doctor\fR checks the terminal, workspace, config and scheduler.
"#;

/// Every page as (file name, roff text): the main page first, then each
/// visible subcommand, depth first.
pub fn pages() -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut out = Vec::new();
    collect(&cmd, &mut out)?;
    if let Some((_, main)) = out.first_mut() {
        main.extend_from_slice(MAIN_EXTRA.as_bytes());
    }
    Ok(out)
}

fn collect(cmd: &clap::Command, out: &mut Vec<(String, Vec<u8>)>) -> std::io::Result<()> {
    let man = Man::new(cmd.clone());
    let mut text = Vec::new();
    man.render(&mut text)?;
    out.push((man.get_filename(), text));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect(sub, out)?;
    }
    Ok(())
}

pub fn run(args: &ManArgs) -> anyhow::Result<()> {
    let pages = pages()?;
    match &args.out {
        None => {
            if let Some((_, main)) = pages.first() {
                use std::io::Write;
                std::io::stdout().write_all(main)?;
            }
        }
        Some(dir) => {
            write_pages(dir, &pages)?;
            eprintln!(
                "wrote {} man pages to {} (read one with `man -l {}`)",
                pages.len(),
                dir.display(),
                dir.join("clvdesk.1").display()
            );
        }
    }
    Ok(())
}

fn write_pages(dir: &Path, pages: &[(String, Vec<u8>)]) -> anyhow::Result<()> {
    if dir.is_file() {
        return Err(CliError::Usage(format!("{}: is a file, not a folder", dir.display())).into());
    }
    for (name, text) in pages {
        let path = dir.join(name);
        write_atomic(&path, text)
            .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
    }
    Ok(())
}
