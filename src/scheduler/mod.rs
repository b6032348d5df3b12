//! Schedules, "what is due", and the job runners shared by the app thread and
//! `clvdesk --run-schedule`.

pub mod jobs;
