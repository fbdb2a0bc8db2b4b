/**
 * Offline Terraform for tests: synthesize the configured stacks with the offline provider, then
 * `terraform init` (from the provider mirror), `validate`, `plan -out` with fake credentials and
 * `show -json`. Plans are cached on disk by the synthesized configuration's hash, so each stack is
 * initialized and planned once per change, however many test files ask for it (jest runs each file
 * in its own module registry, and several in parallel).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { App } from "cdktf";
import { projectConfig, validateConfig } from "../../config";
import type { ProjectConfig } from "../../config/types";
import { setupTerraform, terraformEnv } from "../../scripts/terraform";
import { BootstrapStack, bootstrapStackIdFor } from "../../stacks/bootstrap-stack";
import { PipelineStack, stackIdFor } from "../../stacks/pipeline-stack";

const run = promisify(execFile);

const REPO_ROOT = resolve(__dirname, "..", "..");
/** Git-ignored; each plan lives in `<stackId>-<hash>/` with its working directory. */
export const PLAN_CACHE_DIR = join(REPO_ROOT, ".terraform", "plans");

/** The part of `terraform show -json` the tests read. https://developer.hashicorp.com/terraform/internals/json-format */
export interface PlannedResource {
  readonly address: string;
  readonly type: string;
  readonly name: string;
  readonly values: Record<string, unknown>;
}
export interface TerraformPlan {
  readonly format_version: string;
  readonly planned_values: { readonly root_module: { readonly resources?: readonly PlannedResource[] }; readonly outputs?: Record<string, unknown> };
  readonly resource_changes: readonly { readonly address: string; readonly type: string; readonly change: { readonly actions: readonly string[] } }[];
  readonly configuration: { readonly root_module: { readonly outputs?: Record<string, { readonly description?: string }> } };
}

export interface OfflinePlan {
  readonly planJson: TerraformPlan;
  /** The Terraform working directory (synthesized stack, .terraform/, plan.tfplan, plan.json). */
  readonly dir: string;
  /** The synthesized cdk.tf.json of the stack. */
  readonly config: Record<string, unknown>;
}

/** Removes synth directories and plans nobody has touched for a day, so the cache does not grow without bound. */
function pruneCache(): void {
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  for (const entry of readdirSync(PLAN_CACHE_DIR)) {
    const path = join(PLAN_CACHE_DIR, entry);
    if (statSync(path).mtimeMs < dayAgo) rmSync(path, { recursive: true, force: true });
  }
}

/** Synthesizes every environment of `config` with the offline provider into a fresh directory; returns it. */
export function synthesizeOffline(config: ProjectConfig = projectConfig): string {
  mkdirSync(PLAN_CACHE_DIR, { recursive: true });
  const outdir = mkdtempSync(join(PLAN_CACHE_DIR, "synth-"));
  const app = new App({ outdir, stackTraces: false });
  const valid = validateConfig(config);
  for (const environment of valid.environments) {
    new PipelineStack(app, stackIdFor(environment), { project: valid.project, environment, offline: true });
    new BootstrapStack(app, bootstrapStackIdFor(environment), { project: valid.project, github: valid.github, environment, offline: true });
  }
  app.synth();
  return outdir;
}

async function terraform(dir: string, env: NodeJS.ProcessEnv, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await run("terraform", [...args], { cwd: dir, env, maxBuffer: 256 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`terraform ${args.join(" ")} failed in ${dir}:\n${e.stderr || e.stdout || e.message}`);
  }
}

async function initValidatePlan(dir: string): Promise<void> {
  const env = terraformEnv(setupTerraform(), { offline: true });
  await terraform(dir, env, ["init", "-input=false", "-no-color", "-backend=true"]);
  const validation = JSON.parse(await terraform(dir, env, ["validate", "-json", "-no-color"])) as { valid: boolean; diagnostics: unknown[] };
  if (!validation.valid) throw new Error(`terraform validate in ${dir}: ${JSON.stringify(validation.diagnostics, null, 2)}`);
  await terraform(dir, env, ["plan", "-input=false", "-no-color", "-lock=false", "-out=plan.tfplan"]);
  writeFileSync(join(dir, "plan.json"), await terraform(dir, env, ["show", "-json", "-no-color", "plan.tfplan"]));
}

let synthesized: string | undefined;
const plans = new Map<string, Promise<OfflinePlan>>();

async function planFresh(stackId: string): Promise<OfflinePlan> {
  mkdirSync(PLAN_CACHE_DIR, { recursive: true });
  if (synthesized === undefined) {
    pruneCache();
    synthesized = synthesizeOffline();
  }
  const stackDir = join(synthesized, "stacks", stackId);
  if (!existsSync(join(stackDir, "cdk.tf.json")))
    throw new Error(`planStackOffline: no stack ${JSON.stringify(stackId)} in the synthesized app (${synthesized})`);
  const text = readFileSync(join(stackDir, "cdk.tf.json"), "utf8");
  // Asset paths carry their content hash, so the configuration's hash covers the bundles and files too.
  const hash = createHash("sha256").update(text).digest("hex").slice(0, 16);
  const dir = join(PLAN_CACHE_DIR, `${stackId}-${hash}`);
  if (!existsSync(join(dir, "plan.json"))) {
    const work = `${dir}.${process.pid}.tmp`;
    rmSync(work, { recursive: true, force: true });
    cpSync(stackDir, work, { recursive: true });
    await initValidatePlan(work);
    try {
      renameSync(work, dir);
    } catch {
      // A parallel test file planned the same configuration first; its plan is identical.
      rmSync(work, { recursive: true, force: true });
    }
  }
  return { planJson: JSON.parse(readFileSync(join(dir, "plan.json"), "utf8")) as TerraformPlan, dir, config: JSON.parse(text) as Record<string, unknown> };
}

/**
 * The offline plan of one configured stack (`etl-dev`, `etl-prod`, `etl-bootstrap-dev`, ...): synthesized with the offline
 * provider, initialized from the mirror, validated and planned with fake credentials.
 */
export function planStackOffline(stackId: string): Promise<OfflinePlan> {
  let plan = plans.get(stackId);
  if (plan === undefined) {
    plan = planFresh(stackId);
    plans.set(stackId, plan);
  }
  return plan;
}

/** The planned resources of a type. */
export function plannedResources(plan: TerraformPlan, type: string): PlannedResource[] {
  return (plan.planned_values.root_module.resources ?? []).filter((r) => r.type === type);
}

/** The planned resource at an address containing `fragment` (one and only one). */
export function plannedResource(plan: TerraformPlan, type: string, fragment: string): PlannedResource {
  const found = plannedResources(plan, type).filter((r) => r.address.includes(fragment));
  if (found.length !== 1)
    throw new Error(`expected one ${type} whose address contains ${JSON.stringify(fragment)}; found ${found.map((r) => r.address).join(", ") || "none"}`);
  return found[0] as PlannedResource;
}
