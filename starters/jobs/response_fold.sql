-- Sends, opens and clicks per batch, event day (UTC) and campaign, for the batches
-- $FROM_BATCH < _batch_id <= $TO_BATCH. A batch folded again (after its checkpoint was
-- reset) replaces its own rows: the DELETE clears exactly the batches this run inserts.
-- insights.campaign_daily sums the batches and adds the campaign's audience.
DELETE FROM insights.fact_campaign_response
WHERE batch_id > $FROM_BATCH AND batch_id <= $TO_BATCH;

INSERT INTO insights.fact_campaign_response
SELECT _batch_id AS batch_id,
       CAST(event_ts AS DATE) AS day,
       campaign_id,
       count(*) FILTER (WHERE event_type = 'send') AS sends,
       count(*) FILTER (WHERE event_type = 'open') AS opens,
       count(*) FILTER (WHERE event_type = 'click') AS clicks
FROM email_events
WHERE _batch_id > $FROM_BATCH AND _batch_id <= $TO_BATCH
GROUP BY ALL;
