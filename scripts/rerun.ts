/**
 * Reruns a pipeline's day (workflow rerun.yml; the command every failure summary prints):
 *
 *   npm run rerun -- --env dev|prod --pipeline P --date YYYY-MM-DD --mode redrive|restart [--local [--local-dir D]]
 *
 * redrive continues the day's latest failed execution from the state that failed; restart starts
 * `<pipeline>-<date>-rerun-<n>`. Either is followed to its end like the smoke test; the step fails
 * unless the rerun succeeds. The state machine alerts on its own if the rerun fails.
 */
import { appendJobSummary, choice, InputError, parseFlags, requireFlag, runDateFlag, runScript, setOutputs, wholeNumberFlag } from "./lib/actions";
import { followExecution, stateMachineDefinition } from "./lib/follow";
import { executionPath, stateMachineDiagramMarkdown } from "./lib/mermaid";
import { executeRerun, findDayExecutions, planRerun, RERUN_MODES, type RerunMode } from "./lib/rerun";
import { summarizeEndedExecution } from "./lib/summarize";
import { findPipeline, openTarget, TARGET_FLAGS, type TargetChoice, targetChoice } from "./lib/target";

const USAGE = "npm run rerun -- (--env dev|prod | --local [--local-dir D]) --pipeline P --date YYYY-MM-DD --mode redrive|restart [--timeout-minutes N]";

export interface RerunArgs extends TargetChoice {
  readonly pipeline: string;
  readonly runDate: string;
  readonly mode: RerunMode;
  readonly timeoutMs: number;
  readonly pollMs: number;
}

export function parseRerunArgs(argv: readonly string[]): RerunArgs {
  const v = parseFlags(
    argv,
    {
      ...TARGET_FLAGS,
      pipeline: { type: "string" },
      date: { type: "string" },
      mode: { type: "string" },
      "timeout-minutes": { type: "string" },
      "poll-seconds": { type: "string" },
    },
    USAGE,
  );
  const target = targetChoice(v, USAGE);
  return {
    ...target,
    pipeline: requireFlag(v.pipeline, "--pipeline", "a pipeline of config/environments.ts"),
    runDate: runDateFlag(v.date, "--date"),
    mode: choice(v.mode, "--mode", RERUN_MODES),
    timeoutMs: wholeNumberFlag(v["timeout-minutes"], "--timeout-minutes", 1, 360) * 60_000,
    pollMs: wholeNumberFlag(v["poll-seconds"], "--poll-seconds", 1, target.local ? 1 : 15) * 1000,
  };
}

async function main(): Promise<number> {
  const args = parseRerunArgs(process.argv.slice(2));
  const target = openTarget(args);
  const print = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const { stateMachineArn } = findPipeline(target, args.pipeline);
    const executions = await findDayExecutions(target.sfn, stateMachineArn, args.pipeline, args.runDate);
    print(`executions of ${args.pipeline} ${args.runDate} in ${target.environment}: ${executions.map((e) => `${e.name} ${e.status}`).join(", ") || "none"}`);
    const plan = planRerun(args.mode, args.pipeline, args.runDate, executions);
    if (plan.action === "refuse") throw new InputError(`--mode ${args.mode}: ${plan.reason}`);
    print(plan.action === "redrive" ? `redriving ${plan.execution.name} from the state that failed` : `starting ${plan.name}`);
    const started = await executeRerun(target.sfn, stateMachineArn, plan);
    const followed = await followExecution(target.sfn, started.executionArn, {
      pollMs: args.pollMs,
      timeoutMs: args.timeoutMs,
      minRedriveCount: started.minRedriveCount,
      print,
    });
    const ok = followed.status === "SUCCEEDED";
    const lines = [
      `## Rerun (${args.mode}) of ${args.pipeline} ${args.runDate} in ${target.environment}: ${followed.status}`,
      "",
      `Execution: \`${started.name}\``,
      "",
    ];
    lines.push(stateMachineDiagramMarkdown(await stateMachineDefinition(target.sfn, stateMachineArn), executionPath(followed.history)));
    if (!ok) {
      const summary = summarizeEndedExecution({
        environment: target.environment,
        region: target.region,
        consoleBaseUrl: target.consoleBaseUrl,
        pipeline: args.pipeline,
        runDate: args.runDate,
        executionName: started.name,
        executionArn: started.executionArn,
        status: followed.status as "FAILED" | "TIMED_OUT" | "ABORTED",
        startDate: followed.execution.startDate,
        stopDate: followed.execution.stopDate,
        error: followed.execution.error,
        cause: followed.execution.cause,
        history: followed.history,
      });
      lines.push("### Failure summary", "", `**${summary.subject}**`, "", "```text", summary.message, "```");
      print(summary.message);
    }
    appendJobSummary(lines.join("\n"));
    setOutputs({ execution_name: started.name, status: followed.status });
    print(`${started.name}: ${followed.status}`);
    return ok ? 0 : 1;
  } finally {
    target.close();
  }
}

if (require.main === module) runScript("rerun", main);
