import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Construct } from "constructs";
import type { AlertProtocol } from "../config/types";
import { alertKeyPolicy, alertTopicPolicy } from "../policies/resource-policies";
import { policyDocument } from "./iam";

export interface AlertsProps {
  readonly accountId: string;
  readonly region: string;
  /** Topic name and the prefix of the alarms and rules allowed to publish (`<namePrefix>-*`). */
  readonly namePrefix: string;
  /** Who receives the alerts. Default: nobody (subscribe outside Terraform). */
  readonly subscriptions?: readonly { readonly protocol: AlertProtocol; readonly endpoint: string }[];
}

/**
 * The one alert channel of an environment: an SNS topic encrypted with its own key, whose key and
 * topic policies let this environment's CloudWatch alarms and EventBridge rules publish. The key
 * also encrypts the dead-letter queues, which EventBridge writes to.
 */
export class Alerts extends Construct {
  public readonly topic: SnsTopic;
  public readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: AlertsProps) {
    super(scope, id);
    this.key = new KmsKey(this, "key", {
      description: `Encrypts the ${props.namePrefix} alert topic and dead-letter queues`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: policyDocument(this, "key-policy", alertKeyPolicy(props.accountId)).json,
    });
    new KmsAlias(this, "key-alias", { name: `alias/${props.namePrefix}-alerts`, targetKeyId: this.key.keyId });
    this.topic = new SnsTopic(this, "topic", {
      name: `${props.namePrefix}-alerts`,
      kmsMasterKeyId: this.key.arn,
      displayName: `${props.namePrefix} ETL alerts`,
    });
    new SnsTopicPolicy(this, "topic-policy", {
      arn: this.topic.arn,
      policy: policyDocument(this, "topic-policy-document", alertTopicPolicy(this.topic.arn, props.accountId, props.region, props.namePrefix)).json,
    });
    // Keyed by protocol and endpoint, not position, so removing one subscription leaves the others in place.
    for (const s of props.subscriptions ?? []) {
      new SnsTopicSubscription(this, `subscription-${s.protocol}-${s.endpoint.replace(/[^A-Za-z0-9]+/g, "-")}`, {
        topicArn: this.topic.arn,
        protocol: s.protocol,
        endpoint: s.endpoint,
      });
    }
  }
}
