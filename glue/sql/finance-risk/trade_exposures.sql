-- trade_exposures: one row per trade of the day that matches an account, an instrument, a market
-- price and a USD rate, valued in USD.
--
-- Reads the typed views trades, market_prices, fx_rates (the day's validated datasets), the
-- references accounts and instruments (column-pruned, filtered), and the one-row view
-- run_parameters(run_date, execution_name) that both engines register for the run.
--
-- Written in the subset DuckDB and Spark SQL read the same way (see docs/adding-a-pipeline.md).
-- trade_exceptions.sql classifies with the very same joins and conditions, so every trade lands
-- in exactly one of the two outputs.
WITH day_accounts AS (
  -- Only the accounts the day's trades use: Spark turns the IN into a semi join with the small
  -- daily side broadcast, so the terabyte reference is filtered where it is read, not shuffled.
  -- One row per account_id even if the reference repeats a key, so no trade is counted twice.
  SELECT account_id, customer_id, risk_tier, region
  FROM (
    SELECT
      a.account_id, a.customer_id, a.risk_tier, a.region,
      ROW_NUMBER() OVER (
        PARTITION BY a.account_id
        ORDER BY a.customer_id NULLS LAST, a.risk_tier NULLS LAST, a.region NULLS LAST
      ) AS account_rank
    FROM accounts a
    WHERE a.account_id IN (SELECT account_id FROM trades)
  ) ranked_accounts
  WHERE account_rank = 1
),
day_instruments AS (
  SELECT instrument_id, asset_class
  FROM (
    SELECT
      i.instrument_id, i.asset_class,
      ROW_NUMBER() OVER (PARTITION BY i.instrument_id ORDER BY i.asset_class NULLS LAST) AS instrument_rank
    FROM instruments i
    WHERE i.instrument_id IN (SELECT instrument_id FROM trades)
  ) ranked_instruments
  WHERE instrument_rank = 1
),
valued AS (
  SELECT
    t.trade_id,
    t.account_id,
    t.instrument_id,
    a.account_id AS known_account_id,
    a.customer_id,
    a.risk_tier,
    a.region,
    i.instrument_id AS known_instrument_id,
    i.asset_class,
    CASE WHEN t.side = 'SELL' THEN -t.quantity ELSE t.quantity END AS signed_quantity,
    m.instrument_id AS priced_instrument_id,
    m.close_price,
    m.currency,
    -- USD may be absent from fx_rates: its rate is 1.
    COALESCE(f.usd_rate, CASE WHEN m.currency = 'USD' THEN CAST(1 AS DOUBLE) END) AS usd_rate
  FROM trades t
  LEFT JOIN day_accounts a ON a.account_id = t.account_id
  LEFT JOIN day_instruments i ON i.instrument_id = t.instrument_id
  LEFT JOIN market_prices m ON m.instrument_id = t.instrument_id
  LEFT JOIN fx_rates f ON f.currency = m.currency
)
SELECT
  p.run_date,
  v.trade_id,
  v.account_id,
  v.customer_id,
  v.risk_tier,
  v.region,
  v.instrument_id,
  v.asset_class,
  v.signed_quantity,
  v.close_price,
  v.currency,
  v.usd_rate,
  v.signed_quantity * v.close_price * v.usd_rate AS exposure_usd
FROM valued v
CROSS JOIN run_parameters p
WHERE v.known_account_id IS NOT NULL
  AND v.known_instrument_id IS NOT NULL
  AND v.priced_instrument_id IS NOT NULL
  AND v.usd_rate IS NOT NULL
