import { type ActionEntry, actionsOf } from "./actions";
import type { PolicyStatement } from "./types";

/**
 * What a state machine's role must be allowed to do for each service integration it uses: the
 * `integration/` entries of the one action map (actions.ts), with the AWS page each comes from.
 * Statements are always scoped to the exact resource ARNs the definition references (see
 * `integrationStatements`).
 */
export type IntegrationPermissions = ActionEntry;

export const INTEGRATION_PERMISSIONS = actionsOf("integration");

export type Integration = keyof typeof INTEGRATION_PERMISSIONS;

/** One use of an integration on concrete resources, as a state declares it. */
export interface IntegrationGrant {
  readonly integration: Integration;
  readonly resources: readonly string[];
}

/**
 * The least-privilege statements for a set of grants: one statement per integration sid, with the
 * union of the granted resources in first-seen order. Throws when a grant names no resource, since
 * an empty resource list would make an invalid (or, with "*", an over-broad) policy.
 */
export function integrationStatements(grants: readonly IntegrationGrant[]): PolicyStatement[] {
  const bySid = new Map<string, { actions: readonly string[]; resources: string[] }>();
  for (const grant of grants) {
    const permissions: IntegrationPermissions | undefined = INTEGRATION_PERMISSIONS[grant.integration];
    if (permissions === undefined) {
      throw new Error(
        `integrationStatements: unknown integration ${JSON.stringify(grant.integration)}; allowed: ${Object.keys(INTEGRATION_PERMISSIONS).join(" | ")}`,
      );
    }
    if (grant.resources.length === 0 || grant.resources.some((r) => r.trim() === "" || r === "*")) {
      throw new Error(`integrationStatements: ${grant.integration} needs exact resource ARNs; got ${JSON.stringify(grant.resources)}`);
    }
    const entry = bySid.get(permissions.sid) ?? { actions: permissions.actions, resources: [] };
    for (const resource of grant.resources) if (!entry.resources.includes(resource)) entry.resources.push(resource);
    bySid.set(permissions.sid, entry);
  }
  return [...bySid.entries()].map(([sid, entry]) => ({ sid, effect: "Allow", actions: [...entry.actions], resources: entry.resources }));
}
