/** Business dates (YYYY-MM-DD) as real calendar dates, and the run date of a schedule tick. */
import type { RunDate } from "./contracts";

const RUN_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True when `value` is YYYY-MM-DD and that day exists (2026-02-30 does not). */
export function isRunDate(value: unknown): value is RunDate {
  if (typeof value !== "string") return false;
  const m = RUN_DATE.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** The calendar date of `instant` in the IANA time zone `timeZone`, plus `offsetDays` days. */
export function runDateAt(instant: Date, timeZone: string, offsetDays: number): RunDate {
  // en-CA formats dates as YYYY-MM-DD; formatToParts keeps this independent of that detail.
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(instant);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const shifted = new Date(Date.UTC(part("year"), part("month") - 1, part("day") + offsetDays));
  return shifted.toISOString().slice(0, 10);
}
