//! Orchestration above the engine and the domain logic: jobs that need both DuckDB
//! (`engine`) and the math or SQL builders (`analytics`). `engine` and `analytics` import
//! nothing from here.

pub mod clv;
