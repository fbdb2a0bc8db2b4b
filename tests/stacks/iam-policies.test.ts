import { Testing } from "cdktf";
import { projectConfig } from "../../config";
import { DOCUMENTED_WILDCARD_SIDS } from "../../policies/service-roles";
import { PipelineStack, stackIdFor } from "../../stacks/pipeline-stack";
import { type DocumentStatement, policyDocuments, type Synthesized } from "./support";

const stacks = projectConfig.environments.map((environment) => {
  const stack = new PipelineStack(Testing.app(), stackIdFor(environment), {
    project: projectConfig.project,
    environment,
    stateBackend: { kind: "local", path: "terraform.tfstate" },
  });
  return { environment, json: JSON.parse(Testing.synth(stack, true)) as Synthesized };
});

const allows = (statements: DocumentStatement[]) => statements.filter((s) => s.effect !== "Deny");

describe.each(stacks)("IAM of $environment.name", ({ environment, json }) => {
  const documents = policyDocuments(json);

  test("has policy documents for every role and resource policy", () => {
    expect(Object.keys(documents).length).toBeGreaterThan(20);
  });

  test("no Allow statement grants every action or every action of a service", () => {
    for (const [id, statements] of Object.entries(documents)) {
      for (const s of allows(statements)) {
        for (const action of s.actions ?? []) {
          expect({ id, action }).not.toEqual({ id, action: "*" });
          expect({ id, action }).not.toEqual({ id, action: expect.stringMatching(/^[a-z0-9-]+:\*$/) });
        }
      }
    }
  });

  test("every state machine role resource is an exact ARN or a documented prefix; only logging and X-Ray use *", () => {
    const roleDocs = Object.entries(documents).filter(([id]) => id.includes("state-machine_policy-document"));
    expect(roleDocs).toHaveLength(environment.pipelines.length);
    for (const [, statements] of roleDocs) {
      for (const s of statements) {
        if (DOCUMENTED_WILDCARD_SIDS.includes(s.sid ?? "")) {
          expect(s.resources).toEqual(["*"]);
          continue;
        }
        for (const r of s.resources ?? []) {
          // A Terraform reference to one resource's ARN, or a literal ARN; a Lambda ARN may end in ":*" (its versions and aliases).
          const exact = /^\$\{aws_[a-z0-9_]+\.[A-Za-z0-9_-]+\.arn\}(:\*)?$/.test(r) || /^arn:aws:[a-z0-9-]+:[a-z0-9-]*:\d{12}:[^*]+$/.test(r);
          expect({ sid: s.sid, resource: r, exact }).toEqual({ sid: s.sid, resource: r, exact: true });
        }
      }
    }
  });

  test("Lambda roles reach only the documented prefixes of the data path", () => {
    const lambdaDocs = Object.entries(documents).filter(([docId]) => /^(on-upload|await-datasets|verify-output|summarize-failure)_policy-document/.test(docId));
    expect(lambdaDocs).toHaveLength(4);
    for (const [id, statements] of lambdaDocs) {
      for (const s of statements.filter((st) => st.sid === "ReadObjects" || st.sid === "WriteObjects")) {
        for (const r of s.resources ?? []) {
          expect({ id, r, ok: /\/(incoming\/[a-z0-9-]+\/\*|control\/wait-tokens\/[a-z0-9-]+\/\*|[a-z0-9-]+\/\*)$/.test(r) }).toEqual({ id, r, ok: true });
        }
      }
    }
  });

  test("only the documented exceptions use * as a resource in Allow statements", () => {
    const documented = new Set([...DOCUMENTED_WILDCARD_SIDS, "WriteTraces", "PublishJobMetrics"]);
    for (const [id, statements] of Object.entries(documents)) {
      for (const s of allows(statements)) {
        const isResourcePolicy = (s.principals ?? []).length > 0;
        if (isResourcePolicy) continue; // in a key policy "*" means "this key"
        if ((s.resources ?? []).includes("*"))
          expect({ id, sid: s.sid, documented: documented.has(s.sid ?? "") }).toEqual({ id, sid: s.sid, documented: true });
      }
    }
  });
});
