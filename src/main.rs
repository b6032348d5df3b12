//! `clvdesk`: parse the command line and hand off.

use std::process::ExitCode;

use clap::Parser;
use clvdesk::cli::{self, Cli, exit};

fn main() -> ExitCode {
    let parsed = Cli::parse();
    match cli::run(parsed) {
        Ok(()) => ExitCode::from(exit::OK),
        Err(err) => {
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
