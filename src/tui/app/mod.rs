//! The app: a router over the panes plus the overlay, the status line and
//! the table of running jobs. `update` applies one message; effects are run
//! right after (workers are spawned, cancels sent). The terminal is not
//! needed: tests drive an `App` headless and draw it into a `TestBackend`.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::config::Config;
use crate::engine::worker::{
    self, QueryEvent, QueryHandle, QueryOptions, QueryOutcome, RequestId, RowCount,
};
use crate::tui::action::Action;
use crate::tui::effect::{Effect, Job, JobInfo, Msg, Notice, Overlay, TaskResult};
use crate::tui::keymap::{Context, KeyChord, Keymap};
use crate::tui::overlay::{self, Outcome};
use crate::tui::panes::{self, Ctx, DrawCtx, Pane, PaneInit, Paths};
use crate::tui::signals::Signal;
use crate::tui::theme::{self, Slot, Theme};
use crate::workspace::Workspace;

mod frame;
mod jobs;
mod schedules;
#[cfg(test)]
mod tests;

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
    cancellers: HashMap<RequestId, QueryHandle>,
    owners: HashMap<RequestId, usize>,
    next_id: RequestId,
    effects: Vec<Effect>,
    tx: Sender<Msg>,
    rx: Receiver<Msg>,
    pub quit: bool,
    /// The signal that ended the app, if one did (the exit status follows it).
    pub stopped_by: Option<Signal>,
    /// Last text copied (also sent to the terminal clipboard).
    pub clipboard: Option<String>,
    /// Effects only the terminal runtime can perform (suspend, clipboard).
    pub terminal_effects: Vec<Effect>,
    tab_areas: Vec<(usize, u16, u16)>,
    keymap_hint: String,
    /// The background scheduler (stopped, its running job cancelled, on shutdown).
    scheduler: Option<crate::scheduler::background::Handle>,
}

/// The workspace's own theme choice (`.clvdesk/app.toml`).
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
        // What seeding decided (not seeded, starters skipped or failed) is shown at start.
        let mut warnings = opts.workspace.seed_report().notes();
        let config_dir = opts.config_dir.clone();
        let (settings, cerr) = Config::load_or_default(config_dir.as_deref());
        if let Some(e) = cerr {
            warnings.push(format!("{e} (using the default settings)"));
        }
        let keymap_path = config_dir.as_deref().map(crate::tui::keymap::keymap_path);
        let config_file = config_dir.as_deref().map(crate::config::path_in);
        let key_overrides = settings.keys_toml();
        let (keymap, kerrs) = crate::tui::keymap::load_layers(
            config_dir.as_deref(),
            config_file.as_deref().zip(key_overrides.as_deref()),
        );
        for e in kerrs {
            warnings.push(format!("{e} (ignored)"));
        }
        let ws_theme = read_theme_setting(&paths.state.join("app.toml"), &mut warnings);
        let (theme, terr) = theme::resolve(
            &[opts.theme.clone(), ws_theme, Some(settings.theme.clone())],
            config_dir.as_deref(),
            theme::no_color_requested(),
        );
        warnings.extend(terr);
        let init = PaneInit {
            paths: &paths,
            workspace: &opts.workspace,
            settings: &settings,
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
            stopped_by: None,
            clipboard: None,
            terminal_effects: Vec::new(),
            tab_areas: Vec::new(),
            keymap_hint,
            scheduler: None,
        };
        let poll = Duration::from_secs(u64::from(settings.refresh.scheduler_seconds));
        match schedules::start(&app.workspace, poll, app.tx.clone()) {
            Ok(handle) => app.scheduler = handle,
            Err(e) => warnings.push(e),
        }
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
            Msg::Signal(s) => self.on_signal(s),
            Msg::Schedule(ev) => {
                if let Some(n) = schedules::notice(&ev) {
                    self.notice = Some(n);
                }
                for i in 0..self.panes.len() {
                    self.with_pane(i, |p, ctx| p.on_schedule(&ev, ctx));
                }
            }
            Msg::Tick => {}
        }
        self.run_effects();
    }

    /// Hang-up, terminate and an outside interrupt quit the way Ctrl+Q does
    /// (buffers saved, workers cancelled); the exit status then names the
    /// signal. An outside SIGTSTP suspends like Ctrl+Z; SIGCONT repaints.
    fn on_signal(&mut self, s: Signal) {
        match s {
            Signal::Hangup | Signal::Terminate | Signal::Interrupt => {
                if !self.quit {
                    self.stopped_by = Some(s);
                    self.request_quit();
                }
            }
            Signal::Stop => self.effects.push(Effect::Suspend),
            Signal::Continue => self.effects.push(Effect::Repaint),
        }
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

    /// After quitting: give cancelled workers up to `timeout` to stop, so an
    /// interrupted export removes its temp file before the process exits.
    pub fn shutdown(&mut self, timeout: Duration) {
        for c in self.cancellers.values() {
            c.cancel();
        }
        if let Some(mut s) = self.scheduler.take() {
            s.stop();
        }
        self.pump_until_idle(timeout);
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
}
