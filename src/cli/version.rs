//! `clvdesk --version` and `clvdesk version [--format json]`: clvdesk's
//! version, the embedded DuckDB's version and its extensions, as DuckDB
//! itself reports them on an in-memory connection.

use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::engine::Database;
use crate::engine::info::{EngineInfo, engine_info};

#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Output format: text for people, json for scripts.
    #[arg(long, value_enum, default_value_t = VersionFormat::Text)]
    pub format: VersionFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VersionFormat {
    Text,
    Json,
}

/// Everything `version` prints.
#[derive(Debug, Serialize)]
pub struct Versions {
    pub clvdesk: &'static str,
    pub duckdb: EngineInfo,
}

/// Asks the embedded DuckDB (in memory: no workspace, no lock).
pub fn collect() -> anyhow::Result<Versions> {
    let db = Database::open_in_memory()?;
    Ok(Versions {
        clvdesk: env!("CARGO_PKG_VERSION"),
        duckdb: engine_info(db.conn())?,
    })
}

/// The text form: three lines.
pub fn text(v: &Versions) -> String {
    let names = |compiled: bool| {
        v.duckdb
            .extensions
            .iter()
            .filter(|e| e.compiled_in() == compiled)
            .map(|e| {
                if e.loaded {
                    e.name.clone()
                } else {
                    format!("{} (not loaded)", e.name)
                }
            })
            .collect::<Vec<_>>()
    };
    let compiled = names(true);
    let other = names(false);
    let mut out = format!(
        "clvdesk {}\nDuckDB {} ({})\nextensions compiled in: {}\n",
        v.clvdesk,
        v.duckdb.version,
        v.duckdb.source_id,
        if compiled.is_empty() {
            "none".to_string()
        } else {
            compiled.join(", ")
        }
    );
    if !other.is_empty() {
        out.push_str(&format!("extensions installed: {}\n", other.join(", ")));
    }
    out
}

/// `clvdesk --version`.
pub fn print_text() -> anyhow::Result<()> {
    print!("{}", text(&collect()?));
    Ok(())
}

pub fn run(args: &VersionArgs) -> anyhow::Result<()> {
    let v = collect()?;
    match args.format {
        VersionFormat::Text => print!("{}", text(&v)),
        VersionFormat::Json => println!("{}", serde_json::to_string_pretty(&v)?),
    }
    Ok(())
}
