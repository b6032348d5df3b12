//! Drawing the CLV tab from the fit's JSON report: parameters with standard errors, holdout
//! bar chart, tracking sparklines, CLV by decile and the top customers.

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Bar, BarChart, BarGroup, Block, Borders, Cell, Paragraph, Row, Table, TableState, Wrap,
};
use serde_json::Value;

use super::{ClvPane, Data, RunState};
use crate::engine::clv_view::ClvView;
use crate::tui::panes::deciles::number;
use crate::tui::theme::{Slot, Theme};
use crate::tui::widgets::sparkline::sparkline;

fn num(v: &Value) -> Option<f64> {
    v.as_f64().filter(|x| x.is_finite())
}

/// `0.2571 ± 0.0017` with 4 significant decimals (more for small values).
fn est(v: &Value, se: &Value) -> String {
    let fmt = |x: f64| {
        if x.abs() >= 1000.0 {
            number(x)
        } else if x.abs() >= 1.0 {
            format!("{x:.4}")
        } else {
            format!("{x:.5}")
        }
    };
    match (num(v), num(se)) {
        (Some(v), Some(s)) => format!("{} ± {}", fmt(v), fmt(s)),
        (Some(v), None) => fmt(v),
        _ => "–".into(),
    }
}

fn bar(share: f64, width: usize) -> String {
    let eighths = (share.clamp(0.0, 1.0) * width as f64 * 8.0).round() as usize;
    let mut out = "█".repeat(eighths / 8);
    if !eighths.is_multiple_of(8) {
        out.push([' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'][eighths % 8]);
    }
    out
}

fn boxed<'a>(title: &'a str, t: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(t.get(Slot::Border))
        .title(Span::styled(format!(" {title} "), t.get(Slot::Title)))
}

pub(super) fn draw(p: &mut ClvPane, f: &mut Frame, area: Rect, t: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.get(Slot::Border))
        .title(Span::styled(
            " Predicted CLV · BG/NBD + Gamma-Gamma ",
            t.get(Slot::Title),
        ))
        .style(t.get(Slot::Base));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let rows = Layout::default()
        .direction(Direction::Vertical)
        .constraints([Constraint::Length(2), Constraint::Min(4)])
        .split(inner);
    draw_header(p, f, rows[0], t);

    let message = |m: String, slot: Slot| {
        Paragraph::new(Line::styled(m, t.get(slot))).wrap(Wrap { trim: false })
    };
    match &p.data {
        Data::Idle | Data::Loading(_) => {
            f.render_widget(message("Loading…".into(), Slot::Dim), rows[1])
        }
        Data::Empty => f.render_widget(
            message(
                "No CLV fit in this workspace yet: press r to fit (e changes the source).".into(),
                Slot::Dim,
            ),
            rows[1],
        ),
        Data::Failed(e) => f.render_widget(message(e.clone(), Slot::Error), rows[1]),
        Data::Ready(view) => draw_view(view, p.row, f, rows[1], t),
    }
}

fn draw_header(p: &ClvPane, f: &mut Frame, area: Rect, t: &Theme) {
    let s = &p.settings;
    let period = match (s.calibration_end, s.observation_end) {
        (Some(c), Some(o)) => format!("calibration to {c}, holdout to {o}"),
        (Some(c), None) => format!("calibration to {c}"),
        _ => "calibration to the last purchase".into(),
    };
    let line1 = Line::from(vec![
        Span::styled("source ", t.get(Slot::Dim)),
        Span::styled(
            format!("{} ({}, {}, {})", s.source, s.customer, s.date, s.amount),
            t.get(Slot::Base),
        ),
        Span::styled(
            format!(
                " · {period} · horizon {} mo at {}%/mo",
                s.horizon_months,
                s.discount_monthly * 100.0
            ),
            t.get(Slot::Dim),
        ),
    ]);
    let line2 = match (&p.run, &p.last_error, &p.data) {
        (RunState::Running { started, .. }, _, _) => Line::styled(
            format!(
                "Fitting… {:.1} s (progress in the status line; Esc cancels)",
                started.elapsed().as_secs_f64()
            ),
            t.get(Slot::Warning),
        ),
        (RunState::Idle, Some(e), _) => {
            Line::styled(format!("Last fit failed: {e}"), t.get(Slot::Error))
        }
        (RunState::Idle, None, Data::Ready(v)) => Line::styled(
            format!(
                "fit #{} at {} on {} · {} customers, {} repeat · {:.0} ms",
                v.fit_id,
                v.fitted_at,
                v.report["input"].as_str().unwrap_or("?"),
                v.report["customers"],
                v.report["repeat_customers"],
                num(&v.report["timings_ms"]["total"]).unwrap_or(0.0)
            ),
            t.get(Slot::Dim),
        ),
        _ => Line::raw(""),
    };
    f.render_widget(Paragraph::new(vec![line1, line2]), area);
}

fn draw_view(v: &ClvView, row: usize, f: &mut Frame, area: Rect, t: &Theme) {
    let parts = Layout::default()
        .direction(Direction::Vertical)
        .constraints([
            Constraint::Length(12),
            Constraint::Length(4),
            Constraint::Min(5),
        ])
        .split(area);
    let top = Layout::default()
        .direction(Direction::Horizontal)
        .constraints([Constraint::Length(44), Constraint::Min(20)])
        .split(parts[0]);
    draw_params(&v.report, f, top[0], t);
    draw_holdout(&v.report, f, top[1], t);
    draw_tracking(&v.report, f, parts[1], t);
    let bottom = Layout::default()
        .direction(Direction::Horizontal)
        .constraints([Constraint::Length(44), Constraint::Min(20)])
        .split(parts[2]);
    draw_deciles(&v.report, f, bottom[0], t);
    draw_top(v, row, f, bottom[1], t);
}

fn draw_params(r: &Value, f: &mut Frame, area: Rect, t: &Theme) {
    let (bg, gg) = (&r["bgnbd"], &r["gamma_gamma"]);
    let kv = |k: &str, v: String| {
        Line::from(vec![
            Span::styled(format!("{k:<8}"), t.get(Slot::Dim)),
            Span::styled(v, t.get(Slot::GridNumber)),
        ])
    };
    let mut lines = Vec::new();
    if bg.is_null() {
        lines.push(Line::styled(
            format!(
                "BG/NBD: {}",
                r["bgnbd_error"].as_str().unwrap_or("not fitted")
            ),
            t.get(Slot::Error),
        ));
    } else {
        for k in ["r", "alpha", "a", "b"] {
            lines.push(kv(k, est(&bg[k], &bg["se"][k])));
        }
        lines.push(kv(
            "LL",
            num(&bg["log_likelihood"]).map_or("–".into(), |x| format!("{x:.4}")),
        ));
    }
    if gg.is_null() {
        lines.push(Line::styled(
            format!(
                "Gamma-Gamma: {}",
                r["gamma_gamma_error"].as_str().unwrap_or("not fitted")
            ),
            t.get(Slot::Warning),
        ));
    } else {
        for k in ["p", "q", "v"] {
            lines.push(kv(k, est(&gg[k], &gg["se"][k])));
        }
        lines.push(kv(
            "LL",
            num(&gg["log_likelihood"]).map_or("–".into(), |x| format!("{x:.4}")),
        ));
    }
    lines.push(kv(
        "CLV sum",
        num(&r["clv_total"]).map_or("–".into(), number),
    ));
    f.render_widget(
        Paragraph::new(lines)
            .block(boxed("parameters ± SE", t))
            .wrap(Wrap { trim: true }),
        area,
    );
}

fn draw_holdout(r: &Value, f: &mut Frame, area: Rect, t: &Theme) {
    let h = &r["holdout"];
    let Some(buckets) = h["by_frequency"].as_array() else {
        f.render_widget(
            Paragraph::new(Line::styled(
                "No holdout: set a calibration end before the last purchase (e).",
                t.get(Slot::Dim),
            ))
            .block(boxed("holdout", t))
            .wrap(Wrap { trim: true }),
            area,
        );
        return;
    };
    let title = format!(
        "holdout {:.1} weeks: repeat purchases actual {} (left) vs predicted {} (right)",
        num(&h["weeks"]).unwrap_or(0.0),
        number(num(&h["actual"]).unwrap_or(0.0)),
        number(num(&h["predicted"]).unwrap_or(0.0).round())
    );
    let groups: Vec<BarGroup> = buckets
        .iter()
        .map(|b| {
            let a = num(&b["actual"]).unwrap_or(0.0).max(0.0);
            let p = num(&b["predicted"]).unwrap_or(0.0).max(0.0);
            let bar = |v: f64, slot: Slot| {
                Bar::default()
                    .value(v.round() as u64)
                    .text_value(String::new())
                    .style(t.get(slot))
            };
            BarGroup::default()
                .label(Line::from(format!(
                    "x={}",
                    b["frequency"].as_str().unwrap_or("?")
                )))
                .bars(&[bar(a, Slot::GridNumber), bar(p, Slot::GridSparkline)])
        })
        .collect();
    let values: Vec<String> = buckets
        .iter()
        .map(|b| {
            format!(
                "{}:{}/{}",
                b["frequency"].as_str().unwrap_or("?"),
                number(num(&b["actual"]).unwrap_or(0.0).round()),
                number(num(&b["predicted"]).unwrap_or(0.0).round())
            )
        })
        .collect();
    let n = groups.len().max(1) as u16;
    let bar_w = (area.width.saturating_sub(2) / n)
        .saturating_sub(2)
        .clamp(1, 14)
        / 2;
    let mut chart = BarChart::default()
        .block(boxed(&title, t).title_bottom(Line::styled(
            format!(" actual/predicted {} ", values.join(" ")),
            t.get(Slot::Dim),
        )))
        .bar_width(bar_w.max(1))
        .bar_gap(0)
        .group_gap(1);
    for g in groups {
        chart = chart.data(g);
    }
    f.render_widget(chart, area);
}

fn draw_tracking(r: &Value, f: &mut Frame, area: Rect, t: &Theme) {
    let tr = &r["tracking"];
    let series = |k: &str| -> Vec<Option<f64>> {
        tr[k]
            .as_array()
            .map(|a| a.iter().map(|v| v.as_f64()).collect())
            .unwrap_or_default()
    };
    let (act, pred) = (series("actual_cumulative"), series("predicted_cumulative"));
    let width = area.width.saturating_sub(2 + 22) as usize;
    let last = |s: &[Option<f64>]| {
        s.last()
            .copied()
            .flatten()
            .map_or("–".into(), |x| number(x.round()))
    };
    let lines = if act.is_empty() {
        vec![Line::styled("no tracking data", t.get(Slot::Dim))]
    } else {
        vec![
            Line::from(vec![
                Span::styled(format!("actual    {:>11} ", last(&act)), t.get(Slot::Dim)),
                Span::styled(sparkline(&act, width), t.get(Slot::GridNumber)),
            ]),
            Line::from(vec![
                Span::styled(format!("predicted {:>11} ", last(&pred)), t.get(Slot::Dim)),
                Span::styled(sparkline(&pred, width), t.get(Slot::GridSparkline)),
            ]),
        ]
    };
    let title = format!(
        "cumulative repeat purchases per week from {} (calibration ends week {})",
        tr["start"].as_str().unwrap_or("?"),
        tr["calibration_week"]
    );
    f.render_widget(Paragraph::new(lines).block(boxed(&title, t)), area);
}

fn draw_deciles(r: &Value, f: &mut Frame, area: Rect, t: &Theme) {
    let d: Vec<f64> = r["clv_mean_by_decile"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_f64()).collect())
        .unwrap_or_default();
    let max = d.iter().copied().fold(0.0f64, f64::max);
    let width = area.width.saturating_sub(2 + 16) as usize;
    let lines: Vec<Line> = if d.is_empty() {
        vec![Line::styled(
            "no CLV (spend model not fitted)",
            t.get(Slot::Dim),
        )]
    } else {
        d.iter()
            .enumerate()
            .map(|(i, v)| {
                Line::from(vec![
                    Span::styled(format!("{:>2} ", i + 1), t.get(Slot::Dim)),
                    Span::styled(
                        format!("{:>11} ", number(v.round())),
                        t.get(Slot::GridNumber),
                    ),
                    Span::styled(
                        bar(if max > 0.0 { v / max } else { 0.0 }, width),
                        t.get(Slot::GridSparkline),
                    ),
                ])
            })
            .collect()
    };
    f.render_widget(
        Paragraph::new(lines).block(boxed("mean CLV by decile", t)),
        area,
    );
}

fn draw_top(v: &ClvView, row: usize, f: &mut Frame, area: Rect, t: &Theme) {
    let head = Row::new(
        [
            "customer",
            "x",
            "P(alive)",
            "E[purchases]",
            "E[spend]",
            "CLV",
        ]
        .map(|h| Cell::from(h).style(t.get(Slot::GridHeader))),
    );
    let num = t.get(Slot::GridNumber);
    let opt = |x: Option<f64>, digits: usize| {
        x.map_or("–".to_string(), |x| {
            if digits == 0 {
                number(x.round())
            } else {
                format!("{x:.digits$}")
            }
        })
    };
    let rows: Vec<Row> = v
        .top
        .iter()
        .map(|c| {
            let right = |s: String| Cell::from(Line::from(s).right_aligned()).style(num);
            Row::new(vec![
                Cell::from(c.customer.clone()),
                right(c.frequency.to_string()),
                right(opt(c.p_alive, 3)),
                right(opt(c.expected_purchases, 2)),
                right(opt(c.expected_spend, 0)),
                right(opt(c.clv, 0)),
            ])
        })
        .collect();
    let widths = [
        Constraint::Length(14),
        Constraint::Length(5),
        Constraint::Length(9),
        Constraint::Length(13),
        Constraint::Length(11),
        Constraint::Min(10),
    ];
    let mut state = TableState::default().with_selected(Some(row));
    let table = Table::new(rows, widths)
        .header(head)
        .block(boxed("top customers by CLV", t))
        .row_highlight_style(t.get(Slot::GridSelected));
    f.render_stateful_widget(table, area, &mut state);
}
