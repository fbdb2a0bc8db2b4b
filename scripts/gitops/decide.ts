/**
 * The decisions of the apply and drift workflows, as pure functions of their inputs.
 */

/** Why apply refuses: the reviewed plan is missing, or the plan of main differs from it. */
export type ApplyRefusal = "no-reviewed-plan" | "plan-changed";

export type ApplyDecision =
  | { readonly apply: true; readonly message: string }
  | { readonly apply: false; readonly reason: ApplyRefusal; readonly message: string };

const HASH = /^[0-9a-f]{64}$/;

/**
 * Apply only the plan that was reviewed: the normalized hash of the plan made from main must equal
 * the hash uploaded by the pull request's plan run. Anything else (another merge landed first, the
 * state changed, the reviewed plan is missing) refuses with a reason and what to do.
 */
export function decideApply(input: {
  readonly stackId: string;
  readonly reviewedHash: string | undefined;
  readonly currentHash: string;
  readonly reviewedFrom?: string;
}): ApplyDecision {
  const { stackId, currentHash } = input;
  if (!HASH.test(currentHash)) throw new Error(`decideApply ${stackId}: current hash ${JSON.stringify(currentHash)}; expected 64 hex characters`);
  const reviewed = input.reviewedHash?.trim();
  if (reviewed === undefined || reviewed === "") {
    return {
      apply: false,
      reason: "no-reviewed-plan",
      message: `${stackId}: refusing to apply (no-reviewed-plan): no reviewed plan hash was found${input.reviewedFrom ? ` (${input.reviewedFrom})` : ""}. Open a pull request so its plan is reviewed, then merge it.`,
    };
  }
  if (!HASH.test(reviewed))
    throw new Error(
      `decideApply ${stackId}: reviewed hash ${JSON.stringify(reviewed)}${input.reviewedFrom ? ` from ${input.reviewedFrom}` : ""}; expected 64 hex characters`,
    );
  if (reviewed !== currentHash) {
    return {
      apply: false,
      reason: "plan-changed",
      message: `${stackId}: refusing to apply (plan-changed): the plan of main (${currentHash.slice(0, 16)}) differs from the plan reviewed on the pull request (${reviewed.slice(0, 16)}${input.reviewedFrom ? `, ${input.reviewedFrom}` : ""}). Something changed since the review (another merge, or a change made outside Terraform): open a pull request so the new plan is reviewed.`,
    };
  }
  return { apply: true, message: `${stackId}: the plan of main matches the reviewed plan (${currentHash.slice(0, 16)}); applying it.` };
}

export type DriftOutcome = "clean" | "drift" | "error";

/**
 * `terraform plan -detailed-exitcode`: 0 = no changes, 2 = changes (drift from the code or from
 * changes made outside Terraform), 1 = error. https://developer.hashicorp.com/terraform/cli/commands/plan#detailed-exitcode
 */
export function driftOutcome(exitCode: number): DriftOutcome {
  if (exitCode === 0) return "clean";
  if (exitCode === 2) return "drift";
  return "error";
}
