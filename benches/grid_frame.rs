//! Drawing one frame of a 200-column, 1,000,000-row result into a
//! `TestBackend`. The result is the app's real paged view (`ResultView`): it
//! knows the total (1M rows) but holds only the Arrow pages around the view,
//! exactly as after scrolling there in the app; cells are formatted only when
//! drawn. Target: under 2 ms per frame.

use std::sync::Arc;
use std::time::Duration;

use clvdesk::engine::worker::{ResultPage, RowCount};
use clvdesk::tui::panes::results::{self, PAGE_ROWS, ResultView, ResultsState};
use clvdesk::tui::theme::Theme;
use criterion::{Criterion, criterion_group, criterion_main};
use duckdb::arrow::array::{
    ArrayRef, Float64Array, Int64Array, ListArray, RecordBatch, StringArray,
};
use duckdb::arrow::datatypes::{DataType, Field, Int64Type, Schema};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const COLS: usize = 200;
const ROWS: u64 = 1_000_000;

fn schema() -> Arc<Schema> {
    let fields: Vec<Field> = (0..COLS)
        .map(|c| match c % 4 {
            0 => Field::new(format!("id_{c}"), DataType::Int64, true),
            1 => Field::new(format!("amount_{c}"), DataType::Float64, true),
            2 => Field::new(format!("name_{c}"), DataType::Utf8, true),
            _ => Field::new(
                format!("trend_{c}"),
                DataType::List(Arc::new(Field::new("item", DataType::Int64, true))),
                true,
            ),
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// Rows `first..first+PAGE_ROWS` of the synthetic result.
fn page(schema: &Arc<Schema>, first: u64) -> RecordBatch {
    let n = PAGE_ROWS as u64;
    let cols: Vec<ArrayRef> = (0..COLS)
        .map(|c| -> ArrayRef {
            match c % 4 {
                0 => Arc::new(Int64Array::from_iter(
                    (first..first + n).map(|r| Some((r * 7919 + c as u64) as i64)),
                )),
                1 => Arc::new(Float64Array::from_iter((first..first + n).map(|r| {
                    if r % 17 == 0 {
                        None
                    } else {
                        Some(r as f64 * 1.25)
                    }
                }))),
                2 => Arc::new(StringArray::from_iter(
                    (first..first + n)
                        .map(|r| Some(format!("customer {r} with a fairly long name"))),
                )),
                _ => Arc::new(ListArray::from_iter_primitive::<Int64Type, _, _>(
                    (first..first + n).map(|r| {
                        Some(
                            (0..12)
                                .map(|k| Some(((r + k) % 9) as i64))
                                .collect::<Vec<_>>(),
                        )
                    }),
                )),
            }
        })
        .collect();
    RecordBatch::try_new(schema.clone(), cols).expect("batch")
}

fn view_at(row: u64) -> ResultsState {
    let schema = schema();
    let mut v = ResultView::new(
        1,
        ResultPage {
            source: Some("select * from big".into()),
            schema: schema.clone(),
            batch: page(&schema, 0),
            total: RowCount::Exact(ROWS),
            elapsed: Duration::ZERO,
        },
    );
    let p = row / PAGE_ROWS as u64;
    for q in [p, p + 1] {
        v.insert_page(q, page(&schema, q * PAGE_ROWS as u64));
    }
    v.grid.row = row;
    v.grid.top = row;
    ResultsState::Ready(Box::new(v))
}

fn bench(c: &mut Criterion) {
    let theme = Theme::dark();
    // Baseline: a frame that only paints the background (TestBackend + diff cost).
    let mut term = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
    c.bench_function("baseline: empty 200x50 frame", |b| {
        b.iter(|| {
            term.draw(|f| {
                let area = f.area();
                f.buffer_mut()
                    .set_style(area, theme.get(clvdesk::tui::theme::Slot::Base));
            })
            .expect("draw");
        })
    });
    for (w, h) in [(200u16, 50u16), (120, 40)] {
        let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        let mut state = view_at(500_000);
        c.bench_function(&format!("grid frame {w}x{h}, 200 cols x 1M rows"), |b| {
            b.iter(|| {
                term.draw(|f| results::draw(f, f.area(), &mut state, &theme, true))
                    .expect("draw");
            })
        });
        // Scrolling: every frame moves a row and a column, as when holding a key.
        let mut state = view_at(500_000);
        let mut i = 0u64;
        c.bench_function(&format!("grid frame {w}x{h} while scrolling"), |b| {
            b.iter(|| {
                if let ResultsState::Ready(v) = &mut state {
                    i += 1;
                    v.grid.row = 500_000 + (i % 900);
                    v.grid.col = (i % COLS as u64) as usize;
                }
                term.draw(|f| results::draw(f, f.area(), &mut state, &theme, true))
                    .expect("draw");
            })
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(60).measurement_time(Duration::from_secs(4));
    targets = bench
}
criterion_main!(benches);
