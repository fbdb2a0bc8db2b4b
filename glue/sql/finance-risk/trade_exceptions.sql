-- trade_exceptions: every trade of the day that trade_exposures.sql cannot value, with the first
-- reason that applies, in this order: UNKNOWN_ACCOUNT, UNKNOWN_INSTRUMENT, MISSING_PRICE,
-- MISSING_FX_RATE.
--
-- Reads the shared view valued_trades (valued_trades.sql decides the reason) and run_parameters.
-- The WHERE below is the exact complement of trade_exposures.sql's, so
-- rows(trade_exposures) + rows(trade_exceptions) = rows(trades).
SELECT
  p.run_date,
  v.trade_id,
  v.account_id,
  v.instrument_id,
  v.exception_reason AS reason
FROM valued_trades v
CROSS JOIN run_parameters p
WHERE v.exception_reason IS NOT NULL
