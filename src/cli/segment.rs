//! `clvdesk segment (list | show NAME | preview NAME | refresh NAME | members NAME [--out PATH])
//! [--format table|json|csv]`: thin wrappers over `segments`. stdout is data, stderr narration;
//! an unknown segment or an invalid rule file exits 2.

use std::fs::File;
use std::io::Write;
use std::os::fd::AsFd;
use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use super::exit::{CliError, interrupt_on_ctrl_c};
use super::{Cli, open_workspace};
use crate::engine::export::{ExportFormat, Streamed, copy_to, copy_to_stream};
use crate::engine::sql::execute_one;
use crate::segments::preview::{PreviewOptions, preview};
use crate::segments::{self, SegmentError};
use crate::sql::quote_ident;

#[derive(Debug, Args)]
pub struct SegmentArgs {
    #[command(subcommand)]
    pub action: SegmentAction,
    /// Output format.
    #[arg(
        long = "format",
        id = "segment_format",
        value_enum,
        default_value = "table",
        global = true
    )]
    pub format: SegmentFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SegmentFormat {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Subcommand)]
pub enum SegmentAction {
    /// The saved segments, whether each one compiles, and its last refresh.
    List,
    /// A segment's definition and its generated SQL.
    Show { name: String },
    /// Count, shares, key metrics, decile composition, overlaps and a few members.
    Preview {
        name: String,
        /// Count exactly even on large data (no sample).
        #[arg(long)]
        exact: bool,
    },
    /// Record the segment's membership (entered / existing / exited) now.
    Refresh { name: String },
    /// The members with their profile columns.
    Members {
        name: String,
        /// Write to a file (atomically) instead of stdout.
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
    },
}

/// Maps a segment error to the contract's exit codes.
pub fn cli_error(e: SegmentError) -> anyhow::Error {
    match e {
        e if e.is_usage() => CliError::Usage(e.to_string()).into(),
        SegmentError::Engine(e) => e.into(),
        io @ SegmentError::Io { .. } => CliError::Usage(io.to_string()).into(),
        other => CliError::Failed(other.to_string()).into(),
    }
}

pub fn run(cli: &Cli, args: &SegmentArgs) -> anyhow::Result<()> {
    let ws = open_workspace(cli)?;
    let conn = ws.db().conn();
    interrupt_on_ctrl_c(conn);
    let root = ws.root();
    let mut out = std::io::stdout().lock();
    match &args.action {
        SegmentAction::List => {
            let catalog = crate::engine::catalog::load(conn)?;
            let checks = segments::validate::check_all(&segments::segments_dir(root), &catalog);
            let mut rows = Vec::new();
            for (name, problem) in checks {
                let desc = segments::load_named(root, &name)
                    .ok()
                    .and_then(|(s, _)| s.description)
                    .unwrap_or_default();
                let last = segments::membership::history(conn, &name)
                    .ok()
                    .and_then(|h| h.last().cloned());
                rows.push((name, desc, problem.map(|p| p.to_string()), last));
            }
            match args.format {
                SegmentFormat::Json => {
                    let v: Vec<_> = rows
                        .iter()
                        .map(|(n, d, p, l)| {
                            json!({
                                "name": n, "description": d, "valid": p.is_none(), "problem": p,
                                "members": l.as_ref().map(|l| l.members),
                                "refreshed_at": l.as_ref().map(|l| l.refreshed_at.to_string()),
                            })
                        })
                        .collect();
                    writeln!(out, "{}", serde_json::Value::Array(v))?;
                }
                SegmentFormat::Csv => {
                    writeln!(out, "name,description,valid,members,refreshed_at")?;
                    for (n, d, p, l) in &rows {
                        writeln!(
                            out,
                            "{},{},{},{},{}",
                            csv_field(n),
                            csv_field(d),
                            p.is_none(),
                            l.as_ref()
                                .map(|l| l.members.to_string())
                                .unwrap_or_default(),
                            l.as_ref()
                                .map(|l| l.refreshed_at.to_string())
                                .unwrap_or_default()
                        )?;
                    }
                }
                SegmentFormat::Table => {
                    let w = rows.iter().map(|r| r.0.len()).max().unwrap_or(4).max(4);
                    writeln!(
                        out,
                        "{:w$}  {:>9}  description / problem",
                        "name", "members"
                    )?;
                    for (n, d, p, l) in &rows {
                        let members = l
                            .as_ref()
                            .map(|l| l.members.to_string())
                            .unwrap_or_else(|| "-".into());
                        match p {
                            None => writeln!(out, "{n:w$}  {members:>9}  {d}")?,
                            Some(p) => writeln!(out, "{n:w$}  {members:>9}  INVALID: {p}")?,
                        }
                    }
                }
            }
        }
        SegmentAction::Show { name } => {
            let (seg, file) = segments::load_named(root, name).map_err(cli_error)?;
            let (_, c) = segments::compile_named(conn, root, name).map_err(cli_error)?;
            let text = std::fs::read_to_string(&file)
                .map_err(|e| cli_error(SegmentError::io(&file, e)))?;
            match args.format {
                SegmentFormat::Json => writeln!(
                    out,
                    "{}",
                    json!({
                        "name": seg.name, "description": seg.description, "profile": seg.profile,
                        "identity": seg.identity, "file": file.display().to_string(), "definition": text,
                        "sql": c.sql, "inline_sql": c.inline_sql(), "parameters": c.params.iter().map(|p| format!("{p:?}")).collect::<Vec<_>>(),
                    })
                )?,
                _ => {
                    writeln!(out, "# {}\n{text}", file.display())?;
                    writeln!(
                        out,
                        "-- generated SQL ($n are bound parameters)\n{};",
                        c.sql
                    )?;
                    for (i, p) in c.params.iter().enumerate() {
                        writeln!(out, "-- ${} = {}", i + 1, param_text(p))?;
                    }
                }
            }
        }
        SegmentAction::Preview { name, exact } => {
            let (seg, file) = segments::load_named(root, name).map_err(cli_error)?;
            let opts = PreviewOptions {
                exact: *exact,
                member_rows: 10,
                ..PreviewOptions::default()
            };
            let p = preview(conn, root, &seg, &file, &opts).map_err(cli_error)?;
            print_preview(&mut out, &p, args.format)?;
        }
        SegmentAction::Refresh { name } => {
            let r = segments::membership::refresh_named(conn, root, name).map_err(cli_error)?;
            eprintln!(
                "clvdesk: segment {name} refreshed in {} ms",
                r.elapsed.as_millis()
            );
            match args.format {
                SegmentFormat::Json => writeln!(
                    out,
                    "{}",
                    json!({"segment": name, "refresh_id": r.refresh_id, "refreshed_at": r.refreshed_at.to_string(),
                           "members": r.members, "entered": r.entered, "existing": r.existing, "exited": r.exited})
                )?,
                SegmentFormat::Csv => {
                    writeln!(
                        out,
                        "segment,refresh_id,refreshed_at,members,entered,existing,exited"
                    )?;
                    writeln!(
                        out,
                        "{name},{},{},{},{},{},{}",
                        r.refresh_id, r.refreshed_at, r.members, r.entered, r.existing, r.exited
                    )?;
                }
                SegmentFormat::Table => writeln!(
                    out,
                    "{name}: {} members ({} entered, {} existing, {} exited) at {}",
                    r.members, r.entered, r.existing, r.exited, r.refreshed_at
                )?,
            }
        }
        SegmentAction::Members { name, out: path } => {
            let (seg, c) = segments::compile_named(conn, root, name).map_err(cli_error)?;
            drop(out);
            execute_one(
                conn,
                &format!(
                    "CREATE OR REPLACE TEMP TABLE clvdesk_cli_members AS\n{}",
                    c.sql
                ),
                duckdb::params_from_iter(c.params.iter()),
            )
            .map_err(|e| cli_error(e.into()))?;
            let source = format!(
                "SELECT p.* FROM {} AS p SEMI JOIN temp.clvdesk_cli_members AS m ON m.id = p.{} ORDER BY p.{}",
                c.profile_sql,
                quote_ident(&seg.identity),
                quote_ident(&seg.identity)
            );
            let format = match args.format {
                SegmentFormat::Json => ExportFormat::Json,
                // A table of a million rows is no table: members are data, CSV unless JSON.
                _ => ExportFormat::Csv,
            };
            let n = match path {
                Some(p) => copy_to(conn, &source, p, format)?,
                None => {
                    let stdout = std::io::stdout();
                    stdout.lock().flush()?;
                    let handle = File::from(stdout.as_fd().try_clone_to_owned()?);
                    match copy_to_stream(conn, &source, format, handle)? {
                        Streamed::Rows(n) => n,
                        Streamed::ReaderClosed => return Ok(()),
                    }
                }
            };
            eprintln!("clvdesk: {n} members of {name}");
        }
    }
    Ok(())
}

fn param_text(v: &duckdb::types::Value) -> String {
    use duckdb::types::Value as V;
    match v {
        V::Text(s) => format!("{s:?}"),
        V::List(items) if items.len() > 8 => format!("[{} values]", items.len()),
        V::List(items) => format!(
            "[{}]",
            items.iter().map(param_text).collect::<Vec<_>>().join(", ")
        ),
        V::Date32(d) => chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
            .and_then(|e| e.checked_add_signed(chrono::Duration::days(i64::from(*d))))
            .map(|d| d.to_string())
            .unwrap_or_default(),
        V::BigInt(n) => n.to_string(),
        V::Int(n) => n.to_string(),
        V::Double(x) => x.to_string(),
        V::Boolean(b) => b.to_string(),
        other => format!("{other:?}"),
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn pct(x: Option<f64>) -> String {
    x.map(|x| format!("{:.1}%", x * 100.0))
        .unwrap_or_else(|| "-".into())
}

fn num(x: Option<f64>) -> String {
    x.map(|x| format!("{x:.2}")).unwrap_or_else(|| "-".into())
}

fn print_preview(
    out: &mut dyn Write,
    p: &segments::preview::Preview,
    format: SegmentFormat,
) -> anyhow::Result<()> {
    match format {
        SegmentFormat::Json => {
            let v = json!({
                "segment": p.segment,
                "count": p.count,
                "estimated": p.estimate.is_some(),
                "ci95": p.estimate.as_ref().map(|e| [e.low, e.high]),
                "sampled_profiles": p.estimate.as_ref().map(|e| e.sampled),
                "population": p.population,
                "share_profiles": p.share_profiles,
                "share_revenue": p.share_revenue,
                "share_clv": p.share_clv,
                "metrics": p.metrics.iter().map(|m| json!({"name": m.name, "segment": m.segment, "population": m.population})).collect::<Vec<_>>(),
                "mix": p.mix.as_ref().map(|(c, rows)| json!({"column": c, "rows": rows.iter().map(|r| json!({"value": r.0, "members": r.1, "population": r.2})).collect::<Vec<_>>()})),
                "clv_deciles": p.deciles.iter().map(|d| json!({"decile": d.0, "members": d.1})).collect::<Vec<_>>(),
                "overlaps": p.overlaps.iter().map(|o| match &o.result {
                    Ok(c) => json!({"segment": o.name, "members": c.other, "both": c.both, "jaccard_pct": c.jaccard_pct}),
                    Err(e) => json!({"segment": o.name, "error": e}),
                }).collect::<Vec<_>>(),
                "members_ms": p.members_time.as_secs_f64() * 1000.0,
                "elapsed_ms": p.elapsed.as_secs_f64() * 1000.0,
            });
            writeln!(out, "{v}")?;
        }
        SegmentFormat::Csv => {
            writeln!(out, "metric,segment,population")?;
            writeln!(out, "count,{},{}", p.count, p.population)?;
            writeln!(out, "share_profiles,{},1", p.share_profiles)?;
            if let Some(s) = p.share_revenue {
                writeln!(out, "share_revenue,{s},1")?;
            }
            if let Some(s) = p.share_clv {
                writeln!(out, "share_clv,{s},1")?;
            }
            for m in &p.metrics {
                writeln!(
                    out,
                    "{},{},{}",
                    csv_field(m.name),
                    num(m.segment),
                    num(m.population)
                )?;
            }
        }
        SegmentFormat::Table => {
            match &p.estimate {
                None => writeln!(
                    out,
                    "{}: {} members of {} profiles ({})",
                    p.segment,
                    p.count,
                    p.population,
                    pct(Some(p.share_profiles))
                )?,
                Some(e) => writeln!(
                    out,
                    "{}: about {} members of {} profiles ({}), estimated from a sample of {} profiles; 95% CI {:.0} to {:.0} (--exact to count all)",
                    p.segment,
                    p.count,
                    p.population,
                    pct(Some(p.share_profiles)),
                    e.sampled,
                    e.low,
                    e.high
                )?,
            }
            writeln!(
                out,
                "share of revenue {}, of predicted CLV {}",
                pct(p.share_revenue),
                pct(p.share_clv)
            )?;
            writeln!(
                out,
                "{:<22} {:>12} {:>12}",
                "metric", "segment", "population"
            )?;
            for m in &p.metrics {
                writeln!(
                    out,
                    "{:<22} {:>12} {:>12}",
                    m.name,
                    num(m.segment),
                    num(m.population)
                )?;
            }
            if let Some((col, rows)) = &p.mix {
                writeln!(out, "{col}:")?;
                for (v, m, n) in rows {
                    writeln!(out, "  {v:<20} {m:>10} of {n:>10}")?;
                }
            }
            if !p.deciles.is_empty() {
                let parts: Vec<String> =
                    p.deciles.iter().map(|(d, n)| format!("D{d} {n}")).collect();
                writeln!(out, "CLV deciles (D1 = top): {}", parts.join("  "))?;
            }
            for o in &p.overlaps {
                match &o.result {
                    Ok(c) => writeln!(
                        out,
                        "overlap with {}: {} in both of its {} (Jaccard {:.1}%)",
                        o.name, c.both, c.other, c.jaccard_pct
                    )?,
                    Err(e) => writeln!(out, "overlap with {}: not computed ({e})", o.name)?,
                }
            }
            if !p.members.is_empty() {
                writeln!(out, "first members: {}", p.member_columns.join(" | "))?;
                for r in &p.members {
                    writeln!(out, "  {}", r.join(" | "))?;
                }
            }
            writeln!(out, "({} ms)", p.elapsed.as_millis())?;
        }
    }
    Ok(())
}
