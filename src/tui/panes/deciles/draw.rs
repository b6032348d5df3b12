//! Drawing the Deciles tab: header strips, the decile table with share bars, and
//! the share-per-bucket chart.

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Borders, Paragraph, Wrap};

use super::{Data, DecilesPane, RunState};
use crate::analytics::decile_table::DecileLine;
use crate::engine::format::amount;
use crate::tui::panes::has_room;
use crate::tui::theme::{Slot, Theme};
use crate::tui::widgets::table::{Cell, Column, FitTable, fit_parts};

/// The smallest pane the tab draws in: the header strips and three buckets.
pub const MIN_SIZE: (u16, u16) = (40, 10);

fn pct(v: Option<f64>) -> Cell {
    Cell::opt_number(v.map(|v| format!("{:.1}%", v * 100.0)))
}

/// The decile table's columns: numbers shorten (`11.5k`) before anything is cut,
/// headers abbreviate, and the share bar goes first when room is short.
pub const COLUMNS: [Column; 10] = [
    Column::number("bucket", "#"),
    Column::number("customers", "custs"),
    Column::number("total", "total"),
    Column::number("mean", "mean"),
    Column::number("share", "shr"),
    Column::number("cum", "cum"),
    Column::number("lift", "lift"),
    Column::number("min", "min"),
    Column::number("max", "max"),
    Column::bar("", 6, 30),
];

/// The cells of the decile table, fully formatted (the table shortens them).
pub fn table_rows(table: &[DecileLine]) -> Vec<Vec<Cell>> {
    table
        .iter()
        .map(|l| {
            vec![
                Cell::number(l.bucket.to_string()),
                Cell::number(amount(l.customers as f64)),
                Cell::number(amount(l.total)),
                Cell::number(amount(l.mean)),
                pct(l.share),
                pct(l.cum_share),
                Cell::opt_number(l.lift.map(|v| format!("{v:.2}x"))),
                Cell::number(amount(l.min)),
                Cell::number(amount(l.max)),
                Cell::Bar(l.share.unwrap_or(0.0)),
            ]
        })
        .collect()
}

/// A tab strip: `label` followed by the items, the current one highlighted.
fn strip<'a>(label: &'a str, items: &[String], current: usize, t: &Theme) -> Line<'a> {
    let mut spans = vec![Span::styled(format!("{label} "), t.get(Slot::Dim))];
    if items.is_empty() {
        spans.push(Span::styled("–", t.get(Slot::Dim)));
    }
    for (i, it) in items.iter().enumerate() {
        let style = if i == current {
            t.get(Slot::TabActive)
        } else {
            t.get(Slot::Tab)
        };
        spans.push(Span::styled(format!(" {it} "), style));
        spans.push(Span::raw(" "));
    }
    Line::from(spans)
}

pub(super) fn draw(p: &mut DecilesPane, f: &mut Frame, area: Rect, t: &Theme) {
    if !has_room(f, area, "The Deciles tab", MIN_SIZE, t) {
        return;
    }
    let title = match p.current_job() {
        Some(j) => format!(" Deciles · {} ", j.name),
        None => " Deciles ".into(),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.get(Slot::Border))
        .title(Span::styled(title, t.get(Slot::Title)))
        .style(t.get(Slot::Base));
    let inner = block.inner(area);
    f.render_widget(block, area);

    let Some(job) = p.current_job().cloned() else {
        let mut lines = vec![
            Line::styled("No decile jobs in this workspace yet.", t.get(Slot::Base)),
            Line::styled(
                format!(
                    "Press n to create one; job files live in {}.",
                    p.dir.display()
                ),
                t.get(Slot::Dim),
            ),
        ];
        lines.extend(
            p.file_errors
                .iter()
                .map(|e| Line::styled(e.clone(), t.get(Slot::Error))),
        );
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        return;
    };

    let table_h = p.table().len() as u16 + 1;
    let spare = inner.height.saturating_sub(4 + table_h);
    let chart_h = if spare >= 5 { spare.min(7) } else { 0 };
    let rows = Layout::default()
        .direction(Direction::Vertical)
        .constraints([
            Constraint::Length(4),
            Constraint::Min(4),
            // The chart only when every bucket of the table fits above it.
            Constraint::Length(chart_h),
        ])
        .split(inner);

    // Header: job, run state, windows and categories.
    let jobs: Vec<String> = p.jobs.iter().map(|j| j.name.clone()).collect();
    let windows: Vec<String> = p.windows().iter().map(|w| w.label().to_string()).collect();
    let cats = p.categories();
    let mut parts = vec![
        format!("{} of {} by {}", job.metric, job.source, job.category),
        format!("{} buckets", job.buckets),
        format!("{} mode", job.mode.label()),
        format!("→ {}", job.long_table()),
    ];
    if let Some(d) = &job.description {
        parts.insert(0, d.clone());
    }
    // Whole parts or none: "10 buckets" is never cut to "1".
    let detail = fit_parts(&parts, " · ", usize::from(rows[0].width));
    let status = match &p.run {
        RunState::Running { started, .. } => Line::styled(
            format!(
                "Running… {:.1} s (progress in the status line; Esc cancels)",
                started.elapsed().as_secs_f64()
            ),
            t.get(Slot::Warning),
        ),
        RunState::Idle => Line::styled(detail, t.get(Slot::Dim)),
    };
    let header = vec![
        strip("job     ", &jobs, p.job, t),
        strip("window  ", &windows, p.window, t),
        strip("category", &cats, p.category, t),
        status,
    ];
    f.render_widget(Paragraph::new(header), rows[0]);

    let message = |m: String, slot: Slot| {
        Paragraph::new(Line::styled(m, t.get(slot))).wrap(Wrap { trim: false })
    };
    match &p.data {
        Data::Idle | Data::Loading(_) => {
            f.render_widget(message("Loading…".into(), Slot::Dim), rows[1]);
            return;
        }
        Data::NotRun => {
            f.render_widget(
                message(
                    format!(
                        "{} does not exist yet: press r to run the job.",
                        job.long_table()
                    ),
                    Slot::Dim,
                ),
                rows[1],
            );
            return;
        }
        Data::Failed(e) => {
            f.render_widget(message(e.clone(), Slot::Error), rows[1]);
            return;
        }
        Data::Ready(_) => {}
    }
    let table = p.table();
    if table.is_empty() {
        f.render_widget(
            message("No customer is active in this window.".into(), Slot::Dim),
            rows[1],
        );
        return;
    }
    let cells = table_rows(&table);
    f.render_widget(
        FitTable::new(&COLUMNS, &cells, t).selected(Some(p.bucket)),
        rows[1],
    );

    if rows[2].height > 0 {
        let bars: Vec<Bar> = table
            .iter()
            .map(|l| {
                let v = (l.share.unwrap_or(0.0).max(0.0) * 1000.0).round() as u64;
                Bar::default()
                    .value(v)
                    .label(Line::from(l.bucket.to_string()))
                    .text_value(String::new())
            })
            .collect();
        let n = bars.len().max(1) as u16;
        let bw = ((rows[2].width.saturating_sub(2)) / n)
            .saturating_sub(1)
            .clamp(1, 6);
        let chart = BarChart::default()
            .block(
                Block::default()
                    .borders(Borders::TOP)
                    .border_style(t.get(Slot::Border))
                    .title(Span::styled(
                        " share of total per bucket ",
                        t.get(Slot::Dim),
                    )),
            )
            .data(BarGroup::default().bars(&bars))
            .bar_width(bw)
            .bar_gap(1)
            .bar_style(t.get(Slot::GridSparkline))
            .style(Style::default());
        f.render_widget(chart, rows[2]);
    }
}
