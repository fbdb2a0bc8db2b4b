/**
 * verify-output: the last check before a run counts as succeeded. Each output partition must be
 * whole (its _SUCCESS marker and _manifest.json exist, it holds data), the manifest must describe
 * this very run, and the row-balance rules must hold (no trade is lost).
 */
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { MANIFEST_FILE, MARKER_FILE, type RunContext, type RuntimeConfig, resultsPrefix } from "../shared/contracts";
import { awsErrorName, isNotFound, OutputVerificationError } from "../shared/errors";
import { parseManifest, type RunManifest } from "../shared/manifest";
import type { LoggerPort, S3Port } from "../shared/ports";

export { OutputVerificationError } from "../shared/errors";

export interface VerifiedOutput {
  readonly name: string;
  readonly rows: number;
  /** s3://RESULTS/<pipeline>/<output>/run_date=YYYY-MM-DD/ */
  readonly location: string;
  readonly manifestKey: string;
  /** Data objects seen in the first listing page (up to 1000): at least this many. */
  readonly dataObjects: number;
}

export interface OutputVerification {
  readonly pipeline: string;
  readonly runDate: string;
  readonly executionName: string;
  readonly engine: string;
  readonly outputs: readonly VerifiedOutput[];
  readonly inputs: readonly { readonly dataset: string; readonly rows: number }[];
  readonly rowBalance: readonly { readonly input: string; readonly inputRows: number; readonly outputRows: number }[];
}

/** Spark and DuckDB write hidden bookkeeping files starting with "_" or "."; everything else is data. */
function isDataKey(prefix: string, key: string): boolean {
  const name = key.slice(prefix.length);
  return name !== "" && !name.startsWith("_") && !name.startsWith(".") && !name.endsWith("/");
}

async function exists(s3: S3Port, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw new Error(`HeadObject s3://${bucket}/${key} failed: ${awsErrorName(err) ?? "error"}: ${(err as Error).message}`, { cause: err });
  }
}

async function readText(s3: S3Port, bucket: string, key: string): Promise<string | undefined> {
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return (await response.Body?.transformToString("utf-8")) ?? "";
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function countDataObjects(s3: S3Port, bucket: string, prefix: string): Promise<number> {
  // One page is enough: the question is whether data exists, and bookkeeping files are few.
  const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (page.Contents ?? []).filter((o) => o.Key !== undefined && isDataKey(prefix, o.Key)).length;
}

export async function verifyOutput(deps: { s3: S3Port; config: RuntimeConfig; logger: LoggerPort }, run: RunContext): Promise<OutputVerification> {
  const { s3, config } = deps;
  const runtime = Object.hasOwn(config.pipelines, run.pipeline) ? config.pipelines[run.pipeline] : undefined;
  if (runtime === undefined) throw new OutputVerificationError(`Run ${run.executionName}: pipeline ${JSON.stringify(run.pipeline)} is not configured`);
  const bucket = config.resultsBucket;
  const problems: string[] = [];
  const outputs: VerifiedOutput[] = [];
  const manifests = new Map<string, RunManifest>();

  for (const output of runtime.outputs) {
    const prefix = resultsPrefix(run.pipeline, output, run.runDate);
    const location = `s3://${bucket}/${prefix}`;
    const manifestKey = `${prefix}${MANIFEST_FILE}`;
    const [marker, manifestText, dataObjects] = await Promise.all([
      exists(s3, bucket, `${prefix}${MARKER_FILE}`),
      readText(s3, bucket, manifestKey),
      countDataObjects(s3, bucket, prefix),
    ]);
    if (!marker) problems.push(`output ${output}: ${location}${MARKER_FILE} is missing (the partition is not complete)`);
    if (dataObjects === 0) problems.push(`output ${output}: ${location} holds no data object`);
    if (manifestText === undefined) {
      problems.push(`output ${output}: ${location}${MANIFEST_FILE} is missing`);
      continue;
    }
    const { manifest, problems: manifestProblems } = parseManifest(manifestText);
    if (manifest === undefined) {
      for (const p of manifestProblems) problems.push(`output ${output}: ${location}${MANIFEST_FILE} ${p}`);
      continue;
    }
    const expected = { pipeline: run.pipeline, run_date: run.runDate, execution: run.executionName } as const;
    for (const field of ["pipeline", "run_date", "execution"] as const) {
      if (manifest[field] !== expected[field]) {
        problems.push(
          `output ${output}: manifest ${field} is ${JSON.stringify(manifest[field])}, expected ${JSON.stringify(expected[field])} (a stale or foreign partition)`,
        );
      }
    }
    const entry = manifest.outputs.find((o) => o.name === output);
    if (entry === undefined) {
      problems.push(`output ${output}: the manifest lists no rows for it (outputs: ${manifest.outputs.map((o) => o.name).join(", ") || "none"})`);
      continue;
    }
    manifests.set(output, manifest);
    outputs.push({ name: output, rows: entry.rows, location, manifestKey, dataObjects });
  }

  const rowsOf = new Map(outputs.map((o) => [o.name, o.rows]));
  const firstManifest = manifests.values().next().value as RunManifest | undefined;
  const rowBalance: { input: string; inputRows: number; outputRows: number }[] = [];
  for (const rule of runtime.rowBalance) {
    if (rule.outputs.some((o) => !rowsOf.has(o))) continue; // already reported above
    const source = manifests.get(rule.outputs[0]) ?? firstManifest;
    const input = source?.inputs.find((i) => i.dataset === rule.input);
    if (input === undefined) {
      problems.push(`row balance ${rule.input}: the manifest lists no input rows for dataset ${rule.input}`);
      continue;
    }
    const outputRows = rule.outputs.reduce((sum, o) => sum + (rowsOf.get(o) ?? 0), 0);
    if (outputRows !== input.rows) {
      const terms = rule.outputs.map((o) => `${o} (${rowsOf.get(o)})`).join(" + ");
      problems.push(`row balance ${rule.input}: ${input.rows} input rows but ${terms} = ${outputRows}`);
    }
    rowBalance.push({ input: rule.input, inputRows: input.rows, outputRows });
  }

  if (problems.length > 0) {
    throw new OutputVerificationError(`Outputs of ${run.executionName} (${run.pipeline} ${run.runDate}) failed verification: ${problems.join("; ")}`);
  }
  const verification: OutputVerification = {
    pipeline: run.pipeline,
    runDate: run.runDate,
    executionName: run.executionName,
    engine: firstManifest?.engine ?? "unknown",
    outputs,
    inputs: (firstManifest?.inputs ?? []).map((i) => ({ dataset: i.dataset, rows: i.rows })),
    rowBalance,
  };
  deps.logger.info("Outputs verified", { ...verification });
  return verification;
}
