/**
 * Resource policies (keys, buckets, topic, queues). Same statement shape as policies/types.ts plus
 * the principals a resource policy names. Service principals are always narrowed with
 * aws:SourceAccount / aws:SourceArn so that no other account's resources can use them (the
 * "confused deputy" guidance: https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html).
 */
import type { PolicyStatement } from "./types";

export interface PolicyPrincipal {
  readonly type: "AWS" | "Service" | "*";
  readonly identifiers: readonly string[];
}

export interface ResourcePolicyStatement extends PolicyStatement {
  readonly principals: readonly PolicyPrincipal[];
}

/**
 * Key administration and use by IAM policies of the owning account. Listed action by action rather
 * than "kms:*" so that no statement grants a whole service; this is the set of the default key
 * policy's "key administrators" and "key users" sections.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
 */
export const KEY_OWNER_ACTIONS: readonly string[] = [
  "kms:Create*",
  "kms:Describe*",
  "kms:Enable*",
  "kms:List*",
  "kms:Put*",
  "kms:Update*",
  "kms:Revoke*",
  "kms:Disable*",
  "kms:Get*",
  "kms:Delete*",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:ScheduleKeyDeletion",
  "kms:CancelKeyDeletion",
  "kms:RotateKeyOnDemand",
  "kms:Encrypt",
  "kms:Decrypt",
  "kms:ReEncrypt*",
  "kms:GenerateDataKey*",
];

/** Lets the account's IAM policies grant use of the key (every role's kms statements rely on this). */
export function keyOwnerStatement(accountId: string): ResourcePolicyStatement {
  return {
    sid: "AccountAdministersKey",
    effect: "Allow",
    principals: [{ type: "AWS", identifiers: [`arn:aws:iam::${accountId}:root`] }],
    actions: KEY_OWNER_ACTIONS,
    resources: ["*"],
  };
}

/**
 * The alert key: CloudWatch alarms and EventBridge rules publish to the encrypted topic and
 * EventBridge writes to the encrypted dead-letter queue, which needs these two actions.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
 */
export function alertKeyPolicy(accountId: string): ResourcePolicyStatement[] {
  return [
    keyOwnerStatement(accountId),
    {
      sid: "AlarmsAndRulesUseKey",
      effect: "Allow",
      principals: [{ type: "Service", identifiers: ["cloudwatch.amazonaws.com", "events.amazonaws.com"] }],
      actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
      resources: ["*"],
      conditions: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [accountId] }],
    },
  ];
}

/**
 * The data key: S3 (through the callers' own permissions) and CloudWatch Logs, which encrypts the
 * Glue job's log groups under the security configuration and must be named in the key policy.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
 */
export function dataKeyPolicy(accountId: string, region: string): ResourcePolicyStatement[] {
  return [
    keyOwnerStatement(accountId),
    {
      sid: "GlueLogsUseKey",
      effect: "Allow",
      principals: [{ type: "Service", identifiers: [`logs.${region}.amazonaws.com`] }],
      actions: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
      resources: ["*"],
      conditions: [{ test: "ArnLike", variable: "kms:EncryptionContext:aws:logs:arn", values: [`arn:aws:logs:${region}:${accountId}:log-group:/aws-glue/*`] }],
    },
  ];
}

/** Denies every request over plain HTTP. https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html#transit */
export function tlsOnlyBucketPolicy(bucketArn: string): ResourcePolicyStatement[] {
  return [
    {
      sid: "DenyInsecureTransport",
      effect: "Deny",
      principals: [{ type: "*", identifiers: ["*"] }],
      actions: ["s3:*"],
      resources: [bucketArn, `${bucketArn}/*`],
      conditions: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
    },
  ];
}

/**
 * Who may publish to the alert topic besides the account's own roles: this environment's CloudWatch
 * alarms and EventBridge rules, matched by their name prefix.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html
 */
export function alertTopicPolicy(topicArn: string, accountId: string, region: string, namePrefix: string): ResourcePolicyStatement[] {
  const sourceAccount = { test: "StringEquals", variable: "aws:SourceAccount", values: [accountId] };
  return [
    {
      sid: "AlarmsPublish",
      effect: "Allow",
      principals: [{ type: "Service", identifiers: ["cloudwatch.amazonaws.com"] }],
      actions: ["sns:Publish"],
      resources: [topicArn],
      conditions: [sourceAccount, { test: "ArnLike", variable: "aws:SourceArn", values: [`arn:aws:cloudwatch:${region}:${accountId}:alarm:${namePrefix}-*`] }],
    },
    {
      sid: "RulesPublish",
      effect: "Allow",
      principals: [{ type: "Service", identifiers: ["events.amazonaws.com"] }],
      actions: ["sns:Publish"],
      resources: [topicArn],
      conditions: [sourceAccount, { test: "ArnLike", variable: "aws:SourceArn", values: [`arn:aws:events:${region}:${accountId}:rule/${namePrefix}-*`] }],
    },
  ];
}

/**
 * Only the one rule may write to its dead-letter queue.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html#eb-dlq-perms
 */
export function ruleDeadLetterQueuePolicy(queueArn: string, ruleArn: string): ResourcePolicyStatement[] {
  return [
    {
      sid: "RuleSendsFailedEvents",
      effect: "Allow",
      principals: [{ type: "Service", identifiers: ["events.amazonaws.com"] }],
      actions: ["sqs:SendMessage"],
      resources: [queueArn],
      conditions: [{ test: "ArnEquals", variable: "aws:SourceArn", values: [ruleArn] }],
    },
  ];
}

/**
 * Trust policy: only `service` may assume the role. With `sourceAccount`, only on behalf of that
 * account — Step Functions and EventBridge Scheduler document this condition
 * (https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html,
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html);
 * Lambda and Glue do not, so their roles are trusted without it.
 */
export function assumeRoleStatements(service: string, sourceAccount?: string): ResourcePolicyStatement[] {
  return [
    {
      sid: "ServiceAssumesRole",
      effect: "Allow",
      principals: [{ type: "Service", identifiers: [service] }],
      actions: ["sts:AssumeRole"],
      resources: [],
      ...(sourceAccount === undefined ? {} : { conditions: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [sourceAccount] }] }),
    },
  ];
}
