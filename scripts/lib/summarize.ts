/**
 * Failure summaries for the workflow scripts, made by the summarizer Lambda's own code
 * (lambdas/shared/summary.ts `buildFailureSummary`, lambdas/shared/history.ts, the marker check),
 * so an alert from the smoke or the failure report reads exactly like one from the state machine.
 */
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { PublishCommand } from "@aws-sdk/client-sns";
import { type FailureNotification, STATES } from "../../lambdas/shared/contracts";
import { executionStartedAt, findFailureInHistory, stateSucceeded } from "../../lambdas/shared/history";
import { checkMarkers } from "../../lambdas/shared/markers";
import type { S3Port, SnsPort } from "../../lambdas/shared/ports";
import { buildFailureSummary, type FailureStatus } from "../../lambdas/shared/summary";

export interface EndedExecution {
  readonly environment: string;
  readonly region: string;
  readonly consoleBaseUrl: string;
  readonly pipeline: string;
  readonly runDate: string;
  readonly executionName: string;
  readonly executionArn: string;
  readonly status: FailureStatus;
  readonly startDate?: Date;
  readonly stopDate?: Date;
  /** DescribeExecution's error and cause, used when the history names none. */
  readonly error?: string;
  readonly cause?: string;
  readonly history: readonly HistoryEvent[];
}

/** Whether the execution's Catch path ran to its end (it then ends in the Fail state: a fresh run is the way back). */
export function caughtByStateMachine(history: readonly HistoryEvent[]): boolean {
  return stateSucceeded(history, STATES.notifyFailure) || history.some((e) => e.type === "FailStateEntered");
}

/** Datasets whose marker is missing, when the run failed at the WaitForDatasets deadline; otherwise undefined. */
export async function missingAtDeadline(
  s3: S3Port,
  landingBucket: string,
  datasets: readonly string[],
  execution: Pick<EndedExecution, "pipeline" | "runDate" | "history">,
  notes: string[],
): Promise<readonly string[] | undefined> {
  const failure = findFailureInHistory(execution.history);
  if (failure?.state !== STATES.waitForDatasets || failure.error !== "States.Timeout") return undefined;
  try {
    return (await checkMarkers(s3, landingBucket, execution.pipeline, datasets, execution.runDate)).missing;
  } catch (err) {
    notes.push(`could not check the dataset markers (${(err as Error).message})`);
    return undefined;
  }
}

/** The failure summary of an ended execution, from its history, as the summarizer Lambda writes it. */
export function summarizeEndedExecution(
  execution: EndedExecution,
  extra: { missingDatasets?: readonly string[]; notes?: readonly string[] } = {},
): FailureNotification {
  const found = findFailureInHistory(execution.history);
  const fallbackError = execution.status === "ABORTED" ? "ExecutionAborted" : execution.status === "TIMED_OUT" ? "States.Timeout" : "unknown";
  return buildFailureSummary({
    environment: execution.environment,
    region: execution.region,
    consoleBaseUrl: execution.consoleBaseUrl,
    pipeline: execution.pipeline,
    runDate: execution.runDate,
    executionName: execution.executionName,
    executionArn: execution.executionArn,
    status: execution.status,
    state: found?.state ?? "unknown",
    error: found?.error ?? execution.error ?? fallbackError,
    cause: found?.cause || execution.cause,
    startedAt: execution.startDate?.toISOString() ?? executionStartedAt(execution.history),
    failedAt: found?.failedAt ?? execution.stopDate?.toISOString() ?? "unknown",
    missingDatasets: extra.missingDatasets,
    rerunMode: caughtByStateMachine(execution.history) ? "restart" : "redrive",
    notes: extra.notes,
  });
}

/** Publishes a summary to the alert topic; `origin` (which workflow run) is added as the message's last line. */
export async function publishSummary(sns: SnsPort, topicArn: string, summary: FailureNotification, origin: string): Promise<string | undefined> {
  const response = await sns.send(new PublishCommand({ TopicArn: topicArn, Subject: summary.subject, Message: `${summary.message}\n\nPosted by: ${origin}` }));
  return response.MessageId;
}

/** Where a script runs, for the "Posted by" line: the workflow run's URL in GitHub Actions. */
export function runOrigin(script: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID) {
    return `${script} (${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID})`;
  }
  return `${script} (run by hand)`;
}
