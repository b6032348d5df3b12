//! The app driven headless: key messages in, real DuckDB queries, the
//! `TestBackend` screen asserted. Snapshots of each pane state at 100x30.

use std::path::Path;
use std::time::Duration;

use clvdesk::tui::effect::Overlay;
use clvdesk::tui::headless::{grid_cell, status_line};
use clvdesk::tui::panes::results::ResultsState;
use clvdesk::tui::panes::sql::Focus;
use clvdesk::tui::{App, AppOptions};
use clvdesk::workspace::Workspace;
use crossterm::event::{KeyCode, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const W: u16 = 100;
const H: u16 = 30;
const WAIT: Duration = Duration::from_secs(60);

struct Harness {
    app: App,
    term: Terminal<TestBackend>,
    dir: tempfile::TempDir,
}

fn open(dir: &Path) -> App {
    let ws = Workspace::open_database_file(&dir.join("test.duckdb")).expect("open workspace");
    App::new(AppOptions {
        workspace: ws,
        theme: None,
        config_dir: Some(dir.join("config")),
    })
}

impl Harness {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let app = open(dir.path());
        let mut h = Harness {
            app,
            term: Terminal::new(TestBackend::new(W, H)).unwrap(),
            dir,
        };
        h.settle();
        h
    }

    /// Draw, let workers finish (drawing between so the grid knows its
    /// size and asks for the pages it shows), draw again.
    fn settle(&mut self) {
        for _ in 0..20 {
            self.draw();
            assert!(self.app.pump_until_idle(WAIT), "workers did not finish");
            self.draw();
            if !self.app.busy() {
                break;
            }
        }
    }

    fn draw(&mut self) -> String {
        let app = &mut self.app;
        self.term.draw(|f| app.draw(f)).unwrap();
        app.after_draw();
        self.screen()
    }

    fn screen(&self) -> String {
        clvdesk::tui::headless::buffer_text(self.term.backend().buffer())
    }

    /// The screen with run-dependent parts (timings, temp paths) masked.
    fn stable_screen(&mut self) -> String {
        let s = self.draw();
        let dir = self.dir.path().display().to_string();
        mask_timings(&s.replace(&dir, "<ws>"))
    }

    fn key(&mut self, code: KeyCode) {
        self.app.key(code, KeyModifiers::NONE);
    }

    fn ctrl(&mut self, c: char) {
        self.app.key(KeyCode::Char(c), KeyModifiers::CONTROL);
    }

    fn alt(&mut self, c: char) {
        self.app.key(KeyCode::Char(c), KeyModifiers::ALT);
    }

    /// The grid cell under `column`, `row` rows below the header, as drawn now.
    fn cell(&mut self, column: &str, row: usize) -> String {
        let s = self.draw();
        grid_cell(&s, column, row)
            .unwrap_or_else(|| panic!("no grid column {column:?} on screen:\n{s}"))
    }

    /// Replace the buffer with `sql`, run it with Ctrl+J, wait.
    fn run(&mut self, sql: &str) -> String {
        self.app.sql_mut().editor.set_text(sql);
        self.ctrl('j');
        self.settle();
        self.draw()
    }
}

/// `0.01 s` -> `#.## s`, `1.2s` -> `#.#s` so snapshots do not depend on speed.
fn mask_timings(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            if i + 1 < chars.len() && chars[i] == '.' && chars[i + 1].is_ascii_digit() {
                let mut j = i + 1;
                while j < chars.len() && chars[j].is_ascii_digit() {
                    j += 1;
                }
                let rest: String = chars[j..chars.len().min(j + 2)].iter().collect();
                if rest.starts_with(" s") || rest.starts_with('s') {
                    out.push_str("#.##");
                    i = j;
                    continue;
                }
            }
            out.extend(&chars[start..i]);
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

#[test]
fn new_workspace_opens_on_sql_with_cursor_in_editor() {
    let mut h = Harness::new();
    assert_eq!(h.app.tab, 0);
    assert_eq!(h.app.sql().focus, Focus::Editor);
    let s = h.draw();
    assert!(s.contains("1 SQL") && s.contains("6 Schedules"), "{s}");
    assert!(
        status_line(&s).contains("F5  run"),
        "run hint on the status line:\n{s}"
    );
    insta::assert_snapshot!("sql_idle", h.stable_screen());
}

#[test]
fn run_a_query_and_see_rows() {
    let mut h = Harness::new();
    let s = h.run("select range as n, 'row ' || range as label, NULL as nothing from range(5)");
    assert_eq!(grid_cell(&s, "n", 4).as_deref(), Some("4"), "{s}");
    assert_eq!(grid_cell(&s, "label", 4).as_deref(), Some("row 4"), "{s}");
    assert_eq!(grid_cell(&s, "nothing", 0).as_deref(), Some("NULL"), "{s}");
    assert_eq!(
        grid_cell(&s, "n", 5).as_deref(),
        Some(""),
        "five rows only:\n{s}"
    );
    assert!(s.contains("5 rows"), "{s}");
    insta::assert_snapshot!("sql_rows", h.stable_screen());
}

#[test]
fn ctrl_enter_and_f5_run_too() {
    let mut h = Harness::new();
    h.app.sql_mut().editor.set_text("select 41 + 1 as answer");
    h.app.key(KeyCode::Enter, KeyModifiers::CONTROL);
    h.settle();
    assert_eq!(h.cell("answer", 0), "42");
    h.app.sql_mut().editor.set_text("select 'f5 works' as v");
    h.key(KeyCode::F(5));
    h.settle();
    assert_eq!(h.cell("v", 0), "f5 works");
}

#[test]
fn statement_under_cursor_is_the_one_run() {
    let mut h = Harness::new();
    h.app
        .sql_mut()
        .editor
        .set_text("select 'first' as which;\nselect 'second' as which;");
    // Cursor is at the end (second statement); move to the first line.
    h.key(KeyCode::Up);
    h.ctrl('j');
    h.settle();
    assert_eq!(h.cell("which", 0), "first");
    assert_eq!(h.cell("which", 1), "", "one statement, one row");
}

#[test]
fn cancel_a_long_query() {
    let mut h = Harness::new();
    h.app
        .sql_mut()
        .editor
        .set_text("select count(*) from range(10000000000000) t(i) where i % 7 = 3");
    h.ctrl('j');
    h.draw();
    std::thread::sleep(Duration::from_millis(300));
    h.app.drain();
    let s = h.draw();
    assert!(s.contains("Running"), "{s}");
    // The UI stays responsive: typing works while the query runs.
    h.app.type_text(" -- typed while running");
    assert!(
        h.app
            .sql()
            .editor
            .text()
            .ends_with("-- typed while running")
    );
    h.key(KeyCode::Esc);
    h.settle();
    let s = h.draw();
    assert!(s.contains("Cancelled"), "{s}");
    assert!(matches!(
        h.app.sql().results,
        ResultsState::Cancelled { .. }
    ));
    insta::assert_snapshot!("sql_cancelled", h.stable_screen());
    // And the next query runs.
    h.run("select 'after cancel' as v");
    assert_eq!(h.cell("v", 0), "after cancel");
}

#[test]
fn bad_query_shows_duckdb_error_and_next_query_runs() {
    let mut h = Harness::new();
    let s = h.run("select nope from range(3)");
    assert!(s.contains("Error"), "{s}");
    assert!(
        s.contains(r#"Referenced column "nope" not found"#),
        "DuckDB's message is shown:\n{s}"
    );
    insta::assert_snapshot!("sql_error", h.stable_screen());
    h.run("select 7 * 6 as answer");
    assert_eq!(h.cell("answer", 0), "42");
}

#[test]
fn sort_is_done_over_the_whole_result() {
    let mut h = Harness::new();
    let s = h.run("select range as i, range % 3 as m from range(3000)");
    assert!(s.contains("3,000 rows"), "{s}");
    h.alt('r');
    assert_eq!(h.app.sql().focus, Focus::Results);
    h.key(KeyCode::Char('s'));
    h.settle();
    h.key(KeyCode::Char('s'));
    h.settle();
    let s = h.draw();
    assert!(s.contains("sorted by i desc"), "{s}");
    assert!(s.contains("i▼"), "header with sort marker:\n{s}");
    assert_eq!(
        grid_cell(&s, "i", 0).as_deref(),
        Some("2,999"),
        "largest value first (not just of the first page):\n{s}"
    );
    insta::assert_snapshot!("results_sorted", h.stable_screen());
    // Sorted once into a scratch table, and pages are read from it (not ORDER BY per page).
    match &h.app.sql().results {
        ResultsState::Ready(v) => {
            let source = v.page_source().expect("a page source once sorted");
            assert!(source.contains("clvdesk_scratch"), "{source}");
        }
        _ => panic!("a result expected"),
    }
    // A new query drops the sorted copies (the ascending one was dropped by the second sort).
    h.run("select 1 as one");
    h.run("select count(*) as n from duckdb_tables() where database_name = 'clvdesk_scratch'");
    assert_eq!(h.cell("n", 0), "0");
}

#[test]
fn export_writes_every_row() {
    let mut h = Harness::new();
    h.run("select range as i, 'v' || range as s from range(2500)");
    h.alt('r');
    h.key(KeyCode::Char('e'));
    assert!(matches!(h.app.overlay, Some((_, Overlay::Prompt { .. }))));
    // Replace the suggested name.
    h.ctrl('a');
    h.ctrl('k');
    h.app.type_text("out/all.csv");
    h.key(KeyCode::Enter);
    h.settle();
    let path = h.dir.path().join("out/all.csv");
    let text = std::fs::read_to_string(&path).expect("export written");
    assert_eq!(text.lines().count(), 2501, "header + every row");
    let s = h.draw();
    assert!(
        status_line(&s).contains("Exported 2,500 rows"),
        "the status line says so:\n{s}"
    );
    // Parquet too, read back by DuckDB.
    h.key(KeyCode::Char('e'));
    h.ctrl('a');
    h.ctrl('k');
    h.app.type_text("out/all.parquet");
    h.key(KeyCode::Enter);
    h.settle();
    h.run(&format!(
        "select count(*) as n from read_parquet('{}')",
        h.dir.path().join("out/all.parquet").display()
    ));
    assert_eq!(h.cell("n", 0), "2,500");
}

#[test]
fn scrolling_pages_in_and_jumps_to_the_end() {
    let mut h = Harness::new();
    let s = h.run("select range as i from range(100000)");
    assert!(s.contains("100,000 rows"), "{s}");
    h.alt('r');
    h.key(KeyCode::Char('G'));
    h.settle();
    let s = h.draw();
    assert!(
        (0..usize::from(H)).any(|r| grid_cell(&s, "i", r).as_deref() == Some("99,999")),
        "last row shown:\n{s}"
    );
    for _ in 0..5 {
        h.key(KeyCode::PageUp);
    }
    h.settle();
    let s = h.draw();
    assert!(!s.contains('…'), "every visible row loaded:\n{s}");
    h.key(KeyCode::Char('g'));
    h.settle();
    assert_eq!(h.cell("i", 0), "0", "g went back to the first row");
    if let ResultsState::Ready(v) = &h.app.sql().results {
        assert!(v.pages_cached() <= clvdesk::tui::panes::results::MAX_PAGES);
    } else {
        panic!("ready");
    }
}

#[test]
fn destructive_statements_ask_first() {
    let mut h = Harness::new();
    h.run("create table keepme as select 1 as x");
    h.app.sql_mut().editor.set_text("drop table keepme");
    h.ctrl('j');
    assert!(matches!(h.app.overlay, Some((_, Overlay::Confirm { .. }))));
    insta::assert_snapshot!("confirm_drop", h.stable_screen());
    h.key(KeyCode::Char('n'));
    h.settle();
    h.run("select count(*) as c from keepme");
    assert_eq!(h.cell("c", 0), "1", "answering n kept the table");
    h.app.sql_mut().editor.set_text("drop table keepme");
    h.ctrl('j');
    h.key(KeyCode::Char('y'));
    h.settle();
    let s = h.draw();
    assert!(s.contains("DROP OK"), "{s}");
    let s = h.run("select * from keepme");
    assert!(
        s.contains("Table with name keepme does not exist"),
        "table gone: DuckDB says so:\n{s}"
    );
}

#[test]
fn catalog_lists_tables_and_inserts_names() {
    let mut h = Harness::new();
    h.run("create table customers as select range as customer_id, 'x' as email from range(10)");
    h.alt('c');
    h.settle();
    let s = h.draw();
    assert!(
        s.lines()
            .any(|l| l.split('│').nth(1).is_some_and(|c| c.contains("customers"))),
        "the catalog (left box) lists the table:\n{s}"
    );
    // main schema is expanded: move to the table and insert it.
    h.app.sql_mut().editor.set_text("select * from ");
    h.alt('c');
    let rows = h.app.sql().catalog.visible();
    let idx = (0..rows.len())
        .find(|_| {
            let t = h.app.sql().catalog.insert_text();
            if t.as_deref() == Some("customers") {
                return true;
            }
            h.key(KeyCode::Down);
            false
        })
        .expect("table in tree");
    let _ = idx;
    h.key(KeyCode::Right);
    insta::assert_snapshot!("catalog_expanded", h.stable_screen());
    h.key(KeyCode::Enter);
    assert_eq!(h.app.sql().focus, Focus::Editor);
    assert_eq!(h.app.sql().editor.text(), "select * from customers");
}

#[test]
fn help_lists_every_binding() {
    let mut h = Harness::new();
    h.key(KeyCode::F(1));
    let s = h.draw();
    assert!(s.contains("Run the statement under the cursor"), "{s}");
    assert!(s.contains("Ctrl+J"), "{s}");
    insta::assert_snapshot!("help", h.stable_screen());
    // Scroll through: every bound action of the keymap is listed.
    let mut seen = s.clone();
    for _ in 0..30 {
        h.key(KeyCode::PageDown);
        seen.push_str(&h.draw());
    }
    for ctx in clvdesk::tui::keymap::Context::ALL {
        for (action, _) in h.app.keymap.bindings(*ctx) {
            assert!(
                seen.contains(&format!("({})", action.name())),
                "{} missing from help",
                action.name()
            );
        }
    }
    h.key(KeyCode::Esc);
    assert!(h.app.overlay.is_none());
}

#[test]
fn the_later_tabs_are_real_panes_that_say_how_to_start() {
    let mut h = Harness::new();
    // The Schedules tab is built: with no schedules it says how to add one.
    h.alt('6');
    h.settle();
    let s = h.draw();
    assert!(
        s.contains("No schedules in") && s.contains("To add one"),
        "{s}"
    );
    insta::assert_snapshot!("tab_schedules", h.stable_screen());
    // No tab promises work that is not there.
    for i in 1..=6 {
        h.alt(char::from_digit(i, 10).unwrap());
        let s = h.draw();
        assert!(!s.contains("(coming)"), "{s}");
    }
    // The Segments tab (5) is a real pane now (issue 10): it says how to start.
    h.alt('5');
    assert!(h.draw().contains("No segments yet: n"));
    h.alt('1');
    assert_eq!(h.app.tab, 0);
}

#[test]
fn too_small_terminal_shows_a_note() {
    let mut h = Harness::new();
    h.term = Terminal::new(TestBackend::new(39, 11)).unwrap();
    let s = h.draw();
    assert!(s.contains("too small"), "{s}");
    h.term = Terminal::new(TestBackend::new(40, 12)).unwrap();
    let s = h.draw();
    assert!(!s.contains("too small"), "{s}");
    h.run("select 1 as one");
    h.term = Terminal::new(TestBackend::new(10, 3)).unwrap();
    h.draw();
    h.term = Terminal::new(TestBackend::new(1, 1)).unwrap();
    h.draw();
}

#[test]
fn buffers_history_and_saved_queries_survive_a_restart() {
    let mut h = Harness::new();
    h.run("select 'remember me' as v");
    h.ctrl('n');
    h.app.type_text("select 2 -- second buffer");
    // Save the second buffer as a named query (F2).
    h.key(KeyCode::F(2));
    h.app.type_text("my query");
    h.key(KeyCode::Enter);
    assert!(h.dir.path().join("queries/my_query.sql").is_file());
    h.ctrl('q');
    assert!(h.app.quit);

    let mut h2 = Harness {
        app: open(h.dir.path()),
        term: Terminal::new(TestBackend::new(W, H)).unwrap(),
        dir: h.dir,
    };
    h2.settle();
    let ed = &h2.app.sql().editor;
    assert_eq!(ed.buffers.len(), 2);
    assert_eq!(ed.buffers[0].text(), "select 'remember me' as v");
    assert_eq!(ed.current().text(), "select 2 -- second buffer");
    // History is searchable; Enter inserts the SQL.
    h2.ctrl('n');
    h2.key(KeyCode::F(3));
    h2.app.type_text("remember");
    let s = h2.draw();
    assert!(s.contains("select 'remember me' as v"), "{s}");
    h2.key(KeyCode::Enter);
    assert_eq!(h2.app.sql().editor.text(), "select 'remember me' as v");
    // Saved queries list opens the file.
    h2.key(KeyCode::F(4));
    let s = h2.draw();
    match &h2.app.overlay {
        Some((_, Overlay::Picker { items, .. })) => assert!(
            items.iter().any(|i| i.label.contains("my_query")),
            "the saved-queries list holds my_query:\n{s}"
        ),
        _ => panic!("F4 opens the saved-queries list:\n{s}"),
    }
    h2.key(KeyCode::Enter);
    assert_eq!(h2.app.sql().editor.current().name, "my_query.sql");
}

#[test]
fn sparklines_for_lists_of_numbers() {
    let mut h = Harness::new();
    h.run("select [1, 2, 3, 4, 5, 6, 7, 8] as trend, ['a', 'b'] as words");
    assert_eq!(h.cell("trend", 0), "▁▂▃▄▅▆▇█");
    assert_eq!(h.cell("words", 0), "[a, b]");
}

#[test]
fn bad_keymap_file_is_reported_and_defaults_used() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("config")).unwrap();
    std::fs::write(
        dir.path().join("config/keymap.toml"),
        "[editor]\n\"f5\" = \"launch\"\n",
    )
    .unwrap();
    let app = open(dir.path());
    let mut h = Harness {
        app,
        term: Terminal::new(TestBackend::new(160, H)).unwrap(),
        dir,
    };
    h.settle();
    let s = h.draw();
    assert!(s.contains("keymap.toml") && s.contains("launch"), "{s}");
    h.app
        .sql_mut()
        .editor
        .set_text("select 'defaults work' as v");
    h.key(KeyCode::F(5));
    h.settle();
    assert_eq!(h.cell("v", 0), "defaults work");
}

#[test]
fn mouse_switches_tabs_and_focus() {
    use crossterm::event::{Event, MouseButton, MouseEvent, MouseEventKind};
    let mut h = Harness::new();
    h.run("select range as i from range(50)");
    let click = |col, row| {
        clvdesk::tui::effect::Msg::Input(Event::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: col,
            row,
            modifiers: KeyModifiers::NONE,
        }))
    };
    // Click in the results area (lower half).
    h.app.update(click(50, 25));
    assert_eq!(h.app.sql().focus, Focus::Results);
    h.app
        .update(clvdesk::tui::effect::Msg::Input(Event::Mouse(MouseEvent {
            kind: MouseEventKind::ScrollDown,
            column: 50,
            row: 25,
            modifiers: KeyModifiers::NONE,
        })));
    // Click the second tab.
    let s = h.draw();
    let x = s.lines().next().unwrap().find("2 Deciles").unwrap() as u16;
    h.app.update(click(x + 1, 0));
    assert_eq!(h.app.tab, 1);
}
