//! The CLV pane: update logic through a `Ctx` harness, and the screen drawn into a
//! `TestBackend` from a real fit of the committed sample data (in-memory workspace).

use std::sync::OnceLock;

use super::*;
use crate::engine::Database;
use crate::tui::panes::test_harness::Harness;

trait NoticeText {
    fn notice_text(&self) -> String;
}

impl NoticeText for Harness {
    fn notice_text(&self) -> String {
        self.notice
            .as_ref()
            .map(|n| format!("{n:?}"))
            .unwrap_or_default()
    }
}

/// The pane's own fit job on the committed sample (4000 customers), run once.
fn sample_view() -> &'static ClvView {
    static VIEW: OnceLock<ClvView> = OnceLock::new();
    VIEW.get_or_init(|| {
        let db = Database::open_in_memory_workspace().unwrap();
        let parquet = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/sample-data/loyalty_transactions.parquet"
        );
        db.conn()
            .execute_batch(&format!(
                "CREATE TABLE loyalty_transactions AS SELECT * FROM read_parquet('{parquet}')"
            ))
            .unwrap();
        let spec = Settings::default().spec().unwrap();
        let (report, _) = clv_job::run_and_save(db.conn(), &spec).unwrap();
        assert!(report.bgnbd.is_ok(), "{:?}", report.bgnbd);
        clv_view::load_latest(db.conn(), TOP_CUSTOMERS)
            .unwrap()
            .expect("a recorded fit")
    })
}

fn screen(p: &mut ClvPane, w: u16, h: u16) -> String {
    crate::tui::headless::draw_pane(p, w, h)
}

#[test]
fn a_fit_of_the_sample_draws_every_part() {
    let view = sample_view().clone();
    let r = &view.report;
    assert_eq!(r["customers"].as_u64(), Some(4000));
    let mut p = ClvPane::with_settings(Settings::default());
    p.set_view(Some(view.clone()));
    let s = screen(&mut p, 140, 40);
    for part in [
        "BG/NBD ± SE",
        "Gamma-Gamma ± SE",
        "alpha",
        "holdout",
        "x=0",
        "x=7+",
        "cumulative repeat purchases",
        "mean CLV by decile",
        "customers by CLV",
        "of loyalty_transactions (member_id, txn_date, amount)",
    ] {
        assert!(s.contains(part), "missing {part:?} in\n{s}");
    }
    assert!(!s.contains("hidden:"), "{s}");
    // Parameters with standard errors, as the report has them.
    let alpha = format!("{:.4}", r["bgnbd"]["alpha"].as_f64().unwrap());
    let se = format!("{:.5}", r["bgnbd"]["se"]["alpha"].as_f64().unwrap());
    assert!(
        s.lines()
            .any(|l| l.contains("alpha ") && l.contains(&alpha) && l.contains(&se)),
        "alpha {alpha} ± {se} not in\n{s}"
    );
    // The best customer by CLV is the first row of the table.
    let best = &view.top[0].customer;
    let first_row = s
        .lines()
        .find(|l| l.contains("customer"))
        .and_then(|_| s.lines().skip_while(|l| !l.contains("E[purchases]")).nth(1));
    assert!(
        first_row.is_some_and(|l| l.contains(best.as_str())),
        "{best} first in\n{s}"
    );
    // A small terminal does not panic.
    let _ = screen(&mut p, 60, 12);
}

#[test]
fn states_without_a_fit_say_what_to_do() {
    let mut p = ClvPane::with_settings(Settings::default());
    p.set_view(None);
    assert!(screen(&mut p, 120, 20).contains("press r to fit"));
    p.data = Data::Failed("Catalog Error: no table".into());
    assert!(screen(&mut p, 120, 20).contains("Catalog Error"));
}

#[test]
fn fitting_runs_a_task_and_its_result_replaces_the_view() {
    let mut h = Harness::new(&std::env::temp_dir(), 2);
    let mut p = ClvPane::with_settings(Settings::default());
    assert!(h.act(&mut p, Action::RunJob));
    let id = match (&p.run, h.effects.last()) {
        (RunState::Running { id, .. }, Some(Effect::Task { id: tid, .. })) => {
            assert_eq!(id, tid);
            *id
        }
        _ => panic!("no task started"),
    };
    assert!(screen(&mut p, 120, 20).contains("Fitting…"));
    // A second r while running does not start another fit.
    let before = h.effects.len();
    h.act(&mut p, Action::RunJob);
    assert_eq!(h.effects.len(), before);
    // Esc cancels that task.
    assert!(h.act(&mut p, Action::Cancel));
    assert!(matches!(h.effects.last(), Some(Effect::Cancel(c)) if *c == id));
    // The result arrives.
    let view = sample_view().clone();
    h.with(|ctx| p.on_task(id, TaskResult::Done(Box::new(Some(view))), ctx));
    assert!(matches!(p.run, RunState::Idle));
    assert!(matches!(p.data, Data::Ready(_)));
    assert!(h.notice_text().contains("saved"), "{}", h.notice_text());
    // A stale result is ignored.
    h.with(|ctx| p.on_task(999, TaskResult::Failed("old".into()), ctx));
    assert!(matches!(p.data, Data::Ready(_)));
}

#[test]
fn a_failed_fit_keeps_the_previous_view_and_says_why() {
    let mut h = Harness::new(&std::env::temp_dir(), 2);
    let mut p = ClvPane::with_settings(Settings::default());
    p.set_view(Some(sample_view().clone()));
    h.act(&mut p, Action::RunJob);
    let RunState::Running { id, .. } = p.run else {
        panic!()
    };
    h.with(|ctx| p.on_task(id, TaskResult::Failed("no repeat purchases".into()), ctx));
    assert!(matches!(p.data, Data::Ready(_)));
    assert!(screen(&mut p, 140, 40).contains("Last fit failed: no repeat purchases"));
}

#[test]
fn settings_are_edited_through_a_picker_and_a_prompt() {
    let mut h = Harness::new(&std::env::temp_dir(), 2);
    let mut p = ClvPane::with_settings(Settings::default());
    h.act(&mut p, Action::EditJob);
    assert!(matches!(h.overlay, Some((_, Overlay::Picker { .. }))));
    h.with(|ctx| p.on_answer(Answer::Picked(PICK_SETTING, "calibration_end".into()), ctx));
    assert!(matches!(h.overlay, Some((_, Overlay::Prompt { .. }))));
    h.with(|ctx| p.on_answer(Answer::Text(PROMPT_SETTING, "2025-03-31".into()), ctx));
    assert_eq!(p.settings.calibration_end, "2025-03-31".parse().ok());
    // A bad date is an error notice and changes nothing.
    h.with(|ctx| p.on_answer(Answer::Picked(PICK_SETTING, "calibration_end".into()), ctx));
    h.with(|ctx| p.on_answer(Answer::Text(PROMPT_SETTING, "31/03/2025".into()), ctx));
    assert_eq!(p.settings.calibration_end, "2025-03-31".parse().ok());
    assert!(
        h.notice_text().contains("not a date"),
        "{}",
        h.notice_text()
    );
    // h cycles the horizon.
    h.act(&mut p, Action::NextWindow);
    assert_eq!(p.settings.horizon_months, 24);
    // A file source becomes a file spec; nonsense is refused before any work.
    p.settings.set("source", "/data/tx.parquet").unwrap();
    assert!(matches!(
        p.settings.spec().unwrap().source,
        TxnSource::File { .. }
    ));
    p.settings.set("source", "not a table!").unwrap();
    let before = h.effects.len();
    h.act(&mut p, Action::RunJob);
    assert_eq!(h.effects.len(), before);
    assert!(
        h.notice_text().contains("neither a table"),
        "{}",
        h.notice_text()
    );
}

#[test]
fn rows_move_within_the_top_customers() {
    let mut h = Harness::new(&std::env::temp_dir(), 2);
    let mut p = ClvPane::with_settings(Settings::default());
    p.set_view(Some(sample_view().clone()));
    h.act(&mut p, Action::Bottom);
    assert_eq!(p.row, TOP_CUSTOMERS - 1);
    h.act(&mut p, Action::Down);
    assert_eq!(p.row, TOP_CUSTOMERS - 1);
    h.act(&mut p, Action::Top);
    assert_eq!(p.row, 0);
    assert!(h.act(&mut p, Action::OpenSql));
    assert!(matches!(
        h.effects.last(),
        Some(Effect::OpenSql { run: true, .. })
    ));
}

#[test]
fn the_header_names_the_fit_on_screen_and_says_when_settings_differ() {
    let view = sample_view().clone();
    let cal = view.report["calibration_end"].as_str().unwrap().to_string();
    let mut p = ClvPane::with_settings(Settings::default());
    p.set_view(Some(view));
    let s = screen(&mut p, 140, 40);
    assert!(
        s.contains("of loyalty_transactions (member_id, txn_date, amount)"),
        "{s}"
    );
    assert!(s.contains(&format!("calibration to {cal}")), "{s}");
    assert!(s.contains("4,000 customers"), "{s}");
    assert!(!s.contains("settings changed"), "{s}");
    // Settings pointing elsewhere: the fit shown keeps its own source, and the
    // header says what r would change.
    p.settings.set("source", "/data/million.csv").unwrap();
    p.settings.set("horizon_months", "24").unwrap();
    let s = screen(&mut p, 140, 40);
    assert!(
        s.contains("settings changed — r refits: source /data/million.csv, horizon_months 24"),
        "{s}"
    );
    assert!(s.contains("of loyalty_transactions ("), "{s}");
    p.settings = Settings::default();
    p.settings.set("calibration_end", "").unwrap();
    p.settings.set("observation_end", "").unwrap();
    let s = screen(&mut p, 140, 40);
    assert!(s.contains("r refits: calibration_end"), "{s}");
}

#[test]
fn small_panes_show_fewer_panels_then_a_note_naming_the_size() {
    let mut p = ClvPane::with_settings(Settings::default());
    p.set_view(Some(sample_view().clone()));
    // 60x15 terminal: the pane gets 60x13 and shows both parameter boxes whole.
    let s = screen(&mut p, 60, 13);
    assert!(!s.contains("needs at least"), "{s}");
    assert!(s.contains("alpha") && s.contains("CLV sum"), "{s}");
    assert!(
        s.contains("hidden: top customers, tracking, CLV by decile, holdout"),
        "{s}"
    );
    // 80x24: only the holdout gives way.
    let s = screen(&mut p, 80, 22);
    assert!(
        s.contains("hidden: tracking, holdout · all shown from 86×26"),
        "{s}"
    );
    assert!(
        s.contains("mean CLV by decile") && s.contains("customers by CLV"),
        "{s}"
    );
    // Below the minimum: one line naming the size needed, no cut boxes.
    let s = screen(&mut p, 57, 13);
    assert!(
        s.contains("The CLV tab needs at least 58×15 (this terminal: 57×15)"),
        "{s}"
    );
    assert!(!s.contains('┌'), "{s}");
}
