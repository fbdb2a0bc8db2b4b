import { rmSync } from "node:fs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Testing } from "cdktf";
import { projectConfig } from "../../config";
import type { EnvironmentConfig } from "../../config/types";
import { PIPELINE_FUNCTIONS } from "../../policies/lambda-roles";
import { setupTerraform, terraformEnv } from "../../scripts/terraform";
import { PipelineStack, stackIdFor } from "../../stacks/pipeline-stack";
import { resourceOf, resourcesOf, type Synthesized, synthStack } from "./support";

const [dev, prod] = projectConfig.environments as [EnvironmentConfig, EnvironmentConfig];
const local = { kind: "local", path: "terraform.tfstate" } as const;

function build(environment: EnvironmentConfig, offline = false): PipelineStack {
  return new PipelineStack(Testing.app(), stackIdFor(environment), { project: projectConfig.project, environment, offline, stateBackend: local });
}

const synthesized = new Map<string, { text: string; json: Synthesized }>();
function synthOf(environment: EnvironmentConfig) {
  let s = synthesized.get(environment.name);
  if (s === undefined) {
    s = synthStack(build(environment));
    synthesized.set(environment.name, s);
  }
  return s;
}

describe.each([dev, prod])("PipelineStack $name", (environment) => {
  test("synthesizes with validations and the guardrails aspect on", () => {
    expect(() => synthOf(environment)).not.toThrow();
  });

  test("is named etl-<environment>", () => {
    expect(stackIdFor(environment)).toBe(`etl-${environment.name}`);
  });

  test("configures the provider: region, the one allowed account, default tags", () => {
    expect(synthOf(environment).text).toHaveProviderWithProperties(AwsProvider, {
      region: environment.region,
      allowed_account_ids: [environment.accountId],
      default_tags: [{ tags: { project: projectConfig.project, environment: environment.name, "managed-by": "cdktf" } }],
    });
  });

  test("creates the five Lambdas, named after the environment", () => {
    const names = Object.values(resourcesOf(synthOf(environment).json, "aws_lambda_function")).map((f) => f.function_name);
    expect(names.sort()).toEqual(PIPELINE_FUNCTIONS.map((f) => `${environment.namePrefix}-${f}`).sort());
  });

  test("gives every Lambda the runtime config with state machine ARNs built from names and the account", () => {
    for (const fn of Object.values(resourcesOf(synthOf(environment).json, "aws_lambda_function"))) {
      const raw = (fn.environment as { variables: Record<string, string> }).variables.RUNTIME_CONFIG as string;
      const config = JSON.parse(raw) as { environment: string; pipelines: Record<string, { stateMachineArn: string }> };
      expect(config.environment).toBe(environment.name);
      for (const p of environment.pipelines) {
        expect(config.pipelines[p.name]?.stateMachineArn).toBe(
          `arn:aws:states:${environment.region}:${environment.accountId}:stateMachine:${environment.namePrefix}-${p.name}`,
        );
      }
      // No Lambda depends on a state machine resource (the state machine depends on the Lambdas).
      expect(raw).not.toContain("aws_sfn_state_machine");
    }
  });

  test("creates one STANDARD state machine, Glue job and schedule per pipeline, tagged with the pipeline", () => {
    const { json } = synthOf(environment);
    for (const p of environment.pipelines) {
      expect(resourceOf(json, "aws_sfn_state_machine", p.name)).toMatchObject({
        name: `${environment.namePrefix}-${p.name}`,
        type: "STANDARD",
        tags: { pipeline: p.name },
      });
      expect(resourceOf(json, "aws_glue_job", p.name)).toMatchObject({ name: `${environment.namePrefix}-${p.name}-join`, tags: { pipeline: p.name } });
      expect(resourceOf(json, "aws_scheduler_schedule", p.name)).toMatchObject({ schedule_expression: expect.stringMatching(/^cron\(/) });
    }
  });

  test("outputs buckets, topic, state machines and the on-upload function, snake_case with descriptions", () => {
    const outputs = synthOf(environment).json.output ?? {};
    const expected = [
      "landing_bucket_name",
      "results_bucket_name",
      "artifacts_bucket_name",
      "alert_topic_arn",
      "on_upload_function_name",
      ...environment.pipelines.map((p) => `${p.name.replace(/-/g, "_")}_state_machine_arn`),
    ];
    expect(Object.keys(outputs).sort()).toEqual(expected.sort());
    for (const [name, output] of Object.entries(outputs)) {
      expect(name).toMatch(/^[a-z0-9]+(_[a-z0-9]+)*$/);
      expect(output.description?.length).toBeGreaterThan(10);
    }
  });
});

describe("offline stacks", () => {
  test("skip credential, account, metadata and region checks and drop the account allow-list", () => {
    const text = Testing.synth(build(dev, true), true);
    expect(text).toHaveProviderWithProperties(AwsProvider, {
      skip_credentials_validation: true,
      skip_requesting_account_id: true,
      skip_metadata_api_check: "true",
      skip_region_validation: true,
    });
    const provider = (JSON.parse(text) as Synthesized).provider?.aws?.[0] ?? {};
    expect(provider).not.toHaveProperty("allowed_account_ids");
  });

  test.each([dev, prod])(
    "the full synth of $name is valid Terraform (init from the mirror, validate)",
    (environment) => {
      const outdir = Testing.fullSynth(build(environment, true));
      const saved = { ...process.env };
      Object.assign(process.env, terraformEnv(setupTerraform(), { offline: true }));
      try {
        expect(outdir).toBeValidTerraform();
      } finally {
        for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
        Object.assign(process.env, saved);
        rmSync(outdir, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
