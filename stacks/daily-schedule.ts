import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { Construct } from "constructs";
import type { ScheduledStartEvent } from "../lambdas/shared/contracts";
import { assumeRoleStatements } from "../policies/resource-policies";
import { schedulerRoleStatements } from "../policies/service-roles";
import { policyDocument } from "./iam";

export interface DailyScheduleProps {
  readonly accountId: string;
  readonly pipeline: string;
  /** Name of the schedule; its role and queue add suffixes. */
  readonly scheduleName: string;
  /** "HH:MM", local time in `timezone`. */
  readonly expectedStart: string;
  /** IANA time zone. Default: "UTC". */
  readonly timezone?: string;
  readonly functionArn: string;
  /** Default: 3600 seconds (a start an hour late is still useful; later, the deadline alerts anyway). */
  readonly maximumEventAgeSeconds?: number;
  /** Default: 10. */
  readonly maximumRetryAttempts?: number;
  /** Default: the provider's default tags only (schedules themselves take no tags). */
  readonly tags?: Readonly<Record<string, string>>;
}

/** "HH:MM" -> a Scheduler cron expression firing at that time every day. */
export function dailyCron(expectedStart: string): string {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(expectedStart);
  if (match === null) throw new Error(`dailyCron: expectedStart got ${JSON.stringify(expectedStart)}; allowed: "HH:MM" (24-hour clock)`);
  return `cron(${Number(match[2])} ${Number(match[1])} * * ? *)`;
}

/** The event the schedule sends; Scheduler substitutes the context attribute when it fires. */
export function scheduledStartInput(pipeline: string): string {
  const event: ScheduledStartEvent = { source: "etl.scheduler", pipeline, scheduledTime: "<aws.scheduler.scheduled-time>" };
  return JSON.stringify(event);
}

/**
 * Starts a pipeline's day at its expected time even when nothing was uploaded, so a missing day
 * still reaches the deadline and alerts. The on-upload Lambda names the execution like an upload
 * would, so both starts merge into one run.
 */
export class DailySchedule extends Construct {
  public readonly schedule: SchedulerSchedule;
  public readonly role: IamRole;
  public readonly deadLetterQueue: SqsQueue;
  /** Known at synth (alarm IDs and dimensions are built from it). */
  public readonly deadLetterQueueName: string;

  constructor(scope: Construct, id: string, props: DailyScheduleProps) {
    super(scope, id);
    const tags = props.tags ? { ...props.tags } : undefined;
    this.deadLetterQueueName = `${props.scheduleName}-dlq`;
    this.deadLetterQueue = new SqsQueue(this, "dead-letter-queue", {
      name: this.deadLetterQueueName,
      // SQS-managed encryption: Scheduler writes with the execution role, which then needs no key grants.
      sqsManagedSseEnabled: true,
      messageRetentionSeconds: 14 * 24 * 3600,
      tags,
    });
    this.role = new IamRole(this, "role", {
      name: `${props.scheduleName}-role`,
      description: `Lets the ${props.scheduleName} schedule invoke its target`,
      assumeRolePolicy: policyDocument(this, "trust", assumeRoleStatements("scheduler.amazonaws.com", props.accountId)).json,
      tags,
    });
    new IamRolePolicy(this, "policy", {
      name: "least-privilege",
      role: this.role.id,
      policy: policyDocument(this, "policy-document", schedulerRoleStatements(props.functionArn, this.deadLetterQueue.arn)).json,
    });
    this.schedule = new SchedulerSchedule(this, "schedule", {
      name: props.scheduleName,
      description: `Starts the ${props.pipeline} run of the day at its expected time`,
      scheduleExpression: dailyCron(props.expectedStart),
      scheduleExpressionTimezone: props.timezone ?? "UTC",
      flexibleTimeWindow: { mode: "OFF" },
      target: {
        arn: props.functionArn,
        roleArn: this.role.arn,
        input: scheduledStartInput(props.pipeline),
        retryPolicy: { maximumEventAgeInSeconds: props.maximumEventAgeSeconds ?? 3600, maximumRetryAttempts: props.maximumRetryAttempts ?? 10 },
        deadLetterConfig: { arn: this.deadLetterQueue.arn },
      },
    });
  }
}
