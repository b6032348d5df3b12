//! Tabs whose pane has not landed yet show what they will hold and the keys
//! they will have, so the frame is honest about what exists.

use std::any::Any;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{Ctx, DrawCtx, Pane};
use crate::tui::action::Action;
use crate::tui::keymap::{Context, Keymap};
use crate::tui::theme::Slot;

pub struct Placeholder {
    title: &'static str,
    context: Context,
    summary: &'static str,
    features: &'static [&'static str],
    keys: &'static [(&'static str, &'static str)],
    meanwhile: &'static str,
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
        [
            super::hint(keymap, Context::Global, Action::Tab1, "SQL"),
            super::hint(keymap, Context::Global, Action::Help, "help"),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, ctx: &DrawCtx) {
        let t = ctx.theme;
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.get(Slot::Border))
            .title(Span::styled(
                format!(" {} (coming) ", self.title),
                t.get(Slot::Title),
            ))
            .style(t.get(Slot::Base));
        let mut lines = vec![
            Line::styled(self.summary, t.get(Slot::Base)),
            Line::raw(""),
            Line::styled("What this tab will hold", t.get(Slot::HelpSection)),
        ];
        lines.extend(
            self.features
                .iter()
                .map(|f| Line::styled(format!("  • {f}"), t.get(Slot::Base))),
        );
        lines.push(Line::raw(""));
        lines.push(Line::styled("Keys it will have", t.get(Slot::HelpSection)));
        for (k, what) in self.keys {
            lines.push(Line::from(vec![
                Span::styled(format!("  {k:<14}"), t.get(Slot::HelpKey)),
                Span::styled(*what, t.get(Slot::Base)),
            ]));
        }
        lines.push(Line::raw(""));
        lines.push(Line::styled(self.meanwhile, t.get(Slot::Dim)));
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

pub fn deciles() -> Placeholder {
    Placeholder {
        title: "Deciles",
        context: Context::Deciles,
        summary: "Rank customers into deciles (or quartiles, or percentiles) per category over several lookback windows, computed in DuckDB with NTILE.",
        features: &[
            "Decile jobs from the workspace's deciles/ folder: table, identity, metric, category, date column, windows (1, 3, 6, 9, 12 months, lifetime), buckets (10, 4 or 100), optional filter",
            "The decile table: per bucket count, sum, mean, share of total, cumulative share, lift over average, min and max",
            "Derived tables written back: long form and a per-customer map of category -> bucket per window",
            "The generated SQL, viewable and openable in the SQL tab",
        ],
        keys: &[
            ("w / W", "next / previous lookback window"),
            ("c / C", "next / previous category"),
            ("r", "run the job"),
            ("Enter", "open the bucket as a segment"),
            ("o", "open the generated SQL in the SQL tab"),
        ],
        meanwhile: "Meanwhile: the same tables can be queried in the SQL tab (Alt+1).",
    }
}

pub fn clv() -> Placeholder {
    Placeholder {
        title: "CLV",
        context: Context::Clv,
        summary: "Predicted customer lifetime value: BG/NBD for purchases and dropout, Gamma-Gamma for spend, fitted natively from a transaction log.",
        features: &[
            "RFM summary built in DuckDB (same-day purchases collapse; frequency, recency and T in weeks; mean repeat spend)",
            "Fitted parameters with standard errors and log-likelihood; calibration/holdout comparison",
            "Per-customer P(alive), expected purchases, expected spend and discounted CLV over N months, written to a table",
            "The same model as `clvdesk clv` on the command line",
        ],
        keys: &[
            ("f", "fit the models"),
            ("h", "set the horizon (months)"),
            ("d", "set the monthly discount rate"),
            ("w", "write predictions to a table"),
            ("Enter", "open the predictions in the SQL tab"),
        ],
        meanwhile: "Meanwhile: `clvdesk clv --help` fits the model from the command line.",
    }
}

pub fn dashboard() -> Placeholder {
    Placeholder {
        title: "Dashboard",
        context: Context::Dashboard,
        summary: "Widgets bound to SQL on a grid: sparklines, bars, lines, big numbers with deltas, tables and gauges, each refreshed on its own worker.",
        features: &[
            "A starter CLV dashboard: CLV by decile, monthly CLV trend, top-decile share, audience sizes, email opens and clicks",
            "A date range ($START_DATE, $END_DATE) and one global parameter that widgets may use",
            "Add, move, resize, duplicate and delete widgets with the keyboard; layouts saved as files (comments kept)",
            "A widget's error stays in the widget; the dashboard keeps running",
        ],
        keys: &[
            ("arrows", "select a widget"),
            ("a / d", "add / delete a widget"),
            ("m / s", "move / resize mode"),
            ("r", "refresh all"),
            ("[ / ]", "previous / next dashboard"),
        ],
        meanwhile: "Meanwhile: `clvdesk dashboard render NAME` draws a layout in the terminal.",
    }
}

pub fn segments() -> Placeholder {
    Placeholder {
        title: "Segments",
        context: Context::Segments,
        summary: "Audiences built from rules: attributes, event counts and sums within time windows, other audiences, nested include/exclude groups.",
        features: &[
            "A rule tree compiled to safe DuckDB SQL (values bound, identifiers checked against the catalog), SQL viewable",
            "Preview: size, share of customers, revenue and predicted CLV, metrics beside the population, decile mix, sample members",
            "Saved segments keep a membership table (entered / existing / exited) refreshed by schedules",
            "Export an audience to a destination file (CSV/TSV with mapped fields)",
        ],
        keys: &[
            ("a", "add a rule"),
            ("g", "add a group (AND/OR, include/exclude)"),
            ("Enter", "edit the selected rule"),
            ("p", "preview"),
            ("s", "save"),
        ],
        meanwhile: "Meanwhile: `clvdesk segment list` and `clvdesk segment preview NAME` work headless.",
    }
}

pub fn schedules() -> Placeholder {
    Placeholder {
        title: "Schedules",
        context: Context::Schedules,
        summary: "Saved queries, decile jobs, CLV refreshes, segment refreshes and exports run on a schedule, in the background while the app is open.",
        features: &[
            "Hourly, daily, weekly on days, monthly on a day, or a cron expression (UTC), with start, end and enabled flag",
            "Run history per job (started, finished, status, rows, error); jobs failing N times in a row are quarantined",
            "Missed runs caught up once on start; `clvdesk --run-schedule` runs the same jobs from cron",
        ],
        keys: &[
            ("Enter", "show run history"),
            ("r", "run now"),
            ("e", "enable / disable"),
            ("q", "release from quarantine"),
        ],
        meanwhile: "Meanwhile: `clvdesk --run-schedule` runs what is due.",
    }
}
