-- Today is CAST(CAST(now() AS TIMESTAMP) AS DATE), the UTC date (current_date needs the ICU
-- extension, which clvdesk does not bundle).
-- Today's row per audience and per pair replaces an earlier run of the same day.
DELETE FROM insights.dim_audience WHERE source = 'segment';
INSERT INTO insights.dim_audience
SELECT DISTINCT audience, 'segment' FROM clvdesk_meta.audience_membership;

DELETE FROM insights.fact_audience_daily WHERE day = CAST(CAST(now() AS TIMESTAMP) AS DATE);
INSERT INTO insights.fact_audience_daily
SELECT CAST(CAST(now() AS TIMESTAMP) AS DATE), audience,
       count(DISTINCT identity) FILTER (WHERE status <> 'exited'),
       count(DISTINCT identity) FILTER (WHERE status = 'entered'),
       count(DISTINCT identity) FILTER (WHERE status = 'exited')
FROM clvdesk_meta.audience_membership
GROUP BY audience;

DELETE FROM insights.fact_audience_overlap WHERE day = CAST(CAST(now() AS TIMESTAMP) AS DATE);
INSERT INTO insights.fact_audience_overlap
WITH members AS (
    SELECT DISTINCT audience, identity FROM clvdesk_meta.audience_membership
    WHERE status <> 'exited'
), sizes AS (
    SELECT audience, count(*) AS n FROM members GROUP BY audience
), pairs AS (
    SELECT a.audience AS audience_a, b.audience AS audience_b, a.n AS members_a,
           b.n AS members_b
    FROM sizes AS a JOIN sizes AS b ON a.audience < b.audience
), shared AS (
    SELECT a.audience AS audience_a, b.audience AS audience_b, count(*) AS n
    FROM members AS a JOIN members AS b
      ON a.identity = b.identity AND a.audience < b.audience
    GROUP BY ALL
)
SELECT CAST(CAST(now() AS TIMESTAMP) AS DATE), p.audience_a, p.audience_b, p.members_a, p.members_b,
       coalesce(s.n, 0)
FROM pairs AS p LEFT JOIN shared AS s USING (audience_a, audience_b);
