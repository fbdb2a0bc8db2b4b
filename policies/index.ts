export {
  ACTIONS,
  type ActionEntry,
  type ActionKey,
  type ActionRole,
  actionsOf,
  anyResourceStatement,
  documentedAnyResourceActions,
  documentedAnyResourceKeys,
} from "./actions";
export { INTEGRATION_PERMISSIONS, type Integration, type IntegrationGrant, type IntegrationPermissions, integrationStatements } from "./integrations";
export type { PolicyCondition, PolicyStatement } from "./types";
