import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { Annotations, DefaultTokenResolver, type IAspect, StringConcat, TerraformResource, TerraformStack, Token, Tokenization } from "cdktf";
import type { IConstruct } from "constructs";

const PIPELINE_SCOPE = Symbol.for("daily-etl.pipelineScope");

/** Marks a construct as belonging to one pipeline: every taggable resource under it must carry `pipeline=<name>`. */
export function markPipelineScope(construct: IConstruct, pipeline: string): void {
  (construct as unknown as Record<symbol, string>)[PIPELINE_SCOPE] = pipeline;
}

/** The pipeline a construct (or one of its ancestors) was marked with, if any. */
export function pipelineScopeOf(construct: IConstruct): string | undefined {
  for (const c of [...construct.node.scopes].reverse()) {
    const marked = (c as unknown as Record<symbol, string | undefined>)[PIPELINE_SCOPE];
    if (marked !== undefined) return marked;
  }
  return undefined;
}

export interface GuardrailsProps {
  /** Tag keys every taggable resource must carry, from the provider's default tags or its own tags. */
  readonly requiredTags: readonly string[];
  /** Tag key that per-pipeline resources must carry with their pipeline's name. Default: "pipeline". */
  readonly pipelineTagKey?: string;
}

interface Taggable {
  readonly tagsInput?: Record<string, string>;
}

/** Resources whose class exposes tags (the provider generates `tagsInput` exactly for those). */
function isTaggable(resource: TerraformResource): resource is TerraformResource & Taggable {
  return "tagsInput" in resource;
}

/** Literal tag values set in code; tokens are treated as present (their value is only known to Terraform). */
function literalTags(value: unknown): Record<string, string> {
  if (value === undefined || value === null || Token.isUnresolved(value)) return {};
  return value as Record<string, string>;
}

/**
 * The cross-cutting rules of the repository, checked on the synthesized tree and reported through
 * Annotations (an error stops synth):
 * - every taggable resource carries the required tags, from the provider's default tags or its own;
 * - every resource under a pipeline scope carries `pipeline=<its pipeline>`;
 * - every S3 bucket has a server-side encryption configuration and a public access block.
 */
export class Guardrails implements IAspect {
  private readonly pipelineTagKey: string;

  constructor(private readonly props: GuardrailsProps) {
    this.pipelineTagKey = props.pipelineTagKey ?? "pipeline";
  }

  visit(node: IConstruct): void {
    if (node instanceof S3Bucket) this.checkBucket(node);
    if (node instanceof TerraformResource && isTaggable(node)) this.checkTags(node);
  }

  private checkTags(resource: TerraformResource & Taggable): void {
    const stack = TerraformStack.of(resource);
    const tags = { ...this.defaultTags(stack), ...literalTags(resource.tagsInput) };
    const missing = this.props.requiredTags.filter((key) => tags[key] === undefined || tags[key] === "");
    if (missing.length > 0) {
      Annotations.of(resource).addError(
        `${resource.terraformResourceType} ${resource.node.path} is missing the tag(s) ${missing.join(", ")}; set them in the provider's default_tags or on the resource`,
      );
    }
    const pipeline = pipelineScopeOf(resource);
    if (pipeline !== undefined && tags[this.pipelineTagKey] !== pipeline) {
      Annotations.of(resource).addError(
        `${resource.terraformResourceType} ${resource.node.path} belongs to pipeline ${pipeline} but has ${this.pipelineTagKey}=${JSON.stringify(tags[this.pipelineTagKey] ?? null)}; expected ${JSON.stringify(pipeline)}`,
      );
    }
  }

  private defaultTags(stack: TerraformStack): Record<string, string> {
    const merged: Record<string, string> = {};
    for (const c of stack.node.findAll()) {
      if (!(c instanceof AwsProvider)) continue;
      const blocks = c.defaultTags;
      if (!Array.isArray(blocks)) continue;
      for (const block of blocks) Object.assign(merged, literalTags(block.tags));
    }
    return merged;
  }

  private checkBucket(bucket: S3Bucket): void {
    const stack = TerraformStack.of(bucket);
    const others = stack.node.findAll();
    // Configurations refer to the bucket by its id token; compare the resolved references.
    const resolve = (value: unknown): unknown =>
      Tokenization.resolve(value, { scope: stack, preparing: false, resolver: new DefaultTokenResolver(new StringConcat()) });
    const id = resolve(bucket.id);
    const encrypted = others.some((c) => c instanceof S3BucketServerSideEncryptionConfigurationA && resolve(c.bucketInput) === id);
    const blocked = others.some(
      (c) =>
        c instanceof S3BucketPublicAccessBlock &&
        resolve(c.bucketInput) === id &&
        c.blockPublicAclsInput === true &&
        c.blockPublicPolicyInput === true &&
        c.ignorePublicAclsInput === true &&
        c.restrictPublicBucketsInput === true,
    );
    if (!encrypted)
      Annotations.of(bucket).addError(
        `S3 bucket ${bucket.node.path} has no server-side encryption configuration (aws_s3_bucket_server_side_encryption_configuration)`,
      );
    if (!blocked)
      Annotations.of(bucket).addError(`S3 bucket ${bucket.node.path} has no public access block with all four settings on (aws_s3_bucket_public_access_block)`);
  }
}
