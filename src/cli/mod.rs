//! Headless commands: one file per command, thin (parse -> domain -> print).
pub mod sample;
