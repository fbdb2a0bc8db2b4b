/**
 * The local stack: the whole data path of one environment on this machine, in-process, with no
 * AWS account and no Docker.
 *
 * - S3: s3rver on 127.0.0.1 (the real S3 HTTP API), buckets named exactly as the environment names them;
 * - the trigger: s3rver's notifications, turned into EventBridge "Object Created" events (the
 *   shape and the incoming/ filter of the deployed rule) and fed to the real on-upload handler;
 * - Step Functions: aws-local-stepfunctions running the definition the environment's stack
 *   synthesizes (read out of cdk.tf.json), with the local task handlers of local/tasks.ts;
 * - Glue: the DuckDB engine running the same job spec and SQL, reading and writing through the S3 API;
 * - SNS: an outbox file (JSON lines) and the console; failures that never reach the Catch path
 *   go through the real summarizer's status-change path, as the EventBridge rule sends them on AWS.
 */
import "./polyfills";
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { App } from "cdktf";
import { projectConfig, validateConfig } from "../config";
import type { EnvironmentConfig, PipelineConfig } from "../config/types";
import { runJoinOnS3, type S3JoinJob } from "../engine/s3-join";
import { buildJobSpec } from "../engine/spec";
import { createOnUploadHandler } from "../lambdas/on-upload/handler";
import { LANDING_ROOT, landingPrefix, type RuntimeConfig } from "../lambdas/shared/contracts";
import { sfnHistoryReader } from "../lambdas/shared/history";
import type { LoggerPort } from "../lambdas/shared/ports";
import { buildRuntimeConfig } from "../lambdas/shared/runtime-config";
import { createSummarizeFailureHandler } from "../lambdas/summarize-failure/handler";
import { ResourceNames } from "../stacks/names";
import { PipelineStack, stackIdFor } from "../stacks/pipeline-stack";
import { LocalSns, type OutboxMessage } from "./outbox";
import { type LocalS3, type S3NotificationEvent, startLocalS3 } from "./s3";
import { type ExecutionProgress, LocalStepFunctions, type StateProgress } from "./step-functions";
import { definitionFromSynthesizedStack } from "./synthesized-definition";
import { buildLocalTaskHandlers, type JoinRequest, type JoinResult, JoinRunFailedError, type JoinRunner } from "./tasks";

export const REPO_ROOT = resolve(__dirname, "..");

/** Where the local runtime keeps its files by default (git-ignored). */
export const LOCAL_DIR = join(REPO_ROOT, ".local");

export interface LocalStackOptions {
  /** The environment to run. Default: "dev" from config/environments.ts. */
  readonly environment?: EnvironmentConfig;
  /** Port of the S3 endpoint on 127.0.0.1. Default: 0 (any free port). */
  readonly port?: number;
  /** Directory for the buckets' files and the outbox. Default: a fresh temporary directory, removed on stop(). */
  readonly dataDir?: string;
  /** Outbox file (JSON lines). Default: `<dataDir>/outbox.jsonl`. */
  readonly outboxPath?: string;
  /** Deadline of every pipeline's wait in seconds, instead of the configured one (scenarios, tests). Default: configured. */
  readonly deadlineSeconds?: number;
  /** Replaces the DuckDB join (scenarios that make the join fail, tests). Default: the DuckDB engine over S3. */
  readonly joinOverride?: (request: JoinRequest, duckdb: JoinRunner) => Promise<JoinResult>;
  /** Each state entered, exited, failed or retried. Default: nothing. */
  readonly onState?: (event: StateProgress) => void;
  /** Each execution started or finished. Default: nothing. */
  readonly onExecution?: (event: ExecutionProgress) => void;
  /** Each alert published to the local topic. Default: nothing. */
  readonly onAlert?: (message: OutboxMessage) => void;
  /** Default: a logger that drops debug and info and prints warnings and errors to stderr. */
  readonly logger?: LoggerPort;
}

/** The shape of .local/stack.json (DESIGN.md, "The local runtime"). */
export interface StackDescription {
  readonly s3: { readonly endpoint: string; readonly region: string; readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly pipelines: Readonly<
    Record<
      string,
      {
        readonly landing: string;
        readonly references: Readonly<Record<string, string>>;
        readonly outputs: Readonly<Record<string, string>>;
        readonly deadlineSeconds: number;
      }
    >
  >;
  readonly outbox: string;
}

export interface LocalStack {
  readonly s3: LocalS3;
  readonly sfn: LocalStepFunctions;
  readonly config: RuntimeConfig;
  readonly environment: EnvironmentConfig;
  readonly outboxPath: string;
  /** What .local/stack.json holds. */
  describe(): StackDescription;
  /** Resolves once every S3 event received so far has been handled. */
  settled(): Promise<void>;
  /** Stops S3 and Step Functions; removes a temporary data directory. */
  stop(): Promise<void>;
}

const quietLogger: LoggerPort = {
  debug() {},
  info() {},
  warn(message, extra) {
    process.stderr.write(`WARN  ${message}${extra ? ` ${JSON.stringify(extra)}` : ""}\n`);
  },
  error(message, extra) {
    process.stderr.write(`ERROR ${message}${extra ? ` ${JSON.stringify(extra, errorReplacer)}` : ""}\n`);
  },
};

function errorReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message } : value;
}

/** The dev environment of this repository's configuration, checked. */
export function defaultEnvironment(): EnvironmentConfig {
  const config = validateConfig(projectConfig);
  const dev = config.environments.find((e) => e.name === "dev") ?? config.environments[0];
  if (dev === undefined) throw new Error("config/environments.ts defines no environment to run locally");
  return dev;
}

function withDeadline(environment: EnvironmentConfig, deadlineSeconds: number | undefined): EnvironmentConfig {
  if (deadlineSeconds === undefined) return environment;
  return { ...environment, pipelines: environment.pipelines.map((p) => ({ ...p, deadlineSeconds })) };
}

/** Synthesizes the environment's stack (as `cdktf synth` does) and returns its cdk.tf.json. */
export function synthesizeStack(environment: EnvironmentConfig): Record<string, unknown> {
  const outdir = mkdtempSync(join(tmpdir(), "local-synth-"));
  try {
    const app = new App({ outdir });
    const id = stackIdFor(environment);
    new PipelineStack(app, id, { project: projectConfig.project, environment, bundleDir: join(outdir, "bundles") });
    app.synth();
    return JSON.parse(readFileSync(join(outdir, "stacks", id, "cdk.tf.json"), "utf8")) as Record<string, unknown>;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  if (!match) throw new Error(`not an s3:// location: ${JSON.stringify(uri)}`);
  return { bucket: match[1] as string, prefix: match[2] as string };
}

/** The buckets a pipeline's references live in (they exist before the pipeline on AWS; locally they are created empty). */
function referenceBuckets(environment: EnvironmentConfig): string[] {
  return environment.pipelines.flatMap((p) => p.references.map((r) => parseS3Uri(r.location).bucket));
}

/** S3's key encoding in event notifications: URL encoding with "+" for spaces. */
export function encodeEventKey(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, "/").replace(/%20/g, "+");
}

/** An s3rver record as the EventBridge "Object Created" event S3 sends on AWS. */
export function objectCreatedEvent(record: S3NotificationEvent["Records"][number], environment: EnvironmentConfig): Record<string, unknown> {
  const bucket = record.s3.bucket.name;
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "Object Created",
    source: "aws.s3",
    account: environment.accountId,
    time: record.eventTime,
    region: environment.region,
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: "0",
      bucket: { name: bucket },
      object: {
        key: encodeEventKey(record.s3.object.key),
        size: record.s3.object.size ?? 0,
        etag: record.s3.object.eTag ?? "",
        sequencer: record.s3.object.sequencer ?? "",
      },
      "request-id": randomUUID(),
      requester: environment.accountId,
      "source-ip-address": "127.0.0.1",
      reason: record.eventName.endsWith("Copy") ? "CopyObject" : "PutObject",
    },
  };
}

/** Starts the local stack of an environment and returns once it accepts uploads. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const environment = withDeadline(options.environment ?? defaultEnvironment(), options.deadlineSeconds);
  const logger = options.logger ?? quietLogger;
  const names = new ResourceNames(environment);
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "local-stack-"));
  mkdirSync(dataDir, { recursive: true });
  const outboxPath = options.outboxPath ?? join(dataDir, "outbox.jsonl");

  const stackJson = synthesizeStack(environment);
  const landing = names.bucket("landing");
  const results = names.bucket("results");
  const artifacts = names.bucket("artifacts");
  const config = buildRuntimeConfig({
    environment,
    landingBucket: landing,
    resultsBucket: results,
    controlBucket: artifacts,
    alertTopicArn: `arn:aws:sns:${environment.region}:${environment.accountId}:${names.named("alerts")}`,
    stateMachineArn: (pipeline) => names.stateMachineArn(pipeline),
    consoleBaseUrl: "local",
  });

  const pending = new Set<Promise<unknown>>();
  let deliver: (event: S3NotificationEvent) => void = () => {};
  const s3 = await startLocalS3({
    port: options.port,
    directory: join(dataDir, "s3"),
    buckets: [...new Set([landing, results, artifacts, ...referenceBuckets(environment)])],
    onEvent: (event) => deliver(event),
  });
  const sfn = new LocalStepFunctions({ region: environment.region, accountId: environment.accountId });
  const sns = new LocalSns(outboxPath, options.onAlert);
  const now = () => new Date();

  const pipelinesByJob = new Map<string, PipelineConfig>(environment.pipelines.map((p) => [names.glueJob(p.name), p]));
  const duckdbJoin: JoinRunner = async ({ jobName, arguments: args }) => {
    const pipeline = pipelinesByJob.get(jobName);
    if (pipeline === undefined) throw Object.assign(new Error(`Job ${jobName} not found`), { name: "Glue.EntityNotFoundException" });
    const runDate = args["--run_date"];
    const executionName = args["--execution_name"];
    if (runDate === undefined || executionName === undefined) throw new JoinRunFailedError("job arguments --run_date and --execution_name are required");
    const job: S3JoinJob = {
      spec: buildJobSpec(pipeline),
      sqlDir: join(REPO_ROOT, "glue", "sql", pipeline.name),
      landing: { bucket: landing, prefix: `${LANDING_ROOT}${pipeline.name}/` },
      results: { bucket: results, prefix: `${pipeline.name}/` },
      references: Object.fromEntries(pipeline.references.map((r) => [r.name, parseS3Uri(r.location)])),
    };
    const startedAt = Date.now();
    try {
      await runJoinOnS3(s3.client, job, { runDate, executionName, clock: now });
    } catch (err) {
      throw new JoinRunFailedError((err as Error).message);
    }
    return { jobRunId: `jr_${randomUUID().replace(/-/g, "")}`, executionTimeSeconds: Math.round((Date.now() - startedAt) / 1000) };
  };
  const runJoin: JoinRunner = options.joinOverride
    ? (request) => (options.joinOverride as NonNullable<typeof options.joinOverride>)(request, duckdbJoin)
    : duckdbJoin;

  const handlers = buildLocalTaskHandlers({ s3: s3.client, sfn, config, logger, now, runJoin, sns });
  for (const pipeline of environment.pipelines) {
    sfn.createStateMachine(names.stateMachine(pipeline.name), definitionFromSynthesizedStack(stackJson, pipeline.name), handlers);
  }

  const onUpload = createOnUploadHandler({ s3: s3.client, sfn, config, logger, now });
  const summarize = createSummarizeFailureHandler({ s3: s3.client, history: sfnHistoryReader(sfn), sns, config, logger, now });
  const track = (work: Promise<unknown>) => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };

  // The deployed trigger: an EventBridge rule on the landing bucket's Object Created events under
  // incoming/, with retries before the event goes to the dead-letter queue.
  deliver = (event) => {
    for (const record of event.Records) {
      if (!record.eventName.startsWith("ObjectCreated:")) continue;
      if (record.s3.bucket.name !== landing || !record.s3.object.key.startsWith(LANDING_ROOT)) continue;
      track(deliverWithRetries(() => onUpload(objectCreatedEvent(record, environment)), logger, record.s3.object.key));
    }
  };

  sfn.on("state", (event) => options.onState?.(event));
  sfn.on("execution", (event) => {
    options.onExecution?.(event);
    // The deployed EventBridge rule on execution status changes: failures that never reach the
    // Catch path still alert; the summarizer skips those the Catch path already notified.
    if (event.status === "FAILED" || event.status === "TIMED_OUT" || event.status === "ABORTED") {
      const detail = sfn.listExecutions().find((e) => e.executionArn === event.executionArn);
      if (detail === undefined) return;
      track(
        summarize({
          version: "0",
          id: randomUUID(),
          "detail-type": "Step Functions Execution Status Change",
          source: "aws.states",
          account: environment.accountId,
          time: new Date().toISOString(),
          region: environment.region,
          resources: [detail.executionArn],
          detail: {
            executionArn: detail.executionArn,
            stateMachineArn: detail.stateMachineArn,
            name: detail.name,
            status: detail.status,
            startDate: detail.startDate.getTime(),
            stopDate: detail.stopDate?.getTime() ?? null,
            input: detail.input,
            output: null,
            error: detail.error ?? null,
            cause: detail.cause ?? null,
          },
        }).catch((err: unknown) => logger.error("Status-change summary failed", { error: err as Error })),
      );
    }
  });

  const describe = (): StackDescription => ({
    s3: { endpoint: s3.endpoint, region: s3.region, accessKeyId: s3.credentials.accessKeyId, secretAccessKey: s3.credentials.secretAccessKey },
    pipelines: Object.fromEntries(
      environment.pipelines.map((p) => [
        p.name,
        {
          landing: `s3://${landing}/${LANDING_ROOT}${p.name}/`,
          references: Object.fromEntries(p.references.map((r) => [r.name, r.location])),
          outputs: Object.fromEntries(p.outputs.map((o) => [o.name, `s3://${results}/${p.name}/${o.name}/`])),
          deadlineSeconds: p.deadlineSeconds,
        },
      ]),
    ),
    outbox: outboxPath,
  });

  let stopped = false;
  return {
    s3,
    sfn,
    config,
    environment,
    outboxPath,
    describe,
    async settled() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      deliver = () => {};
      await sfn.shutdown();
      await Promise.allSettled([...pending]);
      await s3.stop();
      if (temporary) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** EventBridge retries a failed Lambda target; after the last attempt the event goes to the DLQ (here: an error line). */
async function deliverWithRetries(invoke: () => Promise<unknown>, logger: LoggerPort, key: string, attempts = 3): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await invoke();
      return;
    } catch (err) {
      if (attempt >= attempts) {
        logger.error("on-upload failed on every attempt; the event would go to the dead-letter queue", { key, error: err as Error });
        return;
      }
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
  }
}

/** The landing key of a dataset file for a pipeline and day. */
export function landingKey(pipeline: string, dataset: string, runDate: string, file: string): string {
  return `${landingPrefix(pipeline, dataset, runDate)}${file}`;
}
