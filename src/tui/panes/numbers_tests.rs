//! A number is never cut: every table widget (the decile table, the CLV parameter,
//! decile and top-customer tables, the results grid) drawn at 60, 80, 100 and 140
//! columns (and every narrower width down to 8) with values from 0.001 to 10^12.
//! No drawn cell may be a strict substring of the full formatted number unless it
//! carries `…` or a compact suffix, or is that number with its decimals dropped.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use serde_json::json;

use crate::analytics::decile_table::DecileLine;
use crate::engine::format::{display_float, group_thousands, number_forms};
use crate::pipeline::clv::view::{ClvView, TopCustomer};
use crate::tui::panes::clv::draw as clv;
use crate::tui::panes::deciles::draw as deciles;
use crate::tui::theme::Theme;
use crate::tui::widgets::grid::{Grid, GridCell, GridSource, GridState};
use crate::tui::widgets::table::{Cell, Column, FitTable};

const VALUES: [f64; 12] = [
    0.001,
    0.0123,
    0.5,
    7.25,
    42.125,
    999.99,
    11_548.75,
    123_456.789,
    9_876_543.21,
    1_500_000_000.25,
    87_654_321_098.5,
    1e12,
];

fn widths() -> Vec<u16> {
    let mut w = vec![60, 80, 100, 140];
    w.extend(8..60);
    w
}

/// Whether `shown` (a drawn cell, trimmed) honestly stands for `full`.
fn honest(shown: &str, full: &str) -> Result<(), String> {
    if shown == full || !full.contains(shown) {
        return Ok(());
    }
    if shown.contains('…') {
        return Ok(());
    }
    let unit = shown.trim_end_matches(['%', 'x']);
    if unit.ends_with(['k', 'M', 'B', 'T', 'P']) {
        return Ok(());
    }
    // The decimals dropped: the rounded integer, grouped.
    let plain: String = full.chars().filter(|c| *c != ',').collect();
    let digits = plain.trim_end_matches(['%', 'x']);
    if let Ok(v) = digits.parse::<f64>() {
        let suffix = &plain[digits.len()..];
        let rounded = format!("{}{suffix}", group_thousands(&format!("{:.0}", v.round())));
        // A non-zero value is never shown as 0.
        if shown == rounded && (v.round() != 0.0 || v == 0.0) {
            return Ok(());
        }
    }
    Err(format!("`{shown}` is a cut of `{full}`"))
}

fn cell_at(buf: &Buffer, x: u16, y: u16, w: u16) -> String {
    (x..x + w)
        .map(|x| buf[(x, y)].symbol().to_string())
        .collect::<String>()
        .trim()
        .to_string()
}

/// Draws a [`FitTable`] at every width and checks every number cell.
fn check_table(name: &str, columns: &[Column], rows: &[Vec<Cell>]) -> usize {
    let theme = Theme::dark();
    let mut checked = 0;
    for w in widths() {
        let h = rows.len() as u16 + 1;
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        let table = FitTable::new(columns, rows, &theme);
        let layout = table.layout(w);
        term.draw(|f| f.render_widget(table, f.area())).unwrap();
        let buf = term.backend().buffer();
        for (i, row) in rows.iter().enumerate() {
            for &(c, x, cw) in &layout.columns {
                if let Some(Cell::Number(full)) = row.get(c) {
                    let shown = cell_at(buf, x, i as u16 + 1, cw);
                    assert!(
                        !shown.is_empty(),
                        "{name} at {w}: `{full}` drawn as nothing"
                    );
                    if let Err(e) = honest(&shown, full) {
                        panic!("{name} at {w} columns, row {i}, column {c}: {e}");
                    }
                    assert!(
                        shown == "…" || number_forms(full).contains(&shown),
                        "{name} at {w}: `{shown}` is not a form of `{full}`"
                    );
                    checked += 1;
                }
            }
        }
    }
    checked
}

fn decile_lines() -> Vec<DecileLine> {
    VALUES
        .iter()
        .enumerate()
        .map(|(i, &v)| DecileLine {
            bucket: i as u32 + 1,
            customers: (v * 3.0) as u64,
            total: v * 1000.0,
            mean: v,
            share: Some(v / 1e12),
            cum_share: Some(v / 1e11),
            lift: Some(v),
            min: v / 7.0,
            max: v * 3.0,
        })
        .collect()
}

fn report() -> serde_json::Value {
    let v = |i: usize| VALUES[i % VALUES.len()];
    json!({
        "bgnbd": {"r": v(0), "alpha": v(11), "a": v(6), "b": v(9), "log_likelihood": -v(10),
                  "se": {"r": v(1), "alpha": v(10), "a": v(5), "b": v(8)}},
        "gamma_gamma": {"p": v(2), "q": v(7), "v": v(11), "log_likelihood": -v(11),
                        "se": {"p": v(3), "q": v(4), "v": v(9)}},
        "clv_total": 1e12,
        "clv_mean_by_decile": VALUES,
    })
}

fn view() -> ClvView {
    ClvView {
        fit_id: 1,
        fitted_at: "2026-01-01 00:00:00".into(),
        report: report(),
        top: VALUES
            .iter()
            .map(|&v| TopCustomer {
                customer: format!("customer-{v}"),
                frequency: v as i64,
                p_alive: Some(v / 1e12),
                expected_purchases: Some(v),
                expected_spend: Some(v * 2.0),
                clv: Some(v * 10.0),
            })
            .collect(),
    }
}

#[test]
fn no_table_cuts_a_number_at_any_width() {
    let mut checked = check_table(
        "decile table",
        &deciles::COLUMNS,
        &deciles::table_rows(&decile_lines()),
    );
    let r = report();
    for spend in [false, true] {
        checked += check_table(
            "CLV parameters",
            &clv::PARAM_COLUMNS,
            &clv::param_rows(&r, spend).unwrap(),
        );
    }
    checked += check_table("CLV by decile", &clv::DECILE_COLUMNS, &clv::decile_rows(&r));
    checked += check_table("top customers", &clv::TOP_COLUMNS, &clv::top_rows(&view()));
    assert!(checked > 5_000, "only {checked} cells checked");
}

/// A results grid of float columns.
struct Floats;

impl GridSource for Floats {
    fn column_count(&self) -> usize {
        VALUES.len()
    }
    fn column_name(&self, col: usize) -> &str {
        ["n", "value", "amount_total"][col % 3]
    }
    fn column_numeric(&self, _col: usize) -> bool {
        true
    }
    fn row_count(&self) -> u64 {
        VALUES.len() as u64
    }
    fn cell(&self, row: u64, col: usize) -> Option<GridCell> {
        let v = VALUES[(row as usize + col) % VALUES.len()] * (1.0 + col as f64 / 10.0);
        Some(GridCell::number(display_float(v)))
    }
}

#[test]
fn the_results_grid_never_cuts_a_number() {
    let theme = Theme::dark();
    let mut checked = 0;
    for w in widths() {
        for left in [0, 3, 7] {
            let mut state = GridState {
                col: left,
                ..GridState::default()
            };
            let h = VALUES.len() as u16 + 1;
            let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
            term.draw(|f| {
                let grid = Grid {
                    source: &Floats,
                    theme: &theme,
                    focused: true,
                };
                f.render_stateful_widget(grid, f.area(), &mut state)
            })
            .unwrap();
            let buf = term.backend().buffer();
            for &(c, x, cw) in &state.drawn {
                for row in 0..VALUES.len() as u64 {
                    let full = Floats.cell(row, c).unwrap().text;
                    let shown = cell_at(buf, x, row as u16 + 1, cw);
                    if let Err(e) = honest(&shown, &full) {
                        panic!("grid at {w} columns, row {row}, column {c}: {e}");
                    }
                    assert!(
                        shown == "…" || number_forms(&full).contains(&shown),
                        "grid at {w}: `{shown}` is not a form of `{full}`"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 1_000, "only {checked} cells checked");
}

#[test]
fn the_check_itself_catches_a_cut() {
    assert!(honest(",548.75", "11,548.75").is_err());
    assert!(honest("11,548.7", "11,548.75").is_err());
    assert!(honest("0", "0.001").is_err());
    assert!(honest("11,549", "11,548.75").is_ok());
    assert!(honest("11,548", "11,548.25").is_ok());
    assert!(honest("11.5k", "11,548.75").is_ok());
    assert!(honest("11,5…", "11,548.75").is_ok());
}
