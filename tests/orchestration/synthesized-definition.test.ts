import { STATES } from "../../lambdas/shared/contracts";
import { definitionFromSynthesizedStack, withTaskTimeout } from "../../local/synthesized-definition";
import { buildPipelineDefinition, renderDefinition } from "../../stacks/orchestration/definition";
import { FAKE_PROPS } from "./harness";

const aslValidator: (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errorsText: (sep?: string) => string } = require("asl-validator");

const ref = (type: string, id: string, attribute: string) => `\${${type}.${id}.${attribute}}`;

/** A cdk.tf.json as cdktf writes it: the definition is a JSON string with Terraform interpolations in it. */
function synthesizedStack(): Record<string, unknown> {
  const definition = buildPipelineDefinition({
    ...FAKE_PROPS,
    functions: {
      checkRunInput: ref("aws_lambda_function", "check_run_input", "arn"),
      awaitDatasets: ref("aws_lambda_function", "await_datasets", "arn"),
      verifyOutput: ref("aws_lambda_function", "verify_output", "arn"),
      summarizeFailure: ref("aws_lambda_function", "summarize_failure", "arn"),
    },
    glueJobName: ref("aws_glue_job", "join", "name"),
    glueJobArn: ref("aws_glue_job", "join", "arn"),
    alertTopicArn: ref("aws_sns_topic", "alerts", "arn"),
    alertKeyArn: ref("aws_kms_key", "alerts", "arn"),
  }).definition;
  return {
    provider: { aws: [{ region: "eu-west-1", allowed_account_ids: ["111111111111"] }] },
    resource: {
      aws_lambda_function: {
        check_run_input: { function_name: "detl-dev-check-run-input" },
        await_datasets: { function_name: "detl-dev-await-datasets" },
        verify_output: { function_name: "detl-dev-verify-output" },
        summarize_failure: { function_name: "detl-dev-summarize-failure" },
      },
      aws_glue_job: { join: { name: "detl-dev-finance-risk-join" } },
      aws_sns_topic: { alerts: { name: "detl-dev-alerts" } },
      aws_kms_key: { alerts: { description: "alerts" } },
      aws_sfn_state_machine: {
        finance_risk: { name: "detl-dev-finance-risk", definition: renderDefinition(definition), tags: { pipeline: "finance-risk" } },
        other: { name: "detl-dev-other", definition: "{}", tags: { pipeline: "other" } },
      },
    },
  };
}

describe("definitionFromSynthesizedStack", () => {
  it("finds the pipeline's state machine and fakes every interpolation with well-formed ARNs of the stack's region and account", () => {
    const definition = definitionFromSynthesizedStack(synthesizedStack(), "finance-risk");
    const states = definition.States as Record<string, { Parameters?: Record<string, unknown> }>;

    expect(JSON.stringify(definition)).not.toContain("${");
    expect(states[STATES.checkRunInput].Parameters?.FunctionName).toBe("arn:aws:lambda:eu-west-1:111111111111:function:detl-dev-check-run-input");
    expect(states[STATES.runJoin].Parameters?.JobName).toBe("detl-dev-finance-risk-join");
    expect(states[STATES.notifyFailure].Parameters?.TopicArn).toBe("arn:aws:sns:eu-west-1:111111111111:detl-dev-alerts");
    const result = aslValidator(JSON.parse(JSON.stringify(definition)), { checkPaths: true, checkArn: true });
    expect(result.errorsText()).toBe("");
  });

  it("keeps Terraform's escaped $${ as a literal ${", () => {
    const stack = synthesizedStack();
    const machines = (stack.resource as Record<string, Record<string, Record<string, unknown>>>).aws_sfn_state_machine;
    machines.finance_risk.definition = JSON.stringify({ Comment: `cost $\${x}`, StartAt: "A", States: { A: { Type: "Succeed" } } });
    expect(definitionFromSynthesizedStack(stack, "finance-risk").Comment).toBe(`cost \${x}`);
  });

  it("says which state machines exist when none belongs to the pipeline", () => {
    expect(() => definitionFromSynthesizedStack(synthesizedStack(), "payments")).toThrow(
      /expected one aws_sfn_state_machine for pipeline "payments", found 0; state machines in the stack: finance_risk \(name "detl-dev-finance-risk"/,
    );
  });

  it("refuses an expression it cannot fake, naming it and where it is", () => {
    const stack = synthesizedStack();
    const machines = (stack.resource as Record<string, Record<string, Record<string, unknown>>>).aws_sfn_state_machine;
    machines.finance_risk.definition = `{"StartAt":"A","States":{"A":{"Type":"Pass","Result":"\${upper(var.x)}","End":true}}}`;
    expect(() => definitionFromSynthesizedStack(stack, "finance-risk")).toThrow(
      `aws_sfn_state_machine.finance_risk.definition: cannot fake the Terraform expression \${upper(var.x)}`,
    );
  });
});

describe("withTaskTimeout", () => {
  it("changes one Task state's TimeoutSeconds and nothing else", () => {
    const original = JSON.parse(renderDefinition(buildPipelineDefinition(FAKE_PROPS).definition));
    const shortened = withTaskTimeout(original, STATES.waitForDatasets, 2);
    expect(shortened.States[STATES.waitForDatasets]).toEqual({ ...original.States[STATES.waitForDatasets], TimeoutSeconds: 2 });
    expect({ ...shortened.States, [STATES.waitForDatasets]: undefined }).toEqual({ ...original.States, [STATES.waitForDatasets]: undefined });
    expect(original.States[STATES.waitForDatasets].TimeoutSeconds).toBe(FAKE_PROPS.deadlineSeconds);
  });

  it("refuses a state that is not a Task", () => {
    expect(() => withTaskTimeout(buildPipelineDefinition(FAKE_PROPS).definition, STATES.fallbackSummary, 2)).toThrow('"FallbackSummary" is not a Task state');
  });
});
