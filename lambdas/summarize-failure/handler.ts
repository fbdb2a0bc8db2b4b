/**
 * summarize-failure Lambda, two invocation shapes:
 * - from the state machine's SummarizeFailure task (a SummarizeFailurePayload): returns the
 *   FailureNotification that NotifyFailure publishes;
 * - from EventBridge (source aws.states, "Step Functions Execution Status Change"): publishes itself
 *   unless the Catch path already did.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SNSClient } from "@aws-sdk/client-sns";
import type { FailureNotification, SummarizeFailurePayload } from "../shared/contracts";
import { UnsupportedEventError } from "../shared/errors";
import { sfnHistoryReader } from "../shared/history";
import { lambdaEntry } from "../shared/lambda";
import { createLogger } from "../shared/logger";
import type { LoggerPort, SnsPort } from "../shared/ports";
import { loadRuntimeConfig } from "../shared/runtime-config";
import { onExecutionStatusChange, type SummarizeDeps, summarizeCaughtFailure } from "./core";

export type SummarizeHandlerDeps = SummarizeDeps & { sns: SnsPort; logger: LoggerPort };

function isCaughtFailurePayload(event: Record<string, unknown>): boolean {
  const execution = event.execution as Record<string, unknown> | undefined;
  return typeof execution?.arn === "string" && typeof execution.name === "string" && typeof event.document === "object" && event.document !== null;
}

export function createSummarizeFailureHandler(deps: SummarizeHandlerDeps) {
  return async (event: unknown): Promise<FailureNotification | { published: boolean; reason: string }> => {
    const e = (typeof event === "object" && event !== null ? event : {}) as Record<string, unknown>;
    if (e.source === "aws.states") return onExecutionStatusChange(deps, event);
    if (isCaughtFailurePayload(e)) return summarizeCaughtFailure(deps, event as SummarizeFailurePayload);
    throw new UnsupportedEventError(
      `summarize-failure: expected a SummarizeFailure payload {execution, executionInput, document} or an aws.states status change event; got keys ${Object.keys(e).join(", ") || "none"}`,
    );
  };
}

const logger = createLogger("summarize-failure");
const s3 = new S3Client({});
const sfn = new SFNClient({});
const sns = new SNSClient({});

export const handler = lambdaEntry(logger, () =>
  createSummarizeFailureHandler({ s3, sns, history: sfnHistoryReader(sfn), config: loadRuntimeConfig(), logger, now: () => new Date() }),
);
