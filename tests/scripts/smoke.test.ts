/** The smoke test's pure parts: its dates, what it expects of the outputs, its job summary, its inputs. */
import { generateDailyDatasets } from "../../datagen";
import {
  checkOutputs,
  expectedRows,
  isSmokeRunDate,
  type OutputPartition,
  SMOKE_EXCEPTIONS,
  SMOKE_REFERENCE_SIZES,
  smokeJobSummary,
  smokeRunDate,
} from "../../scripts/lib/smoke";
import { parseSmokeArgs } from "../../scripts/smoke";

describe("smoke dates", () => {
  it("are in the years 9000-9999, one per minute, and never a business date", () => {
    const t = Date.parse("2026-12-03T05:40:00Z");
    const dates = Array.from({ length: 90 * 24 * 60 }, (_, i) => smokeRunDate(new Date(t + i * 60_000)));
    expect(dates.every(isSmokeRunDate)).toBe(true);
    // Names stay taken for 90 days after an execution ends: 90 days of minutes never repeat a date.
    expect(new Set(dates).size).toBe(dates.length);
    expect(smokeRunDate(new Date(t + 30_000))).toBe(smokeRunDate(new Date(t)));
    for (const d of ["2026-12-03", "1999-01-01", "8999-12-31", "9000-02-30", "not a date"]) expect(isSmokeRunDate(d)).toBe(false);
    expect(isSmokeRunDate("9000-01-01")).toBe(true);
    expect(isSmokeRunDate("9999-12-31")).toBe(true);
  });
});

describe("checkOutputs", () => {
  const day = generateDailyDatasets({ seed: 7, runDate: "9000-01-02", trades: 300, ...SMOKE_REFERENCE_SIZES, exceptions: SMOKE_EXCEPTIONS });
  const expected = expectedRows(day);
  const run = { pipeline: "finance-risk", runDate: "9000-01-02", executionName: "finance-risk-9000-01-02", verify: "exact" as const };
  const manifest = (overrides: Record<string, unknown> = {}) =>
    JSON.stringify({
      pipeline: "finance-risk",
      run_date: "9000-01-02",
      execution: "finance-risk-9000-01-02",
      engine: "glue",
      inputs: Object.entries(expected.inputs).map(([dataset, rows]) => ({ dataset, keys: [`k/${dataset}.csv`], bytes: 10, rows })),
      outputs: Object.entries(expected.outputs).map(([name, rows]) => ({ name, rows })),
      started_at: "2026-12-03T05:40:10Z",
      finished_at: "2026-12-03T05:44:10Z",
      ...overrides,
    });
  const partitions = (text: string, marker = true): OutputPartition[] =>
    ["trade_exposures", "trade_exceptions"].map((output) => ({ output, manifest: text, marker }));

  it("expects the generator's rows: every trade, split into exposures and the planted exceptions", () => {
    expect(expected.inputs.trades).toBe(300);
    expect(expected.outputs).toEqual({ trade_exposures: 300 - 19, trade_exceptions: 19 });
    expect(expected.inputs.market_prices).toBeGreaterThan(0);
    expect(expected.inputs.fx_rates).toBeGreaterThan(0);
  });

  it("accepts outputs as the generator expects them", () => {
    expect(checkOutputs(partitions(manifest()), expected, run)).toEqual([]);
  });

  it("names each difference: rows, execution, missing marker or manifest", () => {
    const wrong = manifest({
      execution: "finance-risk-9000-01-02-rerun-1",
      outputs: [
        { name: "trade_exposures", rows: 280 },
        { name: "trade_exceptions", rows: 19 },
      ],
    });
    const problems = checkOutputs(
      [
        { output: "trade_exposures", manifest: wrong, marker: false },
        { output: "trade_exceptions", marker: true },
      ],
      expected,
      run,
    );
    expect(problems).toEqual([
      "trade_exposures run_date=9000-01-02: no _SUCCESS marker",
      "trade_exposures run_date=9000-01-02: manifest execution finance-risk-9000-01-02-rerun-1, expected finance-risk-9000-01-02",
      "trade_exposures run_date=9000-01-02: manifest output trade_exposures has 280 rows, the generator expects 281",
      "trade_exceptions run_date=9000-01-02: no _manifest.json",
    ]);
  });

  it("in balance mode checks only that every trade lands in one output", () => {
    const split = manifest({
      outputs: [
        { name: "trade_exposures", rows: 200 },
        { name: "trade_exceptions", rows: 100 },
      ],
    });
    expect(checkOutputs(partitions(split), expected, { ...run, verify: "balance" })).toEqual([]);
    expect(checkOutputs(partitions(split), expected, run)).toHaveLength(4);
    const lost = manifest({
      outputs: [
        { name: "trade_exposures", rows: 200 },
        { name: "trade_exceptions", rows: 99 },
      ],
    });
    expect(checkOutputs(partitions(lost), expected, { ...run, verify: "balance" })[0]).toBe(
      "trade_exposures run_date=9000-01-02: outputs hold 299 rows in all, expected one per trade (300)",
    );
  });

  it("reports an invalid manifest with the parser's reasons", () => {
    expect(checkOutputs([{ output: "trade_exposures", manifest: "{", marker: true }], expected, run)[0]).toMatch(
      /^trade_exposures run_date=9000-01-02: _manifest.json is invalid \(not valid JSON/,
    );
  });
});

describe("smokeJobSummary", () => {
  it("shows the verdict, the execution, expected against observed rows, the diagram and the posted summary", () => {
    const markdown = smokeJobSummary(
      {
        ok: false,
        pipeline: "finance-risk",
        runDate: "9000-01-02",
        executionName: "finance-risk-9000-01-02",
        executionArn: "arn",
        status: "FAILED",
        problems: ["execution finance-risk-9000-01-02 ended FAILED"],
        expected: { inputs: { trades: 300 }, outputs: { trade_exposures: 281 } },
        observed: { "input trades": 300 },
        diagram: "```mermaid\nflowchart TD\n```\n",
        summary: { subject: "[dev] finance-risk 9000-01-02 FAILED at RunJoin: Glue job failed", message: "details" },
        seconds: 12.34,
      },
      "dev",
    );
    expect(markdown).toContain("## Smoke test FAILED: finance-risk 9000-01-02 (dev)");
    expect(markdown).toContain("| `finance-risk-9000-01-02` | FAILED | 12.3 s |");
    expect(markdown).toContain("| input trades | 300 | 300 |");
    expect(markdown).toContain("| output trade_exposures | 281 | - |");
    expect(markdown).toContain("```mermaid\nflowchart TD");
    expect(markdown).toContain("- execution finance-risk-9000-01-02 ended FAILED");
    expect(markdown).toContain("**[dev] finance-risk 9000-01-02 FAILED at RunJoin: Glue job failed**");
  });
});

describe("parseSmokeArgs", () => {
  const now = new Date("2026-12-03T05:40:00Z");

  it("defaults: finance-risk, 2000 trades, a seed of the day, exact verification", () => {
    expect(parseSmokeArgs(["--env", "dev"], now)).toMatchObject({
      local: false,
      env: "dev",
      input: { pipeline: "finance-risk", trades: 2000, seed: 20261203, verify: "exact", withhold: [], runDate: undefined },
    });
  });

  it("reads --local, --withhold and --date", () => {
    const args = parseSmokeArgs(["--local", "--local-dir", "/tmp/x", "--withhold", "fx_rates, trades", "--date", "9000-01-02"], now);
    expect(args).toMatchObject({ local: true, localDir: "/tmp/x", input: { withhold: ["fx_rates", "trades"], runDate: "9000-01-02" } });
  });

  it("names the wrong flag, the value and what is allowed", () => {
    expect(() => parseSmokeArgs(["--env", "dev", "--withhold", "fx"], now)).toThrow('--withhold: got "fx"; allowed: trades | market_prices | fx_rates');
    expect(() => parseSmokeArgs(["--env", "dev", "--verify", "loose"], now)).toThrow('--verify: got "loose"; allowed: exact | balance');
    expect(() => parseSmokeArgs(["--env", "dev", "--trades", "0"], now)).toThrow('--trades: got "0"; expected a whole number >= 1');
    expect(() => parseSmokeArgs([], now)).toThrow("--env is required unless --local is given");
    expect(() => parseSmokeArgs(["--env", "dev", "--bogus"], now)).toThrow(/Unknown option '--bogus'/);
  });
});
