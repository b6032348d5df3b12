//! Buffers and files: new/close/switch, open/save, saved queries, history,
//! catalog keys, and the answers to the prompts they open.

use super::*;

impl SqlPane {
    /// A path for messages: relative to the workspace when inside it.
    pub(super) fn show_path(&self, p: &std::path::Path) -> String {
        p.strip_prefix(&self.paths.root)
            .unwrap_or(p)
            .display()
            .to_string()
    }

    pub(super) fn catalog_action(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        let page = self.catalog.viewport.max(1) as isize;
        match action {
            Action::Up => self.catalog.move_by(-1),
            Action::Down => self.catalog.move_by(1),
            Action::PageUp => self.catalog.move_by(-page),
            Action::PageDown => self.catalog.move_by(page),
            Action::Top => self.catalog.top_bottom(false),
            Action::Bottom => self.catalog.top_bottom(true),
            Action::Right => self.catalog.expand(true),
            Action::Left => self.catalog.expand(false),
            Action::Refresh => {
                self.load_catalog(ctx);
                ctx.info("Reloading the catalog…");
            }
            Action::Select => {
                if let Some(text) = self.catalog.insert_text() {
                    self.editor.insert(&text);
                    self.focus = Focus::Editor;
                }
            }
            _ => return false,
        }
        true
    }

    pub(super) fn editor_action(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        match action {
            Action::NewBuffer => self.editor.new_buffer("", None),
            Action::CloseBuffer => {
                let b = self.editor.current();
                if b.dirty && !b.text().trim().is_empty() {
                    ctx.open(Overlay::confirm(
                        CONFIRM_CLOSE,
                        "Close buffer?",
                        format!("{} has unsaved changes. Close it anyway? (y/n)", b.name),
                    ));
                } else {
                    self.editor.close_current();
                }
            }
            Action::NextBuffer => self.editor.next(),
            Action::PrevBuffer => self.editor.prev(),
            Action::Undo => self.editor.undo(),
            Action::Redo => self.editor.redo(),
            Action::Open => ctx.open(Overlay::prompt(
                PROMPT_OPEN,
                "Open a .sql file",
                "Path (relative to the workspace, or absolute, or ~/...)",
                "queries/",
            )),
            Action::Save => match self.editor.current().path.clone() {
                Some(p) => self.save_to(&p, ctx),
                None => ctx.open(Overlay::prompt(
                    PROMPT_SAVE_AS,
                    "Save buffer as",
                    "Path of the .sql file (relative to the workspace)",
                    "queries/",
                )),
            },
            Action::SaveQuery => ctx.open(Overlay::prompt(
                PROMPT_SAVE_QUERY,
                "Save as a named query",
                format!("Name (stored as {}/NAME.sql)", self.paths.queries.display()),
                "",
            )),
            Action::SavedQueries => {
                let items: Vec<PickItem> = history::saved_queries(&self.paths.queries)
                    .into_iter()
                    .map(|(name, path)| PickItem {
                        detail: std::fs::read_to_string(&path)
                            .map(|t| first_line(&t))
                            .unwrap_or_default(),
                        label: name,
                        value: path.display().to_string(),
                    })
                    .collect();
                if items.is_empty() {
                    ctx.info(format!(
                        "No saved queries yet in {} (F2 saves the buffer as one).",
                        self.paths.queries.display()
                    ));
                } else {
                    ctx.open(Overlay::picker(
                        PICK_QUERY,
                        "Saved queries (Enter opens)",
                        items,
                    ));
                }
            }
            Action::History => {
                let items: Vec<PickItem> = self
                    .history
                    .search("")
                    .into_iter()
                    .map(|e| PickItem {
                        label: first_line(&e.sql),
                        detail: format!(
                            "{} · {} · {} ms{}",
                            e.at.get(..16).unwrap_or(&e.at).replace('T', " "),
                            e.status,
                            e.ms,
                            e.rows
                                .map(|r| format!(" · {} rows", results::group(r)))
                                .unwrap_or_default()
                        ),
                        value: e.sql.clone(),
                    })
                    .collect();
                if items.is_empty() {
                    ctx.info("No history yet: queries you run are kept here.");
                } else {
                    ctx.open(Overlay::picker(
                        PICK_HISTORY,
                        "History (type to search, Enter inserts)",
                        items,
                    ));
                }
            }
            _ => return false,
        }
        true
    }

    pub(super) fn save_to(&mut self, path: &std::path::Path, ctx: &mut Ctx) {
        match self.editor.save_as(path) {
            Ok(()) => ctx.info(format!("Saved {}.", self.show_path(path))),
            Err(e) => ctx.error(format!("{}: {e}", path.display())),
        }
    }

    pub(super) fn answer(&mut self, answer: Answer, ctx: &mut Ctx) {
        match answer {
            Answer::Yes(CONFIRM_RUN) => {
                if let Some(sql) = self.pending_run.take() {
                    self.start(sql, ctx);
                }
            }
            Answer::No(CONFIRM_RUN) => {
                self.pending_run = None;
                ctx.info("Not run.");
            }
            Answer::Yes(CONFIRM_CLOSE) => self.editor.close_current(),
            Answer::Text(PROMPT_SAVE_AS, text) => {
                if text.trim().is_empty() || text.trim().ends_with('/') {
                    ctx.error("Give a file name.");
                    return;
                }
                let p = crate::tui::effect::with_extension(self.paths.resolve(&text), "sql");
                self.save_to(&p, ctx);
            }
            Answer::Text(PROMPT_SAVE_QUERY, name) => match history::query_file_name(&name) {
                Some(file) => {
                    let p = self.paths.queries.join(file);
                    self.save_to(&p, ctx);
                }
                None => ctx.error(format!("{name:?} is not a usable query name.")),
            },
            Answer::Text(PROMPT_OPEN, text) => {
                let p = self.paths.resolve(&text);
                match self.editor.open(&p) {
                    Ok(()) => {
                        self.focus = Focus::Editor;
                        ctx.info(format!("Opened {}.", self.show_path(&p)));
                    }
                    Err(e) => ctx.error(format!("{}: {e}", p.display())),
                }
            }
            Answer::Picked(PICK_QUERY, path) => {
                let p = PathBuf::from(path);
                match self.editor.open(&p) {
                    Ok(()) => self.focus = Focus::Editor,
                    Err(e) => ctx.error(format!("{}: {e}", p.display())),
                }
            }
            Answer::Picked(PICK_HISTORY, sql) => {
                let b = self.editor.current();
                let line = &b.area.lines()[b.area.cursor().0];
                let text = if line.trim().is_empty() {
                    sql
                } else {
                    format!("\n{sql}")
                };
                self.editor.insert(&text);
                self.focus = Focus::Editor;
            }
            Answer::Text(PROMPT_EXPORT, text) => self.export(&text, ctx),
            _ => {}
        }
    }
}

fn first_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default()
        .to_string()
}
