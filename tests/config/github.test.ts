import { ConfigError, projectConfig, validateConfig } from "../../config";
import type { ProjectConfig } from "../../config/types";

function problemsOf(config: ProjectConfig): string[] {
  try {
    validateConfig(config);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error("expected validateConfig to throw");
}

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
