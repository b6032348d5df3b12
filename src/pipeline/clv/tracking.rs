//! The tracking series of a CLV fit: actual vs predicted cumulative repeat purchases per week
//! (the "tracking" chart of Fader, Hardie & Lee), bounded by the data's span.

use chrono::NaiveDate;
use duckdb::Connection;

use crate::analytics::clv::rfm;
use crate::analytics::clv::{self as math, Hyp2f1Error, bgnbd};
use crate::engine::EngineError;

/// Longest tracking series (weeks, 30 years); a longer span of data gets no tracking chart.
pub const MAX_TRACKING_WEEKS: usize = 30 * 52;

/// Cumulative repeat purchases per week since the first purchase in the data: actual and
/// predicted by the fitted model (the "tracking" chart of Fader, Hardie & Lee). The series ends
/// at the last purchase in the data (or the observation end, when earlier): a far observation
/// end adds no points, so the work is bounded by the data's span (and by
/// [`MAX_TRACKING_WEEKS`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Tracking {
    pub start: NaiveDate,
    /// Week index of the calibration end.
    pub calibration_week: usize,
    pub actual_cumulative: Vec<f64>,
    pub predicted_cumulative: Vec<f64>,
}

/// Weeks of a tracking series from `start` to `end` (at least one).
pub fn tracking_weeks(start: NaiveDate, end: NaiveDate) -> usize {
    ((end - start).num_days().max(0) as usize)
        .div_ceil(7)
        .max(1)
}

/// Actual vs expected cumulative repeat purchases per week from the first purchase to `end`
/// (DuckDB errors outside, ₂F₁ failures inside).
pub(super) fn tracking(
    conn: &Connection,
    bg: &math::BgNbdParams,
    start: NaiveDate,
    calibration_end: NaiveDate,
    end: NaiveDate,
) -> Result<Result<Tracking, Hyp2f1Error>, EngineError> {
    let query_pairs = |sql: &str| -> Result<Vec<(i64, i64)>, EngineError> {
        let mut stmt = conn.prepare(sql)?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    };
    let weekly = query_pairs(&rfm::weekly_repeats_sql(start, end))?;
    let cohorts = query_pairs(&rfm::cohorts_sql(start))?;
    let weeks = tracking_weeks(start, end);
    let mut actual = vec![0.0; weeks];
    for (w, n) in weekly {
        if let Some(slot) = usize::try_from(w).ok().and_then(|w| actual.get_mut(w)) {
            *slot += n as f64;
        }
    }
    for w in 1..weeks {
        actual[w] += actual[w - 1];
    }
    // Dates are whole days: a first purchase on day s happened at s + ½ on average, and a week
    // w ends at 7(w+1). E[X] is evaluated once per half day and summed over the cohorts.
    let half_days = weeks * 14;
    let ex: Vec<f64> = match (0..=half_days)
        .map(|h| bgnbd::expected_purchases(bg, h as f64 / 14.0))
        .collect::<Result<_, _>>()
    {
        Ok(ex) => ex,
        Err(e) => return Ok(Err(e)),
    };
    let predicted = (0..weeks)
        .map(|w| {
            let week_end = 2 * 7 * (w + 1);
            cohorts
                .iter()
                .filter_map(|&(day, n)| {
                    let start_half = 2 * usize::try_from(day).ok()? + 1;
                    let elapsed = week_end.checked_sub(start_half)?;
                    Some(n as f64 * ex[elapsed.min(half_days)])
                })
                .sum()
        })
        .collect();
    Ok(Ok(Tracking {
        start,
        calibration_week: ((calibration_end - start).num_days().max(0) as usize) / 7,
        actual_cumulative: actual,
        predicted_cumulative: predicted,
    }))
}
