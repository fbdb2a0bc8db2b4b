import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PipelineConfig } from "../../config/types";
import { InputValidationError, type LocalInputFile, runJoinLocal } from "../../engine/duckdb-engine";
import { parseManifest } from "../../engine/manifest";
import { buildJobSpec } from "../../engine/spec";
import { path, query, readOutput } from "./query";

/** A pipeline unlike finance-risk: Parquet and JSON daily datasets, a CSV reference with a filter. */
const pipeline: PipelineConfig = {
  name: "orders-demo",
  description: "Engine test pipeline",
  datasets: [
    {
      name: "orders",
      format: "parquet",
      columns: [
        { name: "order_id", type: "string" },
        { name: "customer_id", type: "string" },
        { name: "amount", type: "decimal", min: 0 },
        { name: "qty", type: "integer" },
        { name: "placed", type: "date" },
        { name: "express", type: "boolean" },
      ],
      uniqueKey: ["order_id"],
    },
    {
      name: "customers",
      format: "json",
      columns: [
        { name: "customer_id", type: "string" },
        { name: "nickname", type: "string", nullable: true },
      ],
    },
  ],
  references: [{ name: "regions", location: "s3://ref/regions/", format: "csv", columns: ["customer_id", "region"], filter: "active = 'yes'" }],
  outputs: [{ name: "order_totals", sqlFile: "order_totals.sql" }],
  deadlineSeconds: 3600,
  schedule: { expectedStart: "01:00" },
  glue: { workerType: "G.1X", maxWorkers: 2, timeoutMinutes: 10 },
};

const ORDER_TOTALS = `
SELECT p.run_date, o.order_id, CAST(o.amount * o.qty AS DOUBLE) AS total, o.placed, o.express, c.nickname, r.region
FROM orders o
JOIN customers c ON c.customer_id = o.customer_id
LEFT JOIN regions r ON r.customer_id = o.customer_id
CROSS JOIN run_parameters p;
`;

let root: string;
let sqlDir: string;
let regionFiles: string[];
let n = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "duckdb-engine-"));
  sqlDir = join(root, "sql");
  await mkdir(sqlDir);
  await writeFile(join(sqlDir, "order_totals.sql"), ORDER_TOTALS);
  const regions = join(root, "regions.csv");
  await writeFile(regions, "customer_id,region,active,secret\nC1,EMEA,yes,x\nC2,APAC,no,y\n");
  regionFiles = [regions];
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Writes orders (Parquet, from a SELECT) and customers (JSON lines) and returns the engine's inputs. */
async function inputs(ordersSelect: string, customersJsonLines: string): Promise<Record<string, LocalInputFile[]>> {
  // Laid out as downloaded from the landing bucket: run_date=D/ folders must not add a column.
  const dir = join(root, `in-${++n}`);
  await mkdir(join(dir, "orders", "run_date=2026-12-03"), { recursive: true });
  await mkdir(join(dir, "customers", "run_date=2026-12-03"), { recursive: true });
  const orders = join(dir, "orders", "run_date=2026-12-03", "orders.parquet");
  await query(`COPY (${ordersSelect}) TO ${path(orders)} (FORMAT parquet)`);
  const customers = join(dir, "customers", "run_date=2026-12-03", "customers.json");
  await writeFile(customers, customersJsonLines);
  const size = async (p: string) => (await readFile(p)).length;
  return {
    orders: [{ key: "incoming/orders-demo/orders/run_date=D/orders.parquet", path: orders, bytes: await size(orders) }],
    customers: [{ key: "incoming/orders-demo/customers/run_date=D/customers.json", path: customers, bytes: await size(customers) }],
  };
}

const ORDERS = `SELECT * FROM (VALUES
  ('O1', 'C1', 2.5, 4, DATE '2026-12-01', true),
  ('O2', 'C2', 10.0, 1, DATE '2026-12-02', false)) v(order_id, customer_id, amount, qty, placed, express)`;
const CUSTOMERS = '{"customer_id": "C1", "nickname": "Ann"}\n{"customer_id": "C2", "nickname": null}\n';

function request(outputDir: string, runDate: string, files: Record<string, LocalInputFile[]>) {
  const times = [new Date("2026-12-03T02:00:00.000Z"), new Date("2026-12-03T02:00:05.500Z")];
  let tick = 0;
  return {
    spec: buildJobSpec(pipeline),
    sqlDir,
    runDate,
    executionName: `orders-demo-${runDate}`,
    inputs: files,
    references: { regions: regionFiles },
    outputDir,
    threads: 1,
    clock: () => times[Math.min(tick++, 1)],
  };
}

describe("runJoinLocal", () => {
  test("runs Parquet and JSON datasets with typed views, a filtered CSV reference and run_parameters", async () => {
    const outputDir = join(root, "out-typed");
    await runJoinLocal(request(outputDir, "2026-12-03", await inputs(ORDERS, CUSTOMERS)));
    const rows = await query(
      `SELECT order_id, total, CAST(placed AS VARCHAR) AS placed, express, nickname, region, typeof(total) AS total_type, typeof(placed) AS placed_type
       FROM read_parquet(${path(`${outputDir}/order_totals/*/*.parquet`)}) ORDER BY order_id`,
    );
    expect(rows).toEqual([
      { order_id: "O1", total: 10, placed: "2026-12-01", express: true, nickname: "Ann", region: "EMEA", total_type: "DOUBLE", placed_type: "DATE" },
      // C2's region row is filtered out (active = 'no') by the reference filter.
      { order_id: "O2", total: 10, placed: "2026-12-02", express: false, nickname: null, region: null, total_type: "DOUBLE", placed_type: "DATE" },
    ]);
    expect((await readOutput(outputDir, "order_totals")).map((r) => r.run_date)).toEqual(["2026-12-03", "2026-12-03"]);
  });

  test("writes the partition's Parquet, then _manifest.json and _SUCCESS, and returns the manifest", async () => {
    const outputDir = join(root, "out-layout");
    const files = await inputs(ORDERS, CUSTOMERS);
    const manifest = await runJoinLocal(request(outputDir, "2026-12-03", files));
    const partition = join(outputDir, "order_totals", "run_date=2026-12-03");
    const names = (await readdir(partition)).sort();
    expect(names).toHaveLength(3);
    expect(names.slice(0, 2)).toEqual(["_SUCCESS", "_manifest.json"]);
    expect(names[2]).toMatch(/^part-00000-[0-9a-f-]+\.parquet$/);
    expect(parseManifest(await readFile(join(partition, "_manifest.json"), "utf8")).manifest).toEqual(manifest);
    expect(manifest).toEqual({
      pipeline: "orders-demo",
      run_date: "2026-12-03",
      execution: "orders-demo-2026-12-03",
      engine: "duckdb",
      inputs: [
        { dataset: "orders", keys: [files.orders[0].key], bytes: files.orders[0].bytes, rows: 2 },
        { dataset: "customers", keys: [files.customers[0].key], bytes: files.customers[0].bytes, rows: 2 },
      ],
      outputs: [{ name: "order_totals", rows: 2, keys: [`order_totals/run_date=2026-12-03/${names[2]}`] }],
      started_at: "2026-12-03T02:00:00.000Z",
      finished_at: "2026-12-03T02:00:05.500Z",
    });
  });

  test("a rerun replaces only its own date's partition; a failed run leaves the old one in place", async () => {
    const outputDir = join(root, "out-rerun");
    await runJoinLocal(request(outputDir, "2026-12-03", await inputs(ORDERS, CUSTOMERS)));
    await runJoinLocal(request(outputDir, "2026-12-04", await inputs(ORDERS, CUSTOMERS)));
    const oneOrder = `SELECT * FROM (${ORDERS}) o WHERE order_id = 'O2'`;
    await runJoinLocal(request(outputDir, "2026-12-03", await inputs(oneOrder, CUSTOMERS)));
    const byDate = async () => {
      const rows = await readOutput(outputDir, "order_totals");
      return rows.map((r) => `${r.run_date} ${r.order_id}`).sort();
    };
    expect(await byDate()).toEqual(["2026-12-03 O2", "2026-12-04 O1", "2026-12-04 O2"]);
    expect((await readdir(join(outputDir, "order_totals", "run_date=2026-12-03"))).filter((f) => f.endsWith(".parquet"))).toHaveLength(1);

    const negative = `SELECT * REPLACE (-1.5 AS amount) FROM (${ORDERS}) o`;
    await expect(runJoinLocal(request(outputDir, "2026-12-03", await inputs(negative, CUSTOMERS)))).rejects.toThrow(InputValidationError);
    expect(await byDate()).toEqual(["2026-12-03 O2", "2026-12-04 O1", "2026-12-04 O2"]);
  });

  test("a dataset that allows an empty day may have no file at all; an empty output is still a readable partition", async () => {
    const relaxed: PipelineConfig = { ...pipeline, datasets: pipeline.datasets.map((d) => (d.name === "customers" ? { ...d, allowEmpty: true } : d)) };
    const files = await inputs(ORDERS, CUSTOMERS);
    const outputDir = join(root, "out-empty");
    const manifest = await runJoinLocal({ ...request(outputDir, "2026-12-03", { ...files, customers: [] }), spec: buildJobSpec(relaxed) });
    expect(manifest.inputs.map((i) => [i.dataset, i.rows])).toEqual([
      ["orders", 2],
      ["customers", 0],
    ]);
    expect(manifest.outputs).toEqual([{ name: "order_totals", rows: 0, keys: [expect.stringMatching(/^order_totals\/run_date=2026-12-03\/part-00000-/)] }]);
    const columns = await query(
      `DESCRIBE SELECT * FROM read_parquet(${path(join(outputDir, manifest.outputs[0].keys?.[0] as string))}, hive_partitioning = false)`,
    );
    expect(columns.map((c) => c.column_name)).toEqual(["order_id", "total", "placed", "express", "nickname", "region"]);
    await expect(runJoinLocal(request(join(root, "out-empty-strict"), "2026-12-03", { ...files, customers: [] }))).rejects.toThrow(
      'dataset "customers", object customers/run_date=2026-12-03/: no data file arrived for the day',
    );
  });

  test("Parquet and JSON records are named by row number, and wrong types are caught after reading as text", async () => {
    const badTypes = `SELECT * REPLACE ('many' AS qty) FROM (${ORDERS}) o`;
    const error = await runJoinLocal(request(join(root, "out-bad"), "2026-12-03", await inputs(badTypes, CUSTOMERS))).catch((e) => e);
    expect(error).toBeInstanceOf(InputValidationError);
    expect(error.message.split("\n")[0]).toBe(
      'ValidationFailed: dataset "orders", object incoming/orders-demo/orders/run_date=D/orders.parquet, line 1: column "qty" value "many" is not a whole number',
    );
    expect(error.total).toBe(2);

    const missingKey = await runJoinLocal(request(join(root, "out-bad"), "2026-12-03", await inputs(ORDERS, '{"nickname": "x"}\n'))).catch((e) => e);
    expect(missingKey.message).toBe(
      'ValidationFailed: dataset "customers", object incoming/orders-demo/customers/run_date=D/customers.json: column "customer_id" is missing from the schema',
    );
  });

  test("names the SQL file it cannot read, and an output without run_date or with another date", async () => {
    const files = await inputs(ORDERS, CUSTOMERS);
    const outputDir = join(root, "out-sql");
    await expect(runJoinLocal({ ...request(outputDir, "2026-12-03", files), sqlDir: join(root, "nowhere") })).rejects.toThrow(
      `output "order_totals": cannot read its SQL file ${join(root, "nowhere", "order_totals.sql")}`,
    );
    const other = join(root, "sql-other");
    await mkdir(other);
    await writeFile(join(other, "order_totals.sql"), "SELECT order_id FROM orders");
    await expect(runJoinLocal({ ...request(outputDir, "2026-12-03", files), sqlDir: other })).rejects.toThrow(
      'output "order_totals" (order_totals.sql) has no run_date column (columns: order_id); select run_date from run_parameters',
    );
    await writeFile(join(other, "order_totals.sql"), "SELECT DATE '2026-01-01' AS run_date, order_id FROM orders");
    await expect(runJoinLocal({ ...request(outputDir, "2026-12-03", files), sqlDir: other })).rejects.toThrow(
      'output "order_totals" (order_totals.sql): 2 rows have a run_date other than 2026-12-03',
    );
    await expect(readdir(outputDir)).rejects.toThrow(/ENOENT/);
  });

  test("registers the shared views in order after datasets, references and run_parameters, before the outputs", async () => {
    const dir = join(root, "sql-views");
    await mkdir(dir);
    // The second view reads the first, and the first reads a dataset, a reference and run_parameters.
    await writeFile(
      join(dir, "enriched_orders.sql"),
      "SELECT o.order_id, o.amount * o.qty AS total, r.region, p.run_date FROM orders o LEFT JOIN regions r ON r.customer_id = o.customer_id CROSS JOIN run_parameters p;\n",
    );
    await writeFile(join(dir, "large_orders.sql"), "SELECT order_id, total, region, run_date FROM enriched_orders WHERE total >= 10");
    await writeFile(join(dir, "order_totals.sql"), "SELECT run_date, order_id, total, region FROM large_orders");
    const withViews: PipelineConfig = {
      ...pipeline,
      views: [
        { name: "enriched_orders", sqlFile: "enriched_orders.sql" },
        { name: "large_orders", sqlFile: "large_orders.sql" },
      ],
    };
    const outputDir = join(root, "out-views");
    const manifest = await runJoinLocal({ ...request(outputDir, "2026-12-03", await inputs(ORDERS, CUSTOMERS)), spec: buildJobSpec(withViews), sqlDir: dir });
    expect(manifest.outputs.map((o) => [o.name, o.rows])).toEqual([["order_totals", 2]]);
    expect(await readOutput(outputDir, "order_totals")).toEqual([
      { order_id: "O1", total: 10, region: "EMEA", run_date: "2026-12-03" },
      { order_id: "O2", total: 10, region: null, run_date: "2026-12-03" },
    ]);

    // In the other order the first view reads one that does not exist yet.
    const reversed: PipelineConfig = { ...withViews, views: [...(withViews.views ?? [])].reverse() };
    await expect(
      runJoinLocal({ ...request(join(root, "out-views-order"), "2026-12-03", await inputs(ORDERS, CUSTOMERS)), spec: buildJobSpec(reversed), sqlDir: dir }),
    ).rejects.toThrow(`view "large_orders" (${join(dir, "large_orders.sql")}) failed on DuckDB: Catalog Error: Table with name enriched_orders does not exist`);
  });

  test("names the view's SQL file when it is missing, empty or does not run, and writes nothing", async () => {
    const dir = join(root, "sql-bad-view");
    await mkdir(dir);
    await writeFile(join(dir, "order_totals.sql"), "SELECT p.run_date, v.order_id FROM order_view v CROSS JOIN run_parameters p");
    const withView: PipelineConfig = { ...pipeline, views: [{ name: "order_view", sqlFile: "order_view.sql" }] };
    const files = await inputs(ORDERS, CUSTOMERS);
    const outputDir = join(root, "out-bad-view");
    const run = () => runJoinLocal({ ...request(outputDir, "2026-12-03", files), spec: buildJobSpec(withView), sqlDir: dir });
    const viewFile = join(dir, "order_view.sql");
    await expect(run()).rejects.toThrow(`view "order_view": cannot read its SQL file ${viewFile}`);
    await writeFile(viewFile, "-- joins come later\n;\n");
    await expect(run()).rejects.toThrow(`view "order_view": SQL file ${viewFile} has no statement`);
    await writeFile(viewFile, "SELECT order_id, no_such_column FROM orders");
    const error = await run().catch((e) => e);
    expect(error.message).toMatch(/^view "order_view" \(/);
    expect(error.message).toContain(`view "order_view" (${viewFile}) failed on DuckDB: Binder Error:`);
    expect(error.message).toContain("no_such_column");
    expect(error).not.toBeInstanceOf(InputValidationError);
    await expect(readdir(outputDir)).rejects.toThrow(/ENOENT/);
  });

  test("refuses a request that does not match the spec, naming what is wrong", async () => {
    const files = await inputs(ORDERS, CUSTOMERS);
    await expect(runJoinLocal({ ...request(root, "2026-02-30", files) })).rejects.toThrow('runDate "2026-02-30" is not a calendar date');
    await expect(runJoinLocal({ ...request(root, "2026-12-03", { orders: files.orders }) })).rejects.toThrow('inputs has no entry for dataset "customers"');
    await expect(runJoinLocal({ ...request(root, "2026-12-03", files), references: {} })).rejects.toThrow('reference "regions" has no local files');
    await expect(runJoinLocal({ ...request(root, "2026-12-03", files), executionName: "x'y" })).rejects.toThrow(/execution name: got "x'y"/);
  });
});
