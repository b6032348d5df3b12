//! Exporting an audience to a file destination: refresh its membership, pick the members
//! (all, or only those who entered since the last successful export to that destination),
//! map profile columns to destination fields, drop rows missing a mandatory field or
//! without a valid email address (counted), keep one row per dedupe key, and write the
//! files — split every N rows — under temp names that become the final names only when
//! every file is complete; a manifest (files, rows, sha256) is written last. Each run is
//! logged in `clvdesk_meta.export_log` (also a failed one).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use duckdb::Connection;

use super::destination::Destination;
use super::membership::RefreshSummary;
use super::validate::class_of;
use super::{SegmentError, compile_named};
use crate::atomic::AtomicFile;
use crate::engine::export::copy_to_unchecked;
use crate::engine::sql::{execute_one, prepare_one};
use crate::sql::quote_ident;

/// What an export did.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportSummary {
    pub export_id: i64,
    pub audience: String,
    pub destination: String,
    pub full: bool,
    pub refresh: RefreshSummary,
    /// Members selected (all current, or new entrants).
    pub selected: u64,
    pub exported: u64,
    /// Rows dropped for a missing mandatory field.
    pub dropped_missing: u64,
    /// Rows dropped for an email that is not an address.
    pub dropped_invalid_email: u64,
    /// Rows dropped as duplicates of the dedupe key.
    pub duplicates: u64,
    /// (file, rows), in order.
    pub files: Vec<(PathBuf, u64)>,
    pub manifest: PathBuf,
    pub elapsed: Duration,
}

impl ExportSummary {
    pub fn dropped(&self) -> u64 {
        self.dropped_missing + self.dropped_invalid_email + self.duplicates
    }
}

/// Exports audience `audience` of the workspace at `root` to destination `dest_name`.
/// `full` overrides the destination's mode.
pub fn export(
    conn: &Connection,
    root: &Path,
    audience: &str,
    dest_name: &str,
    full: Option<bool>,
) -> Result<ExportSummary, SegmentError> {
    let dest = super::destination::load_named(root, dest_name)?;
    let (seg, compiled) = compile_named(conn, root, audience)?;
    let full = full.unwrap_or(!dest.incremental);
    // Mapping checked before anything is written.
    let catalog = crate::engine::catalog::load(conn)?;
    let rel = catalog.relation(&seg.profile).ok_or_else(|| {
        SegmentError::Other(format!("profile table `{}` does not exist", seg.profile))
    })?;
    let mut select = Vec::new();
    for (field, col) in &dest.fields {
        let c = rel
            .columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(col))
            .ok_or_else(|| {
                SegmentError::Invalid(super::InvalidRule {
                    file: super::destinations_dir(root).join(format!("{dest_name}.toml")),
                    line: None,
                    rule: None,
                    reason: format!(
                        "fields.{field}: the profile table `{}` has no column `{col}`",
                        seg.profile
                    ),
                })
            })?;
        let _ = class_of(&c.data_type);
        select.push(format!(
            "CAST(p.{} AS VARCHAR) AS {}",
            quote_ident(&c.name),
            quote_ident(field)
        ));
    }
    let started_at = chrono::Utc::now().naive_utc();
    let started = Instant::now();
    let export_id: i64 = prepare_one(conn, "SELECT nextval('clvdesk_meta.export_seq')")?
        .query_row([], |r| r.get(0))?;
    let result = run(
        conn,
        &dest,
        audience,
        &seg.identity,
        &compiled,
        &select,
        full,
        started_at,
    );
    let status = match &result {
        Ok(_) => "ok".to_string(),
        Err(SegmentError::Cancelled) => "cancelled".to_string(),
        Err(_) => "failed".to_string(),
    };
    let (membership_at, exported, dropped, dups, files, error) = match &result {
        Ok(r) => (
            Some(r.refresh.refreshed_at),
            Some(r.exported as i64),
            Some((r.dropped_missing + r.dropped_invalid_email) as i64),
            Some(r.duplicates as i64),
            Some(
                r.files
                    .iter()
                    .map(|f| f.0.display().to_string())
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            None,
        ),
        Err(e) => (None, None, None, None, None, Some(e.to_string())),
    };
    execute_one(
        conn,
        "INSERT INTO clvdesk_meta.export_log VALUES ($1, $2, $3, $4, current_timestamp::TIMESTAMP, $5, $6, $7, $8, $9, $10, $11, $12)",
        duckdb::params![
            export_id,
            audience,
            dest_name,
            started_at,
            if full { "full" } else { "incremental" },
            membership_at,
            exported,
            dropped,
            dups,
            files,
            status,
            error
        ],
    )?;
    let mut r = result?;
    r.export_id = export_id;
    r.elapsed = started.elapsed();
    Ok(r)
}

#[allow(clippy::too_many_arguments)]
fn run(
    conn: &Connection,
    dest: &Destination,
    audience: &str,
    identity: &str,
    compiled: &super::Compiled,
    select: &[String],
    full: bool,
    now: chrono::NaiveDateTime,
) -> Result<ExportSummary, SegmentError> {
    std::fs::create_dir_all(&dest.folder).map_err(|e| SegmentError::io(&dest.folder, e))?;
    let refresh = super::membership::refresh(conn, audience, compiled, now)?;
    // The membership state the last successful export of this pair saw.
    let since: Option<chrono::NaiveDateTime> = if full {
        None
    } else {
        prepare_one(
            conn,
            "SELECT max(membership_at) FROM clvdesk_meta.export_log
             WHERE audience = $1 AND destination = $2 AND status = 'ok'",
        )?
        .query_row([audience, dest.name.as_str()], |r| r.get(0))?
    };
    let field = |f: &str| format!("r.{}", quote_ident(f));
    let mut missing: Vec<String> = dest
        .mandatory
        .iter()
        .map(|f| format!("{0} IS NULL OR trim({0}) = ''", field(f)))
        .collect();
    if missing.is_empty() {
        missing.push("false".into());
    }
    let email = field(&dest.email_field);
    let dedupe = dest
        .dedupe_by
        .as_deref()
        .map(|f| format!("lower(trim({}))", field(f)))
        .unwrap_or_else(|| "r.__identity".into());
    let names: Vec<String> = dest.fields.iter().map(|f| quote_ident(&f.0)).collect();
    execute_one(
        conn,
        &format!(
            "CREATE OR REPLACE TEMP TABLE clvdesk_export_rows AS
             WITH r AS (
               SELECT CAST(p.{id} AS VARCHAR) AS __identity, {select}
               FROM {profile} AS p
               JOIN (SELECT identity FROM clvdesk_meta.audience_membership
                     WHERE audience = $1 AND status IN ('entered', 'existing')
                       AND ($2::TIMESTAMP IS NULL OR qualified_at > $2::TIMESTAMP)) AS s
                 ON s.identity = CAST(p.{id} AS VARCHAR)
             ),
             f AS (
               SELECT r.*,
                 ({missing}) AS __missing,
                 NOT coalesce(regexp_full_match(trim({email}), '[^@\\s]+@[^@\\s]+\\.[^@\\s]+'), false) AS __bad_email
               FROM r
             )
             SELECT *, CASE WHEN __missing OR __bad_email THEN NULL
                       ELSE row_number() OVER (PARTITION BY (__missing OR __bad_email), {dedupe_f} ORDER BY __identity) END AS __rank
             FROM f",
            id = quote_ident(identity),
            select = select.join(", "),
            profile = compiled.profile_sql,
            missing = missing.join(" OR "),
            dedupe_f = dedupe.replace("r.", "f."),
        ),
        duckdb::params![audience, since],
    )?;
    let (selected, dropped_missing, dropped_invalid_email, duplicates, exported): (
        i64,
        i64,
        i64,
        i64,
        i64,
    ) = prepare_one(
        conn,
        "SELECT count(*), count(*) FILTER (WHERE __missing),
                    count(*) FILTER (WHERE NOT __missing AND __bad_email),
                    count(*) FILTER (WHERE __rank > 1), count(*) FILTER (WHERE __rank = 1)
             FROM temp.clvdesk_export_rows",
    )?
    .query_row([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })?;
    execute_one(
        conn,
        &format!(
            "CREATE OR REPLACE TEMP TABLE clvdesk_export_out AS
             SELECT row_number() OVER (ORDER BY __identity) AS __n, {}
             FROM temp.clvdesk_export_rows WHERE __rank = 1",
            names.join(", ")
        ),
        [],
    )?;
    let exported = exported.max(0) as u64;
    let per = if dest.split_every == 0 {
        exported.max(1)
    } else {
        dest.split_every
    };
    let parts = (exported.div_ceil(per)).max(1) as usize;
    let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
    let mut pending = Vec::new();
    for part in 1..=parts {
        let target = dest
            .folder
            .join(dest.file_for(audience, &stamp, part, parts));
        let tmp = AtomicFile::new(&target).map_err(|e| SegmentError::io(&dest.folder, e))?;
        let lo = (part as u64 - 1) * per;
        let hi = lo + per;
        let source = format!(
            "SELECT {} FROM temp.clvdesk_export_out WHERE __n > {lo} AND __n <= {hi} ORDER BY __n",
            names.join(", ")
        );
        let rows = copy_to_unchecked(conn, &source, tmp.path(), dest.format.export_format())?;
        pending.push((tmp, target, rows));
    }
    // Checksums of the complete temp files, then every file under its final name.
    let mut files = Vec::new();
    let mut manifest_files = Vec::new();
    for (tmp, target, rows) in pending {
        let sha: String = prepare_one(
            conn,
            &format!(
                "SELECT sha256(content) FROM read_blob({})",
                crate::sql::file_path_literal(&tmp.path().display().to_string())
            ),
        )?
        .query_row([], |r| r.get(0))?;
        tmp.commit().map_err(|e| SegmentError::io(&target, e))?;
        manifest_files.push(serde_json::json!({
            "file": target.file_name().map(|n| n.to_string_lossy().to_string()),
            "rows": rows,
            "sha256": sha,
        }));
        files.push((target, rows));
    }
    let manifest = dest.folder.join(format!(
        "{}.manifest.json",
        dest.file_for(audience, &stamp, 0, 1)
            .rsplit_once('.')
            .map(|(s, _)| s.to_string())
            .unwrap_or_else(|| dest.file_for(audience, &stamp, 0, 1))
    ));
    let body = serde_json::json!({
        "audience": audience,
        "destination": dest.name,
        "mode": if full { "full" } else { "incremental" },
        "membership_at": now.to_string(),
        "rows": exported,
        "dropped_missing_mandatory": dropped_missing,
        "dropped_invalid_email": dropped_invalid_email,
        "duplicates": duplicates,
        "files": manifest_files,
    });
    crate::atomic::write_atomic(&manifest, format!("{body:#}\n").as_bytes())
        .map_err(|e| SegmentError::io(&manifest, e))?;
    conn.execute_batch(
        "DROP TABLE IF EXISTS temp.clvdesk_export_rows; DROP TABLE IF EXISTS temp.clvdesk_export_out;",
    )?;
    Ok(ExportSummary {
        export_id: 0,
        audience: audience.to_string(),
        destination: dest.name.clone(),
        full,
        refresh,
        selected: selected.max(0) as u64,
        exported,
        dropped_missing: dropped_missing.max(0) as u64,
        dropped_invalid_email: dropped_invalid_email.max(0) as u64,
        duplicates: duplicates.max(0) as u64,
        files,
        manifest,
        elapsed: Duration::ZERO,
    })
}
