//! Decile job definition files: `deciles/<name>.toml` in the workspace, one job per
//! file; the file stem is the job name.
//!
//! ```toml
//! source = "loyalty_transactions"
//! identity = "member_id"
//! metric = "miles"                       # SQL expression over the source's columns
//! date_column = "txn_date"
//! category = "loyalty_status"
//! category_table = "customers"           # optional: category from a dimension table
//! category_key = "customer_id"           #   joined on customer_id = member_id
//! windows = ["1m", "3m", "6m", "12m", "lifetime"]   # or 1, 3, 6, 9, 12
//! as_of = "latest"                       # or a date: 2025-12-31 (last day included)
//! buckets = 10                           # 4, 10 or 100
//! filter = "transaction_type = 'STATUS_MILES'"
//! output_prefix = "loyalty_miles"        # -> loyalty_miles_deciles(_profile)
//! mode = "window"                        # or "cumulative"
//! ```
//!
//! Every key has a default except `source`, `identity`, `metric`, `category` and
//! `date_column`; unknown keys are errors. Errors name the file and the key. Saving an
//! edited job keeps the file's comments, order and untouched values (`toml_edit`) and
//! writes atomically.

use std::io;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;
use toml_edit::{DocumentMut, Item, Value};

use crate::analytics::deciles::{
    AsOf, DEFAULT_BUCKETS, DecileJob, Mode, SpecError, Window, default_prefix, is_valid_job_name,
};
use crate::workspace::atomic::write_atomic;
use crate::workspace::definitions::{line_of, toml_error_line};

/// Folder of the workspace holding decile job files.
pub const DIR: &str = crate::workspace::paths::folders::DECILES;

/// Starter jobs written into a new workspace: (name, file text).
pub const STARTER_JOBS: &[(&str, &str)] = &[("loyalty_miles", STARTER_LOYALTY_MILES)];

const STARTER_LOYALTY_MILES: &str = r#"# Starter decile job: members ranked by status miles within their loyalty status.
# Edit freely (comments are kept when the app saves); run it from the Deciles pane or
# with `clvdesk --run-schedule --job loyalty_miles --force`.
description = "Status miles per member, ranked within loyalty status"
source = "loyalty_transactions"
identity = "member_id"
# Any SQL expression over the source's columns, summed per member.
metric = "miles"
date_column = "txn_date"
# The log has no status column: the category comes from customers, joined on
# customers.customer_id = loyalty_transactions.member_id.
category = "loyalty_status"
category_table = "customers"
category_key = "customer_id"
windows = ["1m", "3m", "6m", "12m", "lifetime"]
# "latest" = the latest txn_date in the log (that day included), or a date: 2025-12-31
as_of = "latest"
buckets = 10
# A flight is a STATUS_MILES row plus an AWARD_MILES row with the same miles:
# count status miles only, so one flight is not counted twice.
filter = "transaction_type = 'STATUS_MILES'"
# Writes loyalty_miles_deciles and loyalty_miles_deciles_profile.
output_prefix = "loyalty_miles"
# "window": activity inside each window; "cumulative": everything before as_of - N months.
mode = "window"
"#;

/// A decile job file that could not be read, parsed, validated or written.
#[derive(Debug, thiserror::Error)]
pub enum DecileJobFileError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("{}: {}{message}", path.display(), at_line(*line))]
    Parse {
        path: PathBuf,
        /// 1-based line of the problem, when the parser placed it.
        line: Option<usize>,
        message: String,
    },
    #[error("{}: key `{key}`: {message}", path.display())]
    Invalid {
        path: PathBuf,
        key: &'static str,
        message: String,
    },
}

impl DecileJobFileError {
    fn invalid(path: &Path, e: SpecError) -> Self {
        DecileJobFileError::Invalid {
            path: path.to_path_buf(),
            key: e.key,
            message: e.message,
        }
    }

    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            DecileJobFileError::Io { path, .. }
            | DecileJobFileError::Parse { path, .. }
            | DecileJobFileError::Invalid { path, .. } => path,
        }
    }
}

/// The file as written; turned into a [`DecileJob`] by [`parse_job`].
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct JobFile {
    description: Option<String>,
    source: String,
    identity: String,
    metric: String,
    category: String,
    category_table: Option<String>,
    category_key: Option<String>,
    date_column: String,
    windows: Option<Vec<toml::Value>>,
    as_of: Option<toml::Value>,
    buckets: Option<i64>,
    filter: Option<String>,
    output_prefix: Option<String>,
    mode: Option<String>,
}

/// `deciles/<name>.toml` under `dir`.
pub fn job_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.toml"))
}

fn at_line(line: Option<usize>) -> String {
    line.map(|n| format!("line {n}: ")).unwrap_or_default()
}

fn parse_window(v: &toml::Value) -> Result<Window, SpecError> {
    let w = match v {
        toml::Value::Integer(n) => Window::from_months(*n),
        toml::Value::String(s) => Window::from_label(s)
            .or_else(|| s.trim().parse::<i64>().ok().and_then(Window::from_months)),
        _ => None,
    };
    w.ok_or_else(|| {
        SpecError::new(
            "windows",
            format!("`{v}` is not a window (1m, 3m, 6m, 9m, 12m or lifetime)"),
        )
    })
}

fn parse_as_of(v: &toml::Value) -> Result<AsOf, SpecError> {
    let bad = || {
        SpecError::new(
            "as_of",
            format!("`{v}` is not \"latest\" or a date like 2025-12-31"),
        )
    };
    match v {
        toml::Value::String(s) if s.trim().eq_ignore_ascii_case("latest") => Ok(AsOf::Latest),
        toml::Value::String(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map(AsOf::Date)
            .map_err(|_| bad()),
        toml::Value::Datetime(dt) => match (dt.date, dt.time) {
            (Some(d), None) => {
                NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
                    .map(AsOf::Date)
                    .ok_or_else(bad)
            }
            _ => Err(bad()),
        },
        _ => Err(bad()),
    }
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.trim().is_empty())
}

/// Parses and validates a job file's text. `path` names the file in errors; its stem
/// is the job name.
pub fn parse_job(path: &Path, text: &str) -> Result<DecileJob, DecileJobFileError> {
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_string();
    if !is_valid_job_name(&name) {
        return Err(DecileJobFileError::Parse {
            path: path.to_path_buf(),
            line: None,
            message: format!(
                "`{name}` is not a job name: use letters, digits, `_` and `-` in the file name"
            ),
        });
    }
    let raw: JobFile = toml::from_str(text).map_err(|e| DecileJobFileError::Parse {
        path: path.to_path_buf(),
        line: toml_error_line(text, &e),
        message: e.message().trim().to_string(),
    })?;
    let inv = |e| DecileJobFileError::invalid(path, e);
    let mut windows = match &raw.windows {
        None => Window::ALL.to_vec(),
        Some(vs) => vs
            .iter()
            .map(parse_window)
            .collect::<Result<Vec<_>, _>>()
            .map_err(inv)?,
    };
    windows.sort();
    windows.dedup();
    let as_of = match &raw.as_of {
        None => AsOf::Latest,
        Some(v) => parse_as_of(v).map_err(inv)?,
    };
    let buckets = match raw.buckets {
        None => DEFAULT_BUCKETS,
        Some(b) => u32::try_from(b).map_err(|_| {
            inv(SpecError::new(
                "buckets",
                format!("{b} is not allowed (use 4, 10 or 100)"),
            ))
        })?,
    };
    let mode = match &raw.mode {
        None => Mode::Window,
        Some(m) => Mode::from_label(m).ok_or_else(|| {
            inv(SpecError::new(
                "mode",
                format!("`{m}` is not a mode (\"window\" or \"cumulative\")"),
            ))
        })?,
    };
    let job = DecileJob {
        output_prefix: non_empty(raw.output_prefix).unwrap_or_else(|| default_prefix(&name)),
        name,
        description: non_empty(raw.description),
        source: raw.source,
        identity: raw.identity,
        metric: raw.metric,
        category: raw.category,
        category_table: non_empty(raw.category_table),
        category_key: non_empty(raw.category_key),
        date_column: raw.date_column,
        windows,
        as_of,
        buckets,
        filter: raw.filter,
        mode,
    };
    job.validate().map_err(inv)?;
    Ok(job)
}

/// Reads one job file.
pub fn load_job(path: &Path) -> Result<DecileJob, DecileJobFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| DecileJobFileError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_job(path, &text)
}

/// Reads every `*.toml` in `dir` (sorted by name). A broken file is reported beside
/// the good ones and never hides them. A missing folder has no jobs.
pub fn load_jobs(dir: &Path) -> (Vec<DecileJob>, Vec<DecileJobFileError>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return (Vec::new(), Vec::new()),
        Err(source) => {
            return (
                Vec::new(),
                vec![DecileJobFileError::Io {
                    path: dir.to_path_buf(),
                    source,
                }],
            );
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    let mut jobs = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        match load_job(&p) {
            Ok(j) => jobs.push(j),
            Err(e) => errors.push(e),
        }
    }
    (jobs, errors)
}

/// Finds the job `name` in `dir`.
pub fn find_job(dir: &Path, name: &str) -> Result<DecileJob, DecileJobFileError> {
    load_job(&job_path(dir, name))
}

fn date_value(d: NaiveDate) -> Value {
    use chrono::Datelike;
    let date = toml_edit::Date {
        year: u16::try_from(d.year()).unwrap_or(0),
        month: u8::try_from(d.month()).unwrap_or(1),
        day: u8::try_from(d.day()).unwrap_or(1),
    };
    Value::from(toml_edit::Datetime {
        date: Some(date),
        time: None,
        offset: None,
    })
}

/// The job's keys in file order: (key, value or `None` to leave out, is the default).
fn key_values(job: &DecileJob) -> Vec<(&'static str, Option<Value>, bool)> {
    let s = |v: &str| Some(Value::from(v));
    let opt = |v: &Option<String>| v.as_deref().map(Value::from);
    let windows: toml_edit::Array = job.windows.iter().map(|w| w.label()).collect();
    vec![
        (
            "description",
            opt(&job.description),
            job.description.is_none(),
        ),
        ("source", s(&job.source), false),
        ("identity", s(&job.identity), false),
        ("metric", s(&job.metric), false),
        ("date_column", s(&job.date_column), false),
        ("category", s(&job.category), false),
        (
            "category_table",
            opt(&job.category_table),
            job.category_table.is_none(),
        ),
        (
            "category_key",
            opt(&job.category_key),
            job.category_key.is_none(),
        ),
        (
            "windows",
            Some(Value::Array(windows)),
            job.windows == Window::ALL,
        ),
        (
            "as_of",
            Some(match job.as_of {
                AsOf::Latest => Value::from("latest"),
                AsOf::Date(d) => date_value(d),
            }),
            job.as_of == AsOf::Latest,
        ),
        (
            "buckets",
            Some(Value::from(i64::from(job.buckets))),
            job.buckets == DEFAULT_BUCKETS,
        ),
        ("filter", opt(&job.filter), job.filter.is_none()),
        (
            "output_prefix",
            s(&job.output_prefix),
            job.output_prefix == default_prefix(&job.name),
        ),
        (
            "mode",
            Some(Value::from(job.mode.label())),
            job.mode == Mode::Window,
        ),
    ]
}

fn bare(v: &Value) -> String {
    let mut v = v.clone();
    v.decor_mut().clear();
    if let Value::Array(a) = &mut v {
        a.fmt();
    }
    v.to_string()
}

/// Renders `job` as file text. With `existing` (the file's current text) only keys
/// whose value changed are rewritten, so comments, order and formatting survive; a
/// new file spells out every key.
pub fn render_job(existing: Option<&str>, job: &DecileJob) -> String {
    let parsed = existing.and_then(|t| t.parse::<DocumentMut>().ok());
    let Some(mut doc) = parsed else {
        let mut doc = DocumentMut::new();
        for (key, value, _) in key_values(job) {
            if let Some(v) = value {
                doc[key] = Item::Value(v);
            }
        }
        let mut text = format!(
            "# Decile job `{}`: see the Deciles pane (F1) for every key.\n",
            job.name
        );
        text.push_str(&doc.to_string());
        return text;
    };
    // The values the file means now, to leave untouched what did not change.
    let old = existing
        .and_then(|t| parse_job(Path::new(&format!("{}.toml", job.name)), t).ok())
        .map(|j| key_values(&j));
    for (i, (key, value, is_default)) in key_values(job).into_iter().enumerate() {
        let unchanged = old.as_ref().is_some_and(|o| {
            o[i].1.as_ref().map(bare) == value.as_ref().map(bare) && doc.contains_key(key)
        });
        if unchanged {
            continue;
        }
        match value {
            None => {
                doc.remove(key);
            }
            Some(mut v) => match doc.get_mut(key) {
                Some(Item::Value(old_v)) => {
                    *v.decor_mut() = old_v.decor().clone();
                    *old_v = v;
                }
                Some(item) => *item = Item::Value(v),
                None if is_default && old.is_some() => {}
                None => doc[key] = Item::Value(v),
            },
        }
    }
    doc.to_string()
}

/// Keys the pane edits, in file order, with a one-line hint each.
pub const EDITABLE_KEYS: &[(&str, &str)] = &[
    ("description", "free text shown in the pane (empty: none)"),
    ("source", "table or view, optionally schema.table"),
    ("identity", "identity column of the source (e.g. member_id)"),
    ("metric", "SQL expression over the source's columns, summed"),
    ("date_column", "DATE or TIMESTAMP column of the source"),
    (
        "category",
        "category column (of category_table when that is set)",
    ),
    (
        "category_table",
        "dimension table holding the category (empty: the source)",
    ),
    (
        "category_key",
        "column of category_table joined to the identity",
    ),
    (
        "windows",
        "any of 1m 3m 6m 9m 12m lifetime, separated by spaces or commas",
    ),
    ("as_of", "latest, or the last day included: 2025-12-31"),
    ("buckets", "4, 10 or 100"),
    (
        "filter",
        "SQL condition over the source's columns (empty: none)",
    ),
    (
        "output_prefix",
        "writes <prefix>_deciles and <prefix>_deciles_profile",
    ),
    ("mode", "window or cumulative"),
];

/// The value of `key` in `job` as the pane shows and edits it.
pub fn key_text(job: &DecileJob, key: &str) -> String {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    match key {
        "description" => opt(&job.description),
        "source" => job.source.clone(),
        "identity" => job.identity.clone(),
        "metric" => job.metric.clone(),
        "date_column" => job.date_column.clone(),
        "category" => job.category.clone(),
        "category_table" => opt(&job.category_table),
        "category_key" => opt(&job.category_key),
        "windows" => job
            .windows
            .iter()
            .map(|w| w.label())
            .collect::<Vec<_>>()
            .join(" "),
        "as_of" => match job.as_of {
            AsOf::Latest => "latest".into(),
            AsOf::Date(d) => d.to_string(),
        },
        "buckets" => job.buckets.to_string(),
        "filter" => opt(&job.filter),
        "output_prefix" => job.output_prefix.clone(),
        "mode" => job.mode.label().into(),
        _ => String::new(),
    }
}

/// Sets one key of a job file from what the analyst typed, keeping everything
/// else (comments included) as it is, and validates the result like a file on disk.
/// An empty input removes the key (its default applies). Returns the new text and
/// the job it defines; on error the caller keeps the old file.
pub fn edit_key(
    path: &Path,
    text: &str,
    key: &str,
    input: &str,
) -> Result<(String, DecileJob), DecileJobFileError> {
    let Some(k) = EDITABLE_KEYS.iter().map(|(k, _)| *k).find(|k| *k == key) else {
        return Err(DecileJobFileError::Parse {
            path: path.to_path_buf(),
            line: None,
            message: format!("unknown key `{key}`"),
        });
    };
    let mut doc: DocumentMut =
        text.parse()
            .map_err(|e: toml_edit::TomlError| DecileJobFileError::Parse {
                path: path.to_path_buf(),
                line: e.span().map(|s| line_of(text, s.start)),
                message: e.message().to_string(),
            })?;
    let input = input.trim();
    let value: Option<Value> = if input.is_empty() {
        None
    } else {
        Some(match k {
            "windows" => Value::Array(
                input
                    .split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|s| !s.is_empty())
                    .map(|s| s.trim_matches(|c| c == '"' || c == '[' || c == ']'))
                    .filter(|s| !s.is_empty())
                    .collect(),
            ),
            "buckets" => match input.parse::<i64>() {
                Ok(n) => Value::from(n),
                Err(_) => Value::from(input),
            },
            "as_of" => match NaiveDate::parse_from_str(input, "%Y-%m-%d") {
                Ok(d) => date_value(d),
                Err(_) => Value::from(input),
            },
            _ => Value::from(input),
        })
    };
    match value {
        None => {
            doc.remove(k);
        }
        Some(mut v) => match doc.get_mut(k) {
            Some(Item::Value(old)) => {
                *v.decor_mut() = old.decor().clone();
                *old = v;
            }
            _ => doc[k] = Item::Value(v),
        },
    }
    let new_text = doc.to_string();
    let job = parse_job(path, &new_text)?;
    Ok((new_text, job))
}

/// Writes already-validated file text atomically.
pub fn write_job_text(path: &Path, text: &str) -> Result<(), DecileJobFileError> {
    write_atomic(path, text.as_bytes()).map_err(|source| DecileJobFileError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes `job` to `dir/<name>.toml` atomically, keeping an existing file's comments.
pub fn save_job(dir: &Path, job: &DecileJob) -> Result<PathBuf, DecileJobFileError> {
    let path = job_path(dir, &job.name);
    job.validate()
        .map_err(|e| DecileJobFileError::invalid(&path, e))?;
    let existing = match std::fs::read_to_string(&path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(source) => return Err(DecileJobFileError::Io { path, source }),
    };
    let text = render_job(existing.as_deref(), job);
    std::fs::create_dir_all(dir).map_err(|source| DecileJobFileError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    write_atomic(&path, text.as_bytes()).map_err(|source| DecileJobFileError::Io {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

#[cfg(test)]
mod tests;
