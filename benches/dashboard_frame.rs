//! One frame of the Dashboard tab with 8 loaded widgets (every kind; a
//! 2,000-point line, ten 24-month sparklines, a 12x24 cohort heatmap, a
//! 2,000-row table) drawn into a 200x60 `TestBackend` through the app's
//! drawing code. Target: under 2 ms per frame.

use std::time::Duration;

use clvdesk::dashboard::file::parse;
use clvdesk::dashboard::query::{ColKind, Column, Data};
use clvdesk::dashboard::render::{self, Look, WidgetState};
use clvdesk::tui::theme::Theme;
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const LAYOUT: &str = r#"
[[widget]]
title = "bars"
kind = "bar"
sql = "x"
at = [0, 0, 4, 14]
[[widget]]
title = "number"
kind = "number"
sql = "x"
at = [4, 0, 4, 7]
[[widget]]
title = "gauge"
kind = "gauge"
sql = "x"
at = [4, 7, 4, 7]
[[widget]]
title = "horizontal"
kind = "bar"
horizontal = true
sql = "x"
at = [8, 0, 4, 14]
[[widget]]
title = "sparklines"
kind = "sparkline"
series = "s"
x = "m"
y = "v"
sql = "x"
at = [0, 14, 6, 14]
[[widget]]
title = "line"
kind = "line"
sql = "x"
at = [6, 14, 6, 14]
[[widget]]
title = "heatmap"
kind = "heatmap"
x = "cohort"
column = "since"
y = "ret"
sql = "x"
at = [0, 28, 8, 15]
[[widget]]
title = "table"
kind = "table"
sql = "x"
at = [8, 28, 4, 15]
"#;

fn nums(name: &str, v: impl Iterator<Item = f64>) -> Column {
    Column::numbers(name, &v.map(Some).collect::<Vec<_>>())
}

fn texts(name: &str, v: impl Iterator<Item = String>) -> Column {
    let v: Vec<String> = v.collect();
    Column::texts(
        name,
        &v.iter().map(|s| Some(s.as_str())).collect::<Vec<_>>(),
    )
}

fn states() -> Vec<WidgetState> {
    let ready = |c: Vec<Column>| WidgetState::Ready {
        data: Data::from_columns(c),
        sorted_by: None,
    };
    let mut day = nums("day", (0..2000).map(|i| 19000.0 + f64::from(i)));
    day.kind = ColKind::Time;
    vec![
        ready(vec![
            texts("d", (1..=10).map(|i| i.to_string())),
            nums("v", (1..=10).map(|i| 1000.0 / f64::from(i))),
        ]),
        ready(vec![
            texts("m", (1..=24).map(|i| format!("m{i}"))),
            nums("v", (1..=24).map(f64::from)),
        ]),
        ready(vec![nums("v", [0.42].into_iter())]),
        ready(vec![
            texts(
                "s",
                ["Star", "Nova", "Aurora"].iter().map(|s| s.to_string()),
            ),
            nums("n", [2800.0, 880.0, 320.0].into_iter()),
        ]),
        ready(vec![
            texts("s", (0..240).map(|i| format!("decile {}", i / 24 + 1))),
            nums("m", (0..240).map(|i| f64::from(i % 24))),
            nums("v", (0..240).map(|i| f64::from((i * 37) % 101))),
        ]),
        ready(vec![
            day,
            nums("a", (0..2000).map(|i| f64::from(i % 97))),
            nums("b", (0..2000).map(|i| f64::from(i % 13))),
        ]),
        ready(vec![
            texts(
                "cohort",
                (0..288).map(|i| format!("2024-{:02}", i / 24 + 1)),
            ),
            nums("since", (0..288).map(|i| f64::from(i % 24))),
            nums("ret", (0..288).map(|i| 1.0 / f64::from(i % 24 + 1))),
        ]),
        ready(vec![
            texts("name", (0..2000).map(|i| format!("customer {i}"))),
            nums("clv", (0..2000).map(|i| f64::from(i) * 1.5)),
        ]),
    ]
}

fn frame(c: &mut Criterion) {
    let dash = parse(std::path::Path::new("bench.toml"), LAYOUT);
    assert_eq!(dash.widgets.len(), 8);
    let states = states();
    let theme = Theme::dark();
    let mut term = Terminal::new(TestBackend::new(200, 60)).expect("test backend");
    c.bench_function("dashboard_frame_8_widgets_200x60", |b| {
        b.iter(|| {
            term.draw(|f| {
                let area = f.area();
                render::draw_dashboard(
                    f.buffer_mut(),
                    area,
                    &dash,
                    &states,
                    "bench",
                    &|i| Look {
                        focused: i == 0,
                        editing: false,
                    },
                    0,
                    &theme,
                );
            })
            .expect("draw");
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5));
    targets = frame
}
criterion_main!(benches);
