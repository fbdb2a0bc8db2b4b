/**
 * Following an execution from the client side, as a person watching the console would: poll
 * DescribeExecution, read the history, print each state as it is entered, stop when it ends. This
 * is for the smoke and rerun scripts only; the pipeline itself never polls.
 */
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeStateMachineCommand,
  type ExecutionStatus,
  type HistoryEvent,
} from "@aws-sdk/client-sfn";
import { awsErrorName } from "../../lambdas/shared/errors";
import { eventTime, sfnHistoryReader } from "../../lambdas/shared/history";
import type { SfnPort } from "../../lambdas/shared/ports";

export interface FollowOptions {
  /** How often DescribeExecution is called. Default: 5 s. */
  readonly pollMs?: number;
  /** When to give up following (the execution keeps running). Default: 2 hours. */
  readonly timeoutMs?: number;
  /** How long the execution may take to appear (an upload-started run starts after the event arrives). Default: 5 minutes. */
  readonly appearMs?: number;
  /** A terminal status counts only once the execution has been redriven this many times (after RedriveExecution). Default: 0. */
  readonly minRedriveCount?: number;
  readonly print?: (line: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

export interface FollowResult {
  readonly execution: DescribeExecutionCommandOutput;
  readonly status: ExecutionStatus;
  readonly history: HistoryEvent[];
}

export class FollowTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FollowTimeoutError";
  }
}

/** The progress line of each history event worth a line: states entered, failures, retries, the end. */
export function progressLine(event: HistoryEvent): string | undefined {
  const at = eventTime(event).slice(11, 19);
  const entered = event.stateEnteredEventDetails?.name;
  if (entered !== undefined) return `${at}  entered ${entered}`;
  switch (event.type) {
    case "TaskFailed":
      return `${at}    task failed: ${event.taskFailedEventDetails?.error ?? "error"}`;
    case "TaskTimedOut":
      return `${at}    task timed out: ${event.taskTimedOutEventDetails?.error ?? "States.Timeout"}`;
    case "ExecutionSucceeded":
      return `${at}  execution SUCCEEDED`;
    case "ExecutionFailed":
      return `${at}  execution FAILED: ${event.executionFailedEventDetails?.error ?? ""}`.trimEnd();
    case "ExecutionTimedOut":
      return `${at}  execution TIMED_OUT`;
    case "ExecutionAborted":
      return `${at}  execution ABORTED`;
    case "ExecutionRedriven":
      return `${at}  execution redriven`;
    default:
      return undefined;
  }
}

/** Follows `executionArn` until it ends; prints a line per state entered. */
export async function followExecution(sfn: SfnPort, executionArn: string, options: FollowOptions = {}): Promise<FollowResult> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;
  const pollMs = options.pollMs ?? 5000;
  const started = now();
  const appearBy = started + (options.appearMs ?? 5 * 60_000);
  const giveUpAt = started + (options.timeoutMs ?? 2 * 3600_000);
  const readHistory = sfnHistoryReader(sfn);
  let printed = 0;
  for (;;) {
    let execution: DescribeExecutionCommandOutput | undefined;
    try {
      execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    } catch (err) {
      if (awsErrorName(err) !== "ExecutionDoesNotExist") throw err;
      if (now() > appearBy) {
        throw new FollowTimeoutError(
          `execution ${executionArn} did not start within ${Math.round((appearBy - started) / 1000)} s (was the upload received by the trigger?)`,
        );
      }
    }
    if (execution !== undefined) {
      const history = await readHistory(executionArn);
      for (const event of history.slice(printed)) {
        const line = progressLine(event);
        if (line !== undefined) print(line);
      }
      printed = history.length;
      const status = execution.status ?? "RUNNING";
      const redriven = (execution.redriveCount ?? 0) >= (options.minRedriveCount ?? 0);
      if (status !== "RUNNING" && status !== "PENDING_REDRIVE" && redriven) return { execution, status, history };
    }
    if (now() > giveUpAt) {
      throw new FollowTimeoutError(
        `execution ${executionArn} is still running after ${Math.round((giveUpAt - started) / 1000)} s; it goes on, see the console`,
      );
    }
    await sleep(pollMs);
  }
}

/** The deployed definition of a state machine (JSON text). */
export async function stateMachineDefinition(sfn: SfnPort, stateMachineArn: string): Promise<string> {
  const described = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn }));
  if (described.definition === undefined) throw new Error(`DescribeStateMachine ${stateMachineArn} returned no definition`);
  return described.definition;
}
