/**
 * The cdktf app: validates the configuration and synthesizes one stack per environment
 * (`etl-dev`, `etl-prod`, ...). Everything else lives in stacks/, which has no side effects.
 */
import { App } from "cdktf";
import { projectConfig, validateConfig } from "./config";
import { BootstrapStack, bootstrapStackIdFor } from "./stacks/bootstrap-stack";
import { PipelineStack, stackIdFor } from "./stacks/pipeline-stack";

const config = validateConfig(projectConfig);
const app = new App();
for (const environment of config.environments) {
  new PipelineStack(app, stackIdFor(environment), { project: config.project, environment });
  // Applied once per account by an administrator (docs/gitops.md); the workflows never touch it.
  new BootstrapStack(app, bootstrapStackIdFor(environment), { project: config.project, github: config.github, environment });
}
app.synth();
