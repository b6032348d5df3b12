//! The CLV tab: the latest BG/NBD + Gamma-Gamma fit of the workspace with its parameters and
//! standard errors, log-likelihoods, the holdout check (actual vs predicted repeat purchases
//! per calibration frequency), cumulative tracking, CLV by decile and the top customers.
//! `r` refits on a worker (the same `pipeline::clv` as `clvdesk clv` and the seeding), with
//! DuckDB progress in the status line and Esc to cancel; `e` edits the source, columns,
//! calibration end and horizon; `h` cycles the horizon; `o` opens the predictions in SQL.

use std::any::Any;
use std::path::Path;
use std::time::Instant;

use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::layout::Rect;

use super::{Ctx, DrawCtx, Pane, PaneInit};
use crate::analytics::clv::Horizon;
use crate::analytics::clv::rfm::TxnSource;
use crate::engine::worker::RequestId;
use crate::pipeline::clv::view::{self as clv_view, ClvView};
use crate::pipeline::clv::{self as clv_job, ClvSpec, PREDICTIONS_TABLE};
use crate::sql::is_plain_name;
use crate::tui::action::Action;
use crate::tui::effect::{Answer, Effect, Overlay, PickItem, TaskResult};
use crate::tui::keymap::{Context, Keymap};
use crate::workspace::data_file_reader;

pub(crate) mod draw;
#[cfg(test)]
mod tests;

const PICK_SETTING: u32 = 1;
const PROMPT_SETTING: u32 = 2;
/// Rows of the top-customers table fetched with each load.
pub const TOP_CUSTOMERS: usize = 50;
/// Horizons offered by `h`.
pub const HORIZONS: [u32; 5] = [6, 12, 24, 36, 60];

/// What the next fit uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// A workspace table or a CSV/Parquet/JSON path.
    pub source: String,
    pub customer: String,
    pub date: String,
    pub amount: String,
    pub calibration_end: Option<NaiveDate>,
    pub observation_end: Option<NaiveDate>,
    pub horizon_months: u32,
    pub discount_monthly: f64,
}

impl Default for Settings {
    /// The sample transaction log with the periods of its truth.json.
    fn default() -> Self {
        let spec = clv_job::sample_spec(crate::workspace::seed::SAMPLE_TRUTH).ok();
        Settings {
            source: "loyalty_transactions".into(),
            customer: "member_id".into(),
            date: "txn_date".into(),
            amount: "amount".into(),
            calibration_end: spec.as_ref().and_then(|s| s.calibration_end),
            observation_end: spec.as_ref().and_then(|s| s.observation_end),
            horizon_months: 12,
            discount_monthly: 0.01,
        }
    }
}

/// Editable settings: key, hint.
pub const SETTING_KEYS: &[(&str, &str)] = &[
    (
        "source",
        "a table of the workspace, or a CSV/Parquet/JSON file path",
    ),
    ("customer", "customer id column"),
    ("date", "transaction date column (DATE, TIMESTAMP or text)"),
    (
        "amount",
        "amount column (zero amounts count as purchases, refunds are excluded)",
    ),
    (
        "calibration_end",
        "YYYY-MM-DD, or empty for the last purchase date",
    ),
    ("observation_end", "YYYY-MM-DD end of the holdout, or empty"),
    ("horizon_months", "months of future value in the CLV"),
    ("discount_monthly", "monthly discount rate, e.g. 0.01"),
];

impl Settings {
    pub fn value(&self, key: &str) -> String {
        let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        match key {
            "source" => self.source.clone(),
            "customer" => self.customer.clone(),
            "date" => self.date.clone(),
            "amount" => self.amount.clone(),
            "calibration_end" => date(self.calibration_end),
            "observation_end" => date(self.observation_end),
            "horizon_months" => self.horizon_months.to_string(),
            "discount_monthly" => self.discount_monthly.to_string(),
            _ => String::new(),
        }
    }

    /// Sets one key from text; the settings are unchanged on error.
    pub fn set(&mut self, key: &str, input: &str) -> Result<(), String> {
        let input = input.trim();
        let date = |s: &str| -> Result<Option<NaiveDate>, String> {
            if s.is_empty() {
                Ok(None)
            } else {
                s.parse()
                    .map(Some)
                    .map_err(|_| format!("`{s}` is not a date (YYYY-MM-DD)"))
            }
        };
        let name = |s: &str| -> Result<String, String> {
            if s.is_empty() {
                Err(format!("{key} cannot be empty"))
            } else {
                Ok(s.to_string())
            }
        };
        match key {
            "source" => self.source = name(input)?,
            "customer" => self.customer = name(input)?,
            "date" => self.date = name(input)?,
            "amount" => self.amount = name(input)?,
            "calibration_end" => self.calibration_end = date(input)?,
            "observation_end" => self.observation_end = date(input)?,
            "horizon_months" => {
                self.horizon_months = input
                    .parse()
                    .ok()
                    .filter(|m| (1..=1200).contains(m))
                    .ok_or_else(|| format!("`{input}` is not a number of months (1-1200)"))?;
            }
            "discount_monthly" => {
                self.discount_monthly = input
                    .parse()
                    .ok()
                    .filter(|d: &f64| (0.0..1.0).contains(d))
                    .ok_or_else(|| format!("`{input}` is not a rate in [0, 1)"))?;
            }
            _ => return Err(format!("unknown setting {key}")),
        }
        Ok(())
    }

    /// The job spec, or why the settings cannot run.
    pub fn spec(&self) -> Result<ClvSpec, String> {
        let path = Path::new(&self.source);
        let source = match data_file_reader(path) {
            Some(reader) => TxnSource::File {
                reader,
                path: self.source.clone(),
            },
            None if is_plain_name(&self.source) => TxnSource::Table(self.source.clone()),
            None => {
                return Err(format!(
                    "`{}` is neither a table nor a data file",
                    self.source
                ));
            }
        };
        if self.observation_end.is_some() && self.calibration_end.is_none() {
            return Err("an observation end needs a calibration end".into());
        }
        Ok(ClvSpec {
            source,
            customer: self.customer.clone(),
            date: self.date.clone(),
            amount: self.amount.clone(),
            calibration_end: self.calibration_end,
            observation_end: self.observation_end,
            horizon: Horizon {
                months: self.horizon_months,
                monthly_discount: self.discount_monthly,
            },
        })
    }
}

/// The fit shown.
#[derive(Debug)]
pub enum Data {
    /// Not asked for yet.
    Idle,
    Loading(RequestId),
    /// No fit recorded in this workspace.
    Empty,
    Ready(Box<ClvView>),
    Failed(String),
}

/// A refit.
#[derive(Debug)]
pub enum RunState {
    Idle,
    Running { id: RequestId, started: Instant },
}

pub struct ClvPane {
    pub settings: Settings,
    pub data: Data,
    pub run: RunState,
    /// Selected row of the top-customers table.
    pub row: usize,
    editing: Option<String>,
    /// The last refit's failure, shown until the next one.
    pub last_error: Option<String>,
}

impl ClvPane {
    pub fn new(_init: &PaneInit) -> Self {
        Self::with_settings(Settings::default())
    }

    pub fn with_settings(settings: Settings) -> Self {
        ClvPane {
            settings,
            data: Data::Idle,
            run: RunState::Idle,
            row: 0,
            editing: None,
            last_error: None,
        }
    }

    fn load(&mut self, ctx: &mut Ctx) {
        let id = ctx.task(
            "reading the CLV fit",
            Box::new(|conn| {
                clv_view::load_latest(conn, TOP_CUSTOMERS)
                    .map(|v| Box::new(v) as Box<dyn Any + Send>)
                    .map_err(|e| e.to_string())
            }),
        );
        self.data = Data::Loading(id);
    }

    fn start_fit(&mut self, ctx: &mut Ctx) {
        if matches!(self.run, RunState::Running { .. }) {
            ctx.info("A CLV fit is running; Esc cancels it");
            return;
        }
        let spec = match self.settings.spec() {
            Ok(s) => s,
            Err(e) => {
                ctx.error(e);
                return;
            }
        };
        let id = ctx.task(
            format!("fitting CLV on {}", spec.input_label()),
            Box::new(move |conn| {
                // A failed fit saves nothing (the error says which model and why), so the
                // predictions and the fit shown stay the previous good ones.
                clv_job::run_and_save(conn, &spec).map_err(|e| e.to_string())?;
                clv_view::load_latest(conn, TOP_CUSTOMERS)
                    .map(|v| Box::new(v) as Box<dyn Any + Send>)
                    .map_err(|e| e.to_string())
            }),
        );
        self.last_error = None;
        self.run = RunState::Running {
            id,
            started: Instant::now(),
        };
    }

    /// Sets the data after a load or a fit (tests too).
    pub fn set_view(&mut self, view: Option<ClvView>) {
        self.data = match view {
            Some(v) => Data::Ready(Box::new(v)),
            None => Data::Empty,
        };
        self.row = self.row.min(self.top_len().saturating_sub(1));
    }

    fn top_len(&self) -> usize {
        match &self.data {
            Data::Ready(v) => v.top.len(),
            _ => 0,
        }
    }

    fn open_editor(&mut self, ctx: &mut Ctx) {
        let items = SETTING_KEYS
            .iter()
            .map(|(k, h)| PickItem {
                label: format!("{k:<17} {}", self.settings.value(k)),
                detail: (*h).to_string(),
                value: (*k).to_string(),
            })
            .collect();
        ctx.open(Overlay::picker(
            PICK_SETTING,
            "CLV fit settings (Enter edits)",
            items,
        ));
    }

    fn cycle_horizon(&mut self, ctx: &mut Ctx) {
        let i = HORIZONS
            .iter()
            .position(|&h| h == self.settings.horizon_months);
        self.settings.horizon_months = HORIZONS[i.map_or(1, |i| (i + 1) % HORIZONS.len())];
        ctx.info(format!(
            "horizon {} months; r refits",
            self.settings.horizon_months
        ));
    }

    fn take_result(result: TaskResult) -> Result<Option<ClvView>, String> {
        match result {
            TaskResult::Done(v) => v
                .downcast::<Option<ClvView>>()
                .map(|v| *v)
                .map_err(|_| "unexpected result".to_string()),
            TaskResult::Failed(e) => Err(e),
            TaskResult::Cancelled => Err("cancelled".into()),
        }
    }
}

impl Pane for ClvPane {
    fn title(&self) -> &str {
        "CLV"
    }

    fn contexts(&self) -> Vec<Context> {
        vec![Context::Clv]
    }

    fn on_show(&mut self, ctx: &mut Ctx) {
        if matches!(self.data, Data::Idle) {
            self.load(ctx);
        }
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        let last = self.top_len().saturating_sub(1);
        match action {
            Action::RunJob => self.start_fit(ctx),
            Action::Cancel => match &self.run {
                RunState::Running { id, .. } => ctx.cancel(*id),
                RunState::Idle => return false,
            },
            Action::EditJob => self.open_editor(ctx),
            Action::NextWindow => self.cycle_horizon(ctx),
            Action::Refresh => self.load(ctx),
            Action::Up => self.row = self.row.saturating_sub(1),
            Action::Down => self.row = (self.row + 1).min(last),
            Action::PageUp => self.row = self.row.saturating_sub(10),
            Action::PageDown => self.row = (self.row + 10).min(last),
            Action::Top => self.row = 0,
            Action::Bottom => self.row = last,
            Action::OpenSql => ctx.effect(Effect::OpenSql {
                sql: format!("SELECT * FROM {PREDICTIONS_TABLE} ORDER BY clv DESC NULLS LAST"),
                run: true,
            }),
            _ => return false,
        }
        true
    }

    fn on_task(&mut self, id: RequestId, result: TaskResult, ctx: &mut Ctx) {
        if matches!(self.data, Data::Loading(r) if r == id) {
            match Self::take_result(result) {
                Ok(v) => self.set_view(v),
                Err(e) => self.data = Data::Failed(e),
            }
            return;
        }
        if matches!(self.run, RunState::Running { id: r, .. } if r == id) {
            let RunState::Running { started, .. } =
                std::mem::replace(&mut self.run, RunState::Idle)
            else {
                return;
            };
            match Self::take_result(result) {
                Ok(v) => {
                    ctx.info(format!(
                        "CLV fitted and saved to {PREDICTIONS_TABLE} in {:.1} s",
                        started.elapsed().as_secs_f64()
                    ));
                    self.set_view(v);
                }
                Err(e) if e == "cancelled" => {
                    ctx.info("CLV fit cancelled; the previous predictions are unchanged");
                }
                Err(e) => {
                    ctx.error(e.clone());
                    self.last_error = Some(e);
                }
            }
        }
    }

    fn on_answer(&mut self, answer: Answer, ctx: &mut Ctx) {
        match answer {
            Answer::Picked(PICK_SETTING, key) => {
                let hint = SETTING_KEYS
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map_or("", |(_, h)| *h);
                ctx.open(Overlay::prompt(
                    PROMPT_SETTING,
                    format!("CLV · {key}"),
                    hint,
                    &self.settings.value(&key),
                ));
                self.editing = Some(key);
            }
            Answer::Text(PROMPT_SETTING, value) => {
                if let Some(key) = self.editing.take() {
                    match self.settings.set(&key, &value) {
                        Ok(()) => {
                            ctx.info(format!("{key} = {}; r refits", self.settings.value(&key)))
                        }
                        Err(e) => ctx.error(e),
                    }
                }
            }
            _ => {}
        }
    }

    fn hints(&self, keymap: &Keymap) -> Vec<(String, &'static str)> {
        let c = Context::Clv;
        keymap.hints(&[
            (c, Action::RunJob),
            (c, Action::EditJob),
            (c, Action::NextWindow),
            (c, Action::OpenSql),
            (c, Action::Refresh),
        ])
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
