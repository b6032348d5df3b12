//! Writing a whole result to a file with DuckDB's own writers (COPY), so an
//! export never passes through the app's memory. File writes are atomic:
//! DuckDB writes a temp file beside the target, which is then renamed.

use std::path::{Path, PathBuf};

use duckdb::Connection;

use super::EngineError;
use super::sql::quote_literal;

/// File formats DuckDB writes for us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Csv,
    Tsv,
    Json,
    Jsonl,
    Parquet,
}

impl ExportFormat {
    /// Guesses the format from a file name's extension.
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "csv" => Self::Csv,
            "tsv" | "tab" => Self::Tsv,
            "json" => Self::Json,
            "jsonl" | "ndjson" => Self::Jsonl,
            "parquet" | "pq" => Self::Parquet,
            _ => return None,
        })
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Tsv => "tsv",
            Self::Json => "json",
            Self::Jsonl => "jsonl",
            Self::Parquet => "parquet",
        }
    }

    /// The options clause of `COPY ... TO ... (...)`.
    pub fn copy_options(self) -> &'static str {
        match self {
            Self::Csv => "FORMAT csv, HEADER true",
            Self::Tsv => "FORMAT csv, HEADER true, DELIMITER '\t'",
            Self::Json => "FORMAT json, ARRAY true",
            Self::Jsonl => "FORMAT json",
            Self::Parquet => "FORMAT parquet, COMPRESSION zstd",
        }
    }
}

/// `COPY (source) TO path` written atomically; returns the number of rows written.
/// Special files (`/dev/null`, a fifo) are written in place.
pub fn copy_to(
    conn: &Connection,
    source: &str,
    path: &Path,
    format: ExportFormat,
) -> Result<u64, EngineError> {
    if path.exists() && !path.is_file() {
        return copy_to_unchecked(conn, source, path, format);
    }
    let tmp = temp_path_beside(path);
    let written = copy_to_unchecked(conn, source, &tmp, format);
    match written {
        Ok(n) => {
            std::fs::rename(&tmp, path).map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                EngineError::io(path, e)
            })?;
            Ok(n)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// `COPY (source) TO path` without the temp-file dance (for `/dev/stdout`).
pub fn copy_to_unchecked(
    conn: &Connection,
    source: &str,
    path: &Path,
    format: ExportFormat,
) -> Result<u64, EngineError> {
    let target = path
        .to_str()
        .ok_or_else(|| EngineError::Invalid(format!("{}: not a UTF-8 path", path.display())))?;
    let sql = format!(
        "COPY ({source}) TO {} ({})",
        quote_literal(target),
        format.copy_options()
    );
    let n = conn.execute(&sql, [])?;
    Ok(n as u64)
}

/// `dir/.name.tmp-PID` beside `path`, so the final rename stays on one file system.
pub fn temp_path_beside(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".into());
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_from_extension() {
        assert_eq!(
            ExportFormat::from_path(Path::new("a.CSV")),
            Some(ExportFormat::Csv)
        );
        assert_eq!(
            ExportFormat::from_path(Path::new("a.parquet")),
            Some(ExportFormat::Parquet)
        );
        assert_eq!(ExportFormat::from_path(Path::new("a")), None);
    }

    #[test]
    fn copy_writes_every_row_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::open_in_memory().unwrap();
        for fmt in [
            ExportFormat::Csv,
            ExportFormat::Tsv,
            ExportFormat::Json,
            ExportFormat::Jsonl,
            ExportFormat::Parquet,
        ] {
            let path = dir.path().join(format!("out.{}", fmt.extension()));
            let n = copy_to(&conn, "SELECT range AS i FROM range(1234)", &path, fmt).unwrap();
            assert_eq!(n, 1234);
            assert!(path.exists());
        }
        let leftovers = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with('.')
            })
            .count();
        assert_eq!(leftovers, 0);
        let bad = copy_to(
            &conn,
            "SELECT nope",
            &dir.path().join("bad.csv"),
            ExportFormat::Csv,
        );
        assert!(bad.is_err());
        assert!(!dir.path().join("bad.csv").exists());
    }
}
