//! Due-time arithmetic: every frequency, month ends, leap days, end dates, disabled and
//! quarantined schedules, a week offline, and the built-in frequencies checked against
//! `croner`'s own next/previous occurrence for the equivalent cron expressions.

use std::path::Path;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::frequency::{Frequency, last_day_of_month, parse_cron};
use super::runlog::{RunStatus, count_failures};
use super::schedule::{Due, Params, Schedule, ScheduleState, Trigger};
use super::schedule_file::parse_schedule;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn sched(text: &str) -> Schedule {
    parse_schedule(Path::new("schedules/s.toml"), text).unwrap()
}

fn state(covered: Option<&str>, failures: u32) -> ScheduleState {
    ScheduleState {
        covered_until: covered.map(t),
        consecutive_failures: failures,
    }
}

fn next_n(s: &Schedule, from: &str, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut at = t(from);
    while out.len() < n {
        let Some(slot) = s.next_slot(at) else { break };
        out.push(slot.format("%Y-%m-%dT%H:%M").to_string());
        at = slot + Duration::seconds(1);
    }
    out
}

#[test]
fn hourly_fires_at_the_minute_every_hour() {
    let s = sched("job = \"j\"\nfrequency = \"hourly\"\nminute = 15\n");
    assert_eq!(
        next_n(&s, "2026-12-31T22:15:00Z", 3),
        ["2026-12-31T22:15", "2026-12-31T23:15", "2027-01-01T00:15"]
    );
    assert_eq!(
        s.prev_slot(t("2026-12-02T10:14:59Z")),
        Some(t("2026-12-02T09:15:00Z"))
    );
    assert_eq!(
        s.prev_slot(t("2026-12-02T10:15:00Z")),
        Some(t("2026-12-02T10:15:00Z"))
    );
}

#[test]
fn daily_every_n_days_counts_from_the_start_date() {
    let s = sched(
        "job = \"j\"\nfrequency = \"daily\"\nat = \"03:00\"\nevery_days = 3\nstart = 2026-12-01T00:00:00Z\n",
    );
    assert_eq!(
        next_n(&s, "2026-11-01T00:00:00Z", 4),
        [
            "2026-12-01T03:00",
            "2026-12-04T03:00",
            "2026-12-07T03:00",
            "2026-12-10T03:00"
        ]
    );
    assert_eq!(
        s.prev_slot(t("2026-12-06T23:59:00Z")),
        Some(t("2026-12-04T03:00:00Z"))
    );
    // Nothing before the start.
    assert_eq!(s.prev_slot(t("2026-12-01T02:59:00Z")), None);
}

#[test]
fn weekly_on_chosen_days() {
    let s = sched(
        "job = \"j\"\nfrequency = \"weekly\"\ndays = [\"thu\", \"Monday\"]\nat = \"04:30\"\n",
    );
    // 2026-12-07 is a Monday.
    assert_eq!(
        next_n(&s, "2026-12-05T00:00:00Z", 4),
        [
            "2026-12-07T04:30",
            "2026-12-10T04:30",
            "2026-12-14T04:30",
            "2026-12-17T04:30"
        ]
    );
}

#[test]
fn monthly_day_31_runs_on_the_last_day_of_short_months() {
    let s = sched("job = \"j\"\nfrequency = \"monthly\"\nday = 31\nat = \"06:00\"\n");
    assert_eq!(
        next_n(&s, "2027-01-01T00:00:00Z", 5),
        [
            "2027-01-31T06:00",
            "2027-02-28T06:00",
            "2027-03-31T06:00",
            "2027-04-30T06:00",
            "2027-05-31T06:00"
        ]
    );
    assert_eq!(
        s.prev_slot(t("2027-03-30T00:00:00Z")),
        Some(t("2027-02-28T06:00:00Z"))
    );
}

#[test]
fn leap_day() {
    let s = sched("job = \"j\"\nfrequency = \"monthly\"\nday = 29\nat = \"00:00\"\n");
    assert_eq!(
        next_n(&s, "2027-01-30T00:00:00Z", 3),
        ["2027-02-28T00:00", "2027-03-29T00:00", "2027-04-29T00:00"]
    );
    assert_eq!(
        next_n(&s, "2028-01-30T00:00:00Z", 2),
        ["2028-02-29T00:00", "2028-03-29T00:00"]
    );
    assert_eq!(
        last_day_of_month(NaiveDate::from_ymd_opt(2028, 2, 10).unwrap()),
        29
    );
    assert_eq!(
        last_day_of_month(NaiveDate::from_ymd_opt(2100, 2, 10).unwrap()),
        28
    );
    // A daily schedule steps over the leap day like any other; every 2 days keeps its phase.
    let d = sched(
        "job = \"j\"\nfrequency = \"daily\"\nat = \"12:00\"\nevery_days = 2\nstart = 2028-02-27T00:00:00Z\n",
    );
    assert_eq!(
        next_n(&d, "2028-02-27T00:00:00Z", 3),
        ["2028-02-27T12:00", "2028-02-29T12:00", "2028-03-02T12:00"]
    );
    // Cron: 29 February only.
    let c = sched("job = \"j\"\nfrequency = \"cron\"\ncron = \"0 0 29 2 *\"\n");
    assert_eq!(
        next_n(&c, "2025-03-01T00:00:00Z", 2),
        ["2028-02-29T00:00", "2032-02-29T00:00"]
    );
}

#[test]
fn utc_has_no_daylight_saving_gaps() {
    // Europe's and the US's clock changes (late March, early November) change nothing.
    let s = sched("job = \"j\"\nfrequency = \"hourly\"\nminute = 30\n");
    let slots = next_n(&s, "2027-03-28T00:00:00Z", 5);
    assert_eq!(
        slots,
        [
            "2027-03-28T00:30",
            "2027-03-28T01:30",
            "2027-03-28T02:30",
            "2027-03-28T03:30",
            "2027-03-28T04:30"
        ]
    );
}

#[test]
fn end_date_stops_the_schedule() {
    let s = sched(
        "job = \"j\"\nfrequency = \"daily\"\nat = \"03:00\"\nstart = 2026-12-01\nend = 2026-12-03T03:00:00Z\n",
    );
    assert_eq!(
        next_n(&s, "2026-11-01T00:00:00Z", 10),
        ["2026-12-01T03:00", "2026-12-02T03:00", "2026-12-03T03:00"]
    );
    // Long after the end, the last slot is still owed once if it never ran...
    let late = t("2027-06-01T00:00:00Z");
    assert!(
        matches!(s.due_at(late, &state(Some("2026-12-02T03:00:00Z"), 0)),
        Due::Run { slot, trigger: Trigger::Scheduled, missed: 1 } if slot == t("2026-12-03T03:00:00Z"))
    );
    // ...and once it has, nothing is ever due again.
    assert_eq!(
        s.due_at(late, &state(Some("2026-12-03T03:00:00Z"), 0)),
        Due::NotDue { next: None }
    );
}

#[test]
fn disabled_and_quarantined_schedules_do_not_run() {
    let off = sched("job = \"j\"\nfrequency = \"hourly\"\nminute = 0\nenabled = false\n");
    assert_eq!(
        off.due_at(t("2026-12-02T10:00:00Z"), &state(None, 0)),
        Due::Disabled
    );
    let s = sched("job = \"j\"\nfrequency = \"hourly\"\nminute = 0\n");
    let now = t("2026-12-02T10:00:00Z");
    assert_eq!(
        s.due_at(now, &state(None, 10)),
        Due::Quarantined { failures: 10 }
    );
    assert!(matches!(s.due_at(now, &state(None, 9)), Due::Run { .. }));
    let three = sched("job = \"j\"\nfrequency = \"hourly\"\nminute = 0\nquarantine_after = 3\n");
    assert_eq!(
        three.due_at(now, &state(None, 3)),
        Due::Quarantined { failures: 3 }
    );
    let never = sched("job = \"j\"\nfrequency = \"hourly\"\nminute = 0\nquarantine_after = 0\n");
    assert!(matches!(
        never.due_at(now, &state(None, 500)),
        Due::Run { .. }
    ));
}

#[test]
fn a_week_offline_is_one_catch_up_run() {
    let s = sched("job = \"j\"\nfrequency = \"daily\"\nat = \"03:00\"\nstart = 2026-11-01\n");
    let now = t("2026-12-09T12:00:00Z");
    let due = s.due_at(now, &state(Some("2026-12-02T03:00:00Z"), 0));
    assert_eq!(
        due,
        Due::Run {
            slot: t("2026-12-09T03:00:00Z"),
            trigger: Trigger::CatchUp,
            missed: 7
        }
    );
    // Once that run is recorded, nothing is owed until tomorrow.
    assert_eq!(
        s.due_at(now, &state(Some("2026-12-09T03:00:00Z"), 0)),
        Due::NotDue {
            next: Some(t("2026-12-10T03:00:00Z"))
        }
    );
}

#[test]
fn on_time_is_scheduled_and_before_the_slot_is_not_due() {
    let s = sched("job = \"j\"\nfrequency = \"daily\"\nat = \"03:00\"\nstart = 2026-11-01\n");
    let covered = state(Some("2026-12-01T03:00:00Z"), 0);
    assert_eq!(
        s.due_at(t("2026-12-02T03:07:00Z"), &covered),
        Due::Run {
            slot: t("2026-12-02T03:00:00Z"),
            trigger: Trigger::Scheduled,
            missed: 1
        }
    );
    assert_eq!(
        s.due_at(t("2026-12-02T02:59:59Z"), &covered),
        Due::NotDue {
            next: Some(t("2026-12-02T03:00:00Z"))
        }
    );
    // A schedule that starts after its slot today waits for tomorrow's.
    let fresh =
        sched("job = \"j\"\nfrequency = \"daily\"\nat = \"03:00\"\nstart = 2026-12-02T10:31:00Z\n");
    assert_eq!(
        fresh.due_at(t("2026-12-02T10:35:00Z"), &state(None, 0)),
        Due::NotDue {
            next: Some(t("2026-12-03T03:00:00Z"))
        }
    );
}

/// Built-in frequencies and the cron expression that means the same: the slots must agree
/// with croner's over a year, forwards and backwards.
#[test]
fn built_in_frequencies_agree_with_croner() {
    let corpus: &[(&str, &str)] = &[
        ("frequency = \"hourly\"\nminute = 0", "0 * * * *"),
        ("frequency = \"hourly\"\nminute = 45", "45 * * * *"),
        ("frequency = \"daily\"\nat = \"03:00\"", "0 3 * * *"),
        ("frequency = \"daily\"\nat = \"23:59\"", "59 23 * * *"),
        (
            "frequency = \"weekly\"\ndays = [\"mon\", \"thu\"]\nat = \"04:30\"",
            "30 4 * * 1,4",
        ),
        (
            "frequency = \"weekly\"\ndays = [\"sun\"]\nat = \"00:00\"",
            "0 0 * * 0",
        ),
        (
            "frequency = \"monthly\"\nday = 1\nat = \"06:00\"",
            "0 6 1 * *",
        ),
        (
            "frequency = \"monthly\"\nday = 15\nat = \"12:10\"",
            "10 12 15 * *",
        ),
        (
            "frequency = \"monthly\"\nday = 31\nat = \"06:00\"",
            "0 6 L * *",
        ),
    ];
    for (keys, expr) in corpus {
        let s = sched(&format!("job = \"j\"\n{keys}\n"));
        let cron = parse_cron(expr).unwrap();
        let mut ours = t("2027-12-30T05:00:00Z");
        let mut theirs = ours;
        for _ in 0..400 {
            let a = s.next_slot(ours).unwrap();
            let b = cron.find_next_occurrence(&theirs, true).unwrap();
            assert_eq!(a, b, "{keys} vs {expr}");
            ours = a + Duration::seconds(1);
            theirs = b + Duration::seconds(1);
        }
        for probe in [
            "2028-02-29T06:00:00Z",
            "2028-03-01T00:00:00Z",
            "2027-01-01T00:00:00Z",
        ] {
            assert_eq!(
                s.prev_slot(t(probe)),
                cron.find_previous_occurrence(&t(probe), true).ok(),
                "{keys} vs {expr} before {probe}"
            );
        }
    }
}

/// Cron schedules keep croner's slots inside their start and end.
#[test]
fn cron_schedules_follow_croner_within_start_and_end() {
    let corpus = [
        "*/15 * * * *",
        "0 9-17 * * 1-5",
        "30 2 1,15 * *",
        "0 0 * * SUN",
        "5 4 L * *",
        "0 12 * * 5#2",
        "@daily",
        "0 0 1 1 *",
    ];
    let start = t("2026-06-01T00:00:00Z");
    let end = t("2028-06-01T00:00:00Z");
    for expr in corpus {
        let s = sched(&format!(
            "job = \"j\"\nfrequency = \"cron\"\ncron = \"{expr}\"\nstart = 2026-06-01T00:00:00Z\nend = 2028-06-01T00:00:00Z\n"
        ));
        let cron = parse_cron(expr).unwrap();
        let mut at = t("2026-01-01T00:00:00Z");
        let mut expected = cron.find_next_occurrence(&start, true).unwrap();
        for _ in 0..200 {
            let Some(slot) = s.next_slot(at) else {
                assert!(expected > end, "{expr}: stopped early at {at}");
                break;
            };
            assert_eq!(slot, expected, "{expr}");
            at = slot + Duration::seconds(1);
            expected = cron.find_next_occurrence(&slot, false).unwrap();
        }
        let probe = t("2027-03-14T15:09:26Z");
        assert_eq!(
            s.prev_slot(probe),
            cron.find_previous_occurrence(&probe, true).ok(),
            "{expr}"
        );
        assert_eq!(
            s.prev_slot(t("2026-05-31T23:59:59Z")),
            None,
            "{expr}: before start"
        );
    }
}

#[test]
fn schedule_file_errors_name_file_line_and_reason() {
    let bad = |text: &str| parse_schedule(Path::new("schedules/nightly.toml"), text).unwrap_err();
    let e = bad("job = \"j\"\nfrequency = \"cron\"\ncron = \"61 * * * *\"\n");
    assert_eq!(
        (e.file.as_path(), e.line),
        (Path::new("schedules/nightly.toml"), Some(3))
    );
    assert!(e.reason.contains("61 * * * *"), "{e}");
    assert!(
        e.to_string().starts_with("schedules/nightly.toml:3: "),
        "{e}"
    );
    let e = bad("job = \"j\"\nfrequency = \"daily\"\nat = \"03:00\"\ncolour = \"red\"\n");
    assert_eq!(e.line, Some(4));
    assert!(e.reason.contains("colour"), "{e}");
    let e = bad("job = \"j\"\nfrequency = \"daily\"\nat = \"3pm\"\n");
    assert_eq!(e.line, Some(3));
    let e = bad("job = \"j\"\nfrequency = \"daily\"\nat = \"03:00\"\ndays = [\"mon\"]\n");
    assert_eq!(e.line, Some(4));
    assert!(e.reason.contains("does not apply"), "{e}");
    let e =
        bad("job = \"j\"\nfrequency = \"weekly\"\ndays = [\"mon\", \"funday\"]\nat = \"01:00\"\n");
    assert!(e.reason.contains("funday"), "{e}");
    let e = bad("job = \"j\"\nfrequency = \"monthly\"\nday = 32\nat = \"01:00\"\n");
    assert_eq!(e.line, Some(3));
    let e = bad("job = \"j\"\nfrequency = \"fortnightly\"\n");
    assert_eq!(e.line, Some(2));
    let e = bad(
        "job = \"j\"\nfrequency = \"daily\"\nat = \"01:00\"\nstart = 2027-01-01\nend = 2026-01-01\n",
    );
    assert_eq!(e.line, Some(5));
}

#[test]
fn parameters_are_read_with_their_types() {
    let s = sched(
        "job = \"j\"\nfrequency = \"hourly\"\nminute = 0\n[parameters]\nMIN = 100\nNAME = \"x\"\nDAY = 2026-01-31\n",
    );
    let mut expected = Params::new();
    expected.insert("MIN".into(), super::schedule::ParamValue::Integer(100));
    expected.insert("NAME".into(), super::schedule::ParamValue::Text("x".into()));
    expected.insert(
        "DAY".into(),
        super::schedule::ParamValue::Date(NaiveDate::from_ymd_opt(2026, 1, 31).unwrap()),
    );
    assert_eq!(s.parameters, expected);
    let e = parse_schedule(
        Path::new("s.toml"),
        "job = \"j\"\nfrequency = \"hourly\"\nminute = 0\n[parameters]\nL = [1, 2]\n",
    )
    .unwrap_err();
    assert!(e.reason.contains("array"), "{e}");
}

#[test]
fn failures_in_a_row_end_at_a_success() {
    use RunStatus::*;
    assert_eq!(count_failures(&[]), 0);
    assert_eq!(
        count_failures(&[
            (true, Failed),
            (true, Failed),
            (true, Succeeded),
            (true, Failed)
        ]),
        2
    );
    // Cancelled runs and manual failures are skipped; interrupted runs count.
    assert_eq!(
        count_failures(&[
            (true, Failed),
            (true, Cancelled),
            (false, Failed),
            (true, Interrupted),
            (true, Failed)
        ]),
        3
    );
    // A manual success ends the streak.
    assert_eq!(
        count_failures(&[(true, Failed), (false, Succeeded), (true, Failed)]),
        1
    );
}

#[test]
fn frequency_descriptions() {
    let f = Frequency::Monthly {
        day: 31,
        at: chrono::NaiveTime::from_hms_opt(6, 0, 0).unwrap(),
    };
    assert_eq!(f.describe(), "monthly on day 31 at 06:00");
    let s =
        sched("job = \"j\"\nfrequency = \"weekly\"\ndays = [\"thu\", \"mon\"]\nat = \"04:30\"\n");
    assert_eq!(s.frequency.describe(), "weekly on Mon,Thu at 04:30");
}
