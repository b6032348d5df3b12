//! Modal overlays: help, confirmations, prompts, pickers, a value viewer.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::tui::action::Action;
use crate::tui::effect::{Answer, Overlay, PickItem};
use crate::tui::keymap::{Context, KeyChord, Keymap};
use crate::tui::panes::help;
use crate::tui::theme::{Slot, Theme};

/// What a key did to the overlay.
pub enum Outcome {
    Keep,
    Close,
    Answer(Answer),
}

/// Items of a picker that match every word of the filter.
pub fn filtered<'a>(items: &'a [PickItem], filter: &str) -> Vec<&'a PickItem> {
    let words: Vec<String> = filter.split_whitespace().map(str::to_lowercase).collect();
    items
        .iter()
        .filter(|it| {
            let hay = format!("{} {}", it.label, it.value).to_lowercase();
            words.iter().all(|w| hay.contains(w.as_str()))
        })
        .collect()
}

fn scroll(pos: &mut u16, action: Action, page: u16) -> bool {
    match action {
        Action::Up => *pos = pos.saturating_sub(1),
        Action::Down => *pos = pos.saturating_add(1),
        Action::PageUp => *pos = pos.saturating_sub(page),
        Action::PageDown => *pos = pos.saturating_add(page),
        _ => return false,
    }
    true
}

pub fn on_key(overlay: &mut Overlay, key: KeyEvent, keymap: &Keymap) -> Outcome {
    let Some(chord) = KeyChord::from_event(&key) else {
        return Outcome::Keep;
    };
    let action = keymap.lookup(Context::Popup, &chord);
    let global = keymap.lookup(Context::Global, &chord);
    match overlay {
        Overlay::Help { scroll: pos } | Overlay::Viewer { scroll: pos, .. } => {
            if matches!(action, Some(Action::Close | Action::Select))
                || global == Some(Action::Help)
                || chord.code == KeyCode::Char('q')
            {
                return Outcome::Close;
            }
            if let Some(a) = action {
                scroll(pos, a, 10);
            } else {
                match chord.code {
                    KeyCode::Char('j') => *pos = pos.saturating_add(1),
                    KeyCode::Char('k') => *pos = pos.saturating_sub(1),
                    KeyCode::Char(' ') => *pos = pos.saturating_add(10),
                    KeyCode::Home => *pos = 0,
                    _ => {}
                }
            }
            Outcome::Keep
        }
        Overlay::Confirm { token, .. } => match chord.code {
            // Only an explicit "y" confirms; Enter is "no" so a reflex does not drop a table.
            KeyCode::Char('y' | 'Y') => Outcome::Answer(Answer::Yes(*token)),
            KeyCode::Char('n' | 'N') | KeyCode::Esc | KeyCode::Enter => {
                Outcome::Answer(Answer::No(*token))
            }
            _ if global == Some(Action::Cancel) => Outcome::Answer(Answer::No(*token)),
            _ => Outcome::Keep,
        },
        Overlay::Prompt { token, input, .. } => match action {
            Some(Action::Close) => Outcome::Close,
            Some(Action::Select) => Outcome::Answer(Answer::Text(*token, input.lines().join(""))),
            _ if global == Some(Action::Cancel) => Outcome::Close,
            _ => {
                if key.code != KeyCode::Enter
                    && !(key.code == KeyCode::Char('m') && key.modifiers == KeyModifiers::CONTROL)
                {
                    input.input(key);
                }
                Outcome::Keep
            }
        },
        Overlay::Picker {
            token,
            items,
            filter,
            selected,
            ..
        } => {
            let n = filtered(items, &filter.lines().join("")).len();
            match action {
                Some(Action::Close) => Outcome::Close,
                Some(Action::Select) => {
                    let f = filter.lines().join("");
                    match filtered(items, &f).get(*selected) {
                        Some(it) => Outcome::Answer(Answer::Picked(*token, it.value.clone())),
                        None => Outcome::Keep,
                    }
                }
                Some(Action::Up) => {
                    *selected = selected.saturating_sub(1);
                    Outcome::Keep
                }
                Some(Action::Down) => {
                    *selected = (*selected + 1).min(n.saturating_sub(1));
                    Outcome::Keep
                }
                Some(Action::PageUp) => {
                    *selected = selected.saturating_sub(10);
                    Outcome::Keep
                }
                Some(Action::PageDown) => {
                    *selected = (*selected + 10).min(n.saturating_sub(1));
                    Outcome::Keep
                }
                _ if global == Some(Action::Cancel) => Outcome::Close,
                _ => {
                    if key.code != KeyCode::Enter {
                        filter.input(key);
                        *selected = 0;
                    }
                    Outcome::Keep
                }
            }
        }
    }
}

pub fn on_paste(overlay: &mut Overlay, text: &str) {
    let one_line = text.replace(['\n', '\r'], " ");
    match overlay {
        Overlay::Prompt { input, .. } => {
            input.insert_str(one_line);
        }
        Overlay::Picker {
            filter, selected, ..
        } => {
            filter.insert_str(one_line);
            *selected = 0;
        }
        _ => {}
    }
}

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

fn frame_block(title: &str, theme: &Theme) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.get(Slot::PopupBorder))
        .title(Span::styled(
            format!(" {title} "),
            theme.get(Slot::PopupBorder),
        ))
        .style(theme.get(Slot::Popup))
}

pub fn draw(
    f: &mut Frame,
    area: Rect,
    overlay: &mut Overlay,
    theme: &Theme,
    keymap: &Keymap,
    config_hint: &str,
    focused: &[Context],
) {
    match overlay {
        Overlay::Help { scroll } => {
            let r = centered(
                area,
                area.width.saturating_sub(4).min(100),
                area.height.saturating_sub(2),
            );
            let lines = help::lines(keymap, theme, config_hint, focused);
            let max = (lines.len() as u16).saturating_sub(r.height.saturating_sub(2));
            *scroll = (*scroll).min(max);
            f.render_widget(Clear, r);
            f.render_widget(
                Paragraph::new(lines)
                    .block(frame_block("Help", theme))
                    .scroll((*scroll, 0)),
                r,
            );
        }
        Overlay::Viewer {
            title,
            text,
            scroll,
        } => {
            let r = centered(
                area,
                area.width.saturating_sub(6).min(110),
                area.height.saturating_sub(4),
            );
            let n = text.lines().count() as u16 + text.len() as u16 / r.width.max(1);
            *scroll = (*scroll).min(n.saturating_sub(1));
            f.render_widget(Clear, r);
            f.render_widget(
                Paragraph::new(text.clone())
                    .wrap(Wrap { trim: false })
                    .block(frame_block(title, theme))
                    .scroll((*scroll, 0)),
                r,
            );
        }
        Overlay::Confirm { title, message, .. } => {
            let h = message.lines().count() as u16 + 4;
            let r = centered(area, 70, h);
            f.render_widget(Clear, r);
            let mut lines: Vec<Line> = message
                .lines()
                .map(|l| Line::styled(l.to_string(), theme.get(Slot::Popup)))
                .collect();
            lines.push(Line::raw(""));
            lines.push(Line::styled(
                "y: yes    n / Esc / Enter: no",
                theme.get(Slot::Dim),
            ));
            f.render_widget(
                Paragraph::new(lines)
                    .wrap(Wrap { trim: false })
                    .block(frame_block(title, theme)),
                r,
            );
        }
        Overlay::Prompt {
            title, hint, input, ..
        } => {
            let r = centered(area, 80, 6);
            f.render_widget(Clear, r);
            let block = frame_block(title, theme);
            let inner = block.inner(r);
            f.render_widget(block, r);
            f.render_widget(
                Paragraph::new(Line::styled(hint.clone(), theme.get(Slot::Dim))),
                Rect { height: 1, ..inner },
            );
            input.set_style(theme.get(Slot::Popup));
            input.set_cursor_style(theme.get(Slot::Cursor));
            input.set_cursor_line_style(ratatui::style::Style::default());
            let field = Rect {
                y: inner.y + 2,
                height: 1,
                ..inner
            };
            if inner.height > 2 {
                f.render_widget(&*input, field);
            }
        }
        Overlay::Picker {
            title,
            items,
            filter,
            selected,
            ..
        } => {
            let r = centered(
                area,
                area.width.saturating_sub(6).min(110),
                area.height.saturating_sub(4),
            );
            f.render_widget(Clear, r);
            let block = frame_block(title, theme);
            let inner = block.inner(r);
            f.render_widget(block, r);
            if inner.height < 3 {
                return;
            }
            f.render_widget(
                Paragraph::new(Line::from(vec![Span::styled(
                    "search: ",
                    theme.get(Slot::Dim),
                )])),
                Rect {
                    height: 1,
                    width: 8.min(inner.width),
                    ..inner
                },
            );
            filter.set_style(theme.get(Slot::Popup));
            filter.set_cursor_style(theme.get(Slot::Cursor));
            filter.set_cursor_line_style(ratatui::style::Style::default());
            f.render_widget(
                &*filter,
                Rect {
                    x: inner.x + 8,
                    width: inner.width.saturating_sub(8),
                    height: 1,
                    ..inner
                },
            );
            let list = filtered(items, &filter.lines().join(""));
            *selected = (*selected).min(list.len().saturating_sub(1));
            let rows = (inner.height - 2) as usize;
            let top = selected.saturating_sub(rows.saturating_sub(1));
            let mut lines = Vec::new();
            for (i, it) in list.iter().enumerate().skip(top).take(rows) {
                let mut style = theme.get(Slot::Popup);
                if i == *selected {
                    style = style.patch(theme.get(Slot::GridSelected));
                }
                lines.push(Line::from(vec![
                    Span::styled(format!("{}  ", it.label), style),
                    Span::styled(it.detail.clone(), theme.get(Slot::Dim)),
                ]));
            }
            if lines.is_empty() {
                lines.push(Line::styled("(nothing matches)", theme.get(Slot::Dim)));
            }
            f.render_widget(
                Paragraph::new(lines),
                Rect {
                    y: inner.y + 2,
                    height: inner.height - 2,
                    ..inner
                },
            );
        }
    }
}
