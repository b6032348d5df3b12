//! The Gauss hypergeometric function ₂F₁(a, b; c; z) for real parameters and real z < 1.
//!
//! BG/NBD's conditional expectation (eq. 10 of Fader, Hardie & Lee 2005) needs
//! ₂F₁(r+x, b+x; a+b+x−1; z) with x up to hundreds: the plain Gauss series then has huge terms
//! (the value itself is about (1−z)^−(r+x+1−a)) and needs many of them. The result is therefore
//! returned as a logarithm with a sign, and evaluated by whichever form converges fastest:
//!
//! * the Gauss series Σ (a)ₙ(b)ₙ/((c)ₙ n!) zⁿ, with running rescaling (no overflow), a tail
//!   bound as convergence test, and a cancellation check;
//! * Euler's transformation ₂F₁(a,b;c;z) = (1−z)^(c−a−b) ₂F₁(c−a, c−b; c; z), chosen when it
//!   makes the numerator parameters smaller (for BG/NBD it turns them into a+b−1−r and a−1,
//!   independent of x, so the series converges in a few terms);
//! * for z close to 1, the linear transformation z → 1−z (the two-term connection formula,
//!   DLMF 15.8.4), when c−a−b is not an integer and the two terms do not cancel;
//! * for z < 0, Pfaff's transformation to w = z/(z−1) ∈ (0, 1).

use super::special::ln_gamma_signed;

/// ln|F| and the sign of F.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SignedLn {
    pub ln_abs: f64,
    pub sign: f64,
}

impl SignedLn {
    pub fn value(self) -> f64 {
        self.sign * self.ln_abs.exp()
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Hyp2f1Error {
    #[error("₂F₁ needs z < 1, got z = {0}")]
    Domain(f64),
    #[error("₂F₁ undefined: c = {0} is a non-positive integer")]
    Pole(f64),
    #[error("₂F₁({a}, {b}; {c}; {z}) did not converge")]
    NoConvergence { a: f64, b: f64, c: f64, z: f64 },
}

const EPS: f64 = 1e-16;
const SERIES_MAX_TERMS: usize = 2_000_000;
/// Terms allowed in the Gauss series before z close to 1 prefers the 1−z transformation.
const QUICK_TERMS: usize = 500;

/// ₂F₁(a, b; c; z) as a plain number (may overflow to ±inf for huge values; use
/// [`ln_hyp2f1`] then).
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Result<f64, Hyp2f1Error> {
    ln_hyp2f1(a, b, c, z).map(SignedLn::value)
}

/// ln|₂F₁(a, b; c; z)| with its sign, for z < 1.
pub fn ln_hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Result<SignedLn, Hyp2f1Error> {
    if z.is_nan() || z >= 1.0 || !z.is_finite() {
        return Err(Hyp2f1Error::Domain(z));
    }
    if c <= 0.0 && c == c.floor() {
        return Err(Hyp2f1Error::Pole(c));
    }
    if z == 0.0 || a == 0.0 || b == 0.0 {
        return Ok(SignedLn {
            ln_abs: 0.0,
            sign: 1.0,
        });
    }
    if z < 0.0 {
        // Pfaff: F(a,b;c;z) = (1−z)^(−a) F(a, c−b; c; w) = (1−z)^(−b) F(c−a, b; c; w).
        let w = z / (z - 1.0);
        let l1z = (-z).ln_1p();
        let (pa, pb, pre) = if (a * (c - b)).abs() <= ((c - a) * b).abs() {
            (a, c - b, -a * l1z)
        } else {
            (c - a, b, -b * l1z)
        };
        let f = unit_interval(pa, pb, c, w)?;
        return Ok(SignedLn {
            ln_abs: f.ln_abs + pre,
            sign: f.sign,
        });
    }
    unit_interval(a, b, c, z)
}

/// 0 < z < 1.
fn unit_interval(a: f64, b: f64, c: f64, z: f64) -> Result<SignedLn, Hyp2f1Error> {
    // Euler's transformation when it shrinks the numerator parameters.
    let (sa, sb, pre) = if ((c - a) * (c - b)).abs() < (a * b).abs() {
        (c - a, c - b, (c - a - b) * (-z).ln_1p())
    } else {
        (a, b, 0.0)
    };
    let quick = if z > 0.5 {
        QUICK_TERMS
    } else {
        SERIES_MAX_TERMS
    };
    if let Some(f) = gauss_series(sa, sb, c, z, quick) {
        return Ok(SignedLn {
            ln_abs: f.ln_abs + pre,
            sign: f.sign,
        });
    }
    if let Some(f) = one_minus_z(a, b, c, z) {
        return Ok(f);
    }
    gauss_series(sa, sb, c, z, SERIES_MAX_TERMS)
        .map(|f| SignedLn {
            ln_abs: f.ln_abs + pre,
            sign: f.sign,
        })
        .ok_or(Hyp2f1Error::NoConvergence { a, b, c, z })
}

/// The Gauss series with rescaling. `None` when it did not converge within `max_terms` or lost
/// more than ~10 digits to cancellation.
fn gauss_series(a: f64, b: f64, c: f64, z: f64, max_terms: usize) -> Option<SignedLn> {
    let mut sum = 1.0f64;
    let mut term = 1.0f64;
    let mut biggest = 1.0f64;
    let mut ln_scale = 0.0f64;
    // Before this index a factor (a+n), (b+n) or (c+n) may still change sign or be tiny.
    let settle = (-a).max(-b).max(-c).max(0.0) + 1.0;
    for n in 0..max_terms {
        let nf = n as f64;
        let denom = (c + nf) * (nf + 1.0);
        if denom == 0.0 {
            return None;
        }
        let ratio = (a + nf) * (b + nf) / denom * z;
        term *= ratio;
        if term == 0.0 {
            // a or b is a non-positive integer: the series terminates (or underflowed).
            break;
        }
        sum += term;
        biggest = biggest.max(term.abs());
        if biggest > 1e250 {
            sum *= 1e-250;
            term *= 1e-250;
            biggest *= 1e-250;
            ln_scale += 250.0 * std::f64::consts::LN_10;
        }
        if nf + 1.0 > settle {
            let m = nf + 1.0;
            let next = ((a + m) * (b + m) / ((c + m) * (m + 1.0)) * z).abs();
            let rho = next.max(z.abs());
            if rho < 1.0 && term.abs() * rho / (1.0 - rho) <= EPS * sum.abs() {
                break;
            }
        }
        if n + 1 == max_terms || !sum.is_finite() {
            return None;
        }
    }
    if sum == 0.0 || biggest / sum.abs() > 1e10 {
        return None;
    }
    Some(SignedLn {
        ln_abs: sum.abs().ln() + ln_scale,
        sign: sum.signum(),
    })
}

/// DLMF 15.8.4: F(a,b;c;z) = Γ(c)Γ(c−a−b)/(Γ(c−a)Γ(c−b)) F(a,b;a+b−c+1;1−z)
///   + (1−z)^(c−a−b) Γ(c)Γ(a+b−c)/(Γ(a)Γ(b)) F(c−a,c−b;c−a−b+1;1−z).
///
/// `None` when c−a−b is (near) an integer, a gamma function hits a pole, a series fails, or the
/// two terms cancel.
fn one_minus_z(a: f64, b: f64, c: f64, z: f64) -> Option<SignedLn> {
    let s = c - a - b;
    if (s - s.round()).abs() < 1e-6 {
        return None;
    }
    let y = 1.0 - z;
    let g = |x: f64| ln_gamma_signed(x);
    let (lc, sc) = g(c)?;
    let t1 = {
        let (l1, s1) = g(s)?;
        let (l2, s2) = g(c - a)?;
        let (l3, s3) = g(c - b)?;
        let f = gauss_series(a, b, 1.0 - s, y, SERIES_MAX_TERMS)?;
        SignedLn {
            ln_abs: lc + l1 - l2 - l3 + f.ln_abs,
            sign: sc * s1 * s2 * s3 * f.sign,
        }
    };
    let t2 = {
        let (l1, s1) = g(-s)?;
        let (l2, s2) = g(a)?;
        let (l3, s3) = g(b)?;
        let f = gauss_series(c - a, c - b, 1.0 + s, y, SERIES_MAX_TERMS)?;
        SignedLn {
            ln_abs: s * y.ln() + lc + l1 - l2 - l3 + f.ln_abs,
            sign: sc * s1 * s2 * s3 * f.sign,
        }
    };
    let m = t1.ln_abs.max(t2.ln_abs);
    let sum = t1.sign * (t1.ln_abs - m).exp() + t2.sign * (t2.ln_abs - m).exp();
    // Both parts are at most 1 after scaling; a sum below 1e-8 lost 8 digits.
    if !sum.is_finite() || sum.abs() < 1e-8 {
        return None;
    }
    Some(SignedLn {
        ln_abs: m + sum.abs().ln(),
        sign: sum.signum(),
    })
}

#[cfg(test)]
#[allow(clippy::excessive_precision)]
mod tests {
    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }

    /// Reference values computed with mpmath 1.4.1 at 40 digits:
    /// `mp.hyp2f1(a, b, c, z)` (and `mp.log(...)` for the large ones).
    #[test]
    fn matches_mpmath_values() {
        let cases: &[(f64, f64, f64, f64, f64)] = &[
            // (a, b, c, z, value)
            (1.0, 1.0, 2.0, 0.5, 1.3862943611198906188),
            (0.25, 2.5, 2.3, 0.3, 1.1028649222205022813),
            (0.5, 0.8, 1.7, 0.95, 1.6111081709849566931),
            (-0.7, 1.3, 0.4, 0.6, -0.70146623534656267889),
            (0.25, 2.5, 2.3, -3.0, 0.69378923431300203587),
            (2.0, 3.0, 4.5, -0.9, 0.40779268386896985136),
            (1.5, 2.0, 3.25, 0.999, 43.78283118808952728),
            (-3.0, 2.0, 1.5, 0.7, -0.0752),
        ];
        for &(a, b, c, z, want) in cases {
            let got = hyp2f1(a, b, c, z).unwrap();
            assert!(
                rel(got, want) < 1e-12,
                "F({a},{b};{c};{z}) = {got}, want {want}"
            );
        }
    }

    /// Large parameters as in BG/NBD eq. 10: r+x, b+x, a+b+x−1 with x = 200.
    /// ln F from mpmath 1.4.1 (`mp.log(mp.hyp2f1(...))`, 40 digits).
    #[test]
    fn large_parameters_in_log_space() {
        let cases: &[(f64, f64, f64, f64, f64)] = &[
            (200.25, 202.5, 202.3, 0.5, 138.94033542105789838),
            (200.25, 202.5, 202.3, 0.9, 461.55134622465687745),
            (200.25, 202.5, 202.3, 0.999, 1384.6575066436222072),
            (0.243, 2.5, 2.3, 0.99, 1.4570254264743942663),
            (50.0, 60.0, 30.0, 0.8, 138.59666659357344576),
        ];
        for &(a, b, c, z, want) in cases {
            let got = ln_hyp2f1(a, b, c, z).unwrap();
            assert_eq!(got.sign, 1.0);
            assert!(
                rel(got.ln_abs, want) < 1e-12,
                "lnF({a},{b};{c};{z}) = {}, want {want}",
                got.ln_abs
            );
        }
    }

    #[test]
    fn identities_hold() {
        // F(1,1;2;z) = −ln(1−z)/z
        for z in [0.1f64, 0.5, 0.9, 0.9999, -5.0] {
            let want: f64 = -(-z).ln_1p() / z;
            assert!(
                rel(hyp2f1(1.0, 1.0, 2.0, z).unwrap(), want) < 1e-12,
                "z={z}"
            );
        }
        // F(a,b;b;z) = (1−z)^(−a)
        let want = (1.0f64 - 0.97).powf(-0.3);
        assert!(rel(hyp2f1(0.3, 1.7, 1.7, 0.97).unwrap(), want) < 1e-12);
    }

    #[test]
    fn each_evaluation_path_agrees_with_mpmath() {
        // mpmath 1.4.1: hyp2f1(1.5, 2, 3.25, 0.999) = 43.78283118808952728
        let f = one_minus_z(1.5, 2.0, 3.25, 0.999).unwrap();
        assert!(
            rel(f.value(), 43.78283118808952728) < 1e-11,
            "{}",
            f.value()
        );
        let f = gauss_series(1.5, 2.0, 3.25, 0.999, SERIES_MAX_TERMS).unwrap();
        assert!(
            rel(f.value(), 43.78283118808952728) < 1e-11,
            "{}",
            f.value()
        );
        // Integer c−a−b: the connection formula declines, the series answers.
        assert!(one_minus_z(1.0, 1.0, 2.0, 0.99).is_none());
    }

    #[test]
    fn errors_are_typed() {
        assert_eq!(hyp2f1(1.0, 1.0, 2.0, 1.0), Err(Hyp2f1Error::Domain(1.0)));
        assert_eq!(hyp2f1(1.0, 1.0, -2.0, 0.5), Err(Hyp2f1Error::Pole(-2.0)));
    }
}
