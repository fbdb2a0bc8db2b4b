/**
 * `npm start`: one whole daily run of every configured pipeline on this machine. Starts the local
 * stack, seeds reference data, uploads a generated day in a shuffled order (each dataset's files,
 * then its _SUCCESS marker), lets the S3 events drive the on-upload handler and the state machine,
 * verifies the outputs and the manifest through the S3 API, prints a summary and stops everything.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { DuckDBInstance } from "@duckdb/node-api";
import type { EnvironmentConfig, PipelineConfig } from "../config/types";
import { type DailyDataset, EXCEPTION_REASONS, type ExpectedResult, generateDailyDatasets } from "../datagen";
import { putStep, uploadPlan } from "../datagen/upload";
import { listObjects } from "../engine/s3-join";
import { dailyExecutionName, MANIFEST_FILE, resultsPrefix } from "../lambdas/shared/contracts";
import { parseManifest, type RunManifest } from "../lambdas/shared/manifest";
import { ResourceNames } from "../stacks/names";
import type { OutboxMessage } from "./outbox";
import { progressSink } from "./progress";
import { hasGenerator, LOCAL_REFERENCE_SIZES, seedPipelineReferences } from "./references";
import { defaultEnvironment, LOCAL_DIR, type LocalStack, REPO_ROOT, startLocalStack } from "./runtime";
import type { StateProgress } from "./step-functions";
import { JoinRunFailedError } from "./tasks";

export type Scenario = "happy" | "missing-dataset" | "bad-input" | "join-failure";
export const SCENARIOS: readonly Scenario[] = ["happy", "missing-dataset", "bad-input", "join-failure"];

export interface DailyRunOptions {
  /** Business date. Default: today (UTC). */
  readonly runDate?: string;
  /** Trades of the generated day. Default: 10,000. */
  readonly trades?: number;
  readonly seed?: number;
  readonly scenario?: Scenario;
  /** Default: the dev environment. */
  readonly environment?: EnvironmentConfig;
  readonly out?: NodeJS.WriteStream;
}

/** Where `npm start` copies the day's outputs so they can be opened after the local stack stops. */
export const RESULTS_EXPORT_DIR = join(LOCAL_DIR, "results");

/** Deadline of the missing-dataset scenario, in seconds. */
const SCENARIO_DEADLINE_SECONDS = 3;

interface PipelineTimings {
  waitSeconds?: number;
  joinSeconds?: number;
  lastMarkerAt?: number;
  joinStartedAt?: number;
}

export interface PipelineOutcome {
  readonly pipeline: string;
  readonly executionName: string;
  readonly status: string;
  readonly verified: boolean;
  readonly problems: readonly string[];
  readonly manifest?: RunManifest;
  readonly exceptionsByReason?: Readonly<Record<string, number>>;
  readonly timings: PipelineTimings;
  readonly transitions: number;
}

export interface DailyRunResult {
  readonly ok: boolean;
  readonly runDate: string;
  readonly outcomes: readonly PipelineOutcome[];
  readonly alerts: readonly OutboxMessage[];
  readonly totalSeconds: number;
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

async function readText(stack: LocalStack, bucket: string, key: string): Promise<string> {
  const response = await stack.s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await response.Body?.transformToString("utf-8")) ?? "";
}

/** Copies an output partition out of the local S3 into `dir` (same key layout), so it can be inspected after the stack stops. */
async function exportPartition(stack: LocalStack, bucket: string, prefix: string, dir: string): Promise<string[]> {
  await rm(join(dir, prefix), { recursive: true, force: true });
  const files: string[] = [];
  for (const object of await listObjects(stack.s3.client, bucket, prefix)) {
    const response = await stack.s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: object.key }));
    const path = join(dir, object.key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, await (response.Body as NonNullable<typeof response.Body>).transformToByteArray());
    files.push(path);
  }
  return files;
}

/** Rows of an exceptions output by reason, from its Parquet files. */
async function exceptionsByReason(files: readonly string[]): Promise<Record<string, number>> {
  const parquet = files.filter((f) => f.endsWith(".parquet"));
  if (parquet.length === 0) return {};
  const db = await DuckDBInstance.create(":memory:");
  const connection = await db.connect();
  try {
    const list = parquet.map((f) => `'${f.replace(/'/g, "''")}'`).join(", ");
    const reader = await connection.runAndReadAll(`SELECT reason, count(*)::INTEGER AS n FROM read_parquet([${list}]) GROUP BY reason ORDER BY reason`);
    const counts: Record<string, number> = {};
    for (const row of reader.getRowObjects()) counts[String(row.reason)] = Number(row.n);
    return counts;
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}

/** Checks the run's outputs against what the generator says they must be. */
async function verifyAgainstExpected(
  stack: LocalStack,
  pipeline: PipelineConfig,
  runDate: string,
  executionName: string,
  expected: ExpectedResult,
): Promise<{ problems: string[]; manifest?: RunManifest; exceptions?: Record<string, number> }> {
  const problems: string[] = [];
  const results = stack.config.resultsBucket;
  let manifest: RunManifest | undefined;
  for (const output of pipeline.outputs) {
    const prefix = resultsPrefix(pipeline.name, output.name, runDate);
    const parsed = parseManifest(await readText(stack, results, `${prefix}${MANIFEST_FILE}`).catch(() => "missing"));
    if (parsed.manifest === undefined) {
      problems.push(`${output.name}: _manifest.json unreadable (${parsed.problems.join("; ")})`);
      continue;
    }
    manifest ??= parsed.manifest;
    if (parsed.manifest.execution !== executionName)
      problems.push(`${output.name}: manifest execution ${parsed.manifest.execution}, expected ${executionName}`);
  }
  if (manifest === undefined) return { problems };
  const rows = (name: string) => manifest?.outputs.find((o) => o.name === name)?.rows;
  const trades = manifest.inputs.find((i) => i.dataset === "trades")?.rows;
  if (trades !== expected.trades) problems.push(`trades rows ${trades}, generated ${expected.trades}`);
  if (rows("trade_exposures") !== expected.exposures) problems.push(`trade_exposures rows ${rows("trade_exposures")}, expected ${expected.exposures}`);
  let exceptions: Record<string, number> = {};
  for (const output of pipeline.outputs) {
    const files = await exportPartition(stack, results, resultsPrefix(pipeline.name, output.name, runDate), RESULTS_EXPORT_DIR);
    if (output.name === "trade_exceptions") exceptions = await exceptionsByReason(files);
  }
  for (const reason of EXCEPTION_REASONS) {
    if ((exceptions[reason] ?? 0) !== expected.exceptions[reason])
      problems.push(`${reason}: ${exceptions[reason] ?? 0} exceptions, expected ${expected.exceptions[reason]}`);
  }
  return { problems, manifest, exceptions };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Runs one whole day locally and prints what an operator wants to see. */
export async function runDaily(options: DailyRunOptions = {}): Promise<DailyRunResult> {
  const out = options.out ?? process.stdout;
  const startedAt = Date.now();
  const progress = progressSink(out, startedAt);
  const scenario = options.scenario ?? "happy";
  const runDate = options.runDate ?? today();
  const environment = options.environment ?? defaultEnvironment();
  const names = new ResourceNames(environment);
  const pipelines = environment.pipelines.filter((p) => {
    if (hasGenerator(p)) return true;
    progress.line(`Skipping pipeline ${p.name}: no synthetic data generator for it (datagen/ has finance-risk).`);
    return false;
  });
  const timings = new Map<string, PipelineTimings>(pipelines.map((p) => [p.name, {}]));
  const entered = new Map<string, number>();
  const transitions = new Map<string, number>();
  const alerts: OutboxMessage[] = [];

  const onState = (event: StateProgress) => {
    const pipeline = pipelines.find((p) => event.stateMachineName === names.stateMachine(p.name))?.name;
    const t = pipeline ? timings.get(pipeline) : undefined;
    const key = `${event.executionArn}/${event.state}`;
    if (event.phase === "entered") {
      transitions.set(event.executionName, (transitions.get(event.executionName) ?? 0) + 1);
      entered.set(key, event.timestamp.getTime());
      if (t && event.state === "RunJoin") t.joinStartedAt ??= event.timestamp.getTime();
      progress.step(`${event.executionName}: ${event.state}`);
    } else if (event.phase === "exited" && t) {
      const since = entered.get(key);
      if (since !== undefined && event.state === "WaitForDatasets") t.waitSeconds = (event.timestamp.getTime() - since) / 1000;
      if (since !== undefined && event.state === "RunJoin") t.joinSeconds = (event.timestamp.getTime() - since) / 1000;
    } else if ((event.phase === "failed" || event.phase === "retried") && event.stateType !== "Fail") {
      progress.step(`${event.executionName}: ${event.state} ${event.phase} (${event.error ?? "error"})`);
    }
  };

  progress.step("starting the local stack (s3rver, Step Functions, DuckDB)");
  const stack = await startLocalStack({
    environment,
    deadlineSeconds: scenario === "missing-dataset" ? SCENARIO_DEADLINE_SECONDS : undefined,
    joinOverride:
      scenario === "join-failure"
        ? async () => {
            throw new JoinRunFailedError(
              "An error occurred while calling o112.parquet. Job aborted due to stage failure: Task 3 in stage 7.0 failed 4 times (scenario join-failure)",
            );
          }
        : undefined,
    outboxPath: join(LOCAL_DIR, "outbox.jsonl"),
    onState,
    onAlert: (message) => alerts.push(message),
  });

  const outcomes: PipelineOutcome[] = [];
  try {
    for (const pipeline of pipelines) {
      const seed = options.seed ?? 20261203;
      const day = generateDailyDatasets({
        seed,
        runDate,
        trades: options.trades ?? 10_000,
        ...LOCAL_REFERENCE_SIZES,
        exceptions: { UNKNOWN_ACCOUNT: 7, UNKNOWN_INSTRUMENT: 5, MISSING_PRICE: 4, MISSING_FX_RATE: 3 },
      });
      progress.step(`${pipeline.name}: seeding reference data`);
      await seedPipelineReferences(stack, pipeline);

      const withhold: DailyDataset[] = scenario === "missing-dataset" ? ["fx_rates"] : [];
      const badTrades = scenario === "bad-input" ? brokenTrades(day.datasets.trades[0]?.content ?? "") : undefined;
      const plan = uploadPlan(day, { pipeline: pipeline.name, withhold, orderSeed: seed, replace: badTrades ? { trades: badTrades } : undefined });
      for (const step of plan) {
        progress.step(`${pipeline.name}: uploading ${step.key}`);
        await putStep(stack.s3.client, stack.config.landingBucket, step);
        if (step.marker) (timings.get(pipeline.name) as PipelineTimings).lastMarkerAt = Date.now();
      }
      await stack.settled();
      const executionName = dailyExecutionName(pipeline.name, runDate);
      const arn = stack.sfn.executionArn(names.stateMachine(pipeline.name), executionName);
      const execution = await stack.sfn.waitForExecution(arn);
      await stack.settled();
      const t = timings.get(pipeline.name) as PipelineTimings;
      let problems: string[] = [];
      let manifest: RunManifest | undefined;
      let exceptions: Record<string, number> | undefined;
      if (execution.status === "SUCCEEDED") {
        ({ problems, manifest, exceptions } = await verifyAgainstExpected(stack, pipeline, runDate, executionName, day.expected));
      } else {
        problems = [`execution ${executionName} ended ${execution.status}: ${execution.error ?? ""} ${execution.cause ?? ""}`.trim()];
      }
      outcomes.push({
        pipeline: pipeline.name,
        executionName,
        status: execution.status,
        verified: execution.status === "SUCCEEDED" && problems.length === 0,
        problems,
        manifest,
        exceptionsByReason: exceptions,
        timings: t,
        transitions: transitions.get(executionName) ?? 0,
      });
    }
  } finally {
    progress.done();
    await stack.stop();
  }
  const totalSeconds = (Date.now() - startedAt) / 1000;
  const result: DailyRunResult = { ok: outcomes.length > 0 && outcomes.every((o) => o.verified), runDate, outcomes, alerts, totalSeconds };
  printSummary(result, stack, progress.line);
  return result;
}

/** The bad-input scenario: the generated trades file with line 5's quantity made unparsable. */
export function brokenTrades(csv: string): string {
  const lines = csv.split("\n");
  const header = (lines[0] ?? "").split(",");
  const column = header.indexOf("quantity");
  const target = lines[4];
  if (column < 0 || target === undefined) throw new Error("the generated trades file has no quantity column or fewer than 4 rows");
  const fields = target.split(",");
  fields[column] = "12x";
  lines[4] = fields.join(",");
  return lines.join("\n");
}

function printSummary(result: DailyRunResult, stack: LocalStack, print: (text: string) => void): void {
  print("");
  print(`Daily run ${result.runDate}: ${result.ok ? "SUCCEEDED and verified" : "FAILED"} in ${result.totalSeconds.toFixed(1)} s`);
  for (const o of result.outcomes) {
    print(`  pipeline ${o.pipeline}  execution ${o.executionName}  ${o.status}  (${o.transitions} states entered)`);
    for (const output of o.manifest?.outputs ?? []) {
      const prefix = resultsPrefix(o.pipeline, output.name, result.runDate);
      print(`    ${output.name.padEnd(18)} ${String(output.rows).padStart(9)} rows   s3://${stack.config.resultsBucket}/${prefix}`);
      print(`    ${"".padEnd(28)} copied to ${relative(REPO_ROOT, join(RESULTS_EXPORT_DIR, prefix))}`);
    }
    for (const input of o.manifest?.inputs ?? []) print(`    input ${input.dataset.padEnd(13)} ${String(input.rows).padStart(9)} rows  ${input.bytes} bytes`);
    if (o.exceptionsByReason) {
      const reasons = Object.entries(o.exceptionsByReason).map(([reason, n]) => `${reason} ${n}`);
      print(`    exceptions by reason: ${reasons.join(", ") || "none"}`);
    }
    const t = o.timings;
    const toJoin = t.lastMarkerAt !== undefined && t.joinStartedAt !== undefined ? seconds(t.joinStartedAt - t.lastMarkerAt) : "n/a";
    print(`    wait ${t.waitSeconds?.toFixed(2) ?? "n/a"} s, last marker -> join start ${toJoin}, join ${t.joinSeconds?.toFixed(2) ?? "n/a"} s`);
    for (const problem of o.problems) print(`    problem: ${problem}`);
  }
  for (const alert of result.alerts) {
    print("");
    print("Alert published to the SNS topic (outbox):");
    print(`  Subject: ${alert.subject}`);
    for (const line of alert.message.split("\n")) print(`  ${line}`);
  }
  if (result.alerts.length > 0) print(`(appended to ${stack.outboxPath})`);
}
