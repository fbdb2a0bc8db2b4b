"""The AWS Glue 5 (Spark 3.5) job that validates a pipeline's daily datasets and joins them.

A thin runner around the job spec that engine/spec.ts builds from the pipeline's configuration
(uploaded by the stack, passed as --job_spec_uri): it reads the day's objects and the reference
datasets, registers them as temp views, runs the spec's validation SQL, registers the pipeline's
shared views and then runs its outputs' SQL files, and writes each output as Parquet into <results_uri><output>/run_date=D/, replacing only
that partition, followed by _manifest.json and then _SUCCESS in each output's partition.

The local engine (engine/duckdb-engine.ts) runs the same spec and SQL on DuckDB. This file is
uploaded as the Glue script on its own, so it has no package imports; pyspark, awsglue and boto3
are imported only inside run_job() so the pure parts below run under plain python3 in tests
(glue/tests/test_pipeline_job.py).
"""

import datetime
import json
import re
import sys
from dataclasses import dataclass

# Names from GLUE_ARGUMENTS in lambdas/shared/contracts.ts, without the leading "--".
REQUIRED_ARGUMENTS = ("job_spec_uri", "sql_uri", "landing_uri", "results_uri", "run_date", "execution_name")
# engine/spec.ts JOB_SPEC_VERSION; 2 added the shared views.
SPEC_VERSION = 2
MARKER_FILE = "_SUCCESS"
MANIFEST_FILE = "_manifest.json"
# Bytes read to find a CSV header line (engine/csv-header.ts reads the same amount).
HEADER_BYTES = 1024 * 1024
CORRUPT_RECORD_COLUMN = "_corrupt_record"
EXECUTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


class JobArgumentError(ValueError):
    """The job was started with missing or malformed arguments."""


class JobSpecError(ValueError):
    """The job spec or a SQL file is not what this runner can run."""


class InputValidationError(Exception):
    """The day's input breaks its dataset's contract; the message starts with "ValidationFailed:"."""

    def __init__(self, violations, total):
        super().__init__(format_validation_failure(violations, total))
        self.violations = list(violations)
        self.total = total


@dataclass(frozen=True)
class JobArguments:
    job_spec_uri: str
    sql_uri: str
    landing_uri: str
    results_uri: str
    run_date: str
    execution_name: str


def is_run_date(value):
    """Whether value is a real calendar date written YYYY-MM-DD."""
    if not isinstance(value, str) or not re.match(r"^\d{4}-\d{2}-\d{2}$", value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def parse_arguments(argv):
    """Reads --name value and --name=value pairs; Glue's own arguments (--JOB_NAME, ...) are ignored."""
    values = {}
    i = 0
    while i < len(argv):
        token = argv[i]
        if not token.startswith("--"):
            i += 1
            continue
        name = token[2:]
        if "=" in name:
            name, value = name.split("=", 1)
            i += 1
        elif i + 1 < len(argv) and not argv[i + 1].startswith("--"):
            value = argv[i + 1]
            i += 2
        else:
            value = ""
            i += 1
        values[name] = value
    missing = [f"--{name}" for name in REQUIRED_ARGUMENTS if not values.get(name)]
    if missing:
        given = ", ".join(f"--{name}" for name in sorted(values)) or "none"
        raise JobArgumentError(f"missing job arguments: {', '.join(missing)} (given: {given})")
    for name in ("sql_uri", "landing_uri", "results_uri"):
        if not re.match(r"^s3://[^/]+/(.+/)?$", values[name]):
            raise JobArgumentError(f"--{name}: got {values[name]!r}; expected an s3://bucket/prefix/ ending in /")
    if not re.match(r"^s3://[^/]+/.*[^/]$", values["job_spec_uri"]):
        raise JobArgumentError(f"--job_spec_uri: got {values['job_spec_uri']!r}; expected s3://bucket/key of a JSON object")
    if not is_run_date(values["run_date"]):
        raise JobArgumentError(f"--run_date: got {values['run_date']!r}; expected a calendar date YYYY-MM-DD")
    if not EXECUTION_NAME.match(values["execution_name"]):
        raise JobArgumentError(f"--execution_name: got {values['execution_name']!r}; expected 1 to 80 letters, digits, - and _")
    return JobArguments(**{name: values[name] for name in REQUIRED_ARGUMENTS})


def split_s3_uri(uri):
    """s3://bucket/key -> (bucket, key)."""
    match = re.match(r"^s3://([^/]+)/(.*)$", uri)
    if not match:
        raise ValueError(f"not an s3:// URI: {uri!r}")
    return match.group(1), match.group(2)


def dataset_prefix(landing_uri, dataset, run_date):
    """<landing_uri><dataset>/run_date=D/ (landing_uri is s3://LANDING/incoming/<pipeline>/)."""
    return f"{landing_uri}{dataset}/run_date={run_date}/"


def output_table_uri(results_uri, output):
    return f"{results_uri}{output}/"


def output_partition_uri(results_uri, output, run_date):
    return f"{results_uri}{output}/run_date={run_date}/"


def is_data_object(key):
    """Data files only: markers (_SUCCESS), hidden and temporary files (_*, .*) and folders are skipped."""
    name = key.rsplit("/", 1)[-1]
    return name != "" and not name.startswith(("_", "."))


def strip_statement(text):
    """The SQL statement of a file, without the trailing ";" (the statement is embedded in a query)."""
    statement = re.sub(r";\s*$", "", text.strip())
    if re.sub(r"--[^\n]*", "", statement).strip() == "":
        return ""
    return statement


def _load_statements(kind, entries, sql_uri, read_text):
    """Reads the SQL file of each view or output (kind names it in messages); returns {name: statement} in order."""
    statements = {}
    for entry in entries:
        uri = f"{sql_uri}{entry['sqlFile']}"
        try:
            text = read_text(uri)
        except Exception as error:
            raise JobSpecError(f"{kind} {entry['name']!r}: cannot read its SQL file {uri} ({error})") from error
        statement = strip_statement(text)
        if not statement:
            raise JobSpecError(f"{kind} {entry['name']!r}: SQL file {uri} has no statement")
        statements[entry["name"]] = statement
    return statements


def load_sql_files(spec, sql_uri, read_text):
    """Reads every output's SQL file through read_text(uri); returns {output name: statement}."""
    return _load_statements("output", spec["outputs"], sql_uri, read_text)


def load_view_sql_files(spec, sql_uri, read_text):
    """Reads every shared view's SQL file through read_text(uri); returns {view name: statement} in the spec's order."""
    return _load_statements("view", spec["views"], sql_uri, read_text)


def register_views(spec, statements, run_sql):
    """Registers the shared views in the spec's order: run_sql(statement).createOrReplaceTempView(name).

    Spark analyses a query when it is created, so SQL that does not resolve fails here, named by
    its view and file, before any output runs.
    """
    for view in spec["views"]:
        try:
            frame = run_sql(statements[view["name"]])
        except Exception as error:
            message = str(error).strip()
            first = message.splitlines()[0] if message else type(error).__name__
            raise JobSpecError(f"view {view['name']!r} ({view['sqlFile']}) failed on Spark: {first}") from error
        frame.createOrReplaceTempView(view["name"])


def check_spec(spec):
    """Refuses a spec this runner does not understand, naming what is wrong."""
    if not isinstance(spec, dict):
        raise JobSpecError(f"job spec: expected a JSON object, got {type(spec).__name__}")
    if spec.get("version") != SPEC_VERSION:
        raise JobSpecError(f"job spec: version {spec.get('version')!r} is not supported; this job runs version {SPEC_VERSION}")
    for field in ("pipeline", "datasets", "references", "views", "outputs", "validation", "spark", "runParametersView"):
        if field not in spec:
            raise JobSpecError(f"job spec: field {field!r} is missing")
    return spec


def parse_csv_header(data, delimiter):
    """Column names of the first record (engine/csv-header.ts parseCsvHeader reads the same way).

    RFC 4180 quoting with '"' (a quote opens a quoted part only at the start of a field); a leading
    byte order mark is dropped; bytes that are not UTF-8 read as U+FFFD; an empty first line has no
    columns.
    """
    text = data.decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    columns = []
    field = ""
    quoted = False
    at_start = True
    i = 0
    while i < len(text):
        ch = text[i]
        if quoted:
            if ch == '"' and text[i + 1 : i + 2] == '"':
                field += '"'
                i += 1
            elif ch == '"':
                quoted = False
            else:
                field += ch
        elif ch == '"' and at_start:
            quoted = True
            at_start = False
        elif ch == delimiter:
            columns.append(field)
            field = ""
            at_start = True
        elif ch in "\r\n":
            break
        else:
            field += ch
            at_start = False
        i += 1
    if not columns and field == "" and at_start:
        return []
    columns.append(field)
    return columns


def format_violation(violation):
    """dataset "trades", object <key>, line 7: <problem> (engine/validation.ts formatViolation)."""
    if violation.get("line") is not None:
        where = f", line {violation['line']}"
    elif violation.get("record"):
        where = f", record {violation['record']}"
    else:
        where = ""
    return f"dataset \"{violation['dataset']}\", object {violation['key']}{where}: {violation['problem']}"


def format_validation_failure(violations, total):
    """The failure message (engine/validation.ts validationMessage): first problem first, then the others."""
    if not violations:
        raise ValueError("format_validation_failure needs at least one violation")
    lines = [f"ValidationFailed: {format_violation(violations[0])}"]
    if total > 1:
        more = total - 1
        lines.append(f"and {more} more problem{'' if more == 1 else 's'}:")
        lines.extend(f"  - {format_violation(v)}" for v in violations[1:])
        unlisted = total - len(violations)
        if unlisted > 0:
            lines.append(f"  ({unlisted} more not listed)")
    return "\n".join(lines)


def violation_from_row(row):
    """A violation from a row of the spec's validation query (dataset, object_key, line, record, problem)."""
    violation = {"dataset": row["dataset"], "key": row["object_key"], "problem": row["problem"]}
    if row.get("line") is not None:
        violation["line"] = int(row["line"])
    if row.get("record") is not None:
        violation["record"] = row["record"]
    return violation


def run_parameters_sql(run_date, execution_name):
    """SQL of the one-row view run_parameters(run_date, execution_name) (engine/sql.ts runParametersSql)."""
    if not is_run_date(run_date):
        raise JobArgumentError(f"run date: got {run_date!r}; allowed: a calendar date YYYY-MM-DD")
    if not EXECUTION_NAME.match(execution_name):
        raise JobArgumentError(f"execution name: got {execution_name!r}; allowed: 1 to 80 letters, digits, - and _")
    return f"SELECT CAST('{run_date}' AS DATE) AS run_date, CAST('{execution_name}' AS STRING) AS execution_name"


def spark_settings(spec):
    """(Spark SQL settings, Hadoop settings) of the spec, as given by the pipeline's configuration."""
    spark = spec["spark"]
    return dict(spark.get("conf", {})), dict(spark.get("hadoopConf", {}))


def no_file_violations(spec, listed, landing_uri, run_date):
    """A violation for each dataset without any data object for the day (unless it allows an empty day)."""
    violations = []
    for dataset in spec["datasets"]:
        if not listed.get(dataset["name"]) and not dataset.get("allowEmpty", False):
            _, prefix = split_s3_uri(dataset_prefix(landing_uri, dataset["name"], run_date))
            violations.append({"dataset": dataset["name"], "key": prefix, "problem": "no data file arrived for the day (only markers or nothing)"})
    return violations


def build_manifest(spec, args, inputs, outputs, started_at, finished_at):
    """The _manifest.json document (engine/manifest.ts Manifest) with engine "glue".

    inputs: {dataset: {"keys": [...], "bytes": n, "rows": n}}; outputs: {name: {"rows": n, "keys": [...]}}.
    """
    return {
        "pipeline": spec["pipeline"],
        "run_date": args.run_date,
        "execution": args.execution_name,
        "engine": "glue",
        "inputs": [
            {"dataset": d["name"], "keys": list(inputs[d["name"]]["keys"]), "bytes": int(inputs[d["name"]]["bytes"]), "rows": int(inputs[d["name"]]["rows"])}
            for d in spec["datasets"]
        ],
        "outputs": [{"name": o["name"], "rows": int(outputs[o["name"]]["rows"]), "keys": list(outputs[o["name"]]["keys"])} for o in spec["outputs"]],
        "started_at": iso_utc(started_at),
        "finished_at": iso_utc(finished_at),
    }


def iso_utc(moment):
    """ISO-8601 UTC with milliseconds and Z, as JavaScript's toISOString writes it."""
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# ---------------------------------------------------------------------------------------------
# Spark side: everything below runs only inside Glue.


def _read_s3_text(s3, uri):
    bucket, key = split_s3_uri(uri)
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")


def _list_data_objects(s3, uri):
    """[(key, size)] of the data objects under an s3:// prefix, in key order."""
    bucket, prefix = split_s3_uri(uri)
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            if is_data_object(item["Key"]):
                found.append((item["Key"], int(item["Size"])))
    return sorted(found)


def _delete_keys(s3, bucket, keys):
    for start in range(0, len(keys), 1000):
        batch = keys[start : start + 1000]
        if batch:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True})


def _violations(spark, queries):
    total = spark.sql(queries["countSql"]).collect()[0][0]
    if total == 0:
        return 0, []
    return total, [violation_from_row(row.asDict()) for row in spark.sql(queries["firstSql"]).collect()]


def _read_raw(spark, F, T, dataset, uri, key, header):
    """One object's records as strings, named as declared, plus _object_key, _line, _malformed."""
    declared = [c["name"] for c in dataset["columns"]]
    if dataset["format"] == "csv":
        options = dataset["csv"]
        # The header was read and checked already; an explicit all-string schema in header order
        # means Spark neither guesses types nor trusts its own reading of the header, and the
        # corrupt-record column catches records whose field count differs from the header.
        schema = T.StructType([T.StructField(c, T.StringType(), True) for c in header] + [T.StructField(CORRUPT_RECORD_COLUMN, T.StringType(), True)])
        frame = (
            spark.read.schema(schema)
            .option("header", "true")
            .option("enforceSchema", "true")
            .option("sep", options["delimiter"])
            .option("quote", options["quote"])
            .option("escape", options["escape"])
            .option("encoding", options["encoding"])
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", CORRUPT_RECORD_COLUMN)
            .csv(uri)
        )
        malformed = F.col(CORRUPT_RECORD_COLUMN)
    elif dataset["format"] == "json":
        frame = spark.read.option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", CORRUPT_RECORD_COLUMN).json(uri)
        malformed = F.col(CORRUPT_RECORD_COLUMN) if CORRUPT_RECORD_COLUMN in frame.columns else F.lit(None).cast("string")
    else:
        frame = spark.read.parquet(uri)
        malformed = F.lit(None).cast("string")
    return frame.select(
        *[F.col(f"`{c}`").cast("string").alias(c) for c in declared],
        F.lit(key).alias("_object_key"),
        F.lit(None).cast("bigint").alias("_line"),
        malformed.alias("_malformed"),
    )


def _header(spark, s3, dataset, bucket, key):
    """The column names of one object: the CSV header line, or the Parquet/JSON schema."""
    if dataset["format"] == "csv":
        data = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{HEADER_BYTES - 1}")["Body"].read()
        return parse_csv_header(data, dataset["csv"]["delimiter"])
    uri = f"s3://{bucket}/{key}"
    frame = spark.read.parquet(uri) if dataset["format"] == "parquet" else spark.read.json(uri)
    return [c for c in frame.columns if c != CORRUPT_RECORD_COLUMN]


def run_job(argv):
    """Entry point inside Glue: validate, join, write, then manifest and markers."""
    import boto3
    from awsglue.context import GlueContext
    from pyspark.context import SparkContext
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    args = parse_arguments(argv)
    s3 = boto3.client("s3")
    spec = check_spec(json.loads(_read_s3_text(s3, args.job_spec_uri)))
    # Every file is read before any work, so a missing one fails the run at once.
    view_statements = load_view_sql_files(spec, args.sql_uri, lambda uri: _read_s3_text(s3, uri))
    statements = load_sql_files(spec, args.sql_uri, lambda uri: _read_s3_text(s3, uri))
    started_at = datetime.datetime.now(datetime.timezone.utc)

    sc = SparkContext.getOrCreate()
    spark = GlueContext(sc).spark_session
    conf, hadoop_conf = spark_settings(spec)
    for name, value in conf.items():
        try:
            spark.conf.set(name, value)
        except Exception as error:
            # Core settings (executor memory, ...) are fixed once the session exists.
            raise JobSpecError(f"spark setting {name}={value!r} cannot be set at run time ({str(error).splitlines()[0]}); pass it as a --conf job argument instead of spark.extra") from error
    hadoop = sc._jsc.hadoopConfiguration()
    for name, value in hadoop_conf.items():
        hadoop.set(name, value)

    landing_bucket, _ = split_s3_uri(args.landing_uri)
    listed = {d["name"]: _list_data_objects(s3, dataset_prefix(args.landing_uri, d["name"], args.run_date)) for d in spec["datasets"]}
    missing = no_file_violations(spec, listed, args.landing_uri, args.run_date)
    if missing:
        raise InputValidationError(missing, len(missing))

    # Structure first: every object's header (or schema), checked by the spec's SQL.
    validation = spec["validation"]
    files, columns, headers, unreadable = [], [], {}, []
    for dataset in spec["datasets"]:
        for key, size in listed[dataset["name"]]:
            files.append((dataset["name"], key, size))
            if size == 0:
                continue
            try:
                header = _header(spark, s3, dataset, landing_bucket, key)
            except Exception as error:
                unreadable.append({"dataset": dataset["name"], "key": key, "problem": f"the file is not readable as {dataset['format']}: {str(error).splitlines()[0]}"})
                continue
            headers[(dataset["name"], key)] = header
            columns.extend((dataset["name"], key, i + 1, name) for i, name in enumerate(header))
    if unreadable:
        raise InputValidationError(unreadable[: validation["maxReported"]], len(unreadable))
    spark.createDataFrame(files, "dataset string, object_key string, bytes bigint").createOrReplaceTempView(validation["filesTable"])
    spark.createDataFrame(columns, "dataset string, object_key string, position int, column_name string").createOrReplaceTempView(validation["columnsTable"])
    total, first = _violations(spark, validation["structure"])
    if total:
        raise InputValidationError(first, total)

    # Then the records, read as strings so that every bad value is reported, not just the first.
    raw_frames = {}
    for dataset in spec["datasets"]:
        frames = [
            _read_raw(spark, F, T, dataset, f"s3://{landing_bucket}/{key}", key, headers[(dataset["name"], key)])
            for key, size in listed[dataset["name"]]
            if size > 0
        ]
        if frames:
            frame = frames[0]
            for other in frames[1:]:
                frame = frame.unionByName(other)
        else:
            # An allowed empty day: the views exist, with no rows.
            columns = ", ".join(f"`{c['name']}` string" for c in dataset["columns"])
            frame = spark.createDataFrame([], f"{columns}, _object_key string, _line bigint, _malformed string")
        frame = frame.persist()
        frame.createOrReplaceTempView(dataset["rawView"])
        raw_frames[dataset["name"]] = frame
    total, first = _violations(spark, validation["records"])
    if total:
        raise InputValidationError(first, total)

    for dataset in spec["datasets"]:
        typed = spark.sql(dataset["typedViewSql"])
        if dataset["broadcast"]:
            typed = F.broadcast(typed)
        typed.createOrReplaceTempView(dataset["name"])
    for reference in spec["references"]:
        reader = spark.read.format(reference["format"])
        if reference["format"] == "csv":
            reader = reader.option("header", "true")
        frame = reader.load(reference["location"])
        if reference.get("filter"):
            frame = frame.where(reference["filter"])
        frame.select(*reference["columns"]).createOrReplaceTempView(reference["name"])
    spark.sql(run_parameters_sql(args.run_date, args.execution_name)).createOrReplaceTempView(spec["runParametersView"])
    register_views(spec, view_statements, spark.sql)

    # Compute every output before writing any, so a failing SQL leaves the old partitions alone.
    results = {}
    for output in spec["outputs"]:
        frame = spark.sql(statements[output["name"]])
        if "run_date" not in frame.columns:
            raise JobSpecError(f"output {output['name']!r} ({output['sqlFile']}) has no run_date column; select run_date from {spec['runParametersView']}")
        frame = frame.persist()
        results[output["name"]] = (frame, frame.count())

    results_bucket, _ = split_s3_uri(args.results_uri)
    partitions = {o["name"]: split_s3_uri(output_partition_uri(args.results_uri, o["name"], args.run_date))[1] for o in spec["outputs"]}
    # Readers wait for _SUCCESS: remove the old ones before anything in the partitions changes.
    _delete_keys(s3, results_bucket, [f"{prefix}{name}" for prefix in partitions.values() for name in (MARKER_FILE, MANIFEST_FILE)])
    for output in spec["outputs"]:
        frame, rows = results[output["name"]]
        if rows > 0:
            # Dynamic partition overwrite (spec conf): only this run_date's partition is replaced.
            frame.write.mode("overwrite").partitionBy("run_date").parquet(output_table_uri(args.results_uri, output["name"]))
        else:
            # No rows means no partition for Spark to replace, so the old one is removed here and an
            # empty file keeps the schema readable.
            bucket_prefix = partitions[output["name"]]
            stale = [key for key, _ in _list_data_objects(s3, f"s3://{results_bucket}/{bucket_prefix}")]
            _delete_keys(s3, results_bucket, stale)
            frame.drop("run_date").coalesce(1).write.mode("overwrite").parquet(output_partition_uri(args.results_uri, output["name"], args.run_date))

    inputs = {
        d["name"]: {"keys": [k for k, _ in listed[d["name"]]], "bytes": sum(s for _, s in listed[d["name"]]), "rows": raw_frames[d["name"]].count()} for d in spec["datasets"]
    }
    outputs = {
        name: {"rows": rows, "keys": [k for k, _ in _list_data_objects(s3, f"s3://{results_bucket}/{partitions[name]}")]} for name, (_, rows) in results.items()
    }
    manifest = build_manifest(spec, args, inputs, outputs, started_at, datetime.datetime.now(datetime.timezone.utc))
    body = (json.dumps(manifest, indent=2) + "\n").encode("utf-8")
    for prefix in partitions.values():
        s3.put_object(Bucket=results_bucket, Key=f"{prefix}{MANIFEST_FILE}", Body=body, ContentType="application/json")
    for prefix in partitions.values():
        s3.put_object(Bucket=results_bucket, Key=f"{prefix}{MARKER_FILE}", Body=b"")
    for frame, _ in results.values():
        frame.unpersist()
    print(json.dumps({"message": "join finished", "pipeline": spec["pipeline"], "run_date": args.run_date, "outputs": outputs}))


if __name__ == "__main__":
    run_job(sys.argv[1:])
