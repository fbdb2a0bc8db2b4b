/**
 * Real `terraform show -json` plans for the GitOps tests: the cached offline plan of a stack, and
 * a second, independent `terraform plan` of the same configuration in another directory.
 */
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { PlanJson } from "../../scripts/gitops/plan-json";
import { setupTerraform, terraformEnv } from "../../scripts/terraform";
import { planStackOffline } from "../helpers/terraform";

const run = promisify(execFile);

export async function offlinePlanJson(stackId: string): Promise<PlanJson> {
  return (await planStackOffline(stackId)).planJson as unknown as PlanJson;
}

/** `terraform show -no-color` of the cached offline plan: the text a reviewer reads. */
export async function offlinePlanText(stackId: string): Promise<string> {
  const { dir } = await planStackOffline(stackId);
  const env = terraformEnv(setupTerraform(), { offline: true });
  return (await run("terraform", ["show", "-no-color", "plan.tfplan"], { cwd: dir, env, maxBuffer: 256 * 1024 * 1024 })).stdout;
}

/** Plans the stack again from a copy of its initialized working directory (a second run, later, elsewhere), optionally with its synthesized configuration edited. */
export async function replanOffline(stackId: string, edit?: (config: Record<string, unknown>) => void): Promise<{ json: PlanJson; text: string }> {
  const { dir, config } = await planStackOffline(stackId);
  const work = mkdtempSync(join(tmpdir(), `replan-${stackId}-`));
  try {
    cpSync(dir, work, { recursive: true });
    if (edit) {
      const changed = clone(config);
      edit(changed);
      writeFileSync(join(work, "cdk.tf.json"), JSON.stringify(changed, null, 2));
    }
    const env = terraformEnv(setupTerraform(), { offline: true });
    const tf = (args: string[]) => run("terraform", args, { cwd: work, env, maxBuffer: 256 * 1024 * 1024 });
    await tf(["plan", "-input=false", "-no-color", "-lock=false", "-out=again.tfplan"]);
    const json = JSON.parse((await tf(["show", "-json", "-no-color", "again.tfplan"])).stdout) as PlanJson;
    const text = (await tf(["show", "-no-color", "again.tfplan"])).stdout;
    return { json, text };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A deep copy to mutate. */
export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
