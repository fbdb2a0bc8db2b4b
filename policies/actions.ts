/**
 * THE map of integration -> IAM actions for every role of the product. Each entry is one thing a
 * role does (a state machine integration, an SDK call of a Lambda, a side effect AWS documents for
 * it), the actions AWS authorizes it with, and the AWS page that says so. Every role's policy is
 * generated from these entries (integrations.ts, lambda-roles.ts, service-roles.ts), and the plan
 * rule ETL-IAM-002 reads its documented "*"-resource exceptions from here too.
 *
 * Keys are `<role>/<name>`: the role that makes the call, then the name the role's builder uses.
 */
import type { PolicyCondition } from "./types";

/** The roles of the product whose statements come from this map. */
export type ActionRole = "integration" | "stateMachine" | "lambda" | "glueJob" | "scheduler" | "githubApply";

export interface ActionEntry {
  /** Statement id the grants of this entry are merged under. */
  readonly sid: string;
  readonly actions: readonly string[];
  /** The AWS documentation page the actions come from. */
  readonly source: string;
  /** Conditions the statement always carries. Default: none. */
  readonly conditions?: readonly PolicyCondition[];
  /**
   * Set only where AWS authorizes the actions on "*" alone (no resource-level permissions): why the
   * grant cannot be narrowed, with the page that documents it. Such an entry is granted on "*" by
   * `anyResourceStatement`, and ETL-IAM-002 accepts "*" exactly for these actions. Default: the
   * entry is granted on exact ARNs only.
   */
  readonly anyResource?: { readonly why: string; readonly source: string };
  /**
   * lambda:invoke: AWS's documented policy grants a function's qualified ARNs (`<function>:*`,
   * versions and aliases) with the function, so both forms are granted. Default: false.
   */
  readonly qualifiedCompanion?: boolean;
}

const SFN_AUTH = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsstepfunctions.html";
const S3_KMS = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#require-sse-kms";
const SNS_KMS = "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#sns-what-permissions-for-sse";
const GLUE_ROLE = "https://docs.aws.amazon.com/glue/latest/dg/create-an-iam-role.html";
const GLUE_SECURITY = "https://docs.aws.amazon.com/glue/latest/dg/encryption-security-configuration.html";

/** Vended logs delivery: what a state machine with logging, and whoever creates one, needs (authorized only on "*"). */
const LOG_DELIVERY_ACTIONS = [
  "logs:CreateLogDelivery",
  "logs:GetLogDelivery",
  "logs:UpdateLogDelivery",
  "logs:DeleteLogDelivery",
  "logs:ListLogDeliveries",
  "logs:PutResourcePolicy",
  "logs:DescribeResourcePolicies",
] as const;

export const ACTIONS = {
  // --- State machine integrations (the Task states' Resource), scoped to the ARNs the state names.
  /** lambda:invoke and lambda:invoke.waitForTaskToken need the same action. */
  "integration/lambda:invoke": {
    sid: "InvokePipelineFunctions",
    actions: ["lambda:InvokeFunction"],
    source: "https://docs.aws.amazon.com/step-functions/latest/dg/lambda-iam.html",
    qualifiedCompanion: true,
  },
  /** The .sync pattern polls the job run and stops it when the task times out or the execution is stopped. */
  "integration/glue:startJobRun.sync": {
    sid: "RunJoinJob",
    actions: ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"],
    source: "https://docs.aws.amazon.com/step-functions/latest/dg/glue-iam.html",
  },
  "integration/sns:publish": { sid: "PublishAlerts", actions: ["sns:Publish"], source: "https://docs.aws.amazon.com/step-functions/latest/dg/sns-iam.html" },
  /** Publishing to a topic encrypted with a customer managed key needs the key too. */
  "integration/kms:encryptedTopic": { sid: "EncryptAlerts", actions: ["kms:GenerateDataKey*", "kms:Decrypt"], source: SNS_KMS },

  // --- The state machine role besides its integrations.
  "stateMachine/deliverLogs": {
    sid: "DeliverExecutionLogs",
    actions: [...LOG_DELIVERY_ACTIONS, "logs:DescribeLogGroups"],
    source: "https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html#cloudwatch-iam-policy",
    anyResource: {
      why: "vended logs delivery is authorized only on *",
      source: "https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html#cloudwatch-iam-policy",
    },
  },
  "stateMachine/writeTraces": {
    sid: "WriteTraces",
    actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"],
    source: "https://docs.aws.amazon.com/step-functions/latest/dg/xray-iam.html",
    anyResource: { why: "X-Ray has no resource-level permissions", source: "https://docs.aws.amazon.com/step-functions/latest/dg/xray-iam.html" },
  },

  // --- Lambda functions: one entry per SDK call (or per side effect of a call AWS documents).
  /** HeadObject is authorized as s3:GetObject. */
  "lambda/S3.HeadObject": { sid: "ReadObjects", actions: ["s3:GetObject"], source: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html" },
  "lambda/S3.GetObject": { sid: "ReadObjects", actions: ["s3:GetObject"], source: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html" },
  "lambda/S3.PutObject": { sid: "WriteObjects", actions: ["s3:PutObject"], source: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html" },
  "lambda/S3.ListObjectsV2": {
    sid: "ListBuckets",
    actions: ["s3:ListBucket"],
    source: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html",
  },
  /**
   * HeadObject/GetObject of a key that does not exist answer 404 only when the caller may list the
   * bucket, and 403 otherwise; the cores tell "not arrived yet" from "denied" by that status. The
   * check carries no s3:prefix, so this grant is on the bucket ARN without a prefix condition.
   */
  "lambda/S3.MissingKeyIs404": {
    sid: "ListBuckets",
    actions: ["s3:ListBucket"],
    source: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html",
  },
  /** Reading an SSE-KMS object decrypts its data key. */
  "lambda/KMS.ReadEncryptedObject": { sid: "UseDataKey", actions: ["kms:Decrypt"], source: S3_KMS },
  /** Writing an SSE-KMS object generates a data key. */
  "lambda/KMS.WriteEncryptedObject": { sid: "UseDataKey", actions: ["kms:GenerateDataKey"], source: S3_KMS },
  "lambda/SFN.StartExecution": { sid: "StartDailyExecutions", actions: ["states:StartExecution"], source: SFN_AUTH },
  "lambda/SFN.SendTaskSuccess": { sid: "ReleaseWaits", actions: ["states:SendTaskSuccess"], source: SFN_AUTH },
  "lambda/SFN.GetExecutionHistory": { sid: "ReadExecutionHistory", actions: ["states:GetExecutionHistory"], source: SFN_AUTH },
  "lambda/SNS.Publish": { sid: "PublishAlerts", actions: ["sns:Publish"], source: "https://docs.aws.amazon.com/sns/latest/api/API_Publish.html" },
  /** Publishing to a topic encrypted with a customer managed key. */
  "lambda/KMS.PublishToEncryptedTopic": { sid: "EncryptAlerts", actions: ["kms:GenerateDataKey*", "kms:Decrypt"], source: SNS_KMS },
  /** The function's own log group is created by the stack, so only streams and events are granted (not logs:CreateLogGroup). */
  "lambda/Logs.WriteFunctionLogs": {
    sid: "WriteOwnLogs",
    actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
    source: "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html",
  },
  /** Active tracing. */
  "lambda/XRay.WriteTraces": {
    sid: "WriteTraces",
    actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
    source: "https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html#services-xray-permissions",
    anyResource: {
      why: "X-Ray has no resource-level permissions",
      source: "https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html#services-xray-permissions",
    },
  },

  // --- The Glue join job.
  /** Spark reads data files (GetObject) and probes paths (HeadObject, authorized as GetObject). */
  "glueJob/readObjects": { sid: "ReadInputs", actions: ["s3:GetObject"], source: GLUE_ROLE },
  /**
   * Spark's S3 file system lists prefixes and probes "directories" with HEAD requests that answer 403
   * instead of 404 without s3:ListBucket; those probes carry no s3:prefix, so the grant is on the
   * exact bucket ARNs without a prefix condition (listing names, never reading data).
   */
  "glueJob/listBuckets": { sid: "ListBuckets", actions: ["s3:ListBucket"], source: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html" },
  /** The partition is replaced as a whole: write, then delete the files of the previous run; multipart uploads are aborted on failure. */
  "glueJob/writeObjects": { sid: "WriteOutputs", actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"], source: GLUE_ROLE },
  /** Data in the buckets and the job's logs and bookmarks are encrypted with the environment's key (security configuration). */
  "glueJob/useDataKey": { sid: "UseDataKey", actions: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], source: GLUE_SECURITY },
  /** Glue writes the job's logs to /aws-glue/* log groups it creates, associating the security configuration's key with them. */
  "glueJob/writeLogs": {
    sid: "WriteJobLogs",
    actions: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"],
    source: GLUE_SECURITY,
  },
  /** Job metrics (--enable-metrics, observability metrics), narrowed to the namespace Glue publishes in. */
  "glueJob/publishMetrics": {
    sid: "PublishJobMetrics",
    actions: ["cloudwatch:PutMetricData"],
    source: "https://docs.aws.amazon.com/glue/latest/dg/monitoring-awsglue-with-cloudwatch-metrics.html",
    conditions: [{ test: "StringEquals", variable: "cloudwatch:namespace", values: ["Glue"] }],
    anyResource: {
      why: "cloudwatch:PutMetricData has no resource-level permissions; the cloudwatch:namespace condition narrows it",
      source: "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html",
    },
  },

  // --- The daily schedule (EventBridge Scheduler target role).
  "scheduler/invokeTarget": {
    sid: "InvokeTarget",
    actions: ["lambda:InvokeFunction"],
    source: "https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role",
  },
  /** The schedule's dead-letter queue is written with the execution role. */
  "scheduler/sendToDeadLetterQueue": {
    sid: "SendToDeadLetterQueue",
    actions: ["sqs:SendMessage"],
    source: "https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html",
  },

  // --- The GitHub apply role (stacks/bootstrap-stack.ts): the actions it needs that IAM authorizes only on "*".
  "githubApply/manageGlueSecurityConfigurations": {
    sid: "ManageGlueSecurityConfigurations",
    actions: ["glue:CreateSecurityConfiguration", "glue:DeleteSecurityConfiguration"],
    source: "https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsglue.html",
    anyResource: {
      why: "Glue security configurations have no resource type in IAM",
      source: "https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsglue.html",
    },
  },
  "githubApply/createKeys": {
    sid: "CreateKeys",
    actions: ["kms:CreateKey"],
    source: "https://docs.aws.amazon.com/kms/latest/developerguide/customer-managed-policies.html",
    anyResource: {
      why: "CreateKey has no resource (the key does not exist yet); narrow it with aws:RequestTag conditions",
      source: "https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html",
    },
  },
  "githubApply/stateMachineLogDelivery": {
    sid: "StateMachineLogDelivery",
    actions: LOG_DELIVERY_ACTIONS,
    source: "https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html#cloudwatch-iam-policy",
    anyResource: {
      why: "the caller of CreateStateMachine with logging needs vended logs delivery, which is authorized only on *",
      source: "https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html#cloudwatch-iam-policy",
    },
  },
} as const satisfies Readonly<Record<`${ActionRole}/${string}`, ActionEntry>>;

export type ActionKey = keyof typeof ACTIONS;

/** The part of a key after `<role>/`, for the keys of one role. */
type NameIn<R extends ActionRole, K> = K extends `${R}/${infer Name}` ? Name : never;

/** The entries of one role, keyed by their name within the role. */
export type ActionsOf<R extends ActionRole> = { readonly [K in ActionKey as NameIn<R, K>]: (typeof ACTIONS)[K] };

/** The entries of one role, keyed by their name within the role (in the map's order). */
export function actionsOf<R extends ActionRole>(role: R): ActionsOf<R> {
  const prefix = `${role}/`;
  return Object.fromEntries(
    Object.entries(ACTIONS)
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, entry]) => [key.slice(prefix.length), entry]),
  ) as ActionsOf<R>;
}

/** The one statement of an entry AWS authorizes only on "*"; throws for an entry that can be scoped. */
export function anyResourceStatement(key: ActionKey): { sid: string; effect: "Allow"; actions: string[]; resources: string[]; conditions?: PolicyCondition[] } {
  const entry: ActionEntry = ACTIONS[key];
  if (entry.anyResource === undefined) {
    throw new Error(`anyResourceStatement: ${key} can be scoped to exact ARNs; allowed: ${documentedAnyResourceKeys().join(" | ")}`);
  }
  return {
    sid: entry.sid,
    effect: "Allow",
    actions: [...entry.actions],
    resources: ["*"],
    ...(entry.conditions ? { conditions: entry.conditions.map((c) => ({ ...c, values: [...c.values] })) } : {}),
  };
}

/** Keys of the entries granted on "*" (the documented exceptions). */
export function documentedAnyResourceKeys(): ActionKey[] {
  return (Object.keys(ACTIONS) as ActionKey[]).filter((key) => (ACTIONS[key] as ActionEntry).anyResource !== undefined);
}

/** Every action AWS authorizes only on "*" that this map grants, with the entry that documents it. */
export function documentedAnyResourceActions(): ReadonlyMap<string, { readonly key: ActionKey; readonly why: string; readonly source: string }> {
  const byAction = new Map<string, { key: ActionKey; why: string; source: string }>();
  for (const key of documentedAnyResourceKeys()) {
    const entry = ACTIONS[key] as ActionEntry;
    const doc = entry.anyResource as NonNullable<ActionEntry["anyResource"]>;
    for (const action of entry.actions) if (!byAction.has(action)) byAction.set(action, { key, why: doc.why, source: doc.source });
  }
  return byAction;
}
