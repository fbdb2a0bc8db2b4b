import { executionsOf, type LambdaRoleTargets, lambdaRoleStatements, mergeGrants, PIPELINE_FUNCTIONS, SDK_CALL_PERMISSIONS } from "../../policies/lambda-roles";
import { GLUE_JOB_PERMISSIONS, SCHEDULER_PERMISSIONS, s3LocationArns } from "../../policies/service-roles";

const targets: LambdaRoleTargets = {
  region: "eu-west-1",
  accountId: "123456789012",
  pipelines: ["alpha", "beta"],
  stateMachineName: (p) => `tst-${p}`,
  landingBucketArn: "arn:aws:s3:::landing",
  resultsBucketArn: "arn:aws:s3:::results",
  controlBucketArn: "arn:aws:s3:::artifacts",
  dataKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/data",
  alertTopicArn: "arn:aws:sns:eu-west-1:123456789012:tst-alerts",
  alertKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/alerts",
  logGroupArn: "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/tst-fn",
};
const sm = (p: string) => `arn:aws:states:eu-west-1:123456789012:stateMachine:tst-${p}`;
const statementsOf = (fn: (typeof PIPELINE_FUNCTIONS)[number]) => Object.fromEntries(lambdaRoleStatements(fn, targets).map((s) => [s.sid, s]));

describe("lambda role statements", () => {
  test("every entry of the action maps links the AWS page it comes from", () => {
    for (const table of [SDK_CALL_PERMISSIONS, GLUE_JOB_PERMISSIONS, SCHEDULER_PERMISSIONS]) {
      for (const [call, p] of Object.entries(table))
        expect({ call, source: p.source }).toEqual({ call, source: expect.stringMatching(/^https:\/\/docs\.aws\.amazon\.com\//) });
    }
  });

  test("on-upload: reads the pipelines' markers and registrations, starts and releases their executions", () => {
    const s = statementsOf("on-upload");
    expect(s.ReadObjects?.resources).toEqual([
      "arn:aws:s3:::landing/incoming/alpha/*",
      "arn:aws:s3:::landing/incoming/beta/*",
      "arn:aws:s3:::artifacts/control/wait-tokens/alpha/*",
      "arn:aws:s3:::artifacts/control/wait-tokens/beta/*",
    ]);
    expect(s.ListBuckets?.resources).toEqual(["arn:aws:s3:::landing", "arn:aws:s3:::artifacts"]);
    expect(s.StartDailyExecutions?.resources).toEqual([sm("alpha"), sm("beta")]);
    expect(s.ReleaseWaits?.resources).toEqual([sm("alpha"), sm("beta")]);
    expect(s.WriteObjects).toBeUndefined();
    expect(s.PublishAlerts).toBeUndefined();
  });

  test("await-datasets: writes registrations, reads markers, releases waits; cannot start executions", () => {
    const s = statementsOf("await-datasets");
    expect(s.WriteObjects?.resources).toEqual(["arn:aws:s3:::artifacts/control/wait-tokens/alpha/*", "arn:aws:s3:::artifacts/control/wait-tokens/beta/*"]);
    expect(s.UseDataKey?.actions).toEqual(["kms:GenerateDataKey", "kms:Decrypt"]);
    expect(s.StartDailyExecutions).toBeUndefined();
  });

  test("verify-output: reads and lists only results", () => {
    const s = statementsOf("verify-output");
    expect(s.ReadObjects?.resources).toEqual(["arn:aws:s3:::results/alpha/*", "arn:aws:s3:::results/beta/*"]);
    expect(s.ListBuckets?.resources).toEqual(["arn:aws:s3:::results"]);
  });

  test("summarize-failure: reads its executions' history, checks markers, publishes to the encrypted topic", () => {
    const s = statementsOf("summarize-failure");
    expect(s.ReadExecutionHistory?.resources).toEqual([
      executionsOf("eu-west-1", "123456789012", "tst-alpha"),
      executionsOf("eu-west-1", "123456789012", "tst-beta"),
    ]);
    expect(s.ReadExecutionHistory?.resources?.[0]).toBe("arn:aws:states:eu-west-1:123456789012:execution:tst-alpha:*");
    expect(s.PublishAlerts?.resources).toEqual([targets.alertTopicArn]);
    expect(s.EncryptAlerts?.resources).toEqual([targets.alertKeyArn]);
  });

  test("check-run-input: only its logs and traces", () => {
    expect(Object.keys(statementsOf("check-run-input")).sort()).toEqual(["WriteOwnLogs", "WriteTraces"]);
  });

  test("every function writes only its own log group", () => {
    for (const fn of PIPELINE_FUNCTIONS) expect(statementsOf(fn).WriteOwnLogs?.resources).toEqual([`${targets.logGroupArn}:*`]);
  });

  test("a grant without resources, or on *, is refused with its name", () => {
    expect(() => mergeGrants([{ call: "S3.GetObject", resources: [] }], SDK_CALL_PERMISSIONS)).toThrow(/S3\.GetObject needs exact resource ARNs/);
    expect(() => mergeGrants([{ call: "S3.GetObject", resources: ["*"] }], SDK_CALL_PERMISSIONS)).toThrow(/got \["\*"\]/);
  });

  test("s3LocationArns turns a configured location into bucket and prefix ARNs, and names a bad one", () => {
    expect(s3LocationArns("s3://ref/a/b/")).toEqual({ bucketArn: "arn:aws:s3:::ref", objectsArn: "arn:aws:s3:::ref/a/b/*" });
    expect(() => s3LocationArns("https://x")).toThrow(/got "https:\/\/x"; allowed: s3:\/\/bucket\/prefix\//);
  });
});
