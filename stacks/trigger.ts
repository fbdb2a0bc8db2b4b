import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { Construct } from "constructs";
import { LANDING_ROOT } from "../lambdas/shared/contracts";
import { ruleDeadLetterQueuePolicy } from "../policies/resource-policies";
import { policyDocument } from "./iam";

export interface TriggerProps {
  /** Rule and queue names start with it. */
  readonly namePrefix: string;
  readonly landingBucketName: string;
  readonly functionArn: string;
  readonly functionName: string;
  /** Key the dead-letter queue is encrypted with; its policy must let events.amazonaws.com use it. */
  readonly queueKeyArn: string;
  /** How long EventBridge keeps retrying an event the Lambda could not take. Default: 3600 seconds. */
  readonly maximumEventAgeSeconds?: number;
  /** Default: 10 attempts. */
  readonly maximumRetryAttempts?: number;
}

/**
 * Uploads -> on-upload Lambda: an EventBridge rule on the landing bucket's "Object Created" events
 * under incoming/, retried with a bounded age, and a dead-letter queue for events that could not be
 * delivered (the daily schedule still starts the run, and the queue depth alarms).
 */
export class Trigger extends Construct {
  public readonly rule: CloudwatchEventRule;
  public readonly deadLetterQueue: SqsQueue;
  /** Known at synth (alarm IDs and dimensions are built from it). */
  public readonly deadLetterQueueName: string;

  constructor(scope: Construct, id: string, props: TriggerProps) {
    super(scope, id);
    this.rule = new CloudwatchEventRule(this, "object-created", {
      name: `${props.namePrefix}-landing-object-created`,
      description: `Uploads under s3://${props.landingBucketName}/${LANDING_ROOT} start or advance the day's run`,
      eventPattern: JSON.stringify({
        source: ["aws.s3"],
        "detail-type": ["Object Created"],
        detail: { bucket: { name: [props.landingBucketName] }, object: { key: [{ prefix: LANDING_ROOT }] } },
      }),
    });
    this.deadLetterQueueName = `${props.namePrefix}-upload-events-dlq`;
    this.deadLetterQueue = new SqsQueue(this, "dead-letter-queue", {
      name: this.deadLetterQueueName,
      kmsMasterKeyId: props.queueKeyArn,
      // The longest SQS allows, so an undelivered upload event can still be inspected after a long weekend.
      messageRetentionSeconds: 14 * 24 * 3600,
    });
    new SqsQueuePolicy(this, "dead-letter-queue-policy", {
      queueUrl: this.deadLetterQueue.url,
      policy: policyDocument(this, "dead-letter-queue-policy-document", ruleDeadLetterQueuePolicy(this.deadLetterQueue.arn, this.rule.arn)).json,
    });
    new CloudwatchEventTarget(this, "on-upload-target", {
      rule: this.rule.name,
      arn: props.functionArn,
      retryPolicy: { maximumEventAgeInSeconds: props.maximumEventAgeSeconds ?? 3600, maximumRetryAttempts: props.maximumRetryAttempts ?? 10 },
      deadLetterConfig: { arn: this.deadLetterQueue.arn },
    });
    new LambdaPermission(this, "allow-rule", {
      statementId: "AllowLandingObjectCreatedRule",
      action: "lambda:InvokeFunction",
      functionName: props.functionName,
      principal: "events.amazonaws.com",
      sourceArn: this.rule.arn,
    });
  }
}
