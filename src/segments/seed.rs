//! Starter segments, a destination and refresh/export jobs for a freshly seeded workspace.
//! Existing files are kept as they are (the analyst may have edited them).

use std::path::Path;

use crate::workspace::paths::folders;

/// (folder, file name, text).
pub const STARTER_FILES: &[(&str, &str, &str)] = &[
    (folders::SEGMENTS, "high_clv_at_risk.toml", HIGH_CLV_AT_RISK),
    (folders::SEGMENTS, "aurora_top_miles.toml", AURORA_TOP_MILES),
    (
        folders::SEGMENTS,
        "engaged_not_at_risk.toml",
        ENGAGED_NOT_AT_RISK,
    ),
    (folders::DESTINATIONS, "email_csv.toml", EMAIL_CSV),
    (folders::JOBS, "refresh_aurora_top_miles.toml", REFRESH_JOB),
    (folders::JOBS, "export_aurora_top_miles.toml", EXPORT_JOB),
    (folders::JOBS, "segments_refresh_export.toml", CHAIN_JOB),
];

const HIGH_CLV_AT_RISK: &str = r#"# Starter segment: valuable customers the model thinks may be slipping away.
# Edit freely: comments are kept when the app saves. Preview it with
# `clvdesk segment preview high_clv_at_risk`.
description = "Top 20% predicted CLV with p_alive below 0.5"
profile = "customers"
identity = "customer_id"

[rule]
type = "all"

[[rule.conditions]]
type = "clv"
field = "clv"
op = "top_percent"
value = 20

[[rule.conditions]]
type = "clv"
field = "p_alive"
op = "less"
value = 0.5
"#;

const AURORA_TOP_MILES: &str = r#"# Starter segment: Aurora (top tier) members in the top 3 status-mile deciles over the
# last 6 months (from the loyalty_miles decile job), still likely to be active.
description = "Aurora members, top 3 mileage deciles over 6 months, p_alive > 0.5"
profile = "customers"
identity = "customer_id"

[rule]
type = "all"

[[rule.conditions]]
type = "attribute"
column = "loyalty_status"
op = "equals"
value = "Aurora"

[[rule.conditions]]
type = "decile"
table = "loyalty_miles_deciles"   # written by the loyalty_miles decile job
window = "6m"
top = 3                           # buckets 1-3; bucket 1 is the top
category = "Aurora"               # the ranking within the Aurora tier

[[rule.conditions]]
type = "clv"
field = "p_alive"
op = "greater"
value = 0.5
"#;

const ENGAGED_NOT_AT_RISK: &str = r#"# Starter segment: opened or clicked an email in the last 90 days (of the event log),
# excluding the "high CLV at risk" audience, which gets its own campaign.
description = "Email-engaged in the last 90 days, not in high_clv_at_risk"
profile = "customers"
identity = "customer_id"
as_of = "latest"                  # "last 90 days" counts back from the latest event

[rule]
type = "all"

[[rule.conditions]]
type = "event"
table = "email_events"
key = "customer_id"
date = "event_ts"
event_column = "event_type"
event_types = ["open", "click"]
measure = "count"
op = "at_least"
value = 1
last_days = 90

[[rule.conditions]]
type = "segment"
segment = "high_clv_at_risk"
exclude = true
"#;

const EMAIL_CSV: &str = r#"# Starter destination: a CSV file per export for an email tool's import.
# `clvdesk activate aurora_top_miles --destination email_csv [--full]`
format = "csv"                    # csv | tsv
folder = "exports"                # relative to the workspace
file_name = "{destination}_{audience}_{timestamp}.csv"
split_every = 100000              # rows per file (0 = one file)
email_field = "email"
mandatory = ["email"]             # rows without these are dropped and counted
dedupe_by = "email"
mode = "incremental"              # only profiles that entered since the last export; --full for all

[fields]                          # destination field = profile column
email = "email"
first_name = "first_name"
last_name = "last_name"
tier = "loyalty_status"
"#;

const REFRESH_JOB: &str = r#"# Refreshes the membership of the aurora_top_miles segment (schedulable;
# `clvdesk --run-schedule --job refresh_aurora_top_miles --force`).
kind = "segment_refresh"
segment = "aurora_top_miles"
"#;

const EXPORT_JOB: &str = r#"# Exports new entrants of aurora_top_miles to the email_csv destination.
kind = "audience_export"
audience = "aurora_top_miles"
destination = "email_csv"
full = false
"#;

const CHAIN_JOB: &str = r#"# Refreshes aurora_top_miles, then exports its new entrants: the daily starter schedule
# `daily_segments` runs this chain (a failed refresh stops the chain before the export).
description = "Refresh aurora_top_miles, then export its new entrants to email_csv"
kind = "chain"
steps = ["refresh_aurora_top_miles", "export_aurora_top_miles"]
"#;

/// Writes the starter files under `root` that do not exist yet.
pub fn write_starters(root: &Path) -> std::io::Result<()> {
    for (folder, name, text) in STARTER_FILES {
        let path = root.join(folder).join(name);
        if !path.exists() {
            crate::atomic::write_atomic(&path, text.as_bytes())?;
        }
    }
    Ok(())
}

/// The starter of [`crate::workspace::seed::STARTERS`].
pub fn seed_starter_segments(ws: &crate::workspace::Workspace) -> anyhow::Result<()> {
    write_starters(ws.root())?;
    Ok(())
}
