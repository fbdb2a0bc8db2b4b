/**
 * The job spec: everything a join engine needs to run one pipeline, as JSON. The stack uploads it
 * for the Glue job (`--job_spec_uri`, read by glue/pipeline_job.py) and the local DuckDB engine
 * uses the same object, so both run the same compiled validation, typed views and SQL files.
 */
import type { ColumnType, DatasetFormat, PipelineConfig, ReferenceFormat } from "../config/types";
import { identifier, RUN_PARAMETERS_VIEW } from "./sql";
import { COLUMNS_TABLE, type CompiledValidation, compileTypedView, compileValidation, DEFAULT_MAX_REPORTED, FILES_TABLE, rawViewName } from "./validation";

/**
 * Bump when the shape changes; the Glue job refuses a spec version it does not know.
 * 2: `views`, the pipeline's shared SQL views (a runner that ignored them would fail later, in
 * the outputs' SQL, with a missing table instead of naming the spec).
 */
export const JOB_SPEC_VERSION = 2;

export interface CsvReadOptions {
  readonly delimiter: string;
  readonly quote: '"';
  readonly escape: '"';
  readonly header: true;
  readonly encoding: "UTF-8";
}

export interface DatasetSpec {
  readonly name: string;
  readonly format: DatasetFormat;
  /** Present for format "csv". */
  readonly csv?: CsvReadOptions;
  readonly columns: readonly { readonly name: string; readonly type: ColumnType; readonly nullable: boolean }[];
  /** The view of the day's records as strings that the record checks read. */
  readonly rawView: string;
  /** SELECT registered as the view named like the dataset, which the pipeline's SQL reads. */
  readonly typedViewSql: string;
  /** Whether Spark broadcasts this dataset in joins (config spark.broadcastDatasets). */
  readonly broadcast: boolean;
  /** Whether a day without records, or without any data file, is accepted (config allowEmpty). */
  readonly allowEmpty: boolean;
}

export interface ReferenceSpec {
  /** View name. */
  readonly name: string;
  /** s3://bucket/prefix/ */
  readonly location: string;
  readonly format: ReferenceFormat;
  /** Only these columns are read (column pruning). */
  readonly columns: readonly string[];
  /** Predicate applied while reading (partition filter); absent when none. */
  readonly filter?: string;
}

export interface OutputSpec {
  readonly name: string;
  /** File under the pipeline's SQL directory (glue/sql/<pipeline>/). */
  readonly sqlFile: string;
}

export interface ViewSpec {
  /** Name the view is registered as (CREATE TEMP VIEW / createOrReplaceTempView). */
  readonly name: string;
  /** File under the pipeline's SQL directory (glue/sql/<pipeline>/). */
  readonly sqlFile: string;
}

export interface ValidationSpec extends CompiledValidation {
  /** Table the engine fills with (dataset, object_key, bytes). */
  readonly filesTable: string;
  /** Table the engine fills with (dataset, object_key, position, column_name). */
  readonly columnsTable: string;
}

export interface SparkSpec {
  /** Spark SQL settings the job sets at start (runtime-settable keys). */
  readonly conf: Readonly<Record<string, string>>;
  /** Hadoop settings the job sets on the SparkContext's configuration. */
  readonly hadoopConf: Readonly<Record<string, string>>;
  /** Daily datasets registered with a broadcast hint. */
  readonly broadcastDatasets: readonly string[];
}

export interface JobSpec {
  readonly version: typeof JOB_SPEC_VERSION;
  readonly pipeline: string;
  readonly datasets: readonly DatasetSpec[];
  readonly references: readonly ReferenceSpec[];
  /** Shared views, registered in this order after the datasets, references and run_parameters, before the outputs. */
  readonly views: readonly ViewSpec[];
  /** In the order they run. */
  readonly outputs: readonly OutputSpec[];
  /** The one-row view (run_date, execution_name) both engines register before the outputs' SQL. */
  readonly runParametersView: "run_parameters";
  readonly validation: ValidationSpec;
  readonly spark: SparkSpec;
}

const DEFAULT_BROADCAST_THRESHOLD = 256 * 1024 * 1024;
const DEFAULT_SHUFFLE_PARTITIONS = 400;

/** The Spark settings a pipeline runs with: defaults, then config, then `spark.extra` as given. */
export function sparkConf(pipeline: PipelineConfig): Record<string, string> {
  const spark = pipeline.spark ?? {};
  const adaptive = spark.adaptiveExecution ?? true;
  return {
    // https://spark.apache.org/docs/3.5.4/sql-performance-tuning.html#adaptive-query-execution
    "spark.sql.adaptive.enabled": String(adaptive),
    "spark.sql.adaptive.coalescePartitions.enabled": String(adaptive),
    "spark.sql.adaptive.skewJoin.enabled": String(adaptive),
    "spark.sql.autoBroadcastJoinThreshold": String(spark.broadcastThresholdBytes ?? DEFAULT_BROADCAST_THRESHOLD),
    "spark.sql.shuffle.partitions": String(spark.shufflePartitions ?? DEFAULT_SHUFFLE_PARTITIONS),
    // A rerun replaces only its run_date partition of each output.
    "spark.sql.sources.partitionOverwriteMode": "dynamic",
    // Backslashes in string literals stay as written, as in DuckDB, so regular expressions in the
    // shared SQL mean the same in both engines.
    "spark.sql.parser.escapedStringLiterals": "true",
    // Pin the semantics the shared SQL was tested with (casts, ||, NULL handling).
    "spark.sql.ansi.enabled": "false",
    "spark.sql.session.timeZone": "UTC",
    ...(spark.extra ?? {}),
  };
}

const SQL_FILE = /^[a-z0-9_][a-z0-9_-]*\.sql$/;

/** The views in order; a name another view of the SQL's namespace already has would shadow it, so it is refused. */
function buildViews(pipeline: PipelineConfig, where: string): ViewSpec[] {
  const taken = new Set<string>([...pipeline.datasets.map((d) => d.name), ...pipeline.references.map((r) => r.name), RUN_PARAMETERS_VIEW]);
  return (pipeline.views ?? []).map((v): ViewSpec => {
    identifier(v.name, `${where} view name`);
    if (taken.has(v.name))
      throw new Error(
        `${where} view "${v.name}": the name is already a dataset, reference, earlier view or ${RUN_PARAMETERS_VIEW}; give the view its own name`,
      );
    taken.add(v.name);
    if (!SQL_FILE.test(v.sqlFile)) throw new Error(`${where} view "${v.name}": sqlFile ${JSON.stringify(v.sqlFile)} must be a file name like ${v.name}.sql`);
    return { name: v.name, sqlFile: v.sqlFile };
  });
}

/** Compiles a pipeline's configuration to the JSON-serializable spec both engines run. */
export function buildJobSpec(pipeline: PipelineConfig): JobSpec {
  const where = `pipeline "${pipeline.name}"`;
  const broadcast = new Set(pipeline.spark?.broadcastDatasets ?? []);
  const datasetNames = new Set(pipeline.datasets.map((d) => d.name));
  for (const d of broadcast) {
    if (!datasetNames.has(d)) throw new Error(`${where}: spark.broadcastDatasets names "${d}", which is not a dataset (${[...datasetNames].join(", ")})`);
  }
  const datasets = pipeline.datasets.map((d): DatasetSpec => {
    identifier(d.name, `${where} dataset name`);
    if (d.csv && d.format !== "csv") throw new Error(`${where} dataset "${d.name}": csv options are only for format "csv" (format is ${d.format})`);
    return {
      name: d.name,
      format: d.format,
      ...(d.format === "csv" ? { csv: { delimiter: d.csv?.delimiter ?? ",", quote: '"', escape: '"', header: true, encoding: "UTF-8" } as const } : {}),
      columns: d.columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable ?? false })),
      rawView: rawViewName(d.name),
      typedViewSql: compileTypedView(d),
      broadcast: broadcast.has(d.name),
      allowEmpty: d.allowEmpty ?? false,
    };
  });
  const references = pipeline.references.map((r): ReferenceSpec => {
    identifier(r.name, `${where} reference name`);
    r.columns.forEach((c, i) => identifier(c, `${where} reference "${r.name}" columns[${i}]`));
    if (!/^s3:\/\/[^/]+\/(.+\/)?$/.test(r.location))
      throw new Error(`${where} reference "${r.name}": location ${JSON.stringify(r.location)} must be s3://bucket/prefix/`);
    return { name: r.name, location: r.location, format: r.format, columns: [...r.columns], ...(r.filter ? { filter: r.filter } : {}) };
  });
  const views = buildViews(pipeline, where);
  const outputs = pipeline.outputs.map((o): OutputSpec => {
    identifier(o.name, `${where} output name`);
    if (!SQL_FILE.test(o.sqlFile)) throw new Error(`${where} output "${o.name}": sqlFile ${JSON.stringify(o.sqlFile)} must be a file name like ${o.name}.sql`);
    return { name: o.name, sqlFile: o.sqlFile };
  });
  return {
    version: JOB_SPEC_VERSION,
    pipeline: pipeline.name,
    datasets,
    references,
    views,
    outputs,
    runParametersView: RUN_PARAMETERS_VIEW,
    validation: { filesTable: FILES_TABLE, columnsTable: COLUMNS_TABLE, ...compileValidation(pipeline.datasets, DEFAULT_MAX_REPORTED) },
    spark: {
      conf: sparkConf(pipeline),
      // Spark would write _SUCCESS at each output's root; the job writes one per run_date
      // partition itself, after the manifest, so readers never see a marker over partial data.
      hadoopConf: { "mapreduce.fileoutputcommitter.marksuccessfuljobs": "false" },
      broadcastDatasets: [...broadcast],
    },
  };
}
