import { LocalBackend, S3Backend, type TerraformStack } from "cdktf";
import type { EnvironmentConfig } from "../config/types";

/** The remote state chosen for a stack; "local" keeps terraform.tfstate beside the synthesized stack. */
export type StateBackendChoice =
  | { readonly kind: "s3"; readonly bucket: string; readonly key: string; readonly region: string }
  | { readonly kind: "local"; readonly path: string };

/**
 * TF_STATE_BUCKET / TF_STATE_REGION (and TF_STATE_KEY) win, so CI can point any environment at its
 * state without a config change; else the environment's `stateBackend`; else local state.
 * Both bucket and region are needed: one without the other is an error, not a silent local state.
 */
export function chooseStateBackend(
  env: Pick<EnvironmentConfig, "name" | "namePrefix" | "stateBackend">,
  vars: NodeJS.ProcessEnv = process.env,
): StateBackendChoice {
  const bucket = vars.TF_STATE_BUCKET?.trim() || undefined;
  const region = vars.TF_STATE_REGION?.trim() || undefined;
  const key = vars.TF_STATE_KEY?.trim() || undefined;
  const defaultKey = `${env.namePrefix}/terraform.tfstate`;
  if (bucket !== undefined || region !== undefined) {
    if (bucket === undefined || region === undefined) {
      throw new Error(
        `State backend for environment ${env.name}: TF_STATE_BUCKET=${JSON.stringify(bucket ?? "")} and TF_STATE_REGION=${JSON.stringify(region ?? "")}; allowed: both set (S3 state) or both unset`,
      );
    }
    return { kind: "s3", bucket, region, key: key ?? defaultKey };
  }
  if (env.stateBackend) return { kind: "s3", bucket: env.stateBackend.bucket, region: env.stateBackend.region, key: env.stateBackend.key ?? defaultKey };
  return { kind: "local", path: "terraform.tfstate" };
}

/**
 * Applies the choice to a stack. S3 state locks with S3's own lock file (Terraform >= 1.10), not a
 * DynamoDB table; cdktf 0.21's S3Backend predates the option, hence the override.
 * https://developer.hashicorp.com/terraform/language/backend/s3#state-locking
 */
export function applyStateBackend(stack: TerraformStack, choice: StateBackendChoice): void {
  if (choice.kind === "s3") {
    new S3Backend(stack, { bucket: choice.bucket, key: choice.key, region: choice.region, encrypt: true });
    stack.addOverride("terraform.backend.s3.use_lockfile", true);
  } else {
    new LocalBackend(stack, { path: choice.path });
  }
}
