import { MAX_COMMENT_CHARS, planCommentMarker, renderPlanComment, renderPlanJobSummary, truncateOnLine } from "../../scripts/gitops/comment";
import type { PlanJson, ResourceChange } from "../../scripts/gitops/plan-json";
import { summarizePlan } from "../../scripts/gitops/summary";
import { clone, offlinePlanJson, offlinePlanText } from "./support";

let plan: PlanJson;
let text: string;
beforeAll(async () => {
  plan = await offlinePlanJson("etl-dev");
  text = await offlinePlanText("etl-dev");
}, 240_000);

const runUrl = "https://github.com/data-platform/daily-etl-gitops/actions/runs/42";

function destructivePlan(): PlanJson {
  const p = clone(plan) as { resource_changes: ResourceChange[] } & PlanJson;
  const bucket = p.resource_changes.find((r) => r.type === "aws_s3_bucket") as ResourceChange;
  Object.assign(bucket.change, {
    actions: ["delete", "create"],
    before: { ...(bucket.change.after as object), bucket: "old-bucket" },
    replace_paths: [["bucket"]],
  });
  const queue = p.resource_changes.find((r) => r.type === "aws_sqs_queue") as ResourceChange;
  Object.assign(queue.change, { actions: ["delete"], after: null });
  return p;
}

describe("renderPlanComment from the real offline plan", () => {
  it("starts with the stack's hidden marker and shows Terraform's summary line and the run", () => {
    const summary = summarizePlan(plan);
    const body = renderPlanComment({ stackId: "etl-dev", summary, planText: text, runUrl, commitSha: "0123456789abcdef0123", planHash: "f".repeat(64) });
    expect(body.split("\n")[0]).toBe("<!-- etl-plan:etl-dev -->");
    expect(planCommentMarker("etl-prod")).toBe("<!-- etl-plan:etl-prod -->");
    expect(body).toContain(`**${summary.line}**`);
    expect(body).toContain(runUrl);
    expect(body).toContain("`0123456789ab`");
    expect(body).not.toContain("[!WARNING]");
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
  });

  it("puts the full plan in a collapsed details block when it fits", () => {
    const body = renderPlanComment({ stackId: "etl-dev", summary: summarizePlan(plan), planText: text, runUrl, maxChars: text.length + 5_000 });
    expect(body).toContain("<details><summary>Full plan</summary>");
    expect(body).toContain(text.trimEnd());
    expect(body).not.toContain("truncated");
  });

  it("lists replacements and destroys with a warning above the collapsed plan", () => {
    const summary = summarizePlan(destructivePlan());
    const body = renderPlanComment({ stackId: "etl-dev", summary, planText: text, runUrl });
    const warning = body.indexOf("[!WARNING]");
    const details = body.indexOf("<details>");
    expect(warning).toBeGreaterThan(0);
    expect(warning).toBeLessThan(details);
    const replaced = summary.replacements[0]?.address as string;
    const destroyed = summary.destroys[0] as string;
    expect(body.indexOf(`**replace** \`${replaced}\``)).toBeLessThan(details);
    expect(body.indexOf(`**destroy** \`${destroyed}\``)).toBeLessThan(details);
    expect(body).toContain('`bucket`: `"old-bucket"` →');
    expect(body).toContain("destroys 2 resources (1 replaced, 1 destroyed)");
  });

  it("truncates a plan too long for a comment on a line boundary, with a notice pointing to the job summary", () => {
    const long = Array.from({ length: 8 }, () => text).join("");
    expect(long.length).toBeGreaterThan(MAX_COMMENT_CHARS);
    const body = renderPlanComment({ stackId: "etl-dev", summary: summarizePlan(destructivePlan()), planText: long, runUrl });
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(body.length).toBeGreaterThan(MAX_COMMENT_CHARS - 2_000);
    expect(body).toMatch(/truncated, see the job summary of the \[workflow run\]\(https:\/\/github\.com\/[^)]+\) for the full plan \(\d+ more lines\)/);
    // The kept plan is whole lines of the original, from its start.
    const inside = body.slice(body.indexOf("```text\n") + "```text\n".length, body.lastIndexOf("\n```\n") + 1);
    expect(inside.endsWith("\n")).toBe(true);
    expect(long.startsWith(inside)).toBe(true);
    const dropped = Number(/\((\d+) more lines\)/.exec(body)?.[1]);
    expect(inside.split("\n").length - 1 + dropped).toBe(long.trimEnd().split("\n").length);
  });

  it("keeps a smaller budget too", () => {
    const body = renderPlanComment({ stackId: "etl-dev", summary: summarizePlan(plan), planText: text, runUrl, maxChars: 4_000 });
    expect(body.length).toBeLessThanOrEqual(4_000);
    expect(body).toContain("truncated, see the job summary");
  });

  it("cannot be broken out of its code block by backticks in the plan", () => {
    const body = renderPlanComment({ stackId: "etl-dev", summary: summarizePlan(plan), planText: "line\n```\n<b>not html</b>\n", runUrl });
    expect(body).toContain("````text\nline\n```\n<b>not html</b>\n````");
  });
});

describe("renderPlanJobSummary", () => {
  it("holds the whole plan", () => {
    const summary = renderPlanJobSummary({ stackId: "etl-dev", summary: summarizePlan(plan), planText: text, runUrl });
    expect(summary).toContain(text.trimEnd());
    expect(summary).toContain(summarizePlan(plan).line);
  });
});

describe("truncateOnLine", () => {
  it("never cuts a line and counts what it dropped", () => {
    expect(truncateOnLine("a\nbb\nccc\n", 6)).toEqual({ text: "a\nbb\n", droppedLines: 1 });
    expect(truncateOnLine("a\nbb\nccc\n", 5)).toEqual({ text: "a\nbb\n", droppedLines: 1 });
    expect(truncateOnLine("a\nbb\nccc\n", 4)).toEqual({ text: "a\n", droppedLines: 2 });
    expect(truncateOnLine("a\nbb\n", 100)).toEqual({ text: "a\nbb\n", droppedLines: 0 });
  });
});
