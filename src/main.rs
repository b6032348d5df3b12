//! `clvdesk`: parse the command line and hand off.

use std::process::ExitCode;

use clap::Parser;
use clvdesk::cli::{self, Cli, exit};
use clvdesk::tui::signals::StoppedBySignal;

fn main() -> ExitCode {
    let parsed = Cli::parse();
    match cli::run(parsed) {
        Ok(()) => ExitCode::from(exit::OK),
        Err(err) => {
            // The app ended by a signal has saved and restored the terminal;
            // the status (129 SIGHUP, 143 SIGTERM, 130 SIGINT) says the rest.
            if let Some(StoppedBySignal(s)) = err.chain().find_map(|c| c.downcast_ref()) {
                return ExitCode::from(s.exit_code().unwrap_or(exit::FAILED));
            }
            let code = exit::code_for(&err);
            if code == exit::INTERRUPTED {
                eprintln!("clvdesk: interrupted");
            } else {
                eprintln!("clvdesk: {err:#}");
            }
            ExitCode::from(code)
        }
    }
}
