//! BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): likelihood,
//! analytic gradient, maximum-likelihood fit and the per-customer predictions.
//!
//! Per customer with x repeat purchases, last at t_x, observed for T (weeks):
//! ln L = A1 + A2 + ln(e^A3 + [x>0] e^A4) with
//! A1 = lnΓ(r+x) − lnΓ(r) + r ln α, A2 = lnΓ(a+b) + lnΓ(b+x) − lnΓ(b) − lnΓ(a+b+x),
//! A3 = −(r+x) ln(α+T), A4 = ln a − ln(b+x−1) − (r+x) ln(α+t_x).
//! All gamma-function terms depend on x only, so they are computed once per distinct x per
//! evaluation; per customer there remain two logarithms, one exponential and one log1p.

use rayon::prelude::*;

use super::Rfm;
use super::hyp2f1::{Hyp2f1Error, ln_hyp2f1};
use super::optim::{self, Objective, OptimError};
use super::special::{digamma, ln_gamma};

/// BG/NBD parameters: purchase rate λ ~ Gamma(r, α) (α a rate, in the time unit of the data),
/// dropout probability p ~ Beta(a, b).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BgNbdParams {
    pub r: f64,
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
}

impl BgNbdParams {
    fn from_log(t: &[f64]) -> Self {
        BgNbdParams {
            r: t[0].exp(),
            alpha: t[1].exp(),
            a: t[2].exp(),
            b: t[3].exp(),
        }
    }
    fn to_log(self) -> [f64; 4] {
        [self.r.ln(), self.alpha.ln(), self.a.ln(), self.b.ln()]
    }
}

/// Per-customer log-likelihood (no constants dropped).
pub fn log_likelihood_one(p: &BgNbdParams, x: u32, t_x: f64, t: f64) -> f64 {
    let BgNbdParams { r, alpha, a, b } = *p;
    let xf = f64::from(x);
    let a1 = ln_gamma(r + xf) - ln_gamma(r) + r * alpha.ln();
    let a2 = ln_gamma(a + b) + ln_gamma(b + xf) - ln_gamma(b) - ln_gamma(a + b + xf);
    let a3 = -(r + xf) * (alpha + t).ln();
    if x == 0 {
        return a1 + a2 + a3;
    }
    let a4 = a.ln() - (b + xf - 1.0).ln() - (r + xf) * (alpha + t_x).ln();
    a1 + a2 + super::special::log_add_exp(a3, a4)
}

/// Customers prepared for repeated likelihood evaluations. Identical (x, t_x, T) rows are
/// merged with a weight, and x, t_x and T are replaced by indexes into their distinct values:
/// with day-granular data (t_x and T are whole days / 7) every logarithm of an evaluation is
/// then computed once per distinct day instead of once per customer.
#[derive(Debug, Clone)]
pub struct BgNbdData {
    xs: Vec<u32>,
    txs: Vec<f64>,
    ts: Vec<f64>,
    /// (x index, t_x index, T index, weight)
    rows: Vec<(u32, u32, u32, f64)>,
    customers: usize,
}

fn distinct(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = values.collect();
    v.sort_unstable_by(f64::total_cmp);
    v.dedup();
    v
}

fn position(sorted: &[f64], v: f64) -> u32 {
    sorted.binary_search_by(|p| p.total_cmp(&v)).unwrap_or(0) as u32
}

impl BgNbdData {
    pub fn new(rows: &[Rfm]) -> Self {
        let mut xs: Vec<u32> = rows.iter().map(|c| c.x).collect();
        xs.sort_unstable();
        xs.dedup();
        // t_x does not enter the likelihood when x = 0: map it to 0 so those rows merge.
        let tx_of = |c: &Rfm| if c.x == 0 { 0.0 } else { c.t_x };
        let txs = distinct(rows.iter().map(tx_of));
        let ts = distinct(rows.iter().map(|c| c.t));
        let mut keys: Vec<(u32, u32, u32)> = rows
            .par_iter()
            .map(|c| {
                let xi = xs.binary_search(&c.x).unwrap_or(0) as u32;
                (xi, position(&txs, tx_of(c)), position(&ts, c.t))
            })
            .collect();
        keys.par_sort_unstable();
        let mut merged: Vec<(u32, u32, u32, f64)> = Vec::new();
        for k in keys {
            match merged.last_mut() {
                Some(last) if (last.0, last.1, last.2) == k => last.3 += 1.0,
                _ => merged.push((k.0, k.1, k.2, 1.0)),
            }
        }
        BgNbdData {
            xs,
            txs,
            ts,
            rows: merged,
            customers: rows.len(),
        }
    }
    /// One row per customer, nothing merged and no t_x mapped: the reference the grouped data
    /// is checked against (the BG/NBD likelihood depends on a customer only through
    /// (x, t_x, T), and on t_x not at all when x = 0, so grouping is exact).
    #[cfg(test)]
    pub(crate) fn per_customer(rows: &[Rfm]) -> Self {
        let mut xs: Vec<u32> = rows.iter().map(|c| c.x).collect();
        xs.sort_unstable();
        xs.dedup();
        let txs = distinct(rows.iter().map(|c| c.t_x));
        let ts = distinct(rows.iter().map(|c| c.t));
        let rows_idx = rows
            .iter()
            .map(|c| {
                let xi = xs.binary_search(&c.x).unwrap_or(0) as u32;
                (xi, position(&txs, c.t_x), position(&ts, c.t), 1.0)
            })
            .collect();
        BgNbdData {
            xs,
            txs,
            ts,
            rows: rows_idx,
            customers: rows.len(),
        }
    }
    /// Number of customers (before merging).
    pub fn len(&self) -> usize {
        self.customers
    }
    pub fn is_empty(&self) -> bool {
        self.customers == 0
    }
    /// Number of distinct (x, t_x, T) rows actually evaluated.
    pub fn distinct_rows(&self) -> usize {
        self.rows.len()
    }
    fn any_repeat(&self) -> bool {
        self.xs.iter().any(|&x| x > 0)
    }
}

/// What depends on x only, for one parameter vector.
struct PerX {
    x: f64,
    /// A1 + A2 without r ln α.
    lg: f64,
    /// ln a − ln(b+x−1) (x > 0).
    ln_ratio: f64,
    d_r: f64,
    d_a: f64,
    d_b: f64,
    inv_bx1: f64,
}

fn per_x(p: &BgNbdParams, xs: &[u32]) -> Vec<PerX> {
    let BgNbdParams { r, a, b, .. } = *p;
    let (lg_r, lg_ab, lg_b) = (ln_gamma(r), ln_gamma(a + b), ln_gamma(b));
    let (dg_r, dg_ab, dg_b) = (digamma(r), digamma(a + b), digamma(b));
    xs.iter()
        .map(|&x| {
            let x = f64::from(x);
            if x == 0.0 {
                return PerX {
                    x,
                    lg: 0.0,
                    ln_ratio: 0.0,
                    d_r: 0.0,
                    d_a: 0.0,
                    d_b: 0.0,
                    inv_bx1: 0.0,
                };
            }
            let dg_abx = digamma(a + b + x);
            PerX {
                x,
                lg: ln_gamma(r + x) - lg_r + lg_ab + ln_gamma(b + x) - lg_b - ln_gamma(a + b + x),
                ln_ratio: a.ln() - (b + x - 1.0).ln(),
                d_r: digamma(r + x) - dg_r,
                d_a: dg_ab - dg_abx,
                d_b: dg_ab + digamma(b + x) - dg_b - dg_abx,
                inv_bx1: 1.0 / (b + x - 1.0),
            }
        })
        .collect()
}

const CHUNK: usize = 8 * 1024;

/// Summed log-likelihood and its gradient with respect to (ln r, ln α, ln a, ln b).
pub fn log_likelihood_and_gradient(p: &BgNbdParams, data: &BgNbdData) -> (f64, [f64; 4]) {
    let px = per_x(p, &data.xs);
    let BgNbdParams { r, alpha, a, b } = *p;
    let ln_alpha = alpha.ln();
    // ln(α+T) and 1/(α+T) per distinct T; the same for t_x.
    let table = |v: &[f64]| -> Vec<(f64, f64)> {
        v.iter()
            .map(|&t| ((alpha + t).ln(), 1.0 / (alpha + t)))
            .collect()
    };
    let (lt, ltx) = (table(&data.ts), table(&data.txs));
    let sums = data
        .rows
        .par_chunks(CHUNK)
        .map(|chunk| {
            // [ll, d/dr, d/dα, d/da, d/db]
            let mut s = [0.0f64; 5];
            for &(xi, txi, ti, w) in chunk {
                let q = &px[xi as usize];
                let rx = r + q.x;
                let (l_at, inv_at) = lt[ti as usize];
                let a3 = -rx * l_at;
                if q.x == 0.0 {
                    // A1 + A2 = r ln α at x = 0.
                    s[0] += w * (r * ln_alpha + a3);
                    s[1] += w * (ln_alpha - l_at);
                    s[2] += w * (r / alpha - rx * inv_at);
                    continue;
                }
                let (l_atx, inv_atx) = ltx[txi as usize];
                let a4 = q.ln_ratio - rx * l_atx;
                // w4 = e^A4 / (e^A3 + e^A4), computed from the difference.
                let d = a4 - a3;
                let (lse, w4) = if d > 0.0 {
                    let e = (-d).exp();
                    (a4 + e.ln_1p(), 1.0 / (1.0 + e))
                } else {
                    let e = d.exp();
                    (a3 + e.ln_1p(), e / (1.0 + e))
                };
                let w3 = 1.0 - w4;
                s[0] += w * (q.lg + r * ln_alpha + lse);
                s[1] += w * (q.d_r + ln_alpha - w3 * l_at - w4 * l_atx);
                s[2] += w * (r / alpha - rx * (w3 * inv_at + w4 * inv_atx));
                s[3] += w * (q.d_a + w4 / a);
                s[4] += w * (q.d_b - w4 * q.inv_bx1);
            }
            s
        })
        .reduce(
            || [0.0; 5],
            |mut u, v| {
                for k in 0..5 {
                    u[k] += v[k];
                }
                u
            },
        );
    // Chain rule to log-parameters; the x = 0 terms of d/da and d/db vanish (A2 = 0 at x = 0).
    (
        sums[0],
        [sums[1] * r, sums[2] * alpha, sums[3] * a, sums[4] * b],
    )
}

/// Summed log-likelihood over customers.
pub fn log_likelihood(p: &BgNbdParams, data: &BgNbdData) -> f64 {
    log_likelihood_and_gradient(p, data).0
}

struct NegMeanLl<'a>(&'a BgNbdData);

impl Objective for NegMeanLl<'_> {
    fn value_grad(&self, theta: &[f64]) -> (f64, Vec<f64>) {
        let n = self.0.len() as f64;
        let (ll, g) = log_likelihood_and_gradient(&BgNbdParams::from_log(theta), self.0);
        (-ll / n, g.iter().map(|v| -v / n).collect())
    }
}

/// A fitted BG/NBD model.
#[derive(Debug, Clone, PartialEq)]
pub struct BgNbdFit {
    pub params: BgNbdParams,
    /// Standard errors on the natural scale (delta method from the log-parameter Hessian).
    pub se: BgNbdParams,
    /// Summed log-likelihood at the estimate.
    pub log_likelihood: f64,
    pub customers: usize,
    pub iterations: u64,
}

/// Why BG/NBD could not be fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BgNbdError {
    #[error("no customers to fit")]
    NoCustomers,
    #[error("no customer made a repeat purchase: BG/NBD needs repeat purchases to be fitted")]
    NoRepeatPurchases,
    #[error("invalid input for customer #{row}: {why}")]
    InvalidInput { row: usize, why: String },
    #[error("BG/NBD fit failed: {0}")]
    Fit(#[from] OptimError),
}

/// Maximum-likelihood fit over log-parameters.
pub fn fit(rows: &[Rfm]) -> Result<BgNbdFit, BgNbdError> {
    if rows.is_empty() {
        return Err(BgNbdError::NoCustomers);
    }
    for (row, c) in rows.iter().enumerate() {
        let ok = c.t.is_finite() && c.t_x.is_finite() && c.t_x >= 0.0 && c.t_x <= c.t;
        if !ok {
            return Err(BgNbdError::InvalidInput {
                row,
                why: format!("need 0 <= t_x <= T, got t_x = {}, T = {}", c.t_x, c.t),
            });
        }
    }
    fit_prepared(rows, &BgNbdData::new(rows))
}

/// The fit on prepared `data` (the customers of `rows`, grouped or not).
pub(crate) fn fit_prepared(rows: &[Rfm], data: &BgNbdData) -> Result<BgNbdFit, BgNbdError> {
    if !data.any_repeat() {
        return Err(BgNbdError::NoRepeatPurchases);
    }
    let n = data.len() as f64;
    // Start: r = 1, α from the mean purchase rate, a = 1, b = 1 (log-parameters).
    let mean_rate = rows
        .iter()
        .map(|c| (f64::from(c.x) + 1.0) / c.t.max(1.0))
        .sum::<f64>()
        / n;
    let start = BgNbdParams {
        r: 1.0,
        alpha: (1.0 / mean_rate).clamp(1e-3, 1e6),
        a: 1.0,
        b: 1.0,
    };
    let opt = optim::minimize(
        &NegMeanLl(data),
        &start.to_log(),
        &["r", "alpha", "a", "b"],
        n,
    )?;
    let params = BgNbdParams::from_log(&opt.theta);
    let se = opt
        .cov_log
        .as_ref()
        .map(|c| optim::natural_se(&opt.theta, c, n))
        .map(|s| BgNbdParams {
            r: s[0],
            alpha: s[1],
            a: s[2],
            b: s[3],
        })
        .unwrap_or(BgNbdParams {
            r: f64::NAN,
            alpha: f64::NAN,
            a: f64::NAN,
            b: f64::NAN,
        });
    Ok(BgNbdFit {
        params,
        se,
        log_likelihood: -opt.value * n,
        customers: rows.len(),
        iterations: opt.iterations,
    })
}

/// P(alive | x, t_x, T) = 1 / (1 + [x>0] a/(b+x−1) ((α+T)/(α+t_x))^(r+x)).
pub fn p_alive(p: &BgNbdParams, x: u32, t_x: f64, t: f64) -> f64 {
    if x == 0 {
        return 1.0;
    }
    let xf = f64::from(x);
    let ln_odds =
        p.a.ln() - (p.b + xf - 1.0).ln() + (p.r + xf) * ((p.alpha + t).ln() - (p.alpha + t_x).ln());
    // 1 / (1 + e^ln_odds) without overflow.
    if ln_odds > 0.0 {
        let e = (-ln_odds).exp();
        e / (1.0 + e)
    } else {
        1.0 / (1.0 + ln_odds.exp())
    }
}

/// E[Y(t) | x, t_x, T]: expected purchases in (T, T+t] (eq. 10 of Fader, Hardie & Lee 2005):
/// (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))] · P(alive).
pub fn conditional_expected_purchases(
    p: &BgNbdParams,
    t_future: f64,
    x: u32,
    t_x: f64,
    t: f64,
) -> Result<f64, Hyp2f1Error> {
    Ok(expected_purchases_if_alive(p, t_future, x, t)? * p_alive(p, x, t_x, t))
}

/// E[Y(t) | x, T, alive at T]: eq. 10 without the P(alive) factor. It depends on (x, T) only,
/// so predictions can share it between customers.
pub fn expected_purchases_if_alive(
    p: &BgNbdParams,
    t_future: f64,
    x: u32,
    t: f64,
) -> Result<f64, Hyp2f1Error> {
    if t_future <= 0.0 {
        return Ok(0.0);
    }
    // The expression is 0/0 at a = 1; it is smooth there, so average the two sides.
    if (p.a - 1.0).abs() < 5e-7 {
        let lo = BgNbdParams {
            a: 1.0 - 1e-6,
            ..*p
        };
        let hi = BgNbdParams {
            a: 1.0 + 1e-6,
            ..*p
        };
        let y0 = expected_purchases_if_alive(&lo, t_future, x, t)?;
        let y1 = expected_purchases_if_alive(&hi, t_future, x, t)?;
        return Ok(0.5 * (y0 + y1));
    }
    let BgNbdParams { r, alpha, a, b } = *p;
    let xf = f64::from(x);
    let z = t_future / (alpha + t + t_future);
    let f = ln_hyp2f1(r + xf, b + xf, a + b + xf - 1.0, z)?;
    // ((α+T)/(α+T+t))^(r+x) = (1−z)^(r+x)
    let ln_term = (r + xf) * (-z).ln_1p() + f.ln_abs;
    let bracket = if f.sign > 0.0 {
        -ln_term.exp_m1()
    } else {
        1.0 + ln_term.exp()
    };
    Ok((a + b + xf - 1.0) / (a - 1.0) * bracket)
}

/// E[X(t)]: expected purchases in (0, t] for a customer who has just made a first purchase:
/// (a+b−1)/(a−1) · [1 − (α/(α+t))^r ₂F₁(r, b; a+b−1; t/(α+t))].
pub fn expected_purchases(p: &BgNbdParams, t_future: f64) -> Result<f64, Hyp2f1Error> {
    if t_future <= 0.0 {
        return Ok(0.0);
    }
    if (p.a - 1.0).abs() < 5e-7 {
        let y0 = expected_purchases(
            &BgNbdParams {
                a: 1.0 - 1e-6,
                ..*p
            },
            t_future,
        )?;
        let y1 = expected_purchases(
            &BgNbdParams {
                a: 1.0 + 1e-6,
                ..*p
            },
            t_future,
        )?;
        return Ok(0.5 * (y0 + y1));
    }
    let BgNbdParams { r, alpha, a, b } = *p;
    let z = t_future / (alpha + t_future);
    let f = ln_hyp2f1(r, b, a + b - 1.0, z)?;
    let ln_term = r * (-z).ln_1p() + f.ln_abs;
    let bracket = if f.sign > 0.0 {
        -ln_term.exp_m1()
    } else {
        1.0 + ln_term.exp()
    };
    Ok((a + b - 1.0) / (a - 1.0) * bracket)
}
