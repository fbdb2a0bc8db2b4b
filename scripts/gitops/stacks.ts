/**
 * Which environment a stack id deploys, and the names the workflows need about it, from config/.
 */
import { projectConfig, validateConfig } from "../../config";
import type { EnvironmentConfig, ProjectConfig } from "../../config/types";
import { ResourceNames } from "../../stacks/names";
import { stackIdFor } from "../../stacks/pipeline-stack";
import { InputError } from "../lib/actions";

/** The stacks the plan, apply and drift workflows run, one per environment (`etl-dev`, `etl-prod`). */
export function pipelineStackIds(config: ProjectConfig = projectConfig): string[] {
  return validateConfig(config).environments.map(stackIdFor);
}

export function environmentOfStack(stackId: string, config: ProjectConfig = projectConfig): EnvironmentConfig {
  const environments = validateConfig(config).environments;
  const env = environments.find((e) => stackIdFor(e) === stackId);
  if (env === undefined) throw new InputError(`stack ${JSON.stringify(stackId)} is not a pipeline stack; allowed: ${environments.map(stackIdFor).join(" | ")}`);
  return env;
}

/** The environment's alert topic, as the Alerts construct names it (`<namePrefix>-alerts`). */
export function alertTopicArn(env: EnvironmentConfig): string {
  return `arn:aws:sns:${env.region}:${env.accountId}:${new ResourceNames(env).named("alerts")}`;
}
