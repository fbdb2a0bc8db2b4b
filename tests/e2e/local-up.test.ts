/**
 * End to end through the local stack as a user meets it: `npm run local -- up` in a child process,
 * .local/stack.json read back, uploads with @aws-sdk/client-s3 only (no import of this project's
 * code), results and alerts checked through the S3 API and the outbox file.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { type LocalUp, ROOT, startLocalUp, stopLocalUp, waitFor } from "../helpers/local-up";

const STACK_FILE = join(ROOT, ".local", "stack.json");

interface Running extends LocalUp {
  dataDir: string;
}

function splitUri(uri: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  if (!m) throw new Error(`not an s3 uri: ${uri}`);
  return { bucket: m[1] as string, prefix: m[2] as string };
}

async function startUp(extra: string[]): Promise<Running> {
  rmSync(STACK_FILE, { force: true });
  const dataDir = mkdtempSync(join(tmpdir(), "local-up-"));
  return { ...(await startLocalUp(["--data-dir", dataDir, ...extra], join(ROOT, ".local"))), dataDir };
}

async function stopUp(run: Running): Promise<void> {
  const port = Number(new URL(run.stack.s3.endpoint).port);
  expect(await stopLocalUp(run)).toBe(0);
  // The port is free again: we can listen on it.
  await new Promise<void>((ok, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => server.close(() => ok()));
  });
  expect(existsSync(STACK_FILE)).toBe(false);
  // No process of that stack is left behind (tsx runs the CLI in a child process of its own).
  const processes = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" });
  expect(processes.split("\n").filter((line) => line.includes(run.dataDir))).toEqual([]);
  rmSync(run.dataDir, { recursive: true, force: true });
}

// Reference data seeded by `up`: accounts ACC0000000000..ACC0000004999, instruments INS00000000..INS00001999.
const TRADES = [
  "trade_id,account_id,instrument_id,side,quantity,price,trade_ts",
  "T1,ACC0000000001,INS00000001,BUY,100,10.5,2026-12-01T09:00:00Z",
  "T2,ACC0000000002,INS00000002,SELL,50,20,2026-12-01T10:00:00Z",
  "T3,ACC9999999999,INS00000001,BUY,1,1,2026-12-01T11:00:00Z",
].join("\n");
const PRICES = ["instrument_id,close_price,currency", "INS00000001,11,USD", "INS00000002,19.5,EUR"].join("\n");
const FX = ["currency,usd_rate", "EUR,1.1"].join("\n");
const FILES: Record<string, string> = { trades: TRADES, market_prices: PRICES, fx_rates: FX };

function objectsOf(landing: string, date: string): { dataset: string; key: string; body: string }[] {
  const { prefix } = splitUri(landing);
  return Object.entries(FILES).flatMap(([dataset, body]) => [
    { dataset, key: `${prefix}${dataset}/run_date=${date}/${dataset}.csv`, body },
    { dataset, key: `${prefix}${dataset}/run_date=${date}/_SUCCESS`, body: "" },
  ]);
}

async function put(run: Running, key: string, body: string): Promise<void> {
  const { bucket } = splitUri(run.stack.pipelines["finance-risk"]?.landing ?? "");
  await run.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: Buffer.byteLength(body) }));
}

async function manifestOf(run: Running, output: string, date: string): Promise<Record<string, unknown> | undefined> {
  const { bucket, prefix } = splitUri(run.stack.pipelines["finance-risk"]?.outputs[output] ?? "");
  try {
    const r = await run.s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}run_date=${date}/_manifest.json` }));
    return JSON.parse(await (r.Body as { transformToString(): Promise<string> }).transformToString()) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function joinsOf(output: string, execution: string): number {
  return output.split("\n").filter((l) => l.trim() === `${execution}: RunJoin`).length;
}

describe("npm run local -- up", () => {
  let run: Running;

  beforeAll(async () => {
    run = await startUp([]);
  }, 120_000);

  afterAll(async () => {
    if (run) await stopUp(run);
  }, 60_000);

  it("writes stack.json in the documented shape", () => {
    expect(run.stack.s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const pipeline = run.stack.pipelines["finance-risk"];
    expect(pipeline?.landing).toMatch(/^s3:\/\/[^/]+\/incoming\/finance-risk\/$/);
    expect(Object.keys(pipeline?.references ?? {}).sort()).toEqual(["accounts", "instruments"]);
    expect(Object.keys(pipeline?.outputs ?? {}).sort()).toEqual(["trade_exceptions", "trade_exposures"]);
    expect(pipeline?.deadlineSeconds).toBeGreaterThan(0);
    expect(run.stack.outbox).toBe(".local/outbox.jsonl");
  });

  it("runs the day once when every object arrives twice and in reverse order", async () => {
    const date = "2026-11-02";
    const objects = objectsOf(run.stack.pipelines["finance-risk"]?.landing ?? "", date).reverse();
    for (const o of objects) {
      await put(run, o.key, o.body);
      await put(run, o.key, o.body);
    }
    const manifest = await waitFor("the manifest", () => manifestOf(run, "trade_exposures", date));
    expect(manifest).toMatchObject({ pipeline: "finance-risk", run_date: date, execution: `finance-risk-${date}`, engine: "duckdb" });
    expect(manifest.outputs).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "trade_exposures", rows: 2 }), expect.objectContaining({ name: "trade_exceptions", rows: 1 })]),
    );
    const exceptions = await waitFor("the exceptions manifest", () => manifestOf(run, "trade_exceptions", date));
    expect(exceptions.execution).toBe(`finance-risk-${date}`);
    await waitFor("the execution to finish", () => (run.output().includes(`execution finance-risk-${date}: SUCCEEDED`) ? true : undefined));
    expect(joinsOf(run.output(), `finance-risk-${date}`)).toBe(1);
  }, 90_000);

  it("completes when one marker is withheld until after everything else", async () => {
    const date = "2026-11-03";
    const objects = objectsOf(run.stack.pipelines["finance-risk"]?.landing ?? "", date);
    const late = objects.find((o) => o.dataset === "market_prices" && o.key.endsWith("_SUCCESS"));
    for (const o of objects) if (o !== late) await put(run, o.key, o.body);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await manifestOf(run, "trade_exposures", date)).toBeUndefined();
    await put(run, late?.key ?? "", "");
    const manifest = await waitFor("the manifest", () => manifestOf(run, "trade_exposures", date));
    expect(manifest.execution).toBe(`finance-risk-${date}`);
  }, 90_000);

  it("runs two dates at once independently", async () => {
    const dates = ["2026-11-04", "2026-11-05"];
    const all = dates.flatMap((d) => objectsOf(run.stack.pipelines["finance-risk"]?.landing ?? "", d));
    await Promise.all(all.map((o) => put(run, o.key, o.body)));
    for (const date of dates) {
      const manifest = await waitFor(`the manifest of ${date}`, () => manifestOf(run, "trade_exposures", date));
      expect(manifest).toMatchObject({ run_date: date, execution: `finance-risk-${date}` });
    }
    const { bucket, prefix } = splitUri(run.stack.pipelines["finance-risk"]?.outputs.trade_exposures ?? "");
    const listed = await run.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    const partitions = new Set((listed.Contents ?? []).map((o) => /run_date=([\d-]+)\//.exec(o.Key ?? "")?.[1]));
    for (const date of dates) expect(partitions.has(date)).toBe(true);
  }, 90_000);
});

describe("npm run local -- up --deadline-seconds 3", () => {
  it("alerts once, naming the missing dataset, then stops cleanly on SIGTERM", async () => {
    const run = await startUp(["--deadline-seconds", "3"]);
    try {
      const date = "2026-11-06";
      const outbox = join(ROOT, run.stack.outbox);
      const before = existsSync(outbox) ? readFileSync(outbox, "utf8").split("\n").filter(Boolean).length : 0;
      for (const o of objectsOf(run.stack.pipelines["finance-risk"]?.landing ?? "", date)) {
        if (o.dataset !== "fx_rates") await put(run, o.key, o.body);
      }
      const alerts = await waitFor(
        "the alert",
        () => {
          const lines = existsSync(outbox) ? readFileSync(outbox, "utf8").split("\n").filter(Boolean).slice(before) : [];
          const mine = lines.map((l) => JSON.parse(l) as { subject: string; message: string }).filter((m) => m.subject.includes(date));
          return mine.length > 0 ? mine : undefined;
        },
        30_000,
      );
      // Give a duplicate (the status-change path) time to appear if it were going to.
      await new Promise((r) => setTimeout(r, 1500));
      const final = readFileSync(outbox, "utf8")
        .split("\n")
        .filter(Boolean)
        .slice(before)
        .map((l) => JSON.parse(l) as { subject: string; message: string })
        .filter((m) => m.subject.includes(date));
      expect(final).toHaveLength(1);
      expect(alerts[0]?.subject).toContain("fx_rates");
      expect(alerts[0]?.message).toContain("Missing datasets at the deadline: fx_rates");
    } finally {
      await stopUp(run);
    }
  }, 120_000);
});
