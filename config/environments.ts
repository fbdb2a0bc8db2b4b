import { financeRiskPipeline } from "./pipelines/finance-risk";
import type { ProjectConfig } from "./types";

/**
 * The configuration this repository deploys. Edit it to add environments or pipelines; `npm test`
 * and `cdktf synth` check it with `validateConfig` and name any field that is wrong.
 */
export const projectConfig: ProjectConfig = {
  project: "daily-etl",
  // The repository holding this code; a fork sets its own, since the AWS roles trust only this one.
  github: { owner: "data-platform", repository: "daily-etl-gitops" },
  environments: [
    {
      name: "dev",
      accountId: "111111111111",
      region: "us-east-1",
      namePrefix: "detl-dev",
      alertSubscriptions: [],
      logRetentionDays: 30,
      landingRetentionDays: 14,
      pipelines: [financeRiskPipeline({ referenceBucket: "detl-dev-reference", deadlineSeconds: 3600 })],
    },
    {
      name: "prod",
      accountId: "222222222222",
      region: "us-east-1",
      namePrefix: "detl-prod",
      alertSubscriptions: [{ protocol: "email", endpoint: "data-platform-alerts@example.com" }],
      logRetentionDays: 365,
      landingRetentionDays: 35,
      pipelines: [financeRiskPipeline({ referenceBucket: "detl-prod-reference" })],
    },
  ],
};
