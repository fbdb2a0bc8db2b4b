/**
 * `_manifest.json`, written beside each run's outputs (in every output's run_date partition) by
 * both engines. One definition serves the engines, VerifyOutput and the scripts: lambdas/shared/manifest.ts.
 */
export type { JoinEngine, ManifestInput, ManifestOutput, RunManifest as Manifest } from "../lambdas/shared/manifest";
export { parseManifest } from "../lambdas/shared/manifest";
