-- KPI: profiles now (the latest day of the insights model), 30 days earlier, the change,
-- and the daily count over the last 90 days (a list: the grid draws it as a sparkline).
-- One row for all profiles, then one per loyalty status.
-- Reads insights.fact_profiles_daily (job insights_profiles, daily).
WITH daily AS (
    SELECT day, loyalty_status, profiles FROM insights.fact_profiles_daily
    UNION ALL
    SELECT day, 'All profiles', sum(profiles)::BIGINT FROM insights.fact_profiles_daily GROUP BY day
), latest AS (
    SELECT max(day) AS as_of FROM insights.fact_profiles_daily
), kpi AS (
    SELECT d.loyalty_status AS segment,
           max(l.as_of) AS as_of,
           CAST(max(d.profiles) FILTER (WHERE d.day = l.as_of) AS BIGINT) AS profiles_now,
           CAST(max(d.profiles) FILTER (WHERE d.day = l.as_of - 30) AS BIGINT) AS profiles_30d_ago,
           list(d.profiles ORDER BY d.day) FILTER (WHERE d.day > l.as_of - 90) AS trend_90d
    FROM daily AS d CROSS JOIN latest AS l
    GROUP BY d.loyalty_status
)
SELECT segment, as_of, profiles_now, profiles_30d_ago,
       profiles_now - profiles_30d_ago AS change_30d,
       round(100.0 * (profiles_now - profiles_30d_ago) / nullif(profiles_30d_ago, 0), 2)
           AS change_30d_pct,
       trend_90d
FROM kpi
ORDER BY segment <> 'All profiles', profiles_now DESC;
