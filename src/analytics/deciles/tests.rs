//! Unit tests of the decile job spec and the SQL generator.

use super::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn loyalty() -> DecileJob {
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
    j.windows = vec![
        Window::M1,
        Window::M3,
        Window::M6,
        Window::M12,
        Window::Lifetime,
    ];
    j.filter = Some("transaction_type = 'STATUS_MILES'".into());
    j
}

#[test]
fn window_bounds_include_as_of_day() {
    let b = window_bounds(Mode::Window, d("2025-12-31"), Window::M1);
    assert_eq!(b.start, Some(d("2025-12-01")));
    assert_eq!(b.end, d("2026-01-01"));
    let b = window_bounds(Mode::Window, d("2025-12-31"), Window::M12);
    assert_eq!(b.start, Some(d("2025-01-01")));
    let b = window_bounds(Mode::Window, d("2025-12-31"), Window::Lifetime);
    assert_eq!((b.start, b.end), (None, d("2026-01-01")));
}

#[test]
fn window_bounds_mid_month_and_month_end_clamp() {
    let b = window_bounds(Mode::Window, d("2025-06-14"), Window::M3);
    assert_eq!((b.start, b.end), (Some(d("2025-03-15")), d("2025-06-15")));
    // end = 2025-03-31; one month back clamps to the end of February.
    let b = window_bounds(Mode::Window, d("2025-03-30"), Window::M1);
    assert_eq!((b.start, b.end), (Some(d("2025-02-28")), d("2025-03-31")));
}

#[test]
fn cumulative_bounds_move_the_end_back() {
    let b = window_bounds(Mode::Cumulative, d("2025-12-31"), Window::M3);
    assert_eq!((b.start, b.end), (None, d("2025-10-01")));
    let b = window_bounds(Mode::Cumulative, d("2025-12-31"), Window::Lifetime);
    assert_eq!((b.start, b.end), (None, d("2026-01-01")));
}

#[test]
fn labels_round_trip() {
    for w in Window::ALL {
        assert_eq!(Window::from_label(w.label()), Some(w));
    }
    assert_eq!(Window::from_months(9), Some(Window::M9));
    assert_eq!(Window::from_months(2), None);
    assert_eq!(Window::from_label("LIFETIME"), Some(Window::Lifetime));
    assert_eq!(Mode::from_label("Cumulative"), Some(Mode::Cumulative));
}

#[test]
fn validate_buckets() {
    let mut j = loyalty();
    for k in [4, 10, 100] {
        j.buckets = k;
        assert!(j.validate().is_ok());
    }
    j.buckets = 5;
    assert_eq!(j.validate().unwrap_err().key, "buckets");
}

#[test]
fn validate_names_and_fragments() {
    let mut j = loyalty();
    j.name = "bad name".into();
    assert_eq!(j.validate().unwrap_err().key, "name");

    let mut j = loyalty();
    j.metric = "miles; DROP TABLE customers".into();
    assert_eq!(j.validate().unwrap_err().key, "metric");

    let mut j = loyalty();
    j.filter = Some("a = 1) OR (1 = 1".into());
    assert_eq!(j.validate().unwrap_err().key, "filter");

    // `;` and parentheses inside quotes and comments are fine.
    let mut j = loyalty();
    j.filter = Some("details <> 'a;b)' -- (note".into());
    assert!(j.validate().is_ok());

    let mut j = loyalty();
    j.category_key = None;
    assert_eq!(j.validate().unwrap_err().key, "category_key");

    let mut j = loyalty();
    j.output_prefix = "1x".into();
    assert_eq!(j.validate().unwrap_err().key, "output_prefix");

    let mut j = loyalty();
    j.windows = vec![Window::M3, Window::M1];
    assert_eq!(j.validate().unwrap_err().key, "windows");
    j.windows.clear();
    assert_eq!(j.validate().unwrap_err().key, "windows");

    // Every smuggling payload is refused by name, for either key.
    for frag in crate::sql::SMUGGLED_FOR_TESTS {
        let mut j = loyalty();
        j.metric = frag.to_string();
        assert_eq!(j.validate().unwrap_err().key, "metric", "{frag}");
        let mut j = loyalty();
        j.filter = Some(frag.to_string());
        assert_eq!(j.validate().unwrap_err().key, "filter", "{frag}");
    }

    let mut j = loyalty();
    j.source = "a.b.c".into();
    assert_eq!(j.validate().unwrap_err().key, "source");
    j.source = "main.loyalty".into();
    assert!(j.validate().is_ok());
}

#[test]
fn default_prefix_is_a_plain_name() {
    assert_eq!(default_prefix("loyalty-miles"), "loyalty_miles");
    assert_eq!(default_prefix("2024_q1"), "_2024_q1");
    assert!(is_plain_name(&default_prefix("2024-q1")));
}

#[test]
fn required_columns_follow_the_category_source() {
    let j = loyalty();
    let req = j.required_columns();
    assert_eq!(req.len(), 2);
    assert_eq!(req[0].table, "loyalty_transactions");
    assert_eq!(
        req[0].columns,
        vec![
            ("identity", "member_id".to_string()),
            ("date_column", "txn_date".to_string())
        ]
    );
    assert_eq!(req[1].table, "customers");
    assert_eq!(
        req[1].columns[1],
        ("category", "loyalty_status".to_string())
    );

    let mut j = loyalty();
    j.category_table = None;
    j.category_key = None;
    let req = j.required_columns();
    assert_eq!(req.len(), 1);
    assert_eq!(
        req[0].columns[2],
        ("category", "loyalty_status".to_string())
    );
}

#[test]
fn sql_for_the_starter_job() {
    let sql = loyalty().build_sql(d("2025-12-31")).unwrap();
    assert_eq!(sql.long_table, "loyalty_miles_deciles");
    assert_eq!(sql.profile_table, "loyalty_miles_deciles_profile");
    assert_eq!(sql.statements.len(), 2);
    let long = &sql.statements[0];
    assert!(long.starts_with("CREATE OR REPLACE TABLE \"loyalty_miles_deciles\" AS"));
    assert!(long.contains("FROM \"loyalty_transactions\""));
    assert!(long.contains("\"txn_date\" < DATE '2026-01-01'"));
    assert!(long.contains("(transaction_type = 'STATUS_MILES')"));
    assert!(long.contains(
        "JOIN (SELECT DISTINCT \"customer_id\" AS id, \"loyalty_status\" AS category FROM \"customers\") AS dim"
    ));
    assert!(long.contains("sum(v) FILTER (WHERE d >= DATE '2025-12-01') AS \"t_1m\""));
    assert!(long.contains("sum(v) FILTER (WHERE d >= DATE '2025-01-01') AS \"t_12m\""));
    assert!(long.contains("sum(v) AS \"t_lifetime\""));
    assert!(long.contains(
        "NTILE(10) OVER (PARTITION BY lookback, category ORDER BY total DESC, id) AS bucket"
    ));
    assert!(!long.contains("t_9m"));
    // Lifetime present: no lower bound on the scan.
    assert!(!long.contains("\"txn_date\" >="));
    let profile = &sql.statements[1];
    assert!(profile.contains("SELECT DISTINCT \"member_id\" AS id FROM \"loyalty_transactions\""));
    assert!(profile.contains("coalesce(w4.m, MAP {}) AS \"buckets_lifetime\""));
    assert!(profile.contains("FROM \"loyalty_miles_deciles\" AS l"));
    assert!(profile.contains(
        "LEFT JOIN (SELECT id, m FROM maps WHERE lookback = '3m') AS w1 ON w1.id = ids.id"
    ));
    assert!(profile.contains("coalesce(w1.m, MAP {}) AS \"buckets_3m\""));
    let script = sql.script("decile job loyalty_miles\nas_of 2025-12-31");
    assert!(
        script.starts_with("-- decile job loyalty_miles\n-- as_of 2025-12-31\nBEGIN TRANSACTION;")
    );
    assert!(script.trim_end().ends_with("COMMIT;"));
}

#[test]
fn window_mode_without_lifetime_bounds_the_scan() {
    let mut j = loyalty();
    j.windows = vec![Window::M1, Window::M6];
    let sql = j.build_sql(d("2025-12-31")).unwrap();
    assert!(sql.statements[0].contains("\"txn_date\" >= DATE '2025-07-01'"));
}

#[test]
fn cumulative_mode_sums_everything_before_the_cutoff() {
    let mut j = loyalty();
    j.mode = Mode::Cumulative;
    j.windows = vec![Window::M3, Window::Lifetime];
    let sql = j.build_sql(d("2025-12-31")).unwrap();
    let long = &sql.statements[0];
    assert!(long.contains("sum(v) FILTER (WHERE d < DATE '2025-10-01') AS \"t_3m\""));
    assert!(long.contains("sum(v) AS \"t_lifetime\""));
    assert!(!long.contains("d >="));
}

#[test]
fn identifiers_are_quoted_and_category_may_live_in_the_source() {
    let mut j = DecileJob::new("x", "main.we\"ird", "cust id", "amount * 2", "seg\"x", "ts");
    j.buckets = 4;
    j.windows = vec![Window::M9];
    let sql = j.build_sql(d("2024-02-29")).unwrap();
    let long = &sql.statements[0];
    assert!(long.contains("FROM \"main\".\"we\"\"ird\""));
    assert!(long.contains(
        "SELECT \"cust id\" AS id, \"seg\"\"x\" AS category, \"ts\" AS d, (amount * 2) AS v"
    ));
    assert!(long.contains("NTILE(4)"));
    assert!(!long.contains("JOIN"));
    // 2024-03-01 - 9 months
    assert!(long.contains("d >= DATE '2023-06-01'"));
}

#[test]
fn line_comment_in_a_fragment_cannot_swallow_the_rest() {
    let mut j = loyalty();
    j.metric = "miles -- status miles".into();
    let sql = j.build_sql(d("2025-12-31")).unwrap();
    assert!(sql.statements[0].contains("(miles -- status miles\n) AS v"));
}

#[test]
fn latest_date_query() {
    assert_eq!(
        loyalty().latest_date_sql(),
        "SELECT CAST(max(\"txn_date\") AS DATE) FROM \"loyalty_transactions\""
    );
}
