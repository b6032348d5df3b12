use super::*;
use crate::dashboard::file::parse;

const GRID: &str = r#"
[[widget]]
title = "A"
kind = "bar"
sql = "SELECT 1"
at = [0, 0, 6, 5]
[[widget]]
title = "B"
kind = "bar"
sql = "SELECT 1"
at = [6, 0, 6, 5]
[[widget]]
title = "C"
kind = "bar"
sql = "SELECT 1"
at = [0, 5, 12, 5]
"#;

fn pane() -> DashboardPane {
    let dir = tempfile::tempdir().unwrap();
    let ws = crate::workspace::Workspace::open_database_file(&dir.path().join("t.duckdb")).unwrap();
    let paths = crate::tui::panes::Paths::new(dir.path().to_path_buf());
    let settings = crate::config::Config::default();
    let init = PaneInit {
        paths: &paths,
        workspace: &ws,
        settings: &settings,
        warnings: Default::default(),
    };
    let mut p = DashboardPane::new(&init);
    let d = parse(std::path::Path::new("/x/dashboards/g.toml"), GRID);
    p.reset_states(d.widgets.len());
    p.dash = Some(d);
    p
}

#[test]
fn arrows_focus_the_nearest_widget_in_their_direction() {
    let mut p = pane();
    p.move_focus(1, 0);
    assert_eq!(p.focus, 1, "right of A is B");
    p.move_focus(0, 1);
    assert_eq!(p.focus, 2, "below B is C");
    p.move_focus(0, 1);
    assert_eq!(p.focus, 2, "nothing below C: focus stays");
    p.move_focus(0, -1);
    assert!(p.focus < 2);
}

#[test]
fn the_refresh_interval_comes_from_the_file_else_the_config() {
    let mut p = pane();
    assert_eq!(
        p.refresh_seconds(),
        crate::config::Config::default().refresh.dashboard_seconds
    );
    if let Some(d) = &mut p.dash {
        d.refresh_seconds = Some(42);
    }
    assert_eq!(p.refresh_seconds(), 42);
}
