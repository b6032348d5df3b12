-- KPI: open and click rates per campaign audience over all its campaigns, and the open
-- rate of each campaign in send order (a list: drawn as a sparkline).
-- Reads insights.campaign_daily (job response_fold, hourly).
WITH per_campaign AS (
    SELECT c.audience, c.campaign_id, min(d.sent_day) AS sent_day,
           sum(c.sends) AS sends, sum(c.opens) AS opens, sum(c.clicks) AS clicks
    FROM insights.campaign_daily AS c
    LEFT JOIN insights.dim_campaign AS d USING (campaign_id)
    GROUP BY ALL
)
SELECT audience, count(*) AS campaigns,
       sum(sends)::BIGINT AS sends, sum(opens)::BIGINT AS opens, sum(clicks)::BIGINT AS clicks,
       round(100.0 * sum(opens) / nullif(sum(sends), 0), 2) AS open_rate_pct,
       round(100.0 * sum(clicks) / nullif(sum(sends), 0), 2) AS click_rate_pct,
       list(round(100.0 * opens / nullif(sends, 0), 2) ORDER BY sent_day, campaign_id)
           AS open_rate_by_campaign
FROM per_campaign
GROUP BY audience
ORDER BY sends DESC, audience;
