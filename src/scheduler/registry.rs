//! The workspace's jobs, by name: decile jobs (`deciles/*.toml`) and job files
//! (`jobs/*.toml`: SQL, CLV refit, chain). Names are unique across kinds.
//!
//! ```toml
//! # jobs/daily_profiles.toml
//! kind = "sql"                      # sql | clv | chain
//! sql_file = "queries/daily_profiles.sql"   # or: sql = "SELECT ..."
//! output = "replace"                # replace | append | as_written
//! table = "daily_profiles"          # replace, append
//! [parameters]                      # defaults for $NAME; a schedule's values win
//! MIN_MILES = 0
//!
//! # jobs/response_fold.toml: incremental (scheduler::checkpoint)
//! kind = "sql"
//! sql_file = "jobs/response_fold.sql"  # reads `_batch_id > $FROM_BATCH AND _batch_id <= $TO_BATCH`
//! source_table = "email_events"     # the table whose new batches each run reads
//! batch_column = "_batch_id"        # optional (`_batch_id`, from `clvdesk ingest`)
//! # skip_without = ["clvdesk_meta.audience_membership"]  # do nothing until these exist
//!
//! # jobs/clv_refit.toml
//! kind = "clv"
//! transactions = "loyalty_transactions"
//! customer = "member_id"
//! date = "txn_date"
//! amount = "amount"
//! horizon_months = 12               # optional (12)
//! discount_monthly = 0.01           # optional (0.01)
//! # calibration_end = 2025-06-30    # optional: holdout split
//! # observation_end = 2025-12-31
//!
//! # jobs/refresh_vip.toml           (segments/vip.toml's membership)
//! kind = "segment_refresh"
//! segment = "vip"
//!
//! # jobs/export_vip.toml
//! kind = "audience_export"
//! audience = "vip"
//! destination = "email_csv"
//! full = false                      # optional: the destination's mode otherwise
//!
//! # jobs/nightly.toml
//! kind = "chain"
//! steps = ["loyalty_miles", "clv_refit"]
//! ```

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;
use toml::Spanned;

use super::checkpoint::{BatchSource, DEFAULT_BATCH_COLUMN, FROM_BATCH, TO_BATCH};
use super::definition::{self, InvalidFile, line_of};
use super::job::{Job, JobKind};
use super::schedule::Params;
use super::sql_job::{Output, SqlJob};
use crate::analytics::clv::Horizon;
use crate::analytics::clv::rfm::TxnSource;
use crate::pipeline::clv::ClvSpec;
use crate::sql::is_plain_name;
use crate::workspace::decile_jobs;
use crate::workspace::paths::folders;

/// Every job of a workspace, and every definition file that could not be read.
#[derive(Debug, Default)]
pub struct Registry {
    pub jobs: Vec<Job>,
    pub errors: Vec<InvalidFile>,
}

impl Registry {
    /// Reads `deciles/` and `jobs/` under `root`.
    pub fn load(root: &Path) -> Self {
        let mut reg = Registry::default();
        let (deciles, errors) = decile_jobs::load_jobs(&root.join(folders::DECILES));
        for e in errors {
            reg.errors
                .push(InvalidFile::new(e.path(), None, decile_reason(&e)));
        }
        for d in deciles {
            let file = decile_jobs::job_path(&root.join(folders::DECILES), &d.name);
            reg.add(Job {
                name: d.name.clone(),
                file,
                description: d.description.clone(),
                kind: JobKind::Deciles(Box::new(d)),
                parameters: Params::new(),
            });
        }
        match definition::toml_files(&root.join(folders::JOBS)) {
            Ok(files) => {
                for f in files {
                    match definition::read(&f).and_then(|t| parse_job_file(root, &f, &t)) {
                        Ok(job) => reg.add(job),
                        Err(e) => reg.errors.push(e),
                    }
                }
            }
            Err(e) => reg.errors.push(e),
        }
        reg.check_chains();
        reg
    }

    fn add(&mut self, job: Job) {
        if let Some(other) = self.jobs.iter().find(|j| j.name == job.name) {
            self.errors.push(InvalidFile::new(
                &job.file,
                None,
                format!(
                    "job name `{}` is also defined by {}; job names are unique across kinds",
                    job.name,
                    other.file.display()
                ),
            ));
            return;
        }
        self.jobs.push(job);
    }

    /// Chains name existing jobs and do not contain themselves.
    fn check_chains(&mut self) {
        let mut errors = Vec::new();
        for job in &self.jobs {
            if let JobKind::Chain(steps) = &job.kind
                && let Err(e) = self.expand(&job.name, steps, &mut vec![job.name.clone()])
            {
                errors.push(InvalidFile::new(&job.file, None, e));
            }
        }
        let bad: Vec<PathBuf> = errors.iter().map(|e| e.file.clone()).collect();
        self.jobs.retain(|j| !bad.contains(&j.file));
        self.errors.extend(errors);
    }

    fn expand(&self, chain: &str, steps: &[String], path: &mut Vec<String>) -> Result<(), String> {
        for s in steps {
            let Some(step) = self.find(s) else {
                return Err(format!(
                    "chain `{chain}`: step `{s}` is not a job of the workspace"
                ));
            };
            if path.contains(s) {
                return Err(format!(
                    "chain `{chain}` runs itself ({} -> {s})",
                    path.join(" -> ")
                ));
            }
            if let JobKind::Chain(inner) = &step.kind {
                path.push(s.clone());
                self.expand(chain, inner, path)?;
                path.pop();
            }
        }
        Ok(())
    }

    pub fn find(&self, name: &str) -> Option<&Job> {
        self.jobs.iter().find(|j| j.name == name)
    }

    /// The error for a job name that does not exist.
    pub fn unknown(&self, name: &str) -> String {
        let names: Vec<&str> = self.jobs.iter().map(|j| j.name.as_str()).collect();
        format!(
            "no job `{name}` in this workspace (jobs: {})",
            if names.is_empty() {
                "none".into()
            } else {
                names.join(", ")
            }
        )
    }
}

fn decile_reason(e: &decile_jobs::DecileJobFileError) -> String {
    match e {
        decile_jobs::DecileJobFileError::Io { source, .. } => source.to_string(),
        decile_jobs::DecileJobFileError::Parse { message, .. } => message.clone(),
        decile_jobs::DecileJobFileError::Invalid { key, message, .. } => {
            format!("key `{key}`: {message}")
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJob {
    description: Option<String>,
    kind: Spanned<String>,
    sql: Option<Spanned<String>>,
    sql_file: Option<Spanned<String>>,
    output: Option<Spanned<String>>,
    table: Option<Spanned<String>>,
    transactions: Option<Spanned<String>>,
    customer: Option<Spanned<String>>,
    date: Option<Spanned<String>>,
    amount: Option<Spanned<String>>,
    calibration_end: Option<Spanned<toml::Value>>,
    observation_end: Option<Spanned<toml::Value>>,
    horizon_months: Option<Spanned<i64>>,
    discount_monthly: Option<Spanned<f64>>,
    steps: Option<Spanned<Vec<String>>>,
    source_table: Option<Spanned<String>>,
    batch_column: Option<Spanned<String>>,
    skip_without: Option<Spanned<Vec<String>>>,
    parameters: Option<Spanned<toml::Table>>,
    // segment_refresh / audience_export (segments::membership, segments::activation)
    segment: Option<Spanned<String>>,
    audience: Option<Spanned<String>>,
    destination: Option<Spanned<String>>,
    full: Option<Spanned<bool>>,
}

/// Parses `jobs/<name>.toml`; `root` resolves `sql_file`.
pub fn parse_job_file(root: &Path, file: &Path, text: &str) -> Result<Job, InvalidFile> {
    let name = definition::name_of(file)?;
    let raw: RawJob = definition::parse_toml(file, text)?;
    let bad = |span: std::ops::Range<usize>, reason: String| {
        InvalidFile::new(file, Some(line_of(text, span.start)), reason)
    };
    let kind_span = raw.kind.span();
    let kind = raw.kind.get_ref().trim().to_ascii_lowercase();
    let allowed: &[&str] = match kind.as_str() {
        "sql" => &[
            "sql",
            "sql_file",
            "output",
            "table",
            "source_table",
            "batch_column",
            "skip_without",
        ],
        "clv" => &[
            "transactions",
            "customer",
            "date",
            "amount",
            "calibration_end",
            "observation_end",
            "horizon_months",
            "discount_monthly",
        ],
        "chain" => &["steps"],
        "segment_refresh" => &["segment"],
        "audience_export" => &["audience", "destination", "full"],
        other => {
            return Err(bad(
                kind_span,
                format!("kind `{other}`: use sql, clv, chain, segment_refresh or audience_export"),
            ));
        }
    };
    let spans = [
        ("sql", raw.sql.as_ref().map(Spanned::span)),
        ("sql_file", raw.sql_file.as_ref().map(Spanned::span)),
        ("output", raw.output.as_ref().map(Spanned::span)),
        ("table", raw.table.as_ref().map(Spanned::span)),
        ("transactions", raw.transactions.as_ref().map(Spanned::span)),
        ("customer", raw.customer.as_ref().map(Spanned::span)),
        ("date", raw.date.as_ref().map(Spanned::span)),
        ("amount", raw.amount.as_ref().map(Spanned::span)),
        (
            "calibration_end",
            raw.calibration_end.as_ref().map(Spanned::span),
        ),
        (
            "observation_end",
            raw.observation_end.as_ref().map(Spanned::span),
        ),
        (
            "horizon_months",
            raw.horizon_months.as_ref().map(Spanned::span),
        ),
        (
            "discount_monthly",
            raw.discount_monthly.as_ref().map(Spanned::span),
        ),
        ("steps", raw.steps.as_ref().map(Spanned::span)),
        ("source_table", raw.source_table.as_ref().map(Spanned::span)),
        ("batch_column", raw.batch_column.as_ref().map(Spanned::span)),
        ("skip_without", raw.skip_without.as_ref().map(Spanned::span)),
        ("segment", raw.segment.as_ref().map(Spanned::span)),
        ("audience", raw.audience.as_ref().map(Spanned::span)),
        ("destination", raw.destination.as_ref().map(Spanned::span)),
        ("full", raw.full.as_ref().map(Spanned::span)),
    ];
    for (key, span) in spans {
        if let Some(span) = span.filter(|_| !allowed.contains(&key)) {
            return Err(bad(span, format!("`{key}` does not apply to a {kind} job")));
        }
    }
    let need = |key: &str| bad(kind_span.clone(), format!("a {kind} job needs `{key}`"));
    let job_kind = match kind.as_str() {
        "sql" => {
            let (sql, source) = match (&raw.sql, &raw.sql_file) {
                (Some(_), Some(f)) => {
                    return Err(bad(f.span(), "give `sql` or `sql_file`, not both".into()));
                }
                (Some(s), None) => (s.get_ref().clone(), file.to_path_buf()),
                (None, Some(f)) => {
                    let path = root.join(f.get_ref());
                    let sql = std::fs::read_to_string(&path)
                        .map_err(|e| bad(f.span(), format!("sql_file `{}`: {e}", f.get_ref())))?;
                    (sql, path)
                }
                (None, None) => return Err(need("sql` or `sql_file")),
            };
            let table = || {
                raw.table
                    .as_ref()
                    .map(|t| t.get_ref().trim().to_string())
                    .ok_or_else(|| need("table"))
            };
            let output = match raw.output.as_ref().map(|o| (o.get_ref().trim(), o.span())) {
                Some(("replace", _)) => Output::Replace(table()?),
                Some(("append", _)) => Output::Append(table()?),
                Some(("as_written", _)) | None => {
                    if let Some(t) = &raw.table {
                        return Err(bad(
                            t.span(),
                            "`table` needs output = \"replace\" or \"append\"".into(),
                        ));
                    }
                    Output::AsWritten
                }
                Some((other, span)) => {
                    return Err(bad(
                        span,
                        format!("output `{other}`: use replace, append or as_written"),
                    ));
                }
            };
            let batches = match (&raw.source_table, &raw.batch_column) {
                (None, None) => None,
                (None, Some(c)) => {
                    return Err(bad(
                        c.span(),
                        "`batch_column` needs `source_table` (the table whose batches the job reads)"
                            .into(),
                    ));
                }
                (Some(t), c) => {
                    let table = t.get_ref().trim().to_string();
                    if !is_plain_name(&table) {
                        return Err(bad(
                            t.span(),
                            format!(
                                "source_table = `{table}` is not a plain name (table or schema.table)"
                            ),
                        ));
                    }
                    let column = c.as_ref().map_or(DEFAULT_BATCH_COLUMN.to_string(), |c| {
                        c.get_ref().trim().to_string()
                    });
                    if column.contains('.') || !is_plain_name(&column) {
                        let span = c.as_ref().map_or(t.span(), Spanned::span);
                        return Err(bad(
                            span,
                            format!("batch_column = `{column}` is not a plain column name"),
                        ));
                    }
                    let table_line = line_of(text, t.span().start);
                    Some(BatchSource {
                        table,
                        column,
                        file: file.to_path_buf(),
                        table_line,
                        column_line: c
                            .as_ref()
                            .map_or(table_line, |c| line_of(text, c.span().start)),
                    })
                }
            };
            let mut skip_without = Vec::new();
            if let Some(list) = &raw.skip_without {
                for t in list.get_ref() {
                    let t = t.trim();
                    if !is_plain_name(t) {
                        return Err(bad(
                            list.span(),
                            format!(
                                "skip_without: `{t}` is not a plain name (table or schema.table)"
                            ),
                        ));
                    }
                    skip_without.push(t.to_string());
                }
            }
            if batches.is_some()
                && let Some(p) = &raw.parameters
                && let Some(k) = p.get_ref().keys().find(|k| {
                    k.eq_ignore_ascii_case(FROM_BATCH) || k.eq_ignore_ascii_case(TO_BATCH)
                })
            {
                return Err(bad(
                    p.span(),
                    format!("parameter `{k}` is set by the job's checkpoint; remove it"),
                ));
            }
            let job = SqlJob {
                sql,
                source,
                output,
                batches,
                skip_without,
            };
            job.validate().map_err(|e| InvalidFile {
                file: file.to_path_buf(),
                ..e
            })?;
            JobKind::Sql(job)
        }
        "clv" => {
            let col = |v: &Option<Spanned<String>>, key: &str| -> Result<String, InvalidFile> {
                let v = v.as_ref().ok_or_else(|| need(key))?;
                let s = v.get_ref().trim().to_string();
                if is_plain_name(&s) {
                    Ok(s)
                } else {
                    Err(bad(v.span(), format!("{key} = `{s}` is not a plain name")))
                }
            };
            let date = |v: &Option<Spanned<toml::Value>>,
                        key: &str|
             -> Result<Option<NaiveDate>, InvalidFile> {
                v.as_ref()
                    .map(|v| {
                        v.get_ref()
                            .as_datetime()
                            .map(|d| d.to_string())
                            .or_else(|| v.get_ref().as_str().map(str::to_string))
                            .and_then(|s| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok())
                            .ok_or_else(|| {
                                bad(v.span(), format!("{key} is not a date like 2025-06-30"))
                            })
                    })
                    .transpose()
            };
            let months = match &raw.horizon_months {
                Some(m) if (1..=600).contains(m.get_ref()) => *m.get_ref() as u32,
                Some(m) => return Err(bad(m.span(), "horizon_months must be 1 to 600".into())),
                None => 12,
            };
            let discount = match &raw.discount_monthly {
                Some(d) if (0.0..1.0).contains(d.get_ref()) => *d.get_ref(),
                Some(d) => {
                    return Err(bad(
                        d.span(),
                        "discount_monthly must be at least 0 and below 1".into(),
                    ));
                }
                None => 0.01,
            };
            JobKind::Clv(Box::new(ClvSpec {
                source: TxnSource::Table(col(&raw.transactions, "transactions")?),
                customer: col(&raw.customer, "customer")?,
                date: col(&raw.date, "date")?,
                amount: col(&raw.amount, "amount")?,
                calibration_end: date(&raw.calibration_end, "calibration_end")?,
                observation_end: date(&raw.observation_end, "observation_end")?,
                horizon: Horizon {
                    months,
                    monthly_discount: discount,
                },
            }))
        }
        "segment_refresh" | "audience_export" => {
            let name = |v: &Option<Spanned<String>>, key: &str| -> Result<String, InvalidFile> {
                let v = v.as_ref().ok_or_else(|| need(key))?;
                let s = v.get_ref().trim().to_string();
                if crate::segments::is_valid_name(&s) {
                    Ok(s)
                } else {
                    Err(bad(v.span(), format!("{key} = `{s}` is not a name")))
                }
            };
            if kind == "segment_refresh" {
                JobKind::SegmentRefresh(name(&raw.segment, "segment")?)
            } else {
                JobKind::AudienceExport {
                    audience: name(&raw.audience, "audience")?,
                    destination: name(&raw.destination, "destination")?,
                    full: raw.full.as_ref().map(|f| *f.get_ref()),
                }
            }
        }
        _ => {
            let steps = raw.steps.as_ref().ok_or_else(|| need("steps"))?;
            if steps.get_ref().is_empty() {
                return Err(bad(steps.span(), "steps is empty".into()));
            }
            JobKind::Chain(steps.get_ref().clone())
        }
    };
    Ok(Job {
        name,
        file: file.to_path_buf(),
        description: raw.description,
        kind: job_kind,
        parameters: match &raw.parameters {
            Some(t) => definition::parse_params(file, text, t)?,
            None => Params::new(),
        },
    })
}
