/**
 * The contracts between the parts of the data path: S3 key layout, execution names, the state
 * machine's state names and task payloads, and the runtime configuration every Lambda reads.
 * The stacks, the Lambdas, the Glue runner's arguments and the local runtime all use these.
 */

/** A business date, YYYY-MM-DD. */
export type RunDate = string;

export const MARKER_FILE = "_SUCCESS";
export const MANIFEST_FILE = "_manifest.json";
export const LANDING_ROOT = "incoming/";

/** incoming/<pipeline>/<dataset>/run_date=YYYY-MM-DD/ */
export function landingPrefix(pipeline: string, dataset: string, runDate: RunDate): string {
  return `${LANDING_ROOT}${pipeline}/${dataset}/run_date=${runDate}/`;
}

/** incoming/<pipeline>/<dataset>/run_date=YYYY-MM-DD/_SUCCESS */
export function markerKey(pipeline: string, dataset: string, runDate: RunDate): string {
  return `${landingPrefix(pipeline, dataset, runDate)}${MARKER_FILE}`;
}

/** <pipeline>/<output>/run_date=YYYY-MM-DD/ in the results bucket. */
export function resultsPrefix(pipeline: string, output: string, runDate: RunDate): string {
  return `${pipeline}/${output}/run_date=${runDate}/`;
}

/** Where the WaitForDatasets task token of a pipeline and day is kept, in the control (artifacts) bucket. */
export function waitTokenKey(pipeline: string, runDate: RunDate): string {
  return `control/wait-tokens/${pipeline}/run_date=${runDate}.json`;
}

/** The day's execution: "<pipeline>-<YYYY-MM-DD>". Upload-started and schedule-started runs share it. */
export function dailyExecutionName(pipeline: string, runDate: RunDate): string {
  return `${pipeline}-${runDate}`;
}

/** A fresh rerun: "<pipeline>-<YYYY-MM-DD>-rerun-<n>". */
export function rerunExecutionName(pipeline: string, runDate: RunDate, attempt: number): string {
  return `${pipeline}-${runDate}-rerun-${attempt}`;
}

/** The state machine's states, in order. Names are a contract: local task handlers and tests key on them. */
export const STATES = {
  checkRunInput: "CheckRunInput",
  waitForDatasets: "WaitForDatasets",
  runJoin: "RunJoin",
  verifyOutput: "VerifyOutput",
  succeeded: "Succeeded",
  summarizeFailure: "SummarizeFailure",
  fallbackSummary: "FallbackSummary",
  notifyFailure: "NotifyFailure",
  failed: "Failed",
} as const;
export type StateName = (typeof STATES)[keyof typeof STATES];

/** What starts an execution. */
export type RunTrigger = "upload" | "schedule" | "rerun" | "smoke" | "manual";

/** Input of an execution of a pipeline's state machine. */
export interface ExecutionInput {
  readonly pipeline: string;
  readonly runDate: RunDate;
  readonly trigger: RunTrigger;
}

/** Glue job run arguments passed by RunJoin (the job's default arguments hold the static ones). */
export interface JoinRunArguments {
  readonly "--run_date": RunDate;
  readonly "--execution_name": string;
}

/** Output of CheckRunInput: the execution's normalized input, the state machine's working document. */
export interface RunContext {
  readonly pipeline: string;
  readonly runDate: RunDate;
  readonly trigger: RunTrigger;
  readonly executionName: string;
  readonly executionArn: string;
  readonly startedAt: string;
  readonly datasets: readonly string[];
  readonly glueArguments: JoinRunArguments;
}

/** Payload of the WaitForDatasets task (lambda:invoke.waitForTaskToken on the await-datasets Lambda). */
export interface AwaitDatasetsPayload {
  readonly pipeline: string;
  readonly runDate: RunDate;
  readonly executionArn: string;
  readonly taskToken: string;
}

/** What SendTaskSuccess returns to WaitForDatasets: the markers that released the wait. */
export interface DatasetsArrived {
  readonly releasedBy: "upload" | "registration";
  readonly datasets: readonly { readonly dataset: string; readonly markerKey: string }[];
}

/** The stored wait registration (control bucket, `waitTokenKey`). */
export interface WaitRegistration {
  readonly pipeline: string;
  readonly runDate: RunDate;
  readonly executionArn: string;
  readonly taskToken: string;
  readonly registeredAt: string;
}

/** A failure as the Catch path hands it over: `$.failure`. */
export interface CaughtFailure {
  readonly Error: string;
  readonly Cause?: string;
}

/** Output of SummarizeFailure, published by NotifyFailure. */
export interface FailureNotification {
  readonly subject: string;
  readonly message: string;
}

/** The per-pipeline part of the runtime configuration. */
export interface PipelineRuntime {
  readonly stateMachineArn: string;
  readonly datasets: readonly string[];
  readonly outputs: readonly string[];
  readonly deadlineSeconds: number;
  readonly rowBalance: readonly { readonly input: string; readonly outputs: readonly string[] }[];
  /** Scheduled start, for turning a schedule tick into a run date. */
  readonly schedule: { readonly timezone: string; readonly runDateOffsetDays: number };
}

/**
 * What every Lambda reads from its RUNTIME_CONFIG environment variable (JSON). Built once by the
 * stack (and by the local runtime) with `buildRuntimeConfig`; state machine ARNs are computed from
 * names so that no Lambda depends on the state machine that invokes it.
 */
export interface RuntimeConfig {
  readonly environment: string;
  readonly region: string;
  readonly landingBucket: string;
  readonly resultsBucket: string;
  /** Bucket holding wait registrations (control/ prefix): the artifacts bucket. */
  readonly controlBucket: string;
  readonly alertTopicArn: string;
  /** Console base for links, e.g. https://us-east-1.console.aws.amazon.com; "local" for the local runtime. */
  readonly consoleBaseUrl: string;
  readonly pipelines: Readonly<Record<string, PipelineRuntime>>;
}

/** The rerun command an administrator runs, printed in every failure summary. */
export function rerunCommand(environment: string, pipeline: string, runDate: RunDate, mode: "redrive" | "restart"): string {
  return `npm run rerun -- --env ${environment} --pipeline ${pipeline} --date ${runDate} --mode ${mode}`;
}

/** The same rerun through GitHub Actions. */
export function rerunWorkflowCommand(environment: string, pipeline: string, runDate: RunDate, mode: "redrive" | "restart"): string {
  return `gh workflow run rerun.yml -f environment=${environment} -f pipeline=${pipeline} -f date=${runDate} -f mode=${mode}`;
}

/** Execution facts taken from the context object ($$.Execution) and passed in task payloads. */
export interface ExecutionRef {
  readonly name: string;
  readonly arn: string;
  readonly startTime: string;
}

/** Payload of CheckRunInput: `{ input.$: "$", execution: {...$$.Execution} }`; its result is a RunContext. */
export interface CheckRunInputPayload {
  readonly input: unknown;
  readonly execution: ExecutionRef;
}

/** Payload of VerifyOutput: the RunContext. */
export type VerifyOutputPayload = RunContext;

/**
 * Payload of SummarizeFailure on the Catch path: the whole state document at the time of the
 * failure (`document.run` is present when CheckRunInput succeeded; `document.failure` is the
 * caught error), the execution's original input, and the execution facts.
 */
export interface SummarizeFailurePayload {
  readonly execution: ExecutionRef;
  readonly executionInput: unknown;
  readonly document: { readonly run?: RunContext; readonly failure?: CaughtFailure; readonly [key: string]: unknown };
}

/** Event the EventBridge Scheduler sends the on-upload Lambda at a pipeline's expected start. */
export interface ScheduledStartEvent {
  readonly source: "etl.scheduler";
  readonly pipeline: string;
  /** ISO-8601 time the schedule fired, from <aws.scheduler.scheduled-time>. */
  readonly scheduledTime: string;
}

/** Environment variable every Lambda reads its RuntimeConfig from (JSON). */
export const RUNTIME_CONFIG_ENV = "RUNTIME_CONFIG";

/** Arguments of the Glue job. Defaults are set on the job; RunJoin passes the per-run ones (JoinRunArguments). */
export const GLUE_ARGUMENTS = {
  /** s3:// URI of the pipeline's job spec JSON (engine/spec.ts buildJobSpec), uploaded by the stack. */
  jobSpecUri: "--job_spec_uri",
  /** s3:// prefix holding the pipeline's SQL files. */
  sqlUri: "--sql_uri",
  /** s3://LANDING/incoming/<pipeline>/ */
  landingUri: "--landing_uri",
  /** s3://RESULTS/<pipeline>/ */
  resultsUri: "--results_uri",
  runDate: "--run_date",
  executionName: "--execution_name",
} as const;
