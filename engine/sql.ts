/**
 * Helpers for writing SQL text that DuckDB and Spark SQL read the same way.
 *
 * The shared subset: unquoted identifiers, single-quoted literals without quotes or backslash
 * escapes inside (Spark reads `''` as two adjacent literals and, unless
 * spark.sql.parser.escapedStringLiterals is on, treats `\` as an escape; the job spec turns that
 * setting on so regular expressions read the same), `||`, CASE, COALESCE, NULLIF, CAST, TRY_CAST,
 * regexp_extract, window functions and UNION ALL.
 */

/** Words DuckDB (`duckdb_keywords()`, category reserved) or Spark SQL refuses as an unquoted column or view name. */
const RESERVED = new Set([
  "all",
  "analyse",
  "analyze",
  "and",
  "anti",
  "any",
  "array",
  "as",
  "asc",
  "asymmetric",
  "between",
  "both",
  "case",
  "cast",
  "check",
  "collate",
  "column",
  "constraint",
  "create",
  "cross",
  "current_date",
  "current_time",
  "current_timestamp",
  "current_user",
  "default",
  "deferrable",
  "desc",
  "describe",
  "distinct",
  "do",
  "else",
  "end",
  "except",
  "exists",
  "false",
  "fetch",
  "for",
  "foreign",
  "from",
  "full",
  "grant",
  "group",
  "having",
  "in",
  "initially",
  "inner",
  "intersect",
  "interval",
  "into",
  "is",
  "join",
  "lambda",
  "lateral",
  "leading",
  "left",
  "like",
  "limit",
  "natural",
  "not",
  "null",
  "offset",
  "on",
  "only",
  "or",
  "order",
  "outer",
  "pivot",
  "pivot_longer",
  "pivot_wider",
  "placing",
  "primary",
  "qualify",
  "references",
  "returning",
  "right",
  "select",
  "semi",
  "show",
  "some",
  "summarize",
  "symmetric",
  "table",
  "then",
  "to",
  "trailing",
  "true",
  "union",
  "unique",
  "unpivot",
  "user",
  "using",
  "variadic",
  "when",
  "where",
  "window",
  "with",
]);

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** An identifier both engines accept unquoted; throws naming `where` otherwise. */
export function identifier(name: string, where: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`${where}: "${name}" is not usable as a SQL name; allowed: lower-case letters, digits and _`);
  if (RESERVED.has(name)) throw new Error(`${where}: "${name}" is a reserved SQL word in DuckDB or Spark SQL; rename it (for example "${name}_value")`);
  return name;
}

/** A single-quoted literal; throws for text the two engines would read differently. */
export function literal(text: string, where: string): string {
  if (text.includes("'")) throw new Error(`${where}: ${JSON.stringify(text)} contains a single quote, which DuckDB and Spark SQL escape differently`);
  return `'${text}'`;
}

/** A numeric literal read as DOUBLE by both engines. */
export function doubleLiteral(value: number, where: string): string {
  if (!Number.isFinite(value)) throw new Error(`${where}: ${value} is not a finite number`);
  return `CAST('${String(value)}' AS DOUBLE)`;
}

/** A run date as a SQL DATE; the value is checked first so it cannot change the statement. */
export function dateLiteral(runDate: string): string {
  if (!isRunDate(runDate)) throw new Error(`run date: got ${JSON.stringify(runDate)}; allowed: a calendar date YYYY-MM-DD`);
  return `CAST('${runDate}' AS DATE)`;
}

/** Whether `value` is a real calendar date written YYYY-MM-DD. */
export function isRunDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** SQL of the one-row view `run_parameters(run_date, execution_name)` both engines register before the pipeline's SQL. */
export function runParametersSql(runDate: string, executionName: string): string {
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(executionName))
    throw new Error(`execution name: got ${JSON.stringify(executionName)}; allowed: 1 to 80 letters, digits, - and _ (a Step Functions execution name)`);
  return `SELECT ${dateLiteral(runDate)} AS run_date, CAST('${executionName}' AS STRING) AS execution_name`;
}

/** Name of the run parameters view. */
export const RUN_PARAMETERS_VIEW = "run_parameters";
