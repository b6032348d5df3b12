//! clvdesk: a terminal workbench for customer-lifetime-value analytics on
//! embedded DuckDB.
//!
//! Layers (arrows point down only):
//! `cli` and `tui` draw or print; `analytics` is pure domain logic (SQL
//! builders and math); `engine` talks to DuckDB; `pipeline` orchestrates jobs
//! that need both (the CLV fit: summary in DuckDB, math in Rust, results back
//! to DuckDB), so neither of those imports the other; `workspace` knows where
//! things live on disk; `config` reads the user's config.toml; `sample`
//! generates synthetic data; `dashboard` reads, queries and draws dashboards
//! (drawing into a ratatui buffer, no terminal). `sql` is a leaf that every layer may use: the one
//! SQL lexer (split, check, highlight) and the quoting helpers.

pub mod analytics;
pub mod atomic;
pub mod cli;
pub mod config;
pub mod dashboard;
pub mod engine;
pub mod pipeline;
pub mod sample;
pub mod scheduler;
pub mod segments;
pub mod sql;
pub mod tui;
pub mod workspace;
