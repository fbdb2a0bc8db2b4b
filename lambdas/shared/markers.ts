/**
 * Dataset markers, the stored wait registration, and releasing the WaitForDatasets task.
 *
 * Why this is race-free (S3 has strong read-after-write consistency for PUT, HEAD and GET:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/Welcome.html#ConsistencyModel):
 * - the waiting execution (await-datasets) first WRITES its registration, THEN reads every marker;
 * - an upload (on-upload) has its marker WRITTEN first (that write is the event), THEN reads every
 *   marker and the registration.
 * Take the last marker to be written. If the registration's marker check ran after that write, it
 * sees every marker and releases. Otherwise that check, and so the registration write before it,
 * happened before the last marker's write; the on-upload call for that marker reads the markers and
 * the registration after it and sees both, and releases. So at least one side always releases.
 * Both may release; the second SendTaskSuccess is rejected (TaskTimedOut / InvalidToken /
 * TaskDoesNotExist) and ignored, and a task token completes at most once, so exactly one join runs.
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { SendTaskSuccessCommand } from "@aws-sdk/client-sfn";
import { type DatasetsArrived, markerKey, type RunDate, type WaitRegistration, waitTokenKey } from "./contracts";
import { awsErrorName, isNotFound } from "./errors";
import type { LoggerPort, S3Port, SfnPort } from "./ports";

export interface MarkerCheck {
  readonly present: readonly { readonly dataset: string; readonly markerKey: string }[];
  readonly missing: readonly string[];
}

/** HEADs every dataset's _SUCCESS marker (in parallel); a 404 means the dataset has not arrived. */
export async function checkMarkers(s3: S3Port, bucket: string, pipeline: string, datasets: readonly string[], runDate: RunDate): Promise<MarkerCheck> {
  const results = await Promise.all(
    datasets.map(async (dataset) => {
      const key = markerKey(pipeline, dataset, runDate);
      try {
        await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return { dataset, markerKey: key, present: true };
      } catch (err) {
        if (isNotFound(err)) return { dataset, markerKey: key, present: false };
        throw new Error(`HeadObject s3://${bucket}/${key} failed: ${awsErrorName(err) ?? "error"}: ${(err as Error).message}`, { cause: err });
      }
    }),
  );
  return {
    present: results.filter((r) => r.present).map(({ dataset, markerKey: k }) => ({ dataset, markerKey: k })),
    missing: results.filter((r) => !r.present).map((r) => r.dataset),
  };
}

/** Stores the WaitForDatasets task token of a pipeline and day (overwriting an earlier run's). */
export async function writeWaitRegistration(s3: S3Port, bucket: string, registration: WaitRegistration): Promise<string> {
  const key = waitTokenKey(registration.pipeline, registration.runDate);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(registration), ContentType: "application/json" }));
  return key;
}

/** The stored registration of a pipeline and day, or undefined when no execution is waiting yet. */
export async function readWaitRegistration(s3: S3Port, bucket: string, pipeline: string, runDate: RunDate): Promise<WaitRegistration | undefined> {
  const key = waitTokenKey(pipeline, runDate);
  let body: string;
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    body = (await response.Body?.transformToString("utf-8")) ?? "";
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  let parsed: Partial<WaitRegistration>;
  try {
    parsed = JSON.parse(body) as Partial<WaitRegistration>;
  } catch {
    throw new Error(`Wait registration s3://${bucket}/${key} is not valid JSON: ${JSON.stringify(body.slice(0, 200))}`);
  }
  if (typeof parsed?.taskToken !== "string" || parsed.taskToken === "" || parsed.pipeline !== pipeline || parsed.runDate !== runDate) {
    throw new Error(`Wait registration s3://${bucket}/${key} lacks a taskToken or belongs to another run: ${JSON.stringify(body.slice(0, 200))}`);
  }
  return parsed as WaitRegistration;
}

/** Errors of SendTaskSuccess that mean the wait is over already (released, timed out, or the execution stopped). */
export const WAIT_ALREADY_OVER = ["TaskTimedOut", "InvalidToken", "TaskDoesNotExist"] as const;

export type ReleaseResult = { readonly released: true } | { readonly released: false; readonly reason: string };

/** SendTaskSuccess with the arrived markers; a wait that is over already is logged and counts as not released. */
export async function releaseWait(sfn: SfnPort, logger: LoggerPort, registration: WaitRegistration, output: DatasetsArrived): Promise<ReleaseResult> {
  try {
    await sfn.send(new SendTaskSuccessCommand({ taskToken: registration.taskToken, output: JSON.stringify(output) }));
    logger.info("Released the wait for datasets", {
      pipeline: registration.pipeline,
      runDate: registration.runDate,
      executionArn: registration.executionArn,
      releasedBy: output.releasedBy,
    });
    return { released: true };
  } catch (err) {
    const name = awsErrorName(err);
    if (name !== undefined && (WAIT_ALREADY_OVER as readonly string[]).includes(name)) {
      const reason = `the wait of ${registration.executionArn} is over already (${name})`;
      logger.info("Wait already over; nothing to release", {
        pipeline: registration.pipeline,
        runDate: registration.runDate,
        executionArn: registration.executionArn,
        error: name,
      });
      return { released: false, reason };
    }
    throw err;
  }
}
