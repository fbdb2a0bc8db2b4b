/**
 * The one Lambda entry wrapper: adds the invocation context to the logger, builds the handler's
 * dependencies once per container (RUNTIME_CONFIG is read then, so a missing or invalid value fails
 * the invocation with its reason rather than an opaque init error), and logs an error before the
 * runtime reports it. The error's `name` is what the state machine sees as the ASL Error.
 */
import type { Context } from "aws-lambda";
import type { LambdaLogger } from "./logger";

export function lambdaEntry<R>(logger: LambdaLogger, build: () => (event: unknown) => Promise<R>): (event: unknown, context?: Context) => Promise<R> {
  let run: ((event: unknown) => Promise<R>) | undefined;
  return async (event, context) => {
    if (context) logger.powertools.addContext(context);
    try {
      run ??= build();
      return await run(event);
    } catch (err) {
      logger.error("Invocation failed", { error: err as Error });
      throw err;
    }
  };
}
