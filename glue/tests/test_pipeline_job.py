"""Unit tests of the pure parts of glue/pipeline_job.py; they run under plain python3 (no Spark)."""

import datetime
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import pipeline_job as job  # noqa: E402

ARGS = [
    "--JOB_NAME", "detl-dev-finance-risk-join",
    "--job-bookmark-option", "job-bookmark-disable",
    "--job_spec_uri", "s3://artifacts/specs/finance-risk.json",
    "--sql_uri", "s3://artifacts/sql/finance-risk/",
    "--landing_uri", "s3://landing/incoming/finance-risk/",
    "--results_uri", "s3://results/finance-risk/",
    "--run_date", "2026-12-03",
    "--execution_name", "finance-risk-2026-12-03",
    "--enable-metrics",
    "--TempDir", "s3://tmp/glue/",
]  # fmt: skip

SPEC = {
    "version": 2,
    "pipeline": "finance-risk",
    "datasets": [{"name": "trades"}, {"name": "fx_rates"}],
    "references": [],
    "views": [{"name": "valued_trades", "sqlFile": "valued_trades.sql"}, {"name": "priced_trades", "sqlFile": "priced_trades.sql"}],
    "outputs": [{"name": "trade_exposures", "sqlFile": "trade_exposures.sql"}, {"name": "trade_exceptions", "sqlFile": "trade_exceptions.sql"}],
    "validation": {},
    "runParametersView": "run_parameters",
    "spark": {"conf": {"spark.sql.shuffle.partitions": "400"}, "hadoopConf": {"mapreduce.fileoutputcommitter.marksuccessfuljobs": "false"}, "broadcastDatasets": []},
}


class ParseArgumentsTest(unittest.TestCase):
    def test_reads_the_job_arguments_and_ignores_glue_own_ones(self):
        args = job.parse_arguments(ARGS)
        self.assertEqual(args.job_spec_uri, "s3://artifacts/specs/finance-risk.json")
        self.assertEqual(args.sql_uri, "s3://artifacts/sql/finance-risk/")
        self.assertEqual(args.landing_uri, "s3://landing/incoming/finance-risk/")
        self.assertEqual(args.results_uri, "s3://results/finance-risk/")
        self.assertEqual(args.run_date, "2026-12-03")
        self.assertEqual(args.execution_name, "finance-risk-2026-12-03")

    def test_accepts_name_equals_value(self):
        argv = [a for a in ARGS if a not in ("--run_date", "2026-12-03")] + ["--run_date=2026-12-04"]
        self.assertEqual(job.parse_arguments(argv).run_date, "2026-12-04")

    def test_names_every_missing_argument(self):
        with self.assertRaises(job.JobArgumentError) as caught:
            job.parse_arguments(["--JOB_NAME", "x", "--run_date", "2026-12-03"])
        message = str(caught.exception)
        for name in ("--job_spec_uri", "--sql_uri", "--landing_uri", "--results_uri", "--execution_name"):
            self.assertIn(name, message)
        self.assertNotIn("--run_date,", message)

    def test_rejects_a_date_that_does_not_exist(self):
        argv = [("2026-02-30" if a == "2026-12-03" else a) for a in ARGS]
        with self.assertRaisesRegex(job.JobArgumentError, r"--run_date: got '2026-02-30'"):
            job.parse_arguments(argv)

    def test_rejects_a_prefix_uri_without_trailing_slash(self):
        argv = [("s3://results/finance-risk" if a == "s3://results/finance-risk/" else a) for a in ARGS]
        with self.assertRaisesRegex(job.JobArgumentError, r"--results_uri: got 's3://results/finance-risk'"):
            job.parse_arguments(argv)

    def test_rejects_an_execution_name_that_could_change_the_sql(self):
        argv = [("x'; DROP" if a == "finance-risk-2026-12-03" else a) for a in ARGS]
        with self.assertRaisesRegex(job.JobArgumentError, r"--execution_name"):
            job.parse_arguments(argv)


class PathsTest(unittest.TestCase):
    def test_builds_the_landing_and_results_locations(self):
        self.assertEqual(job.dataset_prefix("s3://landing/incoming/finance-risk/", "trades", "2026-12-03"), "s3://landing/incoming/finance-risk/trades/run_date=2026-12-03/")
        self.assertEqual(job.output_table_uri("s3://results/finance-risk/", "trade_exposures"), "s3://results/finance-risk/trade_exposures/")
        self.assertEqual(
            job.output_partition_uri("s3://results/finance-risk/", "trade_exposures", "2026-12-03"), "s3://results/finance-risk/trade_exposures/run_date=2026-12-03/"
        )

    def test_splits_s3_uris(self):
        self.assertEqual(job.split_s3_uri("s3://bucket/a/b.csv"), ("bucket", "a/b.csv"))
        self.assertEqual(job.split_s3_uri("s3://bucket/"), ("bucket", ""))
        with self.assertRaises(ValueError):
            job.split_s3_uri("https://bucket/a")

    def test_skips_markers_hidden_files_and_folders(self):
        self.assertTrue(job.is_data_object("incoming/p/trades/run_date=2026-12-03/trades.csv"))
        for key in ("incoming/p/trades/run_date=2026-12-03/_SUCCESS", "incoming/p/trades/run_date=2026-12-03/.part.crc", "incoming/p/trades/run_date=2026-12-03/"):
            self.assertFalse(job.is_data_object(key), key)

    def test_names_datasets_without_any_data_file(self):
        listed = {"trades": [("incoming/finance-risk/trades/run_date=2026-12-03/t.csv", 10)], "fx_rates": []}
        violations = job.no_file_violations(SPEC, listed, "s3://landing/incoming/finance-risk/", "2026-12-03")
        self.assertEqual(violations, [{"dataset": "fx_rates", "key": "incoming/finance-risk/fx_rates/run_date=2026-12-03/", "problem": "no data file arrived for the day (only markers or nothing)"}])
        relaxed = {**SPEC, "datasets": [{"name": "trades"}, {"name": "fx_rates", "allowEmpty": True}]}
        self.assertEqual(job.no_file_violations(relaxed, listed, "s3://landing/incoming/finance-risk/", "2026-12-03"), [])


class SqlFilesTest(unittest.TestCase):
    def test_loads_each_output_statement_without_the_trailing_semicolon(self):
        files = {"s3://a/sql/trade_exposures.sql": "-- exposures\nSELECT 1 AS x;\n", "s3://a/sql/trade_exceptions.sql": "SELECT 2 AS y"}
        statements = job.load_sql_files(SPEC, "s3://a/sql/", files.__getitem__)
        self.assertEqual(statements, {"trade_exposures": "-- exposures\nSELECT 1 AS x", "trade_exceptions": "SELECT 2 AS y"})

    def test_names_the_output_and_uri_of_a_missing_file(self):
        with self.assertRaisesRegex(job.JobSpecError, r"output 'trade_exposures': cannot read its SQL file s3://a/sql/trade_exposures.sql"):
            job.load_sql_files(SPEC, "s3://a/sql/", {}.__getitem__)

    def test_refuses_a_file_with_only_comments(self):
        files = {"s3://a/sql/trade_exposures.sql": "-- nothing here\n;", "s3://a/sql/trade_exceptions.sql": "SELECT 1"}
        with self.assertRaisesRegex(job.JobSpecError, r"trade_exposures.sql has no statement"):
            job.load_sql_files(SPEC, "s3://a/sql/", files.__getitem__)

    def test_loads_each_view_statement_in_the_spec_order(self):
        files = {"s3://a/sql/valued_trades.sql": "-- shared joins\nSELECT 1 AS x;\n\n", "s3://a/sql/priced_trades.sql": "SELECT x FROM valued_trades"}
        statements = job.load_view_sql_files(SPEC, "s3://a/sql/", files.__getitem__)
        self.assertEqual(list(statements.items()), [("valued_trades", "-- shared joins\nSELECT 1 AS x"), ("priced_trades", "SELECT x FROM valued_trades")])

    def test_names_the_view_and_uri_of_a_missing_or_empty_view_file(self):
        with self.assertRaisesRegex(job.JobSpecError, r"view 'priced_trades': cannot read its SQL file s3://a/sql/priced_trades.sql"):
            job.load_view_sql_files(SPEC, "s3://a/sql/", {"s3://a/sql/valued_trades.sql": "SELECT 1"}.__getitem__)
        files = {"s3://a/sql/valued_trades.sql": "-- only a comment\n", "s3://a/sql/priced_trades.sql": "SELECT 1"}
        with self.assertRaisesRegex(job.JobSpecError, r"view 'valued_trades': SQL file s3://a/sql/valued_trades.sql has no statement"):
            job.load_view_sql_files(SPEC, "s3://a/sql/", files.__getitem__)

    def test_a_spec_without_views_loads_none(self):
        self.assertEqual(job.load_view_sql_files({**SPEC, "views": []}, "s3://a/sql/", {}.__getitem__), {})

    def test_run_parameters_view_sql(self):
        self.assertEqual(
            job.run_parameters_sql("2026-12-03", "finance-risk-2026-12-03"),
            "SELECT CAST('2026-12-03' AS DATE) AS run_date, CAST('finance-risk-2026-12-03' AS STRING) AS execution_name",
        )
        with self.assertRaises(job.JobArgumentError):
            job.run_parameters_sql("2026-12-03' OR '1", "x")


class SpecTest(unittest.TestCase):
    def test_accepts_the_supported_version_and_returns_its_settings(self):
        spec = job.check_spec(json.loads(json.dumps(SPEC)))
        self.assertEqual(job.spark_settings(spec), ({"spark.sql.shuffle.partitions": "400"}, {"mapreduce.fileoutputcommitter.marksuccessfuljobs": "false"}))

    def test_refuses_another_version_or_a_missing_field(self):
        # Version 1 had no views: running it here would fail later, in an output's SQL.
        for version in (1, 3):
            with self.assertRaisesRegex(job.JobSpecError, rf"version {version} is not supported; this job runs version 2"):
                job.check_spec({**SPEC, "version": version})
        for field in ("outputs", "views"):
            spec = dict(SPEC)
            del spec[field]
            with self.assertRaisesRegex(job.JobSpecError, rf"field '{field}' is missing"):
                job.check_spec(spec)


class FakeFrame:
    def __init__(self, registered, statement):
        self.registered = registered
        self.statement = statement

    def createOrReplaceTempView(self, name):  # noqa: N802 (the PySpark name)
        self.registered.append((name, self.statement))


class RegisterViewsTest(unittest.TestCase):
    STATEMENTS = {"valued_trades": "SELECT 1 AS x", "priced_trades": "SELECT x FROM valued_trades"}

    def test_registers_each_view_under_its_name_in_the_spec_order(self):
        registered = []
        job.register_views(SPEC, self.STATEMENTS, lambda sql: FakeFrame(registered, sql))
        self.assertEqual(registered, [("valued_trades", "SELECT 1 AS x"), ("priced_trades", "SELECT x FROM valued_trades")])

    def test_names_the_view_and_its_file_when_its_sql_fails_and_registers_no_later_view(self):
        registered = []

        def run_sql(sql):
            if sql.startswith("SELECT x FROM"):
                raise RuntimeError("[TABLE_OR_VIEW_NOT_FOUND] The table or view `valued_trade` cannot be found.\nplan details")
            return FakeFrame(registered, sql)

        reordered = {**SPEC, "views": list(reversed(SPEC["views"]))}
        with self.assertRaisesRegex(job.JobSpecError, r"^view 'priced_trades' \(priced_trades.sql\) failed on Spark: \[TABLE_OR_VIEW_NOT_FOUND\] .*cannot be found\.$"):
            job.register_views(reordered, self.STATEMENTS, run_sql)
        self.assertEqual(registered, [])


class CsvHeaderTest(unittest.TestCase):
    def test_reads_names_with_quotes_bom_and_crlf(self):
        self.assertEqual(job.parse_csv_header(b'\xef\xbb\xbfa,"b,c","d""e"\r\nx,y,z\r\n', ","), ["a", "b,c", 'd"e'])

    def test_a_wrong_delimiter_gives_one_column(self):
        self.assertEqual(job.parse_csv_header(b"a;b;c\n1;2;3\n", ","), ["a;b;c"])

    def test_empty_first_line_has_no_columns(self):
        self.assertEqual(job.parse_csv_header(b"", ","), [])
        self.assertEqual(job.parse_csv_header(b"\nx\n", ","), [])

    def test_undecodable_bytes_read_as_replacement_characters(self):
        self.assertEqual(job.parse_csv_header(b"cur\xffrency,rate\n", ","), ["cur\ufffdrency", "rate"])


class MessagesTest(unittest.TestCase):
    def test_formats_a_violation_with_line_or_record(self):
        self.assertEqual(job.format_violation({"dataset": "trades", "key": "k.csv", "line": 7, "problem": "p"}), 'dataset "trades", object k.csv, line 7: p')
        self.assertEqual(job.format_violation({"dataset": "trades", "key": "k.csv", "record": 'trade_id="T7"', "problem": "p"}), 'dataset "trades", object k.csv, record trade_id="T7": p')
        self.assertEqual(job.format_violation({"dataset": "trades", "key": "k.csv", "problem": "p"}), 'dataset "trades", object k.csv: p')

    def test_the_failure_starts_with_validation_failed_and_counts_the_rest(self):
        violations = [{"dataset": "d", "key": "k", "line": 2, "problem": "p"}, {"dataset": "d", "key": "k", "line": 3, "problem": "q"}]
        error = job.InputValidationError(violations, 5)
        self.assertEqual(str(error), 'ValidationFailed: dataset "d", object k, line 2: p\nand 4 more problems:\n  - dataset "d", object k, line 3: q\n  (3 more not listed)')
        self.assertEqual(str(job.InputValidationError(violations[:1], 1)), 'ValidationFailed: dataset "d", object k, line 2: p')

    def test_violation_rows_from_spark_have_a_record_instead_of_a_line(self):
        row = {"dataset": "trades", "object_key": "k", "line": None, "record": 'trade_id="T7"', "problem": "p"}
        self.assertEqual(job.violation_from_row(row), {"dataset": "trades", "key": "k", "record": 'trade_id="T7"', "problem": "p"})


class ManifestTest(unittest.TestCase):
    def test_builds_the_manifest_with_engine_glue(self):
        args = job.parse_arguments(ARGS)
        started = datetime.datetime(2026, 12, 3, 2, 0, 1, 250000, tzinfo=datetime.timezone.utc)
        finished = datetime.datetime(2026, 12, 3, 2, 7, 0, tzinfo=datetime.timezone.utc)
        inputs = {"trades": {"keys": ["a.csv", "b.csv"], "bytes": 30, "rows": 4}, "fx_rates": {"keys": ["f.csv"], "bytes": 5, "rows": 1}}
        outputs = {"trade_exposures": {"rows": 3, "keys": ["x/part-0.parquet"]}, "trade_exceptions": {"rows": 1, "keys": ["y/part-0.parquet"]}}
        manifest = job.build_manifest(SPEC, args, inputs, outputs, started, finished)
        self.assertEqual(
            manifest,
            {
                "pipeline": "finance-risk",
                "run_date": "2026-12-03",
                "execution": "finance-risk-2026-12-03",
                "engine": "glue",
                "inputs": [{"dataset": "trades", "keys": ["a.csv", "b.csv"], "bytes": 30, "rows": 4}, {"dataset": "fx_rates", "keys": ["f.csv"], "bytes": 5, "rows": 1}],
                "outputs": [{"name": "trade_exposures", "rows": 3, "keys": ["x/part-0.parquet"]}, {"name": "trade_exceptions", "rows": 1, "keys": ["y/part-0.parquet"]}],
                "started_at": "2026-12-03T02:00:01.250Z",
                "finished_at": "2026-12-03T02:07:00.000Z",
            },
        )


class SparkImportsTest(unittest.TestCase):
    def test_the_module_imports_without_pyspark(self):
        self.assertNotIn("pyspark", sys.modules)
        self.assertNotIn("awsglue", sys.modules)


if __name__ == "__main__":
    unittest.main()
