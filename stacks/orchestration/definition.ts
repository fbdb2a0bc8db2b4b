import { STATES } from "../../lambdas/shared/contracts";
import { type IntegrationGrant, integrationStatements } from "../../policies/integrations";
import type { PolicyStatement } from "../../policies/types";
import {
  type Catcher,
  catchAll,
  FAILURE_PATH,
  integrationResource,
  type PayloadTemplate,
  RETRY,
  type State,
  type StateMachineDefinition,
  type TaskState,
} from "./asl";

export interface PipelineDefinitionProps {
  readonly pipeline: string;
  /** Lambda ARNs (may be Terraform tokens). */
  readonly functions: {
    readonly checkRunInput: string;
    readonly awaitDatasets: string;
    readonly verifyOutput: string;
    readonly summarizeFailure: string;
  };
  readonly glueJobName: string;
  readonly glueJobArn: string;
  readonly alertTopicArn: string;
  /** KMS key of the SNS topic (publish needs kms:GenerateDataKey*, kms:Decrypt). */
  readonly alertKeyArn: string;
  /** How long WaitForDatasets waits for every dataset's marker before the run fails with States.Timeout. */
  readonly deadlineSeconds: number;
  /** RunJoin's TimeoutSeconds: the Glue job timeout plus a margin for startup. */
  readonly joinTimeoutSeconds: number;
}

export interface PipelineDefinition {
  readonly definition: StateMachineDefinition;
  readonly statements: readonly PolicyStatement[];
}

/** A lambda:invoke task; `Payload` is a template or a path ("Payload.$"). Every Lambda task retries lambdaTransient. */
interface LambdaTaskOptions {
  readonly Comment: string;
  readonly Payload: PayloadTemplate | string;
  readonly ResultSelector?: PayloadTemplate;
  readonly ResultPath: string;
  readonly TimeoutSeconds: number;
  readonly Catch: readonly Catcher[];
  readonly Next: string;
}

/** Where SummarizeFailure's own error goes when it fails, so that `$.failure` (the original error) is kept. */
const SUMMARY_FAILURE_PATH = "$.summaryFailure";

/** Lambda and Step Functions bound every task's duration; these leave room for a cold start and S3 calls. */
const LAMBDA_TASK_TIMEOUT_SECONDS = 300;
const SNS_TASK_TIMEOUT_SECONDS = 60;

/** Execution facts from the context object, passed to the Lambdas that report on the execution. */
const EXECUTION_REF: PayloadTemplate = {
  "name.$": "$$.Execution.Name",
  "arn.$": "$$.Execution.Id",
  "startTime.$": "$$.Execution.StartTime",
};

/**
 * The pipeline's state machine and the IAM statements its role needs, from the same inputs: every
 * task declares the integration and the exact ARNs it calls, and the statements are built from those
 * declarations, so a task cannot be added without its permission (or a permission without a task).
 */
export function buildPipelineDefinition(props: PipelineDefinitionProps): PipelineDefinition {
  checkProps(props);
  const grants: IntegrationGrant[] = [];
  const lambdaTask = (functionArn: string, options: LambdaTaskOptions, pattern: "requestResponse" | "waitForTaskToken" = "requestResponse"): TaskState => {
    grants.push({ integration: "lambda:invoke", resources: [functionArn, `${functionArn}:*`] });
    const payload: PayloadTemplate = typeof options.Payload === "string" ? { "Payload.$": options.Payload } : { Payload: options.Payload };
    return {
      Type: "Task",
      Comment: options.Comment,
      Resource: integrationResource("lambda", "invoke", pattern),
      Parameters: { FunctionName: functionArn, ...payload },
      ...(options.ResultSelector === undefined ? {} : { ResultSelector: options.ResultSelector }),
      ResultPath: options.ResultPath,
      TimeoutSeconds: options.TimeoutSeconds,
      Retry: [RETRY.lambdaTransient],
      Catch: options.Catch,
      Next: options.Next,
    };
  };
  const toSummary = catchAll(STATES.summarizeFailure);

  const states: Record<string, State> = {
    [STATES.checkRunInput]: lambdaTask(props.functions.checkRunInput, {
      Comment: "Normalize and check the execution input; the document becomes { run: RunContext }.",
      Payload: { "input.$": "$", execution: EXECUTION_REF },
      ResultSelector: { "run.$": "$.Payload" },
      ResultPath: "$",
      TimeoutSeconds: LAMBDA_TASK_TIMEOUT_SECONDS,
      Catch: toSummary,
      Next: STATES.waitForDatasets,
    }),
    [STATES.waitForDatasets]: lambdaTask(
      props.functions.awaitDatasets,
      {
        Comment:
          "Register the task token; the upload that completes the day's markers (or this registration, if they are all there) sends SendTaskSuccess. No polling: the state times out at the deadline.",
        Payload: {
          "pipeline.$": "$.run.pipeline",
          "runDate.$": "$.run.runDate",
          "executionArn.$": "$$.Execution.Id",
          "taskToken.$": "$$.Task.Token",
        },
        ResultPath: "$.arrival",
        TimeoutSeconds: props.deadlineSeconds,
        Catch: toSummary,
        Next: STATES.runJoin,
      },
      "waitForTaskToken",
    ),
    [STATES.runJoin]: runJoinState(props, grants, toSummary),
    [STATES.verifyOutput]: lambdaTask(props.functions.verifyOutput, {
      Comment: "Check the manifest and the row balance of the day's outputs.",
      Payload: "$.run",
      ResultSelector: { "report.$": "$.Payload" },
      ResultPath: "$.verification",
      TimeoutSeconds: LAMBDA_TASK_TIMEOUT_SECONDS,
      Catch: toSummary,
      Next: STATES.succeeded,
    }),
    [STATES.succeeded]: { Type: "Succeed" },
    [STATES.summarizeFailure]: lambdaTask(props.functions.summarizeFailure, {
      Comment: "Turn the caught error and the execution history into the administrator's alert.",
      Payload: { execution: EXECUTION_REF, "executionInput.$": "$$.Execution.Input", "document.$": "$" },
      ResultSelector: { "subject.$": "$.Payload.subject", "message.$": "$.Payload.message" },
      ResultPath: "$.summary",
      TimeoutSeconds: LAMBDA_TASK_TIMEOUT_SECONDS,
      // If the summarizer itself fails, a plainer alert is built in ASL so that no failure goes unreported.
      Catch: catchAll(STATES.fallbackSummary, SUMMARY_FAILURE_PATH),
      Next: STATES.notifyFailure,
    }),
    [STATES.fallbackSummary]: {
      Type: "Pass",
      Comment: "Built without any Lambda: the execution name and the raw caught error.",
      Parameters: {
        "subject.$": "States.Format('ETL run failed: {}', $$.Execution.Name)",
        "message.$": `States.Format('Pipeline ${props.pipeline}: execution {} ({}) failed with {}. The failure summary could not be built: {}. See the execution history for details.', $$.Execution.Name, $$.Execution.Id, States.JsonToString(${FAILURE_PATH}), States.JsonToString(${SUMMARY_FAILURE_PATH}))`,
      },
      ResultPath: "$.summary",
      Next: STATES.notifyFailure,
    },
    [STATES.notifyFailure]: notifyFailureState(props, grants),
    [STATES.failed]: {
      Type: "Fail",
      Comment: "The execution fails with the original error, so the console and the ExecutionsFailed alarm show it.",
      ErrorPath: "$.failure.Error",
      CausePath: "$.failure.Cause",
    },
  };

  const definition: StateMachineDefinition = {
    Comment: `Daily run of pipeline ${props.pipeline}: wait for every dataset, join them with Glue, verify the outputs; any failure is summarized and published to the alert topic.`,
    StartAt: STATES.checkRunInput,
    States: states,
  };
  return { definition, statements: integrationStatements(grants) };
}

function runJoinState(props: PipelineDefinitionProps, grants: IntegrationGrant[], toSummary: readonly Catcher[]): TaskState {
  grants.push({ integration: "glue:startJobRun.sync", resources: [props.glueJobArn] });
  return {
    Type: "Task",
    Comment: "Validate the day's datasets and join them with the references. Only transient Glue errors are retried; a FAILED run is not.",
    Resource: integrationResource("glue", "startJobRun", "sync"),
    Parameters: { JobName: props.glueJobName, "Arguments.$": "$.run.glueArguments" },
    TimeoutSeconds: props.joinTimeoutSeconds,
    ResultSelector: { "Id.$": "$.Id", "JobRunState.$": "$.JobRunState", "ExecutionTime.$": "$.ExecutionTime" },
    ResultPath: "$.join",
    Retry: [RETRY.glueTransient],
    Catch: toSummary,
    Next: STATES.verifyOutput,
  };
}

function notifyFailureState(props: PipelineDefinitionProps, grants: IntegrationGrant[]): TaskState {
  grants.push({ integration: "sns:publish", resources: [props.alertTopicArn] });
  grants.push({ integration: "kms:encryptedTopic", resources: [props.alertKeyArn] });
  return {
    Type: "Task",
    Resource: integrationResource("sns", "publish", "requestResponse"),
    Parameters: { TopicArn: props.alertTopicArn, "Subject.$": "$.summary.subject", "Message.$": "$.summary.message" },
    ResultPath: null,
    TimeoutSeconds: SNS_TASK_TIMEOUT_SECONDS,
    Retry: [RETRY.snsTransient],
    // Even if the alert cannot be published, the execution still fails with the original error
    // (and the ExecutionsFailed alarm reaches the topic by another path).
    Catch: catchAll(STATES.failed, "$.notifyFailure"),
    Next: STATES.failed,
  };
}

function checkProps(props: PipelineDefinitionProps): void {
  const problems: string[] = [];
  // The name is also written into a States.Format template, where {, }, ' and \\ would be special.
  if (!/^[a-z][a-z0-9-]*$/.test(props.pipeline))
    problems.push(`pipeline: got ${JSON.stringify(props.pipeline)}; allowed: lower-case letters, digits and dashes`);
  const named: Record<string, string> = {
    "functions.checkRunInput": props.functions.checkRunInput,
    "functions.awaitDatasets": props.functions.awaitDatasets,
    "functions.verifyOutput": props.functions.verifyOutput,
    "functions.summarizeFailure": props.functions.summarizeFailure,
    glueJobName: props.glueJobName,
    glueJobArn: props.glueJobArn,
    alertTopicArn: props.alertTopicArn,
    alertKeyArn: props.alertKeyArn,
  };
  for (const [name, value] of Object.entries(named)) {
    if (typeof value !== "string" || value.trim() === "" || value === "*")
      problems.push(`${name}: got ${JSON.stringify(value)}; allowed: an exact ARN or name (or a Terraform token)`);
  }
  // Step Functions accepts TimeoutSeconds from 1 to 99999999.
  for (const [name, value] of [
    ["deadlineSeconds", props.deadlineSeconds],
    ["joinTimeoutSeconds", props.joinTimeoutSeconds],
  ] as const) {
    if (!Number.isInteger(value) || value < 1 || value > 99_999_999)
      problems.push(`${name}: got ${JSON.stringify(value)}; allowed: a whole number of seconds from 1 to 99999999`);
  }
  if (problems.length > 0) throw new Error(`buildPipelineDefinition: invalid props:\n  - ${problems.join("\n  - ")}`);
}

/** The definition as the JSON Step Functions stores: serialized once, here. */
export function renderDefinition(definition: StateMachineDefinition): string {
  return JSON.stringify(definition);
}
