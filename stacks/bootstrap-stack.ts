/**
 * What GitHub Actions needs before it can plan and apply an environment, applied once per AWS
 * account by an administrator with local state (docs/gitops.md, "AWS: bootstrap"):
 * - the Terraform state bucket (versioned, encrypted, private, TLS only; locking is Terraform's S3
 *   lock file, `use_lockfile`, so there is no DynamoDB table),
 * - the GitHub OIDC provider, so workflows get short-lived credentials and no AWS key exists,
 * - four roles, each trusted only for one OIDC subject of the configured repository: plan (pull
 *   requests, read-only), drift (runs on main such as the schedule, read-only), and apply and
 *   operations (jobs in the environment's GitHub environment, which only main may deploy to; the
 *   operations role runs the smoke test, reruns and failure reports, and changes no resource).
 * The roles are named `github-<namePrefix>-*` and the state bucket `tfstate-<namePrefix>-*`, outside
 * the `<namePrefix>-*` names the apply role manages, so applying the pipeline stack can never change
 * the roles or the state bucket themselves.
 */
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import type { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { Aspects, LocalBackend, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import type { EnvironmentConfig, GitHubConfig } from "../config/types";
import { anyResourceStatement } from "../policies/actions";
import type { PolicyStatement } from "../policies/types";
import { Guardrails } from "./aspects";
import { policyDocument } from "./iam";
import { REQUIRED_TAGS } from "./pipeline-stack";
import { environmentProvider } from "./provider";
import { securedBucket } from "./secured-bucket";

/** GitHub's OIDC issuer. https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services */
export const GITHUB_OIDC_URL = "https://token.actions.githubusercontent.com";
const OIDC_HOST = "token.actions.githubusercontent.com";
/** The audience aws-actions/configure-aws-credentials requests. */
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";

/** The bootstrap stack of an environment's account: `etl-bootstrap-<environment>`. */
export function bootstrapStackIdFor(environment: Pick<EnvironmentConfig, "name">): string {
  return `etl-bootstrap-${environment.name}`;
}

export type GitHubRoleKind = "plan" | "drift" | "apply" | "operations";

/** Every role, in the order the stack creates them. */
export const GITHUB_ROLE_KINDS: readonly GitHubRoleKind[] = ["plan", "drift", "apply", "operations"];

/**
 * Longest session a workflow may ask for: an hour for Terraform; five for operations, whose rerun
 * follows a Glue join to its end (rerun.yml asks for 18,000 seconds).
 */
export const MAX_SESSION_SECONDS: Readonly<Record<GitHubRoleKind, number>> = { plan: 3600, drift: 3600, apply: 3600, operations: 18_000 };

/** First year of the smoke test's run dates (scripts/lib/smoke.ts): its uploads and reads stay in those partitions. */
export const SMOKE_RUN_DATE_PATTERN = "run_date=9*";

/** The names the bootstrap creates; the workflows and docs refer to them. */
export function bootstrapNames(env: Pick<EnvironmentConfig, "namePrefix" | "accountId">) {
  return {
    stateBucket: `tfstate-${env.namePrefix}-${env.accountId}`,
    /** chooseStateBackend's default key for the environment. */
    stateKey: `${env.namePrefix}/terraform.tfstate`,
    role: (kind: GitHubRoleKind) => `github-${env.namePrefix}-${kind}`,
  };
}

/**
 * The `sub` claim each role trusts. GitHub writes `repo:<owner>/<repo>:pull_request` for pull
 * request runs (of the base repository: runs from forks get no id-token), `...:environment:<name>`
 * for jobs in a GitHub environment, and `...:ref:<ref>` for other runs, such as the schedule on main.
 * https://docs.github.com/en/actions/reference/security/oidc#example-subject-claims
 */
export function trustedSubject(github: GitHubConfig, kind: GitHubRoleKind, environment: string): string {
  const repo = `repo:${github.owner}/${github.repository}`;
  if (kind === "plan") return `${repo}:pull_request`;
  if (kind === "drift") return `${repo}:ref:refs/heads/main`;
  return `${repo}:environment:${environment}`;
}

export interface RoleTargets {
  readonly region: string;
  readonly accountId: string;
  readonly namePrefix: string;
  readonly project: string;
  readonly environment: string;
}

function grant(sid: string, actions: readonly string[], resources: readonly string[], conditions?: PolicyStatement["conditions"]): PolicyStatement {
  return { sid, effect: "Allow", actions, resources, ...(conditions ? { conditions } : {}) };
}

/** ARN patterns of everything the pipeline stack names `<namePrefix>-*`. */
function managed(t: RoleTargets) {
  const p = t.namePrefix;
  const ra = `${t.region}:${t.accountId}`;
  return {
    buckets: `arn:aws:s3:::${p}-*`,
    artifactObjects: `arn:aws:s3:::${p}-artifacts-${t.accountId}/glue/*`,
    functions: `arn:aws:lambda:${ra}:function:${p}-*`,
    roles: `arn:aws:iam::${t.accountId}:role/${p}-*`,
    logGroups: [`arn:aws:logs:${ra}:log-group:/aws/lambda/${p}-*`, `arn:aws:logs:${ra}:log-group:/aws/vendedlogs/states/${p}-*`],
    alarms: `arn:aws:cloudwatch:${ra}:alarm:${p}-*`,
    rules: `arn:aws:events:${ra}:rule/${p}-*`,
    schedules: `arn:aws:scheduler:${ra}:schedule/default/${p}-*`,
    stateMachines: `arn:aws:states:${ra}:stateMachine:${p}-*`,
    topics: `arn:aws:sns:${ra}:${p}-*`,
    alertTopic: `arn:aws:sns:${ra}:${p}-alerts`,
    queues: `arn:aws:sqs:${ra}:${p}-*`,
    glueJobs: `arn:aws:glue:${ra}:job/${p}-*`,
    keys: `arn:aws:kms:${ra}:key/*`,
    aliases: `arn:aws:kms:${ra}:alias/${p}-*`,
  };
}

/** Keys have random ids, so they are matched by the tags the provider's default tags put on them. */
function ownKeys(t: RoleTargets): PolicyStatement["conditions"] {
  return [
    { test: "StringEquals", variable: "aws:ResourceTag/project", values: [t.project] },
    { test: "StringEquals", variable: "aws:ResourceTag/environment", values: [t.environment] },
  ];
}

/**
 * What `terraform plan` reads to refresh the pipeline stack: configuration and metadata of its
 * resources, never data (no object reads outside the artifacts' glue/ code, no log events, no
 * execution histories). Only describe/get/list actions.
 */
export function readStatements(t: RoleTargets): PolicyStatement[] {
  const m = managed(t);
  return [
    // HeadBucket is authorized as s3:ListBucket; the rest are the bucket's sub-resources the provider reads.
    grant(
      "ReadBuckets",
      [
        "s3:ListBucket",
        "s3:GetBucket*",
        "s3:GetAccelerateConfiguration",
        "s3:GetEncryptionConfiguration",
        "s3:GetLifecycleConfiguration",
        "s3:GetReplicationConfiguration",
      ],
      [m.buckets],
    ),
    grant("ReadArtifactObjects", ["s3:GetObject", "s3:GetObjectTagging"], [m.artifactObjects]),
    grant(
      "ReadFunctions",
      [
        "lambda:GetFunction",
        "lambda:GetFunctionConfiguration",
        "lambda:GetFunctionCodeSigningConfig",
        "lambda:GetPolicy",
        "lambda:GetRuntimeManagementConfig",
        "lambda:ListVersionsByFunction",
        "lambda:ListTags",
      ],
      [m.functions],
    ),
    grant("ReadRoles", ["iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"], [m.roles]),
    // DescribeLogGroups is authorized on the account's log-group:* pattern, not on one group.
    grant("ListLogGroups", ["logs:DescribeLogGroups"], [`arn:aws:logs:${t.region}:${t.accountId}:log-group:*`]),
    grant("ReadLogGroups", ["logs:ListTagsForResource", "logs:ListTagsLogGroup"], m.logGroups),
    grant("ReadAlarms", ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"], [m.alarms]),
    grant("ReadRules", ["events:DescribeRule", "events:ListTargetsByRule", "events:ListTagsForResource"], [m.rules]),
    grant("ReadSchedules", ["scheduler:GetSchedule"], [m.schedules]),
    grant("ReadStateMachines", ["states:DescribeStateMachine", "states:ListTagsForResource"], [m.stateMachines]),
    grant("ReadTopics", ["sns:GetTopicAttributes", "sns:GetSubscriptionAttributes", "sns:ListSubscriptionsByTopic", "sns:ListTagsForResource"], [m.topics]),
    grant("ReadQueues", ["sqs:GetQueueAttributes", "sqs:ListQueueTags"], [m.queues]),
    grant("ReadGlueJobs", ["glue:GetJob", "glue:GetTags"], [m.glueJobs]),
    // Glue security configurations have no resource type in IAM: read-only on "*".
    // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsglue.html
    grant("ReadGlueSecurityConfigurations", ["glue:GetSecurityConfiguration"], ["*"]),
    grant("ReadKeys", ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"], [m.keys]),
    // ListAliases has no resource type: it lists the account's alias names.
    // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html
    grant("ListKeyAliases", ["kms:ListAliases"], ["*"]),
  ];
}

/** State access: the state object, and for runs that lock, its lock file `<key>.tflock` only. */
export function stateStatements(env: Pick<EnvironmentConfig, "namePrefix" | "accountId">, access: "read" | "read-lock" | "write"): PolicyStatement[] {
  const names = bootstrapNames(env);
  const bucket = `arn:aws:s3:::${names.stateBucket}`;
  const state = `${bucket}/${names.stateKey}`;
  const lock = `${state}.tflock`;
  const statements = [grant("ListStateBucket", ["s3:ListBucket"], [bucket]), grant("ReadState", ["s3:GetObject"], [state])];
  if (access === "write") statements.push(grant("WriteState", ["s3:PutObject"], [state]));
  if (access !== "read") statements.push(grant("LockState", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], [lock]));
  return statements;
}

/** Publishing to the environment's alert topic, which is encrypted with the alert key (found by its alias, used only through SNS). */
export function publishAlertStatements(t: RoleTargets): PolicyStatement[] {
  const m = managed(t);
  return [
    grant("PublishAlerts", ["sns:Publish"], [m.alertTopic]),
    grant(
      "EncryptAlerts",
      ["kms:GenerateDataKey", "kms:Decrypt"],
      [m.keys],
      [
        { test: "StringEquals", variable: "kms:ViaService", values: [`sns.${t.region}.amazonaws.com`] },
        { test: "ForAnyValue:StringEquals", variable: "kms:ResourceAliases", values: [`alias/${t.namePrefix}-alerts`] },
      ],
    ),
  ];
}

/**
 * What the smoke, rerun and failure-report workflows call (scripts/lib/): start, follow and redrive
 * executions; upload a synthetic day and read its manifest and marker, only in the smoke test's
 * far-future run dates (year 9000 on) so no production partition is read or written; keep the
 * failure report's marker. No resource is created or changed.
 */
export function operationsStatements(t: RoleTargets): PolicyStatement[] {
  const m = managed(t);
  const p = t.namePrefix;
  const ra = `${t.region}:${t.accountId}`;
  return [
    grant("StartAndListExecutions", ["states:StartExecution", "states:ListExecutions", "states:DescribeStateMachine"], [m.stateMachines]),
    grant(
      "FollowAndRedriveExecutions",
      ["states:DescribeExecution", "states:GetExecutionHistory", "states:RedriveExecution"],
      [`arn:aws:states:${ra}:execution:${p}-*:*`],
    ),
    grant("UploadSmokeDays", ["s3:PutObject"], [`arn:aws:s3:::${p}-landing-${t.accountId}/incoming/*/*/${SMOKE_RUN_DATE_PATTERN}`]),
    grant("ReadSmokeResults", ["s3:GetObject"], [`arn:aws:s3:::${p}-results-${t.accountId}/*/*/${SMOKE_RUN_DATE_PATTERN}`]),
    // Without ListBucket a missing object answers 403 instead of 404, and the smoke test waits on a 404.
    grant("ListResults", ["s3:ListBucket"], [`arn:aws:s3:::${p}-results-${t.accountId}`]),
    // Failure summaries name the datasets missing at a deadline by their _SUCCESS markers (HEAD needs
    // GetObject, and ListBucket for a 404 rather than a 403): markers only, never the data files.
    grant("ReadDatasetMarkers", ["s3:GetObject"], [`arn:aws:s3:::${p}-landing-${t.accountId}/incoming/*/_SUCCESS`]),
    grant("ListLanding", ["s3:ListBucket"], [`arn:aws:s3:::${p}-landing-${t.accountId}`]),
    grant("KeepFailureReportMarker", ["s3:GetObject", "s3:PutObject"], [`arn:aws:s3:::${p}-artifacts-${t.accountId}/control/failure-report/*`]),
    grant(
      "UseDataKeyThroughS3",
      ["kms:GenerateDataKey", "kms:Decrypt"],
      [m.keys],
      [
        { test: "StringEquals", variable: "kms:ViaService", values: [`s3.${t.region}.amazonaws.com`] },
        { test: "ForAnyValue:StringEquals", variable: "kms:ResourceAliases", values: [`alias/${t.namePrefix}-data`] },
      ],
    ),
  ];
}

/**
 * What `terraform apply` of the pipeline stack changes, scoped to the `<namePrefix>-*` names it
 * creates. Limits: an apply role that creates roles and their policies can grant those roles more
 * than it has itself; the name scope keeps it to the environment's own roles, and a permissions
 * boundary on them is the next step (docs/gitops.md). A few actions have no resource-level
 * permissions in IAM and are granted on "*", each saying so.
 */
export function applyStatements(t: RoleTargets): PolicyStatement[] {
  const m = managed(t);
  return [
    grant(
      "ManageBuckets",
      [
        "s3:CreateBucket",
        "s3:DeleteBucket",
        "s3:PutBucketPolicy",
        "s3:DeleteBucketPolicy",
        "s3:PutBucketVersioning",
        "s3:PutBucketPublicAccessBlock",
        "s3:PutBucketOwnershipControls",
        "s3:PutBucketTagging",
        "s3:PutBucketNotification",
        "s3:PutEncryptionConfiguration",
        "s3:PutLifecycleConfiguration",
      ],
      [m.buckets],
    ),
    grant("ManageArtifactObjects", ["s3:PutObject", "s3:DeleteObject", "s3:PutObjectTagging"], [m.artifactObjects]),
    // The artifacts bucket encrypts with the environment's data key; uploads through S3 use it.
    grant(
      "EncryptArtifacts",
      ["kms:GenerateDataKey", "kms:Decrypt"],
      [m.keys],
      [
        { test: "StringEquals", variable: "kms:ViaService", values: [`s3.${t.region}.amazonaws.com`] },
        { test: "ForAnyValue:StringEquals", variable: "kms:ResourceAliases", values: [`alias/${t.namePrefix}-data`] },
      ],
    ),
    grant(
      "ManageFunctions",
      [
        "lambda:CreateFunction",
        "lambda:DeleteFunction",
        "lambda:UpdateFunctionCode",
        "lambda:UpdateFunctionConfiguration",
        "lambda:AddPermission",
        "lambda:RemovePermission",
        "lambda:TagResource",
        "lambda:UntagResource",
      ],
      [m.functions],
    ),
    grant(
      "ManageRoles",
      [
        "iam:CreateRole",
        "iam:DeleteRole",
        "iam:UpdateRole",
        "iam:UpdateAssumeRolePolicy",
        "iam:TagRole",
        "iam:UntagRole",
        "iam:PutRolePolicy",
        "iam:DeleteRolePolicy",
        "iam:ListInstanceProfilesForRole",
      ],
      [m.roles],
    ),
    grant(
      "PassRolesToServices",
      ["iam:PassRole"],
      [m.roles],
      [
        {
          test: "StringEquals",
          variable: "iam:PassedToService",
          values: ["lambda.amazonaws.com", "states.amazonaws.com", "glue.amazonaws.com", "scheduler.amazonaws.com", "events.amazonaws.com"],
        },
      ],
    ),
    grant(
      "ManageLogGroups",
      [
        "logs:CreateLogGroup",
        "logs:DeleteLogGroup",
        "logs:PutRetentionPolicy",
        "logs:DeleteRetentionPolicy",
        "logs:AssociateKmsKey",
        "logs:DisassociateKmsKey",
        "logs:TagResource",
        "logs:UntagResource",
        "logs:TagLogGroup",
        "logs:UntagLogGroup",
      ],
      m.logGroups,
    ),
    // Step Functions logging: the caller of Create/UpdateStateMachine needs these, on "*" (policies/actions.ts says why).
    anyResourceStatement("githubApply/stateMachineLogDelivery"),
    grant("ManageAlarms", ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource"], [m.alarms]),
    grant(
      "ManageRules",
      [
        "events:PutRule",
        "events:DeleteRule",
        "events:EnableRule",
        "events:DisableRule",
        "events:PutTargets",
        "events:RemoveTargets",
        "events:TagResource",
        "events:UntagResource",
      ],
      [m.rules],
    ),
    grant("ManageSchedules", ["scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule"], [m.schedules]),
    grant(
      "ManageStateMachines",
      ["states:CreateStateMachine", "states:UpdateStateMachine", "states:DeleteStateMachine", "states:TagResource", "states:UntagResource"],
      [m.stateMachines],
    ),
    grant(
      "ManageTopics",
      [
        "sns:CreateTopic",
        "sns:DeleteTopic",
        "sns:SetTopicAttributes",
        "sns:Subscribe",
        "sns:Unsubscribe",
        "sns:SetSubscriptionAttributes",
        "sns:TagResource",
        "sns:UntagResource",
      ],
      [m.topics],
    ),
    grant("ManageQueues", ["sqs:CreateQueue", "sqs:DeleteQueue", "sqs:SetQueueAttributes", "sqs:TagQueue", "sqs:UntagQueue"], [m.queues]),
    grant("ManageGlueJobs", ["glue:CreateJob", "glue:UpdateJob", "glue:DeleteJob", "glue:TagResource", "glue:UntagResource"], [m.glueJobs]),
    // No resource type in IAM for security configurations. https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsglue.html
    anyResourceStatement("githubApply/manageGlueSecurityConfigurations"),
    // CreateKey has no resource (the key does not exist yet): allowed only with this environment's tags.
    {
      ...anyResourceStatement("githubApply/createKeys"),
      conditions: [
        { test: "StringEquals", variable: "aws:RequestTag/project", values: [t.project] },
        { test: "StringEquals", variable: "aws:RequestTag/environment", values: [t.environment] },
      ],
    },
    grant(
      "ManageKeys",
      [
        "kms:PutKeyPolicy",
        "kms:EnableKeyRotation",
        "kms:UpdateKeyDescription",
        "kms:ScheduleKeyDeletion",
        "kms:TagResource",
        "kms:UntagResource",
        "kms:CreateAlias",
        "kms:DeleteAlias",
        "kms:UpdateAlias",
      ],
      [m.keys],
      ownKeys(t),
    ),
    // An alias operation is authorized on both the key (above) and the alias.
    grant("ManageKeyAliases", ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"], [m.aliases]),
  ];
}

/** The statements of each role. */
export function githubRoleStatements(kind: GitHubRoleKind, t: RoleTargets, env: Pick<EnvironmentConfig, "namePrefix" | "accountId">): PolicyStatement[] {
  if (kind === "plan") return [...readStatements(t), ...stateStatements(env, "read-lock")];
  // Drift plans with -lock=false: it writes nothing, so it never holds the lock an apply waits for.
  if (kind === "drift") return [...readStatements(t), ...stateStatements(env, "read"), ...publishAlertStatements(t)];
  if (kind === "operations") return [...operationsStatements(t), ...publishAlertStatements(t)];
  return [...readStatements(t), ...stateStatements(env, "write"), ...publishAlertStatements(t), ...applyStatements(t)];
}

export interface BootstrapStackProps {
  /** Project name: the `project` tag. */
  readonly project: string;
  readonly github: GitHubConfig;
  readonly environment: EnvironmentConfig;
  /** Tests only: skip credential, account and region checks so `terraform plan` runs offline. Default: false. */
  readonly offline?: boolean;
  /** Days a replaced state version is kept, to roll back a broken state. Default: 90. */
  readonly stateVersionRetentionDays?: number;
}

/** One account's bootstrap: state bucket, GitHub OIDC provider, and the plan, drift, apply and operations roles. */
export class BootstrapStack extends TerraformStack {
  public readonly stateBucket: S3Bucket;
  public readonly oidcProvider: IamOpenidConnectProvider;
  public readonly roles: Readonly<Record<GitHubRoleKind, IamRole>>;

  constructor(scope: Construct, id: string, props: BootstrapStackProps) {
    super(scope, id);
    const env = props.environment;
    const names = bootstrapNames(env);

    environmentProvider(this, props);
    // The bucket that would hold remote state is created here, so this stack's own state is local.
    new LocalBackend(this, { path: "terraform.tfstate" });
    Aspects.of(this).add(new Guardrails({ requiredTags: REQUIRED_TAGS }));

    // SSE-S3: the S3 backend's `encrypt = true` asks for it on every state write anyway.
    // Versions are the way back from a broken state. https://developer.hashicorp.com/terraform/language/backend/s3
    this.stateBucket = securedBucket(this, "state-bucket", { name: names.stateBucket, versioned: true }).bucket;
    new S3BucketLifecycleConfiguration(this, "state-bucket-lifecycle", {
      bucket: this.stateBucket.id,
      rule: [
        {
          id: "expire-old-state-versions",
          status: "Enabled",
          filter: [{ prefix: "" }],
          noncurrentVersionExpiration: [{ noncurrentDays: props.stateVersionRetentionDays ?? 90 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });

    // AWS validates GitHub's certificate against its own trusted CAs, so no thumbprint is pinned.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc_verify-thumbprint.html
    this.oidcProvider = new IamOpenidConnectProvider(this, "github-oidc", { url: GITHUB_OIDC_URL, clientIdList: [GITHUB_OIDC_AUDIENCE] });

    const targets: RoleTargets = { region: env.region, accountId: env.accountId, namePrefix: env.namePrefix, project: props.project, environment: env.name };
    const descriptions: Record<GitHubRoleKind, string> = {
      plan: `Read-only: terraform plan of ${env.name} on pull requests of ${props.github.owner}/${props.github.repository}`,
      drift: `Read-only: scheduled drift check of ${env.name} on main of ${props.github.owner}/${props.github.repository}`,
      apply: `terraform apply of ${env.name} from the GitHub environment ${env.name} of ${props.github.owner}/${props.github.repository}`,
      operations: `Smoke test, reruns and failure reports of ${env.name} from the GitHub environment ${env.name} of ${props.github.owner}/${props.github.repository}`,
    };
    const roles = {} as Record<GitHubRoleKind, IamRole>;
    for (const kind of GITHUB_ROLE_KINDS) {
      const trust = new DataAwsIamPolicyDocument(this, `${kind}-trust`, {
        statement: [
          {
            sid: "GitHubActions",
            effect: "Allow",
            actions: ["sts:AssumeRoleWithWebIdentity"],
            principals: [{ type: "Federated", identifiers: [this.oidcProvider.arn] }],
            condition: [
              { test: "StringEquals", variable: `${OIDC_HOST}:aud`, values: [GITHUB_OIDC_AUDIENCE] },
              { test: "StringEquals", variable: `${OIDC_HOST}:sub`, values: [trustedSubject(props.github, kind, env.name)] },
            ],
          },
        ],
      });
      roles[kind] = new IamRole(this, `${kind}-role`, {
        name: names.role(kind),
        description: descriptions[kind],
        assumeRolePolicy: trust.json,
        maxSessionDuration: MAX_SESSION_SECONDS[kind],
      });
      new IamRolePolicy(this, `${kind}-policy`, {
        role: roles[kind].id,
        name: "least-privilege",
        policy: policyDocument(this, `${kind}-policy-document`, githubRoleStatements(kind, targets, env)).json,
      });
    }
    this.roles = roles;

    const output = (name: string, value: string, description: string) => new TerraformOutput(this, name, { value, description });
    output("state_bucket_name", this.stateBucket.bucket, `TF_STATE_BUCKET of ${env.name}: the bucket holding its Terraform state (locking by S3 lock file)`);
    output("github_oidc_provider_arn", this.oidcProvider.arn, "The GitHub Actions OIDC provider of this account");
    output(
      "github_plan_role_arn",
      roles.plan.arn,
      `Role the plan workflow assumes on pull requests (repository variable PLAN_ROLE_ARN_${env.name.toUpperCase()})`,
    );
    output("github_drift_role_arn", roles.drift.arn, `Role the drift workflow assumes on main (repository variable DRIFT_ROLE_ARN_${env.name.toUpperCase()})`);
    output(
      "github_apply_role_arn",
      roles.apply.arn,
      `Role the apply workflow assumes in the GitHub environment ${env.name} (environment variable AWS_APPLY_ROLE_ARN)`,
    );
    output(
      "github_operations_role_arn",
      roles.operations.arn,
      `Role the smoke, rerun and failure-report workflows assume in the GitHub environment ${env.name} (environment variable AWS_OPERATIONS_ROLE_ARN)`,
    );
  }
}
