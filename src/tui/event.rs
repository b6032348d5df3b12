//! The input thread: terminal events become messages on the app's channel.
//! It can be paused (while the app is suspended with Ctrl+Z, so it does not
//! read the shell's input) and stopped.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::tui::effect::Msg;

#[derive(Default)]
pub struct InputControl {
    stop: AtomicBool,
    pause: AtomicBool,
    /// Set by the thread when it has seen `pause` and is not reading.
    paused: AtomicBool,
    /// Set by the thread when it ends.
    done: AtomicBool,
}

pub struct InputThread {
    control: Arc<InputControl>,
    handle: Option<JoinHandle<()>>,
}

pub fn spawn(tx: Sender<Msg>) -> InputThread {
    let control = Arc::new(InputControl::default());
    let c = control.clone();
    let handle = std::thread::Builder::new()
        .name("clvdesk-input".into())
        .spawn(move || {
            let _done = SetOnDrop(&c.done);
            while !c.stop.load(Ordering::SeqCst) {
                if c.pause.load(Ordering::SeqCst) {
                    c.paused.store(true, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                }
                c.paused.store(false, Ordering::SeqCst);
                match crossterm::event::poll(Duration::from_millis(50)) {
                    Ok(true) => match crossterm::event::read() {
                        // Motion without a button is never used; skip the redraw.
                        Ok(crossterm::event::Event::Mouse(m))
                            if m.kind == crossterm::event::MouseEventKind::Moved => {}
                        Ok(ev) => {
                            if tx.send(Msg::Input(ev)).is_err() {
                                return;
                            }
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(50)),
                    },
                    Ok(false) => {}
                    Err(_) => std::thread::sleep(Duration::from_millis(50)),
                }
            }
        })
        .ok();
    InputThread { control, handle }
}

impl InputThread {
    /// Stop reading input; returns once the thread is idle (or after 500 ms).
    pub fn pause(&self) {
        self.control.pause.store(true, Ordering::SeqCst);
        for _ in 0..50 {
            if self.control.paused.load(Ordering::SeqCst) {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn resume(&self) {
        self.control.paused.store(false, Ordering::SeqCst);
        self.control.pause.store(false, Ordering::SeqCst);
    }

    /// Stop the thread; returns once it ended, or after 500 ms. On a terminal
    /// that hung up, crossterm's `read` spins and never returns: the thread
    /// is then left behind (the process is exiting) instead of hanging the exit.
    pub fn stop(mut self) {
        self.control.stop.store(true, Ordering::SeqCst);
        if self.handle.is_none() {
            return;
        }
        for _ in 0..50 {
            if self.control.done.load(Ordering::SeqCst) {
                if let Some(h) = self.handle.take() {
                    let _ = h.join();
                }
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// Sets its flag when dropped: when the thread ends, however it ends.
struct SetOnDrop<'a>(&'a AtomicBool);

impl Drop for SetOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}
