/**
 * `npm run local -- up` as a user runs it: a child process, its stack.json read back, an S3 client
 * built from that file alone. Only Node.js and @aws-sdk/client-s3 are used here, so the end-to-end
 * tests that use this helper import nothing of the project's own code.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";

export const ROOT = resolve(__dirname, "../..");
export const TSX = join(ROOT, "node_modules/tsx/dist/cli.mjs");

/** The shape of stack.json (DESIGN.md, "The local runtime"). */
export interface StackJson {
  s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string };
  pipelines: Record<string, { landing: string; references: Record<string, string>; outputs: Record<string, string>; deadlineSeconds: number }>;
  outbox: string;
}

export interface LocalUp {
  readonly child: ChildProcess;
  readonly stack: StackJson;
  readonly s3: S3Client;
  /** Everything the process printed so far. */
  output(): string;
}

/** Polls `probe` every 100 ms until it returns a value. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** An S3 client for the endpoint stack.json names: s3rver serves path-style only and knows no default checksums. */
export function s3ClientFor(stack: StackJson): S3Client {
  return new S3Client({
    endpoint: stack.s3.endpoint,
    region: stack.s3.region,
    credentials: { accessKeyId: stack.s3.accessKeyId, secretAccessKey: stack.s3.secretAccessKey },
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

/** Starts `local up` with `args` and resolves once it is ready and `<localDir>/stack.json` is written. */
export async function startLocalUp(args: readonly string[], localDir: string): Promise<LocalUp> {
  const child = spawn(process.execPath, [TSX, "local/cli.ts", "up", "--port", "0", ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: "--openssl-legacy-provider", CHECKPOINT_DISABLE: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d) => {
    output += String(d);
  });
  child.stderr?.on("data", (d) => {
    output += String(d);
  });
  await waitFor(
    "the local stack to be ready",
    () =>
      output.includes("Local stack ready")
        ? true
        : child.exitCode !== null
          ? Promise.reject(new Error(`local up exited ${child.exitCode}:\n${output}`))
          : undefined,
    120_000,
  );
  const stack = JSON.parse(readFileSync(join(localDir, "stack.json"), "utf8")) as StackJson;
  return { child, stack, s3: s3ClientFor(stack), output: () => output };
}

/** Sends SIGTERM and resolves with the exit code. */
export async function stopLocalUp(up: LocalUp): Promise<number | null> {
  up.s3.destroy();
  if (up.child.exitCode !== null) return up.child.exitCode;
  const exited = new Promise<number | null>((r) => up.child.once("exit", (code) => r(code)));
  up.child.kill("SIGTERM");
  return exited;
}
