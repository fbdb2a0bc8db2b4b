import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { Trigger } from "../../stacks/trigger";
import { policyDocument, resourceOf, synthScope } from "./support";

const props = {
  namePrefix: "tst",
  landingBucketName: "tst-landing",
  functionArn: "arn:aws:lambda:eu-west-1:123456789012:function:tst-on-upload",
  functionName: "tst-on-upload",
  queueKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/alerts",
};
const { text, json } = synthScope((scope) => new Trigger(scope, "trigger", props));

describe("Trigger", () => {
  test("matches Object Created events of the landing bucket under incoming/", () => {
    const rule = resourceOf(json, "aws_cloudwatch_event_rule");
    expect(JSON.parse(String(rule.event_pattern))).toEqual({
      source: ["aws.s3"],
      "detail-type": ["Object Created"],
      detail: { bucket: { name: ["tst-landing"] }, object: { key: [{ prefix: "incoming/" }] } },
    });
  });

  test("targets the on-upload function with bounded retries and a dead-letter queue", () => {
    expect(text).toHaveResourceWithProperties(CloudwatchEventTarget, {
      arn: props.functionArn,
      retry_policy: { maximum_event_age_in_seconds: 3600, maximum_retry_attempts: 10 },
      dead_letter_config: { arn: expect.stringContaining("aws_sqs_queue.trigger_dead-letter-queue") },
    });
  });

  test("encrypts the dead-letter queue with the given key", () => {
    expect(text).toHaveResourceWithProperties(SqsQueue, { name: "tst-upload-events-dlq", kms_master_key_id: props.queueKeyArn });
  });

  test("lets only the rule write to the dead-letter queue", () => {
    const [statement] = policyDocument(json, "dead-letter-queue-policy-document");
    expect(statement).toMatchObject({
      effect: "Allow",
      actions: ["sqs:SendMessage"],
      principals: [{ type: "Service", identifiers: ["events.amazonaws.com"] }],
    });
    expect(statement?.condition).toEqual([
      { test: "ArnEquals", variable: "aws:SourceArn", values: [expect.stringContaining("aws_cloudwatch_event_rule.trigger_object-created")] },
    ]);
  });

  test("lets EventBridge invoke the function only from the rule", () => {
    expect(text).toHaveResourceWithProperties(LambdaPermission, {
      principal: "events.amazonaws.com",
      action: "lambda:InvokeFunction",
      function_name: "tst-on-upload",
      source_arn: expect.stringContaining("aws_cloudwatch_event_rule.trigger_object-created"),
    });
  });
});
