//! Reusable drawing pieces: the virtualised grid, the fitting table, sparklines,
//! SQL highlighting. Every table shortens numbers through `engine::format::fit_number`.

pub mod grid;
pub mod highlight;
pub mod sparkline;
pub mod table;
