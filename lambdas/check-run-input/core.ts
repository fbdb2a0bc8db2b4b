/**
 * check-run-input: the first state. Rejects an execution input that is not a run of a configured
 * pipeline on a real date before anything expensive runs, and turns it into the RunContext the
 * later states work on.
 */
import type { CheckRunInputPayload, RunContext, RunTrigger, RuntimeConfig } from "../shared/contracts";
import { isRunDate } from "../shared/dates";
import { InvalidRunInputError } from "../shared/errors";

export { InvalidRunInputError } from "../shared/errors";

export const RUN_TRIGGERS: readonly RunTrigger[] = ["upload", "schedule", "rerun", "smoke", "manual"];

function show(value: unknown): string {
  return value === undefined ? "nothing" : JSON.stringify(value);
}

export function checkRunInput(config: RuntimeConfig, payload: CheckRunInputPayload): RunContext {
  const input = payload?.input;
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new InvalidRunInputError(`Execution input: got ${show(input)}; expected an object {"pipeline", "runDate", "trigger"?}`);
  }
  const { pipeline, runDate, trigger = "manual" } = input as Record<string, unknown>;
  const known = Object.keys(config.pipelines);
  if (typeof pipeline !== "string" || !Object.hasOwn(config.pipelines, pipeline)) {
    throw new InvalidRunInputError(`Execution input field "pipeline": got ${show(pipeline)}; allowed: ${known.join(" | ")}`);
  }
  if (!isRunDate(runDate)) {
    throw new InvalidRunInputError(`Execution input field "runDate": got ${show(runDate)}; allowed: a calendar date YYYY-MM-DD`);
  }
  if (typeof trigger !== "string" || !(RUN_TRIGGERS as readonly string[]).includes(trigger)) {
    throw new InvalidRunInputError(`Execution input field "trigger": got ${show(trigger)}; allowed: ${RUN_TRIGGERS.join(" | ")} (default manual)`);
  }
  const execution = payload.execution;
  if (typeof execution?.name !== "string" || typeof execution.arn !== "string" || typeof execution.startTime !== "string") {
    throw new InvalidRunInputError(`CheckRunInput payload field "execution": got ${show(execution)}; expected {name, arn, startTime} from $$.Execution`);
  }
  return {
    pipeline,
    runDate,
    trigger: trigger as RunTrigger,
    executionName: execution.name,
    executionArn: execution.arn,
    startedAt: execution.startTime,
    datasets: [...config.pipelines[pipeline].datasets],
    glueArguments: { "--run_date": runDate, "--execution_name": execution.name },
  };
}
