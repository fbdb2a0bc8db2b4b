import { projectConfig } from "../../config";
import type { EnvironmentConfig } from "../../config/types";
import {
  applyStatements,
  bootstrapNames,
  bootstrapStackIdFor,
  GITHUB_ROLE_KINDS,
  githubRoleStatements,
  readStatements,
  trustedSubject,
} from "../../stacks/bootstrap-stack";
import { type OfflinePlan, type PlannedResource, plannedResource, plannedResources, planStackOffline, type TerraformPlan } from "../helpers/terraform";

const environments = projectConfig.environments as readonly EnvironmentConfig[];
const [dev] = environments as [EnvironmentConfig];
const repo = `${projectConfig.github.owner}/${projectConfig.github.repository}`;

/**
 * A policy document's statements as synthesized (these documents are known at plan time, so
 * Terraform reads them during plan into prior_state rather than planned_values).
 */
function documentStatements(plan: OfflinePlan, fragment: string) {
  const documents = (plan.config.data as { aws_iam_policy_document: Record<string, { statement: Record<string, unknown>[] }> }).aws_iam_policy_document;
  const ids = Object.keys(documents).filter((id) => id.includes(fragment));
  if (ids.length !== 1) throw new Error(`expected one policy document whose id contains ${JSON.stringify(fragment)}; found ${ids.join(", ") || "none"}`);
  return (documents[ids[0] as string]?.statement ?? []).map((s) => ({
    sid: s.sid as string,
    effect: s.effect as string,
    actions: s.actions as string[],
    resources: (s.resources as string[] | undefined) ?? [],
    conditions: ((s.condition as { test: string; variable: string; values: string[] }[] | undefined) ?? []).map((c) => ({
      test: c.test,
      variable: c.variable,
      values: c.values,
    })),
  }));
}

describe.each(environments.map((e) => [bootstrapStackIdFor(e), e] as const))("%s (offline plan)", (stackId, env) => {
  let offline: OfflinePlan;
  let plan: TerraformPlan;
  beforeAll(async () => {
    offline = await planStackOffline(stackId);
    plan = offline.planJson;
  }, 240_000);

  it("creates the state bucket versioned, encrypted, private, owner-enforced and TLS-only", () => {
    const name = bootstrapNames(env).stateBucket;
    expect(plannedResource(plan, "aws_s3_bucket", "state-bucket").values).toMatchObject({ bucket: name, force_destroy: false });
    expect(plannedResource(plan, "aws_s3_bucket_versioning", "state-bucket").values.versioning_configuration).toEqual([
      expect.objectContaining({ status: "Enabled" }),
    ]);
    const sse = plannedResource(plan, "aws_s3_bucket_server_side_encryption_configuration", "state-bucket").values.rule as {
      apply_server_side_encryption_by_default: { sse_algorithm: string }[];
    }[];
    expect(sse[0]?.apply_server_side_encryption_by_default[0]?.sse_algorithm).toBe("AES256");
    expect(plannedResource(plan, "aws_s3_bucket_public_access_block", "state-bucket").values).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    const tls = documentStatements(offline, "state-bucket-policy");
    expect(tls).toEqual([
      expect.objectContaining({
        effect: "Deny",
        actions: ["s3:*"],
        conditions: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
      }),
    ]);
  });

  it("state bucket is outside the names the apply role manages, and no DynamoDB table exists (S3 lock file)", () => {
    expect(bootstrapNames(env).stateBucket.startsWith(`${env.namePrefix}-`)).toBe(false);
    expect(plannedResources(plan, "aws_dynamodb_table")).toEqual([]);
  });

  it("registers GitHub's OIDC provider for the STS audience", () => {
    expect(plannedResource(plan, "aws_iam_openid_connect_provider", "github-oidc").values).toMatchObject({
      url: "https://token.actions.githubusercontent.com",
      client_id_list: ["sts.amazonaws.com"],
    });
  });

  it.each([
    ["plan", `repo:${repo}:pull_request`],
    ["drift", `repo:${repo}:ref:refs/heads/main`],
    ["apply", `repo:${repo}:environment:${env.name}`],
    ["operations", `repo:${repo}:environment:${env.name}`],
  ] as const)("trusts the %s role only for %s with the sts.amazonaws.com audience", (kind, subject) => {
    expect(trustedSubject(projectConfig.github, kind, env.name)).toBe(subject);
    const trust = documentStatements(offline, `${kind}-trust`);
    expect(trust).toHaveLength(1);
    expect(trust[0]).toMatchObject({ effect: "Allow", actions: ["sts:AssumeRoleWithWebIdentity"] });
    // Exactly these two conditions, with StringEquals (no wildcard matching).
    expect(trust[0]?.conditions).toEqual([
      { test: "StringEquals", variable: "token.actions.githubusercontent.com:aud", values: ["sts.amazonaws.com"] },
      { test: "StringEquals", variable: "token.actions.githubusercontent.com:sub", values: [subject] },
    ]);
    const role = plannedResource(plan, "aws_iam_role", `${kind}-role`);
    expect(role.values.name).toBe(bootstrapNames(env).role(kind));
    expect(role.values.name as string).not.toMatch(new RegExp(`^${env.namePrefix}-`));
  });

  it("grants no action `*` or `service:*` in any role", () => {
    const statements = GITHUB_ROLE_KINDS.flatMap((kind) => documentStatements(offline, `${kind}-policy-document`));
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements)
      for (const action of s.actions) expect({ sid: s.sid, action }).toEqual({ sid: s.sid, action: expect.stringMatching(/^[a-z0-9-]+:[A-Za-z]/) });
  });

  it("gives the read-only roles only describe, get and list actions, plus the state lock file for plan and the alert topic for drift", () => {
    for (const kind of ["plan", "drift"] as const) {
      const statements = documentStatements(offline, `${kind}-policy-document`);
      const writes = statements.flatMap((s) => s.actions.filter((a) => !/^[a-z0-9-]+:(Get|List|Describe)/.test(a)).map((a) => `${s.sid}:${a}`));
      const expected =
        kind === "plan"
          ? ["LockState:s3:PutObject", "LockState:s3:DeleteObject"]
          : ["PublishAlerts:sns:Publish", "EncryptAlerts:kms:GenerateDataKey", "EncryptAlerts:kms:Decrypt"];
      expect(writes.sort()).toEqual(expected.sort());
      const lock = statements.find((s) => s.sid === "LockState");
      if (kind === "plan") expect(lock?.resources).toEqual([`arn:aws:s3:::${bootstrapNames(env).stateBucket}/${env.namePrefix}/terraform.tfstate.tflock`]);
      else expect(lock).toBeUndefined();
    }
  });

  it("lets the operations role run and follow executions and touch only the smoke test's partitions, dataset markers and the report marker, changing no resource", () => {
    const statements = documentStatements(offline, "operations-policy-document");
    const actions = statements.flatMap((s) => s.actions);
    expect(
      actions.filter((a) => /^(iam|lambda|glue|events|scheduler|logs|cloudwatch|sqs):/.test(a) || /:(Create|Delete|Update|Put(?!Object))/.test(a)),
    ).toEqual([]);
    const objects = statements.filter((s) => s.actions.some((a) => a === "s3:GetObject" || a === "s3:PutObject")).flatMap((s) => s.resources);
    expect(objects.length).toBeGreaterThan(0);
    for (const r of objects) expect(r).toMatch(/\/run_date=9\*$|\/control\/failure-report\/\*$|\/incoming\/\*\/_SUCCESS$/);
    const markers = statements.find((s) => s.sid === "ReadDatasetMarkers");
    expect(markers).toMatchObject({ actions: ["s3:GetObject"], resources: [`arn:aws:s3:::${env.namePrefix}-landing-${env.accountId}/incoming/*/_SUCCESS`] });
    expect(plannedResource(plan, "aws_iam_role", "operations-role").values.max_session_duration).toBe(18_000);
    expect(statements.find((s) => s.sid === "PublishAlerts")?.resources).toEqual([`arn:aws:sns:${env.region}:${env.accountId}:${env.namePrefix}-alerts`]);
  });

  it("scopes every write of the apply role to the environment's names, except the actions IAM only authorizes on *", () => {
    const statements = documentStatements(offline, "apply-policy-document");
    const starWrites = statements
      .filter((s) => s.resources.includes("*") && s.actions.some((a) => !/^[a-z0-9-]+:(Get|List|Describe)/.test(a)))
      .map((s) => s.sid);
    expect(starWrites.sort()).toEqual(["CreateKeys", "ManageGlueSecurityConfigurations", "StateMachineLogDelivery"]);
    const createKeys = statements.find((s) => s.sid === "CreateKeys");
    expect(createKeys?.conditions).toEqual([
      { test: "StringEquals", variable: "aws:RequestTag/project", values: [projectConfig.project] },
      { test: "StringEquals", variable: "aws:RequestTag/environment", values: [env.name] },
    ]);
    for (const s of statements.filter((x) => !x.resources.includes("*"))) {
      for (const r of s.resources) {
        expect({ sid: s.sid, resource: r }).toEqual({
          sid: s.sid,
          resource: expect.stringMatching(new RegExp(`(${env.namePrefix}-|tfstate-${env.namePrefix}-|:key/\\*$|:log-group:\\*$)`)),
        });
      }
    }
  });

  it("covers every resource type the pipeline stack manages with a read permission of its service", async () => {
    const pipeline = (await planStackOffline(`etl-${env.name}`)).planJson;
    const services = new Set(
      readStatements({ region: env.region, accountId: env.accountId, namePrefix: env.namePrefix, project: "p", environment: env.name }).flatMap((s) =>
        s.actions.map((a) => a.split(":")[0]),
      ),
    );
    const serviceOf: Record<string, string> = {
      cloudwatch_event: "events",
      cloudwatch_log: "logs",
      cloudwatch_metric: "cloudwatch",
      sfn: "states",
      scheduler: "scheduler",
    };
    const types = new Set(pipeline.resource_changes.filter((r) => !r.address.startsWith("data.")).map((r) => r.type));
    for (const type of types) {
      const rest = type.replace(/^aws_/, "");
      const key = Object.keys(serviceOf).find((k) => rest.startsWith(k));
      const service = key ? serviceOf[key] : rest.split("_")[0];
      expect({ type, covered: services.has(service as string) }).toEqual({ type, covered: true });
    }
  }, 240_000);

  it("outputs the state bucket and the three role ARNs with descriptions", () => {
    const outputs = (plan as unknown as { configuration: { root_module: { outputs: Record<string, { description?: string }> } } }).configuration.root_module
      .outputs;
    for (const name of [
      "state_bucket_name",
      "github_oidc_provider_arn",
      "github_plan_role_arn",
      "github_drift_role_arn",
      "github_apply_role_arn",
      "github_operations_role_arn",
    ]) {
      expect(outputs[name]?.description ?? "").not.toBe("");
    }
  });

  it("tags every resource through the provider's default tags", () => {
    const taggable: PlannedResource[] = (plan.planned_values.root_module.resources ?? []).filter(
      (r) => r.values?.tags_all !== undefined && r.values.tags_all !== null,
    );
    expect(taggable.length).toBeGreaterThan(0);
    for (const r of taggable) expect(r.values.tags_all).toMatchObject({ project: projectConfig.project, environment: env.name, "managed-by": "cdktf" });
  });
});

describe("role statements", () => {
  const t = { region: dev.region, accountId: dev.accountId, namePrefix: dev.namePrefix, project: projectConfig.project, environment: dev.name };

  it("the apply role holds everything the plan role reads, so apply's re-plan works", () => {
    const actions = (kind: "plan" | "apply") => new Set(githubRoleStatements(kind, t, dev).flatMap((s) => s.actions));
    const apply = actions("apply");
    for (const a of actions("plan")) expect({ action: a, inApply: apply.has(a) }).toEqual({ action: a, inApply: true });
  });

  it("the apply role never manages the GitHub roles or the state bucket", () => {
    const resources = applyStatements(t).flatMap((s) => s.resources);
    for (const r of resources) {
      expect(r).not.toContain("github-");
      expect(r).not.toContain("tfstate-");
    }
  });
});
