/** The guardrail rules over `terraform show -json` plans: load plans, evaluate, and print a report. */
import { readFileSync } from "node:fs";
import { Plan, PlanInputError } from "./plan";
import { evaluatePlan, type Finding, RULES, type Rule } from "./rules";

export { Plan, PlanInputError, type PlanResource, valueAt } from "./plan";
export { type DocumentStatement, type PolicyDocument, policiesIn } from "./policy-documents";
export { evaluatePlan, type Finding, isReadOnlyAction, RULES, type Rule, SSE_S3_ALLOWED_BUCKETS, VERSIONING_EXEMPT_BUCKETS } from "./rules";

export interface PlanReport {
  readonly file: string;
  readonly resources: number;
  readonly findings: readonly Finding[];
}

/** Reads and checks one plan file; throws PlanInputError for a missing, unreadable or non-plan file. */
export function checkPlanFile(file: string, rules: readonly Rule[] = RULES): PlanReport {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new PlanInputError(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const plan = Plan.parse(text, file);
  return { file, resources: plan.resources.length, findings: evaluatePlan(plan, rules) };
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  ")).join("\n");
}

/** The report the CLI prints: one table row per finding (rule id, control, status, resource address, reason), then a summary line per plan. */
export function formatReports(reports: readonly PlanReport[], rules: readonly Rule[] = RULES): string {
  const lines: string[] = [];
  const findings = reports.flatMap((r) => r.findings.map((f) => ({ ...f, file: r.file })));
  if (findings.length > 0) {
    lines.push(
      table([
        ["RULE", "CONTROL", "STATUS", "RESOURCE", "REASON"],
        ...findings.map((f) => [f.rule, f.control, f.status, reports.length > 1 ? `${f.file}: ${f.address}` : f.address, f.reason]),
      ]),
      "",
    );
  }
  for (const r of reports) {
    lines.push(`${r.file}: ${r.resources} resources, ${rules.length} rules, ${r.findings.length === 0 ? "no findings" : `${r.findings.length} finding(s)`}`);
  }
  return lines.join("\n");
}
