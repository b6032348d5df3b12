//! Discounted customer lifetime value over a horizon of months.

use super::bgnbd::{BgNbdParams, expected_purchases_if_alive, p_alive};
use super::hyp2f1::Hyp2f1Error;

/// Weeks per month used to turn months into the model's weekly time unit.
pub const WEEKS_PER_MONTH: f64 = 4.345;

/// The discount-weighted purchase curve of a customer alive at T with frequency x:
/// returns (E[Y(K f) | alive], Σ_{k=1..K} (E[Y(k f)] − E[Y((k−1) f)]) / (1+d)^k given alive).
/// Depends on (x, T) only; multiply by P(alive) (and E[M]) per customer.
pub fn purchase_curve(
    bg: &BgNbdParams,
    x: u32,
    t: f64,
    months: u32,
    monthly_discount: f64,
) -> Result<(f64, f64), Hyp2f1Error> {
    let mut prev = 0.0;
    let mut discounted = 0.0;
    let mut factor = 1.0;
    for k in 1..=months {
        let y = expected_purchases_if_alive(bg, f64::from(k) * WEEKS_PER_MONTH, x, t)?;
        factor /= 1.0 + monthly_discount;
        discounted += (y - prev) * factor;
        prev = y;
    }
    Ok((prev, discounted))
}

/// Expected purchases over the horizon and the discounted CLV of one customer:
/// CLV = Σ_{k=1..K} E[M] (E[Y(k f)] − E[Y((k−1) f)]) / (1+d)^k, f = 4.345 weeks.
/// Returns (E[Y(K f)], CLV).
pub fn discounted_clv(
    bg: &BgNbdParams,
    spend: f64,
    x: u32,
    t_x: f64,
    t: f64,
    months: u32,
    monthly_discount: f64,
) -> Result<(f64, f64), Hyp2f1Error> {
    let (y, d) = purchase_curve(bg, x, t, months, monthly_discount)?;
    let pa = p_alive(bg, x, t_x, t);
    Ok((y * pa, spend * d * pa))
}
