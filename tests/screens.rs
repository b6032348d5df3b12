//! The Deciles and CLV tabs of a freshly seeded workspace, as a new user sees them
//! at 80x24 and 60x15: snapshots of the whole screen (tabs, pane, status line).

use clvdesk::tui::headless::Headless;
use clvdesk::tui::panes::clv::{ClvPane, Data};
use clvdesk::tui::{App, AppOptions};
use crossterm::event::{KeyCode, KeyModifiers};

/// The seeded app at `w` x `h`, with the fit's time and duration masked.
struct Screens {
    ui: Headless,
    dir: tempfile::TempDir,
}

impl Screens {
    fn new(w: u16, h: u16) -> Self {
        let dir = tempfile::tempdir().unwrap();
        // A long fixed tail: the tab bar shows the end of the workspace path.
        let root = dir.path().join("clvdesk-snapshot-workspace");
        let ws = clvdesk::scheduler::starters::open_folder(&root).unwrap();
        let app = App::new(AppOptions {
            workspace: ws,
            theme: None,
            config_dir: Some(dir.path().join("config")),
        });
        let mut ui = Headless::new(app, w, h);
        ui.settle();
        Screens { ui, dir }
    }

    fn tab(&mut self, n: char) -> String {
        self.ui.app.key(KeyCode::Char(n), KeyModifiers::ALT);
        self.ui.settle();
        self.stable()
    }

    /// The screen with what depends on the run (temp path, fit time, milliseconds) masked
    /// character for character, so the layout stays what was drawn.
    fn stable(&mut self) -> String {
        let mut s = self.ui.draw();
        let dir = self.dir.path().display().to_string();
        s = s.replace(&dir, &"#".repeat(dir.chars().count()));
        if let Some(p) = self.ui.app.panes[2].as_any().downcast_ref::<ClvPane>()
            && let Data::Ready(v) = &p.data
        {
            let masked: String = v
                .fitted_at
                .chars()
                .map(|c| if c.is_ascii_digit() { '#' } else { c })
                .collect();
            s = s.replace(&v.fitted_at, &masked);
        }
        mask_before(&s, " ms")
    }
}

/// Digits (and grouping commas) right before `unit` become `#`.
fn mask_before(s: &str, unit: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(unit) {
        let (head, tail) = rest.split_at(i);
        let keep = head.trim_end_matches(|c: char| c.is_ascii_digit() || c == ',');
        out.push_str(keep);
        // One `#` whatever the number of digits (84 ms and 123 ms mask alike); the
        // spaces after the unit keep the line's width, so borders stay in place.
        let digits = head.len() - keep.len();
        if digits > 0 {
            out.push('#');
        }
        out.push_str(unit);
        out.extend(std::iter::repeat_n(' ', digits.saturating_sub(1)));
        rest = &tail[unit.len()..];
    }
    out.push_str(rest);
    out
}

#[test]
fn deciles_and_clv_at_80x24() {
    let mut s = Screens::new(80, 24);
    let deciles = s.tab('2');
    // The example: bucket 2's mean is 11,548.75, never `,548.75`.
    assert!(deciles.contains(" 11,548.75 "), "{deciles}");
    assert!(
        deciles.contains("100.0%"),
        "all ten buckets show: {deciles}"
    );
    insta::assert_snapshot!("deciles_80x24", deciles);
    let clv = s.tab('3');
    assert!(
        clv.contains("alpha") && clv.contains("customers by CLV"),
        "{clv}"
    );
    insta::assert_snapshot!("clv_80x24", clv);
}

#[test]
fn deciles_and_clv_at_60x15() {
    let mut s = Screens::new(60, 15);
    let deciles = s.tab('2');
    assert!(
        deciles.contains("custs") || deciles.contains("customers"),
        "{deciles}"
    );
    insta::assert_snapshot!("deciles_60x15", deciles);
    let clv = s.tab('3');
    assert!(clv.contains("alpha") && clv.contains("hidden:"), "{clv}");
    insta::assert_snapshot!("clv_60x15", clv);
}

#[test]
fn masking_keeps_widths() {
    assert_eq!(
        mask_before("in 1,523 ms · 7 ms", " ms"),
        "in # ms     · # ms"
    );
}
