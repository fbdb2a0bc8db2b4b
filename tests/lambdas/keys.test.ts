import fc from "fast-check";
import { decodeEventKey, parseLandingKey } from "../../lambdas/shared/keys";
import { BUCKETS, prodRuntimeConfig } from "./support";

const config = prodRuntimeConfig();
const parse = (key: string, bucket: string = BUCKETS.landing) => parseLandingKey(config, bucket, key);

describe("decodeEventKey", () => {
  it("turns + into a space and %XX into UTF-8 characters", () => {
    expect(decodeEventKey("incoming/finance-risk/trades/run_date%3D2026-12-03/desk+%C3%A9quities+%E6%9D%B1%E4%BA%AC.csv")).toBe(
      "incoming/finance-risk/trades/run_date=2026-12-03/desk équities 東京.csv",
    );
  });

  it("keeps a literal plus that S3 encoded as %2B", () => {
    expect(decodeEventKey("a%2Bb+c")).toBe("a+b c");
  });

  it("returns undefined for malformed percent-encoding", () => {
    expect(decodeEventKey("incoming/%E0%A4%A/_SUCCESS")).toBeUndefined();
  });

  it("inverts S3's form encoding for any key", () => {
    const s3Encode = (key: string) => encodeURIComponent(key).replace(/%20/g, "+");
    fc.assert(fc.property(fc.string({ unit: "grapheme", maxLength: 40 }), (key) => decodeEventKey(s3Encode(key)) === key));
  });
});

describe("parseLandingKey", () => {
  it("accepts a marker of a configured dataset on a real date", () => {
    expect(parse("incoming/finance-risk/fx_rates/run_date=2026-12-03/_SUCCESS")).toEqual({
      ok: true,
      object: {
        pipeline: "finance-risk",
        dataset: "fx_rates",
        runDate: "2026-12-03",
        file: "_SUCCESS",
        key: "incoming/finance-risk/fx_rates/run_date=2026-12-03/_SUCCESS",
        isMarker: true,
      },
    });
  });

  it("accepts data files with spaces, unicode and nested folders, which are not markers", () => {
    const result = parse("incoming/finance-risk/trades/run_date=2024-02-29/desk équities/東京 part+1.csv");
    expect(result).toMatchObject({ ok: true, object: { dataset: "trades", runDate: "2024-02-29", file: "desk équities/東京 part+1.csv", isMarker: false } });
  });

  it("does not treat a file that merely contains _SUCCESS as the marker", () => {
    expect(parse("incoming/finance-risk/trades/run_date=2026-12-03/_SUCCESS.tmp")).toMatchObject({ ok: true, object: { isMarker: false } });
    expect(parse("incoming/finance-risk/trades/run_date=2026-12-03/retry/_SUCCESS")).toMatchObject({ ok: true, object: { isMarker: false } });
  });

  it.each([
    ["2026-02-30", "2026-02-30"],
    ["2025-02-29", "2025-02-29"],
    ["2026-13-01", "2026-13-01"],
    ["2026-12-3", "2026-12-3"],
    ["20261203", "20261203"],
    ["2026-12-03 ", "2026-12-03 "],
  ])("ignores run_date=%s, naming the bad date", (date, shown) => {
    const result = parse(`incoming/finance-risk/trades/run_date=${date}/_SUCCESS`);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain(JSON.stringify(shown));
  });

  it.each([
    ["another bucket", "incoming/finance-risk/trades/run_date=2026-12-03/_SUCCESS", "other-bucket", "is not the landing bucket"],
    ["a key outside incoming/", "archive/finance-risk/trades/run_date=2026-12-03/_SUCCESS", BUCKETS.landing, "is not under incoming/"],
    ["an unknown pipeline", "incoming/credit-risk/trades/run_date=2026-12-03/_SUCCESS", BUCKETS.landing, 'pipeline "credit-risk" is not configured'],
    ["a unicode pipeline name", "incoming/fínance-risk/trades/run_date=2026-12-03/_SUCCESS", BUCKETS.landing, "is not configured"],
    ["a prototype property as pipeline", "incoming/constructor/trades/run_date=2026-12-03/_SUCCESS", BUCKETS.landing, "is not configured"],
    ["an unknown dataset", "incoming/finance-risk/positions/run_date=2026-12-03/_SUCCESS", BUCKETS.landing, 'dataset "positions" is not one of'],
    ["a missing partition", "incoming/finance-risk/trades/2026-12-03/_SUCCESS", BUCKETS.landing, "where run_date=YYYY-MM-DD belongs"],
    ["a too short key", "incoming/finance-risk/trades/", BUCKETS.landing, "does not match"],
    ["a folder key", "incoming/finance-risk/trades/run_date=2026-12-03/", BUCKETS.landing, "is a folder (it ends in /)"],
  ])("ignores %s with the reason", (_what, key, bucket, reason) => {
    const result = parse(key, bucket);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain(reason);
  });
});
