//! Sparklines, bars and lines, drawn cell by cell into a buffer (lines through
//! ratatui's `Chart`). Each returns the legend note it wants under the chart
//! (how points were downsampled, what was left out), or an error for the box.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::symbols::Marker;
use ratatui::text::Span;
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, LegendPosition, Widget};
use unicode_width::UnicodeWidthStr;

use super::super::model::Widget as Def;
use super::super::query::{ColKind, Data};
use super::series::{downsample, fit_value, series_set};
use super::{series_style, text_at};
use crate::tui::theme::{Slot, Theme};
use crate::tui::widgets::grid::fit;

const SPARKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// One line per series: label, the series in eighth-blocks, the last value.
/// More points than cells are averaged per cell (the note says so).
pub fn sparklines(
    buf: &mut Buffer,
    area: Rect,
    def: &Def,
    data: &Data,
    theme: &Theme,
) -> Result<Option<String>, String> {
    let set = series_set(data, &def.roles)?;
    if set.categories.is_empty() {
        return Ok(Some("no rows".into()));
    }
    let label_w = set
        .series
        .iter()
        .map(|(n, _)| n.width())
        .max()
        .unwrap_or(0)
        .min(usize::from(area.width) / 3)
        .min(16) as u16;
    let value_w: u16 = 9.min(area.width / 4);
    let spark_w = area.width.saturating_sub(label_w + value_w + 2);
    let rows = usize::from(area.height);
    let shown = if set.series.len() > rows {
        rows.saturating_sub(1)
    } else {
        set.series.len()
    };
    let mut downsampled = false;
    // Each line on its own scale: a sparkline shows a series' shape; its last
    // value (right) gives its size.
    for (i, (name, values)) in set.series.iter().take(shown).enumerate() {
        let (lo, hi) = values
            .iter()
            .flatten()
            .copied()
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
        let y = area.y + i as u16;
        let style = series_style(theme, i);
        text_at(
            buf,
            area.x,
            y,
            &fit(name, usize::from(label_w), false),
            label_w,
            theme.get(Slot::Base),
        );
        let buckets = downsample(values, usize::from(spark_w));
        downsampled |= values.len() > usize::from(spark_w);
        for (j, b) in buckets.iter().enumerate() {
            let ch = match b {
                Some(b) if hi > lo => {
                    let idx = ((b.mean - lo) / (hi - lo) * 7.0).round() as usize;
                    SPARKS[idx.min(7)]
                }
                Some(_) => SPARKS[3],
                None => ' ',
            };
            let x = area.x + label_w + 1 + j as u16;
            buf[(x, y)].set_char(ch).set_style(style);
        }
        if let Some(last) = values.iter().rev().flatten().next() {
            let t = fit_value(*last, def.format, usize::from(value_w));
            let w = t.width() as u16;
            text_at(buf, area.right() - w, y, &t, w, theme.get(Slot::Number));
        }
    }
    let mut note = Vec::new();
    if shown < set.series.len() {
        note.push(format!("+{} more series", set.series.len() - shown));
    }
    if downsampled {
        note.push(format!("{} points, mean per cell", set.categories.len()));
    }
    if set.series.len() > 1 {
        note.push("each line its own scale".into());
    }
    Ok(Some(note.join(" · ")))
}

/// Bars, vertical (default) or horizontal; several series are grouped.
pub fn bars(
    buf: &mut Buffer,
    area: Rect,
    def: &Def,
    data: &Data,
    theme: &Theme,
) -> Result<Option<String>, String> {
    let set = series_set(data, &def.roles)?;
    if set.categories.is_empty() {
        return Ok(Some("no rows".into()));
    }
    let (lo, hi) = set.range().unwrap_or((0.0, 0.0));
    let (lo, hi) = (lo.min(0.0), hi.max(0.0));
    let k = set.series.len();
    let legend = if k > 1 {
        Some(
            set.series
                .iter()
                .enumerate()
                .map(|(i, (n, _))| (format!("■ {n}  "), series_style(theme, i)))
                .collect::<Vec<_>>(),
        )
    } else {
        None
    };
    let mut area = area;
    if let Some(items) = &legend {
        let mut x = area.x;
        for (t, s) in items {
            let w = (t.width() as u16).min(area.right().saturating_sub(x));
            text_at(buf, x, area.y, t, w, *s);
            x += w;
        }
        area.y += 1;
        area.height = area.height.saturating_sub(1);
    }
    if def.horizontal {
        horizontal_bars(buf, area, def, &set, (lo, hi), theme)
    } else {
        vertical_bars(buf, area, def, &set, (lo, hi), theme)
    }
}

fn horizontal_bars(
    buf: &mut Buffer,
    area: Rect,
    def: &Def,
    set: &super::series::SeriesSet,
    (lo, hi): (f64, f64),
    theme: &Theme,
) -> Result<Option<String>, String> {
    let k = set.series.len();
    let label_w = set
        .categories
        .iter()
        .map(|c| c.width())
        .max()
        .unwrap_or(0)
        .min(usize::from(area.width) / 3) as u16;
    let value_w = 9.min(area.width / 4);
    let bar_w = area.width.saturating_sub(label_w + value_w + 2);
    let per_cat = k as u16;
    let fits = (area.height / per_cat.max(1)) as usize;
    let shown = set.categories.len().min(fits);
    let span = (hi - lo).max(f64::MIN_POSITIVE);
    let zero = ((0.0 - lo) / span * f64::from(bar_w)).round() as u16;
    for c in 0..shown {
        for (s, (_, values)) in set.series.iter().enumerate() {
            let y = area.y + (c as u16) * per_cat + s as u16;
            if s == 0 {
                text_at(
                    buf,
                    area.x,
                    y,
                    &fit(&set.categories[c], usize::from(label_w), false),
                    label_w,
                    theme.get(Slot::Base),
                );
            }
            let Some(v) = values[c] else {
                text_at(buf, area.x + label_w + 1, y, "–", 1, theme.get(Slot::Dim));
                continue;
            };
            let style = series_style(theme, s);
            let x0 = area.x + label_w + 1;
            let eighths = (v.abs() / span * f64::from(bar_w) * 8.0).round() as u32;
            if v >= 0.0 {
                let full = (eighths / 8) as u16;
                for i in 0..full.min(bar_w - zero) {
                    buf[(x0 + zero + i, y)].set_char('█').set_style(style);
                }
                let rest = (eighths % 8) as usize;
                if rest > 0 && zero + full < bar_w {
                    buf[(x0 + zero + full, y)]
                        .set_char([' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'][rest])
                        .set_style(style);
                }
            } else {
                let full = (eighths.div_ceil(8) as u16).min(zero);
                for i in 0..full {
                    buf[(x0 + zero - 1 - i, y)].set_char('█').set_style(style);
                }
            }
            let t = fit_value(v, def.format, usize::from(value_w));
            let w = t.width() as u16;
            text_at(buf, area.right() - w, y, &t, w, theme.get(Slot::Number));
        }
    }
    Ok((shown < set.categories.len())
        .then(|| format!("first {shown} of {} rows", set.categories.len())))
}

fn vertical_bars(
    buf: &mut Buffer,
    area: Rect,
    def: &Def,
    set: &super::series::SeriesSet,
    (lo, hi): (f64, f64),
    theme: &Theme,
) -> Result<Option<String>, String> {
    let k = set.series.len().max(1) as u16;
    // Rows: values on top, bars, category labels below.
    if area.height < 3 || area.width < 3 {
        return Ok(None);
    }
    let plot_h = area.height - 2;
    let n = set.categories.len() as u16;
    // Group width: k bars plus a gap; as wide as fits, at most 8 per bar.
    let group_w = (area.width / n.max(1)).max(k + 1);
    let bar_w = ((group_w - 1) / k).clamp(1, 8);
    let group_w = bar_w * k + 1;
    let shown = (area.width / group_w).min(n) as usize;
    let span = (hi - lo).max(f64::MIN_POSITIVE);
    let zero_row = (hi / span * f64::from(plot_h)).round() as u16; // rows above zero
    let plot_top = area.y + 1;
    for c in 0..shown {
        let gx = area.x + c as u16 * group_w;
        for (s, (_, values)) in set.series.iter().enumerate() {
            let x = gx + s as u16 * bar_w;
            let style = series_style(theme, s);
            let Some(v) = values[c] else { continue };
            let eighths = (v.abs() / span * f64::from(plot_h) * 8.0).round() as u32;
            if v >= 0.0 {
                let full = ((eighths / 8) as u16).min(zero_row);
                for r in 0..full {
                    for dx in 0..bar_w {
                        buf[(x + dx, plot_top + zero_row - 1 - r)]
                            .set_char('█')
                            .set_style(style);
                    }
                }
                let rest = (eighths % 8) as usize;
                if rest > 0 && full < zero_row {
                    for dx in 0..bar_w {
                        buf[(x + dx, plot_top + zero_row - 1 - full)]
                            .set_char(SPARKS[rest - 1])
                            .set_style(style);
                    }
                }
                // The value above its bar when it fits the bar's width.
                let top = plot_top + zero_row - full - u16::from(rest > 0);
                let t = fit_value(v, def.format, usize::from(bar_w));
                if t != "…" {
                    text_at(
                        buf,
                        x,
                        top.saturating_sub(1).max(area.y),
                        &t,
                        bar_w,
                        theme.get(Slot::Number),
                    );
                }
            } else {
                let full = (eighths.div_ceil(8) as u16).min(plot_h - zero_row);
                for r in 0..full {
                    for dx in 0..bar_w {
                        buf[(x + dx, plot_top + zero_row + r)]
                            .set_char('█')
                            .set_style(style);
                    }
                }
                let t = fit_value(v, def.format, usize::from(bar_w));
                if t != "…" && plot_top + zero_row + full < area.bottom() - 1 {
                    text_at(
                        buf,
                        x,
                        plot_top + zero_row + full,
                        &t,
                        bar_w,
                        theme.get(Slot::Number),
                    );
                }
            }
        }
        let label = fit(&set.categories[c], usize::from(group_w - 1), false);
        text_at(
            buf,
            gx,
            area.bottom() - 1,
            &label,
            group_w - 1,
            theme.get(Slot::Dim),
        );
    }
    let mut note = Vec::new();
    if shown < set.categories.len() {
        note.push(format!("first {shown} of {} bars", set.categories.len()));
    }
    if shown > 0 {
        note.push(format!(
            "scale {}–{}",
            fit_value(lo, def.format, 10),
            fit_value(hi, def.format, 10)
        ));
    }
    Ok(Some(note.join(" · ")))
}

/// A date (days since 1970) as `2025-03-01`.
pub fn day_text(days: f64) -> String {
    chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|d| d.checked_add_signed(chrono::Duration::days(days.round() as i64)))
        .map_or_else(|| format!("{days}"), |d| d.to_string())
}

/// Lines over a time or number axis (text x: row order), with a legend.
/// More points than the plot's dots are reduced to each cell's min and max.
pub fn lines(
    buf: &mut Buffer,
    area: Rect,
    def: &Def,
    data: &Data,
    theme: &Theme,
) -> Result<Option<String>, String> {
    let set = series_set(data, &def.roles)?;
    if set.categories.is_empty() {
        return Ok(Some("no rows".into()));
    }
    let numeric_x = set.x_kind != ColKind::Text && set.xs.iter().all(Option::is_some);
    let xs: Vec<f64> = if numeric_x {
        set.xs.iter().map(|x| x.unwrap_or(0.0)).collect()
    } else {
        (0..set.categories.len()).map(|i| i as f64).collect()
    };
    let (ylo, yhi) = set.range().unwrap_or((0.0, 1.0));
    let (ylo, yhi) = if yhi > ylo {
        (ylo, yhi)
    } else {
        (ylo - 1.0, yhi + 1.0)
    };
    let label_w = [ylo, (ylo + yhi) / 2.0, yhi]
        .iter()
        .map(|v| fit_value(*v, def.format, 8).width())
        .max()
        .unwrap_or(1) as u16;
    // Braille: two dots per cell across.
    let plot_cells = usize::from(area.width.saturating_sub(label_w + 1)).max(1);
    let dots = plot_cells * 2;
    let mut downsampled = false;
    let points: Vec<Vec<(f64, f64)>> = set
        .series
        .iter()
        .map(|(_, values)| {
            let pairs: Vec<(f64, Option<f64>)> =
                xs.iter().copied().zip(values.iter().copied()).collect();
            if pairs.len() <= dots {
                return pairs
                    .iter()
                    .filter_map(|(x, y)| y.map(|y| (*x, y)))
                    .collect();
            }
            downsampled = true;
            let ys: Vec<Option<f64>> = pairs.iter().map(|p| p.1).collect();
            let buckets = downsample(&ys, plot_cells);
            let n = pairs.len();
            buckets
                .iter()
                .enumerate()
                .filter_map(|(i, b)| {
                    let b = (*b)?;
                    let mid = (i * n / buckets.len() + (i + 1) * n / buckets.len()) / 2;
                    let x = xs[mid.min(n - 1)];
                    Some([(x, b.min), (x, b.max)])
                })
                .flatten()
                .collect()
        })
        .collect();
    let datasets: Vec<Dataset> = set
        .series
        .iter()
        .zip(&points)
        .enumerate()
        .map(|(i, ((name, _), pts))| {
            Dataset::default()
                .name(name.clone())
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(series_style(theme, i))
                .data(pts)
        })
        .collect();
    let (xlo, xhi) = (xs[0], *xs.last().unwrap_or(&xs[0]));
    let x_label = |i: usize| -> String {
        if set.x_kind == ColKind::Time {
            day_text(xs[i])
        } else {
            set.categories[i].clone()
        }
    };
    let last = xs.len() - 1;
    let x_labels: Vec<Span> = if last == 0 {
        vec![Span::raw(x_label(0))]
    } else {
        vec![Span::raw(x_label(0)), Span::raw(x_label(last))]
    };
    let y_labels: Vec<Span> = [ylo, (ylo + yhi) / 2.0, yhi]
        .iter()
        .map(|v| Span::raw(fit_value(*v, def.format, usize::from(label_w))))
        .collect();
    let chart = Chart::new(datasets)
        .style(theme.get(Slot::Base))
        .x_axis(
            Axis::default()
                .bounds([xlo, if xhi > xlo { xhi } else { xlo + 1.0 }])
                .labels(x_labels)
                .style(theme.get(Slot::Dim)),
        )
        .y_axis(
            Axis::default()
                .bounds([ylo, yhi])
                .labels(y_labels)
                .style(theme.get(Slot::Dim)),
        )
        .legend_position(if set.series.len() > 1 {
            Some(LegendPosition::TopLeft)
        } else {
            None
        })
        .hidden_legend_constraints((
            ratatui::layout::Constraint::Percentage(60),
            ratatui::layout::Constraint::Percentage(60),
        ));
    chart.render(area, buf);
    let mut note = Vec::new();
    if downsampled {
        note.push(format!("{} points, min/max per cell", set.categories.len()));
    }
    if set.series.len() > 1 && area.height < 8 {
        note.push(
            set.series
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    Ok((!note.is_empty()).then(|| note.join(" · ")))
}
