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
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import type { SfnPort } from "../lambdas/shared/ports";

export interface SfnHttpOptions {
  /** Port on 127.0.0.1. Default: 0 (any free port). */
  readonly port?: number;
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
  DescribeStateMachine: DescribeStateMachineCommand,
  ListStateMachines: ListStateMachinesCommand,
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
  const operate = async (operation: string, input: Record<string, unknown>): Promise<unknown> => {
    const reason = UNSUPPORTED_REASONS[operation];
    if (reason !== undefined) throw new ServiceError("UnsupportedOperation", reason);
    const Command = FORWARDED[operation];
    if (Command === undefined) {
      throw new ServiceError(
        "UnknownOperationException",
        `The local Step Functions service does not implement ${operation}; it implements ${Object.keys(FORWARDED).join(", ")}`,
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
