/**
 * The failure report: which executions it posts (once each) and what it posts, with ListExecutions,
 * GetExecutionHistory, Publish and the S3 marker at the SDK boundary (aws-sdk-client-mock) and
 * recorded histories.
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { type ExecutionStatus, GetExecutionHistoryCommand, type HistoryEvent, ListExecutionsCommand, SFNClient } from "@aws-sdk/client-sfn";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-jest";
import { financeRiskPipeline } from "../../config";
import {
  type Candidate,
  failureReportMarkdown,
  MARKER_KEY,
  markerWith,
  type ReportMarker,
  reportKey,
  reportWindow,
  runDateOf,
  runFailureReport,
  selectUnreported,
} from "../../scripts/lib/failure-report";
import type { Target } from "../../scripts/lib/target";
import { executionArn, PROD, recordedHistory, STATE_MACHINE_ARN, TOPIC_ARN } from "./support";

const sfnMock = mockClient(SFNClient);
const snsMock = mockClient(SNSClient);
const s3Mock = mockClient(S3Client);

const NOW = new Date("2026-12-03T12:00:00.000Z");
const BUCKETS = { landing: "detl-prod-landing-222222222222", results: "detl-prod-results-222222222222", artifacts: "detl-prod-artifacts-222222222222" };

function target(): Target {
  return {
    mode: "aws",
    environment: "prod",
    region: PROD.region,
    consoleBaseUrl: "https://us-east-1.console.aws.amazon.com",
    buckets: BUCKETS,
    alertTopicArn: TOPIC_ARN,
    stateMachines: { "finance-risk": STATE_MACHINE_ARN },
    pipelines: [financeRiskPipeline({ referenceBucket: "detl-prod-reference" })],
    s3: new S3Client({ region: PROD.region }),
    sfn: new SFNClient({ region: PROD.region }),
    sns: new SNSClient({ region: PROD.region }),
    close() {},
  };
}

interface Recorded {
  name: string;
  status: ExecutionStatus;
  stopDate: Date;
  history: HistoryEvent[];
}

const GLUE: Recorded = {
  name: "finance-risk-2026-12-03",
  status: "FAILED",
  stopDate: new Date("2026-12-03T06:08:45.323Z"),
  history: recordedHistory("glue-failure-notified.json"),
};
const DEADLINE: Recorded = {
  name: "finance-risk-2026-12-03-rerun-1",
  status: "FAILED",
  stopDate: new Date("2026-12-03T08:00:03.000Z"),
  history: recordedHistory("deadline-timeout.json"),
};
const ABORTED: Recorded = {
  name: "finance-risk-2026-12-03-rerun-2",
  status: "ABORTED",
  stopDate: new Date("2026-12-03T05:30:01.923Z"),
  history: recordedHistory("aborted.json"),
};
/** Before the window: never reported by this run. */
const OLD: Recorded = {
  name: "finance-risk-2026-11-28",
  status: "FAILED",
  stopDate: new Date("2026-11-28T06:00:00.000Z"),
  history: recordedHistory("glue-failure.json"),
};
/** A smoke date: the smoke workflow posts its own failures. */
const SMOKE: Recorded = {
  name: "finance-risk-9123-04-05",
  status: "TIMED_OUT",
  stopDate: new Date("2026-12-03T09:00:00.000Z"),
  history: recordedHistory("aborted.json").map((e) =>
    e.type === "ExecutionStarted"
      ? {
          ...e,
          executionStartedEventDetails: { ...e.executionStartedEventDetails, input: '{"pipeline":"finance-risk","runDate":"9123-04-05","trigger":"upload"}' },
        }
      : e,
  ),
};

let stored: string | undefined;

function serve(executions: readonly Recorded[]): void {
  for (const status of ["FAILED", "TIMED_OUT", "ABORTED"] as const) {
    sfnMock.on(ListExecutionsCommand, { stateMachineArn: STATE_MACHINE_ARN, statusFilter: status }).resolves({
      executions: executions
        .filter((e) => e.status === status)
        .map((e) => ({
          executionArn: executionArn(e.name),
          stateMachineArn: STATE_MACHINE_ARN,
          name: e.name,
          status,
          startDate: new Date(e.stopDate.getTime() - 3600_000),
          stopDate: e.stopDate,
        })),
    });
  }
  for (const e of executions) sfnMock.on(GetExecutionHistoryCommand, { executionArn: executionArn(e.name) }).resolves({ events: e.history });
}

beforeEach(() => {
  sfnMock.reset();
  snsMock.reset();
  s3Mock.reset();
  stored = undefined;
  snsMock.on(PublishCommand).resolves({ MessageId: "5f0c1d3e-0000-4000-8000-000000000001" });
  // The marker object: what was last put is what is read.
  s3Mock.on(GetObjectCommand, { Bucket: BUCKETS.artifacts, Key: MARKER_KEY }).callsFake(async () => {
    if (stored === undefined) throw Object.assign(new Error("The specified key does not exist."), { name: "NoSuchKey" });
    const text = stored;
    return { Body: { transformToString: async () => text } };
  });
  s3Mock.on(PutObjectCommand, { Bucket: BUCKETS.artifacts, Key: MARKER_KEY }).callsFake(async (input: { Body: string }) => {
    stored = input.Body;
    return {};
  });
  // Landing markers at the deadline: trades and market_prices arrived, fx_rates did not.
  s3Mock.on(HeadObjectCommand).resolves({});
  s3Mock
    .on(HeadObjectCommand, { Key: "incoming/finance-risk/fx_rates/run_date=2026-12-03/_SUCCESS" })
    .rejects(Object.assign(new Error("Not Found"), { name: "NotFound" }));
});

const io = (now = NOW) => ({ now: () => now, print: () => {}, origin: "failure-report workflow (test)" });

describe("runFailureReport", () => {
  it("posts each failed, timed-out or aborted execution of the window once, summarized like the summarizer Lambda", async () => {
    serve([GLUE, DEADLINE, ABORTED, OLD, SMOKE]);
    const report = await runFailureReport(target(), 24, io());

    // ListExecutions: one status filter at a time, per state machine.
    expect(sfnMock.commandCalls(ListExecutionsCommand).map((c) => c.args[0].input)).toEqual(
      ["FAILED", "TIMED_OUT", "ABORTED"].map((statusFilter) => ({ stateMachineArn: STATE_MACHINE_ARN, statusFilter, maxResults: 100, nextToken: undefined })),
    );
    // Oldest first; the old one is outside the window, the smoke one is left to the smoke workflow.
    expect(report.posted.map((p) => p.candidate.name)).toEqual([ABORTED.name, GLUE.name, DEADLINE.name]);
    expect(report.smokeSkipped.map((c) => c.name)).toEqual([SMOKE.name]);

    const publishes = snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(publishes.map((p) => p.TopicArn)).toEqual([TOPIC_ARN, TOPIC_ARN, TOPIC_ARN]);
    expect(publishes.map((p) => p.Subject)).toEqual([
      "[prod] finance-risk 2026-12-03 ABORTED at WaitForDatasets: OperatorStopped: Stopped by j.doe: wr...",
      "[prod] finance-risk 2026-12-03 FAILED at RunJoin: Glue job failed",
      "[prod] finance-risk 2026-12-03 FAILED at WaitForDatasets: missing fx_rates",
    ]);
    for (const p of publishes) expect((p.Subject as string).length).toBeLessThan(100);

    const glue = publishes[1]?.Message as string;
    const lines = glue.split("\n");
    expect(lines[0]).toBe("finance-risk 2026-12-03: the run failed at RunJoin.");
    expect(lines).toEqual(
      expect.arrayContaining([
        "Environment:  prod",
        `Execution:    ${GLUE.name}`,
        `Console:      https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/${executionArn(GLUE.name)}`,
        "Failed state: RunJoin",
        "  Glue JobRunId: jr_5b2f1e4c9a7d0e3f8b6a1c2d4e5f60718293a4b5c6d7e8f9012345678abcdef0",
        // The Catch path ran to its Fail state: a fresh run is the way back.
        "  npm run rerun -- --env prod --pipeline finance-risk --date 2026-12-03 --mode restart",
      ]),
    );
    expect(lines.at(-1)).toBe("Posted by: failure-report workflow (test)");
    const aborted = publishes[0]?.Message as string;
    expect(aborted).toContain("npm run rerun -- --env prod --pipeline finance-risk --date 2026-12-03 --mode redrive");
    expect(publishes[2]?.Message).toContain("Missing datasets at the deadline: fx_rates");

    const marker = JSON.parse(stored as string) as ReportMarker;
    expect(marker.windowEnd).toBe(NOW.toISOString());
    expect(marker.reported.map((r) => r.key).sort()).toEqual([ABORTED, GLUE, DEADLINE, SMOKE].map((e) => reportKey(executionArn(e.name), e.stopDate)).sort());
  });

  it("posts nothing the second time, and again only what failed anew (a redriven execution that failed again)", async () => {
    serve([GLUE, DEADLINE, ABORTED]);
    await runFailureReport(target(), 24, io());
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 3);

    snsMock.resetHistory();
    const second = await runFailureReport(target(), 24, io(new Date(NOW.getTime() + 3600_000)));
    expect(second.posted).toEqual([]);
    expect(second.alreadyReported).toBe(3);
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 0);

    const redriven = { ...GLUE, stopDate: new Date(NOW.getTime() + 2 * 3600_000) };
    sfnMock.reset();
    serve([redriven, DEADLINE, ABORTED]);
    const third = await runFailureReport(target(), 24, io(new Date(NOW.getTime() + 3 * 3600_000)));
    expect(third.posted.map((p) => p.candidate.name)).toEqual([GLUE.name]);
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it("does not post twice when it stops half-way: the marker is written after each publish", async () => {
    serve([GLUE, DEADLINE, ABORTED]);
    snsMock
      .on(PublishCommand)
      .resolvesOnce({ MessageId: "1" })
      .rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottledException" }));
    await expect(runFailureReport(target(), 24, io())).rejects.toThrow("Rate exceeded");
    const afterCrash = JSON.parse(stored as string) as ReportMarker;
    expect(afterCrash.reported.map((r) => r.key)).toEqual([reportKey(executionArn(ABORTED.name), ABORTED.stopDate)]);

    snsMock.reset();
    snsMock.on(PublishCommand).resolves({ MessageId: "2" });
    const retry = await runFailureReport(target(), 24, io());
    expect(retry.posted.map((p) => p.candidate.name)).toEqual([GLUE.name, DEADLINE.name]);
  });

  it("refuses a marker that is not its own instead of posting everything again", async () => {
    serve([GLUE]);
    stored = '{"something":"else"}';
    await expect(runFailureReport(target(), 24, io())).rejects.toThrow(
      `s3://${BUCKETS.artifacts}/${MARKER_KEY}: expected {version: 1, windowEnd, reported: [...]}`,
    );
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 0);
  });
});

describe("the window and the marker (pure)", () => {
  const candidate = (name: string, stop: string): Candidate => ({
    pipeline: "finance-risk",
    executionArn: executionArn(name),
    name,
    status: "FAILED",
    stopDate: new Date(stop),
  });

  it("reaches back to the last report when that is earlier than --since-hours, never beyond 30 days", () => {
    expect(reportWindow(NOW, 24, undefined).start.toISOString()).toBe("2026-12-02T12:00:00.000Z");
    const missedTwoDays: ReportMarker = { version: 1, windowEnd: "2026-11-30T07:15:00.000Z", reported: [] };
    expect(reportWindow(NOW, 24, missedTwoDays).start.toISOString()).toBe("2026-11-30T07:15:00.000Z");
    const recent: ReportMarker = { version: 1, windowEnd: "2026-12-03T11:00:00.000Z", reported: [] };
    expect(reportWindow(NOW, 24, recent).start.toISOString()).toBe("2026-12-02T12:00:00.000Z");
    const ancient: ReportMarker = { version: 1, windowEnd: "2025-01-01T00:00:00.000Z", reported: [] };
    expect(reportWindow(NOW, 24, ancient).start.toISOString()).toBe("2026-11-03T12:00:00.000Z");
  });

  it("selects each unreported execution of the window once, oldest first", () => {
    const a = candidate("a", "2026-12-03T01:00:00Z");
    const b = candidate("b", "2026-12-03T02:00:00Z");
    const window = reportWindow(NOW, 24, undefined);
    const marker = markerWith(undefined, window, [a]);
    expect(
      selectUnreported([b, a, b, candidate("old", "2026-12-01T00:00:00Z"), candidate("future", "2026-12-04T00:00:00Z")], marker, window).map((c) => c.name),
    ).toEqual(["b"]);
  });

  it("forgets keys older than the lookback", () => {
    const window = reportWindow(NOW, 24, undefined);
    const old: ReportMarker = {
      version: 1,
      windowEnd: "2026-10-01T00:00:00.000Z",
      reported: [{ key: "x@2026-10-01T00:00:00.000Z", stopDate: "2026-10-01T00:00:00.000Z" }],
    };
    expect(markerWith(old, window, []).reported).toEqual([]);
  });

  it("reads the run date from the execution's input, else from its name", () => {
    expect(runDateOf("whatever", recordedHistory("aborted.json"))).toBe("2026-12-03");
    expect(runDateOf("finance-risk-2026-11-30-rerun-2", [])).toBe("2026-11-30");
  });

  it("lists the posted failures in the job summary with each message in a collapsed block", () => {
    const markdown = failureReportMarkdown(
      {
        window: { start: new Date("2026-12-02T12:00:00Z"), end: NOW },
        posted: [{ candidate: candidate(GLUE.name, "2026-12-03T06:08:45Z"), runDate: "2026-12-03", subject: "[prod] a <b>", message: "line 1\nline 2" }],
        alreadyReported: 2,
        smokeSkipped: [],
      },
      "prod",
    );
    expect(markdown).toContain("## Failure report prod: 1 new failure");
    expect(markdown).toContain(`| finance-risk | 2026-12-03 | \`${GLUE.name}\` | FAILED | 2026-12-03T06:08:45.000Z |`);
    expect(markdown).toContain("<summary>[prod] a &lt;b&gt;</summary>");
    expect(markdown).toContain("```text\nline 1\nline 2\n```");
    expect(markdown).toContain("already reported before: 2");
  });
});
