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

  test("accepts shared views with their own names and SQL files, and none at all", () => {
    expect(pipeline.views).toEqual([{ name: "valued_trades", sqlFile: "valued_trades.sql" }]);
    expect(() => validateConfig(withPipeline({ views: undefined }))).not.toThrow();
    expect(() => validateConfig(withPipeline({ views: [...(pipeline.views ?? []), { name: "priced_trades", sqlFile: "priced_trades.sql" }] }))).not.toThrow();
  });

  test("a view needs a SQL identifier for a name and a SQL file name under glue/sql/<pipeline>/", () => {
    expect(problemsOf(withPipeline({ views: [{ name: "Valued-Trades", sqlFile: "../valued.sql" }] }))).toEqual([
      'environments[0] (dev).pipelines[0].views[0].name: got "Valued-Trades"; allowed: lower-case letters, digits and _, starting with a letter (a SQL identifier)',
      'environments[0] (dev).pipelines[0].views[0].sqlFile: got "../valued.sql"; allowed: a file name like my_view.sql under glue/sql/<pipeline>/',
    ]);
  });

  test("a view's name is unique among datasets, references, outputs, views and run_parameters", () => {
    const named = (...names: string[]) => withPipeline({ views: names.map((name) => ({ name, sqlFile: `${name}_view.sql` })) });
    const at = (i: number, name: string, owner: string) =>
      `environments[0] (dev).pipelines[0].views[${i}].name: got "${name}"; allowed: a name no dataset, reference, output or other view has (${owner} has it)`;
    expect(problemsOf(named("trades"))).toEqual([at(0, "trades", "a dataset")]);
    expect(problemsOf(named("accounts"))).toEqual([at(0, "accounts", "a reference")]);
    expect(problemsOf(named("trade_exposures"))).toEqual([at(0, "trade_exposures", "an output")]);
    expect(problemsOf(named("run_parameters"))).toEqual([at(0, "run_parameters", "the view the engines register for the run")]);
    const twice = withPipeline({
      views: [
        { name: "valued_trades", sqlFile: "a.sql" },
        { name: "valued_trades", sqlFile: "b.sql" },
      ],
    });
    expect(problemsOf(twice)).toEqual([at(1, "valued_trades", "another view")]);
  });

  test("a view's SQL file is not an output's or another view's", () => {
    const views = [
      { name: "first_view", sqlFile: "trade_exposures.sql" },
      { name: "second_view", sqlFile: "shared.sql" },
      { name: "third_view", sqlFile: "shared.sql" },
    ];
    expect(problemsOf(withPipeline({ views }))).toEqual([
      'environments[0] (dev).pipelines[0].views[0].sqlFile: got "trade_exposures.sql"; allowed: a file no output or other view uses (output "trade_exposures" uses it)',
      'environments[0] (dev).pipelines[0].views[2].sqlFile: got "shared.sql"; allowed: a file no output or other view uses (view "second_view" uses it)',
    ]);
  });

  test("the error message lists the problems for a person to read", () => {
    expect(() => validateConfig(withEnv({ namePrefix: "X" }))).toThrow(
      /Invalid configuration \(1 problem\):\n {2}- environments\[0\] \(dev\)\.namePrefix: got "X"/,
    );
  });
});

describe("the github section of the configuration", () => {
  it("names the repository the workflows run in", () => {
    expect(validateConfig(projectConfig).github).toEqual({ owner: expect.any(String), repository: expect.any(String) });
  });

  it("accepts GitHub's owner and repository names", () => {
    for (const github of [
      { owner: "a", repository: "r" },
      { owner: "data-platform", repository: "daily.etl_gitops-2" },
      { owner: "A1-b2", repository: ".github" },
    ]) {
      expect(() => validateConfig({ ...projectConfig, github })).not.toThrow();
    }
  });

  it("rejects names the OIDC subject would not match, naming the field, the value and what is allowed", () => {
    expect(problemsOf({ ...projectConfig, github: { owner: "-bad", repository: "ok" } })).toEqual([
      'github.owner: got "-bad"; allowed: a GitHub user or organization name (letters, digits, single dashes, up to 39)',
    ]);
    expect(problemsOf({ ...projectConfig, github: { owner: "a--b", repository: "ok" } })).toHaveLength(1);
    expect(problemsOf({ ...projectConfig, github: { owner: "ok", repository: "has/slash" } })).toEqual([
      'github.repository: got "has/slash"; allowed: a GitHub repository name (letters, digits, . _ -, up to 100)',
    ]);
    expect(problemsOf({ ...projectConfig, github: { owner: "ok", repository: ".." } })).toHaveLength(1);
    expect(problemsOf({ ...projectConfig, github: { owner: "ok", repository: "wild*" } })).toHaveLength(1);
  });

  it("is required", () => {
    const { github: _omitted, ...rest } = projectConfig;
    expect(problemsOf(rest as ProjectConfig)).toEqual(["github: got nothing; allowed: { owner, repository } of the repository running the workflows"]);
  });
});
