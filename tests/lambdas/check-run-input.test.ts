import { checkRunInput, InvalidRunInputError } from "../../lambdas/check-run-input/core";
import { createCheckRunInputHandler } from "../../lambdas/check-run-input/handler";
import type { CheckRunInputPayload } from "../../lambdas/shared/contracts";
import { EXECUTION_ARN, prodRuntimeConfig, RUN, recordingLogger } from "./support";

const config = prodRuntimeConfig();
const execution = { name: "finance-risk-2026-12-03", arn: EXECUTION_ARN, startTime: "2026-12-03T02:00:00.123Z" };
const payload = (input: unknown): CheckRunInputPayload => ({ input, execution });

function rejection(input: unknown): InvalidRunInputError {
  try {
    checkRunInput(config, payload(input));
  } catch (err) {
    return err as InvalidRunInputError;
  }
  throw new Error(`checkRunInput accepted ${JSON.stringify(input)}`);
}

it("turns a valid input into the RunContext with the datasets and the Glue run arguments", () => {
  expect(checkRunInput(config, payload({ pipeline: "finance-risk", runDate: "2026-12-03", trigger: "upload" }))).toEqual(RUN);
});

it("defaults the trigger to manual", () => {
  expect(checkRunInput(config, payload({ pipeline: "finance-risk", runDate: "2026-12-03" })).trigger).toBe("manual");
});

it.each([
  ["an unknown pipeline", { pipeline: "credit-risk", runDate: "2026-12-03" }, 'field "pipeline": got "credit-risk"; allowed: finance-risk'],
  ["a missing pipeline", { runDate: "2026-12-03" }, 'field "pipeline": got nothing; allowed: finance-risk'],
  ["an impossible date", { pipeline: "finance-risk", runDate: "2026-02-30" }, 'field "runDate": got "2026-02-30"; allowed: a calendar date YYYY-MM-DD'],
  ["a date with a time", { pipeline: "finance-risk", runDate: "2026-12-03T00:00:00Z" }, 'field "runDate": got "2026-12-03T00:00:00Z"'],
  [
    "an unknown trigger",
    { pipeline: "finance-risk", runDate: "2026-12-03", trigger: "cron" },
    'field "trigger": got "cron"; allowed: upload | schedule | rerun | smoke | manual',
  ],
  ["a non-object input", "finance-risk 2026-12-03", 'got "finance-risk 2026-12-03"; expected an object'],
])("rejects %s as InvalidRunInput naming the field, the value and what is allowed", (_what, input, message) => {
  const err = rejection(input);
  expect(err).toBeInstanceOf(InvalidRunInputError);
  expect(err.name).toBe("InvalidRunInput");
  expect(err.message).toContain(message);
});

it("the handler returns the RunContext and lets InvalidRunInput through for the state machine's Catch", async () => {
  const logger = recordingLogger();
  const handle = createCheckRunInputHandler({ config, logger });
  await expect(handle(payload({ pipeline: "finance-risk", runDate: "2026-12-03", trigger: "smoke" }))).resolves.toMatchObject({ trigger: "smoke" });
  expect(logger.entries).toContainEqual(expect.objectContaining({ message: "Run input accepted" }));
  await expect(handle(payload({ pipeline: "finance-risk", runDate: "2026-13-01" }))).rejects.toMatchObject({ name: "InvalidRunInput" });
});

it("the deployed entry point reads RUNTIME_CONFIG once and serves from it", async () => {
  const saved = process.env.RUNTIME_CONFIG;
  process.env.RUNTIME_CONFIG = JSON.stringify(config);
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
  try {
    let handler!: (event: unknown) => Promise<unknown>;
    jest.isolateModules(() => {
      ({ handler } = require("../../lambdas/check-run-input/handler"));
    });
    await expect(handler(payload({ pipeline: "finance-risk", runDate: "2026-12-03" }))).resolves.toMatchObject({ pipeline: "finance-risk" });
    process.env.RUNTIME_CONFIG = "{}";
    await expect(handler(payload({ pipeline: "finance-risk", runDate: "2026-12-04" }))).resolves.toMatchObject({ runDate: "2026-12-04" });
  } finally {
    process.env.RUNTIME_CONFIG = saved;
  }
});
