/** Reruns at the SDK boundary (RedriveExecution and StartExecution cannot run on AWS here): exact requests, and the plan. */
import { DescribeExecutionCommand, ExecutionDoesNotExist, RedriveExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-jest";
import { type DayExecution, executeRerun, findDayExecutions, planRerun } from "../../scripts/lib/rerun";
import { parseRerunArgs } from "../../scripts/rerun";
import { executionArn, STATE_MACHINE_ARN } from "./support";

const sfnMock = mockClient(SFNClient);
beforeEach(() => sfnMock.reset());

const DATE = "2026-12-03";
const notFound = () => new ExecutionDoesNotExist({ message: "Execution Does Not Exist", $metadata: { httpStatusCode: 400 } });

function day(...statuses: DayExecution["status"][]): DayExecution[] {
  return statuses.map((status, attempt) => {
    const name = attempt === 0 ? `finance-risk-${DATE}` : `finance-risk-${DATE}-rerun-${attempt}`;
    return { attempt, name, arn: executionArn(name), status };
  });
}

describe("findDayExecutions", () => {
  it("describes the daily execution, then -rerun-1, -rerun-2, ... until one does not exist", async () => {
    sfnMock
      .on(DescribeExecutionCommand, { executionArn: executionArn(`finance-risk-${DATE}`) })
      .resolves({ status: "FAILED", redriveStatus: "REDRIVABLE", redriveCount: 0 });
    sfnMock
      .on(DescribeExecutionCommand, { executionArn: executionArn(`finance-risk-${DATE}-rerun-1`) })
      .resolves({ status: "FAILED", redriveStatus: "REDRIVABLE", redriveCount: 1 });
    sfnMock.on(DescribeExecutionCommand, { executionArn: executionArn(`finance-risk-${DATE}-rerun-2`) }).rejects(notFound());
    const found = await findDayExecutions(new SFNClient({ region: "us-east-1" }), STATE_MACHINE_ARN, "finance-risk", DATE);
    expect(found.map((e) => [e.attempt, e.name, e.status, e.redriveCount])).toEqual([
      [0, `finance-risk-${DATE}`, "FAILED", 0],
      [1, `finance-risk-${DATE}-rerun-1`, "FAILED", 1],
    ]);
    expect(sfnMock.commandCalls(DescribeExecutionCommand).map((c) => c.args[0].input.executionArn)).toEqual([
      executionArn(`finance-risk-${DATE}`),
      executionArn(`finance-risk-${DATE}-rerun-1`),
      executionArn(`finance-risk-${DATE}-rerun-2`),
    ]);
  });

  it("looks on past a daily execution that never started", async () => {
    sfnMock.on(DescribeExecutionCommand).rejects(notFound());
    sfnMock.on(DescribeExecutionCommand, { executionArn: executionArn(`finance-risk-${DATE}-rerun-1`) }).resolves({ status: "SUCCEEDED" });
    const found = await findDayExecutions(new SFNClient({ region: "us-east-1" }), STATE_MACHINE_ARN, "finance-risk", DATE);
    expect(found.map((e) => e.name)).toEqual([`finance-risk-${DATE}-rerun-1`]);
  });

  it("passes on errors other than ExecutionDoesNotExist", async () => {
    sfnMock
      .on(DescribeExecutionCommand)
      .rejects(Object.assign(new Error("User is not authorized to perform: states:DescribeExecution"), { name: "AccessDeniedException" }));
    await expect(findDayExecutions(new SFNClient({ region: "us-east-1" }), STATE_MACHINE_ARN, "finance-risk", DATE)).rejects.toThrow("not authorized");
  });
});

describe("planRerun", () => {
  it("redrives the latest failed, timed-out or aborted execution", () => {
    for (const status of ["FAILED", "TIMED_OUT", "ABORTED"] as const) {
      const plan = planRerun("redrive", "finance-risk", DATE, day("FAILED", status));
      expect(plan).toEqual({ action: "redrive", execution: expect.objectContaining({ name: `finance-risk-${DATE}-rerun-1` }) });
    }
  });

  it("restarts with the next free attempt number and a rerun trigger", () => {
    expect(planRerun("restart", "finance-risk", DATE, day("FAILED", "FAILED"))).toEqual({
      action: "start",
      attempt: 2,
      name: `finance-risk-${DATE}-rerun-2`,
      input: { pipeline: "finance-risk", runDate: DATE, trigger: "rerun" },
    });
    expect(planRerun("restart", "finance-risk", DATE, [])).toMatchObject({ action: "start", name: `finance-risk-${DATE}-rerun-1` });
  });

  it("refuses while any execution of the day runs, so only one join writes the date", () => {
    for (const mode of ["redrive", "restart"] as const) {
      const plan = planRerun(mode, "finance-risk", DATE, day("FAILED", "RUNNING"));
      expect(plan).toMatchObject({ action: "refuse", reason: expect.stringContaining(`finance-risk-${DATE}-rerun-1 is RUNNING`) });
    }
  });

  it("refuses to redrive a day that succeeded, has no execution, or is not redrivable, and says what to do", () => {
    expect(planRerun("redrive", "finance-risk", DATE, day("FAILED", "SUCCEEDED"))).toMatchObject({
      action: "refuse",
      reason: expect.stringContaining("use --mode restart"),
    });
    expect(planRerun("redrive", "finance-risk", DATE, [])).toMatchObject({ action: "refuse", reason: expect.stringContaining("nothing to redrive") });
    const expired = [{ ...day("FAILED")[0], redriveStatus: "NOT_REDRIVABLE", redriveStatusReason: "Execution is older than 14 days" } as DayExecution];
    expect(planRerun("redrive", "finance-risk", DATE, expired)).toMatchObject({ action: "refuse", reason: expect.stringContaining("older than 14 days") });
  });
});

describe("executeRerun", () => {
  const sfn = () => new SFNClient({ region: "us-east-1" });

  it("sends RedriveExecution for the failed execution and follows the next redrive", async () => {
    sfnMock.on(RedriveExecutionCommand).resolves({ redriveDate: new Date("2026-12-03T09:00:00Z") });
    const execution = { ...(day("FAILED")[0] as DayExecution), redriveCount: 1 };
    const result = await executeRerun(sfn(), STATE_MACHINE_ARN, { action: "redrive", execution });
    expect(sfnMock).toHaveReceivedCommandTimes(RedriveExecutionCommand, 1);
    expect(sfnMock).toHaveReceivedCommandWith(RedriveExecutionCommand, { executionArn: executionArn(`finance-risk-${DATE}`) });
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 0);
    expect(result).toEqual({ executionArn: executionArn(`finance-risk-${DATE}`), name: `finance-risk-${DATE}`, minRedriveCount: 2 });
  });

  it("sends StartExecution with the rerun's name and input", async () => {
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: executionArn(`finance-risk-${DATE}-rerun-3`), startDate: new Date() });
    const plan = planRerun("restart", "finance-risk", DATE, day("FAILED", "FAILED", "FAILED"));
    const result = await executeRerun(sfn(), STATE_MACHINE_ARN, plan);
    const calls = sfnMock.commandCalls(StartExecutionCommand);
    expect(calls.map((c) => c.args[0].input)).toEqual([
      {
        stateMachineArn: STATE_MACHINE_ARN,
        name: `finance-risk-${DATE}-rerun-3`,
        input: JSON.stringify({ pipeline: "finance-risk", runDate: DATE, trigger: "rerun" }),
      },
    ]);
    expect(result.name).toBe(`finance-risk-${DATE}-rerun-3`);
    expect(sfnMock).toHaveReceivedCommandTimes(RedriveExecutionCommand, 0);
  });

  it("throws the reason of a refused plan without calling Step Functions", async () => {
    await expect(executeRerun(sfn(), STATE_MACHINE_ARN, { action: "refuse", reason: "because" })).rejects.toThrow("because");
    expect(sfnMock.calls()).toHaveLength(0);
  });
});

describe("parseRerunArgs (npm run rerun -- ...)", () => {
  it("reads the command every failure summary prints", () => {
    expect(parseRerunArgs(["--env", "prod", "--pipeline", "finance-risk", "--date", DATE, "--mode", "redrive"])).toMatchObject({
      local: false,
      env: "prod",
      pipeline: "finance-risk",
      runDate: DATE,
      mode: "redrive",
    });
  });

  it("names the wrong flag, the value and what is allowed", () => {
    expect(() => parseRerunArgs(["--env", "prod", "--pipeline", "finance-risk", "--date", "2026-02-30", "--mode", "restart"])).toThrow(
      '--date: got "2026-02-30"; expected a calendar date YYYY-MM-DD',
    );
    expect(() => parseRerunArgs(["--env", "prod", "--pipeline", "finance-risk", "--date", DATE, "--mode", "again"])).toThrow(
      '--mode: got "again"; allowed: redrive | restart',
    );
    expect(() => parseRerunArgs(["--pipeline", "finance-risk", "--date", DATE, "--mode", "restart"])).toThrow("--env is required unless --local is given");
  });
});
