/**
 * The local task handlers of the pipeline's state machine, keyed by state name: the Lambda states
 * run the real Lambda cores, RunJoin runs an injected join engine (DuckDB in the local runtime,
 * scripted fakes in tests) and answers like Glue's .sync integration, NotifyFailure publishes
 * through an SNS port (the local runtime's outbox topic). Built once here so the local runtime and the tests run the same code.
 */
import { randomBytes } from "node:crypto";
import { PublishCommand } from "@aws-sdk/client-sns";
import { registerWait } from "../lambdas/await-datasets/core";
import { checkRunInput } from "../lambdas/check-run-input/core";
import {
  type AwaitDatasetsPayload,
  type CheckRunInputPayload,
  type RunContext,
  type RuntimeConfig,
  STATES,
  type SummarizeFailurePayload,
} from "../lambdas/shared/contracts";
import { sfnHistoryReader } from "../lambdas/shared/history";
import type { Clock, HistoryReader, LoggerPort, S3Port, SnsPort } from "../lambdas/shared/ports";
import { summarizeCaughtFailure } from "../lambdas/summarize-failure/core";
import { verifyOutput } from "../lambdas/verify-output/core";
import type { LocalStepFunctions, LocalTaskHandler } from "./step-functions";

/** What RunJoin asks the join engine to do: the Glue job and the run's arguments (JobName, Arguments of StartJobRun). */
export interface JoinRequest {
  readonly jobName: string;
  readonly arguments: Readonly<Record<string, string>>;
}

export interface JoinResult {
  readonly jobRunId: string;
  readonly executionTimeSeconds: number;
}

/**
 * Runs the join. Resolves when the job run SUCCEEDED. A rejection whose `name` starts with "Glue."
 * is an API error of StartJobRun (transient ones are retried by the state machine); any other
 * rejection is a job run that FAILED with the error's message as its ErrorMessage.
 */
export type JoinRunner = (request: JoinRequest) => Promise<JoinResult>;

/** A job run that failed after it started; carries its run id into the FAILED JobRun. */
export class JoinRunFailedError extends Error {
  constructor(
    message: string,
    readonly jobRunId?: string,
  ) {
    super(message);
    this.name = "JoinRunFailed";
  }
}

export interface LocalTaskDeps {
  readonly s3: S3Port;
  /** The local Step Functions service: the cores' SfnPort, and where the callback task waits for its token. */
  readonly sfn: LocalStepFunctions;
  readonly config: RuntimeConfig;
  readonly logger: LoggerPort;
  readonly now: Clock;
  readonly runJoin: JoinRunner;
  /** The alert topic NotifyFailure publishes to: `LocalSns` (local/outbox.ts) on an outbox file. */
  readonly sns: SnsPort;
  /** How SummarizeFailure reads execution histories. Default: GetExecutionHistory on `sfn`, as on AWS. */
  readonly history?: HistoryReader;
}

/** The Glue .sync integration's success: a JobRun (https://docs.aws.amazon.com/glue/latest/webapi/API_JobRun.html). */
export interface LocalJobRun {
  readonly Id: string;
  readonly Attempt: number;
  readonly JobName: string;
  readonly JobRunState: "SUCCEEDED" | "FAILED";
  readonly Arguments: Readonly<Record<string, string>>;
  readonly StartedOn: string;
  readonly CompletedOn: string;
  readonly LastModifiedOn: string;
  readonly ExecutionTime: number;
  readonly ErrorMessage?: string;
}

function objectOf(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${what}: got ${JSON.stringify(value)}; expected an object`);
  return value as Record<string, unknown>;
}

/**
 * A Lambda function error as lambda:invoke reports it: the ASL Error is the errorType (the thrown
 * error's name) and the Cause the JSON the Lambda runtime returns, so the Catch path and the
 * summarizer see exactly what they see on AWS.
 */
export function lambdaFunctionError(err: unknown): Error {
  const source = err instanceof Error ? err : new Error(String(err));
  const failure = new Error(
    JSON.stringify({
      errorType: source.name,
      errorMessage: source.message,
      trace: (source.stack ?? "").split("\n"),
    }),
  );
  failure.name = source.name;
  return failure;
}

/** Runs a Lambda core for a lambda:invoke state: the state's Payload in, `{ Payload: result }` out, errors as the Lambda runtime reports them. */
function lambdaInvoke<P, R>(state: string, core: (payload: P) => Promise<R> | R): LocalTaskHandler {
  return async (input) => {
    const params = objectOf(input, `${state} parameters`);
    let result: R;
    try {
      result = await core(params.Payload as P);
    } catch (err) {
      throw lambdaFunctionError(err);
    }
    return { Payload: result ?? null, StatusCode: 200, ExecutedVersion: "$LATEST" };
  };
}

/** A failed Glue job run as the .sync integration reports it: Error States.TaskFailed, Cause the JobRun as JSON. */
function failedJobRun(run: LocalJobRun): Error {
  const error = new Error(JSON.stringify(run));
  error.name = "States.TaskFailed";
  return error;
}

function runJoinHandler(deps: LocalTaskDeps): LocalTaskHandler {
  return async (input) => {
    const params = objectOf(input, `${STATES.runJoin} parameters`);
    const jobName = params.JobName;
    if (typeof jobName !== "string" || jobName === "")
      throw new Error(`${STATES.runJoin} parameters: JobName is ${JSON.stringify(jobName)}; expected the Glue job name`);
    const args = objectOf(params.Arguments ?? {}, `${STATES.runJoin} parameters.Arguments`);
    for (const [key, value] of Object.entries(args)) {
      // Glue accepts only string arguments; a number here would be rejected by StartJobRun too.
      if (typeof value !== "string")
        throw Object.assign(new Error(`Argument ${key} is ${JSON.stringify(value)}; Glue arguments are strings`), { name: "Glue.InvalidInputException" });
    }
    const startedOn = deps.now();
    const jobRun = (id: string, state: LocalJobRun["JobRunState"], executionTime: number, errorMessage?: string): LocalJobRun => {
      const completedOn = deps.now().toISOString();
      return {
        Id: id,
        Attempt: 0,
        JobName: jobName,
        JobRunState: state,
        Arguments: args as Record<string, string>,
        StartedOn: startedOn.toISOString(),
        CompletedOn: completedOn,
        LastModifiedOn: completedOn,
        ExecutionTime: executionTime,
        ...(errorMessage === undefined ? {} : { ErrorMessage: errorMessage }),
      };
    };
    let result: JoinResult;
    try {
      result = await deps.runJoin({ jobName, arguments: args as Record<string, string> });
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      // StartJobRun's own errors (ConcurrentRunsExceeded, throttling) keep their Glue.* name so Retry can match them.
      if (error.name.startsWith("Glue.")) throw error;
      const id = (error as { jobRunId?: unknown }).jobRunId;
      const seconds = Math.max(0, Math.round((deps.now().getTime() - startedOn.getTime()) / 1000));
      throw failedJobRun(jobRun(typeof id === "string" && id !== "" ? id : `jr_${randomBytes(16).toString("hex")}`, "FAILED", seconds, error.message));
    }
    return jobRun(result.jobRunId, "SUCCEEDED", Math.round(result.executionTimeSeconds));
  };
}

function notifyFailureHandler(deps: LocalTaskDeps): LocalTaskHandler {
  return async (input) => {
    const params = objectOf(input, `${STATES.notifyFailure} parameters`);
    try {
      const published = await deps.sns.send(
        new PublishCommand({ TopicArn: params.TopicArn as string, Subject: params.Subject as string | undefined, Message: params.Message as string }),
      );
      return { MessageId: published.MessageId };
    } catch (err) {
      // The sns:publish integration reports the service's errors as SNS.<Exception>.
      const error = err instanceof Error ? err : new Error(String(err));
      if (!error.name.startsWith("SNS.")) error.name = `SNS.${error.name}`;
      throw error;
    }
  };
}

/** The handlers of every Task state of the pipeline definition, keyed by state name (STATES). */
export function buildLocalTaskHandlers(deps: LocalTaskDeps): Readonly<Record<string, LocalTaskHandler>> {
  const { s3, sfn, config, logger, now } = deps;
  const history = deps.history ?? sfnHistoryReader(sfn);
  return {
    [STATES.checkRunInput]: lambdaInvoke(STATES.checkRunInput, (payload: CheckRunInputPayload) => checkRunInput(config, payload)),
    [STATES.waitForDatasets]: async (input) => {
      const payload = objectOf(
        objectOf(input, `${STATES.waitForDatasets} parameters`).Payload,
        `${STATES.waitForDatasets} Payload`,
      ) as unknown as AwaitDatasetsPayload;
      // Wait first, then register: the registration may release the wait itself before it returns.
      const callback = sfn.waitForTaskToken(payload.taskToken);
      try {
        await registerWait({ s3, sfn, config, logger, now }, payload);
      } catch (err) {
        callback.catch(() => undefined);
        throw lambdaFunctionError(err);
      }
      // The callback result is the task's result: the SendTaskSuccess output (DatasetsArrived).
      return await callback;
    },
    [STATES.runJoin]: runJoinHandler(deps),
    [STATES.verifyOutput]: lambdaInvoke(STATES.verifyOutput, (run: RunContext) => verifyOutput({ s3, config, logger }, run)),
    [STATES.summarizeFailure]: lambdaInvoke(STATES.summarizeFailure, (payload: SummarizeFailurePayload) =>
      summarizeCaughtFailure({ s3, history, config, now }, payload),
    ),
    [STATES.notifyFailure]: notifyFailureHandler(deps),
  };
}
