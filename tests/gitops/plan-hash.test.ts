import { canonicalJson, normalizedPlanHash } from "../../scripts/gitops/plan-hash";
import type { PlanJson, ResourceChange } from "../../scripts/gitops/plan-json";
import { clone, offlinePlanJson, replanOffline } from "./support";

/** A plan to mutate freely; `hash` reads it back as a plan. */
type Loose = {
  [key: string]: unknown;
  resource_changes: (Omit<ResourceChange, "change"> & { change: Record<string, unknown> })[];
  output_changes: Record<string, Record<string, unknown>>;
};
const loose = (p: PlanJson) => clone(p) as unknown as Loose;
const hash = (p: Loose | PlanJson) => normalizedPlanHash(p as unknown as PlanJson);

let plan: PlanJson;
beforeAll(async () => {
  plan = await offlinePlanJson("etl-dev");
}, 240_000);

describe("normalizedPlanHash", () => {
  it("is the same for two separate terraform plan runs of the same stack", async () => {
    const again = await replanOffline("etl-dev");
    // The raw documents differ (timestamp at least), the hash does not.
    expect(again.json.timestamp).not.toBe(plan.timestamp);
    expect(normalizedPlanHash(again.json)).toBe(normalizedPlanHash(plan));
    expect(normalizedPlanHash(plan)).toMatch(/^[0-9a-f]{64}$/);
  }, 240_000);

  it("changes when a resource changes in the synthesized configuration", async () => {
    const changed = await replanOffline("etl-dev", (config) => {
      const functions = (config.resource as Record<string, Record<string, Record<string, unknown>>>).aws_lambda_function as Record<
        string,
        Record<string, unknown>
      >;
      const first = Object.values(functions)[0] as Record<string, unknown>;
      first.memory_size = (first.memory_size as number) + 128;
    });
    expect(normalizedPlanHash(changed.json)).not.toBe(normalizedPlanHash(plan));
  }, 240_000);

  it("ignores the timestamp, versions, prior state, planned_values, configuration and the order of changes and keys", () => {
    const p = loose(plan);
    p.timestamp = "2001-01-01T00:00:00Z";
    p.terraform_version = "1.99.0";
    p.prior_state = { format_version: "1.0", terraform_version: "1.99.0", values: { root_module: {} }, serial: 99, lineage: "x" };
    p.planned_values = {};
    p.configuration = { provider_config: { aws: { version_constraint: "9.9.9" } } };
    p.relevant_attributes = [];
    p.resource_changes.reverse();
    const reordered = JSON.parse(canonicalJson(p)) as PlanJson;
    expect(hash(p)).toBe(normalizedPlanHash(plan));
    expect(hash(reordered)).toBe(normalizedPlanHash(plan));
  });

  it("ignores resources that do not change", () => {
    const p = loose(plan);
    p.resource_changes.push({
      address: "aws_s3_bucket.unchanged",
      mode: "managed",
      type: "aws_s3_bucket",
      name: "unchanged",
      change: { actions: ["no-op"], before: { bucket: "x" }, after: { bucket: "x" } },
    });
    expect(hash(p)).toBe(normalizedPlanHash(plan));
  });

  it("changes when one attribute of one planned resource changes", () => {
    const p = loose(plan);
    const topic = p.resource_changes.find((r) => r.type === "aws_sns_topic") as Loose["resource_changes"][number];
    topic.change.after = { ...(topic.change.after as object), display_name: "changed" };
    expect(hash(p)).not.toBe(normalizedPlanHash(plan));
  });

  it("changes when an action changes, a resource is added or removed, or an output changes", () => {
    const actions = loose(plan);
    (actions.resource_changes.find((r) => r.mode === "managed") as Loose["resource_changes"][number]).change.actions = ["delete", "create"];
    const removed = loose(plan);
    removed.resource_changes = removed.resource_changes.filter((r) => r.type !== "aws_sqs_queue_policy");
    const output = loose(plan);
    (output.output_changes.alert_topic_arn as Record<string, unknown>).after = "arn:aws:sns:us-east-1:111111111111:other";
    const hashes = [plan, actions, removed, output].map(hash);
    expect(new Set(hashes).size).toBe(4);
  });
});

describe("canonicalJson", () => {
  it("sorts keys at every level and keeps list order", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });
});
