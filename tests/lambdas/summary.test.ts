/** The failure summary and the history walk, from recorded GetExecutionHistory responses. */
import { buildFailureSummary, type FailureFacts, failureSubject, findFailureInHistory, MAX_SUBJECT_LENGTH } from "../../lambdas/shared/summary";
import { EXECUTION_ARN, loadHistory } from "./support";

const JOB_RUN_ID = "jr_5b2f1e4c9a7d0e3f8b6a1c2d4e5f60718293a4b5c6d7e8f9012345678abcdef0";

describe("findFailureInHistory", () => {
  it("finds the Glue task failure at RunJoin while the Catch path runs", () => {
    const failure = findFailureInHistory(loadHistory("glue-failure.json"));
    expect(failure).toMatchObject({ state: "RunJoin", error: "States.TaskFailed", eventType: "TaskFailed", failedAt: "2026-12-03T06:08:42.923Z" });
    expect(JSON.parse(failure?.cause ?? "")).toMatchObject({ Id: JOB_RUN_ID, JobRunState: "FAILED" });
  });

  it("attributes the final ExecutionFailed of the Fail state to the state that failed first", () => {
    expect(findFailureInHistory(loadHistory("glue-failure-notified.json"))).toMatchObject({
      state: "RunJoin",
      error: "States.TaskFailed",
      eventType: "ExecutionFailed",
    });
  });

  it("finds the deadline as States.Timeout at WaitForDatasets", () => {
    expect(findFailureInHistory(loadHistory("deadline-timeout.json"))).toEqual({
      state: "WaitForDatasets",
      error: "States.Timeout",
      cause: "",
      failedAt: "2026-12-03T08:00:01.923Z",
      eventType: "TaskTimedOut",
    });
  });

  it("finds an abort in the state that was running", () => {
    expect(findFailureInHistory(loadHistory("aborted.json"))).toEqual({
      state: "WaitForDatasets",
      error: "OperatorStopped",
      cause: "Stopped by j.doe: wrong trades file uploaded, re-sending",
      failedAt: "2026-12-03T05:30:01.923Z",
      eventType: "ExecutionAborted",
    });
  });

  it("uses the order of events when previousEventId is absent", () => {
    const events = loadHistory("deadline-timeout.json").map(({ previousEventId: _drop, ...e }) => e);
    expect(findFailureInHistory(events)?.state).toBe("WaitForDatasets");
  });

  it("returns undefined for a history without failures", () => {
    expect(findFailureInHistory(loadHistory("glue-failure.json").slice(0, 12))).toBeUndefined();
  });
});

const base: FailureFacts = {
  environment: "prod",
  region: "us-east-1",
  consoleBaseUrl: "https://us-east-1.console.aws.amazon.com",
  pipeline: "finance-risk",
  runDate: "2026-12-03",
  executionName: "finance-risk-2026-12-03",
  executionArn: EXECUTION_ARN,
  state: "RunJoin",
  error: "States.TaskFailed",
  startedAt: "2026-12-03T02:00:00.123Z",
  failedAt: "2026-12-03T06:13:21.723Z",
  rerunMode: "restart",
};

describe("buildFailureSummary", () => {
  it("a Glue failure: subject, link, JobRunId, state, ErrorMessage, times and the restart commands", () => {
    const failure = findFailureInHistory(loadHistory("glue-failure.json"));
    const { subject, message } = buildFailureSummary({ ...base, cause: failure?.cause });
    expect(subject).toBe("[prod] finance-risk 2026-12-03 FAILED at RunJoin: Glue job failed");
    const lines = message.split("\n");
    expect(lines).toEqual(
      expect.arrayContaining([
        "Pipeline:     finance-risk",
        "Run date:     2026-12-03",
        "Execution:    finance-risk-2026-12-03",
        `Console:      https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/${EXECUTION_ARN}`,
        "Failed state: RunJoin",
        "Error:        States.TaskFailed",
        `  Glue JobRunId: ${JOB_RUN_ID}`,
        "  JobRunState: FAILED",
        "  ErrorMessage: AnalysisException: [UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function parameter with name `close_pric` cannot be resolved. Did you mean one of the following? [`close_price`, `currency`].",
        "Started at:   2026-12-03T02:00:00.123Z",
        "Failed at:    2026-12-03T06:13:21.723Z",
        "  npm run rerun -- --env prod --pipeline finance-risk --date 2026-12-03 --mode restart",
        "  gh workflow run rerun.yml -f environment=prod -f pipeline=finance-risk -f date=2026-12-03 -f mode=restart",
      ]),
    );
  });

  it("a deadline: lists the missing datasets", () => {
    const { subject, message } = buildFailureSummary({
      ...base,
      state: "WaitForDatasets",
      error: "States.Timeout",
      cause: "",
      missingDatasets: ["market_prices", "fx_rates"],
    });
    expect(subject).toBe("[prod] finance-risk 2026-12-03 FAILED at WaitForDatasets: missing market_prices, fx_rates");
    expect(message).toContain("  Missing datasets at the deadline: market_prices, fx_rates");
  });

  it("a Lambda error: errorType and errorMessage of the JSON cause", () => {
    const cause = JSON.stringify({ errorType: "OutputVerificationFailed", errorMessage: "row balance trades: 1000 input rows but 998", trace: ["at x"] });
    const { subject, message } = buildFailureSummary({ ...base, state: "VerifyOutput", error: "OutputVerificationFailed", cause, rerunMode: "redrive" });
    expect(subject).toBe("[prod] finance-risk 2026-12-03 FAILED at VerifyOutput: OutputVerificationFailed: row balance tra...");
    expect(message).toContain("  errorType: OutputVerificationFailed");
    expect(message).toContain("  errorMessage: row balance trades: 1000 input rows but 998");
    expect(message).toContain("--mode redrive");
  });

  it("an abort says so in the subject and keeps the cause", () => {
    const { subject, message } = buildFailureSummary({
      ...base,
      status: "ABORTED",
      state: "WaitForDatasets",
      error: "OperatorStopped",
      cause: "Stopped by j.doe",
    });
    expect(subject).toBe("[prod] finance-risk 2026-12-03 ABORTED at WaitForDatasets: OperatorStopped: Stopped by j.doe");
    expect(message).toContain("the run was aborted at WaitForDatasets");
  });

  it("the local runtime has no console link", () => {
    expect(buildFailureSummary({ ...base, consoleBaseUrl: "local" }).message).toContain("Console:      (local runtime: no AWS console)");
  });
});

describe("failureSubject", () => {
  const long = "a-very-long-pipeline-name-for-the-regional-treasury-liquidity-risk-and-collateral-desk-x";

  it("fits SNS for very long pipeline names and keeps the date and the state", () => {
    const subject = failureSubject({ ...base, pipeline: long, state: "WaitForDatasets" }, "missing market_prices, fx_rates");
    expect(subject.length).toBeLessThanOrEqual(MAX_SUBJECT_LENGTH);
    expect(subject).toContain("2026-12-03 FAILED at WaitForDatasets");
    expect(subject.startsWith("[prod] a-very-long")).toBe(true);
  });

  it("is always at most 99 ASCII characters without line breaks, whatever the inputs", () => {
    const inputs = ["", "x", "näïve ünïcödé 東京 名前", "line\nbreak\r\ttab", long.repeat(3)];
    for (const pipeline of inputs)
      for (const state of ["RunJoin", long])
        for (const reason of inputs) {
          const subject = failureSubject({ environment: "prod", pipeline, runDate: "2026-12-03", state }, reason);
          expect(subject.length).toBeLessThanOrEqual(MAX_SUBJECT_LENGTH);
          expect(subject).toMatch(/^[\x20-\x7e]+$/);
        }
  });

  it("strips accents and drops other non-ASCII characters", () => {
    expect(failureSubject({ ...base }, "Überprüfung\nfehlgeschlagen: 東京")).toBe(
      "[prod] finance-risk 2026-12-03 FAILED at RunJoin: Uberprufung fehlgeschlagen:",
    );
  });
});
