//! Streaming writer: chunks of customers are generated in parallel (rayon),
//! a writer thread appends them to the files in chunk order. At most
//! `WINDOW + QUEUE + 1` chunk buffers exist at once, so memory is flat in N.
//! The files are written into a staging folder that replaces the output
//! folder as a whole once every file is complete and fsynced.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;

use rayon::prelude::*;

use super::csv::{self, Dates};
use super::truth::{Truth, start_date};
use super::{Generator, SampleError};
use crate::atomic::StagingDir;

/// Customers per chunk.
pub const CHUNK: u64 = 4096;
/// Chunks generated per parallel round.
const WINDOW: u64 = 8;
/// Finished chunks waiting for the writer thread.
const QUEUE: usize = 8;

pub const FILES: [&str; 5] = [
    "customers.csv",
    "loyalty_transactions.csv",
    "email_campaigns.csv",
    "email_events.csv",
    "truth.json",
];

/// Rows written per table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub customers: u64,
    pub transactions: u64,
    pub campaigns: u64,
    pub email_events: u64,
}

/// CSV bytes of one range of customers, for the three per-customer tables.
#[derive(Debug, Default)]
pub struct Chunk {
    pub customers: Vec<u8>,
    pub transactions: Vec<u8>,
    pub events: Vec<u8>,
    pub rows: Summary,
}

/// Generate the rows of customers `range` (0-based indexes).
pub fn chunk(g: &Generator, dates: &Dates, range: Range<u64>) -> Chunk {
    let n = (range.end - range.start) as usize;
    let mut out = Chunk {
        customers: Vec::with_capacity(n * 96),
        transactions: Vec::with_capacity(n * 320),
        events: Vec::with_capacity(n * 560),
        rows: Summary::default(),
    };
    let (mut times, mut events, mut scratch) = (Vec::new(), Vec::new(), Vec::new());
    let end_secs = g.end_secs();
    for i in range {
        let (c, h) = g.customer(i, &mut times);
        csv::customer_row(&mut out.customers, dates, &c, &mut scratch);
        out.rows.customers += 1;
        out.rows.transactions += csv::transaction_rows(&mut out.transactions, dates, c.id, &h);
        super::email::customer_events(g.truth.seed, &c, &h, &g.campaigns, end_secs, &mut events);
        csv::event_rows(&mut out.events, dates, c.id, &events);
        out.rows.email_events += events.len() as u64;
    }
    out
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> SampleError + '_ {
    move |error| SampleError::Io {
        path: path.to_path_buf(),
        error,
    }
}

/// One file of the set, written into the staging folder.
struct Out {
    path: PathBuf,
    w: BufWriter<File>,
}

impl Out {
    fn create(dir: &Path, name: &str) -> Result<Out, SampleError> {
        let path = dir.join(name);
        let f = File::create(&path).map_err(io_err(&path))?;
        Ok(Out {
            w: BufWriter::with_capacity(1 << 20, f),
            path,
        })
    }

    fn write(&mut self, b: &[u8]) -> Result<(), SampleError> {
        self.w.write_all(b).map_err(io_err(&self.path))
    }

    /// Flush and fsync: the folder swap that follows must not publish a file
    /// whose bytes are still only in memory.
    fn finish(self) -> Result<(), SampleError> {
        let f = self.w.into_inner().map_err(|e| SampleError::Io {
            path: self.path.clone(),
            error: e.into_error(),
        })?;
        f.sync_all().map_err(io_err(&self.path))
    }
}

/// Write the five files of a sample into `dir` (created if missing). They
/// are written into a staging folder beside `dir`, which then replaces `dir`
/// in one rename (other entries of `dir` are kept, see [`StagingDir`]): an
/// interrupted or failed run leaves the previous set whole, never a mix of
/// old and new files. `progress` is called with the number of customers
/// written so far.
pub fn write_sample(
    truth: &Truth,
    dir: &Path,
    progress: &mut dyn FnMut(u64),
) -> Result<Summary, SampleError> {
    check_target(dir)?;
    let staging = StagingDir::new(dir).map_err(io_err(dir))?;
    let summary = write_files(truth, staging.path(), progress)?;
    staging.commit().map_err(io_err(dir))?;
    Ok(summary)
}

/// `dir` must be a folder (or missing) whose sample names, where taken, are files.
fn check_target(dir: &Path) -> Result<(), SampleError> {
    if dir.exists() && !dir.is_dir() {
        return Err(SampleError::Parameters(format!(
            "{}: not a folder",
            dir.display()
        )));
    }
    for name in FILES {
        let path = dir.join(name);
        if let Ok(meta) = std::fs::symlink_metadata(&path)
            && !meta.is_file()
        {
            return Err(SampleError::Parameters(format!(
                "{}: not a file; a sample replaces its {} files as one set, so move it away first",
                path.display(),
                FILES.len()
            )));
        }
    }
    Ok(())
}

fn write_files(
    truth: &Truth,
    dir: &Path,
    progress: &mut dyn FnMut(u64),
) -> Result<Summary, SampleError> {
    let g = Generator::new(truth.clone())?;
    let dates = Dates::new(start_date(), g.end_day + 1);

    let mut campaigns = Out::create(dir, FILES[2])?;
    let mut buf = csv::CAMPAIGNS_HEADER.as_bytes().to_vec();
    for c in &g.campaigns {
        csv::campaign_row(&mut buf, &dates, c);
    }
    campaigns.write(&buf)?;
    let mut truth_out = Out::create(dir, FILES[4])?;
    truth_out.write(truth.to_json().as_bytes())?;

    let mut outs = [
        Out::create(dir, FILES[0])?,
        Out::create(dir, FILES[1])?,
        Out::create(dir, FILES[3])?,
    ];
    outs[0].write(csv::CUSTOMERS_HEADER.as_bytes())?;
    outs[1].write(csv::TRANSACTIONS_HEADER.as_bytes())?;
    outs[2].write(csv::EVENTS_HEADER.as_bytes())?;

    let (tx, rx) = sync_channel::<Chunk>(QUEUE);
    let writer = std::thread::spawn(move || -> Result<(Summary, [Out; 3]), SampleError> {
        let mut total = Summary::default();
        for c in rx {
            outs[0].write(&c.customers)?;
            outs[1].write(&c.transactions)?;
            outs[2].write(&c.events)?;
            total.customers += c.rows.customers;
            total.transactions += c.rows.transactions;
            total.email_events += c.rows.email_events;
        }
        Ok((total, outs))
    });

    let n = truth.customers;
    let n_chunks = n.div_ceil(CHUNK);
    let mut round = 0;
    'rounds: while round < n_chunks {
        let last = (round + WINDOW).min(n_chunks);
        let chunks: Vec<Chunk> = (round..last)
            .into_par_iter()
            .map(|k| chunk(&g, &dates, k * CHUNK..((k + 1) * CHUNK).min(n)))
            .collect();
        for c in chunks {
            if tx.send(c).is_err() {
                break 'rounds; // the writer failed; its error is reported below
            }
        }
        round = last;
        progress((round * CHUNK).min(n));
    }
    drop(tx);
    let (mut summary, outs) = writer
        .join()
        .map_err(|_| SampleError::Parameters("writer thread panicked".into()))??;
    summary.campaigns = g.campaigns.len() as u64;
    for o in outs {
        o.finish()?;
    }
    campaigns.finish()?;
    truth_out.finish()?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunking_does_not_change_bytes() {
        let g = Generator::new(Truth::new(11, 300)).unwrap();
        let dates = Dates::new(start_date(), g.end_day + 1);
        let whole = chunk(&g, &dates, 0..300);
        let mut parts = Chunk::default();
        for r in [0..1, 1..97, 97..300] {
            let c = chunk(&g, &dates, r);
            parts.customers.extend(c.customers);
            parts.transactions.extend(c.transactions);
            parts.events.extend(c.events);
        }
        assert_eq!(whole.customers, parts.customers);
        assert_eq!(whole.transactions, parts.transactions);
        assert_eq!(whole.events, parts.events);
        assert_eq!(whole.rows.customers, 300);
    }
}
