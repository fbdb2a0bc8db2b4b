import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-jest";
import { applyFailureNotification, driftNotification, publishNotification, snsSubject } from "../../scripts/gitops/notify";
import { summarizePlan } from "../../scripts/gitops/summary";

const sns = mockClient(SNSClient);
beforeEach(() => sns.reset());

const topic = "arn:aws:sns:us-east-1:222222222222:detl-prod-alerts";
const ctx = { stackId: "etl-prod", environment: "prod", commitSha: "c0ffee".padEnd(40, "0"), runUrl: "https://github.com/o/r/actions/runs/42" };
const summary = summarizePlan({
  format_version: "1.2",
  resource_changes: [
    {
      address: "aws_s3_bucket.results",
      mode: "managed",
      type: "aws_s3_bucket",
      name: "results",
      change: { actions: ["delete", "create"], replace_paths: [["bucket"]] },
    },
    { address: "aws_sqs_queue.dlq", mode: "managed", type: "aws_sqs_queue", name: "dlq", change: { actions: ["delete"] } },
    { address: "aws_sns_topic.alerts", mode: "managed", type: "aws_sns_topic", name: "alerts", change: { actions: ["update"] } },
  ],
});

describe("publishNotification", () => {
  it("publishes a failed apply to the topic with an ASCII subject under 100 characters and the run, commit, plan and step", async () => {
    sns.on(PublishCommand).resolves({ MessageId: "m-1" });
    const n = applyFailureNotification(ctx, { step: "apply", detail: "Error: creating S3 Bucket: AccessDenied", summary });
    expect(await publishNotification(new SNSClient({ region: "us-east-1" }), topic, n)).toBe("m-1");
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: topic,
      Subject: "[prod] Terraform apply of etl-prod failed at apply",
      Message: [
        'Terraform apply of etl-prod (environment prod) failed at step "apply".',
        "",
        `Commit:   ${ctx.commitSha}`,
        `Run:      ${ctx.runUrl}`,
        "Plan:     Plan: 1 to add, 1 to change, 2 to destroy.",
        "",
        "What happened:",
        "Error: creating S3 Bucket: AccessDenied",
        "",
        "Resources may be partly applied: the run's log and job summary show what Terraform did.",
        "To retry: re-run the failed job of the run above (it plans again and applies only a plan that matches the reviewed one).",
      ].join("\n"),
    });
  });

  it("publishes a drift with the resources changed outside Terraform and the destructive changes", async () => {
    sns.on(PublishCommand).resolves({ MessageId: "m-2" });
    const n = driftNotification(ctx, { summary, drifted: ["aws_sns_topic.alerts"] });
    await publishNotification(new SNSClient({ region: "us-east-1" }), topic, n);
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.TopicArn).toBe(topic);
    expect(input?.Subject).toBe("[prod] Drift in etl-prod: 1 to add, 1 to change, 2 to destroy");
    expect(input?.Message).toContain("Changed outside Terraform:\n  - aws_sns_topic.alerts");
    expect(input?.Message).toContain("  - aws_s3_bucket.results (replace)\n  - aws_sqs_queue.dlq (destroy)");
  });

  it("refuses something that is not a topic ARN before calling SNS", async () => {
    await expect(publishNotification(new SNSClient({ region: "us-east-1" }), "detl-prod-alerts", { subject: "s", message: "m" })).rejects.toThrow(
      /topic "detl-prod-alerts"; expected an SNS topic ARN/,
    );
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
  });
});

describe("snsSubject", () => {
  it("keeps subjects printable ASCII on one line and under 100 characters", () => {
    const long = snsSubject(`[prod] Terraform apply of ${"etl-very-long-stack-name-".repeat(8)} failed — at\napply`);
    expect(long.length).toBeLessThan(100);
    expect(long.endsWith("...")).toBe(true);
    expect(snsSubject("a\u2014b\nc")).toBe("a?b c");
    for (const s of [long, applyFailureNotification({ ...ctx, stackId: "x".repeat(200) }, { step: "plan", detail: "" }).subject]) {
      expect(s).toMatch(/^[\x20-\x7e]{1,99}$/);
    }
  });
});
