import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { financeRiskPipeline } from "../../config";
import { generateDailyDatasets, writeDailyDatasets, writeReferenceParquet } from "../../datagen";
import { type LocalInputFile, runJoinLocal } from "../../engine/duckdb-engine";
import { buildJobSpec } from "../../engine/spec";
import { path, query, readOutput } from "../engine/query";

const SQL_DIR = join(__dirname, "../../glue/sql/finance-risk");
const RUN_DATE = "2026-12-03";
const spec = buildJobSpec(financeRiskPipeline({ referenceBucket: "reference-bucket" }));

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "finance-risk-sql-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

type Row = Record<string, string | number>;

/** Writes CSV text per dataset and references as Parquet from literal rows, then runs the pipeline on DuckDB. */
async function runDay(name: string, csv: Record<"trades" | "market_prices" | "fx_rates", string>, accounts: string[][], instruments: string[][]) {
  const dir = join(root, name);
  const inputs: Record<string, LocalInputFile[]> = {};
  for (const [dataset, content] of Object.entries(csv)) {
    const key = `incoming/finance-risk/${dataset}/run_date=${RUN_DATE}/${dataset}.csv`;
    await mkdir(join(dir, dataset), { recursive: true });
    const file = join(dir, dataset, `${dataset}.csv`);
    await writeFile(file, content);
    inputs[dataset] = [{ key, path: file, bytes: Buffer.byteLength(content) }];
  }
  const values = (rows: string[][]) => rows.map((r) => `(${r.map((v) => `'${v}'`).join(", ")})`).join(", ");
  const accountsFile = join(dir, "accounts.parquet");
  const instrumentsFile = join(dir, "instruments.parquet");
  // An extra column in each reference: the views must read only the configured ones.
  await query(
    `COPY (SELECT *, 'unused' AS opened_on FROM (VALUES ${values(accounts)}) v(account_id, customer_id, risk_tier, region)) TO ${path(accountsFile)} (FORMAT parquet)`,
  );
  await query(
    `COPY (SELECT *, 'unused' AS listed_on FROM (VALUES ${values(instruments)}) v(instrument_id, asset_class, issuer)) TO ${path(instrumentsFile)} (FORMAT parquet)`,
  );
  const outputDir = join(dir, "out");
  const manifest = await runJoinLocal({
    spec,
    sqlDir: SQL_DIR,
    runDate: RUN_DATE,
    executionName: `finance-risk-${RUN_DATE}`,
    inputs,
    references: { accounts: [accountsFile], instruments: [instrumentsFile] },
    outputDir,
    threads: 1,
  });
  return { manifest, exposures: await readOutput(outputDir, "trade_exposures"), exceptions: await readOutput(outputDir, "trade_exceptions") };
}

/** Compares rows by key, column by column: text exactly, numbers to 1e-9 relative. */
function expectRows(actual: Record<string, unknown>[], expected: Row[], key: string): void {
  expect(actual.map((r) => r[key]).sort()).toEqual(expected.map((r) => r[key]).sort());
  const byKey = new Map(actual.map((r) => [r[key], r]));
  for (const want of expected) {
    const got = byKey.get(want[key]) as Record<string, unknown>;
    expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
    for (const [column, value] of Object.entries(want)) {
      if (typeof value === "number") {
        const actualValue = got[column] as number;
        expect(typeof actualValue).toBe("number");
        const scale = Math.max(Math.abs(value), Math.abs(actualValue));
        if (Math.abs(actualValue - value) > 1e-9 * scale) throw new Error(`${key} ${want[key]} column ${column}: got ${actualValue}, expected ${value}`);
      } else {
        if (got[column] !== value)
          throw new Error(`${key} ${want[key]} column ${column}: got ${JSON.stringify(got[column])}, expected ${JSON.stringify(value)}`);
      }
    }
  }
}

describe("finance-risk SQL on DuckDB, hand-written edge cases", () => {
  const accounts = [
    ["A1", "C1", "LOW", "EMEA"],
    ["A2", "C2", "HIGH", "AMER"],
    ["A3", "C3", "MEDIUM", "APAC"],
    // The reference repeats a key: the trade must still count once (customer C8 sorts first).
    ["ADUP", "C9", "LOW", "EMEA"],
    ["ADUP", "C8", "HIGH", "APAC"],
  ];
  const instruments = [
    ["I-EUR", "EQUITY", "ISS1"],
    ["I-GBP", "BOND", "ISS2"],
    ["I-USD", "EQUITY", "ISS3"],
    ["I-NOPRICE", "BOND", "ISS4"],
    ["I-CHF", "FUTURE", "ISS5"],
    ["I-JPY", "OPTION", "ISS6"],
  ];
  const csv = {
    trades: [
      "trade_id,account_id,instrument_id,side,quantity,price,trade_ts",
      "T01,A1,I-EUR,BUY,100,12.4,2026-12-03T09:00:00Z",
      "T02,A2,I-GBP,SELL,40.5,80,2026-12-03T09:01:00Z",
      "T03,A3,I-USD,BUY,7,101,2026-12-03T09:02:00.250Z",
      "T04,A9,I-EUR,BUY,1,12,2026-12-03T09:03:00Z",
      "T05,A1,I-UNREF,BUY,1,10,2026-12-03T09:04:00Z",
      "T06,A2,I-NOPRICE,SELL,3,5,2026-12-03T09:05:00Z",
      "T07,A3,I-CHF,BUY,2,33,2026-12-03T09:06:00Z",
      "T08,A9,I-NOWHERE,BUY,1,1,2026-12-03T09:07:00Z",
      "T09,A1,I-NOWHERE,SELL,1,1,2026-12-03T09:08:00Z",
      "T10,ADUP,I-JPY,BUY,0,1500,2026-12-03T09:09:00Z",
      "T11,ADUP,I-JPY,SELL,250,1499.5,2026-12-03 09:10:00",
      "T12,A2,I-USD,SELL,3.25,101.5,2026-12-03T09:11:00+00:00",
      "",
    ].join("\n"),
    market_prices: [
      "instrument_id,close_price,currency",
      "I-EUR,12.5,EUR",
      "I-GBP,80.25,GBP",
      "I-USD,101.5,USD",
      "I-CHF,33,CHF",
      "I-JPY,1500,JPY",
      "I-UNREF,10,EUR",
      "",
    ].join("\n"),
    fx_rates: ["currency,usd_rate", "EUR,1.08", "GBP,1.27", "JPY,0.0067", ""].join("\n"),
  };
  let result: Awaited<ReturnType<typeof runDay>>;
  beforeAll(async () => {
    result = await runDay("edge", csv, accounts, instruments);
  });

  test("values each matched trade in USD: SELL negative, USD at rate 1 without an fx row, several currencies", () => {
    const base = { run_date: RUN_DATE };
    expectRows(
      result.exposures,
      [
        {
          ...base,
          trade_id: "T01",
          account_id: "A1",
          customer_id: "C1",
          risk_tier: "LOW",
          region: "EMEA",
          instrument_id: "I-EUR",
          asset_class: "EQUITY",
          signed_quantity: 100,
          close_price: 12.5,
          currency: "EUR",
          usd_rate: 1.08,
          exposure_usd: 100 * 12.5 * 1.08,
        },
        {
          ...base,
          trade_id: "T02",
          account_id: "A2",
          customer_id: "C2",
          risk_tier: "HIGH",
          region: "AMER",
          instrument_id: "I-GBP",
          asset_class: "BOND",
          signed_quantity: -40.5,
          close_price: 80.25,
          currency: "GBP",
          usd_rate: 1.27,
          exposure_usd: -40.5 * 80.25 * 1.27,
        },
        {
          ...base,
          trade_id: "T03",
          account_id: "A3",
          customer_id: "C3",
          risk_tier: "MEDIUM",
          region: "APAC",
          instrument_id: "I-USD",
          asset_class: "EQUITY",
          signed_quantity: 7,
          close_price: 101.5,
          currency: "USD",
          usd_rate: 1,
          exposure_usd: 7 * 101.5 * 1,
        },
        {
          ...base,
          trade_id: "T10",
          account_id: "ADUP",
          customer_id: "C8",
          risk_tier: "HIGH",
          region: "APAC",
          instrument_id: "I-JPY",
          asset_class: "OPTION",
          signed_quantity: 0,
          close_price: 1500,
          currency: "JPY",
          usd_rate: 0.0067,
          exposure_usd: 0,
        },
        {
          ...base,
          trade_id: "T11",
          account_id: "ADUP",
          customer_id: "C8",
          risk_tier: "HIGH",
          region: "APAC",
          instrument_id: "I-JPY",
          asset_class: "OPTION",
          signed_quantity: -250,
          close_price: 1500,
          currency: "JPY",
          usd_rate: 0.0067,
          exposure_usd: -250 * 1500 * 0.0067,
        },
        {
          ...base,
          trade_id: "T12",
          account_id: "A2",
          customer_id: "C2",
          risk_tier: "HIGH",
          region: "AMER",
          instrument_id: "I-USD",
          asset_class: "EQUITY",
          signed_quantity: -3.25,
          close_price: 101.5,
          currency: "USD",
          usd_rate: 1,
          exposure_usd: -3.25 * 101.5 * 1,
        },
      ],
      "trade_id",
    );
  });

  test("gives every other trade the first reason that applies, in the documented order", () => {
    const row = (trade_id: string, account_id: string, instrument_id: string, reason: string) => ({
      run_date: RUN_DATE,
      trade_id,
      account_id,
      instrument_id,
      reason,
    });
    expectRows(
      result.exceptions,
      [
        row("T04", "A9", "I-EUR", "UNKNOWN_ACCOUNT"),
        row("T05", "A1", "I-UNREF", "UNKNOWN_INSTRUMENT"),
        row("T06", "A2", "I-NOPRICE", "MISSING_PRICE"),
        row("T07", "A3", "I-CHF", "MISSING_FX_RATE"),
        // Unknown account and unknown instrument without a price: the account check comes first.
        row("T08", "A9", "I-NOWHERE", "UNKNOWN_ACCOUNT"),
        // Unknown instrument and no price: the instrument check comes first.
        row("T09", "A1", "I-NOWHERE", "UNKNOWN_INSTRUMENT"),
      ],
      "trade_id",
    );
  });

  test("loses no trade: exposures plus exceptions equal the trades, in the files and in the manifest", () => {
    expect(result.exposures.length + result.exceptions.length).toBe(12);
    const rows = Object.fromEntries(result.manifest.outputs.map((o) => [o.name, o.rows]));
    expect(rows).toEqual({ trade_exposures: 6, trade_exceptions: 6 });
    expect(result.manifest.inputs.find((i) => i.dataset === "trades")?.rows).toBe(12);
  });
});

/** Account and instrument attributes as datagen documents them, written out again here. */
function accountAttributes(id: string) {
  const i = Number(id.slice(3));
  return {
    customer_id: `CUS${String(Math.floor(i / 2)).padStart(9, "0")}`,
    risk_tier: ["LOW", "MEDIUM", "HIGH"][i % 3],
    region: ["EMEA", "AMER", "APAC"][Math.floor(i / 3) % 3],
  };
}

function csvRows(content: string): string[][] {
  return content
    .trim()
    .split("\n")
    .slice(1)
    .map((line) => line.split(","));
}

describe("finance-risk SQL on DuckDB, generated data", () => {
  const opts = {
    seed: 20261203,
    runDate: RUN_DATE,
    trades: 3000,
    accounts: 800,
    instruments: 400,
    tradeFiles: 3,
    exceptions: { UNKNOWN_ACCOUNT: 11, UNKNOWN_INSTRUMENT: 7, MISSING_PRICE: 5, MISSING_FX_RATE: 3 },
  };

  test("produces the generator's expected counts and values recomputed from the inputs", async () => {
    const dir = join(root, "generated");
    const day = generateDailyDatasets(opts);
    const inputs = await writeDailyDatasets(day, dir);
    const references = await writeReferenceParquet(opts, join(dir, "reference"));
    const outputDir = join(dir, "out");
    const manifest = await runJoinLocal({
      spec,
      sqlDir: SQL_DIR,
      runDate: RUN_DATE,
      executionName: "finance-risk-2026-12-03",
      inputs,
      references: { ...references },
      outputDir,
      threads: 1,
    });
    const exposures = await readOutput(outputDir, "trade_exposures");
    const exceptions = await readOutput(outputDir, "trade_exceptions");
    expect(exposures.length).toBe(day.expected.exposures);
    expect(exposures.length + exceptions.length).toBe(opts.trades);
    const reasons: Record<string, number> = {};
    for (const e of exceptions) reasons[String(e.reason)] = (reasons[String(e.reason)] ?? 0) + 1;
    expect(reasons).toEqual(day.expected.exceptions);
    expect(manifest.inputs.map((i) => [i.dataset, i.rows, i.keys.length])).toEqual([
      ["trades", 3000, 3],
      // 392 priced instruments (400 minus 8 kept aside) plus 3 priced in a currency without a rate.
      ["market_prices", 395, 1],
      ["fx_rates", 6, 1],
    ]);

    const prices = new Map(csvRows(day.datasets.market_prices[0].content).map(([id, close, currency]) => [id, { close: Number(close), currency }]));
    const rates = new Map(csvRows(day.datasets.fx_rates[0].content).map(([currency, rate]) => [currency, Number(rate)]));
    const expected: Row[] = [];
    for (const file of day.datasets.trades) {
      for (const [trade_id, account_id, instrument_id, side, quantity] of csvRows(file.content)) {
        const price = prices.get(instrument_id);
        const accountIndex = Number(account_id.slice(3));
        const instrumentIndex = Number(instrument_id.slice(3));
        if (accountIndex >= opts.accounts || instrumentIndex >= opts.instruments || !price) continue;
        const rate = rates.get(price.currency) ?? (price.currency === "USD" ? 1 : undefined);
        if (rate === undefined) continue;
        const signed = side === "SELL" ? -Number(quantity) : Number(quantity);
        expected.push({
          run_date: RUN_DATE,
          trade_id,
          account_id,
          ...accountAttributes(account_id),
          instrument_id,
          asset_class: ["EQUITY", "BOND", "FUTURE", "OPTION"][instrumentIndex % 4],
          signed_quantity: signed,
          close_price: price.close,
          currency: price.currency,
          usd_rate: rate,
          exposure_usd: signed * price.close * rate,
        });
      }
    }
    expect(new Set(expected.map((r) => r.currency))).toEqual(new Set(["USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD"]));
    expectRows(exposures, expected, "trade_id");
  });
});

describe("finance-risk SQL on DuckDB, any input", () => {
  test("puts every trade in exactly one output, with the reason an independent classification gives", async () => {
    const id = fc.constantFrom("K1", "K2", "K3", "X1");
    const currency = fc.constantFrom("USD", "EUR", "XTS");
    const scenario = fc.record({
      accounts: fc.array(id, { minLength: 1, maxLength: 5 }),
      instruments: fc.array(id, { minLength: 1, maxLength: 5 }),
      prices: fc.uniqueArray(fc.tuple(id, currency), { selector: (p) => p[0], maxLength: 4 }),
      rates: fc.uniqueArray(currency, { maxLength: 3 }),
      trades: fc.array(fc.tuple(id, id, fc.boolean()), { minLength: 1, maxLength: 12 }),
    });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        run++;
        const csv = {
          trades: [
            "trade_id,account_id,instrument_id,side,quantity,price,trade_ts",
            ...s.trades.map(([a, i, sell], n) => `T${n},${a},${i},${sell ? "SELL" : "BUY"},${n + 1},2,2026-12-03T00:00:00Z`),
          ].join("\n"),
          market_prices: ["instrument_id,close_price,currency", ...s.prices.map(([i, c]) => `${i},3,${c}`)].join("\n"),
          fx_rates: ["currency,usd_rate", ...s.rates.map((c) => `${c},0.5`)].join("\n"),
        };
        // A day without prices or rates is a header-only file, which the contract rejects; keep one row.
        if (s.prices.length === 0) csv.market_prices += "\nZZ,1,USD";
        if (s.rates.length === 0) csv.fx_rates += "\nZZZ,1";
        const { exposures, exceptions } = await runDay(
          `property-${run}`,
          csv,
          s.accounts.map((a, n) => [a, `C${n}`, "LOW", "EMEA"]),
          s.instruments.map((i) => [i, "EQUITY", "ISS"]),
        );
        const priceOf = new Map(s.prices);
        const expectedReasons = new Map<string, string>();
        s.trades.forEach(([a, i], n) => {
          const priced = priceOf.get(i);
          const rated = priced !== undefined && (priced === "USD" || s.rates.includes(priced));
          const reason = !s.accounts.includes(a)
            ? "UNKNOWN_ACCOUNT"
            : !s.instruments.includes(i)
              ? "UNKNOWN_INSTRUMENT"
              : priced === undefined
                ? "MISSING_PRICE"
                : rated
                  ? "NONE"
                  : "MISSING_FX_RATE";
          expectedReasons.set(`T${n}`, reason);
        });
        const seen = [...exposures.map((e) => String(e.trade_id)), ...exceptions.map((e) => String(e.trade_id))].sort();
        expect(seen).toEqual([...expectedReasons.keys()].sort());
        for (const e of exposures) expect(expectedReasons.get(String(e.trade_id))).toBe("NONE");
        for (const e of exceptions) expect(e.reason).toBe(expectedReasons.get(String(e.trade_id)));
      }),
      { numRuns: 10, seed: 42 },
    );
  });
});
