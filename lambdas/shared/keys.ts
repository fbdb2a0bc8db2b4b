/**
 * Parsing the landing keys S3 reports: incoming/<pipeline>/<dataset>/run_date=YYYY-MM-DD/<file>.
 * Keys in S3 event notifications and EventBridge events are URL-encoded the way HTML forms are
 * ("+" for a space, %XX for UTF-8 bytes): https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 */
import { LANDING_ROOT, MARKER_FILE, type RunDate, type RuntimeConfig } from "./contracts";
import { isRunDate } from "./dates";

export interface LandingObject {
  readonly pipeline: string;
  readonly dataset: string;
  readonly runDate: RunDate;
  /** The part of the key after run_date=YYYY-MM-DD/, e.g. "part-0001.csv" or "_SUCCESS". */
  readonly file: string;
  /** The decoded key. */
  readonly key: string;
  readonly isMarker: boolean;
}

export type LandingKeyParse = { readonly ok: true; readonly object: LandingObject } | { readonly ok: false; readonly reason: string };

/** Decodes an event's object key ("+" is a space, then percent-decoding); undefined when the encoding is malformed. */
export function decodeEventKey(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, " "));
  } catch {
    return undefined;
  }
}

/** Checks a decoded landing key against the layout and the runtime config; unrelated keys come back with the reason. */
export function parseLandingKey(config: RuntimeConfig, bucket: string, key: string): LandingKeyParse {
  const fail = (reason: string): LandingKeyParse => ({ ok: false, reason });
  if (bucket !== config.landingBucket) return fail(`bucket ${JSON.stringify(bucket)} is not the landing bucket ${JSON.stringify(config.landingBucket)}`);
  if (!key.startsWith(LANDING_ROOT)) return fail(`key ${JSON.stringify(key)} is not under ${LANDING_ROOT}`);
  const parts = key.slice(LANDING_ROOT.length).split("/");
  if (parts.length < 4) return fail(`key ${JSON.stringify(key)} does not match ${LANDING_ROOT}<pipeline>/<dataset>/run_date=YYYY-MM-DD/<file>`);
  const [pipeline, dataset, partition] = parts;
  const file = parts.slice(3).join("/");
  const runtime = config.pipelines[pipeline];
  if (runtime === undefined || !Object.hasOwn(config.pipelines, pipeline)) {
    return fail(`pipeline ${JSON.stringify(pipeline)} is not configured (known: ${Object.keys(config.pipelines).join(", ")})`);
  }
  if (!runtime.datasets.includes(dataset))
    return fail(`dataset ${JSON.stringify(dataset)} is not one of pipeline ${pipeline}'s datasets (${runtime.datasets.join(", ")})`);
  if (!partition.startsWith("run_date=")) return fail(`key ${JSON.stringify(key)} has ${JSON.stringify(partition)} where run_date=YYYY-MM-DD belongs`);
  const runDate = partition.slice("run_date=".length);
  if (!isRunDate(runDate)) return fail(`run_date ${JSON.stringify(runDate)} is not a calendar date YYYY-MM-DD`);
  if (file === "" || file.endsWith("/")) return fail(`key ${JSON.stringify(key)} is a folder (it ends in /), not a file`);
  return { ok: true, object: { pipeline, dataset, runDate, file, key, isMarker: file === MARKER_FILE } };
}
