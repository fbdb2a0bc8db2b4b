/** The summarize-failure handler in both invocation shapes: S3 on s3rver, SNS mocked, histories recorded. */
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-jest";
import type { SummarizeFailurePayload } from "../../lambdas/shared/contracts";
import type { HistoryReader } from "../../lambdas/shared/ports";
import { createSummarizeFailureHandler } from "../../lambdas/summarize-failure/handler";
import { type LocalS3, startLocalS3 } from "../helpers/s3rver";
import { BUCKETS, EXECUTION_ARN, loadEvent, loadHistory, prodRuntimeConfig, putMarker, recordingLogger, TOPIC_ARN } from "./support";

const snsMock = mockClient(SNSClient);
let s3: LocalS3;

beforeEach(async () => {
  s3 = await startLocalS3({ buckets: Object.values(BUCKETS) });
  snsMock.reset();
  snsMock.on(PublishCommand).resolves({ MessageId: "7c2a0f0e-8a5b-5d3e-b1c9-0f4e2d6a8b13" });
});
afterEach(async () => {
  await s3.stop();
});

function handlerWith(history: HistoryReader) {
  const logger = recordingLogger();
  const handle = createSummarizeFailureHandler({
    s3: s3.client,
    sns: new SNSClient({ region: "us-east-1" }),
    history,
    config: prodRuntimeConfig(),
    logger,
    now: () => new Date("2026-12-03T09:00:00.000Z"),
  });
  return { handle, logger };
}

const historyOf = (name: string) => {
  const calls: string[] = [];
  const reader: HistoryReader = async (arn) => {
    calls.push(arn);
    return loadHistory(name);
  };
  return { reader, calls };
};

const run = {
  pipeline: "finance-risk",
  runDate: "2026-12-03",
  trigger: "upload" as const,
  executionName: "finance-risk-2026-12-03",
  executionArn: EXECUTION_ARN,
  startedAt: "2026-12-03T02:00:00.123Z",
  datasets: ["trades", "market_prices", "fx_rates"],
  glueArguments: { "--run_date": "2026-12-03", "--execution_name": "finance-risk-2026-12-03" },
};
const execution = { name: "finance-risk-2026-12-03", arn: EXECUTION_ARN, startTime: "2026-12-03T02:00:00.123Z" };

describe("the Catch path (SummarizeFailure task)", () => {
  it("summarizes a Glue failure with the state from the history and error and cause as caught", async () => {
    const glue = loadHistory("glue-failure.json").find((e) => e.type === "TaskFailed")?.taskFailedEventDetails;
    const history = historyOf("glue-failure.json");
    const { handle } = handlerWith(history.reader);
    const payload: SummarizeFailurePayload = {
      execution,
      executionInput: { pipeline: "finance-risk", runDate: "2026-12-03", trigger: "upload" },
      document: { run, failure: { Error: "States.TaskFailed", Cause: glue?.cause } },
    };
    const summary = (await handle(payload)) as { subject: string; message: string };
    expect(history.calls).toEqual([EXECUTION_ARN]);
    expect(summary.subject).toBe("[prod] finance-risk 2026-12-03 FAILED at RunJoin: Glue job failed");
    expect(summary.message).toContain("Glue JobRunId: jr_5b2f1e4c9a7d0e3f8b6a1c2d4e5f60718293a4b5c6d7e8f9012345678abcdef0");
    expect(summary.message).toContain("Failed at:    2026-12-03T06:08:42.923Z");
    expect(summary.message).toContain("npm run rerun -- --env prod --pipeline finance-risk --date 2026-12-03 --mode restart");
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 0);
  });

  it("at the deadline, names the datasets whose markers are still missing", async () => {
    await putMarker(s3.client, "finance-risk", "trades", "2026-12-03");
    const { handle } = handlerWith(historyOf("deadline-timeout.json").reader);
    const summary = (await handle({
      execution,
      executionInput: { pipeline: "finance-risk", runDate: "2026-12-03", trigger: "schedule" },
      document: { run: { ...run, trigger: "schedule" }, failure: { Error: "States.Timeout", Cause: "" } },
    })) as { subject: string; message: string };
    expect(summary.subject).toBe("[prod] finance-risk 2026-12-03 FAILED at WaitForDatasets: missing market_prices, fx_rates");
    expect(summary.message).toContain("Missing datasets at the deadline: market_prices, fx_rates");
  });

  it("without a RunContext (CheckRunInput failed) and without the history, still summarizes from the input", async () => {
    const { handle } = handlerWith(async () => {
      throw Object.assign(new Error("User is not authorized to perform: states:GetExecutionHistory"), { name: "AccessDeniedException" });
    });
    const summary = (await handle({
      execution,
      executionInput: { pipeline: "finance-risk", runDate: "2026-02-30" },
      document: {
        failure: { Error: "InvalidRunInput", Cause: JSON.stringify({ errorType: "InvalidRunInput", errorMessage: 'field "runDate": got "2026-02-30"' }) },
      },
    })) as { subject: string; message: string };
    expect(summary.subject).toBe('[prod] finance-risk unknown FAILED at unknown: InvalidRunInput: field "runDate": got "2026-02-30"');
    expect(summary.message).toContain("Note:         execution history unavailable (AccessDeniedException: User is not authorized");
    expect(summary.message).toContain("Failed at:    2026-12-03T09:00:00.000Z");
  });
});

describe("the status-change path (EventBridge)", () => {
  it("publishes an abort to the alert topic with a redrive command", async () => {
    const { handle } = handlerWith(historyOf("aborted.json").reader);
    await expect(handle(loadEvent("sfn-status-change-aborted.json"))).resolves.toEqual({ published: true, reason: `published to ${TOPIC_ARN}` });
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    const input = snsMock.commandCalls(PublishCommand)[0].args[0].input;
    expect(input.TopicArn).toBe(TOPIC_ARN);
    expect(input.Subject).toBe("[prod] finance-risk 2026-12-03 ABORTED at WaitForDatasets: OperatorStopped: Stopped by j.doe: wr...");
    expect(input.Subject?.length).toBeLessThanOrEqual(100);
    expect(input.Message).toContain("Started at:   2026-12-03T02:00:00.123Z");
    expect(input.Message).toContain("Failed at:    2026-12-03T05:30:01.923Z");
    expect(input.Message).toContain("npm run rerun -- --env prod --pipeline finance-risk --date 2026-12-03 --mode redrive");
    expect(input.Message).toContain("gh workflow run rerun.yml -f environment=prod -f pipeline=finance-risk -f date=2026-12-03 -f mode=redrive");
  });

  it("does not publish again when the Catch path's NotifyFailure succeeded", async () => {
    const { handle } = handlerWith(historyOf("glue-failure-notified.json").reader);
    await expect(handle(loadEvent("sfn-status-change-failed-after-catch.json"))).resolves.toEqual({
      published: false,
      reason: "the Catch path already alerted for finance-risk-2026-12-03 (NotifyFailure succeeded)",
    });
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 0);
  });

  it("publishes a failure whose Catch path never reached NotifyFailure", async () => {
    const { handle } = handlerWith(historyOf("glue-failure.json").reader);
    await expect(handle(loadEvent("sfn-status-change-failed-after-catch.json"))).resolves.toMatchObject({ published: true });
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: TOPIC_ARN,
      Subject: "[prod] finance-risk 2026-12-03 FAILED at RunJoin: Glue job failed",
    });
  });

  it("ignores a SUCCEEDED status and events of other state machines", async () => {
    const { handle } = handlerWith(historyOf("glue-failure.json").reader);
    const event = loadEvent("sfn-status-change-aborted.json") as { detail: Record<string, unknown> };
    await expect(handle({ ...event, detail: { ...event.detail, status: "SUCCEEDED" } })).resolves.toMatchObject({
      published: false,
      reason: expect.stringContaining("not a failure"),
    });
    await expect(
      handle({ ...event, detail: { ...event.detail, input: "{}", stateMachineArn: "arn:aws:states:us-east-1:222222222222:stateMachine:other" } }),
    ).resolves.toMatchObject({ published: false, reason: expect.stringContaining("does not belong to a pipeline of prod") });
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 0);
  });
});

it("refuses an event of neither shape", async () => {
  const { handle } = handlerWith(historyOf("glue-failure.json").reader);
  await expect(handle({ hello: "world" })).rejects.toMatchObject({ name: "UnsupportedEvent", message: expect.stringContaining("got keys hello") });
});
