//! The SQL lexer: DuckDB 2.0's tokenizer rules (`src/parser/peg/tokenizer/base_tokenizer.cpp`),
//! reproduced where they decide what is a string, an identifier, a comment or a statement end.
//!
//! Rules that matter and that a quick lexer gets wrong:
//! - `--` comments end at `\n` **or `\r`**; `/* */` comments **nest**.
//! - `'...'` doubles `''` and knows no backslash; `E'...'` (also `e'`) takes `\x` escapes, and the
//!   `E` counts only where a token starts (`1E'..'` is the number `1` then an escape string,
//!   `xE'..'` the word `xE` then a plain string).
//! - `"..."` and `` `...` `` are quoted identifiers, each doubling its own delimiter.
//! - `$tag$...$tag$` (also `$$...$$`) is a string; `$1` is a parameter; `$name` (no closing `$`)
//!   is a named parameter; inside a word `$` is a word character (`a$$b` is one word).
//! - `;` outside all of these ends a statement.
//!
//! Tokens tile the input: every byte belongs to exactly one token, so the source can be rebuilt
//! from them and a highlighter can colour every byte.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Spaces, tabs, `\n`, `\r`, `\v`, `\f`.
    Space,
    /// `-- ...` up to (not including) the line end.
    LineComment,
    /// `/* ... */`, nested.
    BlockComment,
    /// `'...'`, `E'...'`, `N'...'`, `X'...'`, `B'...'`, `$tag$...$tag$`.
    Str,
    /// `"..."` or `` `...` ``.
    QuotedIdent,
    /// A keyword or a bare identifier.
    Word,
    /// A numeric literal.
    Number,
    /// Operators and punctuation, parameters (`?`, `$1`, `$name`'s `$`).
    Operator,
    /// A statement-ending `;`.
    Semicolon,
}

/// One token: its kind and byte range. `terminated` is false for a string, quoted identifier or
/// block comment that runs to the end of the input without closing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
    pub terminated: bool,
}

impl Token {
    /// Whitespace or a comment: nothing DuckDB parses.
    pub fn is_trivia(&self) -> bool {
        matches!(
            self.kind,
            Kind::Space | Kind::LineComment | Kind::BlockComment
        )
    }
}

/// The tokens of `src`, in order, covering every byte.
pub fn tokens(src: &str) -> Lexer<'_> {
    Lexer { src, pos: 0 }
}

/// Iterator over the tokens of a source text; see [`tokens`].
pub struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

/// DuckDB's `StringUtil::CharacterIsSpace`.
pub fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// DuckDB's `StringUtil::CharacterIsOperator`: ASCII punctuation except `_`.
fn is_punct(c: u8) -> bool {
    c != b'_' && matches!(c, b'!'..=b'/' | b':'..=b'@' | b'['..=b'`' | b'{'..=b'~')
}

/// Characters that continue an operator (DuckDB's `Tokenizer::CharacterIsOperator`).
fn continues_operator(c: u8) -> bool {
    matches!(
        c,
        b'+' | b'-'
            | b'*'
            | b'/'
            | b'%'
            | b'^'
            | b'<'
            | b'>'
            | b'='
            | b'~'
            | b'!'
            | b'@'
            | b'&'
            | b'|'
    )
}

/// Characters that continue a word: not space, not punctuation, except `$`.
fn continues_word(c: u8) -> bool {
    c == b'$' || !(is_space(c) || is_punct(c))
}

/// Characters of a dollar-quote tag (`$tag$`), after the first.
fn is_tag_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

fn is_initial_number(c: u8) -> bool {
    c.is_ascii_digit() || c == b'.'
}

impl Iterator for Lexer<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        let b = self.src.as_bytes();
        let i = self.pos;
        let c = *b.get(i)?;
        let at = |k: usize| b.get(k).copied();
        let (kind, end, terminated) = match c {
            b'\'' => {
                let (end, ok) = quoted(b, i + 1, b'\'', false);
                (Kind::Str, end, ok)
            }
            b'"' | b'`' => {
                let (end, ok) = quoted(b, i + 1, c, false);
                (Kind::QuotedIdent, end, ok)
            }
            b';' => (Kind::Semicolon, i + 1, true),
            b'$' => self.dollar(i),
            b'-' if at(i + 1) == Some(b'-') => {
                let end = b[i..]
                    .iter()
                    .position(|&c| c == b'\n' || c == b'\r')
                    .map_or(b.len(), |p| i + p);
                (Kind::LineComment, end, true)
            }
            b'/' if at(i + 1) == Some(b'*') => {
                let (end, ok) = block_comment(b, i);
                (Kind::BlockComment, end, ok)
            }
            c if is_space(c) => {
                let end = b[i..]
                    .iter()
                    .position(|&c| !is_space(c))
                    .map_or(b.len(), |p| i + p);
                (Kind::Space, end, true)
            }
            b':' if matches!(at(i + 1), Some(b':' | b'=')) => (Kind::Operator, i + 2, true),
            b'(' | b')' | b'{' | b'}' | b'[' | b']' | b',' | b':' | b'?' | b'#' => {
                (Kind::Operator, i + 1, true)
            }
            c if is_initial_number(c) => (Kind::Number, number_end(b, i), true),
            b'E' | b'e' if at(i + 1) == Some(b'\'') => {
                let (end, ok) = quoted(b, i + 2, b'\'', true);
                (Kind::Str, end, ok)
            }
            b'N' | b'n' | b'X' | b'x' | b'B' | b'b' if at(i + 1) == Some(b'\'') => {
                let (end, ok) = quoted(b, i + 2, b'\'', false);
                (Kind::Str, end, ok)
            }
            c if is_punct(c) => {
                let mut j = i + 1;
                while j < b.len()
                    && continues_operator(b[j])
                    && !(b[j] == b'-' && at(j + 1) == Some(b'-'))
                    && !(b[j] == b'/' && at(j + 1) == Some(b'*'))
                {
                    j += 1;
                }
                (Kind::Operator, j, true)
            }
            _ => {
                let end = b[i..]
                    .iter()
                    .position(|&c| !continues_word(c))
                    .map_or(b.len(), |p| i + p);
                (Kind::Word, end, true)
            }
        };
        self.pos = end;
        Some(Token {
            kind,
            start: i,
            end,
            terminated,
        })
    }
}

impl Lexer<'_> {
    /// `$` at `i`: a `$tag$` string, or a parameter sign.
    fn dollar(&self, i: usize) -> (Kind, usize, bool) {
        let b = self.src.as_bytes();
        if b.get(i + 1).is_none_or(u8::is_ascii_digit) {
            return (Kind::Operator, i + 1, true);
        }
        let tag_len = b[i + 1..].iter().position(|&c| !is_tag_char(c));
        match tag_len {
            Some(n) if b[i + 1 + n] == b'$' => {
                let delim = &self.src[i..i + n + 2];
                let body = i + delim.len();
                match self.src[body..].find(delim) {
                    Some(p) => (Kind::Str, body + p + delim.len(), true),
                    None => (Kind::Str, b.len(), false),
                }
            }
            _ => (Kind::Operator, i + 1, true),
        }
    }
}

/// End of a quoted run whose body starts at `from` (after the opening delimiter): the index after
/// the closing `q`, and whether it closed. A doubled `q` is one `q`; with `backslash`, `\x` is
/// one escaped character.
fn quoted(b: &[u8], from: usize, q: u8, backslash: bool) -> (usize, bool) {
    let mut i = from;
    while i < b.len() {
        if backslash && b[i] == b'\\' && i + 1 < b.len() {
            i += 2;
            continue;
        }
        if b[i] == q {
            if b.get(i + 1) == Some(&q) {
                i += 2;
                continue;
            }
            return (i + 1, true);
        }
        i += 1;
    }
    (b.len(), false)
}

/// End of a nested `/* ... */` comment starting at `open`, and whether it closed.
fn block_comment(b: &[u8], open: usize) -> (usize, bool) {
    let mut depth = 1;
    let mut i = open + 2;
    while i < b.len() {
        match (b[i], b.get(i + 1)) {
            (b'/', Some(b'*')) => {
                depth += 1;
                i += 2;
            }
            (b'*', Some(b'/')) => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return (i, true);
                }
            }
            _ => i += 1,
        }
    }
    (b.len(), false)
}

/// End of a number starting at `start` (a digit or `.`), with DuckDB's rules: digits and dots,
/// `_` between digits, one exponent `e`/`E` with an optional sign; a number always ends on a
/// digit or dot (what follows is lexed again, so `1E'x'` is `1` then the string `E'x'`).
fn number_end(b: &[u8], start: usize) -> usize {
    let sci = |c: u8| c == b'e' || c == b'E';
    let mut j = start + 1;
    while j < b.len() {
        let (c, prev) = (b[j], b[j - 1]);
        let more = is_initial_number(c)
            || (c == b'_' && prev.is_ascii_digit() && b.get(j + 1).is_some_and(u8::is_ascii_digit))
            || (sci(c) && !sci(prev) && (b[start].is_ascii_digit() || prev.is_ascii_digit()))
            || ((c == b'+' || c == b'-') && sci(prev));
        if !more {
            break;
        }
        j += 1;
    }
    while !is_initial_number(b[j - 1]) {
        j -= 1;
    }
    j
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(&str, Kind)> {
        tokens(src)
            .filter(|t| t.kind != Kind::Space)
            .map(|t| (&src[t.start..t.end], t.kind))
            .collect()
    }

    #[test]
    fn tokens_tile_the_input() {
        let src = "select $a$x;$a$, E'\\'', \"q\"\"\" -- c\r\n/* /* */ */ 1.5e-3;";
        let mut at = 0;
        for t in tokens(src) {
            assert_eq!(t.start, at);
            assert!(t.end > t.start);
            at = t.end;
        }
        assert_eq!(at, src.len());
    }

    #[test]
    fn strings_of_every_flavour() {
        assert_eq!(kinds("'a''b'"), vec![("'a''b'", Kind::Str)]);
        assert_eq!(kinds(r"E'a\'b'"), vec![(r"E'a\'b'", Kind::Str)]);
        assert_eq!(kinds(r"e'\\'"), vec![(r"e'\\'", Kind::Str)]);
        // Without the E a backslash is an ordinary character.
        assert_eq!(
            kinds(r"'a\' x"),
            vec![(r"'a\'", Kind::Str), ("x", Kind::Word)]
        );
        assert_eq!(kinds("$$a;'b$$"), vec![("$$a;'b$$", Kind::Str)]);
        assert_eq!(kinds("$t$ $$ $t$"), vec![("$t$ $$ $t$", Kind::Str)]);
        assert_eq!(kinds("x'0f'"), vec![("x'0f'", Kind::Str)]);
    }

    #[test]
    fn the_e_prefix_counts_only_at_a_token_start() {
        assert_eq!(
            kinds(r"1E'\'"),
            vec![("1", Kind::Number), (r"E'\'", Kind::Str)]
        );
        assert_eq!(
            kinds(r"xE'\' y"),
            vec![("xE", Kind::Word), (r"'\'", Kind::Str), ("y", Kind::Word)]
        );
    }

    #[test]
    fn dollars_in_words_and_parameters() {
        assert_eq!(
            kinds("a$$b; $1 $x"),
            vec![
                ("a$$b", Kind::Word),
                (";", Kind::Semicolon),
                ("$", Kind::Operator),
                ("1", Kind::Number),
                ("$", Kind::Operator),
                ("x", Kind::Word)
            ]
        );
    }

    #[test]
    fn comments_nest_and_end_at_a_carriage_return() {
        assert_eq!(
            kinds("/* a /* b */ c */x"),
            vec![("/* a /* b */ c */", Kind::BlockComment), ("x", Kind::Word)]
        );
        assert_eq!(
            kinds("-- c\r;"),
            vec![("-- c", Kind::LineComment), (";", Kind::Semicolon)]
        );
        assert_eq!(
            kinds("1--c"),
            vec![("1", Kind::Number), ("--c", Kind::LineComment)]
        );
        assert_eq!(
            kinds("+/*c*/"),
            vec![("+", Kind::Operator), ("/*c*/", Kind::BlockComment)]
        );
    }

    #[test]
    fn unterminated_runs_are_flagged() {
        for src in ["'a", "E'a\\'", "\"a", "`a", "$$a", "$t$a$t", "/* /* */"] {
            let last = tokens(src).last().unwrap();
            assert!(!last.terminated, "{src}");
            assert_eq!(last.end, src.len(), "{src}");
        }
        assert!(tokens("-- a").all(|t| t.terminated));
    }

    #[test]
    fn numbers() {
        assert_eq!(kinds("1_000.5e+3"), vec![("1_000.5e+3", Kind::Number)]);
        assert_eq!(
            kinds("1e--x"),
            vec![
                ("1", Kind::Number),
                ("e", Kind::Word),
                ("--x", Kind::LineComment)
            ]
        );
    }
}
