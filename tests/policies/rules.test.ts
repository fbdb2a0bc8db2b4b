import { projectConfig } from "../../config";
import { evaluatePlan, type Finding, Plan, RULES } from "../../policies/rules";
import { bootstrapStackIdFor } from "../../stacks/bootstrap-stack";
import { stackIdFor } from "../../stacks/pipeline-stack";
import { planStackOffline } from "../helpers/terraform";
import { addressOf, clonePlan, configOf, documentStatement, type PlanJson, removeResource, setValue } from "./mutate";

jest.setTimeout(300_000);

const STACK_IDS = projectConfig.environments.flatMap((e) => [stackIdFor(e), bootstrapStackIdFor(e)]);
const DEV = stackIdFor(projectConfig.environments[0] as (typeof projectConfig.environments)[number]);
const BOOTSTRAP_DEV = bootstrapStackIdFor(projectConfig.environments[0] as (typeof projectConfig.environments)[number]);

const plans = new Map<string, PlanJson>();
beforeAll(async () => {
  for (const id of STACK_IDS) plans.set(id, clonePlan((await planStackOffline(id)).planJson));
});

function fresh(stackId: string): PlanJson {
  return clonePlan(plans.get(stackId) as PlanJson);
}

function check(json: PlanJson): Finding[] {
  return evaluatePlan(new Plan(json, "mutated plan"));
}

const show = (findings: readonly Finding[]) => findings.map((f) => `${f.rule} ${f.status} ${f.address}: ${f.reason}`);

describe("the guardrail rules", () => {
  test("every rule has an id, a title, a control and what it checks, and ids are unique", () => {
    for (const rule of RULES) {
      expect(rule.id).toMatch(/^ETL-[A-Z0-9]+-\d{3}$/);
      expect(rule.title.length).toBeGreaterThan(10);
      expect(rule.control.length).toBeGreaterThan(2);
      expect(rule.checks.length).toBeGreaterThan(20);
    }
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
  });

  test.each(STACK_IDS)("the offline plan of %s passes every rule", (stackId) => {
    const findings = check(fresh(stackId));
    expect(show(findings)).toEqual([]);
  });
});

/** One way to break each rule, applied to the dev plan (or the bootstrap plan); returns the address the finding must name. */
const MUTATIONS: Readonly<Record<string, { readonly stack: string; readonly what: string; readonly apply: (plan: PlanJson) => string }>> = {
  "ETL-S3-001": {
    stack: DEV,
    what: "the landing bucket's public access block allows public policies",
    apply: (plan) => {
      const block = addressOf(plan, "aws_s3_bucket_public_access_block", "landing");
      setValue(plan, block, ["block_public_policy"], false);
      return block;
    },
  },
  "ETL-S3-002": {
    stack: DEV,
    what: "the results bucket loses its default encryption configuration",
    apply: (plan) => {
      removeResource(plan, addressOf(plan, "aws_s3_bucket_server_side_encryption_configuration", "results"));
      return addressOf(plan, "aws_s3_bucket", "results");
    },
  },
  "ETL-S3-003": {
    stack: DEV,
    what: "the landing bucket policy's TLS condition is inverted",
    apply: (plan) => {
      const statement = documentStatement(plan, "landing-policy-document", "DenyInsecureTransport");
      ((statement.condition as Record<string, unknown>[])[0] as Record<string, unknown>).values = { constant_value: ["true"] };
      return addressOf(plan, "aws_s3_bucket_policy", "landing");
    },
  },
  "ETL-S3-004": {
    stack: DEV,
    what: "the results bucket is no longer versioned",
    apply: (plan) => {
      removeResource(plan, addressOf(plan, "aws_s3_bucket_versioning", "results"));
      return addressOf(plan, "aws_s3_bucket", "results");
    },
  },
  "ETL-KMS-001": {
    stack: DEV,
    what: "the data key stops rotating",
    apply: (plan) => {
      const key = addressOf(plan, "aws_kms_key", "data-key");
      setValue(plan, key, ["enable_key_rotation"], false);
      return key;
    },
  },
  "ETL-SNS-001": {
    stack: DEV,
    what: "the alert topic loses its KMS key",
    apply: (plan) => {
      const topic = addressOf(plan, "aws_sns_topic", "alerts");
      setValue(plan, topic, ["kms_master_key_id"], null);
      return topic;
    },
  },
  "ETL-SQS-001": {
    stack: DEV,
    what: "the schedule's dead-letter queue turns SQS-managed encryption off",
    apply: (plan) => {
      const queue = addressOf(plan, "aws_sqs_queue", "schedule");
      setValue(plan, queue, ["sqs_managed_sse_enabled"], false);
      return queue;
    },
  },
  "ETL-LOGS-001": {
    stack: DEV,
    what: "a Lambda log group never expires",
    apply: (plan) => {
      const group = addressOf(plan, "aws_cloudwatch_log_group", "on-upload");
      setValue(plan, group, ["retention_in_days"], 0);
      return group;
    },
  },
  "ETL-SFN-001": {
    stack: DEV,
    what: "the state machine logs errors only",
    apply: (plan) => {
      const sm = addressOf(plan, "aws_sfn_state_machine");
      setValue(plan, sm, ["logging_configuration", 0, "level"], "ERROR");
      return sm;
    },
  },
  "ETL-SFN-002": {
    stack: DEV,
    what: "the state machine is not traced",
    apply: (plan) => {
      const sm = addressOf(plan, "aws_sfn_state_machine");
      setValue(plan, sm, ["tracing_configuration", 0, "enabled"], false);
      return sm;
    },
  },
  "ETL-LAMBDA-001": {
    stack: DEV,
    what: "the upload rule's target loses its dead-letter queue",
    apply: (plan) => {
      const target = addressOf(plan, "aws_cloudwatch_event_target", "on-upload");
      setValue(plan, target, ["dead_letter_config"], []);
      return addressOf(plan, "aws_lambda_function", "on-upload");
    },
  },
  "ETL-GLUE-001": {
    stack: DEV,
    what: "the join's security configuration stops encrypting its logs",
    apply: (plan) => {
      const config = addressOf(plan, "aws_glue_security_configuration");
      setValue(plan, config, ["encryption_configuration", 0, "cloudwatch_encryption", 0, "cloudwatch_encryption_mode"], "DISABLED");
      return config;
    },
  },
  "ETL-IAM-001": {
    stack: DEV,
    what: "the on-upload role may do anything in S3",
    apply: (plan) => {
      documentStatement(plan, "on-upload_policy-document", "ReadObjects").actions = { constant_value: ["s3:*"] };
      return addressOf(plan, "aws_iam_role_policy", "on-upload");
    },
  },
  "ETL-IAM-002": {
    stack: DEV,
    what: "the await-datasets role may write any object",
    apply: (plan) => {
      documentStatement(plan, "await-datasets_policy-document", "WriteObjects").resources = { constant_value: ["*"] };
      return addressOf(plan, "aws_iam_role_policy", "await-datasets");
    },
  },
  "ETL-IAM-003": {
    stack: BOOTSTRAP_DEV,
    what: "the plan role trusts every workflow of the owner's repositories",
    apply: (plan) => {
      const statement = documentStatement(plan, "plan-trust", "GitHubActions");
      const conditions = statement.condition as Record<string, Record<string, unknown>>[];
      const sub = conditions.find((c) => String(c.variable?.constant_value).endsWith(":sub")) as Record<string, unknown>;
      sub.test = { constant_value: "StringLike" };
      sub.values = { constant_value: ["repo:data-platform/*"] };
      return addressOf(plan, "aws_iam_role", "plan-role");
    },
  },
};

describe("each rule fails, alone, on a plan that breaks it", () => {
  test("every rule has a mutation", () => {
    expect(Object.keys(MUTATIONS).sort()).toEqual(RULES.map((r) => r.id).sort());
  });

  test.each(Object.entries(MUTATIONS).map(([rule, m]) => [rule, m.what, m] as const))("%s: %s", (rule, _what, mutation) => {
    const plan = fresh(mutation.stack);
    const address = mutation.apply(plan);
    const findings = check(plan);
    expect([...new Set(findings.map((f) => f.rule))]).toEqual([rule]);
    expect(findings.map((f) => ({ address: f.address, status: f.status }))).toContainEqual({ address, status: "violation" });
  });
});

describe("values the plan cannot show", () => {
  test("a role policy computed by an expression the rules cannot rebuild is reported as unknown, not passed", () => {
    const plan = fresh(DEV);
    const policy = addressOf(plan, "aws_iam_role_policy", "verify-output");
    (configOf(plan, policy).expressions as Record<string, unknown>).policy = { references: ["local.generated_policy"] };
    const findings = check(plan).filter((f) => f.address === policy);
    expect(findings.map((f) => [f.rule, f.status])).toEqual([
      ["ETL-IAM-001", "unknown"],
      ["ETL-IAM-002", "unknown"],
    ]);
    expect(findings[0]?.reason).toMatch(/computed at apply from local\.generated_policy/);
  });

  test("a known JSON policy (a key policy read at plan time) is checked too", () => {
    const plan = fresh(DEV);
    const key = addressOf(plan, "aws_kms_key", "alerts");
    const resources = (plan.planned_values as { root_module: { resources: { address: string; values: Record<string, unknown> }[] } }).root_module.resources;
    const values = resources.find((r) => r.address === key)?.values as Record<string, unknown>;
    const policy = JSON.parse(String(values.policy)) as { Statement: { Action: string[] }[] };
    policy.Statement[0]?.Action.push("kms:*");
    setValue(plan, key, ["policy"], JSON.stringify(policy));
    expect(show(check(plan))).toEqual([
      expect.stringMatching(new RegExp(`^ETL-IAM-001 violation ${key.replace(/[.]/g, "\\.")}: statement AccountAdministersKey of policy allows kms:\\*`)),
    ]);
  });

  test("a SSE-S3 bucket outside the reviewed list fails the encryption rule", () => {
    const plan = fresh(DEV);
    const config = addressOf(plan, "aws_s3_bucket_server_side_encryption_configuration", "landing");
    setValue(plan, config, ["rule", 0, "apply_server_side_encryption_by_default", 0, "sse_algorithm"], "AES256");
    expect(check(plan).map((f) => [f.rule, f.address])).toEqual([["ETL-S3-002", config]]);
  });

  test("a GitHub trust without an audience condition fails the OIDC rule", () => {
    const plan = fresh(BOOTSTRAP_DEV);
    const statement = documentStatement(plan, "apply-trust", "GitHubActions");
    statement.condition = (statement.condition as Record<string, Record<string, unknown>>[]).filter(
      (c) => !String(c.variable?.constant_value).endsWith(":aud"),
    );
    const findings = check(plan);
    expect(findings.map((f) => [f.rule, f.address])).toEqual([["ETL-IAM-003", addressOf(plan, "aws_iam_role", "apply-role")]]);
    expect(findings[0]?.reason).toMatch(/:aud is not StringEquals "sts\.amazonaws\.com"/);
  });
});
