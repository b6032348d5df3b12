//! `segments/<name>.toml`: reading a rule tree (every error names file, line and rule) and
//! saving one so that the analyst's comments and key order survive (`toml_edit`, atomic).
//!
//! ```toml
//! description = "Aurora members in the top 3 mileage deciles over 6 months"
//! profile = "customers"          # one row per profile
//! identity = "customer_id"
//! as_of = "latest"               # latest | today | 2025-12-31: what "last N days" counts from
//!
//! [rule]                         # the root container
//! type = "all"                   # all (AND) | any (OR)
//!
//! [[rule.conditions]]
//! type = "attribute"
//! column = "loyalty_status"
//! op = "equals"
//! value = "Aurora"
//!
//! [[rule.conditions]]
//! type = "decile"
//! table = "loyalty_miles_deciles"
//! window = "6m"
//! top = 3
//! category = "Aurora"
//! ```

use std::ops::Range;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use toml_edit::{Item, TableLike};

use super::model::*;
use super::{InvalidRule, SegmentError};

/// Reads and parses a segment file.
pub fn load(file: &Path) -> Result<Segment, SegmentError> {
    let text = std::fs::read_to_string(file).map_err(|e| SegmentError::io(file, e))?;
    Ok(parse(file, &text)?)
}

/// Parses the text of `segments/<name>.toml` (the name is the file stem).
pub fn parse(file: &Path, text: &str) -> Result<Segment, InvalidRule> {
    let name = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_string();
    let p = Parser { file, text };
    if !super::is_valid_name(&name) {
        return Err(p.err(
            None,
            None,
            format!("`{name}` is not a segment name: use letters, digits, `_` and `-`"),
        ));
    }
    let doc = toml_edit::Document::parse(text)
        .map_err(|e| p.err(e.span(), None, e.message().trim().to_string()))?;
    let top = doc.as_table();
    p.known_keys(
        top,
        None,
        &["description", "profile", "identity", "as_of", "rule"],
    )?;
    let description = p.opt_str(top, None, "description")?;
    let profile = p
        .opt_str(top, None, "profile")?
        .unwrap_or_else(|| "customers".into());
    let identity = p
        .opt_str(top, None, "identity")?
        .unwrap_or_else(|| "customer_id".into());
    let as_of = match top.get("as_of") {
        None => AsOf::Latest,
        Some(item) => match p.value(item, None, "as_of")? {
            Value::Text(s) if s == "latest" => AsOf::Latest,
            Value::Text(s) if s == "today" => AsOf::Today,
            Value::Date(d) => AsOf::Date(d),
            Value::Text(s) if s.parse::<NaiveDate>().is_ok() => {
                AsOf::Date(s.parse().unwrap_or_default())
            }
            _ => {
                return Err(p.err(
                    item.span(),
                    None,
                    "as_of: use \"latest\", \"today\" or a date like 2025-12-31".into(),
                ));
            }
        },
    };
    let rule = match top.get("rule") {
        Some(item) => {
            let t = item
                .as_table_like()
                .ok_or_else(|| p.err(item.span(), Some("rule"), "`rule` must be a table".into()))?;
            p.node(t, item.span(), "rule")?
        }
        None => {
            return Err(p.err(
                None,
                Some("rule"),
                "no [rule] table: add one with type = \"all\" and its conditions".into(),
            ));
        }
    };
    Ok(Segment {
        name,
        description,
        profile,
        identity,
        as_of,
        rule,
    })
}

struct Parser<'a> {
    file: &'a Path,
    text: &'a str,
}

impl Parser<'_> {
    fn err(&self, span: Option<Range<usize>>, rule: Option<&str>, reason: String) -> InvalidRule {
        InvalidRule {
            file: self.file.to_path_buf(),
            line: span.map(|s| line_of(self.text, s.start)),
            rule: rule.map(str::to_string),
            reason,
        }
    }

    fn known_keys(
        &self,
        t: &dyn TableLike,
        rule: Option<&str>,
        allowed: &[&str],
    ) -> Result<(), InvalidRule> {
        for (k, item) in t.iter() {
            if !allowed.contains(&k) {
                return Err(self.err(
                    item.span(),
                    rule,
                    format!("unknown key `{k}` (allowed here: {})", allowed.join(", ")),
                ));
            }
        }
        Ok(())
    }

    fn opt_str(
        &self,
        t: &dyn TableLike,
        rule: Option<&str>,
        key: &str,
    ) -> Result<Option<String>, InvalidRule> {
        match t.get(key) {
            None => Ok(None),
            Some(item) => match item.as_str() {
                Some(s) => Ok(Some(s.to_string())),
                None => Err(self.err(item.span(), rule, format!("`{key}` must be text"))),
            },
        }
    }

    fn req_str(
        &self,
        t: &dyn TableLike,
        span: Option<Range<usize>>,
        rule: &str,
        key: &str,
    ) -> Result<String, InvalidRule> {
        self.opt_str(t, Some(rule), key)?
            .ok_or_else(|| self.err(span, Some(rule), format!("needs `{key}`")))
    }

    fn opt_u32(
        &self,
        t: &dyn TableLike,
        rule: &str,
        key: &str,
    ) -> Result<Option<u32>, InvalidRule> {
        match t.get(key) {
            None => Ok(None),
            Some(item) => match item.as_integer() {
                Some(n) if (1..=100_000).contains(&n) => Ok(Some(n as u32)),
                _ => Err(self.err(
                    item.span(),
                    Some(rule),
                    format!("`{key}` must be a whole number from 1"),
                )),
            },
        }
    }

    fn opt_date(
        &self,
        t: &dyn TableLike,
        rule: &str,
        key: &str,
    ) -> Result<Option<NaiveDate>, InvalidRule> {
        match t.get(key) {
            None => Ok(None),
            Some(item) => match self.value(item, Some(rule), key)? {
                Value::Date(d) => Ok(Some(d)),
                Value::Text(s) if s.parse::<NaiveDate>().is_ok() => Ok(s.parse().ok()),
                _ => Err(self.err(
                    item.span(),
                    Some(rule),
                    format!("`{key}` must be a date like 2025-06-30"),
                )),
            },
        }
    }

    /// A scalar value.
    fn value(&self, item: &Item, rule: Option<&str>, key: &str) -> Result<Value, InvalidRule> {
        let v = item
            .as_value()
            .ok_or_else(|| self.err(item.span(), rule, format!("`{key}` must be a value")))?;
        self.scalar(v, rule, key)
    }

    fn scalar(
        &self,
        v: &toml_edit::Value,
        rule: Option<&str>,
        key: &str,
    ) -> Result<Value, InvalidRule> {
        use toml_edit::Value as T;
        Ok(match v {
            T::String(s) => Value::Text(s.value().clone()),
            T::Integer(n) => Value::Int(*n.value()),
            T::Float(x) => Value::Float(*x.value()),
            T::Boolean(b) => Value::Bool(*b.value()),
            T::Datetime(dt) => match (dt.value().date, dt.value().time) {
                (Some(d), None) => {
                    NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
                        .map(Value::Date)
                        .ok_or_else(|| {
                            self.err(v.span(), rule, format!("`{key}`: not a valid date"))
                        })?
                }
                _ => Value::Text(dt.value().to_string()),
            },
            _ => {
                return Err(self.err(
                    v.span(),
                    rule,
                    format!("`{key}` must be text, a number, a boolean or a date"),
                ));
            }
        })
    }

    fn values(&self, item: &Item, rule: &str, key: &str) -> Result<Vec<Value>, InvalidRule> {
        let arr = item.as_array().ok_or_else(|| {
            self.err(
                item.span(),
                Some(rule),
                format!("`{key}` must be a list [..]"),
            )
        })?;
        arr.iter()
            .map(|v| self.scalar(v, Some(rule), key))
            .collect()
    }

    fn number(
        &self,
        v: &Value,
        span: Option<Range<usize>>,
        rule: &str,
        key: &str,
    ) -> Result<f64, InvalidRule> {
        v.as_f64().filter(|x| x.is_finite()).ok_or_else(|| {
            self.err(
                span,
                Some(rule),
                format!("`{key}` must be a number, not {}", v.kind_name()),
            )
        })
    }

    fn node(
        &self,
        t: &dyn TableLike,
        span: Option<Range<usize>>,
        path: &str,
    ) -> Result<Node, InvalidRule> {
        let rule = Some(path);
        let ty = self.req_str(t, span.clone(), path, "type")?;
        let exclude = match t.get("exclude") {
            None => false,
            Some(i) => i.as_bool().ok_or_else(|| {
                self.err(i.span(), rule, "`exclude` must be true or false".into())
            })?,
        };
        let kind = match ty.as_str() {
            "all" | "any" => {
                self.known_keys(t, rule, &["type", "exclude", "conditions"])?;
                let mut children = Vec::new();
                match t.get("conditions") {
                    None => {}
                    Some(Item::ArrayOfTables(a)) => {
                        for (i, c) in a.iter().enumerate() {
                            children.push(self.node(c, c.span(), &format!("{path}.{}", i + 1))?);
                        }
                    }
                    Some(Item::Value(toml_edit::Value::Array(a))) => {
                        for (i, c) in a.iter().enumerate() {
                            let p = format!("{path}.{}", i + 1);
                            let it = c.as_inline_table().ok_or_else(|| {
                                self.err(
                                    c.span(),
                                    Some(&p),
                                    "a condition must be a table { type = ... }".into(),
                                )
                            })?;
                            children.push(self.node(it, c.span(), &p)?);
                        }
                    }
                    Some(other) => {
                        return Err(self.err(
                            other.span(),
                            rule,
                            "`conditions` must be a list of tables ([[...conditions]])".into(),
                        ));
                    }
                }
                NodeKind::Group {
                    any: ty == "any",
                    children,
                }
            }
            "attribute" => NodeKind::Attribute(self.attribute(t, span, path)?),
            "event" => NodeKind::Event(self.event(t, span, path)?),
            "decile" => {
                self.known_keys(
                    t,
                    rule,
                    &[
                        "type", "exclude", "table", "window", "top", "buckets", "category",
                    ],
                )?;
                let table = self.req_str(t, span.clone(), path, "table")?;
                let window = self.req_str(t, span.clone(), path, "window")?;
                let buckets =
                    match (t.get("top"), t.get("buckets")) {
                        (Some(_), Some(b)) => {
                            return Err(self.err(
                                b.span(),
                                rule,
                                "give `top` or `buckets`, not both".into(),
                            ));
                        }
                        (Some(top), None) => match top.as_integer() {
                            Some(n) if (1..=1000).contains(&n) => (1..=n).collect(),
                            _ => {
                                return Err(self.err(
                                    top.span(),
                                    rule,
                                    "`top` must be a whole number from 1".into(),
                                ));
                            }
                        },
                        (None, Some(b)) => {
                            let vals = self.values(b, path, "buckets")?;
                            let mut out = Vec::new();
                            for v in vals {
                                match v {
                                    Value::Int(n) if n >= 1 => out.push(n),
                                    other => return Err(self.err(
                                        b.span(),
                                        rule,
                                        format!(
                                            "`buckets`: {} is not a bucket number (1 is the top)",
                                            other.display()
                                        ),
                                    )),
                                }
                            }
                            out
                        }
                        (None, None) => {
                            return Err(self.err(
                                span,
                                rule,
                                "needs `top = N` or `buckets = [..]`".into(),
                            ));
                        }
                    };
                if buckets.is_empty() {
                    return Err(self.err(span, rule, "`buckets` is empty".into()));
                }
                NodeKind::Decile(Decile {
                    table,
                    window,
                    buckets,
                    category: self.opt_str(t, rule, "category")?,
                })
            }
            "clv" => {
                self.known_keys(
                    t,
                    rule,
                    &[
                        "type", "exclude", "table", "key", "field", "op", "value", "values",
                    ],
                )?;
                let field = self.req_str(t, span.clone(), path, "field")?;
                let op = self.req_str(t, span.clone(), path, "op")?;
                let test = if op == "top_percent" {
                    let item = t.get("value").ok_or_else(|| {
                        self.err(
                            span.clone(),
                            rule,
                            "top_percent needs `value` (a percentage)".into(),
                        )
                    })?;
                    let v = self.value(item, rule, "value")?;
                    let pct = self.number(&v, item.span(), path, "value")?;
                    if !(pct > 0.0 && pct <= 100.0) {
                        return Err(self.err(
                            item.span(),
                            rule,
                            "top_percent: `value` must be above 0 and at most 100".into(),
                        ));
                    }
                    ClvTest::TopPercent(pct)
                } else {
                    ClvTest::Compare(self.cmp(t, span.clone(), path, &op)?)
                };
                NodeKind::Clv(Clv {
                    table: self
                        .opt_str(t, rule, "table")?
                        .unwrap_or_else(|| CLV_TABLE.into()),
                    key: self
                        .opt_str(t, rule, "key")?
                        .unwrap_or_else(|| CLV_KEY.into()),
                    field,
                    test,
                })
            }
            "segment" => {
                self.known_keys(t, rule, &["type", "exclude", "segment"])?;
                NodeKind::Segment(self.req_str(t, span, path, "segment")?)
            }
            other => {
                return Err(self.err(
                    t.get("type").and_then(|i| i.span()),
                    rule,
                    format!(
                        "type `{other}`: use all, any, attribute, event, decile, clv or segment"
                    ),
                ));
            }
        };
        Ok(Node { exclude, kind })
    }

    /// A numeric comparison from `op` and `value` / `values`.
    fn cmp(
        &self,
        t: &dyn TableLike,
        span: Option<Range<usize>>,
        path: &str,
        op: &str,
    ) -> Result<Cmp, InvalidRule> {
        let rule = Some(path);
        let one = || -> Result<f64, InvalidRule> {
            let item = t
                .get("value")
                .ok_or_else(|| self.err(span.clone(), rule, format!("`{op}` needs `value`")))?;
            let v = self.value(item, rule, "value")?;
            self.number(&v, item.span(), path, "value")
        };
        Ok(match op {
            "at_least" => Cmp::AtLeast(one()?),
            "at_most" => Cmp::AtMost(one()?),
            "exactly" => Cmp::Exactly(one()?),
            "greater" => Cmp::Greater(one()?),
            "less" => Cmp::Less(one()?),
            "between" => {
                let item = t.get("values").ok_or_else(|| {
                    self.err(
                        span.clone(),
                        rule,
                        "`between` needs `values = [low, high]`".into(),
                    )
                })?;
                let vs = self.values(item, path, "values")?;
                if vs.len() != 2 {
                    return Err(self.err(
                        item.span(),
                        rule,
                        "`between` needs exactly two values [low, high]".into(),
                    ));
                }
                let lo = self.number(&vs[0], item.span(), path, "values")?;
                let hi = self.number(&vs[1], item.span(), path, "values")?;
                if lo > hi {
                    return Err(self.err(
                        item.span(),
                        rule,
                        format!("between {lo} and {hi}: the low value is above the high one"),
                    ));
                }
                Cmp::Between(lo, hi)
            }
            other => {
                return Err(self.err(
                    t.get("op").and_then(|i| i.span()),
                    rule,
                    format!("op `{other}`: use {}", Cmp::NAMES.join(", ")),
                ));
            }
        })
    }

    fn attribute(
        &self,
        t: &dyn TableLike,
        span: Option<Range<usize>>,
        path: &str,
    ) -> Result<Attribute, InvalidRule> {
        let rule = Some(path);
        self.known_keys(
            t,
            rule,
            &[
                "type", "exclude", "table", "key", "column", "op", "value", "values", "days",
            ],
        )?;
        let column = self.req_str(t, span.clone(), path, "column")?;
        let op = self.req_str(t, span.clone(), path, "op")?;
        let op_span = t.get("op").and_then(|i| i.span());
        let value = || -> Result<Value, InvalidRule> {
            let item = t
                .get("value")
                .ok_or_else(|| self.err(span.clone(), rule, format!("`{op}` needs `value`")))?;
            self.value(item, rule, "value")
        };
        let text = || -> Result<String, InvalidRule> {
            match value()? {
                Value::Text(s) => Ok(s),
                other => Err(self.err(
                    span.clone(),
                    rule,
                    format!("`{op}` needs a text value, not {}", other.kind_name()),
                )),
            }
        };
        let list = || -> Result<Vec<Value>, InvalidRule> {
            let item = t.get("values").ok_or_else(|| {
                self.err(span.clone(), rule, format!("`{op}` needs `values = [..]`"))
            })?;
            let vs = self.values(item, path, "values")?;
            if vs.is_empty() {
                return Err(self.err(item.span(), rule, "`values` is empty".into()));
            }
            Ok(vs)
        };
        let op = match op.as_str() {
            "equals" => AttrOp::Equals(value()?),
            "not_equals" => AttrOp::NotEquals(value()?),
            "in" => AttrOp::In(list()?),
            "not_in" => AttrOp::NotIn(list()?),
            "contains" => AttrOp::Contains(text()?),
            "starts_with" => AttrOp::StartsWith(text()?),
            "between" => {
                let vs = list()?;
                if vs.len() != 2 {
                    return Err(self.err(
                        span,
                        rule,
                        "`between` needs exactly two values [low, high]".into(),
                    ));
                }
                AttrOp::Between(vs[0].clone(), vs[1].clone())
            }
            "greater" => AttrOp::Greater(value()?),
            "greater_or_equal" => AttrOp::GreaterOrEqual(value()?),
            "less" => AttrOp::Less(value()?),
            "less_or_equal" => AttrOp::LessOrEqual(value()?),
            "is_null" => AttrOp::IsNull,
            "is_not_null" => AttrOp::IsNotNull,
            "before" => AttrOp::Before(self.opt_date(t, path, "value")?.ok_or_else(|| {
                self.err(span.clone(), rule, "`before` needs `value = <date>`".into())
            })?),
            "after" => AttrOp::After(self.opt_date(t, path, "value")?.ok_or_else(|| {
                self.err(span.clone(), rule, "`after` needs `value = <date>`".into())
            })?),
            "in_last_days" => {
                AttrOp::InLastDays(self.opt_u32(t, path, "days")?.ok_or_else(|| {
                    self.err(span.clone(), rule, "`in_last_days` needs `days = N`".into())
                })?)
            }
            other => {
                return Err(self.err(
                    op_span,
                    rule,
                    format!("op `{other}`: use {}", AttrOp::NAMES.join(", ")),
                ));
            }
        };
        Ok(Attribute {
            table: self.opt_str(t, rule, "table")?,
            key: self.opt_str(t, rule, "key")?,
            column,
            op,
        })
    }

    fn event(
        &self,
        t: &dyn TableLike,
        span: Option<Range<usize>>,
        path: &str,
    ) -> Result<Event, InvalidRule> {
        let rule = Some(path);
        self.known_keys(
            t,
            rule,
            &[
                "type",
                "exclude",
                "table",
                "key",
                "date",
                "event_column",
                "event_types",
                "measure",
                "field",
                "op",
                "value",
                "values",
                "last_days",
                "last_months",
                "from",
                "to",
                "before",
                "after",
            ],
        )?;
        let table = self.req_str(t, span.clone(), path, "table")?;
        let key = self.req_str(t, span.clone(), path, "key")?;
        let measure_name = self
            .opt_str(t, rule, "measure")?
            .unwrap_or_else(|| "count".into());
        let field = || self.req_str(t, span.clone(), path, "field");
        let measure = match measure_name.as_str() {
            "count" => {
                if let Some(f) = t.get("field") {
                    return Err(self.err(
                        f.span(),
                        rule,
                        "`field` does not apply to measure = \"count\"".into(),
                    ));
                }
                Measure::Count
            }
            "sum" => Measure::Sum(field()?),
            "avg" => Measure::Avg(field()?),
            "min" => Measure::Min(field()?),
            "max" => Measure::Max(field()?),
            other => {
                return Err(self.err(
                    t.get("measure").and_then(|i| i.span()),
                    rule,
                    format!("measure `{other}`: use count, sum, avg, min or max"),
                ));
            }
        };
        let op = self.req_str(t, span.clone(), path, "op")?;
        let cmp = self.cmp(t, span.clone(), path, &op)?;
        let event_types = match t.get("event_types") {
            None => Vec::new(),
            Some(item) => {
                let mut out = Vec::new();
                for v in self.values(item, path, "event_types")? {
                    match v {
                        Value::Text(s) => out.push(s),
                        other => {
                            return Err(self.err(
                                item.span(),
                                rule,
                                format!("`event_types`: {} is not text", other.display()),
                            ));
                        }
                    }
                }
                out
            }
        };
        let event_column = self.opt_str(t, rule, "event_column")?;
        if !event_types.is_empty() && event_column.is_none() {
            return Err(self.err(
                span,
                rule,
                "`event_types` needs `event_column` (the column holding the type)".into(),
            ));
        }
        let mut windows = Vec::new();
        if let Some(n) = self.opt_u32(t, path, "last_days")? {
            windows.push(TimeWindow::LastDays(n));
        }
        if let Some(n) = self.opt_u32(t, path, "last_months")? {
            windows.push(TimeWindow::LastMonths(n));
        }
        match (
            self.opt_date(t, path, "from")?,
            self.opt_date(t, path, "to")?,
        ) {
            (Some(a), Some(b)) => {
                if a > b {
                    return Err(self.err(span, rule, format!("from {a} is after to {b}")));
                }
                windows.push(TimeWindow::Between(a, b))
            }
            (Some(_), None) | (None, Some(_)) => {
                return Err(self.err(
                    span,
                    rule,
                    "a window between dates needs both `from` and `to`".into(),
                ));
            }
            _ => {}
        }
        if let Some(d) = self.opt_date(t, path, "before")? {
            windows.push(TimeWindow::Before(d));
        }
        if let Some(d) = self.opt_date(t, path, "after")? {
            windows.push(TimeWindow::After(d));
        }
        if windows.len() > 1 {
            return Err(self.err(
                span,
                rule,
                "give one time window: last_days, last_months, from/to, before or after".into(),
            ));
        }
        let date = self.opt_str(t, rule, "date")?;
        if !windows.is_empty() && date.is_none() {
            return Err(self.err(
                span,
                rule,
                "a time window needs `date` (the event table's date column)".into(),
            ));
        }
        Ok(Event {
            table,
            key,
            date,
            event_column,
            event_types,
            measure,
            cmp,
            window: windows.first().copied(),
        })
    }
}

/// The 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset.min(text.len()))
        .map_or(1, |t| t.matches('\n').count() + 1)
}

// ---- saving ----------------------------------------------------------------------------

/// The path of segment `name` in the segments folder `dir`.
pub fn path_of(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.toml"))
}

/// The segment as a TOML document (no comments).
pub fn to_toml(seg: &Segment) -> String {
    let mut doc = toml_edit::DocumentMut::new();
    fill_top(doc.as_table_mut(), seg);
    doc.to_string()
}

fn fill_top(top: &mut toml_edit::Table, seg: &Segment) {
    if let Some(d) = &seg.description {
        top["description"] = toml_edit::value(d.as_str());
    }
    top["profile"] = toml_edit::value(seg.profile.as_str());
    top["identity"] = toml_edit::value(seg.identity.as_str());
    top["as_of"] = match seg.as_of {
        AsOf::Latest => toml_edit::value("latest"),
        AsOf::Today => toml_edit::value("today"),
        AsOf::Date(d) => toml_edit::value(date_value(d)),
    };
    top["rule"] = Item::Table(node_table(&seg.rule));
}

fn date_value(d: NaiveDate) -> toml_edit::Value {
    use chrono::Datelike;
    toml_edit::Value::from(toml_edit::Datetime {
        date: Some(toml_edit::Date {
            year: d.year() as u16,
            month: d.month() as u8,
            day: d.day() as u8,
        }),
        time: None,
        offset: None,
    })
}

fn scalar(v: &Value) -> toml_edit::Value {
    match v {
        Value::Text(s) => toml_edit::Value::from(s.as_str()),
        Value::Int(n) => toml_edit::Value::from(*n),
        Value::Float(x) => toml_edit::Value::from(*x),
        Value::Bool(b) => toml_edit::Value::from(*b),
        Value::Date(d) => date_value(*d),
    }
}

fn num(x: f64) -> toml_edit::Value {
    if x.fract() == 0.0 && x.abs() < 9e15 {
        toml_edit::Value::from(x as i64)
    } else {
        toml_edit::Value::from(x)
    }
}

fn array(vs: impl IntoIterator<Item = toml_edit::Value>) -> toml_edit::Value {
    toml_edit::Value::Array(vs.into_iter().collect())
}

fn put_cmp(t: &mut toml_edit::Table, c: Cmp) {
    t["op"] = toml_edit::value(c.name());
    match c {
        Cmp::Between(a, b) => t["values"] = Item::Value(array([num(a), num(b)])),
        Cmp::AtLeast(x) | Cmp::AtMost(x) | Cmp::Exactly(x) | Cmp::Greater(x) | Cmp::Less(x) => {
            t["value"] = Item::Value(num(x))
        }
    }
}

/// One node as a table (children as an array of tables).
fn node_table(n: &Node) -> toml_edit::Table {
    let mut t = toml_edit::Table::new();
    t["type"] = toml_edit::value(n.kind.type_name());
    if n.exclude {
        t["exclude"] = toml_edit::value(true);
    }
    match &n.kind {
        NodeKind::Group { children, .. } => {
            let mut arr = toml_edit::ArrayOfTables::new();
            for c in children {
                arr.push(node_table(c));
            }
            t["conditions"] = Item::ArrayOfTables(arr);
        }
        NodeKind::Attribute(a) => {
            if let Some(tb) = &a.table {
                t["table"] = toml_edit::value(tb.as_str());
            }
            if let Some(k) = &a.key {
                t["key"] = toml_edit::value(k.as_str());
            }
            t["column"] = toml_edit::value(a.column.as_str());
            t["op"] = toml_edit::value(a.op.name());
            match &a.op {
                AttrOp::Equals(v)
                | AttrOp::NotEquals(v)
                | AttrOp::Greater(v)
                | AttrOp::GreaterOrEqual(v)
                | AttrOp::Less(v)
                | AttrOp::LessOrEqual(v) => t["value"] = Item::Value(scalar(v)),
                AttrOp::In(vs) | AttrOp::NotIn(vs) => {
                    t["values"] = Item::Value(array(vs.iter().map(scalar)))
                }
                AttrOp::Contains(s) | AttrOp::StartsWith(s) => {
                    t["value"] = toml_edit::value(s.as_str())
                }
                AttrOp::Between(a, b) => t["values"] = Item::Value(array([scalar(a), scalar(b)])),
                AttrOp::IsNull | AttrOp::IsNotNull => {}
                AttrOp::Before(d) | AttrOp::After(d) => t["value"] = Item::Value(date_value(*d)),
                AttrOp::InLastDays(n) => t["days"] = toml_edit::value(i64::from(*n)),
            }
        }
        NodeKind::Event(e) => {
            t["table"] = toml_edit::value(e.table.as_str());
            t["key"] = toml_edit::value(e.key.as_str());
            if let Some(d) = &e.date {
                t["date"] = toml_edit::value(d.as_str());
            }
            if let Some(c) = &e.event_column {
                t["event_column"] = toml_edit::value(c.as_str());
            }
            if !e.event_types.is_empty() {
                t["event_types"] = Item::Value(array(
                    e.event_types
                        .iter()
                        .map(|s| toml_edit::Value::from(s.as_str())),
                ));
            }
            t["measure"] = toml_edit::value(e.measure.name());
            if let Some(f) = e.measure.field() {
                t["field"] = toml_edit::value(f);
            }
            put_cmp(&mut t, e.cmp);
            match e.window {
                None => {}
                Some(TimeWindow::LastDays(n)) => t["last_days"] = toml_edit::value(i64::from(n)),
                Some(TimeWindow::LastMonths(n)) => {
                    t["last_months"] = toml_edit::value(i64::from(n))
                }
                Some(TimeWindow::Between(a, b)) => {
                    t["from"] = Item::Value(date_value(a));
                    t["to"] = Item::Value(date_value(b));
                }
                Some(TimeWindow::Before(d)) => t["before"] = Item::Value(date_value(d)),
                Some(TimeWindow::After(d)) => t["after"] = Item::Value(date_value(d)),
            }
        }
        NodeKind::Decile(d) => {
            t["table"] = toml_edit::value(d.table.as_str());
            t["window"] = toml_edit::value(d.window.as_str());
            let n = d.buckets.len() as i64;
            if d.buckets.iter().copied().eq(1..=n) {
                t["top"] = toml_edit::value(n);
            } else {
                t["buckets"] =
                    Item::Value(array(d.buckets.iter().map(|b| toml_edit::Value::from(*b))));
            }
            if let Some(c) = &d.category {
                t["category"] = toml_edit::value(c.as_str());
            }
        }
        NodeKind::Clv(c) => {
            if c.table != CLV_TABLE {
                t["table"] = toml_edit::value(c.table.as_str());
            }
            if c.key != CLV_KEY {
                t["key"] = toml_edit::value(c.key.as_str());
            }
            t["field"] = toml_edit::value(c.field.as_str());
            match c.test {
                ClvTest::Compare(cmp) => put_cmp(&mut t, cmp),
                ClvTest::TopPercent(p) => {
                    t["op"] = toml_edit::value("top_percent");
                    t["value"] = Item::Value(num(p));
                }
            }
        }
        NodeKind::Segment(s) => t["segment"] = toml_edit::value(s.as_str()),
    }
    t
}

/// Saves `seg` to `file` atomically. An existing file keeps its comments, key order and
/// layout wherever the tree did not change: the new content is merged into the parsed
/// document key by key (children by position).
pub fn save(file: &Path, seg: &Segment) -> Result<(), SegmentError> {
    let fresh = to_toml(seg);
    let out = match std::fs::read_to_string(file) {
        Ok(old) => match old.parse::<toml_edit::DocumentMut>() {
            Ok(mut doc) => {
                let mut new_doc: toml_edit::DocumentMut = fresh
                    .parse()
                    .map_err(|e: toml_edit::TomlError| SegmentError::Other(e.to_string()))?;
                merge_table(doc.as_table_mut(), new_doc.as_table_mut());
                doc.to_string()
            }
            Err(_) => fresh,
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => fresh,
        Err(e) => return Err(SegmentError::io(file, e)),
    };
    crate::atomic::write_atomic(file, out.as_bytes()).map_err(|e| SegmentError::io(file, e))
}

/// Makes `dst` hold what `src` holds, keeping `dst`'s decor (comments) for kept keys.
fn merge_table(dst: &mut dyn TableLike, src: &mut dyn TableLike) {
    let gone: Vec<String> = dst
        .iter()
        .map(|(k, _)| k.to_string())
        .filter(|k| !src.contains_key(k))
        .collect();
    for k in gone {
        dst.remove(&k);
    }
    let keys: Vec<String> = src.iter().map(|(k, _)| k.to_string()).collect();
    for k in keys {
        let Some(new) = src.get_mut(&k) else { continue };
        match (dst.get_mut(&k), new) {
            (Some(Item::Value(old)), Item::Value(new)) => {
                let (mut a, mut b) = (old.clone(), new.clone());
                a.decor_mut().clear();
                b.decor_mut().clear();
                if a.to_string() != b.to_string() {
                    let decor = old.decor().clone();
                    *old = new.clone();
                    *old.decor_mut() = decor;
                }
            }
            (Some(Item::Table(old)), Item::Table(new)) => merge_table(old, new),
            (Some(Item::ArrayOfTables(old)), Item::ArrayOfTables(new)) => {
                let n = new.len();
                while old.len() > n {
                    old.remove(old.len() - 1);
                }
                for (i, nt) in new.iter_mut().enumerate() {
                    match old.get_mut(i) {
                        Some(ot) => merge_table(ot, nt),
                        None => old.push(nt.clone()),
                    }
                }
            }
            (_, new) => {
                dst.insert(&k, new.clone());
            }
        }
    }
}
