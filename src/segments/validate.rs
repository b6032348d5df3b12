//! Type classes of catalog columns (what a rule may compare them with), and checking every
//! saved segment of a workspace at once (doctor, the Segments tab's list).

use std::path::Path;

use super::compile::{FolderResolver, compile};
use super::{InvalidRule, SegmentError};
use crate::engine::catalog::Catalog;

/// What a column holds, as far as rule values are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    Text,
    Number,
    Date,
    Timestamp,
    Bool,
    /// Anything else (lists, structs, blobs): only null tests and text equality.
    Other,
}

impl ColType {
    pub fn name(self) -> &'static str {
        match self {
            ColType::Text => "text",
            ColType::Number => "a number",
            ColType::Date => "a date",
            ColType::Timestamp => "a timestamp",
            ColType::Bool => "a boolean",
            ColType::Other => "of another type",
        }
    }

    pub fn is_temporal(self) -> bool {
        matches!(self, ColType::Date | ColType::Timestamp)
    }

    /// Whether two key columns can be matched with `=`.
    pub fn comparable(self, other: ColType) -> bool {
        self == other || (self.is_temporal() && other.is_temporal())
    }
}

/// The class of a DuckDB type name as the catalog spells it.
pub fn class_of(data_type: &str) -> ColType {
    let t = data_type.trim().to_ascii_uppercase();
    let base = t.split('(').next().unwrap_or_default().trim();
    if t.ends_with(']') || t.starts_with("STRUCT") || t.starts_with("MAP") || t.starts_with("UNION")
    {
        return ColType::Other;
    }
    match base {
        "VARCHAR" | "TEXT" | "STRING" | "CHAR" | "BPCHAR" | "UUID" => ColType::Text,
        "TINYINT" | "SMALLINT" | "INTEGER" | "BIGINT" | "HUGEINT" | "UTINYINT" | "USMALLINT"
        | "UINTEGER" | "UBIGINT" | "UHUGEINT" | "FLOAT" | "REAL" | "DOUBLE" | "DECIMAL"
        | "NUMERIC" | "INT" => ColType::Number,
        "DATE" => ColType::Date,
        "BOOLEAN" | "BOOL" => ColType::Bool,
        b if b.starts_with("TIMESTAMP") => ColType::Timestamp,
        b if b.starts_with("ENUM") => ColType::Text,
        _ => ColType::Other,
    }
}

/// Every segment of `dir` checked against `catalog`: (name, problem if any).
pub fn check_all(dir: &Path, catalog: &Catalog) -> Vec<(String, Option<InvalidRule>)> {
    let resolver = FolderResolver(dir.to_path_buf());
    super::list(dir)
        .into_iter()
        .map(|(name, file)| {
            let problem = match super::file::load(&file) {
                Ok(seg) => compile(&seg, &file, catalog, &resolver).err(),
                Err(SegmentError::Invalid(e)) => Some(e),
                Err(other) => Some(InvalidRule {
                    file: file.clone(),
                    line: None,
                    rule: None,
                    reason: other.to_string(),
                }),
            };
            (name, problem)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_of_duckdb_types() {
        assert_eq!(class_of("VARCHAR"), ColType::Text);
        assert_eq!(class_of("DECIMAL(18,3)"), ColType::Number);
        assert_eq!(class_of("TIMESTAMP WITH TIME ZONE"), ColType::Timestamp);
        assert_eq!(class_of("DATE"), ColType::Date);
        assert_eq!(class_of("VARCHAR[]"), ColType::Other);
        assert_eq!(class_of("ENUM('a', 'b')"), ColType::Text);
    }
}
