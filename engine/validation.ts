/**
 * Compiles a dataset's contract (config/types.ts DatasetConfig) to SQL both engines run: the Glue
 * job (Spark SQL) and the local DuckDB engine execute the very same text, so a file is accepted or
 * rejected for the same reason everywhere.
 *
 * What each engine provides before running the checks (engine-specific reading, shared checking):
 * - `_etl_files(dataset, object_key, bytes)`: one row per data object of the day.
 * - `_etl_columns(dataset, object_key, position, column_name)`: the header (CSV) or schema
 *   (Parquet, JSON) of every object, read without trusting it.
 * - `_raw_<dataset>`: every declared column as a string (NULL when absent), plus `_object_key`,
 *   `_line` (DuckDB: the record's line, counting the header as line 1; Spark: NULL) and
 *   `_malformed` (Spark: the raw text of a record whose field count differs from the header;
 *   DuckDB reports those from its CSV reader instead, so NULL there).
 *
 * Each check is a SELECT returning the violation columns
 * (dataset_order, check_no, dataset, object_key, line, record, problem); `record` identifies the
 * record by its unique key (or all declared values) for engines that cannot tell the line.
 */
import type { ColumnConfig, ColumnType, DatasetConfig } from "../config/types";
import { doubleLiteral, identifier, literal } from "./sql";

export const FILES_TABLE = "_etl_files";
export const COLUMNS_TABLE = "_etl_columns";
export const OBJECT_KEY_COLUMN = "_object_key";
export const LINE_COLUMN = "_line";
export const MALFORMED_COLUMN = "_malformed";

/** How many violations an error lists; the rest are counted. */
export const DEFAULT_MAX_REPORTED = 20;

/** Name of the view holding a dataset's records as strings, before any type is trusted. */
export function rawViewName(dataset: string): string {
  return `_raw_${dataset}`;
}

/** One broken rule of the input contract. `line` is known to engines that read files in order (DuckDB). */
export interface Violation {
  readonly dataset: string;
  readonly key: string;
  readonly line?: number;
  /** The record's identifying values, e.g. `trade_id="T7"`, when the line is not known. */
  readonly record?: string;
  readonly problem: string;
}

/** `dataset "trades", object <key>, line 7: <problem>` (or `record trade_id="T7"` when the line is unknown). */
export function formatViolation(v: Violation): string {
  const where = v.line !== undefined ? `, line ${v.line}` : v.record ? `, record ${v.record}` : "";
  return `dataset "${v.dataset}", object ${v.key}${where}: ${v.problem}`;
}

/**
 * The message of a failed validation: the first problem on the first line (so an alert subject
 * shows it), then the others that were kept, then how many were left out. glue/pipeline_job.py
 * formats the same text (format_validation_failure).
 */
export function validationMessage(violations: readonly Violation[], total: number): string {
  if (violations.length === 0) throw new Error("validationMessage: needs at least one violation");
  const [first, ...rest] = violations;
  const lines = [`ValidationFailed: ${formatViolation(first)}`];
  if (total > 1) {
    lines.push(`and ${total - 1} more problem${total - 1 === 1 ? "" : "s"}:`);
    for (const v of rest) lines.push(`  - ${formatViolation(v)}`);
    const unlisted = total - violations.length;
    if (unlisted > 0) lines.push(`  (${unlisted} more not listed)`);
  }
  return lines.join("\n");
}

/**
 * Input that breaks its dataset's contract. The message starts with "ValidationFailed:" and names
 * the dataset, object key, line (or record) and problem of the first violation; `violations` holds
 * the first few and `total` counts all of them.
 */
export class InputValidationError extends Error {
  readonly dataset: string;
  readonly key: string;
  readonly line?: number;
  readonly problem: string;

  constructor(
    readonly violations: readonly Violation[],
    readonly total: number = violations.length,
  ) {
    super(validationMessage(violations, total));
    this.name = "ValidationFailed";
    const first = violations[0];
    this.dataset = first.dataset;
    this.key = first.key;
    this.line = first.line;
    this.problem = first.problem;
  }
}

const DECIMAL = "^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$";
const INTEGER = "^[+-]?[0-9]+$";
// UTC only: DuckDB drops an offset when casting to TIMESTAMP while Spark applies it, so only
// offsets that change nothing are accepted (DESIGN.md: ISO-8601 UTC timestamps).
const TIMESTAMP = "^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,6})?(Z|[+]00:00)?$";
const DATE = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

const SQL_TYPE: Record<ColumnType, string> = {
  string: "STRING",
  decimal: "DOUBLE",
  integer: "BIGINT",
  timestamp: "TIMESTAMP",
  date: "DATE",
  boolean: "BOOLEAN",
};

const TYPE_PROBLEM: Record<Exclude<ColumnType, "string">, string> = {
  decimal: "is not a decimal",
  integer: "is not a whole number",
  timestamp: "is not an ISO-8601 UTC timestamp (YYYY-MM-DDTHH:MM:SS[.ffffff][Z])",
  date: "is not a date (YYYY-MM-DD)",
  boolean: "is not true or false",
};

const INVALID_UTF8 = "%\uFFFD%";
const VALUE_CHARS = 100;
const NULL_STRING = "CAST(NULL AS STRING)";

/** `regexp_extract` with group 0 returns the whole match in both engines ('' when none), unlike regexp_matches/rlike. */
function fullMatchFails(column: string, pattern: string, where: string): string {
  return `regexp_extract(${column}, ${literal(`^(?:${pattern})$`, where)}, 0) <> ${column}`;
}

function present(column: string): string {
  return `COALESCE(${column}, '') <> ''`;
}

function shown(column: string): string {
  return `substr(${column}, 1, ${VALUE_CHARS})`;
}

function typeFails(column: string, type: ColumnType, where: string): string | undefined {
  switch (type) {
    case "string":
      return undefined;
    case "decimal":
      return `(${fullMatchFails(column, DECIMAL, where)} OR TRY_CAST(${column} AS DOUBLE) IS NULL)`;
    case "integer":
      return `(${fullMatchFails(column, INTEGER, where)} OR TRY_CAST(${column} AS BIGINT) IS NULL)`;
    case "timestamp":
      return `(${fullMatchFails(column, TIMESTAMP, where)} OR TRY_CAST(${column} AS TIMESTAMP) IS NULL)`;
    case "date":
      return `(${fullMatchFails(column, DATE, where)} OR TRY_CAST(${column} AS DATE) IS NULL)`;
    case "boolean":
      return `lower(${column}) NOT IN ('true', 'false')`;
  }
}

interface Check {
  readonly checkNo: number;
  readonly line: string;
  readonly record: string;
  readonly problem: string;
  readonly from: string;
  readonly objectKey: string;
}

function select(dataset: DatasetConfig, order: number, check: Check): string {
  return [
    `SELECT ${order} AS dataset_order, ${check.checkNo} AS check_no, ${literal(dataset.name, "dataset name")} AS dataset,`,
    `  ${check.objectKey} AS object_key, ${check.line} AS line, ${check.record} AS record,`,
    `  ${check.problem} AS problem`,
    check.from,
  ].join("\n");
}

function declaredColumns(dataset: DatasetConfig): readonly ColumnConfig[] {
  for (const [i, c] of dataset.columns.entries()) identifier(c.name, `dataset "${dataset.name}" columns[${i}].name`);
  return dataset.columns;
}

/**
 * Checks on the day's objects and their headers (or schemas): empty files, a missing header,
 * a wrong delimiter, missing, undeclared, duplicated or undecodable column names. Runs over
 * `_etl_files` and `_etl_columns`, before any record is read.
 */
export function compileStructureChecks(dataset: DatasetConfig, order: number): string {
  const columns = declaredColumns(dataset);
  const name = literal(dataset.name, "dataset name");
  const csv = dataset.format === "csv";
  const headerLine = csv ? "CAST(1 AS BIGINT)" : "CAST(NULL AS BIGINT)";
  const headerWord = csv ? "header" : "schema";
  const filesOf = `(SELECT object_key, bytes FROM ${FILES_TABLE} WHERE dataset = ${name})`;
  const columnsOf = `(SELECT object_key, column_name FROM ${COLUMNS_TABLE} WHERE dataset = ${name})`;
  const headers = `(SELECT object_key, COUNT(*) AS header_columns FROM ${COLUMNS_TABLE} WHERE dataset = ${name} GROUP BY object_key)`;
  const declared = `(${columns.map((c) => `SELECT ${literal(c.name, "column name")} AS column_name`).join(" UNION ALL ")})`;
  // A header read as one column while several are declared means the delimiter is wrong; the
  // missing and undeclared columns that follow from it would only repeat that.
  const delimiterCheck = csv && columns.length > 1;
  const severalColumns = delimiterCheck ? " AND h.header_columns > 1" : "";
  const delimiter = JSON.stringify(dataset.csv?.delimiter ?? ",");
  const checks: Check[] = [
    {
      checkNo: 1,
      objectKey: "f.object_key",
      line: headerLine,
      record: NULL_STRING,
      problem: literal(`the file is empty (0 bytes); expected ${csv ? "a header row" : "data"}`, "problem"),
      from: `FROM ${filesOf} f WHERE f.bytes = 0`,
    },
    {
      checkNo: 2,
      objectKey: "f.object_key",
      line: headerLine,
      record: NULL_STRING,
      problem: literal(csv ? "the file has no header row" : "the file has no columns", "problem"),
      from: `FROM ${filesOf} f LEFT JOIN ${headers} h ON h.object_key = f.object_key WHERE f.bytes > 0 AND h.header_columns IS NULL`,
    },
  ];
  if (delimiterCheck) {
    checks.push({
      checkNo: 3,
      objectKey: "c.object_key",
      line: headerLine,
      record: NULL_STRING,
      problem: `'the header is one column "' || ${shown("c.column_name")} || ${literal(`" but ${columns.length} columns are declared; is the delimiter ${delimiter} right?`, "problem")}`,
      from: `FROM ${columnsOf} c JOIN ${headers} h ON h.object_key = c.object_key WHERE h.header_columns = 1`,
    });
  }
  checks.push({
    checkNo: 4,
    objectKey: "h.object_key",
    line: headerLine,
    record: NULL_STRING,
    problem: `'column "' || d.column_name || ${literal(`" is missing from the ${headerWord}`, "problem")}`,
    from: `FROM ${headers} h CROSS JOIN ${declared} d LEFT JOIN ${columnsOf} c ON c.object_key = h.object_key AND c.column_name = d.column_name WHERE c.column_name IS NULL${severalColumns}`,
  });
  if (!dataset.allowExtraColumns) {
    checks.push({
      checkNo: 5,
      objectKey: "c.object_key",
      line: headerLine,
      record: NULL_STRING,
      problem: `'column "' || ${shown("c.column_name")} || '" is not declared for this dataset (allowExtraColumns is false)'`,
      from: `FROM ${columnsOf} c JOIN ${headers} h ON h.object_key = c.object_key LEFT JOIN ${declared} d ON d.column_name = c.column_name WHERE d.column_name IS NULL${severalColumns}`,
    });
  }
  checks.push(
    {
      checkNo: 6,
      objectKey: "c.object_key",
      line: headerLine,
      record: NULL_STRING,
      problem: `'column "' || ${shown("c.column_name")} || '" appears ' || CAST(COUNT(*) AS STRING) || ${literal(` times in the ${headerWord}`, "problem")}`,
      from: `FROM ${columnsOf} c GROUP BY c.object_key, c.column_name HAVING COUNT(*) > 1`,
    },
    {
      checkNo: 7,
      objectKey: "c.object_key",
      line: headerLine,
      record: NULL_STRING,
      problem: `'the ${headerWord} is not valid UTF-8: "' || ${shown("c.column_name")} || '"'`,
      from: `FROM ${columnsOf} c WHERE c.column_name LIKE '${INVALID_UTF8}'`,
    },
  );
  return checks.map((c) => select(dataset, order, c)).join("\nUNION ALL\n");
}

function recordExpression(dataset: DatasetConfig, alias: string): string {
  const keyColumns = dataset.uniqueKey && dataset.uniqueKey.length > 0 ? dataset.uniqueKey : dataset.columns.map((c) => c.name);
  return keyColumns.map((k, i) => `'${i === 0 ? "" : ", "}${k}="' || COALESCE(${shown(`${alias}.${k}`)}, '') || '"'`).join(" || ");
}

/**
 * Checks on the records of `_raw_<dataset>`: malformed records, undecodable text, empty required
 * values, types, allowed values, minimums, patterns, the unique key, and an empty day.
 */
export function compileRecordChecks(dataset: DatasetConfig, order: number): string {
  const columns = declaredColumns(dataset);
  const raw = rawViewName(dataset.name);
  const record = recordExpression(dataset, "r");
  const base = { objectKey: `r.${OBJECT_KEY_COLUMN}`, line: `r.${LINE_COLUMN}`, record };
  const from = (where: string) => `FROM ${raw} r WHERE ${where}`;
  const checks: Check[] = [
    {
      ...base,
      checkNo: 10,
      problem: `'the record has a different number of fields than the header: ' || substr(r.${MALFORMED_COLUMN}, 1, 200)`,
      from: from(`r.${MALFORMED_COLUMN} IS NOT NULL`),
    },
  ];
  for (const column of columns) {
    const where = `dataset "${dataset.name}" column "${column.name}"`;
    const c = `r.${column.name}`;
    const label = `column "${column.name}"`;
    const valueIs = (problem: string) => `'${label} value "' || ${shown(c)} || ${literal(`" ${problem}`, where)}`;
    checks.push({ ...base, checkNo: 11, problem: valueIs("is not valid UTF-8"), from: from(`${c} LIKE '${INVALID_UTF8}'`) });
    if (!column.nullable) checks.push({ ...base, checkNo: 12, problem: literal(`${label} is empty`, where), from: from(`COALESCE(${c}, '') = ''`) });
    const typeCheck = typeFails(c, column.type, where);
    if (typeCheck && column.type !== "string") {
      checks.push({ ...base, checkNo: 13, problem: valueIs(TYPE_PROBLEM[column.type]), from: from(`${present(c)} AND ${typeCheck}`) });
    }
    if (column.allowedValues) {
      const values = column.allowedValues.map((v) => literal(v, `${where} allowedValues`));
      checks.push({
        ...base,
        checkNo: 14,
        problem: valueIs(`is not one of ${column.allowedValues.join(", ")}`),
        from: from(`${present(c)} AND ${c} NOT IN (${values.join(", ")})`),
      });
    }
    if (column.min !== undefined) {
      const operator = column.minExclusive ? "<=" : "<";
      const problem = column.minExclusive ? `must be greater than ${column.min}` : `is below the minimum ${column.min}`;
      const valid = typeCheck ? `NOT ${typeCheck} AND ` : "";
      checks.push({
        ...base,
        checkNo: 15,
        problem: valueIs(problem),
        from: from(`${present(c)} AND ${valid}TRY_CAST(${c} AS DOUBLE) ${operator} ${doubleLiteral(column.min, `${where} min`)}`),
      });
    }
    if (column.pattern !== undefined) {
      checks.push({
        ...base,
        checkNo: 16,
        problem: valueIs(`does not match the pattern ${column.pattern}`),
        from: from(`${present(c)} AND ${fullMatchFails(c, column.pattern, `${where} pattern`)}`),
      });
    }
  }
  if (dataset.uniqueKey && dataset.uniqueKey.length > 0) {
    const keys = dataset.uniqueKey.map((k) => identifier(k, `dataset "${dataset.name}" uniqueKey`));
    const label = keys.length === 1 ? keys[0] : `(${keys.join(", ")})`;
    const value = keys.map((k) => `'"' || ${shown(`r.${k}`)} || '"'`).join(" || ', ' || ");
    const shownValue = keys.length === 1 ? value : `'(' || ${value} || ')'`;
    checks.push({
      ...base,
      checkNo: 17,
      problem: `'${label} ' || ${shownValue} || ' is not unique: ' || CAST(r._rows_with_key AS STRING) || ' records of the day have it'`,
      from: [
        `FROM (SELECT u.*, COUNT(*) OVER (PARTITION BY ${keys.map((k) => `u.${k}`).join(", ")}) AS _rows_with_key,`,
        `  ROW_NUMBER() OVER (PARTITION BY ${keys.map((k) => `u.${k}`).join(", ")} ORDER BY u.${OBJECT_KEY_COLUMN}, u.${LINE_COLUMN} NULLS LAST) AS _key_rank`,
        `  FROM ${raw} u WHERE ${keys.map((k) => present(`u.${k}`)).join(" AND ")}) r`,
        "WHERE r._rows_with_key > 1 AND r._key_rank > 1",
      ].join("\n"),
    });
  }
  if (!dataset.allowEmpty) {
    checks.push({
      checkNo: 18,
      objectKey: "f.object_key",
      line: dataset.format === "csv" ? "CAST(2 AS BIGINT)" : "CAST(NULL AS BIGINT)",
      record: NULL_STRING,
      problem: literal(
        dataset.format === "csv"
          ? "the dataset has no records in any file (this file has only a header) and allowEmpty is false"
          : "the dataset has no records in any file and allowEmpty is false",
        "problem",
      ),
      from: `FROM ${FILES_TABLE} f CROSS JOIN (SELECT COUNT(*) AS records FROM ${raw}) n WHERE f.dataset = ${literal(dataset.name, "dataset name")} AND n.records = 0`,
    });
  }
  return checks.map((c) => select(dataset, order, c)).join("\nUNION ALL\n");
}

/** The typed view the pipeline's SQL reads, named like the dataset: each declared column cast to its type ('' reads as NULL). */
export function compileTypedView(dataset: DatasetConfig): string {
  const columns = declaredColumns(dataset).map((c) => {
    const value = `NULLIF(${c.name}, '')`;
    const cast = c.type === "boolean" ? `CAST(lower(${value}) AS BOOLEAN)` : `CAST(${value} AS ${SQL_TYPE[c.type]})`;
    return `  ${cast} AS ${c.name}`;
  });
  return `SELECT\n${columns.join(",\n")}\nFROM ${rawViewName(dataset.name)}`;
}

/** A violation query as both engines run it: the count, and the first few in a stable order. */
export interface ViolationQueries {
  readonly countSql: string;
  readonly firstSql: string;
}

function violationQueries(union: string, maxReported: number): ViolationQueries {
  return {
    countSql: `SELECT COUNT(*) AS violations FROM (\n${union}\n) v`,
    firstSql: [
      "SELECT dataset, object_key, line, record, problem FROM (",
      union,
      ") v",
      `ORDER BY dataset_order, object_key, line NULLS LAST, check_no, record NULLS LAST, problem LIMIT ${maxReported}`,
    ].join("\n"),
  };
}

/** The compiled validation of a pipeline's datasets: structure checks first, then record checks. */
export interface CompiledValidation {
  readonly structure: ViolationQueries;
  readonly records: ViolationQueries;
  readonly maxReported: number;
}

export function compileValidation(datasets: readonly DatasetConfig[], maxReported = DEFAULT_MAX_REPORTED): CompiledValidation {
  if (datasets.length === 0) throw new Error("compileValidation: a pipeline needs at least one dataset");
  if (!Number.isInteger(maxReported) || maxReported < 1) throw new Error(`compileValidation: maxReported must be a whole number >= 1, got ${maxReported}`);
  return {
    structure: violationQueries(datasets.map((d, i) => compileStructureChecks(d, i)).join("\nUNION ALL\n"), maxReported),
    records: violationQueries(datasets.map((d, i) => compileRecordChecks(d, i)).join("\nUNION ALL\n"), maxReported),
    maxReported,
  };
}
