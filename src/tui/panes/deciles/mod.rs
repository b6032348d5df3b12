//! The Deciles tab: pick a decile job, a window and a category; the decile table
//! (customers, total, mean, share, cumulative share, lift, min, max, share bar) and
//! a chart of the share per bucket. Runs jobs on a worker with progress and cancel,
//! shows the generated SQL, makes a segment of a bucket's customers (Enter), and creates
//! and edits job files.
//!
//! All DuckDB work goes through `ctx.task` with the domain functions of
//! `scheduler::jobs` (the same run as `clvdesk --run-schedule`).

use std::any::Any;
use std::path::PathBuf;
use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::Rect;

use super::{Ctx, DrawCtx, Pane, PaneInit};
use crate::analytics::decile_table::{DecileLine, DecileSummary};
use crate::analytics::deciles::{DecileJob, Window};
use crate::engine::worker::RequestId;
use crate::scheduler::jobs::{
    DecileRunSummary, plan_decile_job, read_decile_summary, run_decile_job, script_header,
};
use crate::tui::action::Action;
use crate::tui::effect::{Answer, Effect, Overlay, PickItem, TaskResult};
use crate::tui::keymap::{Context, Keymap};
use crate::workspace::decile_jobs::{self, EDITABLE_KEYS};

pub(crate) mod draw;
#[cfg(test)]
mod tests;

const PROMPT_NEW: u32 = 1;
const PICK_KEY: u32 = 2;
const PROMPT_VALUE: u32 = 3;

/// The decile data of the selected job.
#[derive(Debug)]
pub enum Data {
    /// Not asked for yet.
    Idle,
    Loading(RequestId),
    Ready(DecileSummary),
    /// The job has not been run: its tables do not exist.
    NotRun,
    Failed(String),
}

/// A job run.
#[derive(Debug)]
pub enum RunState {
    Idle,
    Running {
        id: RequestId,
        job: String,
        started: Instant,
    },
}

/// What a planned SQL is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SqlFor {
    Show,
    Open,
}

pub struct DecilesPane {
    pub(crate) dir: PathBuf,
    pub jobs: Vec<DecileJob>,
    pub file_errors: Vec<String>,
    pub job: usize,
    pub window: usize,
    pub category: usize,
    pub bucket: usize,
    pub data: Data,
    pub run: RunState,
    plan_req: Option<(RequestId, SqlFor)>,
    editing_key: Option<String>,
    last_run: Option<String>,
}

impl DecilesPane {
    pub fn new(init: &PaneInit) -> Self {
        let dir = init
            .workspace
            .path(crate::workspace::paths::folders::DECILES);
        let mut pane = DecilesPane::with_dir(dir);
        for e in &pane.file_errors {
            init.warnings.borrow_mut().push(e.clone());
        }
        pane.file_errors.truncate(8);
        pane
    }

    /// A pane over the job files of `dir` (tests).
    pub fn with_dir(dir: PathBuf) -> Self {
        let mut p = DecilesPane {
            dir,
            jobs: Vec::new(),
            file_errors: Vec::new(),
            job: 0,
            window: 0,
            category: 0,
            bucket: 0,
            data: Data::Idle,
            run: RunState::Idle,
            plan_req: None,
            editing_key: None,
            last_run: None,
        };
        p.reload_jobs();
        p
    }

    fn reload_jobs(&mut self) {
        let current = self.current_job().map(|j| j.name.clone());
        let (jobs, errors) = decile_jobs::load_jobs(&self.dir);
        self.jobs = jobs;
        self.file_errors = errors.iter().map(|e| e.to_string()).collect();
        self.job = current
            .and_then(|n| self.jobs.iter().position(|j| j.name == n))
            .unwrap_or(0);
    }

    pub fn current_job(&self) -> Option<&DecileJob> {
        self.jobs.get(self.job)
    }

    /// Windows of the current job.
    pub fn windows(&self) -> Vec<Window> {
        self.current_job()
            .map(|j| j.windows.clone())
            .unwrap_or_default()
    }

    pub fn current_window(&self) -> Option<Window> {
        let w = self.windows();
        w.get(self.window.min(w.len().saturating_sub(1))).copied()
    }

    /// Categories of the current window.
    pub fn categories(&self) -> Vec<String> {
        match (&self.data, self.current_window()) {
            (Data::Ready(s), Some(w)) => s.categories(w),
            _ => Vec::new(),
        }
    }

    pub fn current_category(&self) -> Option<String> {
        let c = self.categories();
        c.get(self.category.min(c.len().saturating_sub(1))).cloned()
    }

    /// The decile table now shown.
    pub fn table(&self) -> Vec<DecileLine> {
        match (&self.data, self.current_window(), self.current_category()) {
            (Data::Ready(s), Some(w), Some(c)) => s.table(w, &c),
            _ => Vec::new(),
        }
    }

    /// Sets the data (after a load; tests).
    pub fn set_data(&mut self, data: Data) {
        self.data = data;
        self.clamp();
    }

    fn clamp(&mut self) {
        let nw = self.windows().len();
        self.window = self.window.min(nw.saturating_sub(1));
        let nc = self.categories().len();
        self.category = self.category.min(nc.saturating_sub(1));
        let nb = self.table().len();
        self.bucket = self.bucket.min(nb.saturating_sub(1));
    }

    fn load(&mut self, ctx: &mut Ctx) {
        let Some(job) = self.current_job().cloned() else {
            self.data = Data::Idle;
            return;
        };
        let id = ctx.task(
            format!("reading {}", job.long_table()),
            Box::new(move |conn| {
                read_decile_summary(conn, &job)
                    .map(|s| Box::new(s) as Box<dyn Any + Send>)
                    .map_err(|e| e.to_string())
            }),
        );
        self.data = Data::Loading(id);
    }

    fn start_run(&mut self, ctx: &mut Ctx) {
        if let RunState::Running { job, .. } = &self.run {
            ctx.info(format!("{job} is running; Esc cancels it"));
            return;
        }
        let Some(job) = self.current_job().cloned() else {
            ctx.info("No decile job: press n to create one");
            return;
        };
        let name = job.name.clone();
        let id = ctx.task(
            format!("decile job {name}"),
            Box::new(move |conn| {
                run_decile_job(conn, &job)
                    .map(|s| Box::new(s) as Box<dyn Any + Send>)
                    .map_err(|e| e.to_string())
            }),
        );
        self.run = RunState::Running {
            id,
            job: name,
            started: Instant::now(),
        };
    }

    fn plan(&mut self, what: SqlFor, ctx: &mut Ctx) {
        let Some(job) = self.current_job().cloned() else {
            return;
        };
        let id = ctx.task(
            format!("planning {}", job.name),
            Box::new(move |conn| {
                plan_decile_job(conn, &job)
                    .map(|p| Box::new(p.script(&script_header(&job, &p))) as Box<dyn Any + Send>)
                    .map_err(|e| e.to_string())
            }),
        );
        self.plan_req = Some((id, what));
    }

    /// Enter on a bucket: a segment of its customers (`segments/<job>_<window>_<category>_b<N>.toml`),
    /// to preview, refine and export in the Segments tab.
    fn bucket_segment(&mut self, ctx: &mut Ctx) {
        let (Some(job), Some(w), Some(c)) = (
            self.current_job(),
            self.current_window(),
            self.current_category(),
        ) else {
            return;
        };
        let Some(line) = self.table().get(self.bucket).cloned() else {
            return;
        };
        let Some(root) = self.dir.parent() else {
            return;
        };
        match super::segments::segment_from_bucket(root, job, w.label(), &c, i64::from(line.bucket))
        {
            Ok(path) => ctx.info(format!(
                "created segment {} (Segments tab previews and refines it)",
                path.display()
            )),
            Err(e) => ctx.error(e.to_string()),
        }
    }

    fn select_job(&mut self, delta: isize, ctx: &mut Ctx) {
        if self.jobs.is_empty() {
            return;
        }
        let n = self.jobs.len() as isize;
        self.job = (self.job as isize + delta).rem_euclid(n) as usize;
        self.window = 0;
        self.category = 0;
        self.bucket = 0;
        self.load(ctx);
    }

    fn cycle(value: &mut usize, len: usize, delta: isize) {
        if len > 0 {
            *value = (*value as isize + delta).rem_euclid(len as isize) as usize;
        }
    }

    /// Moves the window, keeping the category by name when the new window has it.
    pub fn cycle_window(&mut self, delta: isize) {
        let cat = self.current_category();
        let n = self.windows().len();
        Self::cycle(&mut self.window, n, delta);
        if let Some(c) = cat
            && let Some(i) = self.categories().iter().position(|x| *x == c)
        {
            self.category = i;
        }
        self.clamp();
    }

    pub fn cycle_category(&mut self, delta: isize) {
        let n = self.categories().len();
        Self::cycle(&mut self.category, n, delta);
        self.clamp();
    }

    fn open_editor(&mut self, ctx: &mut Ctx) {
        let Some(job) = self.current_job() else {
            ctx.info("No decile job: press n to create one");
            return;
        };
        let items = EDITABLE_KEYS
            .iter()
            .map(|(k, hint)| PickItem {
                label: format!("{k:<15} {}", decile_jobs::key_text(job, k)),
                detail: (*hint).to_string(),
                value: (*k).to_string(),
            })
            .collect();
        ctx.open(Overlay::picker(
            PICK_KEY,
            format!(
                "Edit {} (Enter edits a key)",
                decile_jobs::job_path(&self.dir, &job.name).display()
            ),
            items,
        ));
    }

    fn create_job(&mut self, name: &str, ctx: &mut Ctx) {
        let name = name.trim();
        if !crate::analytics::deciles::is_valid_job_name(name) {
            ctx.error(format!(
                "`{name}` is not a job name (letters, digits, _ and -)"
            ));
            return;
        }
        let path = decile_jobs::job_path(&self.dir, name);
        if path.exists() {
            ctx.error(format!("{} exists already", path.display()));
            return;
        }
        // A new job starts as a copy of the selected one (or the starter).
        let mut job = match self.current_job() {
            Some(j) => j.clone(),
            None => {
                let (n, text) = decile_jobs::STARTER_JOBS[0];
                match decile_jobs::parse_job(&decile_jobs::job_path(&self.dir, n), text) {
                    Ok(j) => j,
                    Err(e) => {
                        ctx.error(e.to_string());
                        return;
                    }
                }
            }
        };
        job.name = name.to_string();
        job.output_prefix = crate::analytics::deciles::default_prefix(name);
        job.description = None;
        match decile_jobs::save_job(&self.dir, &job) {
            Ok(p) => {
                ctx.info(format!("created {}", p.display()));
                self.reload_jobs();
                if let Some(i) = self.jobs.iter().position(|j| j.name == name) {
                    self.job = i;
                }
                self.data = Data::NotRun;
                self.open_editor(ctx);
            }
            Err(e) => ctx.error(e.to_string()),
        }
    }

    fn apply_edit(&mut self, key: &str, input: &str, ctx: &mut Ctx) {
        let Some(job) = self.current_job() else {
            return;
        };
        let path = decile_jobs::job_path(&self.dir, &job.name);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                ctx.error(format!("{}: {e}", path.display()));
                return;
            }
        };
        match decile_jobs::edit_key(&path, &text, key, input)
            .and_then(|(t, _)| decile_jobs::write_job_text(&path, &t))
        {
            Ok(()) => {
                ctx.info(format!("saved {key} in {}; r runs the job", path.display()));
                self.reload_jobs();
                self.open_editor(ctx);
            }
            // The file keeps its last good content.
            Err(e) => ctx.error(e.to_string()),
        }
    }

    fn finished_run(&mut self, summary: &DecileRunSummary, ctx: &mut Ctx) {
        let text = format!(
            "{}: {} ranked rows, {} identities, as of {}, in {:.1} s",
            summary.job,
            summary.long_rows,
            summary.profile_rows,
            summary.as_of,
            summary.elapsed.as_secs_f64()
        );
        ctx.info(text.clone());
        self.last_run = Some(text);
        self.load(ctx);
    }
}

impl Pane for DecilesPane {
    fn title(&self) -> &str {
        "Deciles"
    }

    fn contexts(&self) -> Vec<Context> {
        vec![Context::Deciles]
    }

    fn on_show(&mut self, ctx: &mut Ctx) {
        if matches!(self.data, Data::Idle) {
            self.load(ctx);
        }
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        match action {
            Action::NextWindow => self.cycle_window(1),
            Action::PrevWindow => self.cycle_window(-1),
            Action::NextCategory => self.cycle_category(1),
            Action::PrevCategory => self.cycle_category(-1),
            Action::NextJob => self.select_job(1, ctx),
            Action::PrevJob => self.select_job(-1, ctx),
            Action::Up => self.bucket = self.bucket.saturating_sub(1),
            Action::Down => {
                self.bucket = (self.bucket + 1).min(self.table().len().saturating_sub(1));
            }
            Action::Top => self.bucket = 0,
            Action::Bottom => self.bucket = self.table().len().saturating_sub(1),
            Action::PageUp => self.bucket = self.bucket.saturating_sub(10),
            Action::PageDown => {
                self.bucket = (self.bucket + 10).min(self.table().len().saturating_sub(1));
            }
            Action::Select => self.bucket_segment(ctx),
            Action::RunJob => self.start_run(ctx),
            Action::Cancel => match &self.run {
                RunState::Running { id, .. } => ctx.cancel(*id),
                RunState::Idle => return false,
            },
            Action::ShowSql => self.plan(SqlFor::Show, ctx),
            Action::OpenSql => self.plan(SqlFor::Open, ctx),
            Action::EditJob => self.open_editor(ctx),
            Action::NewJob => ctx.open(Overlay::prompt(
                PROMPT_NEW,
                "New decile job",
                "a name (letters, digits, _ and -); it starts as a copy of the selected job",
                "",
            )),
            Action::Refresh => {
                self.reload_jobs();
                self.load(ctx);
            }
            _ => return false,
        }
        true
    }

    fn on_task(&mut self, id: RequestId, result: TaskResult, ctx: &mut Ctx) {
        if matches!(self.data, Data::Loading(r) if r == id) {
            self.data = match result {
                TaskResult::Done(v) => match v.downcast::<Option<DecileSummary>>() {
                    Ok(s) => match *s {
                        Some(s) => Data::Ready(s),
                        None => Data::NotRun,
                    },
                    Err(_) => Data::Failed("unexpected result".into()),
                },
                TaskResult::Failed(e) => Data::Failed(e),
                TaskResult::Cancelled => Data::Idle,
            };
            self.clamp();
            return;
        }
        if matches!(self.run, RunState::Running { id: r, .. } if r == id) {
            let RunState::Running { job, .. } = std::mem::replace(&mut self.run, RunState::Idle)
            else {
                return;
            };
            match result {
                TaskResult::Done(v) => match v.downcast::<DecileRunSummary>() {
                    Ok(s) => self.finished_run(&s, ctx),
                    Err(_) => ctx.error("unexpected result"),
                },
                TaskResult::Failed(e) => ctx.error(e),
                TaskResult::Cancelled => ctx.info(format!(
                    "{job} cancelled; the previous tables are unchanged"
                )),
            }
            return;
        }
        if let Some((r, what)) = self.plan_req
            && r == id
        {
            self.plan_req = None;
            match result {
                TaskResult::Done(v) => {
                    let sql = v.downcast::<String>().map(|s| *s).unwrap_or_default();
                    match what {
                        SqlFor::Show => ctx.open(Overlay::viewer(
                            "Generated SQL (o in the Deciles tab opens it in the SQL tab)",
                            sql,
                        )),
                        SqlFor::Open => ctx.effect(Effect::OpenSql { sql, run: false }),
                    }
                }
                TaskResult::Failed(e) => ctx.error(e),
                TaskResult::Cancelled => {}
            }
        }
    }

    fn on_answer(&mut self, answer: Answer, ctx: &mut Ctx) {
        match answer {
            Answer::Text(PROMPT_NEW, name) => self.create_job(&name, ctx),
            Answer::Picked(PICK_KEY, key) => {
                let Some(job) = self.current_job() else {
                    return;
                };
                let hint = EDITABLE_KEYS
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map_or("", |(_, h)| *h);
                let current = decile_jobs::key_text(job, &key);
                ctx.open(Overlay::prompt(
                    PROMPT_VALUE,
                    format!("{} · {key}", job.name),
                    hint,
                    &current,
                ));
                self.editing_key = Some(key);
            }
            Answer::Text(PROMPT_VALUE, value) => {
                if let Some(key) = self.editing_key.take() {
                    self.apply_edit(&key, &value, ctx);
                }
            }
            _ => {}
        }
    }

    fn hints(&self, keymap: &Keymap) -> Vec<(String, &'static str)> {
        let c = Context::Deciles;
        let mut items = vec![(c, Action::NextWindow), (c, Action::NextCategory)];
        // Switching jobs only means something with more than one.
        if self.jobs.len() > 1 {
            items.push((c, Action::NextJob));
        }
        items.extend([
            (c, Action::RunJob),
            (c, Action::Select),
            (c, Action::ShowSql),
            (c, Action::EditJob),
            (c, Action::NewJob),
        ]);
        keymap.hints(&items)
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, ctx: &DrawCtx) {
        draw::draw(self, f, area, ctx.theme);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
