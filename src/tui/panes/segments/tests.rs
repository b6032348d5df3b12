//! The Segments pane drawn into a `TestBackend`, and its update logic without a database.

use super::*;
use crate::tui::panes::test_harness::Harness;

fn pane() -> (SegmentsPane, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    crate::segments::seed::write_starters(dir.path()).unwrap();
    std::fs::write(dir.path().join("segments/zz_broken.toml"), "rule = 1\n").unwrap();
    (SegmentsPane::with_root(dir.path().to_path_buf()), dir)
}

fn screen(p: &mut SegmentsPane) -> String {
    crate::tui::headless::draw_pane(p, 140, 24)
}

#[test]
fn lists_segments_and_draws_the_tree() {
    let (mut p, _dir) = pane();
    let names: Vec<&str> = p.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "aurora_top_miles",
            "engaged_not_at_risk",
            "high_clv_at_risk",
            "zz_broken"
        ]
    );
    let s = screen(&mut p);
    assert!(s.contains("ALL of (3)"), "{s}");
    assert!(s.contains("loyalty_status = \"Aurora\""), "{s}");
    assert!(
        s.contains("top 3 deciles of loyalty_miles_deciles (6m) within Aurora"),
        "{s}"
    );
    assert!(s.contains("CLV p_alive > 0.5"), "{s}");
    assert!(s.contains("! zz_broken"), "{s}");
    p.selected = 1;
    let s = screen(&mut p);
    assert!(
        s.contains("count of email_events [open, click], last 90 days ≥ 1"),
        "{s}"
    );
    assert!(s.contains("NOT member of segment high_clv_at_risk"), "{s}");
}

#[test]
fn moving_starts_a_preview_and_a_stale_result_is_dropped() {
    let (mut p, dir) = pane();
    let mut h = Harness::new(dir.path(), 4);
    h.act(&mut p, Action::Down);
    let first = match h.effects.pop() {
        Some(Effect::Task { id, label, .. }) => {
            assert!(label.contains("engaged_not_at_risk"), "{label}");
            id
        }
        other => panic!("{other:?}"),
    };
    h.act(&mut p, Action::Down);
    // The first preview is cancelled; the new one runs.
    let second = match h.effects.pop() {
        Some(Effect::Task { id, .. }) => id,
        other => panic!("{other:?}"),
    };
    assert!(matches!(h.effects.pop(), Some(Effect::Cancel(c)) if c == first));
    // A late result of the first is dropped.
    h.with(|ctx| p.on_task(first, TaskResult::Failed("late".into()), ctx));
    assert!(matches!(p.preview, PreviewState::Running { id, .. } if id == second));
    // A broken file: no task, the problem is shown.
    h.act(&mut p, Action::Down);
    assert!(matches!(p.preview, PreviewState::Invalid(_)));
    assert!(screen(&mut p).contains("cannot be read"));
}

#[test]
fn keys_edit_the_tree_and_save_the_file() {
    let (mut p, dir) = pane();
    let mut h = Harness::new(dir.path(), 4);
    h.act(&mut p, Action::Right);
    assert_eq!(p.focus, Focus::Tree);
    h.act(&mut p, Action::Down);
    h.act(&mut p, Action::ToggleExclude);
    let text = std::fs::read_to_string(dir.path().join("segments/aurora_top_miles.toml")).unwrap();
    assert!(text.contains("exclude = true"), "{text}");
    assert!(
        text.contains("# written by the loyalty_miles decile job"),
        "comments kept: {text}"
    );
    assert!(screen(&mut p).contains("NOT loyalty_status"));
    // a: the type picker; picking "any" adds an empty container after the condition.
    h.act(&mut p, Action::AddCondition);
    assert!(matches!(
        h.overlay,
        Some((_, Overlay::Picker { token: T_ADD, .. }))
    ));
    h.overlay = None;
    h.with(|ctx| p.on_answer(Answer::Picked(T_ADD, "any".into()), ctx));
    assert_eq!(p.rows()[p.row].text, "ANY of (0)");
    assert_eq!(p.rows()[p.row].path, vec![1]);
    // The field picker opened; combine -> all.
    assert!(matches!(
        h.overlay,
        Some((_, Overlay::Picker { token: T_FIELD, .. }))
    ));
    h.with(|ctx| p.on_answer(Answer::Picked(T_FIELD, "combine".into()), ctx));
    h.with(|ctx| p.on_answer(Answer::Picked(T_CHOICE, "all".into()), ctx));
    assert_eq!(p.rows()[p.row].text, "ALL of (0)");
    // d removes it after a confirmation.
    h.act(&mut p, Action::DeleteItem);
    h.with(|ctx| p.on_answer(Answer::Yes(T_REMOVE_NODE), ctx));
    assert_eq!(p.rows().len(), 4);
    let seg =
        crate::segments::file::load(&dir.path().join("segments/aurora_top_miles.toml")).unwrap();
    assert_eq!(tree::flatten(&seg.rule).len(), 4);
}

#[test]
fn typed_values_are_checked_and_bad_ones_keep_the_file() {
    let (mut p, dir) = pane();
    let mut h = Harness::new(dir.path(), 4);
    p.focus = Focus::Tree;
    p.row = 3; // CLV p_alive > 0.5
    h.with(|ctx| p.on_answer(Answer::Picked(T_FIELD, "value".into()), ctx));
    assert!(matches!(
        h.overlay,
        Some((_, Overlay::Prompt { token: T_TYPED, .. }))
    ));
    let before =
        std::fs::read_to_string(dir.path().join("segments/aurora_top_miles.toml")).unwrap();
    h.with(|ctx| p.on_answer(Answer::Text(T_TYPED, "lots".into()), ctx));
    assert!(h.notice.as_ref().unwrap().error);
    assert!(h.notice.as_ref().unwrap().text.contains("not a number"));
    let after = std::fs::read_to_string(dir.path().join("segments/aurora_top_miles.toml")).unwrap();
    assert_eq!(before, after);
    h.with(|ctx| p.on_answer(Answer::Picked(T_FIELD, "value".into()), ctx));
    h.with(|ctx| p.on_answer(Answer::Text(T_TYPED, "0.8".into()), ctx));
    assert!(screen(&mut p).contains("CLV p_alive > 0.8"));
}

#[test]
fn create_rename_duplicate_delete() {
    let (mut p, dir) = pane();
    let mut h = Harness::new(dir.path(), 4);
    h.with(|ctx| p.on_answer(Answer::Text(T_NEW, "vip".into()), ctx));
    assert_eq!(p.current().unwrap().name, "vip");
    h.with(|ctx| p.on_answer(Answer::Text(T_NEW, "bad name".into()), ctx));
    assert!(h.notice.as_ref().unwrap().error);
    h.with(|ctx| p.on_answer(Answer::Text(T_DUPLICATE, "vip2".into()), ctx));
    assert!(dir.path().join("segments/vip2.toml").is_file());
    h.with(|ctx| p.on_answer(Answer::Text(T_RENAME, "vip3".into()), ctx));
    assert!(!dir.path().join("segments/vip2.toml").exists());
    assert!(dir.path().join("segments/vip3.toml").is_file());
    p.focus = Focus::List;
    h.act(&mut p, Action::DeleteItem);
    assert!(matches!(
        h.overlay,
        Some((
            _,
            Overlay::Confirm {
                token: T_DELETE,
                ..
            }
        ))
    ));
    h.with(|ctx| p.on_answer(Answer::Yes(T_DELETE), ctx));
    assert!(!dir.path().join("segments/vip3.toml").exists());
    // An empty segment says what is missing once previewed (validation, not SQL).
    p.selected = p.entries.iter().position(|e| e.name == "vip").unwrap();
    assert!(tree::flatten(&p.current_seg().unwrap().rule).len() == 1);
}
