/**
 * Errors whose `name` the state machine sees as the ASL Error of a failed Lambda task (the Lambda
 * runtime reports it as errorType), so Retry and Catch can match them and alerts name them.
 */

/** The execution input is not a run of a configured pipeline on a real date. Not retried. */
export class InvalidRunInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidRunInput";
  }
}

/** The run's outputs are missing, incomplete or do not add up. Not retried. */
export class OutputVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OutputVerificationFailed";
  }
}

/** A Lambda was invoked with an event it does not handle. */
export class UnsupportedEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnsupportedEvent";
  }
}

/** The name an AWS SDK error carries (`name`, or `Code`/`code` on older shapes). */
export function awsErrorName(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as { name?: unknown; Code?: unknown; code?: unknown };
  for (const candidate of [e.name, e.Code, e.code]) if (typeof candidate === "string") return candidate;
  return undefined;
}

/** S3 reports a missing object as NotFound (HeadObject) or NoSuchKey (GetObject), with HTTP 404. */
export function isNotFound(err: unknown): boolean {
  const name = awsErrorName(err);
  const status = (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  return name === "NotFound" || name === "NoSuchKey" || status === 404;
}
