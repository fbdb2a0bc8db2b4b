import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Alerts } from "../../stacks/alerts";
import { policyDocument, resourcesOf, synthScope } from "./support";

const props = {
  accountId: "123456789012",
  region: "eu-west-1",
  namePrefix: "tst",
  subscriptions: [
    { protocol: "email", endpoint: "ops@example.com" },
    { protocol: "https", endpoint: "https://hooks.example.com/etl" },
  ] as const,
};
const { text, json } = synthScope((scope) => new Alerts(scope, "alerts", props));

describe("Alerts", () => {
  test("encrypts the topic with its own rotating key", () => {
    expect(text).toHaveResourceWithProperties(KmsKey, { enable_key_rotation: true });
    expect(text).toHaveResourceWithProperties(SnsTopic, { name: "tst-alerts", kms_master_key_id: expect.stringContaining("aws_kms_key.alerts_key") });
  });

  test("lets CloudWatch and EventBridge of this account use the key", () => {
    const statements = policyDocument(json, "alerts_key-policy");
    const services = statements.find((s) => s.principals?.[0]?.type === "Service");
    expect(services?.principals?.[0]?.identifiers.sort()).toEqual(["cloudwatch.amazonaws.com", "events.amazonaws.com"]);
    expect(services?.actions).toEqual(expect.arrayContaining(["kms:Decrypt", "kms:GenerateDataKey*"]));
    expect(services?.condition).toEqual([{ test: "StringEquals", variable: "aws:SourceAccount", values: ["123456789012"] }]);
  });

  test("allows only this environment's alarms and rules to publish, by source ARN and account", () => {
    const statements = policyDocument(json, "alerts_topic-policy-document");
    const bySid = Object.fromEntries(statements.map((s) => [s.sid, s]));
    expect(bySid.AlarmsPublish?.principals).toEqual([{ type: "Service", identifiers: ["cloudwatch.amazonaws.com"] }]);
    expect(bySid.AlarmsPublish?.condition).toEqual(
      expect.arrayContaining([
        { test: "StringEquals", variable: "aws:SourceAccount", values: ["123456789012"] },
        { test: "ArnLike", variable: "aws:SourceArn", values: ["arn:aws:cloudwatch:eu-west-1:123456789012:alarm:tst-*"] },
      ]),
    );
    expect(bySid.RulesPublish?.condition).toEqual(
      expect.arrayContaining([{ test: "ArnLike", variable: "aws:SourceArn", values: ["arn:aws:events:eu-west-1:123456789012:rule/tst-*"] }]),
    );
    for (const s of statements) expect(s.actions).toEqual(["sns:Publish"]);
  });

  test("subscribes every configured endpoint", () => {
    expect(Object.keys(resourcesOf(json, "aws_sns_topic_subscription"))).toHaveLength(2);
    expect(text).toHaveResourceWithProperties(SnsTopicSubscription, { protocol: "email", endpoint: "ops@example.com" });
    expect(text).toHaveResourceWithProperties(SnsTopicSubscription, { protocol: "https", endpoint: "https://hooks.example.com/etl" });
  });
});
