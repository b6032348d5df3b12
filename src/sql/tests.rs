use super::*;

fn texts(src: &str) -> Vec<String> {
    split_statements(src).into_iter().map(|s| s.text).collect()
}

#[test]
fn splits_respecting_quotes_and_comments() {
    let src = "select ';' as a; -- c;omment\nselect \"x;y\" from t /* ; */;\n\n select $$a;b$$; ";
    assert_eq!(
        texts(src),
        vec![
            "select ';' as a",
            "-- c;omment\nselect \"x;y\" from t /* ; */",
            "select $$a;b$$"
        ]
    );
}

#[test]
fn splits_where_duckdb_does() {
    // Each of these hides a `;` from a lexer that does not know the construct.
    for (src, n) in [
        (r"select E'\';' ; select 2", 2),
        ("select $t$ ; $$ ; $t$; select 2", 2),
        ("select /* /* ; */ ; */ 1; select 2", 2),
        ("select `a;b`, \"c\"\"d;\" ; select 2", 2),
        // A `--` comment ends at a carriage return: the `;` after it is real.
        ("select 1 -- c\r; select 2", 2),
        // `$` inside a word does not open a dollar string.
        ("select 1 as a$$; select 2 as b$$", 2),
        ("select 'it''s;'; select 2", 2),
        ("select 1; -- done;", 1),
    ] {
        assert_eq!(split_statements(src).len(), n, "{src}");
    }
}

#[test]
fn pieces_tile_the_input() {
    for src in [
        "",
        ";",
        "select 1",
        "select 1;",
        "a;b;;c -- x",
        "select 1;\r\n  select 2 ;",
    ] {
        let joined: String = pieces(src).into_iter().map(|r| &src[r]).collect();
        assert_eq!(joined, src);
    }
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
    assert!(is_query("/* a /* nested */ comment */ select 1"));
    assert!(!is_query("insert into t values (1)"));
    assert!(is_destructive("drop table t"));
    assert!(is_destructive("/* x */ delete from t"));
    assert!(!is_destructive("select 'drop'"));
    assert_eq!(leading_keyword("-- c\r(( Values (1)"), "VALUES");
}

#[test]
fn dollar_parameters_are_not_strings() {
    assert_eq!(split_statements("select $1; select 2").len(), 2);
}

#[test]
fn single_statements() {
    assert!(is_single_statement("select 1"));
    assert!(is_single_statement("select 1; -- end\n"));
    assert!(is_single_statement("select ';'"));
    assert!(!is_single_statement("select 1; select 2"));
    assert!(!is_single_statement("select 1 -- c\r; copy t to 'x'"));
    assert!(!is_single_statement("  -- nothing\n"));
}

#[test]
fn parenthesize_closes_after_a_line_comment() {
    assert_eq!(parenthesize(" select 1 "), "(select 1)");
    assert_eq!(parenthesize("select 1 -- c"), "(select 1 -- c\n)");
    assert_eq!(parenthesize("select 1 -- c\n"), "(select 1 -- c\n)");
    assert_eq!(parenthesize("select '--'"), "(select '--')");
    assert_eq!(parenthesize("select 1 /* c */"), "(select 1 /* c */)");
}

/// The payload of issue 8 and variants: each would close the fragment's parentheses and run a
/// second statement if the check lexed differently from DuckDB.
pub(crate) const SMUGGLED: &[&str] = &[
    "$$'$$ IS NOT NULL)) SELECT 1; COPY (SELECT 42) TO $$/tmp/x.csv$$; CREATE TEMP TABLE j AS WITH src AS (SELECT 1 AS id, current_date AS d, 1 AS v WHERE ($$'$$ IS NOT NULL",
    "$q$'$q$ IS NOT NULL)) SELECT 1; COPY (SELECT 42) TO 'x.csv'; SELECT (($q$'$q$ IS NOT NULL",
    r"E'\'' IS NOT NULL)) SELECT 1; COPY (SELECT 42) TO 'x.csv'; SELECT ((E'\'' IS NOT NULL",
    "1 /* /* */ ' */ )); COPY (SELECT 42) TO 'x.csv'; SELECT ((1 /* ' */",
    "1 -- c\r)); COPY (SELECT 42) TO 'x.csv'; SELECT ((1",
    "`'` IS NOT NULL)); COPY (SELECT 42) TO 'x.csv'; SELECT ((`'` IS NOT NULL",
];

#[test]
fn fragments_that_smuggle_a_statement_are_rejected() {
    for frag in SMUGGLED {
        assert!(check_fragment(frag).is_err(), "{frag}");
    }
}

#[test]
fn fragment_errors_say_what_is_wrong() {
    assert_eq!(check_fragment("miles; drop"), Err(FragmentError::Semicolon));
    assert_eq!(check_fragment("(a"), Err(FragmentError::Unbalanced('(')));
    assert_eq!(check_fragment("a)"), Err(FragmentError::Unbalanced(')')));
    assert_eq!(
        check_fragment("'a"),
        Err(FragmentError::Unterminated("string", 0))
    );
    assert_eq!(
        check_fragment("1 + $$a"),
        Err(FragmentError::Unterminated("string", 4))
    );
    assert_eq!(
        check_fragment("1 /* /* */"),
        Err(FragmentError::Unterminated("/* comment", 2))
    );
    assert_eq!(
        check_fragment("\"a"),
        Err(FragmentError::Unterminated("quoted name", 0))
    );
}

#[test]
fn ordinary_fragments_pass() {
    for frag in [
        "miles",
        "CASE WHEN transaction_type = 'STATUS_MILES' THEN miles ELSE 0 END",
        "amount * (1 - discount) -- net",
        "details <> ';' AND details <> $$)$$",
        r"details LIKE E'%\'%'",
        "coalesce(miles, 0) /* a /* nested */ note */",
    ] {
        assert_eq!(check_fragment(frag), Ok(()), "{frag}");
    }
}
