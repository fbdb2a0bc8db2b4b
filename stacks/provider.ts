import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/types";

export interface EnvironmentProviderProps {
  /** Project name: the `project` tag. */
  readonly project: string;
  readonly environment: Pick<EnvironmentConfig, "name" | "region" | "accountId">;
  /**
   * Tests only: skip credential, account and region checks (and the account allow-list) so that
   * `terraform plan` runs with fake credentials and no network. Default: false.
   */
  readonly offline?: boolean;
}

/** The AWS provider of an environment: its region, only its account, and the tags every resource carries. */
export function environmentProvider(scope: Construct, props: EnvironmentProviderProps): AwsProvider {
  const env = props.environment;
  return new AwsProvider(scope, "aws", {
    region: env.region,
    defaultTags: [{ tags: { project: props.project, environment: env.name, "managed-by": "cdktf" } }],
    ...(props.offline
      ? { skipCredentialsValidation: true, skipRequestingAccountId: true, skipMetadataApiCheck: "true", skipRegionValidation: true }
      : { allowedAccountIds: [env.accountId] }),
  });
}
