import { decideApply, driftOutcome } from "../../scripts/gitops/decide";

const a = "a".repeat(64);
const b = "b".repeat(64);

describe("decideApply", () => {
  it("applies when the plan of main has the reviewed hash", () => {
    expect(decideApply({ stackId: "etl-prod", reviewedHash: `${a}\n`, currentHash: a })).toMatchObject({ apply: true });
  });

  it("refuses with plan-changed, naming both hashes and what to do, when they differ", () => {
    const decision = decideApply({ stackId: "etl-prod", reviewedHash: a, currentHash: b, reviewedFrom: "PR #7, run 99" });
    expect(decision).toMatchObject({ apply: false, reason: "plan-changed" });
    expect(decision.message).toContain("plan-changed");
    expect(decision.message).toContain(a.slice(0, 16));
    expect(decision.message).toContain(b.slice(0, 16));
    expect(decision.message).toContain("PR #7, run 99");
    expect(decision.message).toContain("open a pull request");
  });

  it("refuses with no-reviewed-plan when there is no reviewed hash", () => {
    expect(decideApply({ stackId: "etl-dev", reviewedHash: undefined, currentHash: a })).toMatchObject({ apply: false, reason: "no-reviewed-plan" });
    expect(decideApply({ stackId: "etl-dev", reviewedHash: "  ", currentHash: a })).toMatchObject({ apply: false, reason: "no-reviewed-plan" });
  });

  it("rejects a malformed hash instead of comparing it", () => {
    expect(() => decideApply({ stackId: "etl-dev", reviewedHash: "not-a-hash", currentHash: a, reviewedFrom: "artifact plan-etl-dev" })).toThrow(
      /etl-dev: reviewed hash "not-a-hash" from artifact plan-etl-dev; expected 64 hex characters/,
    );
  });
});

describe("driftOutcome", () => {
  it("reads terraform plan -detailed-exitcode", () => {
    expect([0, 1, 2, 3].map(driftOutcome)).toEqual(["clean", "error", "drift", "error"]);
  });
});
