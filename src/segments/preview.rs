//! What a segment would hold right now: qualified count, shares of profiles, revenue and
//! predicted CLV, key metrics beside the population's, the mix of a status column, CLV
//! decile composition, overlap with the other saved segments and a sample of members.
//!
//! Above [`PreviewOptions::sample_above`] profiles (and unless an exact count is asked for)
//! everything is computed on a deterministic hash sample of the profiles
//! ([`super::compile::Sample`]); the count is then an estimate with a 95% confidence
//! interval, and says so.
//!
//! Members are materialised once in a temp table of the preview's own connection (each
//! compiled query has its own `$n` parameters, so they cannot share one statement).

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use duckdb::Connection;

use super::compile::{Compiled, FolderResolver, Sample, compile_sampled};
use super::model::{AttrOp, Attribute, Node, NodeKind, Segment};
use super::validate::{ColType, class_of};
use super::{SegmentError, segments_dir};
use crate::engine::catalog::Catalog;
use crate::engine::sql::{execute_one, prepare_one};
use crate::sql::quote_ident;

/// How a preview is computed.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviewOptions {
    /// Profiles above which a sample is used (unless `exact`).
    pub sample_above: u64,
    /// Profiles in the sample (about).
    pub sample_size: u64,
    pub exact: bool,
    /// Members shown.
    pub member_rows: usize,
    /// Compute the overlap with every other saved segment.
    pub overlaps: bool,
    pub seed: u32,
}

impl Default for PreviewOptions {
    fn default() -> Self {
        PreviewOptions {
            sample_above: 2_000_000,
            sample_size: 200_000,
            exact: false,
            member_rows: 50,
            overlaps: true,
            seed: 42,
        }
    }
}

/// A sampled count.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// Profiles in the sample and members among them.
    pub sampled: u64,
    pub hits: u64,
    /// 95% confidence interval of the count.
    pub low: f64,
    pub high: f64,
}

/// One metric, for the segment and the population.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    pub name: &'static str,
    pub segment: Option<f64>,
    pub population: Option<f64>,
}

/// Overlap with another saved segment.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlap {
    pub name: String,
    /// `Err` when the other segment does not compile.
    pub result: Result<OverlapCounts, String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OverlapCounts {
    pub other: u64,
    pub both: u64,
    /// |A ∩ B| / |A ∪ B|, in percent.
    pub jaccard_pct: f64,
}

/// The mix of a status-like column: the column and rows of (value, members, population).
pub type Mix = (String, Vec<(String, u64, u64)>);

/// The preview of one segment.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    pub segment: String,
    /// Members (estimated when `estimate` is set).
    pub count: u64,
    pub estimate: Option<Estimate>,
    /// Profiles with an identity.
    pub population: u64,
    pub share_profiles: f64,
    pub share_revenue: Option<f64>,
    pub share_clv: Option<f64>,
    pub metrics: Vec<Metric>,
    /// (column, rows of (value, members, population)).
    pub mix: Option<Mix>,
    /// (CLV decile 1 = top, members) for deciles 1..=10.
    pub deciles: Vec<(i64, u64)>,
    pub overlaps: Vec<Overlap>,
    pub member_columns: Vec<String>,
    pub members: Vec<Vec<String>>,
    pub sql: String,
    /// Time to evaluate the compiled query into the members table.
    pub members_time: Duration,
    pub elapsed: Duration,
}

static TEMP_SEQ: AtomicU64 = AtomicU64::new(1);

/// Drops the preview's temp tables however the preview ends.
struct Temps<'c> {
    conn: &'c Connection,
    names: Vec<String>,
}

impl Drop for Temps<'_> {
    fn drop(&mut self) {
        for n in &self.names {
            let _ = self
                .conn
                .execute_batch(&format!("DROP TABLE IF EXISTS temp.{}", quote_ident(n)));
        }
    }
}

impl<'c> Temps<'c> {
    /// Materialises a compiled query as a temp table; returns its quoted name.
    fn materialise(&mut self, c: &Compiled) -> Result<String, SegmentError> {
        let name = format!(
            "clvdesk_segment_{}_{}",
            std::process::id(),
            TEMP_SEQ.fetch_add(1, Ordering::Relaxed)
        );
        self.names.push(name.clone());
        let q = format!("temp.{}", quote_ident(&name));
        execute_one(
            self.conn,
            &format!("CREATE TEMP TABLE {} AS\n{}", quote_ident(&name), c.sql),
            duckdb::params_from_iter(c.params.iter()),
        )?;
        Ok(q)
    }
}

fn scalar_u64(conn: &Connection, sql: &str) -> Result<u64, SegmentError> {
    let n: i64 = prepare_one(conn, sql)?.query_row([], |r| r.get(0))?;
    Ok(n.max(0) as u64)
}

/// Previews `seg` (read from `file`) in the workspace at `root`.
pub fn preview(
    conn: &Connection,
    root: &Path,
    seg: &Segment,
    file: &Path,
    opts: &PreviewOptions,
) -> Result<Preview, SegmentError> {
    let started = Instant::now();
    let catalog = crate::engine::catalog::load(conn)?;
    let resolver = FolderResolver(segments_dir(root));
    let exact = compile_sampled(seg, file, &catalog, &resolver, None)?;
    // Everyone with an identity: the population, compiled like a segment so a sample
    // applies to it in the same way.
    let everyone = Segment {
        rule: Node {
            exclude: false,
            kind: NodeKind::Group {
                any: false,
                children: vec![Node {
                    exclude: false,
                    kind: NodeKind::Attribute(Attribute {
                        table: None,
                        key: None,
                        column: seg.identity.clone(),
                        op: AttrOp::IsNotNull,
                    }),
                }],
            },
        },
        ..seg.clone()
    };
    let population = {
        let all = compile_sampled(&everyone, file, &catalog, &resolver, None)?;
        super::count(conn, &all)?
    };
    let sample = (!opts.exact && population > opts.sample_above).then(|| Sample {
        per_mille: ((opts.sample_size.saturating_mul(1000)).div_ceil(population.max(1)))
            .clamp(1, 1000) as u32,
        seed: opts.seed,
    });
    let members_c = match sample {
        Some(_) => compile_sampled(seg, file, &catalog, &resolver, sample)?,
        None => exact.clone(),
    };
    let pop_c = compile_sampled(&everyone, file, &catalog, &resolver, sample)?;
    let mut temps = Temps {
        conn,
        names: Vec::new(),
    };
    let t_members = Instant::now();
    let m = temps.materialise(&members_c)?;
    let members_time = t_members.elapsed();
    let pop = temps.materialise(&pop_c)?;
    let hits = scalar_u64(conn, &format!("SELECT count(*) FROM {m}"))?;
    let sampled = scalar_u64(conn, &format!("SELECT count(*) FROM {pop}"))?;
    let (count, estimate) = match sample {
        None => (hits, None),
        Some(_) => {
            let n = sampled.max(1) as f64;
            let p = hits as f64 / n;
            let fpc = (1.0 - n / population as f64).max(0.0);
            let se = (p * (1.0 - p) / n * fpc).sqrt();
            let big_n = population as f64;
            (
                (p * big_n).round() as u64,
                Some(Estimate {
                    sampled,
                    hits,
                    low: ((p - 1.96 * se).max(0.0) * big_n).floor(),
                    high: ((p + 1.96 * se).min(1.0) * big_n).ceil(),
                }),
            )
        }
    };
    let share_profiles = if sampled == 0 {
        0.0
    } else {
        hits as f64 / sampled as f64
    };

    let id = &exact.identity_sql;
    let profile = &exact.profile_sql;
    let clv = clv_source(&catalog);
    let rev = revenue_source(conn, &catalog);
    let mut joins = String::new();
    let mut cols: Vec<String> = Vec::new();
    if let Some((t, k)) = &rev {
        let amount = &t.2;
        joins.push_str(&format!(
            "LEFT JOIN (SELECT {k} AS id, sum({amount}) AS revenue, count(*) AS purchases FROM {} WHERE {k} IS NOT NULL GROUP BY 1) AS r ON r.id = pop.id\n",
            t.0
        ));
        cols.extend([
            "sum(r.revenue) FILTER (WHERE m.id IS NOT NULL)".into(),
            "sum(r.revenue)".into(),
            "avg(coalesce(r.purchases, 0)) FILTER (WHERE m.id IS NOT NULL)".into(),
            "avg(coalesce(r.purchases, 0))".into(),
        ]);
    } else {
        cols.extend(std::iter::repeat_n("NULL::DOUBLE".to_string(), 4));
    }
    if let Some((t, k)) = &clv {
        joins.push_str(&format!(
            "LEFT JOIN (SELECT {k} AS id, clv, p_alive FROM {t}) AS c ON c.id = pop.id\n"
        ));
        cols.extend([
            "sum(c.clv) FILTER (WHERE m.id IS NOT NULL)".into(),
            "sum(c.clv)".into(),
            "avg(c.clv) FILTER (WHERE m.id IS NOT NULL)".into(),
            "avg(c.clv)".into(),
            "avg(c.p_alive) FILTER (WHERE m.id IS NOT NULL)".into(),
            "avg(c.p_alive)".into(),
        ]);
    } else {
        cols.extend(std::iter::repeat_n("NULL::DOUBLE".to_string(), 6));
    }
    let stats_sql = format!(
        "SELECT {}\nFROM {pop} AS pop\nLEFT JOIN {m} AS m ON m.id = pop.id\n{joins}",
        cols.iter()
            .map(|c| format!("CAST({c} AS DOUBLE)"))
            .collect::<Vec<_>>()
            .join(",\n  ")
    );
    let v: Vec<Option<f64>> = prepare_one(conn, &stats_sql)?.query_row([], |r| {
        (0..10).map(|i| r.get::<_, Option<f64>>(i)).collect()
    })?;
    let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if b != 0.0 => Some(a / b),
        (None, Some(_)) => Some(0.0),
        _ => None,
    };
    let share_revenue = rev.as_ref().and(ratio(v[0], v[1]));
    let share_clv = clv.as_ref().and(ratio(v[4], v[5]));
    let mut metrics = Vec::new();
    if clv.is_some() {
        metrics.push(Metric {
            name: "mean predicted CLV",
            segment: v[6],
            population: v[7],
        });
        metrics.push(Metric {
            name: "mean p_alive",
            segment: v[8],
            population: v[9],
        });
    }
    if rev.is_some() {
        metrics.push(Metric {
            name: "mean purchases",
            segment: v[2],
            population: v[3],
        });
        metrics.push(Metric {
            name: "mean revenue",
            segment: v[0].map(|x| x / hits.max(1) as f64),
            population: v[1].map(|x| x / sampled.max(1) as f64),
        });
    }

    // The mix of a status-like column of the profile table.
    let profile_cols: Vec<(String, String)> = catalog
        .schemas
        .iter()
        .flat_map(|s| s.relations.iter())
        .find(|r| {
            quote_ident(&r.name) == *profile
                || profile.ends_with(&format!(".{}", quote_ident(&r.name)))
        })
        .map(|r| {
            r.columns
                .iter()
                .map(|c| (c.name.clone(), c.data_type.clone()))
                .collect()
        })
        .unwrap_or_default();
    let mix = match mix_column(&profile_cols) {
        None => None,
        Some(col) => {
            let c = quote_ident(&col);
            let sql = format!(
                "SELECT coalesce(CAST(p.{c} AS VARCHAR), '(none)'), count(*) FILTER (WHERE m.id IS NOT NULL), count(*)\n\
                 FROM {pop} AS pop JOIN {profile} AS p ON p.{id} = pop.id\nLEFT JOIN {m} AS m ON m.id = pop.id\n\
                 GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT 12"
            );
            let mut stmt = prepare_one(conn, &sql)?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?.max(0) as u64,
                        r.get::<_, i64>(2)?.max(0) as u64,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Some((col, rows))
        }
    };

    let deciles = match &clv {
        None => Vec::new(),
        Some((t, k)) => {
            let sql = format!(
                "SELECT d.decile, count(m.id)\nFROM (SELECT {k} AS id, ntile(10) OVER (ORDER BY clv DESC NULLS LAST, {k}) AS decile FROM {t} WHERE {k} IS NOT NULL) AS d\n\
                 LEFT JOIN {m} AS m ON m.id = d.id\nGROUP BY 1 ORDER BY 1"
            );
            let mut stmt = prepare_one(conn, &sql)?;
            stmt.query_map([], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?.max(0) as u64))
            })?
            .collect::<Result<Vec<_>, _>>()?
        }
    };

    let mut overlaps = Vec::new();
    if opts.overlaps {
        for (name, other_file) in super::list(&segments_dir(root)) {
            if name == seg.name {
                continue;
            }
            let result = match super::file::load(&other_file) {
                Err(e) => Err(e.to_string()),
                Ok(other) => {
                    match compile_sampled(&other, &other_file, &catalog, &resolver, sample) {
                        Err(e) => Err(e.to_string()),
                        Ok(oc) => {
                            let o = temps.materialise(&oc)?;
                            let sql = format!(
                                "SELECT (SELECT count(*) FROM {o}), (SELECT count(*) FROM {o} AS o SEMI JOIN {m} AS m ON m.id = o.id)"
                            );
                            let (other, both): (i64, i64) = prepare_one(conn, &sql)?
                                .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
                            let union = hits as i64 + other - both;
                            Ok(OverlapCounts {
                                other: scale(
                                    other.max(0) as u64,
                                    sample.is_some(),
                                    sampled,
                                    population,
                                ),
                                both: scale(
                                    both.max(0) as u64,
                                    sample.is_some(),
                                    sampled,
                                    population,
                                ),
                                jaccard_pct: if union > 0 {
                                    100.0 * both as f64 / union as f64
                                } else {
                                    0.0
                                },
                            })
                        }
                    }
                }
            };
            overlaps.push(Overlap { name, result });
        }
    }

    let member_columns: Vec<String> = profile_cols.iter().map(|c| c.0.clone()).collect();
    let members = if member_columns.is_empty() || opts.member_rows == 0 {
        Vec::new()
    } else {
        let sel: Vec<String> = member_columns
            .iter()
            .map(|c| format!("CAST(p.{} AS VARCHAR)", quote_ident(c)))
            .collect();
        let sql = format!(
            "SELECT {}\nFROM {profile} AS p SEMI JOIN {m} AS m ON m.id = p.{id}\nORDER BY p.{id} LIMIT {}",
            sel.join(", "),
            opts.member_rows
        );
        let n = member_columns.len();
        let mut stmt = prepare_one(conn, &sql)?;
        stmt.query_map([], |r| {
            (0..n)
                .map(|i| r.get::<_, Option<String>>(i).map(|v| v.unwrap_or_default()))
                .collect::<Result<Vec<_>, _>>()
        })?
        .collect::<Result<Vec<_>, _>>()?
    };

    Ok(Preview {
        segment: seg.name.clone(),
        count,
        estimate,
        population,
        share_profiles,
        share_revenue,
        share_clv,
        metrics,
        mix,
        deciles,
        overlaps,
        member_columns,
        members,
        sql: exact.sql,
        members_time,
        elapsed: started.elapsed(),
    })
}

fn scale(n: u64, sampled_mode: bool, sampled: u64, population: u64) -> u64 {
    if sampled_mode && sampled > 0 {
        (n as f64 * population as f64 / sampled as f64).round() as u64
    } else {
        n
    }
}

/// The predictions table and its key, quoted, when it exists with `clv` and `p_alive`.
fn clv_source(catalog: &Catalog) -> Option<(String, String)> {
    let r = catalog.relation(super::model::CLV_TABLE)?;
    let has = |c: &str| r.columns.iter().any(|x| x.name == c);
    (has(super::model::CLV_KEY) && has("clv") && has("p_alive")).then(|| {
        (
            quote_ident(super::model::CLV_TABLE),
            quote_ident(super::model::CLV_KEY),
        )
    })
}

/// The transactions of the latest CLV fit: ((table, customer, amount) quoted, customer),
/// when that table is in the catalog with those columns. Revenue is the sum of amount.
fn revenue_source(
    conn: &Connection,
    catalog: &Catalog,
) -> Option<((String, String, String), String)> {
    let (input, customer, amount): (String, String, String) = conn
        .query_row(
            "SELECT input, customer_column, amount_column FROM clvdesk_meta.clv_fits ORDER BY fit_id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .ok()?;
    let r = catalog.relation(&input)?;
    let col = |name: &str| {
        r.columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
            .map(|c| (quote_ident(&c.name), class_of(&c.data_type)))
    };
    let (k, _) = col(&customer)?;
    let (a, at) = col(&amount)?;
    if at != ColType::Number {
        return None;
    }
    Some(((quote_ident(&r.name), k.clone(), a), k))
}

/// A status-like text column of the profile table to show the mix of: the first whose name
/// says status, tier, level or segment.
pub fn mix_column(cols: &[(String, String)]) -> Option<String> {
    cols.iter()
        .find(|(name, t)| {
            let n = name.to_ascii_lowercase();
            class_of(t) == ColType::Text
                && ["status", "tier", "level", "segment"]
                    .iter()
                    .any(|w| n.contains(w))
        })
        .map(|c| c.0.clone())
}
