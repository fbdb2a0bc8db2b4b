import { mkdtempSync as makeTemp, mkdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AWS_PROVIDER_SOURCE, detectProviderMirror, renderCliConfig, setupTerraform, terraformEnv } from "../../scripts/terraform";

const created: string[] = [];
function mkdtempSync(prefix: string): string {
  const dir = makeTemp(prefix);
  created.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

function fakeMirror(): string {
  const dir = mkdtempSync(join(tmpdir(), "mirror-"));
  mkdirSync(join(dir, AWS_PROVIDER_SOURCE, "5.100.0", "linux_amd64"), { recursive: true });
  return dir;
}

describe("scripts/terraform", () => {
  test("finds the first candidate that holds the AWS provider", () => {
    const empty = mkdtempSync(join(tmpdir(), "empty-"));
    const mirror = fakeMirror();
    expect(detectProviderMirror({}, [empty, mirror])).toBe(mirror);
    expect(detectProviderMirror({}, [empty])).toBeUndefined();
  });

  test("TF_PROVIDER_MIRROR overrides the search, and a wrong value is an error naming it", () => {
    const mirror = fakeMirror();
    expect(detectProviderMirror({ TF_PROVIDER_MIRROR: mirror }, [])).toBe(mirror);
    expect(() => detectProviderMirror({ TF_PROVIDER_MIRROR: "/nonexistent/mirror" }, [mirror])).toThrow(
      /TF_PROVIDER_MIRROR="\/nonexistent\/mirror" is not a provider mirror/,
    );
  });

  test("the CLI config installs the AWS provider only from the mirror when there is one, from the registry otherwise", () => {
    const withMirror = renderCliConfig("/opt/mirror");
    expect(withMirror).toContain('filesystem_mirror {\n    path    = "/opt/mirror"');
    expect(withMirror).toContain(`exclude = ["${AWS_PROVIDER_SOURCE}"]`);
    const registry = renderCliConfig(undefined);
    expect(registry).not.toContain("filesystem_mirror");
    expect(registry).toContain("direct {}");
  });

  test("setupTerraform writes the config where the environment then points terraform", () => {
    const mirror = fakeMirror();
    const toolingDir = mkdtempSync(join(tmpdir(), "tooling-"));
    const setup = setupTerraform({ toolingDir, env: { TF_PROVIDER_MIRROR: mirror } });
    expect(setup.mirror).toBe(mirror);
    expect(readFileSync(setup.cliConfigFile, "utf8")).toBe(renderCliConfig(mirror));
    const env = terraformEnv(setup, { offline: true, base: { PATH: "/usr/bin", AWS_PROFILE: "real" } });
    expect(env).toMatchObject({
      TF_CLI_CONFIG_FILE: setup.cliConfigFile,
      TF_PLUGIN_CACHE_DIR: setup.pluginCacheDir,
      CHECKPOINT_DISABLE: "1",
      TF_IN_AUTOMATION: "1",
      PATH: "/usr/bin",
    });
    expect(env.AWS_ACCESS_KEY_ID).toBeTruthy();
    expect(env.AWS_SECRET_ACCESS_KEY).toBeTruthy();
    expect(env.AWS_PROFILE).toBeUndefined();
  });

  test("without offline, no credentials are invented", () => {
    const setup = setupTerraform({ toolingDir: mkdtempSync(join(tmpdir(), "tooling-")), env: { TF_PROVIDER_MIRROR: fakeMirror() } });
    expect(terraformEnv(setup, { base: {} }).AWS_ACCESS_KEY_ID).toBeUndefined();
  });
});
