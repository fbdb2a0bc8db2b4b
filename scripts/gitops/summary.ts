/**
 * What a reviewer needs first from a plan: Terraform's own "N to add, M to change, K to destroy"
 * count, and every resource that will be replaced or destroyed, with the attributes forcing a
 * replacement. Values of sensitive attributes are never rendered: the `before_sensitive` /
 * `after_sensitive` masks of the plan decide, as they do in `terraform show`.
 */
import type { AttributePath, ChangeAction, PlanJson, ResourceChange } from "./plan-json";

/** How a sensitive value is shown (Terraform's own wording). */
export const SENSITIVE = "(sensitive value)";
/** How a value known only after apply is shown. */
export const KNOWN_AFTER_APPLY = "(known after apply)";
/** Longest rendering of one attribute value in a summary; longer ones are cut with an ellipsis. */
export const MAX_VALUE_CHARS = 120;

export interface AttributeChange {
  /** Dotted path, e.g. `function_name` or `tags.owner` or `rule[0].filter`. */
  readonly path: string;
  /** Rendered value before, already masked. */
  readonly before: string;
  /** Rendered value after, already masked. */
  readonly after: string;
}

export interface Replacement {
  readonly address: string;
  /** Attributes whose change forces the replacement; empty when Terraform gives no reason (e.g. `-replace`). */
  readonly forcedBy: readonly AttributeChange[];
  /** Terraform's `action_reason`, e.g. `replace_because_cannot_update` or `replace_by_request`. */
  readonly reason?: string;
}

export interface PlanSummary {
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
  /** Resources that `removed` blocks drop from state without destroying them (Terraform >= 1.7). */
  readonly forget: number;
  /** Terraform's summary line: `Plan: N to add, M to change, K to destroy.` or `No changes.` */
  readonly line: string;
  readonly replacements: readonly Replacement[];
  /** Addresses destroyed without being created again. */
  readonly destroys: readonly string[];
  /** Names of outputs that change. */
  readonly outputChanges: readonly string[];
  readonly hasChanges: boolean;
}

function isReplace(actions: readonly ChangeAction[]): boolean {
  return actions.length === 2 && actions.includes("delete") && actions.includes("create");
}

function pathText(path: AttributePath): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

/** The value at `path`, or undefined when the path leaves the value. */
function at(value: unknown, path: AttributePath): unknown {
  let current = value;
  for (const step of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
}

/**
 * Whether the mask marks `path` (or any part of the value under it, or any value above it) as
 * sensitive. A mask is `true` for a wholly sensitive value, or an object/array of masks.
 */
export function isSensitiveAt(mask: unknown, path: AttributePath): boolean {
  let current = mask;
  for (const step of path) {
    if (current === true) return true;
    if (current === null || typeof current !== "object") return false;
    current = (current as Record<string | number, unknown>)[step];
  }
  return containsTrue(current);
}

function containsTrue(mask: unknown): boolean {
  if (mask === true) return true;
  if (mask === null || typeof mask !== "object") return false;
  return Object.values(mask as Record<string, unknown>).some(containsTrue);
}

function render(value: unknown): string {
  if (value === undefined) return "(none)";
  const text = JSON.stringify(value);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text;
}

function attributeChange(rc: ResourceChange, path: AttributePath): AttributeChange {
  const c = rc.change;
  const before = isSensitiveAt(c.before_sensitive, path) ? SENSITIVE : render(at(c.before, path));
  let after: string;
  if (isSensitiveAt(c.after_sensitive, path)) after = SENSITIVE;
  else if (at(c.after_unknown, path) === true) after = KNOWN_AFTER_APPLY;
  else after = render(at(c.after, path));
  return { path: pathText(path), before, after };
}

/** Terraform's own summary line for these counts. */
export function summaryLine(counts: { add: number; change: number; destroy: number; forget: number }): string {
  if (counts.add + counts.change + counts.destroy + counts.forget === 0) return "No changes. Your infrastructure matches the configuration.";
  const forget = counts.forget > 0 ? `, ${counts.forget} to forget` : "";
  return `Plan: ${counts.add} to add, ${counts.change} to change, ${counts.destroy} to destroy${forget}.`;
}

/**
 * Counts managed resources the way Terraform does: a replacement counts once in "to add" and once
 * in "to destroy"; data source reads and no-ops count nowhere.
 */
export function summarizePlan(plan: PlanJson): PlanSummary {
  let add = 0;
  let change = 0;
  let destroy = 0;
  let forget = 0;
  const replacements: Replacement[] = [];
  const destroys: string[] = [];
  for (const rc of plan.resource_changes ?? []) {
    if (rc.mode !== "managed") continue;
    const actions = rc.change.actions;
    if (isReplace(actions)) {
      add += 1;
      destroy += 1;
      replacements.push({
        address: rc.address,
        forcedBy: (rc.change.replace_paths ?? []).map((p) => attributeChange(rc, p)),
        ...(rc.action_reason ? { reason: rc.action_reason } : {}),
      });
    } else if (actions.includes("create")) add += 1;
    else if (actions.includes("update")) change += 1;
    else if (actions.includes("delete")) {
      destroy += 1;
      destroys.push(rc.address);
    } else if (actions.includes("forget")) forget += 1;
  }
  const outputChanges = Object.entries(plan.output_changes ?? {})
    .filter(([, c]) => !c.actions.every((a) => a === "no-op"))
    .map(([name]) => name)
    .sort();
  const counts = { add, change, destroy, forget };
  return {
    ...counts,
    line: summaryLine(counts),
    replacements,
    destroys,
    outputChanges,
    hasChanges: add + change + destroy + forget > 0 || outputChanges.length > 0,
  };
}

/** Resources changed outside Terraform since the last apply (the refresh's `resource_drift`). */
export function driftedAddresses(plan: PlanJson): string[] {
  return (plan.resource_drift ?? []).filter((rc) => !rc.change.actions.every((a) => a === "no-op")).map((rc) => rc.address);
}
