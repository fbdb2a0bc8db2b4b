/**
 * The state machine role allows exactly what the synthesized state machine does: every Task's
 * integration (its Resource ARN) maps, through the one action map, to actions allowed on the exact
 * resource the Task's Parameters name; logging and tracing as configured need the documented
 * statements; and every action on every resource the role grants is needed by one of those.
 */
import { Testing } from "cdktf";
import { ACTIONS, type ActionEntry, type ActionKey } from "../../policies/actions";
import type { PolicyStatement } from "../../policies/types";
import { PipelineStateMachine, type PipelineStateMachineProps } from "../../stacks/orchestration/pipeline-state-machine";
import { resourceOf, type Synthesized } from "../stacks/support";
import { notGranted, type Required, unused } from "./iam-match";

const REGION = "eu-west-1";
const ACCOUNT = "123456789012";
const fn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:tst-${name}`;
const PROPS: PipelineStateMachineProps = {
  accountId: ACCOUNT,
  region: REGION,
  pipeline: "finance-risk",
  stateMachineName: "tst-finance-risk",
  checkRunInputFunctionArn: fn("check-run-input"),
  awaitDatasetsFunctionArn: fn("await-datasets"),
  verifyOutputFunctionArn: fn("verify-output"),
  summarizeFailureFunctionArn: fn("summarize-failure"),
  glueJobName: "tst-finance-risk-join",
  glueJobArn: `arn:aws:glue:${REGION}:${ACCOUNT}:job/tst-finance-risk-join`,
  alertTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:tst-alerts`,
  alertKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/alerts`,
  deadlineSeconds: 3600,
  glueTimeoutMinutes: 120,
  logRetentionDays: 30,
};
/** Which key encrypts which topic: publishing to an encrypted topic needs its key. */
const TOPIC_KEYS: Readonly<Record<string, string>> = { [PROPS.alertTopicArn]: PROPS.alertKeyArn };

let statements: readonly PolicyStatement[] = [];
const { json } = ((): { json: Synthesized } => {
  const text = Testing.synthScope((scope) => {
    statements = new PipelineStateMachine(scope, "sm", PROPS).statements;
  });
  return { json: JSON.parse(text) as Synthesized };
})();
const stateMachine = resourceOf(json, "aws_sfn_state_machine");
const definition = JSON.parse(String(stateMachine.definition)) as {
  States: Record<string, { Type: string; Resource?: string; Parameters?: Record<string, unknown> }>;
};

/** arn:aws:states:::<service>:<api>[.<pattern>] -> the integration key of the action map; waitForTaskToken calls the same API. */
function integrationOf(resource: string): ActionKey {
  const match = /^arn:aws:states:::([a-z0-9-]+):([A-Za-z0-9]+)(?:\.(sync|waitForTaskToken))?$/.exec(resource);
  if (match === null) throw new Error(`not an optimized integration resource: ${resource}`);
  const [, service, api, pattern] = match;
  const key = `integration/${service}:${api}${pattern === "sync" ? ".sync" : ""}`;
  if (!(key in ACTIONS)) throw new Error(`the state machine uses ${resource}, which has no entry ${key} in policies/actions.ts`);
  return key as ActionKey;
}

/** The resource a Task calls, from its Parameters, as an ARN. */
function resourceOfTask(service: string, parameters: Record<string, unknown>): string {
  if (service === "lambda") return String(parameters.FunctionName);
  if (service === "glue") return `arn:aws:glue:${REGION}:${ACCOUNT}:job/${String(parameters.JobName)}`;
  if (service === "sns") return String(parameters.TopicArn);
  throw new Error(`no resource derivation for ${service} tasks: add one here`);
}

const perms = (key: ActionKey, resource: string, by: string): Required[] => (ACTIONS[key] as ActionEntry).actions.map((action) => ({ action, resource, by }));

function requiredByDefinition(): Required[] {
  const required: Required[] = [];
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type !== "Task") continue;
    const key = integrationOf(String(state.Resource));
    const service = key.slice("integration/".length).split(":")[0] as string;
    const resource = resourceOfTask(service, state.Parameters ?? {});
    required.push(...perms(key, resource, name));
    const topicKey = service === "sns" ? TOPIC_KEYS[resource] : undefined;
    if (topicKey !== undefined) required.push(...perms("integration/kms:encryptedTopic", topicKey, `${name} (encrypted topic)`));
  }
  const logging = (stateMachine.logging_configuration as { level?: string }) ?? {};
  if (logging.level !== undefined && logging.level !== "OFF") required.push(...perms("stateMachine/deliverLogs", "*", "logging_configuration"));
  if ((stateMachine.tracing_configuration as { enabled?: boolean } | undefined)?.enabled)
    required.push(...perms("stateMachine/writeTraces", "*", "tracing_configuration"));
  return required;
}

/** `<function>:*` beside a used function ARN, for entries whose AWS-documented policy grants the qualified forms. */
function qualifiedCompanion(required: readonly Required[]) {
  return (statement: PolicyStatement, resource: string): boolean => {
    const entry = Object.values(ACTIONS as Readonly<Record<string, ActionEntry>>).find((e) => e.sid === statement.sid && e.qualifiedCompanion);
    return entry !== undefined && resource.endsWith(":*") && required.some((r) => r.resource === resource.slice(0, -2));
  };
}

describe("the state machine role", () => {
  const required = requiredByDefinition();

  test("the synthesized definition calls each service integration it needs", () => {
    expect([...new Set(required.map((r) => r.by))].sort()).toEqual(
      [
        "CheckRunInput",
        "NotifyFailure",
        "NotifyFailure (encrypted topic)",
        "RunJoin",
        "SummarizeFailure",
        "VerifyOutput",
        "WaitForDatasets",
        "logging_configuration",
        "tracing_configuration",
      ].sort(),
    );
  });

  test("allows every integration of every Task on the exact resource its Parameters name, and the configured logging and tracing", () => {
    expect(notGranted(statements, required)).toEqual([]);
  });

  test("grants no action on any resource that no Task, logging or tracing needs (qualified Lambda ARNs only beside their function)", () => {
    expect(unused(statements, required, qualifiedCompanion(required))).toEqual([]);
  });

  test("the check fails on a Task without its permission and on a permission without a Task", () => {
    const withoutGlue = statements.filter((s) => s.sid !== ACTIONS["integration/glue:startJobRun.sync"].sid);
    expect(notGranted(withoutGlue, required).map((r) => `${r.by} ${r.action}`)).toContain("RunJoin glue:StartJobRun");
    const extra: PolicyStatement[] = [
      ...statements,
      { sid: "InvokePipelineFunctions", effect: "Allow", actions: ["lambda:InvokeFunction"], resources: [fn("other"), `${fn("other")}:*`] },
    ];
    expect(unused(extra, required, qualifiedCompanion(required))).toEqual([
      { sid: "InvokePipelineFunctions", action: "lambda:InvokeFunction", resource: fn("other") },
      { sid: "InvokePipelineFunctions", action: "lambda:InvokeFunction", resource: `${fn("other")}:*` },
    ]);
  });
});
