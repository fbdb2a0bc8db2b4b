import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { Alarms } from "../../stacks/alarms";
import { resourcesOf, synthScope } from "./support";

const topic = "arn:aws:sns:eu-west-1:123456789012:tst-alerts";
const smArn = (p: string) => `arn:aws:states:eu-west-1:123456789012:stateMachine:tst-${p}`;
const { text, json } = synthScope(
  (scope) =>
    new Alarms(scope, "alarms", {
      namePrefix: "tst",
      alertTopicArn: topic,
      stateMachines: [
        { pipeline: "alpha", name: "tst-alpha", arn: smArn("alpha") },
        { pipeline: "beta", name: "tst-beta", arn: smArn("beta") },
      ],
      functionNames: ["tst-on-upload", "tst-verify-output"],
      deadLetterQueueNames: ["tst-upload-events-dlq"],
      glueJobNames: ["tst-alpha-join", "tst-beta-join"],
      summarizeFailureFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:tst-summarize-failure",
      summarizeFailureFunctionName: "tst-summarize-failure",
    }),
);
const alarms = Object.values(resourcesOf(json, "aws_cloudwatch_metric_alarm"));
const alarmOf = (metric: string, dimension: Record<string, string>) =>
  alarms.filter((a) => a.metric_name === metric && JSON.stringify(a.dimensions) === JSON.stringify(dimension));

describe("Alarms", () => {
  test("every alarm notifies the topic when it fires and when it recovers", () => {
    expect(alarms.length).toBe(2 * 4 + 2 + 1);
    for (const a of alarms) {
      expect(a.alarm_actions).toEqual([topic]);
      expect(a.ok_actions).toEqual([topic]);
      expect(String(a.alarm_name)).toMatch(/^tst-/);
    }
  });

  test.each(["ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"])("%s >= 1 per state machine", (metric) => {
    for (const p of ["alpha", "beta"]) {
      const [a] = alarmOf(metric, { StateMachineArn: smArn(p) });
      expect(a).toMatchObject({
        namespace: "AWS/States",
        statistic: "Sum",
        threshold: 1,
        comparison_operator: "GreaterThanOrEqualToThreshold",
        tags: { pipeline: p },
      });
    }
  });

  test("no successful run in the last 26 hours: Sum < 1 over 26 hourly periods, missing data breaching", () => {
    const [a] = alarmOf("ExecutionsSucceeded", { StateMachineArn: smArn("alpha") });
    expect(a).toMatchObject({
      statistic: "Sum",
      period: 3600,
      evaluation_periods: 26,
      datapoints_to_alarm: 26,
      threshold: 1,
      comparison_operator: "LessThanThreshold",
      treat_missing_data: "breaching",
    });
  });

  test("Lambda errors >= 1 per function and visible dead-letter messages >= 1", () => {
    for (const name of ["tst-on-upload", "tst-verify-output"]) {
      expect(alarmOf("Errors", { FunctionName: name })[0]).toMatchObject({
        namespace: "AWS/Lambda",
        threshold: 1,
        comparison_operator: "GreaterThanOrEqualToThreshold",
      });
    }
    expect(alarmOf("ApproximateNumberOfMessagesVisible", { QueueName: "tst-upload-events-dlq" })[0]).toMatchObject({ namespace: "AWS/SQS", threshold: 1 });
  });

  test("failed Glue runs of our jobs reach the topic as readable text", () => {
    const rules = Object.values(resourcesOf(json, "aws_cloudwatch_event_rule")).map((r) => JSON.parse(String(r.event_pattern)));
    expect(rules).toContainEqual({
      source: ["aws.glue"],
      "detail-type": ["Glue Job State Change"],
      detail: { jobName: ["tst-alpha-join", "tst-beta-join"], state: ["FAILED", "TIMEOUT", "ERROR"] },
    });
    expect(text).toHaveResourceWithProperties(CloudwatchEventTarget, { arn: topic });
    const toTopic = Object.values(resourcesOf(json, "aws_cloudwatch_event_target")).find((t) => t.arn === topic);
    const transformer = toTopic?.input_transformer as { input_paths: Record<string, string>; input_template: string };
    expect(transformer.input_paths).toMatchObject({ job: "$.detail.jobName", state: "$.detail.state", message: "$.detail.message" });
    expect(transformer.input_template).toMatch(/^".*<job>.*<state>.*<message>.*"$/);
  });

  test("failed, timed-out and aborted executions of our state machines go to the summarizer", () => {
    const rules = Object.values(resourcesOf(json, "aws_cloudwatch_event_rule")).map((r) => JSON.parse(String(r.event_pattern)));
    expect(rules).toContainEqual({
      source: ["aws.states"],
      "detail-type": ["Step Functions Execution Status Change"],
      detail: { stateMachineArn: [smArn("alpha"), smArn("beta")], status: ["FAILED", "TIMED_OUT", "ABORTED"] },
    });
    expect(text).toHaveResourceWithProperties(LambdaPermission, { principal: "events.amazonaws.com", function_name: "tst-summarize-failure" });
  });
});
