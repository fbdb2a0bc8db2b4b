/**
 * Whole executions of the pipeline definition on aws-local-stepfunctions, with the local task
 * handlers, the real Lambda cores and s3rver (the real S3 API): what an execution does for the
 * uploads, the deadline and the join's outcomes.
 */
import { setTimeout as sleep } from "node:timers/promises";
import fc from "fast-check";
import { rerunCommand, STATES } from "../../lambdas/shared/contracts";
import { type LocalS3, startLocalS3 } from "../helpers/s3rver";
import { BUCKETS, DATASETS, executedDefinition, type Harness, PIPELINE, startHarness, writingJoin } from "./harness";

let s3: LocalS3;
const harnesses: Harness[] = [];

beforeAll(async () => {
  s3 = await startLocalS3({ buckets: Object.values(BUCKETS) });
});

afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.stop()));
});

afterAll(async () => {
  await s3.stop();
});

function harness(options: Parameters<typeof startHarness>[1] = {}): Harness {
  const h = startHarness(s3, options);
  harnesses.push(h);
  return h;
}

/** Fails the test instead of hanging when an execution does not end in time. */
async function ended(h: Harness, runDate: string, withinMs = 10_000) {
  const arn = h.executionArn(runDate);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`execution ${arn} still running after ${withinMs} ms`)), withinMs);
  });
  try {
    return await Promise.race([h.sfn.waitForExecution(arn), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function uploadAll(h: Harness, runDate: string): Promise<void> {
  for (const dataset of DATASETS) {
    await h.deliver(await h.putData(dataset, runDate));
    await h.deliver(await h.putMarker(dataset, runDate));
  }
}

function transient(name: string): Error {
  const error = new Error(`${name} (injected)`);
  error.name = name;
  return error;
}

describe("the pipeline execution", () => {
  it("runs one join and verifies the outputs once every dataset has its marker", async () => {
    const h = harness();
    const runDate = "2025-03-03";
    await uploadAll(h, runDate);
    const result = await ended(h, runDate);

    expect(result.status).toBe("SUCCEEDED");
    expect(h.joins).toEqual([{ jobName: "detl-dev-finance-risk-join", arguments: { "--run_date": runDate, "--execution_name": `${PIPELINE}-${runDate}` } }]);
    const output = JSON.parse(result.output ?? "{}");
    expect(output.run).toMatchObject({ pipeline: PIPELINE, runDate, trigger: "upload", executionName: `${PIPELINE}-${runDate}` });
    expect(output.arrival.releasedBy).toMatch(/^(upload|registration)$/);
    expect(output.arrival.datasets.map((d: { dataset: string }) => d.dataset).sort()).toEqual([...DATASETS].sort());
    expect(output.join).toEqual({ Id: "jr_test_0001", JobRunState: "SUCCEEDED", ExecutionTime: 1 });
    expect(output.verification.report.rowBalance).toEqual([{ input: "trades", inputRows: 3, outputRows: 3 }]);
    expect(h.outbox()).toEqual([]);
    const entered = h.sfn
      .executionHistory(result.executionArn)
      .filter((e) => e.stateEnteredEventDetails !== undefined)
      .map((e) => e.stateEnteredEventDetails?.name);
    expect(entered).toEqual([STATES.checkRunInput, STATES.waitForDatasets, STATES.runJoin, STATES.verifyOutput, STATES.succeeded]);
  });

  it("ends in exactly one join and never hangs, whatever the order of uploads, duplicate events and the execution's start", async () => {
    const h = harness({ definition: executedDefinition({ deadlineSeconds: 15 }) });
    let day = 0;
    const releases = new Map<string, number>();
    type Step = { kind: "data" | "marker" | "deliver-data" | "deliver-marker"; dataset: number } | { kind: "schedule" };
    const scenario = fc.record({
      /** Per dataset: how often its marker event is delivered (1-3). */
      copies: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      /** A random priority per step: the steps run in priority order, each upload before its events. */
      priorities: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 16, maxLength: 16 }),
      /** Whether the scheduled start fires at all, and whether each step is awaited or left running (concurrent Lambdas). */
      scheduled: fc.boolean(),
      /** Whether every event (and the schedule) comes after all uploads: the execution then starts after the uploads. */
      lateEvents: fc.boolean(),
      concurrent: fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
      pauses: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 16, maxLength: 16 }),
    });

    await fc.assert(
      fc.asyncProperty(scenario, async ({ copies, priorities, scheduled, lateEvents, concurrent, pauses }) => {
        day++;
        const runDate = new Date(Date.UTC(2024, 0, day)).toISOString().slice(0, 10);
        const steps: { step: Step; at: number }[] = [];
        let p = 0;
        for (const [dataset] of DATASETS.entries()) {
          const dataAt = priorities[p++];
          const markerAt = Math.max(dataAt, priorities[p++]);
          steps.push({ step: { kind: "data", dataset }, at: dataAt });
          steps.push({ step: { kind: "deliver-data", dataset }, at: Math.max(dataAt, priorities[p++]) });
          steps.push({ step: { kind: "marker", dataset }, at: markerAt });
          for (let c = 0; c < copies[dataset]; c++) steps.push({ step: { kind: "deliver-marker", dataset }, at: Math.max(markerAt, priorities[(p + c) % 16]) });
        }
        if (scheduled) steps.push({ step: { kind: "schedule" }, at: priorities[15] });
        if (lateEvents) for (const s of steps) if (s.step.kind === "schedule" || s.step.kind.startsWith("deliver")) s.at += 1;
        // Stable sort: an upload listed before its events stays before them at equal priority.
        steps.sort((a, b) => a.at - b.at);

        const keys = new Map<string, string>();
        const inFlight: Promise<unknown>[] = [];
        for (const [i, { step }] of steps.entries()) {
          const run = async () => {
            if (step.kind === "schedule") return h.scheduleStart(runDate);
            const dataset = DATASETS[step.dataset];
            if (step.kind === "data") return keys.set(`data:${dataset}`, await h.putData(dataset, runDate));
            if (step.kind === "marker") return keys.set(`marker:${dataset}`, await h.putMarker(dataset, runDate));
            // Steps are sorted so that an object is written before its events; puts are awaited.
            const key = keys.get(`${step.kind === "deliver-data" ? "data" : "marker"}:${dataset}`);
            if (key === undefined) throw new Error(`scenario bug: ${step.kind} of ${dataset} before its upload`);
            return h.deliver(key);
          };
          // Uploads are awaited (an event follows its object); deliveries may overlap like concurrent Lambda invocations.
          if (concurrent[i % 16] && step.kind.startsWith("deliver")) inFlight.push(run());
          else await run();
          if (pauses[i % 16] > 0) await sleep(pauses[i % 16]);
        }
        await Promise.all(inFlight);

        const result = await ended(h, runDate);
        const joinsOfDay = h.joins.filter((j) => j.arguments["--run_date"] === runDate);
        const executionsOfDay = h.sfn.listExecutions().filter((e) => e.name === `${PIPELINE}-${runDate}`);
        expect(result.status).toBe("SUCCEEDED");
        expect(joinsOfDay).toHaveLength(1);
        expect(executionsOfDay).toHaveLength(1);
        const releasedBy: string = JSON.parse(result.output ?? "{}").arrival.releasedBy;
        releases.set(releasedBy, (releases.get(releasedBy) ?? 0) + 1);
      }),
      { seed: 20250303, numRuns: 100 },
    );
    expect(h.outbox()).toEqual([]);
    // Both sides of the race were exercised: waits released by an upload and by the registration itself.
    expect(releases.get("upload")).toBeGreaterThan(0);
    expect(releases.get("registration")).toBeGreaterThan(0);
  });

  it("fails at the deadline with an alert that names both missing datasets", async () => {
    const h = harness({ definition: executedDefinition({ deadlineSeconds: 2 }) });
    const runDate = "2025-03-04";
    await h.deliver(await h.putData("trades", runDate));
    await h.deliver(await h.putMarker("trades", runDate));
    const result = await ended(h, runDate);

    expect(result.status).toBe("FAILED");
    expect(result.error).toBe("States.Timeout");
    expect(h.joins).toEqual([]);
    const [alert, ...others] = h.outbox();
    expect(others).toEqual([]);
    expect(alert.subject).toContain(STATES.waitForDatasets);
    expect(alert.subject).toMatch(/missing market_prices, fx_rates|missing fx_rates, market_prices/);
    expect(alert.message).toContain("Missing datasets at the deadline: market_prices, fx_rates");
    // A marker that lands after the deadline cannot release the closed wait.
    const late = await h.deliver(await h.putMarker("market_prices", runDate));
    expect(late).toMatchObject({ action: "already-started", released: false, missing: ["fx_rates"] });
  });

  it("retries Glue ConcurrentRunsExceeded with backoff and then succeeds", async () => {
    let calls = 0;
    const write = writingJoin(s3);
    const h = harness({
      retryIntervalOverrides: { [STATES.runJoin]: 5 },
      runJoin: async (request) => {
        calls++;
        if (calls <= 2) throw transient("Glue.ConcurrentRunsExceededException");
        return write(request);
      },
    });
    const runDate = "2025-03-05";
    await uploadAll(h, runDate);
    const result = await ended(h, runDate);

    expect(result.status).toBe("SUCCEEDED");
    expect(h.joins).toHaveLength(3);
    const failures = h.sfn.executionHistory(result.executionArn).filter((e) => e.type === "TaskFailed");
    expect(failures.map((e) => e.taskFailedEventDetails?.error)).toEqual(["Glue.ConcurrentRunsExceededException", "Glue.ConcurrentRunsExceededException"]);
    expect(h.outbox()).toEqual([]);
  });

  it("reports a failed Glue run once, with state, error, cause and the rerun command, and fails the execution", async () => {
    const h = harness({
      retryIntervalOverrides: { [STATES.runJoin]: 5 },
      runJoin: async () => {
        throw Object.assign(new Error("Validation failed: dataset trades, file part-0.csv, line 3: side is 'HOLD'; allowed: BUY | SELL"), {
          jobRunId: "jr_0123456789abcdef",
        });
      },
    });
    const runDate = "2025-03-06";
    await uploadAll(h, runDate);
    const result = await ended(h, runDate);

    expect(result.status).toBe("FAILED");
    expect(result.error).toBe("States.TaskFailed");
    expect(JSON.parse(result.cause ?? "{}")).toMatchObject({ Id: "jr_0123456789abcdef", JobRunState: "FAILED", JobName: "detl-dev-finance-risk-join" });
    expect(h.joins).toHaveLength(1);
    const alerts = h.outbox();
    expect(alerts).toHaveLength(1);
    const [alert] = alerts;
    expect(alert.topicArn).toBe(h.config.alertTopicArn);
    expect(alert.subject.length).toBeLessThan(100);
    expect(alert.subject).toContain(`${PIPELINE} ${runDate} FAILED at ${STATES.runJoin}`);
    expect(alert.message).toContain(`Failed state: ${STATES.runJoin}`);
    expect(alert.message).toContain("Error:        States.TaskFailed");
    expect(alert.message).toContain("Glue JobRunId: jr_0123456789abcdef");
    expect(alert.message).toContain("ErrorMessage: Validation failed: dataset trades, file part-0.csv, line 3");
    expect(alert.message).toContain(rerunCommand("dev", PIPELINE, runDate, "restart"));
    const entered = h.sfn
      .executionHistory(result.executionArn)
      .filter((e) => e.stateEnteredEventDetails !== undefined)
      .map((e) => e.stateEnteredEventDetails?.name);
    expect(entered.slice(-4)).toEqual([STATES.runJoin, STATES.summarizeFailure, STATES.notifyFailure, STATES.failed]);
  });

  it("still alerts, with the raw error, when the failure summarizer itself fails", async () => {
    const h = harness({
      runJoin: async () => {
        throw new Error("Spark executor lost");
      },
      handlerOverrides: {
        [STATES.summarizeFailure]: async () => {
          throw transient("Lambda.Unknown");
        },
      },
    });
    const runDate = "2025-03-07";
    await uploadAll(h, runDate);
    const result = await ended(h, runDate);

    expect(result.status).toBe("FAILED");
    expect(result.error).toBe("States.TaskFailed");
    const alerts = h.outbox();
    expect(alerts).toHaveLength(1);
    expect(alerts[0].subject).toBe(`ETL run failed: ${PIPELINE}-${runDate}`);
    expect(alerts[0].message).toContain(`execution ${PIPELINE}-${runDate} (${result.executionArn}) failed with {"Error":"States.TaskFailed"`);
    expect(alerts[0].message).toContain("Spark executor lost");
    expect(alerts[0].message).toContain('The failure summary could not be built: {"Error":"Lambda.Unknown"');
    const entered = h.sfn
      .executionHistory(result.executionArn)
      .filter((e) => e.stateEnteredEventDetails !== undefined)
      .map((e) => e.stateEnteredEventDetails?.name);
    expect(entered.slice(-4)).toEqual([STATES.summarizeFailure, STATES.fallbackSummary, STATES.notifyFailure, STATES.failed]);
  });
});
