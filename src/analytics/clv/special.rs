//! Special functions used by the CLV models.
//!
//! `ln_gamma` and `digamma` come from statrs (Lanczos / asymptotic series, about 15 digits for
//! positive arguments). `ln_gamma_signed` adds what statrs does not give: ln|Γ(x)| and the sign of
//! Γ(x) for negative non-integer arguments, which the hypergeometric connection formulas need.

use std::f64::consts::PI;

/// ln Γ(x) for x > 0.
#[inline]
pub fn ln_gamma(x: f64) -> f64 {
    statrs::function::gamma::ln_gamma(x)
}

/// ψ(x) = d/dx ln Γ(x) for x > 0.
#[inline]
pub fn digamma(x: f64) -> f64 {
    statrs::function::gamma::digamma(x)
}

/// (ln|Γ(x)|, sign of Γ(x)) for any real x that is not a pole (0, −1, −2, …).
/// Returns `None` at a pole.
pub fn ln_gamma_signed(x: f64) -> Option<(f64, f64)> {
    if x > 0.0 {
        return Some((ln_gamma(x), 1.0));
    }
    if x == x.floor() {
        return None;
    }
    // Reflection: Γ(x) Γ(1−x) = π / sin(πx), with 1−x > 1.
    let s = (PI * x).sin();
    let ln_abs = PI.ln() - s.abs().ln() - ln_gamma(1.0 - x);
    Some((ln_abs, s.signum()))
}

/// ln(e^u + e^v) without overflow; `-inf` inputs are allowed.
#[inline]
pub fn log_add_exp(u: f64, v: f64) -> f64 {
    let m = u.max(v);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + ((u - m).exp() + (v - m).exp()).ln()
}

#[cfg(test)]
#[allow(clippy::excessive_precision)]
mod tests {
    use super::*;

    #[test]
    fn ln_gamma_signed_matches_reference() {
        // Reference values from mpmath 1.4.1: mp.log(abs(mp.gamma(x))), mp.sign(mp.gamma(x)).
        let (l, s) = ln_gamma_signed(-0.5).unwrap();
        assert!((l - 1.2655121234846453965).abs() < 1e-13, "{l}");
        assert_eq!(s, -1.0);
        let (l, s) = ln_gamma_signed(-2.3).unwrap();
        assert!((l - 0.36956666345500744818).abs() < 1e-12, "{l}");
        assert_eq!(s, -1.0);
        let (l, s) = ln_gamma_signed(-1.5).unwrap();
        assert!((l - 0.86004701537648101451).abs() < 1e-12, "{l}");
        assert_eq!(s, 1.0);
        assert!(ln_gamma_signed(-3.0).is_none());
        assert!((ln_gamma(200.5) - 860.58220350978249194).abs() < 1e-9);
    }

    #[test]
    fn log_add_exp_is_stable() {
        assert!((log_add_exp(1000.0, 1000.0) - (1000.0 + 2f64.ln())).abs() < 1e-12);
        assert_eq!(log_add_exp(-5.0, f64::NEG_INFINITY), -5.0);
    }
}
