/**
 * The local Step Functions service over HTTP (local/sfn-http.ts), driven by a real SFNClient: the
 * AWS JSON 1.0 protocol end to end, with timestamps, paging, error types and the operations that
 * cannot run locally.
 */
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  RedriveExecutionCommand,
  SendTaskSuccessCommand,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { type SfnHttpServer, serveStepFunctions, toWire } from "../../local/sfn-http";
import { LocalStepFunctions } from "../../local/step-functions";
import type { StateMachineDefinition } from "../../stacks/orchestration/asl";

const DEFINITION: StateMachineDefinition = {
  StartAt: "Wait",
  States: {
    Wait: {
      Type: "Task",
      Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
      Parameters: { FunctionName: "arn:aws:lambda:us-east-1:000000000000:function:wait", Payload: { "token.$": "$$.Task.Token", "input.$": "$" } },
      TimeoutSeconds: 10,
      ResultPath: "$.callback",
      Next: "Work",
    },
    Work: {
      Type: "Task",
      Resource: "arn:aws:states:::lambda:invoke",
      Parameters: { FunctionName: "arn:aws:lambda:us-east-1:000000000000:function:work", "Payload.$": "$" },
      TimeoutSeconds: 5,
      End: true,
    },
  },
};

let sfn: LocalStepFunctions;
let server: SfnHttpServer;
let client: SFNClient;
let machineArn: string;
const tokens = new Map<string, string>();

beforeEach(async () => {
  sfn = new LocalStepFunctions();
  machineArn = sfn.createStateMachine("daily", DEFINITION, {
    Wait: (input) => {
      const { token } = (input as { Payload: { token: string } }).Payload;
      const callback = sfn.waitForTaskToken(token);
      tokens.set(token.split(".").at(-1) as string, token);
      return callback;
    },
    Work: (input) => {
      const doc = (input as { Payload: { fail?: boolean } }).Payload;
      if (doc.fail) throw Object.assign(new Error("the work failed on purpose"), { name: "WorkFailed" });
      return { Payload: { done: true } };
    },
  });
  server = await serveStepFunctions(sfn);
  client = new SFNClient({ endpoint: server.endpoint, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" }, maxAttempts: 1 });
});

afterEach(async () => {
  client.destroy();
  await server.stop();
  await sfn.shutdown();
  tokens.clear();
});

async function tokenOf(name: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const token = tokens.get(name);
    if (token !== undefined) return token;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no task token for ${name}`);
}

async function finished(executionArn: string) {
  for (let i = 0; i < 500; i++) {
    const d = await client.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== "RUNNING") return d;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${executionArn} did not finish`);
}

describe("serveStepFunctions with a real SFNClient", () => {
  it("starts, releases and describes an execution; timestamps arrive as Dates", async () => {
    const before = Date.now();
    const started = await client.send(new StartExecutionCommand({ stateMachineArn: machineArn, name: "day-1", input: JSON.stringify({ fail: false }) }));
    expect(started.executionArn).toBe("arn:aws:states:us-east-1:000000000000:execution:daily:day-1");
    expect(started.startDate).toBeInstanceOf(Date);
    expect(Math.abs((started.startDate as Date).getTime() - before)).toBeLessThan(5000);

    await client.send(new SendTaskSuccessCommand({ taskToken: await tokenOf("day-1"), output: JSON.stringify({ arrived: true }) }));
    const described = await finished(started.executionArn as string);
    expect(described).toMatchObject({ status: "SUCCEEDED", name: "day-1", stateMachineArn: machineArn, input: JSON.stringify({ fail: false }) });
    expect(described.stopDate).toBeInstanceOf(Date);
    expect(JSON.parse(described.output as string)).toMatchObject({ Payload: { done: true } });
  });

  it("pages the history and keeps its event types, ids and Date timestamps", async () => {
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn: machineArn, name: "day-2", input: JSON.stringify({ fail: true }) }),
    );
    await client.send(new SendTaskSuccessCommand({ taskToken: await tokenOf("day-2"), output: "{}" }));
    await finished(executionArn as string);
    const first = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 3 }));
    expect(first.events).toHaveLength(3);
    expect(first.nextToken).toBeDefined();
    const rest = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken: first.nextToken }));
    const events = [...(first.events ?? []), ...(rest.events ?? [])];
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]?.type).toBe("ExecutionStarted");
    expect(events.every((e) => e.timestamp instanceof Date)).toBe(true);
    const failed = events.find((e) => e.type === "TaskFailed");
    expect(failed?.taskFailedEventDetails).toMatchObject({ error: "WorkFailed", cause: expect.stringContaining("the work failed on purpose") });
    expect(events.at(-1)?.type).toBe("ExecutionFailed");
  });

  it("lists executions by status and stops a running one", async () => {
    const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: machineArn, name: "day-3", input: "{}" }));
    await tokenOf("day-3");
    const running = await client.send(new ListExecutionsCommand({ stateMachineArn: machineArn, statusFilter: "RUNNING" }));
    expect(running.executions?.map((e) => e.name)).toEqual(["day-3"]);
    const stopped = await client.send(new StopExecutionCommand({ executionArn, error: "Operator", cause: "stopped in a test" }));
    expect(stopped.stopDate).toBeInstanceOf(Date);
    const aborted = await client.send(new ListExecutionsCommand({ stateMachineArn: machineArn, statusFilter: "ABORTED" }));
    expect(aborted.executions).toEqual([
      expect.objectContaining({ name: "day-3", status: "ABORTED", startDate: expect.any(Date), stopDate: expect.any(Date) }),
    ]);
  });

  it("answers AWS error types as the SDK's exception classes", async () => {
    const missing = "arn:aws:states:us-east-1:000000000000:execution:daily:nope";
    await expect(client.send(new DescribeExecutionCommand({ executionArn: missing }))).rejects.toBeInstanceOf(ExecutionDoesNotExist);
    await expect(client.send(new StartExecutionCommand({ stateMachineArn: `${machineArn}-other`, name: "x", input: "{}" }))).rejects.toBeInstanceOf(
      StateMachineDoesNotExist,
    );
    await client.send(new StartExecutionCommand({ stateMachineArn: machineArn, name: "day-4", input: "{}" }));
    const conflict = client.send(new StartExecutionCommand({ stateMachineArn: machineArn, name: "day-4", input: '{"other":1}' }));
    await expect(conflict).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    await expect(conflict).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } });
  });

  it("says clearly that RedriveExecution cannot run locally", async () => {
    const error = await client.send(new RedriveExecutionCommand({ executionArn: "arn:aws:states:us-east-1:000000000000:execution:daily:any" })).then(
      () => undefined,
      (e: unknown) => e as SFNServiceException,
    );
    expect(error).toBeInstanceOf(SFNServiceException);
    expect(error?.name).toBe("UnsupportedOperation");
    expect(error?.message).toMatch(/RedriveExecution is not supported by the local Step Functions service.*--mode restart/);
  });

  it("describes the state machines the local service runs, with the definition it was given", async () => {
    const described = await client.send(new DescribeStateMachineCommand({ stateMachineArn: machineArn }));
    expect(JSON.parse(described.definition as string)).toEqual(DEFINITION);
    expect(described).toMatchObject({ name: "daily", type: "STANDARD", status: "ACTIVE", roleArn: "arn:aws:iam::000000000000:role/daily" });
    expect(described.creationDate).toBeInstanceOf(Date);
    const listed = await client.send(new ListStateMachinesCommand({}));
    expect(listed.stateMachines?.map((m) => m.stateMachineArn)).toEqual([machineArn]);
    await expect(client.send(new DescribeStateMachineCommand({ stateMachineArn: `${machineArn}-other` }))).rejects.toBeInstanceOf(StateMachineDoesNotExist);
  });
});

describe("toWire", () => {
  it("writes Dates as epoch seconds at any depth and drops $metadata", () => {
    const at = new Date("2026-12-03T02:00:00.250Z");
    expect(toWire({ $metadata: { httpStatusCode: 200 }, startDate: at, events: [{ timestamp: at, id: 1 }] })).toEqual({
      startDate: 1796263200.25,
      events: [{ timestamp: 1796263200.25, id: 1 }],
    });
  });
});
