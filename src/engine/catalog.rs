//! The catalog: schemas, tables and views, columns with types, row counts.

use duckdb::Connection;

use super::EngineError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelationKind {
    Table,
    View,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub data_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    pub name: String,
    pub kind: RelationKind,
    /// DuckDB's row count estimate (exact for tables that were not updated in place).
    pub rows: Option<u64>,
    pub columns: Vec<Column>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schema {
    pub name: String,
    pub relations: Vec<Relation>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalog {
    pub schemas: Vec<Schema>,
}

impl Catalog {
    /// Finds a relation by `name` or `schema.name` (schema `main` by default).
    pub fn relation(&self, qualified: &str) -> Option<&Relation> {
        let (schema, name) = qualified.split_once('.').unwrap_or(("main", qualified));
        self.schemas
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(schema))?
            .relations
            .iter()
            .find(|r| r.name.eq_ignore_ascii_case(name))
    }
}

/// Reads the catalog of the current database (internal objects excluded).
pub fn load(conn: &Connection) -> Result<Catalog, EngineError> {
    let mut rels = conn.prepare(
        "SELECT schema_name, table_name AS name, 'table' AS kind, estimated_size::BIGINT AS rows
           FROM duckdb_tables() WHERE NOT internal AND database_name = current_database()
         UNION ALL
         SELECT schema_name, view_name, 'view', NULL
           FROM duckdb_views() WHERE NOT internal AND database_name = current_database()
         ORDER BY 1, 2",
    )?;
    let mut catalog = Catalog::default();
    let rows = rels.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<i64>>(3)?,
        ))
    })?;
    for row in rows {
        let (schema, name, kind, count) = row?;
        if catalog.schemas.last().map(|s| &s.name) != Some(&schema) {
            catalog.schemas.push(Schema {
                name: schema.clone(),
                relations: Vec::new(),
            });
        }
        if let Some(s) = catalog.schemas.last_mut() {
            s.relations.push(Relation {
                name,
                kind: if kind == "view" {
                    RelationKind::View
                } else {
                    RelationKind::Table
                },
                rows: count.map(|n| n.max(0) as u64),
                columns: Vec::new(),
            });
        }
    }
    let mut cols = conn.prepare(
        "SELECT schema_name, table_name, column_name, data_type
           FROM duckdb_columns() WHERE NOT internal AND database_name = current_database()
          ORDER BY schema_name, table_name, column_index",
    )?;
    let rows = cols.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    for row in rows {
        let (schema, table, name, data_type) = row?;
        if let Some(rel) = catalog
            .schemas
            .iter_mut()
            .find(|s| s.name == schema)
            .and_then(|s| s.relations.iter_mut().find(|r| r.name == table))
        {
            rel.columns.push(Column { name, data_type });
        }
    }
    Ok(catalog)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_tables_views_and_columns() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE t AS SELECT range AS id, 'x' AS name FROM range(5);
             CREATE VIEW v AS SELECT id FROM t;",
        )
        .unwrap();
        let cat = load(&conn).unwrap();
        let t = cat.relation("t").unwrap();
        assert_eq!(t.kind, RelationKind::Table);
        assert_eq!(t.rows, Some(5));
        assert_eq!(t.columns.len(), 2);
        assert_eq!(t.columns[0].data_type, "BIGINT");
        assert_eq!(cat.relation("main.v").unwrap().kind, RelationKind::View);
        assert!(cat.relation("nope").is_none());
    }
}
