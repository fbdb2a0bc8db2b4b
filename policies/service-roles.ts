/**
 * Least-privilege statements for the roles AWS services assume on the pipeline's behalf: the Glue
 * join job, the state machine's logging and tracing, and the daily schedule. Each action list links
 * the AWS page it comes from; resources are exact ARNs or documented prefixes, and the few actions
 * AWS only authorizes on "*" say so where they are granted.
 */
import { type CallPermissions, mergeGrants } from "./lambda-roles";
import type { PolicyStatement } from "./types";

export const GLUE_JOB_PERMISSIONS = {
  /** Spark reads data files (GetObject) and probes paths (HeadObject, authorized as GetObject). */
  readObjects: { sid: "ReadInputs", actions: ["s3:GetObject"], source: "https://docs.aws.amazon.com/glue/latest/dg/create-an-iam-role.html" },
  /**
   * Spark's S3 file system lists prefixes and probes "directories" with HEAD requests that answer 403
   * instead of 404 without s3:ListBucket; those probes carry no s3:prefix, so the grant is on the
   * exact bucket ARNs without a prefix condition (listing names, never reading data).
   */
  listBuckets: { sid: "ListBuckets", actions: ["s3:ListBucket"], source: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html" },
  /** The partition is replaced as a whole: write, then delete the files of the previous run; multipart uploads are aborted on failure. */
  writeObjects: {
    sid: "WriteOutputs",
    actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
    source: "https://docs.aws.amazon.com/glue/latest/dg/create-an-iam-role.html",
  },
  /** Data in the buckets and the job's logs and bookmarks are encrypted with the environment's key (security configuration). */
  useDataKey: {
    sid: "UseDataKey",
    actions: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
    source: "https://docs.aws.amazon.com/glue/latest/dg/encryption-security-configuration.html",
  },
  /** Glue writes the job's logs to /aws-glue/* log groups it creates, associating the security configuration's key with them. */
  writeLogs: {
    sid: "WriteJobLogs",
    actions: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"],
    source: "https://docs.aws.amazon.com/glue/latest/dg/encryption-security-configuration.html",
  },
} as const satisfies Readonly<Record<string, CallPermissions>>;

/**
 * cloudwatch:PutMetricData has no resource-level permissions, so it is granted on "*" and narrowed
 * with the cloudwatch:namespace condition to the namespace Glue publishes job metrics in.
 */
export const GLUE_METRICS_SOURCE = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html";

export interface GlueJobRoleTargets {
  readonly region: string;
  readonly accountId: string;
  readonly pipeline: string;
  readonly landingBucketArn: string;
  readonly resultsBucketArn: string;
  readonly artifactsBucketArn: string;
  readonly dataKeyArn: string;
  /** Reference locations exactly as configured: s3://bucket/prefix/. */
  readonly referenceLocations: readonly string[];
  /** Key prefix of the job's temporary directory in the artifacts bucket, ending in "/". */
  readonly tempPrefix: string;
}

/** s3://bucket/prefix/ -> the bucket ARN and the object ARN pattern of everything under the prefix. */
export function s3LocationArns(location: string): { bucketArn: string; objectsArn: string } {
  const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(location);
  if (match === null) throw new Error(`s3LocationArns: got ${JSON.stringify(location)}; allowed: s3://bucket/prefix/`);
  const [, bucket, prefix] = match;
  return { bucketArn: `arn:aws:s3:::${bucket}`, objectsArn: `arn:aws:s3:::${bucket}/${prefix}*` };
}

/** The join job's role: read the day's landing prefix and the references, write the pipeline's results, read its artifacts, write logs. */
export function glueJobRoleStatements(t: GlueJobRoleTargets): PolicyStatement[] {
  const references = t.referenceLocations.map(s3LocationArns);
  const statements = mergeGrants(
    [
      {
        call: "readObjects",
        resources: [`${t.landingBucketArn}/incoming/${t.pipeline}/*`, ...references.map((r) => r.objectsArn), `${t.artifactsBucketArn}/glue/*`],
      },
      { call: "listBuckets", resources: [t.landingBucketArn, t.resultsBucketArn, t.artifactsBucketArn, ...references.map((r) => r.bucketArn)] },
      { call: "writeObjects", resources: [`${t.resultsBucketArn}/${t.pipeline}/*`, `${t.artifactsBucketArn}/${t.tempPrefix}*`] },
      { call: "useDataKey", resources: [t.dataKeyArn] },
      { call: "writeLogs", resources: [`arn:aws:logs:${t.region}:${t.accountId}:log-group:/aws-glue/*`] },
    ],
    GLUE_JOB_PERMISSIONS,
  );
  return [
    ...statements,
    {
      sid: "PublishJobMetrics",
      effect: "Allow",
      actions: ["cloudwatch:PutMetricData"],
      resources: ["*"],
      conditions: [{ test: "StringEquals", variable: "cloudwatch:namespace", values: ["Glue"] }],
    },
  ];
}

/**
 * Vended logs delivery: these logs actions are authorized only on "*" — the documented exception in
 * https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html#cloudwatch-iam-policy
 */
export const STATE_MACHINE_LOGGING_STATEMENT: PolicyStatement = {
  sid: "DeliverExecutionLogs",
  effect: "Allow",
  actions: [
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
  ],
  resources: ["*"],
};

/** X-Ray tracing: no resource-level permissions, the documented exception in https://docs.aws.amazon.com/step-functions/latest/dg/xray-iam.html */
export const STATE_MACHINE_TRACING_STATEMENT: PolicyStatement = {
  sid: "WriteTraces",
  effect: "Allow",
  actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"],
  resources: ["*"],
};

/** Statements the state machine role needs besides its integrations' statements. */
export const STATE_MACHINE_SERVICE_STATEMENTS: readonly PolicyStatement[] = [STATE_MACHINE_LOGGING_STATEMENT, STATE_MACHINE_TRACING_STATEMENT];

/** The sids whose "*" resource is the documented exception above; everything else in a state machine role is an exact ARN. */
export const DOCUMENTED_WILDCARD_SIDS: readonly string[] = [STATE_MACHINE_LOGGING_STATEMENT.sid, STATE_MACHINE_TRACING_STATEMENT.sid];

export const SCHEDULER_PERMISSIONS = {
  invokeTarget: {
    sid: "InvokeTarget",
    actions: ["lambda:InvokeFunction"],
    source: "https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role",
  },
  /** The schedule's dead-letter queue is written with the execution role. */
  sendToDeadLetterQueue: {
    sid: "SendToDeadLetterQueue",
    actions: ["sqs:SendMessage"],
    source: "https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html",
  },
} as const satisfies Readonly<Record<string, CallPermissions>>;

/** The daily schedule's role: invoke exactly the target function, and write to its own dead-letter queue. */
export function schedulerRoleStatements(functionArn: string, deadLetterQueueArn: string): PolicyStatement[] {
  return mergeGrants(
    [
      { call: "invokeTarget", resources: [functionArn] },
      { call: "sendToDeadLetterQueue", resources: [deadLetterQueueArn] },
    ],
    SCHEDULER_PERMISSIONS,
  );
}
