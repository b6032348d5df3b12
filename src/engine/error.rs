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
    /// The query was interrupted on request.
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
    /// Wraps a DuckDB error, recognising interrupts.
    pub fn from_duckdb(err: duckdb::Error) -> Self {
        let msg = err.to_string();
        if msg.contains("INTERRUPT") || msg.contains("Interrupted") {
            EngineError::Cancelled
        } else {
            EngineError::Sql(msg)
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
