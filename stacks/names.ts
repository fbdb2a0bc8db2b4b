import type { EnvironmentConfig } from "../config/types";
import { stateMachineArnFromName } from "../lambdas/shared/runtime-config";

/**
 * Every physical resource name of an environment, derived from its name prefix (and, for buckets,
 * which are global, its account id). Names are a contract like construct IDs: the Lambdas' runtime
 * configuration, IAM policies and alarms are built from them, and changing one replaces resources.
 */
export class ResourceNames {
  constructor(private readonly env: Pick<EnvironmentConfig, "namePrefix" | "accountId" | "region">) {}

  get prefix(): string {
    return this.env.namePrefix;
  }

  bucket(purpose: "landing" | "results" | "artifacts"): string {
    return `${this.env.namePrefix}-${purpose}-${this.env.accountId}`;
  }

  fn(name: string): string {
    return `${this.env.namePrefix}-${name}`;
  }

  stateMachine(pipeline: string): string {
    return `${this.env.namePrefix}-${pipeline}`;
  }

  stateMachineArn(pipeline: string): string {
    return stateMachineArnFromName(this.env.region, this.env.accountId, this.stateMachine(pipeline));
  }

  glueJob(pipeline: string): string {
    return `${this.env.namePrefix}-${pipeline}-join`;
  }

  glueJobArn(pipeline: string): string {
    return `arn:aws:glue:${this.env.region}:${this.env.accountId}:job/${this.glueJob(pipeline)}`;
  }

  /** Any other named resource: `<prefix>-<suffix>`. */
  named(suffix: string): string {
    return `${this.env.namePrefix}-${suffix}`;
  }
}
