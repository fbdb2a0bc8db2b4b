/**
 * The one logger setup of every Lambda: Powertools Logger (JSON lines in CloudWatch, level from
 * POWERTOOLS_LOG_LEVEL, service from the handler), exposed to the cores as a LoggerPort.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import type { LoggerPort } from "./ports";

export interface LambdaLogger extends LoggerPort {
  /** The Powertools logger, for adding the Lambda context in the handler. */
  readonly powertools: Logger;
}

export function createLogger(serviceName: string): LambdaLogger {
  const powertools = new Logger({ serviceName });
  return {
    powertools,
    // An absent attributes object is not passed on: Powertools would log it as an extra argument.
    debug: (message, extra) => (extra === undefined ? powertools.debug(message) : powertools.debug(message, extra)),
    info: (message, extra) => (extra === undefined ? powertools.info(message) : powertools.info(message, extra)),
    warn: (message, extra) => (extra === undefined ? powertools.warn(message) : powertools.warn(message, extra)),
    error: (message, extra) => (extra === undefined ? powertools.error(message) : powertools.error(message, extra)),
  };
}
