import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { RULES } from "../../policies/rules";

const REPO_ROOT = resolve(__dirname, "..", "..");
const doc = readFileSync(join(REPO_ROOT, "docs", "guardrails.md"), "utf8");
const checkov = readFileSync(join(REPO_ROOT, ".checkov.yaml"), "utf8");

describe("the guardrails documentation and the Checkov suppressions", () => {
  test("docs/guardrails.md has one table row per rule with its id, title, control and what it checks", () => {
    const rows = doc
      .split("\n")
      .filter((line) => /^\| ETL-/.test(line))
      .map((line) => line.slice(2, -2).split(/ (?<!\\)\| /));
    expect(rows).toEqual(RULES.map((r) => [r.id, r.title, r.control, r.checks.replace(/\|/g, "\\|")]));
  });

  test("every suppressed Checkov check has a reason right above it and is listed once", () => {
    const lines = checkov.split("\n");
    const skipped = lines.flatMap((line, i) => {
      const id = /^\s+- (CKV2?_AWS_\d+)\s*$/.exec(line)?.[1];
      return id === undefined ? [] : [{ id, i }];
    });
    expect(skipped.length).toBeGreaterThan(0);
    expect(new Set(skipped.map((s) => s.id)).size).toBe(skipped.length);
    for (const { id, i } of skipped) {
      // The reason is the comment block above the id (or above the group of ids it shares a reason with).
      let j = i - 1;
      while (j >= 0 && /^\s+- CKV/.test(lines[j] as string)) j--;
      expect({ id, reason: /^\s+# \S/.test(lines[j] ?? "") }).toEqual({ id, reason: true });
    }
    expect(lines.filter((l) => /^[a-z-]+:/.test(l))).toEqual(["skip-check:"]);
  });
});
