/**
 * Where a workflow script works: an AWS environment of config/ (clients from the environment's
 * credentials, names from `ResourceNames`), or the local stack of `npm run local -- up`
 * (.local/stack.json and .local/services.json: s3rver, the Step Functions HTTP adapter, the SNS
 * outbox). Scripts receive a Target and do not know which one it is.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SNSClient } from "@aws-sdk/client-sns";
import { projectConfig, validateConfig } from "../../config";
import type { EnvironmentConfig, PipelineConfig, ProjectConfig } from "../../config/types";
import type { S3Port, SfnPort, SnsPort } from "../../lambdas/shared/ports";
import { LocalSns } from "../../local/outbox";
import { localS3Client } from "../../local/s3";
import type { LocalServicesDescription } from "../../local/sfn-http";
import { ResourceNames } from "../../stacks/names";
import { InputError } from "./actions";

const REPO_ROOT = resolve(__dirname, "..", "..");
/** Where `npm run local -- up` writes stack.json and services.json by default. */
export const DEFAULT_LOCAL_DIR = join(REPO_ROOT, ".local");

/** The names a script needs about one environment. */
export interface TargetNames {
  readonly mode: "aws" | "local";
  readonly environment: string;
  readonly region: string;
  /** For console links in summaries; "local" when there is no console. */
  readonly consoleBaseUrl: string;
  readonly buckets: { readonly landing: string; readonly results: string; readonly artifacts: string };
  readonly alertTopicArn: string;
  /** State machine ARN by pipeline. */
  readonly stateMachines: Readonly<Record<string, string>>;
  readonly pipelines: readonly PipelineConfig[];
}

export interface Target extends TargetNames {
  readonly s3: S3Port;
  readonly sfn: SfnPort;
  readonly sns: SnsPort;
  /** Closes the clients' connections. */
  close(): void;
}

export function findEnvironment(name: string, config: ProjectConfig = projectConfig): EnvironmentConfig {
  const environments = validateConfig(config).environments;
  const env = environments.find((e) => e.name === name);
  if (env === undefined)
    throw new InputError(`--env: got ${JSON.stringify(name)}; allowed: ${environments.map((e) => e.name).join(" | ")} (config/environments.ts)`);
  return env;
}

/** The deployed names of an environment, as the stack creates them. */
export function environmentNames(env: EnvironmentConfig): TargetNames {
  const names = new ResourceNames(env);
  return {
    mode: "aws",
    environment: env.name,
    region: env.region,
    consoleBaseUrl: `https://${env.region}.console.aws.amazon.com`,
    buckets: { landing: names.bucket("landing"), results: names.bucket("results"), artifacts: names.bucket("artifacts") },
    alertTopicArn: `arn:aws:sns:${env.region}:${env.accountId}:${names.named("alerts")}`,
    stateMachines: Object.fromEntries(env.pipelines.map((p) => [p.name, names.stateMachineArn(p.name)])),
    pipelines: env.pipelines,
  };
}

/** AWS clients from the environment's credentials (OIDC in GitHub Actions), in the environment's region. */
export function awsTarget(envName: string): Target {
  const names = environmentNames(findEnvironment(envName));
  const s3 = new S3Client({ region: names.region });
  const sfn = new SFNClient({ region: names.region });
  const sns = new SNSClient({ region: names.region });
  return {
    ...names,
    s3,
    sfn,
    sns,
    close() {
      s3.destroy();
      sfn.destroy();
      sns.destroy();
    },
  };
}

/** The part of .local/stack.json (DESIGN.md) this module reads. */
interface StackJson {
  readonly s3: { readonly endpoint: string; readonly region: string; readonly accessKeyId: string; readonly secretAccessKey: string };
}

function readJson<T>(path: string, what: string): T {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new InputError(`--local: ${path} does not exist; start the local stack first with \`npm run local -- up\` (${what})`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new InputError(`--local: ${path} is not JSON (${(err as Error).message})`);
  }
}

/** The flags every script takes to choose what it runs against: `--env E`, or `--local [--local-dir D]`. */
export const TARGET_FLAGS = { env: { type: "string" }, local: { type: "boolean" }, "local-dir": { type: "string" } } as const;

/** What the target flags chose. */
export interface TargetChoice {
  readonly local: boolean;
  readonly localDir: string;
  readonly env?: string;
}

/** Reads the target flags; `--env` is required unless `--local` is given. */
export function targetChoice(values: { env?: string; local?: boolean; "local-dir"?: string }, usage: string): TargetChoice {
  const local = values.local === true;
  if (!local && (values.env === undefined || values.env === "")) throw new InputError(`--env is required unless --local is given\nusage: ${usage}`);
  return { local, localDir: values["local-dir"] ?? DEFAULT_LOCAL_DIR, env: values.env };
}

/** The chosen target's clients: the local stack's, or AWS's for the environment. */
export function openTarget(choice: TargetChoice): Target {
  return choice.local ? localTarget(choice.localDir) : awsTarget(choice.env as string);
}

/** The local stack described by <localDir>/stack.json and <localDir>/services.json. */
export function localTarget(localDir: string = DEFAULT_LOCAL_DIR): Target {
  const stack = readJson<StackJson>(join(localDir, "stack.json"), "stack.json holds the S3 endpoint");
  const services = readJson<LocalServicesDescription>(join(localDir, "services.json"), "services.json holds the Step Functions endpoint");
  const env = findEnvironment(services.environment);
  // The local stack may run with a shorter deadline; the configured pipelines still say which datasets and outputs exist.
  const s3 = localS3Client(stack.s3.endpoint, stack.s3.region, { accessKeyId: stack.s3.accessKeyId, secretAccessKey: stack.s3.secretAccessKey });
  const sfn = new SFNClient({
    endpoint: services.stepFunctions.endpoint,
    region: services.stepFunctions.region,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  const outbox = isAbsolute(services.outbox) ? services.outbox : join(REPO_ROOT, services.outbox);
  return {
    mode: "local",
    environment: services.environment,
    region: services.region,
    consoleBaseUrl: "local",
    buckets: services.buckets,
    alertTopicArn: services.alertTopicArn,
    stateMachines: services.stateMachines,
    pipelines: env.pipelines,
    s3,
    sfn,
    sns: new LocalSns(outbox),
    close() {
      s3.destroy();
      sfn.destroy();
    },
  };
}

/** The pipeline named by --pipeline, in the target's environment. */
export function findPipeline(
  target: Pick<TargetNames, "pipelines" | "stateMachines" | "environment">,
  name: string,
): { pipeline: PipelineConfig; stateMachineArn: string } {
  const pipeline = target.pipelines.find((p) => p.name === name);
  const stateMachineArn = target.stateMachines[name];
  if (pipeline === undefined || stateMachineArn === undefined) {
    throw new InputError(`--pipeline: got ${JSON.stringify(name)}; allowed in ${target.environment}: ${target.pipelines.map((p) => p.name).join(" | ")}`);
  }
  return { pipeline, stateMachineArn };
}

/** arn:aws:states:R:A:stateMachine:M + name -> arn:aws:states:R:A:execution:M:name */
export function executionArnOf(stateMachineArn: string, executionName: string): string {
  if (!stateMachineArn.includes(":stateMachine:")) throw new Error(`not a state machine ARN: ${JSON.stringify(stateMachineArn)}`);
  return `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${executionName}`;
}
