/** Reading and interpreting Step Functions execution histories (GetExecutionHistory). */
import { GetExecutionHistoryCommand, type HistoryEvent } from "@aws-sdk/client-sfn";
import type { HistoryReader, SfnPort } from "./ports";

/** A HistoryReader over GetExecutionHistory, all pages, ascending by id, with inputs and causes included. */
export function sfnHistoryReader(sfn: SfnPort): HistoryReader {
  return async (executionArn) => {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000, reverseOrder: false, includeExecutionData: true }),
      );
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return events;
  };
}

/** A failure found in a history: the state it happened in, its error and cause, and when. */
export interface HistoryFailure {
  readonly state: string;
  readonly error: string;
  readonly cause: string;
  /** ISO-8601. */
  readonly failedAt: string;
  /** The history event type that recorded it, e.g. TaskFailed, TaskTimedOut, ExecutionAborted. */
  readonly eventType: string;
}

type Details = { error?: string; cause?: string } | undefined;

/** The error details of every failure event type; StateFailed-like events without details map to an empty object. */
function failureDetails(event: HistoryEvent): Details | null {
  switch (event.type) {
    case "TaskFailed":
      return event.taskFailedEventDetails;
    case "TaskTimedOut":
      return event.taskTimedOutEventDetails;
    case "TaskStartFailed":
      return event.taskStartFailedEventDetails;
    case "TaskSubmitFailed":
      return event.taskSubmitFailedEventDetails;
    case "LambdaFunctionFailed":
      return event.lambdaFunctionFailedEventDetails;
    case "LambdaFunctionTimedOut":
      return event.lambdaFunctionTimedOutEventDetails;
    case "LambdaFunctionStartFailed":
      return event.lambdaFunctionStartFailedEventDetails;
    case "LambdaFunctionScheduleFailed":
      return event.lambdaFunctionScheduleFailedEventDetails;
    case "ActivityFailed":
      return event.activityFailedEventDetails;
    case "ActivityTimedOut":
      return event.activityTimedOutEventDetails;
    case "ActivityScheduleFailed":
      return event.activityScheduleFailedEventDetails;
    case "MapRunFailed":
      return event.mapRunFailedEventDetails;
    case "MapStateFailed":
    case "ParallelStateFailed":
      return {};
    case "ExecutionFailed":
      return event.executionFailedEventDetails;
    case "ExecutionTimedOut":
      return event.executionTimedOutEventDetails;
    case "ExecutionAborted":
      return event.executionAbortedEventDetails;
    default:
      return null;
  }
}

const DEFAULT_ERROR: Readonly<Record<string, string>> = {
  TaskTimedOut: "States.Timeout",
  LambdaFunctionTimedOut: "States.Timeout",
  ActivityTimedOut: "States.Timeout",
  ExecutionTimedOut: "States.Timeout",
  ExecutionAborted: "ExecutionAborted",
};

/** Event timestamps are Dates from the SDK; recorded JSON may hold ISO strings or epoch seconds. */
export function eventTime(event: HistoryEvent): string {
  const ts = event.timestamp as Date | string | number | undefined;
  if (ts instanceof Date) return ts.toISOString();
  if (typeof ts === "number") return new Date(ts < 1e11 ? ts * 1000 : ts).toISOString();
  if (typeof ts === "string") return new Date(ts).toISOString();
  return "unknown";
}

/** For each event, the state it belongs to: the nearest *StateEntered along previousEventId, else the latest one before it. */
function attributeStates(events: readonly HistoryEvent[]): {
  state: (e: HistoryEvent) => string | undefined;
  stateType: (e: HistoryEvent) => string | undefined;
} {
  const byId = new Map<number, HistoryEvent>();
  const latestEntered = new Map<HistoryEvent, HistoryEvent | undefined>();
  let latest: HistoryEvent | undefined;
  for (const e of events) {
    if (e.id !== undefined) byId.set(e.id, e);
    if (e.stateEnteredEventDetails?.name !== undefined) latest = e;
    latestEntered.set(e, latest);
  }
  const entered = (e: HistoryEvent): HistoryEvent | undefined => {
    const seen = new Set<number>();
    let cursor: HistoryEvent | undefined = e;
    while (cursor !== undefined) {
      if (cursor.stateEnteredEventDetails?.name !== undefined) return cursor;
      const prev = cursor.previousEventId;
      if (prev === undefined || prev === 0 || seen.has(prev)) break;
      seen.add(prev);
      cursor = byId.get(prev);
    }
    return latestEntered.get(e);
  };
  return { state: (e) => entered(e)?.stateEnteredEventDetails?.name, stateType: (e) => entered(e)?.type };
}

/**
 * The LAST failure in a history: its state, error, cause and time. An ExecutionFailed raised by a
 * Fail state (the end of a Catch path) is attributed to the failure that led there, because that is
 * the state an operator has to look at.
 */
export function findFailureInHistory(events: readonly HistoryEvent[]): HistoryFailure | undefined {
  const { state, stateType } = attributeStates(events);
  const failures = events
    .map((event) => ({ event, details: failureDetails(event) }))
    .filter((f): f is { event: HistoryEvent; details: Details } => f.details !== null);
  const last = failures.at(-1);
  if (last === undefined) return undefined;
  const toFailure = (f: { event: HistoryEvent; details: Details }): HistoryFailure => ({
    state: state(f.event) ?? "unknown",
    error: f.details?.error || DEFAULT_ERROR[f.event.type ?? ""] || f.event.type || "unknown",
    cause: f.details?.cause ?? "",
    failedAt: eventTime(f.event),
    eventType: f.event.type ?? "unknown",
  });
  const result = toFailure(last);
  if (last.event.type === "ExecutionFailed" && stateType(last.event) === "FailStateEntered" && failures.length > 1) {
    const origin = toFailure(failures[failures.length - 2]);
    return { ...result, state: origin.state, error: result.error || origin.error, cause: result.cause || origin.cause };
  }
  return result;
}

/** Whether the state `name` completed successfully in this history (a task that succeeded, or a state that exited). */
export function stateSucceeded(events: readonly HistoryEvent[], name: string): boolean {
  const { state } = attributeStates(events);
  if (events.some((e) => e.type === "TaskSucceeded" && state(e) === name)) return true;
  const failed = events.some((e) => failureDetails(e) !== null && !e.type?.startsWith("Execution") && state(e) === name);
  return !failed && events.some((e) => e.stateExitedEventDetails?.name === name);
}

/** When the execution started, from its ExecutionStarted event. */
export function executionStartedAt(events: readonly HistoryEvent[]): string | undefined {
  const started = events.find((e) => e.type === "ExecutionStarted");
  return started === undefined ? undefined : eventTime(started);
}
