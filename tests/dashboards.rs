//! Dashboards on real data: the starter dashboards of a seeded workspace
//! (values checked against independent SQL), bound filters, a broken widget
//! beside working ones, and the Dashboard tab driven headless (filters, layout
//! editing and saving, four slow widgets and a failing one while keys work).

use std::path::Path;
use std::time::{Duration, Instant};

use clvdesk::dashboard::model::Slot;
use clvdesk::dashboard::params::Filters;
use clvdesk::dashboard::query::Data;
use clvdesk::dashboard::render::WidgetState;
use clvdesk::dashboard::{self, file};
use clvdesk::tui::headless::Headless;
use clvdesk::tui::panes::dashboard::DashboardPane;
use clvdesk::tui::{App, AppOptions};
use clvdesk::workspace::Workspace;
use crossterm::event::{KeyCode, KeyModifiers};

fn seeded() -> (tempfile::TempDir, Workspace) {
    let dir = tempfile::tempdir().unwrap();
    let ws = clvdesk::scheduler::starters::open_folder(&dir.path().join("ws")).unwrap();
    (dir, ws)
}

fn ready(state: &WidgetState) -> &Data {
    match state {
        WidgetState::Ready { data, .. } => data,
        other => panic!("not ready: {other:?}"),
    }
}

fn one_f64(ws: &Workspace, sql: &str) -> f64 {
    ws.db().conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn titled(d: &dashboard::model::Dashboard, title: &str) -> usize {
    d.widgets
        .iter()
        .position(|w| w.title().starts_with(title))
        .unwrap_or_else(|| panic!("no widget {title}"))
}

#[test]
fn clv_starter_values_match_independent_sql() {
    let (_dir, ws) = seeded();
    let conn = ws.db().conn();
    let dash = file::load(&file::path_of(ws.root(), "clv"));
    assert!(dash.all_problems().is_empty(), "{:?}", dash.all_problems());
    let f = dashboard::initial_filters(conn, &dash, None, None, None).unwrap();
    assert_eq!(
        (f.start.to_string(), f.end.to_string()),
        ("2025-01-01".into(), "2025-12-31".into())
    );
    assert_eq!(
        dashboard::param_choices(conn, &dash).unwrap(),
        ["Aurora", "Nova", "Star"]
    );
    let states = dashboard::load_all(conn, ws.root(), &dash, &f);
    assert!(
        dashboard::failures(&dash, &states).is_empty(),
        "{:?}",
        dashboard::failures(&dash, &states)
    );

    // Mean CLV of the top decile: the top 10% by ORDER BY ... LIMIT, not ntile.
    let n = one_f64(&ws, "SELECT count(clv)::DOUBLE FROM clv_predictions");
    let top = one_f64(
        &ws,
        &format!(
            "SELECT avg(clv) FROM (SELECT clv FROM clv_predictions WHERE clv IS NOT NULL ORDER BY clv DESC LIMIT {})",
            (n / 10.0).ceil()
        ),
    );
    let bars = ready(&states[titled(&dash, "Mean predicted CLV")]);
    let got = bars.column("mean_clv").unwrap().nums[0].unwrap();
    assert!((got - top).abs() < 1e-6 * top.abs(), "{got} vs {top}");
    assert_eq!(bars.rows, 10);

    // Customers by status.
    let by_status = ready(&states[titled(&dash, "Customers by loyalty")]);
    let star = one_f64(
        &ws,
        "SELECT count(*)::DOUBLE FROM customers WHERE loyalty_status = 'Star'",
    );
    let row = by_status
        .column("loyalty_status")
        .unwrap()
        .text
        .iter()
        .position(|t| t.as_deref() == Some("Star"))
        .unwrap();
    assert_eq!(by_status.column("customers").unwrap().nums[row], Some(star));

    // Revenue per decile per month sums to the month's revenue of predicted customers.
    let spark = ready(&states[titled(&dash, "Monthly revenue")]);
    let june: f64 = (0..spark.rows)
        .filter(|&r| {
            spark.column("month").unwrap().text[r]
                .as_deref()
                .is_some_and(|t| t.starts_with("2025-06"))
        })
        .filter_map(|r| spark.column("revenue").unwrap().nums[r])
        .sum();
    let want = one_f64(
        &ws,
        "SELECT sum(amount) FROM loyalty_transactions t JOIN clv_predictions p ON p.customer_id = t.member_id
         WHERE p.clv IS NOT NULL AND t.txn_date BETWEEN DATE '2025-06-01' AND DATE '2025-06-30'",
    );
    assert!((june - want).abs() < 1e-6 * want, "{june} vs {want}");

    // Everyone buys in their first month: retention at +0 is 100%.
    let heat = ready(&states[titled(&dash, "Cohort retention")]);
    for r in 0..heat.rows {
        if heat.column("months_since").unwrap().nums[r] == Some(0.0) {
            assert_eq!(heat.column("retention").unwrap().nums[r], Some(1.0));
        }
    }

    // The drawn dashboard shows the top decile's mean as the bar's label would.
    let buf = dashboard::render_to_buffer(
        &dash,
        &states,
        &f,
        160,
        None,
        &clvdesk::tui::theme::Theme::dark(),
    );
    let text = clvdesk::tui::headless::buffer_text(&buf);
    assert!(
        text.starts_with("CLV · 2025-01-01 – 2025-12-31 · Loyalty status: all"),
        "{text}"
    );
    assert!(!text.contains('✗'), "{text}");
}

#[test]
fn filters_are_bound_never_pasted() {
    let (_dir, ws) = seeded();
    let conn = ws.db().conn();
    let dash = file::load(&file::path_of(ws.root(), "clv"));
    let i = titled(&dash, "Customers by loyalty");
    let Slot::Widget(w) = &dash.widgets[i] else {
        panic!()
    };
    let mut f = Filters::last_12_months(
        chrono::NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
        Some("Aurora".into()),
    );
    let data = ready(&dashboard::load_widget(conn, ws.root(), w, &f)).clone();
    assert_eq!(data.rows, 1);
    assert_eq!(data.columns[0].text[0].as_deref(), Some("Aurora"));
    // A value that would break pasted SQL is just a value that matches nothing.
    f.param = Some("x' OR '1'='1".into());
    assert_eq!(
        ready(&dashboard::load_widget(conn, ws.root(), w, &f)).rows,
        0
    );
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'customers'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 1);
}

#[test]
fn campaigns_starter_and_the_missing_membership_table() {
    let (_dir, ws) = seeded();
    let conn = ws.db().conn();
    let dash = file::load(&file::path_of(ws.root(), "campaigns"));
    assert!(dash.all_problems().is_empty(), "{:?}", dash.all_problems());
    let f = dashboard::initial_filters(conn, &dash, None, None, None).unwrap();
    let states = dashboard::load_all(conn, ws.root(), &dash, &f);
    assert!(
        dashboard::failures(&dash, &states).is_empty(),
        "{:?}",
        dashboard::failures(&dash, &states)
    );
    // Audience sizes come from the insights model: empty until an audience is refreshed,
    // then its members as of today.
    assert_eq!(ready(&states[titled(&dash, "Audience sizes")]).rows, 0);
    for job in ["refresh_aurora_top_miles", "insights_refresh"] {
        let registry = clvdesk::scheduler::registry::Registry::load(ws.root());
        let planned = clvdesk::scheduler::runner::PlannedRun {
            job: job.to_string(),
            schedule: None,
            trigger: clvdesk::scheduler::schedule::Trigger::Manual,
            slot: None,
            missed: 0,
            params: clvdesk::scheduler::schedule::Params::new(),
        };
        let cancel = clvdesk::scheduler::job::Cancel::new(conn);
        let r = clvdesk::scheduler::runner::execute(conn, ws.root(), &registry, &planned, &cancel)
            .unwrap();
        assert!(r.result.is_ok(), "{job}: {:?}", r.result);
    }
    let states = dashboard::load_all(conn, ws.root(), &dash, &f);
    let sizes = ready(&states[titled(&dash, "Audience sizes")]);
    let members: i64 = conn
        .query_row(
            "SELECT count(*) FROM clvdesk_meta.audience_membership
             WHERE audience = 'aurora_top_miles' AND status <> 'exited'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(members > 0);
    assert_eq!(sizes.rows, 1);
    assert_eq!(
        sizes.column("members").unwrap().nums[0],
        Some(members as f64)
    );
    let rates = ready(&states[titled(&dash, "Open and click rate")]);
    let last = rates.rows - 1;
    let month = rates.column("month").unwrap().text[last].clone().unwrap();
    let want = one_f64(
        &ws,
        &format!(
            "SELECT count(*) FILTER (WHERE event_type = 'open') / count(*) FILTER (WHERE event_type = 'send')
             FROM email_events e JOIN email_campaigns c USING (campaign_id)
             WHERE strftime(c.sent_at, '%Y-%m') = '{}'",
            &month[..7]
        ),
    );
    assert!((rates.column("open_rate").unwrap().nums[last].unwrap() - want).abs() < 1e-12);
}

const BROKEN: &str = r#"title = "Mixed"
[[widget]]
title = "Good"
kind = "number"
sql = "SELECT 41 + 1 AS answer"
at = [0, 0, 4, 5]

[[widget]]
title = "Bad kind"
kind = "pie"
sql = "SELECT 1"
at = [4, 0, 4, 5]

[[widget]]
title = "Bad SQL"
kind = "table"
sql = "SELECT * FROM no_such_table"
at = [8, 0, 4, 5]
"#;

#[test]
fn a_broken_widget_does_not_take_the_dashboard_down() {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open_database_file(&dir.path().join("w.duckdb")).unwrap();
    let path = file::path_of(ws.root(), "mixed");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, BROKEN).unwrap();
    let dash = file::load(&path);
    let f = dashboard::initial_filters(ws.db().conn(), &dash, None, None, None).unwrap();
    let states = dashboard::load_all(ws.db().conn(), ws.root(), &dash, &f);
    let fails = dashboard::failures(&dash, &states);
    assert_eq!(fails.len(), 2, "{fails:?}");
    assert!(fails[0].ends_with("mixed.toml:10: unknown kind `pie` (known: sparkline, bar, line, number, table, gauge, heatmap)"), "{fails:?}");
    assert!(
        fails[1].contains("mixed.toml:14: widget `Bad SQL`") && fails[1].contains("no_such_table"),
        "{fails:?}"
    );
    let text = clvdesk::tui::headless::buffer_text(&dashboard::render_to_buffer(
        &dash,
        &states,
        &f,
        400,
        None,
        &clvdesk::tui::theme::Theme::dark(),
    ));
    assert!(text.contains("42"), "{text}");
    assert!(text.contains("mixed.toml:10"), "{text}");
}

fn app_on(ws: Workspace, dir: &Path, w: u16, h: u16) -> Headless {
    let app = App::new(AppOptions {
        workspace: ws,
        theme: None,
        config_dir: Some(dir.join("config")),
    });
    Headless::new(app, w, h)
}

fn pane(ui: &Headless) -> &DashboardPane {
    ui.app.panes[3].as_any().downcast_ref().unwrap()
}

fn key(ui: &mut Headless, c: char) {
    ui.app.key(KeyCode::Char(c), KeyModifiers::NONE);
}

#[test]
fn the_tab_filters_moves_saves_and_switches() {
    let (dir, ws) = seeded();
    let root = ws.root().to_path_buf();
    let mut ui = app_on(ws, dir.path(), 160, 60);
    ui.settle();
    ui.app.key(KeyCode::Char('4'), KeyModifiers::ALT);
    let s = ui.settle();
    assert!(
        s.contains("CLV · 2025-01-01 – 2025-12-31 · Loyalty status: all"),
        "{s}"
    );
    assert!(
        s.contains("Mean predicted CLV by decile") && !s.contains('✗'),
        "{s}"
    );

    // Date range.
    key(&mut ui, 't');
    for _ in 0..40 {
        ui.app.key(KeyCode::Backspace, KeyModifiers::NONE);
    }
    ui.app.type_text("2025-07-01 2025-12-31\n");
    let s = ui.settle();
    assert!(s.contains("2025-07-01 – 2025-12-31"), "{s}");
    // Parameter.
    key(&mut ui, 'p');
    ui.app.type_text("Aurora\n");
    let s = ui.settle();
    assert!(s.contains("Loyalty status: Aurora"), "{s}");
    assert_eq!(
        pane(&ui).filters.as_ref().unwrap().param.as_deref(),
        Some("Aurora")
    );

    // Move the first widget two twelfths right, grow it one row, save.
    key(&mut ui, 'm');
    ui.app.key(KeyCode::Right, KeyModifiers::NONE);
    ui.app.key(KeyCode::Right, KeyModifiers::NONE);
    ui.app.key(KeyCode::Enter, KeyModifiers::NONE);
    key(&mut ui, '+');
    ui.app.key(KeyCode::Down, KeyModifiers::NONE);
    ui.app.key(KeyCode::Enter, KeyModifiers::NONE);
    assert!(ui.draw().contains("unsaved layout"));
    ui.app.key(KeyCode::Char('s'), KeyModifiers::CONTROL);
    let text = std::fs::read_to_string(root.join("dashboards/clv.toml")).unwrap();
    assert!(text.contains("at = [2, 0, 6, 12]"), "{text}");
    assert!(
        text.starts_with("# Starter dashboard: customer lifetime value"),
        "{text}"
    );
    let starter = clvdesk::dashboard::seed::STARTERS[0].1;
    assert_eq!(
        text,
        starter.replacen("at = [0, 0, 6, 11]", "at = [2, 0, 6, 12]", 1)
    );

    // Next dashboard: Campaigns; no audience has been refreshed yet, so its sizes are empty.
    key(&mut ui, ']');
    let s = ui.settle();
    assert!(
        s.contains("Campaigns · 2025-01-01 – 2025-12-31 · Audience: all · 1/2"),
        "{s}"
    );
    assert!(s.contains("no rows for these filters"), "{s}");
}

const SLOW: &str = r#"title = "Slow"
[[widget]]
title = "slow 1"
kind = "number"
sql = "SELECT count(*) AS n FROM range(4000000000) t(i) WHERE i % 7 = 3"
at = [0, 0, 3, 5]
[[widget]]
title = "slow 2"
kind = "number"
sql = "SELECT count(*) AS n FROM range(4000000000) t(i) WHERE i % 7 = 3"
at = [3, 0, 3, 5]
[[widget]]
title = "slow 3"
kind = "number"
sql = "SELECT count(*) AS n FROM range(4000000000) t(i) WHERE i % 7 = 3"
at = [6, 0, 3, 5]
[[widget]]
title = "slow 4"
kind = "number"
sql = "SELECT count(*) AS n FROM range(4000000000) t(i) WHERE i % 7 = 3"
at = [9, 0, 3, 5]
[[widget]]
title = "failing"
kind = "table"
sql = "SELECT * FROM missing_table"
at = [0, 5, 12, 5]
"#;

#[test]
fn four_slow_widgets_and_a_failing_one_leave_input_working() {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open_database_file(&dir.path().join("w.duckdb")).unwrap();
    std::fs::create_dir_all(dir.path().join("dashboards")).unwrap();
    std::fs::write(dir.path().join("dashboards/slow.toml"), SLOW).unwrap();
    let mut ui = app_on(ws, dir.path(), 120, 20);
    ui.app.key(KeyCode::Char('4'), KeyModifiers::ALT);
    let deadline = Instant::now() + Duration::from_secs(30);
    while pane(&ui).filters.is_none() && Instant::now() < deadline {
        ui.app.wait(Duration::from_millis(20));
    }
    let widgets = |ui: &Headless| {
        ui.app
            .jobs
            .values()
            .filter(|j| j.label.starts_with("widget "))
            .count()
    };
    assert_eq!(widgets(&ui), 4, "four at once, the fifth waits");
    let s = ui.draw();
    assert!(s.contains("loading"), "{s}");
    assert!(s.contains("waiting…"), "{s}");
    // Keys are handled at once while they run.
    let t = Instant::now();
    ui.app.key(KeyCode::Char('l'), KeyModifiers::NONE);
    ui.app.key(KeyCode::Char('l'), KeyModifiers::NONE);
    assert!(t.elapsed() < Duration::from_millis(200));
    assert_eq!(pane(&ui).focus, 2);
    assert!(ui.app.busy());
    // Let the four queries start (an interrupt sent before DuckDB starts a
    // query is not seen by it), then Esc cancels the slow ones; the failing one then runs and fails in its box.
    std::thread::sleep(Duration::from_millis(1500));
    ui.app.key(KeyCode::Esc, KeyModifiers::NONE);
    let s = ui.settle();
    assert!(s.contains("missing_table"), "{s}");
    assert_eq!(s.matches('✗').count(), 5, "{s}");
    assert!(!ui.app.busy());
}
