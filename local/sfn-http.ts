/**
 * The local Step Functions service over HTTP, in the AWS JSON 1.0 protocol Step Functions speaks
 * (POST /, `X-Amz-Target: AWSStepFunctions.<Operation>`, JSON bodies, timestamps as epoch seconds,
 * errors as HTTP 400 `{"__type", "message"}`), so that a plain `new SFNClient({ endpoint })` in
 * another process (the smoke and rerun scripts with --local) works against the local stack.
 * Protocol: https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import type { SfnPort } from "../lambdas/shared/ports";
import { ResourceNames } from "../stacks/names";
import { buildPipelineDefinition, renderDefinition } from "../stacks/orchestration/definition";
import type { LocalStack } from "./runtime";

/** A state machine the adapter describes itself (DescribeStateMachine, ListStateMachines): LocalStepFunctions keeps its definitions private. */
export interface ServedStateMachine {
  readonly arn: string;
  readonly name: string;
  /** The definition as deployed (JSON text). */
  readonly definition: string;
  readonly roleArn: string;
  readonly creationDate: Date;
}

export interface SfnHttpOptions {
  /** Port on 127.0.0.1. Default: 0 (any free port). */
  readonly port?: number;
  /** State machines answered by DescribeStateMachine and ListStateMachines. Default: none. */
  readonly stateMachines?: readonly ServedStateMachine[];
}

export interface SfnHttpServer {
  /** http://127.0.0.1:PORT */
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** The commands forwarded to the local service's `send`, by operation name. */
const FORWARDED: Readonly<Record<string, new (input: never) => unknown>> = {
  StartExecution: StartExecutionCommand,
  DescribeExecution: DescribeExecutionCommand,
  GetExecutionHistory: GetExecutionHistoryCommand,
  ListExecutions: ListExecutionsCommand,
  StopExecution: StopExecutionCommand,
  SendTaskSuccess: SendTaskSuccessCommand,
  SendTaskFailure: SendTaskFailureCommand,
  SendTaskHeartbeat: SendTaskHeartbeatCommand,
};

/** Operations that exist on AWS but that this local service cannot perform, with the reason a caller sees. */
const UNSUPPORTED_REASONS: Readonly<Record<string, string>> = {
  RedriveExecution:
    "RedriveExecution is not supported by the local Step Functions service: aws-local-stepfunctions 3.0.0 cannot resume an execution from the state that failed. Locally, start a fresh run instead (rerun --mode restart); redrive works on AWS.",
};

const TARGET_PREFIX = "AWSStepFunctions.";

class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** JSON 1.0 wire form: Dates become epoch seconds; the SDK's `$metadata` is not part of a response. */
export function toWire(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, function (this: Record<string, unknown>, key, v) {
      if (key === "$metadata") return undefined;
      // JSON.stringify has already called Date#toJSON on `v`; the original value is on `this`.
      const original = this[key];
      return original instanceof Date ? original.getTime() / 1000 : v;
    }),
  );
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/x-amz-json-1.0", "content-length": Buffer.byteLength(text) });
  response.end(text);
}

/** Serves `sfn` (the LocalStepFunctions of a local stack, or any SfnPort) on 127.0.0.1. */
export async function serveStepFunctions(sfn: SfnPort, options: SfnHttpOptions = {}): Promise<SfnHttpServer> {
  const machines = options.stateMachines ?? [];

  const describeStateMachine = (input: { stateMachineArn?: string }) => {
    const machine = machines.find((m) => m.arn === input.stateMachineArn);
    if (machine === undefined) {
      throw new ServiceError(
        "StateMachineDoesNotExist",
        `State Machine Does Not Exist: '${input.stateMachineArn}' (local state machines: ${machines.map((m) => m.arn).join(", ") || "none"})`,
      );
    }
    return {
      stateMachineArn: machine.arn,
      name: machine.name,
      status: "ACTIVE",
      definition: machine.definition,
      roleArn: machine.roleArn,
      type: "STANDARD",
      creationDate: machine.creationDate,
    };
  };

  const operate = async (operation: string, input: Record<string, unknown>): Promise<unknown> => {
    if (operation === "DescribeStateMachine") return describeStateMachine(input);
    if (operation === "ListStateMachines") {
      return { stateMachines: machines.map((m) => ({ stateMachineArn: m.arn, name: m.name, type: "STANDARD", creationDate: m.creationDate })) };
    }
    const reason = UNSUPPORTED_REASONS[operation];
    if (reason !== undefined) throw new ServiceError("UnsupportedOperation", reason);
    const Command = FORWARDED[operation];
    if (Command === undefined) {
      throw new ServiceError(
        "UnknownOperationException",
        `The local Step Functions service does not implement ${operation}; it implements ${[...Object.keys(FORWARDED), "DescribeStateMachine", "ListStateMachines"].join(", ")}`,
      );
    }
    return sfn.send(new Command(input as never) as Parameters<SfnPort["send"]>[0]);
  };

  const server: Server = createServer((request, response) => {
    void (async () => {
      try {
        if (request.method !== "POST") throw new ServiceError("UnknownOperationException", `expected POST /, got ${request.method} ${request.url}`);
        const target = request.headers["x-amz-target"];
        if (typeof target !== "string" || !target.startsWith(TARGET_PREFIX)) {
          throw new ServiceError(
            "UnknownOperationException",
            `missing or foreign X-Amz-Target header ${JSON.stringify(target)}; expected ${TARGET_PREFIX}<Operation>`,
          );
        }
        const text = await readBody(request);
        let input: unknown;
        try {
          input = text.trim() === "" ? {} : JSON.parse(text);
        } catch (err) {
          throw new ServiceError("SerializationException", `request body is not JSON: ${(err as Error).message}`);
        }
        if (typeof input !== "object" || input === null || Array.isArray(input))
          throw new ServiceError("SerializationException", "request body must be a JSON object");
        const output = await operate(target.slice(TARGET_PREFIX.length), input as Record<string, unknown>);
        send(response, 200, toWire(output));
      } catch (err) {
        if (err instanceof ServiceError) {
          send(response, err.status, { __type: err.type, message: err.message });
          return;
        }
        // SDK exceptions thrown by the local service carry the AWS error name (ExecutionDoesNotExist, InvalidToken, ...)
        // and a 4xx status; anything else is a fault of this service.
        const e = err as Error & { $metadata?: { httpStatusCode?: number }; $fault?: string };
        const status = e.$metadata?.httpStatusCode ?? (e.$fault === "client" ? 400 : 500);
        send(response, status, { __type: e.name || "InternalFailure", message: e.message });
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let stopped = false;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      // Keep-alive sockets of clients would hold close() open until they time out.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** What .local/services.json holds: the endpoints and names beside stack.json that the scripts' --local mode needs. */
export interface LocalServicesDescription {
  readonly environment: string;
  readonly region: string;
  readonly stepFunctions: { readonly endpoint: string; readonly region: string };
  /** State machine ARN by pipeline. */
  readonly stateMachines: Readonly<Record<string, string>>;
  readonly buckets: { readonly landing: string; readonly results: string; readonly artifacts: string };
  readonly alertTopicArn: string;
  /** The SNS outbox file (JSON lines) the scripts publish to with LocalSns. */
  readonly outbox: string;
}

/**
 * The local stack's state machines as DescribeStateMachine shows them. The definition comes from
 * `buildPipelineDefinition`, the function the stack renders its definition with, given the local
 * stack's names: the states and transitions are the deployed ones, at no second synth.
 */
export function localStateMachines(stack: Pick<LocalStack, "environment" | "config">, creationDate: Date = new Date()): ServedStateMachine[] {
  const env = stack.environment;
  const names = new ResourceNames(env);
  const fn = (name: string) => `arn:aws:lambda:${env.region}:${env.accountId}:function:${names.fn(name)}`;
  return env.pipelines.map((pipeline) => {
    const built = buildPipelineDefinition({
      pipeline: pipeline.name,
      functions: {
        checkRunInput: fn("check-run-input"),
        awaitDatasets: fn("await-datasets"),
        verifyOutput: fn("verify-output"),
        summarizeFailure: fn("summarize-failure"),
      },
      glueJobName: names.glueJob(pipeline.name),
      glueJobArn: names.glueJobArn(pipeline.name),
      alertTopicArn: stack.config.alertTopicArn,
      alertKeyArn: `arn:aws:kms:${env.region}:${env.accountId}:alias/${names.named("alerts")}`,
      deadlineSeconds: pipeline.deadlineSeconds,
      joinTimeoutSeconds: pipeline.glue.timeoutMinutes * 60,
    });
    return {
      arn: names.stateMachineArn(pipeline.name),
      name: names.stateMachine(pipeline.name),
      definition: renderDefinition(built.definition),
      roleArn: `arn:aws:iam::${env.accountId}:role/${names.stateMachine(pipeline.name)}-sfn-role`,
      creationDate,
    };
  });
}
