/**
 * A hash of what a plan will do, stable across runs: two plans of the same configuration against
 * the same state hash the same, and any change to what would be created, updated, replaced or
 * destroyed changes it. `apply` compares it with the hash of the plan reviewed on the pull request.
 *
 * Kept: per resource that changes, its address, actions, planned values, unknown and sensitive
 * masks, replace paths and reason; per output that changes, the same.
 * Dropped: the timestamp, Terraform and provider versions, prior_state (serials, lineage, refreshed
 * values of resources that do not change), planned_values and configuration (derived from or
 * echoing the above), relevant_attributes, checks, and the order of lists Terraform does not sort.
 */
import { createHash } from "node:crypto";
import type { PlanJson } from "./plan-json";

/** JSON with object keys sorted at every level, so key order never changes the text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/** The part of a plan the hash covers (see the module comment). */
export function normalizedPlan(plan: PlanJson): unknown {
  const changes = (plan.resource_changes ?? [])
    .filter((rc) => !rc.change.actions.every((a) => a === "no-op"))
    .map((rc) => ({
      address: rc.address,
      actions: rc.change.actions,
      after: rc.change.after ?? null,
      after_unknown: rc.change.after_unknown ?? null,
      after_sensitive: rc.change.after_sensitive ?? null,
      replace_paths: rc.change.replace_paths ?? [],
      action_reason: rc.action_reason ?? null,
    }))
    .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  const outputs = Object.entries(plan.output_changes ?? {})
    .filter(([, c]) => !c.actions.every((a) => a === "no-op"))
    .map(([name, c]) => ({
      name,
      actions: c.actions,
      after: c.after ?? null,
      after_unknown: c.after_unknown ?? null,
      after_sensitive: c.after_sensitive ?? null,
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { resource_changes: changes, output_changes: outputs };
}

/** sha256 (hex) of the normalized plan. */
export function normalizedPlanHash(plan: PlanJson): string {
  return createHash("sha256")
    .update(canonicalJson(normalizedPlan(plan)))
    .digest("hex");
}
