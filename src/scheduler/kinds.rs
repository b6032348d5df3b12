//! Running each job kind: validate first (nothing touched), then run in the kind's own
//! transaction, and turn what the kind's implementation returns into a [`JobOutcome`] or
//! a [`JobError`]. The decile job and the CLV refit keep their one implementation
//! ([`super::jobs::run_decile_job`], `pipeline::clv::run_and_save`); this is the thin
//! adapter around them.

use super::definition::InvalidFile;
use super::job::{Job, JobContext, JobError, JobKind, JobOutcome, merge_params};
use super::jobs::{DecileRunError, plan_decile_job, run_decile_job};
use super::registry::Registry;
use crate::analytics::deciles::DecileJob;
use crate::pipeline::clv::{ClvJobError, ClvSpec, run_and_save};
use crate::sql::quote_ident;

/// Checks a job against its definition and the catalog without writing anything.
pub fn validate(job: &Job, registry: &Registry, ctx: &JobContext<'_>) -> Result<(), JobError> {
    match &job.kind {
        JobKind::Sql(sql) => sql.validate_in(&job.name, ctx.conn),
        JobKind::Deciles(d) => plan_decile_job(ctx.conn, d)
            .map(|_| ())
            .map_err(|e| decile_error(job, d, e, ctx)),
        JobKind::Clv(spec) => probe_clv(job, spec, ctx),
        JobKind::Chain(steps) => {
            for s in steps {
                let step = registry
                    .find(s)
                    .ok_or_else(|| InvalidFile::new(&job.file, None, registry.unknown(s)))?;
                validate(step, registry, ctx)?;
            }
            Ok(())
        }
        JobKind::SegmentRefresh(name) => crate::segments::compile_named(ctx.conn, ctx.root, name)
            .map(|_| ())
            .map_err(|e| segment_error(job, e, ctx)),
        JobKind::AudienceExport {
            audience,
            destination,
            ..
        } => {
            crate::segments::destination::load_named(ctx.root, destination)
                .map_err(|e| segment_error(job, e, ctx))?;
            crate::segments::compile_named(ctx.conn, ctx.root, audience)
                .map(|_| ())
                .map_err(|e| segment_error(job, e, ctx))
        }
    }
}

/// A segment or export error as a job error: unknown names and invalid files are invalid
/// definitions (nothing was touched), the rest failed runs.
fn segment_error(job: &Job, e: crate::segments::SegmentError, ctx: &JobContext<'_>) -> JobError {
    use crate::segments::SegmentError as S;
    match e {
        S::Cancelled => JobError::Cancelled,
        S::Invalid(r) => InvalidFile::new(
            &r.file,
            r.line,
            match &r.rule {
                Some(rule) => format!("{rule}: {}", r.reason),
                None => r.reason.clone(),
            },
        )
        .into(),
        e @ S::Unknown { .. } => InvalidFile::new(&job.file, None, e.to_string()).into(),
        other => ctx.cancel.classify(&job.name, other),
    }
}

/// Runs `job` with `ctx.params` over the job's own defaults.
pub fn run(job: &Job, registry: &Registry, ctx: &JobContext<'_>) -> Result<JobOutcome, JobError> {
    if ctx.cancel.is_cancelled() {
        return Err(JobError::Cancelled);
    }
    let params = merge_params(&job.parameters, ctx.params);
    let ctx = JobContext {
        params: &params,
        ..*ctx
    };
    match &job.kind {
        JobKind::Sql(sql) => sql.run(&job.name, &ctx),
        JobKind::Deciles(d) => {
            let s = run_decile_job(ctx.conn, d).map_err(|e| decile_error(job, d, e, &ctx))?;
            Ok(JobOutcome {
                rows: s.long_rows,
                tables: vec![s.long_table.clone(), s.profile_table.clone()],
                summary: format!(
                    "as of {}: {} ranked rows in {}, {} identities in {}",
                    s.as_of, s.long_rows, s.long_table, s.profile_rows, s.profile_table
                ),
            })
        }
        JobKind::Clv(spec) => {
            probe_clv(job, spec, &ctx)?;
            // A cancel is known from the job's Cancel flag, never from the error.
            let (report, fit_id) = run_and_save(ctx.conn, spec).map_err(|e| match e {
                ClvJobError::Usage(reason) => InvalidFile::new(&job.file, None, reason).into(),
                other => ctx.cancel.classify(&job.name, other),
            })?;
            if let Err(reason) = &report.bgnbd {
                return Err(JobError::failed(
                    &job.name,
                    format!("the BG/NBD fit failed: {reason}"),
                ));
            }
            Ok(JobOutcome {
                rows: report.customers as u64,
                tables: vec![crate::pipeline::clv::PREDICTIONS_TABLE.to_string()],
                summary: format!(
                    "fit #{fit_id}: {} customers ({} repeat){}",
                    report.customers,
                    report.repeat_customers,
                    report
                        .clv_total
                        .map(|t| format!(
                            ", total CLV {}",
                            crate::engine::format::group_thousands(&format!("{t:.0}"))
                        ))
                        .unwrap_or_default()
                ),
            })
        }
        JobKind::Chain(steps) => {
            let mut out = JobOutcome::default();
            let mut parts = Vec::new();
            for s in steps {
                let step = registry
                    .find(s)
                    .ok_or_else(|| InvalidFile::new(&job.file, None, registry.unknown(s)))?;
                let done = run(step, registry, &ctx).map_err(|e| match e {
                    JobError::Failed { reason, .. } => {
                        JobError::failed(&job.name, format!("step `{s}`: {reason}"))
                    }
                    other => other,
                })?;
                out.rows += done.rows;
                out.tables.extend(done.tables);
                parts.push(format!("{s}: {}", done.summary));
            }
            out.summary = parts.join("; ");
            Ok(out)
        }
        JobKind::SegmentRefresh(name) => {
            let r = crate::segments::membership::refresh_named(ctx.conn, ctx.root, name)
                .map_err(|e| segment_error(job, e, &ctx))?;
            Ok(JobOutcome {
                rows: r.members,
                tables: vec!["clvdesk_meta.audience_membership".into()],
                summary: format!(
                    "segment {name}: {} members ({} entered, {} exited)",
                    r.members, r.entered, r.exited
                ),
            })
        }
        JobKind::AudienceExport {
            audience,
            destination,
            full,
        } => {
            let r = crate::segments::activation::export(
                ctx.conn,
                ctx.root,
                audience,
                destination,
                *full,
            )
            .map_err(|e| segment_error(job, e, &ctx))?;
            Ok(JobOutcome {
                rows: r.exported,
                tables: vec![
                    "clvdesk_meta.audience_membership".into(),
                    "clvdesk_meta.export_log".into(),
                ],
                summary: format!(
                    "{audience} -> {destination}: {} exported, {} dropped, {} file(s)",
                    r.exported,
                    r.dropped(),
                    r.files.len()
                ),
            })
        }
    }
}

fn decile_error(job: &Job, d: &DecileJob, e: DecileRunError, ctx: &JobContext<'_>) -> JobError {
    match e {
        DecileRunError::Sql { source, .. } => ctx.cancel.classify(&d.name, source),
        DecileRunError::Spec { source, .. } => InvalidFile::new(
            &job.file,
            None,
            format!("key `{}`: {}", source.key, source.message),
        )
        .into(),
        DecileRunError::Catalog { key, message, .. } => {
            InvalidFile::new(&job.file, None, format!("key `{key}`: {message}")).into()
        }
        DecileRunError::File(f) => InvalidFile::new(f.path(), None, f.to_string()).into(),
    }
}

/// The CLV input's table and columns exist (a statement prepared, not run).
fn probe_clv(job: &Job, spec: &ClvSpec, ctx: &JobContext<'_>) -> Result<(), JobError> {
    let probe = format!(
        "SELECT {}, {}, {} FROM {} LIMIT 0",
        quote_ident(&spec.customer),
        quote_ident(&spec.date),
        quote_ident(&spec.amount),
        spec.source.relation_sql()
    );
    match crate::engine::sql::prepare_one(ctx.conn, &probe) {
        Ok(_) => Ok(()),
        Err(_) if ctx.cancel.is_cancelled() => Err(JobError::Cancelled),
        Err(e) => Err(InvalidFile::new(&job.file, None, e.to_string()).into()),
    }
}
