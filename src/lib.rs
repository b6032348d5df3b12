//! clvdesk: a terminal workbench for customer-lifetime-value analytics on
//! embedded DuckDB.
//!
//! Layers (arrows point down only):
//! `cli` and `tui` draw or print; `analytics` is pure domain logic (SQL
//! builders and math); `engine` talks to DuckDB; `workspace` knows where
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
pub mod sample;
pub mod scheduler;
pub mod sql;
pub mod tui;
pub mod workspace;
