import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { AssetType, TerraformAsset } from "cdktf";
import { Construct } from "constructs";
import { assumeRoleStatements } from "../policies/resource-policies";
import type { PolicyStatement } from "../policies/types";
import { bundleLambda, DEFAULT_BUNDLE_DIR, LAMBDA_RUNTIME } from "./bundle";
import { policyDocument } from "./iam";

export interface BundledFunctionProps {
  readonly functionName: string;
  readonly description: string;
  /** Absolute path of the handler module (exports `handler`). */
  readonly entry: string;
  /** Where bundles are written. Default: `<repo>/dist/lambdas`. */
  readonly bundleDir?: string;
  /** Environment variables (RUNTIME_CONFIG). Default: none. */
  readonly environment?: Readonly<Record<string, string>>;
  /** The role's statements, given the function's own log group ARN (its logs are the only ones it may write). */
  readonly statements: (logGroupArn: string) => readonly PolicyStatement[];
  readonly logRetentionDays: number;
  /** Default: 256 MB. */
  readonly memorySize?: number;
  /** Default: 60 seconds. */
  readonly timeoutSeconds?: number;
  /** Default: the provider's default tags only. */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * The one way a Lambda is built and deployed here: esbuild bundle -> TerraformAsset (zip) ->
 * aws_lambda_function with `source_code_hash` from the asset, its own log group with retention
 * (created before the function, so Lambda never creates one without retention), active tracing,
 * and a role with exactly the given statements.
 */
export class BundledFunction extends Construct {
  public readonly function: LambdaFunction;
  public readonly role: IamRole;
  public readonly logGroup: CloudwatchLogGroup;
  /** Bundled size of index.js before zipping, in bytes. */
  public readonly bundleBytes: number;

  constructor(scope: Construct, id: string, props: BundledFunctionProps) {
    super(scope, id);
    const bundle = bundleLambda(id, props.entry, props.bundleDir ?? DEFAULT_BUNDLE_DIR);
    this.bundleBytes = bundle.bytes;
    const asset = new TerraformAsset(this, "code", { path: bundle.dir, type: AssetType.ARCHIVE });

    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `/aws/lambda/${props.functionName}`,
      retentionInDays: props.logRetentionDays,
      tags: props.tags ? { ...props.tags } : undefined,
    });
    this.role = new IamRole(this, "role", {
      name: `${props.functionName}-role`,
      description: `Runs the ${props.functionName} Lambda`,
      assumeRolePolicy: policyDocument(this, "trust", assumeRoleStatements("lambda.amazonaws.com")).json,
      tags: props.tags ? { ...props.tags } : undefined,
    });
    new IamRolePolicy(this, "policy", {
      name: "least-privilege",
      role: this.role.id,
      policy: policyDocument(this, "policy-document", props.statements(this.logGroup.arn)).json,
    });

    this.function = new LambdaFunction(this, "function", {
      functionName: props.functionName,
      description: props.description,
      role: this.role.arn,
      runtime: LAMBDA_RUNTIME,
      architectures: ["arm64"],
      handler: "index.handler",
      filename: asset.path,
      sourceCodeHash: asset.assetHash,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeoutSeconds ?? 60,
      tracingConfig: { mode: "Active" },
      loggingConfig: { logFormat: "JSON", logGroup: this.logGroup.name },
      environment: props.environment ? { variables: { ...props.environment } } : undefined,
      tags: props.tags ? { ...props.tags } : undefined,
    });
  }
}
