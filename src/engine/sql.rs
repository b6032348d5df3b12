//! SQL text helpers: quoting, statement splitting, statement classification.
//!
//! The splitter is a small lexer that understands quotes, comments and
//! dollar-quoted strings, so `;` inside them never splits a statement.

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
    parts.len() <= 2
        && parts.iter().all(|p| {
            let mut chars = p.chars();
            matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// One statement of a script, with its byte range in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

/// Splits a script into statements at top-level `;`. Empty statements (only
/// whitespace and comments) are dropped. Ranges exclude the `;`.
pub fn split_statements(src: &str) -> Vec<Statement> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' => i = skip_quoted(bytes, i, bytes[i]),
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = bytes[i..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(bytes.len(), |p| i + p + 1);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = src[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |p| i + 2 + p + 2);
            }
            b'$' => i = skip_dollar(src, i),
            b';' => {
                push_statement(src, start, i, &mut out);
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    push_statement(src, start, bytes.len(), &mut out);
    out
}

fn skip_quoted(bytes: &[u8], open: usize, quote: u8) -> usize {
    let mut i = open + 1;
    while i < bytes.len() {
        if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

/// Skips `$tag$ ... $tag$`; a lone `$` (e.g. a `$1` parameter) is one byte.
fn skip_dollar(src: &str, open: usize) -> usize {
    let rest = &src[open + 1..];
    let tag_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    if !rest[tag_len..].starts_with('$')
        || rest[..tag_len].starts_with(|c: char| c.is_ascii_digit())
    {
        return open + 1;
    }
    let tag = &src[open..open + 1 + tag_len + 1];
    let body = open + tag.len();
    src[body..]
        .find(tag)
        .map_or(src.len(), |p| body + p + tag.len())
}

fn push_statement(src: &str, start: usize, end: usize, out: &mut Vec<Statement>) {
    let text = &src[start..end];
    if strip_leading_trivia(text).is_empty() {
        return;
    }
    let lead = text.len() - text.trim_start().len();
    let trimmed = text.trim();
    out.push(Statement {
        text: trimmed.to_string(),
        start: start + lead,
        end: start + lead + trimmed.len(),
    });
}

/// Removes leading whitespace and comments.
fn strip_leading_trivia(mut s: &str) -> &str {
    loop {
        s = s.trim_start();
        if let Some(rest) = s.strip_prefix("--") {
            s = rest.find('\n').map_or("", |p| &rest[p + 1..]);
        } else if let Some(rest) = s.strip_prefix("/*") {
            s = rest.find("*/").map_or("", |p| &rest[p + 2..]);
        } else {
            return s;
        }
    }
}

/// The statement containing `offset` (a byte offset into `src`); a cursor
/// after the last `;` or in trailing blank space belongs to the statement before it.
pub fn statement_at(src: &str, offset: usize) -> Option<Statement> {
    let stmts = split_statements(src);
    stmts
        .iter()
        .find(|s| offset >= s.start && offset <= s.end)
        .or_else(|| stmts.iter().rev().find(|s| s.end <= offset))
        .or_else(|| stmts.first())
        .cloned()
}

/// First keyword of a statement, upper-cased, after comments and opening parentheses.
pub fn leading_keyword(stmt: &str) -> String {
    let s = strip_leading_trivia(stmt).trim_start_matches(|c: char| c == '(' || c.is_whitespace());
    s.chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_uppercase()
}

/// Whether the statement is a query that can be wrapped as `SELECT * FROM (stmt)`
/// (and so paged, counted, sorted and exported by DuckDB).
pub fn is_query(stmt: &str) -> bool {
    matches!(
        leading_keyword(stmt).as_str(),
        "SELECT" | "WITH" | "FROM" | "VALUES" | "TABLE" | "PIVOT" | "UNPIVOT"
    )
}

/// Whether the statement destroys data and deserves a confirmation.
pub fn is_destructive(stmt: &str) -> bool {
    matches!(
        leading_keyword(stmt).as_str(),
        "DROP" | "DELETE" | "TRUNCATE" | "ALTER"
    )
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
    fn splits_respecting_quotes_and_comments() {
        let src =
            "select ';' as a; -- c;omment\nselect \"x;y\" from t /* ; */;\n\n select $$a;b$$; ";
        let parts: Vec<String> = split_statements(src).into_iter().map(|s| s.text).collect();
        assert_eq!(
            parts,
            vec![
                "select ';' as a",
                "-- c;omment\nselect \"x;y\" from t /* ; */",
                "select $$a;b$$"
            ]
        );
    }

    #[test]
    fn comment_only_tail_is_dropped() {
        assert_eq!(split_statements("select 1; -- done\n").len(), 1);
        assert!(split_statements("  ;; ").is_empty());
    }

    #[test]
    fn ranges_point_into_source() {
        let src = "select 1;\n  select 2 ;";
        for s in split_statements(src) {
            assert_eq!(&src[s.start..s.end], s.text);
        }
    }

    #[test]
    fn statement_under_cursor() {
        let src = "select 1;\nselect 2;\n";
        assert_eq!(statement_at(src, 3).unwrap().text, "select 1");
        assert_eq!(statement_at(src, 12).unwrap().text, "select 2");
        assert_eq!(statement_at(src, src.len()).unwrap().text, "select 2");
        assert_eq!(statement_at(src, 9).unwrap().text, "select 1");
    }

    #[test]
    fn classification() {
        assert!(is_query("  -- hi\n(SELECT 1)"));
        assert!(is_query("with x as (select 1) select * from x"));
        assert!(is_query("from t"));
        assert!(!is_query("insert into t values (1)"));
        assert!(is_destructive("drop table t"));
        assert!(is_destructive("/* x */ delete from t"));
        assert!(!is_destructive("select 'drop'"));
    }

    #[test]
    fn dollar_parameters_are_not_strings() {
        assert_eq!(split_statements("select $1; select 2").len(), 2);
    }
}
