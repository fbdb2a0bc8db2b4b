import { parseManifest, type RunManifest } from "../../lambdas/shared/manifest";

const manifest: RunManifest = {
  pipeline: "finance-risk",
  run_date: "2026-12-03",
  execution: "finance-risk-2026-12-03",
  engine: "glue",
  inputs: [{ dataset: "trades", keys: ["incoming/finance-risk/trades/run_date=2026-12-03/trades.csv"], bytes: 120, rows: 3 }],
  outputs: [
    { name: "trade_exposures", rows: 2, keys: ["finance-risk/trade_exposures/run_date=2026-12-03/part-0.parquet"] },
    { name: "trade_exceptions", rows: 1 },
  ],
  started_at: "2026-12-03T02:00:00.000Z",
  finished_at: "2026-12-03T02:05:00.000Z",
};

describe("parseManifest", () => {
  test("reads back what was written", () => {
    expect(parseManifest(JSON.stringify(manifest))).toEqual({ manifest, problems: [] });
  });

  test("names the field that is wrong, with the value", () => {
    expect(parseManifest("{").problems[0]).toMatch(/^not valid JSON/);
    expect(parseManifest(JSON.stringify({ ...manifest, engine: "spark" })).problems).toEqual(['field engine: got "spark"; expected "glue" | "duckdb"']);
    const badRows = { ...manifest, outputs: [{ name: "trade_exposures", rows: -1 }] };
    expect(parseManifest(JSON.stringify(badRows)).problems).toEqual(["field outputs[0].rows: got -1; expected a whole number >= 0"]);
    const { execution: _, ...noExecution } = manifest;
    expect(parseManifest(JSON.stringify(noExecution))).toEqual({ problems: ["field execution: got undefined; expected a string"] });
  });
});
