/**
 * The cdktf app: validates the configuration and synthesizes one stack per environment
 * (`etl-dev`, `etl-prod`, ...). Everything else lives in stacks/, which has no side effects.
 */
import { App } from "cdktf";
import { projectConfig, validateConfig } from "./config";
import { PipelineStack, stackIdFor } from "./stacks/pipeline-stack";

const config = validateConfig(projectConfig);
const app = new App();
for (const environment of config.environments) {
  new PipelineStack(app, stackIdFor(environment), { project: config.project, environment });
}
app.synth();
