//! Deterministic synthetic data with known BG/NBD + Gamma-Gamma truth.
//!
//! `clvdesk sample` writes customers, an airline-style loyalty transaction
//! log, email campaigns and their events, plus `truth.json` with the
//! parameters the purchases were drawn from. Every customer is drawn from its
//! own random stream (see [`rng`]), so the bytes depend only on the seed and
//! the customer count; chunks of customers are generated in parallel and
//! written in order with bounded buffers (see [`writer`]).

pub mod csv;
pub mod customers;
pub mod email;
pub mod names;
pub mod rng;
pub mod transactions;
pub mod truth;
pub mod writer;

#[cfg(test)]
mod validation;

use customers::{Customer, Population};
use email::Campaign;
use transactions::History;
use truth::Truth;

pub use writer::{Summary, write_sample};

#[derive(Debug, thiserror::Error)]
pub enum SampleError {
    #[error("invalid sample parameters: {0}")]
    Parameters(String),
    /// The I/O error is part of the message (not a `source`), so that
    /// anyhow's chain does not print it twice.
    #[error("{path}: {error}")]
    Io {
        path: std::path::PathBuf,
        error: std::io::Error,
    },
}

/// Everything needed to draw any customer independently of the others.
#[derive(Debug, Clone)]
pub struct Generator {
    pub truth: Truth,
    pub population: Population,
    pub campaigns: Vec<Campaign>,
    /// Last observed day index (inclusive).
    pub end_day: u32,
}

impl Generator {
    pub fn new(truth: Truth) -> Result<Self, SampleError> {
        Ok(Generator {
            population: Population::new(&truth.bgnbd, &truth.gamma_gamma)?,
            campaigns: email::campaigns(truth.seed),
            end_day: truth::observation_end_day(),
            truth,
        })
    }

    /// Customer `index` (0-based; id = index + 1) and their purchase history.
    /// `times` is scratch space.
    pub fn customer(&self, index: u64, times: &mut Vec<f64>) -> (Customer, History) {
        let mut rng = rng::rng_for(self.truth.seed, rng::Stream::Customer, index);
        let c = Customer::draw(&mut rng, &self.population, index);
        let h =
            transactions::draw_history(&mut rng, &c, self.truth.gamma_gamma.p, self.end_day, times);
        (c, h)
    }

    /// Seconds since the start date of the last observed second.
    pub fn end_secs(&self) -> u64 {
        (self.end_day as u64 + 1) * 86_400 - 1
    }
}
