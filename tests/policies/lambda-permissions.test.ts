/**
 * The Lambda roles allow exactly what the handlers do. Two views of the code are combined:
 * - statically, the SDK commands each handler can send (static-commands.ts: `new <X>Command(` in
 *   the declarations reachable from lambdas/<fn>/handler.ts);
 * - dynamically, each handler runs against aws-sdk-client-mock clients through scenarios that
 *   reach every one of those commands, and each command sent is recorded with its input, from
 *   which the request's IAM action and resource ARN are derived (plus what AWS documents as its
 *   side effects: SSE-KMS keys, s3:ListBucket for a 404, logs and traces of the runtime).
 * The scenarios must send every command found statically (so none is missed); every request must
 * be granted by the role `lambdaRoleStatements` builds; and every action on every resource the role
 * grants must be needed by some request (an unused permission fails).
 */

import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { GetExecutionHistoryCommand, type HistoryEvent, SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { projectConfig } from "../../config";
import { createAwaitDatasetsHandler } from "../../lambdas/await-datasets/handler";
import { createCheckRunInputHandler } from "../../lambdas/check-run-input/handler";
import { createOnUploadHandler } from "../../lambdas/on-upload/handler";
import { dailyExecutionName, MANIFEST_FILE, MARKER_FILE, markerKey, resultsPrefix, waitTokenKey } from "../../lambdas/shared/contracts";
import { sfnHistoryReader } from "../../lambdas/shared/history";
import type { LoggerPort } from "../../lambdas/shared/ports";
import { buildRuntimeConfig } from "../../lambdas/shared/runtime-config";
import { createSummarizeFailureHandler } from "../../lambdas/summarize-failure/handler";
import { createVerifyOutputHandler } from "../../lambdas/verify-output/handler";
import {
  type LambdaRoleTargets,
  lambdaRoleStatements,
  PIPELINE_FUNCTIONS,
  type PipelineFunction,
  SDK_CALL_PERMISSIONS,
  type SdkCall,
} from "../../policies/lambda-roles";
import { ResourceNames } from "../../stacks/names";
import { notGranted, type Required, unused } from "./iam-match";
import { commandsReachableFrom } from "./static-commands";

const REPO_ROOT = resolve(__dirname, "..", "..");
const env = projectConfig.environments[0] as (typeof projectConfig.environments)[number];
const names = new ResourceNames(env);
const pipeline = env.pipelines[0] as (typeof env.pipelines)[number];
const datasets = pipeline.datasets.map((d) => d.name);
const RUN_DATE = "2026-12-03";
const ACCOUNT_REGION = `${env.region}:${env.accountId}`;

const bucketArn = (name: string) => `arn:aws:s3:::${name}`;
const ARNS = {
  dataKey: `arn:aws:kms:${ACCOUNT_REGION}:key/0000aaaa-data`,
  alertKey: `arn:aws:kms:${ACCOUNT_REGION}:key/0000bbbb-alerts`,
  alertTopic: `arn:aws:sns:${ACCOUNT_REGION}:${names.named("alerts")}`,
  logGroup: (fn: PipelineFunction) => `arn:aws:logs:${ACCOUNT_REGION}:log-group:/aws/lambda/${names.fn(fn)}`,
};
const BUCKETS = { landing: names.bucket("landing"), results: names.bucket("results"), control: names.bucket("artifacts") };
const config = buildRuntimeConfig({
  environment: env,
  landingBucket: BUCKETS.landing,
  resultsBucket: BUCKETS.results,
  controlBucket: BUCKETS.control,
  alertTopicArn: ARNS.alertTopic,
  stateMachineArn: (p) => names.stateMachineArn(p),
});
const targets = (fn: PipelineFunction): LambdaRoleTargets => ({
  region: env.region,
  accountId: env.accountId,
  pipelines: env.pipelines.map((p) => p.name),
  stateMachineName: (p) => names.stateMachine(p),
  landingBucketArn: bucketArn(BUCKETS.landing),
  resultsBucketArn: bucketArn(BUCKETS.results),
  controlBucketArn: bucketArn(BUCKETS.control),
  dataKeyArn: ARNS.dataKey,
  alertTopicArn: ARNS.alertTopic,
  alertKeyArn: ARNS.alertKey,
  logGroupArn: ARNS.logGroup(fn),
});

const EXECUTION_ARN = `arn:aws:states:${ACCOUNT_REGION}:execution:${names.stateMachine(pipeline.name)}:${dailyExecutionName(pipeline.name, RUN_DATE)}`;
/** Task tokens are opaque; the test knows which execution each belongs to. */
const TOKEN = "task-token-of-the-day";
const TOKEN_EXECUTION: Readonly<Record<string, string>> = { [TOKEN]: EXECUTION_ARN };

const silent: LoggerPort = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const now = () => new Date(`${RUN_DATE}T09:00:00.000Z`);

/** One SDK request a handler sent, and whether S3 answered 404. */
interface Sent {
  readonly call: string;
  readonly input: Record<string, unknown>;
  readonly notFound: boolean;
}

/** In-memory AWS behind aws-sdk-client-mock: objects by bucket/key, an execution history, and a log of what was sent. */
function fakeAws(objects: Readonly<Record<string, string>>, history: HistoryEvent[] = []) {
  const sent: Sent[] = [];
  const credentials = { accessKeyId: "test", secretAccessKey: "test" };
  const s3 = new S3Client({ region: env.region, credentials });
  const sfn = new SFNClient({ region: env.region, credentials });
  const sns = new SNSClient({ region: env.region, credentials });
  const notFound = (key: string) => Object.assign(new Error(`no object ${key}`), { name: "NotFound", $metadata: { httpStatusCode: 404 } });
  const record = (call: string, input: object, missing = false) => sent.push({ call, input: input as Record<string, unknown>, notFound: missing });
  const s3Mock = mockClient(s3);
  const sfnMock = mockClient(sfn);
  const snsMock = mockClient(sns);
  // Any command without a fake below fails loudly (aws-sdk-client-mock would answer undefined); set first, the specific fakes win.
  const unfaked = () => new Error("a command this test does not fake: add it to fakeAws and to the permission derivation");
  s3Mock.onAnyCommand().rejects(unfaked());
  sfnMock.onAnyCommand().rejects(unfaked());
  snsMock.onAnyCommand().rejects(unfaked());
  s3Mock.on(HeadObjectCommand).callsFake((input) => {
    const missing = objects[`${input.Bucket}/${input.Key}`] === undefined;
    record("S3.HeadObject", input, missing);
    if (missing) throw notFound(input.Key);
    return {};
  });
  s3Mock.on(GetObjectCommand).callsFake((input) => {
    const body = objects[`${input.Bucket}/${input.Key}`];
    record("S3.GetObject", input, body === undefined);
    if (body === undefined) throw Object.assign(notFound(input.Key), { name: "NoSuchKey" });
    return { Body: { transformToString: async () => body } };
  });
  s3Mock.on(PutObjectCommand).callsFake((input) => {
    record("S3.PutObject", input);
    return {};
  });
  s3Mock.on(ListObjectsV2Command).callsFake((input) => {
    record("S3.ListObjectsV2", input);
    const prefix = `${input.Bucket}/${input.Prefix ?? ""}`;
    return {
      Contents: Object.keys(objects)
        .filter((k) => k.startsWith(prefix))
        .map((k) => ({ Key: k.slice(String(input.Bucket).length + 1) })),
    };
  });
  sfnMock.on(StartExecutionCommand).callsFake((input) => {
    record("SFN.StartExecution", input);
    return { executionArn: EXECUTION_ARN, startDate: now() };
  });
  sfnMock.on(SendTaskSuccessCommand).callsFake((input) => {
    record("SFN.SendTaskSuccess", input);
    return {};
  });
  sfnMock.on(GetExecutionHistoryCommand).callsFake((input) => {
    record("SFN.GetExecutionHistory", input);
    return { events: history };
  });
  snsMock.on(PublishCommand).callsFake((input) => {
    record("SNS.Publish", input);
    return { MessageId: "m-1" };
  });
  return { s3, sfn, sns, sent };
}

const markers = (present: readonly string[]) => Object.fromEntries(present.map((d) => [`${BUCKETS.landing}/${markerKey(pipeline.name, d, RUN_DATE)}`, ""]));
const registration = {
  [`${BUCKETS.control}/${waitTokenKey(pipeline.name, RUN_DATE)}`]: JSON.stringify({
    pipeline: pipeline.name,
    runDate: RUN_DATE,
    executionArn: EXECUTION_ARN,
    taskToken: TOKEN,
    registeredAt: now().toISOString(),
  }),
};
const objectCreated = (key: string) => ({
  version: "0",
  id: `event-${key}`,
  source: "aws.s3",
  "detail-type": "Object Created",
  detail: { bucket: { name: BUCKETS.landing }, object: { key } },
});
const markerEvent = (dataset: string) => objectCreated(markerKey(pipeline.name, dataset, RUN_DATE));

function loadHistory(name: string): HistoryEvent[] {
  const raw = JSON.parse(readFileSync(join(REPO_ROOT, "tests", "fixtures", "events", "histories", name), "utf8")) as { events: Record<string, unknown>[] };
  return raw.events.map((e) => ({ ...e, timestamp: new Date(String(e.timestamp)) }) as unknown as HistoryEvent);
}

/** Runs a handler on an event; failures the scenario provokes (a verification that fails) are part of the run. */
async function invoke(handler: (event: unknown) => Promise<unknown>, event: unknown): Promise<void> {
  try {
    await handler(event);
  } catch (err) {
    if ((err as Error).name !== "OutputVerificationFailed") throw err;
  }
}

/** Scenarios per function that reach every command its code can send; returns everything sent. */
const SCENARIOS: Readonly<Record<PipelineFunction, () => Promise<Sent[]>>> = {
  "on-upload": async () => {
    const sent: Sent[] = [];
    // The last marker lands while the execution waits: start (exists already or not), check markers, read the registration, release.
    let aws = fakeAws({ ...markers(datasets), ...registration });
    await invoke(createOnUploadHandler({ s3: aws.s3, sfn: aws.sfn, config, logger: silent, now }), markerEvent(datasets[0] as string));
    sent.push(...aws.sent);
    // A first marker: the others are missing (404 on the landing bucket).
    aws = fakeAws(markers(datasets.slice(0, 1)));
    await invoke(createOnUploadHandler({ s3: aws.s3, sfn: aws.sfn, config, logger: silent, now }), markerEvent(datasets[0] as string));
    sent.push(...aws.sent);
    // Every marker is there before the execution registered its wait (404 on the control bucket); then the schedule fires.
    aws = fakeAws(markers(datasets));
    const handler = createOnUploadHandler({ s3: aws.s3, sfn: aws.sfn, config, logger: silent, now });
    await invoke(handler, markerEvent(datasets[1] as string));
    await invoke(handler, { source: "etl.scheduler", pipeline: pipeline.name, scheduledTime: now().toISOString() });
    await invoke(handler, objectCreated(`incoming/${pipeline.name}/${datasets[0]}/run_date=${RUN_DATE}/part-0001.csv`));
    sent.push(...aws.sent);
    return sent;
  },
  "await-datasets": async () => {
    const payload = { pipeline: pipeline.name, runDate: RUN_DATE, executionArn: EXECUTION_ARN, taskToken: TOKEN };
    // Markers missing: register and wait. All there: register and release at once.
    const waiting = fakeAws(markers(datasets.slice(1)));
    await invoke(createAwaitDatasetsHandler({ s3: waiting.s3, sfn: waiting.sfn, config, logger: silent, now }), payload);
    const complete = fakeAws(markers(datasets));
    await invoke(createAwaitDatasetsHandler({ s3: complete.s3, sfn: complete.sfn, config, logger: silent, now }), payload);
    return [...waiting.sent, ...complete.sent];
  },
  "check-run-input": async () => {
    await invoke(createCheckRunInputHandler({ config, logger: silent }), {
      input: { pipeline: pipeline.name, runDate: RUN_DATE, trigger: "upload" },
      execution: { name: dailyExecutionName(pipeline.name, RUN_DATE), arn: EXECUTION_ARN, startTime: now().toISOString() },
    });
    return [];
  },
  "verify-output": async () => {
    const run = {
      pipeline: pipeline.name,
      runDate: RUN_DATE,
      trigger: "upload",
      executionName: dailyExecutionName(pipeline.name, RUN_DATE),
      executionArn: EXECUTION_ARN,
      startedAt: now().toISOString(),
      datasets,
      glueArguments: { "--run_date": RUN_DATE, "--execution_name": dailyExecutionName(pipeline.name, RUN_DATE) },
    };
    const outputs = pipeline.outputs.map((o) => o.name);
    const manifest = JSON.stringify({
      pipeline: pipeline.name,
      run_date: RUN_DATE,
      execution: run.executionName,
      engine: "glue",
      inputs: datasets.map((d) => ({ dataset: d, keys: [`incoming/${pipeline.name}/${d}/run_date=${RUN_DATE}/part-0001.csv`], bytes: 10, rows: 2 })),
      outputs: outputs.map((name) => ({ name, rows: 1 })),
      started_at: now().toISOString(),
      finished_at: now().toISOString(),
    });
    const partition = (o: string) => `${BUCKETS.results}/${resultsPrefix(pipeline.name, o, RUN_DATE)}`;
    // Complete outputs; then one output without its marker (404 on the results bucket).
    const complete = fakeAws(
      Object.fromEntries(
        outputs.flatMap((o) => [
          [`${partition(o)}${MARKER_FILE}`, ""],
          [`${partition(o)}${MANIFEST_FILE}`, manifest],
          [`${partition(o)}part-0.parquet`, "x"],
        ]),
      ),
    );
    await invoke(createVerifyOutputHandler({ s3: complete.s3, config, logger: silent }), run);
    const incomplete = fakeAws(Object.fromEntries(outputs.map((o) => [`${partition(o)}${MANIFEST_FILE}`, manifest])));
    await invoke(createVerifyOutputHandler({ s3: incomplete.s3, config, logger: silent }), run);
    return [...complete.sent, ...incomplete.sent];
  },
  "summarize-failure": async () => {
    // The day timed out waiting: the status-change path reads the history, checks which markers are missing, and publishes.
    const aws = fakeAws(markers(datasets.slice(0, 1)), loadHistory("deadline-timeout.json"));
    const handler = createSummarizeFailureHandler({ s3: aws.s3, sns: aws.sns, history: sfnHistoryReader(aws.sfn), config, logger: silent, now });
    await invoke(handler, {
      source: "aws.states",
      "detail-type": "Step Functions Execution Status Change",
      detail: {
        executionArn: EXECUTION_ARN,
        stateMachineArn: names.stateMachineArn(pipeline.name),
        name: dailyExecutionName(pipeline.name, RUN_DATE),
        status: "FAILED",
        input: JSON.stringify({ pipeline: pipeline.name, runDate: RUN_DATE, trigger: "schedule" }),
        error: "States.Timeout",
      },
    });
    return aws.sent;
  },
};

/** The IAM requests one SDK request makes, from the permission map's actions and the request's resource. */
function requestsOf(fn: PipelineFunction, s: Sent): Required[] {
  const perms = (call: SdkCall, resource: string): Required[] =>
    SDK_CALL_PERMISSIONS[call].actions.map((action) => ({ action, resource, by: `${fn} ${s.call} ${JSON.stringify(s.input).slice(0, 120)}` }));
  const object = () => `${bucketArn(String(s.input.Bucket))}/${String(s.input.Key)}`;
  switch (s.call) {
    case "S3.HeadObject":
    case "S3.GetObject":
      return [
        ...perms(s.call, object()),
        ...perms("KMS.ReadEncryptedObject", ARNS.dataKey),
        ...(s.notFound ? perms("S3.MissingKeyIs404", bucketArn(String(s.input.Bucket))) : []),
      ];
    case "S3.PutObject":
      return [...perms("S3.PutObject", object()), ...perms("KMS.WriteEncryptedObject", ARNS.dataKey)];
    case "S3.ListObjectsV2":
      return perms("S3.ListObjectsV2", bucketArn(String(s.input.Bucket)));
    case "SFN.StartExecution":
      return perms("SFN.StartExecution", String(s.input.stateMachineArn));
    case "SFN.SendTaskSuccess": {
      const execution = TOKEN_EXECUTION[String(s.input.taskToken)];
      if (execution === undefined) throw new Error(`SendTaskSuccess with a token this test did not hand out: ${String(s.input.taskToken)}`);
      // The callback is authorized on the state machine the token's execution belongs to.
      return perms("SFN.SendTaskSuccess", execution.replace(/:execution:([^:]+):[^:]+$/, ":stateMachine:$1"));
    }
    case "SFN.GetExecutionHistory":
      return perms("SFN.GetExecutionHistory", String(s.input.executionArn));
    case "SNS.Publish":
      return [...perms("SNS.Publish", String(s.input.TopicArn)), ...perms("KMS.PublishToEncryptedTopic", ARNS.alertKey)];
    default:
      throw new Error(`no IAM derivation for ${s.call}: add it here and an entry to the permission map (policies/actions.ts)`);
  }
}

/**
 * Functions whose failed asynchronous invocations Lambda sends to a destination with the function's
 * own role (stacks/alarms.ts: summarize-failure -> the alert topic).
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
 */
const ON_FAILURE_DESTINATIONS: Partial<Record<PipelineFunction, string>> = { "summarize-failure": ARNS.alertTopic };

/** What running on Lambda needs whatever the code does: its own log streams (JSON logs), active tracing, and its on-failure destination. */
function runtimeRequests(fn: PipelineFunction): Required[] {
  const destination = ON_FAILURE_DESTINATIONS[fn];
  const publish = (action: string, resource: string) => ({ action, resource, by: `${fn} on-failure destination` });
  return [
    ...(destination === undefined
      ? []
      : [
          ...SDK_CALL_PERMISSIONS["SNS.Publish"].actions.map((a) => publish(a, destination)),
          ...SDK_CALL_PERMISSIONS["KMS.PublishToEncryptedTopic"].actions.map((a) => publish(a, ARNS.alertKey)),
        ]),
    ...SDK_CALL_PERMISSIONS["Logs.WriteFunctionLogs"].actions.map((action) => ({
      action,
      resource: `${ARNS.logGroup(fn)}:log-stream:2026/12/03/[$LATEST]0123456789abcdef`,
      by: `${fn} runtime logs`,
    })),
    ...SDK_CALL_PERMISSIONS["XRay.WriteTraces"].actions.map((action) => ({ action, resource: "*", by: `${fn} active tracing` })),
  ];
}

describe.each(PIPELINE_FUNCTIONS.map((fn) => [fn] as const))("the %s role", (fn) => {
  let sent: Sent[];
  beforeAll(async () => {
    sent = await SCENARIOS[fn]();
  });
  const statements = lambdaRoleStatements(fn, targets(fn));

  test("the scenarios send every SDK command the handler's code can send (found statically), and no other", () => {
    const reachable = [...commandsReachableFrom(join(REPO_ROOT, "lambdas", fn, "handler.ts"))].sort();
    expect([...new Set(sent.map((s) => s.call))].sort()).toEqual(reachable);
  });

  test("allows every request the handler makes, on its exact resource", () => {
    const required = [...sent.flatMap((s) => requestsOf(fn, s)), ...runtimeRequests(fn)];
    expect(notGranted(statements, required)).toEqual([]);
  });

  test("grants no action on any resource that no request needs", () => {
    const required = [...sent.flatMap((s) => requestsOf(fn, s)), ...runtimeRequests(fn)];
    expect(unused(statements, required)).toEqual([]);
  });
});

describe("the coverage check itself", () => {
  test("fails when a role lacks a permission the code needs, and when it grants one the code does not use", async () => {
    const sent = await SCENARIOS["verify-output"]();
    const required = [...sent.flatMap((s) => requestsOf("verify-output", s)), ...runtimeRequests("verify-output")];
    const statements = lambdaRoleStatements("verify-output", targets("verify-output"));
    const withoutList = statements.filter((s) => s.sid !== "ListBuckets");
    expect(notGranted(withoutList, required).map((r) => r.action)).toContain("s3:ListBucket");
    const extra = [...statements, { sid: "Extra", effect: "Allow" as const, actions: ["s3:PutObject"], resources: [`${bucketArn(BUCKETS.results)}/*`] }];
    expect(unused(extra, required)).toEqual([{ sid: "Extra", action: "s3:PutObject", resource: `${bucketArn(BUCKETS.results)}/*` }]);
  });
});
