/**
 * What the orchestration tests share: the pipeline definition they execute, and a harness that runs
 * it on LocalStepFunctions with the local task handlers, the real Lambda cores and s3rver.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { financeRiskPipeline } from "../../config";
import { onObjectCreated, onScheduledStart } from "../../lambdas/on-upload/core";
import {
  dailyExecutionName,
  landingPrefix,
  MANIFEST_FILE,
  MARKER_FILE,
  markerKey,
  type RuntimeConfig,
  resultsPrefix,
  STATES,
} from "../../lambdas/shared/contracts";
import type { LoggerPort } from "../../lambdas/shared/ports";
import { buildRuntimeConfig } from "../../lambdas/shared/runtime-config";
import { LocalSns, type OutboxMessage, readOutbox } from "../../local/outbox";
import { defaultEnvironment, synthesizeStack } from "../../local/runtime";
import { LocalStepFunctions, type LocalTaskHandler } from "../../local/step-functions";
import { definitionFromSynthesizedStack, withTaskTimeout } from "../../local/synthesized-definition";
import { buildLocalTaskHandlers, type JoinRequest, type JoinResult, type JoinRunner } from "../../local/tasks";
import type { StateMachineDefinition } from "../../stacks/orchestration/asl";
import type { PipelineDefinitionProps } from "../../stacks/orchestration/definition";
import type { LocalS3 } from "../helpers/s3rver";

export const PIPELINE = "finance-risk";
export const BUCKETS = { landing: "detl-test-landing", results: "detl-test-results", control: "detl-test-artifacts" } as const;
export const DATASETS = ["trades", "market_prices", "fx_rates"] as const;

const ACCOUNT = "111111111111";
const lambdaArn = (name: string) => `arn:aws:lambda:us-east-1:${ACCOUNT}:function:detl-dev-${name}`;

/** Fake but well-formed ARNs for the definition, as the stack would pass Terraform references. */
export const FAKE_PROPS: PipelineDefinitionProps = {
  pipeline: PIPELINE,
  functions: {
    checkRunInput: lambdaArn("check-run-input"),
    awaitDatasets: lambdaArn("await-datasets"),
    verifyOutput: lambdaArn("verify-output"),
    summarizeFailure: lambdaArn("summarize-failure"),
  },
  glueJobName: "detl-dev-finance-risk-join",
  glueJobArn: `arn:aws:glue:us-east-1:${ACCOUNT}:job/detl-dev-finance-risk-join`,
  alertTopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:detl-dev-alerts`,
  alertKeyArn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/0b1c2d3e-1111-2222-3333-444455556666`,
  deadlineSeconds: 3600,
  // The dev stack's: Glue timeout (240 min) plus the 15 min margin for the job to start.
  joinTimeoutSeconds: 240 * 60 + 900,
};

let synthesized: Record<string, unknown> | undefined;

/**
 * The definition the executions run: the one the dev stack synthesizes into cdk.tf.json for
 * aws_sfn_state_machine (synthesized once per test file), with Terraform references replaced by
 * well-formed ARNs. `deadlineSeconds` shortens the WaitForDatasets deadline for a test.
 */
export function executedDefinition(options: { readonly deadlineSeconds?: number } = {}): StateMachineDefinition {
  synthesized ??= synthesizeStack(defaultEnvironment());
  const definition = definitionFromSynthesizedStack(synthesized, PIPELINE);
  return options.deadlineSeconds === undefined ? definition : withTaskTimeout(definition, STATES.waitForDatasets, options.deadlineSeconds);
}

export const silentLogger: LoggerPort = { debug() {}, info() {}, warn() {}, error() {} };

/** A join that writes whole output partitions and a manifest for the run, like the DuckDB engine does. */
export function writingJoin(s3: LocalS3, rows = { trades: 3, exposures: 2, exceptions: 1 }): JoinRunner {
  let runs = 0;
  return async (request: JoinRequest): Promise<JoinResult> => {
    runs++;
    const runDate = request.arguments["--run_date"];
    const execution = request.arguments["--execution_name"];
    const manifest = {
      pipeline: PIPELINE,
      run_date: runDate,
      execution,
      engine: "duckdb",
      inputs: DATASETS.map((dataset) => ({
        dataset,
        keys: [`${landingPrefix(PIPELINE, dataset, runDate)}part-0.csv`],
        bytes: 10,
        rows: dataset === "trades" ? rows.trades : 1,
      })),
      outputs: [
        { name: "trade_exposures", rows: rows.exposures },
        { name: "trade_exceptions", rows: rows.exceptions },
      ],
      started_at: new Date().toISOString(),
      finished_at: new Date().toISOString(),
    };
    for (const output of ["trade_exposures", "trade_exceptions"]) {
      const prefix = resultsPrefix(PIPELINE, output, runDate);
      const put = (key: string, body: string) =>
        s3.client.send(new PutObjectCommand({ Bucket: BUCKETS.results, Key: `${prefix}${key}`, Body: Buffer.from(body) }));
      await put("part-00000.parquet", "data");
      await put(MANIFEST_FILE, JSON.stringify(manifest));
      await put(MARKER_FILE, "");
    }
    return { jobRunId: `jr_test_${runs.toString().padStart(4, "0")}`, executionTimeSeconds: 1 };
  };
}

export interface HarnessOptions {
  readonly definition?: StateMachineDefinition;
  readonly runJoin?: JoinRunner;
  readonly retryIntervalOverrides?: Readonly<Record<string, number | readonly number[]>>;
  /** Handlers replacing the built ones, by state name (to make a state fail). Default: none. */
  readonly handlerOverrides?: Readonly<Record<string, LocalTaskHandler>>;
}

export interface Harness {
  readonly sfn: LocalStepFunctions;
  readonly config: RuntimeConfig;
  readonly stateMachineArn: string;
  /** Every join request, in order. */
  readonly joins: JoinRequest[];
  readonly outboxPath: string;
  outbox(): OutboxMessage[];
  executionArn(runDate: string): string;
  /** Puts a data file of a dataset, then its _SUCCESS marker when `marker` is set. Returns the keys written. */
  putData(dataset: string, runDate: string): Promise<string>;
  putMarker(dataset: string, runDate: string): Promise<string>;
  /** Delivers an "Object Created" event for a landing key to the on-upload core. */
  deliver(key: string): ReturnType<typeof onObjectCreated>;
  /** The pipeline's schedule fires for `runDate` (02:00 UTC that day). */
  scheduleStart(runDate: string): ReturnType<typeof onScheduledStart>;
  stop(): Promise<void>;
}

export function startHarness(s3: LocalS3, options: HarnessOptions = {}): Harness {
  const sfn = new LocalStepFunctions();
  const config = buildRuntimeConfig({
    environment: { name: "dev", region: "us-east-1", pipelines: [financeRiskPipeline({ referenceBucket: "detl-test-reference", deadlineSeconds: 3600 })] },
    landingBucket: BUCKETS.landing,
    resultsBucket: BUCKETS.results,
    controlBucket: BUCKETS.control,
    alertTopicArn: FAKE_PROPS.alertTopicArn,
    stateMachineArn: (pipeline) => sfn.stateMachineArn(pipeline),
    consoleBaseUrl: "local",
  });
  const dir = mkdtempSync(join(tmpdir(), "orchestration-"));
  const outboxPath = join(dir, "outbox.jsonl");
  const joins: JoinRequest[] = [];
  const runJoin = options.runJoin ?? writingJoin(s3);
  const now = () => new Date();
  const handlers = buildLocalTaskHandlers({
    s3: s3.client,
    sfn,
    config,
    logger: silentLogger,
    now,
    sns: new LocalSns(outboxPath),
    runJoin: async (request) => {
      joins.push(request);
      return runJoin(request);
    },
  });
  const stateMachineArn = sfn.createStateMachine(
    PIPELINE,
    options.definition ?? executedDefinition(),
    { ...handlers, ...options.handlerOverrides },
    {
      retryIntervalOverrides: options.retryIntervalOverrides,
    },
  );
  const deps = { s3: s3.client, sfn, config, logger: silentLogger, now };
  const put = async (key: string, body: string) => {
    await s3.client.send(new PutObjectCommand({ Bucket: BUCKETS.landing, Key: key, Body: Buffer.from(body) }));
    return key;
  };
  return {
    sfn,
    config,
    stateMachineArn,
    joins,
    outboxPath,
    outbox: () => readOutbox(outboxPath),
    executionArn: (runDate) => sfn.executionArn(PIPELINE, dailyExecutionName(PIPELINE, runDate)),
    putData: (dataset, runDate) => put(`${landingPrefix(PIPELINE, dataset, runDate)}part-0.csv`, "header\nrow\n"),
    putMarker: (dataset, runDate) => put(markerKey(PIPELINE, dataset, runDate), ""),
    deliver: (key) => onObjectCreated(deps, { bucket: BUCKETS.landing, key }),
    scheduleStart: (runDate) => onScheduledStart(deps, { source: "etl.scheduler", pipeline: PIPELINE, scheduledTime: `${runDate}T02:00:00Z` }),
    async stop() {
      await sfn.shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
