//! What a dashboard is once its file is read: a title, a refresh interval, the
//! filters, and widgets on a grid, each bound to SQL with a kind and column roles.
//! A widget whose definition is broken stays in the list as [`Slot::Broken`], so
//! the rest of the dashboard opens and the broken one can say file, line, reason.

use std::fmt;
use std::path::PathBuf;

/// Columns of the layout grid: a widget's `at = [col, row, width, height]` uses
/// twelfths of the width for `col`/`width` and screen rows for `row`/`height`.
pub const GRID_COLUMNS: u16 = 12;

/// A dashboard read from `dashboards/NAME.toml`.
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// The file stem; what `clvdesk dashboard render NAME` takes.
    pub name: String,
    pub path: PathBuf,
    pub title: String,
    /// Seconds between automatic refreshes in the app (`None`: config's `[refresh]`).
    pub refresh_seconds: Option<u32>,
    pub param: Option<ParamDef>,
    pub dates: DatesDef,
    pub widgets: Vec<Slot>,
    /// Problems outside any widget (a bad top-level key): shown above the grid.
    pub problems: Vec<Problem>,
}

impl Dashboard {
    /// Every problem of the file: top-level ones and broken widgets.
    pub fn all_problems(&self) -> Vec<&Problem> {
        self.problems
            .iter()
            .chain(self.widgets.iter().filter_map(|w| match w {
                Slot::Broken { problem, .. } => Some(problem),
                Slot::Widget(_) => None,
            }))
            .collect()
    }
}

/// The one global parameter, used in SQL as `$PARAM`.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamDef {
    pub label: String,
    /// Its choices: the first column of this query's rows.
    pub sql: String,
    /// The starting choice; `None` is "all" (`$PARAM` bound to NULL).
    pub default: Option<String>,
}

/// Where the default date range comes from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DatesDef {
    /// One value: the last day of the data. The default range is the 12 months
    /// ending there. Without it, the 12 months ending today.
    pub data_end_sql: Option<String>,
}

/// A file position and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}: {}", self.file.display(), self.reason),
            None => write!(f, "{}: {}", self.file.display(), self.reason),
        }
    }
}

/// A widget, or the place of one whose definition is broken.
// A dashboard holds a handful of slots, read once: boxing the widget buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Slot {
    Widget(Widget),
    Broken {
        /// Its title if it could be read, else `widget N`.
        title: String,
        /// Where it is drawn (a default place if `at` itself is broken).
        at: Pos,
        problem: Problem,
    },
}

impl Slot {
    pub fn at(&self) -> Pos {
        match self {
            Slot::Widget(w) => w.at,
            Slot::Broken { at, .. } => *at,
        }
    }

    pub fn title(&self) -> &str {
        match self {
            Slot::Widget(w) => &w.title,
            Slot::Broken { title, .. } => title,
        }
    }

    pub fn set_at(&mut self, pos: Pos) {
        match self {
            Slot::Widget(w) => w.at = pos,
            Slot::Broken { at, .. } => *at = pos,
        }
    }
}

/// A place on the grid: column (0-11) and width in twelfths, row and height in lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    pub col: u16,
    pub row: u16,
    pub width: u16,
    pub height: u16,
}

impl Pos {
    pub const MIN_HEIGHT: u16 = 3;

    /// Clamped to the grid: at least one column wide, at most twelve, inside it.
    pub fn clamped(self) -> Pos {
        let width = self.width.clamp(1, GRID_COLUMNS);
        Pos {
            col: self.col.min(GRID_COLUMNS - width),
            row: self.row.min(999),
            width,
            height: self.height.clamp(Self::MIN_HEIGHT, 200),
        }
    }

    pub fn bottom(self) -> u16 {
        self.row + self.height
    }
}

/// What a widget draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One line per series: label, bars, last value.
    Sparkline,
    /// Vertical (default) or horizontal bars, grouped when there are several values.
    Bar,
    /// Values over a time (or number) axis, several series, a legend.
    Line,
    /// One value, its change against the previous period, and a tiny sparkline.
    Number,
    /// Rows, sortable.
    Table,
    /// A value against a maximum.
    Gauge,
    /// Rows (cohorts) x columns (periods since), cells shaded by value.
    Heatmap,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::Sparkline,
        Kind::Bar,
        Kind::Line,
        Kind::Number,
        Kind::Table,
        Kind::Gauge,
        Kind::Heatmap,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Sparkline => "sparkline",
            Kind::Bar => "bar",
            Kind::Line => "line",
            Kind::Number => "number",
            Kind::Table => "table",
            Kind::Gauge => "gauge",
            Kind::Heatmap => "heatmap",
        }
    }

    pub fn from_name(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == s)
    }
}

/// Where a widget's rows come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A saved query, `queries/NAME.sql`.
    Query(String),
    /// SQL written in the dashboard file.
    Sql(String),
}

/// How values are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ValueFormat {
    #[default]
    Number,
    /// A fraction shown as a percentage (0.25 -> 25.0%).
    Percent,
}

/// Which result columns play which part. Missing roles default: `x` is the
/// first column, `y` the numeric columns after it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Roles {
    /// Category (bar), time or number axis (line, sparkline order), period (number),
    /// cohort (heatmap rows).
    pub x: Option<String>,
    /// Value column(s): several make grouped bars / several series.
    pub y: Vec<String>,
    /// A column whose distinct values split the rows into series (long format).
    pub series: Option<String>,
    /// Heatmap: the column of periods since the cohort start.
    pub column: Option<String>,
    /// Number: the previous period's value (else the row before the last).
    pub previous: Option<String>,
    /// Gauge: the maximum, a column name or a number (default 1).
    pub max: Option<MaxRole>,
    /// Table: the columns shown (default all), and the starting sort.
    pub columns: Vec<String>,
    pub sort: Option<String>,
    pub descending: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MaxRole {
    Column(String),
    Value(f64),
}

/// A widget definition.
#[derive(Debug, Clone)]
pub struct Widget {
    pub title: String,
    pub kind: Kind,
    pub source: Source,
    pub roles: Roles,
    pub at: Pos,
    /// Bars drawn left to right instead of bottom up.
    pub horizontal: bool,
    pub format: ValueFormat,
    /// Tables the widget needs (`schema.table`); while one is missing the widget
    /// says which instead of failing (a table another feature creates later).
    pub requires: Vec<String>,
    /// 1-based line of its `[[widget]]` header, for messages.
    pub line: usize,
}
