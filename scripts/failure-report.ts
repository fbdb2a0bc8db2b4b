/**
 * The failure report (workflow failure-report.yml): failed, timed-out and aborted executions of
 * every pipeline since the last report, each summarized like the summarizer Lambda does and posted
 * once to the alert topic and to the job summary.
 *
 *   npx tsx scripts/failure-report.ts --env dev|prod [--since-hours 24]
 *   npx tsx scripts/failure-report.ts --local [--local-dir .local] [--since-hours 24]
 */
import { appendJobSummary, parseFlags, runScript, setOutputs, wholeNumberFlag } from "./lib/actions";
import { failureReportMarkdown, runFailureReport } from "./lib/failure-report";
import { runOrigin } from "./lib/summarize";
import { openTarget, TARGET_FLAGS, type TargetChoice, targetChoice } from "./lib/target";

const USAGE = "tsx scripts/failure-report.ts (--env dev|prod | --local [--local-dir D]) [--since-hours N]";

export interface FailureReportArgs extends TargetChoice {
  readonly sinceHours: number;
}

export function parseFailureReportArgs(argv: readonly string[]): FailureReportArgs {
  const v = parseFlags(argv, { ...TARGET_FLAGS, "since-hours": { type: "string" } }, USAGE);
  const target = targetChoice(v, USAGE);
  return { ...target, sinceHours: wholeNumberFlag(v["since-hours"], "--since-hours", 1, 24) };
}

async function main(): Promise<number> {
  const args = parseFailureReportArgs(process.argv.slice(2));
  const target = openTarget(args);
  try {
    const report = await runFailureReport(target, args.sinceHours, {
      now: () => new Date(),
      print: (line) => process.stdout.write(`${line}\n`),
      origin: runOrigin("failure-report workflow"),
    });
    appendJobSummary(failureReportMarkdown(report, target.environment));
    setOutputs({ posted: String(report.posted.length) });
    return 0;
  } finally {
    target.close();
  }
}

if (require.main === module) runScript("failure-report", main);
