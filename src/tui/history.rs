//! Query history (one JSON object per line, per workspace) and saved queries
//! (one `.sql` file each in the workspace's queries folder).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::atomic::AtomicFile;

/// How many entries are kept in memory and shown.
pub const MAX_ENTRIES: usize = 2000;
/// How many entries the file keeps: older ones are dropped when it is
/// compacted, which happens once it holds [`COMPACT_SLACK`] more than this.
pub const FILE_CAP: usize = 10_000;
const COMPACT_SLACK: usize = 1_000;

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
    /// Lines in the file, as far as they were counted (at most `FILE_CAP` at load).
    lines: usize,
    /// The file ends in the middle of a line (a crash mid-write): the next
    /// append starts a new line first, so it is not glued to the torn one.
    torn: bool,
}

impl History {
    /// Reads the last [`MAX_ENTRIES`] entries from the end of the file (never
    /// the whole file), compacting it to [`FILE_CAP`] entries when it holds
    /// more. Unreadable lines are skipped (a crash mid-write must not lose the rest).
    pub fn load(path: &Path) -> History {
        let mut h = History {
            path: path.to_path_buf(),
            entries: Vec::new(),
            lines: 0,
            torn: false,
        };
        let Ok(mut file) = File::open(path) else {
            return h;
        };
        let Ok(tail) = Tail::scan(&mut file) else {
            return h;
        };
        h.torn = tail.torn;
        h.lines = tail.lines.min(FILE_CAP);
        let mut text = Vec::new();
        if file.seek(SeekFrom::Start(tail.shown_from)).is_ok()
            && file.read_to_end(&mut text).is_ok()
        {
            h.entries = text
                .split(|&b| b == b'\n')
                .filter_map(|l| serde_json::from_slice(l).ok())
                .collect();
        }
        if tail.kept_from > 0 {
            // Best effort: the entries are in memory either way.
            let _ = h.compact(&mut file, tail.kept_from);
        }
        h
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
            .read(true)
            .open(&self.path)?;
        let mut line = if self.torn {
            "\n".to_string()
        } else {
            String::new()
        };
        line.push_str(&serde_json::to_string(&e).map_err(std::io::Error::other)?);
        line.push('\n');
        f.write_all(line.as_bytes())?;
        self.torn = false;
        self.lines += 1;
        if self.entries.last().is_some_and(|l| l.sql == e.sql) {
            self.entries.pop();
        }
        self.entries.push(e);
        if self.entries.len() > MAX_ENTRIES {
            self.entries.remove(0);
        }
        if self.lines > FILE_CAP + COMPACT_SLACK {
            // The entry is saved; a failed compaction is tried again on the next push.
            if let Ok(tail) = Tail::scan(&mut f) {
                let _ = self.compact(&mut f, tail.kept_from);
            }
        }
        Ok(())
    }

    /// Replaces the file, atomically, by its bytes from `from` on.
    fn compact(&mut self, file: &mut File, from: u64) -> std::io::Result<()> {
        let mut out = AtomicFile::new(&self.path)?;
        file.seek(SeekFrom::Start(from))?;
        std::io::copy(file, &mut out)?;
        out.commit()?;
        self.lines = self.lines.min(FILE_CAP);
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

/// Where the last lines of a history file start, found by reading backwards.
struct Tail {
    /// Start of the last [`MAX_ENTRIES`] lines.
    shown_from: u64,
    /// Start of the last [`FILE_CAP`] lines (0 when the file has no more).
    kept_from: u64,
    /// Lines counted (stops past `FILE_CAP`).
    lines: usize,
    /// The file does not end with a line break.
    torn: bool,
}

impl Tail {
    fn scan(file: &mut File) -> std::io::Result<Tail> {
        const BLOCK: u64 = 64 * 1024;
        let len = file.seek(SeekFrom::End(0))?;
        let mut tail = Tail {
            shown_from: 0,
            kept_from: 0,
            lines: 0,
            torn: false,
        };
        if len == 0 {
            return Ok(tail);
        }
        let mut buf = vec![0u8; BLOCK as usize];
        let mut end = len;
        // Line breaks seen, not counting the one that ends the file.
        let mut breaks = 0usize;
        while end > 0 {
            let start = end.saturating_sub(BLOCK);
            let block = &mut buf[..(end - start) as usize];
            file.seek(SeekFrom::Start(start))?;
            file.read_exact(block)?;
            for (i, &b) in block.iter().enumerate().rev() {
                let at = start + i as u64;
                if b != b'\n' {
                    continue;
                }
                if at == len - 1 {
                    continue;
                }
                breaks += 1;
                if breaks == MAX_ENTRIES {
                    tail.shown_from = at + 1;
                }
                if breaks == FILE_CAP {
                    tail.kept_from = at + 1;
                    tail.lines = FILE_CAP + 1;
                    tail.torn = !ends_with_break(file, len)?;
                    return Ok(tail);
                }
            }
            end = start;
        }
        tail.lines = breaks + 1;
        tail.torn = !ends_with_break(file, len)?;
        Ok(tail)
    }
}

fn ends_with_break(file: &mut File, len: u64) -> std::io::Result<bool> {
    let mut last = [0u8];
    file.seek(SeekFrom::Start(len - 1))?;
    file.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
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

    fn file_lines(p: &Path) -> Vec<String> {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<Entry>(l).unwrap().sql)
            .collect()
    }

    #[test]
    fn the_file_is_capped_and_compacted() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("history.jsonl");
        let mut text = String::new();
        for i in 0..12_345 {
            text.push_str(&serde_json::to_string(&entry(&format!("select {i}"))).unwrap());
            text.push('\n');
        }
        std::fs::write(&p, text).unwrap();
        let mut h = History::load(&p);
        assert_eq!(h.entries.len(), MAX_ENTRIES);
        assert_eq!(h.entries[0].sql, "select 10345");
        assert_eq!(h.entries.last().unwrap().sql, "select 12344");
        let lines = file_lines(&p);
        assert_eq!(lines.len(), FILE_CAP, "compacted at load");
        assert_eq!(lines[0], "select 2345");
        for i in 0..=COMPACT_SLACK {
            h.push(entry(&format!("new {i}"))).unwrap();
        }
        let lines = file_lines(&p);
        assert_eq!(lines.len(), FILE_CAP, "compacted again once past the slack");
        assert_eq!(lines.last().unwrap(), &format!("new {COMPACT_SLACK}"));
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temp file left");
    }

    #[test]
    fn only_the_tail_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("history.jsonl");
        // A first line that is not even text: reading the whole file as a
        // string fails; the tail of the file is all that is needed.
        let mut bytes = vec![0xff_u8; 1 << 20];
        bytes.push(b'\n');
        for sql in ["select 1", "select 2", "select 3"] {
            bytes.extend(serde_json::to_vec(&entry(sql)).unwrap());
            bytes.push(b'\n');
        }
        std::fs::write(&p, bytes).unwrap();
        let h = History::load(&p);
        let sqls: Vec<&str> = h.entries.iter().map(|e| e.sql.as_str()).collect();
        assert_eq!(sqls, ["select 1", "select 2", "select 3"]);
    }

    #[test]
    fn an_append_after_a_torn_line_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("history.jsonl");
        let mut bytes = serde_json::to_vec(&entry("select 1")).unwrap();
        bytes.extend_from_slice(b"\n{\"at\":\"2026-01");
        std::fs::write(&p, bytes).unwrap();
        let mut h = History::load(&p);
        h.push(entry("select 2")).unwrap();
        let h = History::load(&p);
        let sqls: Vec<&str> = h.entries.iter().map(|e| e.sql.as_str()).collect();
        assert_eq!(sqls, ["select 1", "select 2"]);
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
