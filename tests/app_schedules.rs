//! The app runs due schedules in the background (the same runner as
//! `clvdesk --run-schedule`) while the SQL pane keeps working, says so in the status
//! line, and the Schedules tab lists them, shows their history and acts on them: run
//! now, enable / disable, edit the frequency, cancel the running job.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clvdesk::tui::headless::{Headless, grid_cell, status_line};
use clvdesk::tui::{App, AppOptions};
use crossterm::event::{KeyCode, KeyModifiers};

fn app_on(dir: &std::path::Path) -> App {
    let ws = clvdesk::scheduler::starters::open_folder(&dir.join("ws")).expect("open workspace");
    App::new(AppOptions {
        workspace: ws,
        theme: None,
        config_dir: Some(dir.join("config")),
    })
}

/// A seeded workspace under `dir` (its starter schedules are not due) plus `files`.
fn workspace_with(dir: &Path, files: &[(&str, &str)]) -> PathBuf {
    drop(app_on(dir));
    let root = dir.join("ws");
    for (rel, text) in files {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    root
}

/// Pumps the app's messages until `done` holds (or panics after 120 s).
fn pump_until(h: &mut Headless, what: &str, done: impl Fn(&mut Headless) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        h.app.drain();
        if done(h) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "waited in vain for {what}; notice: {:?}\n{}",
            h.app.notice.as_ref().map(|n| n.text.clone()),
            h.draw()
        );
        h.app.wait(Duration::from_millis(50));
    }
}

/// Pumps the app's messages until its notice contains `want`.
fn notice_until(h: &mut Headless, want: &str) -> String {
    pump_until(h, want, |h| {
        h.app.notice.as_ref().is_some_and(|n| n.text.contains(want))
    });
    h.app
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default()
}

fn key(h: &mut Headless, c: char) {
    h.app.key(KeyCode::Char(c), KeyModifiers::NONE);
}

fn scalar(h: &Headless, sql: &str) -> i64 {
    h.app
        .workspace
        .db()
        .conn()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

/// The first line inside a box (the schedule list, the history) that mentions `needle`;
/// the status line does not count.
fn line_with<'a>(screen: &'a str, needle: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.starts_with('│') && l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?}:\n{screen}"))
}

/// Whether a list row's state says the job runs now, with its elapsed time
/// (`running 2.1s`), as the scheduler's events tell it.
fn shows_running(row: &str) -> bool {
    row.match_indices("running ")
        .any(|(i, m)| row[i + m.len()..].starts_with(|c: char| c.is_ascii_digit()))
}

/// Not due for a long time: only "run now" runs it.
const LATER: &str = "start = 2100-01-01T00:00:00Z\n";

/// A job that runs a few seconds.
const SLOW_JOB: &str = "kind = \"sql\"\noutput = \"replace\"\ntable = \"slow_total\"\n\
     sql = \"SELECT sum(i % 13) AS s FROM range(1500000000) t(i)\"\n";

/// A job that runs until it is cancelled.
const ENDLESS_JOB: &str = "kind = \"sql\"\noutput = \"replace\"\ntable = \"endless\"\n\
     sql = \"SELECT sum(a.range * b.range) AS x FROM range(200000) a, range(1000000) b\"\n";

#[test]
fn a_due_schedule_runs_in_the_background_while_the_sql_pane_works() {
    let dir = tempfile::tempdir().unwrap();
    // Hourly since 2020: a catch-up run is owed as soon as the app starts.
    workspace_with(
        dir.path(),
        &[
            ("jobs/slow.toml", SLOW_JOB),
            (
                "schedules/a_slow.toml",
                "job = \"slow\"\nfrequency = \"hourly\"\nminute = 0\nstart = 2020-01-01T00:00:00Z\n",
            ),
        ],
    );
    let mut h = Headless::new(app_on(dir.path()), 160, 30);
    pump_until(&mut h, "the scheduled run to start", |h| {
        h.app.background.is_some()
    });
    // The status line shows the job and its elapsed time.
    let screen = h.draw();
    assert!(
        status_line(&screen).contains("⏵ slow ")
            && status_line(&screen).contains("schedule a_slow"),
        "{screen}"
    );
    // The SQL pane answers while the scheduled job runs.
    h.app.type_text("select 41 + 1 as answer");
    h.app.key(KeyCode::F(5), KeyModifiers::NONE);
    let screen = h.settle();
    assert_eq!(
        grid_cell(&screen, "answer", 0).as_deref(),
        Some("42"),
        "{screen}"
    );
    assert!(
        h.app.background.is_some(),
        "the query answered while the job still ran"
    );
    // The Schedules tab shows it running ...
    h.app.key(KeyCode::Char('6'), KeyModifiers::ALT);
    let screen = h.settle();
    let row = line_with(&screen, "a_slow");
    assert!(shows_running(row), "{screen}");
    // ... then succeeded, with its catch-up run in the history.
    let done = notice_until(&mut h, "succeeded slow");
    assert!(done.contains("schedule a_slow"), "{done}");
    let screen = h.settle();
    let row = line_with(&screen, "a_slow");
    assert!(row.contains("succeeded") && !shows_running(row), "{screen}");
    assert!(
        line_with(&screen, "catch-up").contains("succeeded"),
        "{screen}"
    );
    assert!(!status_line(&screen).contains('⏵'), "{screen}");
    assert_eq!(
        scalar(
            &h,
            "SELECT count(*) FROM clvdesk_meta.run_log WHERE job = 'slow' AND schedule = 'a_slow' AND status = 'succeeded'"
        ),
        1,
        "one catch-up run, recorded in the run log"
    );
    h.app.shutdown(Duration::from_secs(3));
}

#[test]
fn run_now_and_cancel_from_the_tab() {
    let dir = tempfile::tempdir().unwrap();
    workspace_with(
        dir.path(),
        &[
            (
                "jobs/copy.toml",
                "kind = \"sql\"\noutput = \"replace\"\ntable = \"copied\"\nsql = \"SELECT 7 AS seven\"\n",
            ),
            ("jobs/endless.toml", ENDLESS_JOB),
            (
                "schedules/a_copy.toml",
                &format!("job = \"copy\"\nfrequency = \"daily\"\nat = \"03:00\"\n{LATER}"),
            ),
            (
                "schedules/b_endless.toml",
                &format!("job = \"endless\"\nfrequency = \"daily\"\nat = \"03:00\"\n{LATER}"),
            ),
        ],
    );
    let mut h = Headless::new(app_on(dir.path()), 160, 32);
    h.app.key(KeyCode::Char('6'), KeyModifiers::ALT);
    let screen = h.settle();
    assert!(
        line_with(&screen, "a_copy").contains("2100-01-01 03:00"),
        "{screen}"
    );

    // Run now: the selected (first) schedule's job, recorded as manual.
    key(&mut h, 'r');
    notice_until(&mut h, "succeeded copy");
    let screen = h.settle();
    assert!(
        line_with(&screen, "manual").contains("succeeded"),
        "{screen}"
    );
    assert_eq!(
        scalar(
            &h,
            "SELECT count(*) FROM clvdesk_meta.run_log WHERE job = 'copy' AND run_trigger = 'manual' AND status = 'succeeded'"
        ),
        1
    );
    assert_eq!(scalar(&h, "SELECT seven FROM copied"), 7);

    // Cancel: run the endless job now, then cancel it from the tab.
    h.app.key(KeyCode::Down, KeyModifiers::NONE);
    h.settle();
    key(&mut h, 'r');
    pump_until(&mut h, "the endless run to start", |h| {
        h.app
            .background
            .as_ref()
            .is_some_and(|r| r.job == "endless")
    });
    let screen = h.settle();
    assert!(shows_running(line_with(&screen, "b_endless")), "{screen}");
    key(&mut h, 'x');
    notice_until(&mut h, "cancelled endless");
    let screen = h.settle();
    assert!(
        line_with(&screen, "b_endless").contains("cancelled"),
        "{screen}"
    );
    assert_eq!(
        scalar(
            &h,
            "SELECT count(*) FROM clvdesk_meta.run_log WHERE job = 'endless' AND status = 'cancelled' AND error = 'cancelled'"
        ),
        1,
        "the run log says cancelled, not failed"
    );
    // The history's details show the run in full.
    h.app.key(KeyCode::Tab, KeyModifiers::NONE);
    h.app.key(KeyCode::Enter, KeyModifiers::NONE);
    let screen = h.draw();
    assert!(screen.contains("status     cancelled"), "{screen}");
    h.app.shutdown(Duration::from_secs(3));
}

#[test]
fn enable_disable_and_quarantine_keep_the_file_comments() {
    let dir = tempfile::tempdir().unwrap();
    let file_text = format!(
        "# Nightly copy: keep this comment.\njob = \"copy\"\nfrequency = \"daily\"\nat = \"03:00\" # UTC\n{LATER}enabled = true # on\n"
    );
    let root = workspace_with(
        dir.path(),
        &[
            ("jobs/copy.toml", "kind = \"sql\"\nsql = \"SELECT 1\"\n"),
            (
                "jobs/broken.toml",
                "kind = \"sql\"\nsql = \"SELECT * FROM no_such_table\"\n",
            ),
            ("schedules/a_nightly.toml", &file_text),
            // Due since 2020 and failing: one failure quarantines it.
            (
                "schedules/b_failing.toml",
                "job = \"broken\"\nfrequency = \"daily\"\nat = \"00:00\"\nstart = 2020-01-01\nquarantine_after = 1\n",
            ),
        ],
    );
    let file = root.join("schedules/a_nightly.toml");
    let mut h = Headless::new(app_on(dir.path()), 160, 32);
    notice_until(&mut h, "failed broken");
    h.app.key(KeyCode::Char('6'), KeyModifiers::ALT);
    let screen = h.settle();
    assert!(
        line_with(&screen, "b_failing").contains("quarantined (1 failed)"),
        "{screen}"
    );

    // Disable, then enable again: the file changes one value, comments stay.
    key(&mut h, ' ');
    let screen = h.settle();
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        text,
        file_text.replace("enabled = true # on", "enabled = false # on")
    );
    assert!(
        line_with(&screen, "a_nightly").contains("disabled"),
        "{screen}"
    );
    key(&mut h, ' ');
    h.settle();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), file_text);

    // Re-enabling the quarantined schedule lifts its quarantine (its file says enabled).
    h.app.key(KeyCode::Down, KeyModifiers::NONE);
    h.settle();
    key(&mut h, ' ');
    let screen = h.settle();
    let row = line_with(&screen, "b_failing");
    assert!(
        row.contains("enabled") && !row.contains("quarantined"),
        "{screen}"
    );
    assert_eq!(
        scalar(
            &h,
            "SELECT count(*) FROM clvdesk_meta.schedule_resets WHERE schedule = 'b_failing'"
        ),
        1
    );
    h.app.shutdown(Duration::from_secs(3));
}

#[test]
fn the_frequency_is_edited_inline_and_a_bad_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file_text = format!(
        "# Keep me.\njob = \"copy\"\nfrequency = \"daily\" # how often\nat = \"03:00\"\n{LATER}"
    );
    let root = workspace_with(
        dir.path(),
        &[
            ("jobs/copy.toml", "kind = \"sql\"\nsql = \"SELECT 1\"\n"),
            ("schedules/a_nightly.toml", &file_text),
        ],
    );
    let file = root.join("schedules/a_nightly.toml");
    let mut h = Headless::new(app_on(dir.path()), 120, 30);
    h.app.key(KeyCode::Char('6'), KeyModifiers::ALT);
    h.settle();
    let clear = |h: &mut Headless| {
        for _ in 0..40 {
            h.app.key(KeyCode::Backspace, KeyModifiers::NONE);
        }
    };

    // A bad frequency: refused with the problem named, nothing written, the editor open.
    key(&mut h, 'e');
    let screen = h.draw();
    assert!(
        line_with(&screen, "frequency of a_nightly:").contains("daily at 03:00"),
        "{screen}"
    );
    clear(&mut h);
    h.app.type_text("daily at 25:00");
    h.app.key(KeyCode::Enter, KeyModifiers::NONE);
    let notice = h.app.notice.clone().unwrap();
    assert!(notice.error, "{notice:?}");
    assert!(
        notice.text.contains("a_nightly.toml:")
            && notice.text.contains("`25:00` is not a time of day"),
        "{notice:?}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), file_text);
    assert!(h.draw().contains("frequency of a_nightly:"));
    clear(&mut h);
    h.app.type_text("every other day");
    h.app.key(KeyCode::Enter, KeyModifiers::NONE);
    assert!(
        h.app
            .notice
            .clone()
            .unwrap()
            .text
            .contains("is not a frequency")
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), file_text);

    // A good one: saved (comments kept), the list shows it.
    clear(&mut h);
    h.app.type_text("weekly on mon,thu at 06:30");
    h.app.key(KeyCode::Enter, KeyModifiers::NONE);
    let screen = h.settle();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.starts_with(
            "# Keep me.\njob = \"copy\"\nfrequency = \"weekly\" # how often\nat = \"06:30\"\n"
        ),
        "{text}"
    );
    assert!(text.contains("days = [\"mon\", \"thu\"]"), "{text}");
    assert!(
        line_with(&screen, "a_nightly").contains("weekly on Mon,Thu at 06:30"),
        "{screen}"
    );
    assert!(
        !screen.contains("frequency of a_nightly:"),
        "the editor closed: {screen}"
    );

    // Esc leaves it as it is.
    key(&mut h, 'e');
    clear(&mut h);
    h.app.type_text("hourly at :05");
    h.app.key(KeyCode::Esc, KeyModifiers::NONE);
    h.settle();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    h.app.shutdown(Duration::from_secs(3));
}

#[test]
fn a_broken_schedule_file_is_named_and_the_others_still_show() {
    let dir = tempfile::tempdir().unwrap();
    workspace_with(
        dir.path(),
        &[(
            "schedules/broken.toml",
            "job = \"loyalty_miles\"\nfrequency = \"sometimes\"\n",
        )],
    );
    let mut h = Headless::new(app_on(dir.path()), 140, 30);
    h.app.key(KeyCode::Char('6'), KeyModifiers::ALT);
    let screen = h.settle();
    assert!(
        screen.contains("broken.toml:2: frequency `sometimes`"),
        "{screen}"
    );
    // The starter schedules are listed beside it.
    assert!(
        line_with(&screen, "daily_deciles").contains("loyalty_miles"),
        "{screen}"
    );
    assert!(
        line_with(&screen, "weekly_clv_refit").contains("weekly on Mon at 04:00"),
        "{screen}"
    );
    h.app.shutdown(Duration::from_secs(3));
}

#[test]
fn a_cancelled_sql_query_shows_cancelled_and_an_error_about_interrupts_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    workspace_with(dir.path(), &[]);
    let mut h = Headless::new(app_on(dir.path()), 100, 30);
    h.settle();
    h.app
        .type_text("select count(*) from range(1000000000000) t(i) where i % 7 = 3");
    h.app.key(KeyCode::F(5), KeyModifiers::NONE);
    h.draw();
    std::thread::sleep(Duration::from_millis(300));
    h.app.key(KeyCode::Esc, KeyModifiers::NONE);
    let screen = h.settle();
    assert!(screen.contains("Cancelled after"), "{screen}");
    // An error whose words mention an interrupt is still an error: only a cancel that
    // was asked for is a cancel.
    h.app.key(KeyCode::Char('n'), KeyModifiers::CONTROL);
    h.app
        .type_text("select error('INTERRUPT Error: Interrupted!')");
    h.app.key(KeyCode::F(5), KeyModifiers::NONE);
    let screen = h.settle();
    assert!(
        screen.contains("Interrupted!") && !screen.contains("Cancelled after"),
        "{screen}"
    );
    h.app.shutdown(Duration::from_secs(3));
}
