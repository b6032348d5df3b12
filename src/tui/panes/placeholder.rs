//! Tabs whose pane has not been built yet. They say so, and say honestly what
//! does that work today: which other tabs (with their keys, read from the
//! keymap) and which `clvdesk` commands that exist now. They list no keys of
//! their own and name no command that does not exist yet.

use std::any::Any;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{Ctx, DrawCtx, Pane};
use crate::tui::action::Action;
use crate::tui::keymap::{Context, Keymap};
use crate::tui::theme::Slot;

/// Something that works today.
#[derive(Clone, Copy, Debug)]
pub enum Today {
    /// Another tab (reached by a global action), optionally a key there (its
    /// context and action, shown as the key the keymap binds), and what it does.
    Tab(Action, Option<(Context, Action)>, &'static str),
    /// A `clvdesk` command that exists, and what it does.
    Cli(&'static str, &'static str),
}

pub struct Placeholder {
    title: &'static str,
    context: Context,
    summary: &'static str,
    today: &'static [Today],
    planned: &'static [&'static str],
}

impl Placeholder {
    /// The tabs this one points to, for the status line.
    fn tabs(&self) -> Vec<(Context, Action)> {
        let mut out: Vec<(Context, Action)> = self
            .today
            .iter()
            .filter_map(|t| match t {
                Today::Tab(a, _, _) => Some((Context::Global, *a)),
                Today::Cli(..) => None,
            })
            .collect();
        out.dedup();
        out.push((Context::Global, Action::Help));
        out
    }

    /// The command lines named (tests check them against the real CLI).
    pub fn commands(&self) -> Vec<&'static str> {
        self.today
            .iter()
            .filter_map(|t| match t {
                Today::Cli(c, _) => Some(*c),
                Today::Tab(..) => None,
            })
            .collect()
    }
}

impl Pane for Placeholder {
    fn title(&self) -> &str {
        self.title
    }

    fn contexts(&self) -> Vec<Context> {
        vec![self.context]
    }

    fn on_action(&mut self, _action: Action, _ctx: &mut Ctx) -> bool {
        false
    }

    fn hints(&self, keymap: &Keymap) -> Vec<(String, &'static str)> {
        keymap.hints(&self.tabs())
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, ctx: &DrawCtx) {
        let t = ctx.theme;
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.get(Slot::Border))
            .title(Span::styled(
                format!(" {} · not built yet ", self.title),
                t.get(Slot::Title),
            ))
            .style(t.get(Slot::Base));
        let mut lines = vec![
            Line::styled(self.summary, t.get(Slot::Base)),
            Line::raw(""),
            Line::styled("Where this work is done today", t.get(Slot::HelpSection)),
        ];
        for item in self.today {
            let (left, what) = match item {
                Today::Tab(action, inner, what) => {
                    let key = ctx
                        .keymap
                        .hint(Context::Global, *action)
                        .map_or(String::new(), |k| format!("{k}: "));
                    let tab = format!("{key}{} tab", action.desc(Context::Global).hint);
                    let what = match inner.and_then(|(c, a)| ctx.keymap.hint(c, a)) {
                        Some(k) => format!("{k} {what}"),
                        None => (*what).to_string(),
                    };
                    (tab, what)
                }
                Today::Cli(cmd, what) => (format!("clvdesk {cmd}"), (*what).to_string()),
            };
            lines.push(Line::from(vec![
                Span::styled(format!("  {left}"), t.get(Slot::HelpKey)),
                Span::styled(format!("  {what}"), t.get(Slot::Base)),
            ]));
        }
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            "Planned for this tab (not available yet)",
            t.get(Slot::HelpSection),
        ));
        lines.extend(
            self.planned
                .iter()
                .map(|p| Line::styled(format!("  • {p}"), t.get(Slot::Dim))),
        );
        f.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(block),
            area,
        );
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

pub fn segments() -> Placeholder {
    Placeholder {
        title: "Segments",
        context: Context::Segments,
        summary: "There is no segment builder yet. Audiences can be selected today with SQL:",
        today: &[
            Today::Tab(
                Action::Tab2,
                Some((Context::Deciles, Action::Select)),
                "on a bucket opens its customers as a query in the SQL tab",
            ),
            Today::Tab(
                Action::Tab1,
                Some((Context::Results, Action::Export)),
                "in the results exports an audience query to CSV, Parquet or JSON",
            ),
            Today::Cli(
                "query -f FILE --format csv --out PATH",
                "writes an audience query's rows to a file",
            ),
        ],
        planned: &[
            "Rules on attributes, event counts and sums within time windows, nested groups",
            "Preview: size, share of customers, revenue and predicted CLV, sample members",
            "Saved segments with a membership table, and exports to destination files",
        ],
    }
}

pub fn schedules() -> Placeholder {
    Placeholder {
        title: "Schedules",
        context: Context::Schedules,
        summary: "Due schedules (schedules/*.toml) run in the background while the app is open (the status line says when) and headless from cron; this tab does not list them yet:",
        today: &[
            Today::Cli(
                "--run-schedule",
                "runs what is due (from cron or a systemd timer)",
            ),
            Today::Cli("--run-schedule --job NAME --force", "runs one job now"),
            Today::Tab(
                Action::Tab2,
                Some((Context::Deciles, Action::RunJob)),
                "runs the selected decile job now",
            ),
            Today::Tab(
                Action::Tab3,
                Some((Context::Clv, Action::RunJob)),
                "refits the CLV model now",
            ),
        ],
        planned: &[
            "Schedules with next and last run, run history with errors, run now, enable / disable, cancel",
        ],
    }
}
