import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { GlueJob } from "@cdktf/provider-aws/lib/glue-job";
import { GlueSecurityConfiguration } from "@cdktf/provider-aws/lib/glue-security-configuration";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import { AssetType, TerraformAsset } from "cdktf";
import { Construct } from "constructs";
import type { GlueExecutionClass, GlueWorkerType } from "../config/types";
import { GLUE_ARGUMENTS } from "../lambdas/shared/contracts";
import { assumeRoleStatements } from "../policies/resource-policies";
import { glueJobRoleStatements } from "../policies/service-roles";
import { policyDocument } from "./iam";

export interface JoinJobProps {
  readonly accountId: string;
  readonly region: string;
  readonly pipeline: string;
  /** The job's name (the state machine's RunJoin starts it by name). */
  readonly jobName: string;
  /** Name of the job's security configuration and role (`<name>-role`). */
  readonly resourcePrefix: string;
  readonly landingBucketName: string;
  readonly landingBucketArn: string;
  readonly resultsBucketName: string;
  readonly resultsBucketArn: string;
  readonly artifactsBucketName: string;
  readonly artifactsBucketArn: string;
  /** The environment's data key: S3 objects, job logs and bookmarks are encrypted with it. */
  readonly dataKeyArn: string;
  /** Reference locations exactly as configured (s3://bucket/prefix/); the role may read only these. */
  readonly referenceLocations: readonly string[];
  /** The Spark runner (glue/pipeline_job.py). */
  readonly scriptPath: string;
  /** The pipeline's job spec (engine/spec.ts `buildJobSpec`), serialized. */
  readonly jobSpecJson: string;
  /** The pipeline's SQL files (glue/sql/<pipeline>/<sqlFile>), absolute paths. */
  readonly sqlFiles: readonly string[];
  readonly workerType: GlueWorkerType;
  /** Number of workers; with autoscaling, the most Glue may use. */
  readonly maxWorkers: number;
  readonly autoscaling: boolean;
  readonly executionClass: GlueExecutionClass;
  readonly timeoutMinutes: number;
  /** Default: "5.0". */
  readonly glueVersion?: "5.0";
  /**
   * Runs of different dates may overlap (a rerun during the next day's run); each replaces only
   * its own partition. Default: 3. More concurrent starts fail with ConcurrentRunsExceededException,
   * which RunJoin retries.
   */
  readonly maxConcurrentRuns?: number;
  /** Default: the provider's default tags only. */
  readonly tags?: Readonly<Record<string, string>>;
}

/** md5 of a file's content: the object is replaced whenever the file changes (etag is not an md5 under SSE-KMS). */
function fileMd5(path: string): string {
  return createHash("md5").update(readFileSync(path)).digest("hex");
}

/**
 * A pipeline's join: the Glue 5 Spark job with its artifacts (runner script, job spec, SQL) in the
 * artifacts bucket, its security configuration and a role that reads only the pipeline's inputs
 * and writes only its results.
 */
export class JoinJob extends Construct {
  public readonly job: GlueJob;
  public readonly role: IamRole;
  public readonly securityConfiguration: GlueSecurityConfiguration;
  /** Key prefix (in the artifacts bucket) of everything the job reads: glue/<pipeline>/. */
  public readonly artifactsPrefix: string;

  constructor(scope: Construct, id: string, props: JoinJobProps) {
    super(scope, id);
    const tags = props.tags ? { ...props.tags } : undefined;
    this.artifactsPrefix = `glue/${props.pipeline}/`;
    const tempPrefix = `glue-temp/${props.pipeline}/`;
    const artifactsUri = `s3://${props.artifactsBucketName}/${this.artifactsPrefix}`;

    const scriptKey = `${this.artifactsPrefix}${basename(props.scriptPath)}`;
    const scriptAsset = new TerraformAsset(this, "script-asset", { path: props.scriptPath, type: AssetType.FILE });
    const script = new S3Object(this, "script", {
      bucket: props.artifactsBucketName,
      key: scriptKey,
      source: scriptAsset.path,
      sourceHash: fileMd5(props.scriptPath),
      contentType: "text/x-python",
      tags,
    });
    const spec = new S3Object(this, "job-spec", {
      bucket: props.artifactsBucketName,
      key: `${this.artifactsPrefix}job-spec.json`,
      content: props.jobSpecJson,
      contentType: "application/json",
      tags,
    });
    const sqlObjects = props.sqlFiles.map((file) => {
      const name = basename(file);
      const asset = new TerraformAsset(this, `sql-asset-${name}`, { path: file, type: AssetType.FILE });
      return new S3Object(this, `sql-${name}`, {
        bucket: props.artifactsBucketName,
        key: `${this.artifactsPrefix}sql/${name}`,
        source: asset.path,
        sourceHash: fileMd5(file),
        contentType: "application/sql",
        tags,
      });
    });

    // https://docs.aws.amazon.com/glue/latest/dg/encryption-security-configuration.html
    this.securityConfiguration = new GlueSecurityConfiguration(this, "security-configuration", {
      name: `${props.resourcePrefix}-security`,
      encryptionConfiguration: {
        s3Encryption: { s3EncryptionMode: "SSE-KMS", kmsKeyArn: props.dataKeyArn },
        cloudwatchEncryption: { cloudwatchEncryptionMode: "SSE-KMS", kmsKeyArn: props.dataKeyArn },
        jobBookmarksEncryption: { jobBookmarksEncryptionMode: "CSE-KMS", kmsKeyArn: props.dataKeyArn },
      },
    });

    this.role = new IamRole(this, "role", {
      name: `${props.resourcePrefix}-role`,
      description: `Runs the ${props.jobName} Glue job`,
      assumeRolePolicy: policyDocument(this, "trust", assumeRoleStatements("glue.amazonaws.com")).json,
      tags,
    });
    new IamRolePolicy(this, "policy", {
      name: "least-privilege",
      role: this.role.id,
      policy: policyDocument(
        this,
        "policy-document",
        glueJobRoleStatements({
          region: props.region,
          accountId: props.accountId,
          pipeline: props.pipeline,
          landingBucketArn: props.landingBucketArn,
          resultsBucketArn: props.resultsBucketArn,
          artifactsBucketArn: props.artifactsBucketArn,
          dataKeyArn: props.dataKeyArn,
          referenceLocations: props.referenceLocations,
          tempPrefix,
        }),
      ).json,
    });

    // Job parameters: https://docs.aws.amazon.com/glue/latest/dg/aws-glue-programming-etl-glue-arguments.html
    const defaultArguments: Record<string, string> = {
      [GLUE_ARGUMENTS.jobSpecUri]: `${artifactsUri}job-spec.json`,
      [GLUE_ARGUMENTS.sqlUri]: `${artifactsUri}sql/`,
      [GLUE_ARGUMENTS.landingUri]: `s3://${props.landingBucketName}/incoming/${props.pipeline}/`,
      [GLUE_ARGUMENTS.resultsUri]: `s3://${props.resultsBucketName}/${props.pipeline}/`,
      "--job-language": "python",
      "--TempDir": `s3://${props.artifactsBucketName}/${tempPrefix}`,
      "--enable-metrics": "true",
      "--enable-continuous-cloudwatch-log": "true",
      "--enable-observability-metrics": "true",
      // Each run is addressed by its run date; bookmarks would skip files a rerun must read again.
      "--job-bookmark-option": "job-bookmark-disable",
    };
    if (props.autoscaling) defaultArguments["--enable-auto-scaling"] = "true";

    this.job = new GlueJob(this, "job", {
      name: props.jobName,
      description: `Validates and joins the day's ${props.pipeline} datasets with the references`,
      roleArn: this.role.arn,
      glueVersion: props.glueVersion ?? "5.0",
      command: { name: "glueetl", pythonVersion: "3", scriptLocation: `s3://${props.artifactsBucketName}/${scriptKey}` },
      defaultArguments,
      workerType: props.workerType,
      numberOfWorkers: props.maxWorkers,
      executionClass: props.executionClass,
      timeout: props.timeoutMinutes,
      // Step Functions decides what is retried (transient errors only), so Glue itself does not retry.
      maxRetries: 0,
      executionProperty: { maxConcurrentRuns: props.maxConcurrentRuns ?? 3 },
      securityConfiguration: this.securityConfiguration.name,
      tags,
      dependsOn: [script, spec, ...sqlObjects],
    });
  }
}
