//! Schedule files: `schedules/<name>.toml` in the workspace, one schedule per file; the
//! file stem is the schedule's name.
//!
//! ```toml
//! job = "loyalty_miles"          # a job of the workspace (decile job, jobs/*.toml)
//! frequency = "daily"            # hourly | daily | weekly | monthly | cron
//! at = "03:00"                   # daily, weekly, monthly: time of day, UTC
//! every_days = 1                 # daily: every N days counted from start's date
//! # minute = 15                  # hourly: minutes past the hour
//! # days = ["mon", "thu"]        # weekly
//! # day = 31                     # monthly: a day past the month's end is its last day
//! # cron = "0 3 * * 1-5"         # cron: 5 fields (or 6 with seconds), UTC
//! start = 2026-01-01T00:00:00Z   # optional: no slot before this
//! # end = 2026-12-31T00:00:00Z   # optional: no slot after this
//! enabled = true
//! quarantine_after = 10          # failures in a row that stop the schedule
//! [parameters]                   # bound to $NAME in the job's SQL
//! MIN_MILES = 100
//! ```
//!
//! Unknown keys and keys that do not belong to the chosen frequency are errors naming
//! the file and the line.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use serde::Deserialize;
use toml::Spanned;

use super::definition::{self, InvalidFile, line_of};
use super::frequency::{Frequency, parse_cron, parse_time_of_day, parse_weekday};
use super::schedule::{DEFAULT_QUARANTINE_AFTER, Params, Schedule};

/// Folder of the workspace holding schedule files.
pub const DIR: &str = crate::workspace::paths::folders::SCHEDULES;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchedule {
    #[allow(dead_code)]
    description: Option<String>,
    job: Spanned<String>,
    frequency: Spanned<String>,
    at: Option<Spanned<String>>,
    every_days: Option<Spanned<i64>>,
    minute: Option<Spanned<i64>>,
    days: Option<Spanned<Vec<String>>>,
    day: Option<Spanned<i64>>,
    cron: Option<Spanned<String>>,
    start: Option<Spanned<toml::Value>>,
    end: Option<Spanned<toml::Value>>,
    enabled: Option<bool>,
    quarantine_after: Option<Spanned<i64>>,
    parameters: Option<Spanned<toml::Table>>,
}

/// `schedules/<name>.toml` under `dir`.
pub fn schedule_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.toml"))
}

/// Parses a schedule file's text; `file` names it in errors and gives the name.
pub fn parse_schedule(file: &Path, text: &str) -> Result<Schedule, InvalidFile> {
    let name = definition::name_of(file)?;
    let raw: RawSchedule = definition::parse_toml(file, text)?;
    let at_line = |s: std::ops::Range<usize>| Some(line_of(text, s.start));
    let bad = |span: std::ops::Range<usize>, reason: String| {
        InvalidFile::new(file, at_line(span), reason)
    };

    let kind = raw.frequency.get_ref().trim().to_ascii_lowercase();
    // Which optional keys each frequency uses.
    let allowed: &[&str] = match kind.as_str() {
        "hourly" => &["minute"],
        "daily" => &["at", "every_days"],
        "weekly" => &["days", "at"],
        "monthly" => &["day", "at"],
        "cron" => &["cron"],
        other => {
            return Err(bad(
                raw.frequency.span(),
                format!("frequency `{other}`: use hourly, daily, weekly, monthly or cron"),
            ));
        }
    };
    let present = [
        ("at", raw.at.as_ref().map(Spanned::span)),
        ("every_days", raw.every_days.as_ref().map(Spanned::span)),
        ("minute", raw.minute.as_ref().map(Spanned::span)),
        ("days", raw.days.as_ref().map(Spanned::span)),
        ("day", raw.day.as_ref().map(Spanned::span)),
        ("cron", raw.cron.as_ref().map(Spanned::span)),
    ];
    for (key, span) in present {
        if let Some(span) = span.filter(|_| !allowed.contains(&key)) {
            return Err(bad(
                span,
                format!(
                    "`{key}` does not apply to a {kind} schedule (it takes {})",
                    allowed.join(", ")
                ),
            ));
        }
    }
    let required = |key: &str, present: bool| {
        if present {
            Ok(())
        } else {
            Err(bad(
                raw.frequency.span(),
                format!("a {kind} schedule needs `{key}`"),
            ))
        }
    };
    let at = |raw_at: &Option<Spanned<String>>| -> Result<NaiveTime, InvalidFile> {
        let Some(at) = raw_at else {
            return Err(bad(
                raw.frequency.span(),
                format!("a {kind} schedule needs `at` (e.g. \"03:00\", UTC)"),
            ));
        };
        parse_time_of_day(at.get_ref()).ok_or_else(|| {
            bad(
                at.span(),
                format!(
                    "at = `{}` is not a time of day like \"03:00\"",
                    at.get_ref()
                ),
            )
        })
    };
    let int_in = |v: &Spanned<i64>, key: &str, lo: i64, hi: i64| -> Result<u32, InvalidFile> {
        let n = *v.get_ref();
        if (lo..=hi).contains(&n) {
            Ok(u32::try_from(n).unwrap_or_default())
        } else {
            Err(bad(
                v.span(),
                format!("{key} = {n} is out of range ({lo} to {hi})"),
            ))
        }
    };
    let frequency = match kind.as_str() {
        "hourly" => {
            required("minute", raw.minute.is_some())?;
            let minute = raw
                .minute
                .as_ref()
                .map_or(Ok(0), |m| int_in(m, "minute", 0, 59))?;
            Frequency::Hourly { minute }
        }
        "daily" => Frequency::Daily {
            at: at(&raw.at)?,
            every_days: raw
                .every_days
                .as_ref()
                .map_or(Ok(1), |n| int_in(n, "every_days", 1, 366))?,
        },
        "weekly" => {
            let Some(days) = &raw.days else {
                return Err(bad(
                    raw.frequency.span(),
                    "a weekly schedule needs `days` (e.g. [\"mon\", \"thu\"])".into(),
                ));
            };
            let mut parsed = Vec::new();
            for d in days.get_ref() {
                let w = parse_weekday(d).ok_or_else(|| {
                    bad(
                        days.span(),
                        format!("`{d}` is not a weekday (mon, tue, ... sun)"),
                    )
                })?;
                if !parsed.contains(&w) {
                    parsed.push(w);
                }
            }
            if parsed.is_empty() {
                return Err(bad(
                    days.span(),
                    "days is empty: name at least one weekday".into(),
                ));
            }
            parsed.sort_by_key(|w| w.num_days_from_monday());
            Frequency::Weekly {
                days: parsed,
                at: at(&raw.at)?,
            }
        }
        "monthly" => {
            required("day", raw.day.is_some())?;
            let day = raw
                .day
                .as_ref()
                .map_or(Ok(1), |d| int_in(d, "day", 1, 31))?;
            Frequency::Monthly {
                day,
                at: at(&raw.at)?,
            }
        }
        _ => {
            let Some(expr) = &raw.cron else {
                return Err(bad(
                    raw.frequency.span(),
                    "a cron schedule needs `cron` (e.g. \"0 3 * * *\")".into(),
                ));
            };
            let cron = parse_cron(expr.get_ref()).map_err(|e| bad(expr.span(), e))?;
            Frequency::Cron {
                expr: expr.get_ref().trim().to_string(),
                cron: Box::new(cron),
            }
        }
    };
    let instant = |v: &Option<Spanned<toml::Value>>,
                   key: &str|
     -> Result<Option<DateTime<Utc>>, InvalidFile> {
        v.as_ref()
            .map(|v| {
                parse_instant(v.get_ref()).ok_or_else(|| {
                    bad(
                        v.span(),
                        format!(
                            "{key} = `{}` is not a date or a date-time like 2026-01-01T00:00:00Z",
                            v.get_ref()
                        ),
                    )
                })
            })
            .transpose()
    };
    let start = instant(&raw.start, "start")?;
    let end = instant(&raw.end, "end")?;
    if let (Some(s), Some(e), Some(span)) = (start, end, raw.end.as_ref().map(Spanned::span))
        && e < s
    {
        return Err(bad(span, format!("end ({e}) is before start ({s})")));
    }
    let job = raw.job.get_ref().trim().to_string();
    if job.is_empty() {
        return Err(bad(
            raw.job.span(),
            "job is empty: name a job of the workspace".into(),
        ));
    }
    let parameters = match &raw.parameters {
        Some(t) => definition::parse_params(file, text, t)?,
        None => Params::new(),
    };
    Ok(Schedule {
        name,
        file: file.to_path_buf(),
        job,
        frequency,
        start,
        end,
        enabled: raw.enabled.unwrap_or(true),
        quarantine_after: raw
            .quarantine_after
            .as_ref()
            .map_or(Ok(DEFAULT_QUARANTINE_AFTER), |n| {
                int_in(n, "quarantine_after", 0, 10_000)
            })?,
        parameters,
    })
}

/// A TOML date-time (with offset: converted to UTC; without: taken as UTC) or date
/// (midnight UTC), or the same written as a string.
fn parse_instant(v: &toml::Value) -> Option<DateTime<Utc>> {
    let s = match v {
        toml::Value::Datetime(dt) => dt.to_string(),
        toml::Value::String(s) => s.trim().to_string(),
        _ => return None,
    };
    if let Ok(dt) = DateTime::parse_from_rfc3339(&s) {
        return Some(dt.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(&s, fmt) {
            return Some(Utc.from_utc_datetime(&naive));
        }
    }
    NaiveDate::parse_from_str(&s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|n| Utc.from_utc_datetime(&n))
}

/// Reads one schedule file.
pub fn load_schedule(file: &Path) -> Result<Schedule, InvalidFile> {
    parse_schedule(file, &definition::read(file)?)
}

/// Every schedule of `dir` and every file that could not be read, side by side: one
/// broken file never hides the others.
pub fn load_schedules(dir: &Path) -> (Vec<Schedule>, Vec<InvalidFile>) {
    let files = match definition::toml_files(dir) {
        Ok(f) => f,
        Err(e) => return (Vec::new(), vec![e]),
    };
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for f in files {
        match load_schedule(&f) {
            Ok(s) => good.push(s),
            Err(e) => bad.push(e),
        }
    }
    (good, bad)
}

/// Enables or disables a schedule in its file (comments kept, atomic write).
pub fn set_enabled(file: &Path, enabled: bool) -> Result<(), InvalidFile> {
    definition::edit_keys(file, &[("enabled", Some(toml_edit::value(enabled)))])
}

/// The text of a new schedule file.
pub fn render_new(
    description: &str,
    job: &str,
    frequency_keys: &str,
    start: DateTime<Utc>,
) -> String {
    format!(
        "# {description}\n# Edit freely: comments are kept when clvdesk saves this file. Times are UTC.\n\
         job = \"{job}\"\n{frequency_keys}\nstart = {}\nenabled = true\n",
        start.format("%Y-%m-%dT%H:%M:%SZ")
    )
}
