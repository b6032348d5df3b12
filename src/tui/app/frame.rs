//! Drawing the frame: tabs, the visible pane, status line, overlay, and the
//! "too small" note.

use super::*;

impl App {
    /// Draw the whole frame.
    pub fn draw(&mut self, f: &mut Frame) {
        let area = f.area();
        let t = &self.theme;
        f.buffer_mut().set_style(area, t.get(Slot::Base));
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            let msg = format!(
                "Terminal too small ({}x{}).\nclvdesk needs at least {MIN_WIDTH}x{MIN_HEIGHT}.\nCtrl+Q quits.",
                area.width, area.height
            );
            let h = 3.min(area.height);
            let r = Rect {
                y: area.y + area.height.saturating_sub(h) / 2,
                height: h,
                ..area
            };
            f.render_widget(
                Paragraph::new(msg)
                    .alignment(Alignment::Center)
                    .wrap(Wrap { trim: true })
                    .style(t.get(Slot::Warning)),
                r,
            );
            return;
        }
        let tabs_area = Rect { height: 1, ..area };
        let status_area = Rect {
            y: area.bottom() - 1,
            height: 1,
            ..area
        };
        let body = Rect {
            y: area.y + 1,
            height: area.height - 2,
            ..area
        };
        self.draw_tabs(f, tabs_area);
        let tab = self.tab;
        {
            let ctx = DrawCtx {
                theme: &self.theme,
                keymap: &self.keymap,
            };
            self.panes[tab].draw(f, body, &ctx);
        }
        self.draw_status(f, status_area);
        if let Some((_, ov)) = &mut self.overlay {
            let focused = self.panes[tab].contexts();
            overlay::draw(
                f,
                body,
                ov,
                &self.theme,
                &self.keymap,
                &self.keymap_hint,
                &focused,
            );
        }
    }

    pub(super) fn draw_tabs(&mut self, f: &mut Frame, area: Rect) {
        let t = &self.theme;
        f.buffer_mut().set_style(area, t.get(Slot::Tab));
        let mut x = area.x;
        self.tab_areas.clear();
        let mut spans = Vec::new();
        for (i, p) in self.panes.iter().enumerate() {
            let label = format!(" {} {} ", i + 1, p.title());
            let w = label.chars().count() as u16;
            self.tab_areas.push((i, x, w));
            x += w + 1;
            let style = if i == self.tab {
                t.get(Slot::TabActive)
            } else {
                t.get(Slot::Tab)
            };
            spans.push(Span::styled(label, style));
            spans.push(Span::styled(" ", t.get(Slot::Tab)));
        }
        f.render_widget(Line::from(spans), area);
        // The workspace, right-aligned, cut from the left when long.
        let used = x - area.x;
        let room = area.width.saturating_sub(used + 1) as usize;
        let ws = self.workspace.describe();
        let label = if ws.chars().count() + 2 <= room {
            format!(" {ws} ")
        } else if room > 4 {
            let tail: String = ws
                .chars()
                .rev()
                .take(room - 3)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            format!(" …{tail} ")
        } else {
            String::new()
        };
        let w = label.chars().count() as u16;
        if w > 0 {
            f.render_widget(
                Span::styled(label, t.get(Slot::Title)),
                Rect {
                    x: area.right() - w,
                    width: w,
                    ..area
                },
            );
        }
    }

    pub(super) fn draw_status(&self, f: &mut Frame, area: Rect) {
        let t = &self.theme;
        f.buffer_mut().set_style(area, t.get(Slot::Status));
        let mut left: Vec<Span> = Vec::new();
        let mut jobs: Vec<&JobInfo> = self.jobs.values().collect();
        jobs.sort_by_key(|j| j.started);
        if let Some(j) = jobs.first() {
            let pct = j.progress.map(|p| format!(" {p:.0}%")).unwrap_or_default();
            let more = if jobs.len() > 1 {
                format!(" (+{})", jobs.len() - 1)
            } else {
                String::new()
            };
            left.push(Span::styled(
                format!(
                    " ⏳ {} {:.1}s{pct}{more} ",
                    j.label,
                    j.started.elapsed().as_secs_f64()
                ),
                t.get(Slot::StatusBusy),
            ));
            left.push(Span::styled(" ", t.get(Slot::Status)));
        }
        if let Some(run) = self.background_status() {
            left.push(Span::styled(format!(" {run} "), t.get(Slot::StatusBusy)));
            left.push(Span::styled(" ", t.get(Slot::Status)));
        }
        match &self.notice {
            Some(n) if n.error => left.push(Span::styled(
                format!(" {} ", n.text),
                t.get(Slot::StatusError),
            )),
            Some(n) => left.push(Span::styled(format!(" {} ", n.text), t.get(Slot::Status))),
            None => left.push(Span::styled(" clvdesk ", t.get(Slot::Status))),
        }
        let mut hints: Vec<Span> = Vec::new();
        for (k, what) in self.panes[self.tab].hints(&self.keymap) {
            hints.push(Span::styled(format!(" {k} "), t.get(Slot::StatusKey)));
            hints.push(Span::styled(format!(" {what} "), t.get(Slot::Status)));
        }
        let mut hints_w: u16 = hints.iter().map(|s| s.width() as u16).sum();
        let left_w: u16 = left.iter().map(|s| s.width() as u16).sum();
        // Hints give way to the message when both do not fit: the last ones go
        // first, each key with its word.
        while hints_w + left_w > area.width && hints.len() >= 2 {
            for s in hints.drain(hints.len() - 2..) {
                hints_w -= s.width() as u16;
            }
        }
        if hints_w + left_w <= area.width {
            let hw = hints_w;
            let hx = area.right() - hw;
            f.render_widget(
                Line::from(hints).alignment(Alignment::Right),
                Rect {
                    x: hx,
                    width: hw,
                    ..area
                },
            );
            f.render_widget(
                Line::from(left),
                Rect {
                    width: hx - area.x,
                    ..area
                },
            );
        } else {
            // Too long even alone: the message (the last span) ends in `…`, never cut.
            if left_w > area.width
                && let Some(last) = left.pop()
            {
                let before: u16 = left.iter().map(|s| s.width() as u16).sum();
                let room = usize::from(area.width.saturating_sub(before));
                let text = crate::tui::widgets::grid::fit(&last.content, room, false).into_owned();
                left.push(Span::styled(text, last.style));
            }
            f.render_widget(Line::from(left), area);
        }
    }
}
