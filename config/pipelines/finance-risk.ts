import type { PipelineConfig } from "../types";

export interface FinanceRiskOptions {
  /** Bucket that already holds the reference datasets (accounts/, instruments/ as Parquet). */
  readonly referenceBucket: string;
  /** Prefix of the reference datasets inside the bucket. Default: "finance-risk/". */
  readonly referencePrefix?: string;
  /** Deadline for all three daily datasets, in seconds after the day's run starts. Default: 6 hours. */
  readonly deadlineSeconds?: number;
}

/**
 * The default example pipeline (DESIGN.md, "The default example pipeline"): trades, market prices
 * and FX rates uploaded daily, joined with accounts and instruments into trade exposures and
 * trade exceptions.
 */
export function financeRiskPipeline(options: FinanceRiskOptions): PipelineConfig {
  const prefix = options.referencePrefix ?? "finance-risk/";
  const reference = (name: string) => `s3://${options.referenceBucket}/${prefix}${name}/`;
  return {
    name: "finance-risk",
    description: "Daily trade exposures in USD by customer risk tier, and the trades that could not be valued.",
    datasets: [
      {
        name: "trades",
        format: "csv",
        columns: [
          { name: "trade_id", type: "string" },
          { name: "account_id", type: "string" },
          { name: "instrument_id", type: "string" },
          { name: "side", type: "string", allowedValues: ["BUY", "SELL"] },
          { name: "quantity", type: "decimal", min: 0 },
          { name: "price", type: "decimal", min: 0, minExclusive: true },
          { name: "trade_ts", type: "timestamp" },
        ],
        uniqueKey: ["trade_id"],
      },
      {
        name: "market_prices",
        format: "csv",
        columns: [
          { name: "instrument_id", type: "string" },
          { name: "close_price", type: "decimal", min: 0, minExclusive: true },
          { name: "currency", type: "string", pattern: "^[A-Z]{3}$" },
        ],
        uniqueKey: ["instrument_id"],
      },
      {
        name: "fx_rates",
        format: "csv",
        columns: [
          { name: "currency", type: "string", pattern: "^[A-Z]{3}$" },
          { name: "usd_rate", type: "decimal", min: 0, minExclusive: true },
        ],
        uniqueKey: ["currency"],
      },
    ],
    references: [
      {
        name: "accounts",
        location: reference("accounts"),
        format: "parquet",
        columns: ["account_id", "customer_id", "risk_tier", "region"],
      },
      {
        name: "instruments",
        location: reference("instruments"),
        format: "parquet",
        columns: ["instrument_id", "asset_class", "issuer"],
      },
    ],
    // The joins and the exception reason both outputs share, written once.
    views: [{ name: "valued_trades", sqlFile: "valued_trades.sql" }],
    outputs: [
      { name: "trade_exposures", sqlFile: "trade_exposures.sql" },
      { name: "trade_exceptions", sqlFile: "trade_exceptions.sql" },
    ],
    rowBalance: [{ input: "trades", outputs: ["trade_exposures", "trade_exceptions"] }],
    deadlineSeconds: options.deadlineSeconds ?? 6 * 3600,
    schedule: { expectedStart: "02:00", timezone: "UTC" },
    glue: { workerType: "G.2X", maxWorkers: 20, autoscaling: true, executionClass: "STANDARD", timeoutMinutes: 240 },
    spark: {
      adaptiveExecution: true,
      broadcastThresholdBytes: 256 * 1024 * 1024,
      broadcastDatasets: ["market_prices", "fx_rates"],
      shufflePartitions: 400,
    },
  };
}
