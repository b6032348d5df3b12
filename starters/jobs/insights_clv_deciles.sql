-- The fit that wrote clv_predictions (its table comment is "clvdesk clv fit #N"), else
-- the latest fit. Running again for the same fit replaces that fit's ten rows.
CREATE OR REPLACE TEMP TABLE insights_current_fit AS
SELECT f.fit_id, f.fitted_at
FROM clvdesk_meta.clv_fits AS f
WHERE f.fit_id = coalesce(
    (SELECT TRY_CAST(regexp_extract(comment, '#([0-9]+)', 1) AS BIGINT)
     FROM duckdb_tables()
     WHERE database_name = current_database() AND schema_name = 'main'
       AND table_name = 'clv_predictions'),
    (SELECT max(fit_id) FROM clvdesk_meta.clv_fits));

DELETE FROM insights.fact_clv_deciles
WHERE fit_id IN (SELECT fit_id FROM insights_current_fit);

INSERT INTO insights.fact_clv_deciles
WITH ranked AS (
    SELECT clv, p_alive, expected_purchases,
           ntile(10) OVER (ORDER BY clv DESC NULLS LAST, customer_id) AS decile
    FROM clv_predictions
)
-- Sums and means over DECIMAL are exact, so they do not depend on the order the
-- parallel aggregate met the rows in: a re-run of the same fit writes the same bits.
SELECT f.fit_id, f.fitted_at, r.decile, count(*),
       sum(r.clv::DECIMAL(38, 9))::DOUBLE, avg(r.clv::DECIMAL(38, 9))::DOUBLE,
       min(r.clv), max(r.clv), avg(r.p_alive::DECIMAL(38, 12))::DOUBLE,
       sum(r.expected_purchases::DECIMAL(38, 9))::DOUBLE
FROM ranked AS r CROSS JOIN insights_current_fit AS f
GROUP BY ALL;

DROP TABLE insights_current_fit;
