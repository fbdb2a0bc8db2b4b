/**
 * Reading a plan's files and the GitHub run context for the GitOps entry scripts.
 */
import { readFileSync } from "node:fs";
import { InputError } from "../lib/actions";
import { type PlanJson, parsePlanJson } from "./plan-json";

export function readPlanJson(path: string): PlanJson {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new InputError(`--plan-json ${path}: ${(err as Error).message}; expected the output of terraform show -json <planfile>`);
  }
  return parsePlanJson(text, path);
}

export function readText(path: string, flag: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new InputError(`${flag} ${path}: ${(err as Error).message}`);
  }
}

/** The run's link and commit, from the variables GitHub Actions sets (or what a local run passes). */
export function runContext(env: NodeJS.ProcessEnv = process.env): { runUrl: string; sha: string; repository: string | undefined } {
  const server = env.GITHUB_SERVER_URL ?? "https://github.com";
  const repository = env.GITHUB_REPOSITORY;
  const runUrl = repository && env.GITHUB_RUN_ID ? `${server}/${repository}/actions/runs/${env.GITHUB_RUN_ID}` : "(not a GitHub Actions run)";
  return { runUrl, sha: env.GITHUB_SHA ?? "(unknown commit)", repository };
}

export function requireEnv(env: NodeJS.ProcessEnv, name: string, why: string): string {
  const value = env[name]?.trim();
  if (value === undefined || value === "") throw new InputError(`environment variable ${name} is not set; it is needed to ${why}`);
  return value;
}
