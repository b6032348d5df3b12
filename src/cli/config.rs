//! `clvdesk config --example`: the documented config.toml with every key and
//! its default (see [`crate::config`]).

use clap::Args;

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Print a commented config.toml with every key and its default.
    #[arg(long, required = true)]
    pub example: bool,
}

pub fn run(args: &ConfigArgs) -> anyhow::Result<()> {
    if args.example {
        print!("{}", crate::config::example());
    }
    Ok(())
}
