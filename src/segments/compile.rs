//! Compiles a rule tree into one DuckDB query that returns the members' identities
//! (`SELECT DISTINCT ... AS id`), with every value a numbered bound parameter (`$n`) and every
//! name checked against the catalog and quoted. Whatever cannot run is found here, as an
//! [`InvalidRule`] naming the file, the rule and the reason, never as a runtime SQL error.
//!
//! Shape: event conditions become one aggregate CTE each (`e1`, `e2`, ...) joined to the
//! profile table with a LEFT JOIN, so a profile without events counts 0; every other
//! condition is a boolean over the profile row (`IN (SELECT ...)` for other tables). Every
//! leaf is wrapped in `coalesce(..., false)`, so a NULL never turns an exclude into "unknown".

use std::path::{Path, PathBuf};

use duckdb::types::Value as Db;

use super::model::*;
use super::validate::{ColType, class_of};
use super::{InvalidRule, is_valid_name};
use crate::engine::catalog::Catalog;
use crate::sql::quote_ident;

/// A compiled segment: one statement and its parameters (`$1` is `params[0]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled {
    pub sql: String,
    pub params: Vec<Db>,
    /// The profile table (quoted) and identity column (quoted), for metrics around members.
    pub profile_sql: String,
    pub identity_sql: String,
}

/// Finds other saved segments for `type = "segment"` conditions.
pub trait Resolver {
    /// The segment called `name` and its file, or why it cannot be used.
    fn segment(&self, name: &str) -> Result<(Segment, PathBuf), String>;
}

/// Segments of a `segments/` folder.
pub struct FolderResolver(pub PathBuf);

impl Resolver for FolderResolver {
    fn segment(&self, name: &str) -> Result<(Segment, PathBuf), String> {
        if !is_valid_name(name) {
            return Err(format!("`{name}` is not a segment name"));
        }
        let file = super::file::path_of(&self.0, name);
        if !file.is_file() {
            return Err(format!("no saved segment `{name}`"));
        }
        super::file::load(&file)
            .map(|s| (s, file.clone()))
            .map_err(|e| format!("segment `{name}` cannot be read: {e}"))
    }
}

/// A deterministic sample of profiles: those whose identity hashes (with `seed`) into the
/// first `per_mille` of 1000 slots. Applied to the profile scan and to every event
/// aggregate, so a sampled preview reads a fraction of the events too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    pub per_mille: u32,
    pub seed: u32,
}

/// Compiles `seg` (read from `file`) against `catalog`.
pub fn compile(
    seg: &Segment,
    file: &Path,
    catalog: &Catalog,
    resolver: &dyn Resolver,
) -> Result<Compiled, InvalidRule> {
    compile_sampled(seg, file, catalog, resolver, None)
}

/// [`compile`], restricted to a [`Sample`] of the profiles when one is given.
pub fn compile_sampled(
    seg: &Segment,
    file: &Path,
    catalog: &Catalog,
    resolver: &dyn Resolver,
    sample: Option<Sample>,
) -> Result<Compiled, InvalidRule> {
    let mut params = Vec::new();
    let mut stack = vec![seg.name.clone()];
    let (sql, profile_sql, identity_sql, _) = compile_inner(
        seg,
        file,
        catalog,
        resolver,
        &mut params,
        &mut stack,
        sample,
    )?;
    Ok(Compiled {
        sql,
        params,
        profile_sql,
        identity_sql,
    })
}

/// The statement, the profile and identity (quoted), and the identity's type.
fn compile_inner(
    seg: &Segment,
    file: &Path,
    catalog: &Catalog,
    resolver: &dyn Resolver,
    params: &mut Vec<Db>,
    stack: &mut Vec<String>,
    sample: Option<Sample>,
) -> Result<(String, String, String, ColType), InvalidRule> {
    let mut b = Builder {
        sample: None,
        seg,
        file,
        catalog,
        resolver,
        params,
        stack,
        ctes: Vec::new(),
        joins: Vec::new(),
    };
    let (profile_sql, cols) = b.relation(&seg.profile, "profile", None)?;
    let (identity_sql, id_type) = b.column(&cols, &seg.identity, "identity", None)?;
    let id = format!("p.{identity_sql}");
    let sample_filter = sample.map(|s| {
        let f = b.sample_filter(&id, id_type, s);
        b.sample = Some((s, id_type));
        f
    });
    let expr = b.node(&seg.rule, "rule", &id, id_type)?;
    let mut sql = String::new();
    if !b.ctes.is_empty() {
        sql.push_str("WITH ");
        sql.push_str(&b.ctes.join(",\n"));
        sql.push('\n');
    }
    sql.push_str(&format!(
        "SELECT DISTINCT {id} AS id\nFROM {profile_sql} AS p\n"
    ));
    for j in &b.joins {
        sql.push_str(j);
        sql.push('\n');
    }
    sql.push_str(&format!("WHERE {id} IS NOT NULL\n"));
    if let Some(f) = sample_filter {
        sql.push_str(&format!("  AND {f}\n"));
    }
    sql.push_str(&format!("  AND {expr}"));
    Ok((sql, profile_sql, identity_sql, id_type))
}

struct Builder<'a> {
    seg: &'a Segment,
    file: &'a Path,
    catalog: &'a Catalog,
    resolver: &'a dyn Resolver,
    params: &'a mut Vec<Db>,
    stack: &'a mut Vec<String>,
    ctes: Vec<String>,
    joins: Vec<String>,
    /// Set while compiling a sampled query: event aggregates read the sample only.
    sample: Option<(Sample, ColType)>,
}

type Cols = Vec<(String, String)>;

impl Builder<'_> {
    fn err(&self, rule: Option<&str>, reason: impl Into<String>) -> InvalidRule {
        InvalidRule {
            file: self.file.to_path_buf(),
            line: None,
            rule: rule.map(str::to_string),
            reason: reason.into(),
        }
    }

    /// `hash(key, seed) % 1000 < per_mille`, with the key cast so that equal identities
    /// hash alike whatever their column types.
    fn sample_filter(&mut self, key: &str, t: ColType, s: Sample) -> String {
        let cast = if t == ColType::Number {
            "DOUBLE"
        } else {
            "VARCHAR"
        };
        let seed = self.bind(Db::BigInt(i64::from(s.seed)));
        let k = self.bind(Db::BigInt(i64::from(s.per_mille)));
        format!("hash(CAST({key} AS {cast}), CAST({seed} AS BIGINT)) % 1000 < CAST({k} AS UBIGINT)")
    }

    /// Binds a value; returns its placeholder.
    fn bind(&mut self, v: Db) -> String {
        self.params.push(v);
        format!("${}", self.params.len())
    }

    /// A table or view of the catalog: its quoted name and its columns.
    fn relation(
        &self,
        name: &str,
        what: &str,
        rule: Option<&str>,
    ) -> Result<(String, Cols), InvalidRule> {
        let (schema, rel) = name.split_once('.').unwrap_or(("main", name));
        let found = self.catalog.schemas.iter().find_map(|s| {
            if !s.name.eq_ignore_ascii_case(schema) {
                return None;
            }
            s.relations
                .iter()
                .find(|r| r.name.eq_ignore_ascii_case(rel))
                .map(|r| (s.name.clone(), r))
        });
        let Some((schema, r)) = found else {
            return Err(self.err(
                rule,
                format!("{what}: table `{name}` does not exist in the workspace"),
            ));
        };
        let quoted = if schema == "main" {
            quote_ident(&r.name)
        } else {
            format!("{}.{}", quote_ident(&schema), quote_ident(&r.name))
        };
        Ok((
            quoted,
            r.columns
                .iter()
                .map(|c| (c.name.clone(), c.data_type.clone()))
                .collect(),
        ))
    }

    /// A column of `cols`: quoted, with its type class.
    fn column(
        &self,
        cols: &Cols,
        name: &str,
        what: &str,
        rule: Option<&str>,
    ) -> Result<(String, ColType), InvalidRule> {
        cols.iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(name))
            .map(|(c, t)| (quote_ident(c), class_of(t)))
            .ok_or_else(|| {
                let names: Vec<&str> = cols.iter().map(|c| c.0.as_str()).collect();
                self.err(
                    rule,
                    format!("{what}: no column `{name}` (columns: {})", names.join(", ")),
                )
            })
    }

    fn node(
        &mut self,
        n: &Node,
        path: &str,
        id: &str,
        id_type: ColType,
    ) -> Result<String, InvalidRule> {
        let expr = match &n.kind {
            NodeKind::Group { any, children } => {
                if children.is_empty() {
                    return Err(self.err(
                        Some(path),
                        format!(
                            "this `{}` container is empty: add a condition or remove it",
                            n.kind.type_name()
                        ),
                    ));
                }
                let mut parts = Vec::new();
                for (i, c) in children.iter().enumerate() {
                    parts.push(self.node(c, &format!("{path}.{}", i + 1), id, id_type)?);
                }
                let sep = if *any { "\n   OR " } else { "\n  AND " };
                format!("({})", parts.join(sep))
            }
            NodeKind::Attribute(a) => self.attribute(a, path, id, id_type)?,
            NodeKind::Event(e) => self.event(e, path, id, id_type)?,
            NodeKind::Decile(d) => self.decile(d, path, id, id_type)?,
            NodeKind::Clv(c) => self.clv(c, path, id, id_type)?,
            NodeKind::Segment(name) => self.segment_ref(name, path, id, id_type)?,
        };
        Ok(if n.exclude {
            format!("NOT {expr}")
        } else {
            expr
        })
    }

    /// The key of another table must compare with the profile identity.
    fn same_key_type(
        &self,
        rule: &str,
        key: &str,
        t: ColType,
        id_type: ColType,
    ) -> Result<(), InvalidRule> {
        if t.comparable(id_type) {
            Ok(())
        } else {
            Err(self.err(
                Some(rule),
                format!(
                    "type mismatch: key `{key}` is {} but the identity `{}` is {}",
                    t.name(),
                    self.seg.identity,
                    id_type.name()
                ),
            ))
        }
    }

    /// A value for a column of class `t`, or a type-mismatch error.
    fn typed(&self, rule: &str, column: &str, t: ColType, v: &Value) -> Result<Db, InvalidRule> {
        let mismatch = || {
            self.err(
                Some(rule),
                format!(
                    "type mismatch: column `{column}` is {}, the value {} is {}",
                    t.name(),
                    v.display(),
                    v.kind_name()
                ),
            )
        };
        Ok(match (t, v) {
            (ColType::Text, Value::Text(s)) => Db::Text(s.clone()),
            (ColType::Number, Value::Int(n)) => Db::BigInt(*n),
            (ColType::Number, Value::Float(x)) => Db::Double(*x),
            (ColType::Bool, Value::Bool(b)) => Db::Boolean(*b),
            (ColType::Date | ColType::Timestamp, Value::Date(d)) => date_value(*d),
            (ColType::Date | ColType::Timestamp, Value::Text(s)) => match s.trim().parse() {
                Ok(d) => date_value(d),
                Err(_) => return Err(mismatch()),
            },
            (ColType::Other, Value::Text(s)) => Db::Text(s.clone()),
            _ => return Err(mismatch()),
        })
    }

    /// A list of values as one LIST parameter, its elements of one type.
    fn typed_list(
        &self,
        rule: &str,
        column: &str,
        t: ColType,
        vs: &[Value],
    ) -> Result<Db, InvalidRule> {
        let any_float = vs.iter().any(|v| matches!(v, Value::Float(_)));
        let mut out = Vec::with_capacity(vs.len());
        for v in vs {
            let x = self.typed(rule, column, t, v)?;
            out.push(match x {
                Db::BigInt(n) if any_float => Db::Double(n as f64),
                other => other,
            });
        }
        Ok(Db::List(out))
    }

    /// The anchor date of relative windows on `table`.`date_col`.
    fn anchor(&mut self, table_sql: &str, date_sql: &str) -> String {
        match self.seg.as_of {
            AsOf::Latest => format!("(SELECT max(CAST({date_sql} AS DATE)) FROM {table_sql})"),
            AsOf::Today => "current_date".to_string(),
            AsOf::Date(d) => {
                let p = self.bind(date_value(d));
                format!("CAST({p} AS DATE)")
            }
        }
    }

    /// `col <op> ...` for an attribute condition (no NULL guard).
    fn attr_predicate(
        &mut self,
        a: &Attribute,
        path: &str,
        col: &str,
        bare: &str,
        t: ColType,
        table_sql: &str,
    ) -> Result<String, InvalidRule> {
        let name = a.column.as_str();
        let need = |ok: bool, what: &str| -> Result<(), InvalidRule> {
            if ok {
                Ok(())
            } else {
                Err(self.err(
                    Some(path),
                    format!(
                        "type mismatch: `{}` needs {what}, column `{name}` is {}",
                        a.op.name(),
                        t.name()
                    ),
                ))
            }
        };
        Ok(match &a.op {
            AttrOp::Equals(v) => {
                let v = self.typed(path, name, t, v)?;
                format!("{col} = {}", self.bind(v))
            }
            AttrOp::NotEquals(v) => {
                let v = self.typed(path, name, t, v)?;
                format!("{col} <> {}", self.bind(v))
            }
            AttrOp::In(vs) | AttrOp::NotIn(vs) => {
                let list = self.typed_list(path, name, t, vs)?;
                let p = self.bind(list);
                let not = if matches!(a.op, AttrOp::NotIn(_)) {
                    "NOT "
                } else {
                    ""
                };
                format!("{col} {not}IN (SELECT unnest({p}))")
            }
            AttrOp::Contains(s) => {
                need(t == ColType::Text, "a text column")?;
                let p = self.bind(Db::Text(s.clone()));
                format!("contains({col}, {p})")
            }
            AttrOp::StartsWith(s) => {
                need(t == ColType::Text, "a text column")?;
                let p = self.bind(Db::Text(s.clone()));
                format!("starts_with({col}, {p})")
            }
            AttrOp::Between(lo, hi) => {
                need(t != ColType::Bool, "an ordered column")?;
                let lo = self.typed(path, name, t, lo)?;
                let hi = self.typed(path, name, t, hi)?;
                let (a, b) = (self.bind(lo), self.bind(hi));
                format!("{col} BETWEEN {a} AND {b}")
            }
            AttrOp::Greater(v)
            | AttrOp::GreaterOrEqual(v)
            | AttrOp::Less(v)
            | AttrOp::LessOrEqual(v) => {
                need(t != ColType::Bool, "an ordered column")?;
                let v = self.typed(path, name, t, v)?;
                let op = match a.op {
                    AttrOp::Greater(_) => ">",
                    AttrOp::GreaterOrEqual(_) => ">=",
                    AttrOp::Less(_) => "<",
                    _ => "<=",
                };
                format!("{col} {op} {}", self.bind(v))
            }
            AttrOp::IsNull => format!("{col} IS NULL"),
            AttrOp::IsNotNull => format!("{col} IS NOT NULL"),
            AttrOp::Before(d) | AttrOp::After(d) => {
                need(t.is_temporal(), "a date column")?;
                let p = self.bind(date_value(*d));
                let op = if matches!(a.op, AttrOp::Before(_)) {
                    "<"
                } else {
                    ">"
                };
                format!("CAST({col} AS DATE) {op} CAST({p} AS DATE)")
            }
            AttrOp::InLastDays(n) => {
                need(t.is_temporal(), "a date column")?;
                let anchor = self.anchor(table_sql, bare);
                let p = self.bind(Db::Int(*n as i32));
                format!(
                    "CAST({col} AS DATE) > {anchor} - CAST({p} AS INTEGER) AND CAST({col} AS DATE) <= {anchor}"
                )
            }
        })
    }

    fn attribute(
        &mut self,
        a: &Attribute,
        path: &str,
        id: &str,
        id_type: ColType,
    ) -> Result<String, InvalidRule> {
        match &a.table {
            None => {
                if a.key.is_some() {
                    return Err(self.err(
                        Some(path),
                        "`key` needs `table` (the profile table is matched on the identity)",
                    ));
                }
                let (table_sql, cols) = self.relation(&self.seg.profile, "profile", Some(path))?;
                let (c, t) = self.column(&cols, &a.column, "column", Some(path))?;
                let pred = self.attr_predicate(a, path, &format!("p.{c}"), &c, t, &table_sql)?;
                Ok(format!("coalesce({pred}, false)"))
            }
            Some(table) => {
                let (table_sql, cols) = self.relation(table, "table", Some(path))?;
                let key = a.key.clone().unwrap_or_else(|| self.seg.identity.clone());
                let (k, kt) = self.column(&cols, &key, "key", Some(path))?;
                self.same_key_type(path, &key, kt, id_type)?;
                let (c, t) = self.column(&cols, &a.column, "column", Some(path))?;
                let pred = self.attr_predicate(a, path, &format!("x.{c}"), &c, t, &table_sql)?;
                Ok(format!(
                    "coalesce({id} IN (SELECT x.{k} FROM {table_sql} AS x WHERE x.{k} IS NOT NULL AND ({pred})), false)"
                ))
            }
        }
    }

    fn cmp_sql(&mut self, value: &str, c: Cmp) -> String {
        let mut b = |x: f64| {
            let p = self.bind(Db::Double(x));
            format!("CAST({p} AS DOUBLE)")
        };
        match c {
            Cmp::AtLeast(x) => format!("{value} >= {}", b(x)),
            Cmp::AtMost(x) => format!("{value} <= {}", b(x)),
            Cmp::Exactly(x) => format!("{value} = {}", b(x)),
            Cmp::Greater(x) => format!("{value} > {}", b(x)),
            Cmp::Less(x) => format!("{value} < {}", b(x)),
            Cmp::Between(lo, hi) => {
                let (lo, hi) = (b(lo), b(hi));
                format!("{value} BETWEEN {lo} AND {hi}")
            }
        }
    }

    fn event(
        &mut self,
        e: &Event,
        path: &str,
        id: &str,
        id_type: ColType,
    ) -> Result<String, InvalidRule> {
        let (table_sql, cols) = self.relation(&e.table, "table", Some(path))?;
        let (k, kt) = self.column(&cols, &e.key, "key", Some(path))?;
        self.same_key_type(path, &e.key, kt, id_type)?;
        let agg = match &e.measure {
            Measure::Count => "count(*)".to_string(),
            m => {
                let field = m.field().unwrap_or_default();
                let (f, ft) = self.column(&cols, field, "field", Some(path))?;
                if ft != ColType::Number {
                    return Err(self.err(
                        Some(path),
                        format!(
                            "type mismatch: {} needs a numeric field, `{field}` is {}",
                            m.name(),
                            ft.name()
                        ),
                    ));
                }
                format!("{}(e.{f})", m.name())
            }
        };
        let mut filters = vec![format!("e.{k} IS NOT NULL")];
        if let Some((s, t)) = self.sample {
            let key = format!("e.{k}");
            filters.push(self.sample_filter(&key, t, s));
        }
        if let Some(ec) = &e.event_column
            && !e.event_types.is_empty()
        {
            let (c, ct) = self.column(&cols, ec, "event_column", Some(path))?;
            if ct != ColType::Text && ct != ColType::Other {
                return Err(self.err(
                    Some(path),
                    format!(
                        "type mismatch: event_column `{ec}` is {}, event types are text",
                        ct.name()
                    ),
                ));
            }
            let list = Db::List(e.event_types.iter().map(|s| Db::Text(s.clone())).collect());
            let p = self.bind(list);
            filters.push(format!("CAST(e.{c} AS VARCHAR) IN (SELECT unnest({p}))"));
        }
        if let Some(w) = e.window {
            let date = e.date.as_deref().unwrap_or_default();
            let (d, dt) = self.column(&cols, date, "date", Some(path))?;
            if !dt.is_temporal() {
                return Err(self.err(
                    Some(path),
                    format!(
                        "type mismatch: date `{date}` is {}, a time window needs a date column",
                        dt.name()
                    ),
                ));
            }
            let day = format!("CAST(e.{d} AS DATE)");
            match w {
                TimeWindow::LastDays(n) | TimeWindow::LastMonths(n) => {
                    let anchor = self.anchor(&table_sql, &d);
                    let p = self.bind(Db::Int(n as i32));
                    let start = if matches!(w, TimeWindow::LastDays(_)) {
                        format!("{anchor} - CAST({p} AS INTEGER)")
                    } else {
                        format!("CAST({anchor} - to_months(CAST({p} AS INTEGER)) AS DATE)")
                    };
                    filters.push(format!("{day} > {start} AND {day} <= {anchor}"));
                }
                TimeWindow::Between(a, b) => {
                    let (a, b) = (self.bind(date_value(a)), self.bind(date_value(b)));
                    filters.push(format!(
                        "{day} BETWEEN CAST({a} AS DATE) AND CAST({b} AS DATE)"
                    ));
                }
                TimeWindow::Before(a) => {
                    let a = self.bind(date_value(a));
                    filters.push(format!("{day} < CAST({a} AS DATE)"));
                }
                TimeWindow::After(a) => {
                    let a = self.bind(date_value(a));
                    filters.push(format!("{day} > CAST({a} AS DATE)"));
                }
            }
        }
        let n = self.ctes.len() + 1;
        let name = format!("e{n}");
        self.ctes.push(format!(
            "{name} AS (\n  SELECT e.{k} AS id, {agg} AS v\n  FROM {table_sql} AS e\n  WHERE {}\n  GROUP BY 1\n)",
            filters.join("\n    AND ")
        ));
        self.joins
            .push(format!("LEFT JOIN {name} ON {name}.id = {id}"));
        let value = match e.measure {
            Measure::Count | Measure::Sum(_) => format!("coalesce({name}.v, 0)"),
            _ => format!("{name}.v"),
        };
        let c = self.cmp_sql(&value, e.cmp);
        Ok(format!("coalesce({c}, false)"))
    }

    fn decile(
        &mut self,
        d: &Decile,
        path: &str,
        id: &str,
        id_type: ColType,
    ) -> Result<String, InvalidRule> {
        let (table_sql, cols) = self.relation(&d.table, "table", Some(path))?;
        for c in ["id", "lookback", "category", "bucket"] {
            if !cols.iter().any(|(n, _)| n == c) {
                return Err(self.err(
                    Some(path),
                    format!(
                        "table `{}` is not a decile table (no column `{c}`; use <job>_deciles)",
                        d.table
                    ),
                ));
            }
        }
        let (_, it) = self.column(&cols, "id", "table", Some(path))?;
        self.same_key_type(path, "id", it, id_type)?;
        if crate::analytics::deciles::Window::from_label(&d.window).is_none() {
            return Err(self.err(
                Some(path),
                format!("window `{}`: use 1m, 3m, 6m, 9m, 12m or lifetime", d.window),
            ));
        }
        let w = self.bind(Db::Text(d.window.clone()));
        let b = self.bind(Db::List(d.buckets.iter().map(|b| Db::BigInt(*b)).collect()));
        let mut sql = format!(
            "coalesce({id} IN (SELECT d.id FROM {table_sql} AS d WHERE d.lookback = {w} AND d.bucket IN (SELECT unnest({b}))"
        );
        if let Some(c) = &d.category {
            let c = self.bind(Db::Text(c.clone()));
            sql.push_str(&format!(" AND d.category = {c}"));
        }
        sql.push_str("), false)");
        Ok(sql)
    }

    fn clv(
        &mut self,
        c: &Clv,
        path: &str,
        id: &str,
        id_type: ColType,
    ) -> Result<String, InvalidRule> {
        let (table_sql, cols) = self.relation(&c.table, "table", Some(path)).map_err(|e| {
            if c.table == CLV_TABLE {
                InvalidRule {
                    reason: format!("{}; fit CLV first (CLV tab or `clvdesk clv`)", e.reason),
                    ..e
                }
            } else {
                e
            }
        })?;
        let (k, kt) = self.column(&cols, &c.key, "key", Some(path))?;
        self.same_key_type(path, &c.key, kt, id_type)?;
        let (f, ft) = self.column(&cols, &c.field, "field", Some(path))?;
        if ft != ColType::Number {
            return Err(self.err(
                Some(path),
                format!(
                    "type mismatch: `{}` is {}, a CLV condition needs a number",
                    c.field,
                    ft.name()
                ),
            ));
        }
        let inner = match c.test {
            ClvTest::Compare(cmp) => {
                let cond = self.cmp_sql(&format!("c.{f}"), cmp);
                format!("SELECT c.{k} FROM {table_sql} AS c WHERE c.{k} IS NOT NULL AND {cond}")
            }
            ClvTest::TopPercent(pct) => {
                let p = self.bind(Db::Double(pct / 100.0));
                format!(
                    "SELECT c.{k} FROM {table_sql} AS c WHERE c.{k} IS NOT NULL AND c.{f} IS NOT NULL QUALIFY cume_dist() OVER (ORDER BY c.{f} DESC) <= CAST({p} AS DOUBLE)"
                )
            }
        };
        Ok(format!("coalesce({id} IN ({inner}), false)"))
    }

    fn segment_ref(
        &mut self,
        name: &str,
        path: &str,
        id: &str,
        id_type: ColType,
    ) -> Result<String, InvalidRule> {
        if self.stack.iter().any(|s| s == name) {
            return Err(self.err(
                Some(path),
                format!(
                    "segment references form a cycle: {} -> {name}",
                    self.stack.join(" -> ")
                ),
            ));
        }
        let (other, file) = self
            .resolver
            .segment(name)
            .map_err(|e| self.err(Some(path), e))?;
        self.stack.push(name.to_string());
        let inner = compile_inner(
            &other,
            &file,
            self.catalog,
            self.resolver,
            self.params,
            self.stack,
            None,
        );
        self.stack.pop();
        let (sql, _, _, other_type) = inner.map_err(|e| {
            let mut e = e;
            e.reason = format!("in segment `{name}` referenced by {}: {}", path, e.reason);
            e
        })?;
        self.same_key_type(path, &other.identity, other_type, id_type)?;
        let indented = sql.replace('\n', "\n    ");
        Ok(format!("coalesce({id} IN (\n    {indented}\n  ), false)"))
    }
}

/// A date as a DuckDB value.
pub fn date_value(d: chrono::NaiveDate) -> Db {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    Db::Date32((d - epoch).num_days() as i32)
}

impl Compiled {
    /// The statement with each `$n` replaced by its value as an escaped literal: for reading
    /// and for the SQL tab, where the analyst runs it by hand. What clvdesk runs itself
    /// always binds the parameters.
    pub fn inline_sql(&self) -> String {
        let mut out = String::with_capacity(self.sql.len());
        let mut last = 0;
        // The lexer gives `$1` as the operator `$` followed by the number `1`.
        let toks: Vec<crate::sql::Token> = crate::sql::tokens(&self.sql).collect();
        for pair in toks.windows(2) {
            let (dollar, num) = (pair[0], pair[1]);
            if dollar.kind == crate::sql::Kind::Operator
                && &self.sql[dollar.start..dollar.end] == "$"
                && num.start == dollar.end
                && let Some(v) = self.sql[num.start..num.end]
                    .parse::<usize>()
                    .ok()
                    .and_then(|n| n.checked_sub(1))
                    .and_then(|i| self.params.get(i))
            {
                out.push_str(&self.sql[last..dollar.start]);
                out.push_str(&literal(v));
                last = num.end;
            }
        }
        out.push_str(&self.sql[last..]);
        out
    }
}

/// A parameter value as SQL literal text.
pub fn literal(v: &Db) -> String {
    match v {
        Db::Null => "NULL".into(),
        Db::Boolean(b) => b.to_string(),
        Db::Int(n) => n.to_string(),
        Db::BigInt(n) => n.to_string(),
        Db::Double(x) => {
            let s = format!("{x:?}");
            format!("CAST({s} AS DOUBLE)")
        }
        Db::Text(s) => crate::sql::quote_literal(s),
        Db::Date32(d) => {
            let day = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
                .and_then(|e| e.checked_add_signed(chrono::Duration::days(i64::from(*d))))
                .unwrap_or_default();
            format!("DATE '{day}'")
        }
        Db::List(items) => format!(
            "[{}]",
            items.iter().map(literal).collect::<Vec<_>>().join(", ")
        ),
        other => crate::sql::quote_literal(&format!("{other:?}")),
    }
}
