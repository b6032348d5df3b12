//! A [`Ctx`] for pane unit tests: what a pane's update logic writes (effects, notice,
//! overlay) is kept here for the test to read, with no app around it.

use super::{Ctx, Pane, Paths};
use crate::engine::worker::RequestId;
use crate::tui::action::Action;
use crate::tui::effect::{Effect, Notice, Overlay};
use crate::tui::keymap::Keymap;

pub struct Harness {
    pub effects: Vec<Effect>,
    pub next_id: RequestId,
    pub notice: Option<Notice>,
    pub overlay: Option<(usize, Overlay)>,
    pub paths: Paths,
    pub keymap: Keymap,
    /// The tab index the pane's requests are tagged with.
    owner: usize,
}

impl Harness {
    pub fn new(root: &std::path::Path, owner: usize) -> Self {
        Harness {
            effects: Vec::new(),
            next_id: 0,
            notice: None,
            overlay: None,
            paths: Paths::new(root.to_path_buf()),
            keymap: Keymap::default(),
            owner,
        }
    }

    pub fn with<R>(&mut self, f: impl FnOnce(&mut Ctx) -> R) -> R {
        let mut ctx = Ctx {
            owner: self.owner,
            effects: &mut self.effects,
            next_id: &mut self.next_id,
            notice: &mut self.notice,
            overlay: &mut self.overlay,
            paths: &self.paths,
            keymap: &self.keymap,
        };
        f(&mut ctx)
    }

    pub fn act(&mut self, p: &mut dyn Pane, a: Action) -> bool {
        self.with(|ctx| p.on_action(a, ctx))
    }
}
