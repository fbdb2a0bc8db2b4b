-- trade_exceptions: every trade of the day that trade_exposures.sql cannot value, with the first
-- reason that applies, in this order: UNKNOWN_ACCOUNT, UNKNOWN_INSTRUMENT, MISSING_PRICE,
-- MISSING_FX_RATE.
--
-- The joins and conditions are those of trade_exposures.sql (keep the two in step), and the
-- WHERE below is the exact complement of its WHERE, so
-- rows(trade_exposures) + rows(trade_exceptions) = rows(trades).
WITH day_accounts AS (
  SELECT account_id
  FROM (
    SELECT
      a.account_id,
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
  SELECT instrument_id
  FROM (
    SELECT
      i.instrument_id,
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
    i.instrument_id AS known_instrument_id,
    m.instrument_id AS priced_instrument_id,
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
  v.instrument_id,
  CASE
    WHEN v.known_account_id IS NULL THEN 'UNKNOWN_ACCOUNT'
    WHEN v.known_instrument_id IS NULL THEN 'UNKNOWN_INSTRUMENT'
    WHEN v.priced_instrument_id IS NULL THEN 'MISSING_PRICE'
    ELSE 'MISSING_FX_RATE'
  END AS reason
FROM valued v
CROSS JOIN run_parameters p
WHERE v.known_account_id IS NULL
  OR v.known_instrument_id IS NULL
  OR v.priced_instrument_id IS NULL
  OR v.usd_rate IS NULL
