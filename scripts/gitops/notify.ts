/**
 * Alerts the GitOps workflows post to the environment's SNS topic (DESIGN.md, "Alerts: one
 * channel"): a failed apply and a detected drift. Subjects follow SNS's rule: ASCII, no line
 * breaks, under 100 characters. https://docs.aws.amazon.com/sns/latest/api/API_Publish.html
 */
import { PublishCommand } from "@aws-sdk/client-sns";
import type { SnsPort } from "../../lambdas/shared/ports";
import { MAX_SUBJECT_LENGTH } from "../../lambdas/shared/summary";
import type { PlanSummary } from "./summary";

export interface Notification {
  readonly subject: string;
  readonly message: string;
}

/** SNS subject text: printable ASCII on one line, cut with "..." to fit. */
export function snsSubject(text: string): string {
  const ascii = text
    .replace(/[\r\n\t]+/g, " ")
    .replace(/[^\x20-\x7e]/g, "?")
    .replace(/ {2,}/g, " ")
    .trim();
  return ascii.length <= MAX_SUBJECT_LENGTH ? ascii : `${ascii.slice(0, MAX_SUBJECT_LENGTH - 3)}...`;
}

export interface RunContext {
  readonly stackId: string;
  readonly environment: string;
  /** Commit applied or checked. */
  readonly commitSha: string;
  readonly runUrl: string;
}

const MAX_LISTED = 25;

function listed(title: string, addresses: readonly string[]): string[] {
  if (addresses.length === 0) return [];
  const shown = addresses.slice(0, MAX_LISTED).map((a) => `  - ${a}`);
  const more = addresses.length > MAX_LISTED ? [`  - ... and ${addresses.length - MAX_LISTED} more`] : [];
  return [`${title}:`, ...shown, ...more];
}

/** A failed apply: where it failed, what the plan was, and where to look. */
export function applyFailureNotification(
  ctx: RunContext,
  failure: { readonly step: string; readonly detail: string; readonly summary?: PlanSummary },
): Notification {
  const lines = [
    `Terraform apply of ${ctx.stackId} (environment ${ctx.environment}) failed at step "${failure.step}".`,
    "",
    `Commit:   ${ctx.commitSha}`,
    `Run:      ${ctx.runUrl}`,
    ...(failure.summary ? [`Plan:     ${failure.summary.line}`] : []),
    "",
    "What happened:",
    failure.detail.trim() === "" ? "  (no detail; see the run's log)" : failure.detail.trim(),
    "",
    "Resources may be partly applied: the run's log and job summary show what Terraform did.",
    "To retry: re-run the failed job of the run above (it plans again and applies only a plan that matches the reviewed one).",
  ];
  return { subject: snsSubject(`[${ctx.environment}] Terraform apply of ${ctx.stackId} failed at ${failure.step}`), message: lines.join("\n") };
}

/** A drift: the resources changed outside Terraform and the changes a plan of main would make. */
export function driftNotification(ctx: RunContext, drift: { readonly summary: PlanSummary; readonly drifted: readonly string[] }): Notification {
  const s = drift.summary;
  const changed = [...s.replacements.map((r) => `${r.address} (replace)`), ...s.destroys.map((a) => `${a} (destroy)`)];
  const lines = [
    `Drift in ${ctx.stackId} (environment ${ctx.environment}): the deployed resources differ from main.`,
    "",
    `Commit:   ${ctx.commitSha}`,
    `Run:      ${ctx.runUrl}`,
    `Plan:     ${s.line}`,
    "",
    ...listed("Changed outside Terraform", drift.drifted),
    ...listed("Destructive changes a plan of main would make", changed),
    "",
    "Either revert the change made outside Terraform (the next apply of main does it), or bring it into the code through a pull request.",
  ];
  return {
    subject: snsSubject(`[${ctx.environment}] Drift in ${ctx.stackId}: ${s.add} to add, ${s.change} to change, ${s.destroy} to destroy`),
    message: lines.join("\n"),
  };
}

/** Publishes to the topic; returns the SNS message id. */
export async function publishNotification(sns: SnsPort, topicArn: string, notification: Notification): Promise<string> {
  if (!/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(topicArn)) {
    throw new Error(`publishNotification: topic ${JSON.stringify(topicArn)}; expected an SNS topic ARN`);
  }
  const out = await sns.send(new PublishCommand({ TopicArn: topicArn, Subject: notification.subject, Message: notification.message }));
  return out.MessageId ?? "";
}
