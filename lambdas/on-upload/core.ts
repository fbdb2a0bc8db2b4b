/**
 * on-upload: an object landed (or a pipeline's scheduled start fired). Starts the day's execution
 * (idempotent by its deterministic name) and, when the object is a _SUCCESS marker and every
 * dataset of the day has its marker, releases the execution's wait (see shared/markers.ts for why
 * this cannot miss a release).
 */
import { StartExecutionCommand } from "@aws-sdk/client-sfn";
import { dailyExecutionName, type ExecutionInput, type RunDate, type RunTrigger, type RuntimeConfig, type ScheduledStartEvent } from "../shared/contracts";
import { runDateAt } from "../shared/dates";
import { awsErrorName } from "../shared/errors";
import { parseLandingKey } from "../shared/keys";
import { checkMarkers, readWaitRegistration, releaseWait } from "../shared/markers";
import type { Clock, LoggerPort, S3Port, SfnPort } from "../shared/ports";

export interface OnUploadDeps {
  s3: S3Port;
  sfn: SfnPort;
  config: RuntimeConfig;
  logger: LoggerPort;
  now: Clock;
}

export type OnUploadOutcome =
  | { action: "ignored"; reason: string }
  | {
      action: "started" | "already-started";
      pipeline: string;
      runDate: string;
      executionName: string;
      /** Whether this call released the execution's wait for datasets. */
      released: boolean;
      /** Datasets whose marker is missing; only computed for markers and schedule ticks (data files never release). */
      missing: string[];
    };

async function startDailyExecution(deps: OnUploadDeps, pipeline: string, runDate: RunDate, trigger: RunTrigger): Promise<"started" | "already-started"> {
  const name = dailyExecutionName(pipeline, runDate);
  const input: ExecutionInput = { pipeline, runDate, trigger };
  try {
    const result = await deps.sfn.send(
      new StartExecutionCommand({ stateMachineArn: deps.config.pipelines[pipeline].stateMachineArn, name, input: JSON.stringify(input) }),
    );
    deps.logger.info("Started the day's execution", { pipeline, runDate, trigger, executionName: name, executionArn: result.executionArn });
    return "started";
  } catch (err) {
    // The name is the day's: an upload, a duplicate event or the schedule got there first.
    if (awsErrorName(err) === "ExecutionAlreadyExists") {
      deps.logger.info("The day's execution exists already", { pipeline, runDate, trigger, executionName: name });
      return "already-started";
    }
    throw err;
  }
}

/** Checks all markers of the day and, when every one is there and an execution waits, releases it. */
async function releaseIfComplete(deps: OnUploadDeps, pipeline: string, runDate: RunDate): Promise<{ released: boolean; missing: string[] }> {
  const markers = await checkMarkers(deps.s3, deps.config.landingBucket, pipeline, deps.config.pipelines[pipeline].datasets, runDate);
  if (markers.missing.length > 0) {
    deps.logger.info("Waiting for more datasets", { pipeline, runDate, missing: markers.missing });
    return { released: false, missing: [...markers.missing] };
  }
  // Both reads come after this marker's write (it is the event): all the protocol needs from this side.
  const registration = await readWaitRegistration(deps.s3, deps.config.controlBucket, pipeline, runDate);
  if (registration === undefined) {
    deps.logger.info("All datasets arrived before the execution registered its wait; its registration releases it", { pipeline, runDate });
    return { released: false, missing: [] };
  }
  const result = await releaseWait(deps.sfn, deps.logger, registration, { releasedBy: "upload", datasets: markers.present });
  return { released: result.released, missing: [] };
}

/** An object was created in a bucket (key decoded already). Unrelated keys are logged and ignored. */
export async function onObjectCreated(deps: OnUploadDeps, object: { bucket: string; key: string }): Promise<OnUploadOutcome> {
  const parsed = parseLandingKey(deps.config, object.bucket, object.key);
  if (!parsed.ok) {
    deps.logger.info("Ignored an object that is not a landing file of a configured dataset", { bucket: object.bucket, key: object.key, reason: parsed.reason });
    return { action: "ignored", reason: parsed.reason };
  }
  const { pipeline, dataset, runDate, isMarker } = parsed.object;
  deps.logger.info(isMarker ? "Dataset marker landed" : "Data file landed", { pipeline, dataset, runDate, key: object.key });
  const action = await startDailyExecution(deps, pipeline, runDate, "upload");
  const executionName = dailyExecutionName(pipeline, runDate);
  if (!isMarker) return { action, pipeline, runDate, executionName, released: false, missing: [] };
  const { released, missing } = await releaseIfComplete(deps, pipeline, runDate);
  return { action, pipeline, runDate, executionName, released, missing };
}

/**
 * The schedule fired at a pipeline's expected start: starts the day's execution so that a day with
 * no upload still reaches the deadline and alerts. The run date is the date of the scheduled time
 * in the pipeline's time zone plus its offset. Markers are checked too, so the outcome shows what is
 * missing (and a day complete before the schedule is released like an upload would).
 */
export async function onScheduledStart(deps: OnUploadDeps, event: ScheduledStartEvent): Promise<OnUploadOutcome> {
  const runtime = Object.hasOwn(deps.config.pipelines, event.pipeline) ? deps.config.pipelines[event.pipeline] : undefined;
  if (runtime === undefined) {
    const reason = `pipeline ${JSON.stringify(event.pipeline)} is not configured (known: ${Object.keys(deps.config.pipelines).join(", ")})`;
    deps.logger.warn("Ignored a scheduled start", { reason, event });
    return { action: "ignored", reason };
  }
  const fired = new Date(event.scheduledTime);
  if (typeof event.scheduledTime !== "string" || Number.isNaN(fired.getTime())) {
    const reason = `scheduledTime ${JSON.stringify(event.scheduledTime)} is not an ISO-8601 time`;
    deps.logger.warn("Ignored a scheduled start", { reason, event });
    return { action: "ignored", reason };
  }
  const runDate = runDateAt(fired, runtime.schedule.timezone, runtime.schedule.runDateOffsetDays);
  const action = await startDailyExecution(deps, event.pipeline, runDate, "schedule");
  const { released, missing } = await releaseIfComplete(deps, event.pipeline, runDate);
  return { action, pipeline: event.pipeline, runDate, executionName: dailyExecutionName(event.pipeline, runDate), released, missing };
}
