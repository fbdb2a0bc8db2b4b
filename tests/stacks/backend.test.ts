import { TerraformStack, Testing } from "cdktf";
import { applyStateBackend, chooseStateBackend } from "../../stacks/backend";

const env = { name: "dev" as const, namePrefix: "detl-dev" };

describe("state backend", () => {
  test("uses TF_STATE_* variables when set, with a default key per environment", () => {
    expect(chooseStateBackend(env, { TF_STATE_BUCKET: "tf-state", TF_STATE_REGION: "eu-west-1" })).toEqual({
      kind: "s3",
      bucket: "tf-state",
      region: "eu-west-1",
      key: "detl-dev/terraform.tfstate",
    });
    expect(chooseStateBackend(env, { TF_STATE_BUCKET: "tf-state", TF_STATE_REGION: "eu-west-1", TF_STATE_KEY: "k.tfstate" })).toMatchObject({
      key: "k.tfstate",
    });
  });

  test("the variables win over the environment's stateBackend, which wins over local state", () => {
    const configured = { ...env, stateBackend: { bucket: "cfg-state", region: "us-east-1" } };
    expect(chooseStateBackend(configured, { TF_STATE_BUCKET: "ci-state", TF_STATE_REGION: "eu-west-1" })).toMatchObject({ bucket: "ci-state" });
    expect(chooseStateBackend(configured, {})).toEqual({ kind: "s3", bucket: "cfg-state", region: "us-east-1", key: "detl-dev/terraform.tfstate" });
    expect(chooseStateBackend(env, {})).toEqual({ kind: "local", path: "terraform.tfstate" });
  });

  test("a bucket without a region is an error naming both variables", () => {
    expect(() => chooseStateBackend(env, { TF_STATE_BUCKET: "tf-state" })).toThrow(/TF_STATE_BUCKET="tf-state" and TF_STATE_REGION=""; allowed: both set/);
  });

  test("S3 state is encrypted and locks with a lock file", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    applyStateBackend(stack, { kind: "s3", bucket: "tf-state", region: "eu-west-1", key: "k" });
    const backend = (JSON.parse(Testing.synth(stack)) as { terraform: { backend: { s3: Record<string, unknown> } } }).terraform.backend.s3;
    expect(backend).toMatchObject({ bucket: "tf-state", region: "eu-west-1", key: "k", encrypt: true, use_lockfile: true });
  });

  test("local state otherwise", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    applyStateBackend(stack, { kind: "local", path: "terraform.tfstate" });
    expect((JSON.parse(Testing.synth(stack)) as { terraform: { backend: Record<string, unknown> } }).terraform.backend).toEqual({
      local: { path: "terraform.tfstate" },
    });
  });
});
