-- KPI: members per saved audience at the latest refresh, 30 days earlier (the latest
-- refresh on or before that day), the change, and the size at each refresh of the last
-- 90 days (a list: drawn as a sparkline). Empty until audiences are refreshed.
-- Reads insights.fact_audience_daily (job insights_audiences, daily).
WITH latest AS (
    SELECT max(day) AS as_of FROM insights.fact_audience_daily
), kpi AS (
    SELECT a.audience,
           max(l.as_of) AS as_of,
           CAST(arg_max(a.members, a.day) AS BIGINT) AS members_now,
           CAST(arg_max(a.members, a.day) FILTER (WHERE a.day <= l.as_of - 30) AS BIGINT)
               AS members_30d_ago,
           list(a.members ORDER BY a.day) FILTER (WHERE a.day > l.as_of - 90) AS trend_90d,
           list(a.entered - a.exited ORDER BY a.day) FILTER (WHERE a.day > l.as_of - 90)
               AS net_change_trend_90d
    FROM insights.fact_audience_daily AS a CROSS JOIN latest AS l
    GROUP BY a.audience
)
SELECT audience, as_of, members_now, members_30d_ago,
       members_now - members_30d_ago AS change_30d,
       round(100.0 * (members_now - members_30d_ago) / nullif(members_30d_ago, 0), 2)
           AS change_30d_pct,
       trend_90d, net_change_trend_90d
FROM kpi
ORDER BY members_now DESC, audience;
