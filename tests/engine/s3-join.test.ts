import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { financeRiskPipeline } from "../../config";
import { generateDailyDatasets, writeReferenceParquet } from "../../datagen";
import { parseManifest } from "../../engine/manifest";
import { InputValidationError, isDataObject, listObjects, runJoinOnS3, type S3JoinJob } from "../../engine/s3-join";
import { buildJobSpec } from "../../engine/spec";
import { landingPrefix, markerKey } from "../../lambdas/shared/contracts";

// s3rver ships without type declarations; this is the part the test uses.
interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
const S3rver = require("s3rver") as new (options: Record<string, unknown>) => S3rverServer;

const LANDING = "landing";
const RESULTS = "results";
const REFERENCE = "reference";
const opts = { seed: 11, trades: 120, accounts: 50, instruments: 40, tradeFiles: 2, exceptions: { UNKNOWN_ACCOUNT: 2, MISSING_FX_RATE: 1 } };

let root: string;
let server: S3rverServer;
let s3: S3Client;
let job: S3JoinJob;

async function put(bucket: string, key: string, body: string | Buffer): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from(body), ContentLength: Buffer.byteLength(body) }));
}

async function text(bucket: string, key: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await object.Body?.transformToString()) ?? "";
}

async function keys(bucket: string, prefix: string): Promise<string[]> {
  return (await listObjects(s3, bucket, prefix)).map((o) => o.key);
}

/** Uploads a generated day the way producers do: data files, then each dataset's _SUCCESS marker. */
async function uploadDay(runDate: string, trades: number) {
  const day = generateDailyDatasets({ ...opts, runDate, trades });
  for (const [dataset, files] of Object.entries(day.datasets)) {
    for (const file of files) await put(LANDING, `${landingPrefix("finance-risk", dataset, runDate)}${file.fileName}`, file.content);
    await put(LANDING, markerKey("finance-risk", dataset, runDate), "");
  }
  return day;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "s3-join-"));
  server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory: join(root, "s3rver"),
    configureBuckets: [{ name: LANDING }, { name: RESULTS }, { name: REFERENCE }],
  });
  const { port } = await server.run();
  s3 = new S3Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const files = await writeReferenceParquet(opts, join(root, "reference"));
  await put(REFERENCE, "finance-risk/accounts/part-00000.parquet", await readFile(files.accounts[0]));
  await put(REFERENCE, "finance-risk/accounts/_SUCCESS", "");
  await put(REFERENCE, "finance-risk/instruments/part-00000.parquet", await readFile(files.instruments[0]));
  job = {
    spec: buildJobSpec(financeRiskPipeline({ referenceBucket: REFERENCE })),
    sqlDir: join(__dirname, "../../glue/sql/finance-risk"),
    landing: { bucket: LANDING, prefix: "incoming/finance-risk/" },
    results: { bucket: RESULTS, prefix: "finance-risk/" },
    references: { accounts: { bucket: REFERENCE, prefix: "finance-risk/accounts/" }, instruments: { bucket: REFERENCE, prefix: "finance-risk/instruments/" } },
    workDir: join(root, "work"),
    threads: 1,
  };
  await mkdir(job.workDir as string);
});

afterAll(async () => {
  s3?.destroy();
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

describe("runJoinOnS3 against s3rver", () => {
  test("joins the day's objects and publishes parts, _manifest.json and _SUCCESS in each output's partition", async () => {
    const day = await uploadDay("2026-12-02", 120);
    const manifest = await runJoinOnS3(s3, job, { runDate: "2026-12-02", executionName: "finance-risk-2026-12-02" });
    expect(manifest.engine).toBe("duckdb");
    expect(manifest.inputs.map((i) => [i.dataset, i.rows, i.keys.length])).toEqual([
      ["trades", 120, 2],
      ["market_prices", expect.any(Number), 1],
      ["fx_rates", 6, 1],
    ]);
    expect(manifest.inputs[0].keys).toEqual([
      "incoming/finance-risk/trades/run_date=2026-12-02/trades-000.csv",
      "incoming/finance-risk/trades/run_date=2026-12-02/trades-001.csv",
    ]);
    expect(Object.fromEntries(manifest.outputs.map((o) => [o.name, o.rows]))).toEqual({ trade_exposures: day.expected.exposures, trade_exceptions: 3 });
    for (const output of ["trade_exposures", "trade_exceptions"]) {
      const prefix = `finance-risk/${output}/run_date=2026-12-02/`;
      const found = await keys(RESULTS, prefix);
      const parts = found.filter(isDataObject);
      expect(found.filter((k) => !isDataObject(k))).toEqual([`${prefix}_SUCCESS`, `${prefix}_manifest.json`]);
      expect(parts).toEqual(manifest.outputs.find((o) => o.name === output)?.keys);
      expect(parseManifest(await text(RESULTS, `${prefix}_manifest.json`)).manifest).toEqual(manifest);
    }
    expect(await readdir(job.workDir as string)).toEqual([]);
  });

  test("a rerun replaces only that date's partitions and removes their stale objects", async () => {
    await uploadDay("2026-12-03", 100);
    const first = await runJoinOnS3(s3, job, { runDate: "2026-12-03", executionName: "finance-risk-2026-12-03" });
    const otherDay = await keys(RESULTS, "finance-risk/trade_exposures/run_date=2026-12-02/");
    await put(RESULTS, "finance-risk/trade_exposures/run_date=2026-12-03/part-stale.parquet", "left over by an earlier attempt");

    await uploadDay("2026-12-03", 60);
    const rerun = await runJoinOnS3(s3, job, { runDate: "2026-12-03", executionName: "finance-risk-2026-12-03-rerun-1" });
    expect(rerun.inputs[0].rows).toBe(60);
    const exposures = await keys(RESULTS, "finance-risk/trade_exposures/run_date=2026-12-03/");
    expect(exposures.filter(isDataObject)).toEqual(rerun.outputs[0].keys);
    expect(exposures).not.toContain(first.outputs[0].keys?.[0]);
    expect(exposures).not.toContain("finance-risk/trade_exposures/run_date=2026-12-03/part-stale.parquet");
    expect(JSON.parse(await text(RESULTS, "finance-risk/trade_exposures/run_date=2026-12-03/_manifest.json")).execution).toBe(
      "finance-risk-2026-12-03-rerun-1",
    );
    expect(await keys(RESULTS, "finance-risk/trade_exposures/run_date=2026-12-02/")).toEqual(otherDay);
  });

  test("bad input fails validation naming the S3 key, and nothing is published", async () => {
    await uploadDay("2026-12-04", 30);
    await put(LANDING, "incoming/finance-risk/fx_rates/run_date=2026-12-04/fx_rates.csv", "currency,usd_rate\nEUR,-1\n");
    const error = await runJoinOnS3(s3, job, { runDate: "2026-12-04", executionName: "finance-risk-2026-12-04" }).catch((e) => e);
    expect(error).toBeInstanceOf(InputValidationError);
    expect(error.message).toBe(
      'ValidationFailed: dataset "fx_rates", object incoming/finance-risk/fx_rates/run_date=2026-12-04/fx_rates.csv, line 2: column "usd_rate" value "-1" must be greater than 0',
    );
    expect(await keys(RESULTS, "finance-risk/trade_exposures/run_date=2026-12-04/")).toEqual([]);
    expect(await readdir(job.workDir as string)).toEqual([]);
  });

  test("a dataset with only its marker fails naming the landing prefix", async () => {
    for (const dataset of ["trades", "market_prices", "fx_rates"]) await put(LANDING, markerKey("finance-risk", dataset, "2026-12-06"), "");
    const error = await runJoinOnS3(s3, job, { runDate: "2026-12-06", executionName: "finance-risk-2026-12-06" }).catch((e) => e);
    expect(error).toBeInstanceOf(InputValidationError);
    expect(error.total).toBe(3);
    expect(error.message.split("\n")[0]).toBe(
      'ValidationFailed: dataset "trades", object incoming/finance-risk/trades/run_date=2026-12-06/: no data file arrived for the day (only markers or nothing)',
    );
  });
});
