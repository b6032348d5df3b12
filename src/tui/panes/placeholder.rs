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

pub fn dashboard() -> Placeholder {
    Placeholder {
        title: "Dashboard",
        context: Context::Dashboard,
        summary: "There is no dashboard yet. The numbers it will chart can be seen today:",
        today: &[
            Today::Tab(
                Action::Tab3,
                None,
                "mean CLV by decile, the holdout check, tracking and the top customers",
            ),
            Today::Tab(
                Action::Tab2,
                None,
                "each bucket's share of the total, per window and category",
            ),
            Today::Tab(
                Action::Tab1,
                None,
                "any query; LIST columns of numbers draw as sparklines in the grid",
            ),
            Today::Cli(
                "query -c SQL",
                "prints a result as a table, CSV, JSON or Parquet",
            ),
        ],
        planned: &[
            "Widgets bound to SQL (sparklines, bars, lines, big numbers, tables, gauges) on a grid",
            "A date range and one global parameter that widgets may use",
            "Layouts saved as files in the workspace",
        ],
    }
}
