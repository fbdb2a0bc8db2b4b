/**
 * The smoke and rerun scripts as a workflow runs them, against the local runtime: `npm run local --
 * up` in a child process (with a --local-dir of its own, so it never meets a developer's .local/),
 * then the scripts as child processes with --local. The smoke passes on a good day and fails,
 * publishing its summary to the local outbox, when a dataset is withheld past the deadline; a
 * restart rerun then completes the day once the dataset has arrived.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { type LocalUp, ROOT, startLocalUp, stopLocalUp, TSX } from "../helpers/local-up";

const DEADLINE_SECONDS = 6;

interface Ran {
  code: number | null;
  output: string;
  summary: string;
}

let dir: string;
let up: LocalUp;

/** Runs a script like the workflow step does, with its own job summary file. */
function script(name: string, args: string[]): Promise<Ran> {
  const summaryFile = join(dir, `summary-${name}-${Date.now()}.md`);
  const child = spawn(process.execPath, [TSX, `scripts/${name}.ts`, "--local", "--local-dir", join(dir, "local"), ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: "--openssl-legacy-provider", GITHUB_STEP_SUMMARY: summaryFile, GITHUB_ACTIONS: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d) => {
    output += String(d);
  });
  child.stderr?.on("data", (d) => {
    output += String(d);
  });
  return new Promise((done) => child.once("exit", (code) => done({ code, output, summary: existsSync(summaryFile) ? readFileSync(summaryFile, "utf8") : "" })));
}

function outbox(): { subject: string; message: string }[] {
  const path = join(dir, "local", "outbox.jsonl");
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { subject: string; message: string });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "smoke-local-"));
  up = await startLocalUp(
    ["--data-dir", join(dir, "data"), "--local-dir", join(dir, "local"), "--deadline-seconds", String(DEADLINE_SECONDS)],
    join(dir, "local"),
  );
}, 150_000);

afterAll(async () => {
  if (up) await stopLocalUp(up);
  // `up` removes what it wrote beside stack.json when it stops.
  expect(existsSync(join(dir, "local", "services.json"))).toBe(false);
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe("smoke --local", () => {
  it("writes services.json beside stack.json: the Step Functions endpoint, state machines, buckets, topic, outbox", () => {
    const services = JSON.parse(readFileSync(join(dir, "local", "services.json"), "utf8"));
    expect(services).toMatchObject({
      environment: "dev",
      stepFunctions: { endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), region: "us-east-1" },
      stateMachines: { "finance-risk": "arn:aws:states:us-east-1:111111111111:stateMachine:detl-dev-finance-risk" },
      alertTopicArn: "arn:aws:sns:us-east-1:111111111111:detl-dev-alerts",
      outbox: join(dir, "local", "outbox.jsonl"),
    });
    const stack = JSON.parse(readFileSync(join(dir, "local", "stack.json"), "utf8"));
    expect(Object.keys(stack).sort()).toEqual(["outbox", "pipelines", "s3"]);
  });

  it("passes on a good synthetic day, with a job summary that shows the states run", async () => {
    const ran = await script("smoke", ["--date", "9000-01-02", "--trades", "300", "--seed", "11"]);
    expect({ code: ran.code, output: ran.output }).toEqual({ code: 0, output: expect.stringContaining("smoke passed") });
    expect(ran.output).toContain("entered RunJoin");
    expect(ran.summary).toContain("## Smoke test passed: finance-risk 9000-01-02 (dev)");
    expect(ran.summary).toContain("| output trade_exposures | 281 | 281 |");
    expect(ran.summary).toContain("| output trade_exceptions | 19 | 19 |");
    expect(ran.summary).toContain("class s_CheckRunInput,s_WaitForDatasets,s_RunJoin,s_VerifyOutput,s_Succeeded ran");
    expect(outbox().filter((m) => m.subject.includes("9000-01-02"))).toEqual([]);
  }, 60_000);

  it("fails when a dataset is withheld past the deadline, and posts the failure summary to the outbox", async () => {
    const ran = await script("smoke", ["--date", "9000-01-03", "--trades", "300", "--withhold", "fx_rates"]);
    expect(ran.code).toBe(1);
    expect(ran.output).toContain("smoke FAILED");
    const posted = outbox().filter((m) => m.message.includes("Posted by: smoke workflow"));
    expect(posted.map((m) => m.subject)).toEqual(["[dev] finance-risk 9000-01-03 FAILED at WaitForDatasets: missing fx_rates"]);
    expect(posted[0]?.message).toContain("npm run rerun -- --env dev --pipeline finance-risk --date 9000-01-03 --mode restart");
    expect(ran.summary).toContain("## Smoke test FAILED: finance-risk 9000-01-03 (dev)");
    expect(ran.summary).toContain("class s_WaitForDatasets failed");
    expect(ran.summary).toContain("State that failed: **WaitForDatasets**");
  }, 60_000);

  it("then: redrive is refused locally with the reason, and a restart completes the day once fx_rates has arrived", async () => {
    const redrive = await script("rerun", ["--pipeline", "finance-risk", "--date", "9000-01-03", "--mode", "redrive"]);
    expect(redrive.code).toBe(1);
    expect(redrive.output).toContain("RedriveExecution is not supported by the local Step Functions service");

    const stack = up.stack;
    const s3 = up.s3;
    const landing = /^s3:\/\/([^/]+)\//.exec(stack.pipelines["finance-risk"].landing)?.[1];
    const prefix = "incoming/finance-risk/fx_rates/run_date=9000-01-03/";
    for (const [key, body] of [
      [`${prefix}fx_rates.csv`, "currency,usd_rate\nEUR,1.1\nGBP,1.3\nJPY,0.0067\nCHF,1.12\nCAD,0.73\nAUD,0.66\n"],
      [`${prefix}_SUCCESS`, ""],
    ] as const) {
      await s3.send(new PutObjectCommand({ Bucket: landing, Key: key, Body: body, ContentLength: Buffer.byteLength(body) }));
    }

    const restart = await script("rerun", ["--pipeline", "finance-risk", "--date", "9000-01-03", "--mode", "restart"]);
    expect({ code: restart.code, output: restart.output }).toEqual({ code: 0, output: expect.stringContaining("finance-risk-9000-01-03-rerun-1: SUCCEEDED") });
    expect(restart.summary).toContain("## Rerun (restart) of finance-risk 9000-01-03 in dev: SUCCEEDED");
  }, 60_000);
});
