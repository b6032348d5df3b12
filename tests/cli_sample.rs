//! `clvdesk sample` through the binary: determinism, the fixed schema (read
//! back with DuckDB the way seeding and ingest will read it), usage errors.

use std::path::Path;

use assert_cmd::Command;

const FILES: [&str; 5] = [
    "customers.csv",
    "loyalty_transactions.csv",
    "email_campaigns.csv",
    "email_events.csv",
    "truth.json",
];

fn sample(n: u64, seed: u64, out: &Path, threads: Option<&str>) {
    let mut cmd = Command::cargo_bin("clvdesk").unwrap();
    cmd.args([
        "sample",
        "--customers",
        &n.to_string(),
        "--seed",
        &seed.to_string(),
        "--out",
    ])
    .arg(out);
    if let Some(t) = threads {
        cmd.env("RAYON_NUM_THREADS", t);
    }
    // stdout is for data; the summary goes to stderr.
    cmd.assert().success().stdout("");
}

fn read(dir: &Path, f: &str) -> Vec<u8> {
    std::fs::read(dir.join(f)).unwrap()
}

#[test]
fn same_seed_gives_identical_files_at_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    // More than one chunk (4096 customers), so chunk ordering is exercised.
    sample(9000, 5, &a, None);
    sample(9000, 5, &b, Some("1"));
    sample(9000, 6, &c, Some("3"));
    for f in FILES {
        assert_eq!(read(&a, f), read(&b, f), "{f} differs for the same seed");
    }
    for f in FILES {
        assert_ne!(
            read(&a, f),
            read(&c, f),
            "{f} identical for different seeds"
        );
    }
    // No temporary files are left behind.
    let names: Vec<_> = std::fs::read_dir(&a)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), FILES.len(), "{names:?}");
}

fn count(db: &duckdb::Connection, sql: &str) -> i64 {
    db.query_row(sql, [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[test]
fn files_follow_the_fixed_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let n = 1500;
    sample(n, 7, &dir, None);

    let first_line = |f| {
        let s = String::from_utf8(read(&dir, f)).unwrap();
        s.lines().next().unwrap().to_string()
    };
    assert_eq!(
        first_line("customers.csv"),
        "customer_id,email,first_name,last_name,country,loyalty_status,signup_date"
    );
    assert_eq!(
        first_line("loyalty_transactions.csv"),
        "member_id,txn_date,transaction_type,details,miles,amount"
    );
    assert_eq!(
        first_line("email_campaigns.csv"),
        "campaign_id,name,subject,sent_at,audience"
    );
    assert_eq!(
        first_line("email_events.csv"),
        "campaign_id,customer_id,event_type,event_ts"
    );

    let truth: serde_json::Value = serde_json::from_slice(&read(&dir, "truth.json")).unwrap();
    assert_eq!(truth["seed"], 7);
    assert_eq!(truth["customers"], n);
    assert_eq!(truth["start_date"], "2024-01-01");
    assert_eq!(truth["calibration_end"], "2025-06-30");
    assert_eq!(truth["observation_end"], "2025-12-31");
    assert_eq!(truth["time_unit"], "weeks");
    for k in ["r", "alpha", "a", "b"] {
        assert!(truth["bgnbd"][k].as_f64().unwrap() > 0.0, "bgnbd.{k}");
    }
    for k in ["p", "q", "v"] {
        assert!(
            truth["gamma_gamma"][k].as_f64().unwrap() > 0.0,
            "gamma_gamma.{k}"
        );
    }

    // DuckDB's CSV sniffer must see exactly the documented types.
    let db = duckdb::Connection::open_in_memory().unwrap();
    let expected: [(&str, &[(&str, &str)]); 4] = [
        (
            "customers",
            &[
                ("customer_id", "BIGINT"),
                ("email", "VARCHAR"),
                ("first_name", "VARCHAR"),
                ("last_name", "VARCHAR"),
                ("country", "VARCHAR"),
                ("loyalty_status", "VARCHAR"),
                ("signup_date", "DATE"),
            ],
        ),
        (
            "loyalty_transactions",
            &[
                ("member_id", "BIGINT"),
                ("txn_date", "DATE"),
                ("transaction_type", "VARCHAR"),
                ("details", "VARCHAR"),
                ("miles", "BIGINT"),
                ("amount", "DOUBLE"),
            ],
        ),
        (
            "email_campaigns",
            &[
                ("campaign_id", "BIGINT"),
                ("name", "VARCHAR"),
                ("subject", "VARCHAR"),
                ("sent_at", "TIMESTAMP"),
                ("audience", "VARCHAR"),
            ],
        ),
        (
            "email_events",
            &[
                ("campaign_id", "BIGINT"),
                ("customer_id", "BIGINT"),
                ("event_type", "VARCHAR"),
                ("event_ts", "TIMESTAMP"),
            ],
        ),
    ];
    for (table, cols) in expected {
        let path = dir.join(format!("{table}.csv"));
        db.execute_batch(&format!(
            "CREATE TABLE {table} AS SELECT * FROM read_csv('{}')",
            path.display().to_string().replace('\'', "''")
        ))
        .unwrap();
        let mut st = db.prepare(&format!("DESCRIBE {table}")).unwrap();
        let got: Vec<(String, String)> = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let want: Vec<(String, String)> = cols
            .iter()
            .map(|(c, t)| (c.to_string(), t.to_string()))
            .collect();
        assert_eq!(got, want, "{table}");
    }

    let n = n as i64;
    let q = |sql| count(&db, sql);
    assert_eq!(q("SELECT count(*) FROM customers"), n);
    assert_eq!(q("SELECT count(DISTINCT customer_id) FROM customers"), n);
    assert_eq!(q("SELECT count(DISTINCT email) FROM customers"), n);
    assert_eq!(
        q("SELECT count(*) FROM customers WHERE loyalty_status NOT IN ('Star', 'Nova', 'Aurora')"),
        0
    );
    // Every customer bought on their signup day, and nothing before or after the window.
    assert_eq!(
        q(
            "SELECT count(*) FROM customers c JOIN (SELECT member_id, min(txn_date) d \
           FROM loyalty_transactions GROUP BY 1) t ON t.member_id = c.customer_id \
           WHERE t.d = c.signup_date"
        ),
        n
    );
    assert_eq!(
        q("SELECT count(*) FROM loyalty_transactions \
           WHERE txn_date < DATE '2024-01-01' OR txn_date > DATE '2025-12-31'"),
        0
    );
    assert_eq!(
        q("SELECT count(*) FROM customers WHERE signup_date > DATE '2024-12-29'"),
        0
    );
    // Flights are a STATUS_MILES row with the fare plus an AWARD_MILES row with amount 0.
    assert_eq!(
        q("SELECT count(*) FROM loyalty_transactions \
           WHERE transaction_type NOT IN ('STATUS_MILES', 'AWARD_MILES', 'PURCHASE')"),
        0
    );
    assert_eq!(
        q(
            "SELECT count(*) FILTER (transaction_type = 'STATUS_MILES') \
           - count(*) FILTER (transaction_type = 'AWARD_MILES') FROM loyalty_transactions"
        ),
        0
    );
    assert_eq!(
        q("SELECT count(*) FROM loyalty_transactions \
           WHERE (transaction_type = 'AWARD_MILES') <> (amount = 0) OR miles <= 0"),
        0
    );
    assert_eq!(
        q(
            "SELECT count(*) FROM loyalty_transactions t LEFT JOIN customers c \
           ON c.customer_id = t.member_id WHERE c.customer_id IS NULL"
        ),
        0
    );
    // Email: 24 campaigns; events after the send, for known customers, opens
    // and clicks only where there was a send.
    assert_eq!(q("SELECT count(*) FROM email_campaigns"), 24);
    assert_eq!(
        q(
            "SELECT count(*) FROM email_events e JOIN email_campaigns c USING (campaign_id) \
           WHERE e.event_ts < c.sent_at OR e.event_ts >= TIMESTAMP '2026-01-01'"
        ),
        0
    );
    assert_eq!(
        q(
            "SELECT count(*) FROM email_events e LEFT JOIN customers c USING (customer_id) \
           WHERE c.customer_id IS NULL"
        ),
        0
    );
    assert_eq!(
        q("SELECT count(*) FROM (SELECT campaign_id, customer_id, \
             count(*) FILTER (event_type = 'send') s, count(*) FILTER (event_type = 'open') o, \
             count(*) FILTER (event_type = 'click') k \
           FROM email_events GROUP BY ALL) WHERE s <> 1 OR o > 1 OR k > o"),
        0
    );
    // A subject with a comma round-trips through CSV quoting.
    assert!(q("SELECT count(*) FROM email_campaigns WHERE subject LIKE '%,%'") > 0);
}

#[test]
fn usage_errors_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    for args in [
        vec!["sample", "--customers", "0", "--out"],
        vec!["sample", "--customers", "many", "--out"],
        vec!["sample", "--seed", "1", "--out"],
    ] {
        Command::cargo_bin("clvdesk")
            .unwrap()
            .args(&args)
            .arg(tmp.path())
            .assert()
            .code(2);
    }
}

#[test]
fn unwritable_output_fails_with_the_path() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    Command::cargo_bin("clvdesk")
        .unwrap()
        .args(["sample", "--customers", "10", "--out"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not-a-dir"));
}

/// The committed starter data is what the generator makes today: if the
/// generator changes, run sample-data/make.sh and commit the result.
#[test]
fn committed_sample_data_matches_the_generator() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    sample(4000, 7, &dir, None);
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    assert_eq!(
        read(&dir, "truth.json"),
        read(&committed, "truth.json"),
        "truth.json differs: regenerate with sample-data/make.sh"
    );
    let db = duckdb::Connection::open_in_memory().unwrap();
    let lit = |p: &Path| format!("'{}'", p.display().to_string().replace('\'', "''"));
    for table in [
        "customers",
        "loyalty_transactions",
        "email_campaigns",
        "email_events",
    ] {
        let csv = lit(&dir.join(format!("{table}.csv")));
        let parquet = lit(&committed.join(format!("{table}.parquet")));
        // Compare through the parquet's own column types.
        let sql = format!(
            "WITH p AS (SELECT * FROM read_parquet({parquet})), \
             c AS (SELECT * FROM read_csv({csv})) \
             SELECT (SELECT count(*) FROM p), (SELECT count(*) FROM c), \
             (SELECT count(*) FROM (SELECT * FROM c EXCEPT ALL SELECT * FROM p)), \
             (SELECT count(*) FROM (SELECT * FROM p EXCEPT ALL SELECT * FROM c))"
        );
        let (np, nc, c_only, p_only): (i64, i64, i64, i64) = db
            .query_row(&sql, [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .unwrap_or_else(|e| panic!("{table}: {e}"));
        assert_eq!(
            (np, c_only, p_only),
            (nc, 0, 0),
            "{table}: regenerate with sample-data/make.sh"
        );
    }
}

#[test]
fn a_failed_replacement_leaves_the_previous_set_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    sample(300, 1, &dir, None);
    let before: Vec<Vec<u8>> = FILES[..4].iter().map(|f| read(&dir, f)).collect();
    // A folder where the new truth.json must go: the set cannot be replaced.
    std::fs::remove_file(dir.join("truth.json")).unwrap();
    std::fs::create_dir(dir.join("truth.json")).unwrap();
    std::fs::write(dir.join("truth.json/keep.txt"), "mine").unwrap();
    Command::cargo_bin("clvdesk")
        .unwrap()
        .args(["sample", "--customers", "300", "--seed", "2", "--out"])
        .arg(&dir)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("truth.json"));
    for (f, old) in FILES[..4].iter().zip(&before) {
        assert!(
            &read(&dir, f) == old,
            "{f} was replaced: old and new files mixed"
        );
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("truth.json/keep.txt")).unwrap(),
        "mine"
    );
    let hidden: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .chain(std::fs::read_dir(&dir).unwrap())
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "{hidden:?}");
}
