import { STATES } from "../../lambdas/shared/contracts";
import { RETRY } from "../../stacks/orchestration/asl";
import { buildPipelineDefinition, renderDefinition } from "../../stacks/orchestration/definition";
import { executedDefinition, FAKE_PROPS } from "./harness";

// asl-validator is CommonJS with `module.exports = validator`.
const aslValidator: (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errorsText: (sep?: string) => string } = require("asl-validator");

const rendered = executedDefinition();
const states = rendered.States as unknown as Record<string, Record<string, unknown>>;
const TASKS = [STATES.checkRunInput, STATES.waitForDatasets, STATES.runJoin, STATES.verifyOutput, STATES.summarizeFailure, STATES.notifyFailure];
const lambdaTransient = {
  ErrorEquals: ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"],
  IntervalSeconds: 2,
  MaxAttempts: 6,
  BackoffRate: 2,
  MaxDelaySeconds: 60,
  JitterStrategy: "FULL",
};
const toSummary = [{ ErrorEquals: ["States.ALL"], ResultPath: "$.failure", Next: STATES.summarizeFailure }];

describe("the pipeline definition", () => {
  it("is valid ASL, paths and ARNs included", () => {
    // A copy: asl-validator writes default QueryLanguage fields into the object it checks.
    const result = aslValidator(JSON.parse(JSON.stringify(rendered)), { checkPaths: true, checkArn: true });
    expect(result.errorsText("\n")).toBe("");
    expect(result.isValid).toBe(true);
  });

  it("has exactly the contract's states, starting at CheckRunInput", () => {
    expect(rendered.StartAt).toBe(STATES.checkRunInput);
    expect(Object.keys(rendered.States).sort()).toEqual(Object.values(STATES).sort());
  });

  it("renders WaitForDatasets as a Lambda callback with the token, the deadline as its timeout and no polling", () => {
    expect(states[STATES.waitForDatasets]).toEqual({
      Type: "Task",
      Comment: expect.any(String),
      Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
      Parameters: {
        FunctionName: FAKE_PROPS.functions.awaitDatasets,
        Payload: {
          "pipeline.$": "$.run.pipeline",
          "runDate.$": "$.run.runDate",
          "executionArn.$": "$$.Execution.Id",
          "taskToken.$": "$$.Task.Token",
        },
      },
      ResultPath: "$.arrival",
      TimeoutSeconds: FAKE_PROPS.deadlineSeconds,
      Retry: [lambdaTransient],
      Catch: toSummary,
      Next: STATES.runJoin,
    });
    expect(Object.values(rendered.States).some((s) => (s.Type as string) === "Wait" || s.Type === "Choice")).toBe(false);
  });

  it("renders RunJoin as Glue .sync that retries only transient Glue errors, with backoff and full jitter", () => {
    expect(states[STATES.runJoin]).toEqual({
      Type: "Task",
      Comment: expect.any(String),
      Resource: "arn:aws:states:::glue:startJobRun.sync",
      Parameters: { JobName: FAKE_PROPS.glueJobName, "Arguments.$": "$.run.glueArguments" },
      TimeoutSeconds: FAKE_PROPS.joinTimeoutSeconds,
      ResultSelector: { "Id.$": "$.Id", "JobRunState.$": "$.JobRunState", "ExecutionTime.$": "$.ExecutionTime" },
      ResultPath: "$.join",
      Retry: [
        {
          ErrorEquals: ["Glue.ConcurrentRunsExceededException", "Glue.ThrottlingException", "Glue.InternalServiceException", "Glue.OperationTimeoutException"],
          IntervalSeconds: 60,
          MaxAttempts: 5,
          BackoffRate: 2,
          MaxDelaySeconds: 900,
          JitterStrategy: "FULL",
        },
      ],
      Catch: toSummary,
      Next: STATES.verifyOutput,
    });
  });

  it("renders CheckRunInput so that the document becomes { run }", () => {
    expect(states[STATES.checkRunInput]).toMatchObject({
      Resource: "arn:aws:states:::lambda:invoke",
      Parameters: {
        FunctionName: FAKE_PROPS.functions.checkRunInput,
        Payload: { "input.$": "$", execution: { "name.$": "$$.Execution.Name", "arn.$": "$$.Execution.Id", "startTime.$": "$$.Execution.StartTime" } },
      },
      ResultSelector: { "run.$": "$.Payload" },
      ResultPath: "$",
      Next: STATES.waitForDatasets,
    });
  });

  it("sends every task failure to SummarizeFailure, and a failing summarizer to FallbackSummary", () => {
    for (const task of [STATES.checkRunInput, STATES.waitForDatasets, STATES.runJoin, STATES.verifyOutput]) expect(states[task].Catch).toEqual(toSummary);
    expect(states[STATES.summarizeFailure].Catch).toEqual([{ ErrorEquals: ["States.ALL"], ResultPath: "$.summaryFailure", Next: STATES.fallbackSummary }]);
    expect(states[STATES.fallbackSummary]).toMatchObject({ Type: "Pass", ResultPath: "$.summary", Next: STATES.notifyFailure });
    expect(states[STATES.summarizeFailure]).toMatchObject({
      Parameters: {
        FunctionName: FAKE_PROPS.functions.summarizeFailure,
        Payload: { execution: { "name.$": "$$.Execution.Name" }, "executionInput.$": "$$.Execution.Input", "document.$": "$" },
      },
      ResultSelector: { "subject.$": "$.Payload.subject", "message.$": "$.Payload.message" },
      ResultPath: "$.summary",
      Next: STATES.notifyFailure,
    });
  });

  it("publishes the summary to the topic and then fails with the original error", () => {
    expect(states[STATES.notifyFailure]).toMatchObject({
      Resource: "arn:aws:states:::sns:publish",
      Parameters: { TopicArn: FAKE_PROPS.alertTopicArn, "Subject.$": "$.summary.subject", "Message.$": "$.summary.message" },
      ResultPath: null,
      Retry: [RETRY.snsTransient],
      Next: STATES.failed,
    });
    expect(states[STATES.failed]).toEqual({ Type: "Fail", Comment: expect.any(String), ErrorPath: "$.failure.Error", CausePath: "$.failure.Cause" });
  });

  it("retries Lambda tasks on transient Lambda errors only and bounds every task with a timeout", () => {
    for (const task of [STATES.checkRunInput, STATES.waitForDatasets, STATES.verifyOutput, STATES.summarizeFailure])
      expect(states[task].Retry).toEqual([lambdaTransient]);
    for (const task of TASKS) expect(Number.isInteger(states[task].TimeoutSeconds)).toBe(true);
  });

  it("grants exactly the integrations the states call, on exactly their resources", () => {
    const { statements } = buildPipelineDefinition(FAKE_PROPS);
    const lambdas = Object.values(FAKE_PROPS.functions);
    expect(statements).toEqual([
      { sid: "InvokePipelineFunctions", effect: "Allow", actions: ["lambda:InvokeFunction"], resources: lambdas.flatMap((arn) => [arn, `${arn}:*`]) },
      {
        sid: "RunJoinJob",
        effect: "Allow",
        actions: ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"],
        resources: [FAKE_PROPS.glueJobArn],
      },
      { sid: "PublishAlerts", effect: "Allow", actions: ["sns:Publish"], resources: [FAKE_PROPS.alertTopicArn] },
      { sid: "EncryptAlerts", effect: "Allow", actions: ["kms:GenerateDataKey*", "kms:Decrypt"], resources: [FAKE_PROPS.alertKeyArn] },
    ]);
    // Every Lambda the definition invokes is granted, and nothing else.
    const invoked = TASKS.map((t) => (states[t].Parameters as { FunctionName?: string }).FunctionName).filter((f) => f !== undefined);
    expect(new Set(invoked)).toEqual(new Set(lambdas));
  });

  it("keeps Terraform tokens in ARNs as they are", () => {
    const token = `\${aws_lambda_function.check_run_input.arn}`;
    const { definition, statements } = buildPipelineDefinition({ ...FAKE_PROPS, functions: { ...FAKE_PROPS.functions, checkRunInput: token } });
    expect(JSON.parse(renderDefinition(definition)).States[STATES.checkRunInput].Parameters.FunctionName).toBe(token);
    expect(statements[0].resources).toEqual(expect.arrayContaining([token, `${token}:*`]));
  });

  it("rejects props that would build a broken machine, naming each field and the value", () => {
    const problems = () => buildPipelineDefinition({ ...FAKE_PROPS, deadlineSeconds: 0, joinTimeoutSeconds: 1.5, glueJobArn: "*", pipeline: "Finance Risk" });
    expect(problems).toThrow("deadlineSeconds: got 0; allowed: a whole number of seconds from 1 to 99999999");
    expect(problems).toThrow("joinTimeoutSeconds: got 1.5");
    expect(problems).toThrow('glueJobArn: got "*"');
    expect(problems).toThrow('pipeline: got "Finance Risk"');
    expect(() => buildPipelineDefinition({ ...FAKE_PROPS, functions: { ...FAKE_PROPS.functions, verifyOutput: "" } })).toThrow(
      'functions.verifyOutput: got ""',
    );
  });

  it("serializes once to JSON that parses back to the same object", () => {
    const { definition } = buildPipelineDefinition(FAKE_PROPS);
    const text = renderDefinition(definition);
    expect(JSON.parse(text)).toEqual(definition);
    expect(text).not.toContain("undefined");
  });
});
