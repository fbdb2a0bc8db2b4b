/**
 * Least-privilege statements for the roles AWS services assume on the pipeline's behalf: the Glue
 * join job, the state machine's logging and tracing, and the daily schedule. Each action list links
 * the AWS page it comes from; resources are exact ARNs or documented prefixes, and the few actions
 * AWS only authorizes on "*" say so where they are granted.
 */
import { ACTIONS, actionsOf, anyResourceStatement } from "./actions";
import { mergeGrants } from "./lambda-roles";
import type { PolicyStatement } from "./types";

/** The `glueJob/` entries of the one action map (actions.ts). */
export const GLUE_JOB_PERMISSIONS = actionsOf("glueJob");

/** Where the metrics grant's "*" resource is documented (see ACTIONS["glueJob/publishMetrics"]). */
export const GLUE_METRICS_SOURCE = ACTIONS["glueJob/publishMetrics"].anyResource.source;

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
  return [...statements, anyResourceStatement("glueJob/publishMetrics")];
}

/** Vended logs delivery: authorized only on "*" (the documented exception of ACTIONS["stateMachine/deliverLogs"]). */
export const STATE_MACHINE_LOGGING_STATEMENT: PolicyStatement = anyResourceStatement("stateMachine/deliverLogs");

/** X-Ray tracing: no resource-level permissions (the documented exception of ACTIONS["stateMachine/writeTraces"]). */
export const STATE_MACHINE_TRACING_STATEMENT: PolicyStatement = anyResourceStatement("stateMachine/writeTraces");

/** Statements the state machine role needs besides its integrations' statements. */
export const STATE_MACHINE_SERVICE_STATEMENTS: readonly PolicyStatement[] = [STATE_MACHINE_LOGGING_STATEMENT, STATE_MACHINE_TRACING_STATEMENT];

/** The sids whose "*" resource is the documented exception above; everything else in a state machine role is an exact ARN. */
export const DOCUMENTED_WILDCARD_SIDS: readonly string[] = [STATE_MACHINE_LOGGING_STATEMENT.sid, STATE_MACHINE_TRACING_STATEMENT.sid];

/** The `scheduler/` entries of the one action map (actions.ts). */
export const SCHEDULER_PERMISSIONS = actionsOf("scheduler");

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
