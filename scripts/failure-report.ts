/**
 * The failure report (workflow failure-report.yml): failed, timed-out and aborted executions of
 * every pipeline since the last report, each summarized like the summarizer Lambda does and posted
 * once to the alert topic and to the job summary.
 *
 *   npx tsx scripts/failure-report.ts --env dev|prod [--since-hours 24]
 *   npx tsx scripts/failure-report.ts --local [--local-dir .local] [--since-hours 24]
 */
import { appendJobSummary, InputError, parseFlags, runScript, setOutputs, wholeNumberFlag } from "./lib/actions";
import { failureReportMarkdown, runFailureReport } from "./lib/failure-report";
import { runOrigin } from "./lib/summarize";
import { awsTarget, DEFAULT_LOCAL_DIR, localTarget } from "./lib/target";

const USAGE = "tsx scripts/failure-report.ts (--env dev|prod | --local [--local-dir D]) [--since-hours N]";

export interface FailureReportArgs {
  readonly local: boolean;
  readonly localDir: string;
  readonly env?: string;
  readonly sinceHours: number;
}

export function parseFailureReportArgs(argv: readonly string[]): FailureReportArgs {
  const v = parseFlags(
    argv,
    { env: { type: "string" }, local: { type: "boolean" }, "local-dir": { type: "string" }, "since-hours": { type: "string" } },
    USAGE,
  );
  const local = v.local === true;
  if (!local && (v.env === undefined || v.env === "")) throw new InputError(`--env is required unless --local is given\nusage: ${USAGE}`);
  return { local, localDir: v["local-dir"] ?? DEFAULT_LOCAL_DIR, env: v.env, sinceHours: wholeNumberFlag(v["since-hours"], "--since-hours", 1, 24) };
}

async function main(): Promise<number> {
  const args = parseFailureReportArgs(process.argv.slice(2));
  const target = args.local ? localTarget(args.localDir) : awsTarget(args.env as string);
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
