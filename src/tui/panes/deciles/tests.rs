//! The Deciles pane drawn into a `TestBackend`, and its update logic.

use super::*;
use crate::analytics::decile_table::BucketRow;
use crate::tui::panes::test_harness::Harness;

fn rows(window: Window, category: &str, totals: &[(u64, f64)]) -> Vec<BucketRow> {
    totals
        .iter()
        .enumerate()
        .map(|(i, &(customers, total))| BucketRow {
            window,
            category: category.into(),
            bucket: i as u32 + 1,
            customers,
            total,
            min: total / customers as f64 / 2.0,
            max: total / customers as f64 * 2.0,
        })
        .collect()
}

/// A pane over a temp folder holding the starter job, with known data:
/// 1m/Star, 1m/Nova and lifetime/Star differ everywhere.
fn pane() -> (DecilesPane, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let jobs = dir.path().join("deciles");
    std::fs::create_dir_all(&jobs).unwrap();
    let (name, text) = decile_jobs::STARTER_JOBS[0];
    std::fs::write(decile_jobs::job_path(&jobs, name), text).unwrap();
    let mut p = DecilesPane::with_dir(jobs);
    assert_eq!(p.jobs.len(), 1, "{:?}", p.file_errors);
    let mut s = DecileSummary::default();
    s.rows.extend(rows(
        Window::M1,
        "Star",
        &[(2, 600.0), (2, 250.0), (2, 100.0), (1, 50.0)],
    ));
    s.rows
        .extend(rows(Window::M1, "Nova", &[(3, 7_770.0), (3, 2_230.0)]));
    s.rows.extend(rows(
        Window::Lifetime,
        "Star",
        &[(5, 90_000.0), (5, 9_000.0), (4, 1_000.0)],
    ));
    p.set_data(Data::Ready(s));
    (p, dir)
}

fn screen(p: &mut DecilesPane) -> String {
    crate::tui::headless::draw_pane(p, 130, 30)
}

/// The table lines: those starting (after the border) with a bucket number.
fn table_lines(s: &str) -> Vec<String> {
    s.lines()
        .map(|l| l.trim_start_matches('│').trim().to_string())
        .filter(|l| {
            l.split_whitespace().count() >= 9
                && l.split_whitespace()
                    .next()
                    .is_some_and(|w| w.parse::<u32>().is_ok())
        })
        .collect()
}

#[test]
fn switching_window_and_category_changes_the_table() {
    let (mut p, dir) = pane();
    let mut h = Harness::new(dir.path(), 1);
    let first = screen(&mut p);
    assert!(first.contains(" 1m "), "{first}");
    let lines = table_lines(&first);
    assert_eq!(lines.len(), 2, "{first}");
    assert!(
        lines[0].starts_with("1 ") && lines[0].contains("7,770"),
        "{first}"
    );

    // Category: Nova -> Star (categories are sorted; the first is shown first).
    let before = p.current_category().unwrap();
    assert!(h.act(&mut p, Action::NextCategory));
    let after = p.current_category().unwrap();
    assert_ne!(before, after);
    let second = screen(&mut p);
    let star = table_lines(&second);
    assert_eq!(star.len(), 4, "{second}");
    assert!(star[0].contains("600"), "{second}");

    // Window 1m -> 3m (no data: nobody active) -> 6m -> 12m -> lifetime.
    let mut seen = Vec::new();
    for _ in 0..4 {
        assert!(h.act(&mut p, Action::NextWindow));
        seen.push((p.current_window().unwrap(), table_lines(&screen(&mut p))));
    }
    let (w, life) = seen.last().unwrap();
    assert_eq!(*w, Window::Lifetime);
    assert_eq!(
        p.current_category().as_deref(),
        Some("Star"),
        "only category there"
    );
    assert_eq!(life.len(), 3);
    assert!(life[0].contains("90,000"), "{life:?}");
    let empty = seen
        .iter()
        .find(|(w, _)| *w == Window::M3)
        .map(|(_, t)| t.clone())
        .unwrap();
    assert!(empty.is_empty());
    assert!(screen(&mut p).contains("90,000"));
    // And back: PrevWindow wraps around to the last window before lifetime.
    assert!(h.act(&mut p, Action::PrevWindow));
    assert_eq!(p.current_window(), Some(Window::M12));
}

#[test]
fn cumulative_share_of_the_last_bucket_is_100_percent() {
    let (mut p, _dir) = pane();
    for cat in 0..2 {
        p.category = cat;
        let s = screen(&mut p);
        let lines = table_lines(&s);
        let last = lines.last().unwrap();
        assert!(last.contains("100.0%"), "{s}");
        // bucket 1's share and lift are shown
        assert!(lines[0].contains('%') && lines[0].contains('x'), "{s}");
    }
    // Star 1m: total 1000, 7 customers; bucket 1 = 600 over 2 -> 60.0% share, lift 300/142.86 = 2.10x
    p.category = 1;
    let lines = table_lines(&screen(&mut p));
    assert!(
        lines[0].contains("60.0%") && lines[0].contains("2.10x"),
        "{lines:?}"
    );
    assert!(lines[1].contains("85.0%"), "cumulative: {lines:?}");
}

#[test]
fn enter_makes_a_segment_of_the_bucket_and_run_and_cancel_go_through_tasks() {
    let (mut p, dir) = pane();
    let mut h = Harness::new(dir.path(), 1);
    p.category = 1; // Star
    h.act(&mut p, Action::Down);
    h.act(&mut p, Action::Select);
    assert!(h.effects.is_empty());
    let file = dir.path().join("segments/loyalty_miles_1m_star_b2.toml");
    let seg = crate::segments::file::load(&file).unwrap();
    match &seg.rule.kind {
        crate::segments::model::NodeKind::Group { children, .. } => match &children[0].kind {
            crate::segments::model::NodeKind::Decile(d) => {
                assert_eq!(d.table, "loyalty_miles_deciles");
                assert_eq!(d.window, "1m");
                assert_eq!(d.buckets, [2]);
                assert_eq!(d.category.as_deref(), Some("Star"));
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    assert_eq!(
        (seg.profile.as_str(), seg.identity.as_str()),
        ("customers", "customer_id")
    );
    assert!(h.notice.as_ref().unwrap().text.contains("created segment"));
    h.act(&mut p, Action::RunJob);
    let id = match h.effects.pop() {
        Some(Effect::Task { id, label, .. }) => {
            assert!(label.contains("loyalty_miles"));
            id
        }
        other => panic!("{other:?}"),
    };
    assert!(screen(&mut p).contains("Running"));
    // A second run while one runs is refused.
    h.act(&mut p, Action::RunJob);
    assert!(h.effects.is_empty());
    h.act(&mut p, Action::Cancel);
    assert!(matches!(h.effects.pop(), Some(Effect::Cancel(c)) if c == id));
    h.with(|ctx| p.on_task(id, TaskResult::Cancelled, ctx));
    assert!(matches!(p.run, RunState::Idle));
    assert!(h.notice.as_ref().unwrap().text.contains("cancelled"));
    // Esc with nothing running is left to the app.
    assert!(!h.act(&mut p, Action::Cancel));
}

#[test]
fn editing_a_key_saves_the_file_and_bad_values_keep_it() {
    let (mut p, dir) = pane();
    let mut h = Harness::new(dir.path(), 1);
    h.act(&mut p, Action::EditJob);
    assert!(matches!(
        h.overlay.take(),
        Some((_, Overlay::Picker { .. }))
    ));
    h.with(|ctx| p.on_answer(Answer::Picked(PICK_KEY, "buckets".into()), ctx));
    assert!(matches!(
        h.overlay.take(),
        Some((_, Overlay::Prompt { .. }))
    ));
    h.with(|ctx| p.on_answer(Answer::Text(PROMPT_VALUE, "4".into()), ctx));
    let path = decile_jobs::job_path(&p.dir, "loyalty_miles");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("buckets = 4") && text.contains("# Starter decile job"),
        "{text}"
    );
    assert_eq!(p.current_job().unwrap().buckets, 4);

    h.with(|ctx| p.on_answer(Answer::Picked(PICK_KEY, "buckets".into()), ctx));
    h.with(|ctx| p.on_answer(Answer::Text(PROMPT_VALUE, "7".into()), ctx));
    let n = h.notice.as_ref().unwrap();
    assert!(n.error && n.text.contains("buckets"), "{n:?}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

#[test]
fn new_job_copies_the_selected_one() {
    let (mut p, dir) = pane();
    let mut h = Harness::new(dir.path(), 1);
    h.act(&mut p, Action::NewJob);
    assert!(matches!(
        h.overlay.take(),
        Some((_, Overlay::Prompt { .. }))
    ));
    h.with(|ctx| p.on_answer(Answer::Text(PROMPT_NEW, "award-miles".into()), ctx));
    assert_eq!(p.jobs.len(), 2);
    let j = p.current_job().unwrap();
    assert_eq!(
        (j.name.as_str(), j.output_prefix.as_str()),
        ("award-miles", "award_miles")
    );
    assert!(matches!(p.data, Data::NotRun));
    assert!(screen(&mut p).contains("press r to run"));
    // The editor opens on the new job.
    assert!(matches!(
        h.overlay.take(),
        Some((_, Overlay::Picker { .. }))
    ));
    h.with(|ctx| p.on_answer(Answer::Text(PROMPT_NEW, "award-miles".into()), ctx));
    assert!(h.notice.as_ref().unwrap().error, "exists already");
}
