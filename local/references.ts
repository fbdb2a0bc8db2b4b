/**
 * Reference data for local runs. On AWS the references already live in S3; locally their buckets
 * start empty, so the runtime puts generated ones at the configured locations.
 */
import type { PipelineConfig } from "../config/types";
import { seedReferences } from "../datagen/upload";
import type { LocalStack } from "./runtime";

/** Sizes of the generated references. */
export const LOCAL_REFERENCE_SIZES = { accounts: 5_000, instruments: 2_000 } as const;

/** Pipelines with a synthetic data generator (datagen/). */
export function hasGenerator(pipeline: Pick<PipelineConfig, "name">): boolean {
  return pipeline.name === "finance-risk";
}

function location(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  if (!match) throw new Error(`not an s3:// location: ${JSON.stringify(uri)}`);
  return { bucket: match[1] as string, prefix: match[2] as string };
}

/** Puts generated accounts and instruments under a finance-risk pipeline's reference locations. */
export async function seedPipelineReferences(stack: Pick<LocalStack, "s3">, pipeline: PipelineConfig): Promise<void> {
  const find = (name: string) => {
    const reference = pipeline.references.find((r) => r.name === name);
    if (reference === undefined) throw new Error(`pipeline ${pipeline.name} has no reference named ${name}`);
    return location(reference.location);
  };
  await seedReferences(stack.s3.client, LOCAL_REFERENCE_SIZES, { accounts: find("accounts"), instruments: find("instruments") });
}

/** Seeds the references of every pipeline that has a generator. */
export async function seedLocalReferences(stack: Pick<LocalStack, "s3" | "environment">): Promise<void> {
  for (const pipeline of stack.environment.pipelines) {
    if (hasGenerator(pipeline)) await seedPipelineReferences(stack, pipeline);
  }
}
