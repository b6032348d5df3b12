//! The insights model in the seeded workspace: every KPI query runs, the facts agree with
//! counts made independently over the sample tables, a re-run of the daily refresh
//! replaces its day instead of doubling it, and the audience and export facts wait for
//! the audiences feature's tables, then follow them.

use std::path::Path;

use clvdesk::scheduler::job::Cancel;
use clvdesk::scheduler::registry::Registry;
use clvdesk::scheduler::runlog::RunStatus;
use clvdesk::scheduler::runner::{self, PlannedRun, RunReport};
use clvdesk::scheduler::schedule::{Params, Trigger};
use clvdesk::scheduler::starters;
use clvdesk::workspace::definitions;
use duckdb::Connection;

fn run(root: &Path, conn: &Connection, job: &str) -> RunReport {
    let registry = Registry::load(root);
    assert!(registry.errors.is_empty(), "{:?}", registry.errors);
    let planned = PlannedRun {
        job: job.to_string(),
        schedule: None,
        trigger: Trigger::Manual,
        slot: None,
        missed: 0,
        params: Params::new(),
    };
    let r = runner::execute(conn, root, &registry, &planned, &Cancel::new(conn)).unwrap();
    assert_eq!(r.status, RunStatus::Succeeded, "{job}: {:?}", r.result);
    r
}

fn summary(r: &RunReport) -> String {
    r.result
        .as_ref()
        .map(|o| o.summary.clone())
        .unwrap_or_default()
}

fn int(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn text(conn: &Connection, sql: &str) -> String {
    conn.query_row(sql, [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Every fact table as text (row count and a checksum over all columns), to compare runs.
fn facts(conn: &Connection) -> Vec<(String, i64, String)> {
    [
        "fact_profiles_daily",
        "fact_audience_daily",
        "fact_audience_overlap",
        "fact_exports_daily",
        "fact_campaign_response",
        "fact_clv_deciles",
    ]
    .iter()
    .map(|t| {
        let n = int(conn, &format!("SELECT count(*) FROM insights.{t}"));
        let h = text(
            conn,
            &format!(
                "SELECT coalesce(sum(hash(x))::VARCHAR, '-') FROM (SELECT * FROM insights.{t}) AS x"
            ),
        );
        (t.to_string(), n, h)
    })
    .collect()
}

#[test]
fn kpi_queries_run_on_the_seeded_workspace_and_agree_with_the_sample_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = starters::open_folder(tmp.path()).unwrap();
    let conn = ws.db().conn();
    let kpis: Vec<(String, std::path::PathBuf)> = definitions::saved_queries(tmp.path())
        .into_iter()
        .filter(|(n, _)| n.starts_with("kpi/"))
        .collect();
    let names: Vec<&str> = kpis.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "kpi/audience_overlap",
            "kpi/audience_rates",
            "kpi/audience_size",
            "kpi/campaign_rates",
            "kpi/clv_deciles_by_fit",
            "kpi/exported_profiles",
            "kpi/profile_count",
            "kpi/profile_trend",
        ]
    );
    for (name, path) in &kpis {
        let sql = std::fs::read_to_string(path).unwrap();
        let n = int(
            conn,
            &format!(
                "SELECT count(*) FROM ({})",
                sql.trim().trim_end_matches(';')
            ),
        );
        // Audiences and exports are empty until the audiences feature writes its tables.
        let may_be_empty = ["audience_overlap", "audience_size", "exported_profiles"];
        assert!(
            n > 0 || may_be_empty.iter().any(|m| name.ends_with(m)),
            "{name}: no rows"
        );
    }
    // Profile count: the KPI's total equals the customers who had signed up by its day.
    let (as_of, now): (String, i64) = conn
        .query_row(
            &format!(
                "SELECT CAST(as_of AS VARCHAR), profiles_now FROM ({}) WHERE segment = 'All profiles'",
                std::fs::read_to_string(tmp.path().join("queries/kpi/profile_count.sql"))
                    .unwrap()
                    .trim()
                    .trim_end_matches(';')
            ),
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        now,
        int(
            conn,
            &format!("SELECT count(*) FROM customers WHERE signup_date <= DATE '{as_of}'")
        )
    );
    // Campaign rates: sends, opens and clicks per campaign equal a count over email_events.
    let rates = std::fs::read_to_string(tmp.path().join("queries/kpi/campaign_rates.sql")).unwrap();
    let mismatched = int(
        conn,
        &format!(
            "WITH k AS ({}), r AS (
                SELECT campaign_id, sum((event_type = 'send')::INT) AS s,
                       sum((event_type = 'open')::INT) AS o, sum((event_type = 'click')::INT) AS c
                FROM email_events GROUP BY campaign_id)
             SELECT count(*) FROM r FULL JOIN k USING (campaign_id)
             WHERE k.sends IS DISTINCT FROM r.s OR k.opens IS DISTINCT FROM r.o
                OR k.clicks IS DISTINCT FROM r.c",
            rates.trim().trim_end_matches(';')
        ),
    );
    assert_eq!(mismatched, 0);
    // Every campaign has its audience from email_campaigns.
    assert_eq!(
        int(
            conn,
            "SELECT count(*) FROM insights.campaign_daily WHERE audience = '(unknown campaign)'"
        ),
        0
    );
    // CLV deciles: ten per fit, all customers of the predictions.
    assert_eq!(
        int(
            conn,
            "SELECT sum(customers)::BIGINT FROM insights.fact_clv_deciles"
        ),
        int(conn, "SELECT count(*) FROM clv_predictions")
    );
    assert_eq!(
        int(conn, "SELECT count(*) FROM insights.fact_clv_deciles"),
        10
    );
}

#[test]
fn a_rerun_of_the_day_replaces_it_and_a_refit_adds_a_fit() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = starters::open_folder(tmp.path()).unwrap();
    let conn = ws.db().conn();
    let before = facts(conn);
    assert!(
        before
            .iter()
            .any(|(t, n, _)| t == "fact_profiles_daily" && *n > 0)
    );
    for _ in 0..2 {
        run(tmp.path(), conn, "insights_refresh");
        let r = run(tmp.path(), conn, "response_fold");
        assert!(summary(&r).contains("no new batches"), "{}", summary(&r));
        assert_eq!(facts(conn), before);
    }
    // Today's profiles, rewritten from scratch, are the same.
    let today = int(
        conn,
        "SELECT sum(profiles)::BIGINT FROM insights.fact_profiles_daily WHERE day = CAST(CAST(now() AS TIMESTAMP) AS DATE)",
    );
    assert_eq!(today, int(conn, "SELECT count(*) FROM customers"));
    // A refit: a second fit's deciles beside the first, the first kept.
    run(tmp.path(), conn, "clv_refit");
    run(tmp.path(), conn, "insights_refresh");
    assert_eq!(
        int(
            conn,
            "SELECT count(DISTINCT fit_id) * 100 + count(*) FROM insights.fact_clv_deciles"
        ),
        220
    );
}

#[test]
fn audience_and_export_facts_follow_the_membership_and_export_log() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = starters::open_folder(tmp.path()).unwrap();
    let conn = ws.db().conn();
    // The tables as segments::membership and segments::activation write them (a failed
    // export run, status 'error', is not counted).
    conn.execute_batch(
        "DELETE FROM clvdesk_meta.audience_membership;
         DELETE FROM clvdesk_meta.export_log;
         INSERT INTO clvdesk_meta.audience_membership
         SELECT audience, identity::VARCHAR, status, NULL, TIMESTAMP '2026-12-01 03:15:00', 1 FROM (
         SELECT 'A' AS audience, i AS identity, CASE WHEN i < 10 THEN 'entered' ELSE 'existing' END AS status
         FROM range(100) t(i)
         UNION ALL SELECT 'B', i, CASE WHEN i >= 140 THEN 'exited' ELSE 'existing' END FROM range(50, 150) t(i)
         UNION ALL SELECT 'C', i, 'entered' FROM range(1000, 1010) t(i));
         INSERT INTO clvdesk_meta.export_log
            (export_id, audience, destination, started_at, finished_at, mode, exported, dropped, status)
         SELECT row_number() OVER (), audience, destination, started_at, started_at, 'full', exported, dropped, status
         FROM (VALUES
            ('crm_csv', 'A', TIMESTAMP '2026-11-30 04:00:00', 90, 10, 'ok'),
            ('crm_csv', 'A', TIMESTAMP '2026-11-30 05:00:00', 5, 0, 'ok'),
            ('crm_csv', 'B', TIMESTAMP '2026-12-01 04:00:00', 80, 0, 'ok'),
            ('crm_csv', 'B', TIMESTAMP '2026-12-01 05:00:00', 70, 0, 'error'),
            ('esp_tsv', 'A', TIMESTAMP '2026-12-01 04:00:00', 95, 5, 'ok'))
            AS t(destination, audience, started_at, exported, dropped, status);",
    )
    .unwrap();
    for _ in 0..2 {
        run(tmp.path(), conn, "insights_refresh");
        // A: 100 members; B: 90 (10 exited); C: 10. A∩B = 50..99 = 50; others 0.
        let sizes = text(
            conn,
            "SELECT string_agg(audience || '=' || members || '/' || entered || '/' || exited, ' ' ORDER BY audience)
             FROM insights.fact_audience_daily",
        );
        assert_eq!(sizes, "A=100/10/0 B=90/0/10 C=10/10/0");
        let overlap =
            std::fs::read_to_string(tmp.path().join("queries/kpi/audience_overlap.sql")).unwrap();
        let pairs = text(
            conn,
            &format!(
                "SELECT string_agg(audience_a || audience_b || ':' || members_both || ':' || jaccard_pct, ' '
                                   ORDER BY audience_a, audience_b) FROM ({})",
                overlap.trim().trim_end_matches(';')
            ),
        );
        // Jaccard A,B = 50 / (100 + 90 - 50).
        assert_eq!(pairs, "AB:50:35.71 AC:0:0.0 BC:0:0.0");
        let exports = text(
            conn,
            "SELECT string_agg(destination || ':' || profiles_exported || ':' || profiles_dropped, ' '
                               ORDER BY destination)
             FROM (SELECT destination, sum(profiles_exported) AS profiles_exported,
                          sum(profiles_dropped) AS profiles_dropped
                   FROM insights.fact_exports_daily GROUP BY destination)",
        );
        assert_eq!(exports, "crm_csv:175:10 esp_tsv:95:5");
    }
    assert_eq!(
        int(
            conn,
            "SELECT count(*) FROM insights.dim_audience WHERE source = 'segment'"
        ),
        3
    );
}

#[test]
fn the_headless_fold_with_nothing_new_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    drop(starters::open_folder(tmp.path()).unwrap());
    let out = assert_cmd::Command::cargo_bin("clvdesk")
        .unwrap()
        .env("CLVDESK_WORKSPACE", tmp.path())
        .args(["--run-schedule", "--job", "response_fold", "--force"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("succeeded response_fold") && err.contains("no new batches in email_events"),
        "{err}"
    );
}
