/**
 * The local runtime's command line.
 *   npm start [-- --date YYYY-MM-DD] [--trades N] [--seed N] [--scenario happy|missing-dataset|bad-input|join-failure]
 *   npm run local -- up [--port N] [--data-dir D] [--deadline-seconds N] [--local-dir D]
 */
import "./polyfills";

import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { isRunDate } from "../lambdas/shared/dates";
import { runDaily, SCENARIOS, type Scenario } from "./daily-run";
import { seedLocalReferences } from "./references";
import { LOCAL_DIR, startLocalStack } from "./runtime";
import { type LocalServicesDescription, serveStepFunctions } from "./sfn-http";

class UsageError extends Error {}

function wholeNumber(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag}: got ${JSON.stringify(value)}; expected a whole number >= ${min}`);
  return n;
}

async function start(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { date: { type: "string" }, trades: { type: "string" }, seed: { type: "string" }, scenario: { type: "string" } },
    strict: true,
  });
  if (values.date !== undefined && !isRunDate(values.date))
    throw new UsageError(`--date: got ${JSON.stringify(values.date)}; expected a calendar date YYYY-MM-DD`);
  const scenario = (values.scenario ?? "happy") as Scenario;
  if (!SCENARIOS.includes(scenario)) throw new UsageError(`--scenario: got ${JSON.stringify(values.scenario)}; allowed: ${SCENARIOS.join(" | ")}`);
  const result = await runDaily({
    runDate: values.date,
    trades: wholeNumber(values.trades, "--trades", 1),
    seed: wholeNumber(values.seed, "--seed", 0),
    scenario,
  });
  return result.ok ? 0 : 1;
}

async function up(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { port: { type: "string" }, "data-dir": { type: "string" }, "deadline-seconds": { type: "string" }, "local-dir": { type: "string" } },
    strict: true,
  });
  const port = wholeNumber(values.port, "--port", 0);
  const deadlineSeconds = wholeNumber(values["deadline-seconds"], "--deadline-seconds", 1);
  const dataDir = values["data-dir"] === undefined ? undefined : resolve(values["data-dir"]);
  // --local-dir lets a test run its own stack beside a developer's (or another test's) .local/.
  const localDir = values["local-dir"] === undefined ? LOCAL_DIR : resolve(values["local-dir"]);
  const stackFile = join(localDir, "stack.json");
  const servicesFile = join(localDir, "services.json");
  const stack = await startLocalStack({
    port,
    dataDir,
    deadlineSeconds,
    outboxPath: join(localDir, "outbox.jsonl"),
    onExecution: (e) => process.stdout.write(`execution ${e.name}: ${e.status}${e.error ? ` (${e.error})` : ""}\n`),
    onState: (e) => {
      if (e.phase === "entered") process.stdout.write(`  ${e.executionName}: ${e.state}\n`);
    },
    onAlert: (m) => process.stdout.write(`ALERT ${m.subject}\n${m.message}\n`),
  });
  await seedLocalReferences(stack);
  const description = stack.describe();
  mkdirSync(dirname(stackFile), { recursive: true });
  writeFileSync(stackFile, `${JSON.stringify({ ...description, outbox: relativeToRepo(description.outbox) }, null, 2)}\n`);
  // Step Functions over HTTP for the scripts' --local mode; stack.json keeps its documented shape, so its endpoint goes beside it.
  const stepFunctions = await serveStepFunctions(stack.sfn);
  const services: LocalServicesDescription = {
    environment: stack.config.environment,
    region: stack.config.region,
    stepFunctions: { endpoint: stepFunctions.endpoint, region: stack.config.region },
    stateMachines: Object.fromEntries(Object.entries(stack.config.pipelines).map(([name, p]) => [name, p.stateMachineArn])),
    buckets: { landing: stack.config.landingBucket, results: stack.config.resultsBucket, artifacts: stack.config.controlBucket },
    alertTopicArn: stack.config.alertTopicArn,
    outbox: relativeToRepo(description.outbox),
  };
  writeFileSync(servicesFile, `${JSON.stringify(services, null, 2)}\n`);
  process.stdout.write(
    `Local stack ready: S3 at ${description.s3.endpoint}, Step Functions at ${stepFunctions.endpoint}; wrote ${relativeToRepo(stackFile)} and ${relativeToRepo(servicesFile)}. Ctrl-C stops it.\n`,
  );

  await new Promise<void>((resolveStop) => {
    const stop = (signal: string) => {
      process.stdout.write(`${signal}: stopping the local stack\n`);
      resolveStop();
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
  await stepFunctions.stop();
  await stack.stop();
  rmSync(stackFile, { force: true });
  rmSync(servicesFile, { force: true });
  return 0;
}

function relativeToRepo(path: string): string {
  const root = resolve(LOCAL_DIR, "..");
  return path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "start") return start(rest);
  if (command === "up") return up(rest);
  throw new UsageError(`unknown command ${JSON.stringify(command)}; usage: npm start [-- options] | npm run local -- up [--port N] [--data-dir D]`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof UsageError ? "usage error" : "error"}: ${(err as Error).message}\n`);
    if (!(err instanceof UsageError) && (err as Error).stack) process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(2);
  },
);
