//! Atomic file writes for definition files: the one mechanism lives in the
//! leaf module [`crate::atomic`] (exports and `sample` use it too).

pub use crate::atomic::write_atomic;
