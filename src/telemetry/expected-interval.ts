/**
 * How often each check ought to be verified, so "not verified within its expected interval" can
 * alert without a per-check threshold in the rules. Pure: the catalog and `now` come in.
 */
import { Cron } from 'croner';
import type { BaseCheckSpec } from '../kinds/types.js';
import type { MigrationSpec } from '../checkfile/migrations.js';

/** Runs looked ahead to find a schedule's longest gap (weekday-only crons have a long weekend). */
const LOOKAHEAD_RUNS = 16;

/** The longest gap between the schedule's next runs, in seconds; undefined if it never runs again or does not parse. */
export function schedulePeriodSeconds(pattern: string, timeZone: string | undefined, now: Date): number | undefined {
  try {
    const cron = new Cron(pattern, { paused: true, ...(timeZone ? { timezone: timeZone } : {}) });
    const runs = cron.nextRuns(LOOKAHEAD_RUNS, now);
    cron.stop();
    if (runs.length < 2) return undefined;
    let longest = 0;
    for (let i = 1; i < runs.length; i++) longest = Math.max(longest, runs[i]!.getTime() - runs[i - 1]!.getTime());
    return longest / 1000;
  } catch {
    // An invalid pattern is the loader's and scheduler's to report; it just has no expectation here.
    return undefined;
  }
}

/** Expected interval per check id: the schedule's period, else the strictest max_age of the gates requiring it. */
export function expectedIntervals(
  checks: Iterable<BaseCheckSpec>,
  migrations: Iterable<MigrationSpec>,
  now: Date,
): Map<string, number> {
  const strictestMaxAge = new Map<string, number>();
  for (const migration of migrations) {
    for (const phase of migration.phases) {
      for (const id of phase.requires) {
        strictestMaxAge.set(id, Math.min(strictestMaxAge.get(id) ?? Infinity, phase.max_age / 1000));
      }
    }
  }
  const out = new Map<string, number>();
  for (const check of checks) {
    const period = check.schedule ? schedulePeriodSeconds(check.schedule, check.time_zone, now) : undefined;
    const interval = period ?? strictestMaxAge.get(check.id);
    if (interval !== undefined && Number.isFinite(interval)) out.set(check.id, interval);
  }
  return out;
}
