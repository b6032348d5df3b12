//! The Segments tab: the saved segments (create, rename, duplicate, delete), the rule tree
//! of the selected one (add a condition or container, edit any field with completion from
//! the catalog and from a column's distinct values, exclude, remove), and the live preview
//! beside it. The generated SQL can be shown or opened in the SQL tab; `r` refreshes the
//! membership.
//!
//! Every edit is saved to `segments/<name>.toml` at once (atomically, comments kept) and
//! starts a preview on a worker. The worker waits [`DEBOUNCE`] first and gives up when a
//! newer edit arrived meanwhile; a result for anything but the latest request is dropped.
//! Database work (catalog, distinct values, preview, SQL, refresh) runs in `ctx.task`.

use std::any::Any;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ratatui::Frame;
use ratatui::layout::Rect;

use super::{Ctx, DrawCtx, Pane, PaneInit};
use crate::engine::catalog::Catalog;
use crate::engine::worker::RequestId;
use crate::segments::model::*;
use crate::segments::preview::{Preview, PreviewOptions};
use crate::segments::validate::{ColType, class_of};
use crate::segments::{self, SegmentError};
use crate::tui::action::Action;
use crate::tui::effect::{Answer, Effect, Overlay, PickItem, TaskResult};
use crate::tui::keymap::{Context, Keymap};

pub(crate) mod draw;
#[cfg(test)]
mod tests;
pub mod tree;

/// How long a preview waits for more edits before it runs.
pub const DEBOUNCE: Duration = Duration::from_millis(250);

const T_NEW: u32 = 1;
const T_RENAME: u32 = 2;
const T_DUPLICATE: u32 = 3;
const T_DELETE: u32 = 4;
const T_ADD: u32 = 5;
const T_FIELD: u32 = 6;
const T_CHOICE: u32 = 7;
const T_TYPED: u32 = 8;
const T_REMOVE_NODE: u32 = 9;

/// One saved segment.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    pub file: PathBuf,
    /// The parsed file, or why it cannot be read.
    pub seg: Result<Segment, String>,
}

/// Which list has the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    List,
    Tree,
}

/// The preview of the selected segment.
#[derive(Debug)]
pub enum PreviewState {
    Idle,
    Running {
        id: RequestId,
        started: Instant,
    },
    Ready(Box<Preview>),
    /// The segment does not compile (file, rule, reason).
    Invalid(String),
    Failed(String),
}

/// What a preview task returns.
enum Outcome {
    Ready(Box<Preview>),
    Invalid(String),
    /// A newer edit arrived during the debounce.
    Superseded,
}

/// What the open overlay is editing.
#[derive(Debug, Clone, PartialEq)]
enum Editing {
    Field {
        path: Vec<usize>,
        field: &'static str,
    },
}

pub struct SegmentsPane {
    root: PathBuf,
    dir: PathBuf,
    pub entries: Vec<Entry>,
    pub selected: usize,
    pub focus: Focus,
    /// Cursor row in the tree.
    pub row: usize,
    pub catalog: Option<Catalog>,
    catalog_req: Option<RequestId>,
    pub preview: PreviewState,
    generation: Arc<AtomicU64>,
    editing: Option<Editing>,
    values_req: Option<(RequestId, Vec<usize>, &'static str)>,
    sql_req: Option<(RequestId, bool)>,
    refresh_req: Option<RequestId>,
    /// The next preview counts exactly (no sample).
    exact: bool,
    /// Scroll of the preview panel.
    pub preview_scroll: u16,
    /// Preview options (tests lower the sampling threshold).
    pub options: PreviewOptions,
}

impl SegmentsPane {
    pub fn new(init: &PaneInit) -> Self {
        Self::with_root(init.workspace.root().to_path_buf())
    }

    /// A pane over the workspace folder `root` (tests).
    pub fn with_root(root: PathBuf) -> Self {
        let dir = segments::segments_dir(&root);
        let mut p = SegmentsPane {
            root,
            dir,
            entries: Vec::new(),
            selected: 0,
            focus: Focus::List,
            row: 0,
            catalog: None,
            catalog_req: None,
            preview: PreviewState::Idle,
            generation: Arc::new(AtomicU64::new(0)),
            editing: None,
            values_req: None,
            sql_req: None,
            refresh_req: None,
            exact: false,
            preview_scroll: 0,
            options: PreviewOptions {
                member_rows: 30,
                ..PreviewOptions::default()
            },
        };
        p.reload();
        p
    }

    /// Re-reads the segment files, keeping the selection by name.
    pub fn reload(&mut self) {
        let current = self.current().map(|e| e.name.clone());
        self.entries = segments::list(&self.dir)
            .into_iter()
            .map(|(name, file)| {
                let seg = segments::file::load(&file).map_err(|e| e.to_string());
                Entry { name, file, seg }
            })
            .collect();
        self.selected = current
            .and_then(|n| self.entries.iter().position(|e| e.name == n))
            .unwrap_or(0)
            .min(self.entries.len().saturating_sub(1));
        self.clamp_row();
    }

    pub fn current(&self) -> Option<&Entry> {
        self.entries.get(self.selected)
    }

    fn current_seg(&self) -> Option<&Segment> {
        self.current().and_then(|e| e.seg.as_ref().ok())
    }

    /// The tree rows of the selected segment.
    pub fn rows(&self) -> Vec<tree::Row> {
        self.current_seg()
            .map(|s| tree::flatten(&s.rule))
            .unwrap_or_default()
    }

    fn current_path(&self) -> Option<Vec<usize>> {
        self.rows().get(self.row).map(|r| r.path.clone())
    }

    fn clamp_row(&mut self) {
        self.row = self.row.min(self.rows().len().saturating_sub(1));
    }

    fn load_catalog(&mut self, ctx: &mut Ctx) {
        let id = ctx.task(
            "reading the catalog",
            Box::new(|conn| {
                crate::engine::catalog::load(conn)
                    .map(|c| Box::new(c) as Box<dyn Any + Send>)
                    .map_err(|e| e.to_string())
            }),
        );
        self.catalog_req = Some(id);
    }

    /// Starts a preview of the selected segment (the previous one is cancelled and its
    /// result will be dropped).
    pub fn start_preview(&mut self, ctx: &mut Ctx) {
        if let PreviewState::Running { id, .. } = self.preview {
            ctx.cancel(id);
        }
        let Some(entry) = self.current().cloned() else {
            self.preview = PreviewState::Idle;
            return;
        };
        let seg = match entry.seg {
            Ok(s) => s,
            Err(e) => {
                self.preview = PreviewState::Invalid(e);
                return;
            }
        };
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let latest = Arc::clone(&self.generation);
        let root = self.root.clone();
        let mut opts = self.options.clone();
        opts.exact = std::mem::take(&mut self.exact);
        let file = entry.file.clone();
        let id = ctx.task(
            format!("previewing {}", seg.name),
            Box::new(move |conn| {
                std::thread::sleep(DEBOUNCE);
                if latest.load(Ordering::SeqCst) != generation {
                    return Ok(Box::new(Outcome::Superseded) as Box<dyn Any + Send>);
                }
                match crate::segments::preview::preview(conn, &root, &seg, &file, &opts) {
                    Ok(p) => Ok(Box::new(Outcome::Ready(Box::new(p))) as Box<dyn Any + Send>),
                    Err(e) if e.is_usage() => {
                        Ok(Box::new(Outcome::Invalid(e.to_string())) as Box<dyn Any + Send>)
                    }
                    Err(e) => Err(e.to_string()),
                }
            }),
        );
        self.preview = PreviewState::Running {
            id,
            started: Instant::now(),
        };
        self.preview_scroll = 0;
    }

    fn select(&mut self, delta: isize, ctx: &mut Ctx) {
        match self.focus {
            Focus::List => {
                if self.entries.is_empty() {
                    return;
                }
                let n = self.entries.len() as isize;
                let next = (self.selected as isize + delta).clamp(0, n - 1) as usize;
                if next != self.selected {
                    self.selected = next;
                    self.row = 0;
                    self.start_preview(ctx);
                }
            }
            Focus::Tree => {
                let n = self.rows().len() as isize;
                if n > 0 {
                    self.row = (self.row as isize + delta).clamp(0, n - 1) as usize;
                }
            }
        }
    }

    /// Saves the edited segment and previews it again.
    fn save(&mut self, seg: Segment, ctx: &mut Ctx) {
        let Some(entry) = self.entries.get_mut(self.selected) else {
            return;
        };
        match segments::file::save(&entry.file, &seg) {
            Ok(()) => {
                entry.seg = Ok(seg);
                self.clamp_row();
                self.start_preview(ctx);
            }
            // The file keeps its last good content.
            Err(e) => ctx.error(e.to_string()),
        }
    }

    fn edit_tree(
        &mut self,
        f: impl FnOnce(&mut Segment) -> Result<Option<Vec<usize>>, String>,
        ctx: &mut Ctx,
    ) {
        let Some(mut seg) = self.current_seg().cloned() else {
            ctx.error("this segment file cannot be read; fix it in an editor (R reloads)");
            return;
        };
        match f(&mut seg) {
            Ok(new_row) => {
                self.save(seg, ctx);
                if let Some(path) = new_row
                    && let Some(i) = self.rows().iter().position(|r| r.path == path)
                {
                    self.row = i;
                }
            }
            Err(e) => ctx.error(e),
        }
    }

    // ---- names and files --------------------------------------------------------------

    fn check_new_name(&self, name: &str) -> Result<PathBuf, String> {
        if !segments::is_valid_name(name) {
            return Err(format!(
                "`{name}` is not a segment name (letters, digits, _ and -)"
            ));
        }
        let path = segments::file::path_of(&self.dir, name);
        if path.exists() {
            return Err(format!("{} exists already", path.display()));
        }
        Ok(path)
    }

    fn create(&mut self, name: &str, ctx: &mut Ctx) {
        let name = name.trim();
        let path = match self.check_new_name(name) {
            Ok(p) => p,
            Err(e) => return ctx.error(e),
        };
        let (profile, identity) = self
            .current_seg()
            .map(|s| (s.profile.clone(), s.identity.clone()))
            .unwrap_or_else(|| ("customers".into(), "customer_id".into()));
        let seg = Segment {
            name: name.to_string(),
            description: None,
            profile,
            identity,
            as_of: AsOf::Latest,
            rule: Node {
                exclude: false,
                kind: NodeKind::Group {
                    any: false,
                    children: Vec::new(),
                },
            },
        };
        match segments::file::save(&path, &seg) {
            Ok(()) => {
                ctx.info(format!("created {}; a adds a condition", path.display()));
                self.reload();
                self.selected = self
                    .entries
                    .iter()
                    .position(|e| e.name == name)
                    .unwrap_or(0);
                self.focus = Focus::Tree;
                self.row = 0;
                self.start_preview(ctx);
            }
            Err(e) => ctx.error(e.to_string()),
        }
    }

    fn rename(&mut self, name: &str, ctx: &mut Ctx) {
        let name = name.trim();
        let Some(entry) = self.current().cloned() else {
            return;
        };
        let path = match self.check_new_name(name) {
            Ok(p) => p,
            Err(e) => return ctx.error(e),
        };
        match std::fs::rename(&entry.file, &path) {
            Ok(()) => {
                let _ = crate::atomic::sync_dir(&self.dir);
                ctx.info(format!(
                    "renamed {} to {name} (segments that reference `{}` need the new name)",
                    entry.name, entry.name
                ));
                self.reload();
                self.selected = self
                    .entries
                    .iter()
                    .position(|e| e.name == name)
                    .unwrap_or(0);
                self.start_preview(ctx);
            }
            Err(e) => ctx.error(format!("{}: {e}", entry.file.display())),
        }
    }

    fn duplicate(&mut self, name: &str, ctx: &mut Ctx) {
        let name = name.trim();
        let Some(entry) = self.current().cloned() else {
            return;
        };
        let path = match self.check_new_name(name) {
            Ok(p) => p,
            Err(e) => return ctx.error(e),
        };
        let copied =
            std::fs::read(&entry.file).and_then(|bytes| crate::atomic::write_atomic(&path, &bytes));
        match copied {
            Ok(()) => {
                ctx.info(format!("{} copied to {}", entry.name, path.display()));
                self.reload();
                self.selected = self
                    .entries
                    .iter()
                    .position(|e| e.name == name)
                    .unwrap_or(0);
                self.start_preview(ctx);
            }
            Err(e) => ctx.error(format!("{}: {e}", path.display())),
        }
    }

    fn delete(&mut self, ctx: &mut Ctx) {
        let Some(entry) = self.current().cloned() else {
            return;
        };
        match std::fs::remove_file(&entry.file) {
            Ok(()) => {
                let _ = crate::atomic::sync_dir(&self.dir);
                ctx.info(format!("deleted {}", entry.file.display()));
                self.reload();
                self.start_preview(ctx);
            }
            Err(e) => ctx.error(format!("{}: {e}", entry.file.display())),
        }
    }

    // ---- catalog helpers --------------------------------------------------------------

    fn tables(&self) -> Vec<String> {
        let Some(cat) = &self.catalog else {
            return Vec::new();
        };
        cat.schemas
            .iter()
            .filter(|s| s.name != "clvdesk_meta")
            .flat_map(|s| {
                s.relations.iter().map(move |r| {
                    if s.name == "main" {
                        r.name.clone()
                    } else {
                        format!("{}.{}", s.name, r.name)
                    }
                })
            })
            .collect()
    }

    fn columns(&self, table: &str) -> Vec<(String, String)> {
        self.catalog
            .as_ref()
            .and_then(|c| c.relation(table))
            .map(|r| {
                r.columns
                    .iter()
                    .map(|c| (c.name.clone(), c.data_type.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn col_type(&self, table: &str, column: &str) -> ColType {
        self.columns(table)
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(column))
            .map_or(ColType::Text, |(_, t)| class_of(t))
    }

    /// A new condition of `ty` with defaults taken from the catalog.
    fn new_node(&self, ty: &str) -> Option<Node> {
        let seg = self.current_seg()?;
        let profile_cols = self.columns(&seg.profile);
        let kind = match ty {
            "all" | "any" => NodeKind::Group {
                any: ty == "any",
                children: Vec::new(),
            },
            "attribute" => NodeKind::Attribute(Attribute {
                table: None,
                key: None,
                column: profile_cols
                    .iter()
                    .find(|(c, _)| *c != seg.identity)
                    .map(|c| c.0.clone())
                    .unwrap_or_else(|| seg.identity.clone()),
                op: AttrOp::IsNotNull,
            }),
            "event" => {
                // A table that has the identity column and a date: an event log.
                let table = self
                    .tables()
                    .into_iter()
                    .filter(|t| !t.eq_ignore_ascii_case(&seg.profile))
                    .find(|t| {
                        let cols = self.columns(t);
                        cols.iter()
                            .any(|(c, _)| c.eq_ignore_ascii_case(&seg.identity))
                            && cols.iter().any(|(_, ty)| class_of(ty).is_temporal())
                    })
                    .unwrap_or_default();
                let date = self
                    .columns(&table)
                    .into_iter()
                    .find(|(_, t)| class_of(t).is_temporal())
                    .map(|c| c.0);
                NodeKind::Event(Event {
                    key: seg.identity.clone(),
                    window: date.as_ref().map(|_| TimeWindow::LastDays(90)),
                    date,
                    table,
                    event_column: None,
                    event_types: Vec::new(),
                    measure: Measure::Count,
                    cmp: Cmp::AtLeast(1.0),
                })
            }
            "decile" => NodeKind::Decile(Decile {
                table: self
                    .tables()
                    .into_iter()
                    .find(|t| t.ends_with("_deciles"))
                    .unwrap_or_default(),
                window: "6m".into(),
                buckets: vec![1, 2, 3],
                category: None,
            }),
            "clv" => NodeKind::Clv(Clv {
                table: CLV_TABLE.into(),
                key: CLV_KEY.into(),
                field: "p_alive".into(),
                test: ClvTest::Compare(Cmp::Greater(0.5)),
            }),
            "segment" => NodeKind::Segment(
                self.entries
                    .iter()
                    .map(|e| e.name.clone())
                    .find(|n| *n != seg.name)
                    .unwrap_or_default(),
            ),
            _ => return None,
        };
        Some(Node {
            exclude: false,
            kind,
        })
    }

    // ---- editing ----------------------------------------------------------------------

    fn open_add(&mut self, ctx: &mut Ctx) {
        if self.current_seg().is_none() {
            return ctx.info("No segment: n creates one");
        }
        let items = [
            ("attribute", "a column of the profile (or another table)"),
            (
                "event",
                "count / sum / avg / min / max of events, in a time window",
            ),
            ("decile", "decile buckets of a decile job"),
            ("clv", "a CLV prediction (p_alive, clv, top N %)"),
            ("segment", "members of another saved segment"),
            ("all", "a container: all of its conditions (AND)"),
            ("any", "a container: any of its conditions (OR)"),
        ]
        .iter()
        .map(|(v, d)| PickItem {
            label: (*v).to_string(),
            detail: (*d).to_string(),
            value: (*v).to_string(),
        })
        .collect();
        ctx.open(Overlay::picker(
            T_ADD,
            "Add a condition (into the selected container, or after the selected condition)",
            items,
        ));
    }

    fn add(&mut self, ty: &str, ctx: &mut Ctx) {
        let Some(node) = self.new_node(ty) else {
            return;
        };
        let path = self.current_path().unwrap_or_default();
        self.focus = Focus::Tree;
        self.edit_tree(
            |seg| {
                tree::insert(&mut seg.rule, &path, node)
                    .map(Some)
                    .ok_or_else(|| "cannot add here".to_string())
            },
            ctx,
        );
        // Straight on to its fields.
        self.open_fields(ctx);
    }

    /// The editable fields of the selected node, with their values.
    fn fields(&self, path: &[usize]) -> Vec<(&'static str, String)> {
        let Some(seg) = self.current_seg() else {
            return Vec::new();
        };
        let Some(n) = tree::node_at(&seg.rule, path) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        match &n.kind {
            NodeKind::Group { any, .. } => {
                out.push((
                    "combine",
                    if *any { "any (OR)" } else { "all (AND)" }.to_string(),
                ));
                if path.is_empty() {
                    out.push(("profile", seg.profile.clone()));
                    out.push(("identity", seg.identity.clone()));
                    out.push((
                        "as_of",
                        match seg.as_of {
                            AsOf::Latest => "latest".into(),
                            AsOf::Today => "today".into(),
                            AsOf::Date(d) => d.to_string(),
                        },
                    ));
                    out.push(("description", seg.description.clone().unwrap_or_default()));
                }
            }
            NodeKind::Attribute(a) => {
                out.push(("column", a.column.clone()));
                out.push(("op", a.op.name().to_string()));
                if !matches!(a.op, AttrOp::IsNull | AttrOp::IsNotNull) {
                    out.push(("value", tree::attr_value_text(&a.op)));
                }
                out.push((
                    "table",
                    a.table
                        .clone()
                        .unwrap_or_else(|| format!("(profile: {})", seg.profile)),
                ));
                if a.table.is_some() {
                    out.push(("key", a.key.clone().unwrap_or_else(|| seg.identity.clone())));
                }
            }
            NodeKind::Event(e) => {
                out.push(("table", e.table.clone()));
                out.push(("key", e.key.clone()));
                out.push(("measure", e.measure.name().to_string()));
                if let Some(f) = e.measure.field() {
                    out.push(("field", f.to_string()));
                }
                out.push(("op", e.cmp.name().to_string()));
                out.push(("value", tree::cmp_value_text(e.cmp)));
                out.push(("date", e.date.clone().unwrap_or_default()));
                out.push((
                    "window",
                    e.window
                        .as_ref()
                        .map(tree::window_text)
                        .unwrap_or_else(|| "none".into()),
                ));
                out.push(("event_column", e.event_column.clone().unwrap_or_default()));
                out.push(("event_types", e.event_types.join(", ")));
            }
            NodeKind::Decile(d) => {
                out.push(("table", d.table.clone()));
                out.push(("window", d.window.clone()));
                out.push((
                    "buckets",
                    d.buckets
                        .iter()
                        .map(|b| b.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                ));
                out.push(("category", d.category.clone().unwrap_or_default()));
            }
            NodeKind::Clv(c) => {
                out.push(("field", c.field.clone()));
                match c.test {
                    ClvTest::Compare(cmp) => {
                        out.push(("op", cmp.name().to_string()));
                        out.push(("value", tree::cmp_value_text(cmp)));
                    }
                    ClvTest::TopPercent(p) => {
                        out.push(("op", "top_percent".into()));
                        out.push(("value", p.to_string()));
                    }
                }
            }
            NodeKind::Segment(s) => out.push(("segment", s.clone())),
        }
        out
    }

    fn open_fields(&mut self, ctx: &mut Ctx) {
        let Some(path) = self.current_path() else {
            return ctx.info("No segment: n creates one");
        };
        let items: Vec<PickItem> = self
            .fields(&path)
            .into_iter()
            .map(|(k, v)| PickItem {
                label: format!("{k:<13} {v}"),
                detail: String::new(),
                value: k.to_string(),
            })
            .collect();
        ctx.open(Overlay::picker(
            T_FIELD,
            format!("Edit {} (Enter edits a field)", tree::rule_name(&path)),
            items,
        ));
    }

    /// The table a field of the node at `path` completes from.
    fn node_table(&self, path: &[usize]) -> Option<String> {
        let seg = self.current_seg()?;
        let n = tree::node_at(&seg.rule, path)?;
        Some(match &n.kind {
            NodeKind::Attribute(a) => a.table.clone().unwrap_or_else(|| seg.profile.clone()),
            NodeKind::Event(e) => e.table.clone(),
            NodeKind::Decile(d) => d.table.clone(),
            NodeKind::Clv(c) => c.table.clone(),
            _ => seg.profile.clone(),
        })
    }

    /// Opens the editor of one field: a picker when the values are known, distinct values
    /// (fetched on a worker) for a text value, a prompt otherwise.
    fn edit_field(&mut self, field: &'static str, ctx: &mut Ctx) {
        let Some(path) = self.current_path() else {
            return;
        };
        let Some(seg) = self.current_seg().cloned() else {
            return;
        };
        let Some(node) = tree::node_at(&seg.rule, &path).cloned() else {
            return;
        };
        let table = self.node_table(&path).unwrap_or_default();
        let pick = |values: Vec<String>| -> Vec<PickItem> {
            values
                .into_iter()
                .map(|v| PickItem {
                    label: v.clone(),
                    detail: String::new(),
                    value: v,
                })
                .collect()
        };
        let cols = |me: &Self, t: &str| -> Vec<PickItem> {
            me.columns(t)
                .into_iter()
                .map(|(c, ty)| PickItem {
                    label: c.clone(),
                    detail: ty,
                    value: c,
                })
                .collect()
        };
        let choices: Option<Vec<PickItem>> = match (field, &node.kind) {
            ("combine", _) => Some(pick(vec!["all".into(), "any".into()])),
            ("profile", _) | ("table", _) => {
                let mut t = self.tables();
                if field == "table" && matches!(node.kind, NodeKind::Attribute(_)) {
                    t.insert(0, "(profile)".into());
                }
                Some(pick(t))
            }
            ("identity", _) => Some(cols(self, &seg.profile)),
            ("column", _) | ("key", _) | ("date", _) | ("event_column", _) => {
                Some(cols(self, &table))
            }
            ("field", _) => Some(cols(self, &table)),
            ("as_of", _) => None,
            ("op", NodeKind::Attribute(_)) => {
                Some(pick(AttrOp::NAMES.iter().map(|s| s.to_string()).collect()))
            }
            ("op", NodeKind::Clv(_)) => {
                let mut v: Vec<String> = Cmp::NAMES.iter().map(|s| s.to_string()).collect();
                v.push("top_percent".into());
                Some(pick(v))
            }
            ("op", _) => Some(pick(Cmp::NAMES.iter().map(|s| s.to_string()).collect())),
            ("measure", _) => Some(pick(
                ["count", "sum", "avg", "min", "max"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            )),
            ("window", NodeKind::Decile(_)) => Some(pick(
                crate::analytics::deciles::Window::ALL
                    .iter()
                    .map(|w| w.label().to_string())
                    .collect(),
            )),
            ("segment", _) => Some(pick(
                self.entries
                    .iter()
                    .map(|e| e.name.clone())
                    .filter(|n| *n != seg.name)
                    .collect(),
            )),
            _ => None,
        };
        self.editing = Some(Editing::Field {
            path: path.clone(),
            field,
        });
        if let Some(items) = choices {
            return ctx.open(Overlay::picker(
                T_CHOICE,
                format!("{} · {field}", tree::rule_name(&path)),
                items,
            ));
        }
        // Distinct values for text values and categories.
        let distinct_of: Option<(String, String)> = match (field, &node.kind) {
            ("value", NodeKind::Attribute(a))
                if self.col_type(&table, &a.column) == ColType::Text
                    && matches!(
                        a.op,
                        AttrOp::Equals(_) | AttrOp::NotEquals(_) | AttrOp::In(_) | AttrOp::NotIn(_)
                    ) =>
            {
                Some((table.clone(), a.column.clone()))
            }
            ("category", NodeKind::Decile(d)) => Some((d.table.clone(), "category".into())),
            ("event_types", NodeKind::Event(e)) => {
                e.event_column.clone().map(|c| (e.table.clone(), c))
            }
            _ => None,
        };
        if let Some((t, c)) = distinct_of
            && let Some(cat) = &self.catalog
            && let Some(rel) = cat.relation(&t)
            && let Some(col) = rel.columns.iter().find(|x| x.name.eq_ignore_ascii_case(&c))
        {
            let sql = format!(
                "SELECT CAST({c} AS VARCHAR) AS v, count(*) AS n FROM {t} WHERE {c} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 500",
                c = crate::sql::quote_ident(&col.name),
                t = crate::sql::quote_qualified(&t),
            );
            let id = ctx.task(
                format!("distinct values of {c}"),
                Box::new(move |conn| {
                    let mut stmt =
                        crate::engine::sql::prepare_one(conn, &sql).map_err(|e| e.to_string())?;
                    let rows = stmt
                        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
                        .map_err(|e| e.to_string())?
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|e| e.to_string())?;
                    Ok(Box::new(rows) as Box<dyn Any + Send>)
                }),
            );
            self.values_req = Some((id, path, field));
            return;
        }
        self.open_prompt(&path, field, ctx);
    }

    fn open_prompt(&mut self, path: &[usize], field: &'static str, ctx: &mut Ctx) {
        let current = self
            .fields(path)
            .into_iter()
            .find(|(k, _)| *k == field)
            .map(|(_, v)| v)
            .unwrap_or_default();
        let hint = match field {
            "value" => "a value; lists and between: comma separated (a, b, c)",
            "window" => {
                "last 90 days · last 6 months · 2025-01-01..2025-06-30 · before DATE · after DATE · none"
            }
            "event_types" => "comma separated event types (empty: all)",
            "buckets" => "bucket numbers, 1 = top: 1, 2, 3",
            "as_of" => "latest (each table's latest date), today, or a date 2025-12-31",
            _ => "",
        };
        self.editing = Some(Editing::Field {
            path: path.to_vec(),
            field,
        });
        ctx.open(Overlay::prompt(
            T_TYPED,
            format!("{} · {field}", tree::rule_name(path)),
            hint,
            &current,
        ));
    }

    /// Applies `input` to the field being edited.
    fn apply(&mut self, input: &str, picked: bool, ctx: &mut Ctx) {
        let Some(Editing::Field { path, field }) = self.editing.take() else {
            return;
        };
        let table = self.node_table(&path).unwrap_or_default();
        let col_type = {
            let seg = self.current_seg();
            match seg
                .and_then(|s| tree::node_at(&s.rule, &path))
                .map(|n| &n.kind)
            {
                Some(NodeKind::Attribute(a)) => self.col_type(&table, &a.column),
                _ => ColType::Text,
            }
        };
        let input = input.to_string();
        let p = path.clone();
        self.edit_tree(
            move |seg| {
                if p.is_empty() {
                    match field {
                        "profile" => {
                            seg.profile = input.trim().to_string();
                            return Ok(None);
                        }
                        "identity" => {
                            seg.identity = input.trim().to_string();
                            return Ok(None);
                        }
                        "description" => {
                            seg.description =
                                Some(input.trim().to_string()).filter(|s| !s.is_empty());
                            return Ok(None);
                        }
                        "as_of" => {
                            seg.as_of = match input.trim() {
                                "latest" => AsOf::Latest,
                                "today" => AsOf::Today,
                                d => AsOf::Date(
                                    d.parse()
                                        .map_err(|_| format!("`{d}`: latest, today or a date"))?,
                                ),
                            };
                            return Ok(None);
                        }
                        _ => {}
                    }
                }
                let node = tree::node_at_mut(&mut seg.rule, &p).ok_or("the condition is gone")?;
                set_field(node, field, &input, picked, col_type)?;
                Ok(None)
            },
            ctx,
        );
        self.open_fields(ctx);
    }
}

/// Sets one field of a node from text typed or picked.
fn set_field(
    node: &mut Node,
    field: &str,
    input: &str,
    picked: bool,
    col_type: ColType,
) -> Result<(), String> {
    let text = input.trim();
    let name = || -> Result<String, String> {
        if text.is_empty() {
            Err(format!("{field} is empty"))
        } else {
            Ok(text.to_string())
        }
    };
    match (&mut node.kind, field) {
        (NodeKind::Group { any, .. }, "combine") => *any = text == "any",
        (NodeKind::Attribute(a), "column") => a.column = name()?,
        (NodeKind::Attribute(a), "table") => {
            a.table =
                (text != "(profile)" && !text.starts_with("(profile")).then(|| text.to_string());
            if a.table.is_none() {
                a.key = None;
            }
        }
        (NodeKind::Attribute(a), "key") => a.key = Some(name()?),
        (NodeKind::Attribute(a), "op") => {
            a.op = tree::attr_op_named(text, &a.op).ok_or_else(|| format!("op `{text}`"))?;
        }
        (NodeKind::Attribute(a), "value") => {
            a.op = match &a.op {
                AttrOp::Equals(_) => AttrOp::Equals(tree::parse_value(input, col_type)?),
                AttrOp::NotEquals(_) => AttrOp::NotEquals(tree::parse_value(input, col_type)?),
                // A picked value joins the list; typed text replaces it.
                AttrOp::In(vs) | AttrOp::NotIn(vs) => {
                    let mut list = if picked { vs.clone() } else { Vec::new() };
                    if picked {
                        let v = tree::parse_value(input, col_type)?;
                        if !list.contains(&v) {
                            list.push(v);
                        }
                    } else {
                        list = tree::parse_list(input, col_type)?;
                    }
                    if matches!(a.op, AttrOp::In(_)) {
                        AttrOp::In(list)
                    } else {
                        AttrOp::NotIn(list)
                    }
                }
                AttrOp::Contains(_) => AttrOp::Contains(input.to_string()),
                AttrOp::StartsWith(_) => AttrOp::StartsWith(input.to_string()),
                AttrOp::Between(..) => {
                    let vs = tree::parse_list(input, col_type)?;
                    if vs.len() != 2 {
                        return Err("between needs two values: low, high".into());
                    }
                    AttrOp::Between(vs[0].clone(), vs[1].clone())
                }
                AttrOp::Greater(_) => AttrOp::Greater(tree::parse_value(input, col_type)?),
                AttrOp::GreaterOrEqual(_) => {
                    AttrOp::GreaterOrEqual(tree::parse_value(input, col_type)?)
                }
                AttrOp::Less(_) => AttrOp::Less(tree::parse_value(input, col_type)?),
                AttrOp::LessOrEqual(_) => AttrOp::LessOrEqual(tree::parse_value(input, col_type)?),
                AttrOp::Before(_) | AttrOp::After(_) => {
                    let d = text
                        .parse()
                        .map_err(|_| format!("`{text}` is not a date like 2025-06-30"))?;
                    if matches!(a.op, AttrOp::Before(_)) {
                        AttrOp::Before(d)
                    } else {
                        AttrOp::After(d)
                    }
                }
                AttrOp::InLastDays(_) => AttrOp::InLastDays(
                    text.parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| format!("`{text}` is not a number of days"))?,
                ),
                AttrOp::IsNull | AttrOp::IsNotNull => return Ok(()),
            }
        }
        (NodeKind::Event(e), "table") => e.table = name()?,
        (NodeKind::Event(e), "key") => e.key = name()?,
        (NodeKind::Event(e), "date") => e.date = Some(text.to_string()).filter(|s| !s.is_empty()),
        (NodeKind::Event(e), "event_column") => {
            e.event_column = Some(text.to_string()).filter(|s| !s.is_empty())
        }
        (NodeKind::Event(e), "event_types") => {
            if picked {
                // A picked type joins the list.
                if !e.event_types.iter().any(|t| t == text) {
                    e.event_types.push(text.to_string());
                }
            } else {
                e.event_types = text
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
            }
        }
        (NodeKind::Event(e), "measure") => {
            let f = e.measure.field().map(str::to_string).unwrap_or_default();
            e.measure = match text {
                "count" => Measure::Count,
                "sum" => Measure::Sum(f),
                "avg" => Measure::Avg(f),
                "min" => Measure::Min(f),
                "max" => Measure::Max(f),
                other => return Err(format!("measure `{other}`")),
            };
        }
        (NodeKind::Event(e), "field") => {
            let f = name()?;
            e.measure = match e.measure {
                Measure::Count | Measure::Sum(_) => Measure::Sum(f),
                Measure::Avg(_) => Measure::Avg(f),
                Measure::Min(_) => Measure::Min(f),
                Measure::Max(_) => Measure::Max(f),
            };
        }
        (NodeKind::Event(e), "op") => {
            e.cmp = tree::cmp_named(text, e.cmp).ok_or_else(|| format!("op `{text}`"))?
        }
        (NodeKind::Event(e), "value") => e.cmp = tree::cmp_with_value(e.cmp, text)?,
        (NodeKind::Event(e), "window") => e.window = tree::parse_window(text)?,
        (NodeKind::Decile(d), "table") => d.table = name()?,
        (NodeKind::Decile(d), "window") => d.window = name()?,
        (NodeKind::Decile(d), "buckets") => {
            let b: Result<Vec<i64>, String> = text
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse::<i64>()
                        .ok()
                        .filter(|n| *n >= 1)
                        .ok_or_else(|| format!("`{s}` is not a bucket number"))
                })
                .collect();
            let b = b?;
            if b.is_empty() {
                return Err("give at least one bucket".into());
            }
            d.buckets = b;
        }
        (NodeKind::Decile(d), "category") => {
            d.category = Some(text.to_string()).filter(|s| !s.is_empty())
        }
        (NodeKind::Clv(c), "field") => c.field = name()?,
        (NodeKind::Clv(c), "op") => {
            c.test = match (text, c.test) {
                ("top_percent", ClvTest::TopPercent(p)) => ClvTest::TopPercent(p),
                ("top_percent", _) => ClvTest::TopPercent(20.0),
                (other, ClvTest::Compare(cmp)) => ClvTest::Compare(
                    tree::cmp_named(other, cmp).ok_or_else(|| format!("op `{other}`"))?,
                ),
                (other, ClvTest::TopPercent(_)) => ClvTest::Compare(
                    tree::cmp_named(other, Cmp::Greater(0.5))
                        .ok_or_else(|| format!("op `{other}`"))?,
                ),
            };
        }
        (NodeKind::Clv(c), "value") => {
            c.test = match c.test {
                ClvTest::TopPercent(_) => {
                    let p = tree::parse_number(text)?;
                    if !(p > 0.0 && p <= 100.0) {
                        return Err("a percentage above 0 and at most 100".into());
                    }
                    ClvTest::TopPercent(p)
                }
                ClvTest::Compare(cmp) => ClvTest::Compare(tree::cmp_with_value(cmp, text)?),
            };
        }
        (NodeKind::Segment(s), "segment") => *s = name()?,
        (_, other) => return Err(format!("`{other}` cannot be edited here")),
    }
    Ok(())
}

impl Pane for SegmentsPane {
    fn title(&self) -> &str {
        "Segments"
    }

    fn contexts(&self) -> Vec<Context> {
        vec![Context::Segments]
    }

    fn on_show(&mut self, ctx: &mut Ctx) {
        // Files may have changed (the Deciles tab creates segments, editors edit them).
        self.reload();
        if self.catalog.is_none() && self.catalog_req.is_none() {
            self.load_catalog(ctx);
        }
        if matches!(self.preview, PreviewState::Idle) {
            self.start_preview(ctx);
        }
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        match action {
            Action::Up => self.select(-1, ctx),
            Action::Down => self.select(1, ctx),
            Action::PageUp => self.preview_scroll = self.preview_scroll.saturating_sub(10),
            Action::PageDown => self.preview_scroll = self.preview_scroll.saturating_add(10),
            Action::Top => self.select(-10_000, ctx),
            Action::Bottom => self.select(10_000, ctx),
            Action::FocusNext | Action::FocusPrev | Action::Right | Action::Left => {
                self.focus = match (action, self.focus) {
                    (Action::Right, _) => Focus::Tree,
                    (Action::Left, _) => Focus::List,
                    (_, Focus::List) => Focus::Tree,
                    (_, Focus::Tree) => Focus::List,
                };
                self.clamp_row();
            }
            Action::Select | Action::EditJob => match self.focus {
                Focus::List => self.focus = Focus::Tree,
                Focus::Tree => self.open_fields(ctx),
            },
            Action::AddCondition => self.open_add(ctx),
            Action::ToggleExclude => {
                let Some(path) = self.current_path() else {
                    return true;
                };
                if path.is_empty() {
                    ctx.info("the root container cannot be excluded; add a container inside it");
                    return true;
                }
                self.edit_tree(
                    |seg| {
                        let n = tree::node_at_mut(&mut seg.rule, &path)
                            .ok_or("the condition is gone")?;
                        n.exclude = !n.exclude;
                        Ok(None)
                    },
                    ctx,
                );
            }
            Action::DeleteItem => match self.focus {
                Focus::List => {
                    if let Some(e) = self.current() {
                        ctx.open(Overlay::confirm(
                            T_DELETE,
                            "Delete segment",
                            format!("Delete {}?", e.file.display()),
                        ));
                    }
                }
                Focus::Tree => match self.current_path() {
                    Some(p) if !p.is_empty() => ctx.open(Overlay::confirm(
                        T_REMOVE_NODE,
                        "Remove condition",
                        format!("Remove {}?", tree::rule_name(&p)),
                    )),
                    _ => ctx.info("the root container stays; remove its conditions"),
                },
            },
            Action::NewJob => ctx.open(Overlay::prompt(
                T_NEW,
                "New segment",
                "a name (letters, digits, _ and -)",
                "",
            )),
            Action::RenameItem => {
                if let Some(e) = self.current() {
                    let n = e.name.clone();
                    ctx.open(Overlay::prompt(
                        T_RENAME,
                        format!("Rename {n}"),
                        "the new name",
                        &n,
                    ));
                }
            }
            Action::DuplicateItem => {
                if let Some(e) = self.current() {
                    let n = format!("{}_copy", e.name);
                    ctx.open(Overlay::prompt(
                        T_DUPLICATE,
                        format!("Duplicate {}", e.name),
                        "the copy's name",
                        &n,
                    ));
                }
            }
            Action::ShowSql | Action::OpenSql => {
                let Some(entry) = self.current().cloned() else {
                    return true;
                };
                let root = self.root.clone();
                let id = ctx.task(
                    format!("compiling {}", entry.name),
                    Box::new(move |conn| {
                        segments::compile_named(conn, &root, &entry.name)
                            .map(|(_, c)| Box::new(c) as Box<dyn Any + Send>)
                            .map_err(|e| e.to_string())
                    }),
                );
                self.sql_req = Some((id, action == Action::OpenSql));
            }
            Action::RunJob => {
                let Some(entry) = self.current().cloned() else {
                    return true;
                };
                let root = self.root.clone();
                let id = ctx.task(
                    format!("refreshing {}", entry.name),
                    Box::new(move |conn| {
                        segments::membership::refresh_named(conn, &root, &entry.name)
                            .map(|r| Box::new(r) as Box<dyn Any + Send>)
                            .map_err(|e| e.to_string())
                    }),
                );
                self.refresh_req = Some(id);
            }
            Action::ExactCount => {
                self.exact = true;
                self.start_preview(ctx);
            }
            Action::Refresh => {
                self.reload();
                self.catalog = None;
                self.load_catalog(ctx);
                self.start_preview(ctx);
            }
            Action::Cancel => match self.preview {
                PreviewState::Running { id, .. } => {
                    ctx.cancel(id);
                    self.preview = PreviewState::Idle;
                }
                _ => return false,
            },
            _ => return false,
        }
        true
    }

    fn on_task(&mut self, id: RequestId, result: TaskResult, ctx: &mut Ctx) {
        if self.catalog_req == Some(id) {
            self.catalog_req = None;
            if let TaskResult::Done(v) = result
                && let Ok(c) = v.downcast::<Catalog>()
            {
                self.catalog = Some(*c);
            }
            return;
        }
        if matches!(self.preview, PreviewState::Running { id: r, .. } if r == id) {
            self.preview = match result {
                TaskResult::Done(v) => match v.downcast::<Outcome>().map(|o| *o) {
                    Ok(Outcome::Ready(p)) => PreviewState::Ready(p),
                    Ok(Outcome::Invalid(e)) => PreviewState::Invalid(e),
                    // A newer preview is on its way (its own task); keep waiting for it.
                    Ok(Outcome::Superseded) => return,
                    Err(_) => PreviewState::Failed("unexpected result".into()),
                },
                TaskResult::Failed(e) => PreviewState::Failed(e),
                TaskResult::Cancelled => PreviewState::Idle,
            };
            return;
        }
        if let Some((r, path, field)) = self.values_req.take() {
            if r != id {
                self.values_req = Some((r, path, field));
            } else {
                match result {
                    TaskResult::Done(v) => {
                        let rows = v
                            .downcast::<Vec<(String, i64)>>()
                            .map(|b| *b)
                            .unwrap_or_default();
                        let mut items = vec![PickItem {
                            label: "(type a value…)".into(),
                            detail: String::new(),
                            value: "\u{0}type".into(),
                        }];
                        items.extend(rows.into_iter().map(|(v, n)| PickItem {
                            label: v.clone(),
                            detail: format!("{n} rows"),
                            value: v,
                        }));
                        self.editing = Some(Editing::Field {
                            path: path.clone(),
                            field,
                        });
                        ctx.open(Overlay::picker(
                            T_CHOICE,
                            format!(
                                "{} · {field} (values of the column)",
                                tree::rule_name(&path)
                            ),
                            items,
                        ));
                    }
                    TaskResult::Failed(e) => {
                        ctx.error(e);
                        self.open_prompt(&path, field, ctx);
                    }
                    TaskResult::Cancelled => {}
                }
                return;
            }
        }
        if let Some((r, open)) = self.sql_req
            && r == id
        {
            self.sql_req = None;
            match result {
                TaskResult::Done(v) => {
                    let Ok(c) = v.downcast::<segments::Compiled>() else {
                        return;
                    };
                    if open {
                        ctx.effect(Effect::OpenSql {
                            sql: c.inline_sql(),
                            run: false,
                        });
                    } else {
                        let mut text = format!("{};\n\n-- bound parameters:\n", c.sql);
                        for (i, p) in c.params.iter().enumerate() {
                            let lit = segments::compile::literal(p);
                            let shown = if lit.chars().count() > 200 {
                                format!(
                                    "{}… ({} chars)",
                                    lit.chars().take(200).collect::<String>(),
                                    lit.len()
                                )
                            } else {
                                lit
                            };
                            text.push_str(&format!("-- ${} = {shown}\n", i + 1));
                        }
                        ctx.open(Overlay::viewer(
                            "Generated SQL (o opens it in the SQL tab, values inlined)",
                            text,
                        ));
                    }
                }
                TaskResult::Failed(e) => ctx.error(e),
                TaskResult::Cancelled => {}
            }
            return;
        }
        if self.refresh_req == Some(id) {
            self.refresh_req = None;
            match result {
                TaskResult::Done(v) => {
                    if let Ok(r) = v.downcast::<segments::membership::RefreshSummary>() {
                        ctx.info(format!(
                            "{}: {} members ({} entered, {} existing, {} exited) in {} ms",
                            r.audience,
                            r.members,
                            r.entered,
                            r.existing,
                            r.exited,
                            r.elapsed.as_millis()
                        ));
                    }
                }
                TaskResult::Failed(e) => ctx.error(e),
                TaskResult::Cancelled => ctx.info("refresh cancelled; the membership is unchanged"),
            }
        }
    }

    fn on_answer(&mut self, answer: Answer, ctx: &mut Ctx) {
        match answer {
            Answer::Text(T_NEW, name) => self.create(&name, ctx),
            Answer::Text(T_RENAME, name) => self.rename(&name, ctx),
            Answer::Text(T_DUPLICATE, name) => self.duplicate(&name, ctx),
            Answer::Yes(T_DELETE) => self.delete(ctx),
            Answer::Yes(T_REMOVE_NODE) => {
                let Some(path) = self.current_path() else {
                    return;
                };
                self.edit_tree(
                    |seg| {
                        if tree::remove(&mut seg.rule, &path) {
                            Ok(None)
                        } else {
                            Err("cannot remove the root".into())
                        }
                    },
                    ctx,
                );
            }
            Answer::Picked(T_ADD, ty) => self.add(&ty, ctx),
            Answer::Picked(T_FIELD, field) => {
                let Some(path) = self.current_path() else {
                    return;
                };
                if let Some((f, _)) = self.fields(&path).into_iter().find(|(k, _)| *k == field) {
                    self.edit_field(f, ctx);
                }
            }
            Answer::Picked(T_CHOICE, value) => {
                if value == "\u{0}type" {
                    if let Some(Editing::Field { path, field }) = self.editing.take() {
                        self.open_prompt(&path, field, ctx);
                    }
                } else {
                    self.apply(&value, true, ctx);
                }
            }
            Answer::Text(T_TYPED, value) => self.apply(&value, false, ctx),
            _ => {}
        }
    }

    fn hints(&self, keymap: &Keymap) -> Vec<(String, &'static str)> {
        let c = Context::Segments;
        let items = match self.focus {
            Focus::List => vec![
                (c, Action::FocusNext),
                (c, Action::NewJob),
                (c, Action::RenameItem),
                (c, Action::DuplicateItem),
                (c, Action::DeleteItem),
                (c, Action::ShowSql),
                (c, Action::RunJob),
            ],
            Focus::Tree => vec![
                (c, Action::Select),
                (c, Action::AddCondition),
                (c, Action::ToggleExclude),
                (c, Action::DeleteItem),
                (c, Action::ShowSql),
                (c, Action::OpenSql),
                (c, Action::ExactCount),
            ],
        };
        keymap.hints(&items)
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, ctx: &DrawCtx) {
        draw::draw(self, f, area, ctx.theme);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// Makes a segment from a decile bucket (the Deciles tab's Enter): the job's profile
/// (its category table, or its source) matched on identity, members of `bucket` of
/// `window` within `category`. Returns the file written.
pub fn segment_from_bucket(
    root: &std::path::Path,
    job: &crate::analytics::deciles::DecileJob,
    window: &str,
    category: &str,
    bucket: i64,
) -> Result<PathBuf, SegmentError> {
    let (profile, identity) = match (&job.category_table, &job.category_key) {
        (Some(t), Some(k)) => (t.clone(), k.clone()),
        _ => (job.source.clone(), job.identity.clone()),
    };
    let slug: String = category
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let base = format!("{}_{window}_{slug}_b{bucket}", job.name);
    let dir = segments::segments_dir(root);
    let mut name = base.chars().take(60).collect::<String>();
    let mut n = 2;
    while segments::file::path_of(&dir, &name).exists() {
        name = format!("{}_{n}", base.chars().take(57).collect::<String>());
        n += 1;
    }
    let seg = Segment {
        name: name.clone(),
        description: Some(format!(
            "Bucket {bucket} of {} ({window}) within {category}",
            job.name
        )),
        profile,
        identity,
        as_of: AsOf::Latest,
        rule: Node {
            exclude: false,
            kind: NodeKind::Group {
                any: false,
                children: vec![Node {
                    exclude: false,
                    kind: NodeKind::Decile(Decile {
                        table: job.long_table(),
                        window: window.to_string(),
                        buckets: vec![bucket],
                        category: Some(category.to_string()),
                    }),
                }],
            },
        },
    };
    let path = segments::file::path_of(&dir, &name);
    segments::file::save(&path, &seg)?;
    Ok(path)
}
