-- trade_exposures: one row per trade of the day that matches an account, an instrument, a market
-- price and a USD rate, valued in USD.
--
-- Reads the shared view valued_trades (valued_trades.sql: the joins with the de-duplicated
-- references, prices and FX rates, and the exception reason) and the one-row view
-- run_parameters(run_date, execution_name) that both engines register for the run.
-- trade_exceptions.sql takes exactly the other trades of the same view.
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
FROM valued_trades v
CROSS JOIN run_parameters p
WHERE v.exception_reason IS NULL
