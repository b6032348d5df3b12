//! Decile jobs against real DuckDB: the generated tables are compared with an
//! independent formulation written here (per-window range joins instead of FILTER
//! aggregates, `row_number()` and count arithmetic instead of NTILE).

use chrono::NaiveDate;
use clvdesk::analytics::deciles::{AsOf, DecileJob, Mode, Window};
use clvdesk::scheduler::jobs::{
    DecileRunError, run_decile_job, run_decile_job_file, seed_starter_deciles_in,
};
use clvdesk::workspace::decile_jobs;
use duckdb::{Connection, params};
use rand::{Rng, SeedableRng};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// The sample schema, small, with the awkward cases spelled out:
/// - members 1..=300 random (many tied totals: miles are multiples of 100, 1 in 17 NULL);
/// - category `Tiny` has 3 members (fewer than the buckets);
/// - members 281..=300 have no customer row (no category: not ranked, still profiled);
/// - customer 10 appears twice (duplicate dimension rows must not double totals);
/// - 301 is active only long ago, 302's 1m rows have NULL miles only, 303 has only
///   AWARD_MILES rows, 304 has rows on the as-of day and the day after, 305/306 sit on
///   the first day of the 1m window and the day before it;
/// - rows run past the as-of date (to mid-July 2025) and must be ignored.
fn sample_db() -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "CREATE TABLE customers(customer_id BIGINT, email VARCHAR, first_name VARCHAR,
            last_name VARCHAR, country VARCHAR, loyalty_status VARCHAR, signup_date DATE);
         CREATE TABLE loyalty_transactions(member_id BIGINT, txn_date DATE,
            transaction_type VARCHAR, details VARCHAR, miles BIGINT, amount DOUBLE);",
    )
    .unwrap();
    {
        let mut app = conn.appender("customers").unwrap();
        let statuses = ["Star", "Nova", "Aurora"];
        for i in (1..=280).chain(301..=310).chain([10]) {
            let status = if i <= 3 {
                "Tiny"
            } else {
                statuses[(i % 3) as usize]
            };
            app.append_row(params![i, "x@y", "a", "b", "NZ", status, d("2024-01-01")])
                .unwrap();
        }
    }
    let mut rng = rand_pcg::Pcg64::seed_from_u64(7);
    let kinds = ["STATUS_MILES", "AWARD_MILES", "PURCHASE"];
    let start = d("2024-01-01");
    let mut app = conn.appender("loyalty_transactions").unwrap();
    for _ in 0..6000 {
        let member: i64 = rng.random_range(1..=300);
        let day = start + chrono::Days::new(rng.random_range(0..=560));
        let kind = kinds[rng.random_range(0..3)];
        let miles: Option<i64> = if rng.random_range(0..17) == 0 {
            None
        } else {
            Some(100 * rng.random_range(0..5))
        };
        app.append_row(params![member, day, kind, "", miles, 1.0])
            .unwrap();
    }
    let special: [(i64, &str, &str, Option<i64>); 11] = [
        (301, "2024-02-10", "STATUS_MILES", Some(900)),
        (302, "2025-06-10", "STATUS_MILES", None),
        (302, "2025-06-11", "STATUS_MILES", None),
        (302, "2025-03-15", "STATUS_MILES", Some(200)),
        (303, "2025-06-20", "AWARD_MILES", Some(500)),
        (304, "2025-06-30", "STATUS_MILES", Some(700)),
        (304, "2025-07-01", "STATUS_MILES", Some(100_000)),
        (305, "2025-06-01", "STATUS_MILES", Some(300)),
        (306, "2025-05-31", "STATUS_MILES", Some(300)),
        (10, "2025-06-15", "STATUS_MILES", Some(400)),
        (10, "2025-06-16", "STATUS_MILES", Some(400)),
    ];
    for (m, day, kind, miles) in special {
        app.append_row(params![m, d(day), kind, "", miles, 0.0])
            .unwrap();
    }
    drop(app);
    conn
}

fn loyalty_job(as_of: &str) -> DecileJob {
    let mut j = DecileJob::new(
        "loyalty_miles",
        "loyalty_transactions",
        "member_id",
        "miles",
        "loyalty_status",
        "txn_date",
    );
    j.category_table = Some("customers".into());
    j.category_key = Some("customer_id".into());
    j.filter = Some("transaction_type = 'STATUS_MILES'".into());
    j.as_of = AsOf::Date(d(as_of));
    j
}

/// Bounds written out by hand for as_of = 2025-06-30 (end = 2025-07-01).
fn bounds_0630(mode: Mode) -> Vec<(&'static str, &'static str, &'static str)> {
    match mode {
        Mode::Window => vec![
            ("1m", "2025-06-01", "2025-07-01"),
            ("3m", "2025-04-01", "2025-07-01"),
            ("6m", "2025-01-01", "2025-07-01"),
            ("9m", "2024-10-01", "2025-07-01"),
            ("12m", "2024-07-01", "2025-07-01"),
            ("lifetime", "1900-01-01", "2025-07-01"),
        ],
        Mode::Cumulative => vec![
            ("1m", "1900-01-01", "2025-06-01"),
            ("3m", "1900-01-01", "2025-04-01"),
            ("6m", "1900-01-01", "2025-01-01"),
            ("9m", "1900-01-01", "2024-10-01"),
            ("12m", "1900-01-01", "2024-07-01"),
            ("lifetime", "1900-01-01", "2025-07-01"),
        ],
    }
}

/// The expected long table, formulated independently of the generator.
/// `totals` must yield (lookback, id, category, total) for one window given `lo`/`hi`.
fn expected_sql(bounds: &[(&str, &str, &str)], k: i64, totals: &str) -> String {
    let values: Vec<String> = bounds
        .iter()
        .map(|(l, lo, hi)| format!("('{l}', DATE '{lo}', DATE '{hi}')"))
        .collect();
    format!(
        "WITH w(lookback, lo, hi) AS (VALUES {}),
         tot AS ({totals}),
         r AS (SELECT *, row_number() OVER (PARTITION BY lookback, category ORDER BY total DESC, id) AS rn,
                         count(*) OVER (PARTITION BY lookback, category) AS n FROM tot),
         s AS (SELECT *, n // {k} AS q, n % {k} AS rem FROM r)
         SELECT id, lookback, category,
                CASE WHEN rn <= rem * (q + 1) THEN (rn - 1) // (q + 1) + 1
                     ELSE rem + (rn - 1 - rem * (q + 1)) // q + 1 END AS bucket,
                total
         FROM s",
        values.join(", ")
    )
}

const LOYALTY_TOTALS: &str = "
    SELECT w.lookback, t.member_id AS id, c.loyalty_status AS category, sum(t.miles) AS total
    FROM w JOIN loyalty_transactions t ON t.txn_date >= w.lo AND t.txn_date < w.hi
    JOIN (SELECT DISTINCT customer_id, loyalty_status FROM customers) c ON c.customer_id = t.member_id
    WHERE t.transaction_type = 'STATUS_MILES' AND c.loyalty_status IS NOT NULL
    GROUP BY ALL HAVING sum(t.miles) IS NOT NULL";

fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{e}\n{sql}"))
}

/// Both directions of EXCEPT ALL are empty, and the table is not trivially empty.
fn assert_same(conn: &Connection, table: &str, expected: &str) {
    let n = count(conn, &format!("SELECT count(*) FROM {table}"));
    assert!(n > 0, "{table} is empty");
    let missing = count(
        conn,
        &format!(
            "SELECT count(*) FROM (({expected}) EXCEPT ALL (SELECT id, lookback, category, bucket, total FROM {table}))"
        ),
    );
    let extra = count(
        conn,
        &format!(
            "SELECT count(*) FROM ((SELECT id, lookback, category, bucket, total FROM {table}) EXCEPT ALL ({expected}))"
        ),
    );
    assert_eq!(
        (missing, extra),
        (0, 0),
        "{table} differs from the expectation"
    );
}

fn bucket_of(conn: &Connection, id: i64, lookback: &str) -> Option<i64> {
    conn.query_row(
        "SELECT max(bucket) FROM loyalty_miles_deciles WHERE id = ? AND lookback = ?",
        params![id, lookback],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn window_mode_matches_the_independent_formulation() {
    let conn = sample_db();
    for k in [10, 4, 100] {
        let mut job = loyalty_job("2025-06-30");
        job.buckets = k as u32;
        let summary = run_decile_job(&conn, &job).unwrap();
        assert_eq!(summary.as_of, d("2025-06-30"));
        assert_same(
            &conn,
            "loyalty_miles_deciles",
            &expected_sql(&bounds_0630(Mode::Window), k, LOYALTY_TOTALS),
        );
        assert_eq!(
            summary.long_rows as i64,
            count(&conn, "SELECT count(*) FROM loyalty_miles_deciles")
        );
    }
    // The awkward members, spelled out.
    assert_eq!(bucket_of(&conn, 301, "12m"), None);
    assert!(bucket_of(&conn, 301, "lifetime").is_some());
    assert_eq!(
        bucket_of(&conn, 302, "1m"),
        None,
        "NULL-only metric is inactive"
    );
    assert_eq!(bucket_of(&conn, 302, "3m"), None);
    assert!(bucket_of(&conn, 302, "6m").is_some());
    assert_eq!(bucket_of(&conn, 303, "lifetime"), None, "filtered out");
    assert!(
        bucket_of(&conn, 304, "1m").is_some(),
        "the as-of day is included"
    );
    assert!(bucket_of(&conn, 305, "1m").is_some());
    assert_eq!(bucket_of(&conn, 306, "1m"), None);
    assert!(bucket_of(&conn, 306, "3m").is_some());
    assert_eq!(
        count(
            &conn,
            "SELECT max(total) FROM loyalty_miles_deciles WHERE id = 304 AND lookback = 'lifetime'"
        ),
        700,
        "rows after as_of are ignored"
    );
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM loyalty_miles_deciles WHERE id BETWEEN 281 AND 300"
        ),
        0,
        "identities without a category are not ranked"
    );
    // Category smaller than the bucket count: one member per bucket from the top.
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM loyalty_miles_deciles WHERE category = 'Tiny' AND lookback = 'lifetime' AND bucket > 3"
        ),
        0
    );
}

#[test]
fn duplicate_dimension_rows_do_not_double_totals() {
    let conn = sample_db();
    run_decile_job(&conn, &loyalty_job("2025-06-30")).unwrap();
    let direct = count(
        &conn,
        "SELECT sum(miles) FROM loyalty_transactions WHERE member_id = 10
           AND transaction_type = 'STATUS_MILES' AND txn_date < DATE '2025-07-01'",
    );
    let ranked = count(
        &conn,
        "SELECT total FROM loyalty_miles_deciles WHERE id = 10 AND lookback = 'lifetime'",
    );
    assert_eq!(ranked, direct);
}

#[test]
fn cumulative_mode_matches_the_independent_formulation() {
    let conn = sample_db();
    let mut job = loyalty_job("2025-06-30");
    job.mode = Mode::Cumulative;
    run_decile_job(&conn, &job).unwrap();
    assert_same(
        &conn,
        "loyalty_miles_deciles",
        &expected_sql(&bounds_0630(Mode::Cumulative), 10, LOYALTY_TOTALS),
    );
    // 306's only row is 2025-05-31: before the 1m cutoff (2025-06-01), after 3m's.
    assert!(bucket_of(&conn, 306, "1m").is_some());
    assert_eq!(bucket_of(&conn, 306, "3m"), None);
}

#[test]
fn profile_has_every_identity_and_the_long_tables_buckets() {
    let conn = sample_db();
    let summary = run_decile_job(&conn, &loyalty_job("2025-06-30")).unwrap();
    let ids = count(
        &conn,
        "SELECT count(DISTINCT member_id) FROM loyalty_transactions",
    );
    assert_eq!(
        count(&conn, "SELECT count(*) FROM loyalty_miles_deciles_profile"),
        ids
    );
    assert_eq!(summary.profile_rows as i64, ids);
    for w in Window::ALL {
        let (l, c) = (w.label(), w.profile_column());
        assert_eq!(
            count(
                &conn,
                &format!(
                    "SELECT coalesce(sum(cardinality({c})), 0) FROM loyalty_miles_deciles_profile"
                )
            ),
            count(
                &conn,
                &format!("SELECT count(*) FROM loyalty_miles_deciles WHERE lookback = '{l}'")
            ),
            "{l}"
        );
        assert_eq!(
            count(
                &conn,
                &format!(
                    "SELECT count(*) FROM loyalty_miles_deciles d JOIN loyalty_miles_deciles_profile p USING (id)
                     WHERE d.lookback = '{l}' AND p.{c}[d.category] IS DISTINCT FROM d.bucket"
                )
            ),
            0,
            "{l}"
        );
        assert_eq!(
            count(
                &conn,
                &format!("SELECT count(*) FROM loyalty_miles_deciles_profile WHERE {c} IS NULL")
            ),
            0,
            "inactive identities get an empty map, not NULL"
        );
    }
    assert_eq!(
        count(
            &conn,
            "SELECT cardinality(buckets_lifetime) + cardinality(buckets_1m) FROM loyalty_miles_deciles_profile WHERE id = 303"
        ),
        0
    );
}

#[test]
fn category_from_the_source_gives_one_map_entry_per_category() {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "CREATE TABLE purchases AS
         SELECT (i % 57) AS cust, TIMESTAMP '2025-01-01 10:00:00' + INTERVAL (i % 200) DAY AS ts,
                ['books', 'music', 'film', 'games'][1 + (i * 7 % 4)] AS product_cat,
                CASE WHEN i % 13 = 0 THEN NULL ELSE round((i * 37 % 50) * 1.5, 2) END AS amount
         FROM range(3000) t(i);",
    )
    .unwrap();
    let mut job = DecileJob::new("shop", "purchases", "cust", "amount", "product_cat", "ts");
    job.windows = vec![Window::M3, Window::Lifetime];
    job.buckets = 4;
    job.as_of = AsOf::Latest;
    let s = run_decile_job(&conn, &job).unwrap();
    // Latest date in the data: the last day is included.
    assert_eq!(s.as_of, d("2025-07-19"));
    let totals =
        "SELECT w.lookback, p.cust AS id, p.product_cat AS category, sum(p.amount) AS total
        FROM w JOIN purchases p ON p.ts >= w.lo AND p.ts < w.hi
        GROUP BY ALL HAVING sum(p.amount) IS NOT NULL";
    let bounds = [
        ("3m", "2025-04-20", "2025-07-20"),
        ("lifetime", "1900-01-01", "2025-07-20"),
    ];
    assert_same(&conn, "shop_deciles", &expected_sql(&bounds, 4, totals));
    assert!(
        count(
            &conn,
            "SELECT max(cardinality(buckets_lifetime)) FROM shop_deciles_profile"
        ) > 1
    );
    assert!(
        count(
            &conn,
            "SELECT count(*) FROM shop_deciles WHERE lookback = '3m' AND id = 0"
        ) > 0
    );
}

#[test]
fn a_failed_run_leaves_the_previous_tables() {
    let conn = sample_db();
    run_decile_job(&conn, &loyalty_job("2025-06-30")).unwrap();
    let before = count(
        &conn,
        "SELECT sum(total * bucket) FROM loyalty_miles_deciles",
    );
    // The second statement fails: a view stands where the profile table goes.
    conn.execute_batch(
        "DROP TABLE loyalty_miles_deciles_profile;
         CREATE VIEW loyalty_miles_deciles_profile AS SELECT 1 AS x;",
    )
    .unwrap();
    let err = run_decile_job(&conn, &loyalty_job("2025-03-31")).unwrap_err();
    assert!(matches!(err, DecileRunError::Sql { .. }), "{err}");
    assert_eq!(
        count(
            &conn,
            "SELECT sum(total * bucket) FROM loyalty_miles_deciles"
        ),
        before
    );
    assert!(conn.is_autocommit(), "the transaction was closed");
    // A metric that fails at run time, likewise.
    conn.execute_batch("DROP VIEW loyalty_miles_deciles_profile")
        .unwrap();
    let mut job = loyalty_job("2025-03-31");
    job.metric = "CAST(details || 'x' AS INTEGER)".into();
    assert!(run_decile_job(&conn, &job).is_err());
    assert_eq!(
        count(
            &conn,
            "SELECT sum(total * bucket) FROM loyalty_miles_deciles"
        ),
        before
    );
}

#[test]
fn catalog_errors_name_the_key() {
    let conn = sample_db();
    let key_of = |job: &DecileJob| match run_decile_job(&conn, job) {
        Err(DecileRunError::Catalog { key, message, .. }) => (key, message),
        other => panic!("{other:?}"),
    };
    let mut j = loyalty_job("2025-06-30");
    j.identity = "member".into();
    let (key, msg) = key_of(&j);
    assert_eq!(key, "identity");
    assert!(msg.contains("member_id"), "lists the columns: {msg}");

    let mut j = loyalty_job("2025-06-30");
    j.source = "loyalty".into();
    assert_eq!(key_of(&j).0, "source");

    let mut j = loyalty_job("2025-06-30");
    j.category = "status".into();
    assert_eq!(key_of(&j).0, "category");

    let mut j = loyalty_job("2025-06-30");
    j.date_column = "details".into();
    assert_eq!(key_of(&j).0, "date_column");

    let mut j = loyalty_job("2025-06-30");
    j.category_key = Some("id".into());
    assert_eq!(key_of(&j).0, "category_key");

    let mut j = loyalty_job("2025-06-30");
    j.output_prefix = "customers".into();
    conn.execute_batch("CREATE TABLE customers_deciles AS SELECT 1 AS member_id")
        .unwrap();
    j.source = "customers_deciles".into();
    j.identity = "member_id".into();
    assert_eq!(key_of(&j).0, "output_prefix");

    // Quoting: identifiers with odd characters work.
    conn.execute_batch(
        "CREATE TABLE \"odd \"\"log\"(\"who id\" BIGINT, \"when\" DATE, \"cat\"\"x\" VARCHAR, v INT);
         INSERT INTO \"odd \"\"log\" VALUES (1, DATE '2025-01-01', 'a', 5), (2, DATE '2025-01-02', 'a', 7);",
    )
    .unwrap();
    let j = DecileJob::new("odd", "odd \"log", "WHO ID", "v", "cat\"x", "when");
    let s = run_decile_job(&conn, &j).unwrap();
    assert_eq!(s.as_of, d("2025-01-02"));
    assert_eq!(
        count(
            &conn,
            "SELECT bucket FROM odd_deciles WHERE id = 2 AND lookback = '1m'"
        ),
        1
    );
}

#[test]
fn starter_job_is_seeded_run_and_kept_when_edited() {
    let conn = sample_db();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(decile_jobs::DIR);
    let runs = seed_starter_deciles_in(&conn, &dir).unwrap();
    assert_eq!(runs.len(), 1);
    let s = &runs[0];
    assert_eq!(s.job, "loyalty_miles");
    let max_date: NaiveDate = conn
        .query_row("SELECT max(txn_date) FROM loyalty_transactions", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(s.as_of, max_date);
    assert_eq!(
        s.ranked.iter().map(|(w, _)| w.label()).collect::<Vec<_>>(),
        ["1m", "3m", "6m", "12m", "lifetime"]
    );
    assert!(s.ranked.iter().all(|(_, n)| *n > 0));
    let comment: String = conn
        .query_row(
            "SELECT comment FROM duckdb_tables() WHERE table_name = 'loyalty_miles_deciles'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(comment, s.sql);
    assert!(comment.contains("BEGIN TRANSACTION;"));

    // An edited file survives seeding and is what runs.
    let path = decile_jobs::job_path(&dir, "loyalty_miles");
    let mut job = decile_jobs::load_job(&path).unwrap();
    job.buckets = 4;
    decile_jobs::save_job(&dir, &job).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("# Starter decile job"), "comments kept");
    assert!(text.contains("buckets = 4"));
    seed_starter_deciles_in(&conn, &dir).unwrap();
    assert_eq!(
        count(&conn, "SELECT max(bucket) FROM loyalty_miles_deciles"),
        4
    );
    let s = run_decile_job_file(&conn, &dir, "loyalty_miles").unwrap();
    assert_eq!(s.job, "loyalty_miles");
    assert!(matches!(
        run_decile_job_file(&conn, &dir, "nope"),
        Err(DecileRunError::File(_))
    ));
}

#[test]
fn a_new_workspace_is_seeded_with_the_starter_job_on_the_sample_data() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = clvdesk::scheduler::starters::open_folder(tmp.path()).unwrap();
    let conn = ws.db().conn();
    let file = tmp.path().join("deciles/loyalty_miles.toml");
    assert!(file.is_file(), "starter job file written");
    let as_of: NaiveDate = conn
        .query_row("SELECT max(txn_date) FROM loyalty_transactions", [], |r| {
            r.get(0)
        })
        .unwrap();
    // The starter's windows, bounds computed here by hand from as_of.
    let end = as_of + chrono::Days::new(1);
    let back = |n| (end - chrono::Months::new(n)).to_string();
    let (m1, m3, m6, m12, e) = (back(1), back(3), back(6), back(12), end.to_string());
    let bounds = [
        ("1m", m1.as_str(), e.as_str()),
        ("3m", m3.as_str(), e.as_str()),
        ("6m", m6.as_str(), e.as_str()),
        ("12m", m12.as_str(), e.as_str()),
        ("lifetime", "1900-01-01", e.as_str()),
    ];
    assert_same(
        conn,
        "loyalty_miles_deciles",
        &expected_sql(&bounds, 10, LOYALTY_TOTALS),
    );
    assert_eq!(
        count(conn, "SELECT count(*) FROM loyalty_miles_deciles_profile"),
        count(
            conn,
            "SELECT count(DISTINCT member_id) FROM loyalty_transactions"
        )
    );
    // Opening again does not run the starter twice (the seed records it).
    drop(ws);
    std::fs::write(&file, "broken =").unwrap();
    let ws = clvdesk::scheduler::starters::open_folder(tmp.path()).unwrap();
    assert!(count(ws.db().conn(), "SELECT count(*) FROM loyalty_miles_deciles") > 0);
}

/// The whole app, headless: the seeded workspace's Deciles tab shows the starter
/// job's table, runs the job, and Enter makes a segment of a bucket's customers.
#[test]
fn the_deciles_tab_in_the_app() {
    use clvdesk::tui::headless::Headless;
    use clvdesk::tui::panes::deciles::{DecilesPane, RunState};
    use clvdesk::tui::{App, AppOptions};
    use crossterm::event::{KeyCode, KeyModifiers};

    let tmp = tempfile::tempdir().unwrap();
    let ws = clvdesk::scheduler::starters::open_folder(&tmp.path().join("ws")).unwrap();
    let app = App::new(AppOptions {
        workspace: ws,
        theme: None,
        config_dir: Some(tmp.path().join("config")),
    });
    let mut ui = Headless::new(app, 130, 36);
    ui.settle();
    ui.app.key(KeyCode::Char('2'), KeyModifiers::ALT);
    let screen = ui.settle();
    assert_eq!(ui.app.tab, 1);
    assert!(screen.contains("loyalty_miles"), "{screen}");
    assert!(screen.contains("100.0%"), "{screen}");
    let pane = |app: &App| -> (usize, usize) {
        let p = app.panes[1].as_any().downcast_ref::<DecilesPane>().unwrap();
        (p.window, p.category)
    };
    ui.app.key(KeyCode::Char('w'), KeyModifiers::NONE);
    ui.app.key(KeyCode::Char('c'), KeyModifiers::NONE);
    let after = ui.settle();
    assert_eq!(pane(&ui.app), (1, 1));
    assert_ne!(after, screen);

    // Run: the job runs on a worker and the table is read again.
    ui.app.key(KeyCode::Char('r'), KeyModifiers::NONE);
    let p = ui.app.panes[1]
        .as_any()
        .downcast_ref::<DecilesPane>()
        .unwrap();
    assert!(matches!(p.run, RunState::Running { .. }));
    let done = ui.settle();
    let notice = ui
        .app
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(notice.contains("ranked rows"), "{notice}\n{done}");

    // Enter: a segment of the bucket's customers (issue 10), for the Segments tab.
    ui.app.key(KeyCode::Enter, KeyModifiers::NONE);
    ui.settle();
    assert_eq!(ui.app.tab, 1);
    let notice = ui
        .app
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(notice.contains("created segment"), "{notice}");
    let made: Vec<_> = std::fs::read_dir(tmp.path().join("ws/segments"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("loyalty_miles_")
        })
        .collect();
    assert_eq!(made.len(), 1, "{notice}");
}

/// Issue 8, item 5: a job file whose metric or filter tries to close its parentheses and
/// run a second statement (here a COPY to a file) is refused, naming the key; nothing is
/// written. Each payload hides the `)` and `;` from a lexer that does not know one of
/// DuckDB's constructs: `$$` and `$tag$` strings, `E'\''`, nested comments, a `--` comment
/// ended by `\r`, backtick names.
#[test]
fn fragments_cannot_smuggle_a_second_statement() {
    let conn = sample_db();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("x.csv");
    let path = target.to_str().unwrap();
    let rest = |quote: &str| {
        format!(
            "SELECT 1; COPY (SELECT 42) TO {quote}{path}{quote}; \
             CREATE TEMP TABLE j AS WITH src AS (SELECT 1 AS id, current_date AS d, 1 AS v WHERE ("
        )
    };
    let filters = [
        format!("$$'$$ IS NOT NULL)) {}$$'$$ IS NOT NULL", rest("$$")),
        format!("$t$'$t$ IS NOT NULL)) {}$t$'$t$ IS NOT NULL", rest("'")),
        format!(r"E'\'' IS NOT NULL)) {}E'\'' IS NOT NULL", rest("'")),
        format!("1 /* /* */ ' */ = 1)) {}1 /* ' */ = 1", rest("'")),
        format!("1 = 1 -- c\r)) {}1 = 1", rest("'")),
        format!(
            "(SELECT 1 AS `'`) IS NOT NULL)) {}(SELECT 1 AS `'`) IS NOT NULL",
            rest("'")
        ),
    ];
    for filter in &filters {
        let mut job = loyalty_job("2025-06-30");
        job.filter = Some(filter.clone());
        let outcome = run_decile_job(&conn, &job);
        assert!(!target.exists(), "{filter:?} wrote {path}");
        match outcome {
            Err(DecileRunError::Spec { source, .. }) => assert_eq!(source.key, "filter"),
            other => panic!("{filter:?}: {other:?}"),
        }
    }
    let metric = format!(
        "$$'$$) AS v FROM \"loyalty_transactions\") SELECT 1; COPY (SELECT 42) TO $${path}$$; \
         CREATE TEMP TABLE j AS WITH src AS (SELECT 1 AS id, current_date AS d, ($$'$$"
    );
    let mut job = loyalty_job("2025-06-30");
    job.metric = metric.clone();
    let outcome = run_decile_job(&conn, &job);
    assert!(!target.exists(), "the metric wrote {path}");
    match outcome {
        Err(DecileRunError::Spec { source, .. }) => assert_eq!(source.key, "metric"),
        other => panic!("{metric:?}: {other:?}"),
    }
    assert!(conn.is_autocommit(), "no transaction left open");
}
