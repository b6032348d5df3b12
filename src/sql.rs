//! The one SQL lexer of clvdesk and everything built on it: splitting a script into
//! statements, checking a trusted fragment (a decile metric or filter), wrapping a statement
//! as a subquery, classifying statements, and the quoting helpers. The editor's highlighter
//! uses the same tokens.
//!
//! A leaf: it imports nothing from the crate. The lexer follows DuckDB 2.0's own tokenizer
//! ([`lexer`]), and `tests/sql_lexer.rs` checks the splitter against DuckDB's parse of a corpus.

pub mod lexer;
mod quote;

use std::ops::Range;

pub use lexer::{Kind, Token, is_space, tokens};
pub use quote::{
    check_file_path, display_ident, file_path_literal, is_plain_name, quote_ident, quote_literal,
    quote_qualified,
};

/// One statement of a script, with its byte range in the source (without the `;` and the
/// surrounding whitespace).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

/// Splits `src` at every top-level `;` into ranges that tile it exactly: each range ends just
/// after its `;` (the last one at the end of the input), so joining them gives `src` back.
pub fn pieces(src: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for t in tokens(src).filter(|t| t.kind == Kind::Semicolon) {
        out.push(start..t.end);
        start = t.end;
    }
    if start < src.len() || out.is_empty() {
        out.push(start..src.len());
    }
    out
}

/// The statements of a script: its [`pieces`] without their `;`, trimmed of whitespace; pieces
/// holding only whitespace and comments are dropped.
pub fn split_statements(src: &str) -> Vec<Statement> {
    pieces(src)
        .into_iter()
        .filter_map(|r| {
            let body = &src[r.clone()];
            let body = body.strip_suffix(';').unwrap_or(body);
            if tokens(body).all(|t| t.is_trivia()) {
                return None;
            }
            let lead = body.len() - trim_start(body).len();
            let text = trim(body);
            Some(Statement {
                text: text.to_string(),
                start: r.start + lead,
                end: r.start + lead + text.len(),
            })
        })
        .collect()
}

/// Whether `sql` is exactly one statement (a trailing `;` and comments allowed): what a
/// generated statement must be before it is prepared, since a prepare of several statements
/// runs all but the last.
pub fn is_single_statement(sql: &str) -> bool {
    let mut seen_semicolon = false;
    let mut seen_code = false;
    for t in tokens(sql).filter(|t| !t.is_trivia()) {
        if seen_semicolon {
            return false;
        }
        match t.kind {
            Kind::Semicolon => seen_semicolon = true,
            _ => seen_code = true,
        }
    }
    seen_code
}

fn trim_start(s: &str) -> &str {
    s.trim_start_matches(|c: char| c.is_ascii() && is_space(c as u8))
}

fn trim(s: &str) -> &str {
    trim_start(s).trim_end_matches(|c: char| c.is_ascii() && is_space(c as u8))
}

/// The statement containing `offset` (a byte offset into `src`); a cursor after the last `;`
/// or in trailing blank space belongs to the statement before it.
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
    tokens(stmt)
        .find(|t| !t.is_trivia() && &stmt[t.start..t.end] != "(")
        .filter(|t| t.kind == Kind::Word)
        .map(|t| {
            stmt[t.start..t.end]
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .collect::<String>()
                .to_ascii_uppercase()
        })
        .unwrap_or_default()
}

/// Whether the statement is a query that can be wrapped as `SELECT * FROM (stmt)` (and so
/// paged, counted, sorted and exported by DuckDB).
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

/// `(sql)`, for a statement used as a subquery (`SELECT * FROM (sql) LIMIT 10`) or an
/// expression fragment. The `)` goes on a new line when `sql` ends in a `--` comment, which
/// would otherwise swallow it and everything after it.
pub fn parenthesize(sql: &str) -> String {
    let sql = trim(sql);
    let ends_in_line_comment = tokens(sql)
        .filter(|t| t.kind != Kind::Space)
        .last()
        .is_some_and(|t| t.kind == Kind::LineComment);
    if ends_in_line_comment {
        format!("({sql}\n)")
    } else {
        format!("({sql})")
    }
}

/// Why a fragment cannot be embedded in generated SQL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FragmentError {
    #[error("unterminated {0} (from byte {1})")]
    Unterminated(&'static str, usize),
    #[error("must be one expression: `;` is not allowed")]
    Semicolon,
    #[error("unbalanced `{0}`")]
    Unbalanced(char),
}

/// Checks an SQL expression fragment before it is embedded (parenthesized) in generated SQL:
/// everything lexes and is closed (strings, quoted names, `$$` strings, comments), there is no
/// top-level `;`, and parentheses balance outside strings and comments. Then `(fragment)` is
/// one expression that cannot end the statement or reach outside its parentheses.
pub fn check_fragment(frag: &str) -> Result<(), FragmentError> {
    let mut depth: usize = 0;
    for t in tokens(frag) {
        if !t.terminated {
            let what = match t.kind {
                Kind::Str => "string",
                Kind::QuotedIdent => "quoted name",
                _ => "/* comment",
            };
            return Err(FragmentError::Unterminated(what, t.start));
        }
        match (t.kind, &frag[t.start..t.end]) {
            (Kind::Semicolon, _) => return Err(FragmentError::Semicolon),
            (Kind::Operator, "(") => depth += 1,
            (Kind::Operator, ")") => {
                depth = depth.checked_sub(1).ok_or(FragmentError::Unbalanced(')'))?;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err(FragmentError::Unbalanced('('));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
/// Fragments that would smuggle a second statement past a lexer that disagrees with DuckDB.
#[cfg(test)]
pub(crate) use tests::SMUGGLED as SMUGGLED_FOR_TESTS;
