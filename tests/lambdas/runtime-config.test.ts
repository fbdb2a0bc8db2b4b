import { projectConfig } from "../../config";
import { buildRuntimeConfig, parseRuntimeConfig, RuntimeConfigError, stateMachineArnFromName } from "../../lambdas/shared/runtime-config";
import { prodRuntimeConfig } from "./support";

it("buildRuntimeConfig takes the environment's pipelines with their schedule defaults, and round-trips through parseRuntimeConfig", () => {
  const config = prodRuntimeConfig();
  expect(config.consoleBaseUrl).toBe("https://us-east-1.console.aws.amazon.com");
  expect(config.pipelines["finance-risk"]).toEqual({
    stateMachineArn: "arn:aws:states:us-east-1:222222222222:stateMachine:detl-prod-finance-risk",
    datasets: ["trades", "market_prices", "fx_rates"],
    outputs: ["trade_exposures", "trade_exceptions"],
    deadlineSeconds: 21600,
    rowBalance: [{ input: "trades", outputs: ["trade_exposures", "trade_exceptions"] }],
    schedule: { timezone: "UTC", runDateOffsetDays: 0 },
  });
  expect(parseRuntimeConfig(JSON.stringify(config))).toEqual(config);
});

it("buildRuntimeConfig names state machines through the given function", () => {
  const dev = projectConfig.environments[0];
  const config = buildRuntimeConfig({
    environment: dev,
    landingBucket: "l",
    resultsBucket: "r",
    controlBucket: "c",
    alertTopicArn: "t",
    consoleBaseUrl: "local",
    stateMachineArn: (p) => stateMachineArnFromName(dev.region, dev.accountId, `${dev.namePrefix}-${p}`),
  });
  expect(config.pipelines["finance-risk"].stateMachineArn).toBe("arn:aws:states:us-east-1:111111111111:stateMachine:detl-dev-finance-risk");
  expect(config.pipelines["finance-risk"].deadlineSeconds).toBe(3600);
  expect(config.consoleBaseUrl).toBe("local");
});

describe("parseRuntimeConfig", () => {
  const valid = prodRuntimeConfig();
  const withPipeline = (patch: Record<string, unknown>) =>
    JSON.stringify({ ...valid, pipelines: { "finance-risk": { ...valid.pipelines["finance-risk"], ...patch } } });

  it.each([
    ["absent", undefined, "RUNTIME_CONFIG: the environment variable is missing or empty"],
    ["blank", "  ", "RUNTIME_CONFIG: the environment variable is missing or empty"],
    ["not JSON", "{", "RUNTIME_CONFIG: not valid JSON"],
    ["an array", "[]", "RUNTIME_CONFIG: got []; expected a JSON object"],
    ["without pipelines", JSON.stringify({ ...valid, pipelines: {} }), "RUNTIME_CONFIG: pipelines: got {}; expected an object with at least one pipeline"],
    ["without an alert topic", JSON.stringify({ ...valid, alertTopicArn: undefined }), "RUNTIME_CONFIG: config.alertTopicArn: got nothing"],
    ["with no datasets", withPipeline({ datasets: [] }), "pipelines.finance-risk.datasets: got []; expected a non-empty list of names"],
    ["with a fractional deadline", withPipeline({ deadlineSeconds: 1.5 }), "pipelines.finance-risk.deadlineSeconds: got 1.5"],
    ["with an unknown time zone", withPipeline({ schedule: { timezone: "Mars/Olympus", runDateOffsetDays: 0 } }), 'schedule.timezone: got "Mars/Olympus"'],
    [
      "with a row balance on an unknown output",
      withPipeline({ rowBalance: [{ input: "trades", outputs: ["trade_exposures", "nope"] }] }),
      'rowBalance[0].outputs: got "nope"; expected one of trade_exposures | trade_exceptions',
    ],
  ])("rejects a value that is %s, naming RUNTIME_CONFIG and the problem", (_what, raw, message) => {
    expect(() => parseRuntimeConfig(raw)).toThrow(RuntimeConfigError);
    expect(() => parseRuntimeConfig(raw)).toThrow(message);
  });
});
