/**
 * IAM policy documents as the rules see them, from either form a plan holds them in:
 * - a JSON string (a known `policy` / `assume_role_policy`, or the `json` of a policy document data
 *   source read at plan time), or
 * - an `aws_iam_policy_document` data source whose read waits for apply, rebuilt from its
 *   configuration expressions (references stay symbolic: `${aws_sns_topic.alerts.arn}`).
 * A field that cannot be known at plan time is the string "unknown", never an empty list.
 */
import { type Plan, type PlanResource, valueAt } from "./plan";

export type Field = readonly string[] | "unknown";

export interface DocumentStatement {
  readonly sid: string | undefined;
  readonly effect: "Allow" | "Deny" | "unknown";
  readonly actions: Field;
  readonly notActions: Field;
  readonly resources: Field;
  readonly notResources: Field;
  /** Principal type ("AWS", "Service", "Federated", "*") -> identifiers. */
  readonly principals: readonly { readonly type: string; readonly identifiers: readonly string[] }[] | "unknown";
  readonly conditions: readonly { readonly test: string; readonly variable: string; readonly values: readonly string[] }[] | "unknown";
}

export type PolicyDocument =
  | { readonly state: "known"; readonly statements: readonly DocumentStatement[]; readonly from: string }
  | { readonly state: "unknown"; readonly reason: string };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const list = (v: unknown): string[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

/** Normalizes a policy in IAM's JSON grammar. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html */
export function parsePolicyJson(text: string, where: string): PolicyDocument {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { state: "unknown", reason: `${where} is not valid JSON (${(err as Error).message})` };
  }
  if (!isObject(json)) return { state: "unknown", reason: `${where} is not a JSON policy object` };
  const raw = Array.isArray(json.Statement) ? json.Statement : json.Statement === undefined ? [] : [json.Statement];
  const statements = raw.filter(isObject).map((s): DocumentStatement => {
    const principal = s.Principal;
    const principals =
      principal === undefined
        ? []
        : principal === "*"
          ? [{ type: "*", identifiers: ["*"] }]
          : isObject(principal)
            ? Object.entries(principal).map(([type, ids]) => ({ type, identifiers: list(ids) }))
            : [];
    const conditions = isObject(s.Condition)
      ? Object.entries(s.Condition).flatMap(([test, vars]) =>
          isObject(vars) ? Object.entries(vars).map(([variable, values]) => ({ test, variable, values: list(values) })) : [],
        )
      : [];
    return {
      sid: typeof s.Sid === "string" ? s.Sid : undefined,
      effect: s.Effect === "Deny" ? "Deny" : "Allow",
      actions: list(s.Action),
      notActions: list(s.NotAction),
      resources: list(s.Resource),
      notResources: list(s.NotResource),
      principals,
      conditions,
    };
  });
  return { state: "known", statements, from: where };
}

/** Marks an expression computed at apply (a symbol, so no literal value can be mistaken for it). */
const COMPUTED = Symbol("computed at apply");

/** The constant of an expression (`constant_value`), or COMPUTED when it is computed from references. */
function constant(expression: unknown): unknown {
  if (!isObject(expression)) return undefined;
  if ("constant_value" in expression) return expression.constant_value;
  return Array.isArray(expression.references) && expression.references.length > 0 ? COMPUTED : undefined;
}

function constantList(expression: unknown): Field {
  const c = constant(expression);
  if (c === COMPUTED) return "unknown";
  return list(c);
}

/** Rebuilds an aws_iam_policy_document from its configuration (a read deferred to apply). */
function documentFromConfiguration(expressions: Json, where: string): PolicyDocument {
  for (const merged of ["source_policy_documents", "override_policy_documents", "source_json", "override_json"]) {
    if (expressions[merged] !== undefined) return { state: "unknown", reason: `${where} merges other documents (${merged}), which are known only at apply` };
  }
  const blocks = Array.isArray(expressions.statement) ? expressions.statement.filter(isObject) : [];
  const statements = blocks.map((b): DocumentStatement => {
    const effect = constant(b.effect);
    const principalBlocks = (b.principals as unknown[] | undefined) ?? [];
    const principals = principalBlocks.filter(isObject).map((p) => ({ type: constant(p.type), identifiers: constantList(p.identifiers) }));
    const conditionBlocks = ((b.condition as unknown[] | undefined) ?? []).filter(isObject);
    const conditions = conditionBlocks.map((c) => ({ test: constant(c.test), variable: constant(c.variable), values: constantList(c.values) }));
    const sid = constant(b.sid);
    return {
      sid: typeof sid === "string" ? sid : undefined,
      // The data source's default effect is Allow.
      effect: effect === undefined ? "Allow" : effect === "Allow" || effect === "Deny" ? effect : "unknown",
      actions: constantList(b.actions),
      notActions: constantList(b.not_actions),
      resources: constantList(b.resources),
      notResources: constantList(b.not_resources),
      principals: principals.some((p) => typeof p.type !== "string" || p.identifiers === "unknown")
        ? "unknown"
        : principals.map((p) => ({ type: p.type as string, identifiers: p.identifiers as string[] })),
      conditions: conditions.some((c) => typeof c.test !== "string" || typeof c.variable !== "string" || c.values === "unknown")
        ? "unknown"
        : conditions.map((c) => ({ test: c.test as string, variable: c.variable as string, values: c.values as string[] })),
    };
  });
  return { state: "known", statements, from: `${where} (configuration; read deferred to apply)` };
}

const DOCUMENT_REFERENCE = /^\$\{(data\.aws_iam_policy_document\.[A-Za-z0-9_-]+)\.(json|minified_json)\}$/;

/** The policy document in a resource's attribute at `path` (for example ["policy"] or ["inline_policy", 0, "policy"]). */
export function policyDocumentAt(plan: Plan, resource: PlanResource, path: readonly (string | number)[]): PolicyDocument | undefined {
  const where = `${resource.address}.${path.join(".")}`;
  const v = valueAt(resource, path);
  if (v.state === "known") {
    if (v.value === null || v.value === "") return undefined;
    if (typeof v.value !== "string") return { state: "unknown", reason: `${where} is not a JSON string` };
    return parsePolicyJson(v.value, where);
  }
  const match = v.expression === undefined ? null : DOCUMENT_REFERENCE.exec(v.expression);
  if (match === null) {
    const from = v.expression ?? (v.references.length > 0 ? v.references.join(", ") : "an expression");
    return { state: "unknown", reason: `${where} is computed at apply from ${from} and cannot be checked in the plan` };
  }
  const source = plan.dataSource(match[1] as string);
  if (source === undefined) return { state: "unknown", reason: `${where} refers to ${match[1]}, which is not in the plan` };
  if (source.values !== undefined && typeof source.values.json === "string") return parsePolicyJson(source.values.json, match[1] as string);
  return documentFromConfiguration(source.expressions ?? {}, match[1] as string);
}

/** Where a plan's resources hold policies, and what kind each is. */
export const POLICY_ATTRIBUTES: Readonly<Record<string, readonly { readonly path: readonly (string | number)[]; readonly kind: PolicyKind }[]>> = {
  aws_iam_role: [{ path: ["assume_role_policy"], kind: "trust" }],
  aws_iam_role_policy: [{ path: ["policy"], kind: "identity" }],
  aws_iam_policy: [{ path: ["policy"], kind: "identity" }],
  aws_iam_user_policy: [{ path: ["policy"], kind: "identity" }],
  aws_iam_group_policy: [{ path: ["policy"], kind: "identity" }],
  aws_s3_bucket_policy: [{ path: ["policy"], kind: "resource" }],
  aws_sns_topic_policy: [{ path: ["policy"], kind: "resource" }],
  aws_sqs_queue_policy: [{ path: ["policy"], kind: "resource" }],
  aws_kms_key: [{ path: ["policy"], kind: "resource" }],
};

/** identity: attached to a principal; resource: attached to a resource (names principals); trust: a role's assume-role policy. */
export type PolicyKind = "identity" | "resource" | "trust";

export interface LocatedPolicy {
  readonly resource: PlanResource;
  readonly attribute: string;
  readonly kind: PolicyKind;
  readonly document: PolicyDocument;
}

/** Every policy in the plan, with the resource and attribute that holds it (inline role policies included). */
export function policiesIn(plan: Plan): LocatedPolicy[] {
  const found: LocatedPolicy[] = [];
  for (const resource of plan.resources) {
    const paths = [...(POLICY_ATTRIBUTES[resource.type] ?? [])];
    if (resource.type === "aws_iam_role") {
      const inline = valueAt(resource, ["inline_policy"]);
      const count = inline.state === "known" && Array.isArray(inline.value) ? inline.value.length : 0;
      for (let i = 0; i < count; i++) paths.push({ path: ["inline_policy", i, "policy"], kind: "identity" });
    }
    for (const { path, kind } of paths) {
      const document = policyDocumentAt(plan, resource, path);
      if (document !== undefined) found.push({ resource, attribute: path.join("."), kind, document });
    }
  }
  return found;
}
