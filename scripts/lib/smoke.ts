/**
 * The smoke test: a synthetic day (the datagen generator) uploaded as a producer would, followed
 * to its end, its outputs and manifest checked against what the generator says they must be.
 *
 * Where it runs: business dates in the years 9000-9999 are reserved for the smoke test. Each run
 * takes a date of its own there (one per minute, `smokeRunDate`), so it has a fresh execution
 * name (names stay taken for 90 days after an execution ends), it goes through the deployed
 * pipeline unchanged (same trigger, state machine, join, checks), and it writes only partitions
 * `run_date=9nnn-..`: no production business date's landing files or output partition is ever
 * touched, and a rerun of a real date never meets a smoke partition.
 */
import { GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import type { PipelineConfig } from "../../config/types";
import { type DailyDataset, type DatagenOptions, type GeneratedDay, generateDailyDatasets } from "../../datagen";
import { putStep, uploadPlan } from "../../datagen/upload";
import { dailyExecutionName, type FailureNotification, MANIFEST_FILE, MARKER_FILE, resultsPrefix } from "../../lambdas/shared/contracts";
import { isRunDate } from "../../lambdas/shared/dates";
import { awsErrorName } from "../../lambdas/shared/errors";
import { parseManifest } from "../../lambdas/shared/manifest";
import type { FailureStatus } from "../../lambdas/shared/summary";
import { buildFailureSummary } from "../../lambdas/shared/summary";
import { LOCAL_REFERENCE_SIZES } from "../../local/references";
import { InputError } from "./actions";
import { FollowTimeoutError, followExecution, stateMachineDefinition } from "./follow";
import { executionPath, stateMachineDiagramMarkdown } from "./mermaid";
import { missingAtDeadline, publishSummary, summarizeEndedExecution } from "./summarize";
import { executionArnOf, findPipeline, type Target } from "./target";

export const SMOKE_FIRST_YEAR = 9000;
const SMOKE_EPOCH = Date.UTC(SMOKE_FIRST_YEAR, 0, 1);
/** Days from 9000-01-01 to 9999-12-31. */
const SMOKE_DAYS = Math.round((Date.UTC(10000, 0, 1) - SMOKE_EPOCH) / 86_400_000);

/** Reference sizes the smoke's generated ids assume: the ones `npm run local -- up` seeds (an AWS environment verified "exact" holds the same). */
export const SMOKE_REFERENCE_SIZES = LOCAL_REFERENCE_SIZES;
/** Trades that end in each exception reason: every branch of the join is exercised. */
export const SMOKE_EXCEPTIONS = { UNKNOWN_ACCOUNT: 7, UNKNOWN_INSTRUMENT: 5, MISSING_PRICE: 4, MISSING_FX_RATE: 3 } as const;

/** Whether a business date is one of the smoke test's (years 9000-9999). */
export function isSmokeRunDate(runDate: string): boolean {
  return isRunDate(runDate) && Number(runDate.slice(0, 4)) >= SMOKE_FIRST_YEAR;
}

/** The smoke date of a run started at `now`: one per minute, repeating after SMOKE_DAYS minutes (about 253 days, beyond the 90 days a name stays taken). */
export function smokeRunDate(now: Date): string {
  const slot = Math.floor(now.getTime() / 60_000) % SMOKE_DAYS;
  return new Date(SMOKE_EPOCH + slot * 86_400_000).toISOString().slice(0, 10);
}

export type VerifyMode = "exact" | "balance";
export const VERIFY_MODES: readonly VerifyMode[] = ["exact", "balance"];

export interface SmokeInput {
  readonly pipeline: string;
  /** A smoke date (years 9000-9999). Default: `smokeRunDate(now)`. */
  readonly runDate?: string;
  readonly trades: number;
  readonly seed: number;
  /** Datasets not uploaded: a fire drill of the deadline alert. Default: none. */
  readonly withhold: readonly DailyDataset[];
  /**
   * "exact": every output's rows equal the generator's expectation (the references hold the generated
   * accounts and instruments: local, or an environment seeded with them). "balance": inputs as
   * generated and rows(outputs) = rows(trades), whatever the references hold.
   */
  readonly verify: VerifyMode;
  readonly pollMs: number;
  readonly timeoutMs: number;
}

/** Rows the manifest must show, from the generated day. */
export interface ExpectedRows {
  readonly inputs: Readonly<Record<string, number>>;
  readonly outputs: Readonly<Record<string, number>>;
}

function dataRows(content: string): number {
  return content.split("\n").filter((line) => line.trim() !== "").length - 1;
}

export function expectedRows(day: GeneratedDay): ExpectedRows {
  const inputs: Record<string, number> = {};
  for (const [dataset, files] of Object.entries(day.datasets)) inputs[dataset] = files.reduce((n, f) => n + dataRows(f.content), 0);
  const exceptions = Object.values(day.expected.exceptions).reduce((a, b) => a + b, 0);
  return { inputs, outputs: { trade_exposures: day.expected.exposures, trade_exceptions: exceptions } };
}

/** One output partition as read from the results bucket. */
export interface OutputPartition {
  readonly output: string;
  /** _manifest.json text, or undefined when it is absent. */
  readonly manifest?: string;
  readonly marker: boolean;
}

/** What is wrong with the outputs of a smoke run; empty when they are as the generator expects. */
export function checkOutputs(
  partitions: readonly OutputPartition[],
  expected: ExpectedRows,
  run: { readonly pipeline: string; readonly runDate: string; readonly executionName: string; readonly verify: VerifyMode },
): string[] {
  const problems: string[] = [];
  for (const part of partitions) {
    const where = `${part.output} run_date=${run.runDate}`;
    if (!part.marker) problems.push(`${where}: no ${MARKER_FILE} marker`);
    if (part.manifest === undefined) {
      problems.push(`${where}: no ${MANIFEST_FILE}`);
      continue;
    }
    const parsed = parseManifest(part.manifest);
    if (parsed.manifest === undefined) {
      problems.push(`${where}: ${MANIFEST_FILE} is invalid (${parsed.problems.join("; ")})`);
      continue;
    }
    const m = parsed.manifest;
    if (m.pipeline !== run.pipeline) problems.push(`${where}: manifest pipeline ${JSON.stringify(m.pipeline)}, expected ${JSON.stringify(run.pipeline)}`);
    if (m.run_date !== run.runDate) problems.push(`${where}: manifest run_date ${m.run_date}, expected ${run.runDate}`);
    if (m.execution !== run.executionName) problems.push(`${where}: manifest execution ${m.execution}, expected ${run.executionName}`);
    for (const [dataset, rows] of Object.entries(expected.inputs)) {
      const got = m.inputs.find((i) => i.dataset === dataset)?.rows;
      if (got !== rows) problems.push(`${where}: manifest input ${dataset} has ${got ?? "no"} rows, uploaded ${rows}`);
    }
    const outputRows = (name: string) => m.outputs.find((o) => o.name === name)?.rows;
    if (run.verify === "exact") {
      for (const [output, rows] of Object.entries(expected.outputs)) {
        const got = outputRows(output);
        if (got !== rows) problems.push(`${where}: manifest output ${output} has ${got ?? "no"} rows, the generator expects ${rows}`);
      }
    } else {
      const total = Object.keys(expected.outputs).reduce((n, o) => n + (outputRows(o) ?? 0), 0);
      const trades = expected.inputs.trades ?? 0;
      if (total !== trades) problems.push(`${where}: outputs hold ${total} rows in all, expected one per trade (${trades})`);
    }
  }
  return problems;
}

export interface SmokeOutcome {
  readonly ok: boolean;
  readonly pipeline: string;
  readonly runDate: string;
  readonly executionName: string;
  readonly executionArn: string;
  readonly status: string;
  readonly problems: readonly string[];
  readonly expected: ExpectedRows;
  readonly observed?: Readonly<Record<string, number>>;
  readonly diagram?: string;
  readonly summary?: FailureNotification;
  readonly seconds: number;
}

function table(rows: readonly (readonly string[])[]): string[] {
  const [head, ...body] = rows;
  if (head === undefined) return [];
  return [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`, ...body.map((r) => `| ${r.join(" | ")} |`)];
}

/** The job summary of a smoke run (Markdown). */
export function smokeJobSummary(outcome: SmokeOutcome, environment: string): string {
  const lines = [
    `## Smoke test ${outcome.ok ? "passed" : "FAILED"}: ${outcome.pipeline} ${outcome.runDate} (${environment})`,
    "",
    ...table([
      ["Execution", "Status", "Duration"],
      [`\`${outcome.executionName}\``, outcome.status, `${outcome.seconds.toFixed(1)} s`],
    ]),
    "",
  ];
  const names = [...Object.keys(outcome.expected.inputs).map((d) => `input ${d}`), ...Object.keys(outcome.expected.outputs).map((o) => `output ${o}`)];
  const expected = { ...prefixed("input", outcome.expected.inputs), ...prefixed("output", outcome.expected.outputs) };
  lines.push(
    "### Row counts",
    "",
    ...table([["", "expected", "manifest"], ...names.map((n) => [n, String(expected[n]), String(outcome.observed?.[n] ?? "-")])]),
    "",
  );
  if (outcome.diagram !== undefined) lines.push("### State machine", "", outcome.diagram);
  if (outcome.problems.length > 0) lines.push("### Problems", "", ...outcome.problems.map((p) => `- ${p}`), "");
  if (outcome.summary !== undefined) {
    lines.push("### Failure summary (posted to the alert topic)", "", `**${outcome.summary.subject}**`, "", "```text", outcome.summary.message, "```", "");
  }
  return lines.join("\n");
}

function prefixed(kind: string, rows: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(rows).map(([k, v]) => [`${kind} ${k}`, v]));
}

async function readPartition(target: Target, pipeline: string, output: string, runDate: string): Promise<OutputPartition> {
  const prefix = resultsPrefix(pipeline, output, runDate);
  let manifest: string | undefined;
  try {
    const response = await target.s3.send(new GetObjectCommand({ Bucket: target.buckets.results, Key: `${prefix}${MANIFEST_FILE}` }));
    manifest = await response.Body?.transformToString("utf-8");
  } catch (err) {
    if (!["NoSuchKey", "NotFound"].includes(awsErrorName(err) ?? "")) throw err;
  }
  let marker = true;
  try {
    await target.s3.send(new HeadObjectCommand({ Bucket: target.buckets.results, Key: `${prefix}${MARKER_FILE}` }));
  } catch (err) {
    if (!["NoSuchKey", "NotFound"].includes(awsErrorName(err) ?? "")) throw err;
    marker = false;
  }
  return { output, manifest, marker };
}

function observedRows(partitions: readonly OutputPartition[]): Record<string, number> {
  const first = partitions.map((p) => (p.manifest === undefined ? undefined : parseManifest(p.manifest).manifest)).find((m) => m !== undefined);
  if (first === undefined) return {};
  return {
    ...prefixed("input", Object.fromEntries(first.inputs.map((i) => [i.dataset, i.rows]))),
    ...prefixed("output", Object.fromEntries(first.outputs.map((o) => [o.name, o.rows]))),
  };
}

export interface SmokeIo {
  readonly now: () => Date;
  readonly print: (line: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
  /** The "Posted by" line of a published summary. */
  readonly origin: string;
}

function requireGenerator(pipeline: PipelineConfig): void {
  // The generator writes the finance-risk datasets; another pipeline needs a generator of its own first.
  if (pipeline.name !== "finance-risk") throw new InputError(`--pipeline: ${pipeline.name} has no synthetic data generator (datagen/ generates finance-risk)`);
}

/** Uploads a synthetic day, follows its execution, verifies the outputs, and on failure posts the summary. */
export async function runSmoke(target: Target, input: SmokeInput, io: SmokeIo): Promise<SmokeOutcome> {
  const startedAt = io.now();
  const { pipeline, stateMachineArn } = findPipeline(target, input.pipeline);
  requireGenerator(pipeline);
  const runDate = input.runDate ?? smokeRunDate(startedAt);
  if (!isSmokeRunDate(runDate)) {
    throw new InputError(
      `--date: got ${JSON.stringify(runDate)}; the smoke test only runs on its own dates (years ${SMOKE_FIRST_YEAR}-9999), never on a business date`,
    );
  }
  const options: DatagenOptions = { seed: input.seed, runDate, trades: input.trades, ...SMOKE_REFERENCE_SIZES, exceptions: SMOKE_EXCEPTIONS };
  const day = generateDailyDatasets(options);
  const expected = expectedRows(day);
  const executionName = dailyExecutionName(pipeline.name, runDate);
  const executionArn = executionArnOf(stateMachineArn, executionName);
  io.print(`smoke ${target.environment}: ${pipeline.name} run_date=${runDate}, ${input.trades} trades, execution ${executionName}`);

  for (const step of uploadPlan(day, { pipeline: pipeline.name, withhold: input.withhold, orderSeed: input.seed })) {
    await putStep(target.s3, target.buckets.landing, step);
    io.print(`uploaded s3://${target.buckets.landing}/${step.key}`);
  }
  if (input.withhold.length > 0) io.print(`withheld ${input.withhold.join(", ")}: the run must fail at its deadline`);

  const elapsed = () => (io.now().getTime() - startedAt.getTime()) / 1000;
  let followed: Awaited<ReturnType<typeof followExecution>> | undefined;
  const problems: string[] = [];
  try {
    followed = await followExecution(target.sfn, executionArn, { pollMs: input.pollMs, timeoutMs: input.timeoutMs, print: io.print, sleep: io.sleep });
  } catch (err) {
    if (!(err instanceof FollowTimeoutError)) throw err;
    problems.push(err.message);
  }
  const status = followed?.status ?? "UNKNOWN";
  const history = followed?.history ?? [];
  let diagram: string | undefined;
  try {
    diagram = stateMachineDiagramMarkdown(await stateMachineDefinition(target.sfn, stateMachineArn), executionPath(history));
  } catch (err) {
    // The diagram helps the reader; a missing one must not hide the smoke's verdict.
    io.print(`no state machine diagram: ${(err as Error).message}`);
  }

  let observed: Record<string, number> | undefined;
  let summary: FailureNotification | undefined;
  // What every summary of this run says about where it ran.
  const run = {
    environment: target.environment,
    region: target.region,
    consoleBaseUrl: target.consoleBaseUrl,
    pipeline: pipeline.name,
    runDate,
    executionName,
    executionArn,
  };
  if (status === "SUCCEEDED") {
    const partitions = await Promise.all(pipeline.outputs.map((o) => readPartition(target, pipeline.name, o.name, runDate)));
    observed = observedRows(partitions);
    problems.push(...checkOutputs(partitions, expected, { pipeline: pipeline.name, runDate, executionName, verify: input.verify }));
    if (problems.length > 0) {
      summary = buildFailureSummary({
        ...run,
        state: "smoke verification",
        error: "SmokeVerificationFailed",
        cause: problems.join("\n"),
        startedAt: followed?.execution.startDate?.toISOString(),
        failedAt: io.now().toISOString(),
        rerunMode: "restart",
        notes: ["the execution SUCCEEDED, but its outputs differ from what the smoke test uploaded"],
      });
    }
  } else if (followed !== undefined) {
    const ended = {
      ...run,
      status: status as FailureStatus,
      startDate: followed.execution.startDate,
      stopDate: followed.execution.stopDate,
      error: followed.execution.error,
      cause: followed.execution.cause,
      history,
    };
    const notes: string[] = [];
    const missing = await missingAtDeadline(
      target.s3,
      target.buckets.landing,
      pipeline.datasets.map((d) => d.name),
      ended,
      notes,
    );
    summary = summarizeEndedExecution(ended, { missingDatasets: missing, notes });
    problems.push(`execution ${executionName} ended ${status}: ${summary.subject}`);
  } else {
    summary = buildFailureSummary({
      ...run,
      state: "smoke follow",
      error: "SmokeTimeout",
      cause: problems.join("\n"),
      failedAt: io.now().toISOString(),
      rerunMode: "redrive",
    });
  }
  if (summary !== undefined) {
    const messageId = await publishSummary(target.sns, target.alertTopicArn, summary, io.origin);
    io.print(`posted the failure summary to ${target.alertTopicArn}${messageId ? ` (message ${messageId})` : ""}: ${summary.subject}`);
  }
  const ok = status === "SUCCEEDED" && problems.length === 0;
  io.print(ok ? `smoke passed: ${executionName} SUCCEEDED and its outputs match the generated day` : `smoke FAILED: ${problems.join("; ")}`);
  return { ok, pipeline: pipeline.name, runDate, executionName, executionArn, status, problems, expected, observed, diagram, summary, seconds: elapsed() };
}
