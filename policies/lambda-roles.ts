/**
 * Least-privilege statements for the pipeline's Lambda functions. Each SDK call a function makes
 * maps to the IAM actions it needs (with the AWS page that says so), and each function declares the
 * calls it makes on exact ARNs or on the documented key prefixes of the data path:
 *   landing  incoming/<pipeline>/*          (markers and data files)
 *   results  <pipeline>/*                   (outputs and manifests)
 *   control  control/wait-tokens/<pipeline>/* (wait registrations, in the artifacts bucket)
 */
import { stateMachineArnFromName } from "../lambdas/shared/runtime-config";
import { type ActionEntry, actionsOf, anyResourceStatement } from "./actions";
import type { PolicyCondition, PolicyStatement } from "./types";

/** The IAM actions behind one SDK call (or one side effect of a call), and where AWS documents them. */
export type CallPermissions = ActionEntry;

/** The `lambda/` entries of the one action map (actions.ts), keyed by SDK call. */
export const SDK_CALL_PERMISSIONS = actionsOf("lambda");

export type SdkCall = keyof typeof SDK_CALL_PERMISSIONS;

/** The S3 actions' resource types (object vs bucket ARNs) are listed here. */
export const S3_RESOURCE_TYPES_SOURCE = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html";

/** The Lambda functions of the data path; each lives in lambdas/<name>/handler.ts. */
export const PIPELINE_FUNCTIONS = ["on-upload", "await-datasets", "check-run-input", "verify-output", "summarize-failure"] as const;
export type PipelineFunction = (typeof PIPELINE_FUNCTIONS)[number];

/** The resources a function's statements are scoped to. ARNs may be Terraform tokens. */
export interface LambdaRoleTargets {
  readonly region: string;
  readonly accountId: string;
  /** Pipelines served; every per-pipeline grant is repeated for each. */
  readonly pipelines: readonly string[];
  /** The state machine name of a pipeline (ARNs are built from names, see `stateMachineArnFromName`). */
  readonly stateMachineName: (pipeline: string) => string;
  readonly landingBucketArn: string;
  readonly resultsBucketArn: string;
  /** The artifacts bucket, which holds wait registrations under control/wait-tokens/. */
  readonly controlBucketArn: string;
  /** The customer managed key the buckets are encrypted with. */
  readonly dataKeyArn: string;
  readonly alertTopicArn: string;
  readonly alertKeyArn: string;
  /** The function's own log group ARN (without the trailing ":*"). */
  readonly logGroupArn: string;
}

export interface CallGrant {
  readonly call: SdkCall;
  readonly resources: readonly string[];
}

/** Key prefixes of the data path, as object ARNs. */
export function landingObjects(bucketArn: string, pipeline: string): string {
  return `${bucketArn}/incoming/${pipeline}/*`;
}
export function resultObjects(bucketArn: string, pipeline: string): string {
  return `${bucketArn}/${pipeline}/*`;
}
export function waitRegistrationObjects(bucketArn: string, pipeline: string): string {
  return `${bucketArn}/control/wait-tokens/${pipeline}/*`;
}

/** arn:aws:states:<region>:<account>:execution:<state machine name>:* — every execution of one state machine. */
export function executionsOf(region: string, accountId: string, stateMachineName: string): string {
  return `arn:aws:states:${region}:${accountId}:execution:${stateMachineName}:*`;
}

/** The SDK calls each function makes, on which resources (see lambdas/<name>/core.ts). */
export function functionGrants(fn: PipelineFunction, t: LambdaRoleTargets): CallGrant[] {
  const stateMachines = t.pipelines.map((p) => stateMachineArnFromName(t.region, t.accountId, t.stateMachineName(p)));
  const landingMarkers = t.pipelines.map((p) => landingObjects(t.landingBucketArn, p));
  switch (fn) {
    case "on-upload":
      return [
        { call: "S3.HeadObject", resources: landingMarkers },
        { call: "S3.MissingKeyIs404", resources: [t.landingBucketArn, t.controlBucketArn] },
        { call: "S3.GetObject", resources: t.pipelines.map((p) => waitRegistrationObjects(t.controlBucketArn, p)) },
        { call: "KMS.ReadEncryptedObject", resources: [t.dataKeyArn] },
        { call: "SFN.StartExecution", resources: stateMachines },
        { call: "SFN.SendTaskSuccess", resources: stateMachines },
      ];
    case "await-datasets":
      return [
        { call: "S3.PutObject", resources: t.pipelines.map((p) => waitRegistrationObjects(t.controlBucketArn, p)) },
        { call: "KMS.WriteEncryptedObject", resources: [t.dataKeyArn] },
        { call: "S3.HeadObject", resources: landingMarkers },
        { call: "S3.MissingKeyIs404", resources: [t.landingBucketArn] },
        { call: "KMS.ReadEncryptedObject", resources: [t.dataKeyArn] },
        { call: "SFN.SendTaskSuccess", resources: stateMachines },
      ];
    case "check-run-input":
      // Pure: normalizes the execution input, no AWS calls beyond logs and traces.
      return [];
    case "verify-output":
      return [
        { call: "S3.GetObject", resources: t.pipelines.map((p) => resultObjects(t.resultsBucketArn, p)) },
        { call: "S3.HeadObject", resources: t.pipelines.map((p) => resultObjects(t.resultsBucketArn, p)) },
        { call: "S3.ListObjectsV2", resources: [t.resultsBucketArn] },
        { call: "S3.MissingKeyIs404", resources: [t.resultsBucketArn] },
        { call: "KMS.ReadEncryptedObject", resources: [t.dataKeyArn] },
      ];
    case "summarize-failure":
      return [
        { call: "SFN.GetExecutionHistory", resources: t.pipelines.map((p) => executionsOf(t.region, t.accountId, t.stateMachineName(p))) },
        { call: "S3.HeadObject", resources: landingMarkers },
        { call: "S3.MissingKeyIs404", resources: [t.landingBucketArn] },
        { call: "KMS.ReadEncryptedObject", resources: [t.dataKeyArn] },
        { call: "SNS.Publish", resources: [t.alertTopicArn] },
        { call: "KMS.PublishToEncryptedTopic", resources: [t.alertKeyArn] },
      ];
  }
}

/**
 * Merges grants into one statement per sid: the union of actions and of resources, in first-seen
 * order. Throws when a grant names no resource or "*", since that would make an invalid or an
 * over-broad policy.
 */
export function mergeGrants<C extends string>(
  grants: readonly { readonly call: C; readonly resources: readonly string[] }[],
  table: Readonly<Record<C, CallPermissions>>,
): PolicyStatement[] {
  const bySid = new Map<string, { actions: string[]; resources: string[]; conditions?: readonly PolicyCondition[] }>();
  for (const grant of grants) {
    const permissions = table[grant.call];
    if (permissions === undefined) throw new Error(`mergeGrants: unknown call ${JSON.stringify(grant.call)}; allowed: ${Object.keys(table).join(" | ")}`);
    if (grant.resources.length === 0 || grant.resources.some((r) => r.trim() === "" || r === "*")) {
      throw new Error(`mergeGrants: ${grant.call} needs exact resource ARNs or prefixes; got ${JSON.stringify(grant.resources)}`);
    }
    const entry = bySid.get(permissions.sid) ?? { actions: [], resources: [], conditions: permissions.conditions };
    for (const action of permissions.actions) if (!entry.actions.includes(action)) entry.actions.push(action);
    for (const resource of grant.resources) if (!entry.resources.includes(resource)) entry.resources.push(resource);
    bySid.set(permissions.sid, entry);
  }
  return [...bySid.entries()].map(([sid, e]) => ({
    sid,
    effect: "Allow",
    actions: e.actions,
    resources: e.resources,
    ...(e.conditions ? { conditions: e.conditions } : {}),
  }));
}

/** Every statement the function's role needs: its SDK calls, its own logs, and X-Ray traces. */
export function lambdaRoleStatements(fn: PipelineFunction, targets: LambdaRoleTargets): PolicyStatement[] {
  const statements = mergeGrants(
    [...functionGrants(fn, targets), { call: "Logs.WriteFunctionLogs", resources: [`${targets.logGroupArn}:*`] }],
    SDK_CALL_PERMISSIONS as Readonly<Record<SdkCall, CallPermissions>>,
  );
  return [...statements, anyResourceStatement("lambda/XRay.WriteTraces")];
}
