import { financeRiskPipeline } from "../../config";
import type { PipelineConfig } from "../../config/types";
import { buildJobSpec, sparkConf } from "../../engine/spec";

const pipeline = financeRiskPipeline({ referenceBucket: "reference-bucket", referencePrefix: "risk/" });

describe("buildJobSpec", () => {
  test("is plain JSON: it survives a round trip unchanged", () => {
    const spec = buildJobSpec(pipeline);
    expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
  });

  test("describes each dataset with its format, CSV options, columns, views and broadcast flag", () => {
    const spec = buildJobSpec(pipeline);
    expect(spec.datasets.map((d) => [d.name, d.format, d.csv?.delimiter, d.rawView, d.broadcast])).toEqual([
      ["trades", "csv", ",", "_raw_trades", false],
      ["market_prices", "csv", ",", "_raw_market_prices", true],
      ["fx_rates", "csv", ",", "_raw_fx_rates", true],
    ]);
    expect(spec.datasets[0].columns).toContainEqual({ name: "quantity", type: "decimal", nullable: false });
    expect(spec.datasets[0].typedViewSql).toContain("CAST(NULLIF(quantity, '') AS DOUBLE) AS quantity");
    expect(spec.spark.broadcastDatasets).toEqual(["market_prices", "fx_rates"]);
  });

  test("carries references with location, format, pruned columns and filter, and outputs in order", () => {
    const withFilter: PipelineConfig = { ...pipeline, references: [{ ...pipeline.references[0], filter: "snapshot_date = '2026-12-01'" }] };
    const spec = buildJobSpec(withFilter);
    expect(spec.references).toEqual([
      {
        name: "accounts",
        location: "s3://reference-bucket/risk/accounts/",
        format: "parquet",
        columns: ["account_id", "customer_id", "risk_tier", "region"],
        filter: "snapshot_date = '2026-12-01'",
      },
    ]);
    expect(buildJobSpec(pipeline).outputs).toEqual([
      { name: "trade_exposures", sqlFile: "trade_exposures.sql" },
      { name: "trade_exceptions", sqlFile: "trade_exceptions.sql" },
    ]);
  });

  test("carries the shared views in their order with their SQL files, and an empty list when there are none", () => {
    expect(buildJobSpec(pipeline).views).toEqual([{ name: "valued_trades", sqlFile: "valued_trades.sql" }]);
    const two: PipelineConfig = {
      ...pipeline,
      views: [
        { name: "valued_trades", sqlFile: "valued_trades.sql" },
        { name: "priced_trades", sqlFile: "priced_trades.sql" },
      ],
    };
    expect(buildJobSpec(two).views.map((v) => v.name)).toEqual(["valued_trades", "priced_trades"]);
    expect(buildJobSpec({ ...pipeline, views: undefined }).views).toEqual([]);
  });

  test("refuses a view that would shadow another name the SQL reads, a reserved word, or a file outside the SQL directory", () => {
    const view = (name: string, sqlFile = "v.sql"): PipelineConfig => ({ ...pipeline, views: [{ name, sqlFile }] });
    const shadow = (name: string) =>
      `pipeline "finance-risk" view "${name}": the name is already a dataset, reference, earlier view or run_parameters; give the view its own name`;
    for (const name of ["trades", "accounts", "run_parameters"]) expect(() => buildJobSpec(view(name))).toThrow(shadow(name));
    const twice: PipelineConfig = {
      ...pipeline,
      views: [
        { name: "valued_trades", sqlFile: "a.sql" },
        { name: "valued_trades", sqlFile: "b.sql" },
      ],
    };
    expect(() => buildJobSpec(twice)).toThrow(shadow("valued_trades"));
    expect(() => buildJobSpec(view("select"))).toThrow('pipeline "finance-risk" view name: "select" is a reserved SQL word');
    expect(() => buildJobSpec(view("valued", "../valued.sql"))).toThrow(
      'pipeline "finance-risk" view "valued": sqlFile "../valued.sql" must be a file name like valued.sql',
    );
  });

  test("compiles validation for every dataset into one structure query and one record query", () => {
    const { validation } = buildJobSpec(pipeline);
    expect([validation.filesTable, validation.columnsTable, validation.maxReported]).toEqual(["_etl_files", "_etl_columns", 20]);
    for (const name of ["'trades'", "'market_prices'", "'fx_rates'"]) expect(validation.structure.countSql).toContain(name);
    for (const raw of ["_raw_trades", "_raw_market_prices", "_raw_fx_rates"]) expect(validation.records.countSql).toContain(`FROM ${raw} r`);
    expect(validation.records.firstSql).toMatch(/ORDER BY dataset_order, object_key, line NULLS LAST, check_no, record NULLS LAST, problem LIMIT 20$/);
  });

  test("a custom delimiter reaches the reader options and the wrong-delimiter hint", () => {
    const semicolon: PipelineConfig = { ...pipeline, datasets: pipeline.datasets.map((d, i) => (i === 0 ? { ...d, csv: { delimiter: ";" } } : d)) };
    const spec = buildJobSpec(semicolon);
    expect(spec.datasets[0].csv).toEqual({ delimiter: ";", quote: '"', escape: '"', header: true, encoding: "UTF-8" });
    expect(spec.validation.structure.firstSql).toContain('is the delimiter ";" right?');
  });

  test("refuses names that are not usable in the shared SQL, and broadcasts of unknown datasets", () => {
    const reserved: PipelineConfig = { ...pipeline, datasets: pipeline.datasets.map((d, i) => (i === 0 ? { ...d, name: "order" } : d)) };
    expect(() => buildJobSpec(reserved)).toThrow('pipeline "finance-risk" dataset name: "order" is a reserved SQL word');
    const unknown: PipelineConfig = { ...pipeline, spark: { broadcastDatasets: ["positions"] } };
    expect(() => buildJobSpec(unknown)).toThrow(
      'pipeline "finance-risk": spark.broadcastDatasets names "positions", which is not a dataset (trades, market_prices, fx_rates)',
    );
  });
});

describe("sparkConf", () => {
  test("applies the documented defaults when the pipeline sets nothing", () => {
    const conf = sparkConf({ ...pipeline, spark: undefined });
    expect(conf).toMatchObject({
      "spark.sql.adaptive.enabled": "true",
      "spark.sql.autoBroadcastJoinThreshold": String(256 * 1024 * 1024),
      "spark.sql.shuffle.partitions": "400",
      "spark.sql.sources.partitionOverwriteMode": "dynamic",
      "spark.sql.parser.escapedStringLiterals": "true",
      "spark.sql.session.timeZone": "UTC",
    });
  });

  test("takes the pipeline's settings, and extra settings override everything", () => {
    const conf = sparkConf({
      ...pipeline,
      spark: {
        adaptiveExecution: false,
        broadcastThresholdBytes: -1,
        shufflePartitions: 64,
        extra: { "spark.sql.shuffle.partitions": "32", "spark.sql.files.maxPartitionBytes": "256m" },
      },
    });
    expect(conf["spark.sql.adaptive.enabled"]).toBe("false");
    expect(conf["spark.sql.autoBroadcastJoinThreshold"]).toBe("-1");
    expect(conf["spark.sql.shuffle.partitions"]).toBe("32");
    expect(conf["spark.sql.files.maxPartitionBytes"]).toBe("256m");
  });
});
