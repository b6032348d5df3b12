//! The catalog tree of the SQL tab: schemas, tables and views (with row
//! counts), columns with types. Enter inserts the name at the editor cursor.

use std::collections::HashSet;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::engine::catalog::{Catalog, RelationKind};
use crate::sql::display_ident as ident;
use crate::tui::panes::results::group;
use crate::tui::theme::{Slot, Theme};

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Node {
    Schema(usize),
    Relation(usize, usize),
    Column(usize, usize, usize),
}

pub enum CatalogState {
    Loading,
    Ready(Catalog),
    Failed(String),
}

pub struct CatalogTree {
    pub state: CatalogState,
    /// Expanded schemas and relations, by name (survives a reload).
    expanded: HashSet<String>,
    pub selected: usize,
    pub top: usize,
    pub viewport: usize,
}

impl Default for CatalogTree {
    fn default() -> Self {
        let mut expanded = HashSet::new();
        expanded.insert("main".to_string());
        CatalogTree {
            state: CatalogState::Loading,
            expanded,
            selected: 0,
            top: 0,
            viewport: 10,
        }
    }
}

impl CatalogTree {
    fn key(&self, node: &Node) -> Option<String> {
        let CatalogState::Ready(cat) = &self.state else {
            return None;
        };
        match node {
            Node::Schema(s) => Some(cat.schemas[*s].name.clone()),
            Node::Relation(s, r) => Some(format!(
                "{}.{}",
                cat.schemas[*s].name, cat.schemas[*s].relations[*r].name
            )),
            Node::Column(..) => None,
        }
    }

    /// The visible rows of the tree, in order.
    pub fn visible(&self) -> Vec<Node> {
        let CatalogState::Ready(cat) = &self.state else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (si, s) in cat.schemas.iter().enumerate() {
            out.push(Node::Schema(si));
            if !self.expanded.contains(&s.name) {
                continue;
            }
            for (ri, r) in s.relations.iter().enumerate() {
                out.push(Node::Relation(si, ri));
                if self.expanded.contains(&format!("{}.{}", s.name, r.name)) {
                    out.extend((0..r.columns.len()).map(|ci| Node::Column(si, ri, ci)));
                }
            }
        }
        out
    }

    pub fn set_catalog(&mut self, cat: Catalog) {
        self.state = CatalogState::Ready(cat);
        let n = self.visible().len();
        self.selected = self.selected.min(n.saturating_sub(1));
    }

    pub fn move_by(&mut self, delta: isize) {
        let n = self.visible().len();
        if n == 0 {
            return;
        }
        self.selected = (self.selected as isize + delta).clamp(0, n as isize - 1) as usize;
    }

    pub fn top_bottom(&mut self, bottom: bool) {
        let n = self.visible().len();
        self.selected = if bottom { n.saturating_sub(1) } else { 0 };
    }

    /// Expand (`true`) or collapse the selected node; collapsing a column
    /// moves to its table.
    pub fn expand(&mut self, open: bool) {
        let vis = self.visible();
        let Some(node) = vis.get(self.selected).cloned() else {
            return;
        };
        match (&node, open) {
            (Node::Column(s, r, _), false) => {
                let parent = Node::Relation(*s, *r);
                if let Some(i) = vis.iter().position(|n| *n == parent) {
                    self.selected = i;
                }
            }
            (Node::Relation(s, _), false)
                if !self.expanded.contains(&self.key(&node).unwrap_or_default()) =>
            {
                let parent = Node::Schema(*s);
                if let Some(i) = vis.iter().position(|n| *n == parent) {
                    self.selected = i;
                }
            }
            (Node::Column(..), true) => {}
            _ => {
                if let Some(k) = self.key(&node) {
                    if open {
                        self.expanded.insert(k);
                    } else {
                        self.expanded.remove(&k);
                    }
                }
            }
        }
    }

    /// The text Enter inserts: `table`, `schema.table` outside `main`, or a
    /// column name; quoted when needed.
    pub fn insert_text(&self) -> Option<String> {
        let CatalogState::Ready(cat) = &self.state else {
            return None;
        };
        let node = self.visible().get(self.selected)?.clone();
        Some(match node {
            Node::Schema(s) => ident(&cat.schemas[s].name),
            Node::Relation(s, r) => {
                let schema = &cat.schemas[s];
                let rel = ident(&schema.relations[r].name);
                if schema.name == "main" {
                    rel
                } else {
                    format!("{}.{rel}", ident(&schema.name))
                }
            }
            Node::Column(s, r, c) => ident(&cat.schemas[s].relations[r].columns[c].name),
        })
    }

    pub fn draw(&mut self, f: &mut Frame, area: Rect, theme: &Theme, focused: bool) {
        let border = if focused {
            Slot::BorderFocused
        } else {
            Slot::Border
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.get(border))
            .title(Span::styled(" Catalog ", theme.get(Slot::Title)))
            .style(theme.get(Slot::Base));
        let inner = block.inner(area);
        f.render_widget(block, area);
        let cat = match &self.state {
            CatalogState::Loading => {
                f.render_widget(
                    Paragraph::new(Line::styled("loading…", theme.get(Slot::Dim))),
                    inner,
                );
                return;
            }
            CatalogState::Failed(e) => {
                f.render_widget(
                    Paragraph::new(Line::styled(e.clone(), theme.get(Slot::Error))),
                    inner,
                );
                return;
            }
            CatalogState::Ready(c) => c,
        };
        let vis = self.visible();
        self.viewport = inner.height as usize;
        if self.selected < self.top {
            self.top = self.selected;
        } else if self.selected >= self.top + self.viewport.max(1) {
            self.top = self.selected + 1 - self.viewport.max(1);
        }
        let mut lines = Vec::new();
        for (i, node) in vis.iter().enumerate().skip(self.top).take(self.viewport) {
            let mut spans = match node {
                Node::Schema(s) => {
                    let sch = &cat.schemas[*s];
                    let open = self.expanded.contains(&sch.name);
                    vec![Span::styled(
                        format!("{} {}", if open { "▾" } else { "▸" }, sch.name),
                        theme.get(Slot::CatalogSchema),
                    )]
                }
                Node::Relation(s, r) => {
                    let sch = &cat.schemas[*s];
                    let rel = &sch.relations[*r];
                    let open = self
                        .expanded
                        .contains(&format!("{}.{}", sch.name, rel.name));
                    let (slot, kind) = match rel.kind {
                        RelationKind::Table => (Slot::CatalogTable, ""),
                        RelationKind::View => (Slot::CatalogView, " view"),
                    };
                    let rows = rel
                        .rows
                        .map(|n| format!(" {}", group(n)))
                        .unwrap_or_default();
                    vec![
                        Span::styled(
                            format!("  {} {}", if open { "▾" } else { "▸" }, rel.name),
                            theme.get(slot),
                        ),
                        Span::styled(format!("{kind}{rows}"), theme.get(Slot::CatalogType)),
                    ]
                }
                Node::Column(s, r, c) => {
                    let col = &cat.schemas[*s].relations[*r].columns[*c];
                    vec![
                        Span::styled(
                            format!("      {} ", col.name),
                            theme.get(Slot::CatalogColumn),
                        ),
                        Span::styled(col.data_type.clone(), theme.get(Slot::CatalogType)),
                    ]
                }
            };
            spans = clip(spans, inner.width as usize);
            if i == self.selected && focused {
                spans = spans
                    .into_iter()
                    .map(|s| {
                        let st = s.style.patch(theme.get(Slot::GridSelected));
                        s.style(st)
                    })
                    .collect();
            }
            lines.push(Line::from(spans));
        }
        if lines.is_empty() {
            lines.push(Line::styled("(no tables yet)", theme.get(Slot::Dim)));
        }
        f.render_widget(Paragraph::new(lines), inner);
    }

    /// Select the row at `y` within the inner area (mouse).
    pub fn click(&mut self, row_in_view: usize) {
        let n = self.visible().len();
        let i = self.top + row_in_view;
        if i < n {
            self.selected = i;
        }
    }
}

/// Cut a line to `width` cells, ending in `…` when something was cut.
fn clip(spans: Vec<Span<'static>>, width: usize) -> Vec<Span<'static>> {
    use unicode_width::UnicodeWidthStr;
    let total: usize = spans.iter().map(|s| s.content.width()).sum();
    if total <= width || width == 0 {
        return spans;
    }
    let mut out = Vec::new();
    let mut used = 0;
    for s in spans {
        let w = s.content.width();
        if used + w < width {
            used += w;
            out.push(s);
            continue;
        }
        let text = crate::tui::widgets::grid::fit(&s.content, width - used, false).into_owned();
        out.push(Span::styled(text, s.style));
        break;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::catalog::{Column, Relation, Schema};

    fn cat() -> Catalog {
        Catalog {
            schemas: vec![
                Schema {
                    name: "main".into(),
                    relations: vec![Relation {
                        name: "customers".into(),
                        kind: RelationKind::Table,
                        rows: Some(4000),
                        columns: vec![
                            Column {
                                name: "customer_id".into(),
                                data_type: "BIGINT".into(),
                            },
                            Column {
                                name: "First Name".into(),
                                data_type: "VARCHAR".into(),
                            },
                        ],
                    }],
                },
                Schema {
                    name: "meta".into(),
                    relations: vec![Relation {
                        name: "runs".into(),
                        kind: RelationKind::View,
                        rows: None,
                        columns: vec![],
                    }],
                },
            ],
        }
    }

    #[test]
    fn navigate_expand_and_insert() {
        let mut t = CatalogTree::default();
        t.set_catalog(cat());
        assert_eq!(t.visible().len(), 3, "main expanded, meta collapsed");
        t.move_by(1);
        assert_eq!(t.insert_text().as_deref(), Some("customers"));
        t.expand(true);
        t.move_by(2);
        assert_eq!(t.insert_text().as_deref(), Some("\"First Name\""));
        t.expand(false);
        assert_eq!(t.insert_text().as_deref(), Some("customers"));
        t.top_bottom(true);
        t.expand(true);
        t.move_by(1);
        assert_eq!(t.insert_text().as_deref(), Some("meta.runs"));
    }

    /// Names that are keywords or not all lower case are inserted quoted, so the inserted
    /// text means the same table or column to DuckDB.
    #[test]
    fn reserved_and_mixed_case_names_are_quoted() {
        let rel = |name: &str, cols: &[&str]| Relation {
            name: name.into(),
            kind: RelationKind::Table,
            rows: Some(1),
            columns: cols
                .iter()
                .map(|c| Column {
                    name: c.to_string(),
                    data_type: "INTEGER".into(),
                })
                .collect(),
        };
        let mut t = CatalogTree::default();
        t.expanded.insert("Sales".into());
        t.expanded.insert("Sales.order".into());
        t.set_catalog(Catalog {
            schemas: vec![Schema {
                name: "Sales".into(),
                relations: vec![rel("order", &["select", "MyCol", "qty"])],
            }],
        });
        let mut inserted = Vec::new();
        for i in 0..t.visible().len() {
            t.selected = i;
            inserted.push(t.insert_text().unwrap());
        }
        assert_eq!(
            inserted,
            [
                "\"Sales\"",
                "\"Sales\".\"order\"",
                "\"select\"",
                "\"MyCol\"",
                "qty"
            ]
        );
    }
}
