import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { accountId, CURRENCIES, generateDailyDatasets, instrumentId, mulberry32, writeDailyDatasets, writeReferenceParquet } from "../../datagen";
import { path, query } from "../engine/query";

const base = { seed: 5, runDate: "2026-12-03", trades: 500, accounts: 100, instruments: 60 };

function rows(content: string): string[][] {
  return content
    .trim()
    .split("\n")
    .map((l) => l.split(","));
}

describe("mulberry32", () => {
  test("is deterministic per seed and stays in [0, 1)", () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const values = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(values);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(mulberry32(43)()).not.toBe(values[0]);
  });
});

describe("generateDailyDatasets", () => {
  test("the same options give the same bytes; another seed gives other data", () => {
    expect(generateDailyDatasets(base)).toEqual(generateDailyDatasets(base));
    expect(generateDailyDatasets({ ...base, seed: 6 }).datasets.trades[0].content).not.toBe(generateDailyDatasets(base).datasets.trades[0].content);
  });

  test("writes the contract's headers, unique trade ids, both sides and UTC timestamps of the run date", () => {
    const day = generateDailyDatasets({ ...base, tradeFiles: 3 });
    expect(day.datasets.trades).toHaveLength(3);
    const trades = day.datasets.trades.flatMap((f) => {
      const [header, ...body] = rows(f.content);
      expect(header).toEqual(["trade_id", "account_id", "instrument_id", "side", "quantity", "price", "trade_ts"]);
      return body;
    });
    expect(trades).toHaveLength(500);
    expect(new Set(trades.map((t) => t[0])).size).toBe(500);
    expect(new Set(trades.map((t) => t[3]))).toEqual(new Set(["BUY", "SELL"]));
    for (const t of trades) {
      expect(Number(t[4])).toBeGreaterThanOrEqual(0);
      expect(Number(t[5])).toBeGreaterThan(0);
      expect(t[6]).toMatch(/^2026-12-03T\d{2}:\d{2}:\d{2}Z$/);
    }
    expect(rows(day.datasets.market_prices[0].content)[0]).toEqual(["instrument_id", "close_price", "currency"]);
    expect(rows(day.datasets.fx_rates[0].content)[0]).toEqual(["currency", "usd_rate"]);
  });

  test("prices in several currencies including USD, which has no fx row", () => {
    const day = generateDailyDatasets(base);
    const currencies = new Set(
      rows(day.datasets.market_prices[0].content)
        .slice(1)
        .map((r) => r[2]),
    );
    expect(currencies).toEqual(new Set(CURRENCIES));
    const rated = rows(day.datasets.fx_rates[0].content)
      .slice(1)
      .map((r) => r[0]);
    expect(rated).not.toContain("USD");
    expect(new Set(rated)).toEqual(new Set(CURRENCIES.filter((c) => c !== "USD")));
  });

  test("hits each exception reason as many times as asked and says so", () => {
    const exceptions = { UNKNOWN_ACCOUNT: 7, UNKNOWN_INSTRUMENT: 5, MISSING_PRICE: 3, MISSING_FX_RATE: 2 };
    const day = generateDailyDatasets({ ...base, exceptions });
    expect(day.expected).toEqual({ trades: 500, exposures: 483, exceptions });
    const trades = rows(day.datasets.trades[0].content).slice(1);
    const priced = new Map(
      rows(day.datasets.market_prices[0].content)
        .slice(1)
        .map((r) => [r[0], r[2]]),
    );
    const rated = new Set([
      "USD",
      ...rows(day.datasets.fx_rates[0].content)
        .slice(1)
        .map((r) => r[0]),
    ]);
    const known = (id: string, count: number) => Number(id.slice(3)) < count;
    const counted = { UNKNOWN_ACCOUNT: 0, UNKNOWN_INSTRUMENT: 0, MISSING_PRICE: 0, MISSING_FX_RATE: 0 };
    for (const [, account, instrument] of trades) {
      if (!known(account, base.accounts)) counted.UNKNOWN_ACCOUNT++;
      else if (!known(instrument, base.instruments)) counted.UNKNOWN_INSTRUMENT++;
      else if (!priced.has(instrument)) counted.MISSING_PRICE++;
      else if (!rated.has(priced.get(instrument) as string)) counted.MISSING_FX_RATE++;
    }
    expect(counted).toEqual(exceptions);
  });

  test("refuses impossible options, naming the option", () => {
    expect(() => generateDailyDatasets({ ...base, trades: 3, exceptions: { UNKNOWN_ACCOUNT: 4 } })).toThrow("4 exception trades requested but only 3 trades");
    expect(() => generateDailyDatasets({ ...base, accounts: 0 })).toThrow("accounts must be a whole number >= 1, got 0");
    expect(() => generateDailyDatasets({ ...base, instruments: 2, exceptions: { MISSING_PRICE: 1, MISSING_FX_RATE: 1 } })).toThrow(
      "instruments (2) must exceed the 2 reserved",
    );
  });
});

describe("writing files", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "datagen-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("daily files land under the landing layout with their keys and sizes", async () => {
    const written = await writeDailyDatasets(generateDailyDatasets({ ...base, tradeFiles: 2 }), dir);
    expect(written.trades.map((f) => f.key)).toEqual([
      "incoming/finance-risk/trades/run_date=2026-12-03/trades-000.csv",
      "incoming/finance-risk/trades/run_date=2026-12-03/trades-001.csv",
    ]);
    expect(written.fx_rates[0].path).toBe(join(dir, "incoming/finance-risk/fx_rates/run_date=2026-12-03/fx_rates.csv"));
    expect(written.fx_rates[0].bytes).toBeGreaterThan(0);
  });

  test("references are Parquet with the documented ids and attributes", async () => {
    const files = await writeReferenceParquet({ accounts: 1000, instruments: 50 }, join(dir, "reference"));
    const accounts = await query(
      `SELECT count(*) AS n, count(DISTINCT account_id) AS ids, min(account_id) AS lo, max(account_id) AS hi FROM read_parquet(${path(files.accounts[0])})`,
    );
    expect(accounts).toEqual([{ n: 1000n, ids: 1000n, lo: accountId(0), hi: accountId(999) }]);
    const a7 = await query(`SELECT * FROM read_parquet(${path(files.accounts[0])}) WHERE account_id = '${accountId(7)}'`);
    expect(a7).toEqual([{ account_id: "ACC0000000007", customer_id: "CUS000000003", risk_tier: "MEDIUM", region: "APAC" }]);
    const i5 = await query(`SELECT * FROM read_parquet(${path(files.instruments[0])}) WHERE instrument_id = '${instrumentId(5)}'`);
    expect(i5).toEqual([{ instrument_id: "INS00000005", asset_class: "BOND", issuer: "ISS00005" }]);
  });
});
