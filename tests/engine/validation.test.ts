import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { financeRiskPipeline } from "../../config";
import type { DatasetConfig, PipelineConfig } from "../../config/types";
import { InputValidationError, type LocalInputFile, runJoinLocal } from "../../engine/duckdb-engine";
import { buildJobSpec } from "../../engine/spec";
import { compileRecordChecks, compileStructureChecks, compileTypedView, formatViolation, validationMessage } from "../../engine/validation";
import { path, query } from "./query";

const SQL_DIR = join(__dirname, "../../glue/sql/finance-risk");
const RUN_DATE = "2026-12-03";
const pipeline = financeRiskPipeline({ referenceBucket: "reference-bucket" });

const TRADES_HEADER = "trade_id,account_id,instrument_id,side,quantity,price,trade_ts";
const GOOD: Record<string, string> = {
  trades: `${TRADES_HEADER}\nT1,A1,I1,BUY,10,2.5,2026-12-03T10:00:00Z\nT2,A1,I1,SELL,5,2.5,2026-12-03T11:00:00Z\nT3,A1,I1,BUY,1,2.5,2026-12-03T12:00:00Z\n`,
  market_prices: "instrument_id,close_price,currency\nI1,2.5,EUR\n",
  fx_rates: "currency,usd_rate\nEUR,1.1\n",
};

let root: string;
let references: Record<string, string[]>;
let runs = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "validation-"));
  const accounts = join(root, "accounts.parquet");
  const instruments = join(root, "instruments.parquet");
  await query(`COPY (SELECT 'A1' AS account_id, 'C1' AS customer_id, 'LOW' AS risk_tier, 'EMEA' AS region) TO ${path(accounts)} (FORMAT parquet)`);
  await query(`COPY (SELECT 'I1' AS instrument_id, 'EQUITY' AS asset_class, 'ISS' AS issuer) TO ${path(instruments)} (FORMAT parquet)`);
  references = { accounts: [accounts], instruments: [instruments] };
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const keyOf = (dataset: string, file: string) => `incoming/finance-risk/${dataset}/run_date=${RUN_DATE}/${file}`;

/** Runs the finance-risk pipeline with the good files, replacing some datasets' files (name -> bytes). */
async function run(overrides: Record<string, Record<string, string | Buffer>>, config: PipelineConfig = pipeline) {
  const dir = join(root, `run-${++runs}`);
  const inputs: Record<string, LocalInputFile[]> = {};
  for (const dataset of ["trades", "market_prices", "fx_rates"]) {
    const files = overrides[dataset] ?? { [`${dataset}.csv`]: GOOD[dataset] };
    inputs[dataset] = [];
    for (const [name, content] of Object.entries(files)) {
      await mkdir(join(dir, dataset), { recursive: true });
      const file = join(dir, dataset, name);
      await writeFile(file, content);
      inputs[dataset].push({ key: keyOf(dataset, name), path: file, bytes: Buffer.byteLength(content) });
    }
  }
  const outputDir = join(dir, "out");
  const manifest = await runJoinLocal({
    spec: buildJobSpec(config),
    sqlDir: SQL_DIR,
    runDate: RUN_DATE,
    executionName: "test",
    inputs,
    references,
    outputDir,
    threads: 1,
  });
  return { manifest, outputDir };
}

/** Runs and returns the validation error, asserting nothing was written. */
async function rejection(overrides: Record<string, Record<string, string | Buffer>>, config?: PipelineConfig): Promise<InputValidationError> {
  const dir = join(root, `run-${runs + 1}`);
  try {
    await run(overrides, config);
  } catch (e) {
    expect(e).toBeInstanceOf(InputValidationError);
    const error = e as InputValidationError;
    expect(error.name).toBe("ValidationFailed");
    expect(error.message.startsWith("ValidationFailed: ")).toBe(true);
    expect(await readdir(dir)).not.toContain("out");
    return error;
  }
  throw new Error("expected the run to fail validation");
}

function trades(...rows: string[]): Record<string, Record<string, string>> {
  return { trades: { "trades.csv": `${[TRADES_HEADER, ...rows].join("\n")}\n` } };
}

const OK_ROW = "T1,A1,I1,BUY,10,2.5,2026-12-03T10:00:00Z";

describe("validation of the day's input (DuckDB engine, finance-risk contract)", () => {
  test("accepts the good files", async () => {
    const { manifest } = await run({});
    expect(manifest.outputs.map((o) => o.rows)).toEqual([3, 0]);
  });

  test("a missing column names dataset, key, the header line and the column", async () => {
    const e = await rejection({ trades: { "trades.csv": "trade_id,account_id,instrument_id,side,quantity,trade_ts\nT1,A1,I1,BUY,10,2026-12-03T10:00:00Z\n" } });
    expect(e.message.split("\n")[0]).toBe(
      `ValidationFailed: dataset "trades", object ${keyOf("trades", "trades.csv")}, line 1: column "price" is missing from the header`,
    );
    expect([e.dataset, e.key, e.line]).toEqual(["trades", keyOf("trades", "trades.csv"), 1]);
  });

  test("an extra column is rejected when allowExtraColumns is false (the default)", async () => {
    const e = await rejection({ trades: { "trades.csv": `${TRADES_HEADER},desk\n${OK_ROW},FX\n` } });
    expect(e.message).toContain(
      `dataset "trades", object ${keyOf("trades", "trades.csv")}, line 1: column "desk" is not declared for this dataset (allowExtraColumns is false)`,
    );
  });

  test("an extra column is accepted and ignored when allowExtraColumns is true", async () => {
    const relaxed: PipelineConfig = {
      ...pipeline,
      datasets: pipeline.datasets.map((d): DatasetConfig => (d.name === "trades" ? { ...d, allowExtraColumns: true } : d)),
    };
    const { manifest } = await run({ trades: { "trades.csv": `desk,${TRADES_HEADER}\nFX,${OK_ROW}\n` } }, relaxed);
    expect(manifest.outputs.find((o) => o.name === "trade_exposures")?.rows).toBe(1);
  });

  test("a non-numeric quantity names the line and the value", async () => {
    const e = await rejection(trades(OK_ROW, "T2,A1,I1,BUY,abc,2.5,2026-12-03T10:00:00Z"));
    expect(e.message.split("\n")[0]).toBe(
      `ValidationFailed: dataset "trades", object ${keyOf("trades", "trades.csv")}, line 3: column "quantity" value "abc" is not a decimal`,
    );
    expect([e.line, e.problem]).toEqual([3, 'column "quantity" value "abc" is not a decimal']);
  });

  test("a negative price (the minimum is exclusive) names the line and the value", async () => {
    const e = await rejection(trades(OK_ROW, OK_ROW.replace("T1", "T2"), "T3,A1,I1,SELL,1,-5,2026-12-03T10:00:00Z"));
    expect(formatViolation(e.violations[0])).toBe(
      `dataset "trades", object ${keyOf("trades", "trades.csv")}, line 4: column "price" value "-5" must be greater than 0`,
    );
  });

  test("a negative quantity is below its inclusive minimum, while zero passes", async () => {
    const e = await rejection(trades("T1,A1,I1,BUY,0,2.5,2026-12-03T10:00:00Z", "T2,A1,I1,BUY,-0.5,2.5,2026-12-03T10:00:00Z"));
    expect(e.total).toBe(1);
    expect(e.message).toContain(`dataset "trades", object ${keyOf("trades", "trades.csv")}, line 3: column "quantity" value "-0.5" is below the minimum 0`);
  });

  test("a side other than BUY or SELL names the line and the value", async () => {
    const e = await rejection(trades(OK_ROW, "T2,A1,I1,HOLD,1,2.5,2026-12-03T10:00:00Z"));
    expect(e.message).toContain(`dataset "trades", object ${keyOf("trades", "trades.csv")}, line 3: column "side" value "HOLD" is not one of BUY, SELL`);
  });

  test("a duplicate trade_id names the line of the repeat, also across files of one upload", async () => {
    const e = await rejection({
      trades: {
        "part-1.csv": `${TRADES_HEADER}\n${OK_ROW}\n`,
        "part-2.csv": `${TRADES_HEADER}\nT9,A1,I1,BUY,1,2.5,2026-12-03T10:00:00Z\n${OK_ROW}\n`,
      },
    });
    expect(e.total).toBe(1);
    expect(e.message.split("\n")[0]).toBe(
      `ValidationFailed: dataset "trades", object ${keyOf("trades", "part-2.csv")}, line 3: trade_id "T1" is not unique: 2 records of the day have it`,
    );
  });

  test("an empty file (0 bytes) is named, with the line where the header should be", async () => {
    const e = await rejection({ fx_rates: { "fx_rates.csv": "" } });
    expect(e.message.split("\n")[0]).toBe(
      `ValidationFailed: dataset "fx_rates", object ${keyOf("fx_rates", "fx_rates.csv")}, line 1: the file is empty (0 bytes); expected a header row`,
    );
  });

  test("a header-only dataset is rejected as empty, naming the file and the first data line", async () => {
    const e = await rejection({ market_prices: { "market_prices.csv": "instrument_id,close_price,currency\n" } });
    expect(e.message.split("\n")[0]).toBe(
      `ValidationFailed: dataset "market_prices", object ${keyOf("market_prices", "market_prices.csv")}, line 2: the dataset has no records in any file (this file has only a header) and allowEmpty is false`,
    );
  });

  test("a wrong delimiter (header read as one column) says so instead of listing every column as missing", async () => {
    const e = await rejection({ trades: { "trades.csv": `${TRADES_HEADER.replaceAll(",", ";")}\n${OK_ROW.replaceAll(",", ";")}\n` } });
    expect(e.total).toBe(1);
    expect(e.message).toBe(
      `ValidationFailed: dataset "trades", object ${keyOf("trades", "trades.csv")}, line 1: the header is one column "trade_id;account_id;instrument_id;side;quantity;price;trade_ts" but 7 columns are declared; is the delimiter "," right?`,
    );
  });

  test("a configured delimiter is used for reading and named in the wrong-delimiter hint", async () => {
    const semicolon: PipelineConfig = {
      ...pipeline,
      datasets: pipeline.datasets.map((d): DatasetConfig => (d.name === "trades" ? { ...d, csv: { delimiter: ";" } } : d)),
    };
    const { manifest } = await run({ trades: { "trades.csv": `${TRADES_HEADER.replaceAll(",", ";")}\n${OK_ROW.replaceAll(",", ";")}\n` } }, semicolon);
    expect(manifest.inputs[0].rows).toBe(1);
    const e = await rejection(trades(OK_ROW), semicolon);
    expect(e.message).toContain('line 1: the header is one column "trade_id,account_id,');
    expect(e.message).toContain('is the delimiter ";" right?');
  });

  test("invalid UTF-8 names the line of the bad record", async () => {
    const bytes = Buffer.concat([
      Buffer.from(`${TRADES_HEADER}\n${OK_ROW}\nT2,A1,I1,BUY,1,2.5,2026-12-03T10:00:00Z\nT3,A`),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(",I1,BUY,1,2.5,2026-12-03T10:00:00Z\n"),
    ]);
    const e = await rejection({ trades: { "trades.csv": bytes } });
    expect(e.message.split("\n")[0]).toMatch(
      new RegExp(`^ValidationFailed: dataset "trades", object ${keyOf("trades", "trades.csv")}, line 4: the record is not valid UTF-8`),
    );
  });

  test("invalid UTF-8 in the header is named as such", async () => {
    const bytes = Buffer.concat([Buffer.from("currency,usd_r"), Buffer.from([0xc3, 0x28]), Buffer.from("ate\nEUR,1.1\n")]);
    const e = await rejection({ fx_rates: { "fx_rates.csv": bytes } });
    expect(e.message).toContain(`dataset "fx_rates", object ${keyOf("fx_rates", "fx_rates.csv")}, line 1: the header is not valid UTF-8`);
  });

  test("a record with more or fewer fields than the header names its line", async () => {
    const e = await rejection(trades(OK_ROW, "T2,A1,I1,BUY,1,2.5,2026-12-03T10:00:00Z,extra", "T3,A1,I1,BUY,1"));
    expect(e.total).toBe(2);
    expect(e.violations.map((v) => [v.dataset, v.key, v.line, v.problem.split(":")[0]])).toEqual([
      ["trades", keyOf("trades", "trades.csv"), 3, "the record has a different number of fields than the header"],
      ["trades", keyOf("trades", "trades.csv"), 4, "the record has a different number of fields than the header"],
    ]);
    expect(e.message.split("\n")[0]).toContain(`dataset "trades", object ${keyOf("trades", "trades.csv")}, line 3: `);
  });

  test("an empty required value, a bad pattern and a non-UTC timestamp are each named", async () => {
    const e = await rejection({
      ...trades(OK_ROW, "T2,,I1,BUY,1,2.5,2026-12-03T10:00:00Z", "T3,A1,I1,BUY,1,2.5,2026-12-03T10:00:00+02:00"),
      market_prices: { "market_prices.csv": "instrument_id,close_price,currency\nI1,2.5,eur\n" },
    });
    const lines = e.message.split("\n");
    expect(lines[0]).toBe(`ValidationFailed: dataset "trades", object ${keyOf("trades", "trades.csv")}, line 3: column "account_id" is empty`);
    expect(e.message).toContain(`line 4: column "trade_ts" value "2026-12-03T10:00:00+02:00" is not an ISO-8601 UTC timestamp`);
    expect(e.message).toContain(
      `dataset "market_prices", object ${keyOf("market_prices", "market_prices.csv")}, line 2: column "currency" value "eur" does not match the pattern ^[A-Z]{3}$`,
    );
  });

  test("reports the first problems in file order with the total count, not only one", async () => {
    const bad = Array.from({ length: 30 }, (_, i) => `T${i},A1,I1,BUY,x${i},2.5,2026-12-03T10:00:00Z`);
    const e = await rejection(trades(...bad));
    expect(e.total).toBe(30);
    expect(e.violations).toHaveLength(20);
    expect(e.violations.map((v) => v.line)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    const lines = e.message.split("\n");
    expect(lines[1]).toBe("and 29 more problems:");
    expect(lines).toHaveLength(1 + 1 + 19 + 1);
    expect(lines.at(-1)).toBe("  (10 more not listed)");
  });

  test("a dataset without any data file (only a marker) names its prefix", async () => {
    const e = await rejection({ fx_rates: {} });
    expect(e.message).toBe(
      `ValidationFailed: dataset "fx_rates", object fx_rates/run_date=${RUN_DATE}/: no data file arrived for the day (only markers or nothing)`,
    );
  });
});

describe("compiled validation SQL", () => {
  const trades = pipeline.datasets[0];

  test("uses only functions both engines share (no DuckDB regexp_matches, no Spark rlike, no quoted identifiers)", () => {
    const sql = [compileStructureChecks(trades, 0), compileRecordChecks(trades, 0), compileTypedView(trades)].join("\n");
    expect(sql).not.toMatch(/regexp_matches|regexp_full_match|rlike|regexp_like|::|`|EXCLUDE|QUALIFY/i);
    expect(sql).not.toMatch(/"[a-z_]+"\s*(,|AS|FROM)/);
    expect(sql).toContain("regexp_extract(");
    expect(sql).toContain("TRY_CAST(");
  });

  test("emits a check for every rule the contract declares", () => {
    const sql = compileRecordChecks(trades, 0);
    for (const fragment of ["NOT IN ('BUY', 'SELL')", "<= CAST('0' AS DOUBLE)", "< CAST('0' AS DOUBLE)", "PARTITION BY u.trade_id", "n.records = 0"])
      expect(sql).toContain(fragment);
    const relaxed = compileRecordChecks({ ...trades, allowEmpty: true, uniqueKey: [] }, 0);
    expect(relaxed).not.toContain("n.records = 0");
    expect(relaxed).not.toContain("PARTITION BY");
  });

  test("refuses text the engines would read differently, naming where it is", () => {
    expect(() => compileRecordChecks({ ...trades, columns: [{ name: "side", type: "string", allowedValues: ["B'UY"] }] }, 0)).toThrow(
      /dataset "trades" column "side" allowedValues: "B'UY" contains a single quote/,
    );
    expect(() => compileTypedView({ ...trades, columns: [{ name: "order", type: "string" }] })).toThrow(/"order" is a reserved SQL word/);
  });

  test("the typed view casts each column to its declared type, reading '' as NULL", () => {
    const sql = compileTypedView(trades);
    expect(sql).toContain("CAST(NULLIF(quantity, '') AS DOUBLE) AS quantity");
    expect(sql).toContain("CAST(NULLIF(trade_ts, '') AS TIMESTAMP) AS trade_ts");
    expect(sql).toContain("FROM _raw_trades");
  });

  test("the message lists every kept violation and counts the rest", () => {
    const v = (line: number) => ({ dataset: "d", key: "k", line, problem: "p" });
    expect(validationMessage([v(2)], 1)).toBe('ValidationFailed: dataset "d", object k, line 2: p');
    expect(validationMessage([v(2), v(3)], 5)).toBe(
      'ValidationFailed: dataset "d", object k, line 2: p\nand 4 more problems:\n  - dataset "d", object k, line 3: p\n  (3 more not listed)',
    );
    expect(formatViolation({ dataset: "d", key: "k", record: 'id="7"', problem: "p" })).toBe('dataset "d", object k, record id="7": p');
  });
});
