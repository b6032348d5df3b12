//! Drawing the Segments tab: the segment list, the rule tree and the preview, side by side.

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{Focus, PreviewState, SegmentsPane};
use crate::engine::format::{amount, group_thousands};
use crate::segments::preview::Preview;
use crate::tui::panes::has_room;
use crate::tui::theme::{Slot, Theme};

pub const MIN_SIZE: (u16, u16) = (60, 10);

fn block<'a>(title: String, focused: bool, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title, theme.get(Slot::Title)))
        .border_style(theme.get(if focused {
            Slot::BorderFocused
        } else {
            Slot::Border
        }))
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn opt(x: Option<f64>) -> String {
    x.map(|v| {
        if v.abs() < 10.0 {
            format!("{v:.3}")
        } else {
            amount(v)
        }
    })
    .unwrap_or_else(|| "–".into())
}

pub fn draw(p: &mut SegmentsPane, f: &mut Frame, area: Rect, theme: &Theme) {
    if !has_room(f, area, "The Segments tab", MIN_SIZE, theme) {
        return;
    }
    f.buffer_mut().set_style(area, theme.get(Slot::Base));
    let list_w = 24.min(area.width / 4).max(14);
    let cols = Layout::default()
        .direction(Direction::Horizontal)
        .constraints([
            Constraint::Length(list_w),
            Constraint::Percentage(45),
            Constraint::Min(20),
        ])
        .split(area);
    draw_list(p, f, cols[0], theme);
    draw_tree(p, f, cols[1], theme);
    draw_preview(p, f, cols[2], theme);
}

fn draw_list(p: &SegmentsPane, f: &mut Frame, area: Rect, theme: &Theme) {
    let focused = p.focus == Focus::List;
    let b = block(format!("Segments ({})", p.entries.len()), focused, theme);
    let inner = b.inner(area);
    f.render_widget(b, area);
    if p.entries.is_empty() {
        f.render_widget(
            Paragraph::new("No segments yet: n creates one")
                .style(theme.get(Slot::Dim))
                .wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let h = usize::from(inner.height);
    let start = p.selected.saturating_sub(h.saturating_sub(1));
    let lines: Vec<Line> = p
        .entries
        .iter()
        .enumerate()
        .skip(start)
        .take(h)
        .map(|(i, e)| {
            let mark = if e.seg.is_err() { "! " } else { "  " };
            let style = if i == p.selected {
                theme.get(if focused {
                    Slot::GridSelected
                } else {
                    Slot::GridSelectedRow
                })
            } else if e.seg.is_err() {
                theme.get(Slot::Error)
            } else {
                theme.get(Slot::Base)
            };
            Line::from(Span::styled(format!("{mark}{}", e.name), style))
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

fn draw_tree(p: &SegmentsPane, f: &mut Frame, area: Rect, theme: &Theme) {
    let focused = p.focus == Focus::Tree;
    let title = match p.current() {
        Some(e) => format!("Rule · {}", e.name),
        None => "Rule".into(),
    };
    let b = block(title, focused, theme);
    let inner = b.inner(area);
    f.render_widget(b, area);
    let Some(entry) = p.current() else { return };
    let seg = match &entry.seg {
        Ok(s) => s,
        Err(e) => {
            f.render_widget(
                Paragraph::new(format!(
                    "This file cannot be read:\n{e}\n\nFix it in an editor; R reloads."
                ))
                .style(theme.get(Slot::Error))
                .wrap(Wrap { trim: false }),
                inner,
            );
            return;
        }
    };
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "{} by {} · as of {}",
            seg.profile,
            seg.identity,
            match seg.as_of {
                crate::segments::model::AsOf::Latest => "latest".to_string(),
                crate::segments::model::AsOf::Today => "today".to_string(),
                crate::segments::model::AsOf::Date(d) => d.to_string(),
            }
        ),
        theme.get(Slot::Dim),
    ))];
    if let Some(d) = &seg.description {
        lines.push(Line::from(Span::styled(
            d.clone(),
            theme.get(Slot::Comment),
        )));
    }
    let head = lines.len();
    let rows = p.rows();
    let h = usize::from(inner.height).saturating_sub(head);
    let start = p.row.saturating_sub(h.saturating_sub(1));
    for (i, r) in rows.iter().enumerate().skip(start).take(h) {
        let cursor = i == p.row && focused;
        let text = format!(
            "{}{} {}",
            "  ".repeat(r.depth),
            if cursor { "▸" } else { " " },
            r.text
        );
        let style = if i == p.row {
            theme.get(if focused {
                Slot::GridSelected
            } else {
                Slot::GridSelectedRow
            })
        } else if r.text.starts_with("ALL")
            || r.text.starts_with("ANY")
            || r.text.starts_with("NOT ALL")
            || r.text.starts_with("NOT ANY")
        {
            theme.get(Slot::Keyword)
        } else {
            theme.get(Slot::Base)
        };
        lines.push(Line::from(Span::styled(text, style)));
    }
    // A long condition wraps rather than being cut.
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

fn preview_lines(pv: &Preview) -> Vec<(String, Slot)> {
    let mut out = Vec::new();
    match &pv.estimate {
        None => out.push((
            format!("{} members", group_thousands(&pv.count.to_string())),
            Slot::Title,
        )),
        Some(e) => {
            out.push((
                format!(
                    "≈ {} members (sampled)",
                    group_thousands(&pv.count.to_string())
                ),
                Slot::Title,
            ));
            out.push((
                format!(
                    "95% CI {} – {} from {} sampled profiles; X counts exactly",
                    group_thousands(&format!("{:.0}", e.low)),
                    group_thousands(&format!("{:.0}", e.high)),
                    group_thousands(&e.sampled.to_string())
                ),
                Slot::Warning,
            ));
        }
    }
    out.push((
        format!(
            "{} of {} profiles",
            pct(pv.share_profiles),
            group_thousands(&pv.population.to_string())
        ),
        Slot::Base,
    ));
    out.push((
        format!(
            "revenue {} · predicted CLV {}",
            pv.share_revenue.map(pct).unwrap_or_else(|| "–".into()),
            pv.share_clv.map(pct).unwrap_or_else(|| "–".into())
        ),
        Slot::Base,
    ));
    out.push((String::new(), Slot::Base));
    out.push((
        format!("{:<19}{:>10}{:>10}", "", "segment", "all"),
        Slot::GridHeader,
    ));
    for m in &pv.metrics {
        out.push((
            format!(
                "{:<19}{:>10}{:>10}",
                m.name,
                opt(m.segment),
                opt(m.population)
            ),
            Slot::Base,
        ));
    }
    if let Some((col, rows)) = &pv.mix {
        out.push((String::new(), Slot::Base));
        out.push((format!("{col}: segment / all"), Slot::GridHeader));
        for (v, m, n) in rows {
            out.push((
                format!(
                    "  {v:<15}{:>10}{:>10}",
                    amount(*m as f64),
                    amount(*n as f64)
                ),
                Slot::Base,
            ));
        }
    }
    if !pv.deciles.is_empty() {
        out.push((String::new(), Slot::Base));
        out.push(("CLV deciles (1 = top)".into(), Slot::GridHeader));
        let max = pv.deciles.iter().map(|d| d.1).max().unwrap_or(1).max(1);
        for (d, n) in &pv.deciles {
            let bar = "█".repeat(((*n as f64 / max as f64) * 12.0).round() as usize);
            out.push((
                format!("  D{d:<3}{:>9} {bar}", amount(*n as f64)),
                Slot::Base,
            ));
        }
    }
    if !pv.overlaps.is_empty() {
        out.push((String::new(), Slot::Base));
        out.push(("overlap: both / other / Jaccard".into(), Slot::GridHeader));
        for o in &pv.overlaps {
            match &o.result {
                Ok(c) => out.push((
                    format!(
                        "  {:<18}{:>9}{:>9}{:>7.1}%",
                        o.name,
                        amount(c.both as f64),
                        amount(c.other as f64),
                        c.jaccard_pct
                    ),
                    Slot::Base,
                )),
                Err(_) => out.push((format!("  {:<18} (does not compile)", o.name), Slot::Dim)),
            }
        }
    }
    if !pv.members.is_empty() {
        out.push((String::new(), Slot::Base));
        out.push((
            format!(
                "members (first {}): {}",
                pv.members.len(),
                pv.member_columns.join(" | ")
            ),
            Slot::GridHeader,
        ));
        for r in &pv.members {
            out.push((format!("  {}", r.join(" | ")), Slot::Base));
        }
    }
    out.push((format!("({} ms)", pv.elapsed.as_millis()), Slot::Dim));
    out
}

fn draw_preview(p: &SegmentsPane, f: &mut Frame, area: Rect, theme: &Theme) {
    let b = block("Preview".into(), false, theme);
    let inner = b.inner(area);
    f.render_widget(b, area);
    let (lines, wrap): (Vec<Line>, bool) = match &p.preview {
        PreviewState::Idle => (
            vec![Line::from(Span::styled(
                "(no preview)",
                theme.get(Slot::Dim),
            ))],
            true,
        ),
        PreviewState::Running { started, .. } => (
            vec![Line::from(Span::styled(
                format!(
                    "previewing… {:.1} s (Esc cancels)",
                    started.elapsed().as_secs_f64()
                ),
                theme.get(Slot::StatusBusy),
            ))],
            true,
        ),
        PreviewState::Invalid(e) => (
            vec![
                Line::from(Span::styled("The rule cannot run:", theme.get(Slot::Error))),
                Line::from(Span::styled(e.clone(), theme.get(Slot::Error))),
            ],
            true,
        ),
        PreviewState::Failed(e) => (
            vec![Line::from(Span::styled(
                format!("failed: {e}"),
                theme.get(Slot::Error),
            ))],
            true,
        ),
        PreviewState::Ready(pv) => (
            preview_lines(pv)
                .into_iter()
                .map(|(t, s)| Line::from(Span::styled(t, theme.get(s))))
                .collect(),
            true,
        ),
    };
    let mut para = Paragraph::new(lines).scroll((p.preview_scroll, 0));
    if wrap {
        para = para.wrap(Wrap { trim: false });
    }
    f.render_widget(para, inner);
}
