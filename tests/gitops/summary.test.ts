import type { PlanJson, ResourceChange } from "../../scripts/gitops/plan-json";
import { driftedAddresses, isSensitiveAt, SENSITIVE, summarizePlan } from "../../scripts/gitops/summary";
import { clone, offlinePlanJson, offlinePlanText } from "./support";

let plan: PlanJson;
let text: string;
beforeAll(async () => {
  plan = await offlinePlanJson("etl-dev");
  text = await offlinePlanText("etl-dev");
}, 240_000);

const managed = (p: PlanJson) => (p.resource_changes ?? []).filter((r) => r.mode === "managed");

/** Turns one planned create into a replacement forced by `path`, and one into a destroy. */
function withReplaceAndDestroy(
  base: PlanJson,
  path: (string | number)[] = ["function_name"],
): { plan: PlanJson; replaced: ResourceChange; destroyed: ResourceChange } {
  const p = clone(base) as { resource_changes: ResourceChange[] } & PlanJson;
  const replaced = p.resource_changes.find((r) => r.type === "aws_lambda_function") as ResourceChange & { change: Record<string, unknown> };
  const destroyed = p.resource_changes.find((r) => r.type === "aws_sqs_queue") as ResourceChange & { change: Record<string, unknown> };
  Object.assign(replaced.change, {
    actions: ["delete", "create"],
    before: { ...(replaced.change.after as object), function_name: "detl-dev-old-name" },
    before_sensitive: {},
    replace_paths: [path],
  });
  Object.assign(replaced, { action_reason: "replace_because_cannot_update" });
  Object.assign(destroyed.change, { actions: ["delete"], before: destroyed.change.after, after: null, after_unknown: {} });
  return { plan: p, replaced, destroyed };
}

describe("summarizePlan on the real offline plan of etl-dev", () => {
  it("gives Terraform's own summary line (the one terraform show prints)", () => {
    const summary = summarizePlan(plan);
    expect(summary.line).toMatch(/^Plan: \d+ to add, 0 to change, 0 to destroy\.$/);
    expect(text).toContain(summary.line);
    expect(summary.add).toBe(managed(plan).length);
    expect(summary.replacements).toEqual([]);
    expect(summary.destroys).toEqual([]);
    expect(summary.outputChanges).toContain("alert_topic_arn");
  });

  it("does not count data source reads", () => {
    expect((plan.resource_changes ?? []).some((r) => r.mode === "data")).toBe(true);
    expect(summarizePlan(plan).add).toBe((plan.resource_changes ?? []).filter((r) => r.mode === "managed" && r.change.actions.includes("create")).length);
  });

  it("counts a replacement in both add and destroy, and lists replacements and destroys by address", () => {
    const base = summarizePlan(plan);
    const { plan: changed, replaced, destroyed } = withReplaceAndDestroy(plan);
    const summary = summarizePlan(changed);
    expect({ add: summary.add, change: summary.change, destroy: summary.destroy }).toEqual({ add: base.add - 1, change: 0, destroy: 2 });
    expect(summary.line).toBe(`Plan: ${base.add - 1} to add, 0 to change, 2 to destroy.`);
    expect(summary.replacements).toEqual([
      {
        address: replaced.address,
        forcedBy: [
          { path: "function_name", before: '"detl-dev-old-name"', after: JSON.stringify((replaced.change.after as Record<string, unknown>).function_name) },
        ],
        reason: "replace_because_cannot_update",
      },
    ]);
    expect(summary.destroys).toEqual([destroyed.address]);
  });

  it("counts updates as changes", () => {
    const p = clone(plan) as { resource_changes: ResourceChange[] } & PlanJson;
    Object.assign((p.resource_changes.find((r) => r.type === "aws_sns_topic") as ResourceChange).change, { actions: ["update"] });
    expect(summarizePlan(p)).toMatchObject({ change: 1, destroy: 0 });
  });

  it("never renders the value of a sensitive attribute forcing a replacement", () => {
    const { plan: changed, replaced } = withReplaceAndDestroy(plan, ["environment", 0, "variables"]);
    const c = replaced.change as unknown as Record<string, unknown>;
    c.before = { ...(c.before as object), environment: [{ variables: { API_TOKEN: "s3cr3t-before" } }] };
    c.after = { ...(c.after as object), environment: [{ variables: { API_TOKEN: "s3cr3t-after" } }] };
    c.before_sensitive = { environment: [{ variables: true }] };
    c.after_sensitive = { environment: [{ variables: { API_TOKEN: true } }] };
    const summary = summarizePlan(changed);
    expect(summary.replacements[0]?.forcedBy).toEqual([{ path: "environment[0].variables", before: SENSITIVE, after: SENSITIVE }]);
    expect(JSON.stringify(summary)).not.toMatch(/s3cr3t/);
  });

  it("says No changes for an empty plan", () => {
    expect(summarizePlan({ format_version: "1.2", resource_changes: [] })).toMatchObject({
      line: "No changes. Your infrastructure matches the configuration.",
      hasChanges: false,
    });
  });

  it("lists resources changed outside Terraform from resource_drift", () => {
    const p = clone(plan) as PlanJson & { resource_drift: ResourceChange[] };
    const first = managed(plan)[0] as ResourceChange;
    p.resource_drift = [{ ...first, change: { ...first.change, actions: ["update"] } }];
    expect(driftedAddresses(p)).toEqual([first.address]);
    expect(driftedAddresses(plan)).toEqual([]);
  });
});

describe("isSensitiveAt", () => {
  it("follows masks down the path and treats a sensitive ancestor or descendant as sensitive", () => {
    expect(isSensitiveAt(true, ["a"])).toBe(true);
    expect(isSensitiveAt({ a: true }, ["a", "b"])).toBe(true);
    expect(isSensitiveAt({ a: { b: [false, true] } }, ["a"])).toBe(true);
    expect(isSensitiveAt({ a: { b: [false, false] } }, ["a"])).toBe(false);
    expect(isSensitiveAt({}, ["a"])).toBe(false);
    expect(isSensitiveAt(undefined, ["a"])).toBe(false);
  });
});
