//! `clvdesk sample --customers N [--seed S] --out DIR`: write a synthetic
//! sample (customers, loyalty transactions, email campaigns and events) drawn
//! from a known BG/NBD + Gamma-Gamma process, plus `truth.json`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::sample::truth::Truth;
use crate::sample::write_sample;

#[derive(clap::Args, Debug)]
pub struct SampleArgs {
    /// Number of customers to generate (at least 1).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub customers: u64,
    /// Random seed: the same seed and customer count give byte-identical files.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Output directory, created if missing; existing sample files in it are replaced.
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(args: &SampleArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let truth = Truth::new(args.seed, args.customers);
    let mut last = Instant::now();
    let mut progress = |done: u64| {
        if last.elapsed() >= Duration::from_secs(2) && done < args.customers {
            eprintln!("sample: {done} of {} customers", args.customers);
            last = Instant::now();
        }
    };
    let s = write_sample(&truth, &args.out, &mut progress)
        .with_context(|| format!("writing the sample to {}", args.out.display()))?;
    eprintln!(
        "sample: wrote {} customers, {} loyalty transactions, {} campaigns, {} email events \
         and truth.json to {} in {:.2}s (seed {})",
        s.customers,
        s.transactions,
        s.campaigns,
        s.email_events,
        args.out.display(),
        started.elapsed().as_secs_f64(),
        args.seed
    );
    Ok(())
}
