/**
 * The embedded join engine: runs a pipeline's job spec on DuckDB over local files, exactly as the
 * Glue job runs it on Spark (same validation SQL, typed views, run_parameters view, shared views and SQL files),
 * and writes the same layout: Parquet in <outputDir>/<output>/run_date=D/, then _manifest.json and
 * _SUCCESS in every output's partition. Used by tests, the local runtime (through s3-join.ts) and
 * the benchmark. Nothing here is specific to one pipeline.
 */
import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { MANIFEST_FILE, MARKER_FILE, type RunDate } from "../lambdas/shared/contracts";
import { readCsvHeader } from "./csv-header";
import type { Manifest, ManifestInput, ManifestOutput } from "./manifest";
import type { DatasetSpec, JobSpec, ReferenceSpec } from "./spec";
import { dateLiteral, isRunDate, RUN_PARAMETERS_VIEW, runParametersSql } from "./sql";
import { InputValidationError, LINE_COLUMN, MALFORMED_COLUMN, OBJECT_KEY_COLUMN, type Violation, type ViolationQueries } from "./validation";

export { InputValidationError } from "./validation";

/** One data object of the day, already on local disk. */
export interface LocalInputFile {
  /** The object key it came from (S3) or any name that identifies it in messages. */
  readonly key: string;
  readonly path: string;
  readonly bytes: number;
}

export interface LocalJoinRequest {
  readonly spec: JobSpec;
  /** Directory holding the pipeline's SQL files (glue/sql/<pipeline>/). */
  readonly sqlDir: string;
  readonly runDate: RunDate;
  readonly executionName: string;
  /** The day's data objects of every dataset of the spec. */
  readonly inputs: Readonly<Record<string, readonly LocalInputFile[]>>;
  /** Local files of every reference of the spec. */
  readonly references: Readonly<Record<string, readonly string[]>>;
  /** Outputs go to <outputDir>/<output>/run_date=D/; that partition is replaced, nothing else. */
  readonly outputDir: string;
  /** Default: the system clock. */
  readonly clock?: () => Date;
  /** DuckDB worker threads. Default: DuckDB's (one per core). */
  readonly threads?: number;
  /** DuckDB memory limit such as "2GB". Default: DuckDB's (80% of RAM). */
  readonly memoryLimit?: string;
  /** Called after each phase with its duration in seconds (progress output, benchmarks). Default: none. */
  readonly onPhase?: (phase: JoinPhase, seconds: number) => void;
}

export type JoinPhase = "read headers" | "check structure" | "load records" | "check records" | "run SQL" | "write outputs";

/** DuckDB-only string literal (paths and keys in reader calls; the shared SQL never needs this). */
function duckString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function duckName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function firstLine(message: string): string {
  return message.split("\n")[0];
}

async function rows(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const reader = await conn.runAndReadAll(sql);
  return reader.getRowObjectsJS() as Record<string, unknown>[];
}

async function scalarCount(conn: DuckDBConnection, sql: string): Promise<number> {
  const [row] = await rows(conn, sql);
  return Number(Object.values(row)[0]);
}

function partitionPath(outputDir: string, output: string, runDate: RunDate): string {
  return join(outputDir, output, `run_date=${runDate}`);
}

/** Reads the SQL statement of each view or output (`kind` names it in messages), keyed by name. */
async function loadStatements(kind: "view" | "output", entries: readonly { name: string; sqlFile: string }[], sqlDir: string): Promise<Map<string, string>> {
  const sql = new Map<string, string>();
  for (const entry of entries) {
    const path = join(sqlDir, entry.sqlFile);
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (e) {
      throw new Error(`${kind} "${entry.name}": cannot read its SQL file ${path} (${(e as Error).message})`);
    }
    // A trailing ";" is usual in SQL files; the statement is embedded in CREATE ... AS.
    const statement = text.trim().replace(/;\s*$/, "");
    if (statement.replace(/--[^\n]*/g, "").trim() === "") throw new Error(`${kind} "${entry.name}": SQL file ${path} has no statement`);
    sql.set(entry.name, statement);
  }
  return sql;
}

function checkRequest(req: LocalJoinRequest): void {
  if (!isRunDate(req.runDate)) throw new Error(`runJoinLocal: runDate ${JSON.stringify(req.runDate)} is not a calendar date YYYY-MM-DD`);
  const datasets = req.spec.datasets.map((d) => d.name);
  for (const name of Object.keys(req.inputs)) {
    if (!datasets.includes(name))
      throw new Error(`runJoinLocal: inputs name dataset "${name}", which pipeline "${req.spec.pipeline}" does not have (${datasets.join(", ")})`);
  }
  for (const d of datasets) {
    if (!req.inputs[d]) throw new Error(`runJoinLocal: inputs has no entry for dataset "${d}" of pipeline "${req.spec.pipeline}"`);
  }
  for (const r of req.spec.references) {
    const files = req.references[r.name];
    if (!files || files.length === 0) throw new Error(`runJoinLocal: reference "${r.name}" has no local files (its data lives at ${r.location})`);
  }
}

async function violations(conn: DuckDBConnection, queries: ViolationQueries): Promise<{ total: number; first: Violation[] }> {
  const total = await scalarCount(conn, queries.countSql);
  if (total === 0) return { total, first: [] };
  const first = (await rows(conn, queries.firstSql)).map(
    (r): Violation => ({
      dataset: String(r.dataset),
      key: String(r.object_key),
      ...(r.line !== null && r.line !== undefined ? { line: Number(r.line) } : {}),
      ...(r.record !== null && r.record !== undefined ? { record: String(r.record) } : {}),
      problem: String(r.problem),
    }),
  );
  return { total, first };
}

/** Reads every object's header (CSV) or schema (Parquet, JSON) into the files and columns tables. */
async function registerFiles(conn: DuckDBConnection, req: LocalJoinRequest): Promise<{ headers: Map<string, string[]>; unreadable: Violation[] }> {
  const { filesTable, columnsTable } = req.spec.validation;
  await conn.run(`CREATE TEMP TABLE ${filesTable} (dataset VARCHAR, object_key VARCHAR, bytes BIGINT)`);
  await conn.run(`CREATE TEMP TABLE ${columnsTable} (dataset VARCHAR, object_key VARCHAR, position INTEGER, column_name VARCHAR)`);
  const headers = new Map<string, string[]>();
  const unreadable: Violation[] = [];
  for (const dataset of req.spec.datasets) {
    for (const file of req.inputs[dataset.name]) {
      await conn.run(`INSERT INTO ${filesTable} VALUES ($1, $2, $3)`, [dataset.name, file.key, file.bytes]);
      if (file.bytes === 0) continue;
      let columns: string[];
      if (dataset.format === "csv") {
        columns = await readCsvHeader(file.path, dataset.csv?.delimiter ?? ",");
      } else {
        try {
          const described = await rows(conn, `DESCRIBE SELECT * FROM ${readerCall(dataset.format, [file.path], false)}`);
          columns = described.map((r) => String(r.column_name));
        } catch (e) {
          unreadable.push({
            dataset: dataset.name,
            key: file.key,
            problem: `the file is not readable as ${dataset.format}: ${firstLine((e as Error).message)}`,
          });
          continue;
        }
      }
      headers.set(`${dataset.name}\n${file.key}`, columns);
      for (const [i, column] of columns.entries()) {
        await conn.run(`INSERT INTO ${columnsTable} VALUES ($1, $2, $3, $4)`, [dataset.name, file.key, i + 1, column]);
      }
    }
  }
  return { headers, unreadable };
}

/**
 * A DuckDB reader over local files. Daily objects sit under run_date=D/ folders, which DuckDB
 * would otherwise turn into a run_date column; references keep Hive partition columns (filters).
 */
function readerCall(format: "csv" | "parquet" | "json", paths: readonly string[], hivePartitions: boolean): string {
  const list = `[${paths.map(duckString).join(", ")}]`;
  const hive = `hive_partitioning = ${hivePartitions}`;
  switch (format) {
    case "parquet":
      return `read_parquet(${list}, ${hive})`;
    case "json":
      return `read_json(${list}, format = 'newline_delimited', ${hive})`;
    case "csv":
      return `read_csv(${list}, header = true, ${hive})`;
  }
}

const REJECT_PROBLEMS: Record<string, string> = {
  "INVALID ENCODING": "the record is not valid UTF-8",
  "INVALID UNICODE": "the record is not valid UTF-8",
  "TOO MANY COLUMNS": "the record has a different number of fields than the header",
  "MISSING COLUMNS": "the record has a different number of fields than the header",
};

interface RawLoad {
  readonly rows: Map<string, number>;
  readonly rejects: Violation[];
  readonly rejectTotal: number;
}

/** Loads every dataset's records as strings into its raw table, keeping each record's line. */
async function loadRaw(conn: DuckDBConnection, req: LocalJoinRequest, headers: Map<string, string[]>): Promise<RawLoad> {
  const max = req.spec.validation.maxReported;
  const rejects: Violation[] = [];
  let rejectTotal = 0;
  let scan = 0;
  const counts = new Map<string, number>();
  for (const dataset of req.spec.datasets) {
    const declared = dataset.columns.map((c) => c.name);
    await conn.run(
      `CREATE TEMP TABLE ${dataset.rawView} (${declared.map((c) => `${c} VARCHAR`).join(", ")}, ${OBJECT_KEY_COLUMN} VARCHAR, ${LINE_COLUMN} BIGINT, ${MALFORMED_COLUMN} VARCHAR)`,
    );
    for (const file of req.inputs[dataset.name]) {
      if (file.bytes === 0) continue;
      const header = headers.get(`${dataset.name}\n${file.key}`) ?? [];
      const values = declared.map((c) => (dataset.format === "csv" ? duckName(c) : `CAST(${duckName(c)} AS VARCHAR)`));
      const rest = `${duckString(file.key)}, row_number() OVER () + ${dataset.format === "csv" ? 1 : 0}, NULL`;
      if (dataset.format === "csv") {
        scan++;
        const rejectsTable = `_etl_rejects_${scan}`;
        await conn.run(`INSERT INTO ${dataset.rawView} SELECT ${values.join(", ")}, ${rest} FROM ${csvReader(dataset, file.path, header, rejectsTable, scan)}`);
        // DuckDB may log one reject per missing column of a record: one problem per line is enough.
        const total = await scalarCount(conn, `SELECT COUNT(DISTINCT line) FROM ${rejectsTable}`);
        if (total > 0) {
          rejectTotal += total;
          const found = await rows(
            conn,
            `SELECT DISTINCT ON (line) line, error_type, error_message, csv_line FROM ${rejectsTable} ORDER BY line, column_idx LIMIT ${max}`,
          );
          for (const r of found) {
            const known = REJECT_PROBLEMS[String(r.error_type)];
            const problem = known
              ? `${known}: ${String(r.csv_line ?? "").slice(0, 200)} (${String(r.error_message)})`
              : `the record cannot be read: ${String(r.error_message)}`;
            rejects.push({ dataset: dataset.name, key: file.key, line: Number(r.line), problem });
          }
        }
      } else {
        await conn.run(`INSERT INTO ${dataset.rawView} SELECT ${values.join(", ")}, ${rest} FROM ${readerCall(dataset.format, [file.path], false)}`);
      }
    }
    counts.set(dataset.name, await scalarCount(conn, `SELECT COUNT(*) FROM ${dataset.rawView}`));
  }
  return { rows: counts, rejects: rejects.slice(0, max), rejectTotal };
}

function csvReader(dataset: DatasetSpec, path: string, header: readonly string[], rejectsTable: string, scan: number): string {
  const csv = dataset.csv;
  if (!csv) throw new Error(`dataset "${dataset.name}": format csv without csv options in the job spec`);
  // The header was read and checked already; naming its columns here (all VARCHAR) means DuckDB
  // neither guesses types nor renames anything, and a record with another field count is
  // rejected with its line instead of shifting values between columns.
  const columns = `{${header.map((c) => `${duckString(c)}: 'VARCHAR'`).join(", ")}}`;
  return [
    `read_csv(${duckString(path)}, header = true, auto_detect = false, columns = ${columns},`,
    `  delim = ${duckString(csv.delimiter)}, quote = ${duckString(csv.quote)}, escape = ${duckString(csv.escape)},`,
    `  hive_partitioning = false, store_rejects = true, rejects_table = '${rejectsTable}', rejects_scan = '_etl_reject_scan_${scan}')`,
  ].join("\n");
}

function referenceView(reference: ReferenceSpec, files: readonly string[]): string {
  const filter = reference.filter ? ` WHERE (${reference.filter})` : "";
  return `SELECT ${reference.columns.join(", ")} FROM ${readerCall(reference.format, files, true)}${filter}`;
}

/**
 * Runs one day of a pipeline on DuckDB: validates the day's objects (structure, then records;
 * nothing is written when they break the contract), registers the typed views, references,
 * run_parameters and then the pipeline's shared views in order, runs the outputs' SQL, and
 * replaces each output's run_date partition.
 * Throws InputValidationError (name "ValidationFailed") for bad input.
 */
export async function runJoinLocal(req: LocalJoinRequest): Promise<Manifest> {
  const clock = req.clock ?? (() => new Date());
  const startedAt = clock();
  checkRequest(req);
  const parameters = runParametersSql(req.runDate, req.executionName);
  // Every file is read before any work, so a missing one fails the run at once.
  const viewSql = await loadStatements("view", req.spec.views, req.sqlDir);
  const sql = await loadStatements("output", req.spec.outputs, req.sqlDir);
  const noFiles = req.spec.datasets
    .filter((d) => req.inputs[d.name].length === 0 && !d.allowEmpty)
    .map(
      (d): Violation => ({ dataset: d.name, key: `${d.name}/run_date=${req.runDate}/`, problem: "no data file arrived for the day (only markers or nothing)" }),
    );
  if (noFiles.length > 0) throw new InputValidationError(noFiles, noFiles.length);

  const options: Record<string, string> = {};
  if (req.threads !== undefined) options.threads = String(req.threads);
  if (req.memoryLimit !== undefined) options.memory_limit = req.memoryLimit;
  const instance = await DuckDBInstance.create(":memory:", options);
  const conn = await instance.connect();
  let phaseStart = performance.now();
  const phase = (name: JoinPhase) => {
    const now = performance.now();
    req.onPhase?.(name, (now - phaseStart) / 1000);
    phaseStart = now;
  };
  try {
    const { headers, unreadable } = await registerFiles(conn, req);
    if (unreadable.length > 0) throw new InputValidationError(unreadable.slice(0, req.spec.validation.maxReported), unreadable.length);
    phase("read headers");
    const structure = await violations(conn, req.spec.validation.structure);
    if (structure.total > 0) throw new InputValidationError(structure.first, structure.total);
    phase("check structure");
    const raw = await loadRaw(conn, req, headers);
    if (raw.rejectTotal > 0) throw new InputValidationError(raw.rejects, raw.rejectTotal);
    phase("load records");
    const records = await violations(conn, req.spec.validation.records);
    if (records.total > 0) throw new InputValidationError(records.first, records.total);
    phase("check records");

    // Materialized once: the pipeline SQL reads each dataset several times (semi joins, joins).
    for (const dataset of req.spec.datasets) await conn.run(`CREATE TEMP TABLE ${dataset.name} AS ${dataset.typedViewSql}`);
    for (const reference of req.spec.references) {
      try {
        await conn.run(`CREATE TEMP VIEW ${reference.name} AS ${referenceView(reference, req.references[reference.name])}`);
      } catch (e) {
        throw new Error(
          `reference "${reference.name}" (${reference.location}): cannot be read as ${reference.format} with columns ${reference.columns.join(", ")}: ${(e as Error).message}`,
        );
      }
    }
    await conn.run(`CREATE TEMP VIEW ${RUN_PARAMETERS_VIEW} AS ${parameters}`);
    // DuckDB binds a view when it is created, so bad view SQL fails here, named by its file.
    for (const view of req.spec.views) {
      try {
        await conn.run(`CREATE TEMP VIEW ${view.name} AS ${viewSql.get(view.name)}`);
      } catch (e) {
        throw new Error(`view "${view.name}" (${join(req.sqlDir, view.sqlFile)}) failed on DuckDB: ${(e as Error).message}`);
      }
    }

    const outputRows = new Map<string, number>();
    for (const output of req.spec.outputs) {
      const table = `_etl_output_${output.name}`;
      try {
        await conn.run(`CREATE TEMP TABLE ${table} AS ${sql.get(output.name)}`);
      } catch (e) {
        throw new Error(`output "${output.name}" (${join(req.sqlDir, output.sqlFile)}) failed on DuckDB: ${(e as Error).message}`);
      }
      const columns = (await rows(conn, `DESCRIBE ${table}`)).map((r) => String(r.column_name));
      if (!columns.includes("run_date")) {
        throw new Error(
          `output "${output.name}" (${output.sqlFile}) has no run_date column (columns: ${columns.join(", ")}); select run_date from ${RUN_PARAMETERS_VIEW}`,
        );
      }
      const stray = await scalarCount(conn, `SELECT COUNT(*) FROM ${table} WHERE run_date IS DISTINCT FROM ${dateLiteral(req.runDate)}`);
      if (stray > 0)
        throw new Error(
          `output "${output.name}" (${output.sqlFile}): ${stray} rows have a run_date other than ${req.runDate}; take it from ${RUN_PARAMETERS_VIEW}`,
        );
      outputRows.set(output.name, await scalarCount(conn, `SELECT COUNT(*) FROM ${table}`));
    }

    phase("run SQL");
    // Everything is computed before anything is written, so a failure leaves the previous
    // partitions as they were. Each partition is written beside the old one and swapped in.
    const runId = randomUUID();
    const outputs: ManifestOutput[] = [];
    for (const output of req.spec.outputs) {
      const partition = partitionPath(req.outputDir, output.name, req.runDate);
      const staging = `${partition}.${runId}.tmp`;
      const file = `part-00000-${runId}.parquet`;
      await mkdir(staging, { recursive: true });
      await conn.run(`COPY (SELECT * EXCLUDE (run_date) FROM _etl_output_${output.name}) TO ${duckString(join(staging, file))} (FORMAT parquet)`);
      await rm(partition, { recursive: true, force: true });
      await rename(staging, partition);
      outputs.push({ name: output.name, rows: outputRows.get(output.name) ?? 0, keys: [`${output.name}/run_date=${req.runDate}/${file}`] });
    }
    const inputs: ManifestInput[] = req.spec.datasets.map((d) => ({
      dataset: d.name,
      keys: req.inputs[d.name].map((f) => f.key),
      bytes: req.inputs[d.name].reduce((sum, f) => sum + f.bytes, 0),
      rows: raw.rows.get(d.name) ?? 0,
    }));
    const manifest: Manifest = {
      pipeline: req.spec.pipeline,
      run_date: req.runDate,
      execution: req.executionName,
      engine: "duckdb",
      inputs,
      outputs,
      started_at: startedAt.toISOString(),
      finished_at: clock().toISOString(),
    };
    const text = `${JSON.stringify(manifest, null, 2)}\n`;
    for (const output of req.spec.outputs) await writeFile(join(partitionPath(req.outputDir, output.name, req.runDate), MANIFEST_FILE), text);
    for (const output of req.spec.outputs) await writeFile(join(partitionPath(req.outputDir, output.name, req.runDate), MARKER_FILE), "");
    phase("write outputs");
    return manifest;
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
