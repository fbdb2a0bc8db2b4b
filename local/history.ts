/**
 * Turns the event log of an aws-local-stepfunctions execution into the HistoryEvent shapes
 * GetExecutionHistory returns on AWS, so code that reads histories (the failure summarizer, the
 * rerun script) runs unchanged against the local runtime.
 * Event types: https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html
 */
import type { HistoryEvent, HistoryEventType } from "@aws-sdk/client-sfn";

/** The parts of an aws-local-stepfunctions event this conversion reads (its EventLog union, loosely typed). */
export interface LocalEvent {
  readonly type: string;
  readonly timestamp: number;
  readonly input?: unknown;
  readonly output?: unknown;
  readonly Error?: string;
  readonly Cause?: unknown;
  readonly state?: { readonly name: string; readonly type: string; readonly input?: unknown; readonly output?: unknown };
}

/** What the conversion needs to know about the execution and its definition. */
export interface HistoryContext {
  readonly roleArn: string;
  readonly region: string;
  /** The Resource of every Task state, by state name. */
  readonly taskResources: Readonly<Record<string, string>>;
  /** TimeoutSeconds of every Task state that sets it, by state name. */
  readonly taskTimeouts?: Readonly<Record<string, number>>;
  /**
   * What each Task attempt was called with (after Parameters) and returned (before ResultSelector),
   * by state name, in order: the event log only has the state's input and output, AWS shows these.
   */
  readonly taskAttempts?: Readonly<Record<string, readonly TaskAttempt[]>>;
}

export interface TaskAttempt {
  readonly parameters: unknown;
  readonly result?: unknown;
}

/** arn:aws:states:::glue:startJobRun.sync -> { resourceType: "glue", resource: "startJobRun.sync" }; Lambda ARNs -> lambda/function. */
export function splitTaskResource(resource: string): { resourceType: string; resource: string } {
  const integration = /^arn:[^:]+:states:::([^:]+):(.+)$/.exec(resource);
  if (integration !== null) return { resourceType: integration[1], resource: integration[2] };
  const service = /^arn:[^:]+:([^:]+):/.exec(resource);
  return { resourceType: service?.[1] ?? "unknown", resource };
}

function json(value: unknown): string {
  return value === undefined ? "null" : JSON.stringify(value);
}

function causeText(cause: unknown): string | undefined {
  if (cause === undefined || cause === null) return undefined;
  return typeof cause === "string" ? cause : JSON.stringify(cause);
}

/** The state-type prefix of AWS event types: TaskStateEntered, PassStateExited, ... */
const STATE_PREFIX: Readonly<Record<string, string>> = {
  Task: "Task",
  Pass: "Pass",
  Choice: "Choice",
  Wait: "Wait",
  Succeed: "Succeed",
  Fail: "Fail",
  Map: "Map",
  Parallel: "Parallel",
};

/**
 * Converts a local event log to AWS history events: ids ascending from 1, each event's
 * previousEventId the one before it. A Task attempt is TaskScheduled + TaskStarted, then
 * TaskSucceeded, TaskFailed or TaskTimedOut (with error and cause); a retry is a new attempt.
 */
export function toHistoryEvents(events: readonly LocalEvent[], context: HistoryContext): HistoryEvent[] {
  const out: HistoryEvent[] = [];
  const push = (type: HistoryEventType, timestamp: number, details: Partial<HistoryEvent>): void => {
    const id = out.length + 1;
    out.push({ id, previousEventId: id - 1, timestamp: new Date(timestamp), type, ...details });
  };
  /** Whether the current attempt of a Task state already ended with a failure (so StateExited after a Catch is not a success). */
  const failedAttempt = new Set<string>();
  /** How many attempts of each Task state have been scheduled so far, to pick its TaskAttempt. */
  const attemptsSeen = new Map<string, number>();
  const currentAttempt = (name: string): TaskAttempt | undefined => context.taskAttempts?.[name]?.[(attemptsSeen.get(name) ?? 0) - 1];

  const scheduleTask = (name: string, timestamp: number, input: unknown): void => {
    const resource = context.taskResources[name] ?? "unknown";
    const { resourceType, resource: shortResource } = splitTaskResource(resource);
    const timeout = context.taskTimeouts?.[name];
    attemptsSeen.set(name, (attemptsSeen.get(name) ?? 0) + 1);
    const attempt = currentAttempt(name);
    push("TaskScheduled", timestamp, {
      taskScheduledEventDetails: {
        resourceType,
        resource: shortResource,
        region: context.region,
        parameters: json(attempt === undefined ? input : attempt.parameters),
        ...(timeout === undefined ? {} : { timeoutInSeconds: timeout }),
      },
    });
    push("TaskStarted", timestamp, { taskStartedEventDetails: { resourceType, resource: shortResource } });
    failedAttempt.delete(name);
  };

  for (const event of events) {
    const state = event.state;
    switch (event.type) {
      case "ExecutionStarted":
        push("ExecutionStarted", event.timestamp, {
          executionStartedEventDetails: { input: json(event.input), inputDetails: { truncated: false }, roleArn: context.roleArn },
        });
        break;
      case "ExecutionSucceeded":
        push("ExecutionSucceeded", event.timestamp, { executionSucceededEventDetails: { output: json(event.output), outputDetails: { truncated: false } } });
        break;
      case "ExecutionFailed":
        push("ExecutionFailed", event.timestamp, { executionFailedEventDetails: { error: event.Error, cause: causeText(event.Cause) } });
        break;
      case "ExecutionAborted":
        push("ExecutionAborted", event.timestamp, { executionAbortedEventDetails: {} });
        break;
      case "ExecutionTimeout":
        push("ExecutionTimedOut", event.timestamp, { executionTimedOutEventDetails: { error: "States.Timeout" } });
        break;
      case "StateEntered": {
        if (state === undefined) break;
        const prefix = STATE_PREFIX[state.type] ?? state.type;
        push(`${prefix}StateEntered` as HistoryEventType, event.timestamp, {
          stateEnteredEventDetails: { name: state.name, input: json(state.input), inputDetails: { truncated: false } },
        });
        if (state.type === "Task") scheduleTask(state.name, event.timestamp, state.input);
        break;
      }
      case "StateRetried":
        if (state?.type === "Task") scheduleTask(state.name, event.timestamp, state.input);
        break;
      case "StateFailed": {
        // Only Task states report a failure of their own on AWS; the other states' errors end the execution (ExecutionFailed).
        if (state?.type !== "Task") break;
        const { resourceType, resource } = splitTaskResource(context.taskResources[state.name] ?? "unknown");
        const details = { resourceType, resource, error: event.Error, cause: causeText(event.Cause) };
        if (event.Error === "States.Timeout") push("TaskTimedOut", event.timestamp, { taskTimedOutEventDetails: details });
        else push("TaskFailed", event.timestamp, { taskFailedEventDetails: details });
        failedAttempt.add(state.name);
        break;
      }
      case "StateExited": {
        if (state === undefined) break;
        if (state.type === "Task" && !failedAttempt.has(state.name)) {
          const { resourceType, resource } = splitTaskResource(context.taskResources[state.name] ?? "unknown");
          push("TaskSucceeded", event.timestamp, {
            taskSucceededEventDetails: {
              resourceType,
              resource,
              output: json(currentAttempt(state.name)?.result ?? state.output),
              outputDetails: { truncated: false },
            },
          });
        }
        failedAttempt.delete(state.name);
        const prefix = STATE_PREFIX[state.type] ?? state.type;
        push(`${prefix}StateExited` as HistoryEventType, event.timestamp, {
          stateExitedEventDetails: { name: state.name, output: json(state.output), outputDetails: { truncated: false } },
        });
        break;
      }
      default:
        // StateCaught has no event of its own on AWS (the failure and the exit tell the story); Map and Parallel are not used.
        break;
    }
  }
  return out;
}
