/**
 * The runtime configuration every Lambda reads from RUNTIME_CONFIG (JSON). The stack and the local
 * runtime build it with `buildRuntimeConfig`; handlers read it once with `loadRuntimeConfig`.
 */
import type { EnvironmentConfig } from "../../config/types";
import { type PipelineRuntime, RUNTIME_CONFIG_ENV, type RuntimeConfig } from "./contracts";

/** RUNTIME_CONFIG is missing or does not describe a RuntimeConfig; the message names the field and the problem. */
export class RuntimeConfigError extends Error {
  constructor(problem: string) {
    super(`${RUNTIME_CONFIG_ENV}: ${problem}`);
    this.name = "RuntimeConfigError";
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  return value === undefined ? "nothing" : JSON.stringify(value);
}

function text(obj: Json, field: string, path: string): string {
  const value = obj[field];
  if (typeof value !== "string" || value.length === 0) throw new RuntimeConfigError(`${path}.${field}: got ${show(value)}; expected a non-empty string`);
  return value;
}

function names(obj: Json, field: string, path: string, allowEmpty: boolean): string[] {
  const value = obj[field];
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string" || v.length === 0) || (!allowEmpty && value.length === 0)) {
    throw new RuntimeConfigError(`${path}.${field}: got ${show(value)}; expected a ${allowEmpty ? "" : "non-empty "}list of names`);
  }
  return value as string[];
}

function integer(obj: Json, field: string, path: string, min: number, max: number): number {
  const value = obj[field];
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    throw new RuntimeConfigError(`${path}.${field}: got ${show(value)}; expected a whole number from ${min} to ${max}`);
  }
  return value as number;
}

function parsePipeline(raw: unknown, path: string): PipelineRuntime {
  if (!isObject(raw)) throw new RuntimeConfigError(`${path}: got ${show(raw)}; expected an object`);
  const datasets = names(raw, "datasets", path, false);
  const outputs = names(raw, "outputs", path, false);
  const balanceRaw = raw.rowBalance ?? [];
  if (!Array.isArray(balanceRaw)) throw new RuntimeConfigError(`${path}.rowBalance: got ${show(balanceRaw)}; expected a list`);
  const rowBalance = balanceRaw.map((rule, i) => {
    const rulePath = `${path}.rowBalance[${i}]`;
    if (!isObject(rule)) throw new RuntimeConfigError(`${rulePath}: got ${show(rule)}; expected { input, outputs }`);
    const input = text(rule, "input", rulePath);
    if (!datasets.includes(input)) throw new RuntimeConfigError(`${rulePath}.input: got ${show(input)}; expected one of ${datasets.join(" | ")}`);
    const ruleOutputs = names(rule, "outputs", rulePath, false);
    for (const o of ruleOutputs) {
      if (!outputs.includes(o)) throw new RuntimeConfigError(`${rulePath}.outputs: got ${show(o)}; expected one of ${outputs.join(" | ")}`);
    }
    return { input, outputs: ruleOutputs };
  });
  const schedule = raw.schedule;
  if (!isObject(schedule)) throw new RuntimeConfigError(`${path}.schedule: got ${show(schedule)}; expected { timezone, runDateOffsetDays }`);
  const timezone = text(schedule, "timezone", `${path}.schedule`);
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
  } catch {
    throw new RuntimeConfigError(`${path}.schedule.timezone: got ${show(timezone)}; expected an IANA time zone such as UTC`);
  }
  return {
    stateMachineArn: text(raw, "stateMachineArn", path),
    datasets,
    outputs,
    deadlineSeconds: integer(raw, "deadlineSeconds", path, 1, 365 * 24 * 3600),
    rowBalance,
    schedule: { timezone, runDateOffsetDays: integer(schedule, "runDateOffsetDays", `${path}.schedule`, -366, 366) },
  };
}

/** Parses and checks the JSON of RUNTIME_CONFIG; throws RuntimeConfigError naming the field and the problem. */
export function parseRuntimeConfig(raw: string | undefined): RuntimeConfig {
  if (raw === undefined || raw.trim() === "")
    throw new RuntimeConfigError("the environment variable is missing or empty; expected the JSON of a RuntimeConfig");
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new RuntimeConfigError(`not valid JSON (${(err as Error).message})`);
  }
  if (!isObject(parsed)) throw new RuntimeConfigError(`got ${show(parsed)}; expected a JSON object`);
  const pipelinesRaw = parsed.pipelines;
  if (!isObject(pipelinesRaw) || Object.keys(pipelinesRaw).length === 0) {
    throw new RuntimeConfigError(`pipelines: got ${show(pipelinesRaw)}; expected an object with at least one pipeline`);
  }
  const pipelines: Record<string, PipelineRuntime> = {};
  for (const [name, pipeline] of Object.entries(pipelinesRaw)) pipelines[name] = parsePipeline(pipeline, `pipelines.${name}`);
  return {
    environment: text(parsed, "environment", "config"),
    region: text(parsed, "region", "config"),
    landingBucket: text(parsed, "landingBucket", "config"),
    resultsBucket: text(parsed, "resultsBucket", "config"),
    controlBucket: text(parsed, "controlBucket", "config"),
    alertTopicArn: text(parsed, "alertTopicArn", "config"),
    consoleBaseUrl: text(parsed, "consoleBaseUrl", "config"),
    pipelines,
  };
}

let loaded: RuntimeConfig | undefined;

/** Reads process.env.RUNTIME_CONFIG once per process (a Lambda container) and keeps the parsed result. */
export function loadRuntimeConfig(): RuntimeConfig {
  loaded ??= parseRuntimeConfig(process.env[RUNTIME_CONFIG_ENV]);
  return loaded;
}

export interface BuildRuntimeConfigProps {
  /** The environment whose pipelines the Lambdas serve (its name, region and pipelines are used). */
  readonly environment: Pick<EnvironmentConfig, "name" | "region" | "pipelines">;
  readonly landingBucket: string;
  readonly resultsBucket: string;
  /** The artifacts bucket; wait registrations live under its control/ prefix. */
  readonly controlBucket: string;
  readonly alertTopicArn: string;
  /** The state machine ARN of a pipeline, computed from its name so no Lambda depends on the state machine resource. */
  readonly stateMachineArn: (pipeline: string) => string;
  /** Default: `https://<region>.console.aws.amazon.com`. The local runtime passes "local". */
  readonly consoleBaseUrl?: string;
}

/** The RuntimeConfig for an environment; `JSON.stringify` it into RUNTIME_CONFIG. */
export function buildRuntimeConfig(props: BuildRuntimeConfigProps): RuntimeConfig {
  const pipelines: Record<string, PipelineRuntime> = {};
  for (const p of props.environment.pipelines) {
    pipelines[p.name] = {
      stateMachineArn: props.stateMachineArn(p.name),
      datasets: p.datasets.map((d) => d.name),
      outputs: p.outputs.map((o) => o.name),
      deadlineSeconds: p.deadlineSeconds,
      rowBalance: (p.rowBalance ?? []).map((b) => ({ input: b.input, outputs: [...b.outputs] })),
      schedule: { timezone: p.schedule.timezone ?? "UTC", runDateOffsetDays: p.schedule.runDateOffsetDays ?? 0 },
    };
  }
  return {
    environment: props.environment.name,
    region: props.environment.region,
    landingBucket: props.landingBucket,
    resultsBucket: props.resultsBucket,
    controlBucket: props.controlBucket,
    alertTopicArn: props.alertTopicArn,
    consoleBaseUrl: props.consoleBaseUrl ?? `https://${props.environment.region}.console.aws.amazon.com`,
    pipelines,
  };
}

/** arn:<partition>:states:<region>:<account>:stateMachine:<name>, for `buildRuntimeConfig`'s stateMachineArn. */
export function stateMachineArnFromName(region: string, accountId: string, name: string, partition = "aws"): string {
  return `arn:${partition}:states:${region}:${accountId}:stateMachine:${name}`;
}
