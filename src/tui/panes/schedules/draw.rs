//! Drawing the Schedules tab: the schedule list (with broken files named under it and
//! the inline frequency editor), the selected schedule's run history, and the selected
//! run's error in full. Each state of the tab draws as itself: loading, no folder, no
//! schedules (with how to add one), a failed read.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::model::{Next, Overview, Row, State};
use super::{Focus, SchedulesPane, View, freq};
use crate::scheduler::runlog::{RunRecord, RunStatus};
use crate::tui::panes::has_room;
use crate::tui::theme::{Slot, Theme};
use crate::tui::widgets::table::{Cell, Column, FitTable};

/// The smallest pane the tab draws in: a few schedules and a few runs.
pub const MIN_SIZE: (u16, u16) = (50, 12);

const LIST: [Column; 7] = [
    Column::text("schedule", 8),
    Column::text("job", 6),
    Column::text("kind", 4),
    Column::text("frequency (UTC)", 10),
    Column::text("next run", 10),
    Column::text("last run", 10),
    Column::text("state", 7),
];

const HISTORY: [Column; 7] = [
    Column::number("run", "#"),
    Column::text("trigger", 6),
    Column::text("started (UTC)", 10),
    Column::text("took", 4),
    Column::text("status", 6),
    Column::number("rows", "rows"),
    Column::text("error / summary", 10),
];

fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// `0.4s`, `12.3s`, `4m05s`, `2h03m`.
pub fn duration(secs: f64) -> String {
    let s = secs.max(0.0);
    if s < 60.0 {
        format!("{s:.1}s")
    } else if s < 3600.0 {
        format!("{}m{:02}s", (s / 60.0) as u64, (s % 60.0) as u64)
    } else {
        format!(
            "{}h{:02}m",
            (s / 3600.0) as u64,
            ((s % 3600.0) / 60.0) as u64
        )
    }
}

fn took(r: &RunRecord) -> String {
    match r.finished {
        Some(f) => duration((f - r.started).num_milliseconds() as f64 / 1000.0),
        None => "–".into(),
    }
}

fn state_text(p: &SchedulesPane, row: &Row) -> String {
    if let Some(run) = p.running.as_ref().filter(|r| r.is_for(row)) {
        return format!(
            "running {}{}",
            duration(run.started.elapsed().as_secs_f64()),
            run.percent.map(|p| format!(" {p:.0}%")).unwrap_or_default()
        );
    }
    match row.state {
        State::Enabled if row.failures > 0 => {
            format!("enabled ({}/{} failed)", row.failures, row.quarantine_after)
        }
        State::Enabled => "enabled".into(),
        State::Disabled => "disabled".into(),
        State::Quarantined { failures } => format!("quarantined ({failures} failed)"),
    }
}

fn list_rows(p: &SchedulesPane, o: &Overview) -> Vec<Vec<Cell>> {
    o.rows
        .iter()
        .map(|r| {
            let next = match r.next {
                Next::At(t) => when(t),
                Next::DueNow => "due now".into(),
                Next::Never => "no more runs (end passed)".into(),
                Next::Stopped => "–".into(),
            };
            let last = r.last.as_ref().map_or("never".into(), |l| {
                format!("{} {}", when(l.started), l.status.as_str())
            });
            vec![
                Cell::text(&r.name),
                Cell::text(&r.job),
                Cell::text(&r.kind),
                Cell::text(&r.frequency),
                Cell::text(next),
                Cell::text(last),
                Cell::text(state_text(p, r)),
            ]
        })
        .collect()
}

fn history_rows(o: &Overview) -> Vec<Vec<Cell>> {
    o.history
        .iter()
        .map(|r| {
            let what = match (&r.error, &r.summary) {
                (Some(e), _) => e.lines().next().unwrap_or_default().to_string(),
                (None, Some(s)) => s.clone(),
                (None, None) => String::new(),
            };
            vec![
                Cell::number(r.id.to_string()),
                Cell::text(r.trigger.as_str()),
                Cell::text(r.started.format("%Y-%m-%d %H:%M:%S").to_string()),
                Cell::text(took(r)),
                Cell::text(r.status.as_str()),
                Cell::opt_number(r.rows.map(|n| n.to_string())),
                Cell::text(what),
            ]
        })
        .collect()
}

/// A run in full, for the details viewer.
pub fn run_details(r: &RunRecord) -> String {
    let mut out = vec![
        format!("run        {}", r.id),
        format!("job        {} ({})", r.job, r.kind),
        format!(
            "schedule   {}",
            r.schedule.as_deref().unwrap_or("– (run now)")
        ),
        format!("trigger    {}", r.trigger.as_str()),
    ];
    if let Some(slot) = r.slot {
        out.push(format!("slot       {} UTC", when(slot)));
    }
    out.push(format!(
        "started    {} UTC",
        r.started.format("%Y-%m-%d %H:%M:%S")
    ));
    if let Some(f) = r.finished {
        out.push(format!(
            "finished   {} UTC (took {})",
            f.format("%Y-%m-%d %H:%M:%S"),
            took(r)
        ));
    }
    out.push(format!("status     {}", r.status.as_str()));
    if let Some(n) = r.rows {
        out.push(format!("rows       {n}"));
    }
    if !r.tables.is_empty() {
        out.push(format!("tables     {}", r.tables.join(", ")));
    }
    if let Some(p) = &r.parameters {
        out.push(format!("parameters {p}"));
    }
    if let Some(s) = &r.summary {
        out.push(format!("summary    {s}"));
    }
    if let Some(e) = &r.error {
        out.push(String::new());
        out.push("error".into());
        out.extend(e.lines().map(|l| format!("  {l}")));
    }
    out.join("\n")
}

fn block<'a>(title: String, focused: bool, t: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(t.get(if focused {
            Slot::BorderFocused
        } else {
            Slot::Border
        }))
        .title(Span::styled(title, t.get(Slot::Title)))
        .style(t.get(Slot::Base))
}

pub(super) fn draw(p: &mut SchedulesPane, f: &mut Frame, area: Rect, t: &Theme) {
    if !has_room(f, area, "The Schedules tab", MIN_SIZE, t) {
        return;
    }
    let message = |f: &mut Frame, title: &str, lines: Vec<Line<'static>>| {
        f.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(block(format!(" {title} "), true, t)),
            area,
        );
    };
    let o = match &p.view {
        View::Loading => {
            message(
                f,
                "Schedules",
                vec![Line::styled(
                    "Reading the schedule files and the run log…",
                    t.get(Slot::Dim),
                )],
            );
            return;
        }
        View::NoFolder => {
            message(
                f,
                "Schedules",
                vec![Line::styled(
                    "A data file opened on its own has no schedules: schedules live in a workspace folder (schedules/*.toml). Open one with clvdesk --workspace DIR.",
                    t.get(Slot::Base),
                )],
            );
            return;
        }
        View::Failed(e) => {
            message(
                f,
                "Schedules · not read",
                vec![
                    Line::styled(
                        format!("The run log could not be read: {e}"),
                        t.get(Slot::Error),
                    ),
                    Line::raw(""),
                    Line::styled("R reads it again.", t.get(Slot::Dim)),
                ],
            );
            return;
        }
        View::Ready(o) => o,
    };
    if o.rows.is_empty() {
        draw_empty(o, f, area, t);
        return;
    }
    // The list: its rows, broken files, the editor; at most half the pane.
    let errors = error_lines(o, t);
    let editor_rows: u16 = if p.editor.is_some() { 3 } else { 0 };
    let want = o.rows.len() as u16 + 3 + errors.len() as u16 + editor_rows;
    let list_h = want
        .min((area.height / 2).max(editor_rows + 5))
        .min(area.height.saturating_sub(4));
    let list_area = Rect {
        height: list_h,
        ..area
    };
    let history_area = Rect {
        y: area.y + list_h,
        height: area.height - list_h,
        ..area
    };
    let selected = p.selected_index();
    let title = format!(
        " Schedules · {} in {} · read {} UTC ",
        o.rows.len(),
        o.dir.display(),
        o.read_at.format("%H:%M:%S")
    );
    let b = block(title, p.focus == Focus::List && p.editor.is_none(), t);
    let inner = b.inner(list_area);
    f.render_widget(b, list_area);
    let below = errors.len() as u16 + editor_rows;
    let table_area = Rect {
        height: inner.height.saturating_sub(below).max(2.min(inner.height)),
        ..inner
    };
    let rows = list_rows(p, o);
    f.render_widget(
        FitTable::new(&LIST, &rows, t).selected(selected),
        table_area,
    );
    let mut y = table_area.bottom();
    if let Some(ed) = &mut p.editor {
        if y + 3 <= inner.bottom() {
            let label = format!("frequency of {}: ", ed.schedule);
            let lw = (label.chars().count() as u16).min(inner.width / 2);
            f.render_widget(
                Span::styled(label, t.get(Slot::Title)),
                Rect::new(inner.x, y, lw, 1),
            );
            ed.input.set_style(t.get(Slot::Popup));
            ed.input.set_cursor_style(t.get(Slot::Cursor));
            ed.input
                .set_cursor_line_style(ratatui::style::Style::default());
            f.render_widget(&ed.input, Rect::new(inner.x + lw, y, inner.width - lw, 1));
            let (text, slot) = match &ed.error {
                Some(e) => (e.clone(), Slot::Error),
                None => (format!("e.g. {}", freq::EXAMPLES), Slot::Dim),
            };
            f.render_widget(
                Paragraph::new(text)
                    .style(t.get(slot))
                    .wrap(Wrap { trim: true }),
                Rect::new(inner.x, y + 1, inner.width, 2),
            );
        }
        y += 3;
    }
    if y < inner.bottom() {
        f.render_widget(
            Paragraph::new(errors).wrap(Wrap { trim: false }),
            Rect::new(inner.x, y, inner.width, inner.bottom() - y),
        );
    }
    draw_history(p, o, f, history_area, t);
}

fn draw_history(p: &SchedulesPane, o: &Overview, f: &mut Frame, area: Rect, t: &Theme) {
    let name = o.history_of.as_deref().unwrap_or("–");
    let title = format!(
        " History of {name} · {} runs (newest first) ",
        o.history.len()
    );
    let b = block(title, p.focus == Focus::History && p.editor.is_none(), t);
    let inner = b.inner(area);
    f.render_widget(b, area);
    if o.history.is_empty() {
        f.render_widget(
            Paragraph::new(Line::styled(
                "No runs yet: it runs at its next slot, or now with the run-now key.",
                t.get(Slot::Dim),
            )),
            inner,
        );
        return;
    }
    // The selected run's error (or summary) in full below the table.
    let run = o.history.get(p.run_selected);
    let detail: Vec<Line> = match run {
        Some(r) => {
            let (text, slot) = match (&r.error, &r.summary) {
                (Some(e), _) => (
                    format!("run {} {}: {e}", r.id, r.status.as_str()),
                    Slot::Error,
                ),
                (None, Some(s)) => (
                    format!("run {} {}: {s}", r.id, r.status.as_str()),
                    Slot::Base,
                ),
                (None, None) => (
                    format!("run {} {}", r.id, r.status.as_str()),
                    if r.status == RunStatus::Running {
                        Slot::Warning
                    } else {
                        Slot::Base
                    },
                ),
            };
            text.lines()
                .map(|l| Line::styled(l.to_string(), t.get(slot)))
                .collect()
        }
        None => Vec::new(),
    };
    let detail_h = if inner.height >= 6 { 3 } else { 1 };
    let table_area = Rect {
        height: inner.height.saturating_sub(detail_h),
        ..inner
    };
    let rows = history_rows(o);
    f.render_widget(
        FitTable::new(&HISTORY, &rows, t).selected(Some(p.run_selected)),
        table_area,
    );
    f.render_widget(
        Paragraph::new(detail).wrap(Wrap { trim: false }),
        Rect {
            y: table_area.bottom(),
            height: detail_h.min(inner.height),
            ..inner
        },
    );
}

/// The schedule files that could not be read, one line per line of their message.
fn error_lines(o: &Overview, t: &Theme) -> Vec<Line<'static>> {
    o.errors
        .iter()
        .flat_map(|e| {
            let text = format!("⚠ {e}");
            text.lines()
                .map(|l| Line::styled(l.to_string(), t.get(Slot::Error)))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn draw_empty(o: &Overview, f: &mut Frame, area: Rect, t: &Theme) {
    let jobs = if o.jobs.is_empty() {
        "this workspace has no jobs yet (jobs/*.toml, deciles/*.toml)".to_string()
    } else {
        format!("jobs of this workspace: {}", o.jobs.join(", "))
    };
    let mut lines = vec![
        Line::styled(
            if o.errors.is_empty() {
                format!("No schedules in {}.", o.dir.display())
            } else {
                format!(
                    "No schedule in {} could be read (the problems are listed below).",
                    o.dir.display()
                )
            },
            t.get(Slot::Base),
        ),
        Line::raw(""),
        Line::styled(
            "To add one, save a file like schedules/nightly.toml:",
            t.get(Slot::HelpSection),
        ),
        Line::styled(
            "  job = \"loyalty_miles\"     # a job of the workspace",
            t.get(Slot::Comment),
        ),
        Line::styled(
            "  frequency = \"daily\"       # hourly | daily | weekly | monthly | cron",
            t.get(Slot::Comment),
        ),
        Line::styled("  at = \"03:00\"              # UTC", t.get(Slot::Comment)),
        Line::raw(""),
        Line::styled(jobs, t.get(Slot::Dim)),
        Line::styled(
            "It shows here (R reloads) and runs in the background while the app is open, or from cron with clvdesk --run-schedule.",
            t.get(Slot::Dim),
        ),
    ];
    if !o.errors.is_empty() {
        lines.push(Line::raw(""));
        lines.extend(error_lines(o, t));
    }
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block(" Schedules ".into(), true, t)),
        area,
    );
}
