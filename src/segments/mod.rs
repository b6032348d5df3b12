//! Segments (audiences): rule trees saved as `segments/<name>.toml` ([`model`], [`file`]),
//! compiled to one DuckDB query with bound values ([`compile`], [`validate`]), previewed
//! ([`preview`]), refreshed into a membership history ([`membership`]) and exported to file
//! destinations ([`destination`], [`activation`]).
//!
//! Library code: it knows no terminal; the Segments tab and `clvdesk segment` / `activate`
//! call the same functions.

pub mod activation;
pub mod compile;
pub mod destination;
pub mod file;
pub mod membership;
pub mod model;
pub mod preview;
pub mod seed;
pub mod validate;

use std::path::{Path, PathBuf};

use duckdb::Connection;

use crate::engine::EngineError;
use crate::workspace::paths::folders;

pub use compile::{Compiled, FolderResolver, compile};
pub use model::Segment;

/// A segment or destination file that cannot be used as written: the file, the line when
/// known, the rule (`rule.2.1` = first child of the root's second child) and the reason.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{}: {}{reason}", file.display(), line.map(|l| format!(":{l}")).unwrap_or_default(), rule.as_ref().map(|r| format!("{r}: ")).unwrap_or_default())]
pub struct InvalidRule {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub rule: Option<String>,
    pub reason: String,
}

/// Everything that can go wrong with segments and exports.
#[derive(Debug, thiserror::Error)]
pub enum SegmentError {
    /// No segment (or destination) of that name: a usage error.
    #[error("no {what} `{name}` in this workspace ({})", if available.is_empty() { "there are none".to_string() } else { format!("{}: {}", plural(what), available.join(", ")) })]
    Unknown {
        what: &'static str,
        name: String,
        available: Vec<String>,
    },
    /// A definition that cannot run as written: a usage error.
    #[error(transparent)]
    Invalid(#[from] InvalidRule),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cancelled")]
    Cancelled,
    #[error("{0}")]
    Other(String),
}

fn plural(what: &str) -> String {
    format!("{what}s")
}

impl SegmentError {
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        SegmentError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// Wraps a DuckDB error (interrupts become [`SegmentError::Cancelled`]).
    pub fn sql(err: duckdb::Error) -> Self {
        match EngineError::from_duckdb(err) {
            EngineError::Cancelled => SegmentError::Cancelled,
            e => SegmentError::Engine(e),
        }
    }

    /// Whether this is the analyst's mistake (unknown name, invalid file): exit code 2.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            SegmentError::Unknown { .. } | SegmentError::Invalid(_)
        )
    }
}

impl From<duckdb::Error> for SegmentError {
    fn from(e: duckdb::Error) -> Self {
        SegmentError::sql(e)
    }
}

/// Letters, digits, `_` and `-`, at most 64: a file stem that is safe everywhere.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The segments folder of a workspace.
pub fn segments_dir(root: &Path) -> PathBuf {
    root.join(folders::SEGMENTS)
}

/// The destinations folder of a workspace.
pub fn destinations_dir(root: &Path) -> PathBuf {
    root.join(folders::DESTINATIONS)
}

/// `(name, file)` of every `*.toml` in `dir`, sorted by name.
pub fn list(dir: &Path) -> Vec<(String, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<(String, PathBuf)> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter_map(|p| {
            let name = p.file_stem()?.to_str()?.to_string();
            Some((name, p))
        })
        .collect();
    out.sort();
    out
}

/// Reads segment `name` of the workspace at `root`.
pub fn load_named(root: &Path, name: &str) -> Result<(Segment, PathBuf), SegmentError> {
    let dir = segments_dir(root);
    let all = list(&dir);
    let Some((_, file)) = all.iter().find(|(n, _)| n == name) else {
        return Err(SegmentError::Unknown {
            what: "segment",
            name: name.to_string(),
            available: all.into_iter().map(|(n, _)| n).collect(),
        });
    };
    Ok((file::load(file)?, file.clone()))
}

/// Reads and compiles segment `name` against the database's catalog.
pub fn compile_named(
    conn: &Connection,
    root: &Path,
    name: &str,
) -> Result<(Segment, Compiled), SegmentError> {
    let (seg, file) = load_named(root, name)?;
    let catalog = crate::engine::catalog::load(conn)?;
    let c = compile(&seg, &file, &catalog, &FolderResolver(segments_dir(root)))?;
    Ok((seg, c))
}

/// Runs a compiled query's count (one statement, parameters bound).
pub fn count(conn: &Connection, c: &Compiled) -> Result<u64, SegmentError> {
    let sql = format!("SELECT count(*) FROM (\n{}\n)", c.sql);
    let mut stmt = crate::engine::sql::prepare_one(conn, &sql)?;
    let n: i64 = stmt.query_row(duckdb::params_from_iter(c.params.iter()), |r| r.get(0))?;
    Ok(n.max(0) as u64)
}
