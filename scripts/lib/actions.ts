/**
 * The GitHub Actions side of the workflow scripts, without a dependency: the job summary and step
 * outputs are files named by GITHUB_STEP_SUMMARY and GITHUB_OUTPUT, and a workflow command on
 * stdout fails the step with an annotation.
 * https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands
 */
import { randomUUID } from "node:crypto";
import { appendFileSync } from "node:fs";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { isRunDate } from "../../lambdas/shared/dates";

/** A wrong or missing input: the message names the flag, the value received and what is allowed. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}

/** Appends Markdown to the job summary when running in GitHub Actions; returns whether it did. */
export function appendJobSummary(markdown: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const path = env.GITHUB_STEP_SUMMARY;
  if (path === undefined || path === "") return false;
  appendFileSync(path, markdown.endsWith("\n") ? markdown : `${markdown}\n`, "utf8");
  return true;
}

/** Sets step outputs (`steps.<id>.outputs.<name>`); values may span lines. Does nothing outside GitHub Actions. */
export function setOutputs(outputs: Readonly<Record<string, string>>, env: NodeJS.ProcessEnv = process.env): void {
  const path = env.GITHUB_OUTPUT;
  if (path === undefined || path === "") return;
  for (const [name, value] of Object.entries(outputs)) {
    const delimiter = `EOF_${randomUUID()}`;
    appendFileSync(path, `${name}<<${delimiter}\n${value}\n${delimiter}\n`, "utf8");
  }
}

/** Workflow-command escaping of an annotation's message. */
export function escapeAnnotation(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** The flags of a script; each script lists them with their types. */
export function parseFlags<T extends NonNullable<ParseArgsConfig["options"]>>(argv: readonly string[], options: T, usage: string) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new InputError(`${(err as Error).message}\nusage: ${usage}`);
  }
}

export function requireFlag(value: string | undefined, flag: string, allowed: string): string {
  if (value === undefined || value.trim() === "") throw new InputError(`${flag} is required; allowed: ${allowed}`);
  return value.trim();
}

export function choice<T extends string>(value: string | undefined, flag: string, allowed: readonly T[], fallback?: T): T {
  if (value === undefined || value === "") {
    if (fallback !== undefined) return fallback;
    throw new InputError(`${flag} is required; allowed: ${allowed.join(" | ")}`);
  }
  if (!(allowed as readonly string[]).includes(value)) throw new InputError(`${flag}: got ${JSON.stringify(value)}; allowed: ${allowed.join(" | ")}`);
  return value as T;
}

export function runDateFlag(value: string | undefined, flag: string): string {
  if (!isRunDate(value)) throw new InputError(`${flag}: got ${JSON.stringify(value)}; expected a calendar date YYYY-MM-DD`);
  return value;
}

export function wholeNumberFlag(value: string | undefined, flag: string, min: number, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InputError(`${flag}: got ${JSON.stringify(value)}; expected a whole number >= ${min}`);
  return n;
}

/**
 * Runs a script's main function and exits with its code. An error fails the step with an
 * annotation (in GitHub Actions) and a plain message elsewhere: exit 2 for wrong inputs, 1 otherwise.
 */
export function runScript(name: string, main: () => Promise<number>): void {
  // The SDK warns on Node.js 20 about its support window; the scripts run on the runner's Node.js, where that says nothing useful.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      const e = err as Error;
      const message = `${name}: ${e instanceof InputError ? "wrong input: " : `${e.name}: `}${e.message}`;
      if (process.env.GITHUB_ACTIONS === "true") process.stdout.write(`::error title=${name}::${escapeAnnotation(message)}\n`);
      process.stderr.write(`${message}\n`);
      // A service's error (it has $metadata) says all in its name and message; a stack helps only with this code's own faults.
      const serviceError = typeof (e as { $metadata?: unknown }).$metadata === "object";
      if (!(e instanceof InputError) && !serviceError && e.stack) process.stderr.write(`${e.stack}\n`);
      process.exit(e instanceof InputError ? 2 : 1);
    },
  );
}
