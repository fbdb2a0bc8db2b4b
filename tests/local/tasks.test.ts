import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { financeRiskPipeline } from "../../config";
import { STATES } from "../../lambdas/shared/contracts";
import type { S3Port } from "../../lambdas/shared/ports";
import { buildRuntimeConfig } from "../../lambdas/shared/runtime-config";
import { LocalSns, type OutboxMessage } from "../../local/outbox";
import { LocalStepFunctions } from "../../local/step-functions";
import { buildLocalTaskHandlers, JoinRunFailedError, type JoinRunner } from "../../local/tasks";

const config = buildRuntimeConfig({
  environment: { name: "dev", region: "us-east-1", pipelines: [financeRiskPipeline({ referenceBucket: "detl-test-reference" })] },
  landingBucket: "landing",
  resultsBucket: "results",
  controlBucket: "control",
  alertTopicArn: "arn:aws:sns:us-east-1:000000000000:alerts",
  stateMachineArn: (p) => `arn:aws:states:us-east-1:000000000000:stateMachine:${p}`,
  consoleBaseUrl: "local",
});
const noS3: S3Port = {
  send: () => {
    throw new Error("these handlers must not call S3");
  },
};
const FIXED = new Date("2025-05-01T02:00:00.000Z");
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tasks-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function handlers(runJoin: JoinRunner = async () => ({ jobRunId: "jr_1", executionTimeSeconds: 42 }), onPublish?: (m: OutboxMessage) => void) {
  return buildLocalTaskHandlers({
    s3: noS3,
    sfn: new LocalStepFunctions(),
    config,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    now: () => FIXED,
    runJoin,
    sns: new LocalSns(join(dir, "nested", "outbox.jsonl"), onPublish, () => FIXED),
  });
}

const execution = {
  name: "finance-risk-2025-05-01",
  arn: "arn:aws:states:us-east-1:000000000000:execution:finance-risk:finance-risk-2025-05-01",
  startTime: FIXED.toISOString(),
};
const joinParams = { JobName: "detl-dev-finance-risk-join", Arguments: { "--run_date": "2025-05-01", "--execution_name": execution.name } };

describe("local task handlers", () => {
  it("cover every Task state of the pipeline", () => {
    expect(Object.keys(handlers()).sort()).toEqual(
      [STATES.checkRunInput, STATES.waitForDatasets, STATES.runJoin, STATES.verifyOutput, STATES.summarizeFailure, STATES.notifyFailure].sort(),
    );
  });

  it("answer a lambda:invoke state like Lambda: the core's result as Payload", async () => {
    const result = await handlers()[STATES.checkRunInput]({
      FunctionName: "f",
      Payload: { input: { pipeline: "finance-risk", runDate: "2025-05-01" }, execution },
    });
    expect(result).toMatchObject({
      StatusCode: 200,
      Payload: { pipeline: "finance-risk", runDate: "2025-05-01", trigger: "manual", executionName: execution.name },
    });
  });

  it("report a core's error like the Lambda runtime: its name as the error, errorType and errorMessage as JSON cause", async () => {
    const error = await Promise.resolve(
      handlers()[STATES.checkRunInput]({ FunctionName: "f", Payload: { input: { pipeline: "nope", runDate: "2025-05-01" }, execution } }),
    ).catch((e: Error) => e);
    expect((error as Error).name).toBe("InvalidRunInput");
    const cause = JSON.parse((error as Error).message);
    expect(cause).toMatchObject({ errorType: "InvalidRunInput", errorMessage: expect.stringContaining('Execution input field "pipeline": got "nope"') });
  });

  it("answer RunJoin with a SUCCEEDED JobRun like Glue's .sync integration", async () => {
    const result = await handlers()[STATES.runJoin](joinParams);
    expect(result).toEqual({
      Id: "jr_1",
      Attempt: 0,
      JobName: "detl-dev-finance-risk-join",
      JobRunState: "SUCCEEDED",
      Arguments: joinParams.Arguments,
      StartedOn: FIXED.toISOString(),
      CompletedOn: FIXED.toISOString(),
      LastModifiedOn: FIXED.toISOString(),
      ExecutionTime: 42,
    });
  });

  it("turn a failed join into States.TaskFailed with the FAILED JobRun as JSON cause", async () => {
    const failing = handlers(async () => {
      throw new JoinRunFailedError("trades: line 7: quantity 'x' is not a decimal", "jr_failed");
    });
    const error = (await Promise.resolve(failing[STATES.runJoin](joinParams)).catch((e: Error) => e)) as Error;
    expect(error.name).toBe("States.TaskFailed");
    expect(JSON.parse(error.message)).toMatchObject({ Id: "jr_failed", JobRunState: "FAILED", ErrorMessage: "trades: line 7: quantity 'x' is not a decimal" });
  });

  it("keep the Glue.* name of a StartJobRun error so Retry can match it", async () => {
    const busy = handlers(async () => {
      throw Object.assign(new Error("too many runs"), { name: "Glue.ConcurrentRunsExceededException" });
    });
    await expect(Promise.resolve(busy[STATES.runJoin](joinParams))).rejects.toMatchObject({ name: "Glue.ConcurrentRunsExceededException" });
  });

  it("refuse non-string Glue arguments like StartJobRun does", async () => {
    await expect(Promise.resolve(handlers()[STATES.runJoin]({ JobName: "j", Arguments: { "--run_date": 20250501 } }))).rejects.toMatchObject({
      name: "Glue.InvalidInputException",
    });
  });

  it("publish each alert as one JSON line of the outbox and to the observer", async () => {
    const published: OutboxMessage[] = [];
    const h = handlers(undefined, (m) => published.push(m));
    const first = await h[STATES.notifyFailure]({ TopicArn: config.alertTopicArn, Subject: "[dev] run failed", Message: "line 1\nline 2" });
    await h[STATES.notifyFailure]({ TopicArn: config.alertTopicArn, Subject: "[dev] again", Message: "second" });
    expect(first).toEqual({ MessageId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const lines = readFileSync(join(dir, "nested", "outbox.jsonl"), "utf-8")
      .trimEnd()
      .split("\n");
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { time: FIXED.toISOString(), topicArn: config.alertTopicArn, subject: "[dev] run failed", message: "line 1\nline 2" },
      { time: FIXED.toISOString(), topicArn: config.alertTopicArn, subject: "[dev] again", message: "second" },
    ]);
    expect(published.map((m) => m.subject)).toEqual(["[dev] run failed", "[dev] again"]);
  });

  it("refuse a subject SNS would refuse", async () => {
    const notify = handlers()[STATES.notifyFailure];
    await expect(Promise.resolve(notify({ TopicArn: "t", Subject: "x".repeat(100), Message: "m" }))).rejects.toMatchObject({
      name: "SNS.InvalidParameterException",
    });
    await expect(Promise.resolve(notify({ TopicArn: "t", Subject: "two\nlines", Message: "m" }))).rejects.toMatchObject({
      name: "SNS.InvalidParameterException",
    });
  });
});
