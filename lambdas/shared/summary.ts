/**
 * The failure summary every alert carries (DESIGN.md, "Alerts: one channel"): what failed, why
 * (the cause parsed: Glue job run, Lambda error, missing datasets), when, and how to rerun it.
 * Pure: the callers gather the facts (history, markers) and this formats them.
 */
import { type FailureNotification, type RunDate, rerunCommand, rerunWorkflowCommand, STATES } from "./contracts";

export { findFailureInHistory, type HistoryFailure } from "./history";

/** SNS: "Subjects must be ASCII text ... no line breaks or control characters, and less than 100 characters". */
export const MAX_SUBJECT_LENGTH = 99;

export type FailureStatus = "FAILED" | "TIMED_OUT" | "ABORTED";

export interface FailureFacts {
  readonly environment: string;
  readonly region: string;
  /** RuntimeConfig.consoleBaseUrl; "local" means there is no console to link to. */
  readonly consoleBaseUrl: string;
  readonly pipeline: string;
  readonly runDate: RunDate;
  readonly executionName: string;
  readonly executionArn: string;
  /** Default: "FAILED". */
  readonly status?: FailureStatus;
  readonly state: string;
  readonly error: string;
  readonly cause?: string;
  readonly startedAt?: string;
  readonly failedAt: string;
  /** Datasets without a marker when WaitForDatasets timed out (from a marker check). */
  readonly missingDatasets?: readonly string[];
  /** "restart" after a failure the Catch path handled (the execution ends in its Fail state), "redrive" otherwise. */
  readonly rerunMode: "redrive" | "restart";
  /** Facts that could not be gathered (history, markers), shown so the reader knows. */
  readonly notes?: readonly string[];
}

/** The cause, parsed: a short reason for the subject and detail lines for the message. */
export interface ParsedCause {
  readonly reason: string;
  readonly details: readonly string[];
}

function parseJsonObject(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined || !text.trimStart().startsWith("{")) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** Reads a Glue .sync cause (the JobRun as JSON), a Lambda error (errorType/errorMessage as JSON), or a deadline timeout. */
export function parseCause(facts: Pick<FailureFacts, "state" | "error" | "cause" | "missingDatasets">): ParsedCause {
  const { state, error, cause, missingDatasets } = facts;
  if (error === "States.Timeout" && state === STATES.waitForDatasets) {
    const missing = missingDatasets ?? [];
    return missing.length > 0
      ? { reason: `missing ${missing.join(", ")}`, details: [`Missing datasets at the deadline: ${missing.join(", ")}`] }
      : { reason: "deadline passed", details: ["The deadline passed before the wait was released; every marker is present now."] };
  }
  const json = parseJsonObject(cause);
  if (json !== undefined && (str(json.JobRunState) !== undefined || (str(json.Id)?.startsWith("jr_") ?? false))) {
    const runState = str(json.JobRunState) ?? "unknown";
    const verb = runState === "FAILED" ? "failed" : runState === "TIMEOUT" ? "timed out" : runState.toLowerCase();
    return {
      reason: `Glue job ${verb}`,
      details: [
        `Glue JobRunId: ${str(json.Id) ?? "unknown"}`,
        ...(str(json.JobName) ? [`Glue JobName: ${json.JobName}`] : []),
        `JobRunState: ${runState}`,
        `ErrorMessage: ${str(json.ErrorMessage) ?? "(none)"}`,
      ],
    };
  }
  if (json !== undefined && (str(json.errorType) !== undefined || str(json.errorMessage) !== undefined)) {
    const errorType = str(json.errorType) ?? error;
    return {
      reason: str(json.errorMessage) ? `${errorType}: ${json.errorMessage}` : errorType,
      details: [`errorType: ${errorType}`, `errorMessage: ${str(json.errorMessage) ?? "(none)"}`],
    };
  }
  if (error === "States.Timeout") return { reason: "timed out", details: cause ? [`Cause: ${cause}`] : [] };
  return { reason: cause ? `${error}: ${cause}` : error, details: cause ? [`Cause: ${cause}`] : [] };
}

/** ASCII only, one line, whitespace collapsed: what SNS accepts in a subject. */
function subjectText(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^\x20-\x7e]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return max <= 3 ? text.slice(0, max) : `${text.slice(0, max - 3)}...`;
}

/** `[env] pipeline date STATUS at State: reason`, shortened reason first, then the pipeline name, to fit SNS. */
export function failureSubject(facts: Pick<FailureFacts, "environment" | "pipeline" | "runDate" | "status" | "state">, reason: string): string {
  const env = subjectText(facts.environment);
  const pipeline = subjectText(facts.pipeline);
  const head = (p: string) => `[${env}] ${p} ${subjectText(facts.runDate)} ${facts.status ?? "FAILED"} at ${subjectText(facts.state)}`;
  const full = `${head(pipeline)}: ${subjectText(reason)}`;
  if (full.length <= MAX_SUBJECT_LENGTH) return full;
  const room = MAX_SUBJECT_LENGTH - head(pipeline).length - 2;
  if (room >= 12) return `${head(pipeline)}: ${clip(subjectText(reason), room)}`;
  // A very long pipeline name: keep the date and state readable and shorten the name instead.
  const withoutName = head("").length;
  const nameRoom = Math.max(8, MAX_SUBJECT_LENGTH - withoutName - 14);
  const shortened = head(clip(pipeline, nameRoom));
  const reasonRoom = MAX_SUBJECT_LENGTH - shortened.length - 2;
  return clip(reasonRoom >= 4 ? `${shortened}: ${clip(subjectText(reason), reasonRoom)}` : shortened, MAX_SUBJECT_LENGTH);
}

export function consoleLink(consoleBaseUrl: string, region: string, executionArn: string): string {
  if (consoleBaseUrl === "local") return "(local runtime: no AWS console)";
  return `${consoleBaseUrl}/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

const MAX_RAW_CAUSE = 4000;

export function buildFailureSummary(facts: FailureFacts): FailureNotification {
  const parsed = parseCause(facts);
  const status = facts.status ?? "FAILED";
  const rerunHow =
    facts.rerunMode === "restart"
      ? `restart: a fresh execution named ${facts.pipeline}-${facts.runDate}-rerun-<n>`
      : "redrive: the same execution continues from the state that failed";
  const lines = [
    `${facts.pipeline} ${facts.runDate}: the run ${status === "FAILED" ? "failed" : status === "TIMED_OUT" ? "timed out" : "was aborted"} at ${facts.state}.`,
    "",
    `Environment:  ${facts.environment}`,
    `Pipeline:     ${facts.pipeline}`,
    `Run date:     ${facts.runDate}`,
    `Execution:    ${facts.executionName}`,
    `Console:      ${consoleLink(facts.consoleBaseUrl, facts.region, facts.executionArn)}`,
    `Failed state: ${facts.state}`,
    `Error:        ${facts.error}`,
    `Reason:       ${parsed.reason}`,
    ...parsed.details.map((d) => `  ${d}`),
    `Started at:   ${facts.startedAt ?? "unknown"}`,
    `Failed at:    ${facts.failedAt}`,
    ...(facts.notes ?? []).map((n) => `Note:         ${n}`),
    "",
    `Rerun (${rerunHow}):`,
    `  ${rerunCommand(facts.environment, facts.pipeline, facts.runDate, facts.rerunMode)}`,
    `  ${rerunWorkflowCommand(facts.environment, facts.pipeline, facts.runDate, facts.rerunMode)}`,
  ];
  if (facts.cause && parsed.details.every((d) => !d.startsWith("Cause: "))) {
    lines.push("", "Raw cause:", clip(facts.cause, MAX_RAW_CAUSE));
  }
  return { subject: failureSubject({ ...facts, status }, parsed.reason), message: lines.join("\n") };
}
