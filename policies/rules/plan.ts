/**
 * A read model of `terraform show -json <plan>` for the rules: every managed resource with its
 * planned values, what is unknown until apply, and its configuration expressions.
 * Format: https://developer.hashicorp.com/terraform/internals/json-format
 *
 * Unknown values. A value computed by another resource (an ARN, an id) is absent from
 * `planned_values` and marked `true` in `resource_changes[].change.after_unknown`. The rules never
 * treat such a value as passing by default: `valueAt` reports it as "unknown" together with its
 * configuration expression, and `isSetAtApply` accepts it only when that expression is a reference
 * to an ARN/id/name attribute of a resource in the same plan (attributes AWS always sets).
 * Policy documents built by `aws_iam_policy_document` data sources are read at plan time when all
 * their inputs are known (they are then in `prior_state`); otherwise their read is deferred and
 * their statements are rebuilt from the data source's configuration expressions, where a reference
 * stays a symbolic `${type.name.attr}` string. Anything that cannot be rebuilt is "unknown".
 */

export class PlanInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PlanInputError";
  }
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export interface PlanResource {
  readonly address: string;
  readonly type: string;
  readonly name: string;
  /** The address without instance keys (`[0]`, `["a"]`): how `configuration` names it. */
  readonly configAddress: string;
  readonly values: Json;
  /** `after_unknown` of the resource's change: `true` where a value is known only after apply. */
  readonly unknown: unknown;
  /** Configuration expressions (`constant_value`, `references`), when the plan has them. */
  readonly expressions: Json;
}

export type Value =
  | { readonly state: "known"; readonly value: unknown }
  | { readonly state: "unknown"; readonly expression: string | undefined; readonly references: readonly string[] };

interface DataSource {
  readonly address: string;
  readonly type: string;
  /** Values when the data source was read at plan time. */
  readonly values?: Json;
  readonly expressions?: Json;
}

/** `aws_x.y[0]` / `module.m["k"].aws_x.y` -> `aws_x.y` / `module.m.aws_x.y` */
export function configAddressOf(address: string): string {
  return address.replace(/\[[^\]]*\]/g, "");
}

function collectModuleResources(module: unknown, into: Json[]): void {
  if (!isObject(module)) return;
  for (const r of (module.resources as unknown[] | undefined) ?? []) if (isObject(r)) into.push(r);
  for (const child of (module.child_modules as unknown[] | undefined) ?? []) collectModuleResources(child, into);
}

function collectConfigResources(module: unknown, prefix: string, into: Map<string, Json>): void {
  if (!isObject(module)) return;
  for (const r of (module.resources as unknown[] | undefined) ?? []) {
    if (isObject(r) && typeof r.address === "string") into.set(`${prefix}${r.address}`, r);
  }
  const calls = isObject(module.module_calls) ? module.module_calls : {};
  for (const [name, call] of Object.entries(calls)) {
    if (isObject(call)) collectConfigResources(call.module, `${prefix}module.${name}.`, into);
  }
}

/** A parsed, checked plan with lookups by address and type. */
export class Plan {
  readonly resources: readonly PlanResource[];
  private readonly byAddress: Map<string, PlanResource>;
  private readonly byConfigAddress: Map<string, PlanResource[]>;
  private readonly dataSources: Map<string, DataSource>;

  constructor(
    readonly json: Json,
    /** Where the plan came from (file name), for messages. */
    readonly source: string,
  ) {
    if (!isObject(json.planned_values) || typeof json.format_version !== "string") {
      throw new PlanInputError(`${source}: not a plan from \`terraform show -json <planfile>\` (format_version and planned_values are missing)`);
    }
    if (!/^1\./.test(json.format_version)) throw new PlanInputError(`${source}: plan format_version ${json.format_version}; supported: 1.x`);
    const configs = new Map<string, Json>();
    const configuration = isObject(json.configuration) ? json.configuration : {};
    collectConfigResources(configuration.root_module, "", configs);
    const changes = new Map<string, Json>();
    for (const c of (json.resource_changes as unknown[] | undefined) ?? []) {
      if (isObject(c) && typeof c.address === "string" && isObject(c.change)) changes.set(c.address, c);
    }

    const planned: Json[] = [];
    collectModuleResources((json.planned_values as Json).root_module, planned);
    const resources: PlanResource[] = [];
    this.dataSources = new Map();
    for (const r of planned) {
      const address = String(r.address);
      const configAddress = configAddressOf(address);
      const expressions = (configs.get(configAddress)?.expressions as Json | undefined) ?? {};
      if (r.mode === "data") {
        this.dataSources.set(address, { address, type: String(r.type), expressions });
        continue;
      }
      const change = changes.get(address)?.change as Json | undefined;
      resources.push({
        address,
        type: String(r.type),
        name: String(r.name),
        configAddress,
        values: isObject(r.values) ? r.values : {},
        unknown: change?.after_unknown ?? {},
        expressions,
      });
    }
    // Data sources read during the plan carry their result in prior_state.
    const prior: Json[] = [];
    collectModuleResources(isObject(json.prior_state) && isObject(json.prior_state.values) ? json.prior_state.values.root_module : undefined, prior);
    for (const r of prior) {
      if (r.mode !== "data") continue;
      const address = String(r.address);
      this.dataSources.set(address, {
        address,
        type: String(r.type),
        values: isObject(r.values) ? r.values : {},
        expressions: (configs.get(configAddressOf(address))?.expressions as Json | undefined) ?? {},
      });
    }
    // Deferred reads appear in resource_changes only (and in planned_values without their result).
    for (const [address, c] of changes) {
      if (c.mode !== "data" || this.dataSources.has(address)) continue;
      this.dataSources.set(address, {
        address,
        type: String(c.type),
        expressions: (configs.get(configAddressOf(address))?.expressions as Json | undefined) ?? {},
      });
    }

    this.resources = resources;
    this.byAddress = new Map(resources.map((r) => [r.address, r]));
    this.byConfigAddress = new Map();
    for (const r of resources) this.byConfigAddress.set(r.configAddress, [...(this.byConfigAddress.get(r.configAddress) ?? []), r]);
  }

  /** Parses the text of `terraform show -json`; throws PlanInputError naming the source. */
  static parse(text: string, source: string): Plan {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new PlanInputError(`${source}: not JSON (${(err as Error).message})`);
    }
    if (!isObject(json))
      throw new PlanInputError(`${source}: expected a JSON object from \`terraform show -json\`, got ${Array.isArray(json) ? "an array" : typeof json}`);
    return new Plan(json, source);
  }

  ofType(type: string): PlanResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  resource(address: string): PlanResource | undefined {
    return this.byAddress.get(address);
  }

  /** Resources a configuration reference (`aws_x.y`, `aws_x.y.arn`, `module.m.aws_x.y.id`) points at. */
  referenced(reference: string): PlanResource[] {
    const parts = reference.split(".");
    // Managed resource addresses are `[module.<name>.]*<type>.<name>`; drop a trailing attribute.
    for (const take of [parts.length, parts.length - 1]) {
      const found = this.byConfigAddress.get(parts.slice(0, take).join("."));
      if (found) return found;
    }
    return [];
  }

  dataSource(address: string): DataSource | undefined {
    return this.dataSources.get(address);
  }
}

function step(value: unknown, key: string | number): unknown {
  if (Array.isArray(value) && typeof key === "number") return value[key];
  if (isObject(value) && typeof key === "string") return value[key];
  return undefined;
}

/** The configuration expression at a path: blocks are lists in `expressions`, attributes hold `constant_value`/`references`. */
function expressionAt(expressions: Json, path: readonly (string | number)[]): Json | undefined {
  let node: unknown = expressions;
  for (const key of path) {
    if (Array.isArray(node) && typeof key === "number") node = node[key];
    else if (isObject(node) && typeof key === "string") node = node[key];
    else return undefined;
  }
  return isObject(node) ? node : undefined;
}

/** A planned value at a path (attribute names and list indexes), known or unknown until apply. */
export function valueAt(resource: PlanResource, path: readonly (string | number)[]): Value {
  let value: unknown = resource.values;
  let unknown: unknown = resource.unknown;
  for (const key of path) {
    if (unknown === true) break;
    value = step(value, key);
    unknown = step(unknown, key);
  }
  if (unknown === true) {
    const expression = expressionAt(resource.expressions, path);
    const constant = expression?.constant_value;
    return {
      state: "unknown",
      expression: typeof constant === "string" ? constant : undefined,
      references: Array.isArray(expression?.references) ? (expression.references as string[]) : [],
    };
  }
  return { state: "known", value: value ?? null };
}

/** Attributes AWS always sets on a created resource: a reference to one of them is never empty. */
const ALWAYS_SET = new Set(["arn", "id", "name", "key_id", "bucket", "function_name", "url"]);

/**
 * Whether a value will be non-empty after apply: a known non-empty value, or an unknown one whose
 * expression is a reference to an always-set attribute of a resource in this plan. Returns
 * "unknown" when neither can be shown, so a rule reports it instead of passing it.
 */
export function isSetAtApply(plan: Plan, resource: PlanResource, path: readonly (string | number)[]): boolean | "unknown" {
  const v = valueAt(resource, path);
  if (v.state === "known") return v.value !== null && v.value !== "" && v.value !== false;
  const attributeReferences = v.references.filter((ref) => {
    const attribute = ref.split(".").pop() ?? "";
    return ALWAYS_SET.has(attribute) && plan.referenced(ref).length > 0;
  });
  return attributeReferences.length > 0 ? true : "unknown";
}

/** Whether `from`'s attribute at `path` points at `target`: by configuration reference, or by a known value equal to the target's name, id or ARN. */
export function pointsAt(from: PlanResource, path: readonly (string | number)[], target: PlanResource): boolean {
  const v = valueAt(from, path);
  const references = v.state === "unknown" ? v.references : ((expressionAt(from.expressions, path)?.references as string[] | undefined) ?? []);
  if (references.some((ref) => configAddressOf(ref) === target.configAddress || ref.startsWith(`${target.configAddress}.`))) return true;
  if (v.state !== "known" || typeof v.value !== "string") return false;
  const identities = ["bucket", "id", "arn", "name", "function_name"].map((k) => target.values[k]).filter((x) => typeof x === "string");
  return identities.includes(v.value);
}

/** How a resource is named in a policy: its literal ARN when known, and the `${address.arn}` form cdktf writes. */
export function arnForms(resource: PlanResource): string[] {
  const forms = [`\${${resource.configAddress}.arn}`];
  if (typeof resource.values.arn === "string") forms.push(resource.values.arn);
  if (resource.type === "aws_s3_bucket" && typeof resource.values.bucket === "string") forms.push(`arn:aws:s3:::${resource.values.bucket}`);
  return forms;
}
