//! The generator checked against its truth with analytical values: moments
//! of the latent draws, the BG/NBD probability of no repeat purchase and
//! expected repeat purchases in the calibration period (Fader, Hardie & Lee
//! 2005), and the Gamma-Gamma mean spend. Tolerances are a few standard
//! errors; the seeds are fixed, so the tests are deterministic.

use super::Generator;
use super::email::{EventType, customer_events};
use super::transactions::Kind;
use super::truth::{CALIBRATION_END, Truth, day_index};

const N: u64 = 20_000;
const Z: f64 = 4.0;

struct Draws {
    lambda: Vec<f64>,
    p: Vec<f64>,
    nu: Vec<f64>,
    /// Exposure in weeks from the trial purchase to the calibration end.
    t_cal: Vec<f64>,
    /// Repeat purchases before the calibration end.
    x_cal: Vec<f64>,
    first_amount: Vec<f64>,
    flights: u64,
    purchases: u64,
    tiers: [Vec<f64>; 3],
    sends: u64,
    opens: u64,
    clicks: u64,
}

fn draw(seed: u64) -> (Truth, Draws) {
    let g = Generator::new(Truth::new(seed, N)).unwrap();
    let cal_end = (day_index(CALIBRATION_END) + 1) as f64 / 7.0;
    let mut d = Draws {
        lambda: vec![],
        p: vec![],
        nu: vec![],
        t_cal: vec![],
        x_cal: vec![],
        first_amount: vec![],
        flights: 0,
        purchases: 0,
        tiers: [vec![], vec![], vec![]],
        sends: 0,
        opens: 0,
        clicks: 0,
    };
    let (mut times, mut events) = (Vec::new(), Vec::new());
    for i in 0..N {
        let (c, h) = g.customer(i, &mut times);
        d.lambda.push(c.latent.lambda);
        d.p.push(c.latent.p);
        d.nu.push(c.latent.nu);
        let t0 = h.purchases[0].t;
        assert_eq!(h.purchases[0].day, c.signup_day);
        d.t_cal.push(cal_end - t0);
        d.x_cal
            .push(h.purchases[1..].iter().filter(|p| p.t < cal_end).count() as f64);
        d.first_amount.push(h.purchases[0].cents as f64 / 100.0);
        d.purchases += h.purchases.len() as u64;
        d.flights += h
            .purchases
            .iter()
            .filter(|p| matches!(p.kind, Kind::Flight { .. }))
            .count() as u64;
        d.tiers[c.tier as usize].push(c.latent.lambda);
        customer_events(seed, &c, &h, &g.campaigns, g.end_secs(), &mut events);
        for e in &events {
            match e.kind {
                EventType::Send => d.sends += 1,
                EventType::Open => d.opens += 1,
                EventType::Click => d.clicks += 1,
            }
        }
    }
    (g.truth, d)
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn sd(v: &[f64]) -> f64 {
    let m = mean(v);
    (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
}

fn close(what: &str, got: f64, want: f64, se: f64) {
    assert!(
        (got - want).abs() < Z * se,
        "{what}: got {got}, want {want} ± {Z}·{se}"
    );
}

/// E[X(t)] for BG/NBD: E_p[(1 - (α/(α+pt))^r) / p] with p ~ Beta(a, b),
/// integrated numerically (Simpson) after substituting p = u^{1/a}, which
/// removes the p^{a-1} singularity. Uses E[X(t)|λ,p] = (1 - e^{-λpt})/p.
fn expected_x(r: f64, alpha: f64, a: f64, b: f64, t: f64) -> f64 {
    let m = 2000;
    let (mut num, mut den) = (0.0, 0.0);
    for k in 0..=m {
        let u = k as f64 / m as f64;
        let w = if k == 0 || k == m {
            1.0
        } else if k % 2 == 1 {
            4.0
        } else {
            2.0
        };
        let p = u.powf(1.0 / a);
        let dens = (1.0 - p).max(0.0).powf(b - 1.0);
        let f = if p == 0.0 {
            r * t / alpha
        } else {
            -(-r * (p * t / alpha).ln_1p()).exp_m1() / p
        };
        num += w * f * dens;
        den += w * dens;
    }
    num / den
}

#[test]
fn quadrature_matches_closed_form_when_a_above_one() {
    // FHL (2005) eq. 9: E[X(t)] = (a+b-1)/(a-1) [1 - (α/(α+t))^r 2F1(r, b; a+b-1; t/(α+t))],
    // valid for a > 1; with r = 1 the 2F1 series is easy to sum directly.
    let (r, alpha, a, b, t) = (1.0, 4.0, 2.0, 3.0, 20.0);
    let z = t / (alpha + t);
    let (mut term, mut f, c) = (1.0, 1.0, a + b - 1.0);
    for j in 0..2000 {
        let j = j as f64;
        term *= (r + j) * (b + j) / ((c + j) * (j + 1.0)) * z;
        f += term;
    }
    let closed = (a + b - 1.0) / (a - 1.0) * (1.0 - (alpha / (alpha + t)).powf(r) * f);
    let quad = expected_x(r, alpha, a, b, t);
    assert!((closed - quad).abs() < 1e-3 * closed, "{closed} vs {quad}");
}

#[test]
fn draws_match_the_truth() {
    let (truth, d) = draw(2024);
    let n = N as f64;
    let bg = truth.bgnbd;
    let gg = truth.gamma_gamma;

    // λ ~ Gamma(r, rate α): mean r/α, sd √r/α.
    close(
        "mean λ",
        mean(&d.lambda),
        bg.r / bg.alpha,
        bg.r.sqrt() / bg.alpha / n.sqrt(),
    );
    // p ~ Beta(a, b).
    let (a, b) = (bg.a, bg.b);
    let sd_p = (a * b / ((a + b).powi(2) * (a + b + 1.0))).sqrt();
    close("mean p", mean(&d.p), a / (a + b), sd_p / n.sqrt());
    // ν ~ Gamma(q, rate v).
    close(
        "mean ν",
        mean(&d.nu),
        gg.q / gg.v,
        gg.q.sqrt() / gg.v / n.sqrt(),
    );

    // P(X(T) = 0) = (α/(α+T))^r under BG/NBD (no dropout after the trial).
    let p0: Vec<f64> = d
        .t_cal
        .iter()
        .map(|t| (bg.alpha / (bg.alpha + t)).powf(bg.r))
        .collect();
    let zero = d.x_cal.iter().filter(|&&x| x == 0.0).count() as f64 / n;
    let se0 = (p0.iter().map(|p| p * (1.0 - p)).sum::<f64>() / n).sqrt() / n.sqrt();
    close("share with x = 0", zero, mean(&p0), se0);

    // E[X(T)], averaged over the customers' exposures (cached per exposure).
    let mut cache = std::collections::HashMap::new();
    let ex: Vec<f64> = d
        .t_cal
        .iter()
        .map(|&t| {
            *cache
                .entry(t.to_bits())
                .or_insert_with(|| expected_x(bg.r, bg.alpha, bg.a, bg.b, t))
        })
        .collect();
    close(
        "mean repeat purchases",
        mean(&d.x_cal),
        mean(&ex),
        sd(&d.x_cal) / n.sqrt(),
    );

    // Gamma-Gamma: E[z] = p v/(q-1); Var z = p E[1/ν²] + p² Var(1/ν).
    let e_inv = gg.v / (gg.q - 1.0);
    let e_inv2 = gg.v * gg.v / ((gg.q - 1.0) * (gg.q - 2.0));
    let var_z = gg.p * e_inv2 + gg.p * gg.p * (e_inv2 - e_inv * e_inv);
    close(
        "mean first spend",
        mean(&d.first_amount),
        gg.p * e_inv,
        (var_z / n).sqrt(),
    );
    assert!(d.first_amount.iter().all(|&z| z >= 0.01));

    let share = d.flights as f64 / d.purchases as f64;
    close(
        "flight share",
        share,
        0.8,
        (0.16 / d.purchases as f64).sqrt(),
    );
}

#[test]
fn tiers_follow_frequency_and_email_rates_are_plausible() {
    let (_, d) = draw(7);
    let n = N as f64;
    let shares: Vec<f64> = d.tiers.iter().map(|t| t.len() as f64 / n).collect();
    // Star, Nova, Aurora roughly 70/22/8.
    assert!((0.62..0.78).contains(&shares[0]), "{shares:?}");
    assert!((0.15..0.30).contains(&shares[1]), "{shares:?}");
    assert!((0.05..0.12).contains(&shares[2]), "{shares:?}");
    let m: Vec<f64> = d.tiers.iter().map(|t| mean(t)).collect();
    assert!(m[0] < m[1] && m[1] < m[2], "mean λ by tier {m:?}");

    let open = d.opens as f64 / d.sends as f64;
    let click = d.clicks as f64 / d.opens as f64;
    assert!((0.15..0.40).contains(&open), "open rate {open}");
    assert!((0.10..0.25).contains(&click), "click rate {click}");
    // Roughly ten sends per customer over the two years.
    assert!((5.0..15.0).contains(&(d.sends as f64 / n)), "{}", d.sends);
}
