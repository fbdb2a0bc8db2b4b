import { ConfigError, financeRiskPipeline, projectConfig, validateConfig } from "../../config";
import type { EnvironmentConfig, PipelineConfig, ProjectConfig } from "../../config/types";

const [dev] = projectConfig.environments as [EnvironmentConfig];
const pipeline = financeRiskPipeline({ referenceBucket: "ref-bucket" });

function withEnv(change: Partial<EnvironmentConfig>): ProjectConfig {
  return { ...projectConfig, environments: [{ ...dev, ...change }] };
}
function withPipeline(change: Partial<PipelineConfig>): ProjectConfig {
  return withEnv({ pipelines: [{ ...pipeline, ...change }] });
}
function problemsOf(config: ProjectConfig): string[] {
  try {
    validateConfig(config);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error("expected validateConfig to throw");
}

describe("validateConfig", () => {
  test("accepts the shipped configuration", () => {
    expect(validateConfig(projectConfig)).toBe(projectConfig);
  });

  test("names the field, the value received and what is allowed", () => {
    expect(problemsOf(withEnv({ region: "Mars-1" }))).toEqual(['environments[0] (dev).region: got "Mars-1"; allowed: an AWS region such as us-east-1']);
    expect(problemsOf(withEnv({ accountId: "12345" }))).toEqual(['environments[0] (dev).accountId: got "12345"; allowed: a 12-digit AWS account id']);
  });

  test("names nested pipeline fields with their path", () => {
    const problems = problemsOf(withPipeline({ glue: { ...pipeline.glue, workerType: "G.16X" as never, timeoutMinutes: 0 } }));
    expect(problems).toContain('environments[0] (dev).pipelines[0].glue.workerType: got "G.16X"; allowed: G.1X | G.2X | G.4X | G.8X');
    expect(problems).toContain("environments[0] (dev).pipelines[0].glue.timeoutMinutes: got 0; allowed: a whole number from 1 to 2880");
  });

  test("reports every problem at once", () => {
    const problems = problemsOf(withPipeline({ schedule: { expectedStart: "25:00", timezone: "Nowhere/City" }, deadlineSeconds: -1 }));
    expect(problems).toHaveLength(3);
    expect(problems.join("\n")).toMatch(/schedule\.expectedStart: got "25:00"/);
    expect(problems.join("\n")).toMatch(/schedule\.timezone: got "Nowhere\/City"; allowed: an IANA time zone/);
    expect(problems.join("\n")).toMatch(/deadlineSeconds: got -1/);
  });

  test("FLEX execution only with G.1X or G.2X workers", () => {
    expect(problemsOf(withPipeline({ glue: { ...pipeline.glue, executionClass: "FLEX", workerType: "G.4X" } }))).toEqual([
      'environments[0] (dev).pipelines[0].glue.workerType (FLEX): got "G.4X"; allowed: G.1X | G.2X',
    ]);
  });

  test("reference locations must be s3:// prefixes ending in /", () => {
    const references = [{ ...(pipeline.references[0] as PipelineConfig["references"][number]), location: "s3://ref-bucket/accounts" }];
    expect(problemsOf(withPipeline({ references }))).toEqual([
      'environments[0] (dev).pipelines[0].references[0].location: got "s3://ref-bucket/accounts"; allowed: s3://bucket/prefix/ ending in /',
    ]);
  });

  test("duplicate pipeline names and name prefixes are named", () => {
    expect(problemsOf(withEnv({ pipelines: [pipeline, pipeline] }))).toEqual([
      'environments[0] (dev).pipelines[].name: got "finance-risk"; allowed: names that are unique within the list',
    ]);
  });

  test("the error message lists the problems for a person to read", () => {
    expect(() => validateConfig(withEnv({ namePrefix: "X" }))).toThrow(
      /Invalid configuration \(1 problem\):\n {2}- environments\[0\] \(dev\)\.namePrefix: got "X"/,
    );
  });
});
