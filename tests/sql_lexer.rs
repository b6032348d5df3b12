//! The one SQL lexer against DuckDB's own parser.
//!
//! DuckDB's C API can split a script into statements without running anything
//! (`duckdb_extract_statements`); that is the independent truth here. For every script of a
//! corpus (hand-written, plus generated ones): our pieces join back to the input exactly, we
//! find as many statements as DuckDB, each of our statements is exactly one statement to
//! DuckDB, and run one by one they give the values the script was written to give.

use std::ffi::{CStr, CString};

use clvdesk::sql::{is_single_statement, pieces, split_statements};
use duckdb::{Connection, ffi};
use rand::{Rng, SeedableRng};

/// A raw DuckDB connection, used only to ask the parser how many statements a text holds.
struct Parser {
    db: ffi::duckdb_database,
    con: ffi::duckdb_connection,
}

impl Parser {
    fn new() -> Self {
        let mut db = std::ptr::null_mut();
        let mut con = std::ptr::null_mut();
        // SAFETY: a null path opens an in-memory database; both handles are closed in Drop.
        unsafe {
            assert_eq!(
                ffi::duckdb_open(std::ptr::null(), &mut db),
                ffi::DuckDBSuccess
            );
            assert_eq!(ffi::duckdb_connect(db, &mut con), ffi::DuckDBSuccess);
        }
        Parser { db, con }
    }

    /// DuckDB's statement count for `sql`, or its parse error.
    fn count(&self, sql: &str) -> Result<u64, String> {
        let c = CString::new(sql).expect("no NUL in the corpus");
        let mut extracted = std::ptr::null_mut();
        // SAFETY: `extracted` is destroyed below whatever the outcome, as the C API requires.
        unsafe {
            let n = ffi::duckdb_extract_statements(self.con, c.as_ptr(), &mut extracted);
            let out = if n == 0 {
                let e = ffi::duckdb_extract_statements_error(extracted);
                if e.is_null() {
                    Ok(0)
                } else {
                    Err(CStr::from_ptr(e).to_string_lossy().into_owned())
                }
            } else {
                Ok(n)
            };
            ffi::duckdb_destroy_extracted(&mut extracted);
            out
        }
    }
}

impl Drop for Parser {
    fn drop(&mut self) {
        // SAFETY: the handles were opened in `new` and are not used afterwards.
        unsafe {
            ffi::duckdb_disconnect(&mut self.con);
            ffi::duckdb_close(&mut self.db);
        }
    }
}

/// Checks one script against DuckDB; returns our statements' texts.
fn agree(parser: &Parser, script: &str) -> Vec<String> {
    let joined: String = pieces(script).into_iter().map(|r| &script[r]).collect();
    assert_eq!(joined, script, "pieces must join back to the input");
    let ours = split_statements(script);
    let duck = parser.count(script);
    assert_eq!(
        duck,
        Ok(ours.len() as u64),
        "statement count of {script:?}; ours: {ours:#?}"
    );
    for s in &ours {
        assert_eq!(parser.count(&s.text), Ok(1), "one statement: {:?}", s.text);
        assert!(is_single_statement(&s.text), "{:?}", s.text);
        assert_eq!(&script[s.start..s.end], s.text);
    }
    ours.into_iter().map(|s| s.text).collect()
}

/// Runs each statement alone and returns the first column of each result as text.
fn values(conn: &Connection, stmts: &[String]) -> Vec<String> {
    stmts
        .iter()
        .map(|s| {
            conn.query_row(
                &format!("SELECT CAST(x AS VARCHAR) FROM ({s}\n) t(x)"),
                [],
                |r| r.get::<_, String>(0),
            )
            .unwrap_or_else(|e| panic!("{s:?}: {e}"))
        })
        .collect()
}

/// Scripts with a `;` hidden in every construct DuckDB knows, and the values they select.
const CORPUS: &[(&str, &[&str])] = &[
    ("select 'a;b'; select 'it''s;'", &["a;b", "it's;"]),
    (r"select E'a\';b'; select e'\\;'", &["a';b", "\\;"]),
    ("select $$a;'b$$; select $t$x;$$;y$t$", &["a;'b", "x;$$;y"]),
    ("select $t1$;$t$;$t1$", &[";$t$;"]),
    (
        "select 1 as \"a;\"\"b\"; select \"x;\" from (select 2 as \"x;\")",
        &["1", "2"],
    ),
    ("select `a;``b` from (select 3 as `a;``b`)", &["3"]),
    ("select /* ; /* ; */ ; */ 4; select 5", &["4", "5"]),
    (
        "select 6 -- ; comment\n; select 7 -- at the end",
        &["6", "7"],
    ),
    ("select 8 -- a comment ends at \r; select 9", &["8", "9"]),
    ("select 10;\r\nselect 11;\r\n", &["10", "11"]),
    ("select 12 as a$$; select 13 as b$$", &["12", "13"]),
    ("select 14;; ;select 15", &["14", "15"]),
    ("-- only a comment;\nselect 16; /* trailing ; */", &["16"]),
    ("select '--;' ; select '/*;'", &["--;", "/*;"]),
    ("select x'3B'::BLOB IS NOT NULL; select 17", &["true", "17"]),
    ("select 1.5e-1; select .5", &["0.15", ".5"]),
    ("select 18 -- no newline at the end", &["18"]),
    ("select 19 /* ; */ ;", &["19"]),
];

#[test]
fn the_corpus_splits_where_duckdb_does() {
    let parser = Parser::new();
    let conn = Connection::open_in_memory().unwrap();
    for (script, want) in CORPUS {
        let stmts = agree(&parser, script);
        let got = values(&conn, &stmts);
        assert_eq!(got, *want, "{script:?}");
    }
}

#[test]
fn broken_scripts_fail_in_duckdb_as_they_would_whole() {
    let parser = Parser::new();
    for script in [
        "select 'open; select 2",
        "select $$open; select 2",
        "select /* /* */ open; select 2",
        "select \"open; select 2",
        r"select E'\'; select 2",
    ] {
        let joined: String = pieces(script).into_iter().map(|r| &script[r]).collect();
        assert_eq!(joined, script);
        let whole = parser.count(script).expect_err(script);
        // We keep the unterminated run as one statement, so DuckDB reports the same error
        // for it as for the whole script.
        let ours = split_statements(script);
        assert_eq!(ours.len(), 1, "{script:?}: {ours:?}");
        assert_eq!(parser.count(&ours[0].text).expect_err(script), whole);
    }
    // After a number, `E'` still opens an escape string (DuckDB ends the number before the
    // `E`): its error names the whole string as one token, `;` included.
    let err = parser.count(r"select 1E'\'; select 2'").unwrap_err();
    assert!(err.contains(r#"at or near "E'\'; select 2'""#), "{err}");
    assert_eq!(split_statements(r"select 1E'\'; select 2'").len(), 1);
}

/// Atoms that each select one known value and hide `;`, quotes and comment openers.
const ATOMS: &[(&str, &str)] = &[
    ("';'", ";"),
    ("'a''b;--'", "a'b;--"),
    (r"E'\';\\'", r"';\"),
    ("$$;'\"$$", ";'\""),
    ("$q$ $$ ; $q$", " $$ ; "),
    ("/* ; /* ' */ */ 'c'", "c"),
    ("'d' -- ' ;\n", "d"),
    ("'e' -- ;\r", "e"),
    ("(select \"v;\"\"\" from (select 'f' as \"v;\"\"\"))", "f"),
    ("(select `w;` from (select 'g' as `w;`))", "g"),
    ("'h' /* */", "h"),
    ("1_000", "1000"),
];

const SEPARATORS: &[&str] = &[";", ";\n", " ;\r\n", "; -- ;\n", ";/* ; */", ";;\t"];

#[test]
fn generated_scripts_split_where_duckdb_does() {
    let parser = Parser::new();
    let conn = Connection::open_in_memory().unwrap();
    let mut rng = rand_pcg::Pcg64::seed_from_u64(8);
    for _ in 0..300 {
        let n = rng.random_range(1..6);
        let mut script = String::new();
        let mut want = Vec::new();
        for i in 0..n {
            let (atom, value) = ATOMS[rng.random_range(0..ATOMS.len())];
            script.push_str("select ");
            script.push_str(atom);
            if i + 1 < n || rng.random_bool(0.5) {
                script.push_str(SEPARATORS[rng.random_range(0..SEPARATORS.len())]);
            }
            want.push(value.to_string());
        }
        let stmts = agree(&parser, &script);
        assert_eq!(values(&conn, &stmts), want, "{script:?}");
    }
}

/// Every DuckDB keyword, inserted as a table and a column name the way the catalog pane
/// inserts names, means that table and that column.
#[test]
fn display_idents_work_for_every_duckdb_keyword() {
    let conn = Connection::open_in_memory().unwrap();
    let mut stmt = conn
        .prepare("SELECT keyword_name FROM duckdb_keywords() ORDER BY 1")
        .unwrap();
    let keywords: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(keywords.len() > 100, "{}", keywords.len());
    let mut failures = Vec::new();
    for kw in keywords.iter().chain(&["MixedCase".to_string()]) {
        let q = clvdesk::sql::quote_ident(kw);
        conn.execute_batch(&format!(
            "CREATE TABLE {q}({q} INT); INSERT INTO {q} VALUES (7)"
        ))
        .unwrap();
        let d = clvdesk::sql::display_ident(kw);
        let got = conn.query_row(&format!("SELECT {d} FROM {d}"), [], |r| r.get::<_, i32>(0));
        if got.ok() != Some(7) {
            failures.push(format!("{kw} -> {d}"));
        }
        conn.execute_batch(&format!("DROP TABLE {q}")).unwrap();
    }
    assert!(failures.is_empty(), "{failures:?}");
}
