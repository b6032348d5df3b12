//! One customer: latent BG/NBD + Gamma-Gamma parameters and a profile.

use rand::Rng;
use rand_distr::{Beta, Distribution, Gamma, Normal};

use super::SampleError;
use super::names::{COUNTRIES, EMAIL_DOMAINS, FIRST_NAMES, LAST_NAMES};
use super::truth::{ACQUISITION_DAYS, BgNbd, GammaGamma};

/// Loyalty tier, earned by flying: correlated with the purchase rate λ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    Star,
    Nova,
    Aurora,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Star => "Star",
            Tier::Nova => "Nova",
            Tier::Aurora => "Aurora",
        }
    }
}

/// The per-customer draws the truth describes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Latent {
    /// Purchase rate per week while active.
    pub lambda: f64,
    /// Probability of dropping out after each repeat purchase.
    pub p: f64,
    /// Gamma-Gamma spend rate: amounts are Gamma(p_gg, rate nu).
    pub nu: f64,
}

/// The population distributions, built once from the truth.
#[derive(Debug, Clone)]
pub struct Population {
    lambda: Gamma<f64>,
    dropout: Beta<f64>,
    nu: Gamma<f64>,
    /// Mean λ, to put the tier score on a relative scale.
    mean_lambda: f64,
    tier_noise: Normal<f64>,
    country_total: u32,
}

/// Tier score = λ / E[λ] · exp(0.5·Z): thresholds give roughly
/// 70% Star, 22% Nova, 8% Aurora with the default truth.
const NOVA_SCORE: f64 = 0.75;
const AURORA_SCORE: f64 = 3.9;

fn param(what: &'static str, e: impl std::fmt::Display) -> SampleError {
    SampleError::Parameters(format!("{what}: {e}"))
}

impl Population {
    pub fn new(bg: &BgNbd, gg: &GammaGamma) -> Result<Self, SampleError> {
        Ok(Population {
            lambda: Gamma::new(bg.r, 1.0 / bg.alpha).map_err(|e| param("bgnbd r/alpha", e))?,
            dropout: Beta::new(bg.a, bg.b).map_err(|e| param("bgnbd a/b", e))?,
            nu: Gamma::new(gg.q, 1.0 / gg.v).map_err(|e| param("gamma_gamma q/v", e))?,
            mean_lambda: bg.r / bg.alpha,
            tier_noise: Normal::new(0.0, 0.5).map_err(|e| param("tier noise", e))?,
            country_total: COUNTRIES.iter().map(|c| c.1).sum(),
        })
    }

    pub fn draw_latent<R: Rng>(&self, rng: &mut R) -> Latent {
        Latent {
            lambda: self.lambda.sample(rng),
            p: self.dropout.sample(rng),
            nu: self.nu.sample(rng),
        }
    }
}

/// A customer's profile plus latent parameters. Names are static strings; the
/// email address is assembled by the writer from names, id and domain.
#[derive(Debug, Clone)]
pub struct Customer {
    pub id: u64,
    pub first_name: &'static str,
    pub last_name: &'static str,
    pub email_domain: &'static str,
    pub country: &'static str,
    pub tier: Tier,
    /// Acquisition (= first purchase = signup) day index from the start date.
    pub signup_day: u32,
    pub latent: Latent,
}

fn pick<'a, T, R: Rng>(rng: &mut R, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

impl Customer {
    /// Draw customer `index` (id = index + 1). The draw order is part of the
    /// output format: changing it changes every file.
    pub fn draw<R: Rng>(rng: &mut R, pop: &Population, index: u64) -> Customer {
        let latent = pop.draw_latent(rng);
        let signup_day = rng.random_range(0..ACQUISITION_DAYS);
        let first_name = *pick(rng, FIRST_NAMES);
        let last_name = *pick(rng, LAST_NAMES);
        let email_domain = *pick(rng, EMAIL_DOMAINS);
        let mut w = rng.random_range(0..pop.country_total);
        let mut country = COUNTRIES[0].0;
        for &(c, weight) in COUNTRIES {
            if w < weight {
                country = c;
                break;
            }
            w -= weight;
        }
        let score = latent.lambda / pop.mean_lambda * pop.tier_noise.sample(rng).exp();
        let tier = if score >= AURORA_SCORE {
            Tier::Aurora
        } else if score >= NOVA_SCORE {
            Tier::Nova
        } else {
            Tier::Star
        };
        Customer {
            id: index + 1,
            first_name,
            last_name,
            email_domain,
            country,
            tier,
            signup_day,
            latent,
        }
    }
}
