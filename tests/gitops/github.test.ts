import {
  ACTIONS_BOT,
  type ArtifactRef,
  findReviewedPlan,
  type GitHubApi,
  GitHubRest,
  type IssueComment,
  type PullRequestRef,
  planArtifactName,
  upsertStickyComment,
  type WorkflowRunRef,
} from "../../scripts/gitops/github";

/** An in-memory GitHub at the GitHubApi boundary, recording every call. */
class FakeGitHub implements GitHubApi {
  readonly calls: string[] = [];
  comments: IssueComment[] = [];
  pulls: PullRequestRef[] = [];
  runs: WorkflowRunRef[] = [];
  artifacts = new Map<number, ArtifactRef[]>();
  private nextId = 100;

  async listIssueComments(issue: number) {
    this.calls.push(`list ${issue}`);
    return this.comments;
  }
  async createIssueComment(issue: number, body: string) {
    this.calls.push(`create ${issue}`);
    const c = { id: this.nextId++, body, author: ACTIONS_BOT };
    this.comments.push(c);
    return c;
  }
  async updateIssueComment(id: number, body: string) {
    this.calls.push(`update ${id}`);
    const c = this.comments.find((x) => x.id === id) as IssueComment;
    const updated = { ...c, body };
    this.comments = this.comments.map((x) => (x.id === id ? updated : x));
    return updated;
  }
  async pullRequestsForCommit(sha: string) {
    this.calls.push(`pulls ${sha}`);
    return this.pulls;
  }
  async successfulRuns(file: string, headSha: string, event: string) {
    this.calls.push(`runs ${file} ${headSha} ${event}`);
    return this.runs.filter((r) => r.headSha === headSha);
  }
  async runArtifacts(runId: number) {
    this.calls.push(`artifacts ${runId}`);
    return this.artifacts.get(runId) ?? [];
  }
}

const marker = "<!-- etl-plan:etl-dev -->";

describe("upsertStickyComment", () => {
  it("creates the comment when none has the marker, then updates the same one in place", async () => {
    const gh = new FakeGitHub();
    gh.comments = [{ id: 1, body: "LGTM", author: "alice" }];
    const first = await upsertStickyComment(gh, 7, marker, `${marker}\nplan 1`);
    expect(first).toEqual({ action: "created", commentId: 100 });
    const second = await upsertStickyComment(gh, 7, marker, `${marker}\nplan 2`);
    expect(second).toEqual({ action: "updated", commentId: 100 });
    expect(gh.comments.map((c) => c.body)).toEqual(["LGTM", `${marker}\nplan 2`]);
    expect(gh.calls).toEqual(["list 7", "create 7", "list 7", "update 100"]);
  });

  it("leaves an identical comment alone", async () => {
    const gh = new FakeGitHub();
    gh.comments = [{ id: 5, body: `${marker}\nsame`, author: ACTIONS_BOT }];
    expect(await upsertStickyComment(gh, 7, marker, `${marker}\nsame`)).toEqual({ action: "unchanged", commentId: 5 });
    expect(gh.calls).toEqual(["list 7"]);
  });

  it("never overwrites a person's comment quoting the marker, nor another stack's comment", async () => {
    const gh = new FakeGitHub();
    gh.comments = [
      { id: 1, body: `quoting ${marker}`, author: "alice" },
      { id: 2, body: "<!-- etl-plan:etl-prod -->\nprod plan", author: ACTIONS_BOT },
    ];
    expect(await upsertStickyComment(gh, 7, marker, `${marker}\nplan`)).toEqual({ action: "created", commentId: 100 });
    expect(gh.comments.find((c) => c.id === 1)?.body).toBe(`quoting ${marker}`);
    expect(gh.comments.find((c) => c.id === 2)?.body).toBe("<!-- etl-plan:etl-prod -->\nprod plan");
  });

  it("refuses a body without its marker (it could never be found again)", async () => {
    await expect(upsertStickyComment(new FakeGitHub(), 7, marker, "no marker")).rejects.toThrow(/does not contain its marker/);
  });
});

const run = (id: number, runNumber: number, headSha: string): WorkflowRunRef => ({
  id,
  runNumber,
  runAttempt: 1,
  headSha,
  event: "pull_request",
  conclusion: "success",
  createdAt: "2026-12-01T00:00:00Z",
  htmlUrl: `https://github.com/o/r/actions/runs/${id}`,
});

describe("findReviewedPlan", () => {
  const query = { mergeSha: "m".repeat(40), stackId: "etl-prod", planWorkflow: "plan.yml" };

  it("finds the latest successful plan run of the merged pull request's head that has the stack's artifact", async () => {
    const gh = new FakeGitHub();
    gh.pulls = [
      { number: 3, state: "closed", mergedAt: null, mergeCommitSha: null, headSha: "x" },
      { number: 7, state: "closed", mergedAt: "2026-12-02T00:00:00Z", mergeCommitSha: query.mergeSha, headSha: "h7" },
    ];
    gh.runs = [run(10, 1, "h7"), run(12, 3, "h7"), run(11, 2, "h7"), run(13, 4, "other")];
    gh.artifacts.set(12, [{ id: 1, name: planArtifactName("etl-dev"), expired: false }]);
    gh.artifacts.set(11, [{ id: 2, name: "plan-etl-prod", expired: false }]);
    gh.artifacts.set(10, [{ id: 3, name: "plan-etl-prod", expired: false }]);
    const found = await findReviewedPlan(gh, query);
    expect(found).toEqual({ found: true, plan: { pullNumber: 7, runId: 11, runUrl: "https://github.com/o/r/actions/runs/11", artifactName: "plan-etl-prod" } });
    expect(gh.calls).toEqual([`pulls ${query.mergeSha}`, "runs plan.yml h7 pull_request", "artifacts 12", "artifacts 11"]);
  });

  it("skips expired artifacts and says why nothing was found", async () => {
    const gh = new FakeGitHub();
    gh.pulls = [{ number: 7, state: "closed", mergedAt: "2026-12-02T00:00:00Z", mergeCommitSha: query.mergeSha, headSha: "h7" }];
    gh.runs = [run(10, 1, "h7")];
    gh.artifacts.set(10, [{ id: 3, name: "plan-etl-prod", expired: true }]);
    const found = await findReviewedPlan(gh, query);
    expect(found).toEqual({
      found: false,
      reason: expect.stringContaining(
        "pull request #7 (head h7) has no successful plan.yml run with an unexpired artifact plan-etl-prod (1 successful run checked)",
      ),
    });
  });

  it("refuses a commit that reached main without a merged pull request", async () => {
    const gh = new FakeGitHub();
    const found = await findReviewedPlan(gh, query);
    expect(found).toEqual({ found: false, reason: expect.stringContaining(`no merged pull request has merge commit ${query.mergeSha} (found none)`) });
  });
});

describe("GitHubRest", () => {
  function fakeFetch(pages: Record<string, unknown>) {
    const requests: { url: string; method: string; headers: Record<string, string>; body?: string }[] = [];
    const fetch = async (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => {
      requests.push({ url, ...init });
      const key = `${init.method} ${url}`;
      if (!(key in pages)) return { ok: false, status: 404, json: async () => ({}), text: async () => `no fake for ${key}` };
      return { ok: true, status: 200, json: async () => pages[key], text: async () => JSON.stringify(pages[key]) };
    };
    return { fetch, requests };
  }

  it("pages through comments with the token and API version headers", async () => {
    const full = Array.from({ length: 100 }, (_, i) => ({ id: i, body: `c${i}`, user: { login: "alice" } }));
    const { fetch, requests } = fakeFetch({
      "GET https://api.github.com/repos/o/r/issues/7/comments?per_page=100&page=1": full,
      "GET https://api.github.com/repos/o/r/issues/7/comments?per_page=100&page=2": [{ id: 500, body: "last", user: { login: ACTIONS_BOT } }],
    });
    const comments = await new GitHubRest({ token: "t0k", repository: "o/r", fetch }).listIssueComments(7);
    expect(comments).toHaveLength(101);
    expect(comments[100]).toEqual({ id: 500, body: "last", author: ACTIONS_BOT });
    expect(requests[0]?.headers).toMatchObject({ authorization: "Bearer t0k", "x-github-api-version": "2022-11-28", accept: "application/vnd.github+json" });
  });

  it("creates and updates comments with JSON bodies", async () => {
    const { fetch, requests } = fakeFetch({
      "POST https://ghe.example/api/v3/repos/o/r/issues/7/comments": { id: 1, body: "b", user: { login: ACTIONS_BOT } },
      "PATCH https://ghe.example/api/v3/repos/o/r/issues/comments/1": { id: 1, body: "c", user: { login: ACTIONS_BOT } },
    });
    const gh = new GitHubRest({ token: "t", repository: "o/r", apiUrl: "https://ghe.example/api/v3/", fetch });
    await gh.createIssueComment(7, "b");
    await gh.updateIssueComment(1, "c");
    expect(requests.map((r) => [r.method, r.body])).toEqual([
      ["POST", '{"body":"b"}'],
      ["PATCH", '{"body":"c"}'],
    ]);
  });

  it("queries successful pull_request runs of a workflow for a head commit, and fails with the status and URL", async () => {
    const { fetch, requests } = fakeFetch({
      "GET https://api.github.com/repos/o/r/actions/workflows/plan.yml/runs?status=success&event=pull_request&head_sha=abc&per_page=100&page=1": {
        workflow_runs: [
          { id: 9, run_number: 4, run_attempt: 2, head_sha: "abc", event: "pull_request", conclusion: "success", created_at: "t", html_url: "u" },
        ],
      },
    });
    const gh = new GitHubRest({ token: "t", repository: "o/r", fetch });
    expect(await gh.successfulRuns("plan.yml", "abc", "pull_request")).toEqual([
      { id: 9, runNumber: 4, runAttempt: 2, headSha: "abc", event: "pull_request", conclusion: "success", createdAt: "t", htmlUrl: "u" },
    ]);
    await expect(gh.runArtifacts(9)).rejects.toThrow("GitHub GET https://api.github.com/repos/o/r/actions/runs/9/artifacts?per_page=100&page=1: HTTP 404");
    expect(requests).toHaveLength(2);
  });

  it("rejects a repository that is not owner/name", () => {
    expect(() => new GitHubRest({ token: "t", repository: "just-a-name" })).toThrow(/expected owner\/name/);
  });
});
