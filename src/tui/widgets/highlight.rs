//! SQL syntax highlighting for the editor.
//!
//! `ratatui-textarea` has no highlighting hook, so the editor draws the text
//! area as usual and then recolours the drawn cells from a token scan of the
//! visible lines ([`paint`]). Cursor and selection cells keep their look.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use unicode_width::UnicodeWidthChar;

use crate::tui::theme::{Slot, Theme};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tok {
    Keyword,
    String,
    QuotedIdent,
    Number,
    Comment,
    Operator,
    Function,
    Plain,
}

/// Lexer state carried from one line to the next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Carry {
    #[default]
    None,
    BlockComment,
    String,
    QuotedIdent,
}

const KEYWORDS: &[&str] = &[
    "ALL",
    "ALTER",
    "AND",
    "ANTI",
    "ANY",
    "ARRAY",
    "AS",
    "ASC",
    "ASOF",
    "ATTACH",
    "BEGIN",
    "BETWEEN",
    "BIGINT",
    "BOOLEAN",
    "BY",
    "CASE",
    "CAST",
    "CHECK",
    "COLUMN",
    "COMMIT",
    "CONSTRAINT",
    "COPY",
    "CREATE",
    "CROSS",
    "CUBE",
    "CURRENT",
    "DATE",
    "DECIMAL",
    "DEFAULT",
    "DELETE",
    "DESC",
    "DESCRIBE",
    "DETACH",
    "DISTINCT",
    "DOUBLE",
    "DROP",
    "ELSE",
    "END",
    "EXCEPT",
    "EXCLUDE",
    "EXISTS",
    "EXPLAIN",
    "EXPORT",
    "FALSE",
    "FILTER",
    "FIRST",
    "FLOAT",
    "FOLLOWING",
    "FOR",
    "FOREIGN",
    "FROM",
    "FULL",
    "FUNCTION",
    "GROUP",
    "GROUPING",
    "HAVING",
    "IF",
    "ILIKE",
    "IMPORT",
    "IN",
    "INDEX",
    "INNER",
    "INSERT",
    "INSTALL",
    "INT",
    "INTEGER",
    "INTERSECT",
    "INTERVAL",
    "INTO",
    "IS",
    "JOIN",
    "KEY",
    "LAST",
    "LATERAL",
    "LEFT",
    "LIKE",
    "LIMIT",
    "LIST",
    "LOAD",
    "MACRO",
    "MAP",
    "MATERIALIZED",
    "NATURAL",
    "NOT",
    "NULL",
    "NULLS",
    "OFFSET",
    "ON",
    "OR",
    "ORDER",
    "OUTER",
    "OVER",
    "PARTITION",
    "PIVOT",
    "POSITIONAL",
    "PRAGMA",
    "PRECEDING",
    "PRIMARY",
    "QUALIFY",
    "RANGE",
    "RECURSIVE",
    "REFERENCES",
    "RENAME",
    "REPLACE",
    "RETURNING",
    "RIGHT",
    "ROLLBACK",
    "ROLLUP",
    "ROW",
    "ROWS",
    "SAMPLE",
    "SCHEMA",
    "SELECT",
    "SEMI",
    "SEQUENCE",
    "SET",
    "SETS",
    "SHOW",
    "STRUCT",
    "SUMMARIZE",
    "TABLE",
    "TEMP",
    "TEMPORARY",
    "THEN",
    "TIMESTAMP",
    "TO",
    "TRANSACTION",
    "TRUE",
    "TRUNCATE",
    "UNBOUNDED",
    "UNION",
    "UNIQUE",
    "UNPIVOT",
    "UPDATE",
    "USING",
    "VACUUM",
    "VALUES",
    "VARCHAR",
    "VIEW",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WITH",
    "WITHIN",
];

fn is_keyword(word: &str) -> bool {
    let upper = word.to_ascii_uppercase();
    KEYWORDS.binary_search(&upper.as_str()).is_ok()
}

/// Token spans of one line as (start byte, end byte, kind), plus the state
/// at the end of the line.
pub fn tokenize_line(line: &str, carry: Carry) -> (Vec<(usize, usize, Tok)>, Carry) {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    // Finish a construct left open on the previous line.
    let close = |from: usize, end: &[u8]| -> Option<usize> {
        line.as_bytes()[from..]
            .windows(end.len())
            .position(|w| w == end)
            .map(|p| from + p + end.len())
    };
    match carry {
        Carry::None => {}
        Carry::BlockComment => match close(0, b"*/") {
            Some(e) => {
                out.push((0, e, Tok::Comment));
                i = e;
            }
            None => return (vec![(0, b.len(), Tok::Comment)], carry),
        },
        Carry::String | Carry::QuotedIdent => {
            let q = if carry == Carry::String { b'\'' } else { b'"' };
            let kind = if carry == Carry::String {
                Tok::String
            } else {
                Tok::QuotedIdent
            };
            match scan_quoted(b, 0, q) {
                Some(e) => {
                    out.push((0, e, kind));
                    i = e;
                }
                None => return (vec![(0, b.len(), kind)], carry),
            }
        }
    }
    while i < b.len() {
        let c = b[i];
        let start = i;
        if c == b'-' && b.get(i + 1) == Some(&b'-') {
            out.push((i, b.len(), Tok::Comment));
            break;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'*') {
            match close(i + 2, b"*/") {
                Some(e) => {
                    out.push((i, e, Tok::Comment));
                    i = e;
                    continue;
                }
                None => {
                    out.push((i, b.len(), Tok::Comment));
                    return (out, Carry::BlockComment);
                }
            }
        }
        if c == b'\'' || c == b'"' {
            let kind = if c == b'\'' {
                Tok::String
            } else {
                Tok::QuotedIdent
            };
            match scan_quoted(b, i + 1, c) {
                Some(e) => {
                    out.push((i, e, kind));
                    i = e;
                    continue;
                }
                None => {
                    out.push((i, b.len(), kind));
                    let carry = if c == b'\'' {
                        Carry::String
                    } else {
                        Carry::QuotedIdent
                    };
                    return (out, carry);
                }
            }
        }
        if c.is_ascii_digit() || (c == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            i += 1;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.' || b[i] == b'_') {
                i += 1;
            }
            out.push((start, i, Tok::Number));
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] >= 0x80) {
                i += 1;
            }
            let word = &line[start..i];
            let next = line[i..].trim_start().chars().next();
            let kind = if is_keyword(word) {
                Tok::Keyword
            } else if next == Some('(') {
                Tok::Function
            } else {
                Tok::Plain
            };
            out.push((start, i, kind));
            continue;
        }
        if b"=<>!+-*/%|:,;()[]{}.~^&".contains(&c) {
            out.push((i, i + 1, Tok::Operator));
        }
        i += 1;
    }
    (out, Carry::None)
}

/// End (exclusive) of a quoted run starting after the opening quote at
/// `from`; a doubled quote is an escaped quote.
fn scan_quoted(b: &[u8], from: usize, q: u8) -> Option<usize> {
    let mut i = from;
    while i < b.len() {
        if b[i] == q {
            if b.get(i + 1) == Some(&q) {
                i += 2;
                continue;
            }
            return Some(i + 1);
        }
        i += 1;
    }
    None
}

/// Lexer state at the start of each line.
pub fn line_carries(lines: &[String]) -> Vec<Carry> {
    let mut carries = Vec::with_capacity(lines.len());
    let mut carry = Carry::None;
    for line in lines {
        carries.push(carry);
        // Fast path: a line without quotes or comment openers keeps the state.
        if carry == Carry::None && !line.contains(['\'', '"', '/', '*']) {
            continue;
        }
        carry = tokenize_line(line, carry).1;
    }
    carries
}

fn slot_of(t: Tok) -> Option<Slot> {
    Some(match t {
        Tok::Keyword => Slot::Keyword,
        Tok::String => Slot::String,
        Tok::QuotedIdent => Slot::Function,
        Tok::Number => Slot::Number,
        Tok::Comment => Slot::Comment,
        Tok::Operator => Slot::Operator,
        Tok::Function => Slot::Function,
        Tok::Plain => return None,
    })
}

/// Where the text area drew its text, for [`paint`].
pub struct View {
    pub area: Rect,
    pub top_row: usize,
    pub top_col: usize,
    pub gutter: usize,
    pub tab_len: usize,
}

/// Recolour the cells the text area drew. Cells drawn reversed (the cursor)
/// or with the selection background are left alone.
pub fn paint(buf: &mut Buffer, lines: &[String], view: &View, theme: &Theme) {
    let carries = line_carries(lines);
    let sel_bg = theme.get(Slot::Selection).bg;
    for screen_row in 0..view.area.height as usize {
        let li = view.top_row + screen_row;
        let Some(line) = lines.get(li) else { break };
        let (toks, _) = tokenize_line(line, carries[li]);
        if toks.is_empty() {
            continue;
        }
        let y = view.area.y + screen_row as u16;
        // Display column of each byte offset (tabs expanded like the text area).
        let mut col = 0usize;
        let mut tok_i = 0;
        for (bi, ch) in line.char_indices() {
            while tok_i < toks.len() && toks[tok_i].1 <= bi {
                tok_i += 1;
            }
            let w = if ch == '\t' {
                view.tab_len - (col % view.tab_len.max(1))
            } else {
                ch.width().unwrap_or(0)
            };
            if let Some(&(_, _, kind)) = toks.get(tok_i).filter(|t| t.0 <= bi)
                && let Some(slot) = slot_of(kind)
            {
                let style = theme.get(slot);
                let patch = Style {
                    fg: style.fg,
                    add_modifier: style.add_modifier,
                    ..Style::default()
                };
                for dc in col..col + w {
                    let sx = view.gutter + dc;
                    if sx < view.top_col || sx - view.top_col >= view.area.width as usize {
                        continue;
                    }
                    let x = view.area.x + (sx - view.top_col) as u16;
                    let cell = &mut buf[(x, y)];
                    let st = cell.style();
                    if st.add_modifier.contains(Modifier::REVERSED)
                        || (sel_bg.is_some() && st.bg == sel_bg)
                    {
                        continue;
                    }
                    cell.set_style(patch);
                }
            }
            col += w;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(line: &str) -> Vec<(&str, Tok)> {
        tokenize_line(line, Carry::None)
            .0
            .into_iter()
            .map(|(s, e, k)| (&line[s..e], k))
            .collect()
    }

    #[test]
    fn keywords_are_sorted_for_binary_search() {
        let mut sorted = KEYWORDS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, KEYWORDS);
    }

    #[test]
    fn tokens_of_a_query() {
        let k = kinds("select count(*), 'it''s' as \"x y\" from t -- note");
        assert_eq!(k[0], ("select", Tok::Keyword));
        assert_eq!(k[1], ("count", Tok::Function));
        assert!(k.contains(&("'it''s'", Tok::String)));
        assert!(k.contains(&("\"x y\"", Tok::QuotedIdent)));
        assert_eq!(*k.last().unwrap(), ("-- note", Tok::Comment));
        assert!(kinds("x >= 1.5e3").contains(&("1.5e3", Tok::Number)));
    }

    #[test]
    fn block_comments_and_strings_span_lines() {
        let lines: Vec<String> = ["select /* a", "b */ 1", "'open", "still' x"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let c = line_carries(&lines);
        assert_eq!(
            c,
            vec![Carry::None, Carry::BlockComment, Carry::None, Carry::String]
        );
        let (t, _) = tokenize_line(&lines[1], c[1]);
        assert_eq!(t[0], (0, 4, Tok::Comment));
        assert_eq!(t[1].2, Tok::Number);
    }
}
