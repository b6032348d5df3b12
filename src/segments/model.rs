//! The rule tree of a segment, as the analyst writes it in `segments/<name>.toml`.
//!
//! Every value is data ([`Value`]) and becomes a bound parameter; every name (table, column)
//! is checked against the catalog and quoted by the compiler. Nothing here is SQL text.

use chrono::NaiveDate;

/// A saved segment (audience).
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// The file stem.
    pub name: String,
    pub description: Option<String>,
    /// One row per profile: the table or view members come from.
    pub profile: String,
    /// The identity column of `profile` (also the key other tables are matched on).
    pub identity: String,
    /// What "the last N days" counts back from.
    pub as_of: AsOf,
    /// The root container.
    pub rule: Node,
}

/// The anchor of relative time windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AsOf {
    /// The latest date in each event table (reproducible on historic data).
    #[default]
    Latest,
    /// The current date.
    Today,
    Date(NaiveDate),
}

/// One node of the tree; `exclude` negates it.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub exclude: bool,
    pub kind: NodeKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// Children combined with AND (`all`) or OR (`any`), evaluated in order.
    Group {
        any: bool,
        children: Vec<Node>,
    },
    Attribute(Attribute),
    Event(Event),
    Decile(Decile),
    Clv(Clv),
    /// Membership of another saved segment.
    Segment(String),
}

impl NodeKind {
    /// The `type` key of the node.
    pub fn type_name(&self) -> &'static str {
        match self {
            NodeKind::Group { any: false, .. } => "all",
            NodeKind::Group { any: true, .. } => "any",
            NodeKind::Attribute(_) => "attribute",
            NodeKind::Event(_) => "event",
            NodeKind::Decile(_) => "decile",
            NodeKind::Clv(_) => "clv",
            NodeKind::Segment(_) => "segment",
        }
    }
}

/// A value of a rule: bound as a parameter, never pasted into SQL.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Date(NaiveDate),
}

impl Value {
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(n) => Some(*n as f64),
            Value::Float(x) => Some(*x),
            _ => None,
        }
    }

    /// The value as the analyst would type it.
    pub fn display(&self) -> String {
        match self {
            Value::Text(s) => format!("{s:?}"),
            Value::Int(n) => n.to_string(),
            Value::Float(x) => x.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Date(d) => d.to_string(),
        }
    }

    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Text(_) => "text",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::Bool(_) => "a boolean",
            Value::Date(_) => "a date",
        }
    }
}

/// A condition on a column of the profile table, or of another table matched on `key`.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    /// `None`: the profile table.
    pub table: Option<String>,
    /// The identity column of `table` (default: the segment's identity).
    pub key: Option<String>,
    pub column: String,
    pub op: AttrOp,
}

/// Attribute operators (the `op` key).
#[derive(Debug, Clone, PartialEq)]
pub enum AttrOp {
    Equals(Value),
    NotEquals(Value),
    In(Vec<Value>),
    NotIn(Vec<Value>),
    Contains(String),
    StartsWith(String),
    Between(Value, Value),
    Greater(Value),
    GreaterOrEqual(Value),
    Less(Value),
    LessOrEqual(Value),
    IsNull,
    IsNotNull,
    Before(NaiveDate),
    After(NaiveDate),
    /// Within the last N days before the segment's as-of date (that day included).
    InLastDays(u32),
}

impl AttrOp {
    pub const NAMES: &'static [&'static str] = &[
        "equals",
        "not_equals",
        "in",
        "not_in",
        "contains",
        "starts_with",
        "between",
        "greater",
        "greater_or_equal",
        "less",
        "less_or_equal",
        "is_null",
        "is_not_null",
        "before",
        "after",
        "in_last_days",
    ];

    pub fn name(&self) -> &'static str {
        match self {
            AttrOp::Equals(_) => "equals",
            AttrOp::NotEquals(_) => "not_equals",
            AttrOp::In(_) => "in",
            AttrOp::NotIn(_) => "not_in",
            AttrOp::Contains(_) => "contains",
            AttrOp::StartsWith(_) => "starts_with",
            AttrOp::Between(..) => "between",
            AttrOp::Greater(_) => "greater",
            AttrOp::GreaterOrEqual(_) => "greater_or_equal",
            AttrOp::Less(_) => "less",
            AttrOp::LessOrEqual(_) => "less_or_equal",
            AttrOp::IsNull => "is_null",
            AttrOp::IsNotNull => "is_not_null",
            AttrOp::Before(_) => "before",
            AttrOp::After(_) => "after",
            AttrOp::InLastDays(_) => "in_last_days",
        }
    }
}

/// What an event condition measures per profile.
#[derive(Debug, Clone, PartialEq)]
pub enum Measure {
    /// Number of events (0 for a profile without any).
    Count,
    /// Sum of a field (0 for a profile without events).
    Sum(String),
    /// Average, minimum, maximum of a field (no value, and so never true, without events).
    Avg(String),
    Min(String),
    Max(String),
}

impl Measure {
    pub fn name(&self) -> &'static str {
        match self {
            Measure::Count => "count",
            Measure::Sum(_) => "sum",
            Measure::Avg(_) => "avg",
            Measure::Min(_) => "min",
            Measure::Max(_) => "max",
        }
    }

    pub fn field(&self) -> Option<&str> {
        match self {
            Measure::Count => None,
            Measure::Sum(f) | Measure::Avg(f) | Measure::Min(f) | Measure::Max(f) => Some(f),
        }
    }
}

/// A numeric comparison (event measures, CLV fields).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cmp {
    AtLeast(f64),
    AtMost(f64),
    Exactly(f64),
    Greater(f64),
    Less(f64),
    Between(f64, f64),
}

impl Cmp {
    pub const NAMES: &'static [&'static str] = &[
        "at_least", "at_most", "exactly", "greater", "less", "between",
    ];

    pub fn name(&self) -> &'static str {
        match self {
            Cmp::AtLeast(_) => "at_least",
            Cmp::AtMost(_) => "at_most",
            Cmp::Exactly(_) => "exactly",
            Cmp::Greater(_) => "greater",
            Cmp::Less(_) => "less",
            Cmp::Between(..) => "between",
        }
    }
}

/// A time window on an event table's date column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeWindow {
    LastDays(u32),
    LastMonths(u32),
    /// Both days included.
    Between(NaiveDate, NaiveDate),
    /// Strictly before the day.
    Before(NaiveDate),
    /// Strictly after the day.
    After(NaiveDate),
}

/// A condition on what happened to a profile: count or aggregate of an event table.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub table: String,
    /// The identity column of the event table.
    pub key: String,
    /// The date or timestamp column windows apply to.
    pub date: Option<String>,
    /// Only events whose `event_column` is one of `event_types`.
    pub event_column: Option<String>,
    pub event_types: Vec<String>,
    pub measure: Measure,
    pub cmp: Cmp,
    pub window: Option<TimeWindow>,
}

/// Membership of decile buckets written by a decile job (`<prefix>_deciles`: id, lookback,
/// category, bucket; bucket 1 is the top).
#[derive(Debug, Clone, PartialEq)]
pub struct Decile {
    pub table: String,
    /// The lookback window label (`6m`, `lifetime`, ...).
    pub window: String,
    pub buckets: Vec<i64>,
    /// Only the ranking within this category.
    pub category: Option<String>,
}

/// A condition on the CLV predictions (`clv_predictions` by default).
#[derive(Debug, Clone, PartialEq)]
pub struct Clv {
    pub table: String,
    pub key: String,
    pub field: String,
    pub test: ClvTest,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ClvTest {
    Compare(Cmp),
    /// Among the top N % of all predictions by the field.
    TopPercent(f64),
}

/// Default table and key of CLV conditions.
pub const CLV_TABLE: &str = "clv_predictions";
pub const CLV_KEY: &str = "customer_id";
