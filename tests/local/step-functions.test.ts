import {
  DeleteStateMachineCommand,
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  GetExecutionHistoryCommand,
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  TaskTimedOut,
} from "@aws-sdk/client-sfn";
import { LocalStepFunctions, type StateProgress } from "../../local/step-functions";
import type { StateMachineDefinition } from "../../stacks/orchestration/asl";

/** A small machine: context facts, a callback task, a task whose result replaces the document, the end. */
function definition(callbackTimeoutSeconds: number): StateMachineDefinition {
  return {
    StartAt: "Prepare",
    States: {
      Prepare: {
        Type: "Pass",
        Parameters: { "name.$": "$$.Execution.Name", "id.$": "$$.Execution.Id", "machine.$": "$$.StateMachine.Name", "input.$": "$$.Execution.Input" },
        ResultPath: "$.context",
        Next: "Wait",
      },
      Wait: {
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
        Parameters: { FunctionName: "arn:aws:lambda:us-east-1:000000000000:function:wait", Payload: { "token.$": "$$.Task.Token" } },
        TimeoutSeconds: callbackTimeoutSeconds,
        ResultPath: "$.callback",
        Next: "Replace",
      },
      Replace: {
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke",
        Parameters: { FunctionName: "arn:aws:lambda:us-east-1:000000000000:function:replace", "Payload.$": "$" },
        ResultSelector: { "document.$": "$.Payload" },
        ResultPath: "$",
        TimeoutSeconds: 5,
        End: true,
      },
    },
  };
}

interface Machine {
  sfn: LocalStepFunctions;
  arn: string;
  /** Resolves with the token once the callback task waits for it, per execution name. */
  token(name: string): Promise<string>;
}

function machine(callbackTimeoutSeconds = 5): Machine {
  const sfn = new LocalStepFunctions();
  const waiting = new Map<string, { promise: Promise<string>; resolve: (token: string) => void }>();
  const slot = (name: string) => {
    let entry = waiting.get(name);
    if (entry === undefined) {
      let resolve!: (token: string) => void;
      const promise = new Promise<string>((r) => {
        resolve = r;
      });
      entry = { promise, resolve };
      waiting.set(name, entry);
    }
    return entry;
  };
  const arn = sfn.createStateMachine("daily", definition(callbackTimeoutSeconds), {
    Wait: (input) => {
      const token = (input as { Payload: { token: string } }).Payload.token;
      const callback = sfn.waitForTaskToken(token);
      slot(token.split(".").at(-1) as string).resolve(token);
      return callback;
    },
    Replace: (input) => ({ Payload: { replaced: true, had: Object.keys((input as { Payload: object }).Payload).sort() } }),
  });
  return { sfn, arn, token: (name) => slot(name).promise };
}

const start = (m: Machine, name: string, input: object = { runDate: "2025-01-01" }) =>
  m.sfn.send(new StartExecutionCommand({ stateMachineArn: m.arn, name, input: JSON.stringify(input) }));
const succeed = (m: Machine, token: string, output: object = { ok: true }) =>
  m.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));

let machines: Machine[] = [];
function tracked(m: Machine): Machine {
  machines.push(m);
  return m;
}
afterEach(async () => {
  await Promise.all(machines.map((m) => m.sfn.shutdown()));
  machines = [];
});

describe("LocalStepFunctions", () => {
  it("names executions with AWS-shaped ARNs and returns the running execution for the same name and input", async () => {
    const m = tracked(machine());
    const first = await start(m, "day-1");
    const again = await start(m, "day-1");
    expect(first.executionArn).toBe("arn:aws:states:us-east-1:000000000000:execution:daily:day-1");
    expect(again).toEqual(first);
    await expect(start(m, "day-1", { runDate: "2025-01-02" })).rejects.toBeInstanceOf(ExecutionAlreadyExists);
  });

  it("refuses to reuse the name of a finished execution, even with the same input", async () => {
    const m = tracked(machine());
    const { executionArn } = await start(m, "day-2");
    await succeed(m, await m.token("day-2"));
    await m.sfn.waitForExecution(executionArn as string);
    const error = await start(m, "day-2").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecutionAlreadyExists);
    expect((error as Error).name).toBe("ExecutionAlreadyExists");
  });

  it("refuses an unknown state machine", async () => {
    const m = tracked(machine());
    await expect(m.sfn.send(new StartExecutionCommand({ stateMachineArn: `${m.arn}-nope`, name: "x" }))).rejects.toBeInstanceOf(StateMachineDoesNotExist);
  });

  it("gives each execution the context object facts and its own task token", async () => {
    const m = tracked(machine());
    const a = await start(m, "ctx-a", { runDate: "2025-01-03" });
    await start(m, "ctx-b");
    const [tokenA, tokenB] = await Promise.all([m.token("ctx-a"), m.token("ctx-b")]);
    expect(tokenA).not.toBe(tokenB);
    await succeed(m, tokenA, { released: "a" });
    const result = await m.sfn.waitForExecution(a.executionArn as string);
    expect(result.status).toBe("SUCCEEDED");
    // ResultPath "$" replaced the whole document with the task's result, as on AWS.
    expect(JSON.parse(result.output as string)).toEqual({ document: { replaced: true, had: ["callback", "context", "runDate"] } });
    const history = m.sfn.executionHistory(a.executionArn as string);
    const prepared = history.find((e) => e.type === "PassStateExited")?.stateExitedEventDetails?.output as string;
    expect(JSON.parse(prepared).context).toEqual({ name: "ctx-a", id: a.executionArn, machine: "daily", input: { runDate: "2025-01-03" } });
  });

  it("completes a callback once: a second SendTaskSuccess is TaskTimedOut, an unknown token InvalidToken", async () => {
    const m = tracked(machine());
    const { executionArn } = await start(m, "once");
    const token = await m.token("once");
    await succeed(m, token);
    await expect(succeed(m, token)).rejects.toBeInstanceOf(TaskTimedOut);
    await expect(succeed(m, "no-such-token")).rejects.toBeInstanceOf(InvalidToken);
    expect((await m.sfn.waitForExecution(executionArn as string)).status).toBe("SUCCEEDED");
  });

  it("fails the callback task with the error and cause of SendTaskFailure", async () => {
    const m = tracked(machine());
    const { executionArn } = await start(m, "refused");
    await m.sfn.send(new SendTaskFailureCommand({ taskToken: await m.token("refused"), error: "DatasetRejected", cause: "trades is empty" }));
    const result = await m.sfn.waitForExecution(executionArn as string);
    expect(result).toMatchObject({ status: "FAILED", error: "DatasetRejected", cause: "trades is empty" });
  });

  it("times the callback out at its TimeoutSeconds and then answers a late SendTaskSuccess with TaskTimedOut", async () => {
    const m = tracked(machine(1));
    const { executionArn } = await start(m, "late");
    const token = await m.token("late");
    const result = await m.sfn.waitForExecution(executionArn as string);
    expect(result).toMatchObject({ status: "FAILED", error: "States.Timeout" });
    await expect(succeed(m, token)).rejects.toBeInstanceOf(TaskTimedOut);
    expect(
      m.sfn.executionHistory(executionArn as string).some((e) => e.type === "TaskTimedOut" && e.taskTimedOutEventDetails?.error === "States.Timeout"),
    ).toBe(true);
  });

  it("describes executions and pages their history like the API", async () => {
    const m = tracked(machine());
    const { executionArn } = await start(m, "described");
    const running = await m.sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(running).toMatchObject({ executionArn, name: "described", status: "RUNNING", stateMachineArn: m.arn, input: '{"runDate":"2025-01-01"}' });
    await succeed(m, await m.token("described"));
    await m.sfn.waitForExecution(executionArn as string);
    expect(await m.sfn.send(new DescribeExecutionCommand({ executionArn }))).toMatchObject({ status: "SUCCEEDED", stopDate: expect.any(Date) });

    const all = m.sfn.executionHistory(executionArn as string);
    const pages = [];
    let nextToken: string | undefined;
    do {
      const page = await m.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 4, nextToken }));
      pages.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(pages).toEqual(all);
    const reversed = await m.sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true }));
    expect(reversed.events?.[0].type).toBe("ExecutionSucceeded");
    expect(all.map((e) => e.id)).toEqual(all.map((_, i) => i + 1));
  });

  it("reports state progress to observers until they stop observing", async () => {
    const m = tracked(machine());
    const seen: StateProgress[] = [];
    const stop = m.sfn.on("state", (event) => seen.push(event));
    const { executionArn } = await start(m, "observed");
    await succeed(m, await m.token("observed"));
    await m.sfn.waitForExecution(executionArn as string);
    stop();
    expect(seen.map((e) => `${e.phase}:${e.state}`)).toEqual([
      "entered:Prepare",
      "exited:Prepare",
      "entered:Wait",
      "exited:Wait",
      "entered:Replace",
      "exited:Replace",
    ]);
    expect(seen.every((e) => e.executionName === "observed" && e.stateMachineName === "daily")).toBe(true);
    const before = seen.length;
    await start(m, "unobserved");
    await m.token("unobserved");
    expect(seen).toHaveLength(before);
  });

  it("stops a running execution", async () => {
    const m = tracked(machine());
    const { executionArn } = await start(m, "stopped");
    const token = await m.token("stopped");
    await m.sfn.send(new StopExecutionCommand({ executionArn, error: "Operator", cause: "test" }));
    expect(await m.sfn.waitForExecution(executionArn as string)).toMatchObject({ status: "ABORTED" });
    await expect(succeed(m, token)).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it("refuses a state machine with a Task state that has no handler, and commands it does not serve", async () => {
    const sfn = new LocalStepFunctions();
    expect(() => sfn.createStateMachine("broken", definition(5), { Wait: () => ({}) })).toThrow("no local handler for Task state(s) Replace");
    await expect(sfn.send(new DeleteStateMachineCommand({ stateMachineArn: "x" }) as never)).rejects.toThrow(
      "DeleteStateMachineCommand is not supported locally",
    );
  });
});
