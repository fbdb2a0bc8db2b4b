import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import type { Construct } from "constructs";
import type { ResourcePolicyStatement } from "../policies/resource-policies";
import type { PolicyStatement } from "../policies/types";

/**
 * Renders statements (policies/) as an aws_iam_policy_document, so Terraform assembles the JSON and
 * the statements stay readable in the synthesized configuration (and checkable by tests).
 */
export function policyDocument(scope: Construct, id: string, statements: readonly (PolicyStatement | ResourcePolicyStatement)[]): DataAwsIamPolicyDocument {
  if (statements.length === 0) throw new Error(`policyDocument ${scope.node.path}/${id}: got no statements; allowed: at least one`);
  return new DataAwsIamPolicyDocument(scope, id, {
    statement: statements.map((s) => ({
      sid: s.sid,
      effect: s.effect,
      actions: [...s.actions],
      ...(s.resources.length > 0 ? { resources: [...s.resources] } : {}),
      ...("principals" in s ? { principals: s.principals.map((p) => ({ type: p.type, identifiers: [...p.identifiers] })) } : {}),
      ...(s.conditions && s.conditions.length > 0
        ? { condition: s.conditions.map((c) => ({ test: c.test, variable: c.variable, values: [...c.values] })) }
        : {}),
    })),
  });
}
