/**
 * Puts a generated finance-risk day and its reference data into S3 through the S3 API, as the
 * producers and the reference owners do: data files first, then each dataset's _SUCCESS marker.
 * The local runtime and the smoke test use it against s3rver or AWS alike.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { landingPrefix, MARKER_FILE } from "../lambdas/shared/contracts";
import { DAILY_DATASETS, type DailyDataset, type DatagenOptions, type GeneratedDay, mulberry32, writeReferenceParquet } from "./index";

type S3 = Pick<S3Client, "send">;

/** One object to put: a dataset's data file or its marker. */
export interface UploadStep {
  readonly dataset: DailyDataset;
  readonly key: string;
  readonly body: string;
  readonly marker: boolean;
}

export interface UploadPlanOptions {
  readonly pipeline: string;
  /** Datasets whose files (and marker) are left out, to try the deadline alert. Default: none. */
  readonly withhold?: readonly DailyDataset[];
  /** Seed of the order datasets arrive in. Default: 1. */
  readonly orderSeed?: number;
  /** Replaces a dataset's file contents (the bad-input scenario). Default: none. */
  readonly replace?: Partial<Record<DailyDataset, string>>;
}

/** The day's objects in a shuffled dataset order, each dataset's files before its marker. */
export function uploadPlan(day: GeneratedDay, options: UploadPlanOptions): UploadStep[] {
  const rng = mulberry32(options.orderSeed ?? 1);
  const order = [...DAILY_DATASETS].filter((d) => !(options.withhold ?? []).includes(d));
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j] as DailyDataset, order[i] as DailyDataset];
  }
  return order.flatMap((dataset) => {
    const prefix = landingPrefix(options.pipeline, dataset, day.runDate);
    const replacement = options.replace?.[dataset];
    const files = day.datasets[dataset].map((f, i) => ({ fileName: f.fileName, content: replacement !== undefined && i === 0 ? replacement : f.content }));
    return [
      ...files.map((f) => ({ dataset, key: `${prefix}${f.fileName}`, body: f.content, marker: false })),
      { dataset, key: `${prefix}${MARKER_FILE}`, body: "", marker: true },
    ];
  });
}

/** Puts one step's object. Markers are empty objects. */
export async function putStep(s3: S3, bucket: string, step: UploadStep): Promise<void> {
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: step.key,
      Body: step.body,
      ContentLength: Buffer.byteLength(step.body),
      ContentType: step.marker ? "application/octet-stream" : "text/csv; charset=utf-8",
    }),
  );
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/**
 * Writes the accounts and instruments references as Parquet and puts them under their configured
 * locations (`s3://bucket/prefix/`), as the reference owners keep them.
 */
export async function seedReferences(
  s3: S3,
  sizes: Pick<DatagenOptions, "accounts" | "instruments">,
  locations: Readonly<Record<"accounts" | "instruments", { bucket: string; prefix: string }>>,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "references-"));
  try {
    await writeReferenceParquet(sizes, dir);
    for (const name of ["accounts", "instruments"] as const) {
      const location = locations[name];
      for (const file of filesUnder(join(dir, name))) {
        const body = readFileSync(file);
        const key = `${location.prefix}${relative(join(dir, name), file).split("\\").join("/")}`;
        await s3.send(new PutObjectCommand({ Bucket: location.bucket, Key: key, Body: body, ContentLength: body.length }));
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
