import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { CloudwatchMetricAlarm, type CloudwatchMetricAlarmConfig } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { LambdaFunctionEventInvokeConfig } from "@cdktf/provider-aws/lib/lambda-function-event-invoke-config";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { Construct } from "constructs";
import { markPipelineScope } from "./aspects";

export interface AlarmedStateMachine {
  readonly pipeline: string;
  readonly name: string;
  readonly arn: string;
}

export interface AlarmsProps {
  /** Alarm and rule names start with it (the alert topic's policy admits `<namePrefix>-*`). */
  readonly namePrefix: string;
  readonly alertTopicArn: string;
  readonly stateMachines: readonly AlarmedStateMachine[];
  /** Function names whose errors alarm. */
  readonly functionNames: readonly string[];
  /** Dead-letter queue names whose visible messages alarm. */
  readonly deadLetterQueueNames: readonly string[];
  /** Glue jobs whose FAILED / TIMEOUT / ERROR runs are published to the topic. */
  readonly glueJobNames: readonly string[];
  /** The Lambda that turns a failed, timed-out or aborted execution into a failure summary. */
  readonly summarizeFailureFunctionArn: string;
  readonly summarizeFailureFunctionName: string;
  /** Hours without a successful execution before the staleness alarm fires. Default: 26 (a daily run plus slack). */
  readonly staleAfterHours?: number;
}

type AlarmSpec = Pick<
  CloudwatchMetricAlarmConfig,
  | "alarmName"
  | "alarmDescription"
  | "namespace"
  | "metricName"
  | "dimensions"
  | "statistic"
  | "period"
  | "evaluationPeriods"
  | "threshold"
  | "comparisonOperator"
  | "treatMissingData"
> & { readonly datapointsToAlarm?: number; readonly tags?: Record<string, string> };

/**
 * Everything that must reach the alert topic without going through the state machine's own Catch
 * path: execution failures, timeouts and aborts, a day with no successful run, Lambda errors, events
 * stuck in dead-letter queues and failed Glue runs; and a rule that hands failed, timed-out or
 * aborted executions to the failure summarizer (an abort or an execution timeout skips Catch).
 */
export class Alarms extends Construct {
  public readonly alarms: CloudwatchMetricAlarm[] = [];
  public readonly glueFailureRule: CloudwatchEventRule;
  public readonly executionFailureRule: CloudwatchEventRule;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const staleHours = props.staleAfterHours ?? 26;
    const alarm = (owner: Construct, alarmId: string, spec: AlarmSpec) => {
      const created = new CloudwatchMetricAlarm(owner, alarmId, {
        ...spec,
        actionsEnabled: true,
        alarmActions: [props.alertTopicArn],
        okActions: [props.alertTopicArn],
      });
      this.alarms.push(created);
      return created;
    };
    // "At least one in five minutes": failures, errors and dead letters alarm on the first occurrence.
    const onFirst = (
      owner: Construct,
      alarmId: string,
      spec: Pick<AlarmSpec, "alarmName" | "alarmDescription" | "namespace" | "metricName" | "dimensions" | "tags"> & { statistic?: string },
    ) =>
      alarm(owner, alarmId, {
        statistic: "Sum",
        ...spec,
        period: 300,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "notBreaching",
      });

    for (const sm of props.stateMachines) {
      const scope = new Construct(this, sm.pipeline);
      markPipelineScope(scope, sm.pipeline);
      const tags = { pipeline: sm.pipeline };
      const dimensions = { StateMachineArn: sm.arn };
      for (const [metricName, what] of [
        ["ExecutionsFailed", "failed"],
        ["ExecutionsTimedOut", "timed out"],
        ["ExecutionsAborted", "was aborted"],
      ] as const) {
        onFirst(scope, metricName.toLowerCase(), {
          alarmName: `${sm.name}-${metricName.toLowerCase()}`,
          alarmDescription: `A ${sm.pipeline} execution ${what} (state machine ${sm.name}).`,
          namespace: "AWS/States",
          metricName,
          dimensions,
          tags,
        });
      }
      // Missing data is breaching: no execution at all in the window is exactly what this alarm is for.
      alarm(scope, "no-successful-run", {
        alarmName: `${sm.name}-no-successful-run-${staleHours}h`,
        alarmDescription: `No successful ${sm.pipeline} execution in the last ${staleHours} hours (state machine ${sm.name}).`,
        namespace: "AWS/States",
        metricName: "ExecutionsSucceeded",
        dimensions,
        statistic: "Sum",
        period: 3600,
        evaluationPeriods: staleHours,
        datapointsToAlarm: staleHours,
        threshold: 1,
        comparisonOperator: "LessThanThreshold",
        treatMissingData: "breaching",
        tags,
      });
    }

    for (const functionName of props.functionNames) {
      onFirst(this, `${functionName}-errors`, {
        alarmName: `${functionName}-errors`,
        alarmDescription: `The ${functionName} Lambda reported errors.`,
        namespace: "AWS/Lambda",
        metricName: "Errors",
        dimensions: { FunctionName: functionName },
      });
    }

    for (const queueName of props.deadLetterQueueNames) {
      onFirst(this, `${queueName}-messages`, {
        alarmName: `${queueName}-messages-visible`,
        alarmDescription: `Events that could not be delivered are waiting in ${queueName}.`,
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: queueName },
        statistic: "Maximum",
      });
    }

    // https://docs.aws.amazon.com/glue/latest/dg/automating-awsglue-with-cloudwatch-events.html
    this.glueFailureRule = new CloudwatchEventRule(this, "glue-job-failed", {
      name: `${props.namePrefix}-glue-job-failed`,
      description: "Failed, timed-out or errored runs of the pipelines' Glue jobs",
      eventPattern: JSON.stringify({
        source: ["aws.glue"],
        "detail-type": ["Glue Job State Change"],
        detail: { jobName: [...props.glueJobNames], state: ["FAILED", "TIMEOUT", "ERROR"] },
      }),
    });
    new CloudwatchEventTarget(this, "glue-job-failed-to-topic", {
      rule: this.glueFailureRule.name,
      arn: props.alertTopicArn,
      // A quoted template makes SNS deliver plain text an administrator can read in an email.
      // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html
      inputTransformer: {
        inputPaths: {
          job: "$.detail.jobName",
          run: "$.detail.jobRunId",
          state: "$.detail.state",
          message: "$.detail.message",
          time: "$.time",
          region: "$.region",
        },
        inputTemplate: '"Glue job <job> (region <region>) run <run> ended in state <state> at <time>: <message>"',
      },
    });

    this.executionFailureRule = new CloudwatchEventRule(this, "execution-failed", {
      name: `${props.namePrefix}-execution-failed`,
      description: "Failed, timed-out or aborted executions of the pipelines' state machines",
      eventPattern: JSON.stringify({
        source: ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        detail: { stateMachineArn: props.stateMachines.map((sm) => sm.arn), status: ["FAILED", "TIMED_OUT", "ABORTED"] },
      }),
    });
    new CloudwatchEventTarget(this, "execution-failed-to-summarizer", {
      rule: this.executionFailureRule.name,
      arn: props.summarizeFailureFunctionArn,
      retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 },
    });
    // The rule's delivery ends once Lambda accepts the event; if the summarizer then fails (after
    // Lambda's own retries), the event goes to the alert topic rather than being dropped (rule ETL-LAMBDA-001).
    // https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
    new LambdaFunctionEventInvokeConfig(this, "summarizer-failures-to-topic", {
      functionName: props.summarizeFailureFunctionName,
      maximumRetryAttempts: 2,
      destinationConfig: { onFailure: { destination: props.alertTopicArn } },
    });
    new LambdaPermission(this, "allow-execution-failed-rule", {
      statementId: "AllowExecutionFailedRule",
      action: "lambda:InvokeFunction",
      functionName: props.summarizeFailureFunctionName,
      principal: "events.amazonaws.com",
      sourceArn: this.executionFailureRule.arn,
    });
  }
}
