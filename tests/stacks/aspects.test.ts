import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { Aspects, TerraformStack, Testing } from "cdktf";
import { Construct } from "constructs";
import { Guardrails, markPipelineScope, pipelineScopeOf } from "../../stacks/aspects";

const REQUIRED = ["project", "environment", "managed-by"];

function stackWith(defaultTags: Record<string, string> | undefined, build: (stack: TerraformStack) => void): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "guarded");
  new AwsProvider(stack, "aws", { region: "us-east-1", ...(defaultTags ? { defaultTags: [{ tags: defaultTags }] } : {}) });
  Aspects.of(stack).add(new Guardrails({ requiredTags: REQUIRED }));
  build(stack);
  return stack;
}

function safeBucket(scope: Construct, id: string): S3Bucket {
  const bucket = new S3Bucket(scope, id, { bucket: `${id}-bucket` });
  new S3BucketServerSideEncryptionConfigurationA(scope, `${id}-sse`, {
    bucket: bucket.id,
    rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }],
  });
  new S3BucketPublicAccessBlock(scope, `${id}-pab`, {
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  return bucket;
}

const fullTags = { project: "p", environment: "dev", "managed-by": "cdktf" };

describe("Guardrails aspect", () => {
  test("accepts tagged resources and encrypted, private buckets", () => {
    const stack = stackWith(fullTags, (s) => {
      safeBucket(s, "ok");
      new SqsQueue(s, "queue", { name: "q" });
    });
    expect(() => Testing.fullSynth(stack)).not.toThrow();
  });

  test("reports a taggable resource without the required tags, naming the resource and the tags", () => {
    const stack = stackWith({ project: "p" }, (s) => new SqsQueue(s, "queue", { name: "q" }));
    expect(() => Testing.fullSynth(stack)).toThrow(/aws_sqs_queue guarded\/queue is missing the tag\(s\) environment, managed-by/);
  });

  test("accepts tags set on the resource itself when there are no default tags", () => {
    const stack = stackWith(undefined, (s) => new SqsQueue(s, "queue", { name: "q", tags: fullTags }));
    expect(() => Testing.fullSynth(stack)).not.toThrow();
  });

  test("reports a bucket without encryption or without a public access block", () => {
    const stack = stackWith(fullTags, (s) => new S3Bucket(s, "bare", { bucket: "bare-bucket" }));
    expect(() => Testing.fullSynth(stack)).toThrow(/S3 bucket guarded\/bare has no server-side encryption configuration/);
    const stack2 = stackWith(fullTags, (s) => new S3Bucket(s, "bare", { bucket: "bare-bucket" }));
    expect(() => Testing.fullSynth(stack2)).toThrow(/S3 bucket guarded\/bare has no public access block/);
  });

  test("an encryption configuration of another bucket does not count", () => {
    const stack = stackWith(fullTags, (s) => {
      safeBucket(s, "ok");
      new S3Bucket(s, "other", { bucket: "other-bucket" });
    });
    expect(() => Testing.fullSynth(stack)).toThrow(/guarded\/other has no server-side encryption/);
  });

  test("requires the pipeline tag on resources under a pipeline scope", () => {
    const untagged = stackWith(fullTags, (s) => {
      const scope = new Construct(s, "alpha");
      markPipelineScope(scope, "alpha");
      new SqsQueue(scope, "queue", { name: "q" });
    });
    expect(() => Testing.fullSynth(untagged)).toThrow(/belongs to pipeline alpha but has pipeline=null; expected "alpha"/);
    const tagged = stackWith(fullTags, (s) => {
      const scope = new Construct(s, "alpha");
      markPipelineScope(scope, "alpha");
      new SqsQueue(scope, "queue", { name: "q", tags: { pipeline: "alpha" } });
    });
    expect(() => Testing.fullSynth(tagged)).not.toThrow();
  });

  test("pipelineScopeOf finds the nearest marked ancestor", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    const outer = new Construct(stack, "outer");
    markPipelineScope(outer, "alpha");
    const inner = new Construct(outer, "inner");
    expect(pipelineScopeOf(inner)).toBe("alpha");
    expect(pipelineScopeOf(stack)).toBeUndefined();
  });
});
