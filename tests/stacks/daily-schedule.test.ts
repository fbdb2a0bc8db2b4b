import { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { DailySchedule, dailyCron, scheduledStartInput } from "../../stacks/daily-schedule";
import { policyDocument, resourceOf, synthScope } from "./support";

const functionArn = "arn:aws:lambda:eu-west-1:123456789012:function:tst-on-upload";
const { text, json } = synthScope(
  (scope) =>
    new DailySchedule(scope, "schedule", {
      accountId: "123456789012",
      pipeline: "demo",
      scheduleName: "tst-demo-daily-start",
      expectedStart: "06:30",
      timezone: "Europe/London",
      functionArn,
      tags: { pipeline: "demo" },
    }),
);

describe("DailySchedule", () => {
  test("fires daily at the expected start in its time zone, without a flexible window", () => {
    expect(text).toHaveResourceWithProperties(SchedulerSchedule, {
      name: "tst-demo-daily-start",
      schedule_expression: "cron(30 6 * * ? *)",
      schedule_expression_timezone: "Europe/London",
      flexible_time_window: { mode: "OFF" },
    });
  });

  test("sends the on-upload function the scheduled-start event, with retries and a dead-letter queue", () => {
    const target = resourceOf(json, "aws_scheduler_schedule").target as Record<string, unknown>;
    expect(target.arn).toBe(functionArn);
    expect(JSON.parse(String(target.input))).toEqual({ source: "etl.scheduler", pipeline: "demo", scheduledTime: "<aws.scheduler.scheduled-time>" });
    expect(target.retry_policy).toEqual({ maximum_event_age_in_seconds: 3600, maximum_retry_attempts: 10 });
    expect(String((target.dead_letter_config as { arn: string }).arn)).toContain("aws_sqs_queue.schedule_dead-letter-queue");
  });

  test("lets its role invoke only that function (and write its own dead-letter queue)", () => {
    const statements = policyDocument(json, "schedule_policy-document");
    expect(statements).toEqual([
      { sid: "InvokeTarget", effect: "Allow", actions: ["lambda:InvokeFunction"], resources: [functionArn] },
      {
        sid: "SendToDeadLetterQueue",
        effect: "Allow",
        actions: ["sqs:SendMessage"],
        resources: [expect.stringContaining("aws_sqs_queue.schedule_dead-letter-queue")],
      },
    ]);
    const [trust] = policyDocument(json, "schedule_trust");
    expect(trust?.principals).toEqual([{ type: "Service", identifiers: ["scheduler.amazonaws.com"] }]);
  });

  test("dailyCron turns HH:MM into a cron expression and names a bad value", () => {
    expect(dailyCron("00:00")).toBe("cron(0 0 * * ? *)");
    expect(dailyCron("23:59")).toBe("cron(59 23 * * ? *)");
    expect(() => dailyCron("24:00")).toThrow(/expectedStart got "24:00"; allowed: "HH:MM"/);
  });

  test("scheduledStartInput is the exact event the brief specifies", () => {
    expect(scheduledStartInput("finance-risk")).toBe('{"source":"etl.scheduler","pipeline":"finance-risk","scheduledTime":"<aws.scheduler.scheduled-time>"}');
  });
});
