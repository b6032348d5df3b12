//! The definition folders of a workspace, in one list: what each holds, how a
//! file in it is checked, and the names it defines. `clvdesk doctor` checks
//! every folder through [`check_all`]; shell completion lists names through
//! [`names`]. A new kind of definition (segments, dashboards, schedules,
//! destinations) plugs its parser into [`FOLDERS`]; until then its files are
//! checked for TOML syntax, which every definition file must pass anyway.

use std::fmt;
use std::path::{Path, PathBuf};

use super::decile_jobs::{self, DecileJobFileError};
use super::paths::folders;

/// A definition file that does not parse or validate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    /// 1-based line the problem is on, when it can be placed.
    pub line: Option<usize>,
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file.display(), self.reason),
            None => write!(f, "{}: {}", self.file.display(), self.reason),
        }
    }
}

/// Checks one file's text; `Err` says what is wrong and where.
pub type Checker = fn(&Path, &str) -> Result<(), Problem>;

/// One folder of definition files inside a workspace.
#[derive(Debug, Clone, Copy)]
pub struct DefinitionFolder {
    /// The folder, relative to the workspace root; also the completion kind.
    pub folder: &'static str,
    /// What one file defines, for messages.
    pub what: &'static str,
    /// Extension of its files (without the dot).
    pub extension: &'static str,
    /// The kind's own parser; `None` checks TOML syntax only.
    pub check: Option<Checker>,
}

/// Every folder of definition files, in the order doctor reports them.
pub const FOLDERS: &[DefinitionFolder] = &[
    DefinitionFolder {
        folder: folders::DECILES,
        what: "decile job",
        extension: "toml",
        check: Some(check_decile_job),
    },
    DefinitionFolder {
        folder: folders::SEGMENTS,
        what: "segment",
        extension: "toml",
        check: None,
    },
    DefinitionFolder {
        folder: folders::DASHBOARDS,
        what: "dashboard",
        extension: "toml",
        check: None,
    },
    DefinitionFolder {
        folder: folders::SCHEDULES,
        what: "schedule",
        extension: "toml",
        check: None,
    },
    DefinitionFolder {
        folder: folders::DESTINATIONS,
        what: "destination",
        extension: "toml",
        check: None,
    },
];

/// Saved queries: definitions too (names are completed), but SQL is not checked here.
pub const QUERIES: DefinitionFolder = DefinitionFolder {
    folder: folders::QUERIES,
    what: "saved query",
    extension: "sql",
    check: None,
};

/// The folder called `name` (`deciles`, `segments`, ..., `queries`).
pub fn folder(name: &str) -> Option<&'static DefinitionFolder> {
    FOLDERS
        .iter()
        .chain(std::iter::once(&QUERIES))
        .find(|f| f.folder == name)
}

/// What checking one folder found.
#[derive(Debug, Clone)]
pub struct FolderReport {
    pub folder: &'static DefinitionFolder,
    /// Files looked at.
    pub files: usize,
    pub problems: Vec<Problem>,
}

/// Files of `def` under `root`, sorted. A missing folder has none.
pub fn files(root: &Path, def: &DefinitionFolder) -> std::io::Result<Vec<PathBuf>> {
    let dir = root.join(def.folder);
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == def.extension))
        .collect();
    out.sort();
    Ok(out)
}

/// Saved queries under `root`: `queries/NAME.sql` and, one folder down,
/// `queries/GROUP/NAME.sql` named `GROUP/NAME` (the seeded KPI library is `kpi/...`);
/// sorted by name.
pub fn saved_queries(root: &Path) -> Vec<(String, PathBuf)> {
    let dir = root.join(QUERIES.folder);
    let mut out: Vec<(String, PathBuf)> = files(root, &QUERIES)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| Some((p.file_stem()?.to_str()?.to_string(), p)))
        .collect();
    let groups = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_else(|_| Vec::new());
    for group in groups {
        let Some(g) = group
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
        else {
            continue;
        };
        if g.starts_with('.') {
            continue;
        }
        let Ok(rd) = std::fs::read_dir(&group) else {
            continue;
        };
        for p in rd.flatten().map(|e| e.path()) {
            if p.is_file()
                && p.extension().is_some_and(|x| x == QUERIES.extension)
                && let Some(stem) = p.file_stem().and_then(|s| s.to_str())
            {
                out.push((format!("{g}/{stem}"), p.clone()));
            }
        }
    }
    out.sort();
    out
}

/// The names `def` defines under `root` (file stems; saved queries one folder down as
/// `GROUP/NAME`), sorted.
pub fn names(root: &Path, def: &DefinitionFolder) -> Vec<String> {
    if def.folder == QUERIES.folder {
        return saved_queries(root).into_iter().map(|(n, _)| n).collect();
    }
    files(root, def)
        .unwrap_or_default()
        .iter()
        .filter_map(|p| p.file_stem()?.to_str().map(str::to_string))
        .collect()
}

/// Checks every file of one folder.
pub fn check_folder(root: &Path, def: &'static DefinitionFolder) -> FolderReport {
    let dir = root.join(def.folder);
    let paths = match files(root, def) {
        Ok(p) => p,
        Err(e) => {
            return FolderReport {
                folder: def,
                files: 0,
                problems: vec![Problem {
                    file: dir,
                    line: None,
                    reason: e.to_string(),
                }],
            };
        }
    };
    let mut problems = Vec::new();
    for path in &paths {
        let result = match std::fs::read_to_string(path) {
            Ok(text) => match def.check {
                Some(check) => check(path, &text),
                None => check_toml_syntax(path, &text),
            },
            Err(e) => Err(Problem {
                file: path.clone(),
                line: None,
                reason: e.to_string(),
            }),
        };
        if let Err(p) = result {
            problems.push(p);
        }
    }
    FolderReport {
        folder: def,
        files: paths.len(),
        problems,
    }
}

/// Checks every definition folder of the workspace at `root`.
pub fn check_all(root: &Path) -> Vec<FolderReport> {
    FOLDERS.iter().map(|def| check_folder(root, def)).collect()
}

/// 1-based line of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].matches('\n').count() + 1
}

/// The line of a TOML parse or deserialisation error, when it has a position.
pub fn toml_error_line(text: &str, err: &toml::de::Error) -> Option<usize> {
    err.span().map(|s| line_of(text, s.start))
}

/// The line where the key at `path` (`["editor", "tab_width"]`) is written.
pub fn key_line(text: &str, path: &[&str]) -> Option<usize> {
    let doc = toml_edit::Document::parse(text).ok()?;
    let (last, parents) = path.split_last()?;
    let root: &toml_edit::Table = &doc;
    let mut table: &dyn toml_edit::TableLike = root;
    for p in parents {
        table = table.get(p)?.as_table_like()?;
    }
    let span = table.key(last)?.span()?;
    Some(line_of(text, span.start))
}

fn check_toml_syntax(path: &Path, text: &str) -> Result<(), Problem> {
    toml::from_str::<toml::Table>(text)
        .map(|_| ())
        .map_err(|e| Problem {
            file: path.to_path_buf(),
            line: toml_error_line(text, &e),
            reason: e.message().trim().to_string(),
        })
}

fn check_decile_job(path: &Path, text: &str) -> Result<(), Problem> {
    let err = match decile_jobs::parse_job(path, text) {
        Ok(_) => return Ok(()),
        Err(e) => e,
    };
    let (line, reason) = match err {
        DecileJobFileError::Parse { line, message, .. } => (line, message),
        DecileJobFileError::Invalid { key, message, .. } => {
            (key_line(text, &[key]), format!("`{key}`: {message}"))
        }
        DecileJobFileError::Io { source, .. } => (None, source.to_string()),
    };
    Err(Problem {
        file: path.to_path_buf(),
        line,
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_keys_are_placed() {
        let text = "a = 1\n[editor]\n# c\ntab_width = 3\n";
        assert_eq!(line_of(text, 0), 1);
        assert_eq!(key_line(text, &["a"]), Some(1));
        assert_eq!(key_line(text, &["editor", "tab_width"]), Some(4));
        assert_eq!(key_line(text, &["editor", "nope"]), None);
        let err = toml::from_str::<toml::Table>("x = 1\ny = = 2\n").unwrap_err();
        assert_eq!(toml_error_line("x = 1\ny = = 2\n", &err), Some(2));
    }

    #[test]
    fn every_folder_is_checked_and_named() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("deciles")).unwrap();
        std::fs::create_dir_all(root.join("segments")).unwrap();
        std::fs::write(
            root.join("deciles/good.toml"),
            decile_jobs::STARTER_JOBS[0].1,
        )
        .unwrap();
        // Valid TOML, invalid job: placed on the key's line.
        let bad = decile_jobs::STARTER_JOBS[0]
            .1
            .replace("buckets = 10", "buckets = 7");
        std::fs::write(root.join("deciles/bad.toml"), &bad).unwrap();
        std::fs::write(root.join("segments/vip.toml"), "rule = [\n").unwrap();
        std::fs::write(root.join("segments/notes.txt"), "ignored").unwrap();
        let reports = check_all(root);
        assert_eq!(reports.len(), FOLDERS.len());
        let deciles = &reports[0];
        assert_eq!((deciles.files, deciles.problems.len()), (2, 1));
        let p = &deciles.problems[0];
        assert!(p.file.ends_with("deciles/bad.toml"));
        let expected = bad.lines().position(|l| l == "buckets = 7").unwrap() + 1;
        assert_eq!(p.line, Some(expected));
        assert!(p.reason.contains("buckets"), "{p}");
        let segments = &reports[1];
        assert_eq!((segments.files, segments.problems.len()), (1, 1));
        assert!(segments.problems[0].line.is_some());
        assert_eq!(names(root, folder("deciles").unwrap()), ["bad", "good"]);
        assert_eq!(
            names(root, folder("dashboards").unwrap()),
            Vec::<String>::new()
        );
    }
}
