//! Sorting a huge result in the grid, as the SQL tab does it (`engine::sorted`): the whole
//! result is sorted once into a scratch table, then pages are read from it. Run through
//! `bench/grid_sort.sh`, which prints the goal beside each number.
//!
//! Prints: time to the first sorted page (sort + first page), later pages (median and worst
//! of PAGES pages spread over the result), the process's peak RSS, and with OLD=1 what one
//! page cost before (`ORDER BY` re-run with LIMIT/OFFSET for every page).
//!
//! Env: ROWS (100000000), PAGES (20), MEMORY_LIMIT (DuckDB's memory_limit, default 700MB; the
//! sort spills to the database's temp directory beyond it), THREADS (DuckDB's default when
//! unset), OLD (0).

use std::time::Instant;

use clvdesk::engine::Database;
use clvdesk::engine::sorted::{drop_sorted, sort_into, sorted_table_source};
use clvdesk::engine::worker::{fetch_page, sorted_source};

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

/// Peak resident set of this process (kB), from /proc.
fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn main() -> anyhow::Result<()> {
    let rows: u64 = env("ROWS", "100000000").parse()?;
    let pages: u64 = env("PAGES", "20").parse()?;
    let limit = env("MEMORY_LIMIT", "700MB");
    let dir = tempfile::tempdir()?;
    let db = Database::open_workspace(&dir.path().join("warehouse.duckdb"))?;
    let conn = db.conn();
    conn.execute_batch(&format!(
        "SET memory_limit = {}",
        clvdesk::sql::quote_literal(&limit)
    ))?;
    if let Ok(t) = std::env::var("THREADS") {
        conn.execute_batch(&format!("SET threads = {}", t.parse::<u32>()?))?;
    }
    let threads: i64 = conn.query_row("SELECT current_setting('threads')", [], |r| r.get(0))?;
    // A derived column: not the order the rows come in.
    let source =
        format!("select range as id, (range * 7919) % 1000003 as derived from range({rows})");
    println!("rows {rows}, memory_limit {limit}, threads {threads}");

    if env("OLD", "0") == "1" {
        let t = Instant::now();
        let b = fetch_page(conn, &sorted_source(&source, "derived", true), 1000, 1000)?;
        println!(
            "before: one page by ORDER BY + LIMIT/OFFSET   {:8.3} s ({} rows; every page pays it)",
            t.elapsed().as_secs_f64(),
            b.num_rows()
        );
    }

    let worker = db.clone_conn()?;
    let t = Instant::now();
    let n = sort_into(&worker, &source, "derived", true, "bench")?;
    let sorted = t.elapsed().as_secs_f64();
    let page_source = sorted_table_source("bench");
    let page_conn = db.clone_conn()?;
    let first = fetch_page(&page_conn, &page_source, 0, 1000)?;
    let first_page = t.elapsed().as_secs_f64();
    println!(
        "first sorted page on screen                 {first_page:8.3} s (sort {sorted:.3} s, {n} rows, page {} rows)",
        first.num_rows()
    );
    let mut times = Vec::new();
    for i in 1..=pages {
        let offset = (n / (pages + 1)) * i / 1000 * 1000;
        let t = Instant::now();
        let b = fetch_page(&page_conn, &page_source, offset, 1000)?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(b.num_rows(), 1000);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "later pages ({pages}, spread over the result)     median {:.1} ms, worst {:.1} ms",
        times[times.len() / 2],
        times[times.len() - 1]
    );
    drop_sorted(&page_conn, "bench")?;
    println!(
        "peak RSS                                    {:8.0} MiB",
        peak_rss_kb() as f64 / 1024.0
    );
    Ok(())
}
