//! A schedule and "what is due at instant T". Pure: the caller supplies the instant and
//! what the run log says about the schedule ([`ScheduleState`]).
//!
//! A schedule's slots are the instants its [`Frequency`] fires between `start` and `end`
//! (both included). A slot is *covered* once a run for it (or for a later slot) has been
//! recorded, whatever its outcome, except a run that was interrupted (the process ended
//! under it): that slot is still owed. At an instant T the schedule is due when its
//! latest slot at or before T is not covered; however many slots were missed (the
//! machine was off for a week), it runs once, for the latest slot, as a catch-up run.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use super::frequency::Frequency;

/// Consecutive failures that quarantine a schedule unless its file says otherwise.
pub const DEFAULT_QUARANTINE_AFTER: u32 = 10;

/// A parameter value saved with a schedule or job, bound to `$NAME` in SQL.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ParamValue {
    Text(String),
    Integer(i64),
    Float(f64),
    Bool(bool),
    Date(#[serde(serialize_with = "date_text")] NaiveDate),
}

/// Dates as `2026-01-31` (chrono is built without its serde feature).
fn date_text<S: serde::Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(d)
}

impl std::fmt::Display for ParamValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParamValue::Text(s) => write!(f, "{s}"),
            ParamValue::Integer(n) => write!(f, "{n}"),
            ParamValue::Float(x) => write!(f, "{x}"),
            ParamValue::Bool(b) => write!(f, "{b}"),
            ParamValue::Date(d) => write!(f, "{d}"),
        }
    }
}

/// Parameters by name (the name as written after `$`).
pub type Params = BTreeMap<String, ParamValue>;

/// One `schedules/<name>.toml`.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// The file stem.
    pub name: String,
    pub file: PathBuf,
    /// The job it runs (a name from the workspace's jobs).
    pub job: String,
    pub frequency: Frequency,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub enabled: bool,
    pub quarantine_after: u32,
    pub parameters: Params,
}

/// Why a run happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Trigger {
    /// The schedule's latest slot, on time (only that slot was owed).
    Scheduled,
    /// More than one slot was owed; one run covers them all.
    CatchUp,
    /// Run on request (`--job NAME`, "run now").
    Manual,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Scheduled => "scheduled",
            Trigger::CatchUp => "catch-up",
            Trigger::Manual => "manual",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Trigger::Scheduled, Trigger::CatchUp, Trigger::Manual]
            .into_iter()
            .find(|t| t.as_str() == s)
    }
}

/// What the run log says about a schedule.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScheduleState {
    /// The latest slot a recorded run covers (interrupted runs excluded).
    pub covered_until: Option<DateTime<Utc>>,
    /// Failed (or interrupted) runs in a row since the last success or re-enable.
    pub consecutive_failures: u32,
}

/// The answer to "is it due at T".
#[derive(Debug, Clone, PartialEq)]
pub enum Due {
    /// Run now, for `slot`; `missed` slots were owed (capped at [`MISSED_CAP`]).
    Run {
        slot: DateTime<Utc>,
        trigger: Trigger,
        missed: u32,
    },
    /// Nothing owed; the next slot, if the schedule has one.
    NotDue {
        next: Option<DateTime<Utc>>,
    },
    Disabled,
    Quarantined {
        failures: u32,
    },
}

/// Missed slots are counted up to this many.
pub const MISSED_CAP: u32 = 1000;

impl Schedule {
    fn origin(&self) -> NaiveDate {
        self.start.map_or(
            NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default(),
            |s| s.date_naive(),
        )
    }

    /// The first slot at or after `t` inside [start, end].
    pub fn next_slot(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let from = self.start.map_or(t, |s| s.max(t));
        let slot = self.frequency.next_at_or_after(from, self.origin())?;
        self.end.is_none_or(|e| slot <= e).then_some(slot)
    }

    /// The last slot at or before `t` inside [start, end].
    pub fn prev_slot(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let until = self.end.map_or(t, |e| e.min(t));
        let slot = self.frequency.prev_at_or_before(until, self.origin())?;
        self.start.is_none_or(|s| slot >= s).then_some(slot)
    }

    /// Whether the schedule is quarantined given its state.
    pub fn is_quarantined(&self, state: &ScheduleState) -> bool {
        self.quarantine_after > 0 && state.consecutive_failures >= self.quarantine_after
    }

    /// What is due at `now`.
    pub fn due_at(&self, now: DateTime<Utc>, state: &ScheduleState) -> Due {
        if !self.enabled {
            return Due::Disabled;
        }
        if self.is_quarantined(state) {
            return Due::Quarantined {
                failures: state.consecutive_failures,
            };
        }
        let owed = |slot: &DateTime<Utc>| state.covered_until.is_none_or(|c| *slot > c);
        match self.prev_slot(now).filter(owed) {
            Some(slot) => {
                let missed = self.count_owed(slot, state.covered_until);
                Due::Run {
                    slot,
                    trigger: if missed > 1 {
                        Trigger::CatchUp
                    } else {
                        Trigger::Scheduled
                    },
                    missed,
                }
            }
            None => {
                let after = state.covered_until.map_or(now, |c| c.max(now)) + Duration::seconds(1);
                Due::NotDue {
                    next: self.next_slot(after),
                }
            }
        }
    }

    /// Owed slots up to and including `latest` (at least 1), capped at [`MISSED_CAP`].
    fn count_owed(&self, latest: DateTime<Utc>, covered: Option<DateTime<Utc>>) -> u32 {
        let mut n = 1;
        let mut at = latest;
        while n < MISSED_CAP {
            let Some(prev) = self.prev_slot(at - Duration::seconds(1)) else {
                break;
            };
            if covered.is_some_and(|c| prev <= c) {
                break;
            }
            n += 1;
            at = prev;
        }
        n
    }
}
