/**
 * The join over the S3 API, for the local runtime (its RunJoin task) and anything else without
 * Glue: lists and downloads the day's objects and the references (DuckDB cannot reach s3:// without
 * network extensions), runs runJoinLocal in a temporary directory, and publishes the outputs so that
 * they appear whole or not at all and a rerun replaces only that date's partition:
 * delete the old _SUCCESS and _manifest.json, upload the new parts, delete the partition's stale
 * objects, write _manifest.json, and write _SUCCESS last.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { MANIFEST_FILE, MARKER_FILE, type RunDate } from "../lambdas/shared/contracts";
import { type LocalInputFile, runJoinLocal } from "./duckdb-engine";
import type { Manifest } from "./manifest";
import type { JobSpec } from "./spec";
import { InputValidationError, type Violation } from "./validation";

export { InputValidationError } from "./validation";

export interface S3Location {
  readonly bucket: string;
  /** Key prefix ending in "/" (or "" for the whole bucket). */
  readonly prefix: string;
}

export interface S3JoinJob {
  readonly spec: JobSpec;
  /** Local directory holding the pipeline's SQL files (glue/sql/<pipeline>/). */
  readonly sqlDir: string;
  /** Where the day's datasets land: prefix incoming/<pipeline>/. */
  readonly landing: S3Location;
  /** Where outputs go: prefix <pipeline>/ (outputs land in <prefix><output>/run_date=D/). */
  readonly results: S3Location;
  /** Where each reference of the spec lives. */
  readonly references: Readonly<Record<string, S3Location>>;
  /** Parent of the temporary working directory. Default: the OS temp directory. */
  readonly workDir?: string;
  /** DuckDB worker threads. Default: DuckDB's. */
  readonly threads?: number;
  /** DuckDB memory limit such as "2GB". Default: DuckDB's. */
  readonly memoryLimit?: string;
}

export interface S3JoinRun {
  readonly runDate: RunDate;
  readonly executionName: string;
  /** Default: the system clock. */
  readonly clock?: () => Date;
}

type S3 = Pick<S3Client, "send">;

/** Data objects only: markers (_SUCCESS), hidden and temporary files (_*, .*) and folders are skipped. */
export function isDataObject(key: string): boolean {
  const name = key.slice(key.lastIndexOf("/") + 1);
  return name !== "" && !name.startsWith("_") && !name.startsWith(".");
}

function checkPrefix(location: S3Location, what: string): void {
  if (location.prefix !== "" && !location.prefix.endsWith("/")) throw new Error(`${what}: prefix ${JSON.stringify(location.prefix)} must end with "/"`);
}

/** Every object under a prefix (all pages), in key order. */
export async function listObjects(s3: S3, bucket: string, prefix: string): Promise<{ key: string; size: number }[]> {
  const found: { key: string; size: number }[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const item of page.Contents ?? []) if (item.Key) found.push({ key: item.Key, size: item.Size ?? 0 });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

interface Transfer {
  readonly bucket: string;
  readonly key: string;
  readonly path: string;
}

/** Object transfers in flight at once: S3 serves many parallel requests; a day has few, large files. */
const TRANSFER_CONCURRENCY = 8;

/** Runs `work` on every item, at most TRANSFER_CONCURRENCY at a time; rejects with the first failure. */
async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(TRANSFER_CONCURRENCY, items.length) }, worker));
}

async function download(s3: S3, bucket: string, key: string, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!object.Body) throw new Error(`s3://${bucket}/${key}: GetObject returned no body`);
  await pipeline(object.Body as Readable, createWriteStream(path));
}

async function upload(s3: S3, bucket: string, key: string, path: string, contentType: string): Promise<void> {
  const { size } = await stat(path);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: createReadStream(path), ContentLength: size, ContentType: contentType }));
}

/**
 * Runs one day of a pipeline against S3 with DuckDB and publishes the outputs to
 * <results.prefix><output>/run_date=D/. Throws InputValidationError (name "ValidationFailed") for
 * bad input, in which case nothing is written. The temporary directory is removed in every case.
 */
export async function runJoinOnS3(s3: S3, job: S3JoinJob, run: S3JoinRun): Promise<Manifest> {
  checkPrefix(job.landing, "landing");
  checkPrefix(job.results, "results");
  const work = await mkdtemp(join(job.workDir ?? tmpdir(), "etl-join-"));
  try {
    const inputs: Record<string, LocalInputFile[]> = {};
    const missing: Violation[] = [];
    const transfers: Transfer[] = [];
    for (const dataset of job.spec.datasets) {
      const prefix = `${job.landing.prefix}${dataset.name}/run_date=${run.runDate}/`;
      const objects = (await listObjects(s3, job.landing.bucket, prefix)).filter((o) => isDataObject(o.key));
      if (objects.length === 0 && !dataset.allowEmpty)
        missing.push({ dataset: dataset.name, key: prefix, problem: "no data file arrived for the day (only markers or nothing)" });
      inputs[dataset.name] = objects.map((o) => ({ key: o.key, path: join(work, "landing", o.key), bytes: o.size }));
      transfers.push(...inputs[dataset.name].map((f) => ({ bucket: job.landing.bucket, key: f.key, path: f.path })));
    }
    if (missing.length > 0) throw new InputValidationError(missing, missing.length);

    const references: Record<string, string[]> = {};
    for (const reference of job.spec.references) {
      const location = job.references[reference.name];
      if (!location) throw new Error(`runJoinOnS3: no S3 location given for reference "${reference.name}" (configured at ${reference.location})`);
      checkPrefix(location, `reference "${reference.name}"`);
      const objects = (await listObjects(s3, location.bucket, location.prefix)).filter((o) => isDataObject(o.key));
      if (objects.length === 0) throw new Error(`reference "${reference.name}": no data objects under s3://${location.bucket}/${location.prefix}`);
      // Relative paths are kept so that hive-style partition folders (key=value/) still read as columns.
      const files = objects.map((o) => ({
        bucket: location.bucket,
        key: o.key,
        path: join(work, "references", reference.name, o.key.slice(location.prefix.length)),
      }));
      references[reference.name] = files.map((f) => f.path);
      transfers.push(...files);
    }
    await inParallel(transfers, (t) => download(s3, t.bucket, t.key, t.path));

    const outputDir = join(work, "out");
    const local = await runJoinLocal({
      spec: job.spec,
      sqlDir: job.sqlDir,
      runDate: run.runDate,
      executionName: run.executionName,
      inputs,
      references,
      outputDir,
      clock: run.clock,
      threads: job.threads,
      memoryLimit: job.memoryLimit,
    });
    return await publish(s3, job, run.runDate, local, outputDir);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function publish(s3: S3, job: S3JoinJob, runDate: RunDate, local: Manifest, outputDir: string): Promise<Manifest> {
  const { bucket } = job.results;
  const partitionOf = (output: string) => `${job.results.prefix}${output}/run_date=${runDate}/`;
  // Readers take _SUCCESS as "complete": it goes first, so nobody reads a half-replaced partition.
  await inParallel(
    local.outputs.flatMap((output) => [MARKER_FILE, MANIFEST_FILE].map((name) => `${partitionOf(output.name)}${name}`)),
    (key) => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })),
  );
  const outputs = local.outputs.map((output) => ({ ...output, keys: (output.keys ?? []).map((relative) => `${job.results.prefix}${relative}`) }));
  await inParallel(
    outputs.flatMap((output) => output.keys),
    (key) => upload(s3, bucket, key, join(outputDir, key.slice(job.results.prefix.length)), "application/vnd.apache.parquet"),
  );
  for (const output of outputs) {
    const fresh = new Set(output.keys);
    const stale = (await listObjects(s3, bucket, partitionOf(output.name))).filter((o) => !fresh.has(o.key));
    await inParallel(stale, (o) => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.key })));
  }
  const manifest: Manifest = { ...local, outputs };
  const body = `${JSON.stringify(manifest, null, 2)}\n`;
  for (const output of local.outputs) {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `${partitionOf(output.name)}${MANIFEST_FILE}`,
        Body: body,
        ContentLength: Buffer.byteLength(body),
        ContentType: "application/json",
      }),
    );
  }
  for (const output of local.outputs) {
    // An empty body with its length stated: the SDK cannot tell the length of "" and warns.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${partitionOf(output.name)}${MARKER_FILE}`, Body: new Uint8Array(0), ContentLength: 0 }));
  }
  return manifest;
}
