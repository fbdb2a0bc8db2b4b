import { projectConfig } from "../../config";
import { stackIdFor } from "../../stacks/pipeline-stack";
import { type OfflinePlan, plannedResource, plannedResources, planStackOffline } from "../helpers/terraform";

jest.setTimeout(300_000);

describe.each(projectConfig.environments.map((e) => [stackIdFor(e), e] as const))("offline terraform plan of %s", (stackId, environment) => {
  let plan: OfflinePlan;
  beforeAll(async () => {
    plan = await planStackOffline(stackId);
  });
  const bucket = (purpose: string) => `${environment.namePrefix}-${purpose}-${environment.accountId}`;

  test("plans only creations (and reads of policy documents that wait for new ARNs), with fake credentials and no network", () => {
    const managed = plan.planJson.resource_changes.filter((c) => !c.address.startsWith("data."));
    expect(managed.length).toBeGreaterThan(50);
    for (const change of managed) expect(change.change.actions).toEqual(["create"]);
    for (const change of plan.planJson.resource_changes.filter((c) => c.address.startsWith("data."))) expect(change.change.actions).toEqual(["read"]);
  });

  test("every bucket is encrypted with SSE-KMS and blocks public access", () => {
    const buckets = plannedResources(plan.planJson, "aws_s3_bucket").map((b) => b.values.bucket);
    expect(buckets.sort()).toEqual([bucket("artifacts"), bucket("landing"), bucket("results")]);
    const encryption = plannedResources(plan.planJson, "aws_s3_bucket_server_side_encryption_configuration");
    expect(encryption).toHaveLength(3);
    for (const e of encryption) {
      expect(e.values.rule).toEqual([
        expect.objectContaining({ bucket_key_enabled: true, apply_server_side_encryption_by_default: [expect.objectContaining({ sse_algorithm: "aws:kms" })] }),
      ]);
    }
    const blocks = plannedResources(plan.planJson, "aws_s3_bucket_public_access_block");
    expect(blocks).toHaveLength(3);
    for (const b of blocks)
      expect(b.values).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
  });

  test("the state machines are STANDARD, log ALL with execution data and are traced", () => {
    for (const p of environment.pipelines) {
      const sm = plannedResource(plan.planJson, "aws_sfn_state_machine", p.name);
      expect(sm.values).toMatchObject({
        name: `${environment.namePrefix}-${p.name}`,
        type: "STANDARD",
        logging_configuration: [expect.objectContaining({ level: "ALL", include_execution_data: true })],
        tracing_configuration: [{ enabled: true }],
        tags: { pipeline: p.name },
      });
    }
  });

  test("the Glue jobs run the runner script with their configured workers, timeout and security configuration", () => {
    for (const p of environment.pipelines) {
      const job = plannedResource(plan.planJson, "aws_glue_job", p.name);
      expect(job.values).toMatchObject({
        name: `${environment.namePrefix}-${p.name}-join`,
        glue_version: "5.0",
        command: [
          expect.objectContaining({ name: "glueetl", python_version: "3", script_location: `s3://${bucket("artifacts")}/glue/${p.name}/pipeline_job.py` }),
        ],
        worker_type: p.glue.workerType,
        number_of_workers: p.glue.maxWorkers,
        timeout: p.glue.timeoutMinutes,
        execution_class: p.glue.executionClass ?? "STANDARD",
        security_configuration: `${environment.namePrefix}-${p.name}-join-security`,
      });
      const security = plannedResource(plan.planJson, "aws_glue_security_configuration", p.name);
      expect(JSON.stringify(security.values.encryption_configuration)).toContain("SSE-KMS");
    }
  });

  test("the alarms watch every state machine and every Lambda", () => {
    const alarms = plannedResources(plan.planJson, "aws_cloudwatch_metric_alarm");
    const metrics = alarms.map((a) => a.values.metric_name);
    for (const m of ["ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted", "ExecutionsSucceeded"]) {
      expect(metrics.filter((x) => x === m)).toHaveLength(environment.pipelines.length);
    }
    expect(metrics.filter((x) => x === "Errors")).toHaveLength(5);
    expect(metrics.filter((x) => x === "ApproximateNumberOfMessagesVisible")).toHaveLength(1 + environment.pipelines.length);
  });

  test("each pipeline's schedule fires at its expected start in its time zone", () => {
    for (const p of environment.pipelines) {
      const schedule = plannedResource(plan.planJson, "aws_scheduler_schedule", p.name);
      const [hh, mm] = p.schedule.expectedStart.split(":").map(Number);
      expect(schedule.values).toMatchObject({
        schedule_expression: `cron(${mm} ${hh} * * ? *)`,
        schedule_expression_timezone: p.schedule.timezone ?? "UTC",
        flexible_time_window: [{ mode: "OFF", maximum_window_in_minutes: null }],
      });
    }
  });

  test("the Lambdas run nodejs22.x on arm64 with tracing, and every resource carries the default tags", () => {
    for (const fn of plannedResources(plan.planJson, "aws_lambda_function")) {
      expect(fn.values).toMatchObject({ runtime: "nodejs22.x", architectures: ["arm64"], tracing_config: [{ mode: "Active" }] });
      expect(fn.values.tags_all).toMatchObject({ project: projectConfig.project, environment: environment.name, "managed-by": "cdktf" });
    }
  });

  test("declares the outputs with descriptions", () => {
    const outputs = plan.planJson.configuration.root_module.outputs ?? {};
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(["landing_bucket_name", "alert_topic_arn", "finance_risk_state_machine_arn", "on_upload_function_name"]),
    );
    expect(plan.planJson.planned_values.outputs?.landing_bucket_name).toMatchObject({ value: bucket("landing") });
  });
});
