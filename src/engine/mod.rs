//! DuckDB: open/lock handling, metadata-schema migrations, query worker with
//! cancel and progress, paged results, catalog, exports. Knows no terminal.

pub mod catalog;
pub mod database;
pub mod error;
pub mod export;
pub mod format;
pub mod info;
pub mod ingest;
pub mod migrations;
pub mod sorted;
pub mod sql;
pub mod worker;

pub use database::{Database, in_transaction};
pub use error::EngineError;
