//! Typed engine errors. The CLI maps them to exit codes; the app shows them.

use std::path::PathBuf;

/// Everything that can go wrong talking to DuckDB.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Another process holds the write lock on the database file.
    #[error("the workspace database {path} is locked by {holder}; retry when it has finished")]
    Locked { path: PathBuf, holder: String },
    /// DuckDB rejected or failed a statement; the message is DuckDB's own.
    #[error("{0}")]
    Sql(String),
    /// The work was stopped on request. Only code that knows a cancel was asked for (a
    /// worker's cancel flag, set before DuckDB's interrupt) says so; a DuckDB error is
    /// never read for it.
    #[error("query cancelled")]
    Cancelled,
    /// A file or folder could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A name (table, column) that is not a valid identifier or does not exist.
    #[error("{0}")]
    Invalid(String),
}

impl EngineError {
    /// Wraps a DuckDB error as DuckDB words it. Whether it came from a cancel is not
    /// read from its text: the caller that asked for the cancel knows (see
    /// [`EngineError::or_cancelled`]).
    pub fn from_duckdb(err: duckdb::Error) -> Self {
        EngineError::Sql(err.to_string())
    }

    /// This error, or [`EngineError::Cancelled`] when `cancel_requested` (a cancel was
    /// asked for before the work failed, so the failure is its interrupt).
    pub fn or_cancelled(self, cancel_requested: bool) -> Self {
        if cancel_requested {
            EngineError::Cancelled
        } else {
            self
        }
    }

    /// Wraps a DuckDB error raised while opening `path`, recognising lock conflicts.
    pub fn from_open(path: &std::path::Path, err: duckdb::Error) -> Self {
        let msg = err.to_string();
        match lock_holder(&msg) {
            Some(holder) => EngineError::Locked {
                path: path.to_path_buf(),
                holder,
            },
            None => EngineError::Sql(format!("cannot open {}: {msg}", path.display())),
        }
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        EngineError::Io {
            path: path.into(),
            source,
        }
    }
}

impl From<duckdb::Error> for EngineError {
    fn from(err: duckdb::Error) -> Self {
        EngineError::from_duckdb(err)
    }
}

/// Extracts "program (PID n)" from DuckDB's lock message:
/// `IO Error: Could not set lock on file "...": Conflicting lock is held in /usr/bin/x (PID 42)`.
fn lock_holder(msg: &str) -> Option<String> {
    if !msg.contains("Could not set lock") {
        return None;
    }
    let holder = msg
        .split("Conflicting lock is held in ")
        .nth(1)
        .map(|rest| {
            // Up to the `)` closing "(PID n)": the program path may hold parentheses
            // itself, e.g. "/usr/bin/clvdesk (deleted)" once the binary was replaced.
            let close = |from: usize| rest[from..].find(')').map(|i| from + i + 1);
            let end = match rest.find("(PID ") {
                Some(p) => close(p),
                None => close(0),
            }
            .unwrap_or(rest.len());
            rest[..end].trim().to_string()
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "another process".to_string());
    Some(holder)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An error is never taken for a cancel because of its words; only the flag decides.
    #[test]
    fn interrupt_words_do_not_make_a_cancel() {
        let conn = duckdb::Connection::open_in_memory().unwrap();
        let err = conn
            .execute_batch("SELECT error('INTERRUPT Error: Interrupted!')")
            .unwrap_err();
        let e = EngineError::from_duckdb(err);
        assert!(
            matches!(e, EngineError::Sql(ref m) if m.contains("Interrupted")),
            "{e:?}"
        );
        assert!(matches!(e.or_cancelled(true), EngineError::Cancelled));
        assert!(matches!(
            EngineError::Sql("x".into()).or_cancelled(false),
            EngineError::Sql(_)
        ));
    }

    #[test]
    fn lock_message_names_the_holder() {
        let msg = "IO Error: Could not set lock on file \"/w/warehouse.duckdb\": Conflicting lock is held in /usr/bin/clvdesk (PID 4242). See also https://duckdb.org/docs/concurrency";
        assert_eq!(
            lock_holder(msg).as_deref(),
            Some("/usr/bin/clvdesk (PID 4242)")
        );
        assert_eq!(lock_holder("Catalog Error: no table"), None);
        let replaced = "IO Error: Could not set lock on file \"/w/warehouse.duckdb\": Conflicting lock is held in /usr/bin/clvdesk (deleted) (PID 7). See also x";
        assert_eq!(
            lock_holder(replaced).as_deref(),
            Some("/usr/bin/clvdesk (deleted) (PID 7)")
        );
    }
}
