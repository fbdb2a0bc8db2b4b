/**
 * Reruns of a pipeline's day (DESIGN.md "Reruns"):
 * - redrive: RedriveExecution of the day's latest execution that failed, timed out or was aborted;
 *   it continues from the state that failed, with the same name (an uncaught failure: a Glue
 *   outage the retries did not outlast, a Lambda error without Catch, an abort).
 * - restart: a fresh execution `<pipeline>-<date>-rerun-<n>` with the next free n (a failure the
 *   Catch path handled ends in the Fail state, so a redrive would fail again at once; and any day
 *   whose inputs were corrected). The join replaces the date's partition, so a rerun is idempotent.
 * The day's executions are found by name: the daily one, then -rerun-1, -rerun-2, ... until one
 * does not exist (DescribeExecution).
 */
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type ExecutionStatus,
  RedriveExecutionCommand,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { dailyExecutionName, type ExecutionInput, rerunExecutionName } from "../../lambdas/shared/contracts";
import { awsErrorName } from "../../lambdas/shared/errors";
import type { SfnPort } from "../../lambdas/shared/ports";
import { executionArnOf } from "./target";

export type RerunMode = "redrive" | "restart";
export const RERUN_MODES: readonly RerunMode[] = ["redrive", "restart"];

/** One execution of the day: its attempt (0 for the daily one, n for -rerun-n) and what DescribeExecution said. */
export interface DayExecution {
  readonly attempt: number;
  readonly name: string;
  readonly arn: string;
  readonly status: ExecutionStatus;
  readonly redriveStatus?: string;
  readonly redriveStatusReason?: string;
  readonly redriveCount?: number;
}

/** Sanity bound on the -rerun-<n> probe: a day is not rerun a thousand times. */
const MAX_ATTEMPTS = 1000;

/** The day's executions in attempt order, found by DescribeExecution on each deterministic name. */
export async function findDayExecutions(sfn: SfnPort, stateMachineArn: string, pipeline: string, runDate: string): Promise<DayExecution[]> {
  const found: DayExecution[] = [];
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const name = attempt === 0 ? dailyExecutionName(pipeline, runDate) : rerunExecutionName(pipeline, runDate, attempt);
    const arn = executionArnOf(stateMachineArn, name);
    let described: DescribeExecutionCommandOutput;
    try {
      described = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    } catch (err) {
      if (awsErrorName(err) !== "ExecutionDoesNotExist") throw err;
      // The daily run may never have started (no upload, no schedule yet) while reruns exist: look on.
      if (attempt === 0) continue;
      break;
    }
    found.push({
      attempt,
      name,
      arn,
      status: described.status ?? "RUNNING",
      redriveStatus: described.redriveStatus,
      redriveStatusReason: described.redriveStatusReason,
      redriveCount: described.redriveCount,
    });
  }
  return found;
}

export type RerunPlan =
  | { readonly action: "redrive"; readonly execution: DayExecution }
  | { readonly action: "start"; readonly name: string; readonly attempt: number; readonly input: ExecutionInput }
  | { readonly action: "refuse"; readonly reason: string };

const FAILED: readonly ExecutionStatus[] = ["FAILED", "TIMED_OUT", "ABORTED"];

/** What a rerun does, given the day's executions. Pure. */
export function planRerun(mode: RerunMode, pipeline: string, runDate: string, executions: readonly DayExecution[]): RerunPlan {
  const running = executions.find((e) => e.status === "RUNNING" || e.status === "PENDING_REDRIVE");
  if (running !== undefined) {
    return {
      action: "refuse",
      reason: `${running.name} is ${running.status}: wait for it to end (or stop it) before a rerun, so that only one join writes ${runDate}`,
    };
  }
  if (mode === "restart") {
    const attempt = Math.max(0, ...executions.map((e) => e.attempt)) + 1;
    return { action: "start", attempt, name: rerunExecutionName(pipeline, runDate, attempt), input: { pipeline, runDate, trigger: "rerun" } };
  }
  const latest = executions.at(-1);
  if (latest === undefined) {
    return {
      action: "refuse",
      reason: `no execution of ${pipeline} for ${runDate} exists (looked for ${dailyExecutionName(pipeline, runDate)} and its -rerun-<n>): nothing to redrive; use --mode restart`,
    };
  }
  if (!FAILED.includes(latest.status)) {
    return {
      action: "refuse",
      reason: `the latest execution of the day, ${latest.name}, is ${latest.status}: only a failed, timed-out or aborted execution can be redriven; use --mode restart to run the day again`,
    };
  }
  if (latest.redriveStatus === "NOT_REDRIVABLE") {
    return {
      action: "refuse",
      reason: `${latest.name} cannot be redriven: ${latest.redriveStatusReason ?? "Step Functions says NOT_REDRIVABLE"}; use --mode restart`,
    };
  }
  return { action: "redrive", execution: latest };
}

/** Carries out a plan: RedriveExecution or StartExecution. Returns the ARN to follow and the redrive count that marks the new attempt. */
export async function executeRerun(
  sfn: SfnPort,
  stateMachineArn: string,
  plan: RerunPlan,
): Promise<{ executionArn: string; name: string; minRedriveCount: number }> {
  if (plan.action === "refuse") throw new Error(plan.reason);
  if (plan.action === "redrive") {
    await sfn.send(new RedriveExecutionCommand({ executionArn: plan.execution.arn }));
    return { executionArn: plan.execution.arn, name: plan.execution.name, minRedriveCount: (plan.execution.redriveCount ?? 0) + 1 };
  }
  const started = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: plan.name, input: JSON.stringify(plan.input) }));
  return { executionArn: started.executionArn ?? executionArnOf(stateMachineArn, plan.name), name: plan.name, minRedriveCount: 0 };
}
