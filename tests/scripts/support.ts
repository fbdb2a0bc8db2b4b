/** Shared test data of the workflow scripts' tests: recorded histories and the pipeline's definition. */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { financeRiskPipeline } from "../../config";
import { buildPipelineDefinition, renderDefinition } from "../../stacks/orchestration/definition";

const HISTORIES = resolve(__dirname, "../fixtures/events/histories");

/** A recorded GetExecutionHistory, with timestamps as the SDK returns them (Dates). */
export function recordedHistory(name: "aborted.json" | "deadline-timeout.json" | "glue-failure-notified.json" | "glue-failure.json"): HistoryEvent[] {
  const { events } = JSON.parse(readFileSync(join(HISTORIES, name), "utf8")) as { events: (HistoryEvent & { timestamp: string })[] };
  return events.map((e) => ({ ...e, timestamp: new Date(e.timestamp) }));
}

export const PROD = { region: "us-east-1", account: "222222222222", prefix: "detl-prod" } as const;
export const STATE_MACHINE_ARN = `arn:aws:states:${PROD.region}:${PROD.account}:stateMachine:${PROD.prefix}-finance-risk`;
export const TOPIC_ARN = `arn:aws:sns:${PROD.region}:${PROD.account}:${PROD.prefix}-alerts`;
export const executionArn = (name: string) => `arn:aws:states:${PROD.region}:${PROD.account}:execution:${PROD.prefix}-finance-risk:${name}`;

/** The finance-risk definition as the stack renders it (prod names). */
export function pipelineDefinition(): string {
  const fn = (name: string) => `arn:aws:lambda:${PROD.region}:${PROD.account}:function:${PROD.prefix}-${name}`;
  const pipeline = financeRiskPipeline({ referenceBucket: "detl-prod-reference" });
  return renderDefinition(
    buildPipelineDefinition({
      pipeline: pipeline.name,
      functions: {
        checkRunInput: fn("check-run-input"),
        awaitDatasets: fn("await-datasets"),
        verifyOutput: fn("verify-output"),
        summarizeFailure: fn("summarize-failure"),
      },
      glueJobName: `${PROD.prefix}-finance-risk-join`,
      glueJobArn: `arn:aws:glue:${PROD.region}:${PROD.account}:job/${PROD.prefix}-finance-risk-join`,
      alertTopicArn: TOPIC_ARN,
      alertKeyArn: `arn:aws:kms:${PROD.region}:${PROD.account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
      deadlineSeconds: pipeline.deadlineSeconds,
      joinTimeoutSeconds: pipeline.glue.timeoutMinutes * 60 + 900,
    }).definition,
  );
}
