import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { isBuiltin } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import type { TerraformAsset } from "cdktf";
import { bundleLambda } from "../../stacks/bundle";
import { BundledFunction } from "../../stacks/bundled-function";
import { policyDocument, resourceOf, synthScope } from "./support";

const entry = join(__dirname, "fixtures", "handler", "handler.ts");
const bundleDir = mkdtempSync(join(tmpdir(), "bundle-test-"));
let assetHash = "";
const { text, json } = synthScope((scope) => {
  const fn = new BundledFunction(scope, "fixture", {
    functionName: "tst-fixture",
    description: "fixture",
    entry,
    bundleDir,
    environment: { RUNTIME_CONFIG: '{"a":1}' },
    logRetentionDays: 14,
    statements: (logGroupArn) => [{ sid: "WriteOwnLogs", effect: "Allow", actions: ["logs:PutLogEvents"], resources: [`${logGroupArn}:*`] }],
    tags: { pipeline: "demo" },
  });
  assetHash = (fn.node.findChild("code") as TerraformAsset).assetHash;
});

afterAll(() => rmSync(bundleDir, { recursive: true, force: true }));

describe("BundledFunction", () => {
  test("deploys the bundle on the current Node.js runtime, arm64, with active tracing", () => {
    expect(text).toHaveResourceWithProperties(LambdaFunction, {
      function_name: "tst-fixture",
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
      tracing_config: { mode: "Active" },
      environment: { variables: { RUNTIME_CONFIG: '{"a":1}' } },
      tags: { pipeline: "demo" },
    });
  });

  test("sets source_code_hash to the asset's hash and points at the zipped asset", () => {
    const fn = resourceOf(json, "aws_lambda_function");
    expect(assetHash).toMatch(/^[0-9A-F]{32,}$/i);
    expect(fn.source_code_hash).toBe(assetHash);
    expect(String(fn.filename)).toMatch(/assets\/.*\.zip$/);
  });

  test("creates the log group with retention and logs to it", () => {
    expect(text).toHaveResourceWithProperties(CloudwatchLogGroup, { name: "/aws/lambda/tst-fixture", retention_in_days: 14 });
    const fn = resourceOf(json, "aws_lambda_function");
    expect(fn.logging_config).toEqual({ log_format: "JSON", log_group: expect.stringContaining("aws_cloudwatch_log_group.fixture_logs") });
  });

  test("gives the role exactly the given statements, scoped to its own log group", () => {
    const statements = policyDocument(json, "fixture_policy-document");
    expect(statements).toEqual([
      {
        sid: "WriteOwnLogs",
        effect: "Allow",
        actions: ["logs:PutLogEvents"],
        resources: [expect.stringMatching(/aws_cloudwatch_log_group\.fixture_logs_[0-9A-F]+\.arn}:\*$/)],
      },
    ]);
    const [trust] = policyDocument(json, "fixture_trust");
    expect(trust?.principals).toEqual([{ type: "Service", identifiers: ["lambda.amazonaws.com"] }]);
  });
});

describe("bundleLambda", () => {
  const bundle = bundleLambda("fixture", entry, bundleDir);
  const code = readFileSync(join(bundle.dir, "index.js"), "utf8");

  test("bundles every dependency, the AWS SDK included: only Node built-ins are required at run time", () => {
    const required = [...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1] as string);
    expect(required.length).toBeGreaterThan(0);
    // The SDK's error message for SigV4a tells the reader to `require("@aws-sdk/signature-v4-crt")`: text, not a call.
    const optional = new Set(["@aws-sdk/signature-v4-crt"]);
    for (const name of required.filter((r) => !optional.has(r))) expect({ name, builtin: isBuiltin(name) }).toEqual({ name, builtin: true });
    expect(code).toContain("fixture handler");
  });

  test("minifies without a source map", () => {
    // Minified code is a few very long lines (the rest are line breaks inside template literals).
    expect(code.length / code.split("\n").length).toBeGreaterThan(1000);
    expect(existsSync(join(bundle.dir, "index.js.map"))).toBe(false);
    expect(code).not.toContain("sourceMappingURL");
  });

  test("is content addressed: the same source gives the same directory", () => {
    expect(bundleLambda("fixture", entry, bundleDir).dir).toBe(bundle.dir);
    expect(bundle.dir).toContain(bundle.hash.slice(0, 16));
  });

  test("names the missing entry", () => {
    expect(() => bundleLambda("nothing", join(bundleDir, "missing.ts"), bundleDir)).toThrow(/missing\.ts does not exist/);
  });
});
