//! Dashboard layout files, `dashboards/NAME.toml`:
//!
//! ```toml
//! title = "CLV"
//! refresh_seconds = 300            # optional; default: config.toml [refresh] dashboard_seconds
//!
//! [param]                          # optional: one global parameter, `$PARAM` in SQL
//! label = "Loyalty status"
//! sql = "SELECT DISTINCT loyalty_status FROM customers ORDER BY 1"
//! default = "Aurora"               # optional; without it: all (`$PARAM` is NULL)
//!
//! [dates]                          # `$START_DATE` / `$END_DATE`: the 12 months ending at
//! data_end_sql = "SELECT max(txn_date) FROM loyalty_transactions"   # the data's last day
//!
//! [[widget]]
//! title = "CLV by decile"
//! kind = "bar"                     # sparkline | bar | line | number | table | gauge | heatmap
//! query = "clv_by_decile"          # queries/clv_by_decile.sql, or: sql = "SELECT ..."
//! at = [0, 0, 6, 10]               # column (0-11), row, width (twelfths), height (rows)
//! x = "decile"                     # column roles; see model::Roles
//! y = ["mean_clv"]
//! ```
//!
//! Reading never fails as a whole: a widget that does not validate becomes a
//! broken slot naming file, line and reason, and the others open. Editing goes
//! through [`LayoutFile`], a `toml_edit` document, so a save keeps comments,
//! order and the formatting of every widget it did not touch, and is atomic.

use std::path::{Path, PathBuf};

use toml_edit::{Array, DocumentMut, Item, Table, Value};

use super::model::{
    Dashboard, DatesDef, Kind, MaxRole, ParamDef, Pos, Problem, Roles, Slot, Source, ValueFormat,
    Widget,
};
use crate::workspace::definitions::line_of;

/// The workspace folder of dashboard files.
pub const DIR: &str = crate::workspace::paths::folders::DASHBOARDS;

const TOP_KEYS: &[&str] = &["title", "refresh_seconds", "param", "dates", "widget"];
const WIDGET_KEYS: &[&str] = &[
    "title",
    "kind",
    "query",
    "sql",
    "at",
    "x",
    "y",
    "series",
    "column",
    "previous",
    "max",
    "columns",
    "sort",
    "descending",
    "horizontal",
    "format",
    "requires",
];

/// Dashboard files of a workspace, sorted by name: (name, path).
pub fn list(root: &Path) -> Vec<(String, PathBuf)> {
    let dir = root.join(DIR);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<(String, PathBuf)> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "toml"))
        .filter_map(|p| Some((p.file_stem()?.to_str()?.to_string(), p)))
        .collect();
    out.sort();
    out
}

/// The file of dashboard `name` (which need not exist).
pub fn path_of(root: &Path, name: &str) -> PathBuf {
    root.join(DIR).join(format!("{name}.toml"))
}

/// Reads a dashboard file. An unreadable or unparsable file gives a dashboard
/// with no widgets and the problem; a broken widget gives a broken slot.
pub fn load(path: &Path) -> Dashboard {
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("dashboard")
        .to_string();
    let mut dash = Dashboard {
        title: name.clone(),
        name,
        path: path.to_path_buf(),
        refresh_seconds: None,
        param: None,
        dates: DatesDef::default(),
        widgets: Vec::new(),
        problems: Vec::new(),
    };
    match std::fs::read_to_string(path) {
        Ok(text) => parse_into(&mut dash, &text),
        Err(e) => dash.problems.push(Problem {
            file: path.to_path_buf(),
            line: None,
            reason: e.to_string(),
        }),
    }
    dash
}

/// Parses `text` as the file `path` (tests use it without a file).
pub fn parse(path: &Path, text: &str) -> Dashboard {
    let mut dash = Dashboard {
        name: path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("dashboard")
            .to_string(),
        title: String::new(),
        path: path.to_path_buf(),
        refresh_seconds: None,
        param: None,
        dates: DatesDef::default(),
        widgets: Vec::new(),
        problems: Vec::new(),
    };
    dash.title = dash.name.clone();
    parse_into(&mut dash, text);
    dash
}

/// Reads what it can of one document into `dash`.
struct Reader<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Reader<'_> {
    fn problem(&self, span: Option<std::ops::Range<usize>>, reason: impl Into<String>) -> Problem {
        Problem {
            file: self.path.to_path_buf(),
            line: span.map(|s| line_of(self.text, s.start)),
            reason: reason.into(),
        }
    }

    /// The line of `key` in `table`, else of the table.
    fn key_span(&self, table: &Table, key: &str) -> Option<std::ops::Range<usize>> {
        table
            .key(key)
            .and_then(|k| k.span())
            .or_else(|| table.get(key).and_then(Item::span))
            .or_else(|| table.span())
    }

    fn string(&self, table: &Table, key: &str) -> Result<Option<String>, Problem> {
        match table.get(key) {
            None => Ok(None),
            Some(item) => match item.as_str() {
                Some(s) => Ok(Some(s.to_string())),
                None => Err(self.problem(
                    self.key_span(table, key),
                    format!("`{key}` must be a string"),
                )),
            },
        }
    }

    fn strings(&self, table: &Table, key: &str) -> Result<Vec<String>, Problem> {
        match table.get(key) {
            None => Ok(Vec::new()),
            Some(item) => {
                if let Some(s) = item.as_str() {
                    return Ok(vec![s.to_string()]);
                }
                let bad = || {
                    self.problem(
                        self.key_span(table, key),
                        format!("`{key}` must be a column name or a list of them"),
                    )
                };
                let arr = item.as_array().ok_or_else(bad)?;
                arr.iter()
                    .map(|v| v.as_str().map(str::to_string).ok_or_else(bad))
                    .collect()
            }
        }
    }

    fn boolean(&self, table: &Table, key: &str) -> Result<bool, Problem> {
        match table.get(key) {
            None => Ok(false),
            Some(item) => item.as_bool().ok_or_else(|| {
                self.problem(
                    self.key_span(table, key),
                    format!("`{key}` must be true or false"),
                )
            }),
        }
    }
}

fn parse_into(dash: &mut Dashboard, text: &str) {
    let path = dash.path.clone();
    let doc = match toml_edit::Document::parse(text) {
        Ok(d) => d,
        Err(e) => {
            dash.problems.push(Problem {
                file: path,
                line: e.span().map(|s| line_of(text, s.start)),
                reason: e.message().trim().to_string(),
            });
            return;
        }
    };
    let r = Reader { path: &path, text };
    let root: &Table = doc.as_table();
    for (key, _) in root.iter() {
        if !TOP_KEYS.contains(&key) {
            dash.problems.push(r.problem(
                r.key_span(root, key),
                format!("unknown key `{key}` (known: {})", TOP_KEYS.join(", ")),
            ));
        }
    }
    match r.string(root, "title") {
        Ok(Some(t)) => dash.title = t,
        Ok(None) => {}
        Err(p) => dash.problems.push(p),
    }
    if let Some(item) = root.get("refresh_seconds") {
        match item.as_integer() {
            Some(n) if (1..=86_400).contains(&n) => dash.refresh_seconds = Some(n as u32),
            _ => dash.problems.push(r.problem(
                r.key_span(root, "refresh_seconds"),
                "`refresh_seconds` must be a whole number of seconds, 1 to 86400",
            )),
        }
    }
    match root.get("param") {
        None => {}
        Some(item) => match item.as_table() {
            Some(t) => match read_param(&r, t) {
                Ok(p) => dash.param = Some(p),
                Err(p) => dash.problems.push(p),
            },
            None => dash.problems.push(r.problem(
                r.key_span(root, "param"),
                "`param` must be a table: [param] label = \"…\" sql = \"…\"",
            )),
        },
    }
    if let Some(item) = root.get("dates") {
        match item.as_table() {
            Some(t) => {
                for (k, _) in t.iter() {
                    if k != "data_end_sql" {
                        dash.problems.push(r.problem(
                            r.key_span(t, k),
                            format!("unknown key `dates.{k}` (known: data_end_sql)"),
                        ));
                    }
                }
                match r.string(t, "data_end_sql") {
                    Ok(s) => dash.dates.data_end_sql = s,
                    Err(p) => dash.problems.push(p),
                }
            }
            None => dash.problems.push(r.problem(
                r.key_span(root, "dates"),
                "`dates` must be a table: [dates] data_end_sql = \"…\"",
            )),
        }
    }
    let Some(item) = root.get("widget") else {
        return;
    };
    let Some(widgets) = item.as_array_of_tables() else {
        dash.problems.push(r.problem(
            r.key_span(root, "widget"),
            "widgets are written as [[widget]] tables",
        ));
        return;
    };
    for (i, t) in widgets.iter().enumerate() {
        dash.widgets.push(read_widget(&r, t, i));
    }
}

fn read_param(r: &Reader, t: &Table) -> Result<ParamDef, Problem> {
    for (k, _) in t.iter() {
        if !["label", "sql", "default"].contains(&k) {
            return Err(r.problem(
                r.key_span(t, k),
                format!("unknown key `param.{k}` (known: label, sql, default)"),
            ));
        }
    }
    let sql = r.string(t, "sql")?.ok_or_else(|| {
        r.problem(
            t.span(),
            "[param] needs `sql`: a query whose first column lists the choices",
        )
    })?;
    Ok(ParamDef {
        label: r.string(t, "label")?.unwrap_or_else(|| "Parameter".into()),
        sql,
        default: r.string(t, "default")?,
    })
}

/// Where a widget goes when its own `at` cannot be read: below everything, full width.
fn fallback_pos(index: usize) -> Pos {
    Pos {
        col: 0,
        row: 200 + index as u16 * 4,
        width: 12,
        height: 4,
    }
}

fn read_widget(r: &Reader, t: &Table, index: usize) -> Slot {
    let title = t
        .get("title")
        .and_then(Item::as_str)
        .map_or_else(|| format!("widget {}", index + 1), str::to_string);
    let at = read_at(r, t).ok().flatten();
    match read_widget_def(r, t) {
        Ok(w) => Slot::Widget(w),
        Err(problem) => Slot::Broken {
            title,
            at: at.unwrap_or_else(|| fallback_pos(index)),
            problem,
        },
    }
}

fn read_at(r: &Reader, t: &Table) -> Result<Option<Pos>, Problem> {
    let Some(item) = t.get("at") else {
        return Ok(None);
    };
    let bad = || {
        r.problem(
            r.key_span(t, "at"),
            "`at` must be [column, row, width, height]: column 0-11, width 1-12 twelfths, rows as lines",
        )
    };
    let arr = item.as_array().ok_or_else(bad)?;
    let nums: Vec<i64> = arr
        .iter()
        .map(|v| v.as_integer().ok_or_else(bad))
        .collect::<Result<_, _>>()?;
    let &[col, row, width, height] = nums.as_slice() else {
        return Err(bad());
    };
    if !(0..12).contains(&col)
        || !(0..1000).contains(&row)
        || !(1..=12).contains(&width)
        || col + width > 12
        || !(i64::from(Pos::MIN_HEIGHT)..=200).contains(&height)
    {
        return Err(bad());
    }
    Ok(Some(Pos {
        col: col as u16,
        row: row as u16,
        width: width as u16,
        height: height as u16,
    }))
}

fn read_widget_def(r: &Reader, t: &Table) -> Result<Widget, Problem> {
    for (k, _) in t.iter() {
        if !WIDGET_KEYS.contains(&k) {
            return Err(r.problem(
                r.key_span(t, k),
                format!("unknown key `{k}` (known: {})", WIDGET_KEYS.join(", ")),
            ));
        }
    }
    let line = t.span().map_or(1, |s| line_of(r.text, s.start));
    let kind_name = r.string(t, "kind")?.ok_or_else(|| {
        r.problem(
            t.span(),
            "a widget needs `kind`: sparkline, bar, line, number, table, gauge or heatmap",
        )
    })?;
    let kind = Kind::from_name(&kind_name).ok_or_else(|| {
        r.problem(
            r.key_span(t, "kind"),
            format!(
                "unknown kind `{kind_name}` (known: sparkline, bar, line, number, table, gauge, heatmap)"
            ),
        )
    })?;
    let source = match (r.string(t, "query")?, r.string(t, "sql")?) {
        (Some(q), None) => {
            if q.is_empty() || q.contains(['/', '\\']) || q.starts_with('.') {
                return Err(r.problem(
                    r.key_span(t, "query"),
                    format!("`query` is the name of a saved query in queries/ (got `{q}`)"),
                ));
            }
            Source::Query(q)
        }
        (None, Some(s)) => Source::Sql(s),
        (Some(_), Some(_)) => {
            return Err(r.problem(
                r.key_span(t, "sql"),
                "give `query` (a saved query) or `sql`, not both",
            ));
        }
        (None, None) => {
            return Err(r.problem(
                t.span(),
                "a widget needs `query` (a saved query in queries/) or `sql`",
            ));
        }
    };
    let at = read_at(r, t)?.ok_or_else(|| {
        r.problem(
            t.span(),
            "a widget needs `at = [column, row, width, height]`",
        )
    })?;
    let max = match t.get("max") {
        None => None,
        Some(item) => match (item.as_str(), item.as_float(), item.as_integer()) {
            (Some(c), _, _) => Some(MaxRole::Column(c.to_string())),
            (_, Some(f), _) => Some(MaxRole::Value(f)),
            (_, _, Some(i)) => Some(MaxRole::Value(i as f64)),
            _ => {
                return Err(r.problem(r.key_span(t, "max"), "`max` is a column name or a number"));
            }
        },
    };
    let format = match r.string(t, "format")?.as_deref() {
        None | Some("number") => ValueFormat::Number,
        Some("percent") => ValueFormat::Percent,
        Some(other) => {
            return Err(r.problem(
                r.key_span(t, "format"),
                format!("unknown format `{other}` (known: number, percent)"),
            ));
        }
    };
    let roles = Roles {
        x: r.string(t, "x")?,
        y: r.strings(t, "y")?,
        series: r.string(t, "series")?,
        column: r.string(t, "column")?,
        previous: r.string(t, "previous")?,
        max,
        columns: r.strings(t, "columns")?,
        sort: r.string(t, "sort")?,
        descending: r.boolean(t, "descending")?,
    };
    if kind == Kind::Heatmap && roles.column.is_none() {
        return Err(r.problem(
            t.span(),
            "a heatmap needs `column` (periods since the cohort start); `x` is the cohort, `y` the value",
        ));
    }
    Ok(Widget {
        title: r
            .string(t, "title")?
            .unwrap_or_else(|| kind.name().to_string()),
        kind,
        source,
        roles,
        at,
        horizontal: r.boolean(t, "horizontal")?,
        format,
        requires: r.strings(t, "requires")?,
        line,
    })
}

/// An error saving a layout.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file does not parse; fix it by hand first (nothing is written).
    #[error("{0} (fix the file by hand; nothing was saved)")]
    Broken(Problem),
    #[error("{}: there is no widget {index}", path.display())]
    NoWidget { path: PathBuf, index: usize },
}

/// A dashboard file open for editing: changes touch only the widgets they are
/// about; [`LayoutFile::save`] writes the whole document atomically.
pub struct LayoutFile {
    path: PathBuf,
    doc: DocumentMut,
}

impl LayoutFile {
    pub fn open(path: &Path) -> Result<LayoutFile, LayoutError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(source) => {
                return Err(LayoutError::Io {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        Self::from_text(path, &text)
    }

    pub fn from_text(path: &Path, text: &str) -> Result<LayoutFile, LayoutError> {
        let doc = text.parse::<DocumentMut>().map_err(|e| {
            LayoutError::Broken(Problem {
                file: path.to_path_buf(),
                line: e.span().map(|s| line_of(text, s.start)),
                reason: e.message().trim().to_string(),
            })
        })?;
        Ok(LayoutFile {
            path: path.to_path_buf(),
            doc,
        })
    }

    fn widgets_mut(&mut self) -> Option<&mut toml_edit::ArrayOfTables> {
        self.doc
            .get_mut("widget")
            .and_then(Item::as_array_of_tables_mut)
    }

    fn widget_mut(&mut self, index: usize) -> Result<&mut Table, LayoutError> {
        let path = self.path.clone();
        self.widgets_mut()
            .and_then(|w| w.get_mut(index))
            .ok_or(LayoutError::NoWidget { path, index })
    }

    /// Moves / resizes widget `index`: only its `at` value changes (its decor kept).
    pub fn set_at(&mut self, index: usize, pos: Pos) -> Result<(), LayoutError> {
        let t = self.widget_mut(index)?;
        let mut value = Value::Array(at_array(pos));
        if let Some(old) = t.get("at").and_then(Item::as_value) {
            *value.decor_mut() = old.decor().clone();
            t["at"] = Item::Value(value);
        } else {
            t.insert("at", Item::Value(value));
        }
        Ok(())
    }

    pub fn remove(&mut self, index: usize) -> Result<(), LayoutError> {
        let path = self.path.clone();
        let w = self
            .widgets_mut()
            .filter(|w| index < w.len())
            .ok_or(LayoutError::NoWidget { path, index })?;
        w.remove(index);
        Ok(())
    }

    /// Appends a copy of widget `index` at `pos`; returns the new index.
    pub fn duplicate(&mut self, index: usize, pos: Pos) -> Result<usize, LayoutError> {
        let mut copy = self.widget_mut(index)?.clone();
        copy.decor_mut().clear();
        if let Some(title) = copy.get("title").and_then(Item::as_str) {
            copy["title"] = toml_edit::value(format!("{title} (copy)"));
        }
        copy["at"] = Item::Value(Value::Array(at_array(pos)));
        Ok(self.push(copy))
    }

    /// Appends a new widget; returns its index.
    pub fn add(&mut self, title: &str, kind: Kind, sql: &str, pos: Pos) -> usize {
        let mut t = Table::new();
        t["title"] = toml_edit::value(title);
        t["kind"] = toml_edit::value(kind.name());
        t["sql"] = toml_edit::value(sql);
        t["at"] = Item::Value(Value::Array(at_array(pos)));
        self.push(t)
    }

    fn push(&mut self, mut table: Table) -> usize {
        let last = self.doc.iter().count() as isize + 1_000;
        table.set_position(last);
        if self.doc.get("widget").is_none() {
            self.doc
                .insert("widget", Item::ArrayOfTables(Default::default()));
        }
        match self.widgets_mut() {
            Some(w) => {
                w.push(table);
                w.len() - 1
            }
            None => 0,
        }
    }

    /// Sets `refresh_seconds` (its decor kept when it was written before).
    pub fn set_refresh_seconds(&mut self, seconds: u32) {
        let mut value = Value::from(i64::from(seconds));
        if let Some(old) = self.doc.get("refresh_seconds").and_then(Item::as_value) {
            *value.decor_mut() = old.decor().clone();
        }
        self.doc["refresh_seconds"] = Item::Value(value);
    }

    pub fn text(&self) -> String {
        self.doc.to_string()
    }

    /// Writes the document atomically (temp file, fsync, rename).
    pub fn save(&self) -> Result<(), LayoutError> {
        crate::atomic::write_atomic(&self.path, self.text().as_bytes()).map_err(|source| {
            LayoutError::Io {
                path: self.path.clone(),
                source,
            }
        })
    }
}

fn at_array(pos: Pos) -> Array {
    let mut a = Array::new();
    for n in [pos.col, pos.row, pos.width, pos.height] {
        a.push(i64::from(n));
    }
    a
}

#[cfg(test)]
mod tests;
