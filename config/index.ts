export { projectConfig } from "./environments";
export { financeRiskPipeline } from "./pipelines/finance-risk";
export * from "./types";
export { ConfigError, validateConfig } from "./validate";
