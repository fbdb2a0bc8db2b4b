import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import type { Construct } from "constructs";
import { tlsOnlyBucketPolicy } from "../policies/resource-policies";
import { policyDocument } from "./iam";

export interface SecuredBucketProps {
  readonly name: string;
  /** SSE-KMS with this key (and an S3 bucket key), or SSE-S3 when absent. */
  readonly kmsKeyArn?: string;
  /** Whether object versions are kept (buckets holding data). */
  readonly versioned: boolean;
}

export interface SecuredBucket {
  readonly bucket: S3Bucket;
  readonly publicAccessBlock: S3BucketPublicAccessBlock;
}

/**
 * A bucket secured the one way every bucket here is: default encryption, public access blocked,
 * bucket-owner-enforced ownership, a TLS-only policy, versioning where data lives. The resources are
 * created in `scope` with the IDs `<id>`, `<id>-encryption`, `<id>-public-access-block`,
 * `<id>-ownership`, `<id>-policy`, `<id>-policy-document`, `<id>-versioning` (a contract: renaming
 * one replaces it).
 */
export function securedBucket(scope: Construct, id: string, props: SecuredBucketProps): SecuredBucket {
  const bucket = new S3Bucket(scope, id, { bucket: props.name, forceDestroy: false });
  new S3BucketServerSideEncryptionConfigurationA(scope, `${id}-encryption`, {
    bucket: bucket.id,
    rule: [
      props.kmsKeyArn === undefined
        ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }
        : // The bucket key cuts KMS requests (and their cost) for the many objects of a Spark job.
          // https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html
          { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.kmsKeyArn }, bucketKeyEnabled: true },
    ],
  });
  const publicAccessBlock = new S3BucketPublicAccessBlock(scope, `${id}-public-access-block`, {
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  new S3BucketOwnershipControls(scope, `${id}-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } });
  new S3BucketPolicy(scope, `${id}-policy`, {
    bucket: bucket.id,
    policy: policyDocument(scope, `${id}-policy-document`, tlsOnlyBucketPolicy(bucket.arn)).json,
    // S3 rejects a policy put while the public access block is being applied.
    dependsOn: [publicAccessBlock],
  });
  if (props.versioned) new S3BucketVersioningA(scope, `${id}-versioning`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } });
  return { bucket, publicAccessBlock };
}
