import { catchAll, integrationResource, RETRY } from "../../stacks/orchestration/asl";

describe("integrationResource", () => {
  it("builds the optimized integration ARN for each supported pattern", () => {
    expect(integrationResource("lambda", "invoke", "requestResponse")).toBe("arn:aws:states:::lambda:invoke");
    expect(integrationResource("lambda", "invoke", "waitForTaskToken")).toBe("arn:aws:states:::lambda:invoke.waitForTaskToken");
    expect(integrationResource("glue", "startJobRun", "sync")).toBe("arn:aws:states:::glue:startJobRun.sync");
    expect(integrationResource("glue", "startJobRun", "requestResponse")).toBe("arn:aws:states:::glue:startJobRun");
    expect(integrationResource("sns", "publish", "requestResponse")).toBe("arn:aws:states:::sns:publish");
  });

  it("rejects a pattern the service does not support, naming the allowed ones", () => {
    expect(() => integrationResource("lambda", "invoke", "sync")).toThrow(
      'lambda:invoke does not support pattern "sync"; allowed: requestResponse | waitForTaskToken',
    );
    expect(() => integrationResource("glue", "startJobRun", "waitForTaskToken")).toThrow("allowed: requestResponse | sync");
  });

  it("rejects an action the service has no integration for", () => {
    expect(() => integrationResource("sns", "invoke", "requestResponse")).toThrow('sns has no integrated action "invoke"; allowed: publish');
  });
});

describe("retry presets", () => {
  it.each(Object.entries(RETRY))("%s backs off exponentially with full jitter and a capped delay", (_name, retrier) => {
    expect(retrier.BackoffRate).toBe(2);
    expect(retrier.JitterStrategy).toBe("FULL");
    expect(retrier.MaxAttempts).toBeGreaterThan(1);
    expect(retrier.MaxDelaySeconds).toBeGreaterThan(retrier.IntervalSeconds);
  });

  it("match only named transient errors, never States.ALL or a task's own failure", () => {
    for (const retrier of Object.values(RETRY)) {
      expect(retrier.ErrorEquals).not.toContain("States.ALL");
      expect(retrier.ErrorEquals).not.toContain("States.TaskFailed");
      expect(retrier.ErrorEquals).not.toContain("States.Timeout");
    }
    expect(RETRY.glueTransient.ErrorEquals).toContain("Glue.ConcurrentRunsExceededException");
    expect(RETRY.lambdaTransient.ErrorEquals).toContain("Lambda.TooManyRequestsException");
  });
});

describe("catchAll", () => {
  it("keeps the document and adds the error at $.failure by default", () => {
    expect(catchAll("SummarizeFailure")).toEqual([{ ErrorEquals: ["States.ALL"], ResultPath: "$.failure", Next: "SummarizeFailure" }]);
    expect(catchAll("Failed", "$.notifyFailure")).toEqual([{ ErrorEquals: ["States.ALL"], ResultPath: "$.notifyFailure", Next: "Failed" }]);
  });
});
