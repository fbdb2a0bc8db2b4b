/** The WaitForDatasets callback task's handler: S3 on s3rver, Step Functions mocked. */
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { SendTaskSuccessCommand, SFNClient } from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-jest";
import { createAwaitDatasetsHandler } from "../../lambdas/await-datasets/handler";
import { waitTokenKey } from "../../lambdas/shared/contracts";
import { type LocalS3, startLocalS3 } from "../helpers/s3rver";
import { BUCKETS, EXECUTION_ARN, fakeStepFunctions, prodRuntimeConfig, putMarker, recordingLogger } from "./support";

const sfnMock = mockClient(SFNClient);
let s3: LocalS3;

beforeEach(async () => {
  s3 = await startLocalS3({ buckets: Object.values(BUCKETS) });
  sfnMock.reset();
  fakeStepFunctions(sfnMock);
});
afterEach(async () => {
  await s3.stop();
});

const handler = () =>
  createAwaitDatasetsHandler({
    s3: s3.client,
    sfn: new SFNClient({ region: "us-east-1" }),
    config: prodRuntimeConfig(),
    logger: recordingLogger(),
    now: () => new Date("2026-12-03T02:00:01.000Z"),
  });
const payload = { pipeline: "finance-risk", runDate: "2026-12-03", executionArn: EXECUTION_ARN, taskToken: "AQCEAAAAKgAAAAMAAAAAAAAAAfake" };

it("stores the registration in the control bucket and waits while datasets are missing", async () => {
  await putMarker(s3.client, "finance-risk", "market_prices", "2026-12-03");
  await expect(handler()(payload)).resolves.toEqual({ released: false, missing: ["trades", "fx_rates"] });
  const stored = await s3.client.send(new GetObjectCommand({ Bucket: BUCKETS.control, Key: "control/wait-tokens/finance-risk/run_date=2026-12-03.json" }));
  expect(JSON.parse((await stored.Body?.transformToString()) ?? "")).toEqual({ ...payload, registeredAt: "2026-12-03T02:00:01.000Z" });
  expect(waitTokenKey("finance-risk", "2026-12-03")).toBe("control/wait-tokens/finance-risk/run_date=2026-12-03.json");
  expect(sfnMock).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 0);
});

it("releases its own wait when every marker is there already", async () => {
  for (const dataset of ["trades", "market_prices", "fx_rates"]) await putMarker(s3.client, "finance-risk", dataset, "2026-12-03");
  await expect(handler()(payload)).resolves.toEqual({ released: true, missing: [] });
  expect(sfnMock).toHaveReceivedCommandWith(SendTaskSuccessCommand, { taskToken: payload.taskToken });
  expect(JSON.parse(sfnMock.commandCalls(SendTaskSuccessCommand)[0].args[0].input.output ?? "")).toMatchObject({ releasedBy: "registration" });
});

it.each([
  ["a payload without a task token", { ...payload, taskToken: undefined }, "UnsupportedEvent", "payload lacks taskToken"],
  ["an unknown pipeline", { ...payload, pipeline: "credit-risk" }, "InvalidRunInput", 'pipeline "credit-risk" is not configured'],
  ["an impossible date", { ...payload, runDate: "2026-02-30" }, "InvalidRunInput", 'runDate "2026-02-30" is not a calendar date'],
])("rejects %s with a named error", async (_what, event, name, message) => {
  await expect(handler()(event)).rejects.toMatchObject({ name, message: expect.stringContaining(message) });
});
