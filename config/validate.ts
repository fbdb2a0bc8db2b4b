import type { ColumnConfig, DatasetConfig, EnvironmentConfig, PipelineConfig, ProjectConfig } from "./types";

/** Thrown by `validateConfig`; `problems` lists every field that is wrong, each with its path. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

const NAME = /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/;
const COLUMN = /^[a-z_][a-z0-9_]{0,62}$/;
const PREFIX = /^[a-z][a-z0-9-]{1,22}[a-z0-9]$/;
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
const S3_PREFIX_URI = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/([^\s]+\/)?$/;
const SQL_FILE = /^[a-z0-9_][a-z0-9_-]*\.sql$/;

const COLUMN_TYPES = ["string", "decimal", "integer", "timestamp", "date", "boolean"] as const;
const DATASET_FORMATS = ["csv", "parquet", "json"] as const;
const REFERENCE_FORMATS = ["parquet", "csv", "json"] as const;
const WORKER_TYPES = ["G.1X", "G.2X", "G.4X", "G.8X"] as const;
const EXECUTION_CLASSES = ["STANDARD", "FLEX"] as const;
const ENVIRONMENT_NAMES = ["dev", "prod"] as const;
const PROTOCOLS = ["email", "https", "sqs", "lambda", "sms"] as const;
const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

class Checker {
  readonly problems: string[] = [];

  check(ok: boolean, path: string, value: unknown, allowed: string): void {
    if (!ok) this.problems.push(`${path}: got ${show(value)}; allowed: ${allowed}`);
  }

  oneOf<T>(value: T, allowed: readonly T[], path: string): void {
    this.check(allowed.includes(value), path, value, allowed.map((a) => String(a)).join(" | "));
  }

  matches(value: unknown, pattern: RegExp, path: string, allowed: string): void {
    this.check(typeof value === "string" && pattern.test(value), path, value, allowed);
  }

  integer(value: unknown, min: number, max: number, path: string): void {
    this.check(Number.isInteger(value) && (value as number) >= min && (value as number) <= max, path, value, `a whole number from ${min} to ${max}`);
  }

  unique(names: readonly string[], path: string): void {
    const seen = new Set<string>();
    for (const name of names) {
      this.check(!seen.has(name), path, name, "names that are unique within the list");
      seen.add(name);
    }
  }
}

function show(value: unknown): string {
  return value === undefined ? "nothing" : JSON.stringify(value);
}

function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function checkColumn(c: Checker, column: ColumnConfig, path: string): void {
  c.matches(column.name, COLUMN, `${path}.name`, "lower-case letters, digits and _ (a SQL identifier)");
  c.oneOf(column.type, COLUMN_TYPES, `${path}.type`);
  const numeric = column.type === "decimal" || column.type === "integer";
  if (column.min !== undefined) {
    c.check(numeric, `${path}.min`, column.min, `only on decimal or integer columns (this one is ${column.type})`);
    c.check(Number.isFinite(column.min), `${path}.min`, column.min, "a finite number");
  }
  if (column.minExclusive !== undefined) c.check(column.min !== undefined, `${path}.minExclusive`, column.minExclusive, "only together with min");
  if (column.allowedValues !== undefined) c.check(column.allowedValues.length > 0, `${path}.allowedValues`, column.allowedValues, "a non-empty list");
  if (column.pattern !== undefined) {
    let compiles = true;
    try {
      new RegExp(column.pattern);
    } catch {
      compiles = false;
    }
    c.check(compiles && !column.pattern.includes("'"), `${path}.pattern`, column.pattern, "a regular expression without a single quote");
  }
  for (const [i, v] of (column.allowedValues ?? []).entries()) {
    c.check(!v.includes("'"), `${path}.allowedValues[${i}]`, v, "values without a single quote");
  }
}

function checkDataset(c: Checker, dataset: DatasetConfig, path: string): void {
  c.matches(dataset.name, /^[a-z][a-z0-9_]{0,62}$/, `${path}.name`, "lower-case letters, digits and _, starting with a letter");
  c.oneOf(dataset.format, DATASET_FORMATS, `${path}.format`);
  c.check(dataset.columns.length > 0, `${path}.columns`, dataset.columns, "at least one column");
  dataset.columns.forEach((column, i) => checkColumn(c, column, `${path}.columns[${i}]`));
  c.unique(
    dataset.columns.map((col) => col.name),
    `${path}.columns[].name`,
  );
  const names = new Set(dataset.columns.map((col) => col.name));
  for (const [i, key] of (dataset.uniqueKey ?? []).entries()) {
    c.check(names.has(key), `${path}.uniqueKey[${i}]`, key, `a declared column (${[...names].join(", ")})`);
  }
  if (dataset.csv !== undefined) {
    c.check(dataset.format === "csv", `${path}.csv`, dataset.csv, 'only on format "csv"');
    const delimiter = dataset.csv.delimiter;
    if (delimiter !== undefined)
      c.check(delimiter.length === 1 && delimiter !== "'" && delimiter !== '"', `${path}.csv.delimiter`, delimiter, "one character other than a quote");
  }
}

/** Views share one namespace with datasets, references and outputs, and each needs its own SQL file (one upload per file). */
function checkViews(c: Checker, pipeline: PipelineConfig, path: string): void {
  const names = new Map<string, string>([
    ...pipeline.datasets.map((d): [string, string] => [d.name, "a dataset"]),
    ...pipeline.references.map((r): [string, string] => [r.name, "a reference"]),
    ...pipeline.outputs.map((o): [string, string] => [o.name, "an output"]),
    ["run_parameters", "the view the engines register for the run"],
  ]);
  const files = new Map<string, string>(pipeline.outputs.map((o) => [o.sqlFile, `output "${o.name}"`]));
  (pipeline.views ?? []).forEach((v, i) => {
    const vp = `${path}.views[${i}]`;
    c.matches(v.name, /^[a-z][a-z0-9_]{0,62}$/, `${vp}.name`, "lower-case letters, digits and _, starting with a letter (a SQL identifier)");
    const clash = names.get(v.name);
    c.check(clash === undefined, `${vp}.name`, v.name, `a name no dataset, reference, output or other view has (${clash} has it)`);
    names.set(v.name, "another view");
    c.matches(v.sqlFile, SQL_FILE, `${vp}.sqlFile`, "a file name like my_view.sql under glue/sql/<pipeline>/");
    const user = files.get(v.sqlFile);
    c.check(user === undefined, `${vp}.sqlFile`, v.sqlFile, `a file no output or other view uses (${user} uses it)`);
    files.set(v.sqlFile, `view "${v.name}"`);
  });
}

function checkPipeline(c: Checker, pipeline: PipelineConfig, path: string): void {
  c.matches(pipeline.name, NAME, `${path}.name`, "3 to 32 lower-case letters, digits and dashes, starting with a letter");
  c.check(pipeline.datasets.length > 0, `${path}.datasets`, pipeline.datasets, "at least one dataset");
  pipeline.datasets.forEach((d, i) => checkDataset(c, d, `${path}.datasets[${i}]`));
  c.unique(
    pipeline.datasets.map((d) => d.name),
    `${path}.datasets[].name`,
  );
  pipeline.references.forEach((r, i) => {
    const rp = `${path}.references[${i}]`;
    c.matches(r.name, /^[a-z][a-z0-9_]{0,62}$/, `${rp}.name`, "lower-case letters, digits and _, starting with a letter");
    c.matches(r.location, S3_PREFIX_URI, `${rp}.location`, "s3://bucket/prefix/ ending in /");
    c.oneOf(r.format, REFERENCE_FORMATS, `${rp}.format`);
    c.check(r.columns.length > 0, `${rp}.columns`, r.columns, "at least one column (column pruning)");
    r.columns.forEach((col, j) => c.matches(col, COLUMN, `${rp}.columns[${j}]`, "a SQL identifier"));
  });
  const views = [...pipeline.datasets.map((d) => d.name), ...pipeline.references.map((r) => r.name)];
  c.unique(views, `${path}.datasets[].name + references[].name`);
  c.check(pipeline.outputs.length > 0, `${path}.outputs`, pipeline.outputs, "at least one output");
  pipeline.outputs.forEach((o, i) => {
    c.matches(o.name, /^[a-z][a-z0-9_]{0,62}$/, `${path}.outputs[${i}].name`, "lower-case letters, digits and _");
    c.matches(o.sqlFile, SQL_FILE, `${path}.outputs[${i}].sqlFile`, "a file name like my_output.sql under glue/sql/<pipeline>/");
  });
  c.unique(
    pipeline.outputs.map((o) => o.name),
    `${path}.outputs[].name`,
  );
  checkViews(c, pipeline, path);
  const outputs = new Set(pipeline.outputs.map((o) => o.name));
  const datasets = new Set(pipeline.datasets.map((d) => d.name));
  (pipeline.rowBalance ?? []).forEach((b, i) => {
    c.check(datasets.has(b.input), `${path}.rowBalance[${i}].input`, b.input, [...datasets].join(" | "));
    b.outputs.forEach((o, j) => c.check(outputs.has(o), `${path}.rowBalance[${i}].outputs[${j}]`, o, [...outputs].join(" | ")));
  });
  c.integer(pipeline.deadlineSeconds, 1, 365 * 24 * 3600, `${path}.deadlineSeconds`);
  c.matches(pipeline.schedule.expectedStart, HHMM, `${path}.schedule.expectedStart`, '"HH:MM" (24-hour clock)');
  const zone = pipeline.schedule.timezone ?? "UTC";
  c.check(isValidTimeZone(zone), `${path}.schedule.timezone`, zone, "an IANA time zone such as UTC or Europe/London");
  if (pipeline.schedule.runDateOffsetDays !== undefined) c.integer(pipeline.schedule.runDateOffsetDays, -7, 0, `${path}.schedule.runDateOffsetDays`);
  const glue = pipeline.glue;
  c.oneOf(glue.version ?? "5.0", ["5.0"], `${path}.glue.version`);
  c.oneOf(glue.workerType, WORKER_TYPES, `${path}.glue.workerType`);
  c.integer(glue.maxWorkers, 2, 1000, `${path}.glue.maxWorkers`);
  c.oneOf(glue.executionClass ?? "STANDARD", EXECUTION_CLASSES, `${path}.glue.executionClass`);
  if (glue.executionClass === "FLEX") c.oneOf(glue.workerType, ["G.1X", "G.2X"] as const, `${path}.glue.workerType (FLEX)`);
  c.integer(glue.timeoutMinutes, 1, 2880, `${path}.glue.timeoutMinutes`);
  const spark = pipeline.spark ?? {};
  if (spark.broadcastThresholdBytes !== undefined) c.integer(spark.broadcastThresholdBytes, -1, 8 * 1024 ** 3, `${path}.spark.broadcastThresholdBytes`);
  if (spark.shufflePartitions !== undefined) c.integer(spark.shufflePartitions, 1, 100000, `${path}.spark.shufflePartitions`);
  (spark.broadcastDatasets ?? []).forEach((d, i) => c.check(datasets.has(d), `${path}.spark.broadcastDatasets[${i}]`, d, [...datasets].join(" | ")));
}

function checkEnvironment(c: Checker, env: EnvironmentConfig, path: string): void {
  c.oneOf(env.name, ENVIRONMENT_NAMES, `${path}.name`);
  c.matches(env.accountId, /^\d{12}$/, `${path}.accountId`, "a 12-digit AWS account id");
  c.matches(env.region, REGION, `${path}.region`, "an AWS region such as us-east-1");
  c.matches(env.namePrefix, PREFIX, `${path}.namePrefix`, "3 to 24 lower-case letters, digits and dashes, starting with a letter");
  env.alertSubscriptions.forEach((s, i) => {
    c.oneOf(s.protocol, PROTOCOLS, `${path}.alertSubscriptions[${i}].protocol`);
    c.check(s.endpoint.trim().length > 0, `${path}.alertSubscriptions[${i}].endpoint`, s.endpoint, "a non-empty endpoint");
    if (s.protocol === "email") c.matches(s.endpoint, /^[^@\s]+@[^@\s]+\.[^@\s]+$/, `${path}.alertSubscriptions[${i}].endpoint`, "an email address");
    if (s.protocol === "https") c.matches(s.endpoint, /^https:\/\/\S+$/, `${path}.alertSubscriptions[${i}].endpoint`, "an https:// URL");
  });
  if (env.stateBackend) {
    c.matches(env.stateBackend.bucket, /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, `${path}.stateBackend.bucket`, "an S3 bucket name");
    c.matches(env.stateBackend.region, REGION, `${path}.stateBackend.region`, "an AWS region");
  }
  if (env.logRetentionDays !== undefined) c.oneOf(env.logRetentionDays, RETENTION_DAYS, `${path}.logRetentionDays`);
  if (env.landingRetentionDays !== undefined) c.integer(env.landingRetentionDays, 1, 3650, `${path}.landingRetentionDays`);
  c.check(env.pipelines.length > 0, `${path}.pipelines`, env.pipelines, "at least one pipeline");
  env.pipelines.forEach((p, i) => checkPipeline(c, p, `${path}.pipelines[${i}]`));
  c.unique(
    env.pipelines.map((p) => p.name),
    `${path}.pipelines[].name`,
  );
}

// https://docs.github.com/en/get-started/learning-about-github/types-of-github-accounts (owner names)
const GITHUB_OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const GITHUB_REPOSITORY = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,100}$/;

function checkGitHub(c: Checker, github: ProjectConfig["github"] | undefined): void {
  c.check(github !== undefined, "github", github, "{ owner, repository } of the repository running the workflows");
  if (github === undefined) return;
  c.matches(github.owner, GITHUB_OWNER, "github.owner", "a GitHub user or organization name (letters, digits, single dashes, up to 39)");
  c.matches(github.repository, GITHUB_REPOSITORY, "github.repository", "a GitHub repository name (letters, digits, . _ -, up to 100)");
}

/** Checks the whole configuration and throws one `ConfigError` naming every wrong field, its value and what is allowed. */
export function validateConfig(config: ProjectConfig): ProjectConfig {
  const c = new Checker();
  c.matches(config.project, NAME, "project", "3 to 32 lower-case letters, digits and dashes");
  checkGitHub(c, config.github);
  c.check(config.environments.length > 0, "environments", config.environments, "at least one environment");
  config.environments.forEach((env, i) => checkEnvironment(c, env, `environments[${i}] (${env.name})`));
  c.unique(
    config.environments.map((e) => e.name),
    "environments[].name",
  );
  c.unique(
    config.environments.map((e) => e.namePrefix),
    "environments[].namePrefix",
  );
  if (c.problems.length > 0) throw new ConfigError(c.problems);
  return config;
}
