import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GlueJob } from "@cdktf/provider-aws/lib/glue-job";
import { GlueSecurityConfiguration } from "@cdktf/provider-aws/lib/glue-security-configuration";
import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import { JoinJob, type JoinJobProps } from "../../stacks/join-job";
import { policyDocument, resourceOf, resourcesOf, synthScope } from "./support";

const fixtures = join(__dirname, "fixtures", "glue");
const props: JoinJobProps = {
  accountId: "123456789012",
  region: "eu-west-1",
  pipeline: "demo",
  jobName: "tst-demo-join",
  resourcePrefix: "tst-demo-join",
  landingBucketName: "tst-landing",
  landingBucketArn: "arn:aws:s3:::tst-landing",
  resultsBucketName: "tst-results",
  resultsBucketArn: "arn:aws:s3:::tst-results",
  artifactsBucketName: "tst-artifacts",
  artifactsBucketArn: "arn:aws:s3:::tst-artifacts",
  dataKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/data",
  referenceLocations: ["s3://ref-bucket/demo/accounts/", "s3://other-ref/instruments/"],
  scriptPath: join(fixtures, "pipeline_job.py"),
  jobSpecJson: '{"version":1}',
  sqlFiles: [join(fixtures, "sql", "demo", "out_a.sql"), join(fixtures, "sql", "demo", "out_b.sql")],
  workerType: "G.2X",
  maxWorkers: 12,
  autoscaling: true,
  executionClass: "FLEX",
  timeoutMinutes: 90,
  tags: { pipeline: "demo" },
};
const { text, json } = synthScope((scope) => new JoinJob(scope, "join", props));
const md5 = (path: string) => createHash("md5").update(readFileSync(path)).digest("hex");

describe("JoinJob", () => {
  test("is a Glue 5.0 Spark job (glueetl, Python 3) sized and timed from its props", () => {
    expect(text).toHaveResourceWithProperties(GlueJob, {
      name: "tst-demo-join",
      glue_version: "5.0",
      command: { name: "glueetl", python_version: "3", script_location: "s3://tst-artifacts/glue/demo/pipeline_job.py" },
      worker_type: "G.2X",
      number_of_workers: 12,
      execution_class: "FLEX",
      timeout: 90,
      max_retries: 0,
      tags: { pipeline: "demo" },
    });
  });

  test("passes the contract's arguments and the observability and autoscaling flags", () => {
    const job = resourceOf(json, "aws_glue_job");
    expect(job.default_arguments).toEqual({
      "--job_spec_uri": "s3://tst-artifacts/glue/demo/job-spec.json",
      "--sql_uri": "s3://tst-artifacts/glue/demo/sql/",
      "--landing_uri": "s3://tst-landing/incoming/demo/",
      "--results_uri": "s3://tst-results/demo/",
      "--job-language": "python",
      "--TempDir": "s3://tst-artifacts/glue-temp/demo/",
      "--enable-metrics": "true",
      "--enable-continuous-cloudwatch-log": "true",
      "--enable-observability-metrics": "true",
      "--enable-auto-scaling": "true",
      "--job-bookmark-option": "job-bookmark-disable",
    });
  });

  test("leaves autoscaling off when the config says so", () => {
    const off = synthScope((scope) => new JoinJob(scope, "join", { ...props, autoscaling: false }));
    expect(resourceOf(off.json, "aws_glue_job").default_arguments).not.toHaveProperty("--enable-auto-scaling");
  });

  test("encrypts S3 data, logs and bookmarks with the data key", () => {
    expect(text).toHaveResourceWithProperties(GlueSecurityConfiguration, {
      encryption_configuration: {
        s3_encryption: { s3_encryption_mode: "SSE-KMS", kms_key_arn: props.dataKeyArn },
        cloudwatch_encryption: { cloudwatch_encryption_mode: "SSE-KMS", kms_key_arn: props.dataKeyArn },
        job_bookmarks_encryption: { job_bookmarks_encryption_mode: "CSE-KMS", kms_key_arn: props.dataKeyArn },
      },
    });
    expect(String(resourceOf(json, "aws_glue_job").security_configuration)).toContain("aws_glue_security_configuration.join_security-configuration");
  });

  test("uploads the script, the job spec and each SQL file, replaced when their content changes", () => {
    const objects = Object.values(resourcesOf(json, "aws_s3_object"));
    expect(objects.map((o) => o.key).sort()).toEqual([
      "glue/demo/job-spec.json",
      "glue/demo/pipeline_job.py",
      "glue/demo/sql/out_a.sql",
      "glue/demo/sql/out_b.sql",
    ]);
    expect(text).toHaveResourceWithProperties(S3Object, { key: "glue/demo/sql/out_a.sql", source_hash: md5(props.sqlFiles[0] as string) });
    expect(text).toHaveResourceWithProperties(S3Object, { key: "glue/demo/pipeline_job.py", source_hash: md5(props.scriptPath) });
    expect(text).toHaveResourceWithProperties(S3Object, { key: "glue/demo/job-spec.json", content: '{"version":1}' });
  });

  test("lets the role read the pipeline's landing prefix and exactly the configured references, and write only its results", () => {
    const statements = policyDocument(json, "join_policy-document");
    const bySid = Object.fromEntries(statements.map((s) => [s.sid, s]));
    expect(bySid.ReadInputs?.actions).toEqual(["s3:GetObject"]);
    expect(bySid.ReadInputs?.resources).toEqual([
      "arn:aws:s3:::tst-landing/incoming/demo/*",
      "arn:aws:s3:::ref-bucket/demo/accounts/*",
      "arn:aws:s3:::other-ref/instruments/*",
      "arn:aws:s3:::tst-artifacts/glue/*",
    ]);
    expect(bySid.WriteOutputs?.resources).toEqual(["arn:aws:s3:::tst-results/demo/*", "arn:aws:s3:::tst-artifacts/glue-temp/demo/*"]);
    expect(bySid.ListBuckets?.resources).toEqual(expect.arrayContaining(["arn:aws:s3:::ref-bucket", "arn:aws:s3:::other-ref"]));
    expect(bySid.WriteJobLogs?.resources).toEqual(["arn:aws:logs:eu-west-1:123456789012:log-group:/aws-glue/*"]);
    expect(bySid.PublishJobMetrics?.condition).toEqual([{ test: "StringEquals", variable: "cloudwatch:namespace", values: ["Glue"] }]);
  });
});
