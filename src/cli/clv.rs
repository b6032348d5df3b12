//! `clvdesk clv --transactions PATH|TABLE --customer COL --date COL --amount COL
//! [--calibration-end DATE] [--observation-end DATE] [--horizon-months 12]
//! [--discount-monthly 0.01] [--out PATH] [--format json|table] [--workspace DIR]`.
//!
//! A file is read by DuckDB in an in-memory database unless a workspace is named; a table is
//! read from the workspace (the default one when none is named). In a workspace the
//! predictions are saved as `clv_predictions` and the fit is recorded in
//! `clvdesk_meta.clv_fits`. stdout is the report, stderr narration.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use serde_json::Value;

use super::exit::{CliError, interrupt_on_ctrl_c};
use super::{Cli, open_workspace};
use crate::analytics::clv::rfm::TxnSource;
use crate::analytics::clv::{Horizon, SpendModel};
use crate::engine::Database;
use crate::pipeline::clv::view as clv_view;
use crate::pipeline::clv::{self as clv_job, ClvJobError, ClvReport, ClvSpec, Stage};
use crate::sql::is_plain_name;
use crate::workspace::{WorkspaceKind, data_file_reader};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClvFormat {
    Json,
    Table,
}

#[derive(Debug, Args)]
pub struct ClvArgs {
    /// Transaction log: a CSV, Parquet or JSON file, or a table of the workspace.
    #[arg(long, value_name = "PATH|TABLE")]
    pub transactions: String,
    /// Customer identifier column.
    #[arg(long, value_name = "COL")]
    pub customer: String,
    /// Transaction date column (DATE, TIMESTAMP or text).
    #[arg(long, value_name = "COL")]
    pub date: String,
    /// Transaction amount column; a zero amount is still a purchase, negative amounts
    /// (refunds) are excluded and counted.
    #[arg(long, value_name = "COL")]
    pub amount: String,
    /// End of the calibration period (YYYY-MM-DD); default: the last purchase date.
    #[arg(long, value_name = "DATE")]
    pub calibration_end: Option<NaiveDate>,
    /// End of the holdout period (YYYY-MM-DD); default with --calibration-end: the last purchase.
    #[arg(long, value_name = "DATE")]
    pub observation_end: Option<NaiveDate>,
    /// Months of future value in the CLV.
    #[arg(long, value_name = "N", default_value_t = 12)]
    pub horizon_months: u32,
    /// Monthly discount rate of the CLV.
    #[arg(long, value_name = "RATE", default_value_t = 0.01)]
    pub discount_monthly: f64,
    /// Per-customer predictions to a .csv or .parquet file.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Report format on stdout.
    #[arg(long, value_enum, default_value_t = ClvFormat::Json)]
    pub format: ClvFormat,
}

/// Longest horizon accepted (100 years).
const MAX_HORIZON_MONTHS: u32 = 1200;

pub fn run(cli: &Cli, args: &ClvArgs) -> anyhow::Result<()> {
    if args.observation_end.is_some() && args.calibration_end.is_none() {
        return Err(CliError::Usage("--observation-end needs --calibration-end".into()).into());
    }
    if args.horizon_months > MAX_HORIZON_MONTHS {
        return Err(CliError::Usage(format!(
            "--horizon-months must be at most {MAX_HORIZON_MONTHS}"
        ))
        .into());
    }
    if !args.discount_monthly.is_finite() || !(0.0..1.0).contains(&args.discount_monthly) {
        return Err(CliError::Usage("--discount-monthly must be in [0, 1)".into()).into());
    }
    if let Some(out) = &args.out {
        let ext = out
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        if !matches!(ext.as_deref(), Some("csv" | "parquet")) {
            return Err(CliError::Usage(format!(
                "{}: --out must end in .csv or .parquet",
                out.display()
            ))
            .into());
        }
    }
    let source = resolve_source(&args.transactions)?;
    let spec = ClvSpec {
        source: source.clone(),
        customer: args.customer.clone(),
        date: args.date.clone(),
        amount: args.amount.clone(),
        calibration_end: args.calibration_end,
        observation_end: args.observation_end,
        horizon: Horizon {
            months: args.horizon_months,
            monthly_discount: args.discount_monthly,
        },
    };

    // A table needs a workspace; a file uses one only when asked to.
    let workspace = match (&source, &cli.workspace) {
        (TxnSource::Table(_), _) | (TxnSource::File { .. }, Some(_)) => Some(open_workspace(cli)?),
        (TxnSource::File { .. }, None) => None,
    };
    let memory;
    let (db, save) = match &workspace {
        Some(ws) => {
            let save = matches!(
                ws.kind(),
                WorkspaceKind::Folder | WorkspaceKind::DatabaseFile
            );
            (ws.db(), save)
        }
        None => {
            memory = Database::open_in_memory()?;
            (&memory, false)
        }
    };
    let conn = db.conn();
    interrupt_on_ctrl_c(conn);
    if save {
        // Before the work: a table of the user's named clv_predictions is never replaced.
        clv_job::check_predictions_table(conn).map_err(|e| job_error(e, &spec))?;
    }

    eprintln!("clv: reading {}", spec.input_label());
    let report =
        clv_job::fit_and_predict(conn, &spec, &mut narrate).map_err(|e| job_error(e, &spec))?;
    narrate_report(&report);

    // A failed fit writes nothing: no file, no table, no fit record. The report is still
    // printed with what was fitted, and the exit code is 1.
    let failure = report.failure();
    if failure.is_none() {
        // In a workspace the file is written from the saved table (one join, not two).
        let written = if save {
            let (id, written) =
                clv_job::save_to_workspace_and_file(conn, &spec, &report, args.out.as_deref())
                    .map_err(|e| job_error(e, &spec))?;
            eprintln!(
                "clv: saved table {} and fit #{id} in clvdesk_meta.clv_fits",
                clv_job::PREDICTIONS_TABLE
            );
            written
        } else if let Some(out) = &args.out {
            Some(
                clv_job::write_predictions_file(conn, &report, out)
                    .map_err(|e| job_error(e, &spec))?,
            )
        } else {
            None
        };
        if let (Some(n), Some(out)) = (written, &args.out) {
            eprintln!("clv: wrote {n} predictions to {}", out.display());
        }
    } else if args.out.is_some() || save {
        eprintln!("clv: the fit failed, so nothing was written");
    }

    match args.format {
        ClvFormat::Json => {
            println!(
                "{}",
                serde_json::to_string_pretty(&clv_view::report_json(&report))?
            );
        }
        ClvFormat::Table => print!("{}", table_report(&clv_view::report_json(&report))),
    }
    match failure {
        Some(f) => Err(job_error(ClvJobError::Fit(f), &spec)),
        None => Ok(()),
    }
}

/// A path to a data file, or a table name.
fn resolve_source(arg: &str) -> Result<TxnSource, CliError> {
    let path = Path::new(arg);
    if path.is_file() {
        return match data_file_reader(path) {
            Some(reader) => Ok(TxnSource::File {
                reader,
                path: arg.to_string(),
            }),
            None => Err(CliError::Usage(format!(
                "{arg}: not a CSV, Parquet or JSON file (by its extension)"
            ))),
        };
    }
    if data_file_reader(path).is_some() || arg.contains(['/', '\\']) {
        return Err(CliError::Usage(format!("{arg}: no such file")));
    }
    if is_plain_name(arg) {
        return Ok(TxnSource::Table(arg.to_string()));
    }
    Err(CliError::Usage(format!(
        "{arg}: neither a file nor a table name"
    )))
}

/// The job's typed error (`exit::code_for` maps it: usage 2, a failed job 1); DuckDB errors
/// get the input as context.
fn job_error(e: ClvJobError, spec: &ClvSpec) -> anyhow::Error {
    match e {
        ClvJobError::Engine(e) => {
            anyhow::Error::from(e).context(format!("clv on {}", spec.input_label()))
        }
        e => e.into(),
    }
}

fn narrate(stage: Stage) {
    let what = match stage {
        Stage::Summary => "building the RFM summary",
        Stage::FitPurchases => "fitting BG/NBD",
        Stage::FitSpend => "fitting Gamma-Gamma",
        Stage::Predict => "predicting",
        Stage::Done => return,
    };
    eprintln!("clv: {what}");
}

fn narrate_report(r: &ClvReport) {
    let c = &r.counts;
    eprintln!(
        "clv: {} customers ({} repeat), calibration end {}; {} purchase rows kept",
        r.customers, r.repeat_customers, r.calibration_end, c.purchase_rows
    );
    if c.zero_amount > 0 {
        eprintln!(
            "clv: {} purchase rows have a zero amount (counted as purchases)",
            c.zero_amount
        );
    }
    let excluded = c.excluded();
    if excluded > 0 {
        eprintln!(
            "clv: excluded {excluded} rows: {} refunds (negative amounts), {} unparseable dates{}, {} missing amounts, {} missing customers",
            c.negative_amount,
            c.unparseable_date,
            c.unparseable_example
                .as_ref()
                .map(|e| format!(" (e.g. {e:?})"))
                .unwrap_or_default(),
            c.missing_amount,
            c.missing_customer
        );
    }
    match &r.bgnbd {
        Ok(f) => eprintln!(
            "clv: BG/NBD r={:.4} alpha={:.4} a={:.4} b={:.4} LL={:.4} ({:.0} ms)",
            f.params.r,
            f.params.alpha,
            f.params.a,
            f.params.b,
            f.log_likelihood,
            r.timings.bgnbd_ms
        ),
        Err(e) => eprintln!("clv: BG/NBD could not be fitted: {e}"),
    }
    match &r.spend {
        SpendModel::Fitted(f) => eprintln!(
            "clv: Gamma-Gamma p={:.4} q={:.4} v={:.4} LL={:.4} ({:.0} ms)",
            f.params.p, f.params.q, f.params.v, f.log_likelihood, r.timings.gamma_gamma_ms
        ),
        SpendModel::Failed(e) => eprintln!("clv: no spend model: {e}"),
    }
    if r.repeat_customers_without_spend > 0 {
        eprintln!(
            "clv: {} repeat customers without a positive spend are left out of Gamma-Gamma and predicted with the mean spend",
            r.repeat_customers_without_spend
        );
    }
    if let Some(n) = &r.numeric {
        eprintln!("clv: {n}");
    }
    if let Some(why) = &r.tracking_skipped {
        eprintln!("clv: no tracking series: {why}");
    }
    eprintln!("clv: done in {:.0} ms", r.timings.total_ms);
}

/// The report as aligned text.
fn table_report(j: &Value) -> String {
    let num = |v: &Value| v.as_f64().map_or("-".to_string(), |x| format!("{x:.6}"));
    let mut s = String::new();
    let mut line = |k: &str, v: String| s.push_str(&format!("{k:<28} {v}\n"));
    line("input", j["input"].as_str().unwrap_or("").to_string());
    line("customers", j["customers"].to_string());
    line("repeat customers", j["repeat_customers"].to_string());
    line(
        "calibration end",
        j["calibration_end"].as_str().unwrap_or("").to_string(),
    );
    if let Some(o) = j["observation_end"].as_str() {
        line("observation end", o.to_string());
    }
    let param =
        |name: &str, model: &Value| format!("{} ± {}", num(&model[name]), num(&model["se"][name]));
    let bg = &j["bgnbd"];
    if bg.is_null() {
        line(
            "BG/NBD",
            format!("not fitted: {}", j["bgnbd_error"].as_str().unwrap_or("")),
        );
    } else {
        for p in ["r", "alpha", "a", "b"] {
            line(&format!("BG/NBD {p}"), param(p, bg));
        }
        line("BG/NBD log-likelihood", num(&bg["log_likelihood"]));
    }
    let gg = &j["gamma_gamma"];
    if gg.is_null() {
        line(
            "Gamma-Gamma",
            format!(
                "not fitted: {}",
                j["gamma_gamma_error"].as_str().unwrap_or("")
            ),
        );
    } else {
        for p in ["p", "q", "v"] {
            line(&format!("Gamma-Gamma {p}"), param(p, gg));
        }
        line("Gamma-Gamma log-likelihood", num(&gg["log_likelihood"]));
    }
    if let Some(e) = j["numeric_error"].as_str() {
        line("failed", e.to_string());
    }
    line("CLV total", num(&j["clv_total"]));
    let h = &j["holdout"];
    if !h.is_null() {
        line("holdout weeks", num(&h["weeks"]));
        line(
            "holdout actual / predicted",
            format!("{} / {}", num(&h["actual"]), num(&h["predicted"])),
        );
        s.push_str("frequency  customers      actual   predicted\n");
        for b in h["by_frequency"].as_array().into_iter().flatten() {
            s.push_str(&format!(
                "{:>9} {:>10} {:>11.1} {:>11.1}\n",
                b["frequency"].as_str().unwrap_or(""),
                b["customers"].as_u64().unwrap_or(0),
                b["actual"].as_f64().unwrap_or(0.0),
                b["predicted"].as_f64().unwrap_or(0.0)
            ));
        }
    }
    s
}
