//! Tests of the CLV math: published values, references computed independently with mpmath
//! 1.4.1 (40 digits, straight from the formulas), analytic vs numerical gradients, and parameter
//! recovery on data simulated here from known parameters.

use rand::SeedableRng;
use rand::distr::Distribution;
use rand_distr::{Beta, Exp, Gamma, Uniform};
use rand_pcg::Pcg64;

use super::bgnbd::{self, BgNbdData, BgNbdError, BgNbdParams};
use super::gamma_gamma::{self, GammaGammaError, GammaGammaParams, SpendModel};
use super::*;

fn close(got: f64, want: f64, tol: f64) -> bool {
    (got - want).abs() <= tol * want.abs().max(1.0)
}

const FHL: BgNbdParams = BgNbdParams {
    r: 0.25,
    alpha: 4.0,
    a: 0.8,
    b: 2.5,
};
/// CDNOW estimates of Fader, Hardie & Lee (2005).
const CDNOW: BgNbdParams = BgNbdParams {
    r: 0.243,
    alpha: 4.414,
    a: 0.793,
    b: 2.426,
};

#[test]
fn published_log_likelihood_values() {
    // Issue 5 / Fader-Hardie note: r=0.25, α=4, a=0.8, b=2.5, T=40.
    let l0 = bgnbd::log_likelihood_one(&FHL, 0, 0.0, 40.0);
    assert!((l0 - -0.59947382).abs() < 1e-4, "{l0}");
    let l200 = bgnbd::log_likelihood_one(&FHL, 200, 38.0, 40.0);
    assert!((l200 - 100.7957).abs() < 1e-4, "{l200}");
    // Tighter, against mpmath: -0.59947381819959263602 and 100.7956930927064519.
    assert!(close(l0, -0.599_473_818_199_592_6, 1e-12));
    assert!(close(l200, 100.795_693_092_706_45, 1e-12));
}

#[test]
fn summed_log_likelihood_and_gradient_match_per_customer_and_finite_differences() {
    let rows = simulate_bgnbd(&FHL, 2000, 7);
    let data = BgNbdData::new(&rows);
    let p = BgNbdParams {
        r: 0.4,
        alpha: 6.0,
        a: 1.3,
        b: 1.7,
    };
    let (ll, g) = bgnbd::log_likelihood_and_gradient(&p, &data);
    let direct: f64 = rows
        .iter()
        .map(|c| bgnbd::log_likelihood_one(&p, c.x, c.t_x, c.t))
        .sum();
    assert!(close(ll, direct, 1e-12), "{ll} vs {direct}");
    let theta = [p.r.ln(), p.alpha.ln(), p.a.ln(), p.b.ln()];
    for k in 0..4 {
        let h = 1e-6;
        let at = |d: f64| {
            let mut t = theta;
            t[k] += d;
            let q = BgNbdParams {
                r: t[0].exp(),
                alpha: t[1].exp(),
                a: t[2].exp(),
                b: t[3].exp(),
            };
            bgnbd::log_likelihood(&q, &data)
        };
        let fd = (at(h) - at(-h)) / (2.0 * h);
        assert!(
            (g[k] - fd).abs() < 1e-5 * fd.abs().max(1.0),
            "d{k}: {} vs {fd}",
            g[k]
        );
    }
}

#[test]
fn predictions_match_mpmath_references() {
    // CDNOW customer of the paper: x=2, t_x=30.43, T=38.86: 1.226 purchases in 39 weeks.
    let y = bgnbd::conditional_expected_purchases(&CDNOW, 39.0, 2, 30.43, 38.86).unwrap();
    assert!(close(y, 1.226_028_174_767_144_4, 1e-10), "{y}");
    let y = bgnbd::conditional_expected_purchases(&CDNOW, 52.0, 200, 38.0, 40.0).unwrap();
    assert!(close(y, 4.115_214_640_859_745_5, 1e-10), "{y}");
    let y = bgnbd::conditional_expected_purchases(&CDNOW, 39.0, 0, 0.0, 38.86).unwrap();
    assert!(close(y, 0.195_098_052_011_262_64, 1e-10), "{y}");
    let y = bgnbd::conditional_expected_purchases(&CDNOW, 521.4, 5, 20.0, 60.0).unwrap();
    assert!(close(y, 0.808_158_539_241_641_8, 1e-10), "{y}");
    let pa = bgnbd::p_alive(&CDNOW, 2, 30.43, 38.86);
    assert!(close(pa, 0.726_578_570_080_672_9, 1e-12), "{pa}");
    let u = bgnbd::expected_purchases(&CDNOW, 39.0).unwrap();
    assert!(close(u, 1.196_723_193_320_816_8, 1e-10), "{u}");
    let u = bgnbd::expected_purchases(&CDNOW, 78.0).unwrap();
    assert!(close(u, 1.860_519_057_942_768_5, 1e-10), "{u}");
    let gg = GammaGammaParams {
        p: 6.25,
        q: 3.74,
        v: 15.44,
    };
    assert!(close(
        gamma_gamma::log_likelihood_one(&gg, 3, 40.0),
        -4.333_588_655_794_564_7,
        1e-12
    ));
    assert!(close(
        gamma_gamma::log_likelihood_one(&gg, 1, 12.5),
        -3.686_275_645_127_743_8,
        1e-12
    ));
    // 12 months at 1% a month with E[M] = 35.5.
    let (_, clv) = value::discounted_clv(&CDNOW, 35.5, 2, 30.43, 38.86, 12, 0.01).unwrap();
    assert!(close(clv, 52.233_292_991_477_72, 1e-10), "{clv}");
}

#[test]
fn cdnow_like_sanity() {
    // P(alive) falls with time since the last purchase and rises with recency.
    let p1 = bgnbd::p_alive(&CDNOW, 3, 10.0, 30.0);
    let p2 = bgnbd::p_alive(&CDNOW, 3, 10.0, 50.0);
    let p3 = bgnbd::p_alive(&CDNOW, 3, 25.0, 30.0);
    assert!(p2 < p1 && p1 < p3 && p3 <= 1.0);
    assert_eq!(bgnbd::p_alive(&CDNOW, 0, 0.0, 30.0), 1.0);
    // Expected purchases grow with the horizon; a buyer of 200 at recency ≈ T is nearly alive.
    let e1 = bgnbd::conditional_expected_purchases(&CDNOW, 10.0, 3, 25.0, 30.0).unwrap();
    let e2 = bgnbd::conditional_expected_purchases(&CDNOW, 20.0, 3, 25.0, 30.0).unwrap();
    assert!(0.0 < e1 && e1 < e2);
    assert!(bgnbd::p_alive(&CDNOW, 200, 39.9, 40.0) > 0.99);
    // a = 1 exactly is a removable singularity.
    let p = BgNbdParams { a: 1.0, ..CDNOW };
    let y = bgnbd::conditional_expected_purchases(&p, 39.0, 2, 30.43, 38.86).unwrap();
    let y1 = bgnbd::conditional_expected_purchases(
        &BgNbdParams { a: 1.001, ..CDNOW },
        39.0,
        2,
        30.43,
        38.86,
    )
    .unwrap();
    assert!(y.is_finite() && (y - y1).abs() < 1e-2, "{y} vs {y1}");
}

/// BG/NBD in continuous time: λ ~ Gamma(r, rate α), p ~ Beta(a, b); after each purchase the
/// customer drops out with probability p. T uniform in [26, 78] weeks. Spend: ν ~ Gamma(q, rate v),
/// each repeat transaction ~ Gamma(p, rate ν).
/// The fit runs on customers grouped by (x, t_x, T) with weights; on day-granular data (as
/// clvdesk's summary makes it) that is a small fraction of the customers. The grouped fit must
/// be the per-customer fit: same estimates, log-likelihood and standard errors.
#[test]
fn grouped_fit_equals_the_per_customer_fit() {
    let days = |w: f64| (w * 7.0).floor() / 7.0;
    let rows: Vec<Rfm> = simulate_bgnbd(&FHL, 20_000, 11)
        .into_iter()
        .map(|c| Rfm {
            t_x: days(c.t_x),
            t: days(c.t),
            ..c
        })
        .collect();
    let grouped = BgNbdData::new(&rows);
    let single = BgNbdData::per_customer(&rows);
    assert_eq!(single.distinct_rows(), rows.len());
    assert!(
        grouped.distinct_rows() * 2 < rows.len(),
        "{} groups for {} customers",
        grouped.distinct_rows(),
        rows.len()
    );
    let fg = bgnbd::fit(&rows).unwrap();
    let fs = bgnbd::fit_prepared(&rows, &single).unwrap();
    assert_eq!(fg.customers, fs.customers);
    assert!(
        close(fg.log_likelihood, fs.log_likelihood, 1e-10),
        "{} vs {}",
        fg.log_likelihood,
        fs.log_likelihood
    );
    for (name, g, s) in [
        ("r", fg.params.r, fs.params.r),
        ("alpha", fg.params.alpha, fs.params.alpha),
        ("a", fg.params.a, fs.params.a),
        ("b", fg.params.b, fs.params.b),
        ("se r", fg.se.r, fs.se.r),
        ("se alpha", fg.se.alpha, fs.se.alpha),
        ("se a", fg.se.a, fs.se.a),
        ("se b", fg.se.b, fs.se.b),
    ] {
        assert!((g - s).abs() <= 1e-6 * s.abs(), "{name}: {g} vs {s}");
    }
}

fn simulate(bg: &BgNbdParams, gg: Option<&GammaGammaParams>, n: usize, seed: u64) -> Vec<Rfm> {
    let mut rng = Pcg64::seed_from_u64(seed);
    let lam = Gamma::new(bg.r, 1.0 / bg.alpha).unwrap();
    let drop = Beta::new(bg.a, bg.b).unwrap();
    let age = Uniform::new(26.0, 78.0).unwrap();
    let u01 = Uniform::new(0.0, 1.0).unwrap();
    (0..n)
        .map(|_| {
            let (l, p, t) = (
                lam.sample(&mut rng),
                drop.sample(&mut rng),
                age.sample(&mut rng),
            );
            let (mut x, mut now) = (0u32, 0.0);
            let wait = Exp::new(l).unwrap();
            loop {
                let next = now + wait.sample(&mut rng);
                if next > t {
                    break;
                }
                x += 1;
                now = next;
                if u01.sample(&mut rng) < p {
                    break;
                }
            }
            let monetary = match gg {
                Some(g) if x > 0 => {
                    let nu = Gamma::new(g.q, 1.0 / g.v).unwrap().sample(&mut rng);
                    let z = Gamma::new(g.p, 1.0 / nu).unwrap();
                    (0..x).map(|_| z.sample(&mut rng)).sum::<f64>() / f64::from(x)
                }
                _ => 0.0,
            };
            Rfm {
                x,
                t_x: now,
                t,
                monetary,
            }
        })
        .collect()
}

fn simulate_bgnbd(bg: &BgNbdParams, n: usize, seed: u64) -> Vec<Rfm> {
    simulate(bg, None, n, seed)
}

#[test]
fn recovers_bgnbd_and_gamma_gamma_parameters_from_simulated_data() {
    let gg_true = GammaGammaParams {
        p: 6.25,
        q: 3.74,
        v: 15.44,
    };
    let rows = simulate(&FHL, Some(&gg_true), 40_000, 42);
    let fit = bgnbd::fit(&rows).unwrap();
    let (p, se) = (fit.params, fit.se);
    // Maximum-likelihood estimates are asymptotically normal: within 4 SE with overwhelming
    // probability (and the seed is fixed, so this is deterministic).
    for (name, est, s, truth) in [
        ("r", p.r, se.r, FHL.r),
        ("alpha", p.alpha, se.alpha, FHL.alpha),
        ("a", p.a, se.a, FHL.a),
        ("b", p.b, se.b, FHL.b),
    ] {
        assert!(s > 0.0 && s.is_finite(), "{name}: se {s}");
        assert!(
            (est - truth).abs() < 4.0 * s,
            "{name}: {est} ± {s}, truth {truth}"
        );
    }
    // The optimum is a maximum: the true parameters are no better.
    let data = BgNbdData::new(&rows);
    assert!(fit.log_likelihood >= bgnbd::log_likelihood(&FHL, &data));

    let SpendModel::Fitted(g) = gamma_gamma::fit(&rows) else {
        panic!("spend model failed")
    };
    for (name, est, s, truth) in [
        ("p", g.params.p, g.se.p, gg_true.p),
        ("q", g.params.q, g.se.q, gg_true.q),
        ("v", g.params.v, g.se.v, gg_true.v),
    ] {
        assert!(
            (est - truth).abs() < 4.0 * s,
            "{name}: {est} ± {s}, truth {truth}"
        );
    }
}

#[test]
fn degenerate_inputs_are_errors_not_panics() {
    assert_eq!(bgnbd::fit(&[]), Err(BgNbdError::NoCustomers));
    let nobody = vec![
        Rfm {
            x: 0,
            t_x: 0.0,
            t: 30.0,
            monetary: 0.0
        };
        50
    ];
    assert_eq!(bgnbd::fit(&nobody), Err(BgNbdError::NoRepeatPurchases));
    let one = [Rfm {
        x: 3,
        t_x: 20.0,
        t: 30.0,
        monetary: 10.0,
    }];
    assert!(bgnbd::fit(&one).is_err());
    let bad = [Rfm {
        x: 3,
        t_x: 40.0,
        t: 30.0,
        monetary: 10.0,
    }];
    assert!(matches!(
        bgnbd::fit(&bad),
        Err(BgNbdError::InvalidInput { .. })
    ));
    assert!(matches!(gamma_gamma::fit(&one), SpendModel::Failed(_)));
    assert!(matches!(gamma_gamma::fit(&nobody), SpendModel::Failed(_)));
}

#[test]
fn heavy_tailed_spend_with_q_below_one_is_a_failed_spend_model() {
    let gg = GammaGammaParams {
        p: 2.0,
        q: 0.7,
        v: 5.0,
    };
    let rows = simulate(&FHL, Some(&gg), 20_000, 3);
    match gamma_gamma::fit(&rows) {
        SpendModel::Failed(GammaGammaError::InfiniteMean { q }) => assert!(q <= 1.0, "q = {q}"),
        SpendModel::Failed(e) => panic!("expected the infinite-mean failure (q <= 1), got {e}"),
        SpendModel::Fitted(f) => panic!("expected a failure, got {:?}", f.params),
    }
}

#[test]
fn predictions_and_holdout_check() {
    let rows = simulate(
        &CDNOW,
        Some(&GammaGammaParams {
            p: 6.0,
            q: 4.0,
            v: 15.0,
        }),
        500,
        9,
    );
    let gg = GammaGammaParams {
        p: 6.25,
        q: 3.74,
        v: 15.44,
    };
    let preds = predict(
        &CDNOW,
        Some(&gg),
        &rows,
        Horizon {
            months: 12,
            monthly_discount: 0.01,
        },
    )
    .unwrap();
    assert_eq!(preds.len(), rows.len());
    for (c, p) in rows.iter().zip(&preds) {
        assert!((0.0..=1.0).contains(&p.p_alive));
        assert!(p.expected_purchases >= 0.0 && p.clv.unwrap() >= 0.0);
        if c.x == 0 {
            assert!(close(
                p.expected_spend.unwrap(),
                gg.p * gg.v / (gg.q - 1.0),
                1e-12
            ));
        }
    }
    let none = predict(
        &CDNOW,
        None,
        &rows[..3],
        Horizon {
            months: 1,
            monthly_discount: 0.0,
        },
    )
    .unwrap();
    assert!(
        none.iter()
            .all(|p| p.clv.is_none() && p.expected_spend.is_none())
    );
    let actual: Vec<u32> = rows.iter().map(|c| c.x / 2).collect();
    let h = holdout_check(&CDNOW, &rows, &actual, 39.0).unwrap();
    assert_eq!(h.buckets.len(), 8);
    assert_eq!(
        h.buckets.iter().map(|b| b.customers).sum::<usize>(),
        rows.len()
    );
    assert!(close(
        h.actual,
        actual.iter().map(|&a| f64::from(a)).sum(),
        1e-12
    ));
    assert!(h.predicted > 0.0);
}
