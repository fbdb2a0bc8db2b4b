/**
 * An in-process Step Functions service around aws-local-stepfunctions. It runs the state machine
 * definition the stack synthesizes, with local task handlers keyed by state name, and answers the
 * Step Functions API calls the Lambda cores make (it is their `SfnPort`): StartExecution with AWS's
 * idempotency rules, the task-token callbacks, DescribeExecution and GetExecutionHistory.
 */
import "./polyfills";
import { randomBytes } from "node:crypto";
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeStateMachineCommand,
  type DescribeStateMachineCommandOutput,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  type ExecutionStatus,
  GetExecutionHistoryCommand,
  type GetExecutionHistoryCommandOutput,
  InvalidExecutionInput,
  InvalidName,
  InvalidOutput,
  InvalidToken,
  ListExecutionsCommand,
  type ListExecutionsCommandOutput,
  ListStateMachinesCommand,
  type ListStateMachinesCommandOutput,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  type StartExecutionCommandOutput,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  TaskTimedOut,
} from "@aws-sdk/client-sfn";
import { type StateMachineDefinition as LocalDefinition, type RunOptions, StateMachine } from "aws-local-stepfunctions";
import type { SfnPort } from "../lambdas/shared/ports";
import type { Catcher, State, StateMachineDefinition } from "../stacks/orchestration/asl";
import { type LocalEvent, toHistoryEvents } from "./history";

/** A local task: gets the state's effective input (after Parameters) and returns the raw task result (before ResultSelector). */
export type LocalTaskHandler = (input: unknown) => Promise<unknown> | unknown;
export type LocalTaskHandlers = Readonly<Record<string, LocalTaskHandler>>;

export interface LocalStepFunctionsOptions {
  /** Default: "us-east-1". */
  readonly region?: string;
  /** Default: "000000000000", the account local emulators use. */
  readonly accountId?: string;
}

export interface CreateStateMachineOptions {
  /** Milliseconds to wait before each retry, by state name, instead of IntervalSeconds with backoff (keeps tests fast). Default: the definition's Retry. */
  readonly retryIntervalOverrides?: Readonly<Record<string, number | readonly number[]>>;
  /** Role shown in the context object and the history. Default: a role named after the state machine in the local account. */
  readonly roleArn?: string;
}

/** One step of an execution, for progress output. */
export interface StateProgress {
  readonly executionArn: string;
  readonly executionName: string;
  readonly stateMachineName: string;
  readonly phase: "entered" | "exited" | "failed" | "retried" | "caught";
  readonly state: string;
  readonly stateType: string;
  readonly error?: string;
  readonly cause?: string;
  readonly timestamp: Date;
}

export interface ExecutionSummary {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: ExecutionStatus;
  readonly startDate: Date;
  readonly stopDate?: Date;
  readonly input: string;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
}

export type ExecutionProgress = Pick<ExecutionSummary, "executionArn" | "name" | "status" | "error" | "cause">;

interface Listeners {
  state: (event: StateProgress) => void;
  execution: (event: ExecutionProgress) => void;
}

interface LocalMachine {
  readonly name: string;
  readonly arn: string;
  readonly roleArn: string;
  readonly definition: StateMachineDefinition;
  /** The definition as given (what DescribeStateMachine shows: the deployed JSON). */
  readonly definitionText: string;
  readonly creationDate: Date;
  readonly runtime: StateMachine;
  readonly handlers: LocalTaskHandlers;
  readonly retryIntervalOverrides?: Readonly<Record<string, number | readonly number[]>>;
  readonly taskResources: Readonly<Record<string, string>>;
  readonly taskTimeouts: Readonly<Record<string, number>>;
}

/** A callback task waiting for SendTaskSuccess / SendTaskFailure. */
interface Waiter {
  readonly resolve: (output: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

interface LocalExecution {
  readonly arn: string;
  readonly name: string;
  readonly machine: LocalMachine;
  readonly input: string;
  readonly startDate: Date;
  readonly token: string;
  readonly events: LocalEvent[];
  status: ExecutionStatus;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  /** The callback state running now and when its timeout fires (TimeoutSeconds after it was entered). */
  callback?: { readonly state: string; readonly deadline: number };
  waiter?: Waiter;
  /** Every Task attempt's effective input and raw result, by state, for the history. */
  readonly attempts: Record<string, { parameters: unknown; result?: unknown }[]>;
  /** Whether a callback has been awaited with this token: a later send for it is TaskTimedOut, not InvalidToken, like AWS. */
  tokenUsed: boolean;
  abort?: () => void;
  done?: Promise<void>;
}

type RuntimeHandlers = NonNullable<NonNullable<RunOptions["overrides"]>["taskResourceLocalHandlers"]>;
type RuntimeHandler = RuntimeHandlers[string];
type RuntimeJson = Parameters<RuntimeHandler>[0];

/** AWS's default TimeoutSeconds for a Task is 99999999 s; aws-local-stepfunctions uses 60 s when it is absent, and so does this service. */
const LOCAL_DEFAULT_TASK_TIMEOUT_SECONDS = 60;
const TOKEN_CLOSE_MARGIN_MS = 5;
const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const HISTORY_PAGE_DEFAULT = 100;
const HISTORY_PAGE_MAX = 1000;

function sdkError<E extends Error>(Ctor: new (opts: { message: string; $metadata: object }) => E, message: string): E {
  return new Ctor({ message, $metadata: { httpStatusCode: 400 } });
}

function taskIndex(definition: StateMachineDefinition): { resources: Record<string, string>; timeouts: Record<string, number> } {
  const resources: Record<string, string> = {};
  const timeouts: Record<string, number> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type !== "Task") continue;
    resources[name] = state.Resource;
    timeouts[name] = state.TimeoutSeconds ?? LOCAL_DEFAULT_TASK_TIMEOUT_SECONDS;
  }
  return { resources, timeouts };
}

/**
 * aws-local-stepfunctions 3.0.0 stores a result under a key named "$" when ResultPath is "$",
 * where AWS replaces the whole input. "$" is also ResultPath's default, so dropping it keeps the
 * AWS meaning on both sides (states and catchers).
 */
function forLocalRuntime(definition: StateMachineDefinition): StateMachineDefinition {
  const states: Record<string, State> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    let copy: Record<string, unknown> = { ...state };
    if (copy.ResultPath === "$") delete copy.ResultPath;
    if (Array.isArray(copy.Catch)) {
      copy = { ...copy, Catch: (copy.Catch as Catcher[]).map(({ ResultPath, ...catcher }) => (ResultPath === "$" ? catcher : { ...catcher, ResultPath })) };
    }
    states[name] = copy as unknown as State;
  }
  return { ...definition, States: states };
}

function causeText(cause: unknown): string | undefined {
  if (cause === undefined || cause === null) return undefined;
  return typeof cause === "string" ? cause : JSON.stringify(cause);
}

export class LocalStepFunctions {
  readonly region: string;
  readonly accountId: string;
  private readonly machines = new Map<string, LocalMachine>();
  private readonly executions = new Map<string, LocalExecution>();
  private readonly byToken = new Map<string, LocalExecution>();
  private readonly listeners: { [K in keyof Listeners]: Set<Listeners[K]> } = { state: new Set(), execution: new Set() };

  constructor(options: LocalStepFunctionsOptions = {}) {
    this.region = options.region ?? "us-east-1";
    this.accountId = options.accountId ?? "000000000000";
  }

  /** arn:aws:states:<region>:<account>:stateMachine:<name> */
  stateMachineArn(name: string): string {
    return `arn:aws:states:${this.region}:${this.accountId}:stateMachine:${name}`;
  }

  /** arn:aws:states:<region>:<account>:execution:<stateMachine>:<name> */
  executionArn(stateMachineName: string, executionName: string): string {
    return `arn:aws:states:${this.region}:${this.accountId}:execution:${stateMachineName}:${executionName}`;
  }

  /**
   * Registers a state machine; returns its ARN. `definition` is the rendered JSON or the object.
   * Every Task state needs a handler, checked here so that a missing one fails now, not mid-run.
   */
  createStateMachine(name: string, definition: StateMachineDefinition | string, handlers: LocalTaskHandlers, options: CreateStateMachineOptions = {}): string {
    if (!EXECUTION_NAME.test(name))
      throw sdkError(InvalidName, `createStateMachine: state machine name ${JSON.stringify(name)} must be 1-80 letters, digits, - or _`);
    const arn = this.stateMachineArn(name);
    if (this.machines.has(arn)) throw new Error(`createStateMachine: a state machine named ${JSON.stringify(name)} already exists (${arn})`);
    // A JSON round trip, not structuredClone: under jest, structuredClone makes objects of another realm,
    // which aws-local-stepfunctions does not see as plain objects (nested Parameters templates stay unevaluated).
    const definitionText = typeof definition === "string" ? definition : JSON.stringify(definition);
    const parsed = forLocalRuntime(JSON.parse(definitionText));
    const { resources, timeouts } = taskIndex(parsed);
    const missing = Object.keys(resources).filter((state) => typeof handlers[state] !== "function");
    if (missing.length > 0) {
      throw new Error(
        `createStateMachine ${name}: no local handler for Task state(s) ${missing.join(", ")}; handlers given: ${Object.keys(handlers).join(", ") || "none"}`,
      );
    }
    // The definition carries real (or fake) ARNs that are never called locally, so ARN checks are off.
    const runtime = new StateMachine(parsed as unknown as LocalDefinition, { validationOptions: { checkArn: false } });
    this.machines.set(arn, {
      name,
      arn,
      roleArn: options.roleArn ?? `arn:aws:iam::${this.accountId}:role/${name}`,
      definition: parsed,
      definitionText,
      creationDate: new Date(),
      runtime,
      handlers,
      retryIntervalOverrides: options.retryIntervalOverrides,
      taskResources: resources,
      taskTimeouts: timeouts,
    });
    return arn;
  }

  /** Observes state transitions ("state") or execution starts and ends ("execution"); returns a function that stops observing. */
  on<K extends keyof Listeners>(event: K, listener: Listeners[K]): () => void {
    const set = this.listeners[event] as Set<Listeners[K]>;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** The Step Functions API subset the Lambda cores and scripts use; typed as the SDK client's `send`. */
  readonly send: SfnPort["send"] = ((command: unknown) => this.dispatch(command)) as SfnPort["send"];

  private async dispatch(command: unknown): Promise<unknown> {
    if (command instanceof StartExecutionCommand) return this.startExecution(command.input);
    if (command instanceof SendTaskSuccessCommand) return this.sendTaskSuccess(command.input.taskToken, command.input.output);
    if (command instanceof SendTaskFailureCommand) return this.sendTaskFailure(command.input.taskToken, command.input.error, command.input.cause);
    if (command instanceof SendTaskHeartbeatCommand) return this.sendTaskHeartbeat(command.input.taskToken);
    if (command instanceof DescribeExecutionCommand) return this.describeExecution(command.input.executionArn);
    if (command instanceof GetExecutionHistoryCommand) return this.getExecutionHistory(command.input);
    if (command instanceof ListExecutionsCommand) return this.listExecutionsCommand(command.input);
    if (command instanceof StopExecutionCommand) return this.stopExecution(command.input.executionArn, command.input.error, command.input.cause);
    if (command instanceof DescribeStateMachineCommand) return this.describeStateMachine(command.input.stateMachineArn);
    if (command instanceof ListStateMachinesCommand) return this.listStateMachines();
    const name = (command as { constructor?: { name?: string } } | null)?.constructor?.name ?? typeof command;
    throw new Error(
      `LocalStepFunctions: ${name} is not supported locally; supported: StartExecution, SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat, DescribeExecution, GetExecutionHistory, ListExecutions, StopExecution, DescribeStateMachine, ListStateMachines`,
    );
  }

  private startExecution(input: StartExecutionCommand["input"]): StartExecutionCommandOutput {
    const machine = this.machines.get(input.stateMachineArn ?? "");
    if (machine === undefined) {
      throw sdkError(
        StateMachineDoesNotExist,
        `State Machine Does Not Exist: '${input.stateMachineArn}' (local state machines: ${[...this.machines.keys()].join(", ") || "none"})`,
      );
    }
    const name = input.name ?? randomBytes(16).toString("hex");
    if (!EXECUTION_NAME.test(name)) throw sdkError(InvalidName, `Invalid Name: '${name}' (1-80 letters, digits, - or _)`);
    const rawInput = input.input ?? "{}";
    let parsedInput: unknown;
    try {
      parsedInput = JSON.parse(rawInput);
    } catch (err) {
      throw sdkError(InvalidExecutionInput, `Invalid State Machine Execution Input: '${(err as Error).message}'`);
    }
    const arn = this.executionArn(machine.name, name);
    const existing = this.executions.get(arn);
    if (existing !== undefined) {
      // https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html: the same name and
      // input while the execution is running returns the original response; anything else is ExecutionAlreadyExists.
      if (existing.status === "RUNNING" && existing.input === rawInput) return { executionArn: arn, startDate: existing.startDate, $metadata: {} };
      throw sdkError(ExecutionAlreadyExists, `Execution Already Exists: '${arn}'`);
    }
    const execution: LocalExecution = {
      arn,
      name,
      machine,
      input: rawInput,
      startDate: new Date(),
      token: `${randomBytes(24).toString("base64url")}.${name}`,
      events: [],
      attempts: {},
      status: "RUNNING",
      tokenUsed: false,
    };
    this.executions.set(arn, execution);
    this.byToken.set(execution.token, execution);
    this.run(execution, parsedInput);
    this.emit("execution", { executionArn: arn, name, status: "RUNNING" });
    return { executionArn: arn, startDate: execution.startDate, $metadata: {} };
  }

  private run(execution: LocalExecution, input: unknown): void {
    const { machine } = execution;
    const handlers: RuntimeHandlers = {};
    for (const [state, handler] of Object.entries(machine.handlers)) {
      const isCallback = machine.taskResources[state]?.endsWith(".waitForTaskToken") ?? false;
      handlers[state] = async (stateInput: RuntimeJson) => {
        // Set before the handler runs: aws-local-stepfunctions starts its own timeout right after calling it.
        // The token closes a few ms earlier than that timeout, so no SendTaskSuccess can slip in between
        // the two and succeed for a task that has timed out.
        if (isCallback) {
          const timeoutMs = (machine.taskTimeouts[state] ?? LOCAL_DEFAULT_TASK_TIMEOUT_SECONDS) * 1000;
          execution.callback = { state, deadline: Date.now() + timeoutMs - TOKEN_CLOSE_MARGIN_MS };
        }
        // Let the event log reader catch up first: on AWS the history holds every earlier event
        // before a task runs, and SummarizeFailure reads it to name the failed state.
        await new Promise<void>((resolve) => setImmediate(resolve));
        const attempt: { parameters: unknown; result?: unknown } = { parameters: stateInput };
        execution.attempts[state] ??= [];
        execution.attempts[state].push(attempt);
        try {
          attempt.result = await handler(stateInput);
          return attempt.result as RuntimeJson;
        } finally {
          if (isCallback) {
            execution.callback = undefined;
            this.closeWaiter(execution);
          }
        }
      };
    }
    const context = {
      Execution: {
        Id: execution.arn,
        Name: execution.name,
        StartTime: execution.startDate.toISOString(),
        Input: input as RuntimeJson,
        RoleArn: machine.roleArn,
      },
      StateMachine: { Id: machine.arn, Name: machine.name },
      Task: { Token: execution.token },
    };
    const running = machine.runtime.run(input as RuntimeJson, {
      overrides: {
        taskResourceLocalHandlers: handlers,
        retryIntervalOverrides: machine.retryIntervalOverrides as Record<string, number | number[]> | undefined,
      },
      context,
    });
    execution.abort = running.abort;
    const drained = (async () => {
      for await (const event of running.eventLogs) this.observe(execution, event as unknown as LocalEvent);
    })();
    const settled = running.result.then(
      (output) => ({ ok: true as const, output }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    execution.done = Promise.all([settled, drained]).then(([outcome]) => {
      // The event log normally decides the status (observe); this covers an execution that ended without its final event.
      if (execution.status === "RUNNING") {
        if (outcome.ok) this.finish(execution, "SUCCEEDED", { output: JSON.stringify(outcome.output) });
        else this.finish(execution, "FAILED", { error: (outcome.error as Error).name, cause: (outcome.error as Error).message });
      }
    });
  }

  private observe(execution: LocalExecution, event: LocalEvent): void {
    execution.events.push(event);
    const state = event.state;
    if (state !== undefined) {
      const phases: Record<string, StateProgress["phase"]> = {
        StateEntered: "entered",
        StateExited: "exited",
        StateFailed: "failed",
        StateRetried: "retried",
        StateCaught: "caught",
      };
      const phase = phases[event.type];
      if (phase !== undefined) {
        this.emit("state", {
          executionArn: execution.arn,
          executionName: execution.name,
          stateMachineName: execution.machine.name,
          phase,
          state: state.name,
          stateType: state.type,
          ...(event.Error === undefined ? {} : { error: event.Error, cause: causeText(event.Cause) }),
          timestamp: new Date(event.timestamp),
        });
      }
      return;
    }
    switch (event.type) {
      case "ExecutionSucceeded":
        this.finish(execution, "SUCCEEDED", { output: JSON.stringify(event.output ?? null) });
        break;
      case "ExecutionFailed":
        this.finish(execution, "FAILED", { error: event.Error, cause: causeText(event.Cause) });
        break;
      case "ExecutionAborted":
        this.finish(execution, "ABORTED", {});
        break;
      case "ExecutionTimeout":
        this.finish(execution, "TIMED_OUT", { error: "States.Timeout" });
        break;
      default:
        break;
    }
  }

  private finish(execution: LocalExecution, status: ExecutionStatus, result: { output?: string; error?: string; cause?: string }): void {
    if (execution.status !== "RUNNING") return;
    execution.status = status;
    execution.stopDate = new Date();
    execution.output = result.output;
    execution.error = result.error;
    execution.cause = result.cause;
    execution.tokenUsed = true;
    this.closeWaiter(execution);
    this.emit("execution", { executionArn: execution.arn, name: execution.name, status, error: result.error, cause: result.cause });
  }

  private emit<K extends keyof Listeners>(event: K, payload: Parameters<Listeners[K]>[0]): void {
    for (const listener of this.listeners[event]) {
      try {
        (listener as (p: typeof payload) => void)(payload);
      } catch (err) {
        // An observer (progress output) must never break an execution.
        console.error(`LocalStepFunctions: a "${event}" listener threw: ${(err as Error).message}`);
      }
    }
  }

  /**
   * Waits for SendTaskSuccess / SendTaskFailure on the token of a running callback task (the
   * handler of a `.waitForTaskToken` state calls this before it hands the token out). Rejects with
   * States.Timeout when the state's TimeoutSeconds passes; the token is then closed, so a late
   * SendTaskSuccess gets TaskTimedOut.
   */
  waitForTaskToken(token: string): Promise<unknown> {
    const execution = this.byToken.get(token);
    if (execution === undefined) return Promise.reject(sdkError(InvalidToken, `Invalid Token: '${token}' belongs to no local execution`));
    if (execution.status !== "RUNNING") return Promise.reject(sdkError(TaskTimedOut, `Task Timed Out: execution ${execution.arn} is ${execution.status}`));
    const callback = execution.callback;
    if (callback === undefined) {
      return Promise.reject(new Error(`waitForTaskToken: execution ${execution.arn} is not in a .waitForTaskToken state; call it from that state's handler`));
    }
    this.closeWaiter(execution);
    execution.tokenUsed = true;
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(
        () => {
          const error = new Error("States.Timeout");
          error.name = "States.Timeout";
          execution.waiter = undefined;
          reject(error);
        },
        Math.max(0, callback.deadline - Date.now()),
      );
      execution.waiter = { resolve, reject, timer };
    });
  }

  private closeWaiter(execution: LocalExecution): void {
    const waiter = execution.waiter;
    if (waiter === undefined) return;
    clearTimeout(waiter.timer);
    execution.waiter = undefined;
    waiter.reject(sdkError(TaskTimedOut, `Task Timed Out: the callback of ${execution.arn} was closed`));
  }

  private takeWaiter(token: string | undefined): Waiter {
    const execution = token === undefined ? undefined : this.byToken.get(token);
    if (execution === undefined) throw sdkError(InvalidToken, `Invalid Token: '${token}'`);
    const waiter = execution.waiter;
    if (waiter === undefined) {
      if (execution.tokenUsed) throw sdkError(TaskTimedOut, `Task Timed Out: '${token}' (the task of ${execution.arn} is closed)`);
      throw sdkError(InvalidToken, `Invalid Token: '${token}' (${execution.arn} has no task waiting for it yet)`);
    }
    clearTimeout(waiter.timer);
    execution.waiter = undefined;
    return waiter;
  }

  private sendTaskSuccess(token: string | undefined, output: string | undefined): { $metadata: object } {
    let parsed: unknown;
    try {
      parsed = JSON.parse(output ?? "");
    } catch (err) {
      throw sdkError(InvalidOutput, `Invalid Output: ${(err as Error).message}`);
    }
    this.takeWaiter(token).resolve(parsed);
    return { $metadata: {} };
  }

  private sendTaskFailure(token: string | undefined, error: string | undefined, cause: string | undefined): { $metadata: object } {
    const failure = new Error(cause ?? "");
    // AWS reports an empty error name when SendTaskFailure gives none.
    failure.name = error ?? "";
    this.takeWaiter(token).reject(failure);
    return { $metadata: {} };
  }

  private sendTaskHeartbeat(token: string | undefined): { $metadata: object } {
    const execution = token === undefined ? undefined : this.byToken.get(token);
    if (execution === undefined) throw sdkError(InvalidToken, `Invalid Token: '${token}'`);
    if (execution.waiter === undefined) throw sdkError(TaskTimedOut, `Task Timed Out: '${token}'`);
    return { $metadata: {} };
  }

  private getExecution(arn: string | undefined): LocalExecution {
    const execution = arn === undefined ? undefined : this.executions.get(arn);
    if (execution === undefined) throw sdkError(ExecutionDoesNotExist, `Execution Does Not Exist: '${arn}'`);
    return execution;
  }

  private summary(execution: LocalExecution): ExecutionSummary {
    return {
      executionArn: execution.arn,
      stateMachineArn: execution.machine.arn,
      name: execution.name,
      status: execution.status,
      startDate: execution.startDate,
      input: execution.input,
      ...(execution.stopDate === undefined ? {} : { stopDate: execution.stopDate }),
      ...(execution.output === undefined ? {} : { output: execution.output }),
      ...(execution.error === undefined ? {} : { error: execution.error }),
      ...(execution.cause === undefined ? {} : { cause: execution.cause }),
    };
  }

  private describeExecution(arn: string | undefined): DescribeExecutionCommandOutput {
    const s = this.summary(this.getExecution(arn));
    return { ...s, inputDetails: { included: true }, ...(s.output === undefined ? {} : { outputDetails: { included: true } }), $metadata: {} };
  }

  private getExecutionHistory(input: GetExecutionHistoryCommand["input"]): GetExecutionHistoryCommandOutput {
    const execution = this.getExecution(input.executionArn);
    const all = this.history(execution);
    const ordered = input.reverseOrder === true ? [...all].reverse() : all;
    const pageSize = Math.min(Math.max(input.maxResults || HISTORY_PAGE_DEFAULT, 1), HISTORY_PAGE_MAX);
    const start = input.nextToken === undefined ? 0 : Number.parseInt(input.nextToken, 10);
    if (!Number.isInteger(start) || start < 0 || start > ordered.length)
      throw new Error(`GetExecutionHistory: invalid nextToken ${JSON.stringify(input.nextToken)}`);
    const end = start + pageSize;
    return { events: ordered.slice(start, end), ...(end < ordered.length ? { nextToken: String(end) } : {}), $metadata: {} };
  }

  private history(execution: LocalExecution) {
    return toHistoryEvents(execution.events, {
      roleArn: execution.machine.roleArn,
      region: this.region,
      taskResources: execution.machine.taskResources,
      taskTimeouts: execution.machine.taskTimeouts,
      taskAttempts: execution.attempts,
    });
  }

  private listExecutionsCommand(input: ListExecutionsCommand["input"]): ListExecutionsCommandOutput {
    const executions = this.listExecutions()
      .filter((e) => input.stateMachineArn === undefined || e.stateMachineArn === input.stateMachineArn)
      .filter((e) => input.statusFilter === undefined || e.status === input.statusFilter)
      .map((e) => ({
        executionArn: e.executionArn,
        stateMachineArn: e.stateMachineArn,
        name: e.name,
        status: e.status,
        startDate: e.startDate,
        ...(e.stopDate === undefined ? {} : { stopDate: e.stopDate }),
      }));
    return { executions, $metadata: {} };
  }

  private stopExecution(arn: string | undefined, error: string | undefined, cause: string | undefined): { stopDate: Date; $metadata: object } {
    const execution = this.getExecution(arn);
    if (execution.status === "RUNNING") {
      this.finish(execution, "ABORTED", { error, cause });
      execution.abort?.();
    }
    return { stopDate: execution.stopDate ?? new Date(), $metadata: {} };
  }

  private describeStateMachine(arn: string | undefined): DescribeStateMachineCommandOutput {
    const machine = arn === undefined ? undefined : this.machines.get(arn);
    if (machine === undefined) {
      throw sdkError(
        StateMachineDoesNotExist,
        `State Machine Does Not Exist: '${arn}' (local state machines: ${[...this.machines.keys()].join(", ") || "none"})`,
      );
    }
    return {
      stateMachineArn: machine.arn,
      name: machine.name,
      status: "ACTIVE",
      definition: machine.definitionText,
      roleArn: machine.roleArn,
      type: "STANDARD",
      creationDate: machine.creationDate,
      $metadata: {},
    };
  }

  private listStateMachines(): ListStateMachinesCommandOutput {
    const stateMachines = [...this.machines.values()].map((m) => ({
      stateMachineArn: m.arn,
      name: m.name,
      type: "STANDARD" as const,
      creationDate: m.creationDate,
    }));
    return { stateMachines, $metadata: {} };
  }

  /** Every execution started here, newest first (like ListExecutions). */
  listExecutions(): ExecutionSummary[] {
    return [...this.executions.values()].reverse().map((e) => this.summary(e));
  }

  /** The HistoryEvents of an execution, ascending, without paging. */
  executionHistory(executionArn: string) {
    return this.history(this.getExecution(executionArn));
  }

  /** Resolves when the execution has ended and its whole event log has been read. */
  async waitForExecution(executionArn: string): Promise<ExecutionSummary> {
    const execution = this.getExecution(executionArn);
    await execution.done;
    return this.summary(execution);
  }

  /** Stops every running execution (SIGINT, end of a test) and waits for them to end. */
  async shutdown(): Promise<void> {
    const running = [...this.executions.values()].filter((e) => e.status === "RUNNING");
    for (const execution of running) this.stopExecution(execution.arn, "LocalShutdown", "the local Step Functions service was shut down");
    await Promise.all(running.map((e) => e.done?.catch(() => undefined)));
  }
}
