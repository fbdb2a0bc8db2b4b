import { join, resolve } from "node:path";
import { Aspects, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import type { EnvironmentConfig, PipelineConfig } from "../config/types";
import { buildJobSpec } from "../engine/spec";
import { RUNTIME_CONFIG_ENV } from "../lambdas/shared/contracts";
import { buildRuntimeConfig } from "../lambdas/shared/runtime-config";
import { lambdaRoleStatements, PIPELINE_FUNCTIONS, type PipelineFunction } from "../policies/lambda-roles";
import { Alarms } from "./alarms";
import { Alerts } from "./alerts";
import { Guardrails, markPipelineScope } from "./aspects";
import { applyStateBackend, chooseStateBackend, type StateBackendChoice } from "./backend";
import { BundledFunction } from "./bundled-function";
import { DailySchedule } from "./daily-schedule";
import { JoinJob } from "./join-job";
import { ResourceNames } from "./names";
import { PipelineStateMachine } from "./orchestration/pipeline-state-machine";
import { environmentProvider } from "./provider";
import { Storage } from "./storage";
import { Trigger } from "./trigger";

/** Tags every resource carries through the provider's default tags; the Guardrails aspect checks them. */
export const REQUIRED_TAGS = ["project", "environment", "managed-by"] as const;

const REPO_ROOT = resolve(__dirname, "..");

/** The stack of an environment: `etl-<environment>` (a contract: the workflows plan and apply by it). */
export function stackIdFor(environment: Pick<EnvironmentConfig, "name">): string {
  return `etl-${environment.name}`;
}

export interface PipelineStackProps {
  /** Project name: the `project` tag. */
  readonly project: string;
  readonly environment: EnvironmentConfig;
  /**
   * Tests only: the provider skips credential, account and region checks and the account
   * allow-list, so `terraform plan` runs with fake credentials and no network. Default: false.
   */
  readonly offline?: boolean;
  /** Root holding lambdas/ and glue/. Default: the repository root. */
  readonly sourceRoot?: string;
  /** Where Lambda bundles are written. Default: `<repo>/dist/lambdas`. */
  readonly bundleDir?: string;
  /** Default: `chooseStateBackend(environment)` (TF_STATE_* variables, the environment's stateBackend, else local). */
  readonly stateBackend?: StateBackendChoice;
}

const FUNCTION_DESCRIPTIONS: Readonly<Record<PipelineFunction, string>> = {
  "on-upload": "Starts the day's execution on an upload or a scheduled start, and releases its wait once every marker is there",
  "await-datasets": "Registers the day's wait and releases it at once if every marker is already there",
  "check-run-input": "Checks and normalizes an execution's input",
  "verify-output": "Checks the day's manifest and output row counts",
  "summarize-failure": "Builds the failure summary of an execution and publishes it to the alert topic",
};

/**
 * One environment of the product: storage, alerts, the Lambdas, the upload trigger, and per
 * pipeline the Glue join, the state machine and the daily schedule, then alarms on all of it.
 */
export class PipelineStack extends TerraformStack {
  public readonly storage: Storage;
  public readonly alerts: Alerts;
  public readonly functions: Readonly<Record<PipelineFunction, BundledFunction>>;
  public readonly trigger: Trigger;
  public readonly joins: Readonly<Record<string, JoinJob>>;
  public readonly stateMachines: Readonly<Record<string, PipelineStateMachine>>;
  public readonly schedules: Readonly<Record<string, DailySchedule>>;
  public readonly alarms: Alarms;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id);
    const env = props.environment;
    const names = new ResourceNames(env);
    const root = props.sourceRoot ?? REPO_ROOT;
    const logRetentionDays = env.logRetentionDays ?? 90;

    environmentProvider(this, { project: props.project, environment: env, offline: props.offline });
    applyStateBackend(this, props.stateBackend ?? chooseStateBackend(env));
    Aspects.of(this).add(new Guardrails({ requiredTags: REQUIRED_TAGS }));

    this.storage = new Storage(this, "storage", {
      accountId: env.accountId,
      region: env.region,
      namePrefix: env.namePrefix,
      landingBucketName: names.bucket("landing"),
      resultsBucketName: names.bucket("results"),
      artifactsBucketName: names.bucket("artifacts"),
      landingRetentionDays: env.landingRetentionDays ?? 35,
    });
    this.alerts = new Alerts(this, "alerts", {
      accountId: env.accountId,
      region: env.region,
      namePrefix: env.namePrefix,
      subscriptions: env.alertSubscriptions,
    });

    const runtimeConfig = JSON.stringify(
      buildRuntimeConfig({
        environment: env,
        landingBucket: this.storage.landingBucket.bucket,
        resultsBucket: this.storage.resultsBucket.bucket,
        controlBucket: this.storage.artifactsBucket.bucket,
        alertTopicArn: this.alerts.topic.arn,
        stateMachineArn: (pipeline) => names.stateMachineArn(pipeline),
      }),
    );
    const functions = {} as Record<PipelineFunction, BundledFunction>;
    for (const fn of PIPELINE_FUNCTIONS) {
      functions[fn] = new BundledFunction(this, fn, {
        functionName: names.fn(fn),
        description: FUNCTION_DESCRIPTIONS[fn],
        entry: join(root, "lambdas", fn, "handler.ts"),
        bundleDir: props.bundleDir,
        environment: { [RUNTIME_CONFIG_ENV]: runtimeConfig },
        logRetentionDays,
        statements: (logGroupArn) =>
          lambdaRoleStatements(fn, {
            region: env.region,
            accountId: env.accountId,
            pipelines: env.pipelines.map((p) => p.name),
            stateMachineName: (pipeline) => names.stateMachine(pipeline),
            landingBucketArn: this.storage.landingBucket.arn,
            resultsBucketArn: this.storage.resultsBucket.arn,
            controlBucketArn: this.storage.artifactsBucket.arn,
            dataKeyArn: this.storage.dataKey.arn,
            alertTopicArn: this.alerts.topic.arn,
            alertKeyArn: this.alerts.key.arn,
            logGroupArn,
          }),
      });
    }
    this.functions = functions;

    this.trigger = new Trigger(this, "trigger", {
      namePrefix: env.namePrefix,
      landingBucketName: this.storage.landingBucket.bucket,
      functionArn: functions["on-upload"].function.arn,
      functionName: functions["on-upload"].function.functionName,
      queueKeyArn: this.alerts.key.arn,
    });

    const joins: Record<string, JoinJob> = {};
    const stateMachines: Record<string, PipelineStateMachine> = {};
    const schedules: Record<string, DailySchedule> = {};
    for (const pipeline of env.pipelines) {
      const tags = { pipeline: pipeline.name };
      joins[pipeline.name] = this.joinJob(env, pipeline, names, root, tags);
      stateMachines[pipeline.name] = new PipelineStateMachine(this, `${pipeline.name}-state-machine`, {
        accountId: env.accountId,
        region: env.region,
        pipeline: pipeline.name,
        stateMachineName: names.stateMachine(pipeline.name),
        checkRunInputFunctionArn: functions["check-run-input"].function.arn,
        awaitDatasetsFunctionArn: functions["await-datasets"].function.arn,
        verifyOutputFunctionArn: functions["verify-output"].function.arn,
        summarizeFailureFunctionArn: functions["summarize-failure"].function.arn,
        glueJobName: joins[pipeline.name].job.name,
        glueJobArn: joins[pipeline.name].job.arn,
        alertTopicArn: this.alerts.topic.arn,
        alertKeyArn: this.alerts.key.arn,
        deadlineSeconds: pipeline.deadlineSeconds,
        glueTimeoutMinutes: pipeline.glue.timeoutMinutes,
        logRetentionDays,
        tags,
      });
      schedules[pipeline.name] = new DailySchedule(this, `${pipeline.name}-schedule`, {
        accountId: env.accountId,
        pipeline: pipeline.name,
        scheduleName: names.named(`${pipeline.name}-daily-start`),
        expectedStart: pipeline.schedule.expectedStart,
        timezone: pipeline.schedule.timezone,
        functionArn: functions["on-upload"].function.arn,
        tags,
      });
      for (const c of [joins[pipeline.name], stateMachines[pipeline.name], schedules[pipeline.name]]) markPipelineScope(c, pipeline.name);
    }
    this.joins = joins;
    this.stateMachines = stateMachines;
    this.schedules = schedules;

    this.alarms = new Alarms(this, "alarms", {
      namePrefix: env.namePrefix,
      alertTopicArn: this.alerts.topic.arn,
      stateMachines: env.pipelines.map((p) => ({ pipeline: p.name, name: names.stateMachine(p.name), arn: stateMachines[p.name].stateMachine.arn })),
      functionNames: PIPELINE_FUNCTIONS.map((fn) => names.fn(fn)),
      deadLetterQueueNames: [this.trigger.deadLetterQueueName, ...Object.values(schedules).map((s) => s.deadLetterQueueName)],
      glueJobNames: env.pipelines.map((p) => names.glueJob(p.name)),
      summarizeFailureFunctionArn: functions["summarize-failure"].function.arn,
      summarizeFailureFunctionName: functions["summarize-failure"].function.functionName,
    });

    this.outputs(env, stateMachines);
  }

  private joinJob(env: EnvironmentConfig, pipeline: PipelineConfig, names: ResourceNames, root: string, tags: Record<string, string>): JoinJob {
    const glue = pipeline.glue;
    return new JoinJob(this, `${pipeline.name}-join`, {
      accountId: env.accountId,
      region: env.region,
      pipeline: pipeline.name,
      jobName: names.glueJob(pipeline.name),
      resourcePrefix: names.glueJob(pipeline.name),
      landingBucketName: this.storage.landingBucket.bucket,
      landingBucketArn: this.storage.landingBucket.arn,
      resultsBucketName: this.storage.resultsBucket.bucket,
      resultsBucketArn: this.storage.resultsBucket.arn,
      artifactsBucketName: this.storage.artifactsBucket.bucket,
      artifactsBucketArn: this.storage.artifactsBucket.arn,
      dataKeyArn: this.storage.dataKey.arn,
      referenceLocations: pipeline.references.map((r) => r.location),
      scriptPath: join(root, "glue", "pipeline_job.py"),
      jobSpecJson: JSON.stringify(buildJobSpec(pipeline), null, 2),
      sqlFiles: [...(pipeline.views ?? []), ...pipeline.outputs].map((f) => join(root, "glue", "sql", pipeline.name, f.sqlFile)),
      workerType: glue.workerType,
      maxWorkers: glue.maxWorkers,
      autoscaling: glue.autoscaling ?? true,
      executionClass: glue.executionClass ?? "STANDARD",
      timeoutMinutes: glue.timeoutMinutes,
      glueVersion: glue.version,
      tags,
    });
  }

  private outputs(env: EnvironmentConfig, stateMachines: Record<string, PipelineStateMachine>): void {
    const output = (id: string, value: string, description: string) => new TerraformOutput(this, id, { value, description });
    output(
      "landing_bucket_name",
      this.storage.landingBucket.bucket,
      `Bucket producers upload to (incoming/<pipeline>/<dataset>/run_date=YYYY-MM-DD/) in ${env.name}`,
    );
    output(
      "results_bucket_name",
      this.storage.resultsBucket.bucket,
      `Bucket holding the pipelines' outputs (<pipeline>/<output>/run_date=YYYY-MM-DD/) in ${env.name}`,
    );
    output("artifacts_bucket_name", this.storage.artifactsBucket.bucket, `Bucket holding Glue artifacts and wait registrations in ${env.name}`);
    output("alert_topic_arn", this.alerts.topic.arn, `The one SNS topic alerts of ${env.name} go to`);
    output("on_upload_function_name", this.functions["on-upload"].function.functionName, "Lambda that starts and releases the daily runs");
    for (const [pipeline, sm] of Object.entries(stateMachines)) {
      output(`${pipeline.replace(/-/g, "_")}_state_machine_arn`, sm.stateMachine.arn, `State machine of the ${pipeline} pipeline`);
    }
  }
}
