/** Test helper: runs one query on a throwaway in-memory DuckDB (reading Parquet outputs back, writing reference files). */
import { DuckDBInstance } from "@duckdb/node-api";

export async function query(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(":memory:");
  const conn = await instance.connect();
  try {
    const reader = await conn.runAndReadAll(sql);
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** A quoted DuckDB string literal for a path. */
export function path(p: string): string {
  return `'${p.replaceAll("'", "''")}'`;
}

/** Reads every Parquet file of an output (all run_date partitions), with run_date from the folder name as text. */
export async function readOutput(outputDir: string, output: string): Promise<Record<string, unknown>[]> {
  return query(
    `SELECT * REPLACE (CAST(run_date AS VARCHAR) AS run_date) FROM read_parquet(${path(`${outputDir}/${output}/*/*.parquet`)}, hive_partitioning = true) ORDER BY ALL`,
  );
}
