/**
 * The GitHub REST calls of the GitOps scripts, behind `GitHubApi` so the deciding code runs in
 * tests against a fake. `GitHubRest` implements it with fetch and the workflow's GITHUB_TOKEN.
 * https://docs.github.com/en/rest
 */

export interface IssueComment {
  readonly id: number;
  readonly body: string;
  /** Login of the author, e.g. `github-actions[bot]`. */
  readonly author: string;
}

export interface PullRequestRef {
  readonly number: number;
  readonly state: string;
  readonly mergedAt: string | null;
  readonly mergeCommitSha: string | null;
  readonly headSha: string;
}

export interface WorkflowRunRef {
  readonly id: number;
  readonly runNumber: number;
  readonly runAttempt: number;
  readonly headSha: string;
  readonly event: string;
  readonly conclusion: string | null;
  readonly createdAt: string;
  readonly htmlUrl: string;
}

export interface ArtifactRef {
  readonly id: number;
  readonly name: string;
  readonly expired: boolean;
}

export interface GitHubApi {
  listIssueComments(issueNumber: number): Promise<IssueComment[]>;
  createIssueComment(issueNumber: number, body: string): Promise<IssueComment>;
  updateIssueComment(commentId: number, body: string): Promise<IssueComment>;
  /** Pull requests that contain the commit (for a merge commit on main: the merged one). */
  pullRequestsForCommit(sha: string): Promise<PullRequestRef[]>;
  /** Successful runs of a workflow file for a head commit. */
  successfulRuns(workflowFile: string, headSha: string, event: string): Promise<WorkflowRunRef[]>;
  runArtifacts(runId: number): Promise<ArtifactRef[]>;
}

/** The account workflow runs comment as when they use GITHUB_TOKEN. */
export const ACTIONS_BOT = "github-actions[bot]";

export type StickyResult = { readonly action: "created" | "updated" | "unchanged"; readonly commentId: number };

/**
 * Creates the comment holding `marker`, or updates it in place. Only comments written by `author`
 * count, so a person quoting the marker in a review is never overwritten.
 */
export async function upsertStickyComment(
  api: Pick<GitHubApi, "listIssueComments" | "createIssueComment" | "updateIssueComment">,
  issueNumber: number,
  marker: string,
  body: string,
  author: string = ACTIONS_BOT,
): Promise<StickyResult> {
  if (!body.includes(marker)) throw new Error(`upsertStickyComment: the body does not contain its marker ${marker}, so it could not be found again`);
  const existing = (await api.listIssueComments(issueNumber)).find((c) => c.author === author && c.body.includes(marker));
  if (existing === undefined) return { action: "created", commentId: (await api.createIssueComment(issueNumber, body)).id };
  if (existing.body === body) return { action: "unchanged", commentId: existing.id };
  await api.updateIssueComment(existing.id, body);
  return { action: "updated", commentId: existing.id };
}

/** The artifact a plan run uploads for a stack: the plan as text, its summary and its normalized hash. */
export function planArtifactName(stackId: string): string {
  return `plan-${stackId}`;
}

export interface ReviewedPlan {
  readonly pullNumber: number;
  readonly runId: number;
  readonly runUrl: string;
  readonly artifactName: string;
}

export type ReviewedPlanLookup = { readonly found: true; readonly plan: ReviewedPlan } | { readonly found: false; readonly reason: string };

/**
 * The plan reviewed before `mergeSha` reached main: the pull request merged as that commit, then
 * the latest successful run of the plan workflow on its head commit that still has the stack's
 * plan artifact. Anything missing is a reason to refuse, never to apply unreviewed.
 */
export async function findReviewedPlan(
  api: Pick<GitHubApi, "pullRequestsForCommit" | "successfulRuns" | "runArtifacts">,
  query: { readonly mergeSha: string; readonly stackId: string; readonly planWorkflow: string },
): Promise<ReviewedPlanLookup> {
  const pulls = (await api.pullRequestsForCommit(query.mergeSha)).filter((p) => p.mergedAt !== null);
  const pull = pulls.find((p) => p.mergeCommitSha === query.mergeSha) ?? (pulls.length === 1 ? pulls[0] : undefined);
  if (pull === undefined) {
    return {
      found: false,
      reason: `no merged pull request has merge commit ${query.mergeSha} (found ${pulls.map((p) => `#${p.number}`).join(", ") || "none"}); main takes changes only through reviewed pull requests`,
    };
  }
  const runs = (await api.successfulRuns(query.planWorkflow, pull.headSha, "pull_request"))
    .filter((r) => r.conclusion === "success" && r.headSha === pull.headSha)
    .sort((a, b) => b.runNumber - a.runNumber || b.runAttempt - a.runAttempt);
  const name = planArtifactName(query.stackId);
  for (const run of runs) {
    const artifact = (await api.runArtifacts(run.id)).find((a) => a.name === name && !a.expired);
    if (artifact !== undefined) return { found: true, plan: { pullNumber: pull.number, runId: run.id, runUrl: run.htmlUrl, artifactName: name } };
  }
  return {
    found: false,
    reason: `pull request #${pull.number} (head ${pull.headSha}) has no successful ${query.planWorkflow} run with an unexpired artifact ${name} (${runs.length} successful run${runs.length === 1 ? "" : "s"} checked)`,
  };
}

type Fetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
) => Promise<{
  ok: boolean;
  status: number;
  json(): Promise<unknown>;
  text(): Promise<string>;
}>;

export interface GitHubRestOptions {
  /** GITHUB_TOKEN of the workflow run. */
  readonly token: string;
  /** `owner/name`, as in GITHUB_REPOSITORY. */
  readonly repository: string;
  /** Default: https://api.github.com (GITHUB_API_URL on GitHub Enterprise). */
  readonly apiUrl?: string;
  /** Default: the global fetch. */
  readonly fetch?: Fetch;
}

/** Pages of up to 100 items are read until a short page; this bounds a runaway listing. */
const MAX_PAGES = 50;

type Json = Record<string, unknown>;

export class GitHubRest implements GitHubApi {
  private readonly apiUrl: string;
  private readonly fetch: Fetch;

  constructor(private readonly options: GitHubRestOptions) {
    if (!/^[^/\s]+\/[^/\s]+$/.test(options.repository)) throw new Error(`GitHubRest: repository ${JSON.stringify(options.repository)}; expected owner/name`);
    if (options.token.trim() === "") throw new Error("GitHubRest: empty token; the workflow passes GITHUB_TOKEN");
    this.apiUrl = (options.apiUrl ?? "https://api.github.com").replace(/\/$/, "");
    this.fetch = options.fetch ?? (globalThis.fetch as unknown as Fetch);
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const url = `${this.apiUrl}/repos/${this.options.repository}${path}`;
    const response = await this.fetch(url, {
      method,
      headers: {
        accept: "application/vnd.github+json",
        authorization: `Bearer ${this.options.token}`,
        "x-github-api-version": "2022-11-28",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`GitHub ${method} ${url}: HTTP ${response.status}: ${(await response.text()).slice(0, 500)}`);
    return response.json();
  }

  private async pages<T>(path: string, pick: (page: unknown) => unknown[], map: (item: Json) => T): Promise<T[]> {
    const items: T[] = [];
    const sep = path.includes("?") ? "&" : "?";
    for (let page = 1; page <= MAX_PAGES; page++) {
      const batch = pick(await this.call("GET", `${path}${sep}per_page=100&page=${page}`));
      items.push(...batch.map((i) => map(i as Json)));
      if (batch.length < 100) break;
    }
    return items;
  }

  listIssueComments(issueNumber: number): Promise<IssueComment[]> {
    return this.pages(`/issues/${issueNumber}/comments`, (p) => p as unknown[], toComment);
  }

  async createIssueComment(issueNumber: number, body: string): Promise<IssueComment> {
    return toComment((await this.call("POST", `/issues/${issueNumber}/comments`, { body })) as Json);
  }

  async updateIssueComment(commentId: number, body: string): Promise<IssueComment> {
    return toComment((await this.call("PATCH", `/issues/comments/${commentId}`, { body })) as Json);
  }

  pullRequestsForCommit(sha: string): Promise<PullRequestRef[]> {
    return this.pages(
      `/commits/${sha}/pulls`,
      (p) => p as unknown[],
      (p) => ({
        number: p.number as number,
        state: p.state as string,
        mergedAt: (p.merged_at as string | null) ?? null,
        mergeCommitSha: (p.merge_commit_sha as string | null) ?? null,
        headSha: (p.head as Json).sha as string,
      }),
    );
  }

  successfulRuns(workflowFile: string, headSha: string, event: string): Promise<WorkflowRunRef[]> {
    const query = `status=success&event=${encodeURIComponent(event)}&head_sha=${encodeURIComponent(headSha)}`;
    return this.pages(
      `/actions/workflows/${encodeURIComponent(workflowFile)}/runs?${query}`,
      (p) => (p as Json).workflow_runs as unknown[],
      (r) => ({
        id: r.id as number,
        runNumber: r.run_number as number,
        runAttempt: (r.run_attempt as number) ?? 1,
        headSha: r.head_sha as string,
        event: r.event as string,
        conclusion: (r.conclusion as string | null) ?? null,
        createdAt: r.created_at as string,
        htmlUrl: r.html_url as string,
      }),
    );
  }

  runArtifacts(runId: number): Promise<ArtifactRef[]> {
    return this.pages(
      `/actions/runs/${runId}/artifacts`,
      (p) => (p as Json).artifacts as unknown[],
      (a) => ({ id: a.id as number, name: a.name as string, expired: a.expired as boolean }),
    );
  }
}

function toComment(c: Json): IssueComment {
  return { id: c.id as number, body: (c.body as string) ?? "", author: ((c.user as Json | null)?.login as string) ?? "" };
}
