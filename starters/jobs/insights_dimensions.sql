-- Today is CAST(CAST(now() AS TIMESTAMP) AS DATE), the UTC date (current_date needs the ICU
-- extension, which clvdesk does not bundle).
-- Dates from the first signup or campaign to today (UTC).
DELETE FROM insights.dim_date;
INSERT INTO insights.dim_date
SELECT CAST(d AS DATE) AS day, year(d), quarter(d), month(d),
       CAST(date_trunc('month', d) AS DATE), weekofyear(d),
       CAST(date_trunc('week', d) AS DATE), dayname(d)
FROM range(
    CAST(coalesce(least((SELECT min(signup_date) FROM customers),
                        (SELECT CAST(min(sent_at) AS DATE) FROM email_campaigns)),
                  CAST(CAST(now() AS TIMESTAMP) AS DATE)) AS TIMESTAMP),
    CAST(CAST(CAST(now() AS TIMESTAMP) AS DATE) + 1 AS TIMESTAMP),
    INTERVAL 1 DAY) AS t(d);

-- One row per campaign (the latest send time wins should a campaign be loaded twice).
DELETE FROM insights.dim_campaign;
INSERT INTO insights.dim_campaign
SELECT campaign_id, name, subject, sent_at, CAST(sent_at AS DATE), audience
FROM email_campaigns
QUALIFY row_number() OVER (PARTITION BY campaign_id ORDER BY sent_at DESC) = 1;

-- The audiences campaigns were sent to (saved audiences are added by insights_audiences).
DELETE FROM insights.dim_audience WHERE source = 'campaign';
INSERT INTO insights.dim_audience
SELECT DISTINCT audience, 'campaign' FROM email_campaigns WHERE audience IS NOT NULL;

DELETE FROM insights.dim_loyalty_status;
INSERT INTO insights.dim_loyalty_status
SELECT DISTINCT loyalty_status,
       CASE loyalty_status WHEN 'Star' THEN 1 WHEN 'Nova' THEN 2 WHEN 'Aurora' THEN 3 END
FROM customers WHERE loyalty_status IS NOT NULL;
