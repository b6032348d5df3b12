//! Named actions: what a key does. Keys reach handlers only as an `Action`
//! (through the keymap), so every binding can be shown in the help screen and
//! changed in the keymap file.
//!
//! A new pane adds its actions here (one line each: variant, keymap name,
//! help text) and its default keys in `keymap::DEFAULTS`.

macro_rules! actions {
    ($($variant:ident => $name:literal, $help:literal;)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action { $($variant),* }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];

            /// The name used in keymap files, e.g. `"run"`.
            pub fn name(self) -> &'static str {
                match self { $(Action::$variant => $name),* }
            }

            /// One line for the help screen.
            pub fn help(self) -> &'static str {
                match self { $(Action::$variant => $help),* }
            }

            pub fn from_name(name: &str) -> Option<Action> {
                match name { $($name => Some(Action::$variant),)* _ => None }
            }
        }
    };
}

actions! {
    // Global
    Quit => "quit", "Quit (buffers are kept for next time)";
    Help => "help", "Show or hide this help";
    Suspend => "suspend", "Suspend to the shell (resume with fg)";
    NextTab => "next-tab", "Next tab";
    PrevTab => "prev-tab", "Previous tab";
    Tab1 => "tab-1", "Go to tab 1 (SQL)";
    Tab2 => "tab-2", "Go to tab 2 (Deciles)";
    Tab3 => "tab-3", "Go to tab 3 (CLV)";
    Tab4 => "tab-4", "Go to tab 4 (Dashboard)";
    Tab5 => "tab-5", "Go to tab 5 (Segments)";
    Tab6 => "tab-6", "Go to tab 6 (Schedules)";
    FocusNext => "focus-next", "Focus the next area (editor, results, catalog)";
    FocusPrev => "focus-prev", "Focus the previous area";
    FocusEditor => "focus-editor", "Focus the editor";
    FocusResults => "focus-results", "Focus the results grid";
    FocusCatalog => "focus-catalog", "Focus the catalog";
    Cancel => "cancel", "Cancel the running query";
    // SQL editor
    Run => "run", "Run the statement under the cursor, or the selection";
    NewBuffer => "new-buffer", "New buffer";
    CloseBuffer => "close-buffer", "Close buffer";
    NextBuffer => "next-buffer", "Next buffer";
    PrevBuffer => "prev-buffer", "Previous buffer";
    Open => "open", "Open a .sql file into a new buffer";
    Save => "save", "Save the buffer (asks for a path the first time)";
    SaveQuery => "save-query", "Save the buffer as a named query in the workspace";
    SavedQueries => "saved-queries", "List saved queries (Enter opens one)";
    History => "history", "Search the query history (Enter inserts)";
    Undo => "undo", "Undo";
    Redo => "redo", "Redo";
    // Lists and grids
    Up => "up", "Move up";
    Down => "down", "Move down";
    Left => "left", "Move left / collapse";
    Right => "right", "Move right / expand";
    PageUp => "page-up", "Page up";
    PageDown => "page-down", "Page down";
    PageLeft => "page-left", "Scroll a page of columns left";
    PageRight => "page-right", "Scroll a page of columns right";
    Top => "top", "Jump to the first row";
    Bottom => "bottom", "Jump to the last row";
    LineStart => "first-column", "Jump to the first column";
    LineEnd => "last-column", "Jump to the last column";
    Select => "select", "Open / insert / confirm";
    // Results
    Sort => "sort", "Sort by this column (asc, desc, off), in DuckDB";
    ViewCell => "view-cell", "Show the whole value of the cell";
    CopyCell => "copy-cell", "Copy the cell";
    CopyRow => "copy-row", "Copy the row (tab separated)";
    Export => "export", "Export the whole result to CSV, Parquet or JSON";
    // Catalog
    Refresh => "refresh", "Reload the catalog";
    // Popups and prompts
    Close => "close", "Close the popup";
    // Deciles
    NextWindow => "next-window", "Next lookback window";
    PrevWindow => "prev-window", "Previous lookback window";
    NextCategory => "next-category", "Next category";
    PrevCategory => "prev-category", "Previous category";
    NextJob => "next-job", "Next decile job";
    PrevJob => "prev-job", "Previous decile job";
    RunJob => "run-job", "Run the job now (Esc cancels)";
    ShowSql => "show-sql", "Show the generated SQL";
    OpenSql => "open-sql", "Open the generated SQL in the SQL tab";
    EditJob => "edit-job", "Edit the job file (comments kept)";
    NewJob => "new-job", "New job (a copy of the selected one)";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for a in Action::ALL {
            assert!(seen.insert(a.name()), "duplicate name {}", a.name());
            assert_eq!(Action::from_name(a.name()), Some(*a));
        }
    }
}
