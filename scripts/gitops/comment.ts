/**
 * The sticky pull request comment of one stack's plan, and the job summary holding the full plan.
 * The comment puts what can lose data (replacements, destroys) above the collapsed plan, and fits
 * GitHub's 65,536-character limit on comment bodies by cutting the plan on a line boundary.
 * https://docs.github.com/en/rest/issues/comments#create-an-issue-comment
 */
import type { PlanSummary, Replacement } from "./summary";

/** Budget of a whole comment: below GitHub's 65,536 limit with room for GitHub's own escaping. */
export const MAX_COMMENT_CHARS = 60_000;
/** A job summary step may add up to 1 MiB; keep the full plan below it. https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#step-isolation-and-limits */
export const MAX_JOB_SUMMARY_CHARS = 1_000_000;
/** At most this many replacements and destroys are listed one by one; the rest are counted. */
export const MAX_LISTED = 50;

/** The hidden marker that identifies a stack's plan comment, so it is updated in place. */
export function planCommentMarker(stackId: string): string {
  return `<!-- etl-plan:${stackId} -->`;
}

export interface PlanCommentInput {
  readonly stackId: string;
  readonly summary: PlanSummary;
  /** `terraform show -no-color plan.tfplan`: Terraform already masks sensitive values there. */
  readonly planText: string;
  /** Link to the workflow run (its job summary holds the full plan). */
  readonly runUrl: string;
  /** The commit planned. */
  readonly commitSha?: string;
  /** The normalized plan hash that `apply` compares against. */
  readonly planHash?: string;
  /** Default: MAX_COMMENT_CHARS. */
  readonly maxChars?: number;
}

/** A code fence longer than any run of backticks in the text, so the text cannot close it. */
function fenceFor(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return "`".repeat(longest + 1);
}

/** Inline code that survives backticks in the value. */
function code(text: string): string {
  const fence = text.includes("`") ? "``" : "`";
  return `${fence}${text}${fence}`;
}

function replacementLine(r: Replacement): string {
  const forced = r.forcedBy.map((a) => `${code(a.path)}: ${code(a.before)} → ${code(a.after)}`);
  const why = forced.length > 0 ? ` — forced by ${forced.join(", ")}` : r.reason ? ` — ${r.reason}` : "";
  return `- :recycle: **replace** ${code(r.address)}${why}`;
}

/** Markdown lines warning about replacements and destroys (empty when there are none). */
export function destructiveChanges(summary: PlanSummary): string[] {
  const total = summary.replacements.length + summary.destroys.length;
  if (total === 0) return [];
  const entries = [...summary.replacements.map(replacementLine), ...summary.destroys.map((a) => `- :wastebasket: **destroy** ${code(a)}`)];
  const listed = entries.slice(0, MAX_LISTED);
  const rest = entries.length - listed.length;
  return [
    "> [!WARNING]",
    `> This plan destroys ${summary.destroy} resource${summary.destroy === 1 ? "" : "s"} (${summary.replacements.length} replaced, ${summary.destroys.length} destroyed). Data held by them is lost unless it is kept elsewhere.`,
    "",
    ...listed,
    ...(rest > 0 ? [`- … and ${rest} more (see the full plan)`] : []),
    "",
  ];
}

/**
 * Cuts `text` to at most `budget` characters at the end of a line (never mid-line), returning the
 * kept text and how many lines were dropped.
 */
export function truncateOnLine(text: string, budget: number): { text: string; droppedLines: number } {
  if (text.length <= budget) return { text, droppedLines: 0 };
  const cut = text.lastIndexOf("\n", budget - 1);
  const kept = cut < 0 ? "" : text.slice(0, cut + 1);
  const dropped = text
    .slice(kept.length)
    .split("\n")
    .filter((l, i, all) => l !== "" || i < all.length - 1).length;
  return { text: kept, droppedLines: dropped };
}

/** The sticky comment of a stack's plan. Never longer than `maxChars`. */
export function renderPlanComment(input: PlanCommentInput): string {
  const maxChars = input.maxChars ?? MAX_COMMENT_CHARS;
  const meta = [
    input.commitSha ? `commit ${code(input.commitSha.slice(0, 12))}` : undefined,
    `[workflow run](${input.runUrl})`,
    input.planHash ? `normalized plan hash ${code(input.planHash.slice(0, 16))}` : undefined,
  ].filter((m): m is string => m !== undefined);
  const outputs = input.summary.outputChanges.length > 0 ? [`Outputs changing: ${input.summary.outputChanges.map(code).join(", ")}`, ""] : [];
  const head = [
    planCommentMarker(input.stackId),
    `### Terraform plan: ${code(input.stackId)}`,
    "",
    `**${input.summary.line}**`,
    "",
    meta.join(" · "),
    "",
    ...outputs,
    ...destructiveChanges(input.summary),
  ].join("\n");
  const planText = input.planText.replace(/\s+$/, "");
  const fence = fenceFor(planText);
  const open = `<details><summary>Full plan</summary>\n\n${fence}text\n`;
  const close = `${fence}\n\n</details>\n`;
  const whole = `${head}\n${open}${planText}\n${close}`;
  if (whole.length <= maxChars) return whole;
  const notice = (dropped: number) =>
    `\n> [!NOTE]\n> The plan was truncated, see the job summary of the [workflow run](${input.runUrl}) for the full plan (${dropped} more line${dropped === 1 ? "" : "s"}).\n`;
  // The notice's line count is at most 10 digits; reserve its longest form.
  const budget = maxChars - head.length - 1 - open.length - close.length - notice(9_999_999_999).length;
  if (budget < 0) throw new Error(`renderPlanComment ${input.stackId}: the summary alone is ${head.length} characters; allowed: under ${maxChars}`);
  const cut = truncateOnLine(`${planText}\n`, budget);
  return `${head}\n${open}${cut.text}${close}${notice(cut.droppedLines)}`;
}

/** The job summary of a stack's plan: the summary line, the destructive changes and the full plan (cut only past 1 MiB). */
export function renderPlanJobSummary(input: Omit<PlanCommentInput, "maxChars">): string {
  const planText = input.planText.replace(/\s+$/, "");
  const fence = fenceFor(planText);
  const head = [`## Terraform plan: ${code(input.stackId)}`, "", `**${input.summary.line}**`, "", ...destructiveChanges(input.summary)].join("\n");
  const budget = MAX_JOB_SUMMARY_CHARS - head.length - 2 * fence.length - 200;
  const cut = truncateOnLine(`${planText}\n`, budget);
  const tail = cut.droppedLines > 0 ? `\n> [!NOTE]\n> ${cut.droppedLines} more lines are in the plan artifact of this run.\n` : "";
  return `${head}\n${fence}text\n${cut.text}${fence}\n${tail}`;
}
