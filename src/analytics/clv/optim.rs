//! Maximum likelihood over log-parameters: argmin's L-BFGS with an analytic gradient, a few
//! Newton steps on a numerical Hessian (of the analytic gradient) to polish the optimum, and the
//! covariance of the estimates from that Hessian.
//!
//! Objectives are the *mean* negative log-likelihood per customer, so tolerances do not depend
//! on the number of customers; the covariance is scaled back by n.

use std::sync::Mutex;

use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;

/// A smooth objective in log-parameter space.
pub trait Objective: Sync {
    /// Mean negative log-likelihood and its gradient with respect to the log-parameters.
    /// Non-finite values mean "outside the usable region".
    fn value_grad(&self, theta: &[f64]) -> (f64, Vec<f64>);
}

/// Result of [`minimize`].
#[derive(Debug, Clone)]
pub struct Optimum {
    /// Log-parameters at the optimum.
    pub theta: Vec<f64>,
    /// Mean negative log-likelihood at `theta`.
    pub value: f64,
    /// Largest absolute gradient component at `theta`.
    pub grad_max: f64,
    pub iterations: u64,
    /// Covariance of the log-parameters (already divided by n), when the Hessian is positive
    /// definite.
    pub cov_log: Option<Vec<Vec<f64>>>,
}

/// Why a fit did not produce an optimum.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OptimError {
    #[error("the optimiser failed: {0}")]
    Solver(String),
    #[error("the log-likelihood is not finite at the starting point")]
    BadStart,
    #[error("no maximum: parameter {name} runs to {direction} (log value {theta:.1})")]
    Divergent {
        name: &'static str,
        direction: &'static str,
        theta: f64,
    },
    #[error("parameter {name} is not identified by the data ({why})")]
    NotIdentified { name: &'static str, why: String },
    #[error(
        "did not converge (largest gradient component {grad_max:.2e} after {iterations} iterations)"
    )]
    NotConverged { grad_max: f64, iterations: u64 },
}

/// The last evaluation: (log-parameters, value, gradient). L-BFGS asks for the cost and the
/// gradient at the same point separately; one pass over the data computes both.
type Cached = Option<(Vec<f64>, f64, Vec<f64>)>;

struct Problem<'a, O: Objective> {
    obj: &'a O,
    cache: Mutex<Cached>,
}

impl<O: Objective> Problem<'_, O> {
    fn eval(&self, theta: &[f64]) -> (f64, Vec<f64>) {
        if let Ok(guard) = self.cache.lock()
            && let Some((t, v, g)) = guard.as_ref()
            && t.as_slice() == theta
        {
            return (*v, g.clone());
        }
        let (v, g) = self.obj.value_grad(theta);
        if let Ok(mut guard) = self.cache.lock() {
            *guard = Some((theta.to_vec(), v, g.clone()));
        }
        (v, g)
    }
}

/// Out of the usable region the objective is replaced by a huge finite value so that the line
/// search backs off instead of failing.
const WALL: f64 = 1e30;

impl<O: Objective> CostFunction for Problem<'_, O> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, p: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        let v = self.eval(p).0;
        Ok(if v.is_finite() { v } else { WALL })
    }
}

impl<O: Objective> Gradient for Problem<'_, O> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, p: &Vec<f64>) -> Result<Vec<f64>, argmin::core::Error> {
        let (v, g) = self.eval(p);
        if v.is_finite() && g.iter().all(|x| x.is_finite()) {
            Ok(g)
        } else {
            // Point back towards the origin of log-space: a sane, bounded direction.
            Ok(p.iter().map(|t| t.signum()).collect())
        }
    }
}

/// Gradient tolerance on the mean log-likelihood (per customer) in log-parameter space.
const GRAD_TOL: f64 = 1e-8;
/// |log θ| beyond this means a parameter runs off to 0 or ∞ (e^25 ≈ 7e10).
const LOG_BOUND: f64 = 25.0;

/// A log-parameter whose standard error exceeds this (a factor e^8 ≈ 3000 either way) is not
/// determined by the data: the likelihood is flat along it (e.g. r → 0 when nobody repeats).
const MAX_SE_LOG: f64 = 8.0;

/// Minimise `obj` (a mean over `n` customers) from `start`; `names` label the parameters in
/// error messages.
pub fn minimize<O: Objective>(
    obj: &O,
    start: &[f64],
    names: &[&'static str],
    n: f64,
) -> Result<Optimum, OptimError> {
    let (v0, _) = obj.value_grad(start);
    if !v0.is_finite() {
        return Err(OptimError::BadStart);
    }
    let problem = Problem {
        obj,
        cache: Mutex::new(None),
    };
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 10)
        .with_tolerance_grad(GRAD_TOL * 10.0)
        .and_then(|s| s.with_tolerance_cost(1e-13))
        .map_err(|e| OptimError::Solver(e.to_string()))?;
    let res = Executor::new(problem, solver)
        .configure(|s| s.param(start.to_vec()).max_iters(1000))
        .timer(false)
        .run();
    let (mut theta, iterations) = match res {
        Ok(r) => {
            let st = r.state();
            let iters = st.get_iter();
            let best = st
                .get_best_param()
                .cloned()
                .unwrap_or_else(|| start.to_vec());
            // Whatever the termination reason (line-search trouble near the optimum is common
            // and harmless), the Newton polish and the checks below decide.
            (best, iters)
        }
        Err(e) => return Err(OptimError::Solver(e.to_string())),
    };
    check_bounds(&theta, names)?;

    // Newton polish: a converged L-BFGS is within ~1e-7 in the gradient; a step or two of
    // Newton (chord) iteration makes the optimum exact to machine precision (and the LL
    // comparable to 1e-10). The Hessian costs 2 gradients per parameter, so it is computed once
    // and reused while the steps keep improving; the steps are tiny, so it also serves for
    // the standard errors unless the polish moved far.
    let (mut value, mut grad) = obj.value_grad(&theta);
    let mut hess = hessian(obj, &theta);
    let mut hess_at = theta.clone();
    for _ in 0..8 {
        if max_abs(&grad) < 1e-11 {
            break;
        }
        let Some(h) = hess.as_ref() else { break };
        let Some(step) = solve_spd(h, &grad) else {
            break;
        };
        // Near the optimum the value changes by ~|g|²/H, below its rounding: a step is taken
        // when the value does not rise beyond rounding and the gradient shrinks.
        let slack = 1e-14 * value.abs().max(1.0);
        let mut t = 1.0;
        let mut improved = false;
        for _ in 0..4 {
            let cand: Vec<f64> = theta.iter().zip(&step).map(|(x, d)| x - t * d).collect();
            let (v, g) = obj.value_grad(&cand);
            if v.is_finite() && v <= value + slack && max_abs(&g) < max_abs(&grad) {
                theta = cand;
                value = v.min(value);
                grad = g;
                improved = true;
                break;
            }
            t *= 0.5;
        }
        if !improved {
            if hess_at == theta {
                break;
            }
            hess = hessian(obj, &theta);
            hess_at = theta.clone();
        }
    }
    let moved = theta
        .iter()
        .zip(&hess_at)
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    if moved > 1e-4 {
        hess = hessian(obj, &theta);
    }
    check_bounds(&theta, names)?;
    let grad_max = max_abs(&grad);
    if !value.is_finite() || grad_max > GRAD_TOL * 100.0 {
        return Err(OptimError::NotConverged {
            grad_max,
            iterations,
        });
    }
    let name = |i: usize| names.get(i).copied().unwrap_or("?");
    let Some(cov_log) = hess.as_ref().and_then(|h| invert_spd(h)) else {
        return Err(OptimError::NotIdentified {
            name: name(0),
            why: "the Hessian at the optimum is not positive definite".into(),
        });
    };
    for (i, row) in cov_log.iter().enumerate() {
        let se = (row[i] / n).sqrt();
        if se.is_nan() || se > MAX_SE_LOG {
            return Err(OptimError::NotIdentified {
                name: name(i),
                why: format!("standard error of its logarithm is {se:.3e}"),
            });
        }
    }
    let cov_log = Some(cov_log);
    Ok(Optimum {
        theta,
        value,
        grad_max,
        iterations,
        cov_log,
    })
}

fn check_bounds(theta: &[f64], names: &[&'static str]) -> Result<(), OptimError> {
    for (i, &t) in theta.iter().enumerate() {
        if !t.is_finite() || t.abs() > LOG_BOUND {
            return Err(OptimError::Divergent {
                name: names.get(i).copied().unwrap_or("?"),
                direction: if t > 0.0 { "infinity" } else { "zero" },
                theta: t,
            });
        }
    }
    Ok(())
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0f64, |m, x| m.max(x.abs()))
}

/// Central-difference Hessian of the analytic gradient, symmetrised.
pub fn hessian<O: Objective>(obj: &O, theta: &[f64]) -> Option<Vec<Vec<f64>>> {
    let n = theta.len();
    let mut h = vec![vec![0.0; n]; n];
    for j in 0..n {
        let step = 1e-5 * (1.0 + theta[j].abs());
        let mut tp = theta.to_vec();
        let mut tm = theta.to_vec();
        tp[j] += step;
        tm[j] -= step;
        let (_, gp) = obj.value_grad(&tp);
        let (_, gm) = obj.value_grad(&tm);
        for i in 0..n {
            h[i][j] = (gp[i] - gm[i]) / (2.0 * step);
        }
    }
    #[allow(clippy::needless_range_loop)]
    for i in 0..n {
        for j in 0..i {
            let m = 0.5 * (h[i][j] + h[j][i]);
            h[i][j] = m;
            h[j][i] = m;
        }
    }
    h.iter().flatten().all(|x| x.is_finite()).then_some(h)
}

/// Cholesky factor L (lower) of a symmetric positive definite matrix.
fn cholesky(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = a[i][i] - s;
                if d.is_nan() || d <= 0.0 {
                    return None;
                }
                l[i][j] = d.sqrt();
            } else {
                l[i][j] = (a[i][j] - s) / l[j][j];
            }
        }
    }
    Some(l)
}

/// Solve A x = b for symmetric positive definite A.
pub fn solve_spd(a: &[Vec<f64>], b: &[f64]) -> Option<Vec<f64>> {
    let l = cholesky(a)?;
    let n = b.len();
    let mut y = vec![0.0; n];
    for i in 0..n {
        let s: f64 = (0..i).map(|k| l[i][k] * y[k]).sum();
        y[i] = (b[i] - s) / l[i][i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let s: f64 = (i + 1..n).map(|k| l[k][i] * x[k]).sum();
        x[i] = (y[i] - s) / l[i][i];
    }
    Some(x)
}

/// Inverse of a symmetric positive definite matrix.
pub fn invert_spd(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let mut inv = vec![vec![0.0; n]; n];
    for j in 0..n {
        let mut e = vec![0.0; n];
        e[j] = 1.0;
        let col = solve_spd(a, &e)?;
        for i in 0..n {
            inv[i][j] = col[i];
        }
    }
    Some(inv)
}

/// Standard errors on the natural scale by the delta method: θ = e^φ, SE(θ) = θ · SE(φ).
/// `cov_log` is the covariance of the *mean* objective's inverse Hessian; `n` scales it.
pub fn natural_se(theta: &[f64], cov_log: &[Vec<f64>], n: f64) -> Vec<f64> {
    theta
        .iter()
        .enumerate()
        .map(|(i, &t)| t.exp() * (cov_log[i][i] / n).max(0.0).sqrt())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Quadratic;
    impl Objective for Quadratic {
        fn value_grad(&self, t: &[f64]) -> (f64, Vec<f64>) {
            // (t0−1)² + 10 (t1+2)² + (t0−1)(t1+2)
            let (u, v) = (t[0] - 1.0, t[1] + 2.0);
            (
                u * u + 10.0 * v * v + u * v,
                vec![2.0 * u + v, 20.0 * v + u],
            )
        }
    }

    #[test]
    fn finds_the_minimum_and_the_inverse_hessian() {
        let o = minimize(&Quadratic, &[0.0, 0.0], &["u", "v"], 1.0).unwrap();
        assert!((o.theta[0] - 1.0).abs() < 1e-9 && (o.theta[1] + 2.0).abs() < 1e-9);
        let c = o.cov_log.unwrap();
        // H = [[2,1],[1,20]], H⁻¹ = [[20,−1],[−1,2]]/39
        assert!((c[0][0] - 20.0 / 39.0).abs() < 1e-6);
        assert!((c[0][1] + 1.0 / 39.0).abs() < 1e-6);
    }

    struct Runaway;
    impl Objective for Runaway {
        fn value_grad(&self, t: &[f64]) -> (f64, Vec<f64>) {
            // Decreasing in t, no minimum: like r → 0 when nobody repeats.
            ((-t[0]).exp(), vec![-(-t[0]).exp()])
        }
    }

    #[test]
    fn a_missing_maximum_is_an_error_not_a_panic() {
        assert!(minimize(&Runaway, &[0.0], &["r"], 1.0).is_err());
    }
}
