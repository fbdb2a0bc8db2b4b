/**
 * The plan workflow's step after `terraform show`: summarizes the plan, writes the artifact
 * (plan text, summary, normalized hash), the job summary with the full plan, and the sticky pull
 * request comment of the stack.
 *
 *   npx tsx scripts/plan.ts --stack etl-dev --plan-json plan.json --plan-text plan.txt \
 *     --out-dir plan-artifact [--pr 12]
 *
 * With --pr, GITHUB_TOKEN and GITHUB_REPOSITORY are required (the comment is upserted).
 */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { planCommentMarker, renderPlanComment, renderPlanJobSummary } from "./gitops/comment";
import { GitHubRest, upsertStickyComment } from "./gitops/github";
import { readPlanJson, readText, requireEnv, runContext } from "./gitops/io";
import { normalizedPlanHash } from "./gitops/plan-hash";
import { environmentOfStack } from "./gitops/stacks";
import { summarizePlan } from "./gitops/summary";
import { appendJobSummary, parseFlags, requireFlag, runScript, setOutputs, wholeNumberFlag } from "./lib/actions";

const USAGE = "plan.ts --stack <etl-dev|etl-prod> --plan-json <file> --plan-text <file> --out-dir <dir> [--pr <number>]";

/** File names inside the plan artifact; apply reads `plan.sha256`. */
export const ARTIFACT_FILES = { hash: "plan.sha256", summary: "summary.json", text: "plan.txt" } as const;

async function main(): Promise<number> {
  const flags = parseFlags(
    process.argv.slice(2),
    { stack: { type: "string" }, "plan-json": { type: "string" }, "plan-text": { type: "string" }, "out-dir": { type: "string" }, pr: { type: "string" } },
    USAGE,
  );
  const stackId = requireFlag(flags.stack, "--stack", "a pipeline stack id");
  environmentOfStack(stackId);
  const planJsonPath = requireFlag(flags["plan-json"], "--plan-json", "the output of terraform show -json");
  const planTextPath = requireFlag(flags["plan-text"], "--plan-text", "the output of terraform show -no-color");
  const outDir = requireFlag(flags["out-dir"], "--out-dir", "a directory for the plan artifact");
  const pr = wholeNumberFlag(flags.pr, "--pr", 1, 0);

  const plan = readPlanJson(planJsonPath);
  const planText = readText(planTextPath, "--plan-text");
  const summary = summarizePlan(plan);
  const hash = normalizedPlanHash(plan);
  const { runUrl, sha, repository } = runContext();

  // The artifact holds the plan as Terraform renders it (sensitive values masked), never the
  // binary plan or its JSON, which carry sensitive values in clear.
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, ARTIFACT_FILES.hash), `${hash}\n`);
  writeFileSync(join(outDir, ARTIFACT_FILES.summary), `${JSON.stringify({ stackId, commit: sha, runUrl, hash, summary }, null, 2)}\n`);
  copyFileSync(planTextPath, join(outDir, ARTIFACT_FILES.text));

  appendJobSummary(renderPlanJobSummary({ stackId, summary, planText, runUrl, commitSha: sha, planHash: hash }));
  setOutputs({ hash, line: summary.line, destroys: String(summary.destroy) });
  process.stdout.write(`${stackId}: ${summary.line} (normalized plan hash ${hash})\n`);

  if (pr > 0) {
    const token = requireEnv(process.env, "GITHUB_TOKEN", "comment on the pull request");
    const repo = repository ?? requireEnv(process.env, "GITHUB_REPOSITORY", "comment on the pull request");
    const body = renderPlanComment({ stackId, summary, planText, runUrl, commitSha: sha, planHash: hash });
    const api = new GitHubRest({ token, repository: repo, apiUrl: process.env.GITHUB_API_URL });
    const result = await upsertStickyComment(api, pr, planCommentMarker(stackId), body);
    process.stdout.write(`${stackId}: plan comment ${result.action} on #${pr} (comment ${result.commentId})\n`);
  }
  return 0;
}

if (require.main === module) runScript("plan", main);
