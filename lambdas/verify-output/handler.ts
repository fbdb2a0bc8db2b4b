/** verify-output Lambda: the VerifyOutput state, with the RunContext as payload; fails with "OutputVerificationFailed". */
import { S3Client } from "@aws-sdk/client-s3";
import type { RunContext, RuntimeConfig } from "../shared/contracts";
import { UnsupportedEventError } from "../shared/errors";
import { lambdaEntry } from "../shared/lambda";
import { createLogger } from "../shared/logger";
import type { LoggerPort, S3Port } from "../shared/ports";
import { loadRuntimeConfig } from "../shared/runtime-config";
import { type OutputVerification, verifyOutput } from "./core";

export function parseVerifyOutputPayload(event: unknown): RunContext {
  const e = (typeof event === "object" && event !== null ? event : {}) as Record<string, unknown>;
  const missing = ["pipeline", "runDate", "executionName"].filter((f) => typeof e[f] !== "string");
  if (missing.length > 0) throw new UnsupportedEventError(`verify-output: payload is not a RunContext, it lacks ${missing.join(", ")}`);
  return e as unknown as RunContext;
}

export function createVerifyOutputHandler(deps: { s3: S3Port; config: RuntimeConfig; logger: LoggerPort }) {
  return async (event: unknown): Promise<OutputVerification> => verifyOutput(deps, parseVerifyOutputPayload(event));
}

const logger = createLogger("verify-output");
const s3 = new S3Client({});

export const handler = lambdaEntry(logger, () => createVerifyOutputHandler({ s3, config: loadRuntimeConfig(), logger }));
