//! Named actions: what a key does. Keys reach handlers only as an `Action`
//! (through the keymap), so every binding can be shown in the help screen and
//! changed in the keymap file.
//!
//! Every action has a meaning in each context it is bound in, the way yazi's
//! keymap presets give every binding a `desc`: a word or two for the status
//! line ([`Desc::hint`]) and a sentence for F1 ([`Desc::help`]). The default
//! meaning comes with the action; [`IN_CONTEXT`] says what it does where a pane
//! gives it a meaning of its own (`h` on the CLV tab is the horizon, not a
//! lookback window). Status-line hints and F1 both read [`Action::desc`], so
//! they cannot disagree.
//!
//! A new pane adds its actions here (one line each: variant, keymap name,
//! hint, help text), their meanings in its context in [`IN_CONTEXT`], and its
//! default keys in `keymap::DEFAULTS`.

use super::keymap::Context;

/// What a binding means in one context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Desc {
    /// A word or two for the status line (`horizon`).
    pub hint: &'static str,
    /// One line for the help screen.
    pub help: &'static str,
}

macro_rules! actions {
    ($($variant:ident => $name:literal, $hint:literal, $help:literal;)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action { $($variant),* }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];

            /// The name used in keymap files, e.g. `"run"`.
            pub fn name(self) -> &'static str {
                match self { $(Action::$variant => $name),* }
            }

            /// The meaning outside any pane's own use of it.
            fn default_desc(self) -> Desc {
                match self { $(Action::$variant => Desc { hint: $hint, help: $help }),* }
            }

            pub fn from_name(name: &str) -> Option<Action> {
                match name { $($name => Some(Action::$variant),)* _ => None }
            }
        }
    };
}

actions! {
    // Global
    Quit => "quit", "quit", "Quit (buffers are kept for next time)";
    Help => "help", "help", "Show or hide this help";
    Suspend => "suspend", "suspend", "Suspend to the shell (resume with fg)";
    NextTab => "next-tab", "next tab", "Next tab";
    PrevTab => "prev-tab", "previous tab", "Previous tab";
    Tab1 => "tab-1", "SQL", "Go to tab 1 (SQL)";
    Tab2 => "tab-2", "Deciles", "Go to tab 2 (Deciles)";
    Tab3 => "tab-3", "CLV", "Go to tab 3 (CLV)";
    Tab4 => "tab-4", "Dashboard", "Go to tab 4 (Dashboard)";
    Tab5 => "tab-5", "Segments", "Go to tab 5 (Segments)";
    Tab6 => "tab-6", "Schedules", "Go to tab 6 (Schedules)";
    FocusNext => "focus-next", "focus", "Focus the next area (editor, results, catalog)";
    FocusPrev => "focus-prev", "focus back", "Focus the previous area";
    FocusEditor => "focus-editor", "editor", "Focus the editor";
    FocusResults => "focus-results", "results", "Focus the results grid";
    FocusCatalog => "focus-catalog", "catalog", "Focus the catalog";
    Cancel => "cancel", "cancel", "Cancel the running query";
    // SQL editor
    Run => "run", "run", "Run the statement under the cursor, or the selection";
    NewBuffer => "new-buffer", "new", "New buffer";
    CloseBuffer => "close-buffer", "close", "Close buffer";
    NextBuffer => "next-buffer", "next buffer", "Next buffer";
    PrevBuffer => "prev-buffer", "previous buffer", "Previous buffer";
    Open => "open", "open", "Open a .sql file into a new buffer";
    Save => "save", "save", "Save the buffer (asks for a path the first time)";
    SaveQuery => "save-query", "save query", "Save the buffer as a named query in the workspace";
    SavedQueries => "saved-queries", "saved", "List saved queries (Enter opens one)";
    History => "history", "history", "Search the query history (Enter inserts)";
    Undo => "undo", "undo", "Undo";
    Redo => "redo", "redo", "Redo";
    // Lists and grids
    Up => "up", "up", "Move up";
    Down => "down", "down", "Move down";
    Left => "left", "left", "Move left / collapse";
    Right => "right", "right", "Move right / expand";
    PageUp => "page-up", "page up", "Page up";
    PageDown => "page-down", "page down", "Page down";
    PageLeft => "page-left", "columns left", "Scroll a page of columns left";
    PageRight => "page-right", "columns right", "Scroll a page of columns right";
    Top => "top", "top", "Jump to the first row";
    Bottom => "bottom", "bottom", "Jump to the last row";
    LineStart => "first-column", "first column", "Jump to the first column";
    LineEnd => "last-column", "last column", "Jump to the last column";
    Select => "select", "select", "Open / insert / confirm";
    // Results
    Sort => "sort", "sort", "Sort by this column (asc, desc, off), in DuckDB";
    ViewCell => "view-cell", "view", "Show the whole value of the cell";
    CopyCell => "copy-cell", "copy", "Copy the cell";
    CopyRow => "copy-row", "copy row", "Copy the row (tab separated)";
    Export => "export", "export", "Export the whole result to CSV, Parquet or JSON";
    // Catalog
    Refresh => "refresh", "refresh", "Reload the catalog";
    // Popups and prompts
    Close => "close", "close", "Close the popup";
    // Deciles
    NextWindow => "next-window", "window", "Next lookback window";
    PrevWindow => "prev-window", "previous window", "Previous lookback window";
    NextCategory => "next-category", "category", "Next category";
    PrevCategory => "prev-category", "previous category", "Previous category";
    NextJob => "next-job", "job", "Next decile job";
    PrevJob => "prev-job", "previous job", "Previous decile job";
    RunJob => "run-job", "run", "Run the job now (Esc cancels)";
    ShowSql => "show-sql", "SQL", "Show the generated SQL";
    OpenSql => "open-sql", "open SQL", "Open the generated SQL in the SQL tab";
    EditJob => "edit-job", "edit", "Edit the job file (comments kept)";
    NewJob => "new-job", "new", "New job (a copy of the selected one)";
    // Schedules
    ToggleSchedule => "toggle-schedule", "enable/disable", "Enable or disable (enabling lifts a quarantine)";
    // Segments
    AddCondition => "add-condition", "add", "Add a condition or container to the rule";
    ToggleExclude => "toggle-exclude", "exclude", "Include / exclude the selected condition";
    DeleteItem => "delete", "delete", "Delete the selected item";
    RenameItem => "rename", "rename", "Rename the selected item";
    DuplicateItem => "duplicate", "duplicate", "Duplicate the selected item";
    ExactCount => "exact-count", "exact", "Count exactly instead of from a sample";
    // Dashboard
    ZoomWidget => "zoom-widget", "zoom", "Widget full screen, or back";
    MoveWidget => "move-widget", "move", "Move the widget with the arrows";
    ResizeWidget => "resize-widget", "resize", "Resize the widget with the arrows";
    AddWidget => "add-widget", "add", "Add a widget: its kind, then its SQL";
    DuplicateWidget => "duplicate-widget", "duplicate", "Duplicate the widget";
    DeleteWidget => "delete-widget", "delete", "Delete the widget (asks first)";
    PickDates => "pick-dates", "dates", "Set the date range ($START_DATE, $END_DATE)";
    PickParam => "pick-param", "parameter", "Choose the global parameter ($PARAM)";
    RefreshInterval => "refresh-interval", "interval", "Set the refresh interval";
}

use Action as A;
use Context as C;

/// What an action does in a context where it means more than its default:
/// (context, action, hint, help). Looked up by [`Action::desc`].
pub const IN_CONTEXT: &[(Context, Action, &str, &str)] = &[
    // Results grid
    (
        C::Results,
        A::Run,
        "run",
        "Run the editor's statement under the cursor again",
    ),
    (
        C::Results,
        A::Cancel,
        "cancel",
        "Cancel the running query or row count; else back to the editor",
    ),
    (C::Results, A::Up, "up", "Previous row"),
    (C::Results, A::Down, "down", "Next row"),
    (C::Results, A::Left, "left", "Previous column"),
    (C::Results, A::Right, "right", "Next column"),
    // Catalog
    (C::Catalog, A::Up, "up", "Previous entry"),
    (C::Catalog, A::Down, "down", "Next entry"),
    (C::Catalog, A::Left, "collapse", "Collapse the entry"),
    (
        C::Catalog,
        A::Right,
        "expand",
        "Expand the entry (schemas, tables, columns)",
    ),
    (C::Catalog, A::Top, "top", "First entry"),
    (C::Catalog, A::Bottom, "bottom", "Last entry"),
    (
        C::Catalog,
        A::Select,
        "insert",
        "Insert the name into the editor at the cursor",
    ),
    // Editor
    (
        C::Editor,
        A::Cancel,
        "cancel",
        "Cancel the running query, or the selection",
    ),
    // Popups
    (
        C::Popup,
        A::Select,
        "choose",
        "Choose the entry / confirm the prompt",
    ),
    // Deciles
    (C::Deciles, A::Up, "up", "Previous bucket"),
    (C::Deciles, A::Down, "down", "Next bucket"),
    (C::Deciles, A::PageUp, "page up", "Ten buckets up"),
    (C::Deciles, A::PageDown, "page down", "Ten buckets down"),
    (C::Deciles, A::Top, "top", "First bucket"),
    (C::Deciles, A::Bottom, "bottom", "Last bucket"),
    (
        C::Deciles,
        A::Select,
        "segment",
        "Create a segment of the bucket's customers (Segments tab)",
    ),
    (
        C::Deciles,
        A::Cancel,
        "cancel",
        "Cancel the running decile job",
    ),
    (
        C::Deciles,
        A::Refresh,
        "reload",
        "Reload the job files and the decile tables",
    ),
    // Segments
    (C::Segments, A::Up, "up", "Previous segment / condition"),
    (C::Segments, A::Down, "down", "Next segment / condition"),
    (C::Segments, A::PageUp, "scroll up", "Scroll the preview up"),
    (
        C::Segments,
        A::PageDown,
        "scroll down",
        "Scroll the preview down",
    ),
    (C::Segments, A::Left, "list", "Focus the segment list"),
    (C::Segments, A::Right, "rule", "Focus the rule tree"),
    (
        C::Segments,
        A::FocusNext,
        "list/rule",
        "Switch between the segment list and the rule tree",
    ),
    (
        C::Segments,
        A::Select,
        "edit",
        "Edit the selected condition's fields (with completion)",
    ),
    (
        C::Segments,
        A::EditJob,
        "edit",
        "Edit the selected condition's fields (with completion)",
    ),
    (C::Segments, A::NewJob, "new", "New segment"),
    (
        C::Segments,
        A::DeleteItem,
        "delete",
        "Delete the segment (list) or the condition (rule)",
    ),
    (
        C::Segments,
        A::RenameItem,
        "rename",
        "Rename the segment file",
    ),
    (
        C::Segments,
        A::DuplicateItem,
        "duplicate",
        "Copy the segment to a new name",
    ),
    (
        C::Segments,
        A::ShowSql,
        "SQL",
        "Show the generated SQL and its bound parameters",
    ),
    (
        C::Segments,
        A::OpenSql,
        "open SQL",
        "Open the generated SQL (values inlined) in the SQL tab",
    ),
    (
        C::Segments,
        A::RunJob,
        "refresh",
        "Refresh the membership (entered / existing / exited) now",
    ),
    (
        C::Segments,
        A::ExactCount,
        "exact",
        "Preview again with an exact count (no sample)",
    ),
    (
        C::Segments,
        A::Refresh,
        "reload",
        "Reload the segment files and the catalog",
    ),
    (
        C::Segments,
        A::Cancel,
        "cancel",
        "Cancel the running preview",
    ),
    // CLV
    (
        C::Clv,
        A::RunJob,
        "fit",
        "Fit BG/NBD + Gamma-Gamma with the settings (Esc cancels)",
    ),
    (C::Clv, A::Cancel, "cancel", "Cancel the running fit"),
    (
        C::Clv,
        A::EditJob,
        "settings",
        "Edit the fit settings: source, columns, dates, horizon, discount",
    ),
    (
        C::Clv,
        A::NextWindow,
        "horizon",
        "Next horizon: 6, 12, 24, 36 or 60 months (r refits)",
    ),
    (
        C::Clv,
        A::OpenSql,
        "predictions in SQL",
        "Open the predictions table in the SQL tab",
    ),
    (
        C::Clv,
        A::Refresh,
        "reload",
        "Reload the latest fit of the workspace",
    ),
    (
        C::Clv,
        A::Up,
        "up",
        "Previous customer in the top customers",
    ),
    (
        C::Clv,
        A::Down,
        "down",
        "Next customer in the top customers",
    ),
    (C::Clv, A::PageUp, "page up", "Ten customers up"),
    (C::Clv, A::PageDown, "page down", "Ten customers down"),
    (C::Clv, A::Top, "top", "First of the top customers"),
    (C::Clv, A::Bottom, "bottom", "Last of the top customers"),
    // Schedules
    (
        C::Schedules,
        A::Up,
        "up",
        "Previous schedule, or previous run in the history",
    ),
    (
        C::Schedules,
        A::Down,
        "down",
        "Next schedule, or next run in the history",
    ),
    (C::Schedules, A::PageUp, "page up", "Ten up"),
    (C::Schedules, A::PageDown, "page down", "Ten down"),
    (C::Schedules, A::Top, "top", "First schedule / newest run"),
    (
        C::Schedules,
        A::Bottom,
        "bottom",
        "Last schedule / oldest run",
    ),
    (
        C::Schedules,
        A::RunJob,
        "run now",
        "Run the schedule's job now (recorded as a manual run)",
    ),
    (
        C::Schedules,
        A::EditJob,
        "frequency",
        "Edit the frequency inline (Enter saves, Esc cancels)",
    ),
    (
        C::Schedules,
        A::Cancel,
        "cancel run",
        "Cancel the job the scheduler is running",
    ),
    (
        C::Schedules,
        A::FocusNext,
        "history",
        "Move between the schedules and the run history",
    ),
    (
        C::Schedules,
        A::Select,
        "details",
        "Show the selected run in full, its error too",
    ),
    (
        C::Schedules,
        A::Refresh,
        "reload",
        "Read the schedule files and the run log again",
    ),
    // Dashboard
    (
        C::Dashboard,
        A::Up,
        "up",
        "Focus the widget above (while moving: move or resize)",
    ),
    (
        C::Dashboard,
        A::Down,
        "down",
        "Focus the widget below (while moving: move or resize)",
    ),
    (
        C::Dashboard,
        A::Left,
        "left",
        "Focus the widget to the left (while moving: move or resize)",
    ),
    (
        C::Dashboard,
        A::Right,
        "right",
        "Focus the widget to the right (while moving: move or resize)",
    ),
    (
        C::Dashboard,
        A::NextJob,
        "dashboard",
        "Next dashboard (a changed layout is saved first)",
    ),
    (
        C::Dashboard,
        A::PrevJob,
        "previous dashboard",
        "Previous dashboard",
    ),
    (
        C::Dashboard,
        A::Select,
        "done",
        "End moving / resizing; else pick a dashboard",
    ),
    (
        C::Dashboard,
        A::Cancel,
        "cancel",
        "End moving, leave zoom, or cancel loading widgets",
    ),
    (
        C::Dashboard,
        A::RunJob,
        "refresh",
        "Run every widget's query again",
    ),
    (
        C::Dashboard,
        A::Refresh,
        "reload",
        "Read the dashboard files again and refresh",
    ),
    (
        C::Dashboard,
        A::Save,
        "save",
        "Save the layout (comments and hand edits kept; also on switch and quit)",
    ),
    (
        C::Dashboard,
        A::Sort,
        "sort",
        "Table widget: sort by the next column / direction",
    ),
    (
        C::Dashboard,
        A::ShowSql,
        "SQL",
        "Show the widget's SQL (or its definition error)",
    ),
    (
        C::Dashboard,
        A::OpenSql,
        "open SQL",
        "Open the widget's SQL in the SQL tab",
    ),
];

impl Action {
    /// What this action does in `ctx`: the context's own meaning, else the default.
    pub fn desc(self, ctx: Context) -> Desc {
        IN_CONTEXT
            .iter()
            .find(|(c, a, _, _)| *c == ctx && *a == self)
            .map_or_else(
                || self.default_desc(),
                |&(_, _, hint, help)| Desc { hint, help },
            )
    }

    /// One line for the help screen, outside any pane's own meaning.
    pub fn help(self) -> &'static str {
        self.default_desc().help
    }
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

    #[test]
    fn a_context_meaning_overrides_the_default_once() {
        assert_eq!(A::NextWindow.desc(C::Clv).hint, "horizon");
        assert_eq!(A::NextWindow.desc(C::Deciles).hint, "window");
        let mut seen = std::collections::HashSet::new();
        for (c, a, hint, help) in IN_CONTEXT {
            assert!(seen.insert((*c, *a)), "{a:?} described twice in {c:?}");
            assert!(!hint.is_empty() && !help.is_empty());
        }
    }
}
