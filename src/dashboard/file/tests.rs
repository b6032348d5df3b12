use std::path::Path;

use super::*;

const HAND: &str = r#"# My dashboard — written by hand
title = "Hand"   # the title

[[widget]]
# first: revenue
title = "Revenue"
kind   = "bar"        # aligned by hand
sql = "SELECT 1 AS x, 2 AS y"
at = [0, 0, 6, 8]     # top left

[[widget]]
title = "Second"
kind = "line"
query = "monthly"
at = [6, 0, 6, 8]
y = ["a", "b"]

# trailing comment
"#;

fn p() -> &'static Path {
    Path::new("/ws/dashboards/hand.toml")
}

#[test]
fn widgets_and_roles_are_read() {
    let d = parse(p(), HAND);
    assert!(d.problems.is_empty(), "{:?}", d.problems);
    assert_eq!(d.title, "Hand");
    assert_eq!(d.name, "hand");
    let Slot::Widget(w) = &d.widgets[1] else {
        panic!("{:?}", d.widgets[1])
    };
    assert_eq!(w.kind, Kind::Line);
    assert_eq!(w.source, Source::Query("monthly".into()));
    assert_eq!(w.roles.y, ["a", "b"]);
    assert_eq!(w.line, 11);
    assert_eq!(
        w.at,
        Pos {
            col: 6,
            row: 0,
            width: 6,
            height: 8
        }
    );
}

#[test]
fn moving_a_widget_changes_only_its_at_value() {
    let mut l = LayoutFile::from_text(p(), HAND).unwrap();
    l.set_at(
        0,
        Pos {
            col: 2,
            row: 8,
            width: 4,
            height: 9,
        },
    )
    .unwrap();
    let out = l.text();
    let expected = HAND.replace(
        "at = [0, 0, 6, 8]     # top left",
        "at = [2, 8, 4, 9]     # top left",
    );
    assert_eq!(out, expected);
    // And it reads back.
    let d = parse(p(), &out);
    assert_eq!(d.widgets[0].at().row, 8);
}

#[test]
fn save_is_atomic_and_keeps_the_hand_comment() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hand.toml");
    std::fs::write(&path, HAND).unwrap();
    let mut l = LayoutFile::open(&path).unwrap();
    l.set_at(
        1,
        Pos {
            col: 0,
            row: 8,
            width: 12,
            height: 5,
        },
    )
    .unwrap();
    l.save().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("# first: revenue")
            && text.contains("kind   = \"bar\"        # aligned by hand")
    );
    assert!(text.contains("at = [0, 8, 12, 5]"));
    assert!(text.ends_with("# trailing comment\n"));
    // No temp file is left beside it.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn add_duplicate_and_remove_leave_other_widgets_byte_identical() {
    let mut l = LayoutFile::from_text(p(), HAND).unwrap();
    let first_block = "[[widget]]\n# first: revenue\ntitle = \"Revenue\"\nkind   = \"bar\"        # aligned by hand\nsql = \"SELECT 1 AS x, 2 AS y\"\nat = [0, 0, 6, 8]     # top left\n";
    let pos = Pos {
        col: 0,
        row: 20,
        width: 6,
        height: 5,
    };
    assert_eq!(l.duplicate(0, pos).unwrap(), 2);
    assert_eq!(l.add("New", Kind::Table, "SELECT 42 AS answer", pos), 3);
    l.remove(1).unwrap();
    let out = l.text();
    assert!(
        out.starts_with("# My dashboard — written by hand\ntitle = \"Hand\"   # the title\n"),
        "{out}"
    );
    assert!(out.contains(first_block), "{out}");
    assert!(!out.contains("Second"));
    let d = parse(p(), &out);
    assert!(d.problems.is_empty(), "{:?}\n{out}", d.problems);
    let titles: Vec<&str> = d.widgets.iter().map(Slot::title).collect();
    assert_eq!(titles, ["Revenue", "Revenue (copy)", "New"]);
    assert!(matches!(&d.widgets[2], Slot::Widget(w) if w.kind == Kind::Table));
}

#[test]
fn a_broken_widget_names_file_and_line_and_the_rest_opens() {
    let text = HAND.replace("kind = \"line\"", "kind = \"pie\"");
    let d = parse(p(), &text);
    assert!(matches!(d.widgets[0], Slot::Widget(_)));
    let Slot::Broken { problem, title, at } = &d.widgets[1] else {
        panic!("{:?}", d.widgets[1])
    };
    assert_eq!(title, "Second");
    assert_eq!(problem.line, Some(13));
    assert!(problem.reason.contains("unknown kind `pie`"), "{problem}");
    assert_eq!(
        problem.to_string().split(':').next(),
        Some("/ws/dashboards/hand.toml")
    );
    assert_eq!(
        at.col, 6,
        "a broken widget keeps its place when `at` is readable"
    );

    for (bad, needle, line) in [
        ("at = [6, 0, 6, 8]", "at = [9, 0, 6, 8]", 15),
        ("query = \"monthly\"", "sqll = \"x\"", 14),
        ("query = \"monthly\"", "query = \"../etc\"", 14),
    ] {
        let d = parse(p(), &HAND.replace(bad, needle));
        let Slot::Broken { problem, .. } = &d.widgets[1] else {
            panic!("{needle}: {:?}", d.widgets[1])
        };
        assert_eq!(problem.line, Some(line), "{needle}: {problem}");
    }
}

#[test]
fn a_file_that_does_not_parse_is_reported_and_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    let text = "title = \"x\"\n\n[[widget]\nkind = \"bar\"\n";
    std::fs::write(&path, text).unwrap();
    let d = load(&path);
    assert!(d.widgets.is_empty());
    assert_eq!(d.problems[0].line, Some(3), "{:?}", d.problems);
    assert!(matches!(LayoutFile::open(&path), Err(LayoutError::Broken(p)) if p.line == Some(3)));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

#[test]
fn unknown_top_level_keys_are_problems_not_failures() {
    let d = parse(
        p(),
        &format!("colour = \"red\"\nrefresh_seconds = 0\n{HAND}"),
    );
    assert_eq!(d.problems.len(), 2, "{:?}", d.problems);
    assert_eq!(d.problems[0].line, Some(1));
    assert_eq!(d.problems[1].line, Some(2));
    assert_eq!(d.widgets.len(), 2);
}
