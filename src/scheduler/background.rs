//! The app's scheduler: a thread with its own connection that runs due jobs while the
//! analyst works, and runs a job on request ("run now"). It reports what it does as
//! typed [`Event`]s through a callback (the app turns them into messages of its loop);
//! it is stopped by dropping or [`Handle::stop`].
//!
//! It uses the same [`runner`] as `clvdesk --run-schedule`, so the app and cron agree on
//! what is due and record runs the same way.
//!
//! While a job runs, a second thread reports [`Event::Progress`] a few times a second
//! (DuckDB's estimate for the statement running on the scheduler's connection, when it
//! has one), so the app's status line can show the job's elapsed time and progress.
//! Cancel is typed: [`Handle::cancel_running`] sets the job's [`Cancel`] flag before it
//! interrupts DuckDB, and the runner reports an error after that as cancelled.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::Utc;
use duckdb::{Connection, ProgressHandle};

use super::job::Cancel;
use super::runlog;
use super::runner::{self, Definitions, PlannedRun, Request, RunReport};
use super::schedule::{Params, Trigger};

/// What the scheduler thread reports.
#[derive(Debug, Clone)]
pub enum Event {
    /// Runs left `running` by an earlier process were marked interrupted.
    Recovered(usize),
    /// A run started (its run log row exists).
    Started(PlannedRun),
    /// The running job is still running: sent every [`PROGRESS_EVERY`] while it runs.
    /// `percent` is DuckDB's estimate (0..=100) for the statement running now.
    Progress { job: String, percent: Option<f64> },
    /// A run ended.
    Finished(Box<RunReport>),
    /// The definitions could not be used (broken file, unknown job) or the run log
    /// could not be written; the scheduler keeps going and tries again later.
    Problem(String),
    /// The scheduler looked; nothing more is due until it looks again.
    Idle,
}

enum Command {
    RunNow { job: String, params: Params },
    Wake,
    Stop,
}

/// Controls the scheduler thread.
pub struct Handle {
    tx: Sender<Command>,
    cancel: Cancel,
    running: Arc<Mutex<Option<String>>>,
    stopping: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Handle {
    /// Runs `job` now (after whatever is running), recorded as a manual run.
    pub fn run_now(&self, job: &str, params: Params) {
        let _ = self.tx.send(Command::RunNow {
            job: job.to_string(),
            params,
        });
    }

    /// Look at the schedules again now (after a file changed).
    pub fn wake(&self) {
        let _ = self.tx.send(Command::Wake);
    }

    /// Cancels the running job, if any.
    pub fn cancel_running(&self) {
        if self.running_job().is_some() {
            self.cancel.cancel();
        }
    }

    /// The job running now.
    pub fn running_job(&self) -> Option<String> {
        self.running.lock().ok().and_then(|g| g.clone())
    }

    /// Cancels what runs and waits for the thread to end.
    pub fn stop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        let _ = self.tx.send(Command::Stop);
        self.cancel_running();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.stop();
    }
}

/// How often the thread looks at the schedules when nothing wakes it.
pub const POLL: Duration = Duration::from_secs(30);

/// How often a running job's [`Event::Progress`] is sent.
pub const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// The callback events go to (called from the scheduler's threads).
type Notify = Arc<dyn Fn(Event) + Send + Sync>;

/// Starts the scheduler on `conn` (a clone of the app's connection) for the workspace
/// at `root`. `notify` is called from the scheduler thread.
pub fn spawn(
    conn: Connection,
    root: PathBuf,
    poll: Duration,
    notify: impl Fn(Event) + Send + Sync + 'static,
) -> Handle {
    let (tx, rx) = channel();
    let cancel = Cancel::new(&conn);
    // Progress tracking is a per-connection client setting; failing to enable it only
    // loses the percentage (the elapsed time is still reported).
    let _ = conn.set_query_progress_tracking(true);
    let running = Arc::new(Mutex::new(None));
    let stopping = Arc::new(AtomicBool::new(false));
    let worker = Worker {
        conn,
        root,
        cancel: cancel.clone(),
        running: running.clone(),
        stopping: stopping.clone(),
        notify: Arc::new(notify),
    };
    let thread = std::thread::Builder::new()
        .name("clvdesk-scheduler".into())
        .spawn(move || worker.run(rx, poll))
        .ok();
    Handle {
        tx,
        cancel,
        running,
        stopping,
        thread,
    }
}

struct Worker {
    conn: Connection,
    root: PathBuf,
    cancel: Cancel,
    running: Arc<Mutex<Option<String>>>,
    stopping: Arc<AtomicBool>,
    notify: Notify,
}

impl Worker {
    fn run(self, rx: Receiver<Command>, poll: Duration) {
        match runlog::mark_interrupted(&self.conn) {
            Ok(0) => {}
            Ok(n) => (self.notify)(Event::Recovered(n)),
            Err(e) => (self.notify)(Event::Problem(format!("run log: {e}"))),
        }
        loop {
            if !self.run_due() {
                return;
            }
            let cmd = match rx.recv_timeout(poll) {
                Ok(c) => c,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => return,
            };
            match cmd {
                Command::Stop => return,
                Command::Wake => {}
                Command::RunNow { job, params } => {
                    let defs = Definitions::load(&self.root);
                    if defs.registry.find(&job).is_none() {
                        (self.notify)(Event::Problem(defs.registry.unknown(&job)));
                        continue;
                    }
                    let run = PlannedRun {
                        job,
                        schedule: None,
                        trigger: Trigger::Manual,
                        slot: None,
                        missed: 0,
                        params,
                    };
                    if !self.execute(&defs, &run) {
                        return;
                    }
                }
            }
        }
    }

    /// Runs what is due now; false when the thread should end.
    fn run_due(&self) -> bool {
        let defs = Definitions::load(&self.root);
        let plan = match runner::plan(&self.conn, &defs, Utc::now(), &Request::default()) {
            Ok(p) => p,
            Err(e) => {
                (self.notify)(Event::Problem(e.to_string()));
                return true;
            }
        };
        for run in &plan.runs {
            if !self.execute(&defs, run) {
                return false;
            }
        }
        (self.notify)(Event::Idle);
        true
    }

    fn execute(&self, defs: &Definitions, run: &PlannedRun) -> bool {
        if self.stopping.load(Ordering::SeqCst) {
            return false;
        }
        self.cancel.reset();
        if let Ok(mut g) = self.running.lock() {
            *g = Some(run.job.clone());
        }
        (self.notify)(Event::Started(run.clone()));
        let done = AtomicBool::new(false);
        let (progress, notify) = (self.conn.progress_handle(), self.notify.clone());
        let result = std::thread::scope(|s| {
            s.spawn(|| report_progress(progress, notify, &run.job, &done));
            let result = runner::execute(&self.conn, &self.root, &defs.registry, run, &self.cancel);
            done.store(true, Ordering::SeqCst);
            result
        });
        if let Ok(mut g) = self.running.lock() {
            *g = None;
        }
        match result {
            Ok(report) => (self.notify)(Event::Finished(Box::new(report))),
            Err(e) => (self.notify)(Event::Problem(format!("run log: {e}"))),
        }
        !self.stopping.load(Ordering::SeqCst)
    }
}

/// Sends [`Event::Progress`] for `job` until `done`.
fn report_progress(progress: ProgressHandle, notify: Notify, job: &str, done: &AtomicBool) {
    let step = Duration::from_millis(50);
    let mut waited = Duration::ZERO;
    while !done.load(Ordering::SeqCst) {
        std::thread::sleep(step);
        waited += step;
        if waited < PROGRESS_EVERY || done.load(Ordering::SeqCst) {
            continue;
        }
        waited = Duration::ZERO;
        let percent = progress
            .query_progress()
            .percentage()
            .filter(|p| (0.0..=100.0).contains(p));
        notify(Event::Progress {
            job: job.to_string(),
            percent,
        });
    }
}
