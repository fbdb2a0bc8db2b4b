import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildSync } from "esbuild";

/** Where bundles are written by default: `<repo>/dist/lambdas` (git-ignored). */
export const DEFAULT_BUNDLE_DIR = resolve(__dirname, "..", "dist", "lambdas");

/** The Lambda runtime the bundles target; esbuild's target and the function's runtime must agree. */
export const LAMBDA_RUNTIME = "nodejs22.x";
export const ESBUILD_TARGET = "node22";

/**
 * Modules left out of the bundles. Only what the runtime provides may be external (Node built-ins
 * are, on platform "node"); the nodejs22.x runtime also provides the AWS SDK v3
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html), but it is bundled too: the
 * bundle then runs the SDK version the tests ran, and one minified file loads faster than the SDK's
 * many modules (measured in bench/infra-results.md: cold init about half, zip still far under 300 KB).
 */
export const EXTERNAL_MODULES: readonly string[] = [];

export interface LambdaBundle {
  /** Directory holding index.js (and nothing else), ready to be zipped. */
  readonly dir: string;
  /** sha256 of the bundled code; the directory name carries it, so a changed bundle never overwrites one in use. */
  readonly hash: string;
  readonly bytes: number;
}

/**
 * Bundles `entry` (a handler.ts exporting `handler`) into `<outRoot>/<name>-<hash>/index.js`.
 * Content-addressed so that concurrent synths (tests run in parallel) never write the same file
 * half-way: each writes a temporary directory and renames it into place.
 */
export function bundleLambda(name: string, entry: string, outRoot: string = DEFAULT_BUNDLE_DIR): LambdaBundle {
  // Every stack of an app deploys the same functions: bundle each entry once per process.
  const memoKey = `${name}\0${entry}\0${outRoot}`;
  const memo = bundled.get(memoKey);
  if (memo !== undefined && existsSync(join(memo.dir, "index.js"))) return memo;
  const built = buildBundle(name, entry, outRoot);
  bundled.set(memoKey, built);
  return built;
}

const bundled = new Map<string, LambdaBundle>();

function buildBundle(name: string, entry: string, outRoot: string): LambdaBundle {
  if (!existsSync(entry)) throw new Error(`bundleLambda ${name}: entry ${entry} does not exist; expected lambdas/${name}/handler.ts exporting handler`);
  const result = buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    target: ESBUILD_TARGET,
    format: "cjs",
    minify: true,
    sourcemap: false,
    external: [...EXTERNAL_MODULES],
    // Prefer ES modules so unused exports of dependencies are dropped.
    mainFields: ["module", "main"],
    legalComments: "none",
    write: false,
    outfile: "index.js",
    logLevel: "silent",
  });
  const code = result.outputFiles[0]?.contents;
  if (code === undefined) throw new Error(`bundleLambda ${name}: esbuild produced no output for ${entry}`);
  const hash = createHash("sha256").update(code).digest("hex");
  const dir = join(outRoot, `${name}-${hash.slice(0, 16)}`);
  if (!existsSync(join(dir, "index.js"))) {
    const temp = `${dir}.${process.pid}.${Date.now()}.tmp`;
    mkdirSync(temp, { recursive: true });
    writeFileSync(join(temp, "index.js"), code);
    try {
      renameSync(temp, dir);
    } catch (err) {
      // Another process renamed the same content into place first; theirs is identical.
      rmSync(temp, { recursive: true, force: true });
      if (!existsSync(join(dir, "index.js"))) throw err;
    }
  }
  return { dir, hash, bytes: code.byteLength };
}
