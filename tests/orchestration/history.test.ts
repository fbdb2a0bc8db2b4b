import { findFailureInHistory } from "../../lambdas/shared/history";
import { type LocalEvent, splitTaskResource, toHistoryEvents } from "../../local/history";

const t0 = Date.UTC(2025, 0, 1, 2, 0, 0);
const state = (name: string, type: string, input: unknown = {}, output?: unknown) => ({ name, type, input, ...(output === undefined ? {} : { output }) });

/** RunJoin fails transiently, is retried, fails for real and is caught; the Catch path ends in a Fail state. */
const events: LocalEvent[] = [
  { type: "ExecutionStarted", timestamp: t0, input: { runDate: "2025-01-01" } },
  { type: "StateEntered", timestamp: t0 + 1, state: state("RunJoin", "Task", { run: {} }) },
  { type: "StateFailed", timestamp: t0 + 2, state: state("RunJoin", "Task"), Error: "Glue.ConcurrentRunsExceededException", Cause: "busy" },
  { type: "StateRetried", timestamp: t0 + 3, state: state("RunJoin", "Task") },
  { type: "StateFailed", timestamp: t0 + 4, state: state("RunJoin", "Task"), Error: "States.TaskFailed", Cause: '{"JobRunState":"FAILED"}' },
  { type: "StateCaught", timestamp: t0 + 4, state: state("RunJoin", "Task") },
  { type: "StateExited", timestamp: t0 + 4, state: state("RunJoin", "Task", {}, { failure: {} }) },
  { type: "StateEntered", timestamp: t0 + 5, state: state("Summarize", "Task") },
  { type: "StateExited", timestamp: t0 + 6, state: state("Summarize", "Task", {}, { summary: "after ResultPath" }) },
  { type: "StateEntered", timestamp: t0 + 7, state: state("Fallback", "Pass") },
  { type: "StateExited", timestamp: t0 + 7, state: state("Fallback", "Pass", {}, { x: 1 }) },
  { type: "StateEntered", timestamp: t0 + 8, state: state("Failed", "Fail") },
  { type: "StateFailed", timestamp: t0 + 8, state: state("Failed", "Fail"), Error: "States.TaskFailed", Cause: '{"JobRunState":"FAILED"}' },
  { type: "ExecutionFailed", timestamp: t0 + 8, Error: "States.TaskFailed", Cause: '{"JobRunState":"FAILED"}' },
];

const history = toHistoryEvents(events, {
  roleArn: "arn:aws:iam::000000000000:role/sfn",
  region: "us-east-1",
  taskResources: { RunJoin: "arn:aws:states:::glue:startJobRun.sync", Summarize: "arn:aws:states:::lambda:invoke" },
  taskTimeouts: { RunJoin: 900 },
  taskAttempts: {
    RunJoin: [{ parameters: { JobName: "join", attempt: 1 } }, { parameters: { JobName: "join", attempt: 2 } }],
    Summarize: [{ parameters: { Payload: {} }, result: { Payload: { subject: "s" } } }],
  },
});

describe("toHistoryEvents", () => {
  it("numbers events from 1 with each one pointing at the one before", () => {
    expect(history.map((e) => e.id)).toEqual(history.map((_, i) => i + 1));
    expect(history.map((e) => e.previousEventId)).toEqual(history.map((_, i) => i));
    expect(history.every((e) => e.timestamp instanceof Date)).toBe(true);
  });

  it("writes the AWS event types: a Task attempt is scheduled, started, then failed or succeeded", () => {
    expect(history.map((e) => e.type)).toEqual([
      "ExecutionStarted",
      "TaskStateEntered",
      "TaskScheduled",
      "TaskStarted",
      "TaskFailed",
      "TaskScheduled",
      "TaskStarted",
      "TaskFailed",
      "TaskStateExited",
      "TaskStateEntered",
      "TaskScheduled",
      "TaskStarted",
      "TaskSucceeded",
      "TaskStateExited",
      "PassStateEntered",
      "PassStateExited",
      "FailStateEntered",
      "ExecutionFailed",
    ]);
  });

  it("carries names, parameters of each attempt, raw task results, errors and causes", () => {
    expect(history[0].executionStartedEventDetails).toMatchObject({ input: '{"runDate":"2025-01-01"}', roleArn: "arn:aws:iam::000000000000:role/sfn" });
    expect(history[1].stateEnteredEventDetails?.name).toBe("RunJoin");
    expect(history[2].taskScheduledEventDetails).toMatchObject({
      resourceType: "glue",
      resource: "startJobRun.sync",
      parameters: '{"JobName":"join","attempt":1}',
      timeoutInSeconds: 900,
    });
    expect(history[5].taskScheduledEventDetails?.parameters).toBe('{"JobName":"join","attempt":2}');
    expect(history[4].taskFailedEventDetails).toMatchObject({ error: "Glue.ConcurrentRunsExceededException", cause: "busy" });
    expect(history[7].taskFailedEventDetails).toMatchObject({ resourceType: "glue", error: "States.TaskFailed", cause: '{"JobRunState":"FAILED"}' });
    expect(history[12].taskSucceededEventDetails?.output).toBe('{"Payload":{"subject":"s"}}');
    expect(history[17].executionFailedEventDetails).toEqual({ error: "States.TaskFailed", cause: '{"JobRunState":"FAILED"}' });
  });

  it("lets the failure summarizer find the state that failed, not the Fail state", () => {
    expect(findFailureInHistory(history)).toMatchObject({ state: "RunJoin", error: "States.TaskFailed", eventType: "ExecutionFailed" });
  });

  it("reports a task timeout as TaskTimedOut", () => {
    const timedOut = toHistoryEvents(
      [
        { type: "StateEntered", timestamp: t0, state: state("WaitForDatasets", "Task") },
        { type: "StateFailed", timestamp: t0 + 1, state: state("WaitForDatasets", "Task"), Error: "States.Timeout", Cause: "States.Timeout" },
      ],
      { roleArn: "r", region: "us-east-1", taskResources: { WaitForDatasets: "arn:aws:states:::lambda:invoke.waitForTaskToken" } },
    );
    expect(timedOut.at(-1)).toMatchObject({ type: "TaskTimedOut", taskTimedOutEventDetails: { error: "States.Timeout", resource: "invoke.waitForTaskToken" } });
  });
});

describe("splitTaskResource", () => {
  it("splits integration ARNs into service and API, and keeps plain ARNs whole", () => {
    expect(splitTaskResource("arn:aws:states:::lambda:invoke.waitForTaskToken")).toEqual({ resourceType: "lambda", resource: "invoke.waitForTaskToken" });
    expect(splitTaskResource("arn:aws:lambda:us-east-1:1:function:f")).toEqual({ resourceType: "lambda", resource: "arn:aws:lambda:us-east-1:1:function:f" });
  });
});
