/**
 * The run manifest (_manifest.json) the join writes beside each output partition, as DESIGN.md
 * names its fields: pipeline, run_date, execution, engine, inputs (dataset, keys, bytes, rows),
 * outputs (name, rows), started_at, finished_at.
 */
export type JoinEngine = "glue" | "duckdb";

export interface ManifestInput {
  readonly dataset: string;
  /** Object keys of the day's data files (markers and hidden files excluded). */
  readonly keys: readonly string[];
  readonly bytes: number;
  readonly rows: number;
}

export interface ManifestOutput {
  readonly name: string;
  readonly rows: number;
  /** Keys (S3) or paths relative to the output directory (local) of the output's data files. */
  readonly keys?: readonly string[];
}

export interface RunManifest {
  readonly pipeline: string;
  readonly run_date: string;
  readonly execution: string;
  readonly engine: JoinEngine;
  readonly inputs: readonly ManifestInput[];
  readonly outputs: readonly ManifestOutput[];
  /** ISO-8601 UTC. */
  readonly started_at: string;
  readonly finished_at: string;
}

const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

/** Parses a manifest; returns the problems found (each naming the field) instead of throwing. */
export function parseManifest(text: string): { manifest?: RunManifest; problems: string[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { problems: [`not valid JSON (${(err as Error).message})`] };
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { problems: ["not a JSON object"] };
  const m = raw as Record<string, unknown>;
  const problems: string[] = [];
  for (const field of ["pipeline", "run_date", "execution", "started_at", "finished_at"]) {
    if (typeof m[field] !== "string") problems.push(`field ${field}: got ${JSON.stringify(m[field])}; expected a string`);
  }
  if (m.engine !== "glue" && m.engine !== "duckdb") problems.push(`field engine: got ${JSON.stringify(m.engine)}; expected "glue" | "duckdb"`);
  if (!Array.isArray(m.inputs)) problems.push(`field inputs: got ${JSON.stringify(m.inputs)}; expected a list`);
  else
    m.inputs.forEach((input: Record<string, unknown>, i) => {
      if (typeof input?.dataset !== "string") problems.push(`field inputs[${i}].dataset: expected a string`);
      if (!isCount(input?.rows)) problems.push(`field inputs[${i}].rows: got ${JSON.stringify(input?.rows)}; expected a whole number >= 0`);
      if (!isCount(input?.bytes)) problems.push(`field inputs[${i}].bytes: got ${JSON.stringify(input?.bytes)}; expected a whole number >= 0`);
      if (!Array.isArray(input?.keys)) problems.push(`field inputs[${i}].keys: expected a list of keys`);
    });
  if (!Array.isArray(m.outputs)) problems.push(`field outputs: got ${JSON.stringify(m.outputs)}; expected a list`);
  else
    m.outputs.forEach((output: Record<string, unknown>, i) => {
      if (typeof output?.name !== "string") problems.push(`field outputs[${i}].name: expected a string`);
      if (!isCount(output?.rows)) problems.push(`field outputs[${i}].rows: got ${JSON.stringify(output?.rows)}; expected a whole number >= 0`);
    });
  return problems.length > 0 ? { problems } : { manifest: m as unknown as RunManifest, problems };
}
