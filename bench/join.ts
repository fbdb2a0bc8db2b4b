/**
 * Benchmark of the finance-risk join on DuckDB: 1M trades against 10M accounts and 1M instruments.
 *
 *   npx tsx bench/join.ts [--trades N] [--accounts N] [--instruments N] [--threads N] [--keep]
 *
 * Reference data is written by DuckDB from range() and the daily CSVs by the seeded generator;
 * the join (validation, typed views, both outputs, Parquet writes, manifest) then runs in a child
 * process so that its peak RSS is measured alone. Results go to stdout; bench/README.md records
 * them. Not part of `npm test`.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { financeRiskPipeline } from "../config";
import { generateDailyDatasets, writeDailyDatasets, writeReferenceParquet } from "../datagen";
import { type LocalInputFile, runJoinLocal } from "../engine/duckdb-engine";
import { buildJobSpec } from "../engine/spec";

const RUN_DATE = "2026-12-03";

interface Options {
  readonly trades: number;
  readonly accounts: number;
  readonly instruments: number;
  readonly threads?: number;
  readonly keep: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const value = (name: string, fallback: number) => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return fallback;
    const n = Number(argv[i + 1]);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: got ${JSON.stringify(argv[i + 1])}; expected a whole number >= 1`);
    return n;
  };
  const threads = argv.includes("--threads") ? value("threads", 1) : undefined;
  return {
    trades: value("trades", 1_000_000),
    accounts: value("accounts", 10_000_000),
    instruments: value("instruments", 1_000_000),
    threads,
    keep: argv.includes("--keep"),
  };
}

interface JoinRun {
  readonly inputs: Record<string, LocalInputFile[]>;
  readonly references: Record<string, readonly string[]>;
  readonly outputDir: string;
  readonly threads?: number;
}

interface JoinMeasurement {
  readonly seconds: number;
  readonly maxRssMiB: number;
  readonly outputs: Record<string, number>;
  readonly inputRows: number;
  readonly phases: Record<string, number>;
}

/** The measured part, in its own process: one runJoinLocal call. */
async function measureJoin(run: JoinRun): Promise<JoinMeasurement> {
  const started = process.hrtime.bigint();
  const phases: Record<string, number> = {};
  const manifest = await runJoinLocal({
    onPhase: (phase, seconds) => {
      phases[phase] = Number(seconds.toFixed(2));
    },
    spec: buildJobSpec(financeRiskPipeline({ referenceBucket: "bench-reference" })),
    sqlDir: join(__dirname, "../glue/sql/finance-risk"),
    runDate: RUN_DATE,
    executionName: `finance-risk-${RUN_DATE}`,
    inputs: run.inputs,
    references: run.references,
    outputDir: run.outputDir,
    threads: run.threads,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    seconds,
    // resourceUsage().maxRSS is in KiB on Linux and includes DuckDB's native allocations.
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    outputs: Object.fromEntries(manifest.outputs.map((o) => [o.name, o.rows])),
    inputRows: manifest.inputs.find((i) => i.dataset === "trades")?.rows ?? 0,
    phases,
  };
}

async function timed<T>(what: () => Promise<T>): Promise<[T, number]> {
  const started = process.hrtime.bigint();
  const result = await what();
  return [result, Number(process.hrtime.bigint() - started) / 1e9];
}

async function main(): Promise<void> {
  if (process.argv[2] === "--measure-join") {
    const measurement = await measureJoin(JSON.parse(process.argv[3]) as JoinRun);
    process.stdout.write(`${JSON.stringify(measurement)}\n`);
    return;
  }
  const options = parseOptions(process.argv.slice(2));
  const dir = await mkdtemp(join(tmpdir(), "bench-join-"));
  try {
    const [references, referenceSeconds] = await timed(() => writeReferenceParquet(options, join(dir, "reference")));
    const exceptions = Math.floor(options.trades / 400);
    const [inputs, dailySeconds] = await timed(async () => {
      const day = generateDailyDatasets({
        seed: 1,
        runDate: RUN_DATE,
        trades: options.trades,
        accounts: options.accounts,
        instruments: options.instruments,
        pricedInstruments: Math.min(100_000, options.instruments - 32),
        exceptions: { UNKNOWN_ACCOUNT: exceptions, UNKNOWN_INSTRUMENT: exceptions, MISSING_PRICE: exceptions, MISSING_FX_RATE: exceptions },
      });
      return writeDailyDatasets(day, join(dir, "landing"));
    });
    const run: JoinRun = { inputs, references: { ...references }, outputDir: join(dir, "out"), threads: options.threads };
    const child = spawnSync(process.execPath, [require.resolve("tsx/cli"), __filename, "--measure-join", JSON.stringify(run)], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
    if (child.status !== 0) throw new Error(`the join process failed with status ${child.status}`);
    const m = JSON.parse(child.stdout.trim().split("\n").at(-1) as string) as JoinMeasurement;
    const summary = {
      machine: `${cpus().length} cores (${cpus()[0]?.model ?? "unknown"}), ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, Node ${process.version}`,
      trades: options.trades,
      accounts: options.accounts,
      instruments: options.instruments,
      duckdbThreads: options.threads ?? "default (one per core)",
      referenceGenerationSeconds: Number(referenceSeconds.toFixed(2)),
      dailyGenerationSeconds: Number(dailySeconds.toFixed(2)),
      joinSeconds: Number(m.seconds.toFixed(2)),
      tradesPerSecond: Math.round(m.inputRows / m.seconds),
      joinPeakRssMiB: Math.round(m.maxRssMiB),
      joinPhasesSeconds: m.phases,
      outputs: m.outputs,
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    if (options.keep) process.stdout.write(`kept ${dir}\n`);
  } finally {
    if (!options.keep) await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench/join.ts: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
