-- KPI: profiles exported per destination: in total, in the last 30 days of the model,
-- on the last export day, and per day over the last 30 days (a list: a sparkline).
-- Empty until an audience is exported.
-- Reads insights.fact_exports_daily (job insights_exports, daily).
WITH per_day AS (
    SELECT destination, day, sum(profiles_exported)::BIGINT AS exported,
           sum(profiles_dropped)::BIGINT AS dropped, sum(exports)::BIGINT AS exports
    FROM insights.fact_exports_daily
    GROUP BY ALL
), latest AS (
    SELECT greatest(CAST(CAST(now() AS TIMESTAMP) AS DATE), max(day)) AS as_of FROM per_day
)
SELECT p.destination,
       sum(p.exports)::BIGINT AS exports,
       sum(p.exported)::BIGINT AS profiles_exported,
       sum(p.dropped)::BIGINT AS profiles_dropped,
       coalesce(sum(p.exported) FILTER (WHERE p.day > l.as_of - 30), 0)::BIGINT
           AS exported_30d,
       max(p.day) AS last_export_day,
       arg_max(p.exported, p.day) AS exported_last_day,
       list(p.exported ORDER BY p.day) FILTER (WHERE p.day > l.as_of - 30) AS trend_30d
FROM per_day AS p CROSS JOIN latest AS l
GROUP BY p.destination
ORDER BY profiles_exported DESC, p.destination;
