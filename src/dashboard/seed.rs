//! The starter dashboards a new workspace gets: `CLV` and `Campaigns`, written
//! into `dashboards/` once (a file already there is left alone).

use crate::workspace::Workspace;

/// (file stem, text) of each starter.
pub const STARTERS: &[(&str, &str)] = &[
    (
        "clv",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/sample-data/dashboards/clv.toml"
        )),
    ),
    (
        "campaigns",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/sample-data/dashboards/campaigns.toml"
        )),
    ),
];

/// Writes the starter dashboards (atomically) unless a file of that name exists.
pub fn seed_starter_dashboards(ws: &Workspace) -> anyhow::Result<()> {
    for (name, text) in STARTERS {
        let path = super::file::path_of(ws.root(), name);
        if path.exists() {
            continue;
        }
        crate::atomic::write_atomic(&path, text.as_bytes())?;
    }
    Ok(())
}
