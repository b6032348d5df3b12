//! Query history (one JSON object per line, per workspace) and saved queries
//! (one `.sql` file each in the workspace's queries folder).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// How many entries are kept in memory and shown; the file keeps everything.
pub const MAX_ENTRIES: usize = 2000;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    /// RFC 3339 time the query finished.
    pub at: String,
    pub sql: String,
    /// "ok", "error" or "cancelled".
    pub status: String,
    pub ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
}

pub struct History {
    path: PathBuf,
    /// Oldest first.
    pub entries: Vec<Entry>,
}

impl History {
    /// Read the history file; unreadable lines are skipped (a crash mid-write
    /// must not lose the rest).
    pub fn load(path: &Path) -> History {
        let entries = std::fs::read_to_string(path)
            .map(|text| {
                let mut v: Vec<Entry> = text
                    .lines()
                    .filter_map(|l| serde_json::from_str(l).ok())
                    .collect();
                if v.len() > MAX_ENTRIES {
                    v.drain(..v.len() - MAX_ENTRIES);
                }
                v
            })
            .unwrap_or_default();
        History {
            path: path.to_path_buf(),
            entries,
        }
    }

    /// Append an entry (memory and file). Consecutive duplicates of the same
    /// SQL are collapsed in memory.
    pub fn push(&mut self, e: Entry) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        let mut line = serde_json::to_string(&e).map_err(std::io::Error::other)?;
        line.push('\n');
        f.write_all(line.as_bytes())?;
        if self.entries.last().is_some_and(|l| l.sql == e.sql) {
            self.entries.pop();
        }
        self.entries.push(e);
        if self.entries.len() > MAX_ENTRIES {
            self.entries.remove(0);
        }
        Ok(())
    }

    /// Newest first, keeping entries whose SQL contains every word of
    /// `filter` (case-insensitive).
    pub fn search(&self, filter: &str) -> Vec<&Entry> {
        let words: Vec<String> = filter.split_whitespace().map(str::to_lowercase).collect();
        self.entries
            .iter()
            .rev()
            .filter(|e| {
                let sql = e.sql.to_lowercase();
                words.iter().all(|w| sql.contains(w.as_str()))
            })
            .collect()
    }
}

/// Saved queries: `<dir>/<name>.sql`, sorted by name.
pub fn saved_queries(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut v: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "sql"))
                .filter_map(|p| Some((p.file_stem()?.to_string_lossy().into_owned(), p)))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// A file name from a query name: letters, digits, `-`, `_`, `.`, spaces
/// become `_`; empty names are rejected.
pub fn query_file_name(name: &str) -> Option<String> {
    let stem = name.trim().trim_end_matches(".sql");
    if stem.is_empty() {
        return None;
    }
    let clean: String = stem
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if clean.starts_with('.') {
        return None;
    }
    Some(format!("{clean}.sql"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(sql: &str) -> Entry {
        Entry {
            at: "2026-01-01T00:00:00Z".into(),
            sql: sql.into(),
            status: "ok".into(),
            ms: 1,
            rows: Some(1),
        }
    }

    #[test]
    fn push_reload_and_search() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("h/history.jsonl");
        let mut h = History::load(&p);
        h.push(entry("select * from customers")).unwrap();
        h.push(entry("select count(*) from loyalty_transactions"))
            .unwrap();
        h.push(entry("select count(*) from loyalty_transactions"))
            .unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&p)
            .unwrap()
            .write_all(b"{torn line\n")
            .unwrap();
        let h = History::load(&p);
        assert_eq!(
            h.entries.len(),
            3,
            "file keeps duplicates, torn line skipped"
        );
        let found = h.search("COUNT loyalty");
        assert_eq!(found[0].sql, "select count(*) from loyalty_transactions");
        assert_eq!(h.search("customers").len(), 1);
        assert_eq!(h.search("").len(), 3);
    }

    #[test]
    fn saved_query_names() {
        assert_eq!(
            query_file_name("top deciles").as_deref(),
            Some("top_deciles.sql")
        );
        assert_eq!(query_file_name("a.sql").as_deref(), Some("a.sql"));
        assert_eq!(query_file_name("../x").as_deref(), None);
        assert_eq!(query_file_name("  ").as_deref(), None);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.sql"), "select 2").unwrap();
        std::fs::write(dir.path().join("a.sql"), "select 1").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "x").unwrap();
        let names: Vec<String> = saved_queries(dir.path())
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names, vec!["a", "b"]);
    }
}
