/**
 * Benchmarks of the local runtime (issue "The local runtime"), written to bench/local-run-results.md:
 * 1. wall time of `npm start` (a whole default daily run, as a newcomer runs it);
 * 2. time from the last marker upload to RunJoin being entered;
 * 3. state transitions of a successful run whose wait lasted 1 s and 6 s (the wait is a
 *    callback: no state runs while it waits, so a 10 h wait costs the same);
 * 4. the join at 1M trades through the pipeline (RunJoin: S3 download, DuckDB, S3 upload) against
 *    DuckDB running the same spec and SQL directly on the same local files.
 * Run: npx tsx bench/local-run.ts [--trades 1000000]
 */
import "../local/polyfills";
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { generateDailyDatasets, writeDailyDatasets, writeReferenceParquet } from "../datagen";
import { putStep, uploadPlan } from "../datagen/upload";
import { runJoinLocal } from "../engine/duckdb-engine";
import { buildJobSpec } from "../engine/spec";
import { dailyExecutionName } from "../lambdas/shared/contracts";
import { runDaily } from "../local/daily-run";
import { LOCAL_REFERENCE_SIZES, seedLocalReferences } from "../local/references";
import { defaultEnvironment, REPO_ROOT, startLocalStack } from "../local/runtime";
import { ResourceNames } from "../stacks/names";

const { values } = parseArgs({ options: { trades: { type: "string" } } });
const BIG = Number(values.trades ?? 1_000_000);
const ROOT = resolve(__dirname, "..");

function time<T>(fn: () => T): { value: T; seconds: number } {
  const start = process.hrtime.bigint();
  const value = fn();
  return { value, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

async function timeAsync<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { value, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

/** Transitions (states entered) of one run whose last marker arrives `waitMs` after the others. */
async function transitionsWithWait(waitMs: number, runDate: string): Promise<number> {
  const environment = defaultEnvironment();
  const names = new ResourceNames(environment);
  let transitions = 0;
  const execution = dailyExecutionName("finance-risk", runDate);
  const stack = await startLocalStack({
    environment,
    onState: (e) => {
      if (e.phase === "entered" && e.executionName === execution) transitions++;
    },
  });
  try {
    await seedLocalReferences(stack);
    const day = generateDailyDatasets({ seed: 7, runDate, trades: 1000, ...LOCAL_REFERENCE_SIZES });
    const plan = uploadPlan(day, { pipeline: "finance-risk" });
    const last = plan[plan.length - 1];
    for (const step of plan) {
      if (step === last) await new Promise((r) => setTimeout(r, waitMs));
      await putStep(stack.s3.client, stack.config.landingBucket, step);
    }
    const summary = await stack.sfn.waitForExecution(stack.sfn.executionArn(names.stateMachine("finance-risk"), execution));
    if (summary.status !== "SUCCEEDED") throw new Error(`run with a ${waitMs} ms wait ended ${summary.status}`);
    return transitions;
  } finally {
    await stack.stop();
  }
}

/** DuckDB alone: the same spec and SQL over the same files on local disk. */
async function directJoinSeconds(trades: number, runDate: string): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), "bench-direct-"));
  try {
    const pipeline = defaultEnvironment().pipelines.find((p) => p.name === "finance-risk");
    if (!pipeline) throw new Error("no finance-risk pipeline in the dev environment");
    const day = generateDailyDatasets({
      seed: 20261203,
      runDate,
      trades,
      ...LOCAL_REFERENCE_SIZES,
      exceptions: { UNKNOWN_ACCOUNT: 7, UNKNOWN_INSTRUMENT: 5, MISSING_PRICE: 4, MISSING_FX_RATE: 3 },
    });
    const files = await writeDailyDatasets(day, join(dir, "landing"));
    const references = await writeReferenceParquet(LOCAL_REFERENCE_SIZES, join(dir, "references"));
    const { seconds } = await timeAsync(() =>
      runJoinLocal({
        spec: buildJobSpec(pipeline),
        sqlDir: join(REPO_ROOT, "glue", "sql", "finance-risk"),
        runDate,
        executionName: "bench-direct",
        inputs: files,
        references: { accounts: references.accounts, instruments: references.instruments },
        outputDir: join(dir, "out"),
      }),
    );
    return seconds;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const npmStart = time(() =>
    execFileSync("npm", ["start", "--silent"], { cwd: ROOT, stdio: "pipe", env: { ...process.env, CI: "true" }, maxBuffer: 64 * 1024 * 1024 }),
  );
  const startOutput = npmStart.value.toString();
  const markerToJoin = /last marker -> join start ([\d.]+) s/.exec(startOutput)?.[1];

  const oneSecond = await transitionsWithWait(1000, "2026-10-01");
  const sixSeconds = await transitionsWithWait(6000, "2026-10-02");

  const runDate = "2026-10-03";
  const big = await runDaily({ runDate, trades: BIG, out: process.stderr as NodeJS.WriteStream });
  const pipelineJoin = big.outcomes[0]?.timings.joinSeconds;
  if (!big.ok || pipelineJoin === undefined) throw new Error(`the ${BIG}-trade run did not succeed`);
  const direct = await directJoinSeconds(BIG, runDate);
  const overhead = (pipelineJoin - direct) / direct;

  const lines = [
    "## Local runtime",
    "",
    `Measured ${new Date().toISOString().slice(0, 10)} on this machine (${cpus().length} cores, ${Math.round(totalmem() / 1024 ** 3)} GiB, Node.js ${process.version}) with \`npx tsx bench/local-run.ts --trades ${BIG}\`.`,
    "",
    "| measure | result | target |",
    "| --- | --- | --- |",
    `| wall time of \`npm start\` (10,000 trades, whole run incl. synth, s3rver, DuckDB) | ${npmStart.seconds.toFixed(1)} s | |`,
    `| last marker upload -> RunJoin entered (\`npm start\`) | ${markerToJoin ?? "n/a"} s | < 1 s |`,
    `| states entered by a successful run, wait of 1 s | ${oneSecond} | |`,
    `| states entered by a successful run, wait of 6 s | ${sixSeconds} | the same (a 10 h wait too: callback, no polling) |`,
    `| RunJoin at ${BIG.toLocaleString("en-US")} trades through the pipeline (S3 download, DuckDB, S3 upload) | ${pipelineJoin.toFixed(2)} s | |`,
    `| DuckDB alone, same spec and SQL, same files on local disk | ${direct.toFixed(2)} s | |`,
    `| pipeline overhead | ${(overhead * 100).toFixed(0)}% | < 50% |`,
    "",
  ];
  await writeFile(join(ROOT, "bench", "local-run-results.md"), `${lines.join("\n")}\n`);
  process.stdout.write(`${lines.join("\n")}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
