/**
 * await-datasets: the WaitForDatasets callback task (lambda:invoke.waitForTaskToken). Stores the
 * task token, THEN checks the markers and releases the wait itself when every dataset is there.
 * Writing before checking is half of the race-free protocol described in shared/markers.ts: an
 * upload whose marker this check misses was written after the registration, so that upload's
 * on-upload call reads the registration and releases.
 */
import type { AwaitDatasetsPayload, RuntimeConfig, WaitRegistration } from "../shared/contracts";
import { isRunDate } from "../shared/dates";
import { InvalidRunInputError } from "../shared/errors";
import { checkMarkers, releaseWait, writeWaitRegistration } from "../shared/markers";
import type { Clock, LoggerPort, S3Port, SfnPort } from "../shared/ports";

export interface AwaitDatasetsDeps {
  s3: S3Port;
  sfn: SfnPort;
  config: RuntimeConfig;
  logger: LoggerPort;
  now: Clock;
}

export async function registerWait(deps: AwaitDatasetsDeps, payload: AwaitDatasetsPayload): Promise<{ released: boolean; missing: string[] }> {
  const { pipeline, runDate, executionArn, taskToken } = payload;
  const runtime = Object.hasOwn(deps.config.pipelines, pipeline) ? deps.config.pipelines[pipeline] : undefined;
  if (runtime === undefined) throw new InvalidRunInputError(`WaitForDatasets payload: pipeline ${JSON.stringify(pipeline)} is not configured`);
  if (!isRunDate(runDate)) throw new InvalidRunInputError(`WaitForDatasets payload: runDate ${JSON.stringify(runDate)} is not a calendar date YYYY-MM-DD`);
  if (typeof taskToken !== "string" || taskToken === "") throw new InvalidRunInputError("WaitForDatasets payload: taskToken is missing");
  const registration: WaitRegistration = { pipeline, runDate, executionArn, taskToken, registeredAt: deps.now().toISOString() };
  const key = await writeWaitRegistration(deps.s3, deps.config.controlBucket, registration);
  deps.logger.info("Registered the wait for datasets", { pipeline, runDate, executionArn, registration: `s3://${deps.config.controlBucket}/${key}` });
  const markers = await checkMarkers(deps.s3, deps.config.landingBucket, pipeline, runtime.datasets, runDate);
  if (markers.missing.length > 0) {
    deps.logger.info("Waiting for datasets", { pipeline, runDate, missing: markers.missing, deadlineSeconds: runtime.deadlineSeconds });
    return { released: false, missing: [...markers.missing] };
  }
  const result = await releaseWait(deps.sfn, deps.logger, registration, { releasedBy: "registration", datasets: markers.present });
  return { released: result.released, missing: [] };
}
