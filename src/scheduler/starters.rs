//! Starters: the jobs, schedules and saved queries a new workspace gets once its sample
//! data is loaded, and their first runs, so every pane shows something real on first
//! launch.
//!
//! Seeding (`workspace::seed`) only loads data; starters are jobs, so they live here and
//! the dependency points down: [`open_path`] opens a workspace (which seeds it) and then
//! [`install`]s the starters. Each starter is recorded in `clvdesk_meta.workspace_info`
//! under `starter:<name>` once it has run, so a failed starter is retried on the next
//! open without reloading the data, and one added by a newer clvdesk runs once in an older
//! workspace. A file that already exists is the analyst's and is left alone.
//!
//! Starter schedules start at the next whole minute after seeding: seeding has just run
//! their jobs, so nothing is due (and nothing runs twice) on first launch.

use std::path::Path;

use chrono::{DateTime, Timelike, Utc};

use super::definition::InvalidFile;
use super::job::{Cancel, JobContext};
use super::registry::Registry;
use super::schedule::Params;
use super::schedule_file::{render_new, schedule_path};
use crate::workspace::paths::folders;
use crate::workspace::seed::{self, SeedState};
use crate::workspace::{Workspace, WorkspaceError, WorkspaceKind, write_atomic};

/// A starter: writes definition files and/or runs a first job on a seeded workspace.
pub type Starter = fn(&Workspace) -> anyhow::Result<()>;

/// Starters in the order they run. Each part of the product registers its own here.
pub const STARTERS: &[(&str, Starter)] = &[
    ("clv_fit", starter_clv_fit),
    ("deciles", super::jobs::seed_starter_deciles),
    ("segments", crate::segments::seed::seed_starter_segments),
    ("schedules", seed_starter_schedules),
    ("insights", seed_insights),
    (
        "dashboards",
        crate::dashboard::seed::seed_starter_dashboards,
    ),
];

/// Opens what the user named (see [`Workspace::open_path`]) and, for a workspace folder
/// that was seeded, installs the pending starters.
pub fn open_path(path: Option<&Path>) -> Result<Workspace, WorkspaceError> {
    let mut ws = Workspace::open_path(path)?;
    install(&mut ws)?;
    Ok(ws)
}

/// Opens (creating and seeding on first use) a workspace folder and installs its starters.
pub fn open_folder(root: &Path) -> Result<Workspace, WorkspaceError> {
    let mut ws = Workspace::open_folder(root)?;
    install(&mut ws)?;
    Ok(ws)
}

/// Runs the starters not yet recorded as run. A failing starter does not stop the
/// workspace from opening: it is reported in the seed report and retried on the next
/// open. In a workspace that was not seeded (its database had tables of its own) the
/// starters, which read the sample tables, are skipped and recorded as skipped.
pub fn install(ws: &mut Workspace) -> Result<(), WorkspaceError> {
    if *ws.kind() != WorkspaceKind::Folder {
        return Ok(());
    }
    let conn = ws.db().conn();
    let state = seed::seed_state(conn)?;
    let mut run = Vec::new();
    let mut skipped = Vec::new();
    let mut errors = Vec::new();
    for (name, starter) in STARTERS {
        let key = format!("starter:{name}");
        if seed::info(conn, &key)?.is_some() {
            continue;
        }
        match &state {
            SeedState::NotSeeded { reason } => {
                seed::set_info(conn, &key, &format!("skipped: not seeded ({reason})"))?;
                skipped.push(name.to_string());
                continue;
            }
            SeedState::Pending => continue,
            SeedState::Loaded => {}
        }
        match starter(ws) {
            Ok(()) => {
                seed::set_info(conn, &key, "done")?;
                run.push(name.to_string());
            }
            Err(e) => errors.push(format!("starter {name}: {e:#}")),
        }
    }
    let report = ws.seed_report_mut();
    report.starters_run.extend(run);
    report.starters_skipped.extend(skipped);
    report.starter_errors.extend(errors);
    Ok(())
}

/// Fits BG/NBD + Gamma-Gamma on the sample transactions, so the CLV pane and the dashboard
/// have predictions (`clv_predictions`) on first launch.
fn starter_clv_fit(ws: &Workspace) -> anyhow::Result<()> {
    let spec = crate::pipeline::clv::sample_spec(seed::SAMPLE_TRUTH)?;
    crate::pipeline::clv::run_and_save(ws.db().conn(), &spec)?;
    Ok(())
}

/// `jobs/<name>.toml` starters: (name, text).
pub const STARTER_JOBS: &[(&str, &str)] = &[("clv_refit", STARTER_CLV_REFIT)];

const STARTER_CLV_REFIT: &str = r#"# Starter job: refit BG/NBD + Gamma-Gamma on the loyalty transactions and replace
# clv_predictions (the fit is logged in clvdesk_meta.clv_fits). Run it with
# `clvdesk --run-schedule --job clv_refit --force`; schedules/weekly_clv_refit.toml runs it weekly.
description = "Weekly CLV refit on loyalty_transactions"
kind = "clv"
transactions = "loyalty_transactions"
customer = "member_id"
date = "txn_date"
amount = "amount"
horizon_months = 12
discount_monthly = 0.01
"#;

/// A starter schedule: (name, description, job, frequency keys).
pub type StarterSchedule = (&'static str, &'static str, &'static str, &'static str);

/// Starter schedules of the `schedules` starter.
pub const STARTER_SCHEDULES: &[StarterSchedule] = &[
    (
        "daily_deciles",
        "Starter schedule: refresh the loyalty_miles decile tables every day at 03:00 UTC.",
        "loyalty_miles",
        "frequency = \"daily\"\nat = \"03:00\"",
    ),
    (
        "weekly_clv_refit",
        "Starter schedule: refit the CLV model every Monday at 04:00 UTC.",
        "clv_refit",
        "frequency = \"weekly\"\ndays = [\"mon\"]\nat = \"04:00\"",
    ),
];

/// Starter schedules of the `insights` starter: the hourly incremental fold and the daily
/// refresh of the insights model (after the decile refresh, before the CLV refit's day).
pub const INSIGHTS_SCHEDULES: &[StarterSchedule] = &[
    (
        "hourly_response_fold",
        "Starter schedule: fold new email-event batches into the insights model every hour \
         (incremental: a run with no new batch does nothing).",
        "response_fold",
        "frequency = \"hourly\"\nminute = 5",
    ),
    (
        "daily_insights",
        "Starter schedule: refresh the insights model (dimensions, daily facts, CLV deciles) \
         every day at 03:30 UTC.",
        "insights_refresh",
        "frequency = \"daily\"\nat = \"03:30\"",
    ),
    (
        "daily_segments",
        "Starter schedule: refresh the aurora_top_miles segment and export its new entrants \
         every day at 03:15 UTC (before daily_insights, so the audience facts see that day's \
         membership).",
        "segments_refresh_export",
        "frequency = \"daily\"\nat = \"03:15\"",
    ),
];

/// The `schedules` starter.
pub fn seed_starter_schedules(ws: &Workspace) -> anyhow::Result<()> {
    seed_starters_in(ws.root(), Utc::now())?;
    Ok(())
}

/// Writes the starter job and schedule files under `root` that do not exist yet (an
/// existing file is the analyst's and is left alone); schedules start after `now`.
pub fn seed_starters_in(root: &Path, now: DateTime<Utc>) -> Result<(), InvalidFile> {
    for (name, text) in STARTER_JOBS {
        write_new(&root.join(folders::JOBS).join(format!("{name}.toml")), text)?;
    }
    write_schedules(root, STARTER_SCHEDULES, now)
}

fn write_schedules(
    root: &Path,
    list: &[StarterSchedule],
    now: DateTime<Utc>,
) -> Result<(), InvalidFile> {
    // The next whole minute: a slot at the seeding minute itself is not owed.
    let start = now
        .with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(now)
        + chrono::Duration::minutes(1);
    for (name, description, job, keys) in list {
        let path = schedule_path(&root.join(folders::SCHEDULES), name);
        write_new(&path, &render_new(description, job, keys, start))?;
    }
    Ok(())
}

/// Writes `text` to `path` unless the file exists.
fn write_new(path: &Path, text: &str) -> Result<(), InvalidFile> {
    if path.exists() {
        return Ok(());
    }
    write_atomic(path, text.as_bytes()).map_err(|e| InvalidFile::new(path, None, e.to_string()))
}

macro_rules! starter_file {
    ($path:literal) => {
        (
            $path,
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/starters/", $path)),
        )
    };
}

/// The insights model's job files and the KPI library (workspace path, text), from the
/// repository's `starters/` folder.
pub const INSIGHTS_FILES: &[(&str, &str)] = &[
    starter_file!("jobs/insights_schema.toml"),
    starter_file!("jobs/insights_schema.sql"),
    starter_file!("jobs/insights_dimensions.toml"),
    starter_file!("jobs/insights_dimensions.sql"),
    starter_file!("jobs/insights_profiles.toml"),
    starter_file!("jobs/insights_profiles.sql"),
    starter_file!("jobs/insights_clv_deciles.toml"),
    starter_file!("jobs/insights_clv_deciles.sql"),
    starter_file!("jobs/insights_audiences.toml"),
    starter_file!("jobs/insights_audiences.sql"),
    starter_file!("jobs/insights_exports.toml"),
    starter_file!("jobs/insights_exports.sql"),
    starter_file!("jobs/insights_refresh.toml"),
    starter_file!("jobs/response_fold.toml"),
    starter_file!("jobs/response_fold.sql"),
    starter_file!("queries/kpi/profile_count.sql"),
    starter_file!("queries/kpi/profile_trend.sql"),
    starter_file!("queries/kpi/audience_size.sql"),
    starter_file!("queries/kpi/audience_overlap.sql"),
    starter_file!("queries/kpi/exported_profiles.sql"),
    starter_file!("queries/kpi/campaign_rates.sql"),
    starter_file!("queries/kpi/audience_rates.sql"),
    starter_file!("queries/kpi/clv_deciles_by_fit.sql"),
];

/// The jobs the `insights` starter runs once, in order: the model (schema, dimensions,
/// daily facts) and the first fold of the sample's email events.
pub const INSIGHTS_FIRST_RUNS: &[&str] = &["insights_refresh", "response_fold"];

/// The `insights` starter.
pub fn seed_insights(ws: &Workspace) -> anyhow::Result<()> {
    seed_insights_in(ws.db().conn(), ws.root(), Utc::now())
}

/// Writes the insights job files, KPI queries and schedules under `root` (keeping existing
/// files) and runs [`INSIGHTS_FIRST_RUNS`] on `conn`.
pub fn seed_insights_in(
    conn: &duckdb::Connection,
    root: &Path,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    for (path, text) in INSIGHTS_FILES {
        write_new(&root.join(path), text)?;
    }
    write_schedules(root, INSIGHTS_SCHEDULES, now)?;
    let registry = Registry::load(root);
    let cancel = Cancel::new(conn);
    for name in INSIGHTS_FIRST_RUNS {
        let Some(job) = registry.find(name) else {
            let broken = registry
                .errors
                .iter()
                .find(|e| e.file.file_stem().is_some_and(|s| s == *name));
            anyhow::bail!(
                "{}",
                broken.map_or_else(|| registry.unknown(name), |e| e.to_string())
            );
        };
        let ctx = JobContext {
            conn,
            root,
            params: &Params::new(),
            cancel: &cancel,
        };
        super::kinds::run(job, &registry, &ctx).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_workspace_runs_every_starter_once() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("ws");
        let ws = open_folder(&root).unwrap();
        let report = ws.seed_report().clone();
        assert!(report.starter_errors.is_empty(), "{report:?}");
        let all: Vec<&str> = STARTERS.iter().map(|s| s.0).collect();
        assert_eq!(report.starters_run, all);
        for (path, _) in INSIGHTS_FILES {
            assert!(root.join(path).is_file(), "{path}");
        }
        drop(ws);
        let ws = open_folder(&root).unwrap();
        assert!(ws.seed_report().starters_run.is_empty());
        assert!(ws.seed_report().notes().is_empty());
    }

    #[test]
    fn starters_are_skipped_in_a_database_that_was_not_seeded() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("ws");
        std::fs::create_dir_all(&root).unwrap();
        let conn =
            duckdb::Connection::open(root.join(crate::workspace::paths::DATABASE_FILE)).unwrap();
        conn.execute_batch("CREATE TABLE customers (x INTEGER)")
            .unwrap();
        drop(conn);
        let ws = open_folder(&root).unwrap();
        let report = ws.seed_report();
        let all: Vec<&str> = STARTERS.iter().map(|s| s.0).collect();
        assert_eq!(report.starters_skipped, all);
        assert!(report.starters_run.is_empty());
        let notes = report.notes().join("\n");
        assert!(
            notes.contains("not seeded") && notes.contains("starters skipped"),
            "{notes}"
        );
        assert!(!root.join(folders::JOBS).exists());
        drop(ws);
        let ws = open_folder(&root).unwrap();
        assert!(ws.seed_report().notes().is_empty());
    }
}
