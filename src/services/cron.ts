/**
 * Checks a cron schedule with cron-parser, the parser BullMQ computes repeat times with, so a pattern or
 * time zone that would only fail when the scheduler first reads it is refused when the config is loaded.
 */
import cronParser from "cron-parser";

const FIELDS = /^(\S+\s+){4,5}\S+$/;
/** Fixed so the check gives the same answer whenever it runs; any instant would do. */
const REFERENCE_DATE = new Date(Date.UTC(2026, 0, 1));

/** Why `timezone` is not an IANA zone this Node.js knows, or undefined when it is. */
export function timeZoneProblem(timezone: string): string | undefined {
  try {
    new Intl.DateTimeFormat("en", { timeZone: timezone });
    cronParser.parseExpression("0 0 * * *", { tz: timezone, currentDate: REFERENCE_DATE }).next();
    return undefined;
  } catch {
    return `unknown time zone ${JSON.stringify(timezone)}; use an IANA name like Europe/Berlin or UTC`;
  }
}

/** Why `pattern` is not a cron expression that ever fires, or undefined when it is. */
export function cronProblem(pattern: string): string | undefined {
  // cron-parser also fills in missing fields; a schedule written with fewer is a typo, not a shorthand.
  if (!FIELDS.test(pattern)) return "a cron expression with 5 or 6 fields, e.g. 0 3 * * 1";
  try {
    cronParser.parseExpression(pattern, { currentDate: REFERENCE_DATE }).next();
    return undefined;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return `not a valid cron expression (${reason}); use 5 or 6 fields, e.g. 0 3 * * 1`;
  }
}
