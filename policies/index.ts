export { INTEGRATION_PERMISSIONS, type Integration, type IntegrationGrant, type IntegrationPermissions, integrationStatements } from "./integrations";
export type { PolicyCondition, PolicyStatement } from "./types";
