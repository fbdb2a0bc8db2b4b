import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine";
import { STATES } from "../../lambdas/shared/contracts";
import { PipelineStateMachine, type PipelineStateMachineProps } from "../../stacks/orchestration/pipeline-state-machine";
import { policyDocument, resourceOf, synthScope } from "./support";

const fn = (name: string) => `arn:aws:lambda:eu-west-1:123456789012:function:tst-${name}`;
const props: PipelineStateMachineProps = {
  accountId: "123456789012",
  region: "eu-west-1",
  pipeline: "demo",
  stateMachineName: "tst-demo",
  checkRunInputFunctionArn: fn("check-run-input"),
  awaitDatasetsFunctionArn: fn("await-datasets"),
  verifyOutputFunctionArn: fn("verify-output"),
  summarizeFailureFunctionArn: fn("summarize-failure"),
  glueJobName: "tst-demo-join",
  glueJobArn: "arn:aws:glue:eu-west-1:123456789012:job/tst-demo-join",
  alertTopicArn: "arn:aws:sns:eu-west-1:123456789012:tst-alerts",
  alertKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/alerts",
  deadlineSeconds: 5400,
  glueTimeoutMinutes: 120,
  logRetentionDays: 30,
  tags: { pipeline: "demo" },
};
const { text, json } = synthScope((scope) => new PipelineStateMachine(scope, "sm", props));
const definition = JSON.parse(String(resourceOf(json, "aws_sfn_state_machine").definition)) as {
  StartAt: string;
  States: Record<string, Record<string, unknown>>;
};

describe("PipelineStateMachine", () => {
  test("is a STANDARD state machine named after the pipeline, logging ALL with execution data, traced", () => {
    expect(text).toHaveResourceWithProperties(SfnStateMachine, {
      name: "tst-demo",
      type: "STANDARD",
      logging_configuration: {
        level: "ALL",
        include_execution_data: true,
        log_destination: expect.stringMatching(/aws_cloudwatch_log_group\.sm_logs_[0-9A-F]+\.arn}:\*$/),
      },
      tracing_configuration: { enabled: true },
      tags: { pipeline: "demo" },
    });
  });

  test("logs to a vended-logs group with retention", () => {
    expect(text).toHaveResourceWithProperties(CloudwatchLogGroup, { name: "/aws/vendedlogs/states/tst-demo", retention_in_days: 30 });
  });

  test("deploys the definition built from the props: deadline on the wait, Glue timeout plus the start margin on the join", () => {
    expect(definition.StartAt).toBe(STATES.checkRunInput);
    expect(definition.States[STATES.waitForDatasets]?.TimeoutSeconds).toBe(5400);
    expect(definition.States[STATES.runJoin]?.TimeoutSeconds).toBe(120 * 60 + 900);
    expect(definition.States[STATES.runJoin]?.Parameters).toMatchObject({ JobName: "tst-demo-join" });
    expect(definition.States[STATES.checkRunInput]?.Parameters).toMatchObject({ FunctionName: fn("check-run-input") });
  });

  test("grants the integrations on exact ARNs, and logging and tracing on * as documented", () => {
    const statements = policyDocument(json, "sm_policy-document");
    const bySid = Object.fromEntries(statements.map((s) => [s.sid, s]));
    expect(bySid.InvokePipelineFunctions?.resources).toEqual(
      expect.arrayContaining([fn("check-run-input"), fn("await-datasets"), fn("verify-output"), fn("summarize-failure")]),
    );
    expect(bySid.RunJoinJob?.resources).toEqual([props.glueJobArn]);
    expect(bySid.PublishAlerts?.resources).toEqual([props.alertTopicArn]);
    expect(bySid.EncryptAlerts?.resources).toEqual([props.alertKeyArn]);
    expect(bySid.DeliverExecutionLogs?.actions).toEqual(expect.arrayContaining(["logs:CreateLogDelivery", "logs:PutResourcePolicy", "logs:DescribeLogGroups"]));
    expect(bySid.DeliverExecutionLogs?.resources).toEqual(["*"]);
    expect(bySid.WriteTraces?.resources).toEqual(["*"]);
  });

  test("is assumed only by Step Functions for this account", () => {
    const [trust] = policyDocument(json, "sm_trust");
    expect(trust?.principals).toEqual([{ type: "Service", identifiers: ["states.amazonaws.com"] }]);
    expect(trust?.condition).toEqual([{ test: "StringEquals", variable: "aws:SourceAccount", values: ["123456789012"] }]);
  });
});
