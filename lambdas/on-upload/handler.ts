/**
 * on-upload Lambda: EventBridge "Object Created" events (source aws.s3), classic S3 notification
 * records (Records[].s3) and the pipeline's scheduled start (source etl.scheduler). Each object is
 * handed to the core; unrelated objects come back as "ignored", never as errors.
 * Event shapes: https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html and
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 */
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import type { ScheduledStartEvent } from "../shared/contracts";
import { UnsupportedEventError } from "../shared/errors";
import { decodeEventKey } from "../shared/keys";
import { lambdaEntry } from "../shared/lambda";
import { createLogger } from "../shared/logger";
import { loadRuntimeConfig } from "../shared/runtime-config";
import { type OnUploadDeps, type OnUploadOutcome, onObjectCreated, onScheduledStart } from "./core";

/** One unit of work found in an event. */
export type UploadWork =
  | { readonly kind: "object"; readonly bucket: string; readonly key: string }
  | { readonly kind: "schedule"; readonly event: ScheduledStartEvent }
  | { readonly kind: "ignored"; readonly reason: string };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function objectWork(bucket: unknown, encodedKey: unknown, where: string): UploadWork {
  if (typeof bucket !== "string" || typeof encodedKey !== "string") throw new UnsupportedEventError(`${where}: bucket name or object key missing`);
  const key = decodeEventKey(encodedKey);
  if (key === undefined) return { kind: "ignored", reason: `object key ${JSON.stringify(encodedKey)} in ${bucket} is not valid URL encoding` };
  return { kind: "object", bucket, key };
}

/** Finds the objects (or the schedule tick) in any of the three event shapes; throws UnsupportedEventError for anything else. */
export function parseUploadEvent(event: unknown): UploadWork[] {
  if (!isObj(event)) throw new UnsupportedEventError(`on-upload: expected an event object, got ${JSON.stringify(event)}`);
  if (event.source === "etl.scheduler") {
    if (typeof event.pipeline !== "string" || typeof event.scheduledTime !== "string") {
      throw new UnsupportedEventError(`on-upload: scheduled start needs "pipeline" and "scheduledTime", got ${JSON.stringify(event)}`);
    }
    return [{ kind: "schedule", event: { source: "etl.scheduler", pipeline: event.pipeline, scheduledTime: event.scheduledTime } }];
  }
  if (event.source === "aws.s3") {
    if (event["detail-type"] !== "Object Created")
      return [{ kind: "ignored", reason: `EventBridge detail-type ${JSON.stringify(event["detail-type"])} is not "Object Created"` }];
    const detail = isObj(event.detail) ? event.detail : {};
    const bucket = isObj(detail.bucket) ? detail.bucket.name : undefined;
    const key = isObj(detail.object) ? detail.object.key : undefined;
    return [objectWork(bucket, key, `EventBridge event ${String(event.id)}`)];
  }
  if (Array.isArray(event.Records)) {
    return event.Records.map((record: unknown, i): UploadWork => {
      const r = isObj(record) ? record : {};
      if (r.eventSource !== "aws:s3" || !isObj(r.s3))
        return { kind: "ignored", reason: `record ${i} is not an S3 event (eventSource ${JSON.stringify(r.eventSource)})` };
      if (typeof r.eventName !== "string" || !r.eventName.startsWith("ObjectCreated:")) {
        // s3:TestEvent and deletions arrive on the same notification configuration.
        return { kind: "ignored", reason: `record ${i} event ${JSON.stringify(r.eventName)} is not an ObjectCreated event` };
      }
      const s3 = r.s3;
      return objectWork(isObj(s3.bucket) ? s3.bucket.name : undefined, isObj(s3.object) ? s3.object.key : undefined, `S3 record ${i}`);
    });
  }
  throw new UnsupportedEventError(
    `on-upload: unsupported event (source ${JSON.stringify(event.source)}); expected EventBridge aws.s3 Object Created, S3 Records, or etl.scheduler`,
  );
}

/** The handler over given dependencies: what the local runtime and the tests call. */
export function createOnUploadHandler(deps: OnUploadDeps) {
  return async (event: unknown): Promise<OnUploadOutcome[]> => {
    const outcomes: OnUploadOutcome[] = [];
    for (const work of parseUploadEvent(event)) {
      if (work.kind === "ignored") {
        deps.logger.info("Ignored an event", { reason: work.reason });
        outcomes.push({ action: "ignored", reason: work.reason });
      } else if (work.kind === "schedule") {
        outcomes.push(await onScheduledStart(deps, work.event));
      } else {
        outcomes.push(await onObjectCreated(deps, { bucket: work.bucket, key: work.key }));
      }
    }
    return outcomes;
  };
}

const logger = createLogger("on-upload");
const s3 = new S3Client({});
const sfn = new SFNClient({});

export const handler = lambdaEntry(logger, () => createOnUploadHandler({ s3, sfn, config: loadRuntimeConfig(), logger, now: () => new Date() }));
