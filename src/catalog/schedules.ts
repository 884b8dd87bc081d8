/**
 * A check's `schedule:` and `time_zone:`, parsed once while its file is parsed: the loader reports
 * problems at their file:line:column like any other, and the scheduler and the metrics use the
 * parsed schedule (UTC unless a zone is given) instead of parsing the cron text again.
 */
import { parseSchedule, type Schedule } from '../checkfile/cron.js';

/** The parsed schedule (undefined when the check has none), or the key at fault and why. */
export function scheduleOfCheck(spec: { schedule?: string | undefined; time_zone?: string | undefined }, now: Date): Schedule | undefined | { key: 'schedule' | 'time_zone'; error: string } {
  if (spec.schedule === undefined) {
    return spec.time_zone === undefined ? undefined : { key: 'time_zone', error: 'time_zone only applies to a schedule; add schedule: or remove time_zone:' };
  }
  const parsed = parseSchedule(spec.schedule, spec.time_zone, now);
  if (!('error' in parsed)) return parsed;
  return { key: parsed.error.startsWith('time zone') ? 'time_zone' : 'schedule', error: parsed.error };
}
