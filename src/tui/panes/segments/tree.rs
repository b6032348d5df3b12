//! The rule tree as the pane shows and edits it: rows addressed by path (child indexes from
//! the root), one-line descriptions, and the edits (add, remove, set a field) that the pane
//! applies before saving the file.

use chrono::NaiveDate;

use crate::segments::model::*;
use crate::segments::validate::ColType;

/// One line of the tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub path: Vec<usize>,
    pub depth: usize,
    pub text: String,
}

/// The tree as lines, depth first.
pub fn flatten(root: &Node) -> Vec<Row> {
    let mut out = Vec::new();
    walk(root, &mut Vec::new(), 0, &mut out);
    out
}

fn walk(n: &Node, path: &mut Vec<usize>, depth: usize, out: &mut Vec<Row>) {
    out.push(Row {
        path: path.clone(),
        depth,
        text: describe(n),
    });
    if let NodeKind::Group { children, .. } = &n.kind {
        for (i, c) in children.iter().enumerate() {
            path.push(i);
            walk(c, path, depth + 1, out);
            path.pop();
        }
    }
}

/// The rule name of a path, as errors spell it (`rule.2.1`).
pub fn rule_name(path: &[usize]) -> String {
    let mut s = "rule".to_string();
    for i in path {
        s.push_str(&format!(".{}", i + 1));
    }
    s
}

pub fn node_at<'a>(root: &'a Node, path: &[usize]) -> Option<&'a Node> {
    let mut n = root;
    for &i in path {
        match &n.kind {
            NodeKind::Group { children, .. } => n = children.get(i)?,
            _ => return None,
        }
    }
    Some(n)
}

pub fn node_at_mut<'a>(root: &'a mut Node, path: &[usize]) -> Option<&'a mut Node> {
    let mut n = root;
    for &i in path {
        match &mut n.kind {
            NodeKind::Group { children, .. } => n = children.get_mut(i)?,
            _ => return None,
        }
    }
    Some(n)
}

/// Adds `node` as the last child of the group at `path`, or after the condition at `path`.
/// Returns the new node's path.
pub fn insert(root: &mut Node, path: &[usize], node: Node) -> Option<Vec<usize>> {
    let target = node_at(root, path)?;
    if matches!(target.kind, NodeKind::Group { .. }) {
        let g = node_at_mut(root, path)?;
        if let NodeKind::Group { children, .. } = &mut g.kind {
            children.push(node);
            let mut p = path.to_vec();
            p.push(children.len() - 1);
            return Some(p);
        }
        None
    } else {
        let (last, parent) = path.split_last()?;
        let g = node_at_mut(root, parent)?;
        if let NodeKind::Group { children, .. } = &mut g.kind {
            children.insert(last + 1, node);
            let mut p = parent.to_vec();
            p.push(last + 1);
            return Some(p);
        }
        None
    }
}

/// Removes the node at `path` (not the root).
pub fn remove(root: &mut Node, path: &[usize]) -> bool {
    let Some((last, parent)) = path.split_last() else {
        return false;
    };
    match node_at_mut(root, parent).map(|g| &mut g.kind) {
        Some(NodeKind::Group { children, .. }) if *last < children.len() => {
            children.remove(*last);
            true
        }
        _ => false,
    }
}

fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

pub fn cmp_text(c: Cmp) -> String {
    match c {
        Cmp::AtLeast(x) => format!("≥ {}", num(x)),
        Cmp::AtMost(x) => format!("≤ {}", num(x)),
        Cmp::Exactly(x) => format!("= {}", num(x)),
        Cmp::Greater(x) => format!("> {}", num(x)),
        Cmp::Less(x) => format!("< {}", num(x)),
        Cmp::Between(a, b) => format!("between {} and {}", num(a), num(b)),
    }
}

fn list(vs: &[Value]) -> String {
    if vs.len() > 5 {
        format!(
            "[{}, … {} values]",
            vs[..3]
                .iter()
                .map(Value::display)
                .collect::<Vec<_>>()
                .join(", "),
            vs.len()
        )
    } else {
        format!(
            "[{}]",
            vs.iter().map(Value::display).collect::<Vec<_>>().join(", ")
        )
    }
}

pub fn window_text(w: &TimeWindow) -> String {
    match w {
        TimeWindow::LastDays(n) => format!("last {n} days"),
        TimeWindow::LastMonths(n) => format!("last {n} months"),
        TimeWindow::Between(a, b) => format!("{a}..{b}"),
        TimeWindow::Before(d) => format!("before {d}"),
        TimeWindow::After(d) => format!("after {d}"),
    }
}

/// One line for a node.
pub fn describe(n: &Node) -> String {
    let body = match &n.kind {
        NodeKind::Group {
            any: false,
            children,
        } => format!("ALL of ({})", children.len()),
        NodeKind::Group {
            any: true,
            children,
        } => format!("ANY of ({})", children.len()),
        NodeKind::Attribute(a) => {
            let col = match &a.table {
                Some(t) => format!("{t}.{}", a.column),
                None => a.column.clone(),
            };
            let op = match &a.op {
                AttrOp::Equals(v) => format!("= {}", v.display()),
                AttrOp::NotEquals(v) => format!("≠ {}", v.display()),
                AttrOp::In(vs) => format!("in {}", list(vs)),
                AttrOp::NotIn(vs) => format!("not in {}", list(vs)),
                AttrOp::Contains(s) => format!("contains {s:?}"),
                AttrOp::StartsWith(s) => format!("starts with {s:?}"),
                AttrOp::Between(a, b) => format!("between {} and {}", a.display(), b.display()),
                AttrOp::Greater(v) => format!("> {}", v.display()),
                AttrOp::GreaterOrEqual(v) => format!("≥ {}", v.display()),
                AttrOp::Less(v) => format!("< {}", v.display()),
                AttrOp::LessOrEqual(v) => format!("≤ {}", v.display()),
                AttrOp::IsNull => "is empty".into(),
                AttrOp::IsNotNull => "is not empty".into(),
                AttrOp::Before(d) => format!("before {d}"),
                AttrOp::After(d) => format!("after {d}"),
                AttrOp::InLastDays(d) => format!("in the last {d} days"),
            };
            format!("{col} {op}")
        }
        NodeKind::Event(e) => {
            let what = match e.measure.field() {
                None => "count".to_string(),
                Some(f) => format!("{}({f})", e.measure.name()),
            };
            let mut s = format!("{what} of {}", e.table);
            if !e.event_types.is_empty() {
                s.push_str(&format!(" [{}]", e.event_types.join(", ")));
            }
            if let Some(w) = &e.window {
                s.push_str(&format!(", {}", window_text(w)));
            }
            format!("{s} {}", cmp_text(e.cmp))
        }
        NodeKind::Decile(d) => {
            let b = &d.buckets;
            let which = if b.iter().copied().eq(1..=b.len() as i64) {
                format!("top {} deciles", b.len())
            } else {
                format!("buckets {b:?}")
            };
            let cat = d
                .category
                .as_deref()
                .map(|c| format!(" within {c}"))
                .unwrap_or_default();
            format!("{which} of {} ({}){cat}", d.table, d.window)
        }
        NodeKind::Clv(c) => match c.test {
            ClvTest::Compare(cmp) => format!("CLV {} {}", c.field, cmp_text(cmp)),
            ClvTest::TopPercent(p) => format!("CLV {} in the top {}%", c.field, num(p)),
        },
        NodeKind::Segment(s) => format!("member of segment {s}"),
    };
    if n.exclude {
        format!("NOT {body}")
    } else {
        body
    }
}

/// Parses a value typed for a column of class `t`.
pub fn parse_value(text: &str, t: ColType) -> Result<Value, String> {
    let s = text.trim();
    match t {
        ColType::Number => {
            if let Ok(n) = s.parse::<i64>() {
                Ok(Value::Int(n))
            } else {
                s.parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .map(Value::Float)
                    .ok_or_else(|| format!("`{s}` is not a number"))
            }
        }
        ColType::Date | ColType::Timestamp => s
            .parse::<NaiveDate>()
            .map(Value::Date)
            .map_err(|_| format!("`{s}` is not a date like 2025-06-30")),
        ColType::Bool => match s.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Ok(Value::Bool(true)),
            "false" | "no" | "0" => Ok(Value::Bool(false)),
            _ => Err(format!("`{s}` is not true or false")),
        },
        ColType::Text | ColType::Other => Ok(Value::Text(text.to_string())),
    }
}

/// Values typed as a comma-separated list.
pub fn parse_list(text: &str, t: ColType) -> Result<Vec<Value>, String> {
    let vs: Result<Vec<Value>, String> = text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| parse_value(s, t))
        .collect();
    let vs = vs?;
    if vs.is_empty() {
        Err("give at least one value".into())
    } else {
        Ok(vs)
    }
}

/// A number typed for a comparison.
pub fn parse_number(text: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| format!("`{}` is not a number", text.trim()))
}

/// The values of an attribute operator (for editing), as text.
pub fn attr_value_text(op: &AttrOp) -> String {
    let plain = |v: &Value| match v {
        Value::Text(s) => s.clone(),
        other => other.display(),
    };
    match op {
        AttrOp::Equals(v)
        | AttrOp::NotEquals(v)
        | AttrOp::Greater(v)
        | AttrOp::GreaterOrEqual(v)
        | AttrOp::Less(v)
        | AttrOp::LessOrEqual(v) => plain(v),
        AttrOp::In(vs) | AttrOp::NotIn(vs) => vs.iter().map(plain).collect::<Vec<_>>().join(", "),
        AttrOp::Contains(s) | AttrOp::StartsWith(s) => s.clone(),
        AttrOp::Between(a, b) => format!("{}, {}", plain(a), plain(b)),
        AttrOp::Before(d) | AttrOp::After(d) => d.to_string(),
        AttrOp::InLastDays(n) => n.to_string(),
        AttrOp::IsNull | AttrOp::IsNotNull => String::new(),
    }
}

/// The values of `op` (first value, all values).
fn op_values(op: &AttrOp) -> Vec<Value> {
    match op {
        AttrOp::Equals(v)
        | AttrOp::NotEquals(v)
        | AttrOp::Greater(v)
        | AttrOp::GreaterOrEqual(v)
        | AttrOp::Less(v)
        | AttrOp::LessOrEqual(v) => vec![v.clone()],
        AttrOp::In(vs) | AttrOp::NotIn(vs) => vs.clone(),
        AttrOp::Contains(s) | AttrOp::StartsWith(s) => vec![Value::Text(s.clone())],
        AttrOp::Between(a, b) => vec![a.clone(), b.clone()],
        AttrOp::Before(d) | AttrOp::After(d) => vec![Value::Date(*d)],
        AttrOp::InLastDays(n) => vec![Value::Int(i64::from(*n))],
        AttrOp::IsNull | AttrOp::IsNotNull => Vec::new(),
    }
}

/// Operator `name` keeping the values of `old` where they fit.
pub fn attr_op_named(name: &str, old: &AttrOp) -> Option<AttrOp> {
    let vs = op_values(old);
    let first = vs.first().cloned().unwrap_or(Value::Text(String::new()));
    let text = match &first {
        Value::Text(s) => s.clone(),
        other => other.display(),
    };
    let date = match &first {
        Value::Date(d) => *d,
        _ => chrono::Utc::now().date_naive(),
    };
    Some(match name {
        "equals" => AttrOp::Equals(first),
        "not_equals" => AttrOp::NotEquals(first),
        "in" => AttrOp::In(if vs.is_empty() { vec![first] } else { vs }),
        "not_in" => AttrOp::NotIn(if vs.is_empty() { vec![first] } else { vs }),
        "contains" => AttrOp::Contains(text),
        "starts_with" => AttrOp::StartsWith(text),
        "between" => AttrOp::Between(first.clone(), vs.get(1).cloned().unwrap_or(first)),
        "greater" => AttrOp::Greater(first),
        "greater_or_equal" => AttrOp::GreaterOrEqual(first),
        "less" => AttrOp::Less(first),
        "less_or_equal" => AttrOp::LessOrEqual(first),
        "is_null" => AttrOp::IsNull,
        "is_not_null" => AttrOp::IsNotNull,
        "before" => AttrOp::Before(date),
        "after" => AttrOp::After(date),
        "in_last_days" => AttrOp::InLastDays(30),
        _ => return None,
    })
}

/// A comparison `name` keeping the number(s) of `old`.
pub fn cmp_named(name: &str, old: Cmp) -> Option<Cmp> {
    let x = match old {
        Cmp::AtLeast(x) | Cmp::AtMost(x) | Cmp::Exactly(x) | Cmp::Greater(x) | Cmp::Less(x) => x,
        Cmp::Between(a, _) => a,
    };
    Some(match name {
        "at_least" => Cmp::AtLeast(x),
        "at_most" => Cmp::AtMost(x),
        "exactly" => Cmp::Exactly(x),
        "greater" => Cmp::Greater(x),
        "less" => Cmp::Less(x),
        "between" => match old {
            Cmp::Between(a, b) => Cmp::Between(a, b),
            _ => Cmp::Between(x, x),
        },
        _ => return None,
    })
}

/// The number(s) of a comparison as text.
pub fn cmp_value_text(c: Cmp) -> String {
    match c {
        Cmp::Between(a, b) => format!("{}, {}", num(a), num(b)),
        Cmp::AtLeast(x) | Cmp::AtMost(x) | Cmp::Exactly(x) | Cmp::Greater(x) | Cmp::Less(x) => {
            num(x)
        }
    }
}

/// Sets the number(s) of `c` from typed text.
pub fn cmp_with_value(c: Cmp, text: &str) -> Result<Cmp, String> {
    Ok(match c {
        Cmp::Between(..) => {
            let parts: Vec<&str> = text.split(',').collect();
            if parts.len() != 2 {
                return Err("between needs two numbers: low, high".into());
            }
            let (a, b) = (parse_number(parts[0])?, parse_number(parts[1])?);
            if a > b {
                return Err(format!("{a} is above {b}"));
            }
            Cmp::Between(a, b)
        }
        _ => cmp_named(c.name(), Cmp::AtLeast(parse_number(text)?)).unwrap_or(c),
    })
}

/// A time window typed as `last 90 days`, `last 6 months`, `2025-01-01..2025-06-30`,
/// `before 2025-01-01`, `after 2025-01-01`, or empty for none.
pub fn parse_window(text: &str) -> Result<Option<TimeWindow>, String> {
    let t = text.trim().to_ascii_lowercase();
    if t.is_empty() || t == "none" {
        return Ok(None);
    }
    let date = |s: &str| {
        s.trim()
            .parse::<NaiveDate>()
            .map_err(|_| format!("`{}` is not a date like 2025-06-30", s.trim()))
    };
    let words: Vec<&str> = t.split_whitespace().collect();
    match words.as_slice() {
        ["last", n, unit] => {
            let n: u32 = n.parse().map_err(|_| format!("`{n}` is not a whole number"))?;
            if n == 0 {
                return Err("the window must be at least 1".into());
            }
            if unit.starts_with("day") {
                Ok(Some(TimeWindow::LastDays(n)))
            } else if unit.starts_with("month") {
                Ok(Some(TimeWindow::LastMonths(n)))
            } else {
                Err(format!("`{unit}`: use days or months"))
            }
        }
        ["before", d] => Ok(Some(TimeWindow::Before(date(d)?))),
        ["after", d] => Ok(Some(TimeWindow::After(date(d)?))),
        _ => match t.split_once("..") {
            Some((a, b)) => {
                let (a, b) = (date(a)?, date(b)?);
                if a > b {
                    return Err(format!("{a} is after {b}"));
                }
                Ok(Some(TimeWindow::Between(a, b)))
            }
            None => Err("use `last 90 days`, `last 6 months`, `2025-01-01..2025-06-30`, `before DATE` or `after DATE`".into()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(col: &str) -> Node {
        Node {
            exclude: false,
            kind: NodeKind::Attribute(Attribute {
                table: None,
                key: None,
                column: col.into(),
                op: AttrOp::IsNotNull,
            }),
        }
    }

    #[test]
    fn insert_and_remove_by_path() {
        let mut root = Node {
            exclude: false,
            kind: NodeKind::Group {
                any: false,
                children: vec![leaf("a")],
            },
        };
        assert_eq!(insert(&mut root, &[], leaf("b")), Some(vec![1]));
        assert_eq!(insert(&mut root, &[0], leaf("c")), Some(vec![1]));
        let rows = flatten(&root);
        let texts: Vec<&str> = rows.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "ALL of (3)",
                "a is not empty",
                "c is not empty",
                "b is not empty"
            ]
        );
        assert!(remove(&mut root, &[1]));
        assert!(!remove(&mut root, &[]));
        assert_eq!(rule_name(&[1, 0]), "rule.2.1");
    }

    #[test]
    fn windows_parse() {
        assert_eq!(
            parse_window("last 90 days"),
            Ok(Some(TimeWindow::LastDays(90)))
        );
        assert_eq!(
            parse_window("last 6 months"),
            Ok(Some(TimeWindow::LastMonths(6)))
        );
        assert_eq!(parse_window(""), Ok(None));
        assert!(parse_window("yesterday").is_err());
    }
}
