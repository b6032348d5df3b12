//! The binary in a real pseudo-terminal: a hang-up (an SSH drop), `kill` and
//! an outside `kill -TSTP` go through the app's own loop, so the editor text
//! is saved and the terminal given back sane. Plus: no terminal at all is a
//! clear usage error, and the panic hook leaves the terminal alone for a
//! panic off the UI thread.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(60);
const ENTER_ALT: &str = "\x1b[?1049h";
const LEAVE_ALT: &str = "\x1b[?1049l";
const MOUSE_ON: &str = "\x1b[?1000h";
const MOUSE_OFF: &str = "\x1b[?1000l";

/// How the child relates to the pty.
#[derive(Clone, Copy)]
enum Attach {
    /// Its own session with the pty as controlling terminal, as under sshd:
    /// closing the master hangs the terminal up and the kernel sends SIGHUP.
    Session,
    /// Its own process group in our session, as a shell job: a stop signal
    /// really stops it (a session leader's orphaned group would ignore it).
    Job,
}

/// A pty with the app running on its slave side and everything it writes
/// collected from the master side.
struct PtyApp {
    child: Child,
    master: Arc<File>,
    slave: OwnedFd,
    out: Arc<Mutex<Vec<u8>>>,
    stop_reading: Arc<AtomicBool>,
    reader: Option<std::thread::JoinHandle<()>>,
}

fn openpty(cols: u16, rows: u16) -> (OwnedFd, OwnedFd) {
    let (mut master, mut slave) = (0, 0);
    let size = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty writes two descriptors into the given integers; the
    // name and termios pointers may be null.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // Not inherited by the app or stty: the app holding the master open
    // would keep the terminal from ever hanging up.
    for fd in [master, slave] {
        // SAFETY: fcntl on descriptors we just opened.
        unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
    }
    // SAFETY: both descriptors were just opened and belong to us alone.
    unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) }
}

impl PtyApp {
    fn spawn(home: &Path, target: &Path, attach: Attach) -> PtyApp {
        let (master, slave) = openpty(100, 30);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_clvdesk"));
        cmd.arg(target)
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("TERM", "xterm-256color")
            .env_remove("CLVDESK_WORKSPACE")
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave.try_clone().unwrap()));
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                match attach {
                    Attach::Session => {
                        if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                            return Err(std::io::Error::last_os_error());
                        }
                    }
                    Attach::Job => {
                        if libc::setpgid(0, 0) < 0 {
                            return Err(std::io::Error::last_os_error());
                        }
                    }
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("start clvdesk");
        let master = Arc::new(File::from(master));
        let out = Arc::new(Mutex::new(Vec::new()));
        let stop_reading = Arc::new(AtomicBool::new(false));
        let reader = {
            let (master, out, stop) = (master.clone(), out.clone(), stop_reading.clone());
            std::thread::spawn(move || read_master(&master, &out, &stop))
        };
        PtyApp {
            child,
            master,
            slave,
            out,
            stop_reading,
            reader: Some(reader),
        }
    }

    fn output(&self) -> String {
        String::from_utf8_lossy(&self.out.lock().unwrap()).into_owned()
    }

    /// The end of the output, for failure messages.
    fn tail(&self) -> String {
        let s = self.output();
        let from = s.len().saturating_sub(600);
        let from = (from..s.len())
            .find(|&i| s.is_char_boundary(i))
            .unwrap_or(0);
        format!("{:?}", &s[from..])
    }

    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            if pred(&self.output()) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "timed out waiting for {what}; output ends:\n{}",
            self.tail()
        );
    }

    /// Waits until the app has drawn its first frame and gone quiet.
    fn wait_ready(&self) {
        self.wait_for("the first frame", |s| {
            s.rfind(ENTER_ALT)
                .is_some_and(|at| s[at..].contains("Catalog"))
        });
        self.wait_quiet();
    }

    /// Waits until the app has written nothing for a while (it has handled
    /// what it was sent and drawn the result).
    fn wait_quiet(&self) {
        let mut last = usize::MAX;
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            let n = self.out.lock().unwrap().len();
            if n == last {
                return;
            }
            last = n;
            std::thread::sleep(Duration::from_millis(400));
        }
        panic!("the app never went quiet");
    }

    fn type_text(&self, text: &str) {
        (&*self.master).write_all(text.as_bytes()).unwrap();
        self.wait_quiet();
    }

    fn signal(&self, sig: libc::c_int) {
        // SAFETY: kill with our own child's pid.
        let rc = unsafe { libc::kill(self.child.id() as libc::pid_t, sig) };
        assert_eq!(rc, 0);
    }

    fn wait_exit(&mut self) -> i32 {
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status
                    .code()
                    .unwrap_or_else(|| panic!("clvdesk died by a signal: {status:?}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        panic!("clvdesk did not exit; output ends:\n{}", self.tail());
    }

    /// `stty -a` on the pty, as the shell would find it.
    fn stty(&self) -> String {
        let out = Command::new("stty")
            .arg("-a")
            .stdin(Stdio::from(self.slave.try_clone().unwrap()))
            .output()
            .expect("run stty");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Closes every master descriptor: the terminal hangs up, as when the
    /// SSH connection drops.
    fn hang_up(&mut self) {
        self.stop_reading.store(true, Ordering::SeqCst);
        if let Some(r) = self.reader.take() {
            r.join().unwrap();
        }
        let master =
            std::mem::replace(&mut self.master, Arc::new(File::open("/dev/null").unwrap()));
        assert_eq!(Arc::strong_count(&master), 1);
        drop(master);
    }
}

impl Drop for PtyApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.stop_reading.store(true, Ordering::SeqCst);
    }
}

/// Collects the app's output; answers the terminal query crossterm sends at
/// start (primary device attributes, no kitty keyboard protocol) as a
/// terminal would, so start-up does not wait for a time-out.
fn read_master(master: &File, out: &Mutex<Vec<u8>>, stop: &AtomicBool) {
    let mut buf = [0u8; 4096];
    let mut answered = false;
    while !stop.load(Ordering::SeqCst) {
        let mut pfd = libc::pollfd {
            fd: master.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        if unsafe { libc::poll(&mut pfd, 1, 50) } <= 0 {
            continue;
        }
        let n = match (&*master).read(&mut buf) {
            Ok(0) | Err(_) => {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
            Ok(n) => n,
        };
        let mut all = out.lock().unwrap();
        all.extend_from_slice(&buf[..n]);
        if !answered && String::from_utf8_lossy(&all).contains("\x1b[c") {
            answered = true;
            let _ = (&*master).write_all(b"\x1b[?62;22c");
        }
    }
}

fn session_text(dir: &Path) -> String {
    std::fs::read_to_string(dir.join(".clvdesk/session.json")).unwrap_or_default()
}

/// What follows the last `LEAVE_ALT`, with control sequences removed: only
/// restoring sequences may come after leaving the alternate screen.
fn text_after_leaving(s: &str) -> String {
    let at = s.rfind(LEAVE_ALT).expect("left the alternate screen");
    let mut rest = s[at + LEAVE_ALT.len()..].chars().peekable();
    let mut text = String::new();
    while let Some(c) = rest.next() {
        if c == '\x1b' {
            if rest.peek() == Some(&'[') {
                rest.next();
                for c in rest.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            } else {
                rest.next();
            }
        } else {
            text.push(c);
        }
    }
    text
}

/// The terminal is back as the shell had it: line editing and echo on, the
/// alternate screen and the mouse reporting switched off last.
fn assert_restored(app: &PtyApp) {
    let stty = app.stty();
    let flags: Vec<&str> = stty.split_whitespace().collect();
    for on in ["icanon", "echo", "isig", "icrnl", "opost"] {
        assert!(flags.contains(&on), "{on} is off after exit:\n{stty}");
    }
    let out = app.output();
    let last = |pat: &str| {
        out.rfind(pat)
            .unwrap_or_else(|| panic!("{pat:?} never sent"))
    };
    assert!(
        last(LEAVE_ALT) > last(ENTER_ALT),
        "still on the alternate screen"
    );
    assert!(last(MOUSE_OFF) > last(MOUSE_ON), "mouse reporting left on");
    assert_eq!(
        text_after_leaving(&out).trim(),
        "",
        "nothing drawn after the terminal was restored"
    );
}

fn workspace() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.duckdb");
    (dir, db)
}

#[test]
fn sighup_saves_the_editor_and_exits_129_then_sigterm_restores_and_exits_143() {
    let (dir, db) = workspace();
    let mut app = PtyApp::spawn(dir.path(), &db, Attach::Session);
    app.wait_ready();
    app.type_text("select 'typed before the hang-up' as v");
    app.signal(libc::SIGHUP);
    assert_eq!(app.wait_exit(), 129);
    assert!(
        session_text(dir.path()).contains("select 'typed before the hang-up' as v"),
        "buffer saved: {}",
        session_text(dir.path())
    );
    drop(app);

    // Reopened, the text is back in the editor.
    let mut app = PtyApp::spawn(dir.path(), &db, Attach::Session);
    app.wait_ready();
    assert!(
        app.output().contains("'typed before the hang-up'"),
        "the editor shows the saved text:\n{}",
        app.tail()
    );
    app.signal(libc::SIGTERM);
    assert_eq!(app.wait_exit(), 143);
    assert_restored(&app);
}

#[test]
fn a_real_hang_up_closing_the_terminal_saves_the_editor_and_exits_129() {
    let (dir, db) = workspace();
    let mut app = PtyApp::spawn(dir.path(), &db, Attach::Session);
    app.wait_ready();
    app.type_text("select 'the ssh link dropped' as v");
    app.hang_up();
    assert_eq!(app.wait_exit(), 129);
    assert!(
        session_text(dir.path()).contains("select 'the ssh link dropped' as v"),
        "buffer saved: {}",
        session_text(dir.path())
    );
}

#[test]
fn an_outside_sigtstp_suspends_like_ctrl_z_and_sigcont_repaints() {
    let (dir, db) = workspace();
    let mut app = PtyApp::spawn(dir.path(), &db, Attach::Job);
    app.wait_ready();
    app.type_text("select 'kept while stopped' as v");
    app.signal(libc::SIGTSTP);
    let pid = app.child.id() as libc::pid_t;
    let deadline = Instant::now() + WAIT;
    loop {
        let mut status = 0;
        // SAFETY: waitpid on our own child; WNOHANG never blocks.
        let rc = unsafe { libc::waitpid(pid, &mut status, libc::WUNTRACED | libc::WNOHANG) };
        if rc == pid {
            assert!(libc::WIFSTOPPED(status), "stopped, not ended: {status}");
            break;
        }
        assert!(Instant::now() < deadline, "clvdesk did not stop");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Stopped with the terminal given back.
    assert_restored(&app);
    let before = app.output().len();
    app.signal(libc::SIGCONT);
    app.wait_for("the repaint after SIGCONT", |s| {
        s.get(before..)
            .is_some_and(|new| new.contains(ENTER_ALT) && new.contains("'kept while stopped'"))
    });
    app.wait_quiet();
    app.signal(libc::SIGTERM);
    assert_eq!(app.wait_exit(), 143);
    assert_restored(&app);
    assert!(session_text(dir.path()).contains("'kept while stopped'"));
}

#[test]
fn without_a_terminal_the_app_says_so_and_exits_2() {
    use assert_cmd::assert::OutputAssertExt;
    let (dir, db) = workspace();
    Command::new(env!("CARGO_BIN_EXE_clvdesk"))
        .arg(&db)
        .env("HOME", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicates::str::contains(
            "clvdesk needs a terminal; use a subcommand or --run-schedule",
        ));
    assert!(!db.exists(), "no workspace opened for nothing");
}

#[test]
fn the_panic_hook_restores_the_terminal_only_for_the_ui_thread() {
    let restored = Arc::new(AtomicUsize::new(0));
    let r = restored.clone();
    clvdesk::tui::install_panic_hook(move |_| {
        r.fetch_add(1, Ordering::SeqCst);
    });
    let worker = std::thread::spawn(|| panic!("a worker's bug"));
    assert!(worker.join().is_err());
    assert_eq!(
        restored.load(Ordering::SeqCst),
        0,
        "a worker panic left the app's terminal alone"
    );
    assert!(std::panic::catch_unwind(|| panic!("a UI bug")).is_err());
    assert_eq!(restored.load(Ordering::SeqCst), 1, "a UI panic restores it");
    let _ = std::panic::take_hook();
}
