-- valued_trades: every trade of the day, once, with everything trade_exposures.sql and
-- trade_exceptions.sql need: the account and instrument attributes (from the de-duplicated
-- references), the market price, the USD rate, the signed quantity, and exception_reason, the
-- first reason that applies of UNKNOWN_ACCOUNT, UNKNOWN_INSTRUMENT, MISSING_PRICE,
-- MISSING_FX_RATE, or NULL when the trade can be valued.
--
-- A shared view (config `views`), registered by both engines after the typed views trades,
-- market_prices, fx_rates, the references accounts and instruments (column-pruned, filtered) and
-- run_parameters, and before the outputs. The two outputs split it on exception_reason IS NULL,
-- so every trade lands in exactly one of them:
-- rows(trade_exposures) + rows(trade_exceptions) = rows(trades).
--
-- Written in the subset DuckDB and Spark SQL read the same way (see docs/adding-a-pipeline.md).
-- A view is not materialized: each output reading it is planned with its SQL inlined, so Spark
-- still prunes the columns an output does not use.
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
joined AS (
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
  j.trade_id,
  j.account_id,
  j.customer_id,
  j.risk_tier,
  j.region,
  j.instrument_id,
  j.asset_class,
  j.signed_quantity,
  j.close_price,
  j.currency,
  j.usd_rate,
  -- One CASE decides both outputs: NULL exactly when every match is there.
  CASE
    WHEN j.known_account_id IS NULL THEN 'UNKNOWN_ACCOUNT'
    WHEN j.known_instrument_id IS NULL THEN 'UNKNOWN_INSTRUMENT'
    WHEN j.priced_instrument_id IS NULL THEN 'MISSING_PRICE'
    WHEN j.usd_rate IS NULL THEN 'MISSING_FX_RATE'
  END AS exception_reason
FROM joined j
