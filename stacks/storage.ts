import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration, type S3BucketLifecycleConfigurationRule } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketNotification } from "@cdktf/provider-aws/lib/s3-bucket-notification";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Construct } from "constructs";
import { dataKeyPolicy, tlsOnlyBucketPolicy } from "../policies/resource-policies";
import { policyDocument } from "./iam";

export interface StorageProps {
  readonly accountId: string;
  readonly region: string;
  /** Prefix of the key alias (alias/<namePrefix>-data). */
  readonly namePrefix: string;
  readonly landingBucketName: string;
  readonly resultsBucketName: string;
  readonly artifactsBucketName: string;
  /** Days a landed file (incoming/) is kept before it expires. */
  readonly landingRetentionDays: number;
  /** Days a replaced (noncurrent) version of a landed or result file is kept. Default: 30. */
  readonly noncurrentVersionRetentionDays?: number;
  /** Days an object under the artifacts bucket's glue-temp/ (Spark scratch) is kept. Default: 7. */
  readonly tempRetentionDays?: number;
  /** Days a wait registration (control/) is kept; a day's run is long over by then. Default: 35. */
  readonly controlRetentionDays?: number;
}

/** What one bucket is made of; tests and the Aspect look for every part. */
interface EncryptedBucket {
  readonly bucket: S3Bucket;
  readonly publicAccessBlock: S3BucketPublicAccessBlock;
}

/**
 * The environment's buckets and its data key: landing (uploads, EventBridge notifications on),
 * results (the pipelines' outputs) and artifacts (Glue script, job specs, SQL, wait registrations).
 * All are SSE-KMS with the key, private, TLS only and owner-enforced; landing and results are
 * versioned because they hold data.
 */
export class Storage extends Construct {
  public readonly dataKey: KmsKey;
  public readonly landingBucket: S3Bucket;
  public readonly resultsBucket: S3Bucket;
  public readonly artifactsBucket: S3Bucket;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    const noncurrentDays = props.noncurrentVersionRetentionDays ?? 30;

    this.dataKey = new KmsKey(this, "data-key", {
      description: `Encrypts the ${props.namePrefix} pipeline data, artifacts and Glue job logs`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: policyDocument(this, "data-key-policy", dataKeyPolicy(props.accountId, props.region)).json,
    });
    new KmsAlias(this, "data-key-alias", { name: `alias/${props.namePrefix}-data`, targetKeyId: this.dataKey.keyId });

    const landing = this.encryptedBucket("landing", props.landingBucketName, true);
    const results = this.encryptedBucket("results", props.resultsBucketName, true);
    const artifacts = this.encryptedBucket("artifacts", props.artifactsBucketName, false);
    this.landingBucket = landing.bucket;
    this.resultsBucket = results.bucket;
    this.artifactsBucket = artifacts.bucket;

    const abortUploads: S3BucketLifecycleConfigurationRule = {
      id: "abort-incomplete-multipart-uploads",
      status: "Enabled",
      filter: [{ prefix: "" }],
      abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
    };
    const noncurrent: S3BucketLifecycleConfigurationRule = {
      id: "expire-noncurrent-versions",
      status: "Enabled",
      filter: [{ prefix: "" }],
      noncurrentVersionExpiration: [{ noncurrentDays }],
    };
    new S3BucketLifecycleConfiguration(this, "landing-lifecycle", {
      bucket: this.landingBucket.id,
      rule: [
        { id: "expire-landed-files", status: "Enabled", filter: [{ prefix: "incoming/" }], expiration: [{ days: props.landingRetentionDays }] },
        noncurrent,
        abortUploads,
      ],
    });
    new S3BucketLifecycleConfiguration(this, "results-lifecycle", { bucket: this.resultsBucket.id, rule: [noncurrent, abortUploads] });
    new S3BucketLifecycleConfiguration(this, "artifacts-lifecycle", {
      bucket: this.artifactsBucket.id,
      rule: [
        { id: "expire-glue-temp", status: "Enabled", filter: [{ prefix: "glue-temp/" }], expiration: [{ days: props.tempRetentionDays ?? 7 }] },
        { id: "expire-wait-registrations", status: "Enabled", filter: [{ prefix: "control/" }], expiration: [{ days: props.controlRetentionDays ?? 35 }] },
        abortUploads,
      ],
    });

    // "Object Created" events reach EventBridge only when the bucket sends them there.
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/EventBridge.html
    new S3BucketNotification(this, "landing-eventbridge", { bucket: this.landingBucket.id, eventbridge: true });
  }

  private encryptedBucket(id: string, name: string, versioned: boolean): EncryptedBucket {
    const bucket = new S3Bucket(this, id, { bucket: name, forceDestroy: false });
    new S3BucketServerSideEncryptionConfigurationA(this, `${id}-encryption`, {
      bucket: bucket.id,
      // The bucket key cuts KMS requests (and their cost) for the many objects of a Spark job.
      // https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.dataKey.arn }, bucketKeyEnabled: true }],
    });
    const publicAccessBlock = new S3BucketPublicAccessBlock(this, `${id}-public-access-block`, {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, `${id}-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } });
    new S3BucketPolicy(this, `${id}-policy`, {
      bucket: bucket.id,
      policy: policyDocument(this, `${id}-policy-document`, tlsOnlyBucketPolicy(bucket.arn)).json,
      // S3 rejects a policy put while the public access block is being applied.
      dependsOn: [publicAccessBlock],
    });
    if (versioned) new S3BucketVersioningA(this, `${id}-versioning`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } });
    return { bucket, publicAccessBlock };
  }
}
