-- KPI: total profiles per day over the last year of the model, with the change against
-- 30 days before (for a line or sparkline widget).
-- Reads insights.fact_profiles_daily (job insights_profiles, daily).
WITH total AS (
    SELECT day, sum(profiles)::BIGINT AS profiles
    FROM insights.fact_profiles_daily
    GROUP BY day
)
SELECT t.day, t.profiles, t.profiles - p.profiles AS change_30d,
       round(100.0 * (t.profiles - p.profiles) / nullif(p.profiles, 0), 2) AS change_30d_pct
FROM total AS t
LEFT JOIN total AS p ON p.day = t.day - 30
WHERE t.day > (SELECT max(day) FROM total) - 365
ORDER BY t.day;
