//! `clvdesk activate AUDIENCE --destination NAME [--full]`: refresh the audience's membership
//! and export it (new entrants only, unless `--full` or the destination says so) to a file
//! destination. stdout: one line per file written; stderr: the summary.

use std::io::Write;

use clap::Args;

use super::exit::interrupt_on_ctrl_c;
use super::segment::cli_error;
use super::{Cli, open_workspace};

#[derive(Debug, Args)]
pub struct ActivateArgs {
    /// The saved segment to export.
    pub audience: String,
    /// The destination (`destinations/NAME.toml`).
    #[arg(long, value_name = "NAME")]
    pub destination: String,
    /// Export every current member, not only those who entered since the last export.
    #[arg(long)]
    pub full: bool,
}

pub fn run(cli: &Cli, args: &ActivateArgs) -> anyhow::Result<()> {
    let ws = open_workspace(cli)?;
    let conn = ws.db().conn();
    interrupt_on_ctrl_c(conn);
    let r = crate::segments::activation::export(
        conn,
        ws.root(),
        &args.audience,
        &args.destination,
        args.full.then_some(true),
    )
    .map_err(cli_error)?;
    let mut out = std::io::stdout().lock();
    for (file, rows) in &r.files {
        writeln!(out, "{}\t{rows}", file.display())?;
    }
    eprintln!(
        "clvdesk: export #{} of {} to {} ({}): {} exported of {} selected; dropped {} missing a mandatory field, {} with an invalid email, {} duplicates; {} file(s), manifest {} ({} ms)",
        r.export_id,
        r.audience,
        r.destination,
        if r.full { "full" } else { "incremental" },
        r.exported,
        r.selected,
        r.dropped_missing,
        r.dropped_invalid_email,
        r.duplicates,
        r.files.len(),
        r.manifest.display(),
        r.elapsed.as_millis()
    );
    Ok(())
}
