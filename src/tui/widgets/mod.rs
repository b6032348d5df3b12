//! Reusable drawing pieces: the virtualised grid, sparklines, SQL highlighting.

pub mod grid;
pub mod highlight;
pub mod sparkline;
