import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine";
import { Construct } from "constructs";
import { assumeRoleStatements } from "../../policies/resource-policies";
import { STATE_MACHINE_SERVICE_STATEMENTS } from "../../policies/service-roles";
import type { PolicyStatement } from "../../policies/types";
import { policyDocument } from "../iam";
import { buildPipelineDefinition, renderDefinition } from "./definition";

export interface PipelineStateMachineProps {
  readonly accountId: string;
  readonly region: string;
  readonly pipeline: string;
  /** `<namePrefix>-<pipeline>`; the Lambdas build the ARN from it. */
  readonly stateMachineName: string;
  readonly checkRunInputFunctionArn: string;
  readonly awaitDatasetsFunctionArn: string;
  readonly verifyOutputFunctionArn: string;
  readonly summarizeFailureFunctionArn: string;
  readonly glueJobName: string;
  readonly glueJobArn: string;
  readonly alertTopicArn: string;
  readonly alertKeyArn: string;
  /** How long the day's run waits for every dataset. */
  readonly deadlineSeconds: number;
  /** The Glue job's timeout; RunJoin's own timeout adds `joinStartMarginSeconds` to it. */
  readonly glueTimeoutMinutes: number;
  /**
   * Time for a job run to start (FLEX capacity, worker provisioning) before the Glue timeout begins.
   * Default: 900 seconds.
   */
  readonly joinStartMarginSeconds?: number;
  readonly logRetentionDays: number;
  /** Default: the provider's default tags only. */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * A pipeline's STANDARD state machine: the definition and the integration statements both come
 * from `buildPipelineDefinition`, so the role allows exactly what the states call. Execution logs
 * (level ALL, with data) go to a vended-logs group with retention, and X-Ray tracing is on.
 */
export class PipelineStateMachine extends Construct {
  public readonly stateMachine: SfnStateMachine;
  public readonly role: IamRole;
  public readonly logGroup: CloudwatchLogGroup;
  /** Every statement of the role's policy (integrations, then logging and tracing). */
  public readonly statements: readonly PolicyStatement[];

  constructor(scope: Construct, id: string, props: PipelineStateMachineProps) {
    super(scope, id);
    const tags = props.tags ? { ...props.tags } : undefined;
    const built = buildPipelineDefinition({
      pipeline: props.pipeline,
      functions: {
        checkRunInput: props.checkRunInputFunctionArn,
        awaitDatasets: props.awaitDatasetsFunctionArn,
        verifyOutput: props.verifyOutputFunctionArn,
        summarizeFailure: props.summarizeFailureFunctionArn,
      },
      glueJobName: props.glueJobName,
      glueJobArn: props.glueJobArn,
      alertTopicArn: props.alertTopicArn,
      alertKeyArn: props.alertKeyArn,
      deadlineSeconds: props.deadlineSeconds,
      joinTimeoutSeconds: props.glueTimeoutMinutes * 60 + (props.joinStartMarginSeconds ?? 900),
    });
    this.statements = [...built.statements, ...STATE_MACHINE_SERVICE_STATEMENTS];

    // The /aws/vendedlogs/ prefix keeps the log delivery's resource policy under its size limit.
    // https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html
    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `/aws/vendedlogs/states/${props.stateMachineName}`,
      retentionInDays: props.logRetentionDays,
      tags,
    });
    this.role = new IamRole(this, "role", {
      name: `${props.stateMachineName}-sfn-role`,
      description: `Runs the ${props.stateMachineName} state machine`,
      assumeRolePolicy: policyDocument(this, "trust", assumeRoleStatements("states.amazonaws.com", props.accountId)).json,
      tags,
    });
    const policy = new IamRolePolicy(this, "policy", {
      name: "least-privilege",
      role: this.role.id,
      policy: policyDocument(this, "policy-document", this.statements).json,
    });
    this.stateMachine = new SfnStateMachine(this, "state-machine", {
      name: props.stateMachineName,
      type: "STANDARD",
      roleArn: this.role.arn,
      definition: renderDefinition(built.definition),
      loggingConfiguration: { level: "ALL", includeExecutionData: true, logDestination: `${this.logGroup.arn}:*` },
      tracingConfiguration: { enabled: true },
      tags,
      // Creating the state machine validates that the role may deliver logs, so the policy must exist first.
      dependsOn: [policy],
    });
  }
}
