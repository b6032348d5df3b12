//! How often a schedule fires, and the slot arithmetic: the first slot at or after an
//! instant and the last slot at or before it. Everything is UTC (no daylight saving), at
//! whole seconds. Pure: no clock, no files, no database.

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Timelike, Utc, Weekday,
};

/// How far the day-by-day search looks (daily every N days, weekly, monthly all have a
/// slot well inside this).
const SEARCH_DAYS: i64 = 400;

/// The frequency of a schedule.
#[derive(Debug, Clone)]
pub enum Frequency {
    /// Every hour at `minute` past.
    Hourly { minute: u32 },
    /// At `at` every `every_days` days, counted from the schedule's start date.
    Daily { at: NaiveTime, every_days: u32 },
    /// At `at` on each of `days`.
    Weekly { days: Vec<Weekday>, at: NaiveTime },
    /// At `at` on `day` of each month; a day past the month's end means its last day.
    Monthly { day: u32, at: NaiveTime },
    /// A cron expression (5 fields, or 6 with seconds), evaluated in UTC by `croner`.
    Cron {
        expr: String,
        cron: Box<croner::Cron>,
    },
}

/// Parses a cron expression the way schedules use it (UTC; croner's syntax).
pub fn parse_cron(expr: &str) -> Result<croner::Cron, String> {
    croner::parser::CronParser::new()
        .parse(expr)
        .map_err(|e| format!("`{expr}` is not a cron expression: {e}"))
}

impl Frequency {
    /// A short description for lists and run lines.
    pub fn describe(&self) -> String {
        match self {
            Frequency::Hourly { minute } => format!("hourly at :{minute:02}"),
            Frequency::Daily { at, every_days: 1 } => format!("daily at {}", at.format("%H:%M")),
            Frequency::Daily { at, every_days } => {
                format!("every {every_days} days at {}", at.format("%H:%M"))
            }
            Frequency::Weekly { days, at } => {
                let names: Vec<String> = days.iter().map(|d| d.to_string()).collect();
                format!("weekly on {} at {}", names.join(","), at.format("%H:%M"))
            }
            Frequency::Monthly { day, at } => {
                format!("monthly on day {day} at {}", at.format("%H:%M"))
            }
            Frequency::Cron { expr, .. } => format!("cron {expr}"),
        }
    }

    /// The first slot at or after `t`. `origin` is the date counting of "every N days"
    /// starts from (the schedule's start date).
    pub fn next_at_or_after(&self, t: DateTime<Utc>, origin: NaiveDate) -> Option<DateTime<Utc>> {
        let t = whole_second(t);
        match self {
            Frequency::Hourly { minute } => {
                let slot = hour_start(t) + Duration::minutes(i64::from(*minute));
                Some(if slot < t {
                    slot + Duration::hours(1)
                } else {
                    slot
                })
            }
            Frequency::Cron { cron, .. } => cron.find_next_occurrence(&t, true).ok(),
            _ => (0..=SEARCH_DAYS)
                .filter_map(|i| self.slot_on(t.date_naive() + Duration::days(i), origin))
                .find(|s| *s >= t),
        }
    }

    /// The last slot at or before `t`.
    pub fn prev_at_or_before(&self, t: DateTime<Utc>, origin: NaiveDate) -> Option<DateTime<Utc>> {
        let t = whole_second(t);
        match self {
            Frequency::Hourly { minute } => {
                let slot = hour_start(t) + Duration::minutes(i64::from(*minute));
                Some(if slot > t {
                    slot - Duration::hours(1)
                } else {
                    slot
                })
            }
            Frequency::Cron { cron, .. } => cron.find_previous_occurrence(&t, true).ok(),
            _ => (0..=SEARCH_DAYS)
                .filter_map(|i| self.slot_on(t.date_naive() - Duration::days(i), origin))
                .find(|s| *s <= t),
        }
    }

    /// The slot on `date`, if this frequency fires that day (day-based frequencies only).
    fn slot_on(&self, date: NaiveDate, origin: NaiveDate) -> Option<DateTime<Utc>> {
        let at = match self {
            Frequency::Daily { at, every_days } => {
                let n = i64::from((*every_days).max(1));
                ((date - origin).num_days().rem_euclid(n) == 0).then_some(*at)?
            }
            Frequency::Weekly { days, at } => days.contains(&date.weekday()).then_some(*at)?,
            Frequency::Monthly { day, at } => {
                (date.day() == (*day).min(last_day_of_month(date))).then_some(*at)?
            }
            Frequency::Hourly { .. } | Frequency::Cron { .. } => return None,
        };
        Some(Utc.from_utc_datetime(&date.and_time(at)))
    }
}

/// The number of the last day of `date`'s month (28..=31).
pub fn last_day_of_month(date: NaiveDate) -> u32 {
    let (y, m) = (date.year(), date.month());
    let first_next = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(y, m + 1, 1)
    };
    first_next.map_or(31, |d| (d - Duration::days(1)).day())
}

fn whole_second(t: DateTime<Utc>) -> DateTime<Utc> {
    t.with_nanosecond(0).unwrap_or(t)
}

fn hour_start(t: DateTime<Utc>) -> DateTime<Utc> {
    let naive = t
        .date_naive()
        .and_hms_opt(t.hour(), 0, 0)
        .unwrap_or(t.naive_utc());
    Utc.from_utc_datetime(&naive)
}

/// Parses `HH:MM` (or `HH:MM:SS`).
pub fn parse_time_of_day(s: &str) -> Option<NaiveTime> {
    let s = s.trim();
    NaiveTime::parse_from_str(s, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M:%S"))
        .ok()
}

/// Parses a weekday name (`mon`, `Monday`, ...).
pub fn parse_weekday(s: &str) -> Option<Weekday> {
    let s = s.trim().to_ascii_lowercase();
    let w = match s.get(..3)? {
        "mon" => Weekday::Mon,
        "tue" => Weekday::Tue,
        "wed" => Weekday::Wed,
        "thu" => Weekday::Thu,
        "fri" => Weekday::Fri,
        "sat" => Weekday::Sat,
        "sun" => Weekday::Sun,
        _ => return None,
    };
    let full = w.to_string().to_ascii_lowercase();
    let full_name = match w {
        Weekday::Mon => "monday",
        Weekday::Tue => "tuesday",
        Weekday::Wed => "wednesday",
        Weekday::Thu => "thursday",
        Weekday::Fri => "friday",
        Weekday::Sat => "saturday",
        Weekday::Sun => "sunday",
    };
    (s == full || s == full_name).then_some(w)
}
