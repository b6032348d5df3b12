//! Drawing the CLV tab from the fit's JSON report: what the fit on screen was made from
//! (its own source, columns, dates, horizon and time, and whether the settings differ),
//! BG/NBD and Gamma-Gamma parameters with standard errors, the holdout bar chart,
//! tracking sparklines, CLV by decile and the top customers.
//!
//! Panels are laid out by priority for the room there is; a panel that does not fit is
//! left out and named ("hidden: holdout · all shown from 86×24"), never drawn with its
//! contents cut.

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Borders, Paragraph, Wrap};
use serde_json::Value;

use super::{ClvPane, Data, RunState, Settings};
use crate::engine::format::{amount, fit_number, group_thousands};
use crate::pipeline::clv::view::ClvView;
use crate::tui::panes::{CHROME_ROWS, has_room};
use crate::tui::theme::{Slot, Theme};
use crate::tui::widgets::sparkline::sparkline;
use crate::tui::widgets::table::{Cell, Column, FitTable, fit_parts};

/// The smallest pane the tab draws in: the header and both parameter boxes.
pub const MIN_SIZE: (u16, u16) = (58, 13);
/// Rows of the header: the fit's inputs, its numbers, and a status line.
const HEADER: u16 = 3;
/// Height of the parameter boxes (title, column header, five rows, border).
const PARAMS_H: u16 = 8;
const TRACKING_H: u16 = 4;
const HOLDOUT_H: u16 = 10;
/// The smallest box of a table: borders, header and four rows.
const TABLE_MIN_H: u16 = 7;
/// Inner widths from which the holdout sits beside the parameters, and the deciles
/// beside the top customers.
const HOLDOUT_BESIDE: u16 = 84;
const DECILES_BESIDE: u16 = 76;
const DECILES_W: u16 = 32;
/// The terminal size from which every panel shows: the holdout beside the
/// parameters; tracking, deciles and top customers below.
pub const FULL_SIZE: (u16, u16) = (
    HOLDOUT_BESIDE + 2,
    HEADER + PARAMS_H + TRACKING_H + TABLE_MIN_H + 2 + CHROME_ROWS,
);

fn num(v: &Value) -> Option<f64> {
    v.as_f64().filter(|x| x.is_finite())
}

/// An estimate as text: 4 decimals from 1 on (5 below), grouped from 1000 on.
fn est(x: f64) -> String {
    if x.abs() >= 1000.0 {
        amount(x)
    } else if x.abs() >= 1.0 {
        format!("{x:.4}")
    } else {
        format!("{x:.5}")
    }
}

fn boxed<'a>(title: String, t: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(t.get(Slot::Border))
        .title(Span::styled(format!(" {title} "), t.get(Slot::Title)))
}

/// The first of `titles` that fits a box of `width` (titles are never cut mid-number).
fn title_for(titles: &[String], width: u16) -> String {
    let room = usize::from(width.saturating_sub(4));
    titles
        .iter()
        .find(|s| s.chars().count() <= room)
        .cloned()
        .unwrap_or_default()
}

pub(super) fn draw(p: &mut ClvPane, f: &mut Frame, area: Rect, t: &Theme) {
    if !has_room(f, area, "The CLV tab", MIN_SIZE, t) {
        return;
    }
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

    // The status (running, failed, settings changed) gets a fourth header line
    // when there is room, else it takes the third.
    let status = status_line(p, usize::from(inner.width), t);
    let header_h = if status.is_some() && inner.height > HEADER + PARAMS_H {
        HEADER + 1
    } else {
        HEADER
    };
    let rows = Layout::default()
        .direction(Direction::Vertical)
        .constraints([Constraint::Length(header_h), Constraint::Min(0)])
        .split(inner);
    let mut lines = header_lines(p, usize::from(inner.width), t);
    if let Some(status) = status {
        lines.truncate(usize::from(header_h) - 1);
        lines.push(status);
    }
    f.render_widget(Paragraph::new(lines), rows[0]);

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
        Data::Ready(view) => {
            let hidden = draw_view(view, p.row, f, rows[1], t);
            draw_hidden(&hidden, f, area, t);
        }
    }
}

/// Names the panels left out, on the bottom border: "hidden: holdout · all shown from 86×24".
fn draw_hidden(hidden: &[&str], f: &mut Frame, area: Rect, t: &Theme) {
    if hidden.is_empty() {
        return;
    }
    let room = usize::from(area.width.saturating_sub(4));
    let mut names: Vec<String> = hidden.iter().map(|h| h.to_string()).collect();
    names[0] = format!("hidden: {}", names[0]);
    let list = fit_parts(&names, ", ", room);
    let all = format!("{list} · all shown from {}×{}", FULL_SIZE.0, FULL_SIZE.1);
    let text = format!(
        " {} ",
        if all.chars().count() <= room {
            all
        } else {
            list
        }
    );
    let w = (text.chars().count() as u16).min(area.width.saturating_sub(2));
    f.render_widget(
        Line::styled(text, t.get(Slot::Dim)),
        Rect::new(area.x + 1, area.bottom().saturating_sub(1), w, 1),
    );
}

/// The parts of the fit on screen that its settings name, as (setting, fit's value).
fn fit_inputs(r: &Value) -> Vec<(&'static str, String)> {
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    vec![
        ("source", s(&r["input"])),
        ("customer", s(&r["columns"]["customer"])),
        ("date", s(&r["columns"]["date"])),
        ("amount", s(&r["columns"]["amount"])),
        ("calibration_end", s(&r["calibration_end"])),
        ("observation_end", s(&r["observation_end"])),
        ("horizon_months", r["horizon_months"].to_string()),
        ("discount_monthly", r["discount_monthly"].to_string()),
    ]
}

/// Settings that differ from the fit on screen: what `r` would change.
pub fn settings_differ(s: &Settings, r: &Value) -> Vec<&'static str> {
    let mut out = Vec::new();
    for (key, fit) in fit_inputs(r) {
        let differs = match key {
            // Empty in the settings means "the last purchase": any fit date may be it,
            // unless the fit had a holdout (then its calibration end was given).
            "calibration_end" => match s.calibration_end {
                Some(d) => d.to_string() != fit,
                None => !r["observation_end"].is_null(),
            },
            "observation_end" => s.observation_end.is_some_and(|d| d.to_string() != fit),
            "discount_monthly" => {
                num(&r["discount_monthly"]).is_none_or(|d| (d - s.discount_monthly).abs() > 1e-12)
            }
            "customer" | "date" | "amount" if fit.is_empty() => false,
            _ => s.value(key) != fit,
        };
        if differs {
            out.push(key);
        }
    }
    out
}

/// Three lines on what is shown: the fit's own source and columns; its dates and
/// horizon; its size and when it was made. Before any fit: the settings `r` would use.
/// Each line keeps whole parts only (`fit_parts`).
fn header_lines(p: &ClvPane, w: usize, t: &Theme) -> Vec<Line<'static>> {
    let s = &p.settings;
    let period = |cal: String, obs: Option<String>| match obs {
        Some(o) => vec![format!("calibration to {cal}"), format!("holdout to {o}")],
        None => vec![format!("calibration to {cal}")],
    };
    let horizon =
        |months: String, discount: f64| format!("horizon {months} mo at {}%/mo", discount * 100.0);
    let (source, mut dates, numbers) = match &p.data {
        Data::Ready(v) => {
            let r = &v.report;
            let inputs = fit_inputs(r);
            let mut source = vec![format!("fit #{} of {}", v.fit_id, inputs[0].1)];
            if !inputs[1].1.is_empty() {
                source.push(format!(
                    "({}, {}, {})",
                    inputs[1].1, inputs[2].1, inputs[3].1
                ));
            }
            let mut dates = period(
                inputs[4].1.clone(),
                r["observation_end"].as_str().map(str::to_string),
            );
            dates.push(horizon(
                r["horizon_months"].to_string(),
                num(&r["discount_monthly"]).unwrap_or(f64::NAN),
            ));
            let mut numbers = vec![
                format!(
                    "{} customers, {} repeat",
                    amount(num(&r["customers"]).unwrap_or(0.0)),
                    amount(num(&r["repeat_customers"]).unwrap_or(0.0))
                ),
                format!("fitted {}", v.fitted_at),
            ];
            if let Some(ms) = num(&r["timings_ms"]["total"]) {
                numbers.push(format!("in {} ms", amount(ms.round())));
            }
            (source, dates, numbers)
        }
        _ => {
            let source = vec![
                format!("settings: {}", s.source),
                format!("({}, {}, {})", s.customer, s.date, s.amount),
            ];
            let dates = match s.calibration_end {
                Some(c) => period(c.to_string(), s.observation_end.map(|o| o.to_string())),
                None => vec!["calibration to the last purchase".into()],
            };
            (source, dates, Vec::new())
        }
    };
    if !matches!(p.data, Data::Ready(_)) {
        dates.push(horizon(s.horizon_months.to_string(), s.discount_monthly));
    }
    vec![
        Line::styled(fit_parts(&source, " ", w), t.get(Slot::Base)),
        Line::styled(fit_parts(&dates, " · ", w), t.get(Slot::Dim)),
        Line::styled(fit_parts(&numbers, " · ", w), t.get(Slot::Dim)),
    ]
}

/// Running, failed, or settings that differ from the fit on screen.
fn status_line(p: &ClvPane, w: usize, t: &Theme) -> Option<Line<'static>> {
    let differ = match &p.data {
        Data::Ready(v) => settings_differ(&p.settings, &v.report),
        _ => Vec::new(),
    };
    match (&p.run, &p.last_error) {
        (RunState::Running { started, .. }, _) => Some(Line::styled(
            format!(
                "Fitting… {:.1} s (progress in the status line; Esc cancels)",
                started.elapsed().as_secs_f64()
            ),
            t.get(Slot::Warning),
        )),
        (RunState::Idle, Some(e)) => Some(Line::styled(
            format!("Last fit failed: {e}"),
            t.get(Slot::Error),
        )),
        _ if !differ.is_empty() => {
            let changed: Vec<String> = differ
                .iter()
                .map(|k| format!("{k} {}", p.settings.value(k)))
                .collect();
            let lead = "settings changed — r refits: ";
            let room = w.saturating_sub(lead.chars().count());
            Some(Line::styled(
                format!("{lead}{}", fit_parts(&changed, ", ", room)),
                t.get(Slot::Warning),
            ))
        }
        _ => None,
    }
}

/// Panels below the parameter boxes, in the order they get room.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Panel {
    Holdout,
    Tracking,
    Top,
    Deciles,
    /// Deciles beside the top customers.
    Bottom,
}

/// Draws the panels that fit `area`; returns the names of those left out.
fn draw_view(v: &ClvView, row: usize, f: &mut Frame, area: Rect, t: &Theme) -> Vec<&'static str> {
    let r = &v.report;
    let mut hidden = Vec::new();
    let holdout_beside = area.width >= HOLDOUT_BESIDE;
    let params = Rect {
        height: PARAMS_H.min(area.height),
        ..area
    };
    let mut row_a = vec![Constraint::Ratio(1, 2), Constraint::Ratio(1, 2)];
    if holdout_beside {
        row_a = vec![
            Constraint::Length(27),
            Constraint::Length(27),
            Constraint::Min(20),
        ];
    }
    let a = Layout::default()
        .direction(Direction::Horizontal)
        .constraints(row_a)
        .split(params);
    draw_params(r, false, f, a[0], t);
    draw_params(r, true, f, a[1], t);
    if holdout_beside {
        draw_holdout(r, f, a[2], t);
    }

    // What is left, by priority: the top customers first (with the deciles beside
    // them when wide), then tracking, then the holdout and the deciles on their own.
    let mut rest = area.height.saturating_sub(PARAMS_H);
    let wide = area.width >= DECILES_BESIDE;
    let wanted: Vec<(Panel, u16)> = if wide {
        vec![
            (Panel::Bottom, TABLE_MIN_H),
            (Panel::Tracking, TRACKING_H),
            (Panel::Holdout, HOLDOUT_H),
        ]
    } else {
        vec![
            (Panel::Top, TABLE_MIN_H),
            (Panel::Tracking, TRACKING_H),
            (Panel::Deciles, 13),
            (Panel::Holdout, HOLDOUT_H),
        ]
    };
    let mut shown = Vec::new();
    for (panel, h) in wanted {
        if panel == Panel::Holdout && holdout_beside {
            continue;
        }
        if rest >= h {
            rest -= h;
            shown.push((panel, h));
        } else {
            hidden.push(match panel {
                Panel::Holdout => "holdout",
                Panel::Tracking => "tracking",
                Panel::Top => "top customers",
                Panel::Deciles => "CLV by decile",
                Panel::Bottom => "top customers, CLV by decile",
            });
        }
    }
    // Screen order: holdout, tracking, then the tables; the first table takes the rest.
    let order = [
        Panel::Holdout,
        Panel::Tracking,
        Panel::Deciles,
        Panel::Top,
        Panel::Bottom,
    ];
    shown.sort_by_key(|(p, _)| order.iter().position(|o| o == p));
    let flexible = shown
        .iter()
        .position(|(p, _)| matches!(p, Panel::Top | Panel::Bottom));
    let constraints: Vec<Constraint> = shown
        .iter()
        .enumerate()
        .map(|(i, (_, h))| {
            if Some(i) == flexible {
                Constraint::Min(*h)
            } else {
                Constraint::Length(*h)
            }
        })
        .collect();
    let below = Rect {
        y: area.y + params.height,
        height: area.height.saturating_sub(params.height),
        ..area
    };
    let parts = Layout::default()
        .direction(Direction::Vertical)
        .constraints(constraints)
        .split(below);
    for ((panel, _), rect) in shown.iter().zip(parts.iter()) {
        match panel {
            Panel::Holdout => draw_holdout(r, f, *rect, t),
            Panel::Tracking => draw_tracking(r, f, *rect, t),
            Panel::Top => draw_top(v, row, f, *rect, t),
            Panel::Deciles => draw_deciles(r, f, *rect, t),
            Panel::Bottom => {
                let b = Layout::default()
                    .direction(Direction::Horizontal)
                    .constraints([Constraint::Length(DECILES_W), Constraint::Min(20)])
                    .split(*rect);
                draw_deciles(r, f, b[0], t);
                draw_top(v, row, f, b[1], t);
            }
        }
    }
    hidden
}

/// The parameter table's columns.
pub const PARAM_COLUMNS: [Column; 3] = [
    Column::text("", 3),
    Column::number("estimate", "est"),
    Column::number("± SE", "SE"),
];

/// Rows of one model's parameter table (BG/NBD, or Gamma-Gamma with the CLV sum).
pub fn param_rows(r: &Value, spend: bool) -> Result<Vec<Vec<Cell>>, String> {
    let (model, keys, err): (&Value, &[&str], &str) = if spend {
        (&r["gamma_gamma"], &["p", "q", "v"], "gamma_gamma_error")
    } else {
        (&r["bgnbd"], &["r", "alpha", "a", "b"], "bgnbd_error")
    };
    if model.is_null() {
        return Err(r[err].as_str().unwrap_or("not fitted").to_string());
    }
    let mut rows: Vec<Vec<Cell>> = keys
        .iter()
        .map(|k| {
            vec![
                Cell::text(*k),
                Cell::opt_number(num(&model[*k]).map(est)),
                Cell::opt_number(num(&model["se"][*k]).map(est)),
            ]
        })
        .collect();
    rows.push(vec![
        Cell::text("LL"),
        Cell::opt_number(
            num(&model["log_likelihood"]).map(|x| group_thousands(&format!("{x:.4}"))),
        ),
        Cell::Blank,
    ]);
    if spend {
        rows.push(vec![
            Cell::text("CLV sum"),
            Cell::opt_number(num(&r["clv_total"]).map(amount)),
            Cell::Blank,
        ]);
    }
    Ok(rows)
}

fn draw_params(r: &Value, spend: bool, f: &mut Frame, area: Rect, t: &Theme) {
    let title = if spend { "Gamma-Gamma" } else { "BG/NBD" };
    let block = boxed(format!("{title} ± SE"), t);
    match param_rows(r, spend) {
        Ok(rows) => f.render_widget(FitTable::new(&PARAM_COLUMNS, &rows, t).block(block), area),
        Err(reason) => f.render_widget(
            Paragraph::new(Line::styled(
                reason,
                t.get(if spend { Slot::Warning } else { Slot::Error }),
            ))
            .block(block)
            .wrap(Wrap { trim: true }),
            area,
        ),
    }
}

fn draw_holdout(r: &Value, f: &mut Frame, area: Rect, t: &Theme) {
    let h = &r["holdout"];
    let Some(buckets) = h["by_frequency"].as_array() else {
        f.render_widget(
            Paragraph::new(Line::styled(
                "No holdout: set a calibration end before the last purchase (e).",
                t.get(Slot::Dim),
            ))
            .block(boxed("holdout".into(), t))
            .wrap(Wrap { trim: true }),
            area,
        );
        return;
    };
    let (weeks, actual, predicted) = (
        num(&h["weeks"]).unwrap_or(0.0),
        amount(num(&h["actual"]).unwrap_or(0.0)),
        amount(num(&h["predicted"]).unwrap_or(0.0).round()),
    );
    let title = title_for(
        &[
            format!(
                "holdout {weeks:.1} weeks: repeat purchases actual {actual} (left) vs predicted {predicted} (right)"
            ),
            format!("holdout {weeks:.1} wk: actual {actual} vs predicted {predicted}"),
            format!("holdout: actual {actual} vs predicted {predicted}"),
            "holdout: actual vs predicted".into(),
            "holdout".into(),
        ],
        area.width,
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
                amount(num(&b["actual"]).unwrap_or(0.0).round()),
                amount(num(&b["predicted"]).unwrap_or(0.0).round())
            )
        })
        .collect();
    let n = groups.len().max(1) as u16;
    let bar_w = (area.width.saturating_sub(2) / n)
        .saturating_sub(2)
        .clamp(1, 14)
        / 2;
    let bottom = fit_parts(&values, " ", usize::from(area.width.saturating_sub(4)));
    let mut chart = BarChart::default()
        .block(boxed(title, t).title_bottom(Line::styled(format!(" {bottom} "), t.get(Slot::Dim))))
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
            .map_or("–".into(), |x| fit_number(&amount(x.round()), 11))
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
    let start = tr["start"].as_str().unwrap_or("?");
    let week = &tr["calibration_week"];
    let title = title_for(
        &[
            format!(
                "cumulative repeat purchases per week from {start} (calibration ends week {week})"
            ),
            format!("cumulative repeat purchases from {start} (calibration to week {week})"),
            format!("cumulative repeat purchases from {start}"),
            "tracking".into(),
        ],
        area.width,
    );
    f.render_widget(Paragraph::new(lines).block(boxed(title, t)), area);
}

/// The CLV-by-decile table's columns.
pub const DECILE_COLUMNS: [Column; 3] = [
    Column::number("decile", "#"),
    Column::number("mean CLV", "CLV"),
    Column::bar("", 4, 40),
];

/// Rows of the CLV-by-decile table.
pub fn decile_rows(r: &Value) -> Vec<Vec<Cell>> {
    let d: Vec<f64> = r["clv_mean_by_decile"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_f64()).collect())
        .unwrap_or_default();
    let max = d.iter().copied().fold(0.0f64, f64::max);
    d.iter()
        .enumerate()
        .map(|(i, v)| {
            vec![
                Cell::number((i + 1).to_string()),
                Cell::number(amount(v.round())),
                Cell::Bar(if max > 0.0 { v / max } else { 0.0 }),
            ]
        })
        .collect()
}

fn draw_deciles(r: &Value, f: &mut Frame, area: Rect, t: &Theme) {
    let rows = decile_rows(r);
    let block = boxed("mean CLV by decile".into(), t);
    if rows.is_empty() {
        f.render_widget(
            Paragraph::new(Line::styled(
                "no CLV (spend model not fitted)",
                t.get(Slot::Dim),
            ))
            .block(block),
            area,
        );
        return;
    }
    f.render_widget(FitTable::new(&DECILE_COLUMNS, &rows, t).block(block), area);
}

/// The top-customers table's columns.
pub const TOP_COLUMNS: [Column; 6] = [
    Column::text("customer", 6),
    Column::number("x", "x"),
    Column::number("P(alive)", "P"),
    Column::number("E[purchases]", "E[n]"),
    Column::number("E[spend]", "E[$]"),
    Column::number("CLV", "CLV"),
];

/// Rows of the top-customers table.
pub fn top_rows(v: &ClvView) -> Vec<Vec<Cell>> {
    let opt = |x: Option<f64>, digits: usize| {
        Cell::opt_number(x.map(|x| {
            if digits == 0 {
                amount(x.round())
            } else {
                format!("{x:.digits$}")
            }
        }))
    };
    v.top
        .iter()
        .map(|c| {
            vec![
                Cell::text(c.customer.clone()),
                Cell::number(amount(c.frequency as f64)),
                opt(c.p_alive, 3),
                opt(c.expected_purchases, 2),
                opt(c.expected_spend, 0),
                opt(c.clv, 0),
            ]
        })
        .collect()
}

fn draw_top(v: &ClvView, row: usize, f: &mut Frame, area: Rect, t: &Theme) {
    let rows = top_rows(v);
    let title = title_for(
        &[
            format!("top {} customers by CLV", rows.len()),
            "top customers".into(),
        ],
        area.width,
    );
    f.render_widget(
        FitTable::new(&TOP_COLUMNS, &rows, t)
            .selected(Some(row))
            .block(boxed(title, t)),
        area,
    );
}
