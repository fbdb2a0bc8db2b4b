import { projectConfig } from "../../config";
import { alertTopicArn, environmentOfStack, pipelineStackIds } from "../../scripts/gitops/stacks";
import { plannedResource, planStackOffline } from "../helpers/terraform";

describe("stacks of the workflows", () => {
  it("are one per configured environment", () => {
    expect(pipelineStackIds()).toEqual(projectConfig.environments.map((e) => `etl-${e.name}`));
    expect(environmentOfStack("etl-prod").name).toBe("prod");
  });

  it("rejects an unknown stack, naming the allowed ones", () => {
    expect(() => environmentOfStack("etl-bootstrap-dev")).toThrow('stack "etl-bootstrap-dev" is not a pipeline stack; allowed: etl-dev | etl-prod');
  });

  it("name the alert topic the stack creates", async () => {
    const env = environmentOfStack("etl-dev");
    const topic = plannedResource((await planStackOffline("etl-dev")).planJson, "aws_sns_topic", "alerts");
    expect(alertTopicArn(env)).toBe(`arn:aws:sns:${env.region}:${env.accountId}:${topic.values.name as string}`);
  }, 240_000);
});
