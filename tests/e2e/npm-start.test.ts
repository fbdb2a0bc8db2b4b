/**
 * `npm start` as a newcomer runs it: a child process, its exit code and what it prints. The happy
 * run must exit 0 with a verified summary; each scenario must exit non-zero and print the alert an
 * administrator would receive.
 */
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";

const ROOT = resolve(__dirname, "../..");

function npmStart(args: string[]): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [join(ROOT, "node_modules/tsx/dist/cli.mjs"), "local/cli.ts", "start", ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: "--openssl-legacy-provider", CI: "true" },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("npm start", () => {
  it("runs a whole day, verifies it and exits 0", () => {
    const { status, output } = npmStart(["--date", "2026-11-20", "--trades", "2000"]);
    expect(output).toContain("Daily run 2026-11-20: SUCCEEDED and verified");
    expect(output).toMatch(/trade_exposures\s+\d+ rows/);
    expect(output).toMatch(/exceptions by reason: MISSING_FX_RATE 3, MISSING_PRICE 4, UNKNOWN_ACCOUNT 7, UNKNOWN_INSTRUMENT 5/);
    expect(output).toMatch(/finance-risk-2026-11-20: WaitForDatasets/);
    expect(status).toBe(0);
  }, 120_000);

  it.each([
    ["missing-dataset", /Subject: \[dev\] finance-risk 2026-11-21 FAILED at WaitForDatasets: missing fx_rates/, /Missing datasets at the deadline: fx_rates/],
    [
      "bad-input",
      /Subject: \[dev\] finance-risk 2026-11-21 FAILED at RunJoin/,
      /ValidationFailed: dataset "trades", object incoming\/finance-risk\/trades\/run_date=2026-11-21\/trades\.csv, line 5: column "quantity" value "12x" is not a decimal/,
    ],
    ["join-failure", /Subject: \[dev\] finance-risk 2026-11-21 FAILED at RunJoin: Glue job failed/, /ErrorMessage: .*Job aborted due to stage failure/],
  ])(
    "--scenario %s exits non-zero and prints the alert",
    (scenario, subject, detail) => {
      const { status, output } = npmStart(["--date", "2026-11-21", "--trades", "500", "--scenario", scenario]);
      expect(output).toContain("Alert published to the SNS topic (outbox):");
      expect(output).toMatch(subject);
      expect(output).toMatch(detail);
      expect(output).toMatch(/npm run rerun -- --env dev --pipeline finance-risk --date 2026-11-21 --mode restart/);
      expect(status).toBe(1);
    },
    120_000,
  );

  it("refuses a wrong flag with the value and what is allowed", () => {
    const { status, output } = npmStart(["--scenario", "meteor"]);
    expect(output).toContain('--scenario: got "meteor"; allowed: happy | missing-dataset | bad-input | join-failure');
    expect(status).toBe(2);
  });
});
