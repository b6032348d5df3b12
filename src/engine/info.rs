//! What DuckDB says about itself (version, extensions) and what a database
//! file's header says about the DuckDB that wrote it — for `--version` and
//! `clvdesk doctor`.

use std::io::Read;
use std::path::Path;

use duckdb::Connection;
use serde::Serialize;

use super::EngineError;

/// The embedded DuckDB.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EngineInfo {
    /// `v1.4.1`-style version, as `pragma_version()` reports it.
    pub version: String,
    /// The source commit DuckDB was built from.
    pub source_id: String,
    /// Extensions that are loaded or installed, by name.
    pub extensions: Vec<ExtensionInfo>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExtensionInfo {
    pub name: String,
    pub loaded: bool,
    pub installed: bool,
    /// `STATICALLY_LINKED` for extensions compiled into the binary.
    pub install_mode: Option<String>,
}

impl ExtensionInfo {
    /// Compiled into this binary (no download needed).
    pub fn compiled_in(&self) -> bool {
        self.install_mode.as_deref() == Some("STATICALLY_LINKED")
    }
}

/// Asks DuckDB on `conn` for its version and its loaded or installed extensions.
pub fn engine_info(conn: &Connection) -> Result<EngineInfo, EngineError> {
    let (version, source_id): (String, String) = conn.query_row(
        "SELECT library_version, source_id FROM pragma_version()",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let mut stmt = conn.prepare(
        "SELECT extension_name, loaded, installed, install_mode FROM duckdb_extensions() \
         WHERE loaded OR installed ORDER BY extension_name",
    )?;
    let extensions = stmt
        .query_map([], |r| {
            Ok(ExtensionInfo {
                name: r.get(0)?,
                loaded: r.get(1)?,
                installed: r.get(2)?,
                install_mode: r.get(3)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(EngineInfo {
        version,
        source_id,
        extensions,
    })
}

/// What the main header of a DuckDB database file says, read without opening
/// it (so without taking its lock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileHeader {
    /// The storage version number (999 from DuckDB 2.0 on, where the library version rules).
    pub storage_version: u64,
    /// The DuckDB version that created the file (the main header is written once), e.g. `v1.4.1`.
    pub written_by: String,
}

/// Layout of DuckDB's main header: an 8-byte checksum, `DUCK`, the storage
/// version (u64 little-endian), four u64 flags, then the library version and
/// source id as 32-byte zero-padded strings.
const MAGIC_OFFSET: usize = 8;
const VERSION_OFFSET: usize = MAGIC_OFFSET + 4;
const LIBRARY_OFFSET: usize = VERSION_OFFSET + 8 + 4 * 8;
const HEADER_LEN: usize = LIBRARY_OFFSET + 32;

/// Reads the header of the database file at `path`; `Ok(None)` when the file
/// is not a DuckDB database.
pub fn file_header(path: &Path) -> Result<Option<FileHeader>, EngineError> {
    let mut buf = [0u8; HEADER_LEN];
    let mut f = std::fs::File::open(path).map_err(|e| EngineError::io(path, e))?;
    if f.read_exact(&mut buf).is_err() || &buf[MAGIC_OFFSET..VERSION_OFFSET] != b"DUCK" {
        return Ok(None);
    }
    let mut version = [0u8; 8];
    version.copy_from_slice(&buf[VERSION_OFFSET..VERSION_OFFSET + 8]);
    let library = &buf[LIBRARY_OFFSET..HEADER_LEN];
    let end = library
        .iter()
        .position(|b| *b == 0)
        .unwrap_or(library.len());
    Ok(Some(FileHeader {
        storage_version: u64::from_le_bytes(version),
        written_by: String::from_utf8_lossy(&library[..end]).into_owned(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_version_and_compiled_in_extensions() {
        let conn = Connection::open_in_memory().unwrap();
        let info = engine_info(&conn).unwrap();
        assert!(info.version.starts_with('v'), "{info:?}");
        let parquet = info.extensions.iter().find(|e| e.name == "parquet");
        assert!(parquet.is_some_and(|e| e.loaded), "{info:?}");
    }

    #[test]
    fn header_names_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.duckdb");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE t AS SELECT 1 AS x; CHECKPOINT")
            .unwrap();
        let version: String = conn
            .query_row("SELECT library_version FROM pragma_version()", [], |r| {
                r.get(0)
            })
            .unwrap();
        drop(conn);
        let h = file_header(&path).unwrap().expect("a DuckDB file");
        assert_eq!(h.written_by, version);
        std::fs::write(
            dir.path().join("x.duckdb"),
            b"not a database at all, clearly",
        )
        .unwrap();
        assert_eq!(file_header(&dir.path().join("x.duckdb")).unwrap(), None);
    }
}
