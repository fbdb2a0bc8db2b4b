/**
 * Deterministic synthetic data for the finance-risk pipeline: the three daily datasets as CSV text
 * and the two reference datasets as Parquet (written by DuckDB from range(), so ten million
 * accounts take seconds). The same seed gives the same bytes. The generator also says what the
 * join must produce, so the smoke test, the local runtime and tests can verify a run.
 *
 * Identifier scheme (the references are generated from it, without storing the daily side):
 * account i is `accountId(i)` for 0 <= i < accounts, instrument j is `instrumentId(j)` for
 * 0 <= j < instruments. Ids at or beyond those counts are unknown on purpose.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { landingPrefix } from "../lambdas/shared/contracts";

export const EXCEPTION_REASONS = ["UNKNOWN_ACCOUNT", "UNKNOWN_INSTRUMENT", "MISSING_PRICE", "MISSING_FX_RATE"] as const;
export type ExceptionReason = (typeof EXCEPTION_REASONS)[number];

/** Currencies of priced instruments; every one but USD has an fx_rates row (USD is valued at 1). */
export const CURRENCIES = ["USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD"] as const;
/** Currency of the instruments whose trades end as MISSING_FX_RATE: never in fx_rates. */
export const UNRATED_CURRENCY = "XTS";

export const DAILY_DATASETS = ["trades", "market_prices", "fx_rates"] as const;
export type DailyDataset = (typeof DAILY_DATASETS)[number];

export interface DatagenOptions {
  /** PRNG seed (any 32-bit integer). */
  readonly seed: number;
  /** Business date the trades belong to, YYYY-MM-DD. */
  readonly runDate: string;
  /** Number of trades of the day. */
  readonly trades: number;
  /** Rows of the accounts reference. */
  readonly accounts: number;
  /** Rows of the instruments reference. */
  readonly instruments: number;
  /** How many trades end in each exception reason. Default: none. */
  readonly exceptions?: Partial<Record<ExceptionReason, number>>;
  /** Instruments with a market price that valid trades draw from. Default: up to 1000. */
  readonly pricedInstruments?: number;
  /** Files the trades are split into (a multi-file upload). Default: 1. */
  readonly tradeFiles?: number;
}

export interface GeneratedFile {
  readonly fileName: string;
  readonly content: string;
}

export interface ExpectedResult {
  readonly trades: number;
  readonly exposures: number;
  readonly exceptions: Readonly<Record<ExceptionReason, number>>;
}

export interface GeneratedDay {
  readonly runDate: string;
  readonly datasets: Readonly<Record<DailyDataset, readonly GeneratedFile[]>>;
  readonly expected: ExpectedResult;
}

/** mulberry32: a tiny, fast 32-bit PRNG; good enough for test data and identical everywhere. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function accountId(index: number): string {
  return `ACC${String(index).padStart(10, "0")}`;
}

export function instrumentId(index: number): string {
  return `INS${String(index).padStart(8, "0")}`;
}

const MAX_RESERVED = 16;

function wholeNumber(value: number, name: string, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new Error(`datagen: ${name} must be a whole number >= ${min}, got ${value}`);
}

interface Layout {
  readonly priced: number;
  readonly missingPrice: number;
  readonly missingFx: number;
  readonly counts: Record<ExceptionReason, number>;
  readonly valid: number;
}

function layout(opts: DatagenOptions): Layout {
  wholeNumber(opts.trades, "trades", 0);
  wholeNumber(opts.accounts, "accounts", 1);
  wholeNumber(opts.instruments, "instruments", 1);
  wholeNumber(opts.tradeFiles ?? 1, "tradeFiles", 1);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(opts.runDate)) throw new Error(`datagen: runDate must be YYYY-MM-DD, got ${JSON.stringify(opts.runDate)}`);
  const counts = Object.fromEntries(EXCEPTION_REASONS.map((r) => [r, opts.exceptions?.[r] ?? 0])) as Record<ExceptionReason, number>;
  for (const r of EXCEPTION_REASONS) wholeNumber(counts[r], `exceptions.${r}`, 0);
  const exceptions = EXCEPTION_REASONS.reduce((sum, r) => sum + counts[r], 0);
  if (exceptions > opts.trades) throw new Error(`datagen: ${exceptions} exception trades requested but only ${opts.trades} trades`);
  // Instruments without a price, and instruments priced in a currency without a rate, are kept
  // apart from the priced ones valid trades use, so each exception trade has exactly its reason.
  const missingPrice = Math.min(counts.MISSING_PRICE, MAX_RESERVED);
  const missingFx = Math.min(counts.MISSING_FX_RATE, MAX_RESERVED);
  const available = opts.instruments - missingPrice - missingFx;
  const priced = Math.min(opts.pricedInstruments ?? 1000, available);
  if (priced < 1)
    throw new Error(
      `datagen: instruments (${opts.instruments}) must exceed the ${missingPrice + missingFx} reserved for MISSING_PRICE and MISSING_FX_RATE trades`,
    );
  return { priced, missingPrice, missingFx, counts, valid: opts.trades - exceptions };
}

type Kind = ExceptionReason | "VALID";

function fixed(value: number, digits: number): string {
  return value.toFixed(digits);
}

/** Generates one day of trades, market prices and FX rates, and what the join must produce from them. */
export function generateDailyDatasets(opts: DatagenOptions): GeneratedDay {
  const plan = layout(opts);
  const rng = mulberry32(opts.seed);
  const pick = (n: number) => Math.floor(rng() * n);

  const kinds: Kind[] = [];
  for (let i = 0; i < plan.valid; i++) kinds.push("VALID");
  for (const r of EXCEPTION_REASONS) for (let i = 0; i < plan.counts[r]; i++) kinds.push(r);
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = pick(i + 1);
    const swap = kinds[i];
    kinds[i] = kinds[j];
    kinds[j] = swap;
  }

  const currencies = Array.from({ length: plan.priced }, () => CURRENCIES[pick(CURRENCIES.length)]);
  const firstMissingPrice = plan.priced;
  const firstMissingFx = plan.priced + plan.missingPrice;
  const knownAccount = () => accountId(pick(opts.accounts));
  const pricedInstrument = () => instrumentId(pick(plan.priced));
  let unknownAccounts = 0;
  let unknownInstruments = 0;
  const unknownAccount = () => accountId(opts.accounts + unknownAccounts++);
  const unknownInstrument = () => instrumentId(opts.instruments + unknownInstruments++);

  const header = "trade_id,account_id,instrument_id,side,quantity,price,trade_ts";
  const lines: string[] = [];
  const compactDate = opts.runDate.replaceAll("-", "");
  const two = (n: number) => (n < 10 ? `0${n}` : String(n));
  for (let i = 0; i < kinds.length; i++) {
    const kind = kinds[i];
    let account: string;
    let instrument: string;
    switch (kind) {
      case "VALID":
        account = knownAccount();
        instrument = pricedInstrument();
        break;
      case "UNKNOWN_ACCOUNT":
        // Every other one also has an unknown instrument: the first reason must win.
        account = unknownAccount();
        instrument = i % 2 === 0 ? unknownInstrument() : pricedInstrument();
        break;
      case "UNKNOWN_INSTRUMENT":
        account = knownAccount();
        instrument = unknownInstrument();
        break;
      case "MISSING_PRICE":
        account = knownAccount();
        instrument = instrumentId(firstMissingPrice + pick(plan.missingPrice));
        break;
      case "MISSING_FX_RATE":
        account = knownAccount();
        instrument = instrumentId(firstMissingFx + pick(plan.missingFx));
        break;
    }
    const side = rng() < 0.5 ? "BUY" : "SELL";
    const quantity = fixed(rng() * 10000, 2);
    const price = fixed(1 + rng() * 999, 4);
    const seconds = pick(86400);
    const time = `${two(Math.floor(seconds / 3600))}:${two(Math.floor(seconds / 60) % 60)}:${two(seconds % 60)}`;
    lines.push(`T${compactDate}-${String(i).padStart(9, "0")},${account},${instrument},${side},${quantity},${price},${opts.runDate}T${time}Z`);
  }

  const files = opts.tradeFiles ?? 1;
  const perFile = Math.ceil(lines.length / files);
  const trades: GeneratedFile[] = [];
  for (let f = 0; f < files; f++) {
    const part = lines.slice(f * perFile, (f + 1) * perFile);
    trades.push({ fileName: files === 1 ? "trades.csv" : `trades-${String(f).padStart(3, "0")}.csv`, content: `${[header, ...part].join("\n")}\n` });
  }

  const prices = ["instrument_id,close_price,currency"];
  for (let j = 0; j < plan.priced; j++) prices.push(`${instrumentId(j)},${fixed(1 + rng() * 999, 4)},${currencies[j]}`);
  for (let j = 0; j < plan.missingFx; j++) prices.push(`${instrumentId(firstMissingFx + j)},${fixed(1 + rng() * 999, 4)},${UNRATED_CURRENCY}`);
  const rates = ["currency,usd_rate"];
  for (const c of CURRENCIES) if (c !== "USD") rates.push(`${c},${fixed(0.005 + rng() * 1.5, 6)}`);

  return {
    runDate: opts.runDate,
    datasets: {
      trades,
      market_prices: [{ fileName: "market_prices.csv", content: `${prices.join("\n")}\n` }],
      fx_rates: [{ fileName: "fx_rates.csv", content: `${rates.join("\n")}\n` }],
    },
    expected: { trades: opts.trades, exposures: plan.valid, exceptions: plan.counts },
  };
}

/**
 * Writes a generated day as the landing layout would hold it, under `dir`:
 * <dir>/incoming/<pipeline>/<dataset>/run_date=D/<file>. Returns the written files by dataset,
 * with their would-be object keys.
 */
export async function writeDailyDatasets(
  day: GeneratedDay,
  dir: string,
  pipeline = "finance-risk",
): Promise<Record<DailyDataset, { key: string; path: string; bytes: number }[]>> {
  const written = {} as Record<DailyDataset, { key: string; path: string; bytes: number }[]>;
  for (const dataset of DAILY_DATASETS) {
    const prefix = landingPrefix(pipeline, dataset, day.runDate);
    await mkdir(join(dir, prefix), { recursive: true });
    written[dataset] = [];
    for (const file of day.datasets[dataset]) {
      const key = `${prefix}${file.fileName}`;
      const path = join(dir, key);
      await writeFile(path, file.content);
      written[dataset].push({ key, path, bytes: Buffer.byteLength(file.content) });
    }
  }
  return written;
}

export interface ReferenceFiles {
  readonly accounts: readonly string[];
  readonly instruments: readonly string[];
}

/**
 * Writes the reference datasets as Parquet with DuckDB, row by row from range() in SQL:
 * <dir>/accounts/part-00000.parquet (account_id, customer_id, risk_tier, region) and
 * <dir>/instruments/part-00000.parquet (instrument_id, asset_class, issuer).
 * Account i: customer CUS<i div 2>, risk tier LOW/MEDIUM/HIGH by i mod 3, region EMEA/AMER/APAC by
 * (i div 3) mod 3. Instrument j: asset class EQUITY/BOND/FUTURE/OPTION by j mod 4, issuer
 * ISS<j mod 997>.
 */
export async function writeReferenceParquet(opts: Pick<DatagenOptions, "accounts" | "instruments">, dir: string): Promise<ReferenceFiles> {
  wholeNumber(opts.accounts, "accounts", 1);
  wholeNumber(opts.instruments, "instruments", 1);
  const accounts = join(dir, "accounts", "part-00000.parquet");
  const instruments = join(dir, "instruments", "part-00000.parquet");
  await mkdir(join(dir, "accounts"), { recursive: true });
  await mkdir(join(dir, "instruments"), { recursive: true });
  const quote = (path: string) => `'${path.replaceAll("'", "''")}'`;
  const instance = await DuckDBInstance.create(":memory:");
  const conn = await instance.connect();
  try {
    await conn.run(
      `COPY (SELECT printf('ACC%010d', i) AS account_id, printf('CUS%09d', i // 2) AS customer_id,
              ['LOW', 'MEDIUM', 'HIGH'][i % 3 + 1] AS risk_tier, ['EMEA', 'AMER', 'APAC'][(i // 3) % 3 + 1] AS region
            FROM range(${opts.accounts}) r(i))
       TO ${quote(accounts)} (FORMAT parquet)`,
    );
    await conn.run(
      `COPY (SELECT printf('INS%08d', j) AS instrument_id, ['EQUITY', 'BOND', 'FUTURE', 'OPTION'][j % 4 + 1] AS asset_class,
              printf('ISS%05d', j % 997) AS issuer
            FROM range(${opts.instruments}) r(j))
       TO ${quote(instruments)} (FORMAT parquet)`,
    );
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  return { accounts: [accounts], instruments: [instruments] };
}
