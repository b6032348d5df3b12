//! Segments: the rule compiler (golden SQL, every operator and window against hand-written
//! SQL on the sample data, values that try to be SQL, validation errors naming the rule),
//! the preview (exact and sampled), membership over three refreshes, the pane in the app.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clvdesk::engine::catalog;
use clvdesk::segments::compile::{FolderResolver, compile};
use clvdesk::segments::preview::{PreviewOptions, preview};
use clvdesk::segments::{self, InvalidRule, SegmentError, file, membership};
use clvdesk::workspace::Workspace;
use duckdb::Connection;

fn write_segment(root: &Path, name: &str, text: &str) -> PathBuf {
    let p = root.join("segments").join(format!("{name}.toml"));
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

fn seeded() -> (tempfile::TempDir, Workspace) {
    let tmp = tempfile::tempdir().unwrap();
    let ws = clvdesk::scheduler::starters::open_folder(tmp.path()).unwrap();
    (tmp, ws)
}

fn hand(conn: &Connection, sql: &str) -> u64 {
    conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap() as u64
}

fn count_named(conn: &Connection, root: &Path, name: &str) -> Result<u64, SegmentError> {
    let (_, c) = segments::compile_named(conn, root, name)?;
    segments::count(conn, &c)
}

fn invalid(conn: &Connection, root: &Path, name: &str) -> InvalidRule {
    match segments::compile_named(conn, root, name) {
        Err(SegmentError::Invalid(e)) => e,
        other => panic!("{name}: expected a validation error, got {other:?}"),
    }
}

const HEAD: &str = "profile = \"customers\"\nidentity = \"customer_id\"\n[rule]\ntype = \"all\"\n";

/// Every operator and window, each against an independent hand-written count.
#[test]
fn preview_counts_equal_hand_written_sql_for_a_corpus_of_rules() {
    let (tmp, ws) = seeded();
    let conn = ws.db().conn();
    let root = tmp.path();
    let anchor_ev = "(SELECT max(CAST(event_ts AS DATE)) FROM email_events)";
    let anchor_tx = "(SELECT max(txn_date) FROM loyalty_transactions)";
    let tx_count =
        "(SELECT count(*) FROM loyalty_transactions t WHERE t.member_id = c.customer_id)";
    let corpus: Vec<(&str, String)> = vec![
        (
            r#"[[rule.conditions]]
type = "attribute"
column = "loyalty_status"
op = "equals"
value = "Aurora""#,
            "loyalty_status = 'Aurora'".into(),
        ),
        (
            r#"[[rule.conditions]]
type = "attribute"
column = "loyalty_status"
op = "not_equals"
value = "Star""#,
            "loyalty_status <> 'Star'".into(),
        ),
        (
            r#"[[rule.conditions]]
type = "attribute"
column = "loyalty_status"
op = "in"
values = ["Aurora", "Nova"]"#,
            "loyalty_status IN ('Aurora', 'Nova')".into(),
        ),
        (
            r#"[[rule.conditions]]
type = "attribute"
column = "country"
op = "not_in"
values = ["US", "DE"]"#,
            "country NOT IN ('US', 'DE')".into(),
        ),
        (
            r#"[[rule.conditions]]
type = "attribute"
column = "last_name"
op = "contains"
value = "son""#,
            "last_name LIKE '%son%'".into(),
        ),
        (
            r#"[[rule.conditions]]
type = "attribute"
column = "first_name"
op = "starts_with"
value = "A""#,
            "first_name LIKE 'A%'".into(),
        ),
        (
            r#"[[rule.conditions]]
type = "attribute"
column = "signup_date"
op = "between"
values = [2024-03-01, 2024-06-30]"#,
            "signup_date >= DATE '2024-03-01' AND signup_date <= DATE '2024-06-30'".into(),
        ),
        (
            r#"[[rule.conditions]]
type = "attribute"
column = "customer_id"
op = "greater"
value = 1000"#,
            "customer_id > 1000".into(),
        ),
        (
            r#"[[rule.conditions]]
type = "attribute"
column = "customer_id"
op = "greater_or_equal"
value = 1000"#,
            "customer_id >= 1000".into(),
        ),
        (
            r#"[[rule.conditions]]
type = "attribute"
column = "customer_id"
op = "less"
value = 250.5"#,
            "customer_id < 250.5".into(),
        ),
        (
            r#"[[rule.conditions]]
type = "attribute"
column = "customer_id"
op = "less_or_equal"
value = 250"#,
            "customer_id <= 250".into(),
        ),
        (
            r#"[[rule.conditions]]
type = "attribute"
column = "email"
op = "is_null""#,
            "email IS NULL".into(),
        ),
        (
            r#"[[rule.conditions]]
type = "attribute"
column = "email"
op = "is_not_null""#,
            "email IS NOT NULL".into(),
        ),
        (
            r#"[[rule.conditions]]
type = "attribute"
column = "signup_date"
op = "before"
value = 2024-05-01"#,
            "signup_date < DATE '2024-05-01'".into(),
        ),
        (
            r#"[[rule.conditions]]
type = "attribute"
column = "signup_date"
op = "after"
value = "2024-05-01""#,
            "signup_date > DATE '2024-05-01'".into(),
        ),
        (
            r#"[[rule.conditions]]
type = "attribute"
column = "signup_date"
op = "in_last_days"
days = 120"#,
            "signup_date > (SELECT max(signup_date) FROM customers) - 120".into(),
        ),
        (
            r#"[[rule.conditions]]
type = "event"
table = "loyalty_transactions"
key = "member_id"
op = "at_least"
value = 3"#,
            format!("{tx_count} >= 3"),
        ),
        (
            r#"[[rule.conditions]]
type = "event"
table = "loyalty_transactions"
key = "member_id"
op = "at_most"
value = 0"#,
            format!("{tx_count} = 0"),
        ),
        (
            r#"[[rule.conditions]]
type = "event"
table = "loyalty_transactions"
key = "member_id"
op = "between"
values = [2, 4]"#,
            format!("{tx_count} BETWEEN 2 AND 4"),
        ),
        (
            r#"[[rule.conditions]]
type = "event"
table = "email_events"
key = "customer_id"
date = "event_ts"
event_column = "event_type"
event_types = ["open"]
op = "exactly"
value = 2
last_days = 90"#,
            format!(
                "(SELECT count(*) FROM email_events e WHERE e.customer_id = c.customer_id AND e.event_type = 'open' \
                 AND CAST(e.event_ts AS DATE) > {anchor_ev} - 90 AND CAST(e.event_ts AS DATE) <= {anchor_ev}) = 2"
            ),
        ),
        (
            r#"[[rule.conditions]]
type = "event"
table = "loyalty_transactions"
key = "member_id"
date = "txn_date"
measure = "sum"
field = "amount"
op = "greater"
value = 500
last_months = 6"#,
            format!(
                "(SELECT coalesce(sum(amount), 0) FROM loyalty_transactions t WHERE t.member_id = c.customer_id \
                 AND t.txn_date > CAST({anchor_tx} - INTERVAL 6 MONTH AS DATE) AND t.txn_date <= {anchor_tx}) > 500"
            ),
        ),
        (
            r#"[[rule.conditions]]
type = "event"
table = "loyalty_transactions"
key = "member_id"
date = "txn_date"
measure = "avg"
field = "amount"
op = "between"
values = [100, 300]
from = 2025-01-01
to = 2025-06-30"#,
            "(SELECT avg(amount) FROM loyalty_transactions t WHERE t.member_id = c.customer_id \
             AND t.txn_date >= DATE '2025-01-01' AND t.txn_date <= DATE '2025-06-30') BETWEEN 100 AND 300"
                .into(),
        ),
        (
            r#"[[rule.conditions]]
type = "event"
table = "loyalty_transactions"
key = "member_id"
date = "txn_date"
measure = "max"
field = "miles"
op = "at_least"
value = 2000
before = 2025-01-01"#,
            "(SELECT max(miles) FROM loyalty_transactions t WHERE t.member_id = c.customer_id \
             AND t.txn_date < DATE '2025-01-01') >= 2000"
                .into(),
        ),
        (
            r#"[[rule.conditions]]
type = "event"
table = "loyalty_transactions"
key = "member_id"
date = "txn_date"
measure = "min"
field = "amount"
op = "less"
value = 50
after = 2025-03-31"#,
            "(SELECT min(amount) FROM loyalty_transactions t WHERE t.member_id = c.customer_id \
             AND t.txn_date > DATE '2025-03-31') < 50"
                .into(),
        ),
        (
            r#"[[rule.conditions]]
type = "decile"
table = "loyalty_miles_deciles"
window = "6m"
top = 3
category = "Aurora""#,
            "customer_id IN (SELECT id FROM loyalty_miles_deciles WHERE lookback = '6m' AND bucket <= 3 AND category = 'Aurora')"
                .into(),
        ),
        (
            r#"[[rule.conditions]]
type = "decile"
table = "loyalty_miles_deciles"
window = "lifetime"
buckets = [2, 5]"#,
            "customer_id IN (SELECT id FROM loyalty_miles_deciles WHERE lookback = 'lifetime' AND bucket IN (2, 5))"
                .into(),
        ),
        (
            r#"[[rule.conditions]]
type = "clv"
field = "p_alive"
op = "greater"
value = 0.7"#,
            "customer_id IN (SELECT customer_id FROM clv_predictions WHERE p_alive > 0.7)".into(),
        ),
        (
            r#"[[rule.conditions]]
type = "clv"
field = "clv"
op = "top_percent"
value = 20"#,
            "customer_id IN (SELECT p.customer_id FROM clv_predictions p WHERE p.clv IS NOT NULL AND \
             (SELECT count(*) FROM clv_predictions q WHERE q.clv >= p.clv) <= 0.2 * (SELECT count(clv) FROM clv_predictions))"
                .into(),
        ),
        // Profiles without a matching event count 0 (every sample customer has transactions,
        // but not every one clicked in the last 30 days).
        (
            r#"[[rule.conditions]]
type = "event"
table = "email_events"
key = "customer_id"
date = "event_ts"
event_column = "event_type"
event_types = ["click"]
op = "at_most"
value = 0
last_days = 30"#,
            format!(
                "(SELECT count(*) FROM email_events e WHERE e.customer_id = c.customer_id AND e.event_type = 'click' \
                 AND CAST(e.event_ts AS DATE) > {anchor_ev} - 30 AND CAST(e.event_ts AS DATE) <= {anchor_ev}) = 0"
            ),
        ),
        // Nesting, OR, exclude.
        (
            r#"[[rule.conditions]]
type = "any"

[[rule.conditions.conditions]]
type = "attribute"
column = "loyalty_status"
op = "equals"
value = "Aurora"

[[rule.conditions.conditions]]
type = "all"

[[rule.conditions.conditions.conditions]]
type = "attribute"
column = "loyalty_status"
op = "equals"
value = "Nova"

[[rule.conditions.conditions.conditions]]
type = "event"
table = "loyalty_transactions"
key = "member_id"
op = "at_least"
value = 5
exclude = true"#,
            format!("(loyalty_status = 'Aurora' OR (loyalty_status = 'Nova' AND NOT ({tx_count} >= 5)))"),
        ),
        // Segment membership, excluded.
        (
            r#"[[rule.conditions]]
type = "attribute"
column = "loyalty_status"
op = "not_equals"
value = "Star"

[[rule.conditions]]
type = "segment"
segment = "high_clv_at_risk"
exclude = true"#,
            "loyalty_status <> 'Star' AND customer_id NOT IN (SELECT p.customer_id FROM clv_predictions p WHERE p.clv IS NOT NULL AND \
             (SELECT count(*) FROM clv_predictions q WHERE q.clv >= p.clv) <= 0.2 * (SELECT count(clv) FROM clv_predictions) \
             AND p.p_alive < 0.5)"
                .into(),
        ),
    ];
    for (i, (rule, where_)) in corpus.iter().enumerate() {
        let name = format!("case_{i}");
        write_segment(root, &name, &format!("{HEAD}\n{rule}\n"));
        let got = count_named(conn, root, &name).unwrap_or_else(|e| panic!("case {i}: {e}"));
        let want = hand(
            conn,
            &format!("SELECT count(*) FROM customers c WHERE {where_}"),
        );
        assert_eq!(got, want, "case {i}: {rule}\nhand: {where_}");
        // A count of 0 or of everyone would not tell a wrong rule from a right one.
        assert!(
            want > 0 || i == 11 || i == 17,
            "case {i} selects nobody: {where_}"
        );
    }
}

/// The generated SQL of a fixed tree, character for character.
#[test]
fn golden_sql() {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "CREATE TABLE customers (customer_id BIGINT, loyalty_status VARCHAR, signup_date DATE);
         CREATE TABLE email_events (customer_id BIGINT, event_type VARCHAR, event_ts TIMESTAMP);
         CREATE TABLE clv_predictions (customer_id BIGINT, p_alive DOUBLE, clv DOUBLE);",
    )
    .unwrap();
    let cat = catalog::load(&conn).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{HEAD}\n[[rule.conditions]]\ntype = \"attribute\"\ncolumn = \"loyalty_status\"\nop = \"in\"\nvalues = [\"Aurora\", \"Nova\"]\n\n\
         [[rule.conditions]]\ntype = \"event\"\ntable = \"email_events\"\nkey = \"customer_id\"\ndate = \"event_ts\"\n\
         event_column = \"event_type\"\nevent_types = [\"open\"]\nop = \"at_least\"\nvalue = 2\nlast_days = 90\n\n\
         [[rule.conditions]]\ntype = \"clv\"\nfield = \"p_alive\"\nop = \"greater\"\nvalue = 0.5\nexclude = true\n"
    );
    let path = dir.path().join("g.toml");
    let seg = file::parse(&path, &text).unwrap();
    let c = compile(&seg, &path, &cat, &FolderResolver(dir.path().to_path_buf())).unwrap();
    let want = r#"WITH e1 AS (
  SELECT e."customer_id" AS id, count(*) AS v
  FROM "email_events" AS e
  WHERE e."customer_id" IS NOT NULL
    AND CAST(e."event_type" AS VARCHAR) IN (SELECT unnest($2))
    AND CAST(e."event_ts" AS DATE) > (SELECT max(CAST("event_ts" AS DATE)) FROM "email_events") - CAST($3 AS INTEGER) AND CAST(e."event_ts" AS DATE) <= (SELECT max(CAST("event_ts" AS DATE)) FROM "email_events")
  GROUP BY 1
)
SELECT DISTINCT p."customer_id" AS id
FROM "customers" AS p
LEFT JOIN e1 ON e1.id = p."customer_id"
WHERE p."customer_id" IS NOT NULL
  AND (coalesce(p."loyalty_status" IN (SELECT unnest($1)), false)
  AND coalesce(coalesce(e1.v, 0) >= CAST($4 AS DOUBLE), false)
  AND NOT coalesce(p."customer_id" IN (SELECT c."customer_id" FROM "clv_predictions" AS c WHERE c."customer_id" IS NOT NULL AND c."p_alive" > CAST($5 AS DOUBLE)), false))"#;
    assert_eq!(c.sql, want, "\n{}", c.sql);
    assert_eq!(c.params.len(), 5);
    // The inlined version for the SQL tab runs and agrees with the bound one.
    conn.execute_batch(
        "INSERT INTO customers VALUES (1, 'Aurora', DATE '2024-01-01'), (2, 'Nova', NULL), (3, 'Star', NULL);
         INSERT INTO email_events VALUES (1, 'open', TIMESTAMP '2025-01-01 10:00'), (1, 'open', TIMESTAMP '2025-01-02 10:00'),
                                         (2, 'open', TIMESTAMP '2025-01-02 11:00'), (3, 'open', TIMESTAMP '2025-01-02 11:00'),
                                         (3, 'open', TIMESTAMP '2025-01-02 12:00');
         INSERT INTO clv_predictions VALUES (1, 0.2, 10), (2, 0.9, 10), (3, 0.1, 10);",
    )
    .unwrap();
    assert_eq!(segments::count(&conn, &c).unwrap(), 1);
    let inline: i64 = conn
        .query_row(
            &format!("SELECT count(*) FROM ({})", c.inline_sql()),
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(inline, 1);
}

/// Values that look like SQL stay values: the table survives and each matches itself.
#[test]
fn hostile_values_stay_values() {
    let conn = Connection::open_in_memory().unwrap();
    let names = [
        "O'Brien",
        "x'); DROP TABLE customers; --",
        "$$",
        "a\0b",
        "\"quoted\"",
    ];
    conn.execute_batch("CREATE TABLE customers (customer_id BIGINT, last_name VARCHAR)")
        .unwrap();
    for (i, n) in names.iter().enumerate() {
        conn.execute(
            "INSERT INTO customers VALUES (?, ?)",
            duckdb::params![i as i64 + 1, n],
        )
        .unwrap();
    }
    conn.execute_batch("INSERT INTO customers SELECT 100 + range, 'n' || range FROM range(20000)")
        .unwrap();
    let cat = catalog::load(&conn).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let compile_text = |text: &str| {
        let path = dir.path().join("h.toml");
        let seg = file::parse(&path, text).unwrap();
        compile(&seg, &path, &cat, &FolderResolver(dir.path().to_path_buf())).unwrap()
    };
    for n in names {
        let mut doc = toml_edit::DocumentMut::new();
        doc["value"] = toml_edit::value(n);
        let text = format!(
            "{HEAD}\n[[rule.conditions]]\ntype = \"attribute\"\ncolumn = \"last_name\"\nop = \"equals\"\n{}",
            doc
        );
        let c = compile_text(&text);
        assert!(!c.sql.contains(n), "{n:?} is in the SQL text");
        assert_eq!(segments::count(&conn, &c).unwrap(), 1, "{n:?}");
    }
    // A 10,000-value list: one parameter.
    let mut values: Vec<String> = (0..10_000).map(|i| format!("\"n{i}\"")).collect();
    values.push("\"O'Brien\"".into());
    let text = format!(
        "{HEAD}\n[[rule.conditions]]\ntype = \"attribute\"\ncolumn = \"last_name\"\nop = \"in\"\nvalues = [{}]\n",
        values.join(", ")
    );
    let c = compile_text(&text);
    assert_eq!(c.params.len(), 1);
    assert_eq!(segments::count(&conn, &c).unwrap(), 10_001);
    let left: i64 = conn
        .query_row("SELECT count(*) FROM customers", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 20_005, "the table survives");
}

/// Mistakes are validation errors naming the file, the rule and the reason.
#[test]
fn validation_errors_name_the_file_the_rule_and_the_reason() {
    let (tmp, ws) = seeded();
    let conn = ws.db().conn();
    let root = tmp.path();
    let cases = [
        (
            "unknown_column",
            "[[rule.conditions]]\ntype = \"attribute\"\ncolumn = \"loyalty_status\"\nop = \"is_not_null\"\n\n[[rule.conditions]]\ntype = \"attribute\"\ncolumn = \"favourite_colour\"\nop = \"equals\"\nvalue = \"red\"\n",
            "rule.2",
            "no column `favourite_colour`",
        ),
        (
            "unknown_table",
            "[[rule.conditions]]\ntype = \"event\"\ntable = \"orders\"\nkey = \"customer_id\"\nop = \"at_least\"\nvalue = 1\n",
            "rule.1",
            "table `orders` does not exist",
        ),
        (
            "text_vs_number",
            "[[rule.conditions]]\ntype = \"attribute\"\ncolumn = \"customer_id\"\nop = \"equals\"\nvalue = \"abc\"\n",
            "rule.1",
            "type mismatch",
        ),
        (
            "date_vs_text",
            "[[rule.conditions]]\ntype = \"attribute\"\ncolumn = \"loyalty_status\"\nop = \"before\"\nvalue = 2025-01-01\n",
            "rule.1",
            "type mismatch",
        ),
        (
            "text_field_sum",
            "[[rule.conditions]]\ntype = \"event\"\ntable = \"loyalty_transactions\"\nkey = \"member_id\"\nmeasure = \"sum\"\nfield = \"details\"\nop = \"greater\"\nvalue = 1\n",
            "rule.1",
            "numeric field",
        ),
        (
            "empty_container",
            "[[rule.conditions]]\ntype = \"any\"\n",
            "rule.1",
            "container is empty",
        ),
        (
            "cycle_a",
            "[[rule.conditions]]\ntype = \"segment\"\nsegment = \"cycle_b\"\n",
            "rule.1",
            "cycle",
        ),
        (
            "cycle_b",
            "[[rule.conditions]]\ntype = \"segment\"\nsegment = \"cycle_a\"\n",
            "rule.1",
            "cycle",
        ),
        (
            "self_ref",
            "[[rule.conditions]]\ntype = \"segment\"\nsegment = \"self_ref\"\n",
            "rule.1",
            "cycle",
        ),
        (
            "missing_ref",
            "[[rule.conditions]]\ntype = \"segment\"\nsegment = \"nope\"\n",
            "rule.1",
            "no saved segment `nope`",
        ),
    ];
    for (name, rule, _, _) in cases {
        write_segment(root, name, &format!("{HEAD}\n{rule}"));
    }
    for (name, _, path, reason) in cases {
        let file = root.join("segments").join(format!("{name}.toml"));
        let e = invalid(conn, root, name);
        let shown = e.to_string();
        assert!(
            shown.contains(&file.display().to_string()) || shown.contains("cycle_"),
            "{name}: {shown}"
        );
        assert!(shown.contains(reason), "{name}: {shown}");
        if name != "cycle_a" && name != "cycle_b" {
            assert_eq!(e.rule.as_deref(), Some(path), "{name}: {shown}");
        } else {
            assert!(
                shown.contains("cycle_a -> cycle_b -> cycle_a")
                    || shown.contains("cycle_b -> cycle_a -> cycle_b"),
                "{shown}"
            );
        }
    }
    // File-level mistakes carry a line.
    let parse_cases = [
        (
            "[[rule.conditions]]\ntype = \"attribute\"\ncolumn = \"x\"\nop = \"resembles\"\nvalue = 1\n",
            9,
            "op `resembles`",
        ),
        (
            "[[rule.conditions]]\ntype = \"attribute\"\ncolumn = \"x\"\nop = \"equals\"\nvalue = 1\nsql = \"1=1\"\n",
            11,
            "unknown key `sql`",
        ),
        ("[[rule.conditions]]\ntype = \"magic\"\n", 7, "type `magic`"),
    ];
    for (rule, line, reason) in parse_cases {
        let path = write_segment(root, "bad_file", &format!("{HEAD}\n{rule}"));
        let e = match file::load(&path) {
            Err(SegmentError::Invalid(e)) => e,
            other => panic!("{other:?}"),
        };
        assert_eq!(e.line, Some(line), "{e}");
        assert!(e.to_string().contains(reason), "{e}");
        assert!(e.to_string().contains("rule.1"), "{e}");
    }
}

/// Saving keeps the analyst's comments where the tree did not change.
#[test]
fn saving_keeps_comments() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_segment(
        dir.path(),
        "c",
        "# my audience\ndescription = \"x\"  # why\nprofile = \"customers\"\nidentity = \"customer_id\"\n\n[rule]\ntype = \"all\"\n\n# the tier\n[[rule.conditions]]\ntype = \"attribute\"\ncolumn = \"loyalty_status\"  # from CRM\nop = \"equals\"\nvalue = \"Aurora\"\n",
    );
    let mut seg = file::load(&path).unwrap();
    if let clvdesk::segments::model::NodeKind::Group { children, .. } = &mut seg.rule.kind {
        if let clvdesk::segments::model::NodeKind::Attribute(a) = &mut children[0].kind {
            a.op = clvdesk::segments::model::AttrOp::Equals(clvdesk::segments::model::Value::Text(
                "Nova".into(),
            ));
        }
        children.push(children[0].clone());
    }
    file::save(&path, &seg).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    for c in ["# my audience", "# why", "# the tier", "# from CRM"] {
        assert!(text.contains(c), "{c} lost:\n{text}");
    }
    assert!(text.contains("value = \"Nova\""), "{text}");
    assert_eq!(file::load(&path).unwrap(), seg);
}

/// The sampled preview's 95% interval contains the exact count (fixed seed), and says so.
#[test]
fn sampled_preview_interval_contains_the_exact_count() {
    let (tmp, ws) = seeded();
    let conn = ws.db().conn();
    let root = tmp.path();
    let (seg, path) = segments::load_named(root, "engaged_not_at_risk").unwrap();
    let exact = preview(
        conn,
        root,
        &seg,
        &path,
        &PreviewOptions {
            exact: true,
            ..PreviewOptions::default()
        },
    )
    .unwrap();
    assert!(exact.estimate.is_none());
    let opts = PreviewOptions {
        sample_above: 1_000,
        sample_size: 1_500,
        seed: 42,
        ..PreviewOptions::default()
    };
    let p = preview(conn, root, &seg, &path, &opts).unwrap();
    let e = p.estimate.clone().expect("a sample above the threshold");
    assert!(e.sampled < exact.population, "{e:?}");
    assert!(
        e.low <= exact.count as f64 && exact.count as f64 <= e.high,
        "{e:?} vs {}",
        exact.count
    );
    // The exact preview's numbers against hand SQL.
    let members = count_named(conn, root, "engaged_not_at_risk").unwrap();
    assert_eq!(exact.count, members);
    assert_eq!(
        exact.population,
        hand(conn, "SELECT count(*) FROM customers")
    );
    let share_clv = conn
        .query_row(
            &format!(
                "SELECT sum(clv) FILTER (WHERE customer_id IN (SELECT id FROM ({}))) / sum(clv) FROM clv_predictions",
                segments::compile_named(conn, root, "engaged_not_at_risk").unwrap().1.inline_sql()
            ),
            [],
            |r| r.get::<_, f64>(0),
        )
        .unwrap();
    assert!((exact.share_clv.unwrap() - share_clv).abs() < 1e-9);
    // Overlap with the excluded segment is empty; decile composition adds up.
    let o = exact
        .overlaps
        .iter()
        .find(|o| o.name == "high_clv_at_risk")
        .unwrap();
    assert_eq!(o.result.as_ref().unwrap().both, 0);
    assert_eq!(exact.deciles.iter().map(|d| d.1).sum::<u64>(), members);
    assert!(!exact.members.is_empty());
}

/// Membership over three refreshes with the data changing in between.
#[test]
fn membership_statuses_over_three_refreshes() {
    let db = clvdesk::engine::Database::open_in_memory_workspace().unwrap();
    let conn = db.conn();
    conn.execute_batch("CREATE TABLE customers (customer_id BIGINT, tier VARCHAR); INSERT INTO customers VALUES (1, 'Gold'), (2, 'Gold'), (3, 'Silver'), (4, NULL)").unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_segment(
        dir.path(),
        "gold",
        &format!(
            "{HEAD}\n[[rule.conditions]]\ntype = \"attribute\"\ncolumn = \"tier\"\nop = \"equals\"\nvalue = \"Gold\"\n"
        ),
    );
    let t = |h: u32| {
        NaiveDate::from_ymd_opt(2025, 1, 1)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    };
    let refresh = |h: u32| {
        let (_, c) = segments::compile_named(conn, dir.path(), "gold").unwrap();
        membership::refresh(conn, "gold", &c, t(h)).unwrap()
    };
    let state = || -> Vec<(String, String, String)> {
        let mut s = conn.prepare("SELECT identity, status, CAST(qualified_at AS VARCHAR) FROM clvdesk_meta.audience_membership WHERE audience = 'gold' ORDER BY 1").unwrap();
        s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let r1 = refresh(1);
    assert_eq!(
        (r1.members, r1.entered, r1.existing, r1.exited),
        (2, 2, 0, 0)
    );
    conn.execute_batch("UPDATE customers SET tier = 'Silver' WHERE customer_id = 2; UPDATE customers SET tier = 'Gold' WHERE customer_id = 3").unwrap();
    let r2 = refresh(2);
    assert_eq!(
        (r2.members, r2.entered, r2.existing, r2.exited),
        (2, 1, 1, 1)
    );
    assert_eq!(
        state(),
        [
            ("1".into(), "existing".into(), "2025-01-01 01:00:00".into()),
            ("2".into(), "exited".into(), "2025-01-01 01:00:00".into()),
            ("3".into(), "entered".into(), "2025-01-01 02:00:00".into()),
        ]
    );
    conn.execute_batch("UPDATE customers SET tier = 'Gold' WHERE customer_id = 2; UPDATE customers SET tier = NULL WHERE customer_id = 1").unwrap();
    let r3 = refresh(3);
    assert_eq!(
        (r3.members, r3.entered, r3.existing, r3.exited),
        (2, 1, 1, 1)
    );
    assert_eq!(
        state(),
        [
            ("1".into(), "exited".into(), "2025-01-01 01:00:00".into()),
            ("2".into(), "entered".into(), "2025-01-01 03:00:00".into()),
            ("3".into(), "existing".into(), "2025-01-01 02:00:00".into()),
        ]
    );
    // A fourth refresh with nothing changed: the long-gone are dropped, the rest exist.
    let r4 = refresh(4);
    assert_eq!(
        (r4.members, r4.entered, r4.existing, r4.exited),
        (2, 0, 2, 0)
    );
    assert_eq!(state().len(), 2);
    let h = membership::history(conn, "gold").unwrap();
    assert_eq!(
        h.iter()
            .map(|r| (r.members, r.entered, r.exited))
            .collect::<Vec<_>>(),
        [(2, 2, 0), (2, 1, 1), (2, 1, 1), (2, 0, 0)]
    );
    // A refresh that fails (the profile table is gone) leaves the membership as it was.
    let (_, c) = segments::compile_named(conn, dir.path(), "gold").unwrap();
    conn.execute_batch("DROP TABLE customers").unwrap();
    assert!(membership::refresh(conn, "gold", &c, t(5)).is_err());
    assert_eq!(state().len(), 2);
    assert_eq!(membership::history(conn, "gold").unwrap().len(), 4);
}

/// The job kinds: a segment refresh and an audience export run through the job model.
#[test]
fn refresh_and_export_are_jobs() {
    use clvdesk::scheduler::job::{Cancel, JobContext, JobError};
    use clvdesk::scheduler::registry::Registry;
    let (tmp, ws) = seeded();
    let conn = ws.db().conn();
    let reg = Registry::load(tmp.path());
    assert!(reg.errors.is_empty(), "{:?}", reg.errors);
    let cancel = Cancel::new(conn);
    let params = Default::default();
    let ctx = JobContext {
        conn,
        root: tmp.path(),
        params: &params,
        cancel: &cancel,
    };
    let job = reg
        .find("refresh_aurora_top_miles")
        .expect("seeded refresh job");
    assert_eq!(job.kind.label(), "segment_refresh");
    clvdesk::scheduler::kinds::validate(job, &reg, &ctx).unwrap();
    let out = clvdesk::scheduler::kinds::run(job, &reg, &ctx).unwrap();
    assert_eq!(
        out.rows,
        count_named(conn, tmp.path(), "aurora_top_miles").unwrap()
    );
    assert!(out.rows > 0);
    let export = reg.find("export_aurora_top_miles").unwrap();
    let out = clvdesk::scheduler::kinds::run(export, &reg, &ctx).unwrap();
    assert!(out.summary.contains("exported"), "{}", out.summary);
    // An unknown segment is an invalid definition, not a failed run.
    std::fs::write(
        tmp.path().join("jobs/refresh_ghost.toml"),
        "kind = \"segment_refresh\"\nsegment = \"ghost\"\n",
    )
    .unwrap();
    let reg = Registry::load(tmp.path());
    let ghost = reg.find("refresh_ghost").unwrap();
    assert!(matches!(
        clvdesk::scheduler::kinds::validate(ghost, &reg, &ctx),
        Err(JobError::Invalid(_))
    ));
}

/// The Segments tab in the whole app: build a two-condition segment with keys and see the
/// preview count, equal to a hand count.
#[test]
fn the_segments_tab_builds_a_segment_with_keys() {
    use clvdesk::tui::headless::Headless;
    use clvdesk::tui::panes::segments::{PreviewState, SegmentsPane};
    use clvdesk::tui::{App, AppOptions};
    use crossterm::event::{KeyCode, KeyModifiers};

    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("ws");
    let ws = clvdesk::scheduler::starters::open_folder(&root).unwrap();
    let want = hand(
        ws.db().conn(),
        "SELECT count(*) FROM customers WHERE loyalty_status = 'Nova' AND customer_id IN (SELECT customer_id FROM clv_predictions WHERE p_alive > 0.6)",
    );
    let app = App::new(AppOptions {
        workspace: ws,
        theme: None,
        config_dir: Some(tmp.path().join("config")),
    });
    let mut ui = Headless::new(app, 150, 40);
    ui.settle();
    ui.app.key(KeyCode::Char('5'), KeyModifiers::ALT);
    let screen = ui.settle();
    assert!(screen.contains("aurora_top_miles"), "{screen}");
    let typ = |ui: &mut Headless, s: &str| {
        for c in s.chars() {
            ui.app.key(KeyCode::Char(c), KeyModifiers::NONE);
        }
    };
    let enter = |ui: &mut Headless| {
        ui.app.key(KeyCode::Enter, KeyModifiers::NONE);
        ui.settle()
    };
    // n: a new segment.
    typ(&mut ui, "n");
    typ(&mut ui, "nova_alive");
    enter(&mut ui);
    // a: an attribute condition; its fields open at once.
    typ(&mut ui, "a");
    typ(&mut ui, "attribute");
    enter(&mut ui);
    typ(&mut ui, "column");
    enter(&mut ui);
    typ(&mut ui, "loyalty_status");
    enter(&mut ui);
    typ(&mut ui, "op");
    enter(&mut ui);
    typ(&mut ui, "equals");
    enter(&mut ui);
    typ(&mut ui, "value");
    let values = enter(&mut ui);
    // The column's distinct values are offered.
    assert!(
        values.contains("Aurora") && values.contains("Star"),
        "{values}"
    );
    typ(&mut ui, "Nova");
    enter(&mut ui);
    ui.app.key(KeyCode::Esc, KeyModifiers::NONE);
    // a: a CLV condition, p_alive > 0.6.
    typ(&mut ui, "a");
    typ(&mut ui, "clv");
    enter(&mut ui);
    typ(&mut ui, "value");
    enter(&mut ui);
    for _ in 0..5 {
        ui.app.key(KeyCode::Backspace, KeyModifiers::NONE);
    }
    typ(&mut ui, "0.6");
    enter(&mut ui);
    ui.app.key(KeyCode::Esc, KeyModifiers::NONE);
    let screen = ui.settle();
    let pane = ui.app.panes[4]
        .as_any()
        .downcast_ref::<SegmentsPane>()
        .unwrap();
    let count = match &pane.preview {
        PreviewState::Ready(p) => p.count,
        other => panic!("{other:?}\n{screen}"),
    };
    assert_eq!(count, want, "{screen}");
    assert!(screen.contains("loyalty_status = \"Nova\""), "{screen}");
    assert!(screen.contains("CLV p_alive > 0.6"), "{screen}");
    assert!(
        screen.contains(&format!("{want} members"))
            || screen.contains(&clvdesk::engine::format::group_thousands(&want.to_string())),
        "{screen}"
    );
    // The file is there and compiles to the same count.
    let text = std::fs::read_to_string(root.join("segments/nova_alive.toml")).unwrap();
    assert!(text.contains("p_alive") && text.contains("Nova"), "{text}");
}
