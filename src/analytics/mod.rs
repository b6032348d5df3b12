//! Pure domain logic: SQL builders and CLV math. No terminal, no files.

pub mod clv;
pub mod decile_table;
pub mod deciles;
