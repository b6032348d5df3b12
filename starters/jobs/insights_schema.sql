-- The insights model: small dimension and fact tables that the dashboards and the KPI
-- queries (queries/kpi/) read. Every fact is keyed so that a re-run replaces what it
-- recomputes (a day, a fit, a batch) instead of adding to it, and the primary keys make a
-- double write fail loudly instead of doubling a number.
CREATE SCHEMA IF NOT EXISTS insights;

-- Dimensions (insights_dimensions rebuilds the first four, the audience and destination
-- jobs add what the audiences feature knows).
CREATE TABLE IF NOT EXISTS insights.dim_date (
    day DATE PRIMARY KEY,
    year INTEGER NOT NULL,
    quarter INTEGER NOT NULL,
    month INTEGER NOT NULL,
    month_start DATE NOT NULL,
    iso_week INTEGER NOT NULL,
    week_start DATE NOT NULL,
    day_of_week VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS insights.dim_campaign (
    campaign_id BIGINT PRIMARY KEY,
    name VARCHAR,
    subject VARCHAR,
    sent_at TIMESTAMP,
    sent_day DATE,
    audience VARCHAR
);
-- source: 'campaign' (email_campaigns.audience) or 'segment' (a saved audience).
CREATE TABLE IF NOT EXISTS insights.dim_audience (
    audience VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    PRIMARY KEY (source, audience)
);
CREATE TABLE IF NOT EXISTS insights.dim_destination (destination VARCHAR PRIMARY KEY);
CREATE TABLE IF NOT EXISTS insights.dim_loyalty_status (
    loyalty_status VARCHAR PRIMARY KEY,
    tier_rank INTEGER
);

-- Profiles (customers) signed up by each day, per current loyalty status.
CREATE TABLE IF NOT EXISTS insights.fact_profiles_daily (
    day DATE NOT NULL,
    loyalty_status VARCHAR NOT NULL,
    profiles BIGINT NOT NULL,
    new_profiles BIGINT NOT NULL,
    PRIMARY KEY (day, loyalty_status)
);
-- Saved audiences: members per audience on the day of each refresh.
CREATE TABLE IF NOT EXISTS insights.fact_audience_daily (
    day DATE NOT NULL,
    audience VARCHAR NOT NULL,
    members BIGINT NOT NULL,
    entered BIGINT NOT NULL,
    exited BIGINT NOT NULL,
    PRIMARY KEY (day, audience)
);
-- Every pair of saved audiences (audience_a < audience_b), members in both.
CREATE TABLE IF NOT EXISTS insights.fact_audience_overlap (
    day DATE NOT NULL,
    audience_a VARCHAR NOT NULL,
    audience_b VARCHAR NOT NULL,
    members_a BIGINT NOT NULL,
    members_b BIGINT NOT NULL,
    members_both BIGINT NOT NULL,
    PRIMARY KEY (day, audience_a, audience_b)
);
-- Profiles exported per destination, audience and day (from the export log).
CREATE TABLE IF NOT EXISTS insights.fact_exports_daily (
    day DATE NOT NULL,
    destination VARCHAR NOT NULL,
    audience VARCHAR NOT NULL,
    exports BIGINT NOT NULL,
    profiles_exported BIGINT NOT NULL,
    profiles_dropped BIGINT NOT NULL,
    PRIMARY KEY (day, destination, audience)
);
-- Email responses per ingest batch, event day and campaign (response_fold, incremental),
-- kept per batch so folding a batch again replaces it. Read insights.campaign_daily.
CREATE TABLE IF NOT EXISTS insights.fact_campaign_response (
    batch_id BIGINT NOT NULL,
    day DATE NOT NULL,
    campaign_id BIGINT NOT NULL,
    sends BIGINT NOT NULL,
    opens BIGINT NOT NULL,
    clicks BIGINT NOT NULL,
    PRIMARY KEY (batch_id, day, campaign_id)
);
-- Sends / opens / clicks per campaign x audience x day (the campaign's audience).
CREATE OR REPLACE VIEW insights.campaign_daily AS
SELECT f.day, f.campaign_id, coalesce(c.audience, '(unknown campaign)') AS audience,
       sum(f.sends)::BIGINT AS sends, sum(f.opens)::BIGINT AS opens,
       sum(f.clicks)::BIGINT AS clicks
FROM insights.fact_campaign_response f
LEFT JOIN insights.dim_campaign c USING (campaign_id)
GROUP BY ALL;
-- Customers and predicted CLV per decile (1 = highest CLV) of each CLV fit.
CREATE TABLE IF NOT EXISTS insights.fact_clv_deciles (
    fit_id BIGINT NOT NULL,
    fitted_at TIMESTAMP NOT NULL,
    decile INTEGER NOT NULL,
    customers BIGINT NOT NULL,
    clv_total DOUBLE,
    clv_mean DOUBLE,
    clv_min DOUBLE,
    clv_max DOUBLE,
    p_alive_mean DOUBLE,
    expected_purchases DOUBLE,
    PRIMARY KEY (fit_id, decile)
);
-- How far each incremental job has processed its source, and what is waiting.
CREATE OR REPLACE VIEW insights.watermarks AS
SELECT c.job, c.source_table, c.batch_column, c.last_batch_id,
       b.loaded_at AS last_batch_loaded_at,
       p.latest_batch_id,
       coalesce(p.pending_batches, 0)::BIGINT AS pending_batches,
       coalesce(p.pending_rows, 0)::BIGINT AS pending_rows,
       c.last_rows, c.total_rows, c.updated_at
FROM clvdesk_meta.checkpoints c
LEFT JOIN clvdesk_meta.ingest_batches b ON b.batch_id = c.last_batch_id
LEFT JOIN LATERAL (
    SELECT max(i.batch_id) AS latest_batch_id,
           count(*) FILTER (WHERE i.batch_id > c.last_batch_id) AS pending_batches,
           sum(i.rows) FILTER (WHERE i.batch_id > c.last_batch_id) AS pending_rows
    FROM clvdesk_meta.ingest_batches i
    WHERE lower(i.table_name) = c.source_table
) p ON true;
