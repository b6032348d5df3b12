//! Big numbers, tables, gauges and the cohort heatmap.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Gauge, Widget};
use unicode_width::UnicodeWidthStr;

use super::super::model::{MaxRole, ValueFormat, Widget as Def};
use super::super::query::{ColKind, Data};
use super::series::{fit_value, value_columns, value_text, x_column};
use super::{center_at, text_at};
use crate::tui::theme::{Slot, Theme};
use crate::tui::widgets::grid::fit;

/// The value (last row), its change against the previous period (the `previous`
/// column, else the row before), and a sparkline of every row when there are several.
pub fn number(
    buf: &mut Buffer,
    area: Rect,
    def: &Def,
    data: &Data,
    theme: &Theme,
) -> Result<Option<String>, String> {
    let x = if data.rows > 1 || def.roles.x.is_some() {
        Some(x_column(data, &def.roles)?)
    } else {
        None
    };
    let mut skip: Vec<&str> = x.iter().map(|c| c.name.as_str()).collect();
    if let Some(p) = &def.roles.previous {
        skip.push(p.as_str());
    }
    let v = value_columns(data, &def.roles, &skip)?[0];
    let Some(last_row) = (0..data.rows).rev().find(|r| v.nums[*r].is_some()) else {
        center_at(
            buf,
            area,
            area.y + area.height / 2,
            "no value",
            theme.get(Slot::Dim),
        );
        return Ok(None);
    };
    let value = v.nums[last_row].unwrap_or(0.0);
    let previous = match &def.roles.previous {
        Some(p) => data.column(p)?.nums[last_row],
        None => (0..last_row).rev().find_map(|r| v.nums[r]),
    };
    let mid = area.y + area.height.saturating_sub(2) / 2;
    let big = fit_value(value, def.format, usize::from(area.width));
    center_at(buf, area, mid, &big, theme.get(Slot::Title));
    let delta_line = match previous {
        Some(p) => {
            let d = value - p;
            let arrow = if d > 0.0 {
                "▲"
            } else if d < 0.0 {
                "▼"
            } else {
                "="
            };
            let change = match def.format {
                ValueFormat::Percent => format!("{:+.1} pts", d * 100.0),
                ValueFormat::Number if p != 0.0 => format!("{:+.1}%", d / p.abs() * 100.0),
                ValueFormat::Number => value_text(d, def.format),
            };
            let since = x
                .and_then(|c| {
                    let prev_row = if def.roles.previous.is_some() {
                        None
                    } else {
                        (0..last_row).rev().find(|r| v.nums[*r].is_some())
                    };
                    prev_row.and_then(|r| c.text[r].clone())
                })
                .unwrap_or_else(|| "previous period".to_string());
            let style = if d > 0.0 {
                theme.get(Slot::Success)
            } else if d < 0.0 {
                theme.get(Slot::Error)
            } else {
                theme.get(Slot::Dim)
            };
            Some((
                format!(
                    "{arrow} {change} vs {since} ({})",
                    value_text(p, def.format)
                ),
                style,
            ))
        }
        None => Some(("no previous period".to_string(), theme.get(Slot::Dim))),
    };
    if let Some((t, style)) = delta_line
        && mid + 1 < area.bottom()
    {
        center_at(
            buf,
            area,
            mid + 1,
            &fit(&t, usize::from(area.width), false),
            style,
        );
    }
    if data.rows > 1 && mid + 2 < area.bottom() {
        let vals: Vec<Option<f64>> = v.nums.clone();
        let w = usize::from(area.width).min(40);
        let s = crate::tui::widgets::sparkline::sparkline(&vals, w);
        center_at(buf, area, mid + 2, &s, theme.get(Slot::GridSparkline));
    }
    let label = x.and_then(|c| c.text[last_row].clone());
    Ok(label.map(|l| {
        if data.rows > area.width.into() {
            format!("latest: {l} · {} periods, mean per cell", data.rows)
        } else {
            format!("latest: {l}")
        }
    }))
}

/// Rows under a header; numbers right-aligned and shortened, never cut. The
/// pane sorts [`Data`] itself ([`sort`]); this draws what it gets.
pub fn table(
    buf: &mut Buffer,
    area: Rect,
    def: &Def,
    data: &Data,
    sorted_by: Option<(usize, bool)>,
    theme: &Theme,
) -> Result<Option<String>, String> {
    let cols: Vec<usize> = if def.roles.columns.is_empty() {
        (0..data.columns.len()).collect()
    } else {
        def.roles
            .columns
            .iter()
            .map(|n| {
                data.column(n).map(|c| {
                    data.columns
                        .iter()
                        .position(|d| std::ptr::eq(d, c))
                        .unwrap_or(0)
                })
            })
            .collect::<Result<_, _>>()?
    };
    if cols.is_empty() || area.height == 0 {
        return Ok(None);
    }
    let body_rows = usize::from(area.height - 1).min(data.rows);
    // Natural widths from the header and the rows shown; squeeze evenly.
    let mut widths: Vec<usize> = cols
        .iter()
        .map(|&c| {
            let col = &data.columns[c];
            (0..body_rows)
                .map(|r| col.text[r].as_deref().unwrap_or("NULL").width())
                .chain(std::iter::once(col.name.width() + 1))
                .max()
                .unwrap_or(1)
        })
        .collect();
    let room = usize::from(area.width).saturating_sub(cols.len().saturating_sub(1));
    while widths.iter().sum::<usize>() > room {
        let Some((i, _)) = widths.iter().enumerate().max_by_key(|(_, w)| **w) else {
            break;
        };
        if widths[i] <= 3 {
            break;
        }
        widths[i] -= 1;
    }
    let mut x = area.x;
    for (i, &c) in cols.iter().enumerate() {
        let w = widths[i] as u16;
        if x >= area.right() {
            break;
        }
        let w = w.min(area.right() - x);
        let col = &data.columns[c];
        let marker = match sorted_by {
            Some((s, false)) if s == c => "▲",
            Some((s, true)) if s == c => "▼",
            _ => "",
        };
        let numeric = col.kind == ColKind::Number;
        let head_text = format!("{}{marker}", col.name);
        let head = fit(&head_text, usize::from(w), numeric);
        text_at(buf, x, area.y, &head, w, theme.get(Slot::GridHeader));
        for r in 0..body_rows {
            let y = area.y + 1 + r as u16;
            let (t, style) = match &col.text[r] {
                None => ("NULL".to_string(), theme.get(Slot::GridNull)),
                Some(t) if numeric => {
                    let t = match (def.format, col.nums[r]) {
                        (ValueFormat::Percent, Some(v)) => value_text(v, def.format),
                        _ => t.clone(),
                    };
                    (
                        crate::engine::format::fit_number(&t, usize::from(w)),
                        theme.get(Slot::GridNumber),
                    )
                }
                Some(t) => (t.clone(), theme.get(Slot::GridCell)),
            };
            let t = fit(&t, usize::from(w), numeric);
            text_at(buf, x, y, &t, w, style);
        }
        x += w + 1;
    }
    Ok((data.rows > body_rows).then(|| format!("{body_rows} of {} rows", data.rows)))
}

/// Sorts the rows of `data` by column `col` (NULLs last), numbers as numbers.
pub fn sort(data: &mut Data, col: usize, descending: bool) {
    let Some(key) = data.columns.get(col) else {
        return;
    };
    let mut order: Vec<usize> = (0..data.rows).collect();
    let numeric = key.kind != ColKind::Text;
    order.sort_by(|&a, &b| {
        use std::cmp::Ordering;
        let ord = if numeric {
            match (key.nums[a], key.nums[b]) {
                (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
                (Some(_), None) => return Ordering::Less,
                (None, Some(_)) => return Ordering::Greater,
                (None, None) => Ordering::Equal,
            }
        } else {
            match (&key.text[a], &key.text[b]) {
                (Some(x), Some(y)) => x.cmp(y),
                (Some(_), None) => return Ordering::Less,
                (None, Some(_)) => return Ordering::Greater,
                (None, None) => Ordering::Equal,
            }
        };
        if descending { ord.reverse() } else { ord }
    });
    for c in &mut data.columns {
        c.nums = order.iter().map(|&i| c.nums[i]).collect();
        c.text = order.iter().map(|&i| c.text[i].clone()).collect();
    }
}

/// The value of the first row against `max` (a column, a number, default 1).
pub fn gauge(
    buf: &mut Buffer,
    area: Rect,
    def: &Def,
    data: &Data,
    theme: &Theme,
) -> Result<Option<String>, String> {
    let skip: Vec<&str> = match &def.roles.max {
        Some(MaxRole::Column(c)) => vec![c.as_str()],
        _ => vec![],
    };
    let v = value_columns(data, &def.roles, &skip)?[0];
    let Some(value) = v.nums.first().copied().flatten() else {
        center_at(
            buf,
            area,
            area.y + area.height / 2,
            "no value",
            theme.get(Slot::Dim),
        );
        return Ok(None);
    };
    let max = match &def.roles.max {
        Some(MaxRole::Column(c)) => data
            .column(c)?
            .nums
            .first()
            .copied()
            .flatten()
            .unwrap_or(0.0),
        Some(MaxRole::Value(m)) => *m,
        None => 1.0,
    };
    let ratio = if max > 0.0 {
        (value / max).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let label = if def.roles.max.is_none() && def.format == ValueFormat::Percent {
        value_text(value, def.format)
    } else {
        format!(
            "{} / {} ({:.1}%)",
            value_text(value, def.format),
            value_text(max, def.format),
            ratio * 100.0
        )
    };
    let h = area.height.min(3);
    let g_area = Rect {
        y: area.y + (area.height - h) / 2,
        height: h,
        ..area
    };
    Gauge::default()
        .ratio(ratio)
        .label(fit(&label, usize::from(area.width), false).into_owned())
        .gauge_style(theme.get(Slot::Success))
        .render(g_area, buf);
    Ok(None)
}

const SHADES: [char; 5] = ['·', '░', '▒', '▓', '█'];

/// Cohorts (the `x` column) down, periods since (the `column` column) across,
/// each cell a shade for its value within the widget's range and the value.
pub fn heatmap(
    buf: &mut Buffer,
    area: Rect,
    def: &Def,
    data: &Data,
    theme: &Theme,
) -> Result<Option<String>, String> {
    let row_col = x_column(data, &def.roles)?;
    let per_col = data.column(def.roles.column.as_deref().unwrap_or(""))?;
    let skip = [row_col.name.as_str(), per_col.name.as_str()];
    let val = value_columns(data, &def.roles, &skip)?[0];
    let mut cohorts: Vec<String> = Vec::new();
    let mut periods: Vec<i64> = Vec::new();
    for r in 0..data.rows {
        let c = row_col.text[r].clone().unwrap_or_else(|| "NULL".into());
        if !cohorts.contains(&c) {
            cohorts.push(c);
        }
        if let Some(p) = per_col.nums[r] {
            let p = p as i64;
            if !periods.contains(&p) {
                periods.push(p);
            }
        }
    }
    periods.sort_unstable();
    if cohorts.is_empty() {
        return Ok(Some("no rows".into()));
    }
    let cells: std::collections::HashMap<(usize, i64), f64> = (0..data.rows)
        .filter_map(|r| {
            let c = cohorts
                .iter()
                .position(|x| Some(x.as_str()) == row_col.text[r].as_deref().or(Some("NULL")))?;
            Some(((c, per_col.nums[r]? as i64), val.nums[r]?))
        })
        .collect();
    // Shades by rank among all cells: a first period that is always 100%
    // (retention) would otherwise leave every other cell the lightest shade.
    let mut sorted: Vec<f64> = cells.values().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let (lo, hi) = cells
        .values()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    let label_w = cohorts.iter().map(|c| c.width()).max().unwrap_or(4).min(12) as u16;
    let cell_w: u16 = 6;
    let fit_cols = (area.width.saturating_sub(label_w + 1) / cell_w) as usize;
    let shown_cols = periods.len().min(fit_cols);
    let fit_rows = usize::from(area.height.saturating_sub(1));
    let shown_rows = cohorts.len().min(fit_rows);
    // Header: periods since the start.
    for (j, p) in periods.iter().take(shown_cols).enumerate() {
        let label = format!("+{p}");
        let t = fit(&label, usize::from(cell_w - 1), true);
        text_at(
            buf,
            area.x + label_w + 1 + j as u16 * cell_w,
            area.y,
            &t,
            cell_w - 1,
            theme.get(Slot::GridHeader),
        );
    }
    for (i, cohort) in cohorts.iter().take(shown_rows).enumerate() {
        let y = area.y + 1 + i as u16;
        text_at(
            buf,
            area.x,
            y,
            &fit(cohort, usize::from(label_w), false),
            label_w,
            theme.get(Slot::Base),
        );
        for (j, p) in periods.iter().take(shown_cols).enumerate() {
            let x = area.x + label_w + 1 + j as u16 * cell_w;
            let Some(v) = cells.get(&(i, *p)) else {
                continue;
            };
            let level = shade_level(&sorted, *v);
            buf[(x, y)]
                .set_char(SHADES[level.min(4)])
                .set_style(theme.get(Slot::GridSparkline));
            let t = fit_value(*v, def.format, usize::from(cell_w - 2));
            let t = fit(&t, usize::from(cell_w - 2), true);
            text_at(buf, x + 1, y, &t, cell_w - 2, theme.get(Slot::Number));
        }
    }
    let mut note = Vec::new();
    if shown_rows < cohorts.len() {
        note.push(format!("{shown_rows} of {} cohorts", cohorts.len()));
    }
    if shown_cols < periods.len() {
        note.push(format!("{shown_cols} of {} periods", periods.len()));
    }
    if lo.is_finite() {
        note.push(format!(
            "· shade by rank: {} · ░ ▒ ▓ █ {}",
            value_text(lo, def.format),
            value_text(hi, def.format)
        ));
    }
    Ok(Some(note.join(" ")))
}

/// The shade (0-4) of `v`: its rank among the `sorted` values (ties take the
/// highest rank), in fifths; the largest value is always the darkest.
fn shade_level(sorted: &[f64], v: f64) -> usize {
    if sorted.len() < 2 {
        return 4;
    }
    let rank = sorted.partition_point(|x| *x <= v).saturating_sub(1);
    ((rank as f64 / (sorted.len() - 1) as f64) * 4.0).round() as usize
}
