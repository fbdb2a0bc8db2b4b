/** check-run-input Lambda: the CheckRunInput state; an invalid input fails with the ASL error "InvalidRunInput". */
import type { CheckRunInputPayload, RunContext, RuntimeConfig } from "../shared/contracts";
import { lambdaEntry } from "../shared/lambda";
import { createLogger } from "../shared/logger";
import type { LoggerPort } from "../shared/ports";
import { loadRuntimeConfig } from "../shared/runtime-config";
import { checkRunInput } from "./core";

export function createCheckRunInputHandler(deps: { config: RuntimeConfig; logger: LoggerPort }) {
  return async (event: unknown): Promise<RunContext> => {
    const { config, logger: log } = deps;
    const run = checkRunInput(config, event as CheckRunInputPayload);
    log.info("Run input accepted", { pipeline: run.pipeline, runDate: run.runDate, trigger: run.trigger, executionName: run.executionName });
    return run;
  };
}

const logger = createLogger("check-run-input");

export const handler = lambdaEntry(logger, () => createCheckRunInputHandler({ config: loadRuntimeConfig(), logger }));
