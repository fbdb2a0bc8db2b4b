/**
 * The project's own Terraform CLI configuration. The machines this repository runs on point
 * TF_CLI_CONFIG_FILE at a file that does not exist, and have no internet but a filesystem mirror of
 * the AWS provider; GitHub Actions has the registry. This module finds the mirror, writes a CLI
 * config that installs from it (or from the registry when there is none), and gives the environment
 * to run `terraform` with.
 *
 * Run it directly to write the config and print the variables to export:
 *   npx tsx scripts/terraform.ts
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** The provider every stack uses; the mirror must hold it in this layout (`<mirror>/registry.terraform.io/hashicorp/aws/<version>/`). */
export const AWS_PROVIDER_SOURCE = "registry.terraform.io/hashicorp/aws";

/** Directories searched for a mirror when TF_PROVIDER_MIRROR is not set, in order. */
export const MIRROR_CANDIDATES: readonly string[] = [
  "/opt/tf-plugins",
  "/usr/local/share/terraform/plugins",
  "/usr/share/terraform/plugins",
  join(process.env.HOME ?? "/root", ".terraform.d", "plugins"),
  join(process.env.HOME ?? "/root", ".local", "share", "terraform", "plugins"),
];

/** Environment variable that names the mirror directory explicitly (and turns off the search). */
export const MIRROR_ENV = "TF_PROVIDER_MIRROR";

const REPO_ROOT = resolve(__dirname, "..");

/** Where the CLI config and the plugin cache live: inside the repository, under the git-ignored `.terraform/`. */
export const DEFAULT_TOOLING_DIR = join(REPO_ROOT, ".terraform");

/** Whether `dir` is a provider mirror holding the AWS provider. */
export function isProviderMirror(dir: string): boolean {
  try {
    return statSync(join(dir, AWS_PROVIDER_SOURCE)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The provider mirror to install from, or undefined to use the registry. TF_PROVIDER_MIRROR wins
 * when set; a value that is not a mirror is an error rather than a silent fallback to the network.
 */
export function detectProviderMirror(env: NodeJS.ProcessEnv = process.env, candidates: readonly string[] = MIRROR_CANDIDATES): string | undefined {
  const explicit = env[MIRROR_ENV];
  if (explicit !== undefined && explicit.trim() !== "") {
    const dir = resolve(explicit);
    if (!isProviderMirror(dir)) {
      throw new Error(`${MIRROR_ENV}=${JSON.stringify(explicit)} is not a provider mirror: ${join(dir, AWS_PROVIDER_SOURCE)} does not exist`);
    }
    return dir;
  }
  return candidates.find(isProviderMirror);
}

/**
 * The text of a Terraform CLI config. With a mirror, the AWS provider comes only from it (so an
 * offline machine never tries the registry for it) and anything else from the registry.
 * See https://developer.hashicorp.com/terraform/cli/config/config-file#provider-installation
 */
export function renderCliConfig(mirror: string | undefined): string {
  if (mirror === undefined) {
    return [
      "# Written by scripts/terraform.ts: no provider mirror found, providers come from the registry.",
      "provider_installation {",
      "  direct {}",
      "}",
      "",
    ].join("\n");
  }
  return [
    `# Written by scripts/terraform.ts: the AWS provider comes from the filesystem mirror ${mirror}.`,
    "provider_installation {",
    "  filesystem_mirror {",
    `    path    = ${JSON.stringify(mirror)}`,
    `    include = [${JSON.stringify(AWS_PROVIDER_SOURCE)}]`,
    "  }",
    "  direct {",
    `    exclude = [${JSON.stringify(AWS_PROVIDER_SOURCE)}]`,
    "  }",
    "}",
    "",
  ].join("\n");
}

export interface TerraformSetup {
  /** The CLI config file written. */
  readonly cliConfigFile: string;
  /** The mirror the config installs from; undefined when it uses the registry. */
  readonly mirror: string | undefined;
  /** Shared provider cache, so each stack's `terraform init` links the provider instead of copying it. */
  readonly pluginCacheDir: string;
}

export interface TerraformSetupOptions {
  /** Directory for the CLI config and the plugin cache. Default: `<repo>/.terraform`. */
  readonly toolingDir?: string;
  /** Environment read for TF_PROVIDER_MIRROR. Default: process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Mirror search path. Default: MIRROR_CANDIDATES. */
  readonly candidates?: readonly string[];
}

/** Detects the mirror and writes the CLI config (only when its text changed, so parallel callers do not race on a half-written file). */
export function setupTerraform(options: TerraformSetupOptions = {}): TerraformSetup {
  const toolingDir = options.toolingDir ?? DEFAULT_TOOLING_DIR;
  const mirror = detectProviderMirror(options.env ?? process.env, options.candidates ?? MIRROR_CANDIDATES);
  const pluginCacheDir = join(toolingDir, "plugin-cache");
  mkdirSync(pluginCacheDir, { recursive: true });
  const cliConfigFile = join(toolingDir, "cli.tfrc");
  const text = renderCliConfig(mirror);
  if (!existsSync(cliConfigFile) || readFileSync(cliConfigFile, "utf8") !== text) {
    const temp = `${cliConfigFile}.${process.pid}.tmp`;
    writeFileSync(temp, text);
    // rename is atomic, so a concurrent reader sees the old or the new file, never half of one.
    renameSync(temp, cliConfigFile);
  }
  return { cliConfigFile, mirror, pluginCacheDir };
}

export interface TerraformEnvOptions {
  /** Adds fake AWS credentials and a region so `plan` runs without an account (with the stack's `offline` provider flags). Default: false. */
  readonly offline?: boolean;
  /** The environment to extend. Default: process.env. */
  readonly base?: NodeJS.ProcessEnv;
}

/** The environment to run `terraform` with: the project's CLI config, no checkpoint calls, automation mode, the shared plugin cache. */
export function terraformEnv(setup: TerraformSetup, options: TerraformEnvOptions = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...(options.base ?? process.env),
    TF_CLI_CONFIG_FILE: setup.cliConfigFile,
    TF_PLUGIN_CACHE_DIR: setup.pluginCacheDir,
    CHECKPOINT_DISABLE: "1",
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
  };
  if (options.offline) {
    // Fake credentials: the offline provider skips every call that would check them.
    env.AWS_ACCESS_KEY_ID = "AKIAOFFLINEPLAN00000";
    env.AWS_SECRET_ACCESS_KEY = "offline-plan-secret-key-not-a-real-credential";
    env.AWS_REGION = env.AWS_REGION ?? "us-east-1";
    delete env.AWS_PROFILE;
    delete env.AWS_SESSION_TOKEN;
  }
  return env;
}

if (require.main === module) {
  try {
    const setup = setupTerraform();
    process.stdout.write(`# provider source: ${setup.mirror ?? "registry"}\n`);
    process.stdout.write(`export TF_CLI_CONFIG_FILE=${setup.cliConfigFile}\nexport TF_PLUGIN_CACHE_DIR=${setup.pluginCacheDir}\nexport CHECKPOINT_DISABLE=1\n`);
  } catch (err) {
    process.stderr.write(`scripts/terraform.ts: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
