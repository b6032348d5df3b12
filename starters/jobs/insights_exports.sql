-- The export log is the whole history: every day is recomputed and replaced.
DELETE FROM insights.dim_destination;
INSERT INTO insights.dim_destination
SELECT DISTINCT destination FROM clvdesk_meta.export_log;

DELETE FROM insights.fact_exports_daily;
INSERT INTO insights.fact_exports_daily
-- Successful runs only (status 'ok', segments::activation); a run's day is when it started.
SELECT CAST(started_at AS DATE), destination, audience, count(*),
       coalesce(sum(exported), 0), coalesce(sum(dropped), 0)
FROM clvdesk_meta.export_log
WHERE status = 'ok'
GROUP BY ALL;
