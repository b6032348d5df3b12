-- The export log is the whole history: every day is recomputed and replaced.
DELETE FROM insights.dim_destination;
INSERT INTO insights.dim_destination
SELECT DISTINCT destination FROM clvdesk_meta.export_log;

DELETE FROM insights.fact_exports_daily;
INSERT INTO insights.fact_exports_daily
SELECT CAST(exported_at AS DATE), destination, audience, count(*),
       coalesce(sum(written), 0), coalesce(sum(dropped), 0)
FROM clvdesk_meta.export_log
GROUP BY ALL;
