/**
 * The apply workflow's decisions, one subcommand per step:
 *
 *   npx tsx scripts/apply.ts reviewed --stack etl-prod
 *     Finds the plan reviewed on the pull request merged as GITHUB_SHA (its run and artifact);
 *     outputs found, run_id, artifact, pr, reason. Never fails: the gate decides.
 *   npx tsx scripts/apply.ts gate --stack etl-prod --plan-json plan.json --reviewed-dir reviewed/ [--reason <text>]
 *     Compares the normalized hash of the new plan with the reviewed one; fails with plan-changed
 *     (or no-reviewed-plan) and a clear message when they differ.
 *   npx tsx scripts/apply.ts report --stack etl-prod --outcome success|failure --failed-step <id> [--plan-json plan.json] [--log <file>]
 *     Job summary; on failure posts a summary to the environment's SNS topic (ALERT_TOPIC_ARN or
 *     the topic the stack creates).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SNSClient } from "@aws-sdk/client-sns";
import { decideApply } from "./gitops/decide";
import { findReviewedPlan, GitHubRest } from "./gitops/github";
import { readPlanJson, requireEnv, runContext } from "./gitops/io";
import { applyFailureNotification, publishNotification } from "./gitops/notify";
import { normalizedPlanHash } from "./gitops/plan-hash";
import { alertTopicArn, environmentOfStack } from "./gitops/stacks";
import { summarizePlan } from "./gitops/summary";
import { appendJobSummary, choice, escapeAnnotation, InputError, parseFlags, requireFlag, runScript, setOutputs } from "./lib/actions";
import { ARTIFACT_FILES } from "./plan";

const USAGE = [
  "apply.ts reviewed --stack <id>",
  "apply.ts gate --stack <id> --plan-json <file> --reviewed-dir <dir> [--reason <text>]",
  "apply.ts report --stack <id> --outcome <success|failure|cancelled> [--failed-step <id>] [--plan-json <file>] [--log <file>]",
].join("\n       ");

/** The plan workflow's file name: its runs hold the reviewed plans. */
export const PLAN_WORKFLOW = "plan.yml";
/** Longest excerpt of Terraform's output an alert carries; the run's log has the rest. */
const MAX_DETAIL_CHARS = 3_000;

async function reviewed(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, { stack: { type: "string" } }, USAGE);
  const stackId = requireFlag(flags.stack, "--stack", "a pipeline stack id");
  environmentOfStack(stackId);
  const { sha, repository } = runContext();
  const api = new GitHubRest({
    token: requireEnv(process.env, "GITHUB_TOKEN", "find the reviewed plan"),
    repository: repository ?? requireEnv(process.env, "GITHUB_REPOSITORY", "find the reviewed plan"),
    apiUrl: process.env.GITHUB_API_URL,
  });
  const lookup = await findReviewedPlan(api, {
    mergeSha: requireEnv(process.env, "GITHUB_SHA", "find the merged pull request"),
    stackId,
    planWorkflow: PLAN_WORKFLOW,
  });
  if (lookup.found) {
    setOutputs({ found: "true", run_id: String(lookup.plan.runId), artifact: lookup.plan.artifactName, pr: String(lookup.plan.pullNumber), reason: "" });
    process.stdout.write(`${stackId}: reviewed plan of #${lookup.plan.pullNumber} for ${sha} is in run ${lookup.plan.runUrl}\n`);
  } else {
    setOutputs({ found: "false", run_id: "", artifact: "", pr: "", reason: lookup.reason });
    process.stdout.write(`${stackId}: ${lookup.reason}\n`);
  }
  return 0;
}

async function gate(argv: string[]): Promise<number> {
  const flags = parseFlags(
    argv,
    { stack: { type: "string" }, "plan-json": { type: "string" }, "reviewed-dir": { type: "string" }, reason: { type: "string" } },
    USAGE,
  );
  const stackId = requireFlag(flags.stack, "--stack", "a pipeline stack id");
  environmentOfStack(stackId);
  const plan = readPlanJson(requireFlag(flags["plan-json"], "--plan-json", "the output of terraform show -json of the new plan"));
  const dir = requireFlag(flags["reviewed-dir"], "--reviewed-dir", "the directory the reviewed plan artifact was downloaded to");
  const hashFile = join(dir, ARTIFACT_FILES.hash);
  const reviewedHash = existsSync(hashFile) ? readFileSync(hashFile, "utf8") : undefined;
  const from = reviewedHash === undefined ? flags.reason || `${hashFile} is missing` : hashFile;
  const decision = decideApply({ stackId, reviewedHash, currentHash: normalizedPlanHash(plan), reviewedFrom: from });
  const summary = summarizePlan(plan);
  appendJobSummary(
    [
      `## Apply gate: \`${stackId}\``,
      "",
      `**${summary.line}**`,
      "",
      decision.apply ? `:white_check_mark: ${decision.message}` : `:no_entry: ${decision.message}`,
      "",
    ].join("\n"),
  );
  setOutputs({ decision: decision.apply ? "apply" : decision.reason, has_changes: String(summary.hasChanges) });
  if (!decision.apply) {
    if (process.env.GITHUB_ACTIONS === "true")
      process.stdout.write(`::error title=apply refused (${decision.reason})::${escapeAnnotation(decision.message)}\n`);
    process.stderr.write(`${decision.message}\n`);
    return 1;
  }
  process.stdout.write(`${decision.message}\n`);
  return 0;
}

async function report(argv: string[]): Promise<number> {
  const flags = parseFlags(
    argv,
    { stack: { type: "string" }, outcome: { type: "string" }, "failed-step": { type: "string" }, "plan-json": { type: "string" }, log: { type: "string" } },
    USAGE,
  );
  const stackId = requireFlag(flags.stack, "--stack", "a pipeline stack id");
  const env = environmentOfStack(stackId);
  const outcome = choice(flags.outcome, "--outcome", ["success", "failure", "cancelled"] as const);
  const planPath = flags["plan-json"];
  const summary = planPath && existsSync(planPath) ? summarizePlan(readPlanJson(planPath)) : undefined;
  const { runUrl, sha } = runContext();
  if (outcome === "success") {
    appendJobSummary(`## Applied \`${stackId}\`\n\n${summary ? `**${summary.line}**\n\n` : ""}Commit \`${sha}\` is deployed to ${env.name}.\n`);
    return 0;
  }
  const step = flags["failed-step"] || "unknown step";
  const log = flags.log && existsSync(flags.log) ? readFileSync(flags.log, "utf8") : "";
  const detail = log.length > MAX_DETAIL_CHARS ? `...${log.slice(-MAX_DETAIL_CHARS)}` : log;
  const notification = applyFailureNotification({ stackId, environment: env.name, commitSha: sha, runUrl }, { step, detail, ...(summary ? { summary } : {}) });
  appendJobSummary(
    `## Apply of \`${stackId}\` ${outcome === "cancelled" ? "cancelled" : "failed"} at \`${step}\`\n\n\`\`\`text\n${notification.message}\n\`\`\`\n`,
  );
  if (outcome === "cancelled") return 0;
  const topicArn = process.env.ALERT_TOPIC_ARN?.trim() || alertTopicArn(env);
  const sns = new SNSClient({ region: env.region });
  try {
    const id = await publishNotification(sns, topicArn, notification);
    process.stdout.write(`${stackId}: failure posted to ${topicArn} (message ${id})\n`);
  } finally {
    sns.destroy();
  }
  return 0;
}

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  if (command === "reviewed") return reviewed(rest);
  if (command === "gate") return gate(rest);
  if (command === "report") return report(rest);
  throw new InputError(`subcommand: got ${JSON.stringify(command ?? "")}; allowed: reviewed | gate | report\nusage: ${USAGE}`);
}

if (require.main === module) runScript("apply", main);
