//! The app: a router over the panes plus the overlay, the status line and
//! the table of running jobs. `update` applies one message; effects are run
//! right after (workers are spawned, cancels sent). The terminal is not
//! needed: tests drive an `App` headless and draw it into a `TestBackend`.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::engine::worker::{
    self, QueryEvent, QueryHandle, QueryOptions, QueryOutcome, RequestId, RowCount,
};
use crate::tui::action::Action;
use crate::tui::effect::{Effect, Job, JobInfo, Msg, Notice, Overlay, TaskResult};
use crate::tui::keymap::{Context, KeyChord, Keymap};
use crate::tui::overlay::{self, Outcome};
use crate::tui::panes::{self, Ctx, DrawCtx, Pane, PaneInit, Paths};
use crate::tui::theme::{self, Slot, Theme};
use crate::workspace::Workspace;

/// Below this the frame shows a note instead of the panes.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 12;

/// Owner id of overlays the app itself opens (help).
const APP: usize = usize::MAX;

/// Options for [`crate::tui::run`] and [`App::new`].
pub struct AppOptions {
    pub workspace: Workspace,
    /// `--theme NAME`.
    pub theme: Option<String>,
    /// Where keymap.toml, config.toml and themes/ live (default: the
    /// platform config dir). Tests point it at a temp dir.
    pub config_dir: Option<std::path::PathBuf>,
}

impl AppOptions {
    pub fn new(workspace: Workspace) -> Self {
        AppOptions {
            workspace,
            theme: None,
            config_dir: crate::workspace::paths::config_dir(),
        }
    }

    pub fn theme(mut self, theme: Option<String>) -> Self {
        self.theme = theme;
        self
    }
}

enum Canceller {
    Query(QueryHandle),
    Task {
        interrupt: Arc<duckdb::InterruptHandle>,
        cancelled: Arc<AtomicBool>,
    },
}

impl Canceller {
    fn cancel(&self) {
        match self {
            Canceller::Query(h) => h.cancel(),
            Canceller::Task {
                interrupt,
                cancelled,
            } => {
                cancelled.store(true, Ordering::SeqCst);
                interrupt.interrupt();
            }
        }
    }
}

pub struct App {
    pub workspace: Workspace,
    pub paths: Paths,
    pub theme: Theme,
    pub keymap: Keymap,
    pub panes: Vec<Box<dyn Pane>>,
    pub tab: usize,
    pub overlay: Option<(usize, Overlay)>,
    pub notice: Option<Notice>,
    /// Running requests (status line, idle detection).
    pub jobs: HashMap<RequestId, JobInfo>,
    cancellers: HashMap<RequestId, Canceller>,
    owners: HashMap<RequestId, usize>,
    next_id: RequestId,
    effects: Vec<Effect>,
    tx: Sender<Msg>,
    rx: Receiver<Msg>,
    pub quit: bool,
    /// Last text copied (also sent to the terminal clipboard).
    pub clipboard: Option<String>,
    /// Effects only the terminal runtime can perform (suspend, clipboard).
    pub terminal_effects: Vec<Effect>,
    tab_areas: Vec<(usize, u16, u16)>,
    keymap_hint: String,
}

fn read_theme_setting(path: &std::path::Path, warnings: &mut Vec<String>) -> Option<String> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Settings {
        theme: Option<String>,
    }
    let text = std::fs::read_to_string(path).ok()?;
    match toml::from_str::<Settings>(&text) {
        Ok(s) => s.theme,
        Err(e) => {
            warnings.push(format!("{}: {e}", path.display()));
            None
        }
    }
}

impl App {
    pub fn new(opts: AppOptions) -> App {
        let (tx, rx) = channel();
        let paths = Paths::new(opts.workspace.root().to_path_buf());
        let mut warnings = Vec::new();
        let config_dir = opts.config_dir.clone();
        let keymap_path = config_dir.as_deref().map(crate::tui::keymap::keymap_path);
        let (keymap, kerr) = Keymap::load(keymap_path.as_deref());
        if let Some(e) = kerr {
            warnings.push(format!("{e} (using the default keys)"));
        }
        let ws_theme = read_theme_setting(&paths.state.join("app.toml"), &mut warnings);
        let cfg_theme = config_dir
            .as_deref()
            .and_then(|d| read_theme_setting(&d.join("config.toml"), &mut warnings));
        let (theme, terr) = theme::resolve(
            &[opts.theme.clone(), ws_theme, cfg_theme],
            config_dir.as_deref(),
            theme::no_color_requested(),
        );
        warnings.extend(terr);
        let init = PaneInit {
            paths: &paths,
            workspace: &opts.workspace,
            warnings: std::cell::RefCell::new(Vec::new()),
        };
        let panes = panes::registry(&init);
        warnings.extend(init.warnings.into_inner());
        let keymap_hint = keymap_path
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "keymap.toml in the config folder".into());
        let mut app = App {
            workspace: opts.workspace,
            paths,
            theme,
            keymap,
            panes,
            tab: 0,
            overlay: None,
            notice: None,
            jobs: HashMap::new(),
            cancellers: HashMap::new(),
            owners: HashMap::new(),
            next_id: 0,
            effects: Vec::new(),
            tx,
            rx,
            quit: false,
            clipboard: None,
            terminal_effects: Vec::new(),
            tab_areas: Vec::new(),
            keymap_hint,
        };
        app.notice = if warnings.is_empty() {
            None
        } else {
            Some(Notice::error(warnings.join(" · ")))
        };
        app.with_pane(0, |p, ctx| p.on_show(ctx));
        app.run_effects();
        app
    }

    /// A sender for the input thread and tests.
    pub fn sender(&self) -> Sender<Msg> {
        self.tx.clone()
    }

    pub fn busy(&self) -> bool {
        !self.jobs.is_empty()
    }

    /// The SQL pane (always tab 0).
    pub fn sql(&self) -> &panes::sql::SqlPane {
        self.panes[0]
            .as_any()
            .downcast_ref()
            .expect("tab 0 is the SQL pane")
    }

    pub fn sql_mut(&mut self) -> &mut panes::sql::SqlPane {
        self.panes[0]
            .as_any_mut()
            .downcast_mut()
            .expect("tab 0 is the SQL pane")
    }

    fn with_pane<R>(
        &mut self,
        idx: usize,
        f: impl FnOnce(&mut dyn Pane, &mut Ctx) -> R,
    ) -> Option<R> {
        let App {
            panes,
            effects,
            next_id,
            notice,
            overlay,
            paths,
            keymap,
            ..
        } = self;
        let pane = panes.get_mut(idx)?;
        let mut ctx = Ctx {
            owner: idx,
            effects,
            next_id,
            notice,
            overlay,
            paths,
            keymap,
        };
        Some(f(pane.as_mut(), &mut ctx))
    }

    /// Apply one message, then run the effects it asked for.
    pub fn update(&mut self, msg: Msg) {
        match msg {
            Msg::Input(Event::Key(key)) => self.on_key(key),
            Msg::Input(Event::Mouse(m)) => self.on_mouse(m),
            Msg::Input(Event::Paste(text)) => {
                if let Some((_, ov)) = &mut self.overlay {
                    overlay::on_paste(ov, &text);
                } else {
                    let tab = self.tab;
                    self.with_pane(tab, |p, ctx| p.on_paste(&text, ctx));
                }
            }
            Msg::Input(_) => {}
            Msg::Query(ev) => self.on_query_event(ev),
            Msg::TaskProgress { id, percent } => {
                if let Some(j) = self.jobs.get_mut(&id) {
                    j.progress = Some(percent);
                }
            }
            Msg::Task { id, result } => {
                self.finish_job(id);
                if let Some(owner) = self.owners.remove(&id) {
                    self.with_pane(owner, |p, ctx| p.on_task(id, result, ctx));
                }
            }
            Msg::Tick => {}
        }
        self.run_effects();
    }

    fn finish_job(&mut self, id: RequestId) {
        self.jobs.remove(&id);
        self.cancellers.remove(&id);
    }

    fn on_query_event(&mut self, ev: QueryEvent) {
        let id = match &ev {
            QueryEvent::Progress { id, .. }
            | QueryEvent::Done { id, .. }
            | QueryEvent::Count { id, .. }
            | QueryEvent::Page { id, .. } => *id,
        };
        let Some(&owner) = self.owners.get(&id) else {
            return;
        };
        match &ev {
            QueryEvent::Progress { percent, .. } => {
                if let Some(j) = self.jobs.get_mut(&id) {
                    j.progress = Some(*percent);
                }
            }
            QueryEvent::Done { outcome, .. } => {
                // A truncated result keeps its worker busy counting the rows.
                let counting = matches!(outcome, QueryOutcome::Rows(p)
                    if matches!(p.total, RowCount::AtLeast(_)) && p.source.is_some());
                if counting {
                    if let Some(j) = self.jobs.get_mut(&id) {
                        j.label = "counting rows".into();
                        j.progress = None;
                    }
                } else {
                    self.finish_job(id);
                    self.owners.remove(&id);
                }
            }
            QueryEvent::Count { .. } | QueryEvent::Page { .. } => {
                self.finish_job(id);
                self.owners.remove(&id);
            }
        }
        self.with_pane(owner, |p, ctx| p.on_query(ev, ctx));
    }

    fn on_key(&mut self, key: KeyEvent) {
        if key.kind == KeyEventKind::Release {
            return;
        }
        let chord = KeyChord::from_event(&key);
        if self.overlay.is_some()
            && chord.is_some_and(|c| self.keymap.lookup(Context::Global, &c) == Some(Action::Quit))
        {
            self.overlay = None;
            self.request_quit();
            return;
        }
        if let Some((owner, ov)) = &mut self.overlay {
            let owner = *owner;
            match overlay::on_key(ov, key, &self.keymap) {
                Outcome::Keep => {}
                Outcome::Close => self.overlay = None,
                Outcome::Answer(a) => {
                    self.overlay = None;
                    if owner != APP {
                        self.with_pane(owner, |p, ctx| p.on_answer(a, ctx));
                    }
                }
            }
            return;
        }
        let Some(chord) = chord else { return };
        let tab = self.tab;
        let mut contexts = self.panes[tab].contexts();
        contexts.push(Context::Global);
        if let Some(action) = self.keymap.resolve(&contexts, &chord) {
            let handled = self
                .with_pane(tab, |p, ctx| p.on_action(action, ctx))
                .unwrap_or(false);
            if !handled {
                self.global_action(action);
            }
            return;
        }
        // Typing clears an informational notice (errors stay until replaced).
        if self.notice.as_ref().is_some_and(|n| !n.error) {
            self.notice = None;
        }
        self.with_pane(tab, |p, ctx| p.on_key(key, ctx));
    }

    fn global_action(&mut self, action: Action) {
        match action {
            Action::Quit => self.request_quit(),
            Action::Help => self.overlay = Some((APP, Overlay::Help { scroll: 0 })),
            Action::Suspend => self.effects.push(Effect::Suspend),
            Action::NextTab => self.switch_tab((self.tab + 1) % self.panes.len()),
            Action::PrevTab => {
                self.switch_tab((self.tab + self.panes.len() - 1) % self.panes.len())
            }
            Action::Tab1 => self.switch_tab(0),
            Action::Tab2 => self.switch_tab(1),
            Action::Tab3 => self.switch_tab(2),
            Action::Tab4 => self.switch_tab(3),
            Action::Tab5 => self.switch_tab(4),
            Action::Tab6 => self.switch_tab(5),
            Action::Cancel => self.notice = Some(Notice::info("Nothing is running. Ctrl+Q quits.")),
            _ => {}
        }
    }

    pub fn switch_tab(&mut self, tab: usize) {
        if tab < self.panes.len() && tab != self.tab {
            self.tab = tab;
            self.with_pane(tab, |p, ctx| p.on_show(ctx));
        }
    }

    /// Save state (buffers) and stop every worker.
    pub fn request_quit(&mut self) {
        for i in 0..self.panes.len() {
            self.with_pane(i, |p, ctx| p.on_quit(ctx));
        }
        for c in self.cancellers.values() {
            c.cancel();
        }
        self.quit = true;
    }

    fn on_mouse(&mut self, m: MouseEvent) {
        if let Some((_, ov)) = &mut self.overlay {
            if let Overlay::Help { scroll } | Overlay::Viewer { scroll, .. } = ov {
                match m.kind {
                    MouseEventKind::ScrollDown => *scroll = scroll.saturating_add(3),
                    MouseEventKind::ScrollUp => *scroll = scroll.saturating_sub(3),
                    _ => {}
                }
            }
            return;
        }
        if m.row == 0 && m.kind == MouseEventKind::Down(MouseButton::Left) {
            if let Some((i, _, _)) = self
                .tab_areas
                .iter()
                .find(|(_, x, w)| m.column >= *x && m.column < x + w)
            {
                let i = *i;
                self.switch_tab(i);
            }
            return;
        }
        let tab = self.tab;
        self.with_pane(tab, |p, ctx| p.on_mouse(m, ctx));
    }

    fn sink(&self) -> worker::Sink {
        let tx = self.tx.clone();
        Arc::new(move |ev| {
            let _ = tx.send(Msg::Query(ev));
        })
    }

    fn register(&mut self, owner: usize, id: RequestId, label: String) {
        self.owners.insert(id, owner);
        self.jobs.insert(
            id,
            JobInfo {
                owner,
                label,
                started: Instant::now(),
                progress: None,
            },
        );
    }

    /// Run the effects queued by the last update.
    pub fn run_effects(&mut self) {
        while !self.effects.is_empty() {
            let effects = std::mem::take(&mut self.effects);
            for e in effects {
                self.run_effect(e);
            }
        }
    }

    fn run_effect(&mut self, e: Effect) {
        match e {
            Effect::Query {
                owner,
                id,
                sql,
                label,
                first_page_rows,
            } => {
                self.register(owner, id, label);
                match self.workspace.db().clone_conn() {
                    Ok(conn) => {
                        let opts = QueryOptions {
                            first_page_rows,
                            count_when_truncated: true,
                        };
                        let h = worker::spawn_query(conn, id, sql, opts, self.sink());
                        self.cancellers.insert(id, Canceller::Query(h));
                    }
                    Err(err) => {
                        let _ = self.tx.send(Msg::Query(QueryEvent::Done {
                            id,
                            outcome: QueryOutcome::Failed(err.to_string()),
                        }));
                    }
                }
            }
            Effect::Page {
                owner,
                id,
                source,
                offset,
                limit,
            } => {
                self.register(owner, id, "fetching rows".into());
                match self.workspace.db().clone_conn() {
                    Ok(conn) => {
                        let h = worker::spawn_page(conn, id, source, offset, limit, self.sink());
                        self.cancellers.insert(id, Canceller::Query(h));
                    }
                    Err(err) => {
                        let _ = self.tx.send(Msg::Query(QueryEvent::Page {
                            id,
                            offset,
                            result: Err(err.to_string()),
                        }));
                    }
                }
            }
            Effect::Task {
                owner,
                id,
                label,
                job,
            } => {
                self.register(owner, id, label);
                self.spawn_task(id, job);
            }
            Effect::Cancel(id) => {
                if let Some(c) = self.cancellers.get(&id) {
                    c.cancel();
                }
            }
            Effect::Copy(text) => {
                self.clipboard = Some(text.clone());
                self.terminal_effects.push(Effect::Copy(text));
            }
            Effect::Quit => self.request_quit(),
            Effect::Suspend => self.terminal_effects.push(Effect::Suspend),
        }
    }

    /// Run a job on its own connection, with DuckDB progress polling and an
    /// interrupt handle for cancel.
    fn spawn_task(&mut self, id: RequestId, job: Job) {
        let conn = match self.workspace.db().clone_conn() {
            Ok(c) => c,
            Err(e) => {
                let _ = self.tx.send(Msg::Task {
                    id,
                    result: TaskResult::Failed(e.to_string()),
                });
                return;
            }
        };
        let interrupt = conn.interrupt_handle();
        let cancelled = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicBool::new(false));
        self.cancellers.insert(
            id,
            Canceller::Task {
                interrupt,
                cancelled: cancelled.clone(),
            },
        );
        // Losing progress tracking only loses the percentage.
        let _ = conn.set_query_progress_tracking(true);
        let progress = conn.progress_handle();
        let ptx = self.tx.clone();
        let pdone = done.clone();
        std::thread::spawn(move || {
            let mut last = -1.0;
            while !pdone.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(100));
                if let Some(p) = progress.query_progress().percentage()
                    && (p - last).abs() >= 0.5
                    && !pdone.load(Ordering::SeqCst)
                {
                    last = p;
                    let _ = ptx.send(Msg::TaskProgress { id, percent: p });
                }
            }
        });
        let tx = self.tx.clone();
        std::thread::spawn(move || {
            let result = match job(&conn) {
                Ok(v) => TaskResult::Done(v),
                Err(_) if cancelled.load(Ordering::SeqCst) => TaskResult::Cancelled,
                Err(e) if e.contains("INTERRUPT") || e.contains("query cancelled") => {
                    TaskResult::Cancelled
                }
                Err(e) => TaskResult::Failed(e),
            };
            done.store(true, Ordering::SeqCst);
            let _ = tx.send(Msg::Task { id, result });
        });
    }

    /// Apply every message already waiting; true if there was one.
    pub fn drain(&mut self) -> bool {
        let mut any = false;
        while let Ok(msg) = self.rx.try_recv() {
            self.update(msg);
            any = true;
        }
        any
    }

    /// Wait for the next message (up to `timeout`), then drain the rest.
    pub fn wait(&mut self, timeout: Duration) -> bool {
        match self.rx.recv_timeout(timeout) {
            Ok(msg) => {
                self.update(msg);
                self.drain();
                true
            }
            Err(_) => false,
        }
    }

    /// For tests: apply messages until no job is running (or `timeout`).
    /// Returns whether the app became idle.
    pub fn pump_until_idle(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            self.drain();
            if !self.busy() {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            self.wait((deadline - now).min(Duration::from_millis(50)));
        }
    }

    /// For tests: a key press.
    pub fn key(&mut self, code: KeyCode, mods: KeyModifiers) {
        self.update(Msg::Input(Event::Key(KeyEvent::new(code, mods))));
    }

    /// For tests: type text (newlines as Enter).
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            if c == '\n' {
                self.key(KeyCode::Enter, KeyModifiers::NONE);
            } else {
                self.key(KeyCode::Char(c), KeyModifiers::NONE);
            }
        }
    }

    /// After a frame: let the visible pane ask for data its drawing found
    /// missing (e.g. rows revealed by a resize).
    pub fn after_draw(&mut self) {
        let tab = self.tab;
        self.with_pane(tab, |p, ctx| p.after_draw(ctx));
        self.run_effects();
    }

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

    fn draw_tabs(&mut self, f: &mut Frame, area: Rect) {
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

    fn draw_status(&self, f: &mut Frame, area: Rect) {
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
        let hints_w: u16 = hints.iter().map(|s| s.width() as u16).sum();
        let left_w: u16 = left.iter().map(|s| s.width() as u16).sum();
        // Hints give way to the message when space is short.
        if hints_w + left_w <= area.width || left_w + 20 < area.width {
            let hw = hints_w.min(area.width.saturating_sub(left_w.min(area.width / 2)));
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
            f.render_widget(Line::from(left), area);
        }
    }
}
