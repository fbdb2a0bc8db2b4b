/**
 * Mutations of a real `terraform show -json` plan, for breaking one guardrail at a time. They edit
 * the three places a plan states a value (planned_values, resource_changes' after/after_unknown,
 * configuration expressions) consistently, the way Terraform would have written them.
 */
import type { TerraformPlan } from "../helpers/terraform";

type Json = Record<string, unknown>;
export type PlanJson = Json;

export function clonePlan(plan: TerraformPlan | Json): PlanJson {
  return structuredClone(plan) as PlanJson;
}

function rootResources(plan: PlanJson, section: "planned_values" | "configuration"): Json[] {
  const root = (plan[section] as Json).root_module as Json;
  root.resources ??= [];
  return root.resources as Json[];
}

function changes(plan: PlanJson): Json[] {
  return plan.resource_changes as Json[];
}

/** Addresses of the planned resources of a type whose address contains `fragment`. */
export function addressesOf(plan: PlanJson, type: string, fragment = ""): string[] {
  return rootResources(plan, "planned_values")
    .filter((r) => r.type === type && String(r.address).includes(fragment))
    .map((r) => String(r.address));
}

/** The one planned resource of a type whose address contains `fragment`. */
export function addressOf(plan: PlanJson, type: string, fragment = ""): string {
  const found = addressesOf(plan, type, fragment);
  if (found.length !== 1) throw new Error(`expected one ${type} matching ${JSON.stringify(fragment)}; found ${found.join(", ") || "none"}`);
  return found[0] as string;
}

function planned(plan: PlanJson, address: string): Json {
  const r = rootResources(plan, "planned_values").find((x) => x.address === address);
  if (r === undefined) throw new Error(`no planned resource ${address}`);
  return r;
}

export function configOf(plan: PlanJson, address: string): Json {
  const r = rootResources(plan, "configuration").find((x) => x.address === address);
  if (r === undefined) throw new Error(`no configuration of ${address}`);
  return r;
}

function setPath(target: unknown, path: readonly (string | number)[], value: unknown): void {
  let node = target as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) {
    if (node[key] === undefined || node[key] === true || node[key] === false) node[key] = typeof key === "number" ? {} : {};
    node = node[key] as Record<string | number, unknown>;
  }
  node[path[path.length - 1] as string | number] = value;
}

function deletePath(target: unknown, path: readonly (string | number)[]): void {
  let node = target as Record<string | number, unknown> | undefined;
  for (const key of path.slice(0, -1)) {
    node = node?.[key] as Record<string | number, unknown> | undefined;
    if (typeof node !== "object" || node === null) return;
  }
  if (node) delete node[path[path.length - 1] as string | number];
}

/** Sets a planned value (known at plan time), as if the configuration had written that literal. */
export function setValue(plan: PlanJson, address: string, path: readonly (string | number)[], value: unknown): void {
  setPath(planned(plan, address).values, path, value);
  const change = changes(plan).find((c) => c.address === address)?.change as Json | undefined;
  if (change) {
    setPath(change.after, path, value);
    deletePath(change.after_unknown, path);
  }
  deletePath(configOf(plan, address).expressions, path);
}

/** Removes a resource from every section of the plan. */
export function removeResource(plan: PlanJson, address: string): void {
  const pv = (plan.planned_values as Json).root_module as Json;
  pv.resources = (pv.resources as Json[]).filter((r) => r.address !== address);
  plan.resource_changes = changes(plan).filter((c) => c.address !== address);
  const cfg = (plan.configuration as Json).root_module as Json;
  cfg.resources = (cfg.resources as Json[]).filter((r) => r.address !== address);
}

/** The configuration expressions of the `index`th statement block of a policy document data source whose address contains `fragment`. */
export function documentStatement(plan: PlanJson, fragment: string, sid: string): Json {
  const docs = rootResources(plan, "configuration").filter((r) => r.type === "aws_iam_policy_document" && String(r.address).includes(fragment));
  if (docs.length !== 1) throw new Error(`expected one policy document matching ${fragment}; found ${docs.map((d) => d.address).join(", ") || "none"}`);
  const statements = ((docs[0] as Json).expressions as Json).statement as Json[];
  const found = statements.find((s) => (s.sid as Json | undefined)?.constant_value === sid);
  if (found === undefined) throw new Error(`policy document ${fragment} has no statement ${sid}`);
  return found;
}
