/** VerifyOutput against result partitions on s3rver, as the join writes them. */
import { DeleteObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import type { RunContext } from "../../lambdas/shared/contracts";
import { OutputVerificationError, verifyOutput } from "../../lambdas/verify-output/core";
import { createVerifyOutputHandler } from "../../lambdas/verify-output/handler";
import { type LocalS3, startLocalS3 } from "../helpers/s3rver";
import { BUCKETS, prodRuntimeConfig, RUN, recordingLogger } from "./support";

const config = prodRuntimeConfig();
const run: RunContext = RUN;
const prefix = (output: string) => `finance-risk/${output}/run_date=2026-12-03/`;

function manifest(overrides: Record<string, unknown> = {}) {
  return {
    pipeline: "finance-risk",
    run_date: "2026-12-03",
    execution: "finance-risk-2026-12-03",
    engine: "duckdb",
    inputs: [
      { dataset: "trades", keys: ["incoming/finance-risk/trades/run_date=2026-12-03/part-0.csv"], bytes: 52110, rows: 1000 },
      { dataset: "market_prices", keys: ["incoming/finance-risk/market_prices/run_date=2026-12-03/part-0.csv"], bytes: 4100, rows: 120 },
      { dataset: "fx_rates", keys: ["incoming/finance-risk/fx_rates/run_date=2026-12-03/part-0.csv"], bytes: 210, rows: 9 },
    ],
    outputs: [
      { name: "trade_exposures", rows: 962 },
      { name: "trade_exceptions", rows: 38 },
    ],
    started_at: "2026-12-03T06:13:00.000Z",
    finished_at: "2026-12-03T06:14:10.000Z",
    ...overrides,
  };
}

let s3: LocalS3;
const put = (key: string, body: string) => s3.client.send(new PutObjectCommand({ Bucket: BUCKETS.results, Key: key, Body: body }));

async function writeResults(m: Record<string, unknown> = manifest()): Promise<void> {
  for (const output of ["trade_exposures", "trade_exceptions"]) {
    await put(`${prefix(output)}part-00000-1f2e.snappy.parquet`, "PAR1");
    await put(`${prefix(output)}_manifest.json`, JSON.stringify(m));
    await put(`${prefix(output)}_SUCCESS`, "x");
  }
}

beforeEach(async () => {
  s3 = await startLocalS3({ buckets: Object.values(BUCKETS) });
});
afterEach(async () => {
  await s3.stop();
});

const verify = () => verifyOutput({ s3: s3.client, config, logger: recordingLogger() }, run);

async function failure(): Promise<string> {
  const err = await verify().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OutputVerificationError);
  expect((err as Error).name).toBe("OutputVerificationFailed");
  return (err as Error).message;
}

it("accepts whole partitions of this run and returns rows per output, manifest keys and the row balance", async () => {
  await writeResults();
  await expect(verify()).resolves.toEqual({
    pipeline: "finance-risk",
    runDate: "2026-12-03",
    executionName: "finance-risk-2026-12-03",
    engine: "duckdb",
    outputs: [
      {
        name: "trade_exposures",
        rows: 962,
        dataObjects: 1,
        location: `s3://${BUCKETS.results}/${prefix("trade_exposures")}`,
        manifestKey: `${prefix("trade_exposures")}_manifest.json`,
      },
      {
        name: "trade_exceptions",
        rows: 38,
        dataObjects: 1,
        location: `s3://${BUCKETS.results}/${prefix("trade_exceptions")}`,
        manifestKey: `${prefix("trade_exceptions")}_manifest.json`,
      },
    ],
    inputs: [
      { dataset: "trades", rows: 1000 },
      { dataset: "market_prices", rows: 120 },
      { dataset: "fx_rates", rows: 9 },
    ],
    rowBalance: [{ input: "trades", inputRows: 1000, outputRows: 1000 }],
  });
});

it("accepts an output with zero rows that still has a data object", async () => {
  await writeResults(
    manifest({
      outputs: [
        { name: "trade_exposures", rows: 1000 },
        { name: "trade_exceptions", rows: 0 },
      ],
    }),
  );
  await expect(verify()).resolves.toMatchObject({ outputs: [{ rows: 1000 }, { rows: 0 }] });
});

it("fails naming the output whose _SUCCESS marker is missing", async () => {
  await writeResults();
  await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKETS.results, Key: `${prefix("trade_exceptions")}_SUCCESS` }));
  expect(await failure()).toContain(`output trade_exceptions: s3://${BUCKETS.results}/${prefix("trade_exceptions")}_SUCCESS is missing`);
});

it("fails naming the output without a manifest or without data", async () => {
  await put(`${prefix("trade_exposures")}_SUCCESS`, "x");
  const message = await failure();
  expect(message).toContain("output trade_exposures: s3://detl-prod-results/finance-risk/trade_exposures/run_date=2026-12-03/_manifest.json is missing");
  expect(message).toContain("output trade_exposures: s3://detl-prod-results/finance-risk/trade_exposures/run_date=2026-12-03/ holds no data object");
  expect(message).toContain("output trade_exceptions:");
});

it("fails on a manifest of another execution (a stale partition)", async () => {
  await writeResults(manifest({ execution: "finance-risk-2026-12-03-rerun-1" }));
  expect(await failure()).toContain(
    'output trade_exposures: manifest execution is "finance-risk-2026-12-03-rerun-1", expected "finance-risk-2026-12-03" (a stale or foreign partition)',
  );
});

it("fails when rows do not add up to the input's rows", async () => {
  await writeResults(
    manifest({
      outputs: [
        { name: "trade_exposures", rows: 960 },
        { name: "trade_exceptions", rows: 38 },
      ],
    }),
  );
  expect(await failure()).toContain("row balance trades: 1000 input rows but trade_exposures (960) + trade_exceptions (38) = 998");
});

it("fails on a manifest with a negative or missing row count, naming the field", async () => {
  await writeResults(manifest({ outputs: [{ name: "trade_exposures", rows: -1 }, { name: "trade_exceptions" }] }));
  const message = await failure();
  expect(message).toContain("field outputs[0].rows: got -1; expected a whole number >= 0");
  expect(message).toContain("field outputs[1].rows: got undefined");
});

it("the handler refuses a payload that is not a RunContext", async () => {
  const handle = createVerifyOutputHandler({ s3: s3.client, config, logger: recordingLogger() });
  await expect(handle({ pipeline: "finance-risk" })).rejects.toMatchObject({
    name: "UnsupportedEvent",
    message: expect.stringContaining("runDate, executionName"),
  });
  await writeResults();
  await expect(handle(run)).resolves.toMatchObject({ rowBalance: [{ inputRows: 1000, outputRows: 1000 }] });
});
