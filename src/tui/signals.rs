//! Signals routed into the app's loop.
//!
//! A hang-up (an SSH connection that drops), `kill`, a shutdown, or an external
//! `kill -TSTP` must not end the process behind the app's back: the editor
//! buffers are saved, workers cancelled and the terminal restored, exactly as
//! when the user quits. So while the app runs, SIGHUP, SIGTERM, SIGINT, SIGTSTP
//! and SIGCONT only write their number into a pipe (the one async-signal-safe
//! thing a handler can do); a thread reads the pipe and sends
//! [`Msg::Signal`](crate::tui::effect::Msg::Signal) on the app's channel, where
//! `update` handles it like any other message.
//!
//! The previous dispositions (the CLI's Ctrl+C handler) come back when the app
//! stops listening ([`SignalThread::stop`]).

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;

use crate::tui::effect::Msg;

/// A signal the app reacts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGHUP: the terminal went away (SSH dropped, window closed).
    Hangup,
    /// SIGTERM: asked to stop (kill, shutdown, systemd).
    Terminate,
    /// SIGINT sent from outside (in raw mode Ctrl+C is a key, not a signal).
    Interrupt,
    /// SIGTSTP sent from outside: suspend like Ctrl+Z.
    Stop,
    /// SIGCONT: continued after a stop; repaint.
    Continue,
}

impl Signal {
    fn number(self) -> libc::c_int {
        match self {
            Signal::Hangup => libc::SIGHUP,
            Signal::Terminate => libc::SIGTERM,
            Signal::Interrupt => libc::SIGINT,
            Signal::Stop => libc::SIGTSTP,
            Signal::Continue => libc::SIGCONT,
        }
    }

    fn from_number(n: libc::c_int) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.number() == n)
    }

    const ALL: [Signal; 5] = [
        Signal::Hangup,
        Signal::Terminate,
        Signal::Interrupt,
        Signal::Stop,
        Signal::Continue,
    ];

    /// The process exit status after the app stopped because of this signal
    /// (128 + the signal number, as shells report it): 129, 143, 130.
    pub fn exit_code(self) -> Option<u8> {
        match self {
            Signal::Hangup | Signal::Terminate | Signal::Interrupt => {
                u8::try_from(128 + self.number()).ok()
            }
            Signal::Stop | Signal::Continue => None,
        }
    }

    /// The conventional name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Hangup => "SIGHUP",
            Signal::Terminate => "SIGTERM",
            Signal::Interrupt => "SIGINT",
            Signal::Stop => "SIGTSTP",
            Signal::Continue => "SIGCONT",
        }
    }
}

/// The app stopped because of a signal, after saving and restoring the
/// terminal; `main` exits with [`Signal::exit_code`] and prints nothing more.
#[derive(Debug, thiserror::Error)]
#[error("stopped by {}", .0.name())]
pub struct StoppedBySignal(pub Signal);

/// The pipe's write end, read by the handler (a plain integer: handlers may
/// not lock). -1 while nobody listens.
static WRITE_FD: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_signal(sig: libc::c_int) {
    let fd = WRITE_FD.load(Ordering::SeqCst);
    if fd < 0 {
        return;
    }
    // SAFETY: errno is thread-local; saving and restoring it keeps the
    // interrupted code's view intact. write() is async-signal-safe, the byte
    // lives on this stack frame, and a full pipe (non-blocking) drops the byte
    // rather than blocking the handler.
    unsafe {
        let errno = *errno_location();
        let byte = sig as u8;
        libc::write(fd, (&byte as *const u8).cast(), 1);
        *errno_location() = errno;
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
unsafe fn errno_location() -> *mut libc::c_int {
    // SAFETY: always valid for the calling thread.
    unsafe { libc::__errno_location() }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
unsafe fn errno_location() -> *mut libc::c_int {
    // SAFETY: always valid for the calling thread.
    unsafe { libc::__error() }
}

/// Installs `handler` for `sig`, returning the previous disposition.
fn set_action(sig: libc::c_int, handler: libc::sighandler_t) -> io::Result<libc::sigaction> {
    // SAFETY: sigaction structs are plain data; zeroed is a valid empty value,
    // and the mask is initialised with sigemptyset before use.
    unsafe {
        let mut new: libc::sigaction = std::mem::zeroed();
        new.sa_sigaction = handler;
        new.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut new.sa_mask);
        let mut old: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(sig, &new, &mut old) != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(old)
    }
}

fn restore_action(sig: libc::c_int, old: &libc::sigaction) {
    // SAFETY: `old` came from a successful sigaction call for this signal.
    unsafe {
        libc::sigaction(sig, old, std::ptr::null_mut());
    }
}

/// Listens for the signals of [`Signal`] and sends them as messages.
pub struct SignalThread {
    previous: Vec<(libc::c_int, libc::sigaction)>,
    /// The pipe's write end. Never closed: a handler running on another thread
    /// may still hold its number after [`SignalThread::stop`], and must not
    /// write into a descriptor the process has reused (one descriptor per app
    /// run is the price).
    write: RawFd,
    handle: Option<JoinHandle<()>>,
}

/// Starts listening. Until [`SignalThread::stop`], the signals no longer end
/// the process; they arrive on `tx` as [`Msg::Signal`].
pub fn spawn(tx: Sender<Msg>) -> io::Result<SignalThread> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` has room for the two descriptors pipe writes.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: pipe succeeded, so both descriptors are open and ours alone.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // Not inherited by children; the handler's writes never block.
    // SAFETY: fcntl on descriptors we own.
    unsafe {
        for fd in [read.as_raw_fd(), write.as_raw_fd()] {
            libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
        }
        let flags = libc::fcntl(write.as_raw_fd(), libc::F_GETFL);
        libc::fcntl(write.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK);
    }
    let handle = std::thread::Builder::new()
        .name("clvdesk-signals".into())
        .spawn(move || read_loop(read, tx))?;
    let write = write.into_raw_fd();
    WRITE_FD.store(write, Ordering::SeqCst);
    let mut thread = SignalThread {
        previous: Vec::new(),
        write,
        handle: Some(handle),
    };
    for s in Signal::ALL {
        match set_action(
            s.number(),
            on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t,
        ) {
            Ok(old) => thread.previous.push((s.number(), old)),
            Err(e) => {
                thread.stop();
                return Err(e);
            }
        }
    }
    Ok(thread)
}

fn read_loop(read: OwnedFd, tx: Sender<Msg>) {
    let mut file = std::fs::File::from(read);
    let mut buf = [0u8; 32];
    loop {
        match io::Read::read(&mut file, &mut buf) {
            Ok(0) => return,
            Ok(n) => {
                for &b in &buf[..n] {
                    // 0 is the stop request of SignalThread::stop.
                    if b == 0 {
                        return;
                    }
                    if let Some(s) = Signal::from_number(libc::c_int::from(b))
                        && tx.send(Msg::Signal(s)).is_err()
                    {
                        return;
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}

impl SignalThread {
    /// Puts the previous dispositions back and ends the thread.
    pub fn stop(&mut self) {
        for (sig, old) in self.previous.drain(..) {
            restore_action(sig, &old);
        }
        WRITE_FD.store(-1, Ordering::SeqCst);
        let stop = 0u8;
        // SAFETY: writing one byte from the stack to a descriptor we own.
        unsafe {
            libc::write(self.write, (&stop as *const u8).cast(), 1);
        }
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for SignalThread {
    fn drop(&mut self) {
        if self.handle.is_some() {
            self.stop();
        }
    }
}

/// Stops the process the way the default SIGTSTP action does (so the shell
/// sees a stopped job), then returns once it is continued. Whatever handler
/// SIGTSTP has (ours, while the app runs) is set aside meanwhile, or the stop
/// would come back to us as a message.
pub fn stop_process() {
    let Ok(previous) = set_action(libc::SIGTSTP, libc::SIG_DFL) else {
        return;
    };
    // SAFETY: raise() with a valid signal number has no memory-safety preconditions.
    unsafe {
        libc::raise(libc::SIGTSTP);
    }
    restore_action(libc::SIGTSTP, &previous);
}
