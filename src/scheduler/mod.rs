//! Jobs and schedules: the typed job model ([`job`], [`kinds`]), the workspace's jobs
//! ([`registry`]), schedule files and "what is due" ([`schedule`], [`frequency`],
//! [`schedule_file`]), the run log ([`runlog`]) and the runner shared by the app thread
//! and `clvdesk --run-schedule` ([`runner`]).

pub mod background;
pub mod checkpoint;
pub mod definition;
pub mod frequency;
pub mod job;
pub mod jobs;
pub mod kinds;
pub mod registry;
pub mod runlog;
pub mod runner;
pub mod schedule;
pub mod schedule_file;
pub mod sql_job;
pub mod starters;

#[cfg(test)]
mod due_tests;
