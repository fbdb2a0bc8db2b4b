/**
 * summarize-failure: turns a failed run into the alert (subject + plain-text message). Two entries:
 * - the state machine's Catch path (SummarizeFailure task), whose result NotifyFailure publishes;
 * - EventBridge "Step Functions Execution Status Change" (FAILED / TIMED_OUT / ABORTED), which
 *   publishes itself, unless the Catch path already alerted, so a failure is reported once.
 */
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { PublishCommand } from "@aws-sdk/client-sns";
import { type FailureNotification, type RunDate, type RuntimeConfig, STATES, type SummarizeFailurePayload } from "../shared/contracts";
import { isRunDate } from "../shared/dates";
import { executionStartedAt, findFailureInHistory, type HistoryFailure, stateSucceeded } from "../shared/history";
import { checkMarkers } from "../shared/markers";
import type { Clock, HistoryReader, LoggerPort, S3Port, SnsPort } from "../shared/ports";
import { buildFailureSummary, type FailureFacts, type FailureStatus } from "../shared/summary";

export interface SummarizeDeps {
  s3: S3Port;
  history: HistoryReader;
  config: RuntimeConfig;
  now: Clock;
}

const UNKNOWN = "unknown";

function runOf(value: unknown): { pipeline?: string; runDate?: RunDate } {
  if (typeof value !== "object" || value === null) return {};
  const v = value as Record<string, unknown>;
  return { pipeline: typeof v.pipeline === "string" ? v.pipeline : undefined, runDate: isRunDate(v.runDate) ? v.runDate : undefined };
}

function parseJson(text: unknown): unknown {
  if (typeof text !== "string") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function readHistory(deps: SummarizeDeps, executionArn: string, notes: string[]): Promise<HistoryEvent[]> {
  try {
    return await deps.history(executionArn);
  } catch (err) {
    // The alert matters more than its details: report without the history rather than not at all.
    notes.push(`execution history unavailable (${(err as Error).name}: ${(err as Error).message})`);
    return [];
  }
}

async function missingAtDeadline(deps: SummarizeDeps, pipeline: string, runDate: RunDate, failure: { state: string; error: string }, notes: string[]) {
  if (failure.state !== STATES.waitForDatasets || failure.error !== "States.Timeout") return undefined;
  const runtime = Object.hasOwn(deps.config.pipelines, pipeline) ? deps.config.pipelines[pipeline] : undefined;
  if (runtime === undefined || runDate === UNKNOWN) return undefined;
  try {
    return (await checkMarkers(deps.s3, deps.config.landingBucket, pipeline, runtime.datasets, runDate)).missing;
  } catch (err) {
    notes.push(`could not check the dataset markers (${(err as Error).message})`);
    return undefined;
  }
}

/** The Catch path: error and cause as caught (`document.failure`), the failed state from the history. */
export async function summarizeCaughtFailure(deps: SummarizeDeps, payload: SummarizeFailurePayload): Promise<FailureNotification> {
  const notes: string[] = [];
  const fromRun = runOf(payload.document?.run);
  const fromInput = runOf(payload.executionInput);
  const pipeline = fromRun.pipeline ?? fromInput.pipeline ?? UNKNOWN;
  const runDate = fromRun.runDate ?? fromInput.runDate ?? UNKNOWN;
  const caught = payload.document?.failure;
  const events = await readHistory(deps, payload.execution.arn, notes);
  const found = findFailureInHistory(events);
  const error = caught?.Error ?? found?.error ?? UNKNOWN;
  const cause = caught?.Cause ?? found?.cause;
  const state = found?.state ?? UNKNOWN;
  const missingDatasets = await missingAtDeadline(deps, pipeline, runDate, { state, error }, notes);
  return buildFailureSummary({
    environment: deps.config.environment,
    region: deps.config.region,
    consoleBaseUrl: deps.config.consoleBaseUrl,
    pipeline,
    runDate,
    executionName: payload.execution.name,
    executionArn: payload.execution.arn,
    state,
    error,
    cause,
    startedAt: payload.execution.startTime ?? executionStartedAt(events),
    failedAt: found?.failedAt ?? deps.now().toISOString(),
    missingDatasets,
    rerunMode: "restart",
    notes,
  });
}

const FAILURE_STATUSES: readonly FailureStatus[] = ["FAILED", "TIMED_OUT", "ABORTED"];

interface StatusChangeDetail {
  executionArn: string;
  stateMachineArn?: string;
  name: string;
  status: string;
  startDate?: number;
  stopDate?: number;
  input?: string;
  error?: string;
  cause?: string;
}

/** The detail of an EventBridge "Step Functions Execution Status Change" event, or why it is not one. */
export function parseStatusChangeEvent(event: unknown): { detail: StatusChangeDetail } | { reason: string } {
  const e = event as { source?: unknown; "detail-type"?: unknown; detail?: Record<string, unknown> } | null;
  if (e?.source !== "aws.states" || e["detail-type"] !== "Step Functions Execution Status Change") {
    return {
      reason: `not a Step Functions Execution Status Change event (source ${JSON.stringify(e?.source)}, detail-type ${JSON.stringify(e?.["detail-type"])})`,
    };
  }
  const d = e.detail;
  if (typeof d?.executionArn !== "string" || typeof d.name !== "string" || typeof d.status !== "string") {
    return { reason: "the event's detail lacks executionArn, name or status" };
  }
  const opt = (v: unknown) => (typeof v === "string" ? v : undefined);
  const num = (v: unknown) => (typeof v === "number" ? v : undefined);
  return {
    detail: {
      executionArn: d.executionArn,
      name: d.name,
      status: d.status,
      stateMachineArn: opt(d.stateMachineArn),
      startDate: num(d.startDate),
      stopDate: num(d.stopDate),
      input: opt(d.input),
      error: opt(d.error),
      cause: opt(d.cause),
    },
  };
}

/** The status-change path: publish the summary of a failed, timed-out or aborted run unless the Catch path alerted already. */
export async function onExecutionStatusChange(
  deps: SummarizeDeps & { sns: SnsPort; logger: LoggerPort },
  event: unknown,
): Promise<{ published: boolean; reason: string }> {
  const parsed = parseStatusChangeEvent(event);
  if ("reason" in parsed) {
    deps.logger.warn("Ignored an event", { reason: parsed.reason });
    return { published: false, reason: parsed.reason };
  }
  const { detail } = parsed;
  const status = detail.status as FailureStatus;
  if (!FAILURE_STATUSES.includes(status)) {
    const reason = `status ${detail.status} of ${detail.name} is not a failure (${FAILURE_STATUSES.join(" | ")})`;
    deps.logger.info("Ignored a status change", { executionArn: detail.executionArn, reason });
    return { published: false, reason };
  }
  const fromInput = runOf(parseJson(detail.input));
  const byArn = Object.entries(deps.config.pipelines).find(([, p]) => p.stateMachineArn === detail.stateMachineArn)?.[0];
  const pipeline = fromInput.pipeline !== undefined && Object.hasOwn(deps.config.pipelines, fromInput.pipeline) ? fromInput.pipeline : byArn;
  if (pipeline === undefined) {
    const reason = `execution ${detail.name} does not belong to a pipeline of ${deps.config.environment} (state machine ${detail.stateMachineArn ?? "unknown"})`;
    deps.logger.warn("Ignored a status change", { executionArn: detail.executionArn, reason });
    return { published: false, reason };
  }
  const runDate = fromInput.runDate ?? /(\d{4}-\d{2}-\d{2})/.exec(detail.name)?.[1] ?? UNKNOWN;

  const notes: string[] = [];
  const events = await readHistory(deps, detail.executionArn, notes);
  if (stateSucceeded(events, STATES.notifyFailure)) {
    const reason = `the Catch path already alerted for ${detail.name} (${STATES.notifyFailure} succeeded)`;
    deps.logger.info("Not publishing twice", { executionArn: detail.executionArn, reason });
    return { published: false, reason };
  }
  const found: HistoryFailure | undefined = findFailureInHistory(events);
  const error = found?.error ?? detail.error ?? (status === "ABORTED" ? "ExecutionAborted" : status === "TIMED_OUT" ? "States.Timeout" : UNKNOWN);
  const cause = found?.cause || detail.cause;
  const state = found?.state ?? UNKNOWN;
  const facts: FailureFacts = {
    environment: deps.config.environment,
    region: deps.config.region,
    consoleBaseUrl: deps.config.consoleBaseUrl,
    pipeline,
    runDate,
    executionName: detail.name,
    executionArn: detail.executionArn,
    status,
    state,
    error,
    cause,
    startedAt: detail.startDate !== undefined ? new Date(detail.startDate).toISOString() : executionStartedAt(events),
    failedAt: found?.failedAt ?? (detail.stopDate !== undefined ? new Date(detail.stopDate).toISOString() : deps.now().toISOString()),
    missingDatasets: await missingAtDeadline(deps, pipeline, runDate, { state, error }, notes),
    rerunMode: "redrive",
    notes,
  };
  const summary = buildFailureSummary(facts);
  await deps.sns.send(new PublishCommand({ TopicArn: deps.config.alertTopicArn, Subject: summary.subject, Message: summary.message }));
  deps.logger.info("Published the failure summary", { executionArn: detail.executionArn, subject: summary.subject });
  return { published: true, reason: `published to ${deps.config.alertTopicArn}` };
}
