/**
 * Typed Amazon States Language (JSONPath) for the subset the pipeline's state machine uses, and
 * the small helpers that build it: the resource ARN of a service integration, retry presets and
 * the catch preset. The definition is built as these objects and serialized once
 * (`renderDefinition` in definition.ts); no ASL is written as a string template.
 * Spec: https://states-language.net/spec.html
 */

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | readonly JsonValue[] | { readonly [key: string]: JsonValue };
/** A Parameters / ResultSelector template: keys ending in ".$" hold paths or intrinsic functions. */
export type PayloadTemplate = { readonly [key: string]: JsonValue };

/** https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html#error-handling-retrying-after-an-error */
export interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: "FULL" | "NONE";
}

export interface Catcher {
  readonly ErrorEquals: readonly string[];
  readonly Next: string;
  /** Where the error output `{ Error, Cause }` goes in the state's input. Default: "$" (replaces the input). */
  readonly ResultPath?: string | null;
}

/** A state either names the next one or ends the execution. */
export type Transition = { readonly Next: string; readonly End?: never } | { readonly End: true; readonly Next?: never };

interface StateBase {
  readonly Comment?: string;
  readonly InputPath?: string | null;
  readonly OutputPath?: string | null;
}

export type TaskState = StateBase &
  Transition & {
    readonly Type: "Task";
    readonly Resource: string;
    readonly Parameters?: PayloadTemplate;
    readonly ResultSelector?: PayloadTemplate;
    readonly ResultPath?: string | null;
    /** Default in AWS: 99999999 s for a Task; aws-local-stepfunctions enforces 60 s when absent, so every task sets it. */
    readonly TimeoutSeconds?: number;
    readonly HeartbeatSeconds?: number;
    readonly Retry?: readonly Retrier[];
    readonly Catch?: readonly Catcher[];
  };

export type PassState = StateBase &
  Transition & {
    readonly Type: "Pass";
    readonly Parameters?: PayloadTemplate;
    readonly Result?: JsonValue;
    readonly ResultPath?: string | null;
  };

export type ChoiceRule = { readonly Next: string; readonly Variable?: string; readonly [operator: string]: JsonValue | undefined };

export interface ChoiceState extends StateBase {
  readonly Type: "Choice";
  readonly Choices: readonly ChoiceRule[];
  readonly Default?: string;
}

export interface FailState {
  readonly Type: "Fail";
  readonly Comment?: string;
  readonly Error?: string;
  readonly ErrorPath?: string;
  readonly Cause?: string;
  readonly CausePath?: string;
}

export interface SucceedState extends StateBase {
  readonly Type: "Succeed";
}

export type State = TaskState | PassState | ChoiceState | FailState | SucceedState;

export interface StateMachineDefinition {
  readonly Comment?: string;
  readonly QueryLanguage?: "JSONPath";
  readonly StartAt: string;
  readonly States: { readonly [name: string]: State };
  readonly TimeoutSeconds?: number;
}

export type IntegrationService = "lambda" | "glue" | "sns";
export type IntegrationAction = "invoke" | "startJobRun" | "publish";
export type IntegrationPattern = "requestResponse" | "sync" | "waitForTaskToken";

/**
 * The API each service integration calls and the patterns AWS supports for it
 * (https://docs.aws.amazon.com/step-functions/latest/dg/integrate-optimized.html).
 */
const SUPPORTED: Readonly<Record<IntegrationService, { readonly action: IntegrationAction; readonly patterns: readonly IntegrationPattern[] }>> = {
  lambda: { action: "invoke", patterns: ["requestResponse", "waitForTaskToken"] },
  glue: { action: "startJobRun", patterns: ["requestResponse", "sync"] },
  sns: { action: "publish", patterns: ["requestResponse", "waitForTaskToken"] },
};

const PATTERN_SUFFIX: Readonly<Record<IntegrationPattern, string>> = {
  requestResponse: "",
  sync: ".sync",
  waitForTaskToken: ".waitForTaskToken",
};

/** The Resource ARN of an optimized integration, e.g. `arn:aws:states:::glue:startJobRun.sync`. */
export function integrationResource(service: IntegrationService, action: IntegrationAction, pattern: IntegrationPattern): string {
  const supported = SUPPORTED[service];
  if (supported === undefined) {
    throw new Error(`integrationResource: unknown service ${JSON.stringify(service)}; allowed: ${Object.keys(SUPPORTED).join(" | ")}`);
  }
  if (action !== supported.action) {
    throw new Error(`integrationResource: ${service} has no integrated action ${JSON.stringify(action)}; allowed: ${supported.action}`);
  }
  if (!supported.patterns.includes(pattern)) {
    throw new Error(
      `integrationResource: ${service}:${action} does not support pattern ${JSON.stringify(pattern)}; allowed: ${supported.patterns.join(" | ")}`,
    );
  }
  return `arn:aws:states:::${service}:${action}${PATTERN_SUFFIX[pattern]}`;
}

/**
 * Retry presets for transient errors only: backoff doubles, full jitter spreads the retries of
 * many executions apart, MaxDelaySeconds caps the wait. Real failures (a Lambda's own error, a
 * Glue job that FAILED) match none of these and go straight to the Catch path.
 */
export const RETRY = {
  /** https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html */
  lambdaTransient: {
    ErrorEquals: ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"],
    IntervalSeconds: 2,
    MaxAttempts: 6,
    BackoffRate: 2,
    MaxDelaySeconds: 60,
    JitterStrategy: "FULL",
  },
  /**
   * A concurrent run of the same job (a rerun racing the daily run) or Glue capacity: wait minutes,
   * not seconds. https://docs.aws.amazon.com/glue/latest/webapi/API_StartJobRun.html#API_StartJobRun_Errors
   */
  glueTransient: {
    ErrorEquals: ["Glue.ConcurrentRunsExceededException", "Glue.ThrottlingException", "Glue.InternalServiceException", "Glue.OperationTimeoutException"],
    IntervalSeconds: 60,
    MaxAttempts: 5,
    BackoffRate: 2,
    MaxDelaySeconds: 900,
    JitterStrategy: "FULL",
  },
  /** https://docs.aws.amazon.com/sns/latest/api/API_Publish.html#API_Publish_Errors */
  snsTransient: {
    ErrorEquals: ["SNS.ThrottledException", "SNS.InternalErrorException", "SNS.KMSThrottlingException", "SNS.SdkClientException"],
    IntervalSeconds: 2,
    MaxAttempts: 6,
    BackoffRate: 2,
    MaxDelaySeconds: 60,
    JitterStrategy: "FULL",
  },
} as const satisfies Readonly<Record<string, Retrier>>;

/** Where a caught error is kept in the state document: the summarizer and the final Fail state read it there. */
export const FAILURE_PATH = "$.failure";

/** The catch preset: any error of the state keeps the document, adds `$.failure` and goes to `next` (SummarizeFailure). */
export function catchAll(next: string, resultPath: string = FAILURE_PATH): readonly Catcher[] {
  return [{ ErrorEquals: ["States.ALL"], ResultPath: resultPath, Next: next }];
}
