import {
  ACTIONS,
  type ActionEntry,
  type ActionKey,
  type ActionRole,
  actionsOf,
  anyResourceStatement,
  documentedAnyResourceActions,
} from "../../policies/actions";
import { INTEGRATION_PERMISSIONS } from "../../policies/integrations";
import { type LambdaRoleTargets, lambdaRoleStatements, PIPELINE_FUNCTIONS, SDK_CALL_PERMISSIONS } from "../../policies/lambda-roles";
import {
  GLUE_JOB_PERMISSIONS,
  glueJobRoleStatements,
  SCHEDULER_PERMISSIONS,
  STATE_MACHINE_SERVICE_STATEMENTS,
  schedulerRoleStatements,
} from "../../policies/service-roles";
import type { PolicyStatement } from "../../policies/types";
import { buildPipelineDefinition } from "../../stacks/orchestration/definition";

const entries = Object.entries(ACTIONS) as [ActionKey, ActionEntry][];
const A = "arn:aws:";
const targets: LambdaRoleTargets = {
  region: "eu-west-1",
  accountId: "123456789012",
  pipelines: ["alpha"],
  stateMachineName: (p) => `tst-${p}`,
  landingBucketArn: `${A}s3:::landing`,
  resultsBucketArn: `${A}s3:::results`,
  controlBucketArn: `${A}s3:::artifacts`,
  dataKeyArn: `${A}kms:eu-west-1:123456789012:key/data`,
  alertTopicArn: `${A}sns:eu-west-1:123456789012:tst-alerts`,
  alertKeyArn: `${A}kms:eu-west-1:123456789012:key/alerts`,
  logGroupArn: `${A}logs:eu-west-1:123456789012:log-group:/aws/lambda/tst-fn`,
};

/** Every role's statements as the stacks build them, by the role of the map they must come from. */
const ROLE_STATEMENTS: readonly [string, readonly ActionRole[], readonly PolicyStatement[]][] = [
  ...PIPELINE_FUNCTIONS.map((fn) => [`lambda ${fn}`, ["lambda"], lambdaRoleStatements(fn, targets)] as [string, ActionRole[], PolicyStatement[]]),
  [
    "glue job",
    ["glueJob"],
    glueJobRoleStatements({
      region: "eu-west-1",
      accountId: "123456789012",
      pipeline: "alpha",
      landingBucketArn: targets.landingBucketArn,
      resultsBucketArn: targets.resultsBucketArn,
      artifactsBucketArn: targets.controlBucketArn,
      dataKeyArn: targets.dataKeyArn,
      referenceLocations: ["s3://reference/alpha/accounts/"],
      tempPrefix: "glue-temp/alpha/",
    }),
  ],
  ["scheduler", ["scheduler"], schedulerRoleStatements(`${A}lambda:eu-west-1:123456789012:function:tst-on-upload`, `${A}sqs:eu-west-1:123456789012:tst-dlq`)],
  [
    "state machine",
    ["integration", "stateMachine"],
    [
      ...buildPipelineDefinition({
        pipeline: "alpha",
        functions: { checkRunInput: `${A}lambda:f1`, awaitDatasets: `${A}lambda:f2`, verifyOutput: `${A}lambda:f3`, summarizeFailure: `${A}lambda:f4` },
        glueJobName: "tst-alpha-join",
        glueJobArn: `${A}glue:eu-west-1:123456789012:job/tst-alpha-join`,
        alertTopicArn: targets.alertTopicArn,
        alertKeyArn: targets.alertKeyArn,
        deadlineSeconds: 3600,
        joinTimeoutSeconds: 7200,
      }).statements,
      ...STATE_MACHINE_SERVICE_STATEMENTS,
    ],
  ],
];

describe("the one action map", () => {
  test("every entry names its statement, its actions and the AWS page they come from", () => {
    for (const [key, e] of entries) {
      expect({ key, sid: e.sid, source: e.source }).toEqual({
        key,
        sid: expect.stringMatching(/^[A-Za-z0-9]+$/),
        source: expect.stringMatching(/^https:\/\/docs\.aws\.amazon\.com\//),
      });
      expect({ key, actions: e.actions.length > 0 && e.actions.every((a) => /^[a-z0-9-]+:[A-Za-z0-9*]+$/.test(a)) }).toEqual({ key, actions: true });
      if (e.anyResource)
        expect({ key, anyResource: e.anyResource }).toEqual({
          key,
          anyResource: { why: expect.any(String), source: expect.stringMatching(/^https:\/\/docs\.aws\.amazon\.com\//) },
        });
    }
  });

  test("the per-role tables the builders use are views of it, keyed by the name after <role>/", () => {
    const view = (role: ActionRole) => Object.fromEntries(entries.filter(([k]) => k.startsWith(`${role}/`)).map(([k, e]) => [k.slice(role.length + 1), e]));
    expect(SDK_CALL_PERMISSIONS).toEqual(view("lambda"));
    expect(INTEGRATION_PERMISSIONS).toEqual(view("integration"));
    expect(GLUE_JOB_PERMISSIONS).toEqual(view("glueJob"));
    expect(SCHEDULER_PERMISSIONS).toEqual(view("scheduler"));
    expect(actionsOf("githubApply")).toEqual(view("githubApply"));
  });

  test.each(ROLE_STATEMENTS.map(([name, roles, statements]) => [name, roles, statements] as const))(
    "every statement of the %s role comes from entries of the map (same sid, actions among theirs), and only documented entries use *",
    (_name, roles, statements) => {
      for (const s of statements) {
        const sources = entries.filter(([k, e]) => roles.some((r) => k.startsWith(`${r}/`)) && e.sid === s.sid);
        expect({ sid: s.sid, fromMap: sources.length > 0 }).toEqual({ sid: s.sid, fromMap: true });
        const allowed = new Set(sources.flatMap(([, e]) => e.actions));
        expect({ sid: s.sid, extra: s.actions.filter((a) => !allowed.has(a)) }).toEqual({ sid: s.sid, extra: [] });
        if (s.resources.includes("*"))
          expect({ sid: s.sid, documented: sources.some(([, e]) => e.anyResource !== undefined) }).toEqual({ sid: s.sid, documented: true });
      }
    },
  );

  test("anyResourceStatement grants a documented entry on * with its conditions, and refuses an entry that can be scoped", () => {
    expect(anyResourceStatement("glueJob/publishMetrics")).toEqual({
      sid: "PublishJobMetrics",
      effect: "Allow",
      actions: ["cloudwatch:PutMetricData"],
      resources: ["*"],
      conditions: [{ test: "StringEquals", variable: "cloudwatch:namespace", values: ["Glue"] }],
    });
    expect(() => anyResourceStatement("lambda/S3.GetObject")).toThrow(/lambda\/S3\.GetObject can be scoped to exact ARNs; allowed: stateMachine\/deliverLogs/);
  });

  test("the documented * exceptions ETL-IAM-002 accepts are exactly the actions of the documented entries", () => {
    const documented = documentedAnyResourceActions();
    const expected = new Set(entries.filter(([, e]) => e.anyResource).flatMap(([, e]) => e.actions));
    expect(new Set(documented.keys())).toEqual(expected);
    expect(documented.get("xray:PutTraceSegments")?.source).toMatch(/xray/);
    expect(documented.has("s3:PutObject")).toBe(false);
  });
});
