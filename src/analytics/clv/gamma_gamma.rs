//! Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"; Colombo & Jiang 1999):
//! each repeat transaction value ~ Gamma(p, ν), ν ~ Gamma(q, v) across customers.
//!
//! Fitted on customers with x > 0 and m̄ > 0, by the density of the mean m̄ of x values:
//! ln f = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln v + (px−1) ln m̄ + px ln x − (px+q) ln(v + x m̄).
//! Customers whose mean repeat spend is not positive (repeat purchases of amount 0) carry no
//! information for this density and are left out of the fit; they are predicted with the
//! population mean spend (see [`expected_average_spend`]).
//! A fit with q ≤ 1 (infinite mean spend) or without a maximum is a [`SpendModel::Failed`] with
//! a typed reason, never a panic.

use rayon::prelude::*;

use super::Rfm;
use super::optim::{self, Objective, OptimError};
use super::special::{digamma, ln_gamma};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GammaGammaParams {
    pub p: f64,
    pub q: f64,
    pub v: f64,
}

impl GammaGammaParams {
    fn from_log(t: &[f64]) -> Self {
        GammaGammaParams {
            p: t[0].exp(),
            q: t[1].exp(),
            v: t[2].exp(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct GammaGammaFit {
    pub params: GammaGammaParams,
    /// Standard errors on the natural scale (delta method).
    pub se: GammaGammaParams,
    /// Summed log-likelihood over the customers used.
    pub log_likelihood: f64,
    /// Customers used (x > 0 and m̄ > 0).
    pub customers: usize,
}

/// Why the spend model could not be fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GammaGammaError {
    #[error("{0} customer(s) with repeat purchases and a positive spend: at least 2 are needed")]
    TooFewCustomers(usize),
    #[error("Gamma-Gamma fit failed: {0}")]
    Fit(OptimError),
    #[error(
        "q = {q:.4} <= 1: the spend distribution has no finite mean, so expected spend is undefined"
    )]
    InfiniteMean { q: f64 },
}

/// The outcome of fitting the spend model.
#[derive(Debug, Clone, PartialEq)]
pub enum SpendModel {
    Fitted(GammaGammaFit),
    Failed(GammaGammaError),
}

impl SpendModel {
    pub fn fitted(&self) -> Option<&GammaGammaFit> {
        match self {
            SpendModel::Fitted(f) => Some(f),
            SpendModel::Failed(_) => None,
        }
    }

    pub fn error(&self) -> Option<&GammaGammaError> {
        match self {
            SpendModel::Fitted(_) => None,
            SpendModel::Failed(e) => Some(e),
        }
    }
}

/// Whether a customer's summary informs the spend model: repeat purchases with a finite,
/// positive mean spend.
pub fn usable_for_spend(c: &Rfm) -> bool {
    c.x > 0 && c.monetary.is_finite() && c.monetary > 0.0
}

/// Per-customer log-density of m̄ given x.
pub fn log_likelihood_one(g: &GammaGammaParams, x: u32, m: f64) -> f64 {
    let GammaGammaParams { p, q, v } = *g;
    let x = f64::from(x);
    let px = p * x;
    ln_gamma(px + q) - ln_gamma(px) - ln_gamma(q) + q * v.ln() + (px - 1.0) * m.ln() + px * x.ln()
        - (px + q) * (v + x * m).ln()
}

/// Repeat customers prepared for repeated evaluations.
pub struct GammaGammaData {
    xs: Vec<u32>,
    idx: Vec<u32>,
    x: Vec<f64>,
    m: Vec<f64>,
    /// ln m̄ + ln x, constant across evaluations.
    ln_mx: Vec<f64>,
    ln_m: Vec<f64>,
}

impl GammaGammaData {
    /// Keeps customers with x > 0 and a finite m̄ > 0.
    pub fn new(rows: &[Rfm]) -> Self {
        let used: Vec<&Rfm> = rows.iter().filter(|c| usable_for_spend(c)).collect();
        let mut xs: Vec<u32> = used.iter().map(|c| c.x).collect();
        xs.sort_unstable();
        xs.dedup();
        let pos = |x: u32| xs.binary_search(&x).unwrap_or(0) as u32;
        GammaGammaData {
            idx: used.iter().map(|c| pos(c.x)).collect(),
            x: used.iter().map(|c| f64::from(c.x)).collect(),
            m: used.iter().map(|c| c.monetary).collect(),
            ln_mx: used
                .iter()
                .map(|c| c.monetary.ln() + f64::from(c.x).ln())
                .collect(),
            ln_m: used.iter().map(|c| c.monetary.ln()).collect(),
            xs,
        }
    }
    pub fn len(&self) -> usize {
        self.x.len()
    }
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }
}

const CHUNK: usize = 16 * 1024;

/// Summed log-likelihood and gradient with respect to (ln p, ln q, ln v).
pub fn log_likelihood_and_gradient(g: &GammaGammaParams, d: &GammaGammaData) -> (f64, [f64; 3]) {
    let GammaGammaParams { p, q, v } = *g;
    let (lg_q, dg_q, ln_v) = (ln_gamma(q), digamma(q), v.ln());
    // Per distinct x: lnΓ(px+q) − lnΓ(px) and ψ(px+q), ψ(px).
    let per_x: Vec<(f64, f64, f64)> =
        d.xs.iter()
            .map(|&x| {
                let px = p * f64::from(x);
                (
                    ln_gamma(px + q) - ln_gamma(px),
                    digamma(px + q),
                    digamma(px),
                )
            })
            .collect();
    let s = d
        .idx
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(c, idx)| {
            let base = c * CHUNK;
            let mut s = [0.0f64; 4];
            for (k, &j) in idx.iter().enumerate() {
                let i = base + k;
                let (lg, dg_pxq, dg_px) = per_x[j as usize];
                let x = d.x[i];
                let px = p * x;
                let l_vxm = (v + x * d.m[i]).ln();
                s[0] += lg - lg_q + q * ln_v + px * d.ln_mx[i] - d.ln_m[i] - (px + q) * l_vxm;
                s[1] += x * (dg_pxq - dg_px + d.ln_mx[i] - l_vxm);
                s[2] += dg_pxq - dg_q + ln_v - l_vxm;
                s[3] += q / v - (px + q) / (v + x * d.m[i]);
            }
            s
        })
        .reduce(
            || [0.0; 4],
            |mut a, b| {
                for k in 0..4 {
                    a[k] += b[k];
                }
                a
            },
        );
    (s[0], [s[1] * p, s[2] * q, s[3] * v])
}

struct NegMeanLl<'a>(&'a GammaGammaData);

impl Objective for NegMeanLl<'_> {
    fn value_grad(&self, theta: &[f64]) -> (f64, Vec<f64>) {
        let n = self.0.len() as f64;
        let (ll, g) = log_likelihood_and_gradient(&GammaGammaParams::from_log(theta), self.0);
        (-ll / n, g.iter().map(|v| -v / n).collect())
    }
}

/// Fit the spend model; never panics, failures carry a reason.
pub fn fit(rows: &[Rfm]) -> SpendModel {
    let data = GammaGammaData::new(rows);
    if data.len() < 2 {
        return SpendModel::Failed(GammaGammaError::TooFewCustomers(data.len()));
    }
    let n = data.len() as f64;
    let mean_m = data.m.iter().sum::<f64>() / n;
    // Start at p = 1, q = 2, v = mean m̄ (so that p v / (q − 1) = mean m̄).
    let start = [0.0, 2f64.ln(), mean_m.ln()];
    let opt = match optim::minimize(&NegMeanLl(&data), &start, &["p", "q", "v"], n) {
        Ok(o) => o,
        Err(e) => return SpendModel::Failed(GammaGammaError::Fit(e)),
    };
    let params = GammaGammaParams::from_log(&opt.theta);
    if params.q <= 1.0 {
        return SpendModel::Failed(GammaGammaError::InfiniteMean { q: params.q });
    }
    let se = opt
        .cov_log
        .as_ref()
        .map(|c| optim::natural_se(&opt.theta, c, n))
        .map(|s| GammaGammaParams {
            p: s[0],
            q: s[1],
            v: s[2],
        })
        .unwrap_or(GammaGammaParams {
            p: f64::NAN,
            q: f64::NAN,
            v: f64::NAN,
        });
    SpendModel::Fitted(GammaGammaFit {
        params,
        se,
        log_likelihood: -opt.value * n,
        customers: data.len(),
    })
}

/// E[M | x, m̄] = p (v + x m̄) / (p x + q − 1); with x = 0 (or no usable m̄: a mean repeat
/// spend that is not positive) this is the population mean p v / (q − 1).
pub fn expected_average_spend(g: &GammaGammaParams, x: u32, m: f64) -> f64 {
    let (x, m) = if x > 0 && m.is_finite() && m > 0.0 {
        (f64::from(x), m)
    } else {
        (0.0, 0.0)
    };
    g.p * (g.v + x * m) / (g.p * x + g.q - 1.0)
}
