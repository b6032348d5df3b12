//! Where a workspace lives and what is inside it.

use std::path::{Path, PathBuf};

/// The database file inside a workspace folder.
pub const DATABASE_FILE: &str = "warehouse.duckdb";

/// Environment variable that overrides the default workspace.
pub const WORKSPACE_ENV: &str = "CLVDESK_WORKSPACE";

/// Folders of definition files inside a workspace (kept in git by users).
pub mod folders {
    pub const QUERIES: &str = "queries";
    pub const DECILES: &str = "deciles";
    pub const DASHBOARDS: &str = "dashboards";
    pub const SEGMENTS: &str = "segments";
    pub const SCHEDULES: &str = "schedules";
    /// SQL jobs, CLV refits and chains (`scheduler::registry`).
    pub const JOBS: &str = "jobs";
    pub const DESTINATIONS: &str = "destinations";
    /// App state that is not a definition (buffers, history); safe to delete.
    pub const STATE: &str = ".clvdesk";
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "clvdesk")
}

/// The default workspace: `<platform data dir>/clvdesk/default`.
pub fn default_workspace_dir() -> Option<PathBuf> {
    project_dirs().map(|p| p.data_dir().join("default"))
}

/// The user's config folder (keymap.toml, config.toml, themes/).
pub fn config_dir() -> Option<PathBuf> {
    project_dirs().map(|p| p.config_dir().to_path_buf())
}

/// Resolves the workspace folder: an explicit path wins, then
/// `CLVDESK_WORKSPACE` (read by clap into `explicit`), then the default.
pub fn resolve_workspace_dir(explicit: Option<&Path>) -> Option<PathBuf> {
    explicit
        .map(Path::to_path_buf)
        .or_else(default_workspace_dir)
}
