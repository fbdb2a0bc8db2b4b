/**
 * Enough of IAM's evaluation for the coverage tests: an Allow statement grants a request when one of
 * its actions and one of its resources match, with IAM's wildcards (`*` any run of characters, `?`
 * one character; actions case-insensitive).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html#reference_policies_elements_resource_wildcards
 */
import type { PolicyStatement } from "../../policies/types";

export interface Required {
  readonly action: string;
  readonly resource: string;
  /** What needs it (the call or the state), for messages. */
  readonly by: string;
}

function wildcard(pattern: string, flags = ""): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${escaped}$`, flags);
}

export function matches(pattern: string, value: string, caseInsensitive = false): boolean {
  return wildcard(pattern, caseInsensitive ? "i" : "").test(value);
}

/** The requests no Allow statement grants. */
export function notGranted(statements: readonly PolicyStatement[], required: readonly Required[]): Required[] {
  return required.filter(
    (r) =>
      !statements.some((s) => s.effect === "Allow" && s.actions.some((a) => matches(a, r.action, true)) && s.resources.some((res) => matches(res, r.resource))),
  );
}

/** Each (statement, action, resource) of the statements that no required request uses, unless `companion` explains it. */
export function unused(
  statements: readonly PolicyStatement[],
  required: readonly Required[],
  companion: (statement: PolicyStatement, resource: string) => boolean = () => false,
): { sid: string; action: string; resource: string }[] {
  const found: { sid: string; action: string; resource: string }[] = [];
  for (const s of statements) {
    for (const action of s.actions) {
      for (const resource of s.resources) {
        const used = required.some((r) => matches(action, r.action, true) && matches(resource, r.resource));
        if (!used && !companion(s, resource)) found.push({ sid: s.sid, action, resource });
      }
    }
  }
  return found;
}
