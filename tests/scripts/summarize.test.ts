/** Summaries the scripts post: the summarizer's code on recorded histories, and Publish at the SDK boundary. */
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-jest";
import { buildFailureSummary } from "../../lambdas/shared/summary";
import { caughtByStateMachine, publishSummary, runOrigin, summarizeEndedExecution } from "../../scripts/lib/summarize";
import { environmentNames, executionArnOf, findEnvironment } from "../../scripts/lib/target";
import { executionArn, recordedHistory, TOPIC_ARN } from "./support";

const snsMock = mockClient(SNSClient);
beforeEach(() => snsMock.reset());

const base = {
  environment: "prod",
  region: "us-east-1",
  consoleBaseUrl: "https://us-east-1.console.aws.amazon.com",
  pipeline: "finance-risk",
  runDate: "2026-12-03",
  executionName: "finance-risk-2026-12-03",
  executionArn: executionArn("finance-risk-2026-12-03"),
};

describe("summarizeEndedExecution", () => {
  it("is the summarizer's summary of the history: state, error, cause, times and rerun mode from the history", () => {
    const history = recordedHistory("glue-failure-notified.json");
    const summary = summarizeEndedExecution({ ...base, status: "FAILED", history });
    const cause = history.find((e) => e.type === "TaskFailed")?.taskFailedEventDetails?.cause;
    expect(summary).toEqual(
      buildFailureSummary({
        ...base,
        status: "FAILED",
        state: "RunJoin",
        error: "States.TaskFailed",
        cause,
        startedAt: "2026-12-03T02:00:00.123Z",
        failedAt: "2026-12-03T06:08:45.323Z",
        rerunMode: "restart",
      }),
    );
    expect(summary.subject).toBe("[prod] finance-risk 2026-12-03 FAILED at RunJoin: Glue job failed");
  });

  it("names the missing datasets at the deadline and proposes a redrive for an uncaught abort", () => {
    const deadline = summarizeEndedExecution(
      { ...base, status: "FAILED", history: recordedHistory("deadline-timeout.json") },
      { missingDatasets: ["fx_rates"] },
    );
    expect(deadline.subject).toBe("[prod] finance-risk 2026-12-03 FAILED at WaitForDatasets: missing fx_rates");
    const aborted = summarizeEndedExecution({ ...base, status: "ABORTED", history: recordedHistory("aborted.json") });
    expect(aborted.message).toContain("--mode redrive");
    expect(caughtByStateMachine(recordedHistory("aborted.json"))).toBe(false);
    expect(caughtByStateMachine(recordedHistory("glue-failure-notified.json"))).toBe(true);
  });

  it("falls back to DescribeExecution's error when the history is empty", () => {
    const summary = summarizeEndedExecution({ ...base, status: "TIMED_OUT", history: [], stopDate: new Date("2026-12-03T08:00:00Z") });
    expect(summary.subject).toBe("[prod] finance-risk 2026-12-03 TIMED_OUT at unknown: timed out");
    expect(summary.message).toContain("Failed at:    2026-12-03T08:00:00.000Z");
  });
});

describe("publishSummary", () => {
  it("publishes subject and message to the topic, with the workflow run as the last line", async () => {
    snsMock.on(PublishCommand).resolves({ MessageId: "m-1" });
    const summary = summarizeEndedExecution({ ...base, status: "FAILED", history: recordedHistory("glue-failure-notified.json") });
    const origin = runOrigin("smoke workflow", { GITHUB_SERVER_URL: "https://github.com", GITHUB_REPOSITORY: "acme/etl", GITHUB_RUN_ID: "42" });
    expect(await publishSummary(new SNSClient({ region: "us-east-1" }), TOPIC_ARN, summary, origin)).toBe("m-1");
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: TOPIC_ARN,
      Subject: "[prod] finance-risk 2026-12-03 FAILED at RunJoin: Glue job failed",
      Message: `${summary.message}\n\nPosted by: smoke workflow (https://github.com/acme/etl/actions/runs/42)`,
    });
    expect(runOrigin("smoke workflow", {})).toBe("smoke workflow (run by hand)");
  });
});

describe("environment names", () => {
  it("are the names the stack deploys: buckets, topic, state machines", () => {
    const names = environmentNames(findEnvironment("prod"));
    expect(names).toMatchObject({
      environment: "prod",
      region: "us-east-1",
      buckets: { landing: "detl-prod-landing-222222222222", results: "detl-prod-results-222222222222", artifacts: "detl-prod-artifacts-222222222222" },
      alertTopicArn: TOPIC_ARN,
      stateMachines: { "finance-risk": "arn:aws:states:us-east-1:222222222222:stateMachine:detl-prod-finance-risk" },
    });
    expect(executionArnOf(names.stateMachines["finance-risk"] as string, "finance-risk-2026-12-03")).toBe(executionArn("finance-risk-2026-12-03"));
    expect(() => findEnvironment("staging")).toThrow('--env: got "staging"; allowed: dev | prod');
  });
});
