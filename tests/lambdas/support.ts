/** Shared by the Lambda tests: the prod configuration, fixtures, and a logger that records. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import {
  ExecutionAlreadyExists,
  type HistoryEvent,
  SendTaskSuccessCommand,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  type SFNClientResolvedConfig,
  StartExecutionCommand,
  TaskTimedOut,
} from "@aws-sdk/client-sfn";
import type { AwsStub } from "aws-sdk-client-mock";
import { projectConfig } from "../../config";
import { markerKey, type RunContext, type RuntimeConfig } from "../../lambdas/shared/contracts";
import type { LoggerPort, S3Port } from "../../lambdas/shared/ports";
import { buildRuntimeConfig, stateMachineArnFromName } from "../../lambdas/shared/runtime-config";

export const BUCKETS = { landing: "detl-prod-landing", results: "detl-prod-results", control: "detl-prod-artifacts" } as const;
export const TOPIC_ARN = "arn:aws:sns:us-east-1:222222222222:detl-prod-alerts";
export const STATE_MACHINE_ARN = stateMachineArnFromName("us-east-1", "222222222222", "detl-prod-finance-risk");
export const EXECUTION_ARN = "arn:aws:states:us-east-1:222222222222:execution:detl-prod-finance-risk:finance-risk-2026-12-03";

/** The RunContext of the day's upload-started run (what CheckRunInput returns, what VerifyOutput gets). */
export const RUN: RunContext = {
  pipeline: "finance-risk",
  runDate: "2026-12-03",
  trigger: "upload",
  executionName: "finance-risk-2026-12-03",
  executionArn: EXECUTION_ARN,
  startedAt: "2026-12-03T02:00:00.123Z",
  datasets: ["trades", "market_prices", "fx_rates"],
  glueArguments: { "--run_date": "2026-12-03", "--execution_name": "finance-risk-2026-12-03" },
};

/** The prod environment's runtime configuration, as the stack builds it. */
export function prodRuntimeConfig(): RuntimeConfig {
  const prod = projectConfig.environments.find((e) => e.name === "prod");
  if (prod === undefined) throw new Error("config/environments.ts has no prod environment");
  return buildRuntimeConfig({
    environment: prod,
    landingBucket: BUCKETS.landing,
    resultsBucket: BUCKETS.results,
    controlBucket: BUCKETS.control,
    alertTopicArn: TOPIC_ARN,
    stateMachineArn: () => STATE_MACHINE_ARN,
  });
}

export interface RecordingLogger extends LoggerPort {
  readonly entries: { level: string; message: string; extra?: Record<string, unknown> }[];
}

export function recordingLogger(): RecordingLogger {
  const entries: RecordingLogger["entries"] = [];
  const at = (level: string) => (message: string, extra?: Record<string, unknown>) => {
    entries.push({ level, message, extra });
  };
  return { entries, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

const FIXTURES = join(__dirname, "..", "fixtures", "events");

export function loadEvent(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURES, name), "utf8")) as Record<string, unknown>;
}

/** A recorded GetExecutionHistory response; timestamps become Dates as the SDK returns them. */
export function loadHistory(name: string): HistoryEvent[] {
  const { events } = JSON.parse(readFileSync(join(FIXTURES, "histories", name), "utf8")) as { events: (HistoryEvent & { timestamp: string })[] };
  return events.map((e) => ({ ...e, timestamp: new Date(e.timestamp) }));
}

export async function putMarker(s3: S3Port, pipeline: string, dataset: string, runDate: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: BUCKETS.landing, Key: markerKey(pipeline, dataset, runDate), Body: "", ContentLength: 0 }));
}

/**
 * The Step Functions API as these Lambdas see it: StartExecution rejects a second start of the same
 * name with ExecutionAlreadyExists, and a task token completes once; later SendTaskSuccess calls
 * get TaskTimedOut, as AWS answers for a task that is over.
 */
export function fakeStepFunctions(sfnMock: AwsStub<ServiceInputTypes, ServiceOutputTypes, SFNClientResolvedConfig>) {
  const executions = new Set<string>();
  const completed = new Map<string, string>();
  const sends: { taskToken: string; output: unknown; accepted: boolean }[] = [];
  sfnMock.on(StartExecutionCommand).callsFake((input: { stateMachineArn: string; name: string }) => {
    if (executions.has(input.name)) {
      throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${input.stateMachineArn}:${input.name}'`, $metadata: {} });
    }
    executions.add(input.name);
    return { executionArn: `${input.stateMachineArn.replace(":stateMachine:", ":execution:")}:${input.name}`, startDate: new Date() };
  });
  sfnMock.on(SendTaskSuccessCommand).callsFake((input: { taskToken: string; output: string }) => {
    const accepted = !completed.has(input.taskToken);
    sends.push({ taskToken: input.taskToken, output: JSON.parse(input.output), accepted });
    if (!accepted) throw new TaskTimedOut({ message: "Task Timed Out: 'Provided task does not exist anymore'", $metadata: {} });
    completed.set(input.taskToken, input.output);
    return {};
  });
  return {
    executions,
    sends,
    /** How many times a token was released successfully. */
    releases: (taskToken: string) => sends.filter((s) => s.taskToken === taskToken && s.accepted).length,
  };
}
