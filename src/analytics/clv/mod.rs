//! Predicted CLV: BG/NBD (purchases and dropout) and Gamma-Gamma (spend) fitted by maximum
//! likelihood, per-customer predictions and discounted CLV. Pure math: no I/O.
//!
//! Time is in the unit of the summary (weeks throughout clvdesk).

pub mod bgnbd;
pub mod gamma_gamma;
pub mod hyp2f1;
pub mod optim;
pub mod rfm;
pub mod special;
pub mod value;

use rayon::prelude::*;

pub use bgnbd::{BgNbdError, BgNbdFit, BgNbdParams};
pub use gamma_gamma::{GammaGammaError, GammaGammaFit, GammaGammaParams, SpendModel};
pub use hyp2f1::Hyp2f1Error;

/// One customer's calibration-period summary (Fader & Hardie conventions).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rfm {
    /// Repeat purchase days (purchase days − 1).
    pub x: u32,
    /// Time from the first to the last purchase day (weeks).
    pub t_x: f64,
    /// Time from the first purchase day to the calibration end (weeks).
    pub t: f64,
    /// Mean of the repeat days' totals; 0 when x = 0 (and when every repeat purchase was free).
    pub monetary: f64,
}

/// Predictions for one customer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    pub p_alive: f64,
    /// Expected purchases over the horizon.
    pub expected_purchases: f64,
    /// E[M | x, m̄]; `None` when the spend model failed.
    pub expected_spend: Option<f64>,
    /// Discounted CLV over the horizon; `None` when the spend model failed.
    pub clv: Option<f64>,
}

/// Prediction horizon and discounting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Horizon {
    pub months: u32,
    pub monthly_discount: f64,
}

/// Evaluate `f(x, T)` once per distinct (x, T) of `rows` (in parallel) and return the values
/// with, per row, the index of its value. Day-granular summaries have a few thousand distinct
/// pairs for a million customers, so the ₂F₁ work shrinks by orders of magnitude.
fn per_x_t<V: Send, E: Send>(
    rows: &[Rfm],
    f: impl Fn(u32, f64) -> Result<V, E> + Sync,
) -> Result<(Vec<V>, Vec<u32>), E> {
    let mut keys: Vec<(u32, u64)> = rows.iter().map(|c| (c.x, c.t.to_bits())).collect();
    keys.par_sort_unstable();
    keys.dedup();
    let values = keys
        .par_iter()
        .map(|&(x, t)| f(x, f64::from_bits(t)))
        .collect::<Result<Vec<V>, E>>()?;
    let idx = rows
        .par_iter()
        .map(|c| keys.binary_search(&(c.x, c.t.to_bits())).unwrap_or(0) as u32)
        .collect();
    Ok((values, idx))
}

/// Per-customer predictions, in the order of `rows` (parallel over customers).
pub fn predict(
    bg: &BgNbdParams,
    spend: Option<&GammaGammaParams>,
    rows: &[Rfm],
    horizon: Horizon,
) -> Result<Vec<Prediction>, Hyp2f1Error> {
    let (curves, idx) = per_x_t(rows, |x, t| {
        value::purchase_curve(bg, x, t, horizon.months, horizon.monthly_discount)
    })?;
    Ok(rows
        .par_iter()
        .zip(idx.par_iter())
        .map(|(c, &i)| {
            let p_alive = bgnbd::p_alive(bg, c.x, c.t_x, c.t);
            let (y, discounted) = curves[i as usize];
            let m = spend.map(|g| gamma_gamma::expected_average_spend(g, c.x, c.monetary));
            Prediction {
                p_alive,
                expected_purchases: y * p_alive,
                expected_spend: m,
                clv: m.map(|m| m * discounted * p_alive),
            }
        })
        .collect())
}

/// One bucket of the holdout check.
#[derive(Debug, Clone, PartialEq)]
pub struct HoldoutBucket {
    /// Calibration frequency; the last bucket is "this many or more".
    pub frequency: u32,
    pub open_ended: bool,
    pub customers: usize,
    pub actual: f64,
    pub predicted: f64,
}

/// Actual vs predicted purchases in the holdout period.
#[derive(Debug, Clone, PartialEq)]
pub struct HoldoutCheck {
    /// Holdout length (weeks).
    pub length: f64,
    pub actual: f64,
    pub predicted: f64,
    pub buckets: Vec<HoldoutBucket>,
}

/// Frequencies 0..=6 each get a bucket, 7+ share one (the layout of Fader, Hardie & Lee's
/// conditional-expectation chart).
pub const HOLDOUT_TOP_BUCKET: u32 = 7;

/// Compare holdout purchases (`actual[i]` for `rows[i]`) with E[Y(length)] per customer.
pub fn holdout_check(
    bg: &BgNbdParams,
    rows: &[Rfm],
    actual: &[u32],
    length: f64,
) -> Result<HoldoutCheck, Hyp2f1Error> {
    let (if_alive, idx) = per_x_t(rows, |x, t| {
        bgnbd::expected_purchases_if_alive(bg, length, x, t)
    })?;
    let predicted: Vec<f64> = rows
        .par_iter()
        .zip(idx.par_iter())
        .map(|(c, &i)| if_alive[i as usize] * bgnbd::p_alive(bg, c.x, c.t_x, c.t))
        .collect();
    let mut buckets: Vec<HoldoutBucket> = (0..=HOLDOUT_TOP_BUCKET)
        .map(|f| HoldoutBucket {
            frequency: f,
            open_ended: f == HOLDOUT_TOP_BUCKET,
            customers: 0,
            actual: 0.0,
            predicted: 0.0,
        })
        .collect();
    for ((c, &a), &p) in rows.iter().zip(actual).zip(&predicted) {
        let b = &mut buckets[c.x.min(HOLDOUT_TOP_BUCKET) as usize];
        b.customers += 1;
        b.actual += f64::from(a);
        b.predicted += p;
    }
    Ok(HoldoutCheck {
        length,
        actual: buckets.iter().map(|b| b.actual).sum(),
        predicted: predicted.iter().sum(),
        buckets,
    })
}

#[cfg(test)]
#[allow(clippy::excessive_precision)]
mod tests;
