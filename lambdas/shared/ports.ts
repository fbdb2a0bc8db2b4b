/**
 * The ports the Lambda cores depend on. Handlers pass real SDK clients; tests and the local
 * runtime pass clients pointed at s3rver, aws-sdk-client-mock mocks or in-process adapters.
 * Only `send` is required so that any of those fits without casting.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { HistoryEvent, SFNClient } from "@aws-sdk/client-sfn";
import type { SNSClient } from "@aws-sdk/client-sns";

export type S3Port = Pick<S3Client, "send">;
export type SfnPort = Pick<SFNClient, "send">;
export type SnsPort = Pick<SNSClient, "send">;

/** Structured logging; `extra` keys are merged into the log entry. */
export interface LoggerPort {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** The current time. Passed in so cores are deterministic under test. */
export type Clock = () => Date;

/** Reads an execution's history, ascending by event id (GetExecutionHistory, all pages). */
export type HistoryReader = (executionArn: string) => Promise<HistoryEvent[]>;
