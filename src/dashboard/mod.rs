//! Dashboards: widgets bound to SQL on a grid, saved as `dashboards/NAME.toml`.
//!
//! - [`model`]: what a dashboard and a widget are; [`file`]: reading (a broken
//!   widget never stops the rest) and editing that keeps hand edits;
//! - [`params`]: the date range and the global parameter, always bound;
//! - [`query`]: running a widget's SQL into a bounded [`query::Data`];
//! - [`render`]: drawing into a ratatui buffer, shared by the app's tab and
//!   `clvdesk dashboard render`;
//! - [`seed`]: the starter dashboards of a new workspace.
//!
//! This layer knows no terminal: the app and the CLI call [`load_widget`] and
//! [`render::draw_dashboard`] alike.

pub mod file;
pub mod model;
pub mod params;
pub mod query;
pub mod render;
pub mod seed;

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::NaiveDate;
use duckdb::Connection;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use model::{Dashboard, Kind, Slot, Widget};
use params::Filters;
use render::{Look, WidgetState};

/// Widgets refreshed at once, by the app and by `dashboard render`.
pub const PARALLEL: usize = 4;

/// The filters a dashboard starts with: the given dates, else the 12 months
/// ending at `[dates] data_end_sql` (else today); the given parameter, else its default.
pub fn initial_filters(
    conn: &Connection,
    dash: &Dashboard,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    param: Option<String>,
) -> Result<Filters, String> {
    let end = match end {
        Some(e) => e,
        None => match &dash.dates.data_end_sql {
            Some(sql) => query::data_end(conn, sql)
                .map_err(|e| format!("{}: [dates] data_end_sql: {e}", dash.path.display()))?
                .unwrap_or_else(|| chrono::Utc::now().date_naive()),
            None => chrono::Utc::now().date_naive(),
        },
    };
    let mut f =
        Filters::last_12_months(end, param.or_else(|| dash.param.as_ref()?.default.clone()));
    if let Some(s) = start {
        f.start = s;
    }
    if f.start > f.end {
        return Err(format!(
            "the range starts ({}) after it ends ({})",
            f.start, f.end
        ));
    }
    Ok(f)
}

/// The choices of the global parameter (its query's first column), at most 200.
pub fn param_choices(conn: &Connection, dash: &Dashboard) -> Result<Vec<String>, String> {
    match &dash.param {
        Some(p) => query::fetch_texts(conn, &p.sql, 200)
            .map_err(|e| format!("{}: [param] sql: {e}", dash.path.display())),
        None => Ok(Vec::new()),
    }
}

/// Runs one widget's query; a table is sorted by its `sort` role.
pub fn load_widget(conn: &Connection, root: &Path, w: &Widget, filters: &Filters) -> WidgetState {
    match missing_tables(conn, &w.requires) {
        Ok(missing) if !missing.is_empty() => {
            return WidgetState::Empty(format!(
                "nothing to show yet: table {} does not exist in this workspace",
                missing.join(", ")
            ));
        }
        Ok(_) => {}
        Err(e) => return WidgetState::Failed(e),
    }
    let result =
        query::source_sql(root, &w.source).and_then(|sql| query::fetch(conn, &sql, filters));
    match result {
        Ok(mut data) => {
            let sorted_by = if w.kind == Kind::Table {
                w.roles.sort.as_ref().and_then(|s| {
                    let i = data
                        .columns
                        .iter()
                        .position(|c| c.name.eq_ignore_ascii_case(s))?;
                    render::sort(&mut data, i, w.roles.descending);
                    Some((i, w.roles.descending))
                })
            } else {
                None
            };
            WidgetState::Ready { data, sorted_by }
        }
        Err(e) => WidgetState::Failed(e),
    }
}

/// Which of `tables` (`schema.table` or `table` in main) do not exist.
pub fn missing_tables(conn: &Connection, tables: &[String]) -> Result<Vec<String>, String> {
    let mut missing = Vec::new();
    for t in tables {
        let (schema, name) = t.split_once('.').unwrap_or(("main", t.as_str()));
        let n: i64 = crate::engine::sql::prepare_one(
            conn,
            "SELECT count(*) FROM information_schema.tables WHERE lower(table_schema) = lower(?) AND lower(table_name) = lower(?)",
        )
        .and_then(|mut s| s.query_row([schema, name], |r| r.get(0)))
        .map_err(|e| e.to_string())?;
        if n == 0 {
            missing.push(t.clone());
        }
    }
    Ok(missing)
}

/// Loads every widget, at most [`PARALLEL`] at once, each on its own clone of `conn`.
pub fn load_all(
    conn: &Connection,
    root: &Path,
    dash: &Dashboard,
    filters: &Filters,
) -> Vec<WidgetState> {
    let n = dash.widgets.len();
    let results: Vec<Mutex<WidgetState>> =
        (0..n).map(|_| Mutex::new(WidgetState::Waiting)).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..PARALLEL.min(n) {
            // A worker without a connection leaves its widgets to the others
            // (all failing: the widgets say so below).
            let Ok(conn) = conn.try_clone() else { continue };
            let (results, next) = (&results, &next);
            s.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(slot) = dash.widgets.get(i) else {
                        break;
                    };
                    let state = match slot {
                        Slot::Widget(w) => load_widget(&conn, root, w, filters),
                        Slot::Broken { .. } => WidgetState::Waiting,
                    };
                    *results[i].lock().unwrap_or_else(|p| p.into_inner()) = state;
                }
            });
        }
    });
    results
        .into_iter()
        .zip(&dash.widgets)
        .map(
            |(m, slot)| match (m.into_inner().unwrap_or_else(|p| p.into_inner()), slot) {
                (WidgetState::Waiting, Slot::Widget(_)) => {
                    WidgetState::Failed("no database connection for this widget".into())
                }
                (state, _) => state,
            },
        )
        .collect()
}

/// The header line: title, date range, parameter.
pub fn header(dash: &Dashboard, filters: &Filters) -> String {
    format!(
        "{} · {}",
        dash.title,
        filters.describe(dash.param.as_ref().map(|p| p.label.as_str()))
    )
}

/// What went wrong in a drawn dashboard: broken definitions and failed widgets.
pub fn failures(dash: &Dashboard, states: &[WidgetState]) -> Vec<String> {
    let mut out: Vec<String> = dash.problems.iter().map(|p| p.to_string()).collect();
    for (slot, state) in dash.widgets.iter().zip(states) {
        match (slot, state) {
            (Slot::Broken { problem, .. }, _) => out.push(problem.to_string()),
            (Slot::Widget(w), WidgetState::Failed(e)) => out.push(format!(
                "{}:{}: widget `{}`: {e}",
                dash.path.display(),
                w.line,
                w.title
            )),
            _ => {}
        }
    }
    out
}

/// Draws a loaded dashboard into a new buffer of `width` x `height` (height
/// `None`: as tall as its widgets).
pub fn render_to_buffer(
    dash: &Dashboard,
    states: &[WidgetState],
    filters: &Filters,
    width: u16,
    height: Option<u16>,
    theme: &crate::tui::theme::Theme,
) -> Buffer {
    let height = height
        .unwrap_or_else(|| render::content_height(dash))
        .max(1);
    let area = Rect::new(0, 0, width, height);
    let mut buf = Buffer::empty(area);
    render::draw_dashboard(
        &mut buf,
        area,
        dash,
        states,
        &header(dash, filters),
        &|_| Look::default(),
        0,
        theme,
    );
    buf
}

/// Lower-case table names a SQL text mentions (words and quoted names), so a
/// finished job that wrote one of them refreshes the widget.
pub fn mentions_table(sql: &str, table: &str) -> bool {
    let want = table
        .rsplit('.')
        .next()
        .unwrap_or(table)
        .trim_matches('"')
        .to_ascii_lowercase();
    crate::sql::lexer::tokens(sql).any(|t| {
        let text = &sql[t.start..t.end];
        match t.kind {
            crate::sql::lexer::Kind::Word => text.to_ascii_lowercase() == want,
            crate::sql::lexer::Kind::QuotedIdent => {
                text.trim_matches(['"', '`']).to_ascii_lowercase() == want
            }
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn table_mentions_ignore_strings_and_schema() {
        assert!(super::mentions_table(
            "SELECT * FROM main.Clv_Predictions p",
            "clv_predictions"
        ));
        assert!(super::mentions_table(
            "SELECT * FROM \"clv_predictions\"",
            "main.clv_predictions"
        ));
        assert!(!super::mentions_table(
            "SELECT 'clv_predictions'",
            "clv_predictions"
        ));
    }
}
