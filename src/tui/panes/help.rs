//! The help screen (F1): every binding of the current keymap, by context, with
//! what it does there (`Action::desc`, the same text as the status-line hints),
//! plus the text area's own editing keys.

use ratatui::text::{Line, Span};

use crate::tui::keymap::{Context, Keymap};
use crate::tui::theme::{Slot, Theme};

/// Editing keys handled by `ratatui-textarea` itself (not remappable).
pub const EDITOR_BUILTINS: &[(&str, &str)] = &[
    ("arrows, Home, End", "move"),
    ("Ctrl+←/→, Alt+B/F", "word left / right"),
    ("Ctrl+↑/↓", "paragraph up / down"),
    ("PgUp/PgDn, Alt+V/Ctrl+V", "page up / down"),
    ("Alt+< / Alt+>", "top / bottom of buffer"),
    ("Shift+arrows", "select"),
    ("Ctrl+K", "delete to end of line"),
    ("Alt+Backspace", "delete word"),
    ("Ctrl+Y", "paste what was deleted"),
    ("Tab", "indent"),
];

/// Help text; the contexts in `first` (the focused area) come first, then
/// `Global`, then the rest.
pub fn lines(
    keymap: &Keymap,
    theme: &Theme,
    config_hint: &str,
    first: &[Context],
) -> Vec<Line<'static>> {
    let mut out = vec![
        Line::styled("clvdesk keys", theme.get(Slot::Title)),
        Line::styled(
            format!("Change any binding in {config_hint} (F1 or Esc closes, ↑/↓ scroll)."),
            theme.get(Slot::Dim),
        ),
    ];
    let mut order: Vec<Context> = first.to_vec();
    for c in std::iter::once(&Context::Global).chain(Context::ALL) {
        if !order.contains(c) {
            order.push(*c);
        }
    }
    for ctx in &order {
        let bindings = keymap.bindings(*ctx);
        if bindings.is_empty() {
            continue;
        }
        out.push(Line::raw(""));
        out.push(Line::from(vec![
            Span::styled(ctx.title().to_string(), theme.get(Slot::HelpSection)),
            Span::styled(format!("  [{}]", ctx.name()), theme.get(Slot::Dim)),
        ]));
        for (action, keys) in bindings {
            let keys = keys
                .iter()
                .map(|k| k.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            out.push(Line::from(vec![
                Span::styled(format!("  {keys:<24}"), theme.get(Slot::HelpKey)),
                Span::styled(action.desc(*ctx).help.to_string(), theme.get(Slot::Base)),
                Span::styled(format!("  ({})", action.name()), theme.get(Slot::Dim)),
            ]));
        }
        if *ctx == Context::Editor {
            out.push(Line::styled(
                "  built into the text area:",
                theme.get(Slot::Dim),
            ));
            for (k, what) in EDITOR_BUILTINS {
                out.push(Line::from(vec![
                    Span::styled(format!("  {k:<24}"), theme.get(Slot::HelpKey)),
                    Span::styled(what.to_string(), theme.get(Slot::Base)),
                ]));
            }
        }
    }
    out.push(Line::raw(""));
    out.push(Line::styled(
        "Mouse: click to focus and select, wheel to scroll, click a tab to switch.",
        theme.get(Slot::Dim),
    ));
    out
}
