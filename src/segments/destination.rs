//! File destinations (`destinations/<name>.toml`): where and how an audience is exported.
//!
//! ```toml
//! format = "csv"                       # csv | tsv
//! folder = "exports"                   # relative to the workspace, or absolute
//! # {destination}, {audience}, {timestamp} (UTC, 20250131T120000Z) and {part} (1, 2, ...;
//! # added before the extension when a split needs it and the pattern lacks it)
//! file_name = "{destination}_{audience}_{timestamp}.csv"
//! split_every = 100000                 # rows per file; 0 = one file
//! email_field = "email"                # required; rows whose email is not an address are dropped
//! mandatory = ["email"]                # destination fields that must not be empty
//! dedupe_by = "email"                  # one row per value of this destination field
//! mode = "incremental"                 # incremental (new entrants since the last export) | full
//!
//! [fields]                             # destination field = profile column, in file order
//! email = "email"
//! first_name = "first_name"
//! ```

use std::path::{Path, PathBuf};

use toml_edit::TableLike;

use super::{InvalidRule, SegmentError, file::line_of};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    Tsv,
}

impl FileFormat {
    pub fn export_format(self) -> crate::engine::export::ExportFormat {
        match self {
            FileFormat::Csv => crate::engine::export::ExportFormat::Csv,
            FileFormat::Tsv => crate::engine::export::ExportFormat::Tsv,
        }
    }
}

/// A parsed destination.
#[derive(Debug, Clone, PartialEq)]
pub struct Destination {
    pub name: String,
    pub format: FileFormat,
    /// The folder files go to (resolved against the workspace).
    pub folder: PathBuf,
    pub file_name: String,
    pub split_every: u64,
    /// (destination field, profile column), in file order.
    pub fields: Vec<(String, String)>,
    pub email_field: String,
    pub mandatory: Vec<String>,
    pub dedupe_by: Option<String>,
    /// Whether exports are incremental unless `--full` is given.
    pub incremental: bool,
}

/// Reads destination `name` of the workspace at `root`.
pub fn load_named(root: &Path, name: &str) -> Result<Destination, SegmentError> {
    let dir = super::destinations_dir(root);
    let all = super::list(&dir);
    let Some((_, file)) = all.iter().find(|(n, _)| n == name) else {
        return Err(SegmentError::Unknown {
            what: "destination",
            name: name.to_string(),
            available: all.into_iter().map(|(n, _)| n).collect(),
        });
    };
    let text = std::fs::read_to_string(file).map_err(|e| SegmentError::io(file, e))?;
    Ok(parse(root, file, &text)?)
}

/// Parses a destination file; `root` resolves a relative folder.
pub fn parse(root: &Path, file: &Path, text: &str) -> Result<Destination, InvalidRule> {
    let name = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_string();
    let err = |span: Option<std::ops::Range<usize>>, reason: String| InvalidRule {
        file: file.to_path_buf(),
        line: span.map(|s| line_of(text, s.start)),
        rule: None,
        reason,
    };
    let doc = toml_edit::Document::parse(text)
        .map_err(|e| err(e.span(), e.message().trim().to_string()))?;
    let t = doc.as_table();
    const KEYS: &[&str] = &[
        "description",
        "format",
        "folder",
        "file_name",
        "split_every",
        "email_field",
        "mandatory",
        "dedupe_by",
        "mode",
        "fields",
    ];
    for (k, item) in t.iter() {
        if !KEYS.contains(&k) {
            return Err(err(
                item.span(),
                format!("unknown key `{k}` (allowed: {})", KEYS.join(", ")),
            ));
        }
    }
    type Spanned = (String, Option<std::ops::Range<usize>>);
    let s = |key: &str| -> Result<Option<Spanned>, InvalidRule> {
        match t.get(key) {
            None => Ok(None),
            Some(i) => i
                .as_str()
                .map(|v| Some((v.to_string(), i.span())))
                .ok_or_else(|| err(i.span(), format!("`{key}` must be text"))),
        }
    };
    let format = match s("format")? {
        None => FileFormat::Csv,
        Some((f, span)) => match f.as_str() {
            "csv" => FileFormat::Csv,
            "tsv" => FileFormat::Tsv,
            other => return Err(err(span, format!("format `{other}`: use csv or tsv"))),
        },
    };
    let folder = match s("folder")? {
        None => root.join("exports"),
        Some((f, _)) => {
            let p = PathBuf::from(f);
            if p.is_absolute() { p } else { root.join(p) }
        }
    };
    let file_name = s("file_name")?.map(|x| x.0).unwrap_or_else(|| {
        format!(
            "{{destination}}_{{audience}}_{{timestamp}}.{}",
            match format {
                FileFormat::Csv => "csv",
                FileFormat::Tsv => "tsv",
            }
        )
    });
    if file_name.contains('/') || file_name.contains('\\') || file_name.trim().is_empty() {
        return Err(err(
            t.get("file_name").and_then(|i| i.span()),
            "`file_name` is a name, not a path (no `/`)".into(),
        ));
    }
    let split_every = match t.get("split_every") {
        None => 0,
        Some(i) => match i.as_integer() {
            Some(n) if n >= 0 => n as u64,
            _ => {
                return Err(err(
                    i.span(),
                    "`split_every` must be a whole number (0 = no split)".into(),
                ));
            }
        },
    };
    let fields_item = t.get("fields").ok_or_else(|| {
        err(
            None,
            "no [fields] table: map destination fields to profile columns, e.g. email = \"email\""
                .into(),
        )
    })?;
    let ft: &dyn TableLike = fields_item
        .as_table_like()
        .ok_or_else(|| err(fields_item.span(), "`fields` must be a table".into()))?;
    let mut fields = Vec::new();
    for (k, v) in ft.iter() {
        let col = v
            .as_str()
            .ok_or_else(|| err(v.span(), format!("fields.{k} must name a profile column")))?;
        fields.push((k.to_string(), col.to_string()));
    }
    if fields.is_empty() {
        return Err(err(fields_item.span(), "`fields` is empty".into()));
    }
    let field_names: Vec<&str> = fields.iter().map(|f| f.0.as_str()).collect();
    let known =
        |f: &str, key: &str, span: Option<std::ops::Range<usize>>| -> Result<(), InvalidRule> {
            if field_names.contains(&f) {
                Ok(())
            } else {
                Err(err(
                    span,
                    format!(
                        "{key}: `{f}` is not a destination field (fields: {})",
                        field_names.join(", ")
                    ),
                ))
            }
        };
    let email_field = s("email_field")?
        .map(|x| x.0)
        .unwrap_or_else(|| "email".into());
    known(
        &email_field,
        "email_field (an email field is required)",
        t.get("email_field")
            .and_then(|i| i.span())
            .or(fields_item.span()),
    )?;
    let mut mandatory = Vec::new();
    if let Some(i) = t.get("mandatory") {
        let arr = i.as_array().ok_or_else(|| {
            err(
                i.span(),
                "`mandatory` must be a list of destination fields".into(),
            )
        })?;
        for v in arr {
            let f = v.as_str().ok_or_else(|| {
                err(
                    i.span(),
                    "`mandatory` must be a list of destination fields".into(),
                )
            })?;
            known(f, "mandatory", i.span())?;
            mandatory.push(f.to_string());
        }
    }
    let dedupe_by = match s("dedupe_by")? {
        None => None,
        Some((f, span)) => {
            known(&f, "dedupe_by", span)?;
            Some(f)
        }
    };
    let incremental = match s("mode")? {
        None => true,
        Some((m, span)) => match m.as_str() {
            "incremental" => true,
            "full" => false,
            other => {
                return Err(err(
                    span,
                    format!("mode `{other}`: use incremental or full"),
                ));
            }
        },
    };
    Ok(Destination {
        name,
        format,
        folder,
        file_name,
        split_every,
        fields,
        email_field,
        mandatory,
        dedupe_by,
        incremental,
    })
}

impl Destination {
    /// The file name of part `part` (1-based) of `parts`.
    pub fn file_for(&self, audience: &str, timestamp: &str, part: usize, parts: usize) -> String {
        let mut name = self
            .file_name
            .replace("{destination}", &self.name)
            .replace("{audience}", audience)
            .replace("{timestamp}", timestamp);
        if name.contains("{part}") {
            name = name.replace("{part}", &part.to_string());
        } else if parts > 1 {
            name = match name.rsplit_once('.') {
                Some((stem, ext)) => format!("{stem}_part{part}.{ext}"),
                None => format!("{name}_part{part}"),
            };
        }
        name
    }
}
