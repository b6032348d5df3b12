//! The app's own behaviour, driven headless: what happens to the jobs table
//! and the screen when a worker goes wrong, and how signals are handled.

use super::*;
use crate::tui::headless::Headless;

fn app_in(dir: &std::path::Path) -> App {
    let ws = Workspace::open_database_file(&dir.join("w.duckdb")).expect("open workspace");
    App::new(AppOptions {
        workspace: ws,
        theme: None,
        config_dir: Some(dir.join("config")),
    })
}

/// The CLV pane's real request to read its fit, with the work replaced by a
/// panic (nothing in the product panics on purpose; this stands for a bug).
#[test]
fn a_worker_that_panics_fails_its_job_and_the_app_keeps_going() {
    let dir = tempfile::tempdir().unwrap();
    let mut ui = Headless::new(app_in(dir.path()), 100, 30);
    ui.settle();
    let clv = ui
        .app
        .panes
        .iter()
        .position(|p| p.title() == "CLV")
        .expect("a CLV tab");
    ui.app.tab = clv;
    ui.app.with_pane(clv, |p, ctx| p.on_show(ctx));
    let mut replaced = 0;
    for e in &mut ui.app.effects {
        if let Effect::Task { job, .. } = e {
            *job = Box::new(|_| panic!("the CLV reader blew up"));
            replaced += 1;
        }
    }
    assert_eq!(replaced, 1, "showing the CLV tab reads the fit on a worker");
    ui.app.run_effects();
    ui.draw();
    assert!(
        ui.app.pump_until_idle(Duration::from_secs(30)),
        "the panicked job still shows as running: {:?}",
        ui.app.jobs
    );
    let s = ui.draw();
    assert!(
        s.contains("internal error (the worker panicked): the CLV reader blew up"),
        "the pane shows the failure with the panic's message:\n{s}"
    );
    assert!(!s.contains("⏳"), "no job is left running:\n{s}");
    // Keys still work, and so do new workers.
    ui.app.key(KeyCode::Char('1'), KeyModifiers::ALT);
    assert_eq!(ui.app.tab, 0, "Alt+1 went back to the SQL tab");
    ui.app.type_text("select 'still standing' as after_panic");
    ui.app.key(KeyCode::F(5), KeyModifiers::NONE);
    let s = ui.settle();
    assert!(
        s.lines()
            .any(|l| l.contains("still standing") && !l.contains("select")),
        "the query ran and its row is in the grid:\n{s}"
    );
}

#[test]
fn hangup_and_terminate_quit_like_ctrl_q_and_remember_the_signal() {
    for (signal, code) in [(Signal::Hangup, 129), (Signal::Terminate, 143)] {
        let dir = tempfile::tempdir().unwrap();
        let mut app = app_in(dir.path());
        app.type_text("select 'unsaved' as v");
        app.update(Msg::Signal(signal));
        assert!(app.quit);
        assert_eq!(app.stopped_by, Some(signal));
        assert_eq!(signal.exit_code(), Some(code));
        let session = std::fs::read_to_string(&app.paths.session).expect("session saved");
        assert!(session.contains("select 'unsaved' as v"), "{session}");
    }
}

#[test]
fn an_outside_stop_suspends_and_continue_repaints() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_in(dir.path());
    app.update(Msg::Signal(Signal::Stop));
    app.update(Msg::Signal(Signal::Continue));
    let effects: Vec<String> = app
        .terminal_effects
        .iter()
        .map(|e| format!("{e:?}"))
        .collect();
    assert_eq!(effects, ["Suspend", "Repaint"]);
    assert!(!app.quit && app.stopped_by.is_none());
}

/// A status message longer than the terminal is wide ends in `…`; it is not cut mid-word
/// by the screen edge as if that were all of it.
#[test]
fn a_notice_wider_than_the_status_line_ends_in_an_ellipsis() {
    let dir = tempfile::tempdir().unwrap();
    let mut ui = Headless::new(app_in(dir.path()), 60, 20);
    ui.settle();
    ui.app.notice = Some(Notice::info(
        "scheduler: run 1 succeeded segments_refresh_export (manual) in 0.1s: 22 members entered",
    ));
    let screen = ui.settle();
    let status = crate::tui::headless::status_line(&screen);
    assert!(status.trim_end().ends_with('…'), "{status:?}");
    assert!(status.contains("scheduler: run 1 succeeded"), "{status:?}");
}
