/**
 * Reads a pipeline's state machine definition out of a synthesized cdk.tf.json, so that the local
 * runtime and the tests execute the very definition Terraform deploys. Terraform interpolations in
 * it (`${aws_lambda_function.x.arn}`, ...) are replaced with fake but well-formed values: the local
 * handlers are keyed by state name and never call those ARNs.
 */
import type { StateMachineDefinition, TaskState } from "../stacks/orchestration/asl";

export interface FakeArnOptions {
  /** Default: the aws provider's region in the stack, else "us-east-1". */
  readonly region?: string;
  /** Default: the provider's first allowed account, else "000000000000". */
  readonly accountId?: string;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function literal(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" && !value.includes("${") ? value : undefined;
}

/** The fields that hold a resource's own name, by preference. */
const NAME_FIELDS = ["function_name", "name", "topic_name", "job_name"] as const;

/** ARN shapes of the resource types a state machine definition references. */
const ARN_OF: Readonly<Record<string, (name: string, region: string, account: string) => string>> = {
  aws_lambda_function: (n, r, a) => `arn:aws:lambda:${r}:${a}:function:${n}`,
  aws_lambda_alias: (n, r, a) => `arn:aws:lambda:${r}:${a}:function:${n}:live`,
  aws_glue_job: (n, r, a) => `arn:aws:glue:${r}:${a}:job/${n}`,
  aws_sns_topic: (n, r, a) => `arn:aws:sns:${r}:${a}:${n}`,
  aws_kms_key: (n, r, a) => `arn:aws:kms:${r}:${a}:key/${n}`,
  aws_sfn_state_machine: (n, r, a) => `arn:aws:states:${r}:${a}:stateMachine:${n}`,
  aws_iam_role: (n, _r, a) => `arn:aws:iam::${a}:role/${n}`,
  aws_s3_bucket: (n) => `arn:aws:s3:::${n}`,
};

class Resolver {
  readonly region: string;
  readonly account: string;

  constructor(
    private readonly stack: Json,
    options: FakeArnOptions,
  ) {
    const provider = isObject(stack.provider) ? stack.provider.aws : undefined;
    const aws = Array.isArray(provider) ? provider[0] : provider;
    const allowed = isObject(aws) && Array.isArray(aws.allowed_account_ids) ? literal(aws.allowed_account_ids[0]) : undefined;
    this.region = options.region ?? (isObject(aws) ? literal(aws.region) : undefined) ?? "us-east-1";
    this.account = options.accountId ?? allowed ?? "000000000000";
  }

  /** The value of one interpolation (its text between `${` and `}`), or an error naming it. */
  resolve(expression: string, where: string): string {
    const parts = expression.trim().split(".");
    if (parts[0] === "data" && parts.length === 4) {
      const [, type, , attribute] = parts;
      if (type === "aws_caller_identity" && attribute === "account_id") return this.account;
      if (type === "aws_region" && (attribute === "name" || attribute === "region" || attribute === "id")) return this.region;
      if (type === "aws_partition" && attribute === "partition") return "aws";
      if (type === "aws_partition" && attribute === "dns_suffix") return "amazonaws.com";
    }
    if (parts.length === 3 && parts.every((p) => /^[A-Za-z0-9_-]+$/.test(p))) {
      const [type, id, attribute] = parts;
      const resources = isObject(this.stack.resource) ? this.stack.resource[type] : undefined;
      const resource = isObject(resources) ? resources[id] : undefined;
      const name = (isObject(resource) ? NAME_FIELDS.map((f) => literal(resource[f])).find((v) => v !== undefined) : undefined) ?? id;
      if (attribute === "arn" || attribute === "qualified_arn" || attribute === "invoke_arn") {
        const arn = ARN_OF[type];
        return arn === undefined
          ? `arn:aws:${type.replace(/^aws_/, "").split("_")[0]}:${this.region}:${this.account}:${type}/${name}`
          : arn(name, this.region, this.account);
      }
      if (NAME_FIELDS.includes(attribute as (typeof NAME_FIELDS)[number]) || attribute === "id" || attribute === "key_id") return name;
      return `${id}-${attribute}`;
    }
    throw new Error(
      `${where}: cannot fake the Terraform expression \${${expression}}; only references (type.name.attribute, data.type.name.attribute) are supported`,
    );
  }
}

/** Replaces `${...}` interpolations (not `$${`, Terraform's escape for a literal `${`) in a string. */
function interpolate(text: string, resolver: Resolver, where: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    if (text.startsWith("$${", i)) {
      out += "${";
      i += 3;
      continue;
    }
    if (text.startsWith("${", i)) {
      let depth = 1;
      let j = i + 2;
      while (j < text.length && depth > 0) {
        if (text[j] === "{") depth++;
        else if (text[j] === "}") depth--;
        j++;
      }
      if (depth !== 0) throw new Error(`${where}: unterminated interpolation at character ${i}: ${JSON.stringify(text.slice(i, i + 60))}`);
      out += resolver.resolve(text.slice(i + 2, j - 1), where);
      i = j;
      continue;
    }
    out += text[i];
    i++;
  }
  return out;
}

/** How a state machine resource is matched to a pipeline: its pipeline tag, or a name that is or ends with the pipeline. */
function belongsTo(resource: Json, pipeline: string): boolean {
  for (const tagField of ["tags", "tags_all"]) {
    const tags = resource[tagField];
    if (isObject(tags) && tags.pipeline === pipeline) return true;
  }
  const name = literal(resource.name);
  return name !== undefined && (name === pipeline || name.endsWith(`-${pipeline}`));
}

/**
 * The definition of `pipeline`'s aws_sfn_state_machine in a synthesized cdk.tf.json, with every
 * Terraform interpolation replaced by a fake, well-formed value. Throws naming what was found when
 * there is not exactly one such state machine, or when its definition is not a JSON string.
 */
export function definitionFromSynthesizedStack(stackJson: object, pipeline: string, options: FakeArnOptions = {}): StateMachineDefinition {
  const stack = stackJson as Json;
  const machines = isObject(stack.resource) && isObject(stack.resource.aws_sfn_state_machine) ? stack.resource.aws_sfn_state_machine : {};
  const all = Object.entries(machines).filter((entry): entry is [string, Json] => isObject(entry[1]));
  const matches = all.filter(([, resource]) => belongsTo(resource, pipeline));
  const describe = all.map(
    ([id, r]) => `${id} (name ${JSON.stringify(r.name)}, pipeline tag ${JSON.stringify(isObject(r.tags) ? r.tags.pipeline : undefined)})`,
  );
  if (matches.length !== 1) {
    throw new Error(
      `definitionFromSynthesizedStack: expected one aws_sfn_state_machine for pipeline ${JSON.stringify(pipeline)}, found ${matches.length}; state machines in the stack: ${describe.join(", ") || "none"}`,
    );
  }
  const [id, resource] = matches[0];
  const where = `aws_sfn_state_machine.${id}.definition`;
  if (typeof resource.definition !== "string") {
    throw new Error(`${where}: got ${JSON.stringify(resource.definition)?.slice(0, 120)}; expected the rendered definition as a JSON string`);
  }
  const text = interpolate(resource.definition, new Resolver(stack, options), where);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`${where}: not valid JSON after replacing interpolations (${(err as Error).message})`);
  }
  if (!isObject(parsed) || typeof parsed.StartAt !== "string" || !isObject(parsed.States)) {
    throw new Error(`${where}: not a state machine definition (no StartAt or States)`);
  }
  return parsed as unknown as StateMachineDefinition;
}

/**
 * A copy of a definition with a Task state's TimeoutSeconds changed: the local runtime and tests
 * shorten the WaitForDatasets deadline without touching the deployed definition.
 */
export function withTaskTimeout(definition: StateMachineDefinition, state: string, timeoutSeconds: number): StateMachineDefinition {
  const target = definition.States[state];
  if (target === undefined || target.Type !== "Task") {
    throw new Error(
      `withTaskTimeout: ${JSON.stringify(state)} is not a Task state of the definition (Task states: ${Object.entries(definition.States)
        .filter(([, s]) => s.Type === "Task")
        .map(([n]) => n)
        .join(", ")})`,
    );
  }
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1) throw new Error(`withTaskTimeout: timeoutSeconds ${timeoutSeconds} must be a whole number >= 1`);
  const changed: TaskState = { ...target, TimeoutSeconds: timeoutSeconds };
  return { ...definition, States: { ...definition.States, [state]: changed } };
}
