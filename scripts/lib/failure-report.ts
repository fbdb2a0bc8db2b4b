/**
 * The failure report (workflow failure-report.yml): every execution of every pipeline that failed,
 * timed out or was aborted since the last report, summarized by the summarizer's code and posted
 * once each to the alert topic and to the job summary.
 *
 * Once each: the report keeps a marker, `control/failure-report/last.json` in the environment's
 * artifacts bucket (where the pipeline keeps its other control objects, readable and writable by
 * the workflow's role, versioned with the bucket). It holds the end of the last report's window and
 * the key (execution ARN + stop time) of every execution reported in the last 30 days. The marker
 * is rewritten after each publish, so a report that stops half-way does not post the first half
 * again; a redriven execution that fails again has a new stop time and is reported again.
 *
 * The window: from `--since-hours` ago, or from the end of the last report when that is earlier (a
 * missed schedule loses nothing), never more than 30 days back.
 */
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { type ExecutionListItem, type ExecutionStatus, type HistoryEvent, ListExecutionsCommand } from "@aws-sdk/client-sfn";
import { awsErrorName } from "../../lambdas/shared/errors";
import { sfnHistoryReader } from "../../lambdas/shared/history";
import type { S3Port, SfnPort } from "../../lambdas/shared/ports";
import type { FailureStatus } from "../../lambdas/shared/summary";
import { isSmokeRunDate } from "./smoke";
import { missingAtDeadline, publishSummary, summarizeEndedExecution } from "./summarize";
import type { Target } from "./target";

export const MARKER_KEY = "control/failure-report/last.json";
export const FAILURE_STATUSES: readonly FailureStatus[] = ["FAILED", "TIMED_OUT", "ABORTED"];
/** How far back a window and the marker's memory reach. */
export const MAX_LOOKBACK_MS = 30 * 24 * 3600_000;

export interface ReportMarker {
  readonly version: 1;
  /** End of the last report's window (ISO-8601). */
  readonly windowEnd: string;
  /** Executions reported (or deliberately skipped), by `reportKey`, with their stop time. */
  readonly reported: readonly { readonly key: string; readonly stopDate: string }[];
}

export interface ReportWindow {
  readonly start: Date;
  readonly end: Date;
}

/** An execution's identity for "posted once": the same ARN failing again after a redrive has a new stop time. */
export function reportKey(executionArn: string, stopDate: Date): string {
  return `${executionArn}@${stopDate.toISOString()}`;
}

export function reportWindow(now: Date, sinceHours: number, marker: ReportMarker | undefined): ReportWindow {
  const fromInput = now.getTime() - sinceHours * 3600_000;
  const lastEnd = marker === undefined ? fromInput : Date.parse(marker.windowEnd);
  const start = Math.max(now.getTime() - MAX_LOOKBACK_MS, Math.min(fromInput, Number.isNaN(lastEnd) ? fromInput : lastEnd));
  return { start: new Date(start), end: now };
}

export interface Candidate {
  readonly pipeline: string;
  readonly executionArn: string;
  readonly name: string;
  readonly status: FailureStatus;
  readonly startDate?: Date;
  readonly stopDate: Date;
}

/** The candidates to post now: ended in the window, not reported before; oldest first. Pure. */
export function selectUnreported(candidates: readonly Candidate[], marker: ReportMarker | undefined, window: ReportWindow): Candidate[] {
  const seen = new Set((marker?.reported ?? []).map((r) => r.key));
  const unique = new Map<string, Candidate>();
  for (const c of candidates) {
    const t = c.stopDate.getTime();
    if (t < window.start.getTime() || t > window.end.getTime()) continue;
    const key = reportKey(c.executionArn, c.stopDate);
    if (!seen.has(key)) unique.set(key, c);
  }
  return [...unique.values()].sort((a, b) => a.stopDate.getTime() - b.stopDate.getTime());
}

/** The marker after `candidate` was reported: its key added, keys older than the lookback dropped. Pure. */
export function markerWith(marker: ReportMarker | undefined, window: ReportWindow, reported: readonly Candidate[]): ReportMarker {
  const horizon = window.end.getTime() - MAX_LOOKBACK_MS;
  const entries = new Map<string, string>();
  for (const r of marker?.reported ?? []) if (Date.parse(r.stopDate) >= horizon) entries.set(r.key, r.stopDate);
  for (const c of reported) entries.set(reportKey(c.executionArn, c.stopDate), c.stopDate.toISOString());
  return {
    version: 1,
    windowEnd: window.end.toISOString(),
    reported: [...entries.entries()].map(([key, stopDate]) => ({ key, stopDate })).sort((a, b) => a.stopDate.localeCompare(b.stopDate)),
  };
}

/** Reads the marker; undefined before the first report. A marker that is not ours is an error, not a reason to post everything again. */
export async function readMarker(s3: S3Port, bucket: string): Promise<ReportMarker | undefined> {
  let text: string | undefined;
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: MARKER_KEY }));
    text = await response.Body?.transformToString("utf-8");
  } catch (err) {
    if (["NoSuchKey", "NotFound"].includes(awsErrorName(err) ?? "")) return undefined;
    throw err;
  }
  let parsed: Partial<ReportMarker>;
  try {
    parsed = JSON.parse(text ?? "") as Partial<ReportMarker>;
  } catch (err) {
    throw new Error(
      `s3://${bucket}/${MARKER_KEY} is not JSON (${(err as Error).message}); fix or delete it (deleting reposts the last ${MAX_LOOKBACK_MS / 86_400_000} days at most)`,
    );
  }
  if (parsed.version !== 1 || typeof parsed.windowEnd !== "string" || !Array.isArray(parsed.reported)) {
    throw new Error(`s3://${bucket}/${MARKER_KEY}: expected {version: 1, windowEnd, reported: [...]}, got keys ${Object.keys(parsed).join(", ")}`);
  }
  return parsed as ReportMarker;
}

export async function writeMarker(s3: S3Port, bucket: string, marker: ReportMarker): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: MARKER_KEY, Body: JSON.stringify(marker, null, 2), ContentType: "application/json" }));
}

/** Every execution of the state machine with one of the failure statuses that stopped after `since` (ListExecutions, all pages). */
export async function listFailures(sfn: SfnPort, pipeline: string, stateMachineArn: string, since: Date): Promise<Candidate[]> {
  const out: Candidate[] = [];
  for (const statusFilter of FAILURE_STATUSES) {
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: statusFilter as ExecutionStatus, maxResults: 100, nextToken }));
      for (const e of page.executions ?? []) {
        const c = toCandidate(pipeline, e, statusFilter);
        if (c !== undefined && c.stopDate.getTime() >= since.getTime()) out.push(c);
      }
      nextToken = page.nextToken;
    } while (nextToken);
  }
  return out;
}

function toCandidate(pipeline: string, e: ExecutionListItem, status: FailureStatus): Candidate | undefined {
  if (e.executionArn === undefined || e.name === undefined || e.stopDate === undefined) return undefined;
  return { pipeline, executionArn: e.executionArn, name: e.name, status, startDate: e.startDate, stopDate: e.stopDate };
}

/** The run date of an execution: its input's runDate, else the date in its name. */
export function runDateOf(name: string, history: readonly HistoryEvent[]): string {
  const input = history.find((e) => e.type === "ExecutionStarted")?.executionStartedEventDetails?.input;
  try {
    const runDate = (JSON.parse(input ?? "") as { runDate?: unknown }).runDate;
    if (typeof runDate === "string") return runDate;
  } catch {
    // An unreadable input still leaves the name, which holds the date by contract.
  }
  return /(\d{4}-\d{2}-\d{2})/.exec(name)?.[1] ?? "unknown";
}

export interface ReportedFailure {
  readonly candidate: Candidate;
  readonly runDate: string;
  readonly subject: string;
  readonly message: string;
  readonly messageId?: string;
}

export interface FailureReport {
  readonly window: ReportWindow;
  readonly posted: readonly ReportedFailure[];
  readonly alreadyReported: number;
  readonly smokeSkipped: readonly Candidate[];
}

export interface FailureReportIo {
  readonly now: () => Date;
  readonly print: (line: string) => void;
  readonly origin: string;
}

/** Finds, summarizes and posts the failures of the window; each once. */
export async function runFailureReport(target: Target, sinceHours: number, io: FailureReportIo): Promise<FailureReport> {
  let marker = await readMarker(target.s3, target.buckets.artifacts);
  const window = reportWindow(io.now(), sinceHours, marker);
  io.print(`failure report ${target.environment}: executions that ended ${window.start.toISOString()} .. ${window.end.toISOString()}`);
  const candidates: Candidate[] = [];
  for (const [pipeline, stateMachineArn] of Object.entries(target.stateMachines)) {
    candidates.push(...(await listFailures(target.sfn, pipeline, stateMachineArn, window.start)));
  }
  const fresh = selectUnreported(candidates, marker, window);
  const alreadyReported = candidates.filter((c) => c.stopDate <= window.end).length - fresh.length;
  io.print(`${candidates.length} failed, timed-out or aborted; ${fresh.length} not reported yet`);
  const history = sfnHistoryReader(target.sfn);
  const posted: ReportedFailure[] = [];
  const smokeSkipped: Candidate[] = [];
  for (const candidate of fresh) {
    const events = await history(candidate.executionArn);
    const runDate = runDateOf(candidate.name, events);
    if (isSmokeRunDate(runDate)) {
      // The smoke workflow posts its own failures, with its checks; posting them again would double the alert.
      smokeSkipped.push(candidate);
    } else {
      const pipeline = target.pipelines.find((p) => p.name === candidate.pipeline);
      const notes: string[] = [];
      const datasets = pipeline?.datasets.map((d) => d.name) ?? [];
      const missing = await missingAtDeadline(target.s3, target.buckets.landing, datasets, { pipeline: candidate.pipeline, runDate, history: events }, notes);
      const summary = summarizeEndedExecution(
        {
          environment: target.environment,
          region: target.region,
          consoleBaseUrl: target.consoleBaseUrl,
          pipeline: candidate.pipeline,
          runDate,
          executionName: candidate.name,
          executionArn: candidate.executionArn,
          status: candidate.status,
          startDate: candidate.startDate,
          stopDate: candidate.stopDate,
          history: events,
        },
        { missingDatasets: missing, notes },
      );
      const messageId = await publishSummary(target.sns, target.alertTopicArn, summary, io.origin);
      posted.push({ candidate, runDate, subject: summary.subject, message: summary.message, messageId });
      io.print(`posted: ${summary.subject}`);
    }
    marker = markerWith(marker, window, [candidate]);
    await writeMarker(target.s3, target.buckets.artifacts, marker);
  }
  // The window's end is recorded even when nothing failed: the next report starts there.
  await writeMarker(target.s3, target.buckets.artifacts, markerWith(marker, window, []));
  return { window, posted, alreadyReported, smokeSkipped };
}

/** The job summary of a report (Markdown). Pure. */
export function failureReportMarkdown(report: FailureReport, environment: string): string {
  const lines = [
    `## Failure report ${environment}: ${report.posted.length} new failure${report.posted.length === 1 ? "" : "s"}`,
    "",
    `Window: ${report.window.start.toISOString()} .. ${report.window.end.toISOString()}; already reported before: ${report.alreadyReported}; smoke runs left to the smoke workflow: ${report.smokeSkipped.length}.`,
    "",
  ];
  if (report.posted.length > 0) {
    lines.push("| Pipeline | Run date | Execution | Status | Stopped |", "| --- | --- | --- | --- | --- |");
    for (const p of report.posted) {
      lines.push(`| ${p.candidate.pipeline} | ${p.runDate} | \`${p.candidate.name}\` | ${p.candidate.status} | ${p.candidate.stopDate.toISOString()} |`);
    }
    lines.push("");
    for (const p of report.posted)
      lines.push("<details>", `<summary>${escapeHtml(p.subject)}</summary>`, "", "```text", p.message, "```", "", "</details>", "");
  }
  return lines.join("\n");
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
