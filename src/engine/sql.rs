//! Running SQL that clvdesk generates, one statement at a time.
//!
//! `execute_batch` runs every statement of a text, and so does the `duckdb` crate's `prepare`
//! (it executes all statements but the last, then prepares the last). Generated SQL that embeds
//! an analyst's fragment or a path must therefore be checked to be a single statement before
//! DuckDB sees it: these helpers do that with the one lexer ([`crate::sql`]), so a `;` that
//! slipped through would fail the run instead of starting a second statement.

use duckdb::{Connection, Params, Statement};

/// Prepares `sql` if it is exactly one statement; [`duckdb::Error::MultipleStatement`] otherwise.
pub fn prepare_one<'c>(conn: &'c Connection, sql: &str) -> Result<Statement<'c>, duckdb::Error> {
    if !crate::sql::is_single_statement(sql) {
        return Err(duckdb::Error::MultipleStatement);
    }
    conn.prepare(sql)
}

/// Executes `sql` with bound `params` if it is exactly one statement; returns the rows changed.
pub fn execute_one<P: Params>(
    conn: &Connection,
    sql: &str,
    params: P,
) -> Result<usize, duckdb::Error> {
    prepare_one(conn, sql)?.execute(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_statement_is_refused_before_anything_runs() {
        let conn = Connection::open_in_memory().unwrap();
        let err = execute_one(
            &conn,
            "CREATE TABLE a(x INT) -- c\r; CREATE TABLE b(x INT)",
            [],
        )
        .unwrap_err();
        assert!(matches!(err, duckdb::Error::MultipleStatement), "{err}");
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM duckdb_tables()", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 0);
        execute_one(&conn, "CREATE TABLE a(x INT);", []).unwrap();
        assert_eq!(
            execute_one(&conn, "INSERT INTO a VALUES (?), (?)", [1, 2]).unwrap(),
            2
        );
    }
}
