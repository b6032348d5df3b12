//! DuckDB: open/lock handling, migrations, query worker, paged results, catalog.
