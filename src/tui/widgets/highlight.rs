//! SQL syntax highlighting for the editor.
//!
//! `ratatui-textarea` has no highlighting hook, so the editor draws the text
//! area as usual and then recolours the drawn cells from a token scan of the
//! visible lines ([`paint`]). Cursor and selection cells keep their look.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use unicode_width::UnicodeWidthChar;

use crate::sql::{Kind, Token, tokens};
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

/// Token spans of each line, as (start byte, end byte, kind) within the line, from the one SQL
/// lexer ([`crate::sql::tokens`]) run over the lines joined as the editor holds them, so a
/// string, `$$` string or nested comment that spans lines is coloured as DuckDB will read it.
/// Whitespace and plain words get no span.
pub fn line_tokens(lines: &[String]) -> Vec<Vec<(usize, usize, Tok)>> {
    let text = lines.join("\n");
    let mut starts = Vec::with_capacity(lines.len());
    let mut at = 0;
    for line in lines {
        starts.push(at);
        at += line.len() + 1;
    }
    let mut out = vec![Vec::new(); lines.len()];
    let toks: Vec<Token> = tokens(&text).filter(|t| t.kind != Kind::Space).collect();
    let mut li = 0;
    for (i, t) in toks.iter().enumerate() {
        let src = &text[t.start..t.end];
        let tok = match t.kind {
            Kind::Space => continue,
            Kind::LineComment | Kind::BlockComment => Tok::Comment,
            Kind::Str => Tok::String,
            Kind::QuotedIdent => Tok::QuotedIdent,
            Kind::Number if src.bytes().any(|b| b.is_ascii_digit()) => Tok::Number,
            Kind::Number | Kind::Operator | Kind::Semicolon => Tok::Operator,
            Kind::Word if is_keyword(src) => Tok::Keyword,
            Kind::Word
                if toks
                    .get(i + 1)
                    .is_some_and(|n| &text[n.start..n.end] == "(") =>
            {
                Tok::Function
            }
            Kind::Word => continue,
        };
        // Clip the token to each line it covers (the joining `\n`s belong to no line).
        while li + 1 < starts.len() && starts[li + 1] <= t.start {
            li += 1;
        }
        let mut l = li;
        while l < lines.len() && starts[l] < t.end {
            let (ls, le) = (starts[l], starts[l] + lines[l].len());
            let (s, e) = (t.start.max(ls), t.end.min(le));
            if s < e {
                out[l].push((s - ls, e - ls, tok));
            }
            l += 1;
        }
    }
    out
}

fn slot_of(t: Tok) -> Slot {
    match t {
        Tok::Keyword => Slot::Keyword,
        Tok::String => Slot::String,
        Tok::QuotedIdent => Slot::Function,
        Tok::Number => Slot::Number,
        Tok::Comment => Slot::Comment,
        Tok::Operator => Slot::Operator,
        Tok::Function => Slot::Function,
    }
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
    let last = (view.top_row + view.area.height as usize).min(lines.len());
    let spans = line_tokens(&lines[..last]);
    let sel_bg = theme.get(Slot::Selection).bg;
    for screen_row in 0..view.area.height as usize {
        let li = view.top_row + screen_row;
        let (Some(line), Some(toks)) = (lines.get(li), spans.get(li)) else {
            break;
        };
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
            if let Some(&(_, _, kind)) = toks.get(tok_i).filter(|t| t.0 <= bi) {
                let style = theme.get(slot_of(kind));
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

    fn spans(lines: &[&str]) -> Vec<Vec<(String, Tok)>> {
        let owned: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
        line_tokens(&owned)
            .into_iter()
            .zip(lines)
            .map(|(toks, line)| {
                toks.into_iter()
                    .map(|(s, e, k)| (line[s..e].to_string(), k))
                    .collect()
            })
            .collect()
    }

    fn kinds(line: &str) -> Vec<(String, Tok)> {
        spans(&[line]).remove(0)
    }

    fn has(k: &[(String, Tok)], text: &str, tok: Tok) -> bool {
        k.contains(&(text.to_string(), tok))
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
        assert_eq!(k[0], ("select".into(), Tok::Keyword));
        assert_eq!(k[1], ("count".into(), Tok::Function));
        assert!(has(&k, "'it''s'", Tok::String));
        assert!(has(&k, "\"x y\"", Tok::QuotedIdent));
        assert_eq!(*k.last().unwrap(), ("-- note".into(), Tok::Comment));
        assert!(has(&kinds("x >= 1.5e3"), "1.5e3", Tok::Number));
        assert!(has(&kinds("t.x"), ".", Tok::Operator));
    }

    #[test]
    fn duckdb_strings_and_comments_are_coloured_as_duckdb_reads_them() {
        let k = kinds(r"select E'it\'s', $$a 'b$$, `q`, /* a /* b */ c */ 1");
        assert!(has(&k, r"E'it\'s'", Tok::String), "{k:?}");
        assert!(has(&k, "$$a 'b$$", Tok::String), "{k:?}");
        assert!(has(&k, "`q`", Tok::QuotedIdent), "{k:?}");
        assert!(has(&k, "/* a /* b */ c */", Tok::Comment), "{k:?}");
        assert!(has(&k, "1", Tok::Number), "{k:?}");
    }

    #[test]
    fn block_comments_and_strings_span_lines() {
        let s = spans(&[
            "select /* a",
            "b */ 1",
            "'open",
            "still' x",
            "$t$ x",
            "y $t$ z",
        ]);
        assert_eq!(s[0][1], ("/* a".into(), Tok::Comment));
        assert_eq!(s[1][0], ("b */".into(), Tok::Comment));
        assert_eq!(s[1][1], ("1".into(), Tok::Number));
        assert_eq!(s[2][0], ("'open".into(), Tok::String));
        assert_eq!(s[3][0], ("still'".into(), Tok::String));
        assert_eq!(s[4][0], ("$t$ x".into(), Tok::String));
        assert_eq!(s[5][0], ("y $t$".into(), Tok::String));
        assert_eq!(s[5].len(), 1, "z is a plain word");
    }
}
