//! The Schedules tab drawn alone in each of its states.

use std::path::PathBuf;

use chrono::{TimeZone, Utc};

use super::model::{Next, Overview, Row, RunningJob, State};
use super::{SchedulesPane, View};
use crate::scheduler::definition::InvalidFile;
use crate::scheduler::runlog::{RunRecord, RunStatus};
use crate::scheduler::schedule::{Params, Trigger};
use crate::tui::headless::draw_pane;

fn at(h: u32, m: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 2, h, m, 0).unwrap()
}

fn row(name: &str, job: &str, state: State, next: Next) -> Row {
    Row {
        name: name.into(),
        file: PathBuf::from(format!("/ws/schedules/{name}.toml")),
        job: job.into(),
        kind: "sql".into(),
        frequency: "daily at 03:00".into(),
        state,
        failures: match state {
            State::Quarantined { failures } => failures,
            _ => 0,
        },
        quarantine_after: 10,
        next,
        last: None,
        params: Params::new(),
    }
}

fn run(id: i64, status: RunStatus, error: Option<&str>) -> RunRecord {
    RunRecord {
        id,
        job: "fold".into(),
        kind: "sql".into(),
        schedule: Some("nightly".into()),
        trigger: Trigger::Scheduled,
        slot: Some(at(3, 0)),
        started: at(3, 0),
        finished: Some(at(3, 1)),
        status,
        rows: Some(1234),
        error: error.map(str::to_string),
        tables: vec!["facts".into()],
        summary: None,
        parameters: None,
    }
}

fn overview(rows: Vec<Row>, errors: Vec<InvalidFile>, history: Vec<RunRecord>) -> Overview {
    Overview {
        dir: PathBuf::from("/ws/schedules"),
        history_of: rows.first().map(|r| r.name.clone()),
        rows,
        errors,
        jobs: vec!["fold".into(), "loyalty_miles".into()],
        history,
        read_at: at(12, 0),
    }
}

#[test]
fn loading_and_no_folder_say_so() {
    let mut p = SchedulesPane::empty();
    let s = draw_pane(&mut p, 100, 20);
    assert!(s.contains("Reading the schedule files"), "{s}");
    p.view = View::NoFolder;
    let s = draw_pane(&mut p, 100, 20);
    assert!(s.contains("schedules live in a workspace folder"), "{s}");
}

#[test]
fn an_empty_workspace_says_how_to_add_a_schedule() {
    let mut p = SchedulesPane::empty();
    p.view = View::Ready(Box::new(overview(vec![], vec![], vec![])));
    let s = draw_pane(&mut p, 100, 20);
    assert!(s.contains("No schedules in /ws/schedules"), "{s}");
    assert!(s.contains("frequency = \"daily\""), "{s}");
    assert!(
        s.contains("jobs of this workspace: fold, loyalty_miles"),
        "{s}"
    );
}

#[test]
fn a_broken_file_is_named_with_its_line_while_the_others_show() {
    let mut p = SchedulesPane::empty();
    let bad = InvalidFile::new(
        &PathBuf::from("/ws/schedules/broken.toml"),
        Some(3),
        "frequency `sometimes`: use hourly, daily, weekly, monthly or cron",
    );
    p.view = View::Ready(Box::new(overview(
        vec![
            row(
                "nightly",
                "fold",
                State::Enabled,
                Next::At(at(3, 0) + chrono::Duration::days(1)),
            ),
            row(
                "stopped",
                "fold",
                State::Quarantined { failures: 10 },
                Next::Stopped,
            ),
            row("off", "loyalty_miles", State::Disabled, Next::Stopped),
        ],
        vec![bad],
        vec![
            run(
                2,
                RunStatus::Failed,
                Some(
                    "job `fold` failed: Catalog Error: Table with name nope does not exist!\nLINE 1: select * from nope",
                ),
            ),
            run(1, RunStatus::Succeeded, None),
        ],
    )));
    let s = draw_pane(&mut p, 120, 24);
    assert!(
        s.contains("/ws/schedules/broken.toml:3: frequency `sometimes`"),
        "{s}"
    );
    assert!(
        s.contains("nightly") && s.contains("2026-12-03 03:00"),
        "{s}"
    );
    assert!(s.contains("quarantined (10 failed)"), "{s}");
    assert!(s.contains("disabled"), "{s}");
    assert!(s.contains("History of nightly · 2 runs"), "{s}");
    // The selected run's error in full, its second line too.
    assert!(s.contains("LINE 1: select * from nope"), "{s}");
    // A run of the schedule shows as running, with its elapsed time.
    p.running = Some(RunningJob {
        job: "fold".into(),
        schedule: Some("nightly".into()),
        trigger: Trigger::Scheduled,
        started: std::time::Instant::now(),
        percent: Some(42.0),
    });
    let s = draw_pane(&mut p, 120, 24);
    assert!(s.contains("running 0.") && s.contains("42%"), "{s}");
}

#[test]
fn too_small_names_the_size_it_needs() {
    let mut p = SchedulesPane::empty();
    p.view = View::Ready(Box::new(overview(vec![], vec![], vec![])));
    let s = draw_pane(&mut p, 40, 8);
    assert!(s.contains("needs at least 50×14"), "{s}");
}
