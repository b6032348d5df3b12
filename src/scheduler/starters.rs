//! Starter jobs and schedules written into a new workspace: a daily refresh of the
//! starter decile job `loyalty_miles` and a weekly CLV refit. They start at the moment
//! the workspace is seeded, so nothing is due (and nothing runs twice) on first launch:
//! seeding has just run both.

use std::path::Path;

use chrono::{DateTime, Timelike, Utc};

use super::definition::InvalidFile;
use super::schedule_file::{render_new, schedule_path};
use crate::workspace::paths::folders;
use crate::workspace::write_atomic;

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

/// Starter schedules: (name, description, job, frequency keys).
pub const STARTER_SCHEDULES: &[(&str, &str, &str, &str)] = &[
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

/// The seeding starter (`workspace::seed::STARTERS`).
pub fn seed_starter_schedules(ws: &crate::workspace::Workspace) -> anyhow::Result<()> {
    seed_starters_in(ws.root(), Utc::now())?;
    Ok(())
}

/// Writes the starter job and schedule files under `root` that do not exist yet (an
/// existing file is the analyst's and is left alone); schedules start at `now`.
pub fn seed_starters_in(root: &Path, now: DateTime<Utc>) -> Result<(), InvalidFile> {
    let write = |path: &Path, text: &str| -> Result<(), InvalidFile> {
        if path.exists() {
            return Ok(());
        }
        write_atomic(path, text.as_bytes()).map_err(|e| InvalidFile::new(path, None, e.to_string()))
    };
    for (name, text) in STARTER_JOBS {
        write(&root.join(folders::JOBS).join(format!("{name}.toml")), text)?;
    }
    // The next whole minute: a slot at the seeding minute itself is not owed.
    let start = now
        .with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(now)
        + chrono::Duration::minutes(1);
    for (name, description, job, keys) in STARTER_SCHEDULES {
        let path = schedule_path(&root.join(folders::SCHEDULES), name);
        write(&path, &render_new(description, job, keys, start))?;
    }
    Ok(())
}
