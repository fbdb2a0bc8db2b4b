/**
 * `npm run policy -- plan.json [more.json ...]`: runs the guardrail rules (policies/rules) on
 * plans written by `terraform show -json <planfile>`, prints a table of findings (rule id, control,
 * status, resource address, reason) and writes it to the GitHub job summary when there is one.
 * Exit codes: 0 no findings, 1 findings (violations, or values the plan cannot show), 2 bad input.
 */
import { appendFileSync } from "node:fs";
import { checkPlanFile, formatReports, PlanInputError, type PlanReport } from "../policies/rules";

export const USAGE = "usage: npm run policy -- <plan.json> [more-plan.json ...]   (files from `terraform show -json <planfile>`)";

export function runPolicyCli(args: readonly string[], out: (text: string) => void, err: (text: string) => void): number {
  const files = args.filter((a) => a !== "--");
  if (files.length === 0 || files.some((f) => f.startsWith("-"))) {
    err(files.length === 0 ? `policy: no plan file given\n${USAGE}` : `policy: unknown option ${files.find((f) => f.startsWith("-"))}\n${USAGE}`);
    return 2;
  }
  const reports: PlanReport[] = [];
  for (const file of files) {
    try {
      reports.push(checkPlanFile(file));
    } catch (e) {
      if (e instanceof PlanInputError) {
        err(`policy: ${e.message}\n${USAGE}`);
        return 2;
      }
      throw e;
    }
  }
  const text = formatReports(reports);
  out(text);
  const summary = process.env.GITHUB_STEP_SUMMARY;
  if (summary) appendFileSync(summary, `### Guardrail rules\n\n\`\`\`\n${text}\n\`\`\`\n`);
  return reports.some((r) => r.findings.length > 0) ? 1 : 0;
}

if (require.main === module) {
  process.exitCode = runPolicyCli(
    process.argv.slice(2),
    (t) => process.stdout.write(`${t}\n`),
    (t) => process.stderr.write(`${t}\n`),
  );
}
