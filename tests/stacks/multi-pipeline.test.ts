/**
 * Several pipelines deployed from one configuration: every per-pipeline resource exists once per
 * pipeline, and the shared ones (the on-upload Lambda, its role, the alarms) serve all of them.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Testing } from "cdktf";
import { financeRiskPipeline, projectConfig } from "../../config";
import type { EnvironmentConfig } from "../../config/types";
import { PipelineStack, stackIdFor } from "../../stacks/pipeline-stack";
import { policyDocument, resourceOf, resourcesOf, type Synthesized, synthStack } from "./support";

const REPO = resolve(__dirname, "../..");
const dev = projectConfig.environments.find((e) => e.name === "dev") as EnvironmentConfig;
const second = { ...financeRiskPipeline({ referenceBucket: "detl-dev-reference", referencePrefix: "fx-risk/", deadlineSeconds: 1800 }), name: "fx-risk" };
const environment: EnvironmentConfig = { ...dev, pipelines: [...dev.pipelines, second] };

let root: string;
let json: Synthesized;

beforeAll(() => {
  // A source tree holding the second pipeline's SQL beside the repository's code.
  root = mkdtempSync(join(tmpdir(), "multi-pipeline-"));
  symlinkSync(join(REPO, "lambdas"), join(root, "lambdas"));
  mkdirSync(join(root, "glue", "sql"), { recursive: true });
  symlinkSync(join(REPO, "glue", "pipeline_job.py"), join(root, "glue", "pipeline_job.py"));
  cpSync(join(REPO, "glue", "sql", "finance-risk"), join(root, "glue", "sql", "finance-risk"), { recursive: true });
  cpSync(join(REPO, "glue", "sql", "finance-risk"), join(root, "glue", "sql", "fx-risk"), { recursive: true });
  const stack = new PipelineStack(Testing.app(), stackIdFor(environment), {
    project: projectConfig.project,
    environment,
    sourceRoot: root,
    bundleDir: join(root, "bundles"),
    stateBackend: { kind: "local", path: "terraform.tfstate" },
  });
  json = synthStack(stack).json;
}, 120_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

const arn = (pipeline: string) => `arn:aws:states:${dev.region}:${dev.accountId}:stateMachine:${dev.namePrefix}-${pipeline}`;

describe("two pipelines in one environment", () => {
  test("get a state machine, a Glue job and a daily schedule each", () => {
    const machines = Object.values(resourcesOf(json, "aws_sfn_state_machine")).map((m) => m.name);
    expect(machines.sort()).toEqual([`${dev.namePrefix}-finance-risk`, `${dev.namePrefix}-fx-risk`]);
    const jobs = Object.values(resourcesOf(json, "aws_glue_job")).map((j) => j.name);
    expect(jobs.sort()).toEqual([`${dev.namePrefix}-finance-risk-join`, `${dev.namePrefix}-fx-risk-join`]);
    expect(Object.keys(resourcesOf(json, "aws_scheduler_schedule"))).toHaveLength(2);
  });

  test("each state machine waits for its own pipeline's deadline", () => {
    const fx = Object.values(resourcesOf(json, "aws_sfn_state_machine")).find((m) => m.name === `${dev.namePrefix}-fx-risk`);
    const definition = JSON.parse(String(fx?.definition)) as { States: Record<string, { TimeoutSeconds?: number }> };
    expect(definition.States.WaitForDatasets?.TimeoutSeconds).toBe(1800);
  });

  test("share one on-upload Lambda that knows both pipelines and may start both", () => {
    const onUpload = resourceOf(json, "aws_lambda_function", "on-upload") as { environment: { variables: { RUNTIME_CONFIG: string } } };
    const runtime = JSON.parse(onUpload.environment.variables.RUNTIME_CONFIG) as {
      pipelines: Record<string, { stateMachineArn: string; deadlineSeconds: number }>;
    };
    expect(Object.keys(runtime.pipelines).sort()).toEqual(["finance-risk", "fx-risk"]);
    expect(runtime.pipelines["fx-risk"]).toMatchObject({ stateMachineArn: arn("fx-risk"), deadlineSeconds: 1800 });
    const start = policyDocument(json, "on-upload_policy-document").find((s) => s.actions?.includes("states:StartExecution"));
    expect(start?.resources?.sort()).toEqual([arn("finance-risk"), arn("fx-risk")]);
  });

  test("alarm on each state machine's failures", () => {
    const failed = Object.values(resourcesOf(json, "aws_cloudwatch_metric_alarm")).filter((a) => a.metric_name === "ExecutionsFailed");
    expect(failed).toHaveLength(2);
  });
});
