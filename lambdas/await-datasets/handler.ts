/** await-datasets Lambda: invoked by WaitForDatasets (lambda:invoke.waitForTaskToken) with an AwaitDatasetsPayload. */
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import type { AwaitDatasetsPayload } from "../shared/contracts";
import { UnsupportedEventError } from "../shared/errors";
import { lambdaEntry } from "../shared/lambda";
import { createLogger } from "../shared/logger";
import { loadRuntimeConfig } from "../shared/runtime-config";
import { type AwaitDatasetsDeps, registerWait } from "./core";

/** Checks the payload's shape; the core checks its values. */
export function parseAwaitDatasetsPayload(event: unknown): AwaitDatasetsPayload {
  const e = (typeof event === "object" && event !== null ? event : {}) as Record<string, unknown>;
  const missing = ["pipeline", "runDate", "executionArn", "taskToken"].filter((f) => typeof e[f] !== "string" || e[f] === "");
  if (missing.length > 0) {
    throw new UnsupportedEventError(
      `await-datasets: payload lacks ${missing.join(", ")} (expected {pipeline, runDate, executionArn, taskToken}); got keys ${Object.keys(e).join(", ") || "none"}`,
    );
  }
  return { pipeline: e.pipeline as string, runDate: e.runDate as string, executionArn: e.executionArn as string, taskToken: e.taskToken as string };
}

export function createAwaitDatasetsHandler(deps: AwaitDatasetsDeps) {
  return async (event: unknown) => registerWait(deps, parseAwaitDatasetsPayload(event));
}

const logger = createLogger("await-datasets");
const s3 = new S3Client({});
const sfn = new SFNClient({});

export const handler = lambdaEntry(logger, () => createAwaitDatasetsHandler({ s3, sfn, config: loadRuntimeConfig(), logger, now: () => new Date() }));
