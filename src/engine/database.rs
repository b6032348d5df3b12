//! Opening DuckDB: one `Connection` per process, cloned for every worker.

use std::path::{Path, PathBuf};

use duckdb::Connection;

use super::{EngineError, migrations};

/// The process's database. Workers get their own connection with
/// [`Database::clone_conn`], which shares the same database instance (and so
/// sees the same data and temp objects of the catalog) but has its own
/// interrupt and progress handles.
pub struct Database {
    conn: Connection,
    path: Option<PathBuf>,
}

impl Database {
    /// Opens (creating if missing) a workspace database and applies the
    /// metadata-schema migrations.
    pub fn open_workspace(path: &Path) -> Result<Self, EngineError> {
        let db = Self::open_file(path)?;
        migrations::apply(&db.conn)?;
        Ok(db)
    }

    /// Opens any DuckDB file as it is, without adding clvdesk's metadata schema.
    pub fn open_file(path: &Path) -> Result<Self, EngineError> {
        let conn = Connection::open(path).map_err(|e| EngineError::from_open(path, e))?;
        Ok(Self {
            conn,
            path: Some(path.to_path_buf()),
        })
    }

    /// An in-memory database (ad hoc analysis of files, tests).
    pub fn open_in_memory() -> Result<Self, EngineError> {
        let conn = Connection::open_in_memory()?;
        Ok(Self { conn, path: None })
    }

    /// An in-memory database with the metadata schema (tests of jobs).
    pub fn open_in_memory_workspace() -> Result<Self, EngineError> {
        let db = Self::open_in_memory()?;
        migrations::apply(&db.conn)?;
        Ok(db)
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// A new connection to the same database, for a worker thread.
    pub fn clone_conn(&self) -> Result<Connection, EngineError> {
        Ok(self.conn.try_clone()?)
    }

    /// The database file, or `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
}

/// Runs `f` inside a transaction on `conn`: committed when it returns `Ok`,
/// rolled back otherwise (so a failure half-way leaves nothing behind).
pub fn in_transaction<T, E>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<EngineError>,
{
    conn.execute_batch("BEGIN TRANSACTION")
        .map_err(|e| E::from(EngineError::from_duckdb(e)))?;
    match f(conn) {
        Ok(v) => {
            conn.execute_batch("COMMIT")
                .map_err(|e| E::from(EngineError::from_duckdb(e)))?;
            Ok(v)
        }
        Err(e) => {
            // The transaction may already be aborted by DuckDB; a failing rollback adds nothing.
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}
