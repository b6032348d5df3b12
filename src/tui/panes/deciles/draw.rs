//! Drawing the Deciles tab: header strips, the decile table with share bars, and
//! the share-per-bucket chart.

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Bar, BarChart, BarGroup, Block, Borders, Cell, Paragraph, Row, Table, TableState, Wrap,
};

use super::{Data, DecilesPane, RunState};
use crate::tui::theme::{Slot, Theme};

/// `1,234,567` for integral values, `1,486.67` otherwise; huge values in exponent form.
pub fn number(v: f64) -> String {
    if !v.is_finite() || v.abs() >= 1e15 {
        return format!("{v:.3e}");
    }
    let text = if v.fract() == 0.0 {
        format!("{:.0}", v.abs())
    } else {
        format!("{:.2}", v.abs())
    };
    let (int, frac) = text.split_at(text.find('.').unwrap_or(text.len()));
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    let sign = if v < 0.0 && text != "0" { "-" } else { "" };
    format!("{sign}{out}{frac}")
}

fn pct(v: Option<f64>) -> String {
    v.map_or("–".into(), |v| format!("{:.1}%", v * 100.0))
}

fn bar(share: Option<f64>, width: usize) -> String {
    let Some(s) = share else { return String::new() };
    let eighths = (s.clamp(0.0, 1.0) * width as f64 * 8.0).round() as usize;
    let full = eighths / 8;
    let rest = eighths % 8;
    let mut out = "█".repeat(full);
    if rest > 0 {
        out.push([' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'][rest]);
    }
    out
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

    let rows = Layout::default()
        .direction(Direction::Vertical)
        .constraints([
            Constraint::Length(4),
            Constraint::Min(4),
            Constraint::Length(if inner.height >= 20 { 7 } else { 0 }),
        ])
        .split(inner);

    // Header: job, run state, windows and categories.
    let jobs: Vec<String> = p.jobs.iter().map(|j| j.name.clone()).collect();
    let windows: Vec<String> = p.windows().iter().map(|w| w.label().to_string()).collect();
    let cats = p.categories();
    let mut detail = format!(
        "{} of {} by {} · {} buckets · {} mode → {}",
        job.metric,
        job.source,
        job.category,
        job.buckets,
        job.mode.label(),
        job.long_table()
    );
    if let Some(d) = &job.description {
        detail = format!("{d} · {detail}");
    }
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
    let bar_w = (rows[1].width as usize).saturating_sub(96).clamp(6, 30);
    let head = Row::new(
        [
            "bucket",
            "customers",
            "total",
            "mean",
            "share",
            "cum",
            "lift",
            "min",
            "max",
            "share",
        ]
        .map(|h| Cell::from(h).style(t.get(Slot::GridHeader))),
    );
    let num = t.get(Slot::GridNumber);
    let lines: Vec<Row> = table
        .iter()
        .map(|l| {
            let right = |s: String| Cell::from(Line::from(s).right_aligned()).style(num);
            Row::new(vec![
                right(l.bucket.to_string()),
                right(number(l.customers as f64)),
                right(number(l.total)),
                right(number(l.mean)),
                right(pct(l.share)),
                right(pct(l.cum_share)),
                right(l.lift.map_or("–".into(), |v| format!("{v:.2}x"))),
                right(number(l.min)),
                right(number(l.max)),
                Cell::from(bar(l.share, bar_w)).style(t.get(Slot::GridSparkline)),
            ])
        })
        .collect();
    let widths = [
        Constraint::Length(6),
        Constraint::Length(11),
        Constraint::Length(15),
        Constraint::Length(11),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(11),
        Constraint::Length(11),
        Constraint::Min(6),
    ];
    let mut state = TableState::default().with_selected(Some(p.bucket));
    let tbl = Table::new(lines, widths)
        .header(head)
        .row_highlight_style(t.get(Slot::GridSelected));
    f.render_stateful_widget(tbl, rows[1], &mut state);

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
