//! Quoting: the one place where a name or a value becomes SQL text.
//!
//! Values should be bound parameters; these helpers are for what cannot be bound (identifiers,
//! the path of a `CREATE VIEW ... read_csv(...)`, a table comment).

/// Quotes an identifier for DuckDB, doubling embedded `"`.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Quotes a possibly schema-qualified name (`schema.table`); each part is quoted.
pub fn quote_qualified(name: &str) -> String {
    name.split('.')
        .map(quote_ident)
        .collect::<Vec<_>>()
        .join(".")
}

/// Quotes a string literal, doubling embedded `'`.
pub fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// Whether `name` is a plain identifier (letters, digits, `_`, not starting with a digit),
/// optionally qualified by one schema (`schema.table`).
pub fn is_plain_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() <= 2 && parts.iter().all(|p| is_plain_part(p))
}

fn is_plain_part(p: &str) -> bool {
    let mut chars = p.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// An identifier as a person would type it: bare when that means the same name to DuckDB
/// (lower case letters, digits and `_`, not a keyword that cannot name a table or column),
/// quoted otherwise (`order`, `MyTable`, `two words`). For text inserted into the editor.
pub fn display_ident(name: &str) -> String {
    let bare = is_plain_part(name)
        && !name.bytes().any(|c| c.is_ascii_uppercase())
        && RESERVED.binary_search(&name).is_err();
    if bare {
        name.to_string()
    } else {
        quote_ident(name)
    }
}

/// DuckDB 2.0 keywords that cannot be a bare table or column name (`duckdb_keywords()`
/// categories `reserved` and `type_function`; `tests/sql_lexer.rs` checks this list against the
/// linked DuckDB). Sorted for binary search.
const RESERVED: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "anti",
    "any",
    "array",
    "as",
    "asc",
    "asof",
    "asymmetric",
    "at",
    "authorization",
    "binary",
    "both",
    "by",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "columns",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "default",
    "deferrable",
    "desc",
    "describe",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "generated",
    "glob",
    "group",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lambda",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "map",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "pivot",
    "pivot_longer",
    "pivot_wider",
    "placing",
    "positional",
    "primary",
    "qualify",
    "references",
    "returning",
    "right",
    "select",
    "semi",
    "show",
    "similar",
    "some",
    "struct",
    "summarize",
    "symmetric",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "true",
    "try_cast",
    "tuple",
    "union",
    "unique",
    "unpack",
    "unpivot",
    "using",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

/// A local file path as a string literal for DuckDB's readers (`read_csv`, `read_parquet`,
/// `read_json`), which treat their argument as a glob. In a path with `*`, `?` or `[`, each of
/// them becomes a one-character class (`[*]`, `[?]`, `[[]`) that matches only itself, so the
/// literal names exactly the file given, never another one the pattern would match
/// (`data[1].csv` is not `data1.csv`). A path starting with `~` gets `./` in front so DuckDB
/// does not expand it to the home folder. See [`check_file_path`] for the one path DuckDB
/// cannot read.
pub fn file_path_literal(path: &str) -> String {
    let mut escaped = String::with_capacity(path.len() + 8);
    if path.starts_with('~') {
        escaped.push_str("./");
    }
    for c in path.chars() {
        match c {
            '*' | '?' | '[' => {
                escaped.push('[');
                escaped.push(c);
                escaped.push(']');
            }
            _ => escaped.push(c),
        }
    }
    quote_literal(&escaped)
}

/// Why DuckDB cannot read `path` as one file, if it cannot: DuckDB 2.0 splits a globbed path
/// at `\` as well as `/`, so a path with both a `\` and a glob character (`*`, `?`, `[`)
/// names no file it can open.
pub fn check_file_path(path: &str) -> Result<(), String> {
    if path.contains('\\') && path.contains(['*', '?', '[']) {
        return Err(
            "DuckDB cannot read a file whose path has both `\\` and one of `*`, `?`, `[`; rename or copy it"
                .into(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_doubles_quotes() {
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_literal("O'Brien"), "'O''Brien'");
        assert_eq!(quote_qualified("main.t"), "\"main\".\"t\"");
    }

    #[test]
    fn plain_names() {
        assert!(is_plain_name("loyalty_transactions"));
        assert!(is_plain_name("main.t1"));
        assert!(!is_plain_name("1abc"));
        assert!(!is_plain_name("a;drop"));
        assert!(!is_plain_name("a.b.c"));
        assert!(!is_plain_name(""));
    }

    #[test]
    fn reserved_list_is_sorted() {
        assert!(RESERVED.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn display_idents_quote_what_would_change_meaning() {
        assert_eq!(display_ident("customers"), "customers");
        assert_eq!(display_ident("order"), "\"order\"");
        assert_eq!(display_ident("select"), "\"select\"");
        assert_eq!(display_ident("MyTable"), "\"MyTable\"");
        assert_eq!(display_ident("two words"), "\"two words\"");
        assert_eq!(display_ident("a.b"), "\"a.b\"");
        assert_eq!(display_ident("1st"), "\"1st\"");
    }

    #[test]
    fn file_paths_escape_glob_characters_as_classes() {
        assert_eq!(file_path_literal("/d/data.csv"), "'/d/data.csv'");
        assert_eq!(file_path_literal("/d/data[1].csv"), "'/d/data[[]1].csv'");
        assert_eq!(file_path_literal("/a[b]/x*?.csv"), "'/a[[]b]/x[*][?].csv'");
        assert_eq!(file_path_literal(r"/a\b/x.csv"), r"'/a\b/x.csv'");
        assert_eq!(file_path_literal("it's.csv"), "'it''s.csv'");
        assert_eq!(file_path_literal("~x.csv"), "'./~x.csv'");
        assert!(check_file_path(r"/a\b/x.csv").is_ok());
        assert!(check_file_path("/a/x[1].csv").is_ok());
        assert!(check_file_path(r"/a\b/x[1].csv").is_err());
    }
}
