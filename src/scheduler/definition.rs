//! What schedule and job definition files share: the error that names the file, the line
//! and the reason; line numbers from spans; parameter tables; atomic saves that keep the
//! user's comments (`toml_edit`).

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use toml::Spanned;

use super::schedule::{ParamValue, Params};
use crate::workspace::write_atomic;

/// A definition file that cannot be used as written: a configuration error.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{}: {reason}", file.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct InvalidFile {
    pub file: PathBuf,
    /// 1-based line of the offending key or value, when known.
    pub line: Option<usize>,
    pub reason: String,
}

impl InvalidFile {
    pub fn new(file: &Path, line: Option<usize>, reason: impl Into<String>) -> Self {
        InvalidFile {
            file: file.to_path_buf(),
            line,
            reason: reason.into(),
        }
    }
}

/// The 1-based line of a byte offset in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset.min(text.len()))
        .map_or(1, |t| t.matches('\n').count() + 1)
}

/// Reads and parses a TOML definition file into `T`, naming file and line on error.
pub fn parse_toml<T: serde::de::DeserializeOwned>(
    file: &Path,
    text: &str,
) -> Result<T, InvalidFile> {
    toml::from_str(text).map_err(|e| {
        InvalidFile::new(
            file,
            e.span().map(|s| line_of(text, s.start)),
            e.message().trim().to_string(),
        )
    })
}

/// Reads a definition file.
pub fn read(file: &Path) -> Result<String, InvalidFile> {
    std::fs::read_to_string(file).map_err(|e| InvalidFile::new(file, None, e.to_string()))
}

/// A `[parameters]` table: names are what follows `$` in SQL; values are strings,
/// numbers, booleans or dates.
pub fn parse_params(
    file: &Path,
    text: &str,
    table: &Spanned<toml::Table>,
) -> Result<Params, InvalidFile> {
    let line = line_of(text, table.span().start);
    let mut out = Params::new();
    for (name, value) in table.get_ref() {
        if !is_param_name(name) {
            return Err(InvalidFile::new(
                file,
                Some(line),
                format!("parameter `{name}`: use letters, digits and `_` (it is `${name}` in SQL)"),
            ));
        }
        let v = match value {
            toml::Value::String(s) => ParamValue::Text(s.clone()),
            toml::Value::Integer(n) => ParamValue::Integer(*n),
            toml::Value::Float(x) => ParamValue::Float(*x),
            toml::Value::Boolean(b) => ParamValue::Bool(*b),
            toml::Value::Datetime(dt) => {
                match (dt.date, dt.time) {
                    (Some(d), None) => NaiveDate::from_ymd_opt(
                        i32::from(d.year),
                        u32::from(d.month),
                        u32::from(d.day),
                    )
                    .map(ParamValue::Date)
                    .ok_or_else(|| {
                        InvalidFile::new(file, Some(line), format!("parameter `{name}`: bad date"))
                    })?,
                    _ => ParamValue::Text(dt.to_string()),
                }
            }
            other => {
                return Err(InvalidFile::new(
                    file,
                    Some(line),
                    format!(
                        "parameter `{name}`: {} values cannot be bound; use a string, number, boolean or date",
                        other.type_str()
                    ),
                ));
            }
        };
        out.insert(name.clone(), v);
    }
    Ok(out)
}

/// Letters, digits and `_`, not starting with a digit.
pub fn is_param_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The stem of a definition file, checked as a name (letters, digits, `_`, `-`).
pub fn name_of(file: &Path) -> Result<String, InvalidFile> {
    let name = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_string();
    if crate::analytics::deciles::is_valid_job_name(&name) {
        Ok(name)
    } else {
        Err(InvalidFile::new(
            file,
            None,
            format!("`{name}` is not a name: use letters, digits, `_` and `-` in the file name"),
        ))
    }
}

/// The `*.toml` files of `dir`, sorted; a missing folder has none.
pub fn toml_files(dir: &Path) -> Result<Vec<PathBuf>, InvalidFile> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(InvalidFile::new(dir, None, e.to_string())),
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

/// Sets (`Some`) or removes (`None`) top-level keys of a definition file, keeping its
/// comments, order and other keys, and writes it atomically.
pub fn edit_keys(
    file: &Path,
    edits: &[(&str, Option<toml_edit::Item>)],
) -> Result<(), InvalidFile> {
    let text = read(file)?;
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        InvalidFile::new(
            file,
            e.span().map(|s| line_of(&text, s.start)),
            e.message().trim().to_string(),
        )
    })?;
    for (key, item) in edits {
        match item {
            Some(item) => {
                // Keep the comment and spacing around an existing value.
                if let (Some(old), Some(new)) = (
                    doc.get_mut(key).and_then(|i| i.as_value_mut()),
                    item.as_value(),
                ) {
                    let decor = old.decor().clone();
                    *old = new.clone();
                    *old.decor_mut() = decor;
                    continue;
                }
                doc[*key] = item.clone();
            }
            None => {
                doc.remove(key);
            }
        }
    }
    write_atomic(file, doc.to_string().as_bytes())
        .map_err(|e| InvalidFile::new(file, None, e.to_string()))
}
