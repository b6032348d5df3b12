//! Every pane's status-line hints against the keymap and F1: a hint's key, pressed
//! in that pane, runs an action whose meaning there is the hint's word, and F1
//! lists that key with the same meaning under the same context.

use super::sql::{Focus, SqlPane};
use super::*;
use crate::tui::panes::help;
use crate::tui::theme::Theme;
use crate::workspace::Workspace;

fn text(line: &ratatui::text::Line) -> String {
    line.spans.iter().map(|s| s.content.as_ref()).collect()
}

/// The F1 lines of `ctx`'s section.
fn section(help: &[String], ctx: Context) -> Vec<String> {
    let head = format!("{}  [{}]", ctx.title(), ctx.name());
    help.iter()
        .skip_while(|l| **l != head)
        .skip(1)
        .take_while(|l| !l.is_empty())
        .cloned()
        .collect()
}

/// Walks every pane (and every focus of the SQL pane) and returns how many hints it checked.
fn walk(keymap: &Keymap) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open_database_file(&dir.path().join("keys.duckdb")).unwrap();
    let paths = Paths::new(dir.path().to_path_buf());
    let settings = crate::config::Config::default();
    let init = PaneInit {
        paths: &paths,
        workspace: &ws,
        settings: &settings,
        warnings: Default::default(),
    };
    let theme = Theme::dark();
    let mut checked = 0;
    for pane in registry(&init).iter_mut() {
        let focuses: Vec<Option<Focus>> = if pane.as_any().is::<SqlPane>() {
            vec![
                Some(Focus::Editor),
                Some(Focus::Results),
                Some(Focus::Catalog),
            ]
        } else {
            vec![None]
        };
        for focus in focuses {
            if let (Some(focus), Some(sql)) = (focus, pane.as_any_mut().downcast_mut::<SqlPane>()) {
                sql.focus = focus;
            }
            let mut contexts = pane.contexts();
            let help: Vec<String> = help::lines(keymap, &theme, "keymap.toml", &contexts)
                .iter()
                .map(text)
                .collect();
            contexts.push(Context::Global);
            let hints = pane.hints(keymap);
            assert!(!hints.is_empty(), "{} shows no hints", pane.title());
            for (key, what) in hints {
                let place = format!("{} ({focus:?}): hint `{key} {what}`", pane.title());
                let (ctx, action) = keymap
                    .chords_shown_as(&key)
                    .iter()
                    .find_map(|chord| {
                        contexts
                            .iter()
                            .find_map(|c| keymap.lookup(*c, chord).map(|a| (*c, a)))
                    })
                    .unwrap_or_else(|| panic!("{place}: the key is not bound in this pane"));
                let desc = action.desc(ctx);
                assert_eq!(
                    desc.hint, what,
                    "{place}: the key runs {action:?} in {ctx:?}"
                );
                assert!(
                    section(&help, ctx)
                        .iter()
                        .any(|l| l.contains(&key) && l.contains(desc.help)),
                    "{place}: F1 does not list `{key}` as {:?} under {}\n{}",
                    desc.help,
                    ctx.title(),
                    help.join("\n")
                );
                checked += 1;
            }
        }
    }
    checked
}

#[test]
fn every_hint_is_what_its_key_does_in_that_pane_and_what_f1_says() {
    let checked = walk(&Keymap::default());
    // SQL (3 focuses x 5), Deciles 8, CLV 5, three placeholders.
    assert!(checked >= 33, "only {checked} hints checked");
}

#[test]
fn hints_follow_a_changed_keymap() {
    let mut km = Keymap::default();
    km.merge_toml("[clv]\n\"h\" = \"none\"\n\"z\" = \"next-window\"\n")
        .unwrap();
    walk(&km);
    let clv = km.hints(&[(Context::Clv, Action::NextWindow)]);
    assert_eq!(clv, vec![("z".to_string(), "horizon")]);
}
