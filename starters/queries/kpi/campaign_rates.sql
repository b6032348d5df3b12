-- KPI: open and click rates per campaign and audience: sends, opens, clicks, open rate
-- (opens / sends), click rate (clicks / sends) and click-to-open rate, in percent.
-- Reads insights.campaign_daily (job response_fold, hourly, campaigns from
-- insights_dimensions).
SELECT c.campaign_id, d.name AS campaign, c.audience, d.sent_day,
       sum(c.sends)::BIGINT AS sends, sum(c.opens)::BIGINT AS opens,
       sum(c.clicks)::BIGINT AS clicks,
       round(100.0 * sum(c.opens) / nullif(sum(c.sends), 0), 2) AS open_rate_pct,
       round(100.0 * sum(c.clicks) / nullif(sum(c.sends), 0), 2) AS click_rate_pct,
       round(100.0 * sum(c.clicks) / nullif(sum(c.opens), 0), 2) AS click_to_open_pct
FROM insights.campaign_daily AS c
LEFT JOIN insights.dim_campaign AS d USING (campaign_id)
GROUP BY ALL
ORDER BY d.sent_day NULLS LAST, c.campaign_id, c.audience;
