import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { financeRiskPipeline } from "../../config";
import { parseCsvHeader } from "../../engine/csv-header";
import { buildJobSpec } from "../../engine/spec";
import { runParametersSql } from "../../engine/sql";
import { type Violation, validationMessage } from "../../engine/validation";

const ROOT = join(__dirname, "../..");
// Byte code goes to the temp directory, not into glue/.
const env = { ...process.env, PYTHONPYCACHEPREFIX: join(tmpdir(), "etl-pycache") };

function python(args: string[], input?: string) {
  const result = spawnSync("python3", args, { cwd: ROOT, env, input, encoding: "utf8", timeout: 60_000 });
  if (result.error) throw result.error;
  return result;
}

/** Runs a snippet with pipeline_job imported as `job`, passing `data` as JSON on stdin; returns its JSON output. */
function withJob(snippet: string, data: unknown): unknown {
  const program = `import json, sys\nsys.path.insert(0, "glue")\nimport pipeline_job as job\ndata = json.load(sys.stdin)\n${snippet}`;
  const result = python(["-c", program], JSON.stringify(data));
  if (result.status !== 0) throw new Error(`python3 failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout);
}

describe("glue/pipeline_job.py", () => {
  test("compiles", () => {
    const result = python(["-m", "py_compile", "glue/pipeline_job.py"]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  test("passes its Python unit tests", () => {
    const result = python(["-m", "unittest", "discover", "-s", "glue/tests", "-v"]);
    const ran = /^Ran (\d+) tests? in/m.exec(result.stderr);
    if (result.status !== 0) throw new Error(`python3 -m unittest failed (${result.status}):\n${result.stderr}`);
    expect(ran).not.toBeNull();
    expect(Number(ran?.[1])).toBeGreaterThan(0);
    expect(result.stderr).toMatch(/\nOK\s*$/);
  });

  test("accepts the spec buildJobSpec makes and finds the pipeline's view and output SQL files by their names", () => {
    const spec = buildJobSpec(financeRiskPipeline({ referenceBucket: "reference-bucket" }));
    const loaded = withJob(
      [
        "spec = job.check_spec(data)",
        "read = lambda uri: open(uri.replace('s3://artifacts/sql/', 'glue/sql/finance-risk/')).read()",
        "views = job.load_view_sql_files(spec, 's3://artifacts/sql/', read)",
        "statements = job.load_sql_files(spec, 's3://artifacts/sql/', read)",
        "conf, hadoop = job.spark_settings(spec)",
        "print(json.dumps({'views': list(views), 'outputs': sorted(statements), 'conf': conf, 'hadoop': hadoop, 'reads': {k: 'valued_trades' in v for k, v in statements.items()}}))",
      ].join("\n"),
      JSON.parse(JSON.stringify(spec)),
    ) as { views: string[]; outputs: string[]; conf: Record<string, string>; hadoop: Record<string, string>; reads: Record<string, boolean> };
    expect(loaded.views).toEqual(["valued_trades"]);
    expect(loaded.outputs).toEqual(["trade_exceptions", "trade_exposures"]);
    expect(loaded.reads).toEqual({ trade_exceptions: true, trade_exposures: true });
    expect(loaded.conf).toEqual(spec.spark.conf);
    expect(loaded.hadoop).toEqual({ "mapreduce.fileoutputcommitter.marksuccessfuljobs": "false" });
  });

  test("formats validation failures exactly as the TypeScript engine does", () => {
    const violations: Violation[] = [
      {
        dataset: "trades",
        key: "incoming/finance-risk/trades/run_date=2026-12-03/trades.csv",
        line: 7,
        problem: 'column "quantity" value "abc" is not a decimal',
      },
      { dataset: "trades", key: "incoming/finance-risk/trades/run_date=2026-12-03/trades.csv", record: 'trade_id="T9"', problem: "p" },
      { dataset: "fx_rates", key: "incoming/finance-risk/fx_rates/run_date=2026-12-03/", problem: "no data file arrived" },
    ];
    for (const total of [1, 3, 9]) {
      const shown = violations.slice(0, Math.min(total, 3));
      const fromPython = withJob("print(json.dumps(job.format_validation_failure(data['v'], data['total'])))", { v: shown, total });
      expect(fromPython).toBe(validationMessage(shown, total));
    }
  });

  test("reads CSV headers exactly as the TypeScript engine does", () => {
    const samples = ["a,b,c\n1,2,3", '\uFEFFa,"b,c","d""e"\r\n', "", "\n", "a;b;c\n", 'a"b,c\n', '"a\nb",c\n', "a,,b\n", ",\n", '""\n', "x\ty\n"];
    const bytes = [...samples.map((s) => Buffer.from(s)), Buffer.from([0x63, 0xff, 0x2c, 0x64, 0x0a])];
    const fromPython = withJob(
      "print(json.dumps([job.parse_csv_header(bytes.fromhex(h), ',') for h in data]))",
      bytes.map((b) => b.toString("hex")),
    ) as string[][];
    expect(fromPython).toEqual(bytes.map((b) => parseCsvHeader(b, ",")));
  });

  test("registers the same run_parameters view SQL as the TypeScript engine", () => {
    expect(withJob("print(json.dumps(job.run_parameters_sql(data[0], data[1])))", ["2026-12-03", "finance-risk-2026-12-03-rerun-2"])).toBe(
      runParametersSql("2026-12-03", "finance-risk-2026-12-03-rerun-2"),
    );
  });
});
