import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { projectConfig } from "../../config";
import { runPolicyCli } from "../../scripts/policy";
import { bootstrapStackIdFor } from "../../stacks/bootstrap-stack";
import { stackIdFor } from "../../stacks/pipeline-stack";
import { planStackOffline } from "../helpers/terraform";
import { addressOf, clonePlan, setValue } from "./mutate";

jest.setTimeout(300_000);

const REPO_ROOT = resolve(__dirname, "..", "..");
const STACK_IDS = projectConfig.environments.flatMap((e) => [stackIdFor(e), bootstrapStackIdFor(e)]);

let planFiles: string[];
let work: string;
beforeAll(async () => {
  planFiles = [];
  for (const id of STACK_IDS) planFiles.push(join((await planStackOffline(id)).dir, "plan.json"));
  work = mkdtempSync(join(tmpdir(), "policy-cli-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function runInProcess(args: string[]): { code: number; out: string; err: string } {
  let out = "";
  let err = "";
  const code = runPolicyCli(
    args,
    (t) => {
      out += t;
    },
    (t) => {
      err += t;
    },
  );
  return { code, out, err };
}

describe("npm run policy", () => {
  test("as a child process, passes every stack's offline plan with exit code 0 and one summary line per plan", async () => {
    const { stdout } = await promisify(execFile)(join(REPO_ROOT, "node_modules", ".bin", "tsx"), ["scripts/policy.ts", "--", ...planFiles], {
      cwd: REPO_ROOT,
      env: { ...process.env, GITHUB_STEP_SUMMARY: "" },
    });
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(planFiles.length);
    for (const [i, file] of planFiles.entries())
      expect(lines[i]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: \\d+ resources, \\d+ rules, no findings$`));
  });

  test("prints a table of rule, control, resource address and reason, and exits 1, when a plan breaks a rule", async () => {
    const plan = clonePlan((await planStackOffline(STACK_IDS[0] as string)).planJson);
    const key = addressOf(plan, "aws_kms_key", "data-key");
    setValue(plan, key, ["enable_key_rotation"], false);
    const file = join(work, "broken.json");
    writeFileSync(file, JSON.stringify(plan));
    const { code, out } = runInProcess([file]);
    expect(code).toBe(1);
    const [header, row] = out.split("\n");
    expect(header?.split(/\s{2,}/)).toEqual(["RULE", "CONTROL", "STATUS", "RESOURCE", "REASON"]);
    expect(row?.split(/\s{2,}/)).toEqual(["ETL-KMS-001", "KMS.4", "violation", key, "enable_key_rotation is not true"]);
    expect(out).toMatch(/broken\.json: \d+ resources, \d+ rules, 1 finding\(s\)/);
  });

  test("exits 2 with a clear message on a missing file, a file that is not a plan, or no argument", () => {
    const notPlan = join(work, "not-a-plan.json");
    writeFileSync(notPlan, JSON.stringify({ hello: "world" }));
    const notJson = join(work, "not-json.json");
    writeFileSync(notJson, "plan: yes");
    expect(runInProcess([join(work, "missing.json")])).toMatchObject({ code: 2, err: expect.stringMatching(/missing\.json: cannot be read \(ENOENT\)/) });
    expect(runInProcess([notPlan])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/not-a-plan\.json: not a plan from `terraform show -json <planfile>`/),
    });
    expect(runInProcess([notJson])).toMatchObject({ code: 2, err: expect.stringMatching(/not-json\.json: not JSON/) });
    expect(runInProcess([])).toMatchObject({ code: 2, err: expect.stringMatching(/no plan file given\nusage: npm run policy -- <plan\.json>/) });
    expect(runInProcess(["--strict", notPlan])).toMatchObject({ code: 2, err: expect.stringMatching(/unknown option --strict/) });
  });
});
