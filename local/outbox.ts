/**
 * SNS on this machine: the alert topic is an outbox file, one JSON line per published message
 * ({time, topicArn, subject, message}), plus a callback for the console. It answers PublishCommand
 * as the SNS client does, so the summarizer's status-change path publishes through it unchanged.
 */
import { randomUUID } from "node:crypto";
import { appendFileSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { PublishCommand } from "@aws-sdk/client-sns";
import type { SnsPort } from "../lambdas/shared/ports";

/** One alert as published: a line of the outbox file. */
export interface OutboxMessage {
  readonly time: string;
  readonly topicArn: string;
  readonly subject: string;
  readonly message: string;
}

/** SNS rejects a subject of 100 characters or more, or with non-ASCII or control characters (InvalidParameter). */
const SNS_SUBJECT = /^[\x20-\x7e]{1,99}$/;

function invalidParameter(message: string): Error {
  return Object.assign(new Error(`Invalid parameter: ${message}`), { name: "InvalidParameterException" });
}

export class LocalSns {
  constructor(
    readonly outboxPath: string,
    private readonly onPublish?: (message: OutboxMessage) => void,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Appends a message to the outbox, checked as SNS checks Publish parameters. */
  publish(topicArn: unknown, subject: unknown, message: unknown): { MessageId: string } {
    if (typeof topicArn !== "string" || topicArn === "") throw invalidParameter(`TopicArn is ${JSON.stringify(topicArn)}`);
    if (typeof message !== "string" || message === "") throw invalidParameter(`Message is ${JSON.stringify(message)}`);
    if (subject !== undefined && (typeof subject !== "string" || !SNS_SUBJECT.test(subject))) {
      throw invalidParameter(`Subject ${JSON.stringify(subject)} must be 1-99 printable ASCII characters without line breaks`);
    }
    const entry: OutboxMessage = { time: this.clock().toISOString(), topicArn, subject: subject ?? "", message };
    mkdirSync(dirname(this.outboxPath), { recursive: true });
    appendFileSync(this.outboxPath, `${JSON.stringify(entry)}\n`, "utf-8");
    this.onPublish?.(entry);
    return { MessageId: randomUUID() };
  }

  readonly send: SnsPort["send"] = (async (command: unknown) => {
    if (!(command instanceof PublishCommand)) {
      const name = (command as { constructor?: { name?: string } } | null)?.constructor?.name ?? typeof command;
      throw new Error(`LocalSns: ${name} is not supported locally; supported: PublishCommand`);
    }
    const { TopicArn, Subject, Message } = command.input;
    return { ...this.publish(TopicArn, Subject, Message), $metadata: {} };
  }) as SnsPort["send"];
}

/** The messages in an outbox file (none when it does not exist yet). */
export function readOutbox(path: string): OutboxMessage[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as OutboxMessage);
}
