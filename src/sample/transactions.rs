//! Purchase histories: BG/NBD timing, Gamma-Gamma amounts, and how each
//! purchase shows up in an airline loyalty log (a flight or a partner buy).

use rand::Rng;
use rand_distr::{Distribution, Exp, Gamma, StandardNormal};

use super::customers::Customer;
use super::names::{PARTNERS, ROUTES};

/// Share of purchase events that are flights (the rest are partner purchases).
pub const FLIGHT_SHARE: f64 = 0.8;
/// Miles flown per fare dollar, before noise, when picking a plausible route.
const MILES_PER_FARE_DOLLAR: f64 = 12.0;

/// How a purchase appears in `loyalty_transactions`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// STATUS_MILES row with the fare plus an AWARD_MILES row (amount 0).
    /// `route` indexes `ROUTES`; `outbound` = from AMS.
    Flight { route: u8, outbound: bool },
    /// One PURCHASE row at partner `partner` (index into `PARTNERS`).
    Partner { partner: u8 },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Purchase {
    /// Continuous time in weeks since the start date.
    pub t: f64,
    /// Day index (floor of t in days).
    pub day: u32,
    /// Amount in cents, > 0.
    pub cents: u64,
    pub miles: u64,
    pub kind: Kind,
}

/// One customer's purchases up to the observation end, in time order.
#[derive(Debug, Clone, Default)]
pub struct History {
    pub purchases: Vec<Purchase>,
    /// True if the customer dropped out (at the time of the last purchase).
    pub dropped: bool,
}

/// BG/NBD purchase times in weeks (Fader, Hardie & Lee 2005): the first
/// (trial) purchase at `t0`; while active, exponential(λ) gaps; after each
/// *repeat* purchase the customer drops out with probability `p`. There is no
/// dropout after the trial purchase: that is what makes it BG/NBD (whose
/// likelihood for x = 0 is e^{-λT}) rather than MBG/NBD. Times stop before
/// `t_end`. Returns whether the customer dropped out.
pub fn purchase_times<R: Rng>(
    rng: &mut R,
    lambda: f64,
    p: f64,
    t0: f64,
    t_end: f64,
    out: &mut Vec<f64>,
) -> bool {
    out.clear();
    out.push(t0);
    let Ok(gap) = Exp::new(lambda) else {
        return false;
    };
    let mut t = t0;
    loop {
        t += gap.sample(rng);
        if t >= t_end || !t.is_finite() {
            return false;
        }
        out.push(t);
        if rng.random::<f64>() < p {
            return true;
        }
    }
}

/// Pick the route whose distance is nearest to a noisy target for this fare.
fn route_for<R: Rng>(rng: &mut R, fare_dollars: f64) -> usize {
    let z: f64 = StandardNormal.sample(rng);
    let target = fare_dollars * MILES_PER_FARE_DOLLAR * (0.35 * z).exp();
    let i = ROUTES.partition_point(|r| (r.1 as f64) < target);
    if i == 0 {
        0
    } else if i == ROUTES.len() {
        ROUTES.len() - 1
    } else if target - ROUTES[i - 1].1 as f64 <= ROUTES[i].1 as f64 - target {
        i - 1
    } else {
        i
    }
}

/// Draw a customer's history until day `end_day` (inclusive). `spend_shape`
/// is the Gamma-Gamma `p`. `times` is scratch space reused across customers.
pub fn draw_history<R: Rng>(
    rng: &mut R,
    c: &Customer,
    spend_shape: f64,
    end_day: u32,
    times: &mut Vec<f64>,
) -> History {
    let t0 = c.signup_day as f64 / 7.0;
    let t_end = (end_day + 1) as f64 / 7.0;
    let dropped = purchase_times(rng, c.latent.lambda, c.latent.p, t0, t_end, times);
    let spend = Gamma::new(spend_shape, 1.0 / c.latent.nu).ok();
    let mut purchases = Vec::with_capacity(times.len());
    for (k, &t) in times.iter().enumerate() {
        // The trial purchase is on the signup day by construction; guard the
        // later ones against t*7 rounding just below an integer.
        let day = if k == 0 {
            c.signup_day
        } else {
            ((t * 7.0).floor() as u32).clamp(c.signup_day, end_day)
        };
        let z = spend.map_or(0.0, |g| g.sample(rng));
        let cents = ((z * 100.0).round() as u64).max(1);
        let kind = if rng.random::<f64>() < FLIGHT_SHARE {
            let route = route_for(rng, cents as f64 / 100.0);
            Kind::Flight {
                route: route as u8,
                outbound: rng.random_bool(0.5),
            }
        } else {
            Kind::Partner {
                partner: rng.random_range(0..PARTNERS.len()) as u8,
            }
        };
        let miles = match kind {
            Kind::Flight { route, .. } => ROUTES[route as usize].1 as u64,
            Kind::Partner { partner } => {
                ((cents as f64 / 100.0 * PARTNERS[partner as usize].1).round() as u64).max(1)
            }
        };
        purchases.push(Purchase {
            t,
            day,
            cents,
            miles,
            kind,
        });
    }
    History { purchases, dropped }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::rng::{Stream, rng_for};

    #[test]
    fn no_dropout_before_first_repeat() {
        // p = 1: the customer still makes (at most) one repeat purchase.
        let mut v = Vec::new();
        let mut n_repeat = 0;
        for i in 0..200 {
            let mut rng = rng_for(1, Stream::Customer, i);
            let dropped = purchase_times(&mut rng, 1.0, 1.0, 0.0, 10.0, &mut v);
            assert!(v.len() <= 2);
            if v.len() == 2 {
                n_repeat += 1;
                assert!(dropped);
            }
        }
        assert!(n_repeat > 190);
    }

    #[test]
    fn times_increase_and_stop_before_end() {
        let mut v = Vec::new();
        let mut rng = rng_for(3, Stream::Customer, 0);
        purchase_times(&mut rng, 2.0, 0.0, 1.5, 20.0, &mut v);
        assert_eq!(v[0], 1.5);
        assert!(v.windows(2).all(|w| w[0] < w[1]));
        assert!(*v.last().unwrap() < 20.0);
        assert!(v.len() > 20);
    }

    #[test]
    fn routes_follow_fares() {
        let mut rng = rng_for(5, Stream::Customer, 0);
        let short: f64 = (0..500)
            .map(|_| ROUTES[route_for(&mut rng, 60.0)].1 as f64)
            .sum::<f64>()
            / 500.0;
        let long: f64 = (0..500)
            .map(|_| ROUTES[route_for(&mut rng, 450.0)].1 as f64)
            .sum::<f64>()
            / 500.0;
        assert!(short < 1500.0 && long > 3500.0, "{short} {long}");
    }
}
