import fc from "fast-check";
import { isRunDate, runDateAt } from "../../lambdas/shared/dates";

describe("isRunDate", () => {
  it("accepts real calendar dates, leap days included", () => {
    for (const d of ["2026-12-03", "2024-02-29", "2000-02-29", "2026-01-31"]) expect(isRunDate(d)).toBe(true);
  });

  it("rejects impossible or malformed dates and non-strings", () => {
    for (const d of ["2026-02-30", "2025-02-29", "1900-02-29", "2026-04-31", "2026-00-10", "2026-1-01", "0000-01-01", " 2026-12-03", 20261203, undefined]) {
      expect(isRunDate(d)).toBe(false);
    }
  });

  it("agrees with the ISO date of every day", () => {
    fc.assert(
      fc.property(fc.date({ min: new Date("1970-01-01"), max: new Date("2200-12-31"), noInvalidDate: true }), (d) => isRunDate(d.toISOString().slice(0, 10))),
    );
  });
});

describe("runDateAt", () => {
  it("takes the date in the schedule's time zone, not UTC", () => {
    const instant = new Date("2026-12-03T02:00:00Z");
    expect(runDateAt(instant, "UTC", 0)).toBe("2026-12-03");
    expect(runDateAt(instant, "America/New_York", 0)).toBe("2026-12-02");
    expect(runDateAt(new Date("2026-12-03T23:30:00Z"), "Asia/Tokyo", 0)).toBe("2026-12-04");
  });

  it("applies the offset across month and year ends", () => {
    expect(runDateAt(new Date("2026-01-01T06:00:00Z"), "UTC", -1)).toBe("2025-12-31");
    expect(runDateAt(new Date("2024-03-01T06:00:00Z"), "Europe/London", -1)).toBe("2024-02-29");
  });
});
