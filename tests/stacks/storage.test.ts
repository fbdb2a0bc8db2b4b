import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketNotification } from "@cdktf/provider-aws/lib/s3-bucket-notification";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Storage } from "../../stacks/storage";
import { policyDocument, resourceOf, resourcesOf, synthScope } from "./support";

const props = {
  accountId: "123456789012",
  region: "eu-west-1",
  namePrefix: "tst",
  landingBucketName: "tst-landing-123456789012",
  resultsBucketName: "tst-results-123456789012",
  artifactsBucketName: "tst-artifacts-123456789012",
  landingRetentionDays: 21,
};
const { text, json } = synthScope((scope) => new Storage(scope, "storage", props));

describe("Storage", () => {
  test("creates the three buckets by name", () => {
    for (const name of [props.landingBucketName, props.resultsBucketName, props.artifactsBucketName]) {
      expect(text).toHaveResourceWithProperties(S3Bucket, { bucket: name, force_destroy: false });
    }
  });

  test("encrypts every bucket with the customer key (SSE-KMS, bucket key) and the key rotates", () => {
    expect(text).toHaveResourceWithProperties(KmsKey, { enable_key_rotation: true });
    const encryption = Object.values(resourcesOf(json, "aws_s3_bucket_server_side_encryption_configuration"));
    expect(encryption).toHaveLength(3);
    expect(text).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
      rule: [
        {
          apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: expect.stringContaining("aws_kms_key.storage_data-key") },
          bucket_key_enabled: true,
        },
      ],
    });
  });

  test("blocks public access and enforces bucket ownership on every bucket", () => {
    expect(Object.values(resourcesOf(json, "aws_s3_bucket_public_access_block"))).toHaveLength(3);
    expect(text).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(Object.values(resourcesOf(json, "aws_s3_bucket_ownership_controls"))).toHaveLength(3);
    expect(text).toHaveResourceWithProperties(S3BucketOwnershipControls, { rule: { object_ownership: "BucketOwnerEnforced" } });
  });

  test("denies plain-HTTP requests on every bucket and its objects", () => {
    for (const id of ["landing", "results", "artifacts"]) {
      const [deny] = policyDocument(json, `storage_${id}-policy-document`);
      expect(deny).toMatchObject({ effect: "Deny", actions: ["s3:*"], condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }] });
      expect(deny?.resources).toHaveLength(2);
      expect(deny?.resources?.[1]).toMatch(/\/\*$/);
    }
  });

  test("versions the data buckets (landing, results) but not artifacts", () => {
    const versioning = Object.values(resourcesOf(json, "aws_s3_bucket_versioning"));
    expect(versioning).toHaveLength(2);
    expect(text).toHaveResourceWithProperties(S3BucketVersioningA, { versioning_configuration: { status: "Enabled" } });
    const buckets = versioning.map((v) => String(v.bucket));
    expect(buckets.some((b) => b.includes("storage_landing"))).toBe(true);
    expect(buckets.some((b) => b.includes("storage_results"))).toBe(true);
    expect(buckets.some((b) => b.includes("storage_artifacts"))).toBe(false);
  });

  test("expires landed files after landingRetentionDays and noncurrent versions", () => {
    const landing = resourceOf(json, "aws_s3_bucket_lifecycle_configuration", "landing");
    const rules = landing.rule as { id: string; filter: { prefix: string }[]; expiration?: { days: number }[]; noncurrent_version_expiration?: unknown[] }[];
    const expire = rules.find((r) => r.expiration !== undefined);
    expect(expire?.filter[0]?.prefix).toBe("incoming/");
    expect(expire?.expiration?.[0]?.days).toBe(21);
    expect(rules.some((r) => r.noncurrent_version_expiration !== undefined)).toBe(true);
  });

  test("sends the landing bucket's events to EventBridge", () => {
    expect(text).toHaveResourceWithProperties(S3BucketNotification, { eventbridge: true, bucket: expect.stringContaining("storage_landing") });
  });
});
