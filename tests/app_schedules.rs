//! The app runs due schedules in the background (the same runner as
//! `clvdesk --run-schedule`) while the SQL pane keeps working, and says so in the
//! status line.

use std::time::{Duration, Instant};

use clvdesk::tui::headless::{Headless, grid_cell};
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

/// Pumps the app's messages until its notice contains `want` (or panics after 60 s).
fn notice_until(h: &mut Headless, want: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        h.app.drain();
        if let Some(n) = &h.app.notice
            && n.text.contains(want)
        {
            return n.text.clone();
        }
        assert!(
            Instant::now() < deadline,
            "no notice with {want:?}; last: {:?}",
            h.app.notice.as_ref().map(|n| n.text.clone())
        );
        h.app.wait(Duration::from_millis(50));
    }
}

#[test]
fn a_due_schedule_runs_in_the_background_while_the_sql_pane_works() {
    let dir = tempfile::tempdir().unwrap();
    // Seed the workspace once (starter schedules are not due yet), then add one that is:
    // hourly since 2020, so a catch-up run is owed now.
    drop(app_on(dir.path()));
    let schedules = dir.path().join("ws/schedules");
    std::fs::write(
        schedules.join("hourly_deciles.toml"),
        "job = \"loyalty_miles\"\nfrequency = \"hourly\"\nminute = 0\nstart = 2020-01-01T00:00:00Z\nenabled = true\n",
    )
    .unwrap();
    let mut h = Headless::new(app_on(dir.path()), 100, 30);
    // The SQL pane answers while the scheduler works.
    h.app.type_text("select 41 + 1 as answer");
    h.app.key(KeyCode::F(5), KeyModifiers::NONE);
    let screen = h.settle();
    assert_eq!(
        grid_cell(&screen, "answer", 0).as_deref(),
        Some("42"),
        "{screen}"
    );

    let done = notice_until(&mut h, "succeeded loyalty_miles");
    assert!(done.contains("schedule hourly_deciles"), "{done}");
    let runs: i64 = h
        .app
        .workspace
        .db()
        .conn()
        .query_row(
            "SELECT count(*) FROM clvdesk_meta.run_log WHERE job = 'loyalty_miles' AND schedule = 'hourly_deciles' AND status = 'succeeded'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(runs, 1, "one catch-up run, recorded in the run log");
    h.app.shutdown(Duration::from_secs(3));
}
