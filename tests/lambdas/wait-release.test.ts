/**
 * The race-free wait release (lambdas/shared/markers.ts) against a real S3 API (s3rver): whatever the
 * order of the last marker's upload and the execution's wait registration, the wait is released
 * exactly once, sometimes with a second, ignored SendTaskSuccess; never zero times.
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import { registerWait } from "../../lambdas/await-datasets/core";
import { onObjectCreated } from "../../lambdas/on-upload/core";
import { markerKey, waitTokenKey } from "../../lambdas/shared/contracts";
import type { S3Port } from "../../lambdas/shared/ports";
import { type LocalS3, startLocalS3 } from "../helpers/s3rver";
import { BUCKETS, EXECUTION_ARN, fakeStepFunctions, prodRuntimeConfig, putMarker, recordingLogger } from "./support";

const PIPELINE = "finance-risk";
const config = prodRuntimeConfig();
const sfnMock = mockClient(SFNClient);
let s3: LocalS3;
let sfn: ReturnType<typeof fakeStepFunctions>;
let day = 0;

beforeAll(async () => {
  s3 = await startLocalS3({ buckets: Object.values(BUCKETS) });
});
afterAll(async () => {
  await s3.stop();
});
beforeEach(() => {
  sfnMock.reset();
  sfn = fakeStepFunctions(sfnMock);
});

/** A fresh business date per scenario so scenarios never see each other's markers. */
function nextRunDate(): string {
  day += 1;
  return new Date(Date.UTC(2027, 0, day)).toISOString().slice(0, 10);
}

/** An S3 port that holds every command `stopAt` accepts until `resume()`; `reachedPause` resolves at the first. */
function pausingS3(stopAt: (command: unknown) => boolean) {
  let resume!: () => void;
  let reached!: () => void;
  const resumed = new Promise<void>((r) => {
    resume = r;
  });
  const reachedPause = new Promise<void>((r) => {
    reached = r;
  });
  let released = false;
  const port: S3Port = {
    send: (async (command: unknown) => {
      if (!released && stopAt(command)) {
        reached();
        await resumed;
      }
      return s3.client.send(command as never);
    }) as S3Port["send"],
  };
  return {
    port,
    reachedPause,
    resume: () => {
      released = true;
      resume();
    },
  };
}

const deps = (s3Port: S3Port = s3.client) => ({
  s3: s3Port,
  sfn: new SFNClient({ region: "us-east-1" }),
  config,
  logger: recordingLogger(),
  now: () => new Date(),
});
const payload = (runDate: string) => ({ pipeline: PIPELINE, runDate, executionArn: `${EXECUTION_ARN}-${runDate}`, taskToken: `token-${runDate}` });
const lastMarkerArrives = async (runDate: string, s3Port: S3Port = s3.client) => {
  await putMarker(s3.client, PIPELINE, "fx_rates", runDate);
  return onObjectCreated(deps(s3Port), { bucket: BUCKETS.landing, key: markerKey(PIPELINE, "fx_rates", runDate) });
};
const firstMarkersArrive = async (runDate: string) => {
  await putMarker(s3.client, PIPELINE, "trades", runDate);
  await putMarker(s3.client, PIPELINE, "market_prices", runDate);
};

it("registration before the last marker: the upload releases, once", async () => {
  const runDate = nextRunDate();
  await firstMarkersArrive(runDate);
  await expect(registerWait(deps(), payload(runDate))).resolves.toEqual({ released: false, missing: ["fx_rates"] });
  const outcome = await lastMarkerArrives(runDate);
  expect(outcome).toMatchObject({ action: "started", released: true, missing: [] });
  expect(sfn.sends).toEqual([
    {
      taskToken: `token-${runDate}`,
      accepted: true,
      output: {
        releasedBy: "upload",
        datasets: ["trades", "market_prices", "fx_rates"].map((dataset) => ({ dataset, markerKey: markerKey(PIPELINE, dataset, runDate) })),
      },
    },
  ]);
});

it("every marker before the registration: the registration releases itself, once", async () => {
  const runDate = nextRunDate();
  await firstMarkersArrive(runDate);
  await expect(lastMarkerArrives(runDate)).resolves.toMatchObject({ released: false, missing: [] });
  expect(sfn.sends).toHaveLength(0);
  await expect(registerWait(deps(), payload(runDate))).resolves.toEqual({ released: true, missing: [] });
  expect(sfn.sends.map((s) => [s.accepted, (s.output as { releasedBy: string }).releasedBy])).toEqual([[true, "registration"]]);
  const stored = await s3.client.send(new GetObjectCommand({ Bucket: BUCKETS.control, Key: waitTokenKey(PIPELINE, runDate) }));
  expect(JSON.parse((await stored.Body?.transformToString()) ?? "")).toMatchObject({ ...payload(runDate), registeredAt: expect.any(String) });
});

it("registration stored, then the whole upload runs, then the registration's check: released twice, the second ignored", async () => {
  const runDate = nextRunDate();
  await firstMarkersArrive(runDate);
  const paused = pausingS3((c) => c instanceof HeadObjectCommand);
  const registering = registerWait(deps(paused.port), payload(runDate));
  await paused.reachedPause;
  await expect(lastMarkerArrives(runDate)).resolves.toMatchObject({ released: true });
  paused.resume();
  await expect(registering).resolves.toEqual({ released: false, missing: [] });
  expect(sfn.sends.map((s) => s.accepted)).toEqual([true, false]);
  expect(sfn.releases(`token-${runDate}`)).toBe(1);
});

it("the upload's marker check, then the whole registration, then the upload reads it: released twice, the second ignored", async () => {
  const runDate = nextRunDate();
  await firstMarkersArrive(runDate);
  const paused = pausingS3((c) => c instanceof GetObjectCommand);
  const uploading = lastMarkerArrives(runDate, paused.port);
  await paused.reachedPause;
  await expect(registerWait(deps(), payload(runDate))).resolves.toEqual({ released: true, missing: [] });
  paused.resume();
  await expect(uploading).resolves.toMatchObject({ released: false, missing: [] });
  expect(sfn.sends.map((s) => s.accepted)).toEqual([true, false]);
});

it("concurrent uploads of every marker, duplicate events and the registration in random order release exactly once", async () => {
  const jitter = () => new Promise((r) => setTimeout(r, Math.floor(Math.random() * 15)));
  for (let round = 0; round < 12; round++) {
    const runDate = nextRunDate();
    const uploads = ["trades", "market_prices", "fx_rates", "fx_rates"].map(async (dataset) => {
      await jitter();
      await putMarker(s3.client, PIPELINE, dataset, runDate);
      return onObjectCreated(deps(), { bucket: BUCKETS.landing, key: markerKey(PIPELINE, dataset, runDate) });
    });
    const registration = jitter().then(() => registerWait(deps(), payload(runDate)));
    await Promise.all([...uploads, registration]);
    expect(sfn.releases(`token-${runDate}`)).toBe(1);
    expect(sfn.sends.filter((s) => s.taskToken === `token-${runDate}`).length).toBeGreaterThanOrEqual(1);
  }
});

it("data files without markers never release", async () => {
  const runDate = nextRunDate();
  for (const dataset of ["trades", "market_prices", "fx_rates"]) {
    const key = `incoming/${PIPELINE}/${dataset}/run_date=${runDate}/part-0000.csv`;
    await s3.client.send(new PutObjectCommand({ Bucket: BUCKETS.landing, Key: key, Body: "x\n" }));
    await expect(onObjectCreated(deps(), { bucket: BUCKETS.landing, key })).resolves.toMatchObject({ released: false });
  }
  await expect(registerWait(deps(), payload(runDate))).resolves.toEqual({ released: false, missing: ["trades", "market_prices", "fx_rates"] });
  expect(sfn.sends).toHaveLength(0);
});
