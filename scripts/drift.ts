/**
 * The drift workflow's step after `terraform plan -detailed-exitcode`: exit 0 is clean, 2 is drift
 * (job summary, a warning, and a post to the environment's SNS topic), 1 is an error (fails).
 *
 *   npx tsx scripts/drift.ts --stack etl-prod --exit-code 2 --plan-json drift.json --plan-text drift.txt
 */
import { existsSync } from "node:fs";
import { SNSClient } from "@aws-sdk/client-sns";
import { renderPlanJobSummary } from "./gitops/comment";
import { driftOutcome } from "./gitops/decide";
import { readPlanJson, readText, runContext } from "./gitops/io";
import { driftNotification, publishNotification } from "./gitops/notify";
import { alertTopicArn, environmentOfStack } from "./gitops/stacks";
import { driftedAddresses, summarizePlan } from "./gitops/summary";
import { appendJobSummary, escapeAnnotation, InputError, parseFlags, requireFlag, runScript, setOutputs } from "./lib/actions";

const USAGE = "drift.ts --stack <id> --exit-code <0|1|2> [--plan-json <file>] [--plan-text <file>]";

async function main(): Promise<number> {
  const flags = parseFlags(
    process.argv.slice(2),
    { stack: { type: "string" }, "exit-code": { type: "string" }, "plan-json": { type: "string" }, "plan-text": { type: "string" } },
    USAGE,
  );
  const stackId = requireFlag(flags.stack, "--stack", "a pipeline stack id");
  const env = environmentOfStack(stackId);
  const code = Number(requireFlag(flags["exit-code"], "--exit-code", "the exit code of terraform plan -detailed-exitcode"));
  if (!Number.isInteger(code))
    throw new InputError(`--exit-code: got ${JSON.stringify(flags["exit-code"])}; expected the exit code of terraform plan -detailed-exitcode`);
  const outcome = driftOutcome(code);
  setOutputs({ outcome });
  if (outcome === "error") {
    appendJobSummary(`## Drift check of \`${stackId}\` failed\n\nterraform plan exited with ${code}; the step's log says why.\n`);
    process.stderr.write(`${stackId}: terraform plan -detailed-exitcode exited with ${code} (error)\n`);
    return 1;
  }
  if (outcome === "clean") {
    appendJobSummary(`## No drift in \`${stackId}\`\n\nThe deployed resources match main.\n`);
    process.stdout.write(`${stackId}: no drift\n`);
    return 0;
  }
  const planPath = requireFlag(flags["plan-json"], "--plan-json", "the output of terraform show -json of the drift plan");
  const plan = readPlanJson(planPath);
  const planText = flags["plan-text"] && existsSync(flags["plan-text"]) ? readText(flags["plan-text"], "--plan-text") : "";
  const summary = summarizePlan(plan);
  const drifted = driftedAddresses(plan);
  const { runUrl, sha } = runContext();
  const notification = driftNotification({ stackId, environment: env.name, commitSha: sha, runUrl }, { summary, drifted });
  appendJobSummary(
    `${renderPlanJobSummary({ stackId, summary, planText, runUrl })}\n### Changed outside Terraform\n\n${drifted.map((a) => `- \`${a}\``).join("\n") || "(none: main has changes that are not applied yet)"}\n`,
  );
  if (process.env.GITHUB_ACTIONS === "true") process.stdout.write(`::warning title=drift in ${stackId}::${escapeAnnotation(notification.subject)}\n`);
  const topicArn = process.env.ALERT_TOPIC_ARN?.trim() || alertTopicArn(env);
  const sns = new SNSClient({ region: env.region });
  try {
    const id = await publishNotification(sns, topicArn, notification);
    process.stdout.write(`${stackId}: drift posted to ${topicArn} (message ${id})\n`);
  } finally {
    sns.destroy();
  }
  return 0;
}

if (require.main === module) runScript("drift", main);
