/** The on-upload handler fed real event JSON (EventBridge, S3 notifications, the schedule), S3 on s3rver, Step Functions mocked. */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-jest";
import { createOnUploadHandler } from "../../lambdas/on-upload/handler";
import type { RuntimeConfig } from "../../lambdas/shared/contracts";
import { type WaitRegistration, waitTokenKey } from "../../lambdas/shared/contracts";
import { type LocalS3, startLocalS3 } from "../helpers/s3rver";
import { BUCKETS, fakeStepFunctions, loadEvent, prodRuntimeConfig, putMarker, recordingLogger, STATE_MACHINE_ARN } from "./support";

const sfnMock = mockClient(SFNClient);
let s3: LocalS3;
let sfn: ReturnType<typeof fakeStepFunctions>;

// A fresh S3 per test: markers of one test must not complete another test's day.
beforeEach(async () => {
  s3 = await startLocalS3({ buckets: Object.values(BUCKETS) });
  sfnMock.reset();
  sfn = fakeStepFunctions(sfnMock);
});
afterEach(async () => {
  await s3.stop();
});

function handlerWith(config: RuntimeConfig = prodRuntimeConfig()) {
  const logger = recordingLogger();
  const handle = createOnUploadHandler({
    s3: s3.client,
    sfn: new SFNClient({ region: "us-east-1" }),
    config,
    logger,
    now: () => new Date("2026-12-03T06:12:42Z"),
  });
  return { handle, logger };
}

async function register(runDate: string, taskToken: string): Promise<void> {
  const registration: WaitRegistration = {
    pipeline: "finance-risk",
    runDate,
    executionArn: `arn:aws:states:us-east-1:222222222222:execution:detl-prod-finance-risk:finance-risk-${runDate}`,
    taskToken,
    registeredAt: "2026-12-03T02:00:01.000Z",
  };
  await s3.client.send(new PutObjectCommand({ Bucket: BUCKETS.control, Key: waitTokenKey("finance-risk", runDate), Body: JSON.stringify(registration) }));
}

it("an EventBridge Object Created for the last marker starts the day's execution and releases the registered wait", async () => {
  await putMarker(s3.client, "finance-risk", "trades", "2026-12-03");
  await putMarker(s3.client, "finance-risk", "market_prices", "2026-12-03");
  await putMarker(s3.client, "finance-risk", "fx_rates", "2026-12-03");
  await register("2026-12-03", "AQCEAAAAKgAAAAMAAAAAAAAAAeXk5pSMeP8Nq1");
  const { handle } = handlerWith();

  const outcomes = await handle(loadEvent("eventbridge-object-created-marker.json"));

  expect(outcomes).toEqual([
    { action: "started", pipeline: "finance-risk", runDate: "2026-12-03", executionName: "finance-risk-2026-12-03", released: true, missing: [] },
  ]);
  expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
  expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
    stateMachineArn: STATE_MACHINE_ARN,
    name: "finance-risk-2026-12-03",
    input: JSON.stringify({ pipeline: "finance-risk", runDate: "2026-12-03", trigger: "upload" }),
  });
  expect(sfnMock).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
  const sent = sfnMock.commandCalls(SendTaskSuccessCommand)[0].args[0].input;
  expect(sent.taskToken).toBe("AQCEAAAAKgAAAAMAAAAAAAAAAeXk5pSMeP8Nq1");
  expect(JSON.parse(sent.output ?? "")).toEqual({
    releasedBy: "upload",
    datasets: [
      { dataset: "trades", markerKey: "incoming/finance-risk/trades/run_date=2026-12-03/_SUCCESS" },
      { dataset: "market_prices", markerKey: "incoming/finance-risk/market_prices/run_date=2026-12-03/_SUCCESS" },
      { dataset: "fx_rates", markerKey: "incoming/finance-risk/fx_rates/run_date=2026-12-03/_SUCCESS" },
    ],
  });
});

it("a duplicate event after the release counts as success: ExecutionAlreadyExists and TaskTimedOut are not errors", async () => {
  for (const dataset of ["trades", "market_prices", "fx_rates"]) await putMarker(s3.client, "finance-risk", dataset, "2026-12-03");
  await register("2026-12-03", "token-of-the-day");
  const { handle, logger } = handlerWith();
  await handle(loadEvent("eventbridge-object-created-marker.json"));
  const again = await handle(loadEvent("eventbridge-object-created-marker.json"));
  expect(again).toEqual([
    { action: "already-started", pipeline: "finance-risk", runDate: "2026-12-03", executionName: "finance-risk-2026-12-03", released: false, missing: [] },
  ]);
  expect(sfn.sends.map((s) => s.accepted)).toEqual([true, false]);
  expect(logger.entries.some((e) => e.message.startsWith("Wait already over") && e.extra?.error === "TaskTimedOut")).toBe(true);
});

it("a URL-encoded data file key (+, %XX, unicode) starts the execution but checks no markers and releases nothing", async () => {
  const { handle, logger } = handlerWith();
  const outcomes = await handle(loadEvent("eventbridge-object-created-encoded-key.json"));
  expect(outcomes).toEqual([
    { action: "started", pipeline: "finance-risk", runDate: "2026-12-03", executionName: "finance-risk-2026-12-03", released: false, missing: [] },
  ]);
  expect(logger.entries).toContainEqual(
    expect.objectContaining({
      message: "Data file landed",
      extra: expect.objectContaining({ key: "incoming/finance-risk/trades/run_date=2026-12-03/desk équities 東京 part+1.csv" }),
    }),
  );
  expect(sfnMock).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 0);
});

it("a marker with an impossible run_date is logged and ignored, never started", async () => {
  const { handle, logger } = handlerWith();
  const outcomes = await handle(loadEvent("eventbridge-object-created-unrelated.json"));
  expect(outcomes).toEqual([{ action: "ignored", reason: 'run_date "2026-02-30" is not a calendar date YYYY-MM-DD' }]);
  expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 0);
  expect(logger.entries.filter((e) => e.extra?.reason === 'run_date "2026-02-30" is not a calendar date YYYY-MM-DD')).toHaveLength(1);
});

it("S3 notification records are handled one by one: a marker with datasets missing, and an unrelated key", async () => {
  await putMarker(s3.client, "finance-risk", "market_prices", "2026-12-03");
  const { handle } = handlerWith();
  const outcomes = await handle(loadEvent("s3-notification-put.json"));
  expect(outcomes).toEqual([
    {
      action: "started",
      pipeline: "finance-risk",
      runDate: "2026-12-03",
      executionName: "finance-risk-2026-12-03",
      released: false,
      missing: ["trades", "fx_rates"],
    },
    { action: "ignored", reason: 'key "tmp/manual-upload/readme.txt" is not under incoming/' },
  ]);
  expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
});

it("S3 test events and deletions on the same configuration are ignored", async () => {
  const { handle } = handlerWith();
  const deleted = loadEvent("s3-notification-put.json") as { Records: Record<string, unknown>[] };
  deleted.Records[0].eventName = "ObjectRemoved:Delete";
  await expect(handle({ Records: [deleted.Records[0]] })).resolves.toEqual([
    { action: "ignored", reason: 'record 0 event "ObjectRemoved:Delete" is not an ObjectCreated event' },
  ]);
  expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 0);
});

it("a schedule tick starts the day's execution in the schedule's time zone with trigger schedule, and reports what is missing", async () => {
  const base = prodRuntimeConfig();
  const config: RuntimeConfig = {
    ...base,
    pipelines: { "finance-risk": { ...base.pipelines["finance-risk"], schedule: { timezone: "America/New_York", runDateOffsetDays: -1 } } },
  };
  const { handle } = handlerWith(config);
  // 02:00 UTC on 3 December is 21:00 on 2 December in New York; T+1 makes it the 1st.
  const outcomes = await handle(loadEvent("scheduled-start.json"));
  expect(outcomes).toEqual([
    {
      action: "started",
      pipeline: "finance-risk",
      runDate: "2026-12-01",
      executionName: "finance-risk-2026-12-01",
      released: false,
      missing: ["trades", "market_prices", "fx_rates"],
    },
  ]);
  expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
    stateMachineArn: STATE_MACHINE_ARN,
    name: "finance-risk-2026-12-01",
    input: JSON.stringify({ pipeline: "finance-risk", runDate: "2026-12-01", trigger: "schedule" }),
  });
});

it("a schedule tick for a pipeline this environment does not run is ignored", async () => {
  const { handle } = handlerWith();
  await expect(handle({ source: "etl.scheduler", pipeline: "credit-risk", scheduledTime: "2026-12-03T02:00:00Z" })).resolves.toEqual([
    { action: "ignored", reason: 'pipeline "credit-risk" is not configured (known: finance-risk)' },
  ]);
});

it("an event of no known shape is an UnsupportedEvent error naming its source", async () => {
  const { handle } = handlerWith();
  await expect(handle({ source: "aws.glue", detail: {} })).rejects.toMatchObject({ name: "UnsupportedEvent", message: expect.stringContaining('"aws.glue"') });
});

it("a Step Functions failure other than ExecutionAlreadyExists is thrown so the invocation is retried", async () => {
  sfnMock.on(StartExecutionCommand).rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
  const { handle } = handlerWith();
  await expect(handle(loadEvent("eventbridge-object-created-encoded-key.json"))).rejects.toMatchObject({ name: "ThrottlingException" });
});

describe("the deployed entry point", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it.each([
    ["missing", undefined, "the environment variable is missing or empty"],
    ["not JSON", "{not json", "not valid JSON"],
    ["without a landing bucket", JSON.stringify({ ...prodRuntimeConfig(), landingBucket: "" }), 'config.landingBucket: got ""; expected a non-empty string'],
  ])("fails with a RUNTIME_CONFIG error when the variable is %s", async (_what, value, problem) => {
    if (value === undefined) delete process.env.RUNTIME_CONFIG;
    else process.env.RUNTIME_CONFIG = value;
    process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
    let handler!: (event: unknown) => Promise<unknown>;
    jest.isolateModules(() => {
      ({ handler } = require("../../lambdas/on-upload/handler"));
    });
    await expect(handler(loadEvent("eventbridge-object-created-marker.json"))).rejects.toMatchObject({
      name: "RuntimeConfigError",
      message: expect.stringMatching(/^RUNTIME_CONFIG: /),
    });
    await expect(handler(loadEvent("eventbridge-object-created-marker.json"))).rejects.toThrow(problem);
  });
});
