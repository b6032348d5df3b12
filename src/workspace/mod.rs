//! Where things live: the workspace folder (database + definition files),
//! atomic writes, first-run seeding from the embedded sample data.

pub mod atomic;
pub mod decile_jobs;
pub mod definitions;
pub mod paths;
pub mod seed;

use std::path::{Path, PathBuf};

use crate::engine::{Database, EngineError};
use crate::sql::{check_file_path, file_path_literal, quote_ident};

pub use atomic::write_atomic;

/// Errors opening or seeding a workspace.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "no home directory found for the default workspace; pass --workspace DIR or set CLVDESK_WORKSPACE"
    )]
    NoDefaultDir,
    #[error("{path}: {message}")]
    BadPath { path: PathBuf, message: String },
    #[error("seeding the workspace failed: {0}")]
    Seed(String),
}

impl WorkspaceError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        WorkspaceError::Io {
            path: path.into(),
            source,
        }
    }

    /// Whether this is the "another process holds the database" error.
    pub fn is_locked(&self) -> bool {
        matches!(self, WorkspaceError::Engine(EngineError::Locked { .. }))
    }
}

/// What kind of thing the workspace was opened from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkspaceKind {
    /// A clvdesk workspace folder (seeded on first use).
    Folder,
    /// A DuckDB file opened directly; definitions live beside it.
    DatabaseFile,
    /// A CSV/Parquet/JSON file, exposed as a view in an in-memory database.
    DataFile { view: String },
}

/// An open workspace: its folder and its database (the one connection of the process).
pub struct Workspace {
    root: PathBuf,
    db: Database,
    kind: WorkspaceKind,
    /// What seeding did when this workspace was opened (empty unless a folder).
    seed: seed::SeedReport,
}

impl Workspace {
    /// Opens what the user named (`clvdesk [PATH]`, `--workspace DIR`): a
    /// workspace folder, a `.duckdb` file, or a CSV/Parquet/JSON file; the
    /// default workspace when `None`.
    pub fn open_path(path: Option<&Path>) -> Result<Self, WorkspaceError> {
        let Some(path) = path else {
            return Self::open_default();
        };
        if path.is_file() {
            match data_file_reader(path) {
                Some(_) => Self::open_data_file(path),
                None => Self::open_database_file(path),
            }
        } else if path.extension().is_some_and(|e| e == "duckdb" || e == "db") {
            Self::open_database_file(path)
        } else {
            Self::open_folder(path)
        }
    }

    /// The default workspace under the platform data directory.
    pub fn open_default() -> Result<Self, WorkspaceError> {
        let dir = paths::default_workspace_dir().ok_or(WorkspaceError::NoDefaultDir)?;
        Self::open_folder(&dir)
    }

    /// Opens (creating and seeding on first use) a workspace folder.
    pub fn open_folder(root: &Path) -> Result<Self, WorkspaceError> {
        if root.is_file() {
            return Err(WorkspaceError::BadPath {
                path: root.to_path_buf(),
                message: "is a file, not a workspace folder".into(),
            });
        }
        std::fs::create_dir_all(root).map_err(|e| WorkspaceError::io(root, e))?;
        let db = Database::open_workspace(&root.join(paths::DATABASE_FILE))?;
        let mut ws = Self {
            root: root.to_path_buf(),
            db,
            kind: WorkspaceKind::Folder,
            seed: seed::SeedReport::default(),
        };
        ws.seed = seed::ensure_seeded(&ws)?;
        Ok(ws)
    }

    /// Opens an existing DuckDB file; clvdesk's metadata schema is added to it. Nothing is
    /// seeded into it (its tables are the user's).
    pub fn open_database_file(file: &Path) -> Result<Self, WorkspaceError> {
        let db = Database::open_workspace(file)?;
        Ok(Self {
            root: folder_of(file),
            db,
            kind: WorkspaceKind::DatabaseFile,
            seed: seed::SeedReport::default(),
        })
    }

    /// Opens a CSV/Parquet/JSON file as a view (named after the file) in an in-memory database.
    pub fn open_data_file(file: &Path) -> Result<Self, WorkspaceError> {
        let reader = data_file_reader(file).ok_or_else(|| WorkspaceError::BadPath {
            path: file.to_path_buf(),
            message: "not a CSV, Parquet or JSON file".into(),
        })?;
        let db = Database::open_in_memory_workspace()?;
        let view = view_name_for(file);
        let target = file.to_str().ok_or_else(|| WorkspaceError::BadPath {
            path: file.to_path_buf(),
            message: "not a UTF-8 path".into(),
        })?;
        check_file_path(target).map_err(|message| WorkspaceError::BadPath {
            path: file.to_path_buf(),
            message,
        })?;
        let create = format!(
            "CREATE VIEW {} AS SELECT * FROM {reader}({})",
            quote_ident(&view),
            file_path_literal(target)
        );
        crate::engine::sql::execute_one(db.conn(), &create, []).map_err(|e| {
            WorkspaceError::BadPath {
                path: file.to_path_buf(),
                message: e.to_string(),
            }
        })?;
        Ok(Self {
            root: folder_of(file),
            db,
            kind: WorkspaceKind::DataFile { view },
            seed: seed::SeedReport::default(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn db(&self) -> &Database {
        &self.db
    }

    pub fn kind(&self) -> &WorkspaceKind {
        &self.kind
    }

    /// What seeding did on this open; [`seed::SeedReport::notes`] is what to tell the user.
    pub fn seed_report(&self) -> &seed::SeedReport {
        &self.seed
    }

    /// For the starters installed after seeding (`scheduler::starters::install`).
    pub fn seed_report_mut(&mut self) -> &mut seed::SeedReport {
        &mut self.seed
    }

    /// A path inside the workspace (e.g. `ws.path(paths::folders::QUERIES)`).
    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// A short human description for status lines.
    pub fn describe(&self) -> String {
        match &self.kind {
            WorkspaceKind::Folder => self.root.display().to_string(),
            WorkspaceKind::DatabaseFile => self
                .db
                .path()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            WorkspaceKind::DataFile { view } => format!("{view} (file, in memory)"),
        }
    }
}

/// The DuckDB table function that reads a data file, by extension (it lives with ingest, in
/// the engine, which knows DuckDB's readers).
pub use crate::engine::ingest::data_file_reader;

/// The folder holding `file`: definitions of a file-backed workspace live beside it.
fn folder_of(file: &Path) -> PathBuf {
    file.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf()
}

/// A view name from a file name: `Sales 2024.csv` -> `sales_2024`.
fn view_name_for(file: &Path) -> String {
    let stem = file
        .file_name()
        .and_then(|s| s.to_str())
        .and_then(|s| s.split('.').next())
        .unwrap_or("data");
    let mut name: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "t_");
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_by_extension() {
        assert_eq!(data_file_reader(Path::new("a.CSV")), Some("read_csv_auto"));
        assert_eq!(
            data_file_reader(Path::new("a.csv.gz")),
            Some("read_csv_auto")
        );
        assert_eq!(
            data_file_reader(Path::new("a.parquet")),
            Some("read_parquet")
        );
        assert_eq!(
            data_file_reader(Path::new("a.ndjson")),
            Some("read_json_auto")
        );
        assert_eq!(data_file_reader(Path::new("a.duckdb")), None);
    }

    #[test]
    fn data_files_and_database_files_open_as_workspaces() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("Orders 2024.csv");
        std::fs::write(&csv, "id,amount\n1,2.5\n2,3.5\n").unwrap();
        let ws = Workspace::open_path(Some(&csv)).unwrap();
        assert_eq!(
            ws.kind(),
            &WorkspaceKind::DataFile {
                view: "orders_2024".into()
            }
        );
        assert_eq!(ws.root(), dir.path());
        let n: f64 = ws
            .db()
            .conn()
            .query_row("SELECT sum(amount) FROM orders_2024", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 6.0);
        let broken = dir.path().join("broken.parquet");
        std::fs::write(&broken, "not parquet").unwrap();
        let err = Workspace::open_path(Some(&broken))
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("broken.parquet"), "{err}");
        let file = dir.path().join("plain.duckdb");
        let ws = Workspace::open_path(Some(&file)).unwrap();
        assert_eq!(ws.kind(), &WorkspaceKind::DatabaseFile);
        assert_eq!(ws.root(), dir.path());
    }

    #[test]
    fn view_names_are_identifiers() {
        assert_eq!(view_name_for(Path::new("/x/Sales 2024.csv")), "sales_2024");
        assert_eq!(view_name_for(Path::new("2024.parquet")), "t_2024");
    }
}
