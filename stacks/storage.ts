import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import type { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration, type S3BucketLifecycleConfigurationRule } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketNotification } from "@cdktf/provider-aws/lib/s3-bucket-notification";
import { Construct } from "constructs";
import { dataKeyPolicy } from "../policies/resource-policies";
import { policyDocument } from "./iam";
import { securedBucket } from "./secured-bucket";

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

    const landing = securedBucket(this, "landing", { name: props.landingBucketName, kmsKeyArn: this.dataKey.arn, versioned: true });
    const results = securedBucket(this, "results", { name: props.resultsBucketName, kmsKeyArn: this.dataKey.arn, versioned: true });
    const artifacts = securedBucket(this, "artifacts", { name: props.artifactsBucketName, kmsKeyArn: this.dataKey.arn, versioned: false });
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
}
