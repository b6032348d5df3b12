//! The results area of the SQL tab: an explicit state machine, a bounded page
//! cache, and the grid drawn from it.
//!
//! A result is never held whole. The worker returns the first page and the
//! source SQL; later pages are fetched (`LIMIT/OFFSET` in DuckDB) as the view
//! scrolls, the exact count arrives in the background, sorting sorts the
//! whole result once in DuckDB into a scratch table that later pages are read
//! from (`engine::sorted`), and export is DuckDB's `COPY`.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use duckdb::arrow::array::{Array, RecordBatch};
use duckdb::arrow::datatypes::{DataType, SchemaRef};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::engine::format::{self, ColumnFormatter};
use crate::engine::sorted::sorted_table_source;
use crate::engine::worker::{QueryOutcome, RequestId, ResultPage, RowCount, sorted_source};
use crate::tui::theme::{Slot, Theme};
use crate::tui::widgets::grid::{CellKind, Grid, GridCell, GridSource, GridState};
use crate::tui::widgets::sparkline::sparkline;

/// Rows per page (the first page of a query is the same size).
pub const PAGE_ROWS: usize = 1000;
/// Pages kept in memory; the farthest from the view are dropped first.
pub const MAX_PAGES: usize = 12;
/// Widest sparkline drawn in a cell.
const SPARK_WIDTH: usize = 24;

/// What the results area shows.
pub enum ResultsState {
    Idle,
    Running {
        id: RequestId,
        sql: String,
        started: Instant,
        progress: Option<f64>,
    },
    Ready(Box<ResultView>),
    Executed {
        statement: String,
        rows_changed: Option<u64>,
        elapsed: Duration,
    },
    Failed {
        sql: String,
        message: String,
    },
    Cancelled {
        sql: String,
        elapsed: Duration,
    },
}

/// The sorted copy of a result (see `engine::sorted`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortTable {
    None,
    /// The task `task` is sorting the whole result into the scratch table `table`.
    Sorting {
        task: RequestId,
        table: String,
    },
    /// `table` holds the whole result in sorted order.
    Ready {
        table: String,
    },
}

/// A result being browsed.
pub struct ResultView {
    pub schema: SchemaRef,
    /// The query as run (None when it cannot be wrapped, e.g. SHOW).
    pub base_source: Option<String>,
    /// `(column, descending)` when sorted.
    pub sort: Option<(usize, bool)>,
    /// Where the sorted rows are (while `sort` is set).
    pub sorted: SortTable,
    /// Numbers the scratch tables of this result's sorts.
    pub sort_seq: u64,
    pub total: RowCount,
    /// The background count failed or was cancelled.
    pub count_error: Option<String>,
    pub elapsed: Duration,
    /// Page index -> rows `[i*PAGE_ROWS, (i+1)*PAGE_ROWS)` of the current source.
    pages: BTreeMap<u64, RecordBatch>,
    /// Request id -> page index, for fetches in flight.
    pub inflight: HashMap<RequestId, u64>,
    /// Request id of the query (its Count event still matters).
    pub query_id: RequestId,
    pub grid: GridState,
    /// Jump to the last row once the count is known.
    pub want_bottom: bool,
    /// Whether each column is a LIST of numbers (drawn as a sparkline).
    spark_cols: Vec<bool>,
    /// Most decimals shown for floats (config.toml `grid.float_digits`).
    pub float_digits: u8,
}

impl ResultView {
    pub fn new(query_id: RequestId, page: ResultPage) -> Self {
        let spark_cols = page
            .schema
            .fields()
            .iter()
            .map(|f| is_number_list(f.data_type()))
            .collect();
        let mut pages = BTreeMap::new();
        if page.batch.num_rows() > 0 {
            pages.insert(0, page.batch);
        }
        ResultView {
            schema: page.schema,
            base_source: page.source,
            sort: None,
            sorted: SortTable::None,
            sort_seq: 0,
            total: page.total,
            count_error: None,
            elapsed: page.elapsed,
            pages,
            inflight: HashMap::new(),
            query_id,
            grid: GridState::default(),
            want_bottom: false,
            spark_cols,
            float_digits: format::DEFAULT_FLOAT_DIGITS,
        }
    }

    /// The SQL pages are read from: the base query, or the sorted scratch table once the
    /// sort is done; `None` while sorting (nothing to page yet) or when not re-runnable.
    pub fn page_source(&self) -> Option<String> {
        self.base_source.as_ref()?;
        match (&self.sort, &self.sorted) {
            (Some(_), SortTable::Ready { table }) => Some(sorted_table_source(table)),
            (Some(_), _) => None,
            (None, _) => self.source(),
        }
    }

    /// The scratch table to drop when the sort changes or the result goes away.
    pub fn take_sort_table(&mut self) -> Option<(String, Option<RequestId>)> {
        match std::mem::replace(&mut self.sorted, SortTable::None) {
            SortTable::None => None,
            SortTable::Sorting { task, table } => Some((table, Some(task))),
            SortTable::Ready { table } => Some((table, None)),
        }
    }

    /// The SQL whose rows are shown (sorted if a sort is set), re-runnable on its own
    /// (export).
    pub fn source(&self) -> Option<String> {
        if let (Some(_), SortTable::Ready { table }) = (&self.sort, &self.sorted) {
            return Some(sorted_table_source(table));
        }
        let base = self.base_source.as_ref()?;
        Some(match self.sort {
            Some((col, desc)) => sorted_source(base, self.schema.field(col).name(), desc),
            None => base.clone(),
        })
    }

    pub fn rows_known(&self) -> u64 {
        self.total.value()
    }

    pub fn pages_cached(&self) -> usize {
        self.pages.len()
    }

    /// Bytes held by the cached pages.
    pub fn cached_bytes(&self) -> usize {
        self.pages.values().map(|b| b.get_array_memory_size()).sum()
    }

    /// A page arrived. Drop pages farthest from the view beyond the cap.
    pub fn insert_page(&mut self, page: u64, batch: RecordBatch) {
        self.pages.insert(page, batch);
        let here = self.grid.top / PAGE_ROWS as u64;
        while self.pages.len() > MAX_PAGES {
            let far = self
                .pages
                .keys()
                .copied()
                .max_by_key(|p| p.abs_diff(here))
                .unwrap_or(page);
            self.pages.remove(&far);
        }
    }

    pub fn clear_pages(&mut self) {
        self.pages.clear();
    }

    /// Pages the current view needs (visible rows plus one page ahead)
    /// that are neither cached nor being fetched.
    pub fn missing_pages(&self) -> Vec<u64> {
        let total = self.rows_known();
        if total == 0 || self.page_source().is_none() {
            return Vec::new();
        }
        let vis = self.grid.visible_rows();
        let first = vis.start / PAGE_ROWS as u64;
        let last_row = vis.end.min(total).saturating_sub(1);
        let last = (last_row / PAGE_ROWS as u64 + 1).min((total - 1) / PAGE_ROWS as u64);
        (first..=last)
            .filter(|p| !self.pages.contains_key(p) && !self.inflight.values().any(|q| q == p))
            .collect()
    }

    /// In-flight fetches no longer near the view (to cancel).
    pub fn stale_fetches(&self) -> Vec<RequestId> {
        let vis = self.grid.visible_rows();
        let first = (vis.start / PAGE_ROWS as u64).saturating_sub(1);
        let last = vis.end / PAGE_ROWS as u64 + 1;
        self.inflight
            .iter()
            .filter(|(_, p)| **p < first || **p > last)
            .map(|(id, _)| *id)
            .collect()
    }

    fn batch_for(&self, row: u64) -> Option<(&RecordBatch, usize)> {
        let b = self.pages.get(&(row / PAGE_ROWS as u64))?;
        let r = (row % PAGE_ROWS as u64) as usize;
        (r < b.num_rows()).then_some((b, r))
    }

    /// The whole value of a cell (for the viewer and copy), unformatted
    /// numbers aside.
    pub fn full_text(&self, row: u64, col: usize) -> Option<String> {
        let (b, r) = self.batch_for(row)?;
        Some(
            ColumnFormatter::new(b.column(col).as_ref(), false)
                .cell(r)
                .text,
        )
    }

    /// The row as tab-separated text.
    pub fn row_text(&self, row: u64) -> Option<String> {
        let (b, r) = self.batch_for(row)?;
        Some(
            (0..b.num_columns())
                .map(|c| {
                    let cell = ColumnFormatter::new(b.column(c).as_ref(), false).cell(r);
                    if cell.null { String::new() } else { cell.text }
                })
                .collect::<Vec<_>>()
                .join("\t"),
        )
    }

    /// "1,234,567 rows", "≥1,000 rows (counting…)", "first 1,000 rows (more not shown)".
    pub fn count_line(&self) -> String {
        let n = self.rows_known();
        let rows = |n: u64| format!("{} row{}", group(n), if n == 1 { "" } else { "s" });
        match self.total {
            RowCount::Exact(_) => rows(n),
            RowCount::AtLeast(_) if self.base_source.is_none() => {
                format!(
                    "first {} (more rows not shown: this statement cannot be paged)",
                    rows(n)
                )
            }
            RowCount::AtLeast(_) => match &self.count_error {
                Some(e) => format!("at least {} (count failed: {e})", rows(n)),
                None => format!("at least {} (counting…)", rows(n)),
            },
        }
    }
}

/// The numbers of a LIST cell, read in place (no cast, no copy of the list).
fn list_values(arr: &dyn Array, row: usize) -> Vec<Option<f64>> {
    use duckdb::arrow::array::AsArray;
    use duckdb::arrow::datatypes as t;
    let values = match arr.data_type() {
        DataType::List(_) => arr.as_list::<i32>().value(row),
        DataType::LargeList(_) => arr.as_list::<i64>().value(row),
        DataType::FixedSizeList(..) => arr.as_fixed_size_list().value(row),
        _ => return Vec::new(),
    };
    macro_rules! read {
        ($($dt:ident => $ty:ty),*) => {
            match values.data_type() {
                $(DataType::$dt => values
                    .as_primitive::<$ty>()
                    .iter()
                    .map(|v| v.map(|v| v as f64))
                    .collect(),)*
                // Decimals and the rest: the engine's general path (a cast).
                _ => format::list_numbers(arr, row)
                    .unwrap_or_default()
                    .into_iter()
                    .map(Some)
                    .collect(),
            }
        };
    }
    read!(
        Int8 => t::Int8Type, Int16 => t::Int16Type, Int32 => t::Int32Type, Int64 => t::Int64Type,
        UInt8 => t::UInt8Type, UInt16 => t::UInt16Type, UInt32 => t::UInt32Type,
        UInt64 => t::UInt64Type, Float32 => t::Float32Type, Float64 => t::Float64Type
    )
}

fn is_number_list(dt: &DataType) -> bool {
    match dt {
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
            f.data_type().is_numeric()
        }
        _ => false,
    }
}

/// `1234567` -> `1,234,567`.
pub fn group(n: u64) -> String {
    format::group_thousands(&n.to_string())
}

impl GridSource for ResultView {
    fn column_count(&self) -> usize {
        self.schema.fields().len()
    }

    fn column_name(&self, col: usize) -> &str {
        self.schema.field(col).name()
    }

    fn column_numeric(&self, col: usize) -> bool {
        self.schema.field(col).data_type().is_numeric()
    }

    fn row_count(&self) -> u64 {
        self.rows_known()
    }

    fn cell(&self, row: u64, col: usize) -> Option<GridCell> {
        self.column_cells(row..row + 1, col).pop().flatten()
    }

    fn column_cells(&self, rows: std::ops::Range<u64>, col: usize) -> Vec<Option<GridCell>> {
        let mut out = Vec::with_capacity((rows.end - rows.start) as usize);
        let mut row = rows.start;
        // Rows of one page share a formatter: set it up once per page and column.
        while row < rows.end {
            let page = row / PAGE_ROWS as u64;
            let page_end = ((page + 1) * PAGE_ROWS as u64).min(rows.end);
            let Some(b) = self.pages.get(&page) else {
                out.extend((row..page_end).map(|_| None));
                row = page_end;
                continue;
            };
            let arr = b.column(col);
            let fmt = (!self.spark_cols[col]).then(|| {
                ColumnFormatter::new(arr.as_ref(), true).with_float_digits(self.float_digits)
            });
            let nulls = arr.logical_nulls();
            for r in row..page_end {
                let i = (r % PAGE_ROWS as u64) as usize;
                if i >= b.num_rows() {
                    out.push(None);
                    continue;
                }
                if nulls.as_ref().is_some_and(|n| n.is_null(i)) {
                    out.push(Some(GridCell::null()));
                    continue;
                }
                out.push(Some(match &fmt {
                    Some(fmt) => {
                        let c = fmt.cell(i);
                        GridCell {
                            text: c.text,
                            kind: if c.align == format::Align::Right {
                                CellKind::Number
                            } else {
                                CellKind::Text
                            },
                        }
                    }
                    None => GridCell {
                        text: sparkline(&list_values(arr.as_ref(), i), SPARK_WIDTH),
                        kind: CellKind::Spark,
                    },
                }));
            }
            row = page_end;
        }
        out
    }

    fn sort_marker(&self, col: usize) -> Option<bool> {
        match self.sort {
            Some((c, desc)) if c == col => Some(!desc),
            _ => None,
        }
    }
}

/// What happened when a query finished, for history.
pub fn outcome_status(o: &QueryOutcome) -> (&'static str, Option<u64>) {
    match o {
        QueryOutcome::Rows(p) => (
            "ok",
            match p.total {
                RowCount::Exact(n) => Some(n),
                RowCount::AtLeast(_) => None,
            },
        ),
        QueryOutcome::Executed { rows_changed, .. } => ("ok", *rows_changed),
        QueryOutcome::Failed(_) => ("error", None),
        QueryOutcome::Cancelled => ("cancelled", None),
    }
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// Draw the results area.
pub fn draw(f: &mut Frame, area: Rect, state: &mut ResultsState, theme: &Theme, focused: bool) {
    let border = if focused {
        Slot::BorderFocused
    } else {
        Slot::Border
    };
    let title: Line = match state {
        ResultsState::Ready(v) => {
            let mut spans = vec![Span::styled(" Results ", theme.get(Slot::Title))];
            spans.push(Span::styled(
                format!("{} ", v.count_line()),
                theme.get(Slot::Base),
            ));
            let ncols = v.schema.fields().len();
            if ncols > 0 {
                let field = v.schema.field(v.grid.col.min(ncols - 1));
                spans.push(Span::styled(
                    format!(
                        "· {} col{} · {}: {} ",
                        ncols,
                        if ncols == 1 { "" } else { "s" },
                        field.name(),
                        field.data_type()
                    ),
                    theme.get(Slot::Dim),
                ));
            }
            if let Some((c, desc)) = v.sort {
                spans.push(Span::styled(
                    format!(
                        "· {} by {} {} ",
                        if matches!(v.sorted, SortTable::Sorting { .. }) {
                            "sorting"
                        } else {
                            "sorted"
                        },
                        v.schema.field(c).name(),
                        if desc { "desc" } else { "asc" }
                    ),
                    theme.get(Slot::Dim),
                ));
            }
            spans.push(Span::styled(
                format!("· {} ", secs(v.elapsed)),
                theme.get(Slot::Dim),
            ));
            Line::from(spans)
        }
        _ => Line::from(Span::styled(" Results ", theme.get(Slot::Title))),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.get(border))
        .title(title)
        .style(theme.get(Slot::Base));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let para = |lines: Vec<Line<'static>>| Paragraph::new(lines).wrap(Wrap { trim: false });
    match state {
        ResultsState::Idle => {
            let lines = vec![
                Line::styled("No result yet.", theme.get(Slot::Dim)),
                Line::styled(
                    "Write a query above and press Ctrl+J (or F5, or Ctrl+Enter where the terminal reports it).",
                    theme.get(Slot::Dim),
                ),
            ];
            f.render_widget(para(lines), inner);
        }
        ResultsState::Running {
            started, progress, ..
        } => {
            let pct = progress.map(|p| format!(" {p:.0}%")).unwrap_or_default();
            let lines = vec![
                Line::styled(
                    format!("Running… {:.1} s{pct}", started.elapsed().as_secs_f64()),
                    theme.get(Slot::Warning),
                ),
                Line::styled("Esc or Ctrl+C cancels.", theme.get(Slot::Dim)),
            ];
            f.render_widget(para(lines), inner);
        }
        ResultsState::Ready(v) => {
            if v.schema.fields().is_empty() {
                f.render_widget(
                    para(vec![Line::styled("(no columns)", theme.get(Slot::Dim))]),
                    inner,
                );
                return;
            }
            // The view is both the source and the owner of the grid state.
            let mut gs = std::mem::take(&mut v.grid);
            let grid = Grid {
                source: v.as_ref(),
                theme,
                focused,
            };
            f.render_stateful_widget(grid, inner, &mut gs);
            v.grid = gs;
        }
        ResultsState::Executed {
            statement,
            rows_changed,
            elapsed,
        } => {
            let what = match rows_changed {
                Some(n) => format!(
                    "{statement} OK, {} row{} affected",
                    group(*n),
                    if *n == 1 { "" } else { "s" }
                ),
                None => format!("{statement} OK"),
            };
            let lines = vec![Line::styled(
                format!("{what} ({})", secs(*elapsed)),
                theme.get(Slot::Success),
            )];
            f.render_widget(para(lines), inner);
        }
        ResultsState::Failed { message, .. } => {
            let mut lines = vec![Line::styled("Error", theme.get(Slot::Error))];
            lines.extend(
                message
                    .lines()
                    .map(|l| Line::styled(l.to_string(), theme.get(Slot::Error))),
            );
            f.render_widget(para(lines), inner);
        }
        ResultsState::Cancelled { elapsed, .. } => {
            let lines = vec![Line::styled(
                format!("Cancelled after {}.", secs(*elapsed)),
                theme.get(Slot::Warning),
            )];
            f.render_widget(para(lines), inner);
        }
    }
}
