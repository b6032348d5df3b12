-- KPI: customers and predicted CLV per decile (1 = highest CLV) for every CLV fit, with
-- each decile's share of the fit's predicted value: trends that survive refits.
-- Reads insights.fact_clv_deciles (job insights_clv_deciles, daily).
SELECT fit_id, fitted_at, decile, customers,
       round(clv_total, 2) AS clv_total, round(clv_mean, 2) AS clv_mean,
       round(100.0 * clv_total / sum(clv_total) OVER (PARTITION BY fit_id), 2)
           AS share_of_clv_pct,
       round(p_alive_mean, 4) AS p_alive_mean
FROM insights.fact_clv_deciles
ORDER BY fit_id DESC, decile;
