-- Today is CAST(CAST(now() AS TIMESTAMP) AS DATE), the UTC date (current_date needs the ICU
-- extension, which clvdesk does not bundle).
-- A re-run replaces its days: the DELETE clears the refresh window, the INSERT writes
-- every day that has no row (the window, and days never written).
DELETE FROM insights.fact_profiles_daily
WHERE day > CAST(CAST(now() AS TIMESTAMP) AS DATE) - CAST($REFRESH_DAYS AS INTEGER);

INSERT INTO insights.fact_profiles_daily
WITH signups AS (
    SELECT signup_date AS day, coalesce(loyalty_status, '(none)') AS loyalty_status,
           count(*) AS n
    FROM customers
    WHERE signup_date IS NOT NULL
    GROUP BY ALL
), days AS (
    SELECT CAST(d AS DATE) AS day
    FROM range(
        CAST(coalesce((SELECT min(day) FROM signups), CAST(CAST(now() AS TIMESTAMP) AS DATE)) AS TIMESTAMP),
        CAST(greatest(CAST(CAST(now() AS TIMESTAMP) AS DATE), coalesce((SELECT max(day) FROM signups), CAST(CAST(now() AS TIMESTAMP) AS DATE))) + 1
             AS TIMESTAMP),
        INTERVAL 1 DAY) AS t(d)
), series AS (
    SELECT g.day, g.loyalty_status,
           sum(coalesce(s.n, 0)) OVER (PARTITION BY g.loyalty_status ORDER BY g.day
                                       ROWS UNBOUNDED PRECEDING) AS profiles,
           coalesce(s.n, 0) AS new_profiles
    FROM (SELECT days.day, st.loyalty_status
          FROM days CROSS JOIN (SELECT DISTINCT loyalty_status FROM signups) AS st) AS g
    LEFT JOIN signups AS s USING (day, loyalty_status)
)
SELECT day, loyalty_status, CAST(profiles AS BIGINT), CAST(new_profiles AS BIGINT)
FROM series
WHERE day NOT IN (SELECT day FROM insights.fact_profiles_daily);
