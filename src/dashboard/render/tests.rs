//! Each kind drawn into a buffer with known data: values, labels, legends,
//! empty results, NULLs, a single point, negatives, and many points in few cells.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::*;
use crate::dashboard::model::{MaxRole, Roles, Source, ValueFormat};
use crate::dashboard::query::Column;
use crate::tui::headless::buffer_text;

fn def(kind: Kind, roles: Roles) -> Widget {
    Widget {
        title: "W".into(),
        kind,
        source: Source::Sql("SELECT 1".into()),
        roles,
        at: Pos {
            col: 0,
            row: 0,
            width: 12,
            height: 10,
        },
        horizontal: false,
        format: ValueFormat::Number,
        requires: Vec::new(),
        line: 1,
    }
}

fn draw(w: &Widget, data: Data, width: u16, height: u16) -> String {
    let mut buf = Buffer::empty(Rect::new(0, 0, width, height));
    let state = WidgetState::Ready {
        data,
        sorted_by: None,
    };
    let area = buf.area;
    draw_slot(
        &mut buf,
        area,
        &DefSlot::Widget(w.clone()),
        &state,
        Look::default(),
        &Theme::dark(),
    );
    buffer_text(&buf)
}

fn y(name: &str) -> Roles {
    Roles {
        y: vec![name.into()],
        ..Roles::default()
    }
}

fn deciles() -> Data {
    Data::from_columns(vec![
        Column::texts("decile", &[Some("1"), Some("2"), Some("3")]),
        Column::numbers("clv", &[Some(300.0), Some(150.0), Some(-50.0)]),
    ])
}

#[test]
fn vertical_bars_scale_values_and_go_below_zero() {
    let s = draw(&def(Kind::Bar, y("clv")), deciles(), 32, 12);
    let lines: Vec<&str> = s.lines().collect();
    assert!(
        s.contains("300") && s.contains("150") && s.contains("-50"),
        "{s}"
    );
    // Labels under the bars.
    assert!(
        lines[lines.len() - 3].contains('1') && lines[lines.len() - 3].contains('3'),
        "{s}"
    );
    // The tallest bar reaches the top rows; the negative one hangs below zero.
    let col_of = |label: &str| lines[lines.len() - 3].find(label).unwrap();
    let full_rows = |col: usize| {
        lines
            .iter()
            .filter(|l| l.chars().nth(col) == Some('█'))
            .count()
    };
    assert!(full_rows(col_of("1")) > full_rows(col_of("2")), "{s}");
    assert!(full_rows(col_of("3")) >= 1, "{s}");
    assert!(s.contains("scale -50–300"), "{s}");
}

#[test]
fn horizontal_grouped_bars_have_a_legend() {
    let mut w = def(
        Kind::Bar,
        Roles {
            y: vec!["sends".into(), "opens".into()],
            ..Roles::default()
        },
    );
    w.horizontal = true;
    let data = Data::from_columns(vec![
        Column::texts("audience", &[Some("Aurora"), Some("Star")]),
        Column::numbers("sends", &[Some(1000.0), Some(4000.0)]),
        Column::numbers("opens", &[Some(250.0), None]),
    ]);
    let s = draw(&w, data, 50, 10);
    assert!(s.contains("■ sends") && s.contains("■ opens"), "{s}");
    let star = s.lines().find(|l| l.contains("Star")).unwrap();
    assert!(star.trim_end_matches(['│', ' ']).ends_with("4,000"), "{s}");
    assert!(s.contains('–'), "a NULL value shows a dash: {s}");
    let aurora = s.lines().find(|l| l.contains("Aurora")).unwrap();
    let bars = |l: &str| l.chars().filter(|c| *c == '█').count();
    assert!(bars(star) > 3 * bars(aurora), "{s}");
}

#[test]
fn a_thousand_points_in_a_twenty_cell_sparkline_are_averaged_and_said() {
    let n = 1000;
    let xs: Vec<Option<f64>> = (0..n).map(|i| Some(i as f64)).collect();
    let data = Data::from_columns(vec![Column::numbers("i", &xs), Column::numbers("v", &xs)]);
    let mut w = def(
        Kind::Sparkline,
        Roles {
            x: Some("i".into()),
            y: vec!["v".into()],
            ..Roles::default()
        },
    );
    w.title = "S".into();
    // 2 borders + label 1 + 2 spaces + 20 cells + value 7 (a quarter of 30) = 32.
    let s = draw(&w, data, 32, 6);
    let line = s.lines().nth(1).unwrap();
    let cells: String = line.chars().filter(|c| SPARK_CHARS.contains(c)).collect();
    assert_eq!(cells.chars().count(), 20, "{s}");
    assert!(cells.starts_with('▁') && cells.ends_with('█'), "{s}");
    assert!(line.contains("999"), "the last value is shown: {s}");
    assert!(s.contains("1000 points, mean per cell"), "{s}");
}

const SPARK_CHARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

#[test]
fn sparkline_series_from_a_long_result_and_a_single_point() {
    let data = Data::from_columns(vec![
        Column::texts("d", &[Some("top"), Some("top"), Some("low")]),
        Column::numbers("m", &[Some(1.0), Some(2.0), Some(2.0)]),
        Column::numbers("rev", &[Some(10.0), Some(30.0), Some(-5.0)]),
    ]);
    let w = def(
        Kind::Sparkline,
        Roles {
            x: Some("m".into()),
            series: Some("d".into()),
            y: vec!["rev".into()],
            ..Roles::default()
        },
    );
    let s = draw(&w, data, 40, 6);
    let top = s.lines().find(|l| l.contains("top")).unwrap();
    let low = s.lines().find(|l| l.contains("low")).unwrap();
    assert!(
        top.contains("▄█") || top.contains("▅█") || top.contains('█'),
        "{s}"
    );
    assert!(low.contains("-5"), "{s}");
    // low has no value for m = 1: a gap, then its one point.
    assert!(
        low.contains(" ▄"),
        "a gap, then one point at mid height: {s}"
    );
}

#[test]
fn big_number_with_delta_against_the_previous_period() {
    let data = Data::from_columns(vec![
        Column::texts(
            "month",
            &[Some("2025-10"), Some("2025-11"), Some("2025-12")],
        ),
        Column::numbers("share", &[Some(0.40), Some(0.30), Some(0.35)]),
    ]);
    let mut w = def(Kind::Number, y("share"));
    w.format = ValueFormat::Percent;
    let s = draw(&w, data, 40, 8);
    assert!(s.contains("35.0%"), "{s}");
    assert!(s.contains("▲ +5.0 pts vs 2025-11 (30.0%)"), "{s}");
    assert!(s.contains("latest: 2025-12"), "{s}");
    // One row: no previous period, said so.
    let one = Data::from_columns(vec![Column::numbers("v", &[Some(-1234.5)])]);
    let s = draw(&def(Kind::Number, Roles::default()), one, 30, 7);
    assert!(
        s.contains("-1,234.50") && s.contains("no previous period"),
        "{s}"
    );
}

#[test]
fn table_sorts_numbers_as_numbers_with_nulls_last() {
    let mut data = Data::from_columns(vec![
        Column::texts("name", &[Some("a"), Some("b"), Some("c"), Some("d")]),
        Column::numbers("n", &[Some(9.0), None, Some(100.0), Some(-1.0)]),
    ]);
    sort(&mut data, 1, true);
    let mut buf = Buffer::empty(Rect::new(0, 0, 30, 8));
    let state = WidgetState::Ready {
        data,
        sorted_by: Some((1, true)),
    };
    let area = buf.area;
    draw_slot(
        &mut buf,
        area,
        &DefSlot::Widget(def(Kind::Table, Roles::default())),
        &state,
        Look::default(),
        &Theme::dark(),
    );
    let s = buffer_text(&buf);
    let order: Vec<char> = s
        .lines()
        .skip(2)
        .filter_map(|l| l.chars().nth(1))
        .filter(|c| c.is_ascii_lowercase())
        .collect();
    assert_eq!(order, ['c', 'a', 'd', 'b'], "{s}");
    assert!(s.contains("n▼") && s.contains("NULL"), "{s}");
}

#[test]
fn gauge_shows_value_against_max() {
    let data = Data::from_columns(vec![
        Column::numbers("done", &[Some(25.0)]),
        Column::numbers("target", &[Some(200.0)]),
    ]);
    let w = def(
        Kind::Gauge,
        Roles {
            y: vec!["done".into()],
            max: Some(MaxRole::Column("target".into())),
            ..Roles::default()
        },
    );
    let s = draw(&w, data, 40, 5);
    assert!(s.contains("25 / 200 (12.5%)"), "{s}");
}

#[test]
fn heatmap_shades_cohorts_by_period() {
    let data = Data::from_columns(vec![
        Column::texts(
            "cohort",
            &[Some("2024-01"), Some("2024-01"), Some("2024-02")],
        ),
        Column::numbers("since", &[Some(0.0), Some(1.0), Some(0.0)]),
        Column::numbers("ret", &[Some(1.0), Some(0.25), Some(1.0)]),
    ]);
    let mut w = def(
        Kind::Heatmap,
        Roles {
            x: Some("cohort".into()),
            column: Some("since".into()),
            y: vec!["ret".into()],
            ..Roles::default()
        },
    );
    w.format = ValueFormat::Percent;
    let s = draw(&w, data, 40, 7);
    assert!(s.contains("+0") && s.contains("+1"), "{s}");
    let jan = s.lines().find(|l| l.contains("2024-01")).unwrap();
    assert!(jan.contains('█') && jan.contains("25%"), "{s}");
    let feb = s.lines().find(|l| l.contains("2024-02")).unwrap();
    assert!(!feb.contains("25%"), "no value for Feb +1: {s}");
}

#[test]
fn line_chart_has_legend_axes_and_downsampling_note() {
    let n = 1000;
    let days: Vec<Option<f64>> = (0..n).map(|i| Some(20000.0 + i as f64)).collect();
    let a: Vec<Option<f64>> = (0..n).map(|i| Some((i % 50) as f64)).collect();
    let b: Vec<Option<f64>> = (0..n).map(|i| Some(-((i % 7) as f64))).collect();
    let mut day = Column::numbers("day", &days);
    day.kind = crate::dashboard::query::ColKind::Time;
    let data = Data::from_columns(vec![
        day,
        Column::numbers("a", &a),
        Column::numbers("b", &b),
    ]);
    let w = def(Kind::Line, Roles::default());
    let s = draw(&w, data, 60, 16);
    assert!(s.contains("2024-10-04"), "x axis starts at day 20000: {s}");
    assert!(s.contains("49") && s.contains("-6"), "y axis range: {s}");
    assert!(s.contains('a') && s.contains('b'), "{s}");
    assert!(s.contains("1000 points, min/max per cell"), "{s}");
}

#[test]
fn empty_results_missing_columns_and_errors_stay_in_their_box() {
    let empty = Data::from_columns(vec![Column::numbers("v", &[])]);
    let s = draw(&def(Kind::Bar, Roles::default()), empty, 40, 6);
    assert!(s.contains("no rows for these filters"), "{s}");
    let s = draw(&def(Kind::Bar, y("nope")), deciles(), 60, 6);
    assert!(s.contains("✗ no column `nope`"), "{s}");
    // A failed widget beside a good one: each in its own box.
    let mut buf = Buffer::empty(Rect::new(0, 0, 60, 8));
    let good = DefSlot::Widget(def(Kind::Bar, y("clv")));
    draw_slot(
        &mut buf,
        Rect::new(0, 0, 30, 8),
        &good,
        &WidgetState::Ready {
            data: deciles(),
            sorted_by: None,
        },
        Look::default(),
        &Theme::dark(),
    );
    draw_slot(
        &mut buf,
        Rect::new(30, 0, 30, 8),
        &good,
        &WidgetState::Failed("Catalog Error: no table t".into()),
        Look::default(),
        &Theme::dark(),
    );
    let s = buffer_text(&buf);
    assert!(s.contains("300") && s.contains("✗ Catalog Error"), "{s}");
    for l in s.lines() {
        assert!(
            !l.chars().take(30).collect::<String>().contains('✗'),
            "the error leaked left: {s}"
        );
    }
}

#[test]
fn a_broken_definition_shows_file_and_line() {
    let slot = DefSlot::Broken {
        title: "Bad".into(),
        at: Pos {
            col: 0,
            row: 0,
            width: 12,
            height: 4,
        },
        problem: crate::dashboard::model::Problem {
            file: "dashboards/x.toml".into(),
            line: Some(7),
            reason: "unknown kind `pie`".into(),
        },
    };
    let mut buf = Buffer::empty(Rect::new(0, 0, 60, 4));
    let area = buf.area;
    draw_slot(
        &mut buf,
        area,
        &slot,
        &WidgetState::Waiting,
        Look::default(),
        &Theme::dark(),
    );
    let s = buffer_text(&buf);
    assert!(
        s.contains("✗ dashboards/x.toml:7: unknown kind `pie`"),
        "{s}"
    );
}

#[test]
fn grid_positions_map_to_twelfths() {
    let area = Rect::new(0, 1, 120, 30);
    let r = place(
        area,
        Pos {
            col: 6,
            row: 2,
            width: 6,
            height: 10,
        },
        0,
    )
    .unwrap();
    assert_eq!(r, Rect::new(60, 3, 60, 10));
    let r = place(
        area,
        Pos {
            col: 0,
            row: 2,
            width: 3,
            height: 10,
        },
        5,
    )
    .unwrap();
    assert_eq!((r.y, r.height), (1, 7), "scrolled: the top is cut");
    assert!(
        place(
            area,
            Pos {
                col: 0,
                row: 40,
                width: 3,
                height: 4
            },
            0
        )
        .is_none()
    );
}

#[test]
fn a_title_wider_than_its_box_ends_in_an_ellipsis() {
    let mut w = def(Kind::Bar, y("clv"));
    w.title = "Top-decile share of predicted CLV".into();
    let s = draw(&w, deciles(), 24, 12);
    let top = s.lines().next().unwrap_or_default();
    assert!(top.contains(" Top-decile share of …┐"), "{s}");
    // One that fits is drawn whole.
    let s = draw(&w, deciles(), 60, 12);
    assert!(s.contains(" Top-decile share of predicted CLV "), "{s}");
}
