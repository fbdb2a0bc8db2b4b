/**
 * The guardrail rules run on every `terraform show -json` plan (`npm run policy -- plan.json`, the
 * jest suite on every stack's offline plan, and the plan workflow on the real plan). Each rule
 * follows an AWS Security Hub control (Foundational Security Best Practices, FSBP) or, where
 * Security Hub has none, the Checkov check or AWS guidance named in `control`.
 * Controls: https://docs.aws.amazon.com/securityhub/latest/userguide/fsbp-standard.html
 *
 * A finding is a "violation" (the plan breaks the rule) or "unknown" (the plan does not show
 * whether it does, for example a policy computed at apply). Both fail the check: a value that
 * cannot be seen is never passed silently.
 */
import { documentedAnyResourceActions } from "../actions";
import { arnForms, isSetAtApply, type Plan, type PlanResource, pointsAt, valueAt } from "./plan";
import { type DocumentStatement, type Field, type LocatedPolicy, policiesIn } from "./policy-documents";

export interface Finding {
  readonly rule: string;
  readonly control: string;
  readonly address: string;
  readonly reason: string;
  readonly status: "violation" | "unknown";
}

export interface Rule {
  /** ETL-<AREA>-<NNN>: stable, referenced by tests, docs and reviews. */
  readonly id: string;
  readonly title: string;
  /** The Security Hub control (or Checkov check / AWS guidance) the rule follows. */
  readonly control: string;
  /** What exactly is checked, one sentence (docs/guardrails.md lists it). */
  readonly checks: string;
  readonly check: (plan: Plan) => readonly Omit<Finding, "rule" | "control">[];
}

type Found = Omit<Finding, "rule" | "control">;
const violation = (address: string, reason: string): Found => ({ address, reason, status: "violation" });
const unknown = (address: string, reason: string): Found => ({ address, reason, status: "unknown" });

/** Sub-resources (aws_s3_bucket_* and the like) whose `bucket` attribute points at a bucket. */
function attachedTo(plan: Plan, type: string, attribute: string, target: PlanResource): PlanResource[] {
  return plan.ofType(type).filter((r) => pointsAt(r, [attribute], target));
}

/** true / false for a known boolean at a path; "unknown" when it is computed at apply. */
function flag(resource: PlanResource, path: readonly (string | number)[]): boolean | "unknown" {
  const v = valueAt(resource, path);
  return v.state === "unknown" ? "unknown" : v.value === true;
}

function text(resource: PlanResource, path: readonly (string | number)[]): string | null | "unknown" {
  const v = valueAt(resource, path);
  if (v.state === "unknown") return "unknown";
  return typeof v.value === "string" ? v.value : null;
}

function bucketName(bucket: PlanResource): string {
  return typeof bucket.values.bucket === "string" ? bucket.values.bucket : bucket.address;
}

/**
 * Buckets that need not be versioned, each with the reason a reviewer accepted. Matched on the
 * bucket name. Keep it short: a bucket that holds data (landing, results, Terraform state) never
 * belongs here.
 */
export const VERSIONING_EXEMPT_BUCKETS: readonly { readonly pattern: RegExp; readonly why: string }[] = [
  {
    pattern: /-artifacts-\d{12}$/,
    why: "holds only what Terraform uploads from this repository (Glue script, job specs, SQL), Spark scratch files and short-lived wait registrations; all are recreated by an apply or a rerun",
  },
];

/**
 * Buckets whose default encryption may be SSE-S3 (AES256) instead of a KMS key, each with the
 * reason a reviewer accepted. Matched on the bucket name. Pipeline data never belongs here.
 */
export const SSE_S3_ALLOWED_BUCKETS: readonly { readonly pattern: RegExp; readonly why: string }[] = [
  {
    pattern: /^tfstate-/,
    why: "Terraform state of the bootstrap: written by the S3 backend with encrypt = true (SSE-S3) and read only by the GitHub roles the bootstrap creates; a KMS key would have to exist before the state that manages it",
  },
];

const S3_PUBLIC_ACCESS: Rule = {
  id: "ETL-S3-001",
  title: "Every S3 bucket blocks public access",
  control: "S3.8",
  checks: "each aws_s3_bucket has an aws_s3_bucket_public_access_block with all four settings true",
  check: (plan) =>
    plan.ofType("aws_s3_bucket").flatMap((bucket) => {
      const blocks = attachedTo(plan, "aws_s3_bucket_public_access_block", "bucket", bucket);
      if (blocks.length === 0) return [violation(bucket.address, `bucket ${bucketName(bucket)} has no aws_s3_bucket_public_access_block`)];
      const settings = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"];
      return blocks.flatMap((block) => {
        const values = settings.map((s) => [s, flag(block, [s])] as const);
        const off = values.filter(([, v]) => v === false).map(([s]) => s);
        if (off.length > 0) return [violation(block.address, `public access block of ${bucketName(bucket)} leaves ${off.join(", ")} off`)];
        const later = values.filter(([, v]) => v === "unknown").map(([s]) => s);
        return later.length > 0 ? [unknown(block.address, `${later.join(", ")} known only at apply`)] : [];
      });
    }),
};

const S3_ENCRYPTION: Rule = {
  id: "ETL-S3-002",
  title: "Every S3 bucket encrypts with a KMS key by default",
  control: "S3.17 (S3.4)",
  checks:
    "each aws_s3_bucket has an aws_s3_bucket_server_side_encryption_configuration whose default is aws:kms (or aws:kms:dsse) with a key; AES256 only for buckets in SSE_S3_ALLOWED_BUCKETS (reviewed, with reasons)",
  check: (plan) =>
    plan.ofType("aws_s3_bucket").flatMap((bucket) => {
      const configs = attachedTo(plan, "aws_s3_bucket_server_side_encryption_configuration", "bucket", bucket);
      if (configs.length === 0) return [violation(bucket.address, `bucket ${bucketName(bucket)} has no default encryption configuration`)];
      return configs.flatMap((c) => {
        const algorithm = text(c, ["rule", 0, "apply_server_side_encryption_by_default", 0, "sse_algorithm"]);
        if (algorithm === "unknown") return [unknown(c.address, "sse_algorithm known only at apply")];
        if (algorithm === "AES256" && SSE_S3_ALLOWED_BUCKETS.some((e) => e.pattern.test(bucketName(bucket)))) return [];
        if (algorithm !== "aws:kms" && algorithm !== "aws:kms:dsse") {
          return [
            violation(c.address, `bucket ${bucketName(bucket)} encrypts with ${JSON.stringify(algorithm)}; expected aws:kms with a customer managed key`),
          ];
        }
        const key = isSetAtApply(plan, c, ["rule", 0, "apply_server_side_encryption_by_default", 0, "kms_master_key_id"]);
        if (key === "unknown") return [unknown(c.address, "kms_master_key_id is computed from an expression the plan cannot resolve")];
        return key ? [] : [violation(c.address, `bucket ${bucketName(bucket)} uses aws:kms without kms_master_key_id (the AWS managed key)`)];
      });
    }),
};

function coversAllS3(actions: Field): boolean {
  return actions !== "unknown" && actions.some((a) => a === "s3:*" || a === "*");
}

function deniesInsecureTransport(s: DocumentStatement, bucketArns: readonly string[]): boolean {
  if (s.effect !== "Deny" || !coversAllS3(s.actions) || s.resources === "unknown" || s.principals === "unknown" || s.conditions === "unknown") return false;
  const everyone = s.principals.some((p) => (p.type === "*" || p.type === "AWS") && p.identifiers.includes("*"));
  const insecure = s.conditions.some((c) => c.test === "Bool" && c.variable === "aws:SecureTransport" && c.values.length === 1 && c.values[0] === "false");
  const resources = s.resources;
  const bucketCovered = bucketArns.some((arn) => resources.includes(arn));
  const objectsCovered = bucketArns.some((arn) => resources.includes(`${arn}/*`));
  return everyone && insecure && bucketCovered && objectsCovered;
}

const S3_TLS_ONLY: Rule = {
  id: "ETL-S3-003",
  title: "Every S3 bucket policy denies requests without TLS",
  control: "S3.5",
  checks:
    "each aws_s3_bucket has an aws_s3_bucket_policy with a Deny of s3:* to every principal on the bucket and its objects when aws:SecureTransport is false",
  check: (plan) =>
    plan.ofType("aws_s3_bucket").flatMap((bucket) => {
      const policies = attachedTo(plan, "aws_s3_bucket_policy", "bucket", bucket);
      if (policies.length === 0) return [violation(bucket.address, `bucket ${bucketName(bucket)} has no bucket policy, so plain HTTP requests are not denied`)];
      const arns = arnForms(bucket);
      const located = policiesIn(plan).filter((p) => policies.includes(p.resource));
      const unknownDocs = located.filter((p) => p.document.state === "unknown");
      const ok = located.some((p) => p.document.state === "known" && p.document.statements.some((s) => deniesInsecureTransport(s, arns)));
      if (ok) return [];
      if (unknownDocs.length > 0) return unknownDocs.map((p) => unknown(p.resource.address, p.document.state === "unknown" ? p.document.reason : ""));
      return [
        violation(policies[0]?.address ?? bucket.address, `no statement of ${bucketName(bucket)}'s policy denies s3:* when aws:SecureTransport is false`),
      ];
    }),
};

const S3_VERSIONING: Rule = {
  id: "ETL-S3-004",
  title: "Buckets that hold data are versioned",
  control: "S3.14",
  checks: "each aws_s3_bucket not in VERSIONING_EXEMPT_BUCKETS (reviewed, with reasons) has aws_s3_bucket_versioning with status Enabled",
  check: (plan) =>
    plan.ofType("aws_s3_bucket").flatMap((bucket) => {
      const name = bucketName(bucket);
      if (VERSIONING_EXEMPT_BUCKETS.some((e) => e.pattern.test(name))) return [];
      const configs = attachedTo(plan, "aws_s3_bucket_versioning", "bucket", bucket);
      if (configs.length === 0) return [violation(bucket.address, `bucket ${name} holds data but has no aws_s3_bucket_versioning`)];
      return configs.flatMap((c) => {
        const status = text(c, ["versioning_configuration", 0, "status"]);
        if (status === "unknown") return [unknown(c.address, "versioning status known only at apply")];
        return status === "Enabled" ? [] : [violation(c.address, `bucket ${name} versioning is ${JSON.stringify(status)}; expected "Enabled"`)];
      });
    }),
};

const KMS_ROTATION: Rule = {
  id: "ETL-KMS-001",
  title: "Customer managed symmetric KMS keys rotate",
  control: "KMS.4",
  checks: "each aws_kms_key with a symmetric spec (the default) has enable_key_rotation true",
  check: (plan) =>
    plan.ofType("aws_kms_key").flatMap((key) => {
      const spec = text(key, ["customer_master_key_spec"]);
      // AWS rotates only symmetric encryption keys: https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html
      if (spec !== null && spec !== "unknown" && spec !== "SYMMETRIC_DEFAULT") return [];
      const rotation = flag(key, ["enable_key_rotation"]);
      if (rotation === "unknown") return [unknown(key.address, "enable_key_rotation known only at apply")];
      return rotation ? [] : [violation(key.address, "enable_key_rotation is not true")];
    }),
};

/** Encryption at rest of a resource type through a key attribute (or an alternative managed-encryption flag). */
function encryptedAtRest(type: string, what: string, keyAttribute: string, managedFlag?: string): Rule["check"] {
  return (plan) =>
    plan.ofType(type).flatMap((r) => {
      const key = isSetAtApply(plan, r, [keyAttribute]);
      if (key === true) return [];
      if (managedFlag !== undefined && flag(r, [managedFlag]) === true) return [];
      if (key === "unknown") return [unknown(r.address, `${keyAttribute} is computed from an expression the plan cannot resolve`)];
      return [violation(r.address, `${what} is not encrypted at rest: ${keyAttribute} is not set${managedFlag ? ` and ${managedFlag} is not true` : ""}`)];
    });
}

const SNS_ENCRYPTION: Rule = {
  id: "ETL-SNS-001",
  title: "SNS topics are encrypted with a KMS key",
  control: "SNS.1",
  checks: "each aws_sns_topic has kms_master_key_id",
  check: encryptedAtRest("aws_sns_topic", "topic", "kms_master_key_id"),
};

const SQS_ENCRYPTION: Rule = {
  id: "ETL-SQS-001",
  title: "SQS queues are encrypted at rest",
  control: "SQS.1",
  checks: "each aws_sqs_queue has kms_master_key_id or sqs_managed_sse_enabled true",
  check: encryptedAtRest("aws_sqs_queue", "queue", "kms_master_key_id", "sqs_managed_sse_enabled"),
};

const LOG_RETENTION: Rule = {
  id: "ETL-LOGS-001",
  title: "Log groups keep events for a set time",
  control: "CloudWatch.16",
  checks: "each aws_cloudwatch_log_group has retention_in_days set (0 or null means never expire)",
  check: (plan) =>
    plan.ofType("aws_cloudwatch_log_group").flatMap((group) => {
      const v = valueAt(group, ["retention_in_days"]);
      if (v.state === "unknown") return [unknown(group.address, "retention_in_days known only at apply")];
      return typeof v.value === "number" && v.value > 0
        ? []
        : [violation(group.address, `retention_in_days is ${JSON.stringify(v.value)}: events never expire`)];
    }),
};

const SFN_LOGGING: Rule = {
  id: "ETL-SFN-001",
  title: "State machines log every event with execution data",
  control: "StepFunctions.1",
  checks: "each aws_sfn_state_machine has logging_configuration level ALL, include_execution_data true and a log_destination",
  check: (plan) =>
    plan.ofType("aws_sfn_state_machine").flatMap((sm) => {
      const level = text(sm, ["logging_configuration", 0, "level"]);
      const data = flag(sm, ["logging_configuration", 0, "include_execution_data"]);
      const destination = isSetAtApply(plan, sm, ["logging_configuration", 0, "log_destination"]);
      const problems = [
        ...(level === "ALL" || level === "unknown" ? [] : [`level is ${JSON.stringify(level)} (expected "ALL")`]),
        ...(data === false ? ["include_execution_data is not true"] : []),
        ...(destination === false ? ["no log_destination"] : []),
      ];
      if (problems.length > 0) return [violation(sm.address, problems.join("; "))];
      if (level === "unknown" || data === "unknown" || destination === "unknown") return [unknown(sm.address, "logging configuration known only at apply")];
      return [];
    }),
};

const SFN_TRACING: Rule = {
  id: "ETL-SFN-002",
  title: "State machines are traced with X-Ray",
  control: "Checkov CKV_AWS_284 (no Security Hub control)",
  checks: "each aws_sfn_state_machine has tracing_configuration enabled true",
  check: (plan) =>
    plan.ofType("aws_sfn_state_machine").flatMap((sm) => {
      const enabled = flag(sm, ["tracing_configuration", 0, "enabled"]);
      if (enabled === "unknown") return [unknown(sm.address, "tracing known only at apply")];
      return enabled ? [] : [violation(sm.address, "tracing_configuration.enabled is not true")];
    }),
};

/** Who invokes a function asynchronously, and whether that source keeps what it cannot deliver. */
interface AsyncSource {
  readonly address: string;
  readonly hasDeadLetterQueue: boolean | "unknown";
}

function asyncSourcesOf(plan: Plan, fn: PlanResource): AsyncSource[] {
  const sources: AsyncSource[] = [];
  for (const target of plan.ofType("aws_cloudwatch_event_target")) {
    if (pointsAt(target, ["arn"], fn))
      sources.push({ address: target.address, hasDeadLetterQueue: isSetAtApply(plan, target, ["dead_letter_config", 0, "arn"]) });
  }
  for (const schedule of plan.ofType("aws_scheduler_schedule")) {
    if (pointsAt(schedule, ["target", 0, "arn"], fn)) {
      sources.push({ address: schedule.address, hasDeadLetterQueue: isSetAtApply(plan, schedule, ["target", 0, "dead_letter_config", 0, "arn"]) });
    }
  }
  for (const subscription of plan.ofType("aws_sns_topic_subscription")) {
    if (pointsAt(subscription, ["endpoint"], fn))
      sources.push({ address: subscription.address, hasDeadLetterQueue: isSetAtApply(plan, subscription, ["redrive_policy"]) });
  }
  for (const notification of plan.ofType("aws_s3_bucket_notification")) {
    const v = valueAt(notification, ["lambda_function"]);
    const count = v.state === "known" && Array.isArray(v.value) ? v.value.length : 0;
    for (let i = 0; i < count; i++) {
      // S3 event notifications have no dead-letter queue of their own.
      if (pointsAt(notification, ["lambda_function", i, "lambda_function_arn"], fn)) sources.push({ address: notification.address, hasDeadLetterQueue: false });
    }
  }
  return sources;
}

function functionKeepsFailures(plan: Plan, fn: PlanResource): boolean | "unknown" {
  const dlq = isSetAtApply(plan, fn, ["dead_letter_config", 0, "target_arn"]);
  if (dlq === true) return true;
  const configs = plan.ofType("aws_lambda_function_event_invoke_config").filter((c) => pointsAt(c, ["function_name"], fn));
  const destinations = configs.map((c) => isSetAtApply(plan, c, ["destination_config", 0, "on_failure", 0, "destination"]));
  if (destinations.includes(true)) return true;
  return dlq === "unknown" || destinations.includes("unknown") ? "unknown" : false;
}

const LAMBDA_FAILURES_KEPT: Rule = {
  id: "ETL-LAMBDA-001",
  title: "Asynchronously invoked functions keep the events they fail on",
  control: "Checkov CKV_AWS_116 / Lambda async invocation guidance (no Security Hub control)",
  checks:
    "each aws_lambda_function that an EventBridge target, a Scheduler schedule, an SNS subscription or an S3 notification invokes has a dead-letter queue or on-failure destination, on the function or on every one of those sources",
  check: (plan) =>
    plan.ofType("aws_lambda_function").flatMap((fn) => {
      const sources = asyncSourcesOf(plan, fn);
      if (sources.length === 0) return []; // invoked synchronously only (Step Functions tasks): the caller sees every error
      const own = functionKeepsFailures(plan, fn);
      if (own === true) return [];
      const uncovered = sources.filter((s) => s.hasDeadLetterQueue === false);
      if (uncovered.length === 0 && sources.every((s) => s.hasDeadLetterQueue === true)) return [];
      if (uncovered.length > 0) {
        return [
          violation(
            fn.address,
            `invoked asynchronously by ${uncovered.map((s) => s.address).join(", ")} without a dead-letter queue there, and the function has no dead_letter_config or on-failure destination`,
          ),
        ];
      }
      return [unknown(fn.address, "the dead-letter configuration of its sources is known only at apply")];
    }),
};

const GLUE_SECURITY: Rule = {
  id: "ETL-GLUE-001",
  title: "Glue jobs run with a security configuration that encrypts everything with KMS",
  control: "Checkov CKV_AWS_195 / CKV_AWS_99 (no Security Hub control)",
  checks:
    "each aws_glue_job names an aws_glue_security_configuration of the plan with S3 SSE-KMS, CloudWatch SSE-KMS and job bookmarks CSE-KMS, each with a key",
  check: (plan) =>
    plan.ofType("aws_glue_job").flatMap((job) => {
      const name = valueAt(job, ["security_configuration"]);
      const configs = plan.ofType("aws_glue_security_configuration");
      const config =
        name.state === "known" ? configs.find((c) => c.values.name === name.value) : configs.find((c) => pointsAt(job, ["security_configuration"], c));
      if (name.state === "known" && (name.value === null || name.value === "")) return [violation(job.address, "no security_configuration")];
      if (config === undefined)
        return [
          unknown(
            job.address,
            `security_configuration ${JSON.stringify(name.state === "known" ? name.value : "(computed)")} is not a configuration of this plan`,
          ),
        ];
      const base = ["encryption_configuration", 0] as const;
      const modes: [string, string, string][] = [
        ["s3_encryption", "s3_encryption_mode", "SSE-KMS"],
        ["cloudwatch_encryption", "cloudwatch_encryption_mode", "SSE-KMS"],
        ["job_bookmarks_encryption", "job_bookmarks_encryption_mode", "CSE-KMS"],
      ];
      const problems: string[] = [];
      for (const [block, attribute, expected] of modes) {
        const mode = text(config, [...base, block, 0, attribute]);
        if (mode !== expected && mode !== "unknown") problems.push(`${block} is ${JSON.stringify(mode)} (expected ${expected})`);
        else if (isSetAtApply(plan, config, [...base, block, 0, "kms_key_arn"]) === false) problems.push(`${block} has no kms_key_arn`);
      }
      return problems.length > 0 ? [violation(config.address, `security configuration of ${job.address}: ${problems.join("; ")}`)] : [];
    }),
};

function isServiceWildcard(action: string): boolean {
  return action === "*" || /^[A-Za-z0-9-]+:\*$/.test(action);
}

function forEachStatement(plan: Plan, kinds: readonly LocatedPolicy["kind"][], visit: (p: LocatedPolicy, s: DocumentStatement) => Found[]): Found[] {
  return policiesIn(plan)
    .filter((p) => kinds.includes(p.kind))
    .flatMap((p) => (p.document.state === "unknown" ? [unknown(p.resource.address, p.document.reason)] : p.document.statements.flatMap((s) => visit(p, s))));
}

const sidOf = (s: DocumentStatement) => (s.sid ? `statement ${s.sid}` : "a statement");

const IAM_NO_WILDCARD_ACTIONS: Rule = {
  id: "ETL-IAM-001",
  title: 'No Allow statement grants every action ("*") or every action of a service ("service:*")',
  control: "IAM.1 / IAM.21 (CIS AWS 1.16)",
  checks: 'every Allow statement of every identity and resource policy lists actions, none of them "*" or "<service>:*", and uses no NotAction',
  check: (plan) =>
    forEachStatement(plan, ["identity", "resource"], (p, s) => {
      if (s.effect === "Deny") return [];
      if (s.effect === "unknown" || s.actions === "unknown" || s.notActions === "unknown")
        return [unknown(p.resource.address, `${sidOf(s)} of ${p.attribute} has actions known only at apply`)];
      const found: Found[] = [];
      const wild = s.actions.filter(isServiceWildcard);
      if (wild.length > 0) found.push(violation(p.resource.address, `${sidOf(s)} of ${p.attribute} allows ${wild.join(", ")}`));
      if (s.notActions.length > 0)
        found.push(violation(p.resource.address, `${sidOf(s)} of ${p.attribute} allows everything except ${s.notActions.join(", ")} (NotAction)`));
      return found;
    }),
};

/**
 * Read-only by IAM access level (List / Read) as the service authorization reference classifies
 * them, recognized by the verbs AWS names such actions with; anything else counts as a write.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
 */
const READ_VERBS = /^(Get|List|Describe|Head|BatchGet|Search|Lookup|View|Query|Scan|Select)/;

export function isReadOnlyAction(action: string): boolean {
  const verb = action.split(":")[1] ?? "";
  return READ_VERBS.test(verb) && !verb.includes("*");
}

const IAM_NO_WRITE_ON_ANY_RESOURCE: Rule = {
  id: "ETL-IAM-002",
  title: 'No identity policy allows a write action on Resource "*", except the documented service exceptions',
  control: "IAM.21 (least privilege; Checkov CKV_AWS_111 / CKV_AWS_355)",
  checks:
    'every Allow statement of every role or user policy with Resource "*" (or NotResource) lists only read-only actions or actions of the entries of policies/actions.ts documented as authorized only on * (logs delivery, X-Ray, Glue metrics, Glue security configurations, kms:CreateKey)',
  check: (plan) => {
    const documented = documentedAnyResourceActions();
    return forEachStatement(plan, ["identity"], (p, s) => {
      if (s.effect === "Deny") return [];
      if (s.resources === "unknown" || s.notResources === "unknown" || s.actions === "unknown") {
        return [unknown(p.resource.address, `${sidOf(s)} of ${p.attribute} has resources or actions known only at apply`)];
      }
      if (!s.resources.includes("*") && s.notResources.length === 0) return [];
      const writes = s.actions.filter((a) => !isReadOnlyAction(a) && !documented.has(a));
      return writes.length > 0
        ? [violation(p.resource.address, `${sidOf(s)} of ${p.attribute} allows ${writes.join(", ")} on every resource; scope it to exact ARNs`)]
        : [];
    });
  },
};

const GITHUB_OIDC = "token.actions.githubusercontent.com";
/** repo:<owner>/<repo>:ref:refs/heads/<branch> | ...:ref:refs/tags/<tag> | ...:environment:<name> | ...:pull_request, with the repository spelled out. */
const PINNED_SUBJECT = /^repo:[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+:(ref:refs\/(heads|tags)\/[^\s*?][^\s]*|environment:[^\s*?]+|pull_request)$/;

/**
 * Whether a federated principal is GitHub's OIDC provider: its ARN names the host, or it is a
 * reference (`${aws_iam_openid_connect_provider.x.arn}`) to a provider of this plan whose url does.
 */
function isGithubProvider(plan: Plan, identifier: string): boolean {
  if (identifier.includes(GITHUB_OIDC)) return true;
  const reference = /^\$\{(.+)\.arn\}$/.exec(identifier)?.[1];
  if (reference === undefined) return false;
  return plan.referenced(reference).some((r) => {
    if (r.type !== "aws_iam_openid_connect_provider") return false;
    const url = valueAt(r, ["url"]);
    // A provider whose url is computed cannot be told apart: treat it as GitHub's, so its trust is checked.
    return url.state === "unknown" || (typeof url.value === "string" && url.value.includes(GITHUB_OIDC));
  });
}

function checkGithubTrust(address: string, s: DocumentStatement): Found[] {
  if (s.conditions === "unknown") return [unknown(address, `${sidOf(s)} has trust conditions known only at apply`)];
  const problems: string[] = [];
  const aud = s.conditions.filter((c) => c.variable === `${GITHUB_OIDC}:aud`);
  if (!aud.some((c) => c.test === "StringEquals" && c.values.length === 1 && c.values[0] === "sts.amazonaws.com")) {
    problems.push(`${GITHUB_OIDC}:aud is not StringEquals "sts.amazonaws.com"`);
  }
  const sub = s.conditions.filter((c) => c.variable === `${GITHUB_OIDC}:sub`);
  if (sub.length === 0) problems.push(`no ${GITHUB_OIDC}:sub condition: any repository's workflow could assume the role`);
  for (const c of sub) {
    if (c.test !== "StringEquals" && c.test !== "StringLike") problems.push(`${GITHUB_OIDC}:sub uses ${c.test} (expected StringEquals or StringLike)`);
    const loose = c.values.filter((v) => !PINNED_SUBJECT.test(v));
    if (loose.length > 0)
      problems.push(`${GITHUB_OIDC}:sub allows ${loose.map((v) => JSON.stringify(v)).join(", ")}; pin repo:<owner>/<repo> and a ref or environment`);
  }
  return problems.length > 0 ? [violation(address, `${sidOf(s)}: ${problems.join("; ")}`)] : [];
}

const OIDC_TRUST: Rule = {
  id: "ETL-IAM-003",
  title: "Roles trusted by GitHub Actions OIDC are pinned to a repository and a ref or environment",
  control: "Checkov CKV_AWS_358 / AWS IAM guidance for GitHub OIDC (no Security Hub control)",
  checks:
    "each trust statement allowing sts:AssumeRoleWithWebIdentity from token.actions.githubusercontent.com has aud StringEquals sts.amazonaws.com and every sub value of the form repo:<owner>/<repo>:(ref:refs/...|environment:<name>|pull_request) without wildcards in the repository",
  check: (plan) =>
    forEachStatement(plan, ["trust"], (p, s) => {
      if (s.effect !== "Allow") return [];
      if (s.principals === "unknown" || s.actions === "unknown")
        return [unknown(p.resource.address, `${sidOf(s)} has principals or actions known only at apply`)];
      const github = s.principals.some((pr) => pr.type === "Federated" && pr.identifiers.some((id) => isGithubProvider(plan, id)));
      const webIdentity = s.actions.some((a) => a === "sts:AssumeRoleWithWebIdentity" || a === "sts:*" || a === "*");
      return github && webIdentity ? checkGithubTrust(p.resource.address, s) : [];
    }),
};

/** Every rule, in the order the report lists them. */
export const RULES: readonly Rule[] = [
  S3_PUBLIC_ACCESS,
  S3_ENCRYPTION,
  S3_TLS_ONLY,
  S3_VERSIONING,
  KMS_ROTATION,
  SNS_ENCRYPTION,
  SQS_ENCRYPTION,
  LOG_RETENTION,
  SFN_LOGGING,
  SFN_TRACING,
  LAMBDA_FAILURES_KEPT,
  GLUE_SECURITY,
  IAM_NO_WILDCARD_ACTIONS,
  IAM_NO_WRITE_ON_ANY_RESOURCE,
  OIDC_TRUST,
];

/** Runs every rule (or the given ones) on a plan; findings in rule order. */
export function evaluatePlan(plan: Plan, rules: readonly Rule[] = RULES): Finding[] {
  return rules.flatMap((rule) => rule.check(plan).map((f) => ({ rule: rule.id, control: rule.control, ...f })));
}
