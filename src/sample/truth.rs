//! The parameters the synthetic purchase history is drawn from, written next to
//! the data as `truth.json` so model fits can be checked against them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// BG/NBD parameters (Fader, Hardie & Lee 2005), time unit weeks:
/// purchase rate λ ~ Gamma(shape `r`, rate `alpha`), dropout p ~ Beta(`a`, `b`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BgNbd {
    pub r: f64,
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
}

/// Gamma-Gamma spend parameters (Fader, Hardie & Lee 2005b): per customer
/// ν ~ Gamma(shape `q`, rate `v`), each amount z ~ Gamma(shape `p`, rate ν),
/// so E[z] = p·v/(q-1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GammaGamma {
    pub p: f64,
    pub q: f64,
    pub v: f64,
}

/// Everything `truth.json` holds. Dates are ISO `YYYY-MM-DD` strings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    pub seed: u64,
    pub customers: u64,
    pub start_date: String,
    pub calibration_end: String,
    pub observation_end: String,
    pub time_unit: String,
    pub bgnbd: BgNbd,
    pub gamma_gamma: GammaGamma,
}

/// Defaults chosen to look like an airline loyalty log: about three purchases
/// a year for the average member, a long tail of frequent flyers, a quarter of
/// repeat buyers dropping out after each trip, mean fare ~ $300.
pub const DEFAULT_BGNBD: BgNbd = BgNbd {
    r: 0.25,
    alpha: 4.0,
    a: 0.8,
    b: 2.5,
};
pub const DEFAULT_GAMMA_GAMMA: GammaGamma = GammaGamma {
    p: 6.0,
    q: 4.0,
    v: 150.0,
};

/// The fixed calendar of the sample (see CONVENTIONS.md): history starts on
/// `START`, customers are acquired uniformly over the first `ACQUISITION_DAYS`,
/// observation ends on `OBSERVATION_END` (inclusive).
pub const START: (i32, u32, u32) = (2024, 1, 1);
pub const CALIBRATION_END: (i32, u32, u32) = (2025, 6, 30);
pub const OBSERVATION_END: (i32, u32, u32) = (2025, 12, 31);
pub const ACQUISITION_DAYS: u32 = 52 * 7;

fn date((y, m, d): (i32, u32, u32)) -> NaiveDate {
    // The constants above are valid dates; this cannot fail.
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

pub fn start_date() -> NaiveDate {
    date(START)
}

/// Day index (0 = start date) of a calendar date.
pub fn day_index(d: (i32, u32, u32)) -> u32 {
    (date(d) - start_date()).num_days() as u32
}

/// Last observed day index (inclusive).
pub fn observation_end_day() -> u32 {
    day_index(OBSERVATION_END)
}

impl Truth {
    /// The default truth for a run with this seed and size.
    pub fn new(seed: u64, customers: u64) -> Self {
        let iso = |d| date(d).format("%Y-%m-%d").to_string();
        Truth {
            seed,
            customers,
            start_date: iso(START),
            calibration_end: iso(CALIBRATION_END),
            observation_end: iso(OBSERVATION_END),
            time_unit: "weeks".to_string(),
            bgnbd: DEFAULT_BGNBD,
            gamma_gamma: DEFAULT_GAMMA_GAMMA,
        }
    }

    /// Pretty JSON with a trailing newline (stable bytes for a given value).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_days() {
        assert_eq!(day_index(START), 0);
        // 2024 is a leap year: 366 + 365 days, last index 730.
        assert_eq!(observation_end_day(), 730);
        assert_eq!(day_index(CALIBRATION_END), 366 + 180);
    }

    #[test]
    fn json_has_the_fixed_keys() {
        let t = Truth::new(7, 4000);
        let v: serde_json::Value = serde_json::from_str(&t.to_json()).unwrap();
        for k in [
            "seed",
            "customers",
            "start_date",
            "calibration_end",
            "observation_end",
            "time_unit",
            "bgnbd",
            "gamma_gamma",
        ] {
            assert!(v.get(k).is_some(), "missing {k}");
        }
        assert_eq!(v["time_unit"], "weeks");
        assert_eq!(v["start_date"], "2024-01-01");
        assert_eq!(v["bgnbd"]["alpha"], 4.0);
        assert_eq!(v["gamma_gamma"]["v"], 150.0);
        let back: Truth = serde_json::from_str(&t.to_json()).unwrap();
        assert_eq!(back, t);
    }
}
