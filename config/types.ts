/**
 * The typed configuration of the product: environments and the pipelines deployed to them.
 * Everything here is plain data, checked by `validateConfig` at synth time (see validate.ts).
 */

/** Column types a dataset schema may declare. Both engines (DuckDB, Spark SQL) read them the same way. */
export type ColumnType = "string" | "decimal" | "integer" | "timestamp" | "date" | "boolean";

/** File formats a daily dataset may be uploaded in. */
export type DatasetFormat = "csv" | "parquet" | "json";

/** File formats a reference dataset may be stored in. */
export type ReferenceFormat = "parquet" | "csv" | "json";

export interface ColumnConfig {
  readonly name: string;
  readonly type: ColumnType;
  /** Whether an empty or missing value is allowed. Default: false (every value is required). */
  readonly nullable?: boolean;
  /** The closed set of allowed values (compared as strings). Default: any value of the type. */
  readonly allowedValues?: readonly string[];
  /** Lowest allowed value for numeric columns. Default: no lower bound. */
  readonly min?: number;
  /** Whether `min` itself is excluded (`> min` instead of `>= min`). Default: false. */
  readonly minExclusive?: boolean;
  /** A regular expression every value must match in whole (for example `^[A-Z]{3}$`). Default: none. */
  readonly pattern?: string;
}

export interface CsvOptions {
  /** Field delimiter, one character. Default: ",". */
  readonly delimiter?: string;
}

export interface DatasetConfig {
  /** Lower-case name, used in the S3 key: incoming/<pipeline>/<dataset>/run_date=YYYY-MM-DD/. */
  readonly name: string;
  readonly format: DatasetFormat;
  readonly columns: readonly ColumnConfig[];
  /** Columns whose combined value must be unique within the day. Default: no uniqueness check. */
  readonly uniqueKey?: readonly string[];
  /** Whether columns not declared in `columns` are accepted (and ignored). Default: false (rejected). */
  readonly allowExtraColumns?: boolean;
  /** Whether a day with no rows is accepted. Default: false (an empty dataset fails validation). */
  readonly allowEmpty?: boolean;
  /** CSV reading options; only for format "csv". Default: comma-separated with a header row. */
  readonly csv?: CsvOptions;
}

export interface ReferenceConfig {
  /** Name of the SQL view the reference data is registered as. */
  readonly name: string;
  /** Where the data lives: s3://bucket/prefix/ (ending in "/"). */
  readonly location: string;
  readonly format: ReferenceFormat;
  /** Columns read from the reference (column pruning on terabyte datasets). */
  readonly columns: readonly string[];
  /** A SQL predicate pushed down to the reference read (partition filter). Default: none. */
  readonly filter?: string;
}

export interface OutputConfig {
  /** Name of the output: its S3 prefix s3://RESULTS/<pipeline>/<output>/run_date=YYYY-MM-DD/. */
  readonly name: string;
  /** SQL file under glue/sql/<pipeline>/ that produces the output (one SELECT). */
  readonly sqlFile: string;
}

/**
 * A SQL view shared by a pipeline's outputs: logic that several outputs would otherwise repeat.
 * Both engines register the views in order, after the daily datasets, references and
 * run_parameters and before the outputs, so an output (or a later view) reads it by its name.
 */
export interface ViewConfig {
  /** Name the outputs' SQL reads the view by: a SQL identifier, unique among datasets, references, views and outputs. */
  readonly name: string;
  /** SQL file under glue/sql/<pipeline>/ that defines the view (one SELECT). */
  readonly sqlFile: string;
}

/** A rule the VerifyOutput step checks on the manifest: the listed outputs' rows add up to the input's rows. */
export interface RowBalanceCheck {
  readonly input: string;
  readonly outputs: readonly string[];
}

export type GlueWorkerType = "G.1X" | "G.2X" | "G.4X" | "G.8X";
export type GlueExecutionClass = "STANDARD" | "FLEX";

export interface GlueSizing {
  /** Glue version. Default: "5.0". */
  readonly version?: "5.0";
  readonly workerType: GlueWorkerType;
  /** Maximum number of workers; with autoscaling Glue uses up to this many. */
  readonly maxWorkers: number;
  /** Whether Glue autoscaling is on. Default: true. */
  readonly autoscaling?: boolean;
  /** Default: "STANDARD". FLEX is cheaper but may start later; use it where the deadline allows. */
  readonly executionClass?: GlueExecutionClass;
  /** Job timeout in minutes. */
  readonly timeoutMinutes: number;
}

export interface SparkTuning {
  /** Adaptive query execution. Default: true. */
  readonly adaptiveExecution?: boolean;
  /** Broadcast join threshold in bytes for the small daily side. Default: 256 MiB. */
  readonly broadcastThresholdBytes?: number;
  /** Daily datasets hinted for broadcast in the join. Default: none. */
  readonly broadcastDatasets?: readonly string[];
  /** Shuffle partitions before adaptive coalescing. Default: 400. */
  readonly shufflePartitions?: number;
  /** Extra Spark settings passed as they are. Default: none. */
  readonly extra?: Readonly<Record<string, string>>;
}

export interface ScheduleConfig {
  /** Local time of day the day's datasets are expected from: "HH:MM". The schedule starts the day's run then. */
  readonly expectedStart: string;
  /** IANA time zone of `expectedStart`. Default: "UTC". */
  readonly timezone?: string;
  /**
   * Which business date a scheduled start runs for, in days relative to the day the schedule fires.
   * Default: 0 (the same day). Use -1 for "T+1" feeds that deliver yesterday's data.
   */
  readonly runDateOffsetDays?: number;
}

export interface PipelineConfig {
  /** Lower-case name with dashes: used in S3 keys, execution names and resource names. */
  readonly name: string;
  readonly description: string;
  readonly datasets: readonly DatasetConfig[];
  readonly references: readonly ReferenceConfig[];
  /** Shared SQL views, registered in this order before the outputs run. Default: none. */
  readonly views?: readonly ViewConfig[];
  readonly outputs: readonly OutputConfig[];
  /** How long a day's execution waits for all datasets after it starts (first upload or scheduled start). */
  readonly deadlineSeconds: number;
  readonly schedule: ScheduleConfig;
  readonly glue: GlueSizing;
  /** Spark settings for terabyte joins. Default: the defaults of each field. */
  readonly spark?: SparkTuning;
  /** Row-balance checks VerifyOutput runs. Default: none. */
  readonly rowBalance?: readonly RowBalanceCheck[];
}

export type EnvironmentName = "dev" | "prod";

export type AlertProtocol = "email" | "https" | "sqs" | "lambda" | "sms";

export interface AlertSubscription {
  readonly protocol: AlertProtocol;
  readonly endpoint: string;
}

export interface StateBackendConfig {
  /** S3 bucket holding Terraform state. */
  readonly bucket: string;
  /** Key of the state object. Default: "<namePrefix>/terraform.tfstate". */
  readonly key?: string;
  readonly region: string;
}

export interface EnvironmentConfig {
  readonly name: EnvironmentName;
  /** The AWS account deployed to (12 digits). The provider refuses any other account, and ARNs are built from it. */
  readonly accountId: string;
  /** AWS region, for example "eu-west-1". */
  readonly region: string;
  /** Prefix of every resource name: lower-case letters, digits and dashes, 3 to 24 characters. */
  readonly namePrefix: string;
  readonly alertSubscriptions: readonly AlertSubscription[];
  /**
   * Remote state. Default: read from the environment variables TF_STATE_BUCKET, TF_STATE_REGION
   * (and TF_STATE_KEY) at synth time, and a local backend when they are absent.
   */
  readonly stateBackend?: StateBackendConfig;
  /** Days log groups keep their events. Default: 90. */
  readonly logRetentionDays?: number;
  /** Days landed files stay in the landing bucket before they expire. Default: 35. */
  readonly landingRetentionDays?: number;
  readonly pipelines: readonly PipelineConfig[];
}

/** The GitHub repository whose workflows plan and apply this configuration. */
export interface GitHubConfig {
  /** User or organization owning the repository, as in github.com/<owner>/<repository>. */
  readonly owner: string;
  /** Repository name. The bootstrap stack's roles trust only this repository's workflows. */
  readonly repository: string;
}

export interface ProjectConfig {
  /** Project tag value and the first part of every name. */
  readonly project: string;
  /** Where the GitOps workflows run: the OIDC trust of the plan and apply roles is pinned to it. */
  readonly github: GitHubConfig;
  readonly environments: readonly EnvironmentConfig[];
}
