-- KPI: overlap of every pair of saved audiences at the latest refresh: members of each,
-- members of both, and the Jaccard index (both / either) in percent. Empty until
-- audiences are refreshed.
-- Reads insights.fact_audience_overlap (job insights_audiences, daily).
SELECT day AS as_of, audience_a, audience_b, members_a, members_b, members_both,
       members_a + members_b - members_both AS members_either,
       round(100.0 * members_both / nullif(members_a + members_b - members_both, 0), 2)
           AS jaccard_pct
FROM insights.fact_audience_overlap
WHERE day = (SELECT max(day) FROM insights.fact_audience_overlap)
ORDER BY jaccard_pct DESC NULLS LAST, audience_a, audience_b;
