/**
 * The part of `terraform show -json <planfile>` the GitOps scripts read.
 * https://developer.hashicorp.com/terraform/internals/json-format#plan-representation
 */

/** A path into a resource's attributes, as Terraform writes it in `replace_paths`. */
export type AttributePath = readonly (string | number)[];

/** Terraform's change actions; a replacement is ["delete", "create"] or ["create", "delete"]. */
export type ChangeAction = "no-op" | "create" | "read" | "update" | "delete" | "forget";

export interface Change {
  readonly actions: readonly ChangeAction[];
  readonly before?: unknown;
  readonly after?: unknown;
  /** Same shape as `after`, `true` where the value is known only after apply. */
  readonly after_unknown?: unknown;
  /** Same shape as `before`/`after`, `true` where the value is sensitive (or `true` for the whole value). */
  readonly before_sensitive?: unknown;
  readonly after_sensitive?: unknown;
  /** Attributes whose change forces the replacement. */
  readonly replace_paths?: readonly AttributePath[];
}

export interface ResourceChange {
  readonly address: string;
  readonly mode: "managed" | "data";
  readonly type: string;
  readonly name: string;
  readonly provider_name?: string;
  readonly change: Change;
  readonly action_reason?: string;
}

export interface OutputChange extends Change {}

export interface PlanJson {
  readonly format_version: string;
  readonly terraform_version?: string;
  readonly timestamp?: string;
  readonly resource_changes?: readonly ResourceChange[];
  /** Changes made outside Terraform that the refresh found (what drift detection reports). */
  readonly resource_drift?: readonly ResourceChange[];
  readonly output_changes?: Readonly<Record<string, OutputChange>>;
  readonly errored?: boolean;
  readonly [key: string]: unknown;
}

/** Parses `terraform show -json` output, failing with a message that says what is wrong and where it came from. */
export function parsePlanJson(text: string, source: string): PlanJson {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source}: not JSON (${(err as Error).message}); expected the output of terraform show -json <planfile>`);
  }
  const plan = value as Partial<PlanJson> | null;
  if (plan === null || typeof plan !== "object" || typeof plan.format_version !== "string") {
    throw new Error(`${source}: no format_version; expected the output of terraform show -json <planfile>`);
  }
  if (plan.resource_changes !== undefined && !Array.isArray(plan.resource_changes)) {
    throw new Error(`${source}: resource_changes is ${typeof plan.resource_changes}; expected a list`);
  }
  return plan as PlanJson;
}
